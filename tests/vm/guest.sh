#!/bin/sh
# guest.sh SCENARIO — runs inside the test VM (busybox sh, as root), started by /init.
#
# Output protocol on the console (parsed by check.py), one item per line:
#   @@BEGIN name                 a scenario starts
#   @KV key value                a fact (value is the rest of the line)
#   @V {json}                    a line the victim printed (its "ready", "sigbus", "done", ...)
#   @RUN tag rc=N cmd...         a command run by the scenario, with its exit status
#   @OUT tag {json or text}      its stdout, line by line
#   @ERR tag text                its stderr, line by line
#   @DMESG text                  kernel messages logged during the scenario
#   @@END name rc=N              the scenario ends (rc = the function's status)
# A scenario is a shell function sc_NAME; add one and list it in the SCENARIOS_* lists below.

SCENARIO=${1:-full}
W=/tmp/hwpi
mkdir -p $W
HP=/sys/kernel/debug/hwpoison
FILEDIR=""        # a mounted real (block-backed) filesystem for file pages, see setup_filefs

kv() { echo "@KV $*"; }

hc_kb() { sed -n 's/^HardwareCorrupted: *\([0-9]*\).*/\1/p' /proc/meminfo; }

kpf() { # kpf TAG PFN: kpageflags of a pfn as a @KV json line
    kv "$1" "$(victim --kpageflags "$2")"
}

# run TAG CMD...: run a command, record rc, stdout and stderr
run() {
    tag=$1; shift
    "$@" > $W/run.out 2> $W/run.err
    rc=$?
    echo "@RUN $tag rc=$rc $*"
    sed "s/^/@OUT $tag /" $W/run.out
    sed "s/^/@ERR $tag /" $W/run.err
    return $rc
}

# sysfs/debugfs write recording errno text: wr TAG VALUE FILE
wr() {
    if [ ! -e "$3" ]; then
        echo "@RUN $1 rc=127 echo $2 > $3 (missing)"
        return 127
    fi
    sh -c "echo $2 > $3" 2> $W/wr.err
    rc=$?
    echo "@RUN $1 rc=$rc echo $2 > $3"
    sed "s/^/@ERR $1 /" $W/wr.err
    return $rc
}

