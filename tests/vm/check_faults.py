"""check_faults.py — the checks of the fault scenarios (tests/vm/guest-faults.sh), registered
into check.py by register(check_module).

After every fault: no task of the VM traced or stopped (procs.* == []), the kill-policy sysctl
restored by hwpinject itself when it could (SIGINT, SIGTERM) or, after SIGKILL, by
unpoison --journal (which must say so in sysctls_restored), and HardwareCorrupted back to its
value at the start of the scenario once the journals are undone, but for the pages the kernel
refused: a page poisoned that no journal names would stay and fail that check.
"""
import json
import re
import signal

SIGNO = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "KILL": signal.SIGKILL}
EX_DATAERR, EX_NOINPUT, EX_UNAVAILABLE = 65, 66, 69
M = None  # the check module


def kvint(b, key):
    try:
        return int(b.kv[key])
    except (KeyError, ValueError):
        return None


def procs_clean(c, b):
    hangs = [(k, v) for k, v in b.kvs if k.startswith("hang.")]
    c.check(not hangs, "no hwpinject run hung (20 s)",
            "; ".join(f"{k}: {v}" for k, v in hangs) + " | " +
            "; ".join(v for k, v in b.kvs if k.startswith(("task.", "stack.")))[:3000])
    for k, v in b.kvs:
        if k.startswith("procs."):
            try:
                lst = json.loads(v)
            except ValueError:
                lst = None
            c.check(lst == [], f"{k[6:]}: no task traced or stopped afterwards", v)


def one_err_line(c, b, tag):
    r = b.runs.get(tag)
    errs = [x for x in r["err"] if x.strip()]
    c.check(len(errs) == 1 and errs[0].startswith("hwpinject: "),
            f"{tag}: exit {r['rc']} with one stderr line saying why", str(errs[:3]))


def check_exit_on_signal(c, r, tag, s, killed):
    """exit 128+N after signal S, or 0 if the run ended before it came"""
    c.check(r["rc"] in (0, killed), f"{tag}: exit {killed} (SIG{s}), or 0 if it ended first",
            f"rc={r['rc']} {r['err'][:1]}")
    if r["rc"] == 0:
        c.note(f"{tag}: ended before SIG{s} arrived")


def check_sysctl_restored(c, b, tag, s):
    """the kill-policy sysctl is back to its value from before the run that got SIG<s>"""
    ekb = b.kv.get(f"ek_before.{tag}")
    c.check(b.kv.get(f"ek.{tag}") == ekb,
            f"{tag}: vm.memory_failure_early_kill restored after SIG{s}",
            f"{ekb} -> {b.kv.get(f'ek.{tag}')}")


def summary(b, tag, key):
    objs = [o for o in M.run_json(b, tag) if key in o]
    return objs[-1] if objs else None


def check_undo(c, b, tag="undo", hc_start_key="hc_start"):
    """unpoison --journal gave back every page the kernel lets go and restored the sysctl"""
    u = b.runs.get(tag)
    if not c.check(u is not None, f"{tag}: unpoison --journal ran"):
        return
    sm = summary(b, tag, "journal")
    if not c.check(sm is not None, f"{tag}: its summary", str(u["out"][-2:])):
        return
    refused = sm.get("refused") or []
    c.check(u["rc"] == (1 if refused else 0), f"{tag}: exit 0, or 1 when the kernel refused pages",
            f"rc={u['rc']} refused={refused} {u['err'][:1]}")
    hs, he = kvint(b, hc_start_key), kvint(b, f"hc.{tag}")
    c.check(hs is not None and he == hs + 4 * len(refused),
            f"{tag}: HardwareCorrupted back to its start but for the refused pages "
            "(nothing poisoned that the journal does not name)",
            f"start {hs} kB, after {he} kB, {len(refused)} refused")
    ek0, ekp = b.kv.get("ek_start"), b.kv.get(f"ek_pre.{tag}")
    if ek0 is not None:
        c.check(b.kv.get(f"ek.{tag}") == ek0, f"{tag}: vm.memory_failure_early_kill back to {ek0}",
                f"{ekp} -> {b.kv.get(f'ek.{tag}')}")
        want = [] if ekp == ek0 else [{"name": "vm.memory_failure_early_kill", "value": int(ek0)}]
        c.check(sm.get("sysctls_restored") == want,
                f"{tag}: sysctls_restored names what a killed hwpinject left changed",
                f"{sm.get('sysctls_restored')} (early_kill was {ekp})")


