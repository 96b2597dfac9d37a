# guest-faults.sh — fault scenarios (issue 9), sourced by guest.sh (same helpers, same output
# protocol); checked by check_faults.py.  What goes wrong around an injection: the target dies,
# forks or execs meanwhile; hwpinject is interrupted or killed at various moments; its journal
# is truncated or corrupt; hwpoison_inject is unloaded and debugfs unmounted between the steps
# of a campaign.  After each: no task of the VM traced or stopped (@KV procs.TAG), the kill
# policy sysctl restored (or named by the journal and restored by unpoison --journal), and,
# once every journal is undone, HardwareCorrupted back where it started (a page poisoned that
# no journal names would stay).  Every scenario here takes a few seconds under TCG.

FAULT_AT=0x7e0000000000

# f_procs TAG: every task of the VM that is traced or stopped now, as a JSON list of
# "PID/TID:STATE:TRACERPID" (check.py requires [] once hwpinject has ended)
f_procs() {
    kv "procs.$1" "$(grep -H -E '^(State|TracerPid):' /proc/[0-9]*/task/[0-9]*/status 2>/dev/null |
        awk -F'[: \t]+' '{ split($1, a, "/"); id = a[3] "/" a[5]
                if ($2 == "State") st[id] = $3; else tr[id] = $3 }
            END { o = ""; for (id in st) if (st[id] == "t" || st[id] == "T" || tr[id] + 0 != 0)
                      o = o (o == "" ? "" : ",") "\"" id ":" st[id] ":" tr[id] "\""
                  printf "[%s]", o }')"
}

