; port-reader.s: a destination of the sampling port `speed` (README, "Sampling
; ports"). Every PERIOD ticks it reads the latest message and prints
; `sample N valid V age A`: N the 32-bit value, V 1 while the message is no
; older than the port's refresh period, A its age in ticks of the node the
; reader runs on now (also after it migrated). Before the first message it
; prints `no sample`.
PERIOD = 5

        .text
start:
loop:   la    r0, port
        li    r1, port_len
        la    r2, buf
        li    r3, 4
        sys   port_read          ; r0 length or -E_EMPTY, r1 valid, r2 age
        cmpi  r0, 0
        blt   none
        mov   r9, r1
        mov   r10, r2
        la    r4, buf
        ldw   r8, [r4]
        la    r0, s_sample
        li    r1, s_sample_len
        sys   puts
        mov   r0, r8
        sys   putn
        la    r0, s_valid
        li    r1, s_valid_len
        sys   puts
        mov   r0, r9
        sys   putn
        la    r0, s_age
        li    r1, s_age_len
        sys   puts
        mov   r0, r10
        sys   putn
        li    r0, '\n'
        sys   putc
        b     wait
none:   la    r0, s_none
        li    r1, s_none_len
        sys   puts
wait:   li    r0, PERIOD
        sys   sleep
        b     loop

        .data
        .align 8
buf:    .word 0
port:   .ascii "speed"
port_len = . - port
s_sample: .ascii "sample "
s_sample_len = . - s_sample
s_valid: .ascii " valid "
s_valid_len = . - s_valid
s_age:  .ascii " age "
s_age_len = . - s_age
s_none: .ascii "no sample\n"
s_none_len = . - s_none
