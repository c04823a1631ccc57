; The CPU benchmark workload: a linear congruential generator mixing into a table
; of 1024 words, with a data-dependent read back. Per iteration: arithmetic,
; two loads, a store, compare and branch (18 instructions).
N = 2000000
MASK = 1023

        .text
start:  li    r1, 0             ; i
        li    r2, N
        li    r3, 1             ; x
        li    r4, 0             ; acc
        la    r5, table
        li    r7, 1103515245
loop:   mul   r3, r3, r7
        addi  r3, r3, 12345
        andi  r8, r1, MASK
        shli  r8, r8, WSHIFT
        add   r8, r8, r5
        ld    r9, [r8]
        xor   r9, r9, r3
        st    r9, [r8]
        shri  r10, r3, 16
        andi  r10, r10, MASK
        shli  r10, r10, WSHIFT
        add   r10, r10, r5
        ld    r11, [r10]
        add   r4, r4, r11
        addi  r1, r1, 1
        cmp   r1, r2
        blt   loop
        la    r5, result
        st    r4, [r5]
        li    r0, 0
        sys   exit

        .data
        .align 8
result: .word 0
table:  .zero 1024 * 8
