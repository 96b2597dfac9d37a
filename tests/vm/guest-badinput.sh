# guest-badinput.sh — bad input against a live kernel (issue 9), sourced by guest.sh (same
# helpers, same output protocol); checked by check_badinput.py, which holds the expected exit
# status and stderr of each row (by tag).  The rows are the cases of tests/test_cli.py's
# BAD_INPUT table that need a real kernel and a real process: an unmapped address of a live
# victim, the pfn right at the end of memory, pid 1, kernel threads, a pid that just exited,
# a zombie, hwpinject's own pid, options that conflict around a live target ...
# Around each row (@KV bi_pre.TAG / bi_post.TAG, one JSON object) everything hwpinject could
# have changed: HardwareCorrupted, the victim page's kpageflags, the memory-failure sysctls,
# the tasks of the VM that are traced or stopped; check_badinput.py requires them equal.

# bi_traced: every task of the VM traced or stopped now, as a JSON list of "TID:STATE:TRACER"
bi_traced() {
    grep -H -E '^(State|TracerPid):' /proc/[0-9]*/task/[0-9]*/status 2>/dev/null |
        awk -F'[: \t]+' '{ split($1, a, "/"); id = a[5]
                if ($2 == "State") st[id] = $3; else tr[id] = $3 }
            END { o = ""; for (id in st) if (st[id] == "t" || st[id] == "T" || tr[id] + 0 != 0)
                      o = o (o == "" ? "" : ",") "\"" id ":" st[id] ":" tr[id] "\""
                  printf "[%s]", o }'
}
bi_sysctl() { cat "/proc/sys/vm/$1" 2>/dev/null || echo null; }
bi_snap() { # bi_snap KEY
    kv "$1" "{\"hc\":$(hc_kb),\"early_kill\":$(bi_sysctl memory_failure_early_kill),\"recovery\":$(bi_sysctl memory_failure_recovery),\"enable_soft_offline\":$(bi_sysctl enable_soft_offline),\"kpf\":$(victim --kpageflags "$VPFN"),\"traced\":$(bi_traced)}"
}
# bi TAG ARGS...: hwpinject ARGS as hwpi does, with the snapshots around it
bi() {
    bi_snap "bi_pre.$1"
    hwpi "$@"
    bi_snap "bi_post.$1"
}
# bi_sh TAG SCRIPT: sh -c SCRIPT (hwpinject inside) with the snapshots around it
bi_sh() {
    bi_snap "bi_pre.$1"
    run "$1" sh -c "$2"
    bi_snap "bi_post.$1"
}