# ---- the victim, driven through a fifo ----
VSEQ=0; VSHOWN=0; VPID=""; VADDR=""; VPFN=""; VSTATUS=""
VARGS=""          # extra victim options for the next v_start (--no-handler, --threads N); reset there
v_flush() { # print victim lines not shown yet
    n=$(wc -l < $W/v.out)
    if [ "$n" -gt "$VSHOWN" ]; then
        tail -n +$((VSHOWN + 1)) $W/v.out | head -n $((n - VSHOWN)) | sed 's/^/@V /'
        VSHOWN=$n
    fi
}
v_wait() { # v_wait PATTERN [TENTHS]: wait until v.out matches (or the victim died)
    t=0; lim=${2:-300}
    while ! grep -q "$1" $W/v.out 2>/dev/null; do
        if ! kill -0 "$VJOB" 2>/dev/null; then
            grep -q "$1" $W/v.out 2>/dev/null && return 0
            return 1
        fi
        t=$((t + 1)); [ $t -gt $lim ] && { kv victim_timeout "$1"; return 1; }
        sleep 0.1
    done
}
v_start() { # v_start KIND [DIR]   (options from $VARGS)
    rm -f $W/v.in $W/v.out; : > $W/v.out
    VSEQ=0; VSHOWN=0; VSTATUS=""; VPID=""
    mkfifo $W/v.in
    if [ -n "$2" ]; then
        victim --kind "$1" --dir "$2" $VARGS < $W/v.in > $W/v.out 2>&1 &
    else
        victim --kind "$1" $VARGS < $W/v.in > $W/v.out 2>&1 &
    fi
    VJOB=$!
    VARGS=""
    exec 3> $W/v.in
    if ! v_wait '"event":"ready"' 100; then
        v_flush; v_reap; return 1
    fi
    v_flush
    line=$(grep '"event":"ready"' $W/v.out | head -n 1)
    VPID=$(echo "$line" | sed 's/.*"pid":\([0-9]*\).*/\1/')
    VADDR=$(echo "$line" | sed 's/.*"vaddr":"\([0-9a-fx]*\)".*/\1/')
    VPFN=$(echo "$line" | sed 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/')
    kv victim "kind=$1 pid=$VPID vaddr=$VADDR pfn=$VPFN"
    return 0
}
v_cmd() { # v_cmd COMMAND: send, wait for its "done", show output
    VSEQ=$((VSEQ + 1))
    echo "$1" >&3 2>/dev/null
    v_wait "\"seq\":$VSEQ}"
    r=$?
    v_flush
    return $r
}
v_reap() { # close stdin, collect the exit status
    exec 3>&-
    wait "$VJOB" 2>/dev/null
    VSTATUS=$?
    v_flush
    kv victim_exit "$VSTATUS"
}
v_stop() { v_cmd exit; v_reap; }
v_last() { # v_last EVENT FIELD: a field of the last victim line with that event
    grep "\"event\":\"$1\"" $W/v.out | tail -n 1 | sed -n "s/.*\"$2\":\"*\([0-9a-zx]*\).*/\1/p"
}

# ---- hwpinject runs ----
# hwpi TAG ARGS...: run "hwpinject ARGS" like run, with HardwareCorrupted read right before and
# right after (@KV hc_pre.TAG, @KV hc_post.TAG), the per-node memory_failure counters summed over
# the nodes likewise (@KV mfc_pre.TAG / mfc_post.TAG: JSON, null when the kernel has none) and,
# for a --pid target, the target's tracer and state afterwards (@KV ptr.TAG
# {"pid":P,"tracer":N,"state":"S"}; check.py asserts on them)
mfc() {
    for d in /sys/devices/system/node/node*/memory_failure; do
        [ -d "$d" ] || { echo null; return; }
        break
    done
    awk '{n = FILENAME; sub(".*/", "", n); s[n] += $1}
        END {printf "{\"total\":%d,\"ignored\":%d,\"failed\":%d,\"delayed\":%d,\"recovered\":%d}",
             s["total"], s["ignored"], s["failed"], s["delayed"], s["recovered"]}' \
        /sys/devices/system/node/node*/memory_failure/*
}
hwpi() {
    htag=$1; shift
    kv "hc_pre.$htag" "$(hc_kb)"
    kv "mfc_pre.$htag" "$(mfc)"
    run "$htag" hwpinject "$@"
    hrc=$?
    kv "hc_post.$htag" "$(hc_kb)"
    kv "mfc_post.$htag" "$(mfc)"
    pstate "$htag" "$@"
    return $hrc
}
pstate() { # pstate TAG ARGS...: @KV ptr.TAG for the process given by --pid in ARGS
    ptag=$1; shift; ppid=""
    while [ $# -gt 0 ]; do [ "$1" = --pid ] && ppid=$2; shift; done
    [ -n "$ppid" ] || return 0
    if [ -r "/proc/$ppid/status" ]; then
        kv "ptr.$ptag" "$(awk -v p="$ppid" '/^State:/{s=$2} /^TracerPid:/{t=$2}
            END{printf "{\"pid\":%s,\"tracer\":%s,\"state\":\"%s\"}", p, t, s}' "/proc/$ppid/status")"
    else
        kv "ptr.$ptag" "{\"pid\":$ppid,\"tracer\":null,\"state\":\"gone\"}"
    fi
}
# hwpi_bg TAG ARGS... / hwpi_wait: the same, with hwpinject in the background meanwhile
hwpi_bg() {
    BGTAG=$1; shift
    BGARGS="$*"
    kv "hc_pre.$BGTAG" "$(hc_kb)"
    kv "mfc_pre.$BGTAG" "$(mfc)"
    rm -f $W/bg.rc
    ( exec 3>&-; hwpinject "$@" > $W/bg.out 2> $W/bg.err; echo $? > $W/bg.rc ) &
    BGJOB=$!
}
hwpi_wait() {
    wait "$BGJOB"
    echo "@RUN $BGTAG rc=$(cat $W/bg.rc 2>/dev/null || echo 255) hwpinject $BGARGS"
    sed "s/^/@OUT $BGTAG /" $W/bg.out
    sed "s/^/@ERR $BGTAG /" $W/bg.err
    kv "hc_post.$BGTAG" "$(hc_kb)"
    kv "mfc_post.$BGTAG" "$(mfc)"
    # shellcheck disable=SC2086
    pstate "$BGTAG" $BGARGS
}

dmesg_begin() { dmesg -c > /dev/null 2>&1; }
dmesg_dump() { dmesg -c 2>/dev/null | sed 's/^/@DMESG /'; }

scenario() { # scenario NAME: run sc_NAME between markers ($SUFFIX is appended to the name)
    echo "@@BEGIN $1${SUFFIX:-}"
    dmesg_begin
    kv hc_before "$(hc_kb)"
    "sc_$(echo "$1" | tr - _)"
    rc=$?
    kv hc_after "$(hc_kb)"
    dmesg_dump
    echo "@@END $1${SUFFIX:-} rc=$rc"
}

setup_filefs() { # a real filesystem on a RAM block device (brd): ext2 via ext4, else minix
    [ -b /dev/ram0 ] || return 1
    mkdir -p /mnt/file
    if mke2fs -q /dev/ram0 > /dev/null 2>&1 && mount -t ext2 /dev/ram0 /mnt/file 2>/dev/null; then
        FILEDIR=/mnt/file; kv filefs ext2; return 0
    fi
    if mkfs.minix /dev/ram0 > /dev/null 2>&1 && mount -t minix /dev/ram0 /mnt/file 2>/dev/null; then
        FILEDIR=/mnt/file; kv filefs minix; return 0
    fi
    kv filefs none
    return 1
}

# ================= scenarios =================

# ---- hwpinject run: hwpinject starts the victim, injects into its page (mapped at RUN_AT with
# --at), watches; the victim touches the page after a while and exits 0 if its SIGBUS handler
# ran (with --no-handler the SIGBUS kills it).  The victim's lines and hwpinject's reports share
# stdout; check.py tells them apart ("event").
RUN_AT=0x7e0000000000
RUN_RANGE=0x7e0000000000-0x7e0000004000
sc_hwpi_run_handler() {
    kv early_kill_before "$(cat /proc/sys/vm/memory_failure_early_kill)"
    hwpi run run --json --after 500ms --addr $RUN_AT --watch 4s -- \
        victim --kind anon --at $RUN_AT --touch-after 1500
    kv early_kill_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    return 0
}
sc_hwpi_run_nohandler() {
    hwpi run run --json --after 500ms --addr $RUN_AT --watch 4s -- \
        victim --kind anon --at $RUN_AT --touch-after 1500 --no-handler
    return 0
}
sc_hwpi_run_every() {
    hwpi run run --json --after 300ms --every 300ms --count 2 --region $RUN_RANGE -- \
        victim --kind anon --pages 4 --at $RUN_AT --touch-after 1500
    return 0
}
# a region of 2 pages, 3 injections asked for: the third finds no present page left that was
# not injected before (a poisoned page is no longer present): 65, the command killed
sc_hwpi_run_exhaust() {
    hwpi run run --json --after 300ms --every 300ms --count 3 \
        --region $RUN_AT-$(printf '0x%x' $((RUN_AT + 2 * 4096))) -- \
        victim --kind anon --pages 2 --at $RUN_AT --touch-after 20000
    return 0
}

sc_env() {
    kv release "$(uname -r)"
    kv hwpoison_dir "$(ls $HP 2>/dev/null | tr '\n' ' ')"
    for s in memory_failure_early_kill memory_failure_recovery enable_soft_offline; do
        kv "sysctl.$s" "$(cat /proc/sys/vm/$s 2>/dev/null || echo absent)"
    done
    kv node_counters "$(ls /sys/devices/system/node/node0/memory_failure 2>/dev/null | tr '\n' ' ')"
    kv thp_enabled "$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
    kv nr_hugepages "$(cat /proc/sys/vm/nr_hugepages)"
    kv soft_offline_page "$([ -e /sys/devices/system/memory/soft_offline_page ] && echo yes || echo no)"
    kv hard_offline_page "$([ -e /sys/devices/system/memory/hard_offline_page ] && echo yes || echo no)"
    kv tracepoint "$( { [ -e /sys/kernel/tracing/events/ras/memory_failure_event/format ] ||
        [ -e /sys/kernel/debug/tracing/events/ras/memory_failure_event/format ]; } && echo yes || echo no)"
    kv hwpinject "$([ -x /bin/hwpinject ] && echo yes || echo no)"
    kv filedir "${FILEDIR:-none}"
    return 0
}

# corrupt-pfn through debugfs on an anon page, late kill (default)
sc_corrupt_anon() {
    v_start anon || return 1
    kpf kpf_before "$VPFN"
    wr corrupt "$VPFN" $HP/corrupt-pfn
    kpf kpf_after "$VPFN"
    sleep 0.2; v_flush
    v_cmd pfn
    v_cmd touch
    v_cmd touch
    v_stop
}

# same with vm.memory_failure_early_kill=1: SIGBUS BUS_MCEERR_AO at injection
sc_corrupt_anon_early() {
    old=$(cat /proc/sys/vm/memory_failure_early_kill)
    echo 1 > /proc/sys/vm/memory_failure_early_kill
    v_start anon || { echo "$old" > /proc/sys/vm/memory_failure_early_kill; return 1; }
    wr corrupt "$VPFN" $HP/corrupt-pfn
    sleep 0.3; v_flush
    v_cmd pfn
    v_cmd touch
    v_stop
    echo "$old" > /proc/sys/vm/memory_failure_early_kill
}

