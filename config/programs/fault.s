; fault.s: faults on purpose. It announces itself, then stores into its own code
; region, which is mapped read-execute. The health monitor reports a
; write-protected fault for this traveler; the node and its other tasks go on.
        .text
start:  la    r0, msg
        li    r1, msg_len
        sys   puts
        la    r1, start
        stw   r0, [r1]          ; write to read-only code: fault
        li    r0, 0
        sys   exit              ; never reached

        .data
msg:    .ascii "fault: about to write into my own code\n"
msg_len = . - msg