def sc_fault_churn(c, b, ver, boot, args):
    ek0 = b.kv.get("ek_start")
    for tag in ("exit-hwpoison", "exit-corrupt-pfn", "fork-hwpoison", "fork-corrupt-pfn",
                "exec-hwpoison", "exec-corrupt-pfn", "exec-hwpoison-2"):
        mode = tag.split("-")[0]
        if True:
            r = b.runs.get(tag)
            if not c.check(r is not None, f"{tag}: hwpinject ran"):
                continue
            reps = [o for o in M.run_json(b, tag) if "method" in o]
            if mode == "exec":
                # the image may change between the resolution and the injection: then nothing
                # is injected (66), never a page of the next image; or the address is not
                # mapped yet in the next image when it is resolved (65)
                # (70: a thread caught in the exec never reported to ptrace again: given up
                # after 5 s, see lib/remote.c rm_wait())
                ok = r["rc"] in (0, EX_DATAERR, EX_NOINPUT) or (
                    r["rc"] == 70 and "did not report to ptrace" in " ".join(r["err"]))
                c.check(ok, f"{tag}: exit 0, or 65/66 (or 70 naming the ptrace timeout) when "
                        "the process exec'd meanwhile", f"rc={r['rc']} {r['err'][:1]}")
                c.note(f"{tag}: rc={r['rc']} {(r['err'] or [''])[0][:160]}")
            else:
                c.check(r["rc"] == 0, f"{tag}: exit 0", f"rc={r['rc']} {r['err'][:1]}")
            if r["rc"] == 0 and mode != "exec":
                c.check(len(reps) == 1 and reps[0].get("poisoned") is True,
                        f"{tag}: one report, the page poisoned", str(reps)[:300])
            elif r["rc"] != 0:
                one_err_line(c, b, tag)
            c.check(b.kv.get(f"ek.{tag}") == ek0, f"{tag}: vm.memory_failure_early_kill restored",
                    f"{ek0} -> {b.kv.get(f'ek.{tag}')}")
    M.check_tracer_left(c, b)
    procs_clean(c, b)
    check_undo(c, b)


def sc_fault_signals(c, b, ver, boot, args):
    ek0 = b.kv.get("ek_start")
    for s in ("INT", "TERM", "KILL"):
        killed = 128 + SIGNO[s]
        tags = [f"watch-{s}"] + [t for t in b.runs if t.startswith(f"madv-{s}-")] + [f"campaign-{s}"]
        for tag in tags:
            r = b.runs.get(tag)
            if not c.check(r is not None, f"{tag}: hwpinject ran"):
                continue
            if tag.startswith("watch-"):
                c.check(r["rc"] == killed, f"{tag}: died of SIG{s} during --watch ({killed})",
                        f"rc={r['rc']} {r['err'][:1]}")
            else:
                check_exit_on_signal(c, r, tag, s, killed)
            if s == "KILL":
                continue
            check_sysctl_restored(c, b, tag, s)
            # (no line when the signal came before it took signals in hand, at its start, or
            # after it let go of them, its work done: the default action, nothing left to undo)
            if r["rc"] == killed and r["err"]:
                one_err_line(c, b, tag)
            elif r["rc"] == killed:
                c.note(f"{tag}: SIG{s} outside hwpinject's handling (at its start or end): "
                       f"{len(r['out'])} output lines")
                if tag.startswith("campaign-"):
                    sm = summary(b, tag, "campaign")
                    c.check(sm is not None and sm.get("interrupted") == f"SIG{s}",
                            f"{tag}: the summary says interrupted by SIG{s}", str(sm))
                elif tag.startswith("watch-"):
                    reps = [o for o in M.run_json(b, tag) if "method" in o]
                    c.check(len(reps) == 1, f"{tag}: the report was printed", str(r["out"][:1]))
    c.note(f"victim alive after all: {b.kv.get('victim_alive')}")
    for s in ("INT", "TERM"):
        died = [k for k in b.kv if k.startswith(f"victim_died.") and f"-{s}-" in k]
        c.check(not died, f"the victim survives SIG{s} of hwpinject around a remote madvise",
                str(died))
    for k in b.kv:
        if k.startswith("victim_died."):
            c.note(f"the victim died after {k[12:]} (SIGKILL in the injected madvise): "
                   "a new one for the next runs")
    jl = (b.runs.get("journal") or {}).get("out", [])
    if b.kv.get("ek.watch-KILL") != ek0:
        c.check(f"sysctl vm.memory_failure_early_kill={ek0}" in jl,
                "the journal names the sysctl value that SIGKILL left changed", str(jl[:4]))
    M.check_tracer_left(c, b)
    procs_clean(c, b)
    check_undo(c, b)


