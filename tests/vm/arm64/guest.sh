#!/bin/sh
# tests/vm/arm64/guest.sh — the arm64 VM test's guest side (busybox sh, as root, from /init).
# Runs remote syscall injection's own test (test-remote, every mode, with real poison here)
# and hwpinject against victim anon pages, once per method. Output, parsed by check.py here:
#   @@ARCH machine release      first line
#   @@BEGIN name / @@END name rc=N
#   @TR line                    test-remote's output
#   @V {json}                   a line the victim printed (ready, sigbus, pfn, check, ...)
#   @RUN tag rc=N args...       a hwpinject run; @OUT tag / @ERR tag its stdout / stderr
#   @KV tag {json}              the target's tracer and state right after hwpinject returned
#   @DMESG text                 kernel messages of the scenario
W=/tmp/a64
mkdir -p $W
echo "@@ARCH $(uname -m) $(uname -r)"

# ---- the victim, driven through a fifo ----
v_wait() { # v_wait PATTERN [TENTHS]
    t=0
    while ! grep -q "$1" $W/v.out 2>/dev/null; do
        kill -0 "$VJOB" 2>/dev/null || return 1
        t=$((t + 1)); [ $t -gt "${2:-200}" ] && return 1
        sleep 0.1
    done
}
v_start() { # v_start KIND
    rm -f $W/v.in; : > $W/v.out; VSEQ=0
    mkfifo $W/v.in
    victim --kind "$1" < $W/v.in > $W/v.out 2>&1 &
    VJOB=$!
    exec 3> $W/v.in
    v_wait '"event":"ready"' 100 || return 1
    line=$(grep '"event":"ready"' $W/v.out)
    VPID=$(echo "$line" | sed 's/.*"pid":\([0-9]*\).*/\1/')
    VADDR=$(echo "$line" | sed 's/.*"vaddr":"\([0-9a-fx]*\)".*/\1/')
}
v_cmd() { VSEQ=$((VSEQ + 1)); echo "$1" >&3; v_wait "\"seq\":$VSEQ}"; }
v_stop() { v_cmd exit; exec 3>&-; wait "$VJOB"; echo "@KV victim_exit {\"status\":$?}"; }
v_show() { sed 's/^/@V /' $W/v.out; }

hwpi() { # hwpi TAG ARGS...
    tag=$1; shift
    hwpinject "$@" > $W/h.out 2> $W/h.err
    rc=$?
    echo "@RUN $tag rc=$rc $*"
    sed "s/^/@OUT $tag /" $W/h.out
    sed "s/^/@ERR $tag /" $W/h.err
    awk -v p="$VPID" '/^State:/{s=$2} /^TracerPid:/{t=$2}
        END{printf "@KV ptr.%s {\"pid\":%s,\"tracer\":%s,\"state\":\"%s\"}\n", tag, p, t, s}' \
        tag="$tag" "/proc/$VPID/status"
}

scenario() { # scenario NAME METHOD [hwpinject options] — an anon victim page, one injection
    name=$1; method=$2; shift 2
    echo "@@BEGIN $name"
    dmesg -c > /dev/null
    if v_start anon; then
        hwpi inject inject --pid "$VPID" --addr "$VADDR" --method "$method" --json "$@"
        case $method in
            hwpoison) v_wait '"event":"sigbus"' 30 ;;    # the handler's line, written async
            corrupt-pfn) [ "$1" = --early-kill ] && v_wait '"event":"sigbus"' 30 ;;
        esac
        v_cmd pfn
        [ "$method" = soft-offline ] && v_cmd check
        v_stop
        rc=0
    else
        rc=1
    fi
    v_show
    dmesg -c | sed 's/^/@DMESG /'
    echo "@@END $name rc=$rc"
}

echo "@@BEGIN test-remote"
test-remote /bin/remote-target > $W/tr.out 2>&1
rc=$?
sed 's/^/@TR /' $W/tr.out
dmesg -c | sed 's/^/@DMESG /'
echo "@@END test-remote rc=$rc"

scenario hwpoison hwpoison
scenario soft-offline soft-offline
scenario corrupt-early corrupt-pfn --early-kill
exit 0
