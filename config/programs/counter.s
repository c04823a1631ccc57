; counter.s: keeps a counter in data memory and prints "counter N" every PERIOD ticks.
; Because the counter lives in the task's memory, it continues where it stopped
; after a migration, a save/load or a park/restore.
PERIOD = 10

        .text
start:
loop:   la    r4, count
        ld    r5, [r4]          ; word-sized load (32 or 64 bits, the node's byte order)
        addi  r5, r5, 1
        st    r5, [r4]
        la    r0, label
        li    r1, label_len
        sys   puts              ; "counter "
        mov   r0, r5
        sys   putn              ; N
        li    r0, '\n'
        sys   putc
        li    r0, PERIOD
        sys   sleep
        b     loop

        .data
count:  .word 0
label:  .ascii "counter "
label_len = . - label
