; shared.s: several travelers share the task's memory. Each traveler sums its own
; slice of 1..N into its slot of `partial`, then raises its flag in `done`.
; Traveler 0 waits (yielding) until every flag is up and prints the total.
N = 4000

        .text
start:  sys   self              ; r0 = my id, r1 = number of travelers
        mov   r8, r0            ; r8 = id
        mov   r9, r1            ; r9 = travelers
        li    r2, N
        div   r3, r2, r9        ; r3 = slice length
        mul   r4, r3, r8        ; r4 = first - 1
        add   r5, r4, r3        ; r5 = last
        addi  r10, r9, -1
        cmp   r8, r10
        bne   sum
        mov   r5, r2            ; the last traveler takes the remainder
sum:    li    r6, 0
next:   addi  r4, r4, 1
        add   r6, r6, r4
        cmp   r4, r5
        blt   next
        la    r7, partial
        li    r11, WORD_BYTES
        mul   r12, r8, r11
        add   r7, r7, r12
        st    r6, [r7]          ; partial[id] = my sum
        la    r7, done
        add   r7, r7, r8
        li    r0, 1
        stb   r0, [r7]          ; done[id] = 1
        cmpi  r8, 0
        bne   finish
wait:   li    r1, 0             ; traveler 0: count raised flags
        li    r2, 0
        la    r7, done
check:  add   r3, r7, r2
        ldb   r0, [r3]
        add   r1, r1, r0
        addi  r2, r2, 1
        cmp   r2, r9
        blt   check
        cmp   r1, r9
        beq   total
        sys   yield
        b     wait
total:  li    r1, 0             ; add up the partial sums
        li    r2, 0
        la    r7, partial
add:    ld    r0, [r7]
        add   r1, r1, r0
        addi  r7, r7, WORD_BYTES
        addi  r2, r2, 1
        cmp   r2, r9
        blt   add
        la    r0, msg
        li    r3, msg_len
        mov   r6, r1
        mov   r1, r3
        sys   puts
        mov   r0, r6
        sys   putn
        li    r0, '\n'
        sys   putc
finish: li    r0, 0
        sys   exit

        .data
        .align 8
partial: .zero 8 * 16
done:    .zero 16
msg:     .ascii "total "
msg_len = . - msg
