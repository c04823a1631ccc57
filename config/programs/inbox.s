; inbox.s: the controller side of the sensor example. Blocks on the gate `inbox`
; and prints every reading it receives, in order.
        .text
start:
loop:   la    r0, gate
        li    r1, gate_len
        la    r2, buf
        li    r3, 64
        sys   gate_recv         ; waits until a message arrives; r0 = bytes
        la    r0, label
        li    r1, label_len
        sys   puts
        la    r2, buf
        ld    r0, [r2]
        sys   putn
        li    r0, '\n'
        sys   putc
        b     loop

        .data
        .align 8
buf:    .zero 64
gate:   .ascii "inbox"
gate_len = . - gate
label:  .ascii "reading "
label_len = . - label
