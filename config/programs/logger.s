; logger.s: appends "entry N" to logs/logger.txt every PERIOD ticks through the
; file provider `logs`, keeping the handle open between writes. File handles do
; not travel with a migrating task: after a move, the next write returns
; -E_CLOSED ("closed by migration"), so the logger re-opens the file and goes on.
PERIOD = 10

        .text
start:  li    r8, 0             ; entries written
        call  reopen
loop:   addi  r8, r8, 1
        la    r0, label         ; build "entry N\n" in line[]
        la    r1, line
        li    r2, label_len
        call  copy
        mov   r0, r8
        call  itoa              ; r1 = end of line so far
        li    r0, '\n'
        stb   r0, [r1]
        addi  r1, r1, 1
        la    r2, line
        sub   r9, r1, r2        ; r9 = length
write:  mov   r0, r10
        la    r1, line
        mov   r2, r9
        sys   write
        cmpi  r0, -E_CLOSED
        bne   written
        la    r0, closed
        li    r1, closed_len
        sys   puts
        call  reopen
        b     write
written: la   r0, line
        mov   r1, r9
        sys   puts              ; echo to the console too
        li    r0, PERIOD
        sys   sleep
        b     loop

; r10 = handle of logs/logger.txt opened for appending (exits on failure)
reopen: la    r0, path
        li    r1, path_len
        li    r2, O_WRITE | O_CREATE | O_APPEND
        sys   open
        cmpi  r0, 0
        blt   failed
        mov   r10, r0
        ret
failed: mov   r11, r0
        la    r0, nofile
        li    r1, nofile_len
        sys   puts
        mov   r0, r11
        sys   putn
        li    r0, '\n'
        sys   putc
        li    r0, 1
        sys   exit

; copy r2 bytes from r0 to r1; r1 ends after the copy
copy:   cmpi  r2, 0
        beq   copied
        ldb   r3, [r0]
        stb   r3, [r1]
        addi  r0, r0, 1
        addi  r1, r1, 1
        addi  r2, r2, -1
        b     copy
copied: ret

; write the decimal digits of r0 (>= 0) at r1; r1 ends after them
itoa:   la    r4, digits_end
        li    r5, 10
digit:  remu  r6, r0, r5
        addi  r6, r6, '0'
        addi  r4, r4, -1
        stb   r6, [r4]
        divu  r0, r0, r5
        cmpi  r0, 0
        bne   digit
        la    r5, digits_end
out:    cmp   r4, r5
        bhs   done
        ldb   r6, [r4]
        stb   r6, [r1]
        addi  r4, r4, 1
        addi  r1, r1, 1
        b     out
done:   ret

        .data
path:   .ascii "logs/logger.txt"
path_len = . - path
label:  .ascii "entry "
label_len = . - label
closed: .ascii "logger: handle closed by migration, re-opening\n"
closed_len = . - closed
nofile: .ascii "logger: cannot open logs/logger.txt: error "
nofile_len = . - nofile
digits: .zero 24
digits_end:
line:   .zero 64
