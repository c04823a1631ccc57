; plan-switch.s: run in a system partition (README, "Schedule plans"). It sleeps
; AT ticks, asks the node to switch to the schedule plan PLAN (taking effect at
; the next major-frame boundary), prints `plan_switch R` (0, -E_PERM outside a
; system partition, -E_NOENT for an unknown plan) and exits.
AT = 23

        .text
start:  li    r0, AT
        sys   sleep
        la    r0, plan
        li    r1, plan_len
        sys   plan_switch
        mov   r8, r0
        la    r0, msg
        li    r1, msg_len
        sys   puts
        mov   r0, r8
        sys   putn
        li    r0, '\n'
        sys   putc
        li    r0, 0
        sys   exit

        .data
plan:   .ascii "fast"
plan_len = . - plan
msg:    .ascii "plan_switch "
msg_len = . - msg
