; sensor.s: a field sensor in the fixed `sensor` partition. Every PERIOD ticks it
; sends its next reading (one word) to the gate `inbox`, which the controller
; partition `ctrl` receives. A full gate is an error the sender sees (-E_FULL):
; the sensor reports it once when the gate fills and once when it drains again.
PERIOD = 5

        .text
start:  li    r8, 0             ; reading number
        li    r9, 0             ; 1 while the gate is full
loop:   addi  r8, r8, 1
        la    r4, reading
        st    r8, [r4]
        la    r0, gate
        li    r1, gate_len
        la    r2, reading
        li    r3, WORD_BYTES
        sys   gate_send
        cmpi  r0, 0
        beq   sent
        cmpi  r9, 1
        beq   wait              ; already reported
        li    r9, 1
        la    r0, full
        li    r1, full_len
        sys   puts
        b     wait
sent:   cmpi  r9, 0
        beq   wait
        li    r9, 0
        la    r0, again
        li    r1, again_len
        sys   puts
wait:   li    r0, PERIOD
        sys   sleep
        b     loop

        .data
        .align 8
reading: .word 0
gate:   .ascii "inbox"
gate_len = . - gate
full:   .ascii "sensor: inbox full, readings are not delivered\n"
full_len = . - full
again:  .ascii "sensor: inbox accepts readings again\n"
again_len = . - again
