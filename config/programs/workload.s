; workload.s: a memory-heavy, deterministic workload for migration tests. Each
; traveler owns a SLICE_BYTES slice of the data region; every round it rewrites
; each word of its slice (an LCG mixed into the old value) and prints the round's
; checksum. Travelers never touch each other's slices, so the output and the final
; memory are the same whatever the interleaving: migrated or not, they must match.
SLICE_BYTES = 0x4000            ; 16 KiB per traveler (4 travelers fill 64 KiB)
ROUNDS = 12

        .text
start:  sys   self              ; r0 = traveler id
        mov   r8, r0
        li    r1, SLICE_BYTES
        mul   r2, r8, r1
        la    r9, slices
        add   r9, r9, r2        ; r9 = my slice
        add   r10, r9, r1       ; r10 = end of my slice
        addi  r11, r8, 1        ; r11 = x (LCG state), seeded by id
        li    r12, 0            ; r12 = round
        li    r13, 1103515245
round:  mov   r3, r9            ; r3 = cursor
        li    r4, 0             ; r4 = checksum
word:   ld    r5, [r3]
        mul   r11, r11, r13
        addi  r11, r11, 12345
        xor   r5, r5, r11
        st    r5, [r3]
        add   r4, r4, r5
        addi  r3, r3, WORD_BYTES
        cmp   r3, r10
        blo   word
        la    r0, label         ; "round R sum S"
        li    r1, label_len
        sys   puts
        mov   r0, r12
        sys   putn
        la    r0, sum
        li    r1, sum_len
        sys   puts
        mov   r0, r4
        sys   putn
        li    r0, '\n'
        sys   putc
        addi  r12, r12, 1
        li    r0, 2
        sys   sleep             ; let time pass so a migration lands mid-run
        cmpi  r12, ROUNDS
        blt   round
        li    r0, 0
        sys   exit

        .data
label:  .ascii "round "
label_len = . - label
sum:    .ascii " sum "
sum_len = . - sum
        .align 4096
slices: .zero 4 * SLICE_BYTES