def sc_fault_count(c, b, ver, boot, args):
    for s in ("INT", "TERM", "KILL"):
        tag, killed = f"count-{s}", 128 + SIGNO[s]
        r = b.runs.get(tag)
        if not c.check(r is not None, f"{tag}: hwpinject ran"):
            continue
        check_exit_on_signal(c, r, tag, s, killed)
        reps = [o for o in M.run_json(b, tag) if "method" in o]
        c.note(f"{tag}: {len(reps)} reports before SIG{s}")
        # signalled 0.2 s after the run's first journal record: SIGINT/SIGTERM let the page
        # under way finish and be reported (SIGKILL may cut the report short)
        if s != "KILL":
            c.check(len(reps) >= 1, f"{tag}: stopped in the batch, after at least one page",
                    f"{len(reps)} reports, rc={r['rc']}")
        c.check(all(o.get("poisoned") is True and o.get("outcome") == "sigbus-ao" for o in reps),
                f"{tag}: every page reported was poisoned, with its own SIGBUS",
                str([(o.get("pfn"), o.get("outcome")) for o in reps
                     if o.get("outcome") != "sigbus-ao"][:5]))
        c.check(b.kv.get(f"victim_alive.{tag}") == "yes", f"{tag}: the victim lives on",
                str(b.kv.get(f"victim_alive.{tag}")))
        if s == "KILL":
            continue
        check_sysctl_restored(c, b, tag, s)
        if r["rc"] == killed and r["err"]:
            one_err_line(c, b, tag)
            m = re.search(r"after (\d+) of (\d+) pages", r["err"][0])
            if c.check(m is not None, f"{tag}: the error says how many pages were done",
                       str(r["err"][:1])):
                c.check(int(m.group(1)) == len(reps),
                        f"{tag}: as many reports as pages it says it did",
                        f"{m.group(1)} said, {len(reps)} reports")
    M.check_tracer_left(c, b)
    procs_clean(c, b)
    check_undo(c, b)