# unpoison-pfn after corrupt-pfn on an anon page whose owner has gone
sc_unpoison_anon() {
    v_start anon || return 1
    pfn=$VPFN
    wr corrupt "$pfn" $HP/corrupt-pfn
    v_stop
    kpf kpf_poisoned "$pfn"
    wr unpoison "$pfn" $HP/unpoison-pfn
    kpf kpf_unpoisoned "$pfn"
}

# madvise(MADV_HWPOISON) by the victim itself, per page kind
selfpoison() { # selfpoison KIND [DIR]
    v_start "$@" || return 1
    kpf kpf_before "$VPFN"
    v_cmd selfpoison
    kpf kpf_after "$VPFN"
    v_cmd pfn
    v_cmd touch
    v_stop
}
sc_selfpoison_anon() { selfpoison anon; }
sc_selfpoison_shmem() { selfpoison shmem; }
sc_selfpoison_thp() { selfpoison thp; }
sc_selfpoison_hugetlb() { selfpoison hugetlb; }
sc_selfpoison_mlocked() { selfpoison mlocked; }
sc_selfpoison_file_dirty() { [ -n "$FILEDIR" ] || return 2; selfpoison file-dirty "$FILEDIR"; }
sc_selfpoison_file_clean() { [ -n "$FILEDIR" ] || return 2; selfpoison file-clean "$FILEDIR"; }

# madvise(MADV_SOFT_OFFLINE) by the victim itself: content migrated, no signal
selfsoft() {
    v_start "$@" || return 1
    v_cmd selfsoftoffline
    kpf kpf_old "$VPFN"
    v_cmd pfn
    v_cmd check
    v_stop
}
sc_selfsoft_anon() { selfsoft anon; }
sc_selfsoft_shmem() { selfsoft shmem; }
sc_selfsoft_thp() { selfsoft thp; }
sc_selfsoft_file_dirty() { [ -n "$FILEDIR" ] || return 2; selfsoft file-dirty "$FILEDIR"; }

# soft_offline_page / hard_offline_page by physical address
sc_soft_offline_phys() {
    v_start anon || return 1
    phys=$(printf '0x%x' $((VPFN * 4096)))
    wr soft "$phys" /sys/devices/system/memory/soft_offline_page
    kpf kpf_old "$VPFN"
    v_cmd pfn
    v_cmd check
    v_stop
}
sc_hard_offline_phys() {
    v_start anon || return 1
    phys=$(printf '0x%x' $((VPFN * 4096)))
    wr hard "$phys" /sys/devices/system/memory/hard_offline_page
    kpf kpf_after "$VPFN"
    v_cmd touch
    v_stop
}

# ---- hwpinject scenarios (contract in /work/shared/design.md; check.py knows what to expect) ----
sc_hwpi_status() { hwpi status status --json; }

sc_hwpi_translate() {
    v_start anon || return 1
    hwpi translate translate --pid "$VPID" --addr "$VADDR" --json
    hwpi translate_pfn translate --pfn "$VPFN" --json
    v_stop
}

sc_hwpi_inject_corrupt() {
    v_start anon || return 1
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --json
    kpf kpf_after "$VPFN"
    v_cmd touch
    hwpi translate_pfn translate --pfn "$VPFN" --json
    v_stop
}

sc_hwpi_inject_hwpoison() {
    v_start anon || return 1
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    kpf kpf_after "$VPFN"
    v_cmd touch
    v_stop
}

sc_hwpi_inject_early() {
    v_start anon || return 1
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill --json
    sleep 0.2; v_flush
    kv early_kill_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    v_cmd touch
    v_stop
}

# three pages of one process in one call, early kill: the target is held once for all of them
# (hwpi_inject_many), and each page's report must still carry its own SIGBUS
sc_hwpi_inject_early_many() {
    VARGS="--pages 3"; v_start anon || return 1
    kv ek_before "$(cat /proc/sys/vm/memory_failure_early_kill)"
    hwpi inject inject --pid "$VPID" --region "$VADDR-$(printf '0x%x' $((VADDR + 3 * 4096)))" \
        --count 3 --method corrupt-pfn --early-kill --json
    sleep 0.2; v_flush
    kv early_kill_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    kv traced_after "$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/$VPID/status)"
    v_stop
}

# three pages of one process in one call by the remote madvise: each page's SIGBUS (6.11+:
# BUS_MCEERR_AR during the madvise) in its own report, the victim handles each, untraced after
sc_hwpi_inject_hwpoison_many() {
    VARGS="--pages 3"; v_start anon || return 1
    hwpi inject inject --pid "$VPID" --region "$VADDR-$(printf '0x%x' $((VADDR + 3 * 4096)))" \
        --count 3 --method hwpoison --json
    sleep 0.2; v_flush
    kv traced_after "$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/$VPID/status)"
    v_stop
}

# the fast path: three pages by corrupt-pfn with --early-kill --no-observe --journal.  The
# kernel still acts (the victim handles a BUS_MCEERR_AO per page), the reports say only what
# was looked at; the journal gives the pages back once the victim is gone.
sc_hwpi_inject_no_observe() {
    VARGS="--pages 3"; v_start anon || return 1
    J=$W/fast.journal; rm -f $J
    kv ek_before "$(cat /proc/sys/vm/memory_failure_early_kill)"
    hwpi inject inject --pid "$VPID" --region "$VADDR-$(printf '0x%x' $((VADDR + 3 * 4096)))" \
        --count 3 --method corrupt-pfn --early-kill --no-observe --journal $J --json
    sleep 0.2; v_flush
    kv early_kill_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    kv traced_after "$(sed -n 's/^TracerPid:[[:space:]]*//p' /proc/$VPID/status)"
    v_stop
    hwpi unpoison unpoison --journal $J --json
    kv hc_undone "$(hc_kb)"
}

sc_hwpi_inject_soft() {
    v_start anon || return 1
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method soft-offline --json
    v_cmd pfn
    v_cmd check
    v_stop
}

sc_hwpi_unpoison() {
    v_start anon || return 1
    pfn=$VPFN
    hwpi inject inject --pfn "$pfn" --method corrupt-pfn --json
    v_stop
    hwpi unpoison unpoison --pfn "$pfn" --json
    kpf kpf_unpoisoned "$pfn"
}

# the kernel lacks a feature: hwpinject must exit 69 (EX_UNAVAILABLE) and say why
sc_hwpi_missing() {
    v_start anon || return 1
    hwpi status status --json
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --json
    hwpi inject_pfn inject --pfn "$VPFN" --method corrupt-pfn
    v_stop
    return 0
}

