; port-writer.s: the source of the sampling port `speed` (README, "Sampling
; ports"). Every PERIOD ticks it writes its next value, one 32-bit word (the
; port's message_size is 4), to the port; destinations read the latest one.
PERIOD = 5

        .text
start:  li    r8, 0             ; value
loop:   addi  r8, r8, 1
        la    r4, value
        stw   r8, [r4]
        la    r0, port
        li    r1, port_len
        la    r2, value
        li    r3, 4
        sys   port_write
        li    r0, PERIOD
        sys   sleep
        b     loop

        .data
        .align 8
value:  .word 0
port:   .ascii "speed"
port_len = . - port