def sc_fault_journal(c, b, ver, boot, args):
    hs, hp = kvint(b, "hc_start"), kvint(b, "hc_poisoned")
    r = b.runs.get("inject")
    c.check(r is not None and r["rc"] == 0 and hp == hs + 12, "3 pages poisoned, journalled",
            f"rc={r and r['rc']} {hs} -> {hp} kB")
    h = b.runs.get("header")
    if c.check(h is not None and h["rc"] == EX_DATAERR, "unsupported header: exit 65",
               str(h and h["rc"])):
        one_err_line(c, b, "header")
        c.check("line 1" in " ".join(h["err"]), "the error names line 1", str(h["err"]))
        c.check(not M.run_json(b, "header") and kvint(b, "hc.header") == hp,
                "nothing undone from a file that is not a journal", str(h["out"][:1]))
    k = b.runs.get("corrupt")
    if c.check(k is not None and k["rc"] == EX_DATAERR, "malformed line 5: exit 65",
               str(k and k["rc"])):
        one_err_line(c, b, "corrupt")
        c.check("line 5" in " ".join(k["err"]), "the error names line 5", str(k["err"]))
        pages = [o for o in M.run_json(b, "corrupt") if o.get("method") == "unpoison"]
        done = [o for o in pages if o.get("outcome") == "unpoisoned"]
        c.check(len(pages) == 2, "the two pages recorded before line 5 were tried", str(pages)[:300])
        c.check(kvint(b, "hc.corrupt") == hp - 4 * len(done),
                "HardwareCorrupted: those pages given back",
                f"{hp} -> {b.kv.get('hc.corrupt')} kB, {len(done)} unpoisoned")
    t = b.runs.get("truncated")
    if c.check(t is not None and t["rc"] == 0, "truncated last record: exit 0",
               f"{t and t['rc']} {t and t['err'][:1]}"):
        sm = summary(b, "truncated", "journal")
        c.check(sm is not None and sm.get("truncated") is True, "its summary says truncated",
                str(sm))
    c.check(kvint(b, "hc.truncated") == hs, "after the truncated journal: HardwareCorrupted back",
            f"{hs} -> {b.kv.get('hc.truncated')} kB")
    w = b.runs.get("whole")
    c.check(w is not None and w["rc"] == 0 and kvint(b, "hc.whole") == hs,
            "the intact journal: exit 0, nothing left", f"{w and w['rc']} {b.kv.get('hc.whole')}")


def check_campaign_faults(c, b, tag, what):
    r = b.runs.get(tag)
    if not c.check(r is not None, f"{tag}: the campaign ran"):
        return None
    c.check(r["rc"] in (0, 1), f"{tag}: exit 0 or 1 ({what}), no crash, no internal error",
            f"rc={r['rc']} {r['err'][:1]}")
    sm = summary(b, tag, "campaign")
    if c.check(sm is not None, f"{tag}: its summary", str(r["out"][-1:])):
        bad = [f for f in sm.get("failed", []) if f.get("status") != EX_UNAVAILABLE]
        c.check(not bad, f"{tag}: every failed step says the feature is missing (69)", str(bad))
        c.note(f"{tag}: {sm.get('ok')} of {sm.get('steps')} steps ok, failed {sm.get('failed')}")
    return sm


def sc_fault_system(c, b, ver, boot, args):
    rm = b.runs.get("rmmod")
    sm = check_campaign_faults(c, b, "rmmod", "hwpoison_inject unloaded")
    # the first step ran before the rmmod; if it unloaded, the next corrupt-pfn step cannot run
    if b.kv.get("mod.rmmod") == "0" and sm is not None:
        c.check(any(f.get("line") == 3 for f in sm.get("failed", [])),
                "rmmod: the corrupt-pfn step after the unload failed", str(sm.get("failed")))
    elif rm is not None:
        c.note("rmmod did not unload hwpoison_inject")
    check_campaign_faults(c, b, "umount", "debugfs unmounted")
    c.check(b.kv.get("mod.restored2") == "1" and b.kv.get("debugfs.restored2") == "1",
            "module and debugfs back for the scenarios after", "")
    M.check_tracer_left(c, b)
    procs_clean(c, b)
    check_undo(c, b)


SCENARIOS_FAULTS = {
    "fault-churn": sc_fault_churn,
    "fault-signals": sc_fault_signals,
    "fault-count": sc_fault_count,
    "fault-journal": sc_fault_journal,
    "fault-system": sc_fault_system,
}


def register(m):
    """add the fault scenarios to check.py's SCENARIOS and to the full boot's list"""
    global M
    M = m
    m.SCENARIOS.update(SCENARIOS_FAULTS)
    m.HWPI_FULL += list(SCENARIOS_FAULTS)