# SIGTERM during --watch: hwpinject stops watching, restores vm.memory_failure_early_kill,
# releases the target, prints its report and dies of SIGTERM (status 143) -- promptly
sc_hwpi_sigterm() {
    ek_old=$(cat /proc/sys/vm/memory_failure_early_kill)
    kv ek_old "$ek_old"
    v_start anon || return 1
    hwpinject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill \
        --watch 60 --json > $W/term.out 2> $W/term.err &
    HP=$!
    sleep 3
    kv ek_during "$(cat /proc/sys/vm/memory_failure_early_kill)"
    t0=$(date +%s)
    kill -TERM "$HP"
    wait "$HP"
    rc=$?
    kv term_seconds "$(( $(date +%s) - t0 ))"
    echo "@RUN term rc=$rc hwpinject inject --pid $VPID --addr $VADDR --early-kill --watch 60"
    sed "s/^/@OUT term /" $W/term.out
    sed "s/^/@ERR term /" $W/term.err
    kv ek_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    pstate term --pid "$VPID"
    v_cmd check
    v_stop
}

# a page the victim never touched is not present: refused (65) unless --populate faults it in
sc_hwpi_populate() {
    VARGS="--pages 4 --sparse"
    v_start anon || return 1
    a2=$(printf '0x%x' $((VADDR + 8192)))
    kv addr2 "$a2"
    kv pm_before "$(victim --pagemap "$VPID" "$a2")"
    hwpi nopop inject --pid "$VPID" --addr "$a2" --method corrupt-pfn --json
    hwpi pop inject --pid "$VPID" --addr "$a2" --method corrupt-pfn --populate --json
    kv pm_after "$(victim --pagemap "$VPID" "$a2")"
    v_cmd check
    v_stop
}

# more refusals: a kernel thread, hwpinject itself, a zombie; --expect met and not met
sc_hwpi_refuse_more() {
    hwpi kthread inject --pid 2 --addr 0x1000 --method corrupt-pfn --json
    run self sh -c 'exec hwpinject inject --pid $$ --addr 0x1000 --method corrupt-pfn'
    # the child outlives the exec (ash reaps a finished job before it execs: "sleep 0" was
    # sometimes reaped under load); sleep(1) never reaps it, so it is a zombie from 1 s to 8 s
    rm -f /tmp/zombie.pid
    sh -c 'sleep 1 & echo $! > /tmp/zombie.pid; exec sleep 8' &
    sleep 0.2
    t=0; while [ "$(awk '/^State:/{print $2}' /proc/$(cat /tmp/zombie.pid)/status 2>/dev/null)" != Z ] &&
        [ $t -lt 60 ]; do sleep 0.1; t=$((t + 1)); done
    kv zombie_state "$(awk '/^State:/{print $2}' /proc/$(cat /tmp/zombie.pid)/status 2>/dev/null)"
    hwpi zombie inject --pid "$(cat /tmp/zombie.pid)" --addr 0x1000 --method corrupt-pfn --json
    v_start anon || return 1
    hwpi expect_met inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill \
        --expect sigbus-ao --json
    v_stop
    v_start anon || return 1
    hwpi expect_unmet inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --late-kill \
        --expect sigbus-ar --json
    v_stop
    wait
}

# hwpinject loads hwpoison-inject itself when the module is installed where modprobe finds it
# (--no-load first: still 69, and the module stays unloaded)
sc_hwpi_autoload() {
    d=/lib/modules/$(uname -r)/kernel/mm
    mkdir -p "$d"
    cp /lib/modules/hwpi/hwpoison_inject.ko "$d/"
    depmod 2>&1 | sed 's/^/@ERR depmod /'
    v_start anon || return 1
    kv lsmod_before "$(grep -c '^hwpoison_inject ' /proc/modules)"
    hwpi noload inject --pfn "$VPFN" --method corrupt-pfn --no-load --json
    kv lsmod_noload "$(grep -c '^hwpoison_inject ' /proc/modules)"
    hwpi load inject --pfn "$VPFN" --method corrupt-pfn --json
    kv lsmod_after "$(grep -c '^hwpoison_inject ' /proc/modules)"
    kpf kpf_after "$VPFN"
    v_stop
    return 0
}

# ---- hwpinject: every page kind x every method (check.py: report == the victim's own view) ----
HWPI_KINDS="anon thp hugetlb shmem file-dirty file-clean mlocked"
HWPI_METHODS="hwpoison soft-offline corrupt-pfn hard-offline-page soft-offline-page"
v_start_kind() { # v_start_kind KIND: v_start, with the block-backed filesystem for file kinds
    case $1 in
        file-*) [ -n "$FILEDIR" ] || { kv no_filedir 1; return 2; }; v_start "$1" "$FILEDIR" ;;
        *) v_start "$1" ;;
    esac
}
hwpi_kind() { # hwpi_kind KIND METHOD
    v_start_kind "$1" || return $?
    kpf kpf_before "$VPFN"
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method "$2" --json
    sleep 0.2; v_flush
    kpf kpf_after "$VPFN"
    v_cmd pfn
    case $2 in
        soft-*)
            np=$(v_last pfn pfn)
            [ -n "$np" ] && [ "$np" != 0x0 ] && kpf kpf_new "$np"
            v_cmd check ;;
        *) v_cmd touch ;;
    esac
    v_cmd stats
    v_stop
}
HWPI_KIND_SCENARIOS=""
for k in $HWPI_KINDS; do
    for m in $HWPI_METHODS; do
        eval "sc_hwpi_$(echo "$k" | tr - _)_$(echo "$m" | tr - _)() { hwpi_kind $k $m; }"
        HWPI_KIND_SCENARIOS="$HWPI_KIND_SCENARIOS hwpi-$k-$m"
    done
done

# ---- unpoison per kind after corrupt-pfn, the owner gone ----
hwpi_unpoison_kind() { # KIND
    v_start_kind "$1" || return $?
    pfn=$VPFN
    hwpi inject inject --pfn "$pfn" --method corrupt-pfn --json
    v_stop
    kpf kpf_poisoned "$pfn"
    hwpi unpoison unpoison --pfn "$pfn" --json
    kpf kpf_unpoisoned "$pfn"
}
HWPI_UNPOISON_SCENARIOS=""
for k in $HWPI_KINDS; do
    eval "sc_hwpi_unpoison_$(echo "$k" | tr - _)() { hwpi_unpoison_kind $k; }"
    HWPI_UNPOISON_SCENARIOS="$HWPI_UNPOISON_SCENARIOS hwpi-unpoison-$k"
done

# a page frame the kernel cannot take back: a pipe still holds a reference to it (the victim
# vmspliced it), so unpoison is refused while the victim lives, and allowed once it has exited
sc_hwpi_unpoison_pinned() {
    v_start anon || return 1
    pfn=$VPFN
    v_cmd pin
    hwpi inject inject --pfn "$pfn" --method corrupt-pfn --json
    kpf kpf_poisoned "$pfn"
    hwpi unpoison unpoison --pfn "$pfn" --json
    kpf kpf_unpoisoned "$pfn"
    v_stop
    hwpi unpoison2 unpoison --pfn "$pfn" --json
    kpf kpf_unpoisoned2 "$pfn"
}