f_stacks() { # f_stacks PID...: state, wchan and kernel stack of every task of each
    for p in "$@"; do
        for tk in /proc/$p/task/*; do
            [ -d "$tk" ] || continue
            kv "task.$FTAG" "$tk $(awk '/^(Name|State|TracerPid):/{printf "%s ", $0}' $tk/status) wchan=$(cat $tk/wchan 2>/dev/null)"
            sed "s|^|@KV stack.$FTAG $tk |" $tk/stack 2>/dev/null
        done
    done
}
# f_bg TAG ARGS...: hwpinject ARGS in the background (its pid in $FBG, the --pid in $FPID)
f_bg() {
    FTAG=$1; shift
    FARGS="$*"
    FPID=""
    for a in "$@"; do [ "$FPID" = next ] && FPID=$a; [ "$a" = --pid ] && FPID=next; done
    kv "ek_before.$FTAG" "$(early_kill)"
    # (a shell starts background jobs with SIGINT ignored: victim --sigdfl undoes that)
    ( exec 3>&-; exec victim --sigdfl hwpinject "$@" ) > $W/f.out 2> $W/f.err &
    FBG=$!
}
# f_sig SIG SECONDS: send SIG to it after SECONDS, then collect it like run does
f_sig() {
    sleep "$2"
    kill -"$1" "$FBG" 2>/dev/null
    kv "sent.$FTAG" "SIG$1 after $2 s"
    f_collect
}
f_collect() { # (a hwpinject still running after 20 s is stuck: its and its target's stacks)
    t=0
    while kill -0 "$FBG" 2>/dev/null && [ $t -lt 200 ]; do sleep 0.1; t=$((t + 1)); done
    if kill -0 "$FBG" 2>/dev/null; then
        kv "hang.$FTAG" "hwpinject $FARGS"
        f_stacks "$FBG" "$FPID"
        kill -9 "$FBG"
    fi
    wait "$FBG"
    echo "@RUN $FTAG rc=$? hwpinject $FARGS"
    sed "s/^/@OUT $FTAG /" $W/f.out
    sed "s/^/@ERR $FTAG /" $W/f.err
    kv "ek.$FTAG" "$(early_kill)"
    # shellcheck disable=SC2086
    pstate "$FTAG" $FARGS
}
f_kill_victim() { # the victim ends (killed): its pages can be given back only then
    kill -9 "$VPID" 2>/dev/null
    v_reap
    sleep 0.2
}
f_undo() { # f_undo TAG JOURNAL: unpoison --journal, then the sysctl and HardwareCorrupted
    kv "ek_pre.$1" "$(early_kill)"
    hwpi "$1" unpoison --json --journal "$2"
    kv "ek.$1" "$(early_kill)"
    kv "hc.$1" "$(hc_kb)"
}

# ---- the target churns while hwpinject holds it: a thread that creates and ends threads,
# one that forks and reaps children, one that execs the whole process again (with --at its page
# is at the same address in every image: an injection must never reach a page of a later
# image that the journal does not name).  Remote hwpoison and corrupt-pfn, both with --watch.
sc_fault_churn() {
    J=$W/churn.journal; rm -f $J
    kv ek_start "$(early_kill)"
    kv hc_start "$(hc_kb)"
    for ft in exit-hwpoison exit-corrupt-pfn fork-hwpoison fork-corrupt-pfn \
              exec-hwpoison exec-corrupt-pfn exec-hwpoison-2; do
        fmode=${ft%%-*}; fm=${ft#*-}; fm=${fm%-[0-9]}
        VARGS="--at $FAULT_AT --churn $fmode --churn-ms $([ $fmode = exec ] && echo 40 || echo 1)"
        v_start anon || return 1
        # (exec: an attempt refused at the last moment has an audit line and no report,
        # so no --json there: check_badinput's audit count does not apply)
        f_bg "$ft" inject --pid "$VPID" --addr "$VADDR" --method $fm --early-kill --watch 500ms \
            --journal $J $([ $fmode = exec ] || echo --json)
        f_collect
        f_procs "$ft"
        f_kill_victim
    done
    f_procs end
    f_undo undo $J
    return 0
}

# ---- hwpinject interrupted: SIGINT, SIGTERM, SIGKILL during --watch (the target held, the
# sysctl changed), early in a run (around the remote madvise: the delays vary), and during a
# campaign.  A victim of 32 pages, a page per run; one journal for everything.
FSIG_DELAYS_MADV="0.1 0.25"
FSIG_VARGS="--pages 32 --threads 2"
# f_victim_live TAG: a SIGKILL of hwpinject while the victim runs the injected madvise leaves
# it on the registers set up for the call (man hwpinject-inject, NOTES): it may die.  Then the
# next runs get a new victim like the first (@KV victim_died.TAG: dead after run TAG; never
# after SIGINT or SIGTERM, check_faults.py)
f_victim_live() {
    kill -0 "$VPID" 2>/dev/null && return 0
    kv "victim_died.$1" yes
    v_flush; v_reap
    VARGS=$FSIG_VARGS
    v_start anon
}
sc_fault_signals() {
    J=$W/sig.journal; rm -f $J
    kv ek_start "$(early_kill)"
    kv hc_start "$(hc_kb)"
    VARGS=$FSIG_VARGS
    v_start anon || return 1
    i=0
    for s in INT TERM KILL; do
        a=$(printf '0x%x' $((VADDR + i * 4096))); i=$((i + 1))
        n0=$(f_journal_injects $J)
        f_bg "watch-$s" inject --pid "$VPID" --addr "$a" --method corrupt-pfn --early-kill \
            --watch 5 --journal $J --json
        # in the watch: 0.5 s after its journal record (a fixed delay from the start can come
        # before the injection when the host is busy or the build is ASan's)
        f_wait_journal $J $((n0 + 1))
        f_sig $s 0.5
        f_procs "watch-$s"
        for d in $FSIG_DELAYS_MADV; do
            a=$(printf '0x%x' $((VADDR + i * 4096))); i=$((i + 1))
            f_bg "madv-$s-$d" inject --pid "$VPID" --addr "$a" --method hwpoison --early-kill \
                --journal $J --json
            f_sig $s "$d"
            f_procs "madv-$s-$d"
            f_victim_live "madv-$s-$d" || return 1
        done
    done
    kv victim_alive "$(kill -0 "$VPID" 2>/dev/null && echo yes || echo no)"
    v_flush
    # a campaign of 12 injections, 200 ms apart, interrupted half-way
    for s in INT TERM KILL; do
        {
            n=0
            while [ $n -lt 4 ]; do
                printf 'inject --pid %s --addr 0x%x --method corrupt-pfn --early-kill\nsleep 200ms\n' \
                    "$VPID" $((VADDR + i * 4096))
                n=$((n + 1)); i=$((i + 1))
            done
        } > $W/sig-$s.steps
        f_bg "campaign-$s" campaign --journal $J $W/sig-$s.steps
        f_sig $s 0.8
        f_procs "campaign-$s"
    done
    f_kill_victim
    f_procs end
    run journal cat $J
    f_undo undo $J
    return 0
}

# ---- inject --count over many pages of one process, which is held once for all of them with
# the kill policy set once around them (hwpi_inject_many): SIGINT, SIGTERM, SIGKILL half-way
# (0.2 s after its first journal record).
# What the interrupted run printed must be what it did; the hold must end, the sysctl come back.
FCOUNT_N=1500
sc_fault_count() {
    J=$W/count.journal; rm -f $J
    kv ek_start "$(early_kill)"
    kv hc_start "$(hc_kb)"
    for s in INT TERM KILL; do
        VARGS="--pages $FCOUNT_N"
        v_start anon || return 1
        n0=$(f_journal_injects $J)
        f_bg "count-$s" inject --pid "$VPID" \
            --region "$VADDR-$(printf '0x%x' $((VADDR + FCOUNT_N * 4096)))" --count $FCOUNT_N \
            --method corrupt-pfn --early-kill --journal $J --json
        # the signal lands in the batch, not before it: a fixed delay after the start was
        # too short for the ASan build under TCG (nothing injected in 0.4 s)
        f_wait_journal $J $((n0 + 1))
        f_sig $s 0.2
        f_procs "count-$s"
        kv "victim_alive.count-$s" "$(kill -0 "$VPID" 2>/dev/null && echo yes || echo no)"
        f_kill_victim
    done
    f_procs end
    f_undo undo $J
    return 0
}

# ---- a journal cut short or damaged: unpoison --journal says so (truncated: exit 0 and
# "truncated":true; a malformed line: exit 65 naming it) and still undoes what it can read
sc_fault_journal() {
    J=$W/fj.journal; rm -f $J
    kv hc_start "$(hc_kb)"
    VARGS="--pages 4"
    v_start anon || return 1
    hwpi inject inject --pid "$VPID" --region "$VADDR-$(printf '0x%x' $((VADDR + 3 * 4096)))" \
        --count 3 --method corrupt-pfn --journal $J --json
    f_kill_victim
    kv hc_poisoned "$(hc_kb)"
    run journal cat $J
    # line 5 (the second page's inject record) made unreadable
    awk 'NR == 5 {print "inject pfn=zz garbage"; next} {print}' $J > $W/fj.corrupt
    # the last record cut in the middle (no newline): the writer "died" writing it
    head -c $(($(wc -c < $J) - 6)) $J > $W/fj.truncated
    # not a journal at all
    { echo "hwpinject-journal 99"; tail -n +2 $J; } > $W/fj.header
    chmod 600 $W/fj.corrupt $W/fj.truncated $W/fj.header
    hwpi header unpoison --json --journal $W/fj.header
    kv hc.header "$(hc_kb)"
    hwpi corrupt unpoison --json --journal $W/fj.corrupt
    kv hc.corrupt "$(hc_kb)"
    hwpi truncated unpoison --json --journal $W/fj.truncated
    kv hc.truncated "$(hc_kb)"
    hwpi whole unpoison --json --journal $J
    kv hc.whole "$(hc_kb)"
    return 0
}

# ---- the system changes under a campaign: hwpoison_inject unloaded (rmmod) during a sleep
# step, then debugfs unmounted during another; the later steps fail with 69 (or hwpinject
# brings back what it needs), never worse; both are put back afterwards
f_journal_injects() { # f_journal_injects FILE: its inject records so far (0: no file)
    n=$(grep -c '^inject' "$1" 2>/dev/null)
    echo "${n:-0}"
}
f_wait_journal() { # f_wait_journal FILE N: until N inject records (at most 10 s)
    t=0
    while [ "$(f_journal_injects "$1")" -lt "$2" ] && [ $t -lt 100 ]; do
        sleep 0.1; t=$((t + 1))
    done
}
f_modules() {
    kv "mod.$1" "$(grep -c '^hwpoison_inject ' /proc/modules)"
    kv "debugfs.$1" "$(grep -c ' /sys/kernel/debug debugfs ' /proc/mounts)"
}
f_restore_system() {
    grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
    grep -q '^hwpoison_inject ' /proc/modules ||
        insmod /lib/modules/hwpi/hwpoison_inject.ko 2>&1 | sed 's/^/@ERR insmod /'
}
sc_fault_system() {
    J=$W/sys.journal; rm -f $J
    kv hc_start "$(hc_kb)"
    VARGS="--pages 8"
    v_start anon || return 1
    pg() { printf '0x%x' $((VADDR + $1 * 4096)); }
    printf 'inject --pid %s --addr %s --method corrupt-pfn\nsleep 1500ms\ninject --pid %s --addr %s --method corrupt-pfn\ninject --pid %s --addr %s --method hwpoison\n' \
        "$VPID" "$(pg 0)" "$VPID" "$(pg 1)" "$VPID" "$(pg 2)" > $W/sys1.steps
    f_modules before
    f_bg rmmod campaign --journal $J $W/sys1.steps
    f_wait_journal $J 1
    sleep 0.3
    run rmmod rmmod hwpoison_inject
    f_modules rmmod
    f_collect
    f_procs rmmod
    f_restore_system
    f_modules restored1
    printf 'inject --pid %s --addr %s --method corrupt-pfn\nsleep 1500ms\ninject --pid %s --addr %s --method corrupt-pfn\ninject --pid %s --addr %s --method hwpoison\n' \
        "$VPID" "$(pg 3)" "$VPID" "$(pg 4)" "$VPID" "$(pg 5)" > $W/sys2.steps
    n0=$(f_journal_injects $J)
    f_bg umount campaign --journal $J $W/sys2.steps
    f_wait_journal $J $((n0 + 1))
    sleep 0.3
    umount /sys/kernel/debug/tracing 2>/dev/null
    if run umount umount /sys/kernel/debug; then :; else run umount_lazy umount -l /sys/kernel/debug; fi
    f_modules umount
    f_collect
    f_procs umount
    f_modules after
    f_restore_system
    f_modules restored2
    f_kill_victim
    f_undo undo $J
    return 0
}

SCENARIOS_FAULTS="fault-churn fault-signals fault-count fault-journal fault-system"
