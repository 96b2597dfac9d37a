#!/bin/sh
# tests/bench/guest.sh MODE — runs inside the VM (busybox sh, root), started by /init.
# MODE: bench (full sizes) or quick (small sizes, for CI).  Prints "@B ..." result lines (from
# bench) and "@KV key value" facts on the console; tests/bench/report makes the table.
MODE=${1:-bench}
W=/tmp/bench; mkdir -p $W; cd $W
if [ "$MODE" = quick ]; then
    N=50; SCALE="1 10 100 1000"; SPARSE_MIB=128; REPS=3; EXECS=10
else
    N=1000; SCALE="1 10 100 1000 10000"; SPARSE_MIB=1024; REPS=5; EXECS=30
fi
echo "@KV mode $MODE"
echo "@KV release $(uname -r)"
echo "@KV pages $N"
# keep the comparison about injection: no THP collapse, no kernel chatter on the console
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
echo 1 > /proc/sys/vm/memory_failure_recovery

# start a bench victim: v_start PAGES [SPARSE_MIB] sets VPID VA VE SA SE
v_start() {
    rm -f $W/v.out
    bench victim "$@" > $W/v.out 2>&1 &
    VJOB=$!
    i=0
    while ! grep -q '^@V' $W/v.out 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 $VJOB 2>/dev/null; then
            echo "@KV error victim did not start: $(tr '\n' ' ' < $W/v.out)"; return 1
        fi
        sleep 0.05
    done
    line=$(grep '^@V' $W/v.out)
    for kv in $line; do
        case $kv in
            pid=*) VPID=${kv#pid=} ;; addr=*) VA=${kv#addr=} ;; end=*) VE=${kv#end=} ;;
            sparse=*) SA=${kv#sparse=} ;; sparse_end=*) SE=${kv#sparse_end=} ;;
        esac
    done
}
v_stop() { kill -9 $VJOB 2>/dev/null; wait $VJOB 2>/dev/null; }

# hwpinject campaign, one step injecting COUNT pages of a region, with the step options OPTS
campaign_region() { # TAG METHOD COUNT [OPTS]
    v_start "$3" || return
    echo "inject --pid $VPID --region $VA-$VE --count $3 --method $2 $4" > $W/c.txt
    bench exec 1 hwpinject campaign $W/c.txt | sed "s/^@B name=exec/@B name=$1 method=$2 n=$3/"
    v_stop
}
# hwpinject campaign, COUNT steps of one page each
campaign_steps() { # TAG METHOD COUNT
    v_start "$3" || return
    : > $W/c.txt
    i=0; a=$((VA))
    while [ $i -lt "$3" ]; do
        printf 'inject --pid %s --addr 0x%x --method %s\n' "$VPID" $((a + i * 4096)) "$2" >> $W/c.txt
        i=$((i + 1))
    done
    bench exec 1 hwpinject campaign $W/c.txt | sed "s/^@B name=exec/@B name=$1 method=$2 n=$3/"
    v_stop
}

# the --pfn campaign and its sh loop also in a fresh boot: after the method rows below (~30 000
# pages injected) the kernel's log has wrapped, and each open of /dev/kmsg costs far more
bench shell $N | sed 's/^@B name=shell/@B name=shell-early/'
bench shell $N campaign | sed 's/^@B name=shell/@B name=shell-early/'

for m in corrupt-pfn hwpoison soft-offline; do
    bench raw $m $N
    bench lib $m $N
    bench lib $m $N many
    bench lib $m $N observer
    bench lib $m $N fresh
    bench lib $m $N observer,notrace
    bench lib $m $N many,observer
    bench lib $m $N many,noobserve
    campaign_region campaign $m $N
    campaign_region campaign-fast $m $N --no-observe
    campaign_steps campaign-steps $m $N
done
bench shell $N
bench shell $N hwpinject
bench shell $N campaign
bench shell $N campaign-fast

for n in $SCALE; do
    campaign_region scale corrupt-pfn $n
done

v_start 1 $SPARSE_MIB && {
    # three rounds, each side best of REPS in each: the report takes the best of all, so a
    # slow spell of the guest (one whole set of 5 reps 1.6x slower was seen) hits both sides
    for round in 1 2 3; do
        out=$(bench pagemap $VPID $SA $((SE - SA)) $REPS)
        echo "$out"
        bench pagemap $VPID $SA $((SE - SA)) $REPS flags
        present=$(echo "$out" | sed -n 's/.*present=\([0-9]*\).*/\1/p')
        bench translate $VPID $SA-$SE "$present" $REPS
        bench translate $VPID $SA-$SE "$present" $REPS full
    done
    bench exec 1 hwpinject translate --json --pid $VPID --region $SA-$SE --count "$present" |
        sed "s/^@B name=exec/@B name=cli-translate present=$present/"
    v_stop
}

bench exec $EXECS trivial | sed 's/^@B name=exec/@B name=start-trivial/'
bench exec $EXECS hwpinject --version | sed 's/^@B name=exec/@B name=start-version/'
bench exec $EXECS hwpinject status --json | sed 's/^@B name=exec/@B name=start-status/'
echo "@KV hardware_corrupted_kb $(sed -n 's/^HardwareCorrupted: *\([0-9]*\).*/\1/p' /proc/meminfo)"
exit 0