# ---- signals on later access, with --watch ----
early_kill() { cat /proc/sys/vm/memory_failure_early_kill; }
# late kill: the sysctl is set to 1 beforehand, --late-kill must make it 0 and then restore the 1
sc_hwpi_watch_late() {
    old=$(early_kill)
    echo 1 > /proc/sys/vm/memory_failure_early_kill
    kv early_kill_before "$(early_kill)"
    v_start anon || { echo "$old" > /proc/sys/vm/memory_failure_early_kill; return 1; }
    hwpi_bg inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --late-kill --watch 3 --json
    sleep 1; v_flush
    kv early_kill_during "$(early_kill)"
    v_cmd touch
    hwpi_wait
    kv early_kill_after "$(early_kill)"
    echo "$old" > /proc/sys/vm/memory_failure_early_kill
    v_cmd stats
    v_stop
}
sc_hwpi_watch_early() {
    kv early_kill_before "$(early_kill)"
    v_start anon || return 1
    hwpi_bg inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill --watch 3 --json
    sleep 1; v_flush
    kv early_kill_during "$(early_kill)"
    v_cmd touch
    hwpi_wait
    kv early_kill_after "$(early_kill)"
    v_cmd stats
    v_stop
}

# ---- a victim without a SIGBUS handler: killed by SIGBUS (exit status 135) ----
sc_hwpi_nohandler_hwpoison() {
    VARGS=--no-handler; v_start anon || return 1
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2
    kpf kpf_after "$VPFN"
    if kill -0 "$VJOB" 2>/dev/null &&
        [ "$(awk '/^State:/{print $2}' /proc/$VPID/status 2>/dev/null)" != Z ]; then
        v_stop      # < 6.11: no signal at injection, the victim lives on
    else
        v_reap
    fi
}
sc_hwpi_nohandler_early() {
    VARGS=--no-handler; v_start anon || return 1
    kv early_kill_before "$(early_kill)"
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill --json
    sleep 0.2
    kv early_kill_after "$(early_kill)"
    kpf kpf_after "$VPFN"
    v_reap
}

# ---- a multi-threaded victim, and one blocked in read(2): the syscall restarts, state intact ----
sc_hwpi_threads() {
    VARGS="--threads 4"; v_start anon || return 1
    kv threads_before "$(ls /proc/$VPID/task | wc -l)"
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    kv threads_after "$(ls /proc/$VPID/task | wc -l)"
    kv task_states "$(for t in /proc/$VPID/task/*; do awk '/^State:/{printf "%s", $2}' $t/status; done)"
    v_cmd stats
    v_cmd touch
    v_cmd pfn
    v_stop
}
sc_hwpi_blocked() {
    v_start shmem || return 1
    kv wchan "$(cat /proc/$VPID/wchan 2>/dev/null)"
    kv syscall_before "$(cut -d' ' -f1 /proc/$VPID/syscall 2>/dev/null)"
    hwpi soft inject --pid "$VPID" --addr "$VADDR" --method soft-offline --json
    kv syscall_after "$(cut -d' ' -f1 /proc/$VPID/syscall 2>/dev/null)"
    v_cmd stats
    v_cmd check
    v_cmd pfn
    hwpi hard inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    kv syscall_after2 "$(cut -d' ' -f1 /proc/$VPID/syscall 2>/dev/null)"
    v_cmd stats
    v_cmd touch
    v_stop
}