sc_hwpi_badinput() {
    v_start anon || return 1
    v_cmd pfn
    # the end of memory as hwpinject sees it: the first pfn /proc/kpageflags has no entry for
    # (the kernel rounds max_pfn up to a memory section), found by bisection from the end of
    # the last System RAM range
    end=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\2/p' /proc/iomem | tail -n 1)
    lo=$(((0x$end + 1) / 4096 - 1)); hi=$((lo + 0x1000000))
    kv ram_end_pfn "$(printf '0x%x' $((lo + 1)))"
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        if [ "$(dd if=/proc/kpageflags bs=8 skip=$mid count=1 2>/dev/null | wc -c)" -eq 8 ]; then
            lo=$mid
        else
            hi=$mid
        fi
    done
    maxpfn=$(printf '0x%x' $hi)
    kv maxpfn "$maxpfn"
    a1=$(sed -n '1s/-.*//p' /proc/1/maps)
    kw=""
    for p in /proc/[0-9]*; do
        case $(cat $p/comm 2>/dev/null) in kworker*) kw=${p#/proc/}; break ;; esac
    done
    kv kworker "$kw"
    sh -c 'exit 0' 3>&- & dead=$!
    wait "$dead"
    kv dead_pid "$dead"
    kv dead_pid_exists "$([ -e /proc/$dead ] && echo yes || echo no)"
    # a zombie: the child of a shell that then execs into sleep, which never reaps it; the
    # child ends after the exec (ash reaps a job that ended before it execs: seen under load)
    rm -f $W/zombie.pid
    sh -c 'sleep 1 & echo $! > '$W'/zombie.pid; exec sleep 60' 3>&- &
    ZJOB=$!
    t=0; while [ ! -s $W/zombie.pid ] && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
    zpid=$(cat $W/zombie.pid)
    t=0; while [ "$(awk '{print $3}' /proc/$zpid/stat 2>/dev/null)" != Z ] && [ $t -lt 100 ]; do
        sleep 0.1; t=$((t + 1))
    done
    kv zombie_state "$(awk '{print $3}' /proc/$zpid/stat 2>/dev/null)"
    printf 'hello\nworld' > $W/not-a-journal
    kv notj_before "$(md5sum < $W/not-a-journal)"
    printf 'inject --pid %s --addr %s --json\nsta\000tus\n' "$VPID" "$VADDR" > $W/nul.campaign
    { echo "inject --pid $VPID --addr $VADDR"; printf 'status %04100d\n' 0; } > $W/long.campaign
    printf 'inject --pid 1 --addr 0x%s\n' "$a1" > $W/pid1.campaign
    printf 'inject --pid %s --addr 0x1000 --early-kill\n' "$VPID" > $W/unmapped.campaign

    # addresses and pages
    bi unmapped inject --pid "$VPID" --addr 0x1000 --json
    bi unmapped_early inject --pid "$VPID" --addr 0x1000 --early-kill --json
    bi unmapped_pfnm inject --pid "$VPID" --addr 0x1000 --method corrupt-pfn --late-kill
    bi unmapped_soft inject --pid "$VPID" --addr 0x1000 --method soft-offline
    bi addr_top inject --pid "$VPID" --addr 0xffffffffffffffff
    bi addr_2_64 inject --pid "$VPID" --addr 0x10000000000000000
    bi unaligned_dry inject --pid "$VPID" --addr "$(printf '0x%x' $((VADDR + 1)))" --dry-run --json
    bi translate_unmapped translate --pid "$VPID" --addr 0x1000
    bi pfn_last translate --pfn "$(printf '0x%x' $((maxpfn - 1)))" --json
    bi pfn_ram_end inject --pfn "$(printf '0x%x' $(((0x$end + 1) / 4096)))"
    bi pfn_end inject --pfn "$maxpfn"
    bi pfn_end_early inject --pfn "$maxpfn" --early-kill
    bi pfn_huge inject --pfn 0xfffffffffffff
    bi pfn_2_64 inject --pfn 18446744073709551616
    bi phys_end inject --phys "$(printf '0x%x' $((maxpfn * 4096)))"
    bi unpoison_end unpoison --pfn "$maxpfn"
    # processes
    bi pid1 inject --pid 1 --addr "0x$a1"
    bi pid1_pfn inject --pid 1 --addr "0x$a1" --method corrupt-pfn --early-kill
    bi kthreadd inject --pid 2 --addr 0x1000
    bi kthreadd_region inject --pid 2 --region heap
    bi kthreadd_translate translate --pid 2 --addr 0x1000
    bi kthreadd_unpoison unpoison --pid 2 --addr 0x1000
    [ -n "$kw" ] && bi kworker inject --pid "$kw" --addr 0x1000 --method corrupt-pfn
    bi exited inject --pid "$dead" --addr 0x400000
    bi exited_translate translate --pid "$dead" --addr 0x400000
    bi zombie inject --pid "$zpid" --addr 0x400000
    bi_sh own_pid 'exec hwpinject inject --pid $$ --addr 0x400000 --early-kill'
    bi_sh own_pid_pfn 'exec hwpinject inject --pid $$ --addr 0x400000 --method corrupt-pfn'
    # methods and conflicting options around the live victim
    bi method_bogus inject --pid "$VPID" --addr "$VADDR" --method bogus
    bi method_nopid inject --pfn "$VPFN" --method hwpoison
    bi pfn_and_pid inject --pid "$VPID" --addr "$VADDR" --pfn "$VPFN"
    bi pid_twice inject --pid "$VPID" --pid 1 --addr "$VADDR"
    bi early_late inject --pid "$VPID" --addr "$VADDR" --early-kill --late-kill
    bi expect_bogus inject --pid "$VPID" --addr "$VADDR" --expect bogus --early-kill
    bi watch_bad inject --pid "$VPID" --addr "$VADDR" --watch -1 --early-kill
    bi missing_addr inject --pid "$VPID"
    bi missing_value inject --pid "$VPID" --addr
    bi pid_bad inject --pid=-1 --addr "$VADDR"   # (not "--pid -1": pstate would look for pid -1)
    # files
    bi journal_notj inject --pid "$VPID" --addr "$VADDR" --journal $W/not-a-journal --early-kill
    kv notj_after "$(md5sum < $W/not-a-journal)"
    bi journal_nodir inject --pid "$VPID" --addr "$VADDR" --journal $W/no/such/j
    bi campaign_nul campaign $W/nul.campaign
    bi campaign_long campaign $W/long.campaign
    bi campaign_pid1 campaign $W/pid1.campaign
    bi campaign_unmapped campaign $W/unmapped.campaign
    bi run_missing run --addr 0x1000 -- /nonexistent/command

    kill "$ZJOB" 2>/dev/null; wait "$ZJOB" 2>/dev/null
    v_cmd pfn
    v_cmd check
    v_stop
}
SCENARIOS_BADINPUT="hwpi-badinput"