# ---- refusals: exit status + one line on stderr, and nothing changed ----
sc_hwpi_refuse_pid1() {
    a=$(sed -n '1s/-.*//p' /proc/1/maps)
    kv pid1_addr "0x$a"
    kv pm_before "$(victim --pagemap 1 "0x$a")"
    p1=$(victim --pagemap 1 "0x$a" | sed -n 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/p')
    [ -n "$p1" ] && [ "$p1" != 0x0 ] && kpf kpf_before "$p1"
    hwpi pid1 inject --pid 1 --addr "0x$a" --method hwpoison --json
    [ -n "$p1" ] && [ "$p1" != 0x0 ] && kpf kpf_after "$p1"
    kv pm_after "$(victim --pagemap 1 "0x$a")"
    return 0
}
sc_hwpi_refuse_traced() {
    v_start anon || return 1
    victim --trace "$VPID" > $W/tracer.out 2>&1 3>&- &
    TJOB=$!
    t=0; while ! grep -q '"event"' $W/tracer.out && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
    kv tracer "$(cat $W/tracer.out)"
    kv tracer_pid "$TJOB"
    kv tracerpid_before "$(awk '/^TracerPid:/{print $2}' /proc/$VPID/status)"
    kpf kpf_before "$VPFN"
    hwpi traced inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    hwpi traced_soft inject --pid "$VPID" --addr "$VADDR" --method soft-offline --json
    kpf kpf_after "$VPFN"
    kill "$TJOB"; wait "$TJOB" 2>/dev/null
    v_cmd pfn
    v_cmd check
    v_stop
}
sc_hwpi_refuse_nopid() {
    sh -c 'exit 0' 3>&- & dead=$!
    wait "$dead"
    kv dead_pid "$dead"
    kv dead_pid_exists "$([ -e /proc/$dead ] && echo yes || echo no)"
    hwpi nopid inject --pid "$dead" --addr 0x400000 --method hwpoison --json
    return 0
}
sc_hwpi_refuse_unmapped() {
    v_start anon || return 1
    kpf kpf_before "$VPFN"
    hwpi unmapped inject --pid "$VPID" --addr 0x1000 --method hwpoison --json
    hwpi unmapped_pfn inject --pid "$VPID" --addr 0x1000 --method corrupt-pfn --json
    kpf kpf_after "$VPFN"
    v_cmd pfn
    v_cmd check
    v_stop
}
sc_hwpi_refuse_kernel() {
    # RESERVED (kpageflags bit 32) and SLAB (bit 7) page frames, found by scanning kpageflags
    rl=$(victim --find-kpf 32 1 262144); kv reserved "$rl"
    sl=$(victim --find-kpf 7 4096 262144); kv slab "$sl"
    rp=$(echo "$rl" | sed -n 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/p')
    sp=$(echo "$sl" | sed -n 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/p')
    [ -n "$rp" ] && [ -n "$sp" ] || return 1
    kpf kpf_reserved_before "$rp"; kpf kpf_slab_before "$sp"
    hwpi reserved inject --pfn "$rp" --method corrupt-pfn --json
    hwpi slab inject --pfn "$sp" --method corrupt-pfn --json
    hwpi slab_phys inject --phys "$(printf '0x%x' $((sp * 4096)))" --method hard-offline-page --json
    kpf kpf_reserved_after "$rp"; kpf kpf_slab_after "$sp"
    return 0
}

# ---- what the kernel did (issue 6): tracepoints, kmsg, counters, every process affected ----
# Each report's kernel.action must equal the kernel's "PFN: recovery action for TYPE: RESULT"
# line, with the source that spoke (check.py). $W/rk.* keep per-run victim views for check.py.
vready() { # vready TAG: the current victim's ready line (and its child's) as @KV
    kv "vr.$1" "$(grep '"event":"ready"' $W/v.out | head -n 1)"
    grep -q '"event":"child-ready"' $W/v.out &&
        kv "vc.$1" "$(grep '"event":"child-ready"' $W/v.out | head -n 1)"
    return 0
}
REPORT_KINDS="anon shmem file-dirty file-clean hugetlb thp"
report_kinds() { # report_kinds PREFIX: per kind, corrupt-pfn by --pfn on a victim's page
    for rkk in $REPORT_KINDS; do    # (names unique: v_wait & co. use t, n, k, ...)
        rkt="$1$(echo "$rkk" | tr - _)"
        v_start_kind "$rkk" || { kv "nostart.$rkt" 1; continue; }
        vready "$rkt"
        kpf "kpf_before.$rkt" "$VPFN"
        hwpi "$rkt" inject --pfn "$VPFN" --method corrupt-pfn --json
        kpf "kpf_after.$rkt" "$VPFN"
        v_stop
    done
    return 0
}
# tracefs where the full boot mounted it: the action comes from ras:memory_failure_event
sc_hwpi_report_kinds() { kv tracing "$(trace_state)"; report_kinds ""; }

# ---- tracefs hidden / unavailable ----
# lib/trace.c reads tracepoint formats from /sys/kernel/tracing/events or
# /sys/kernel/debug/tracing/events, and mounts tracefs on /sys/kernel/tracing itself when
# neither has an events/ directory (and /sys/kernel/tracing exists).
#  - trace_unmount: tracefs unmounted from /sys/kernel/tracing, and a tmpfs mounted over
#    /sys/kernel/debug/tracing (debugfs itself stays mounted: corrupt-pfn needs it) -> no
#    tracefs anywhere: hwpinject mounts it (the "note").
#  - trace_hide: the same, plus a decoy: a tmpfs on /sys/kernel/tracing holding an empty
#    events/ directory.  The library then believes a tracefs is there (so it mounts nothing)
#    but finds no format file: it cannot use tracepoints at all and must fall back to /dev/kmsg.
#    (An empty bind mount or tmpfs alone is not enough: it mounts tracefs on top of it.)
#  - trace_restore: undo both, tracefs mounted again on /sys/kernel/tracing.
TRDBG=/sys/kernel/debug/tracing
TRFS=/sys/kernel/tracing
mounted_on() { awk -v d="$1" '$2 == d {print $3}' /proc/mounts | tr '\n' ' '; }
trace_state() { # what is mounted where, and whether a format file is readable
    printf 'tracing=[%s] debug_tracing=[%s] events=%s debug_events=%s' \
        "$(mounted_on $TRFS)" "$(mounted_on $TRDBG)" \
        "$([ -e $TRFS/events/ras/memory_failure_event/format ] && echo yes || echo no)" \
        "$([ -e $TRDBG/events/ras/memory_failure_event/format ] && echo yes || echo no)"
}
trace_unmount() {
    trn=0
    while grep -q " $TRFS " /proc/mounts && [ $trn -lt 5 ]; do umount $TRFS; trn=$((trn + 1)); done
    mount -t tmpfs -o size=64k hwpi-hide $TRDBG
}
trace_hide() {
    trace_unmount
    mount -t tmpfs -o size=64k hwpi-decoy $TRFS && mkdir -p $TRFS/events
}
trace_restore() {
    trn=0
    while grep -q " $TRFS " /proc/mounts && [ $trn -lt 5 ]; do umount $TRFS; trn=$((trn + 1)); done
    trn=0
    while grep -q "^hwpi-hide $TRDBG " /proc/mounts && [ $trn -lt 5 ]; do
        umount $TRDBG; trn=$((trn + 1))
    done
    mount -t tracefs tracefs $TRFS
    kv tracing_restored "$(trace_state)"
}

# no tracefs anywhere (debugfs's hidden): hwpinject mounts it and says so; tracepoints speak
sc_hwpi_trace_automount() {
    trace_unmount
    kv tracing_before "$(trace_state)"
    v_start anon || { trace_restore; return 1; }
    vready mount
    hwpi mount inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --json
    kv tracing_after "$(trace_state)"
    v_stop
    trace_restore
}

# tracefs unusable: the same kinds as hwpi-report-kinds, the action from /dev/kmsg
sc_hwpi_kmsg_fallback() {
    trace_hide
    kv tracing_hidden "$(trace_state)"
    report_kinds ""
    kv tracing_after "$(trace_state)"
    trace_restore
}

# a shmem page mapped by the victim and its forked child; early kill; corrupt-pfn on the
# parent's page: both are signalled (BUS_MCEERR_AO), the parent seen by ptrace, the child by
# signal:signal_generate
sc_hwpi_shared_fork() {
    VARGS=--fork; v_start shmem || return 1
    vready fork
    CPID=$(v_last child-ready pid)
    kv early_kill_before "$(early_kill)"
    hwpi inject inject --pid "$VPID" --addr "$VADDR" --method corrupt-pfn --early-kill --json
    sleep 0.3; v_flush
    kv early_kill_after "$(early_kill)"
    kv child_alive "$([ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null && echo yes || echo no)"
    kpf kpf_after "$VPFN"
    v_stop
}

# the same page injected twice: by --pfn (corrupt-pfn), and by the target's own madvise.
# The kernel log is dumped after each run (check.py splits it per run), and a third,
# raw write to corrupt-pfn records the kernel's own answer for an already poisoned page.
sc_hwpi_twice_pfn() {
    v_start anon || return 1
    vready first
    kpf kpf_before "$VPFN"
    hwpi first inject --pfn "$VPFN" --method corrupt-pfn --json
    dmesg_dump
    kpf kpf_mid "$VPFN"
    hwpi second inject --pfn "$VPFN" --method corrupt-pfn --json
    dmesg_dump
    kpf kpf_after "$VPFN"
    wr third "$VPFN" $HP/corrupt-pfn
    dmesg_dump
    v_stop
}
sc_hwpi_twice_hwpoison() {
    v_start anon || return 1
    vready first
    kpf kpf_before "$VPFN"
    hwpi first inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    dmesg_dump
    kpf kpf_mid "$VPFN"
    kv pm_mid "$(victim --pagemap "$VPID" "$VADDR")"
    hwpi second inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    dmesg_dump
    kpf kpf_after "$VPFN"
    kv end.second 1
    v_cmd pfn
    v_cmd selfpoison    # the kernel's own answer to the same madvise, asked by the victim
    v_stop
}

# a kernel page frame (RESERVED) with --force: the kernel ignores or fails it, the VM lives on;
# without --force: refused, exit 77, nothing changed
sc_hwpi_force_kernel() {
    rl=$(victim --find-kpf 32 1 262144); kv reserved "$rl"
    rp=$(echo "$rl" | sed -n 's/.*"pfn":"\([0-9a-fx]*\)".*/\1/p')
    [ -n "$rp" ] || return 1
    kpf kpf_before "$rp"
    hwpi noforce inject --pfn "$rp" --method corrupt-pfn --json
    kpf kpf_noforce "$rp"
    hwpi force inject --pfn "$rp" --method corrupt-pfn --force --json
    kpf kpf_after "$rp"
    sleep 0.5
    kv alive_after "$(uname -r)"
    return 0
}

# the cost of observing: N corrupt-pfn injections (one hwpinject run, --count N over the
# victim's own pages) with tracepoints, then N more with tracefs hidden (kmsg only)
OVH_N=20
ovh_run() { # ovh_run TAG FIRST_PAGE: inject pages FIRST_PAGE.. FIRST_PAGE+N-1 of the victim
    ovlo=$(printf '0x%x' $((VADDR + $2 * 4096)))
    ovhi=$(printf '0x%x' $((VADDR + ($2 + OVH_N) * 4096)))
    kv "range.$1" "$ovlo-$ovhi"
    ovt0=$(victim --clock)
    hwpi "$1" inject --pid "$VPID" --region "$ovlo-$ovhi" --count $OVH_N --method corrupt-pfn --json
    ovt1=$(victim --clock)
    kv "ms_per_injection.$1" "$(awk -v a="$ovt0" -v b="$ovt1" -v n=$OVH_N 'BEGIN{printf "%.1f", (b - a) / 1e6 / n}')"
    kv "ms_total.$1" "$(awk -v a="$ovt0" -v b="$ovt1" 'BEGIN{printf "%.1f", (b - a) / 1e6}')"
}
sc_hwpi_overhead() {
    VARGS="--pages $((2 * OVH_N))"; v_start anon || return 1
    vready ovh
    kv n "$OVH_N"
    ovh_run tracepoint 0
    trace_hide
    kv tracing_hidden "$(trace_state)"
    ovh_run kmsg "$OVH_N"
    trace_restore
    v_stop
}

# missing boot: no debugfs, no tracefs mounted at all (nothing to hide): hwpinject mounts
# tracefs itself for a madvise injection (no hwpoison-inject needed).  hwpi-missing's runs may
# have mounted debugfs (hwpinject mounts it to look for hwpoison-inject): start from nothing.
kmounts() { awk '$3 == "debugfs" || $3 == "tracefs" {printf "%s=%s ", $2, $3}' /proc/mounts; }
sc_hwpi_tracefs_mount() {
    kv mounts_found "$(kmounts)"
    for m in $TRDBG /sys/kernel/debug $TRFS; do
        trn=0
        while grep -q " $m " /proc/mounts && [ $trn -lt 5 ]; do umount $m; trn=$((trn + 1)); done
    done
    kv mounts_before "$(kmounts)"
    kv tracing_before "$(trace_state)"
    v_start anon || return 1
    vready mount
    hwpi mount inject --pid "$VPID" --addr "$VADDR" --method hwpoison --json
    sleep 0.2; v_flush
    kv mounts_after "$(kmounts)"
    kv tracing_after "$(trace_state)"
    v_stop
}

# ---- hwpinject probe: its own scratch children, a matrix of rows, everything given back or
# listed in left_poisoned; then --compare against a second, shorter run (same rows: exit 0) and
# against a copy with every fate changed (exit 1)
hwpi_procs() { # processes named hwpinject (probe's children are forks of it)
    n=0
    for c in /proc/[0-9]*/comm; do
        [ "$(cat "$c" 2>/dev/null)" = hwpinject ] && n=$((n + 1))
    done
    echo $n
}
sc_hwpi_probe() {
    kv nr_hugepages_before "$(cat /proc/sys/vm/nr_hugepages)"
    kv early_kill_before "$(early_kill)"
    hwpi probe probe --json --kinds anon,shmem,hugetlb --dir "${FILEDIR:-/tmp}"
    cp $W/run.out $W/probe.json
    kv nr_hugepages_after "$(cat /proc/sys/vm/nr_hugepages)"
    kv early_kill_after "$(early_kill)"
    kv hwpinject_procs "$(hwpi_procs)"
    hwpi probe2 probe --json --kinds anon --methods hwpoison,corrupt-pfn
    cp $W/run.out $W/probe2.json
    kv hwpinject_procs2 "$(hwpi_procs)"
    grep -E '"kind":"anon","method":"(hwpoison|corrupt-pfn)"' $W/probe.json > $W/probe-a.json
    run cmp-same hwpinject probe --compare $W/probe-a.json $W/probe2.json
    sed 's/"fate":{"state":"[a-z]*"/"fate":{"state":"gone"/' $W/probe2.json > $W/probe-b.json
    run cmp-diff hwpinject probe --compare $W/probe-a.json $W/probe-b.json
    return 0
}

SCENARIOS_VICTIM="env corrupt-anon corrupt-anon-early unpoison-anon
  selfpoison-anon selfpoison-shmem selfpoison-thp selfpoison-hugetlb selfpoison-mlocked
  selfpoison-file-dirty selfpoison-file-clean
  selfsoft-anon selfsoft-shmem selfsoft-thp selfsoft-file-dirty
  soft-offline-phys hard-offline-phys"
SCENARIOS_HWPI="hwpi-status hwpi-translate hwpi-inject-corrupt hwpi-inject-hwpoison
  hwpi-inject-early hwpi-inject-early-many hwpi-inject-hwpoison-many hwpi-inject-no-observe
  hwpi-inject-soft hwpi-unpoison
  $HWPI_KIND_SCENARIOS
  $HWPI_UNPOISON_SCENARIOS hwpi-unpoison-pinned
  hwpi-watch-late hwpi-watch-early hwpi-nohandler-hwpoison hwpi-nohandler-early
  hwpi-threads hwpi-blocked
  hwpi-refuse-pid1 hwpi-refuse-traced hwpi-refuse-nopid hwpi-refuse-unmapped hwpi-refuse-kernel
  hwpi-report-kinds hwpi-shared-fork hwpi-twice-pfn hwpi-twice-hwpoison
  hwpi-trace-automount hwpi-kmsg-fallback hwpi-force-kernel hwpi-overhead hwpi-sigterm
  hwpi-populate hwpi-refuse-more
  hwpi-run-handler hwpi-run-nohandler hwpi-run-every hwpi-run-exhaust hwpi-probe"

# ---- the write-ahead journal: hwpinject run --journal is SIGKILLed in the middle of its
# injections (--watch 1s keeps each injection, with its early-kill sysctl, open for a second);
# hwpinject unpoison --journal then gives back every page the kernel allows and restores the
# sysctl.  HardwareCorrupted before the run and after the unpoison, the journal, both outputs.
JRANGE=0x7e0000000000-0x7e0000020000
sc_hwpi_journal_kill() {
    J=$W/journal; rm -f $J
    kv early_kill_before "$(cat /proc/sys/vm/memory_failure_early_kill)"
    kv hc_journal_before "$(hc_kb)"
    ( exec 3>&-; exec hwpinject run --json --early-kill --watch 1s --after 300ms \
        --every 200ms --count 20 --journal $J --region $JRANGE -- \
        victim --kind anon --pages 32 --at $RUN_AT --touch-after 60000 ) > $W/jk.out 2> $W/jk.err &
    jk=$!
    sleep 2
    kill -9 $jk
    wait $jk
    echo "@RUN killed rc=$? hwpinject run --journal $J (SIGKILLed)"
    sed "s/^/@OUT killed /" $W/jk.out
    sed "s/^/@ERR killed /" $W/jk.err
    kv early_kill_killed "$(cat /proc/sys/vm/memory_failure_early_kill)"
    kv hc_journal_killed "$(hc_kb)"
    kv journal_mode "$(stat -c %a $J 2>/dev/null || echo none)"
    run journal cat $J
    # the victim outlived hwpinject (detached, not traced): end it before the cleanup
    vp=$(sed -n 's/.*"event":"ready".*"pid":\([0-9]*\).*/\1/p' $W/jk.out | head -n 1)
    [ -n "$vp" ] && kill -9 "$vp" 2>/dev/null
    sleep 0.2
    hwpi unpoison unpoison --json --journal $J
    kv early_kill_after "$(cat /proc/sys/vm/memory_failure_early_kill)"
    kv hc_journal_after "$(hc_kb)"
    # a second run finds nothing left to do
    hwpi unpoison2 unpoison --json --journal $J
    return 0
}
SCENARIOS_HWPI="$SCENARIOS_HWPI hwpi-journal-kill"

# campaign: a fleet of 4 victims of 50 anon pages; a 200-step file (4 x repeat-free lines of
# inject --pid P --addr A), run to the end with a journal; then the same campaign on a fresh
# fleet killed with SIGKILL half-way; each journal undone by unpoison --journal
fleet_start() { # fleet_start PREFIX: 4 victims, pids and base addresses in $W/PREFIX.fleet
    : > $W/$1.fleet
    for i in 1 2 3 4; do
        mkfifo $W/$1.in$i
        victim --kind anon --pages 50 < $W/$1.in$i > $W/$1.out$i 2>&1 &
        eval "exec $((4 + i))> $W/$1.in$i"
        t=0
        while ! grep -q '"event":"ready"' $W/$1.out$i && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
        sed -n 's/.*"event":"ready".*"pid":\([0-9]*\),"vaddr":"\(0x[0-9a-f]*\)".*/\1 \2/p' \
            $W/$1.out$i >> $W/$1.fleet
    done
}
fleet_stop() { # fleet_stop PREFIX: end the victims (their pages can be unpoisoned only then)
    for i in 1 2 3 4; do eval "exec $((4 + i))>&-"; done
    wait 2>/dev/null
    sleep 0.2
}
campaign_file() { # campaign_file PREFIX: 200 steps over the fleet's pages
    {
        echo "# 200 injections: 4 victims x 50 pages"
        while read -r pid base; do
            i=0
            while [ $i -lt 50 ]; do
                printf 'inject --pid %s --addr 0x%x --method corrupt-pfn\n' "$pid" $((base + i * 4096))
                i=$((i + 1))
            done
        done < $W/$1.fleet
    } > $W/$1.steps
}
sc_hwpi_campaign() {
    kv hc_start "$(hc_kb)"
    fleet_start c1
    kv fleet "$(wc -l < $W/c1.fleet)"
    campaign_file c1
    kv steps_in_file "$(grep -c '^inject' $W/c1.steps)"
    rm -f $W/c1.journal
    hwpi campaign campaign --journal $W/c1.journal $W/c1.steps
    kv hc_done "$(hc_kb)"
    fleet_stop c1
    hwpi undo unpoison --json --journal $W/c1.journal
    kv hc_undone "$(hc_kb)"

    fleet_start c2
    campaign_file c2
    rm -f $W/c2.journal
    ( exec 3>&- 5>&- 6>&- 7>&- 8>&-; exec hwpinject campaign --journal $W/c2.journal $W/c2.steps ) \
        > $W/c2.out 2> $W/c2.err &
    cp=$!
    # half-way: about 100 of the 200 injections are journalled
    t=0
    while :; do
        # grep -c prints 0 (and fails) when nothing matches, nothing when there is no file yet
        n=$(grep -c '^inject' $W/c2.journal 2>/dev/null)
        [ "${n:-0}" -ge 100 ] || [ $t -ge 1200 ] && break
        sleep 0.1; t=$((t + 1))
    done
    kill -9 $cp
    wait $cp
    echo "@RUN killed rc=$? hwpinject campaign --journal (SIGKILLed half-way)"
    kv journalled "$(grep -c '^inject' $W/c2.journal)"
    kv c2_reports "$(grep -c '"method":"corrupt-pfn"' $W/c2.out)"
    kv hc_killed "$(hc_kb)"
    fleet_stop c2
    hwpi undo2 unpoison --json --journal $W/c2.journal
    kv hc_end "$(hc_kb)"
    return 0
}
SCENARIOS_HWPI="$SCENARIOS_HWPI hwpi-campaign"

[ -r /guest-faults.sh ] && . /guest-faults.sh && SCENARIOS_HWPI="$SCENARIOS_HWPI $SCENARIOS_FAULTS"
[ -r /guest-badinput.sh ] && . /guest-badinput.sh && SCENARIOS_HWPI="$SCENARIOS_HWPI $SCENARIOS_BADINPUT"

# khugepaged would collapse a victim's pages into a new THP behind the tests' backs (seen on
# sid: the pfn a soft offline moved the page to, then another one): let it sleep all boot.
[ -w /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs ] &&
    echo 3600000 > /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs

case $SCENARIO in
    full)
        setup_filefs
        for s in $SCENARIOS_VICTIM; do scenario "$s"; done
        if [ -x /bin/hwpinject ]; then
            for s in $SCENARIOS_HWPI; do scenario "$s"; done
        fi
        ;;
    hwpi)  # development: env and the hwpinject scenarios only
        setup_filefs
        scenario env
        for s in $SCENARIOS_HWPI; do scenario "$s"; done
        ;;
    nomodule|nodebugfs)
        scenario env
        if [ -x /bin/hwpinject ]; then scenario hwpi-missing; fi
        ;;
    missing)  # neither debugfs nor hwpoison-inject; then debugfs but still no module
        scenario env
        if [ -x /bin/hwpinject ]; then
            scenario hwpi-missing
            scenario hwpi-tracefs-mount
            grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
            SUFFIX=-debugfs scenario hwpi-missing
            scenario hwpi-autoload
        fi
        ;;
    *)  # a single scenario or a space-separated list via hwpi.scenario=a,b,c
        setup_filefs
        for s in $(echo "$SCENARIO" | tr , ' '); do scenario "$s"; done
        ;;
esac
exit 0
