#!/usr/bin/env python3
"""check.py — assert the outcomes of a VM test boot from its console log.

usage: check.py LOG [--scenario full|missing|nomodule|nodebugfs] [--release REL]
                [--require-hwpinject] [--verbose]

The guest (tests/vm/guest.sh) prints scenarios between "@@BEGIN name" and "@@END name rc=N";
inside: "@KV key value", "@V {victim json}", "@RUN tag rc=N cmd", "@OUT tag line",
"@ERR tag line", "@DMESG line". Every check prints PASS/FAIL; the exit status is 1 when any
check failed (or a required scenario is missing), 0 otherwise.

Expectations that depend on the kernel are keyed off the release the guest reported:
since 6.11 madvise(MADV_HWPOISON) runs memory_failure() with MF_ACTION_REQUIRED, so the caller
receives SIGBUS BUS_MCEERR_AR during the madvise; 6.1 sends nothing at injection.
"""
import argparse
import json
import os
import re
import sys

BUS_MCEERR_AR = 4
BUS_MCEERR_AO = 5
EX_UNAVAILABLE = 69


class Block:
    def __init__(self, name):
        self.name = name
        self.rc = None
        self.kv = {}          # key -> last value
        self.kvs = []         # (key, value) in order
        self.items = []       # ("V", obj) / ("RUN", tag) / ("KV", key) in order
        self.victim = []      # parsed victim JSON objects
        self.bad_json = []
        self.runs = {}        # tag -> {"rc": int, "cmd": str, "out": [..], "err": [..]}
        self.dmesg = []

    def kvjson(self, key):
        v = self.kv.get(key)
        if v is None:
            return None
        try:
            return json.loads(v)
        except ValueError:
            return None


def parse(path):
    blocks, order = {}, []
    boot = {"release": None, "scenario": None, "done": False, "insmod_failed": [], "lines": []}
    cur = None
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        # the serial console may carry terminal escapes before the first marker
        m = re.search(r"@@BOOT scenario=(\S+) release=(\S+)", line)
        if m:
            boot["scenario"], boot["release"] = m.group(1), m.group(2)
            continue
        boot["lines"].append(line)
        if line.startswith("@@DONE"):
            boot["done"] = True
        elif line.startswith("@@INSMOD-FAILED"):
            boot["insmod_failed"].append(line)
        elif line.startswith("@@BEGIN "):
            cur = Block(line.split(None, 1)[1].strip())
            blocks[cur.name] = cur
            order.append(cur.name)
        elif line.startswith("@@END ") and cur is not None:
            m = re.match(r"@@END (\S+) rc=(-?\d+)", line)
            if m:
                cur.rc = int(m.group(2))
            cur = None
        elif cur is None:
            continue
        elif line.startswith("@KV "):
            parts = line[4:].split(" ", 1)
            k, v = parts[0], (parts[1] if len(parts) > 1 else "")
            cur.kv[k] = v
            cur.kvs.append((k, v))
            cur.items.append(("KV", k))
        elif line.startswith("@V "):
            try:
                obj = json.loads(line[3:])
                cur.victim.append(obj)
                cur.items.append(("V", obj))
            except ValueError:
                cur.bad_json.append(line)
        elif line.startswith("@RUN "):
            m = re.match(r"@RUN (\S+) rc=(-?\d+) ?(.*)", line)
            if m:
                cur.runs[m.group(1)] = {"rc": int(m.group(2)), "cmd": m.group(3),
                                        "out": [], "err": []}
                cur.items.append(("RUN", m.group(1)))
        elif line.startswith("@OUT ") or line.startswith("@ERR "):
            parts = line[5:].split(" ", 1)
            tag, rest = parts[0], (parts[1] if len(parts) > 1 else "")
            r = cur.runs.get(tag)
            if r is not None:
                r["out" if line.startswith("@OUT") else "err"].append(rest)
        elif line.startswith("@DMESG "):
            cur.dmesg.append(line[7:])
            cur.items.append(("DMESG", line[7:]))
    return boot, blocks, order


def version_of(release):
    m = re.match(r"(\d+)\.(\d+)", release or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def h(x):
    """'0x1a' / 26 / '26' -> int (None stays None)"""
    if x is None:
        return None
    if isinstance(x, int):
        return x
    return int(str(x), 0)


class Checker:
    def __init__(self, verbose=False):
        self.passed = 0
        self.failed = []
        self.verbose = verbose
        self.prefix = ""

    def check(self, cond, what, detail=""):
        name = f"{self.prefix}{what}"
        if cond:
            self.passed += 1
            print(f"PASS {name}")
        else:
            self.failed.append(name)
            print(f"FAIL {name}" + (f": {detail}" if detail else ""))
        return bool(cond)

    def note(self, msg):
        print(f"NOTE {self.prefix}{msg}")


# ---------------- helpers over a block ----------------

def ev(b, event):
    return [o for o in b.victim if o.get("event") == event]


def ready(b):
    r = ev(b, "ready")
    return r[0] if r else None


def sigbus_before_first(b, event):
    """SIGBUS events seen before the first victim event named `event` (or all if absent)"""
    out = []
    for o in b.victim:
        if o.get("event") == event:
            break
        if o.get("event") == "sigbus":
            out.append(o)
    return out


def untouched_sigbus(b):
    """SIGBUS events that did not come from the victim's own access"""
    return [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]


def run_json(b, tag):
    """the JSON objects the command printed on stdout (one per line; non-JSON lines ignored)"""
    r = b.runs.get(tag)
    objs = []
    if not r:
        return objs
    for line in r["out"]:
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except ValueError:
                pass
    return objs


def hc_delta(b):
    try:
        return int(b.kv["hc_after"]) - int(b.kv["hc_before"])
    except (KeyError, ValueError):
        return None


def dmesg_has(b, pattern):
    rx = re.compile(pattern, re.I)
    return any(rx.search(x) for x in b.dmesg)


def common(c, b, r):
    """checks every victim scenario shares"""
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    c.check(not b.bad_json, "victim output is valid JSON", "; ".join(b.bad_json[:3]))
    c.check(r is not None, "victim ready", str(ev(b, "error")))
    if r is not None:
        c.check(h(r.get("pfn")) not in (None, 0), "victim pfn known", str(r))
    c.check(b.kv.get("victim_exit") == "0", "victim exited 0", f"exit={b.kv.get('victim_exit')}")


def check_touch_sigbus(c, b, r, lsb=12, label="touch"):
    t = ev(b, "touched")
    c.check(bool(t) and t[0].get("ok") is False, f"{label}: access faulted", str(t[:1]))
    # the SIGBUS raised by the access: between the previous "done" and the "touched"
    seen = []
    for o in b.victim:
        if o.get("event") == "sigbus" and o.get("touching"):
            seen.append(o)
    c.check(bool(seen), f"{label}: SIGBUS while touching", str(b.victim))
    if seen:
        s = seen[0]
        c.check(s.get("code") == BUS_MCEERR_AR, f"{label}: si_code BUS_MCEERR_AR (4)", str(s))
        c.check(h(s.get("addr")) == h(r["vaddr"]), f"{label}: si_addr = page", str(s))
        c.check(s.get("lsb") == lsb, f"{label}: si_addr_lsb {lsb}", str(s))


def check_poisoned_entry(c, b, r, expect_swap=True):
    p = ev(b, "pfn")
    if not c.check(bool(p), "pagemap re-read"):
        return None
    p = p[0]
    c.check(p.get("present") is False, "pagemap: page no longer present", str(p))
    if expect_swap:
        c.check(p.get("swap") is True, "pagemap: hwpoison swap entry", str(p))
        c.check(h(p.get("swap_offset")) == h(r["pfn"]), "pagemap: swap offset = poisoned pfn",
                str(p))
    return p.get("swap_type")


# ---------------- victim scenarios ----------------

def sc_env(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0")
    rel = b.kv.get("release")
    c.check(rel == boot["release"], "uname -r consistent", f"{rel} vs {boot['release']}")
    if args.release:
        c.check(rel == args.release, "release is the fetched kernel's", f"{rel} != {args.release}")
    full = boot["scenario"] not in ("nomodule", "nodebugfs", "missing")
    hp = b.kv.get("hwpoison_dir", "").split()
    if full:
        c.check("corrupt-pfn" in hp and "unpoison-pfn" in hp, "debugfs hwpoison interface",
                " ".join(hp))
    else:
        c.check("corrupt-pfn" not in hp, "no debugfs hwpoison interface in this scenario",
                " ".join(hp))
    c.check(b.kv.get("sysctl.memory_failure_early_kill") in ("0", "1"),
            "vm.memory_failure_early_kill exists")
    c.check(b.kv.get("sysctl.memory_failure_recovery") == "1", "vm.memory_failure_recovery = 1")
    eso = b.kv.get("sysctl.enable_soft_offline")
    if ver >= (6, 11):
        c.check(eso == "1", "vm.enable_soft_offline exists (>= 6.11)", str(eso))
    else:
        c.check(eso == "absent", "vm.enable_soft_offline absent (< 6.11)", str(eso))
    nc = b.kv.get("node_counters", "").split()
    if ver >= (6, 12):
        c.check(set(nc) >= {"total", "recovered", "delayed", "failed", "ignored"},
                "per-node memory_failure counters", " ".join(nc))
    elif ver < (6, 9):
        c.check(not nc, "no per-node memory_failure counters (< 6.9)", " ".join(nc))
    c.check(b.kv.get("soft_offline_page") == "yes", "soft_offline_page exists")
    c.check(b.kv.get("hard_offline_page") == "yes", "hard_offline_page exists")
    if full:
        c.check(b.kv.get("tracepoint") == "yes", "ras:memory_failure_event tracepoint")
        c.check(b.kv.get("filedir") not in (None, "none"), "a block-backed filesystem for file pages")
        c.check(b.kv.get("nr_hugepages") not in (None, "0"), "hugepages reserved")


def sc_corrupt_anon(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    kb, ka = b.kvjson("kpf_before"), b.kvjson("kpf_after")
    c.check(kb and kb.get("hwpoison") is False, "not poisoned before", str(kb))
    c.check(b.runs.get("corrupt", {}).get("rc") == 0, "corrupt-pfn write ok")
    c.check(ka and ka.get("hwpoison") is True, "kpageflags HWPOISON after", str(ka))
    c.check(not untouched_sigbus(b), "late kill: no signal before access",
            str(untouched_sigbus(b)))
    check_poisoned_entry(c, b, r)
    check_touch_sigbus(c, b, r)
    c.check(len([o for o in ev(b, "touched") if o.get("ok") is False]) == 2,
            "second access faults again")
    c.check(hc_delta(b) == 4, "HardwareCorrupted +4 kB", f"delta={hc_delta(b)}")
    pfn = h(r["pfn"])
    c.check(dmesg_has(b, rf"Injecting memory failure at pfn {pfn:#x}\b"), "kmsg: injecting at pfn")
    c.check(dmesg_has(b, rf"{pfn:#x}: recovery action for dirty LRU page: Recovered"),
            "kmsg: dirty LRU page Recovered")
    c.check(dmesg_has(b, r"Killing victim:\d+ due to hardware memory corruption"),
            "kmsg: MCE killing on access")


def sc_corrupt_anon_early(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    c.check(b.runs.get("corrupt", {}).get("rc") == 0, "corrupt-pfn write ok")
    early = [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]
    c.check(len(early) == 1, "early kill: one SIGBUS at injection", str(early))
    if early:
        c.check(early[0].get("code") == BUS_MCEERR_AO, "early kill: BUS_MCEERR_AO (5)",
                str(early[0]))
        c.check(h(early[0].get("addr")) == h(r["vaddr"]), "early kill: si_addr = page")
        c.check(early[0].get("lsb") == 12, "early kill: lsb 12")
    check_touch_sigbus(c, b, r)
    c.check(dmesg_has(b, r"Sending SIGBUS to victim:\d+"), "kmsg: Sending SIGBUS")


def sc_unpoison_anon(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    kp, ku = b.kvjson("kpf_poisoned"), b.kvjson("kpf_unpoisoned")
    c.check(kp and kp.get("hwpoison") is True, "poisoned", str(kp))
    c.check(b.runs.get("unpoison", {}).get("rc") == 0, "unpoison-pfn write ok",
            str(b.runs.get("unpoison")))
    c.check(ku and ku.get("hwpoison") is False, "HWPOISON cleared", str(ku))
    pfn = h(r["pfn"])
    c.check(dmesg_has(b, rf"Unpoison: (Software-unpoisoned page {pfn:#x}|{pfn:#x}: software-unpoisoned page)"),
            "kmsg: software-unpoisoned page")


def make_selfpoison(kind):
    def f(c, b, ver, boot, args):
        r = ready(b)
        common(c, b, r)
        if r is None:
            return
        lsb = 21 if kind == "hugetlb" else 12
        if kind == "thp":
            c.check(r.get("AnonHugePages_kb", 0) >= 2048 and (h(r["kpageflags"]) >> 22) & 1,
                    "victim page is a THP", str(r))
        if kind == "hugetlb":
            c.check((h(r["kpageflags"]) >> 17) & 1, "victim page is HUGE", str(r))
        if kind == "mlocked":
            c.check((h(r["kpageflags"]) >> 33) & 1, "victim page is MLOCKED (kpageflags bit 33)",
                    str(r))
        m = ev(b, "madvise")
        if not c.check(bool(m) and m[0].get("rc") == 0, "madvise(MADV_HWPOISON) rc 0", str(m)):
            return
        ka = b.kvjson("kpf_after")
        c.check(ka and ka.get("hwpoison") is True, "kpageflags HWPOISON", str(ka))
        inj = [o for o in sigbus_before_first(b, "madvise")]
        if kind == "file-clean":
            # a clean page-cache page is just dropped: nobody is signalled, the data is re-read
            c.check(not inj, "clean file page: no SIGBUS at injection", str(inj))
            t = ev(b, "touched")
            c.check(bool(t) and t[0].get("ok") is True and t[0].get("intact") is True,
                    "clean file page: access re-reads the intact data from disk", str(t))
            c.check(not ev(b, "sigbus"), "clean file page: no SIGBUS at all")
        else:
            if ver >= (6, 11):
                ok = c.check(len(inj) == 1, ">= 6.11: SIGBUS during madvise", str(b.victim))
                if ok:
                    s = inj[0]
                    c.check(s.get("code") == BUS_MCEERR_AR and not s.get("touching")
                            and s.get("phase") == "madvise-hwpoison",
                            "at injection: BUS_MCEERR_AR, not touching, in madvise", str(s))
                    c.check(h(s.get("addr")) == h(r["vaddr"]), "at injection: si_addr = page",
                            str(s))
                    c.check(s.get("lsb") == lsb, f"at injection: lsb {lsb}", str(s))
                    c.check(m[0].get("sigbus_during") == 1, "victim counted it during madvise")
            else:
                c.check(not inj and m[0].get("sigbus_during") == 0,
                        "< 6.11: no signal at injection", str(inj))
            check_touch_sigbus(c, b, r, lsb=lsb, label="access")
            check_poisoned_entry(c, b, r, expect_swap=(kind != "hugetlb"))
        # HardwareCorrupted counts the raw poisoned 4 KiB, also for a 2 MiB hugetlb page
        c.check(hc_delta(b) == 4, "HardwareCorrupted +4 kB", f"delta={hc_delta(b)}")
        pfn = h(r["pfn"])
        c.check(dmesg_has(b, rf"Injecting memory failure for pfn {pfn:#x} at process virtual address {h(r['vaddr']):#x}"),
                "kmsg: injecting for pfn at vaddr")
        c.check(dmesg_has(b, rf"{pfn:#x}: recovery action for .*: Recovered"),
                "kmsg: Recovered", "\n".join(b.dmesg[-5:]))
    return f


def check_migrated(c, b, r, old_key="kpf_old"):
    ko = b.kvjson(old_key)
    c.check(ko and ko.get("hwpoison") is True, "old frame HWPOISON", str(ko))
    p = ev(b, "pfn")
    if c.check(bool(p) and p[0].get("present") is True, "page present again", str(p)):
        c.check(h(p[0]["pfn"]) != h(r["pfn"]), "page moved to a new pfn", str(p[0]))
    k = ev(b, "check")
    c.check(bool(k) and k[0].get("ok") is True and k[0].get("intact") is True,
            "content intact after migration", str(k))
    c.check(not ev(b, "sigbus"), "no SIGBUS", str(ev(b, "sigbus")))
    c.check(hc_delta(b) == 4, "HardwareCorrupted +4 kB", f"delta={hc_delta(b)}")


def make_selfsoft(kind):
    def f(c, b, ver, boot, args):
        r = ready(b)
        common(c, b, r)
        if r is None:
            return
        m = ev(b, "madvise")
        c.check(bool(m) and m[0].get("rc") == 0, "madvise(MADV_SOFT_OFFLINE) rc 0", str(m))
        check_migrated(c, b, r)
        c.check(dmesg_has(b, r"Soft offlining pfn"), "kmsg: Soft offlining pfn")
    return f


def sc_soft_offline_phys(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    c.check(b.runs.get("soft", {}).get("rc") == 0, "soft_offline_page write ok",
            str(b.runs.get("soft")))
    check_migrated(c, b, r)


def sc_hard_offline_phys(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    c.check(b.runs.get("hard", {}).get("rc") == 0, "hard_offline_page write ok",
            str(b.runs.get("hard")))
    ka = b.kvjson("kpf_after")
    c.check(ka and ka.get("hwpoison") is True, "kpageflags HWPOISON", str(ka))
    c.check(not untouched_sigbus(b), "no signal before access", str(untouched_sigbus(b)))
    check_touch_sigbus(c, b, r)
    c.check(hc_delta(b) == 4, "HardwareCorrupted +4 kB", f"delta={hc_delta(b)}")


# ---------------- hwpinject scenarios (contract: design.md) ----------------

def one_json(c, b, tag, what):
    r = b.runs.get(tag)
    if not c.check(r is not None, f"{what}: ran"):
        return None
    objs = run_json(b, tag)
    ok = c.check(r["rc"] == 0, f"{what}: exit 0", f"rc={r['rc']} stderr={r['err'][:3]}")
    if not c.check(len(objs) >= 1, f"{what}: JSON on stdout", "; ".join(r["out"][:3])):
        return None
    return objs[0] if ok else objs[0]


def sc_hwpi_status(c, b, ver, boot, args):
    s = one_json(c, b, "status", "status --json")
    if not s:
        return
    meths = s.get("methods")
    if c.check(isinstance(meths, dict), "status: methods object", str(s)[:200]):
        for name in ("hwpoison", "soft-offline", "corrupt-pfn", "soft-offline-page",
                     "hard-offline-page"):
            m = meths.get(name)
            if c.check(isinstance(m, dict) and isinstance(m.get("available"), bool),
                       f"status: method {name} listed", str(m)):
                c.check(m["available"] is True, f"status: {name} available in the full VM",
                        str(m))
    c.check(isinstance(s.get("hardware_corrupted_kb"), int), "status: hardware_corrupted_kb",
            str(s.get("hardware_corrupted_kb")))


def sc_hwpi_translate(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    t = one_json(c, b, "translate", "translate --pid --addr")
    if t and r:
        c.check(h(t.get("pfn")) == h(r["pfn"]), "translate: pfn = victim's pagemap pfn",
                f"{t.get('pfn')} vs {r['pfn']}")
        c.check(h(t.get("phys")) == h(r["pfn"]) * 4096, "translate: phys = pfn*4096",
                str(t.get("phys")))
        c.check(h(t.get("vaddr")) == h(r["vaddr"]), "translate: vaddr echoed")
        c.check(t.get("page_size") == 4096, "translate: page_size 4096")
        c.check(t.get("mapping") in ("anon", "heap"), "translate: mapping anon",
                str(t.get("mapping")))
        c.check("ANON" in (t.get("kpageflags") or []), "translate: kpageflags has ANON",
                str(t.get("kpageflags")))
    tp = one_json(c, b, "translate_pfn", "translate --pfn")
    if tp and r:
        c.check(tp.get("hwpoison") is False, "translate --pfn: not poisoned", str(tp))


def check_report(c, b, r, rep, method):
    c.check(h(rep.get("pfn")) == h(r["pfn"]), "report: pfn = victim's", f"{rep.get('pfn')}")
    if "pid" in rep:
        c.check(rep.get("pid") == r["pid"], "report: pid")
    c.check(rep.get("method") == method, f"report: method {method}", str(rep.get("method")))
    c.check(rep.get("poisoned") is True, "report: poisoned true", str(rep.get("poisoned")))
    k = rep.get("kernel") or {}
    c.check(k.get("errno") == 0, "report: kernel errno 0", str(k.get("errno")))
    c.check(k.get("release") == boot_release[0], "report: kernel release", str(k.get("release")))
    act = k.get("action") or {}
    c.check(act.get("result") == "Recovered", "report: action Recovered", str(act))
    c.check(act.get("page_type") == "dirty LRU page", "report: page_type dirty LRU page",
            str(act))
    hc = rep.get("hardware_corrupted_kb") or {}
    if c.check(isinstance(hc, dict) and "before" in hc and "after" in hc,
               "report: hardware_corrupted_kb before/after", str(hc)):
        c.check(hc["after"] - hc["before"] == 4, "report: HardwareCorrupted +4", str(hc))
    c.check((rep.get("target") or {}).get("state") == "alive", "report: target alive",
            str(rep.get("target")))


boot_release = [None]


def report_signals(rep, code_name):
    return [s for s in rep.get("signals") or []
            if s.get("signal") == "SIGBUS" and s.get("code") == code_name]


def sc_hwpi_inject_corrupt(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    rep = one_json(c, b, "inject", "inject corrupt-pfn")
    if rep and r:
        check_report(c, b, r, rep, "corrupt-pfn")
        c.check(not report_signals(rep, "BUS_MCEERR_AR") and not report_signals(rep, "BUS_MCEERR_AO"),
                "report: no signal at injection (late kill)", str(rep.get("signals")))
        ka = b.kvjson("kpf_after")
        c.check(ka and ka.get("hwpoison") is True, "kpageflags HWPOISON", str(ka))
        check_touch_sigbus(c, b, r)
    tp = one_json(c, b, "translate_pfn", "translate --pfn after")
    if tp:
        c.check(tp.get("hwpoison") is True, "translate --pfn: hwpoison true", str(tp))


def sc_hwpi_inject_hwpoison(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    rep = one_json(c, b, "inject", "inject hwpoison")
    if not (rep and r):
        return
    check_report(c, b, r, rep, "hwpoison")
    seen = [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]
    rs = report_signals(rep, "BUS_MCEERR_AR")
    if ver >= (6, 11):
        c.check(len(seen) == 1 and seen[0].get("code") == BUS_MCEERR_AR,
                ">= 6.11: victim got BUS_MCEERR_AR at injection", str(seen))
        if c.check(len(rs) == 1, "report: one BUS_MCEERR_AR signal", str(rep.get("signals"))):
            s = rs[0]
            c.check(s.get("when") == "injection", "report: signal at injection", str(s))
            c.check(s.get("pid") == r["pid"], "report: signal pid = victim", str(s))
            if seen:
                c.check(h(s.get("addr")) == h(seen[0]["addr"]), "report: si_addr = victim's",
                        str(s))
                c.check(s.get("addr_lsb") == seen[0]["lsb"], "report: addr_lsb = victim's",
                        str(s))
        c.check(rep.get("outcome") == "sigbus-ar", "report: outcome sigbus-ar",
                str(rep.get("outcome")))
    else:
        c.check(not seen, "< 6.11: victim got nothing at injection", str(seen))
        c.check(not rs, "report: no signal at injection", str(rep.get("signals")))
    check_touch_sigbus(c, b, r)


def sc_hwpi_inject_early(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    rep = one_json(c, b, "inject", "inject corrupt-pfn --early-kill")
    if not (rep and r):
        return
    check_report(c, b, r, rep, "corrupt-pfn")
    seen = [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]
    c.check(len(seen) == 1 and seen[0].get("code") == BUS_MCEERR_AO,
            "victim got BUS_MCEERR_AO at injection", str(seen))
    rs = report_signals(rep, "BUS_MCEERR_AO")
    if c.check(len(rs) == 1, "report: one BUS_MCEERR_AO signal", str(rep.get("signals"))):
        c.check(rs[0].get("pid") == r["pid"], "report: signal pid = victim", str(rs[0]))
        c.check(h(rs[0].get("addr")) == h(r["vaddr"]), "report: si_addr = page", str(rs[0]))
    c.check(rep.get("outcome") == "sigbus-ao", "report: outcome sigbus-ao", str(rep.get("outcome")))
    c.check(b.kv.get("early_kill_after") == "0", "vm.memory_failure_early_kill restored",
            str(b.kv.get("early_kill_after")))
    check_touch_sigbus(c, b, r)


def three_page_reports(c, b, what):
    """the victim's ready event and the reports of "inject --count 3" (WHAT names it) on its
    first three pages, in page order with three pfns, and those pages, after the checks every
    victim scenario shares; (r, None, None) when the reports are not there"""
    r = ready(b)
    common(c, b, r)
    run = b.runs.get("inject")
    if not (c.check(run is not None, f"inject --count 3 {what}: ran") and r):
        return r, None, None
    c.check(run["rc"] == 0, f"inject --count 3 {what}: exit 0",
            f"rc={run['rc']} stderr={run['err'][:3]}")
    reps = [o for o in run_json(b, "inject") if "pfn" in o]
    if not c.check(len(reps) == 3, "three reports, one per page", str(len(reps))):
        return r, None, None
    pages = [h(r["vaddr"]) + i * 4096 for i in range(3)]
    c.check([h(o.get("vaddr")) for o in reps] == pages, "reports in page order",
            str([o.get("vaddr") for o in reps]))
    c.check(len({h(o.get("pfn")) for o in reps}) == 3, "three different pfns")
    return r, reps, pages


def check_early_kill_aftermath(c, b, pages, settled=True):
    """what an --early-kill injection into PAGES of the victim left: one BUS_MCEERR_AO handled
    per page, the sysctl as before, the victim untraced.  Not SETTLED (nobody waited for the
    victim between pages): the kernel queues a SIGBUS only if none is pending, so the pages'
    signals may merge -- at least one, each at a page of its own"""
    seen = [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]
    addrs = sorted(h(o.get("addr")) for o in seen)
    codes_ao = all(o.get("code") == BUS_MCEERR_AO for o in seen)
    if settled:
        c.check(addrs == pages and codes_ao, "victim handled one BUS_MCEERR_AO per page",
                str(seen))
    else:
        c.check(1 <= len(seen) <= len(pages) and codes_ao and set(addrs) <= set(pages) and
                len(set(addrs)) == len(addrs),
                "victim handled BUS_MCEERR_AO, each at a page of its own (unsettled: may merge)",
                str(seen))
    c.check(b.kv.get("early_kill_after") == b.kv.get("ek_before"),
            "vm.memory_failure_early_kill restored",
            f"{b.kv.get('ek_before')} -> {b.kv.get('early_kill_after')}")
    c.check(b.kv.get("traced_after") == "0", "victim not traced afterwards",
            str(b.kv.get("traced_after")))


def sc_hwpi_inject_early_many(c, b, ver, boot, args):
    r, reps, pages = three_page_reports(c, b, "--early-kill")
    if reps is None:
        return
    for i, o in enumerate(reps):
        rs = report_signals(o, "BUS_MCEERR_AO")
        if c.check(len(rs) == 1, f"page {i}: its one BUS_MCEERR_AO in its own report",
                   str(o.get("signals"))):
            c.check(rs[0].get("pid") == r["pid"], f"page {i}: signal pid = victim", str(rs[0]))
            c.check(h(rs[0].get("addr")) == pages[i], f"page {i}: si_addr = this page",
                    f"{rs[0].get('addr')} vs {hex(pages[i])}")
        c.check(o.get("outcome") == "sigbus-ao", f"page {i}: outcome sigbus-ao",
                str(o.get("outcome")))
        c.check((o.get("target") or {}).get("state") == "alive", f"page {i}: target alive",
                str(o.get("target")))
    check_early_kill_aftermath(c, b, pages)


def sc_hwpi_inject_no_observe(c, b, ver, boot, args):
    r, reps, pages = three_page_reports(c, b, "--no-observe")
    if reps is None:
        return
    for i, o in enumerate(reps):
        k = o.get("kernel") or {}
        c.check(o.get("observed") is False, f"page {i}: observed false", str(o.get("observed")))
        c.check(k.get("errno") == 0, f"page {i}: the kernel accepted it", str(k))
        c.check(o.get("poisoned") is True, f"page {i}: poisoned (its kpageflags, read after)",
                str(o.get("poisoned")))
        c.check(o.get("outcome") == "injected", f"page {i}: outcome injected",
                str(o.get("outcome")))
        # nothing else was looked at: unknown, never "nothing happened"
        c.check(k.get("action") is None and k.get("messages") == [] and
                k.get("counters") is None and o.get("hardware_corrupted_kb") is None,
                f"page {i}: no action, messages or counters", str(k))
        c.check((k.get("tracepoints") or {}).get("used") is False,
                f"page {i}: tracepoints not used", str(k.get("tracepoints")))
        c.check(not o.get("signals"), f"page {i}: no signal (none looked for)",
                str(o.get("signals")))
        c.check((o.get("target") or {}).get("state") == "unknown", f"page {i}: target unknown",
                str(o.get("target")))
    # what the kernel did all the same: BUS_MCEERR_AO to the victim (nobody waits for it to
    # take one before the next page, so they may merge), HardwareCorrupted + 3 pages
    check_early_kill_aftermath(c, b, pages, settled=False)
    pre, post = b.kv.get("hc_pre.inject"), b.kv.get("hc_post.inject")
    c.check(pre is not None and post is not None and int(post) - int(pre) == 12,
            "HardwareCorrupted + 12 kB", f"{pre} -> {post}")
    # the journal names the three pages: unpoison --journal gives them back
    un = b.runs.get("unpoison")
    c.check(un is not None and un["rc"] == 0, "unpoison --journal: exit 0",
            str(un and (un["rc"], un["err"][:3])))
    undone = sorted(h(o.get("pfn")) for o in run_json(b, "unpoison") if "pfn" in o)
    c.check(undone == sorted(h(o.get("pfn")) for o in reps),
            "unpoison --journal: the three pages of the reports", str(undone))
    c.check(b.kv.get("hc_undone") == pre, "HardwareCorrupted back to before",
            f"{pre} -> {b.kv.get('hc_undone')}")


def sc_hwpi_inject_hwpoison_many(c, b, ver, boot, args):
    r, reps, pages = three_page_reports(c, b, "--method hwpoison")
    if reps is None:
        return
    seen = [o for o in b.victim if o.get("event") == "sigbus" and not o.get("touching")]
    for i, o in enumerate(reps):
        c.check(o.get("poisoned") is True, f"page {i}: poisoned", str(o.get("poisoned")))
        c.check((o.get("target") or {}).get("state") == "alive", f"page {i}: target alive",
                str(o.get("target")))
        rs = report_signals(o, "BUS_MCEERR_AR")
        if ver < (6, 11):
            c.check(not o.get("signals"), f"page {i}: < 6.11: no signal at injection",
                    str(o.get("signals")))
            continue
        if c.check(len(rs) == 1 and len(o.get("signals") or []) == 1,
                   f"page {i}: >= 6.11: its one BUS_MCEERR_AR, and nothing else, in its report",
                   str(o.get("signals"))):
            c.check(rs[0].get("when") == "injection", f"page {i}: signal at injection",
                    str(rs[0]))
            c.check(rs[0].get("pid") == r["pid"], f"page {i}: signal pid = victim", str(rs[0]))
            c.check(h(rs[0].get("addr")) == pages[i], f"page {i}: si_addr = this page",
                    f"{rs[0].get('addr')} vs {hex(pages[i])}")
        c.check(o.get("outcome") == "sigbus-ar", f"page {i}: outcome sigbus-ar",
                str(o.get("outcome")))
    if ver >= (6, 11):
        c.check(sorted(h(o.get("addr")) for o in seen) == pages and
                all(o.get("code") == BUS_MCEERR_AR for o in seen),
                ">= 6.11: victim handled one BUS_MCEERR_AR per page", str(seen))
    else:
        c.check(not seen, "< 6.11: victim got nothing at injection", str(seen))
    c.check(b.kv.get("traced_after") == "0", "victim not traced afterwards",
            str(b.kv.get("traced_after")))


def sc_hwpi_inject_soft(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    rep = one_json(c, b, "inject", "inject soft-offline")
    if not (rep and r):
        return
    p = ev(b, "pfn")
    c.check(h(rep.get("pfn")) == h(r["pfn"]), "report: pfn = victim's old pfn")
    if p:
        c.check(h(rep.get("new_pfn")) == h(p[0].get("pfn")), "report: new_pfn = victim's new pfn",
                f"{rep.get('new_pfn')} vs {p[0].get('pfn')}")
    k = ev(b, "check")
    c.check(bool(k) and k[0].get("intact") is True, "victim content intact", str(k))
    c.check(not ev(b, "sigbus"), "victim got no SIGBUS")
    c.check(not rep.get("signals"), "report: no signals", str(rep.get("signals")))


def sc_hwpi_unpoison(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    rep = one_json(c, b, "inject", "inject --pfn corrupt-pfn")
    u = b.runs.get("unpoison")
    c.check(u is not None and u["rc"] == 0, "unpoison exit 0", str(u))
    if u:
        objs = run_json(b, "unpoison")
        c.check(bool(objs), "unpoison: JSON on stdout", str(u["out"][:3]))
    ku = b.kvjson("kpf_unpoisoned")
    c.check(ku and ku.get("hwpoison") is False, "HWPOISON cleared", str(ku))


def sc_hwpi_missing(c, b, ver, boot, args):
    """no hwpoison-inject and/or no debugfs: corrupt-pfn unavailable, exit 69 with a reason"""
    s = one_json(c, b, "status", "status --json")
    if s and isinstance(s.get("methods"), dict):
        m = s["methods"].get("corrupt-pfn") or {}
        c.check(m.get("available") is False, "status: corrupt-pfn unavailable", str(m))
        c.check(bool(m.get("reason")), "status: a reason is given", str(m))
        hw = s["methods"].get("hwpoison") or {}
        c.check(hw.get("available") is True, "status: hwpoison (madvise) still available",
                str(hw))
    for tag in ("inject", "inject_pfn"):
        r = b.runs.get(tag)
        if c.check(r is not None, f"{tag}: ran"):
            c.check(r["rc"] == EX_UNAVAILABLE, f"{tag}: exit 69 (feature missing)",
                    f"rc={r['rc']}")
            errs = [x for x in r["err"] if x.strip()]
            c.check(len(errs) >= 1, f"{tag}: says why on stderr", str(r["err"]))
            c.check(any(re.search(r"debugfs|hwpoison.inject|hwpoison_inject|module", x, re.I)
                        for x in errs), f"{tag}: message names debugfs or hwpoison-inject",
                    str(errs))


def sc_hwpi_sigterm(c, b, ver, boot, args):
    """SIGTERM during --watch: prompt exit by SIGTERM, sysctl restored, report printed, released"""
    c.check(b.kv.get("ek_during") == "1", "vm.memory_failure_early_kill is 1 while watching",
            str(b.kv.get("ek_during")))
    c.check(b.kv.get("ek_after") == b.kv.get("ek_old"), "vm.memory_failure_early_kill restored",
            f"{b.kv.get('ek_old')} -> {b.kv.get('ek_after')}")
    r = b.runs.get("term")
    if c.check(r is not None, "hwpinject ran"):
        c.check(r["rc"] == 128 + 15, "hwpinject died of SIGTERM (status 143)", f"rc={r['rc']}")
        errs = [x for x in r["err"] if x.strip()]
        c.check(len(errs) == 1 and errs[0].startswith("hwpinject: "),
                "one stderr line says why", str(errs))
        objs = run_json(b, "term")
        if c.check(len(objs) == 1, "the report was printed", str(r["out"][:2])):
            sig = [s for s in objs[0].get("signals", []) if s.get("code") == "BUS_MCEERR_AO"]
            c.check(len(sig) == 1 and sig[0].get("when") == "injection",
                    "report: SIGBUS BUS_MCEERR_AO at injection (early kill)", str(sig))
    secs = b.kv.get("term_seconds")
    c.check(secs is not None and int(secs) <= 5, "it stopped watching promptly (<= 5 s of 60)",
            str(secs))
    p = b.kvjson("ptr.term") or {}
    c.check(p.get("tracer") == 0 and p.get("state") not in ("t", "T"),
            "the victim is not traced nor stopped afterwards", str(p))
    c.check(any(o.get("event") == "done" and o.get("cmd") == "check" for o in b.victim),
            "the victim still answers", "")


RUN_AT = 0x7e0000000000


def run_parts(c, b):
    """hwpinject run's run "run": (run, JSON objects, victim events, reports, fates), or None"""
    r = b.runs.get("run")
    if not c.check(r is not None, "hwpinject run ran"):
        return None
    objs = run_json(b, "run")
    return (r, objs, [o for o in objs if "event" in o], [o for o in objs if "method" in o],
            [o for o in objs if "fate" in o])


def sc_hwpi_run(mode):
    """hwpinject run -- victim: reports, the victim's fate and hwpinject's exit status"""
    def f(c, b, ver, boot, args):
        parts = run_parts(c, b)
        if not parts:
            return
        r, objs, vic, reps, fates = parts
        rdy = [o for o in vic if o.get("event") == "ready"]
        if not c.check(len(rdy) == 1, "the victim started (ready)", str(vic[:3])):
            return
        vpid = rdy[0]["pid"]
        n = 2 if mode == "every" else 1
        c.check(len(reps) == n, f"{n} injection report(s)", str(r["out"][:4]))
        if not c.check(len(fates) == 1 and objs[-1] is fates[0], "one fate object, last",
                       str(fates)):
            return
        fate = fates[0]
        c.check(fate.get("pid") == vpid and fate.get("injections") == len(reps)
                and fate.get("command", [None])[0] == "victim",
                "fate: command, pid of the victim, injections", str(fate))
        for i, rep in enumerate(reps):
            c.check(rep.get("pid") == vpid and rep.get("method") == "hwpoison"
                    and rep.get("poisoned") is True and rep.get("kernel", {}).get("errno") == 0,
                    f"report {i}: hwpoison into the victim, page poisoned", str(rep)[:300])
        if mode == "every":
            va = [h(x.get("vaddr")) for x in reps]
            c.check(len(set(va)) == 2 and all(RUN_AT <= v < RUN_AT + 4 * 4096 for v in va),
                    "two different pages of the region", str(va))
        else:
            c.check(reps and h(reps[0].get("vaddr")) == RUN_AT, "report: the page at --addr",
                    str(reps[0].get("vaddr") if reps else None))
        sigs = [s for rep in reps for s in rep.get("signals") or []]
        ar = [s for s in sigs if s.get("signal") == "SIGBUS" and s.get("code") == "BUS_MCEERR_AR"
              and s.get("pid") == vpid]
        if ver >= (6, 11):
            c.check(any(s.get("when") == "injection" for s in ar),
                    ">= 6.11: SIGBUS BUS_MCEERR_AR at injection", str(sigs))
        elif mode != "every":
            c.check(any(s.get("when") == "access" for s in ar),
                    "< 6.11: SIGBUS BUS_MCEERR_AR on access, seen during --watch", str(sigs))
        errs = [x for x in r["err"] if x.strip()]
        if mode == "nohandler":
            c.check(fate.get("fate") == {"state": "killed", "signal": "SIGBUS"},
                    "fate: killed by SIGBUS", str(fate.get("fate")))
            c.check(r["rc"] == 128 + 7, "hwpinject exits 135 (128 + SIGBUS)", f"rc={r['rc']}")
            c.check(len(errs) == 1 and "SIGBUS" in errs[0], "one stderr line says why", str(errs))
            t = reps[0].get("target") if reps else {}
            c.check(t == {"state": "killed", "signal": "SIGBUS"},
                    "report: target killed by SIGBUS", str(t))
        else:
            ex = [o for o in vic if o.get("event") == "exit"]
            c.check(len(ex) == 1 and ex[0].get("sigbus_total", 0) >= 1,
                    "the victim's SIGBUS handler ran", str(ex))
            c.check(fate.get("fate") == {"state": "exited", "status": 0},
                    "fate: exited with status 0", str(fate.get("fate")))
            c.check(r["rc"] == 0 and not errs, "hwpinject exits 0, nothing on stderr",
                    f"rc={r['rc']} {errs}")
        if mode == "handler":
            c.check(b.kv.get("early_kill_after") == b.kv.get("early_kill_before"),
                    "vm.memory_failure_early_kill unchanged",
                    f"{b.kv.get('early_kill_before')} -> {b.kv.get('early_kill_after')}")
    return f


def sc_hwpi_run_exhaust(c, b, ver, boot, args):
    """run --every --count 3 over a region of 2 pages: two reports of different pages, then 65
    with one line saying no page is left, and the command killed (not left behind)"""
    parts = run_parts(c, b)
    if not parts:
        return
    r, _, _, reps, fates = parts
    va = [h(x.get("vaddr")) for x in reps]
    c.check(len(reps) == 2 and len(set(va)) == 2
            and all(RUN_AT <= v < RUN_AT + 2 * 4096 for v in va),
            "two reports, the two pages of the region", str(va))
    c.check(all(x.get("poisoned") is True for x in reps), "both pages poisoned",
            str([x.get("poisoned") for x in reps]))
    errs = [x for x in r["err"] if x.strip()]
    c.check(r["rc"] == EX_DATAERR, "hwpinject exits 65", f"rc={r['rc']}")
    c.check(len(errs) == 1 and "no present page left" in errs[0],
            "one stderr line: no present page left", str(errs))
    c.check(len(fates) == 1 and fates[0].get("injections") == 2
            and fates[0].get("fate", {}).get("state") == "killed",
            "fate: 2 injections, the command killed", str(fates))


def sc_hwpi_populate(c, b, ver, boot, args):
    """an untouched page: 65 without --populate; with it, faulted in (a real page) and poisoned"""
    pb, pa = b.kvjson("pm_before") or {}, b.kvjson("pm_after") or {}
    c.check(pb.get("present") is False, "the victim's third page is not present at first", str(pb))
    check_refusal(c, b, "nopop", EX_DATAERR, "without --populate", r"populate|not present")
    rep = one_json(c, b, "pop", "inject --populate")
    if rep:
        c.check(rep.get("kernel", {}).get("errno") == 0, "--populate: injection accepted",
                str(rep.get("kernel")))
        c.check(rep.get("poisoned") is True, "--populate: the page is poisoned", str(rep))
        c.check(rep.get("vaddr") == b.kv.get("addr2"), "--populate: the address asked for",
                f"{rep.get('vaddr')} vs {b.kv.get('addr2')}")
        c.check(pa.get("present") is False and int(str(rep.get("pfn") or "0"), 16) > 0,
                "--populate: a real page frame (now poisoned: no longer present)",
                f"{pa} pfn={rep.get('pfn')}")
    c.check(any(o.get("event") == "done" and o.get("cmd") == "check" for o in b.victim),
            "the victim still answers", "")


def sc_hwpi_refuse_more(c, b, ver, boot, args):
    """a kernel thread (77), hwpinject itself (77), a zombie (66); --expect met (0) / not met (1)"""
    check_refusal(c, b, "kthread", EX_NOPERM, "pid 2 (kthreadd)", r"kernel thread")
    u = b.runs.get("self")
    if c.check(u is not None, "hwpinject's own pid: ran"):
        errs = [x for x in u["err"] if x.strip()]
        c.check(u["rc"] == EX_NOPERM and len(errs) == 1 and errs[0].startswith("hwpinject: "),
                "hwpinject's own pid: exit 77, one stderr line", f"rc={u['rc']} {errs}")
    c.check(b.kv.get("zombie_state") == "Z", "a zombie was made", str(b.kv.get("zombie_state")))
    check_refusal(c, b, "zombie", EX_NOINPUT, "a zombie", r"zombie")
    met = one_json(c, b, "expect_met", "--early-kill --expect sigbus-ao")
    if met:
        c.check(met.get("expect") == "sigbus-ao" and met.get("expect_met") is True,
                "--expect sigbus-ao: met", str({k: met.get(k) for k in ("expect", "expect_met",
                                                                         "outcome")}))
    u = b.runs.get("expect_unmet")
    if c.check(u is not None, "--expect sigbus-ar (late kill, nobody touches it): ran"):
        errs = [x for x in u["err"] if x.strip()]
        c.check(u["rc"] == 1, "--expect not met: exit 1", f"rc={u['rc']}")
        c.check(len(errs) == 1 and "expected sigbus-ar" in errs[0],
                "--expect not met: one stderr line says so", str(errs))
        objs = run_json(b, "expect_unmet")
        c.check(len(objs) == 1 and objs[0].get("expect_met") is False,
                "--expect not met: the report says expect_met false", str(objs[:1]))


def sc_hwpi_campaign(c, b, ver, boot, args):
    """a 200-step campaign; the same killed with SIGKILL half-way; both undone by their journal"""
    kb = lambda k: int(b.kv.get(k, "-1"))
    c.check(b.kv.get("fleet") == "4" and b.kv.get("steps_in_file") == "200",
            "a fleet of 4 victims, a 200-step file", f"{b.kv.get('fleet')} {b.kv.get('steps_in_file')}")
    r = b.runs.get("campaign")
    if c.check(r is not None, "campaign ran"):
        c.check(r["rc"] == 0, "campaign: exit 0", f"rc={r['rc']} {r['err'][:2]}")
        objs = run_json(b, "campaign")
        reps = [o for o in objs if o.get("method") == "corrupt-pfn"]
        summ = [o for o in objs if "campaign" in o]
        c.check(len(reps) == 200 and all(o.get("poisoned") is True and o["kernel"]["errno"] == 0
                                         for o in reps),
                "200 reports, every page poisoned", f"{len(reps)} reports")
        c.check(len({o.get("pfn") for o in reps}) == 200, "200 different page frames", "")
        if c.check(len(summ) == 1, "one summary line", str(summ[:1])):
            sm = summ[0]
            c.check((sm.get("steps"), sm.get("ok"), sm.get("injections"), sm.get("failed"),
                     sm.get("interrupted")) == (200, 200, 200, [], None),
                    "summary: 200 steps, 200 ok, 200 injections, none failed",
                    str({k: sm.get(k) for k in ("steps", "ok", "injections", "failed",
                                                "interrupted")}))
    c.check(kb("hc_done") - kb("hc_start") == 800, "HardwareCorrupted +800 kB (200 pages)",
            f"{b.kv.get('hc_start')} -> {b.kv.get('hc_done')}")
    u = b.runs.get("undo")
    if c.check(u is not None, "unpoison --journal ran"):
        c.check(u["rc"] == 0, "unpoison --journal: exit 0 (every page given back)",
                f"rc={u['rc']} {u['err'][:2]}")
    c.check(b.kv.get("hc_undone") == b.kv.get("hc_start"),
            "HardwareCorrupted back where it started", f"{b.kv.get('hc_start')} -> {b.kv.get('hc_undone')}")
    k = b.runs.get("killed")
    c.check(k is not None and k["rc"] == 137, "the second campaign died of SIGKILL",
            str(k and k["rc"]))
    n = int(b.kv.get("journalled", "0"))
    c.check(100 <= n < 200, "killed half-way (100..199 injections journalled)", str(n))
    c.check(kb("hc_killed") > kb("hc_undone"), "pages were left poisoned by the killed campaign",
            f"{b.kv.get('hc_undone')} -> {b.kv.get('hc_killed')}")
    u = b.runs.get("undo2")
    if c.check(u is not None, "unpoison --journal after the kill ran"):
        objs = run_json(b, "undo2")
        summ = [o for o in objs if "journal" in o and "pages" in o]
        c.check(u["rc"] == 0, "unpoison --journal after the kill: exit 0", f"rc={u['rc']} {u['err'][:2]}")
        c.check(len(summ) == 1 and summ[0].get("refused") == [],
                "its summary: nothing refused", str(summ[:1]))
    c.check(b.kv.get("hc_end") == b.kv.get("hc_start"),
            "after the kill and the journal: HardwareCorrupted back where it started",
            f"{b.kv.get('hc_start')} -> {b.kv.get('hc_end')}")


def sc_hwpi_autoload(c, b, ver, boot, args):
    """the module installed for modprobe: --no-load still 69; without it hwpinject loads it"""
    c.check(b.kv.get("lsmod_before") == "0", "hwpoison_inject not loaded at first",
            str(b.kv.get("lsmod_before")))
    r = b.runs.get("noload")
    if c.check(r is not None, "--no-load: ran"):
        c.check(r["rc"] == EX_UNAVAILABLE, "--no-load: exit 69", f"rc={r['rc']} {r['err']}")
    c.check(b.kv.get("lsmod_noload") == "0", "--no-load: module still not loaded",
            str(b.kv.get("lsmod_noload")))
    rep = one_json(c, b, "load", "inject --pfn corrupt-pfn (loads the module)")
    c.check(b.kv.get("lsmod_after") == "1", "module loaded by hwpinject",
            str(b.kv.get("lsmod_after")))
    if rep:
        c.check(rep.get("kernel", {}).get("errno") == 0, "injection accepted", str(rep.get("kernel")))
        c.check(rep.get("poisoned") is True, "report: poisoned", str(rep.get("poisoned")))
    k = b.kvjson("kpf_after")
    c.check(bool(k) and k.get("hwpoison") is True, "kpageflags: HWPOISON", str(k))


# ---------------- hwpinject: report == the victim's own view ----------------
# The guest runs hwpinject through hwpi(): "@KV hc_pre.TAG" / "@KV hc_post.TAG" are /proc/meminfo's
# HardwareCorrupted right before / after, "@KV ptr.TAG" the --pid target's TracerPid and State after.

CODE_NAMES = {BUS_MCEERR_AR: "BUS_MCEERR_AR", BUS_MCEERR_AO: "BUS_MCEERR_AO"}
HARD_METHODS = ("hwpoison", "corrupt-pfn", "hard-offline-page")
SOFT_METHODS = ("soft-offline", "soft-offline-page")
HWPI_KINDS = ("anon", "thp", "hugetlb", "shmem", "file-dirty", "file-clean", "mlocked")
HWPI_METHODS = ("hwpoison", "soft-offline", "corrupt-pfn", "hard-offline-page", "soft-offline-page")
DMESG_TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
EX_DATAERR, EX_NOINPUT, EX_NOPERM = 65, 66, 77


# hwpinject's own audit line (hwpinject(8) AUDIT): user space's, never one of the kernel's lines
AUDIT_LINE = re.compile(r"^hwpinject\[\d+\]: op=")


def dmesg_raw(b):
    """the scenario's log lines without busybox dmesg's "[  12.345678] " prefix"""
    return [DMESG_TS.sub("", x) for x in b.dmesg]


def dmesg_text(b):
    """the scenario's kernel messages (not the audit lines) without the timestamp prefix"""
    return [x for x in dmesg_raw(b) if not AUDIT_LINE.search(x)]


def pfn_rx(pfn):
    return re.compile(rf"(?<![0-9a-fA-Fx]){pfn:#x}(?![0-9a-fA-F])")


def victim_sigbus(b, touching):
    return [o for o in b.victim if o.get("event") == "sigbus" and bool(o.get("touching")) == touching]


def check_hc(c, b, tag, rep, what):
    """hardware_corrupted_kb.before/after = /proc/meminfo read right before/after the run"""
    hc = rep.get("hardware_corrupted_kb")
    pre, post = b.kv.get(f"hc_pre.{tag}"), b.kv.get(f"hc_post.{tag}")
    if not c.check(isinstance(hc, dict), f"{what}: hardware_corrupted_kb object", str(hc)):
        return
    c.check(pre is not None and hc.get("before") == int(pre),
            f"{what}: hardware_corrupted_kb.before = HardwareCorrupted before the run",
            f"report {hc.get('before')} vs meminfo {pre}")
    c.check(post is not None and hc.get("after") == int(post),
            f"{what}: hardware_corrupted_kb.after = HardwareCorrupted after the run",
            f"report {hc.get('after')} vs meminfo {post}")


def check_messages(c, b, rep, what, pfn=None, select=None, dm=None):
    """kernel.messages are dmesg lines; with pfn: every dmesg line naming the pfn (optionally
    only those `select` accepts) is among them (dm: the lines to use, default the scenario's)"""
    msgs = (rep.get("kernel") or {}).get("messages")
    if not c.check(isinstance(msgs, list), f"{what}: kernel.messages array", str(msgs)):
        return
    dm = dmesg_text(b) if dm is None else dm
    extra = [m for m in msgs if m not in dm]
    c.check(not extra, f"{what}: kernel.messages are lines of the kernel log", f"not in dmesg: {extra}")
    if pfn is not None:
        rx = pfn_rx(pfn)
        naming = [x for x in dm if rx.search(x) and (select is None or select(x))]
        absent = [x for x in naming if x not in msgs]
        c.check(not absent, f"{what}: every kernel log line naming the pfn is in kernel.messages",
                f"missing {absent}; messages {msgs}")


def check_action(c, b, rep, pfn, what, dm=None, source=None):
    """kernel.action = the kernel's own "PFN: recovery action for TYPE: RESULT" line, else null
    (dm: the kernel log lines to look in, default the scenario's; source: the source required)"""
    act = (rep.get("kernel") or {}).get("action")
    rx = re.compile(rf"(?<![0-9a-fA-Fx]){pfn:#x}: recovery action for (.+): "
                    r"(Ignored|Failed|Delayed|Recovered)\s*$")
    found = [m for m in (rx.search(x) for x in (dmesg_text(b) if dm is None else dm)) if m]
    if found:
        pt, res = found[0].group(1), found[0].group(2)
        if c.check(isinstance(act, dict), f"{what}: kernel.action present (the kernel logged one)",
                   f"action {act}; kernel: {pt}: {res}"):
            c.check(act.get("page_type") == pt, f"{what}: action.page_type = the kernel's",
                    f"report {act.get('page_type')!r} vs kernel {pt!r}")
            c.check(act.get("result") == res, f"{what}: action.result = the kernel's",
                    f"report {act.get('result')!r} vs kernel {res!r}")
            c.check(act.get("source") in ("tracepoint", "kmsg"), f"{what}: action.source known",
                    str(act.get("source")))
            if source:
                c.check(act.get("source") == source, f"{what}: action.source {source}",
                        str(act.get("source")))
    else:
        c.check(act is None, f"{what}: kernel.action null (the kernel logged no recovery action)",
                str(act))
    return found[0].group(2) if found else None


def check_signals(c, b, r, rep, what, with_access=False):
    """each report signal = a SIGBUS the victim recorded (code, addr, lsb, tid) with the right
    "when"; no SIGBUS the victim got at injection (or, with_access, on access) is missing"""
    sigs = rep.get("signals")
    if not c.check(isinstance(sigs, list), f"{what}: signals array", str(sigs)):
        return
    exp = [("injection", o) for o in victim_sigbus(b, False)]
    if with_access:
        exp += [("access", o) for o in victim_sigbus(b, True)]
    used = set()
    for s in sigs:
        hit = None
        for i, (when, o) in enumerate(exp):
            if i in used:
                continue
            if (s.get("signal") == "SIGBUS" and s.get("pid") == r["pid"]
                    and s.get("code") == CODE_NAMES.get(o.get("code"))
                    and h(s.get("addr")) == h(o.get("addr")) and s.get("addr_lsb") == o.get("lsb")
                    and s.get("when") == when and s.get("tid") in (None, o.get("tid"))):
                hit = i
                break
        c.check(hit is not None,
                f"{what}: report signal {s.get('code')}/{s.get('when')} = one the victim received",
                f"report {s}; victim's {[dict(o, when=w) for w, o in exp]}")
        if hit is not None:
            used.add(hit)
    missing = [dict(o, when=w) for i, (w, o) in enumerate(exp) if i not in used]
    c.check(not missing, f"{what}: every SIGBUS the victim received "
            f"{'at injection or on access' if with_access else 'at injection'} is in the report",
            f"missing {missing}; report {sigs}")


def expected_outcome(rep, killed, codes, moved, result):
    """OUTCOMES in hwpinject-inject(8): the first that applies"""
    if killed:
        return "killed"
    if BUS_MCEERR_AR in codes:
        return "sigbus-ar"
    if BUS_MCEERR_AO in codes:
        return "sigbus-ao"
    if (rep.get("kernel") or {}).get("errno") and not result:
        return "refused"
    if moved:
        return "migrated"
    return result.lower() if result else "unknown"


def check_identity(c, r, rep, method, what, boot):
    c.check(rep.get("pid") == r["pid"], f"{what}: pid = victim's", f"{rep.get('pid')} vs {r['pid']}")
    c.check(h(rep.get("vaddr")) == h(r["vaddr"]), f"{what}: vaddr = victim's",
            f"{rep.get('vaddr')} vs {r['vaddr']}")
    c.check(h(rep.get("pfn")) == h(r["pfn"]), f"{what}: pfn = victim's pagemap pfn",
            f"{rep.get('pfn')} vs {r['pfn']}")
    c.check(h(rep.get("phys")) == h(r["pfn"]) * 4096, f"{what}: phys = pfn * 4096",
            f"{rep.get('phys')} vs pfn {r['pfn']}")
    c.check(rep.get("page_size") == r.get("page_size"), f"{what}: page_size = victim's",
            f"report {rep.get('page_size')} vs victim {r.get('page_size')} ({r.get('kind')})")
    c.check(rep.get("mapping") == r.get("mapping"), f"{what}: mapping = victim's",
            f"report {rep.get('mapping')!r} vs victim {r.get('mapping')!r} ({r.get('kind')})")
    if r.get("kind") in ("file-dirty", "file-clean", "anon", "thp", "mlocked"):
        c.check(rep.get("path") == r.get("path"), f"{what}: path = victim's",
                f"report {rep.get('path')!r} vs victim {r.get('path')!r}")
    c.check(rep.get("method") == method, f"{what}: method {method}", str(rep.get("method")))
    c.check(rep.get("dry_run") is False, f"{what}: dry_run false", str(rep.get("dry_run")))
    k = rep.get("kernel") or {}
    c.check(k.get("errno") == 0, f"{what}: kernel.errno 0", f"{k.get('errno')} {k.get('error')}")
    c.check(k.get("release") == boot["release"], f"{what}: kernel.release", str(k.get("release")))


def check_victim_stats(c, b, what="victim"):
    st = ev(b, "stats")
    if c.check(bool(st), f"{what}: answered 'stats' after the injection", str(b.victim[-3:])):
        c.check(all(s.get("eintr") == 0 for s in st),
                f"{what}: its blocked read(2) was restarted (no EINTR)", str(st))


def check_hwpi_inject(c, b, r, rep, method, what, boot, ver, tag="inject", with_access=False,
                      killed=False, kpf_key="kpf_after", moved_to=None):
    """everything an inject report with a --pid target must agree on; returns the kernel result"""
    check_identity(c, r, rep, method, what, boot)
    pfn = h(r["pfn"])
    ka = b.kvjson(kpf_key)
    if ka is not None:
        c.check(rep.get("poisoned") is ka.get("hwpoison"), f"{what}: poisoned = kpageflags HWPOISON",
                f"report {rep.get('poisoned')} vs kpageflags {ka}")
    if method in HARD_METHODS:
        c.check("new_pfn" not in rep, f"{what}: no new_pfn for a hard method", str(rep.get("new_pfn")))
    check_hc(c, b, tag, rep, what)
    check_signals(c, b, r, rep, what, with_access=with_access)
    result = check_action(c, b, rep, pfn, what, source="tracepoint")
    check_tracepoints(c, rep, what, "used")
    check_counters(c, b, tag, rep, what, ver, result)
    check_messages(c, b, rep, what, pfn=pfn, select=lambda x: not x.startswith("Unpoison"))
    t = rep.get("target") or {}
    if killed:
        c.check(t.get("state") == "killed" and t.get("signal") == "SIGBUS",
                f"{what}: target killed by SIGBUS", str(rep.get("target")))
    else:
        c.check(t == {"state": "alive"}, f"{what}: target alive", str(rep.get("target")))
    codes = [o.get("code") for o in victim_sigbus(b, False)]
    if with_access:
        codes += [o.get("code") for o in victim_sigbus(b, True)]
    if killed:
        codes += [BUS_MCEERR_AR]  # what killed it; only "killed" matters then
    exp = expected_outcome(rep, killed, codes, moved_to is not None, result)
    c.check(rep.get("outcome") == exp, f"{what}: outcome {exp}", str(rep.get("outcome")))
    return result


def make_hwpi_kind(kind, method):
    def f(c, b, ver, boot, args):
        r = ready(b)
        common(c, b, r)
        if r is None:
            return
        c.check(r.get("kind") == kind, "victim kind", str(r.get("kind")))
        rep = one_json(c, b, "inject", f"inject {method}")
        if not rep:
            return
        pfn = h(r["pfn"])
        ka = b.kvjson("kpf_after")
        kb = b.kvjson("kpf_before")
        c.check(kb and kb.get("hwpoison") is False, "kernel: pfn not poisoned before", str(kb))
        p = ev(b, "pfn")
        moved = None
        if method in SOFT_METHODS:
            # the kernel's truth: old frame retired, content elsewhere and intact, no signal
            c.check(ka and ka.get("hwpoison") is True, "kernel: old pfn HWPOISON", str(ka))
            if c.check(bool(p) and p[0].get("present") is True and h(p[0].get("pfn")) != pfn,
                       "kernel: victim's page moved to a new pfn", str(p)):
                moved = h(p[0]["pfn"])
                kn = b.kvjson("kpf_new")
                c.check(kn and kn.get("hwpoison") is False, "kernel: new pfn not poisoned", str(kn))
            k = ev(b, "check")
            c.check(bool(k) and k[0].get("ok") is True and k[0].get("intact") is True,
                    "victim: content intact after migration", str(k))
            c.check(not ev(b, "sigbus"), "victim: no SIGBUS", str(ev(b, "sigbus")))
            c.check(h(rep.get("new_pfn")) == moved, "report: new_pfn = victim's new pfn",
                    f"report {rep.get('new_pfn')} vs victim {moved}")
        else:
            c.check(ka and ka.get("hwpoison") is True, "kernel: pfn HWPOISON after", str(ka))
            inj = victim_sigbus(b, False)
            if method == "hwpoison" and ver >= (6, 11) and kind != "file-clean":
                c.check(len(inj) == 1 and inj[0].get("code") == BUS_MCEERR_AR
                        and h(inj[0].get("addr")) == h(r["vaddr"]),
                        ">= 6.11: victim got SIGBUS BUS_MCEERR_AR at the page at injection", str(inj))
            else:
                c.check(not inj, "victim: no SIGBUS at injection", str(inj))
            t = ev(b, "touched")
            c.check(bool(t), "victim: answered 'touch' after the injection", str(b.victim[-3:]))
        check_victim_stats(c, b)
        check_hwpi_inject(c, b, r, rep, method, "report", boot, ver, moved_to=moved)
    return f


def check_unpoison_run(c, b, tag, pfn, what, kpf_key):
    """an unpoison run agrees with the kernel: cleared -> 0/unpoisoned; refused -> 1, one stderr
    line, JSON (if any) outcome refused and poisoned true, the kernel's message in messages"""
    u = b.runs.get(tag)
    if not c.check(u is not None, f"{what}: ran"):
        return None
    ka = b.kvjson(kpf_key) or {}
    cleared = ka.get("hwpoison") is False
    objs = run_json(b, tag)
    errs = [x for x in u["err"] if x.strip()]
    dm = dmesg_text(b)
    rx = pfn_rx(pfn)
    unp = [x for x in dm if x.startswith("Unpoison") and rx.search(x)]
    ok_rx = re.compile(r"(?i)software-unpoisoned")
    if cleared:
        c.check(u["rc"] == 0, f"{what}: exit 0 (the kernel unpoisoned it)",
                f"rc={u['rc']} stderr={errs}")
        c.check(not errs, f"{what}: nothing on stderr", str(errs))
    else:
        c.check(u["rc"] == 1, f"{what}: exit 1 (the kernel refused)", f"rc={u['rc']} stderr={errs}")
        c.check(len(errs) == 1 and errs[0].startswith("hwpinject: "),
                f"{what}: one line on stderr", str(errs))
    if not objs:
        c.check(not cleared, f"{what}: JSON on stdout", str(u["out"][:3]))
        return cleared
    j = objs[0]
    c.check(len(objs) == 1, f"{what}: one JSON object", str(len(objs)))
    c.check(h(j.get("pfn")) == pfn and j.get("method") == "unpoison", f"{what}: pfn and method",
            f"{j.get('pfn')} {j.get('method')}")
    c.check(j.get("poisoned") is ka.get("hwpoison"), f"{what}: poisoned = kpageflags HWPOISON",
            f"report {j.get('poisoned')} vs kpageflags {ka}")
    k = j.get("kernel") or {}
    msgs = k.get("messages") or []
    if cleared:
        c.check(j.get("outcome") == "unpoisoned", f"{what}: outcome unpoisoned", str(j.get("outcome")))
        c.check(k.get("errno") == 0, f"{what}: kernel.errno 0", str(k.get("errno")))
        okl = [x for x in unp if ok_rx.search(x)]
        c.check(bool(okl) and okl[-1] in msgs, f"{what}: the kernel's unpoisoned message in messages",
                f"kernel {okl}; report {msgs}")
    else:
        c.check(j.get("outcome") == "refused", f"{what}: outcome refused", str(j.get("outcome")))
        c.check(k.get("errno") not in (None, 0), f"{what}: kernel.errno set", str(k.get("errno")))
        bad = [x for x in unp if not ok_rx.search(x)]
        c.check(bool(bad) and bad[0] in msgs, f"{what}: the kernel's refusal message in messages",
                f"kernel {bad}; report {msgs}")
    extra = [m for m in msgs if m not in dm]
    c.check(not extra, f"{what}: kernel.messages are lines of the kernel log", str(extra))
    check_hc(c, b, tag, j, what)
    hc = j.get("hardware_corrupted_kb") or {}
    if cleared and isinstance(hc.get("before"), int) and isinstance(hc.get("after"), int):
        c.check(hc["after"] == hc["before"] - 4, f"{what}: HardwareCorrupted back by 4 kB", str(hc))
    return cleared


def make_hwpi_unpoison(kind):
    def f(c, b, ver, boot, args):
        r = ready(b)
        common(c, b, r)
        if r is None:
            return
        pfn = h(r["pfn"])
        rep = one_json(c, b, "inject", "inject --pfn corrupt-pfn")
        kp = b.kvjson("kpf_poisoned")
        c.check(kp and kp.get("hwpoison") is True, "kernel: poisoned", str(kp))
        if rep:
            c.check(h(rep.get("pfn")) == pfn, "inject: pfn", str(rep.get("pfn")))
            c.check(rep.get("poisoned") is True, "inject: poisoned true", str(rep.get("poisoned")))
            check_hc(c, b, "inject", rep, "inject")
            check_action(c, b, rep, pfn, "inject")
        cleared = check_unpoison_run(c, b, "unpoison", pfn, "unpoison", "kpf_unpoisoned")
        if kind in ("anon", "shmem", "mlocked"):
            c.check(cleared is True, f"kernel: a {kind} page is unpoisoned once its owner exited",
                    str(b.kv.get("kpf_unpoisoned")))
    return f


def sc_hwpi_unpoison_pinned(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    pfn = h(r["pfn"])
    pin = ev(b, "pin")
    c.check(bool(pin) and pin[0].get("rc") == 4096, "victim: page vmspliced into a pipe", str(pin))
    kp = b.kvjson("kpf_poisoned")
    c.check(kp and kp.get("hwpoison") is True, "kernel: poisoned", str(kp))
    c.check((b.kvjson("kpf_unpoisoned") or {}).get("hwpoison") is True,
            "kernel: refuses to unpoison a frame a pipe still holds", b.kv.get("kpf_unpoisoned"))
    check_unpoison_run(c, b, "unpoison", pfn, "unpoison (pinned)", "kpf_unpoisoned")
    c.check((b.kvjson("kpf_unpoisoned2") or {}).get("hwpoison") is False,
            "kernel: unpoisons it once the victim (and its pipe) are gone",
            b.kv.get("kpf_unpoisoned2"))
    check_unpoison_run(c, b, "unpoison2", pfn, "unpoison (released)", "kpf_unpoisoned2")


def sc_hwpi_watch(early):
    def f(c, b, ver, boot, args):
        r = ready(b)
        common(c, b, r)
        if r is None:
            return
        rep = one_json(c, b, "inject", "inject --watch 3")
        kb, kd, ka = (b.kv.get(k) for k in ("early_kill_before", "early_kill_during",
                                             "early_kill_after"))
        c.check(kd == ("1" if early else "0"),
                f"vm.memory_failure_early_kill {'1' if early else '0'} during the injection",
                str(kd))
        c.check(ka is not None and ka == kb, "vm.memory_failure_early_kill restored afterwards",
                f"before {kb} after {ka}")
        inj, acc = victim_sigbus(b, False), victim_sigbus(b, True)
        if early:
            c.check(len(inj) == 1 and inj[0].get("code") == BUS_MCEERR_AO,
                    "kernel: victim got BUS_MCEERR_AO at injection", str(inj))
        else:
            c.check(not inj, "kernel: victim got nothing at injection (late kill)", str(inj))
        c.check(len(acc) == 1 and acc[0].get("code") == BUS_MCEERR_AR
                and h(acc[0].get("addr")) == h(r["vaddr"]) and acc[0].get("lsb") == 12,
                "kernel: victim got BUS_MCEERR_AR at the page on access", str(acc))
        if not rep:
            return
        check_hwpi_inject(c, b, r, rep, "corrupt-pfn", "report", boot, ver, with_access=True)
        sigs = rep.get("signals") or []
        if early:
            c.check([s.get("when") for s in sigs] == ["injection", "access"]
                    and [s.get("code") for s in sigs] == ["BUS_MCEERR_AO", "BUS_MCEERR_AR"],
                    "report: AO at injection, then AR on access", str(sigs))
        else:
            c.check(not [s for s in sigs if s.get("when") == "injection"],
                    "report: no signal at injection", str(sigs))
            c.check([(s.get("code"), s.get("when")) for s in sigs] == [("BUS_MCEERR_AR", "access")],
                    "report: one BUS_MCEERR_AR on access", str(sigs))
        check_victim_stats(c, b)
    return f


def sc_hwpi_nohandler(method):
    def f(c, b, ver, boot, args):
        r = ready(b)
        c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
        if not c.check(r is not None, "victim ready", str(ev(b, "error"))):
            return
        c.check(r.get("handler") is False, "victim has no SIGBUS handler", str(r))
        dies = method == "corrupt-pfn" or ver >= (6, 11)
        vx = b.kv.get("victim_exit")
        if dies:
            c.check(vx == "135", "kernel: victim killed by SIGBUS (wait status 135)", f"exit={vx}")
        else:
            c.check(vx == "0", "< 6.11: victim not signalled at injection, lives on", f"exit={vx}")
        rep = one_json(c, b, "inject", f"inject {method}")
        if not rep:
            return
        killed = vx == "135"
        check_identity(c, r, rep, method, "report", boot)
        ka = b.kvjson("kpf_after")
        c.check(ka and ka.get("hwpoison") is True and rep.get("poisoned") is True,
                "report: poisoned = kpageflags HWPOISON", f"{rep.get('poisoned')} vs {ka}")
        check_hc(c, b, "inject", rep, "report")
        t = rep.get("target") or {}
        if killed:
            c.check(t.get("state") == "killed" and t.get("signal") == "SIGBUS",
                    "report: target {state killed, signal SIGBUS}", str(t))
            c.check(rep.get("outcome") == "killed", "report: outcome killed", str(rep.get("outcome")))
            code = "BUS_MCEERR_AO" if method == "corrupt-pfn" else "BUS_MCEERR_AR"
            sigs = rep.get("signals") or []
            c.check(len(sigs) == 1 and sigs[0].get("signal") == "SIGBUS"
                    and sigs[0].get("code") == code and sigs[0].get("pid") == r["pid"]
                    and h(sigs[0].get("addr")) == h(r["vaddr"]) and sigs[0].get("addr_lsb") == 12
                    and sigs[0].get("when") == "injection",
                    f"report: the fatal SIGBUS {code} at the page, at injection", str(sigs))
        else:
            c.check(t == {"state": "alive"}, "report: target alive", str(t))
            c.check(not rep.get("signals"), "report: no signals", str(rep.get("signals")))
        if method == "corrupt-pfn":
            c.check(b.kv.get("early_kill_after") == b.kv.get("early_kill_before"),
                    "vm.memory_failure_early_kill restored",
                    f"{b.kv.get('early_kill_before')} -> {b.kv.get('early_kill_after')}")
        check_messages(c, b, rep, "report", pfn=h(r["pfn"]))
        check_action(c, b, rep, h(r["pfn"]), "report")
    return f


def sc_hwpi_threads(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    c.check(r.get("threads") == 4, "victim started 4 extra threads", str(r.get("threads")))
    c.check(b.kv.get("threads_before") == "5" and b.kv.get("threads_after") == "5",
            "5 tasks before and after the injection",
            f"{b.kv.get('threads_before')} -> {b.kv.get('threads_after')}")
    ts = b.kv.get("task_states") or ""
    c.check(ts and not re.search(r"[tT]", ts), "no task left stopped (t/T)", ts)
    rep = one_json(c, b, "inject", "inject hwpoison")
    inj = victim_sigbus(b, False)
    if ver >= (6, 11):
        c.check(len(inj) == 1 and inj[0].get("tid") == r["pid"],
                ">= 6.11: the SIGBUS at injection went to the injecting (main) thread", str(inj))
    if rep:
        check_hwpi_inject(c, b, r, rep, "hwpoison", "report", boot, ver)
    check_victim_stats(c, b)
    check_touch_sigbus(c, b, r)


def sc_hwpi_blocked(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    for k in ("syscall_before", "syscall_after", "syscall_after2"):
        c.check(b.kv.get(k) == "0", f"victim blocked in read(2) ({k})", str(b.kv.get(k)))
    st = ev(b, "stats")
    c.check(len(st) == 2 and all(s.get("eintr") == 0 for s in st),
            "victim: read(2) restarted after each injection (no EINTR)", str(st))
    soft = one_json(c, b, "soft", "inject soft-offline")
    p = ev(b, "pfn")
    k = ev(b, "check")
    c.check(bool(k) and k[0].get("intact") is True, "victim: content intact after soft-offline", str(k))
    if soft and p:
        check_identity(c, r, soft, "soft-offline", "soft report", boot)
        c.check(h(soft.get("new_pfn")) == h(p[0].get("pfn")) != h(r["pfn"]),
                "soft report: new_pfn = victim's new pfn", f"{soft.get('new_pfn')} vs {p[0]}")
        check_hc(c, b, "soft", soft, "soft report")
    hard = one_json(c, b, "hard", "inject hwpoison")
    if hard and p:
        r2 = dict(r, pfn=p[0]["pfn"])  # the page now lives at its new frame
        check_identity(c, r2, hard, "hwpoison", "hard report", boot)
        check_hc(c, b, "hard", hard, "hard report")
        check_signals(c, b, r, hard, "hard report")
        check_action(c, b, hard, h(p[0]["pfn"]), "hard report")
        check_messages(c, b, hard, "hard report", pfn=h(p[0]["pfn"]))
        c.check(hard.get("target") == {"state": "alive"}, "hard report: target alive",
                str(hard.get("target")))
    t = ev(b, "touched")
    c.check(bool(t), "victim: answered 'touch' after both injections", str(b.victim[-3:]))


def check_refusal(c, b, tag, code, what, pattern=None):
    """exit status, one stderr line (hwpinject: ...), no JSON, HardwareCorrupted unchanged"""
    u = b.runs.get(tag)
    if not c.check(u is not None, f"{what}: ran"):
        return None
    errs = [x for x in u["err"] if x.strip()]
    c.check(u["rc"] == code, f"{what}: exit {code}", f"rc={u['rc']} stderr={errs}")
    c.check(len(errs) == 1 and errs[0].startswith("hwpinject: "), f"{what}: one line on stderr",
            str(errs))
    c.check(not [x for x in u["out"] if x.strip()], f"{what}: nothing on stdout (errors are never JSON)",
            str(u["out"][:2]))
    if pattern and errs:
        c.check(re.search(pattern, errs[0]) is not None, f"{what}: stderr says why ({pattern})",
                errs[0])
    pre, post = b.kv.get(f"hc_pre.{tag}"), b.kv.get(f"hc_post.{tag}")
    c.check(pre is not None and pre == post, f"{what}: HardwareCorrupted unchanged", f"{pre} -> {post}")
    return errs[0] if errs else None


def same_poison(c, b, before, after, what):
    kb, ka = b.kvjson(before), b.kvjson(after)
    c.check(kb is not None and ka is not None and kb.get("hwpoison") is False
            and ka.get("hwpoison") is False, f"{what}: page frame not poisoned before nor after",
            f"{kb} -> {ka}")


def sc_hwpi_refuse_pid1(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    check_refusal(c, b, "pid1", EX_NOPERM, "pid 1", r"pid 1|init")
    same_poison(c, b, "kpf_before", "kpf_after", "pid 1's page")
    pb, pa = b.kvjson("pm_before"), b.kvjson("pm_after")
    c.check(pb and pa and pb.get("pfn") == pa.get("pfn") and pb.get("present"),
            "pid 1's page still mapped at the same pfn", f"{pb} -> {pa}")


def sc_hwpi_refuse_traced(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    tr = b.kvjson("tracer") or {}
    tpid = tr.get("pid")
    c.check(tr.get("event") == "tracing" and tr.get("tracee") == r["pid"],
            "another process traces the victim", str(tr))
    c.check(b.kv.get("tracerpid_before") == str(tpid), "victim's TracerPid = that process",
            str(b.kv.get("tracerpid_before")))
    for tag in ("traced", "traced_soft"):
        e = check_refusal(c, b, tag, EX_NOPERM, f"{tag}: already traced", None)
        c.check(e is not None and re.search(rf"\b{tpid}\b", e) is not None,
                f"{tag}: stderr names the tracer's pid {tpid}", str(e))
    same_poison(c, b, "kpf_before", "kpf_after", "victim's page")
    p = ev(b, "pfn")
    c.check(bool(p) and h(p[0].get("pfn")) == h(r["pfn"]), "victim's page still at its pfn", str(p))
    k = ev(b, "check")
    c.check(bool(k) and k[0].get("intact") is True, "victim's content intact", str(k))
    c.check(not ev(b, "sigbus"), "victim got no SIGBUS", str(ev(b, "sigbus")))


def sc_hwpi_refuse_nopid(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    c.check(b.kv.get("dead_pid_exists") == "no", "the pid does not exist",
            str(b.kv.get("dead_pid_exists")))
    check_refusal(c, b, "nopid", EX_NOINPUT, "nonexistent pid", rf"\b{b.kv.get('dead_pid')}\b")


def sc_hwpi_refuse_unmapped(c, b, ver, boot, args):
    r = ready(b)
    common(c, b, r)
    if r is None:
        return
    for tag in ("unmapped", "unmapped_pfn"):
        check_refusal(c, b, tag, EX_DATAERR, f"{tag}: address not mapped", r"0x1000")
    same_poison(c, b, "kpf_before", "kpf_after", "victim's page")
    p = ev(b, "pfn")
    c.check(bool(p) and h(p[0].get("pfn")) == h(r["pfn"]), "victim's page still at its pfn", str(p))
    k = ev(b, "check")
    c.check(bool(k) and k[0].get("intact") is True, "victim's content intact", str(k))


def sc_hwpi_refuse_kernel(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    rs, sl = b.kvjson("reserved") or {}, b.kvjson("slab") or {}
    c.check(rs.get("pfn") and (h(rs.get("flags")) >> 32) & 1, "a RESERVED page frame found", str(rs))
    c.check(sl.get("pfn") and (h(sl.get("flags")) >> 7) & 1, "a SLAB page frame found", str(sl))
    for tag, what in (("reserved", "reserved pfn"), ("slab", "slab pfn"),
                      ("slab_phys", "slab page by --phys")):
        check_refusal(c, b, tag, EX_NOPERM, f"{what} without --force", r"--force")
    same_poison(c, b, "kpf_reserved_before", "kpf_reserved_after", "reserved frame")
    same_poison(c, b, "kpf_slab_before", "kpf_slab_after", "slab frame")


# ---------------- what the kernel did (issue 6): tracepoints, kmsg, counters ----------------

BLOCKS = {}       # every scenario block of the log, by name (for checks across scenarios)
ORDER = []        # their names in log order
REPORT_KINDS = ("anon", "shmem", "file-dirty", "file-clean", "hugetlb", "thp")
MF_KEYS = ("total", "ignored", "failed", "delayed", "recovered")


def run_dmesg(b, tag):
    """the kernel log lines the guest dumped after run TAG and before the next run"""
    out, on = [], False
    for kind, x in b.items:
        if kind == "RUN":
            on = x == tag
        elif kind == "DMESG" and on and not AUDIT_LINE.search(DMESG_TS.sub("", x)):
            out.append(DMESG_TS.sub("", x))
    return out


def run_victim(b, tag):
    """the victim lines printed after run TAG and before the next run (or "@KV end.TAG")"""
    out, on = [], False
    for kind, x in b.items:
        if kind == "RUN" or (kind == "KV" and x == f"end.{tag}"):
            on = kind == "RUN" and x == tag
        elif kind == "V" and on:
            out.append(x)
    return out


def check_tracepoints(c, rep, what, mode):
    """kernel.tracepoints: "used" (tracefs where the boot mounted it), "mounted" (hwpinject
    mounted tracefs and says so in note), "fallback" (no tracepoints: used false, error why)"""
    tp = (rep.get("kernel") or {}).get("tracepoints")
    if not c.check(isinstance(tp, dict) and set(tp) >= {"used", "error", "note"},
                   f"{what}: kernel.tracepoints {{used,error,note}}", str(tp)):
        return
    if mode == "used":
        c.check(tp == {"used": True, "error": None, "note": None},
                f"{what}: tracepoints used, no error, no note", str(tp))
    elif mode == "mounted":
        c.check(tp.get("used") is True and tp.get("error") is None,
                f"{what}: tracepoints used, no error", str(tp))
        c.check(isinstance(tp.get("note"), str) and re.search(r"(?i)mount", tp["note"])
                and "tracefs" in tp["note"] and "/sys/kernel/tracing" in tp["note"],
                f"{what}: tracepoints.note says tracefs was mounted on /sys/kernel/tracing",
                str(tp.get("note")))
    else:
        c.check(tp.get("used") is False, f"{what}: tracepoints.used false", str(tp))
        c.check(isinstance(tp.get("error"), str) and tp["error"].strip() != "",
                f"{what}: tracepoints.error says why", str(tp))
        c.check(tp.get("note") is None, f"{what}: tracepoints.note null (nothing mounted)", str(tp))


def mf_ok(x):
    return isinstance(x, dict) and all(isinstance(x.get(k), int) for k in MF_KEYS)


def check_counters(c, b, tag, rep, what, ver, result, already=False, chain=None):
    """kernel.counters = the per-node memory_failure counters the guest read right before and
    after the run (summed over the nodes), null where the kernel has none (< 6.9); one
    injection the kernel logged a result for (not an already poisoned page): total + 1 and
    the counter of that result + 1, the others unchanged.
    chain: (before, after) to compare with instead of the guest's (for --count runs)"""
    cnt = (rep.get("kernel") or {}).get("counters", "absent")
    if chain is None:
        pre_s, post_s = b.kv.get(f"mfc_pre.{tag}"), b.kv.get(f"mfc_post.{tag}")
        pre, post = b.kvjson(f"mfc_pre.{tag}"), b.kvjson(f"mfc_post.{tag}")
    else:
        pre_s = post_s = "chain"
        pre, post = chain
    if ver < (6, 9):
        c.check(cnt is None, f"{what}: kernel.counters null (< 6.9 has no per-node counters)",
                str(cnt))
        c.check(pre_s in (None, "null", "chain") and pre is None,
                f"{what}: the kernel has no memory_failure counters", str(pre_s))
        return
    if ver < (6, 12) and pre_s == "null":
        c.check(cnt is None, f"{what}: kernel.counters null (this kernel has none)", str(cnt))
        return
    if not c.check(isinstance(cnt, dict) and mf_ok(cnt.get("before")) and mf_ok(cnt.get("after")),
                   f"{what}: kernel.counters {{before,after}} with {'/'.join(MF_KEYS)}", str(cnt)):
        return
    bf, af = cnt["before"], cnt["after"]
    if pre_s is not None:
        c.check(mf_ok(pre) and {k: bf[k] for k in MF_KEYS} == pre,
                f"{what}: counters.before = the kernel's counters before the run",
                f"report {bf} vs sysfs {pre}")
        c.check(mf_ok(post) and {k: af[k] for k in MF_KEYS} == post,
                f"{what}: counters.after = the kernel's counters after the run",
                f"report {af} vs sysfs {post}")
    if result and not already:
        key = result.lower()
        exp = {k: bf[k] + (1 if k in ("total", key) else 0) for k in MF_KEYS}
        c.check({k: af[k] for k in MF_KEYS} == exp,
                f"{what}: counters: total +1 and {key} +1 for one injection ({result})",
                f"before {bf} after {af}")


def pfn_report_basics(c, b, rep, pfn, what, boot, method="corrupt-pfn"):
    c.check(h(rep.get("pfn")) == pfn, f"{what}: pfn", f"{rep.get('pfn')} vs {pfn:#x}")
    c.check(h(rep.get("phys")) == pfn * 4096, f"{what}: phys = pfn * 4096", str(rep.get("phys")))
    c.check(rep.get("pid") is None and rep.get("vaddr") is None and rep.get("mapping") is None,
            f"{what}: a --pfn target has pid, vaddr, mapping null",
            f"{rep.get('pid')} {rep.get('vaddr')} {rep.get('mapping')}")
    c.check(rep.get("method") == method, f"{what}: method {method}", str(rep.get("method")))
    c.check((rep.get("kernel") or {}).get("release") == boot["release"], f"{what}: kernel.release")


def check_rc_errno(c, b, tag, rep, what):
    """exit status agrees with kernel.errno: 0 -> exit 0, nothing on stderr; else exit 1 and one
    stderr line giving the error"""
    run = b.runs.get(tag) or {}
    k = rep.get("kernel") or {}
    errs = [x for x in run.get("err", []) if x.strip()]
    if k.get("errno") == 0:
        c.check(run.get("rc") == 0 and not errs, f"{what}: errno 0 -> exit 0, stderr empty",
                f"rc={run.get('rc')} {errs}")
    else:
        c.check(isinstance(k.get("error"), str) and k["error"], f"{what}: kernel.error text",
                str(k))
        c.check(run.get("rc") == 1, f"{what}: errno {k.get('errno')} -> exit 1",
                f"rc={run.get('rc')}")
        c.check(len(errs) == 1 and errs[0].startswith("hwpinject: ")
                and (k.get("error") or "?") in errs[0],
                f"{what}: one stderr line naming the kernel's error", str(errs))


def report_of_kind(block_name, kind):
    b = BLOCKS.get(block_name)
    if not b:
        return None
    objs = run_json(b, kind.replace("-", "_"))
    return objs[0] if objs else None


def make_report_kinds(mode):
    """corrupt-pfn by --pfn on a page of each kind: the action = the kernel's line, with the
    source of the mode (tracepoint: tracefs mounted; kmsg: tracefs hidden, see guest.sh)"""
    source = "tracepoint" if mode == "tracepoint" else "kmsg"

    def f(c, b, ver, boot, args):
        c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
        if mode == "tracepoint":
            st = b.kv.get("tracing") or ""
            c.check("events=yes" in st, "tracefs mounted (the boot's)", st)
        else:
            for k in ("tracing_hidden", "tracing_after"):
                st = b.kv.get(k) or ""
                c.check("tracing=[tmpfs ]" in st and "events=no debug_events=no" in st,
                        f"tracefs hidden: only the decoy on /sys/kernel/tracing, no format file "
                        f"({k}: hwpinject mounted nothing over it)", st)
            st = BLOCKS[b.name].kv.get("tracing_restored") or ""
            c.check("events=yes" in st, "tracefs mounted again afterwards", st)
        for kind in REPORT_KINDS:
            t = kind.replace("-", "_")
            w = kind
            c.check(b.kv.get(f"nostart.{t}") is None, f"{w}: victim started")
            r = b.kvjson(f"vr.{t}")
            if not c.check(r is not None, f"{w}: victim ready"):
                continue
            c.check(r.get("kind") == kind, f"{w}: victim kind", str(r.get("kind")))
            pfn = h(r["pfn"])
            rep = one_json(c, b, t, f"{w}: inject --pfn corrupt-pfn")
            if not rep:
                continue
            pfn_report_basics(c, b, rep, pfn, w, boot)
            c.check((rep.get("kernel") or {}).get("errno") == 0, f"{w}: kernel.errno 0")
            kb, ka = b.kvjson(f"kpf_before.{t}"), b.kvjson(f"kpf_after.{t}")
            c.check(kb and kb.get("hwpoison") is False, f"{w}: kernel: not poisoned before", str(kb))
            c.check(ka is not None and rep.get("poisoned") is ka.get("hwpoison") is True,
                    f"{w}: poisoned = kpageflags HWPOISON (true)", f"{rep.get('poisoned')} vs {ka}")
            c.check(rep.get("already_poisoned") is False, f"{w}: already_poisoned false",
                    str(rep.get("already_poisoned")))
            check_hc(c, b, t, rep, w)
            res = check_action(c, b, rep, pfn, w, source=source)
            c.check(res is not None, f"{w}: the kernel logged a recovery action for the pfn")
            check_messages(c, b, rep, w, pfn=pfn)
            check_tracepoints(c, rep, w, "used" if mode == "tracepoint" else "fallback")
            check_counters(c, b, t, rep, w, ver, res)
            c.check(rep.get("signals") == [], f"{w}: no signals (late kill, nobody touched it)",
                    str(rep.get("signals")))
            exp = expected_outcome(rep, False, [], False, res)
            c.check(rep.get("outcome") == exp, f"{w}: outcome {exp}", str(rep.get("outcome")))
            # a dirty file page may have been written back (clean) by the time of the second
            # injection (seen on 6.1): the kernel then rightly says "clean LRU page"
            if mode != "tracepoint" and kind != "file-dirty":
                tr = report_of_kind("hwpi-report-kinds", kind)
                ta = ((tr or {}).get("kernel") or {}).get("action") or {}
                ka_ = (rep.get("kernel") or {}).get("action") or {}
                if c.check(ta.get("source") == "tracepoint",
                           f"{w}: the same kind was reported from the tracepoint earlier",
                           str(ta)):
                    c.check((ka_.get("page_type"), ka_.get("result"))
                            == (ta.get("page_type"), ta.get("result")),
                            f"{w}: kmsg gives the page type and result the tracepoint gave",
                            f"kmsg {ka_} vs tracepoint {ta}")
    return f


def sc_hwpi_trace_automount(c, b, ver, boot, args, method="corrupt-pfn"):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    st = b.kv.get("tracing_before") or ""
    c.check("tracing=[]" in st and "events=no debug_events=no" in st,
            "before: no tracefs on /sys/kernel/tracing, none readable under debugfs", st)
    r = b.kvjson("vr.mount")
    if not c.check(r is not None, "victim ready"):
        return
    rep = one_json(c, b, "mount", f"inject {method}")
    if not rep:
        return
    check_identity(c, r, rep, method, "report", boot)
    pfn = h(r["pfn"])
    check_tracepoints(c, rep, "report", "mounted")
    res = check_action(c, b, rep, pfn, "report", source="tracepoint")
    c.check(res is not None, "the kernel logged a recovery action for the pfn")
    check_messages(c, b, rep, "report", pfn=pfn)
    check_counters(c, b, "mount", rep, "report", ver, res)
    check_hc(c, b, "mount", rep, "report")
    st = b.kv.get("tracing_after") or ""
    c.check("tracing=[tracefs ]" in st and " events=yes" in st,
            "after: tracefs mounted on /sys/kernel/tracing (left mounted, as the note says)", st)
    if "tracing_restored" in b.kv:
        c.check(" events=yes" in b.kv["tracing_restored"], "tracefs as before afterwards",
                b.kv["tracing_restored"])


def sc_hwpi_tracefs_mount(c, b, ver, boot, args):
    """the missing boot: nothing mounted at all; a madvise injection (no module needed)"""
    mb = b.kv.get("mounts_before")
    c.check(mb is not None and mb.strip() == "", "before: neither debugfs nor tracefs mounted",
            str(mb))
    sc_hwpi_trace_automount(c, b, ver, boot, args, method="hwpoison")
    r = b.kvjson("vr.mount")
    rep = (run_json(b, "mount") or [None])[0]
    if r and rep:
        check_signals(c, b, r, rep, "report")


def sc_hwpi_shared_fork(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    r, ch = b.kvjson("vr.fork"), b.kvjson("vc.fork")
    if not (c.check(r is not None, "victim ready") and c.check(ch is not None, "child ready")):
        return
    c.check(b.kv.get("victim_exit") == "0", "victim exited 0", f"exit={b.kv.get('victim_exit')}")
    cpid = ch.get("pid")
    c.check(r.get("child") == cpid and ch.get("ppid") == r["pid"], "the child is the victim's",
            f"{r.get('child')} {ch}")
    c.check(ch.get("present") is True and h(ch.get("pfn")) == h(r["pfn"]),
            "kernel: the child maps the same page frame (its own pagemap)", f"{ch} vs {r['pfn']}")
    c.check(b.kv.get("child_alive") == "yes", "the child lived through its SIGBUS (handler)")
    vs = [o for o in b.victim if o.get("event") == "sigbus"]
    mine = [o for o in vs if o.get("proc") != "child"]
    kid = [o for o in vs if o.get("proc") == "child"]
    c.check(len(mine) == 1 and mine[0].get("code") == BUS_MCEERR_AO and not mine[0].get("touching")
            and h(mine[0].get("addr")) == h(r["vaddr"]) and mine[0].get("lsb") == 12,
            "kernel: the victim got one SIGBUS BUS_MCEERR_AO at the page (early kill)", str(mine))
    c.check(len(kid) == 1 and kid[0].get("code") == BUS_MCEERR_AO and kid[0].get("pid") == cpid,
            "kernel: the child got one SIGBUS BUS_MCEERR_AO too", str(kid))
    dm = dmesg_text(b)
    for p in (r["pid"], cpid):
        c.check(any(re.search(rf"Sending SIGBUS to \S+:{p}\b", x) for x in dm),
                f"kernel: \"Sending SIGBUS to …:{p}\" logged", "\n".join(dm))
    rep = one_json(c, b, "inject", "inject corrupt-pfn --early-kill")
    if not rep:
        return
    check_identity(c, r, rep, "corrupt-pfn", "report", boot)
    pfn = h(r["pfn"])
    sigs = rep.get("signals") or []
    c.check(len(sigs) == 2, "report: two signals (victim and child)", str(sigs))
    t = [s for s in sigs if s.get("pid") == r["pid"]]
    o = [s for s in sigs if s.get("pid") == cpid]
    if c.check(len(t) == 1, "report: one signal for the target", str(sigs)) and mine:
        s, v = t[0], mine[0]
        c.check(s.get("signal") == "SIGBUS" and s.get("source") == "ptrace"
                and s.get("when") == "injection",
                "report: target's SIGBUS at injection, seen by ptrace", str(s))
        c.check(s.get("code") == CODE_NAMES.get(v.get("code")) and h(s.get("addr")) == h(v.get("addr"))
                and s.get("addr_lsb") == v.get("lsb") and s.get("tid") == v.get("tid"),
                "report: target's siginfo = what the victim recorded (code, addr, lsb, tid)",
                f"report {s} vs victim {v}")
    if c.check(len(o) == 1, "report: one signal for the child (another process sharing the page)",
               str(sigs)) and kid:
        s, v = o[0], kid[0]
        c.check(s.get("signal") == "SIGBUS" and s.get("source") == "tracepoint"
                and s.get("when") == "injection",
                "report: child's SIGBUS at injection, from signal:signal_generate", str(s))
        c.check(s.get("code") == CODE_NAMES.get(v.get("code")) == "BUS_MCEERR_AO",
                "report: child's code = what the child recorded (BUS_MCEERR_AO)",
                f"report {s} vs child {v}")
        c.check(s.get("addr") is None and s.get("addr_lsb") is None,
                "report: child's addr/addr_lsb null (the tracepoint has no siginfo address)", str(s))
    res = check_action(c, b, rep, pfn, "report", source="tracepoint")
    check_messages(c, b, rep, "report", pfn=pfn)
    check_tracepoints(c, rep, "report", "used")
    check_counters(c, b, "inject", rep, "report", ver, res)
    check_hc(c, b, "inject", rep, "report")
    ka = b.kvjson("kpf_after")
    c.check(ka and rep.get("poisoned") is ka.get("hwpoison") is True, "report: poisoned (kpageflags)",
            f"{rep.get('poisoned')} vs {ka}")
    c.check(rep.get("target") == {"state": "alive"}, "report: target alive", str(rep.get("target")))
    c.check(rep.get("outcome") == "sigbus-ao", "report: outcome sigbus-ao", str(rep.get("outcome")))
    c.check(b.kv.get("early_kill_after") == b.kv.get("early_kill_before"),
            "vm.memory_failure_early_kill restored")


def check_first_of_twice(c, b, r, rep, pfn, what, ver):
    d1 = run_dmesg(b, "first")
    c.check(rep.get("already_poisoned") is False, f"{what}: already_poisoned false",
            str(rep.get("already_poisoned")))
    c.check(rep.get("poisoned") is True, f"{what}: poisoned true", str(rep.get("poisoned")))
    kb = b.kvjson("kpf_before")
    c.check(kb and kb.get("hwpoison") is False, f"{what}: kernel: not poisoned before", str(kb))
    res = check_action(c, b, rep, pfn, what, dm=d1, source="tracepoint")
    c.check(res is not None, f"{what}: the kernel logged a recovery action")
    check_messages(c, b, rep, what, pfn=pfn, dm=d1)
    check_counters(c, b, "first", rep, what, ver, res)
    check_hc(c, b, "first", rep, what)
    check_tracepoints(c, rep, what, "used")


def check_second_of_twice(c, b, rep, pfn, what, ver, kernel_errno_text):
    """the page was poisoned before: already_poisoned true, the kernel's lines of this run (and
    only those) in messages, its action if it logged one, errno as the kernel answers"""
    d2 = run_dmesg(b, "second")
    km = b.kvjson("kpf_mid")
    c.check(km and km.get("hwpoison") is True, f"{what}: kernel: HWPOISON before this run", str(km))
    c.check(rep.get("already_poisoned") is True, f"{what}: already_poisoned true",
            str(rep.get("already_poisoned")))
    c.check(rep.get("poisoned") is True, f"{what}: poisoned true", str(rep.get("poisoned")))
    res = check_action(c, b, rep, pfn, what, dm=d2, source="tracepoint")
    check_messages(c, b, rep, what, pfn=pfn, dm=d2)
    check_counters(c, b, "second", rep, what, ver, res, already=True)
    check_hc(c, b, "second", rep, what)
    hc = rep.get("hardware_corrupted_kb") or {}
    c.check(hc.get("before") is not None and hc.get("before") == hc.get("after"),
            f"{what}: HardwareCorrupted unchanged", str(hc))
    check_tracepoints(c, rep, what, "used")
    check_rc_errno(c, b, "second", rep, what)
    k = rep.get("kernel") or {}
    if kernel_errno_text is not None:
        if kernel_errno_text == "":
            c.check(k.get("errno") == 0, f"{what}: errno 0, as the kernel answers", str(k))
        else:
            c.check(k.get("errno") != 0 and (k.get("error") or "?") in kernel_errno_text,
                    f"{what}: errno = the kernel's own answer ({kernel_errno_text})",
                    f"report {k.get('errno')} {k.get('error')!r}")
    exp = expected_outcome(rep, False, [], False, res)
    c.check(rep.get("outcome") == exp, f"{what}: outcome {exp}", str(rep.get("outcome")))
    return d2, res


def sc_hwpi_twice_pfn(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    r = b.kvjson("vr.first")
    if not c.check(r is not None, "victim ready"):
        return
    pfn = h(r["pfn"])
    first = one_json(c, b, "first", "first inject --pfn")
    if first:
        pfn_report_basics(c, b, first, pfn, "first", boot)
        check_first_of_twice(c, b, r, first, pfn, "first", ver)
    sr = b.runs.get("second")
    if not c.check(sr is not None, "second: ran"):
        return
    objs = run_json(b, "second")
    if not c.check(len(objs) == 1, "second: one JSON report", str(sr["out"][:2])):
        return
    second = objs[0]
    pfn_report_basics(c, b, second, pfn, "second", boot)
    third = b.runs.get("third") or {}
    kt = "" if third.get("rc") == 0 else " ".join(third.get("err", [])) or "?"
    d2, res = check_second_of_twice(c, b, second, pfn, "second", ver, kt)
    al = [x for x in d2 if pfn_rx(pfn).search(x) and re.search(r"(?i)already", x)]
    c.check(bool(al), "kernel: logged that the page was already poisoned", "\n".join(d2))
    msgs = (second.get("kernel") or {}).get("messages") or []
    c.check(any(x in msgs for x in al), "second: the kernel's \"already\" line in kernel.messages",
            f"kernel {al}; report {msgs}")
    d3 = run_dmesg(b, "third")
    rx = pfn_rx(pfn)
    d2, d3 = [x for x in d2 if rx.search(x)], [x for x in d3 if rx.search(x)]
    c.check(d2 and d2 == d3,
            "kernel: a raw third write logs the same lines (so the second run saw the kernel's answer)",
            f"{d2} vs {d3}")


def sc_hwpi_twice_hwpoison(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    r = b.kvjson("vr.first")
    if not c.check(r is not None, "victim ready"):
        return
    pfn = h(r["pfn"])
    first = one_json(c, b, "first", "first inject hwpoison")
    if first:
        check_identity(c, r, first, "hwpoison", "first", boot)
        check_first_of_twice(c, b, r, first, pfn, "first", ver)
        v1 = [o for o in run_victim(b, "first") if o.get("event") == "sigbus"]
        sigs = first.get("signals") or []
        if ver >= (6, 11):
            c.check(len(v1) == 1 and v1[0].get("code") == BUS_MCEERR_AR,
                    "first: kernel: the victim got BUS_MCEERR_AR", str(v1))
        c.check(len(sigs) == len(v1) and all(
            s.get("code") == CODE_NAMES.get(v.get("code")) and h(s.get("addr")) == h(v.get("addr"))
            and s.get("source") == "ptrace" for s, v in zip(sigs, v1)),
            "first: report signals = the victim's", f"report {sigs} vs victim {v1}")
    pm = b.kvjson("pm_mid") or {}
    c.check(pm.get("present") is False, "kernel: the page is unmapped after the first", str(pm))
    sr = b.runs.get("second")
    if not c.check(sr is not None, "second: ran"):
        return
    objs = run_json(b, "second")
    if not c.check(len(objs) == 1, "second: one JSON report (the target still maps the address)",
                   f"rc={sr['rc']} out={sr['out'][:2]} err={sr['err'][:2]}"):
        return
    second = objs[0]
    c.check(second.get("pid") == r["pid"] and h(second.get("vaddr")) == h(r["vaddr"]),
            "second: pid and vaddr", f"{second.get('pid')} {second.get('vaddr')}")
    c.check(h(second.get("pfn")) == pfn,
            "second: pfn = the poisoned pfn (from the pagemap's hwpoison entry)",
            str(second.get("pfn")))
    # the kernel's own answer to the same madvise, by the victim itself afterwards
    m = [o for o in b.victim if o.get("event") == "madvise"]
    kt = None
    if c.check(bool(m), "kernel: the victim's own madvise on the address answered", str(m)):
        kt = "" if m[0].get("rc") == 0 else os.strerror(m[0].get("errno") or 0)
    d2, res = check_second_of_twice(c, b, second, pfn, "second", ver, kt)
    v2 = [o for o in run_victim(b, "second") if o.get("event") == "sigbus"]
    c.check(len(second.get("signals") or []) == len(v2), "second: report signals = the victim's",
            f"report {second.get('signals')} vs victim {v2}")
    c.check(second.get("target") == {"state": "alive"}, "second: target alive",
            str(second.get("target")))


def sc_hwpi_force_kernel(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    rs = b.kvjson("reserved") or {}
    if not c.check(rs.get("pfn") and (h(rs.get("flags")) >> 32) & 1, "a RESERVED page frame found",
                   str(rs)):
        return
    pfn = h(rs["pfn"])
    check_refusal(c, b, "noforce", EX_NOPERM, "without --force", r"--force")
    same_poison(c, b, "kpf_before", "kpf_noforce", "reserved frame without --force")
    rep = None
    fr = b.runs.get("force")
    if c.check(fr is not None, "--force: ran"):
        objs = run_json(b, "force")
        if c.check(len(objs) == 1, "--force: one JSON report", f"rc={fr['rc']} {fr['err'][:2]}"):
            rep = objs[0]
    if rep:
        pfn_report_basics(c, b, rep, pfn, "--force", boot)
        res = check_action(c, b, rep, pfn, "--force", source="tracepoint")
        c.check(res in ("Ignored", "Failed"),
                "--force: the kernel ignored or failed the kernel page", str(res))
        check_messages(c, b, rep, "--force", pfn=pfn)
        check_rc_errno(c, b, "force", rep, "--force")
        ka = b.kvjson("kpf_after")
        c.check(ka is not None and rep.get("poisoned") is ka.get("hwpoison"),
                "--force: poisoned = kpageflags HWPOISON", f"{rep.get('poisoned')} vs {ka}")
        c.check(rep.get("already_poisoned") is False, "--force: already_poisoned false")
        check_hc(c, b, "force", rep, "--force")
        check_tracepoints(c, rep, "--force", "used")
        check_counters(c, b, "force", rep, "--force", ver, res)
        exp = expected_outcome(rep, False, [], False, res)
        c.check(rep.get("outcome") == exp, f"--force: outcome {exp}", str(rep.get("outcome")))
    c.check(b.kv.get("alive_after") == boot["release"], "the VM lives on after it",
            str(b.kv.get("alive_after")))
    later = ORDER[ORDER.index(b.name) + 1:] if b.name in ORDER else []
    done = [n for n in later if BLOCKS[n].rc is not None]
    c.check(bool(done), "later scenarios ran to their end", str(later))


def sc_hwpi_overhead(c, b, ver, boot, args):
    c.check(b.rc == 0, "scenario rc=0", f"rc={b.rc}")
    r = b.kvjson("vr.ovh")
    if not c.check(r is not None and r.get("pages") == 40, "victim ready with 40 pages", str(r)):
        return
    n = int(b.kv.get("n") or 0)
    st = b.kv.get("tracing_hidden") or ""
    c.check("tracing=[tmpfs ]" in st and "events=no debug_events=no" in st,
            "second run: tracefs hidden", st)
    ms = {}
    for tag, first in (("tracepoint", 0), ("kmsg", n)):
        run = b.runs.get(tag)
        if not c.check(run is not None, f"{tag}: ran"):
            continue
        objs = run_json(b, tag)
        c.check(run["rc"] == 0, f"{tag}: exit 0", f"rc={run['rc']} {run['err'][:2]}")
        c.check(len(objs) == n == 20, f"{tag}: {n} reports for --count {n}", str(len(objs)))
        want = {h(r["vaddr"]) + (first + i) * 4096 for i in range(n)}
        got = {h(o.get("vaddr")) for o in objs}
        c.check(got == want, f"{tag}: the reports are the {n} pages of the range", f"{sorted(got - want)}")
        pfns = [h(o.get("pfn")) for o in objs]
        c.check(len(set(pfns)) == n, f"{tag}: {n} distinct pfns", str(pfns))
        bad = [o.get("vaddr") for o in objs if (o.get("kernel") or {}).get("errno") != 0
               or o.get("poisoned") is not True or o.get("already_poisoned") is not False]
        c.check(not bad, f"{tag}: every page injected (errno 0, poisoned, not before)", str(bad))
        srcs = {((o.get("kernel") or {}).get("action") or {}).get("source") for o in objs}
        c.check(srcs == {tag}, f"{tag}: every action from {tag}", str(srcs))
        for o in objs:
            check_tracepoints(c, o, f"{tag} {o.get('vaddr')}", "used" if tag == "tracepoint" else "fallback")
        mism = []
        for o in objs:
            p = h(o.get("pfn"))
            rx = re.compile(rf"(?<![0-9a-fA-Fx]){p:#x}: recovery action for (.+): (\w+)\s*$")
            k = [m.groups() for m in (rx.search(x) for x in dmesg_text(b)) if m]
            a = (o.get("kernel") or {}).get("action") or {}
            if not k or (a.get("page_type"), a.get("result")) != k[0]:
                mism.append((o.get("pfn"), a, k))
        c.check(not mism, f"{tag}: every action = the kernel's line for its pfn", str(mism[:3]))
        if ver >= (6, 12) and objs:
            # per report: before = the previous report's after (the kernel's, before the run,
            # for the first), after = the next report's before (the kernel's after the run, last)
            pre, post = b.kvjson(f"mfc_pre.{tag}"), b.kvjson(f"mfc_post.{tag}")
            cn = [((o.get("kernel") or {}).get("counters") or {}) for o in objs]
            for i, o in enumerate(objs):
                bf = pre if i == 0 else cn[i - 1].get("after")
                af = post if i == len(objs) - 1 else cn[i + 1].get("before")
                res = ((o.get("kernel") or {}).get("action") or {}).get("result")
                check_counters(c, b, tag, o, f"{tag} #{i}", ver, res, chain=(bf, af))
        elif objs:
            c.check(all((o.get("kernel") or {}).get("counters") is None for o in objs),
                    f"{tag}: counters null (< 6.12)")
        try:
            ms[tag] = float(b.kv.get(f"ms_per_injection.{tag}"))
        except (TypeError, ValueError):
            c.check(False, f"{tag}: timed", str(b.kv.get(f"ms_per_injection.{tag}")))
    if len(ms) == 2:
        print(f"INFO [{b.name}] kernel {boot['release']}: {n} corrupt-pfn injections, one hwpinject "
              f"run each: {ms['tracepoint']:.1f} ms per injection with tracepoints, "
              f"{ms['kmsg']:.1f} ms with kmsg only (tracefs hidden); observation by tracepoints "
              f"costs {ms['tracepoint'] - ms['kmsg']:+.1f} ms per injection "
              f"(x{ms['tracepoint'] / ms['kmsg']:.2f}) under qemu TCG")


def check_tracer_left(c, b):
    """after every hwpinject run with --pid: the target is not left traced or stopped"""
    tracer = None
    if b.name == "hwpi-refuse-traced":
        tracer = (b.kvjson("tracer") or {}).get("pid")
    for tag, run in b.runs.items():
        if not run["cmd"].startswith("hwpinject") or " --pid " not in f" {run['cmd']} ":
            continue
        st = b.kvjson(f"ptr.{tag}")
        if not c.check(st is not None, f"{tag}: target's TracerPid/State recorded"):
            continue
        if st.get("state") in ("gone", "Z"):
            ok = (b.kv.get("victim_exit") not in (None, "0")
                  or st.get("pid") == h(b.kv.get("dead_pid"))
                  or (tag == "zombie" and b.kv.get("zombie_state") == "Z"))
            c.check(ok, f"{tag}: target gone only because it died", str(st))
            continue
        exp = tracer if tracer is not None else 0
        c.check(st.get("tracer") == exp, f"{tag}: target's TracerPid {exp} afterwards", str(st))
        c.check(st.get("state") not in ("t", "T"), f"{tag}: target not left stopped (State {st.get('state')})",
                str(st))


SCENARIOS = {
    "env": sc_env,
    "corrupt-anon": sc_corrupt_anon,
    "corrupt-anon-early": sc_corrupt_anon_early,
    "unpoison-anon": sc_unpoison_anon,
    "soft-offline-phys": sc_soft_offline_phys,
    "hard-offline-phys": sc_hard_offline_phys,
    "hwpi-status": sc_hwpi_status,
    "hwpi-translate": sc_hwpi_translate,
    "hwpi-inject-corrupt": sc_hwpi_inject_corrupt,
    "hwpi-inject-hwpoison": sc_hwpi_inject_hwpoison,
    "hwpi-inject-early": sc_hwpi_inject_early,
    "hwpi-inject-early-many": sc_hwpi_inject_early_many,
    "hwpi-inject-no-observe": sc_hwpi_inject_no_observe,
    "hwpi-inject-hwpoison-many": sc_hwpi_inject_hwpoison_many,
    "hwpi-inject-soft": sc_hwpi_inject_soft,
    "hwpi-unpoison": sc_hwpi_unpoison,
    "hwpi-missing": sc_hwpi_missing,
    "hwpi-missing-debugfs": sc_hwpi_missing,
    "hwpi-autoload": sc_hwpi_autoload,
    "hwpi-campaign": sc_hwpi_campaign,
    "hwpi-sigterm": sc_hwpi_sigterm,
    "hwpi-populate": sc_hwpi_populate,
    "hwpi-refuse-more": sc_hwpi_refuse_more,
}
for k in ("anon", "shmem", "thp", "hugetlb", "mlocked", "file-dirty", "file-clean"):
    SCENARIOS[f"selfpoison-{k}"] = make_selfpoison(k)
for k in ("anon", "shmem", "thp", "file-dirty"):
    SCENARIOS[f"selfsoft-{k}"] = make_selfsoft(k)
HWPI_MATRIX = []
for k in HWPI_KINDS:
    for m in HWPI_METHODS:
        SCENARIOS[f"hwpi-{k}-{m}"] = make_hwpi_kind(k, m)
        HWPI_MATRIX.append(f"hwpi-{k}-{m}")
    SCENARIOS[f"hwpi-unpoison-{k}"] = make_hwpi_unpoison(k)
SCENARIOS.update({
    "hwpi-unpoison-pinned": sc_hwpi_unpoison_pinned,
    "hwpi-watch-late": sc_hwpi_watch(False),
    "hwpi-watch-early": sc_hwpi_watch(True),
    "hwpi-nohandler-hwpoison": sc_hwpi_nohandler("hwpoison"),
    "hwpi-nohandler-early": sc_hwpi_nohandler("corrupt-pfn"),
    "hwpi-threads": sc_hwpi_threads,
    "hwpi-blocked": sc_hwpi_blocked,
    "hwpi-refuse-pid1": sc_hwpi_refuse_pid1,
    "hwpi-refuse-traced": sc_hwpi_refuse_traced,
    "hwpi-refuse-nopid": sc_hwpi_refuse_nopid,
    "hwpi-refuse-unmapped": sc_hwpi_refuse_unmapped,
    "hwpi-refuse-kernel": sc_hwpi_refuse_kernel,
    "hwpi-report-kinds": make_report_kinds("tracepoint"),
    "hwpi-kmsg-fallback": make_report_kinds("kmsg"),
    "hwpi-trace-automount": sc_hwpi_trace_automount,
    "hwpi-tracefs-mount": sc_hwpi_tracefs_mount,
    "hwpi-shared-fork": sc_hwpi_shared_fork,
    "hwpi-twice-pfn": sc_hwpi_twice_pfn,
    "hwpi-twice-hwpoison": sc_hwpi_twice_hwpoison,
    "hwpi-force-kernel": sc_hwpi_force_kernel,
    "hwpi-overhead": sc_hwpi_overhead,
    "hwpi-run-handler": sc_hwpi_run("handler"),
    "hwpi-run-nohandler": sc_hwpi_run("nohandler"),
    "hwpi-run-every": sc_hwpi_run("every"),
    "hwpi-run-exhaust": sc_hwpi_run_exhaust,
})


PROBE_KINDS = ("anon", "shmem", "hugetlb")      # what guest.sh's hwpi-probe asks for
PROBE_HARD = ("hwpoison", "corrupt-pfn", "hard-offline-page")
PROBE_SOFT = ("soft-offline", "soft-offline-page")


def sig_code(sig):
    return sig.get("code") if isinstance(sig, dict) else None


def check_probe_output(c, b, tag, kinds, methods, ver, what):
    """the rows of one probe --json run and its summary; returns (rows by key, summary)"""
    r = b.runs.get(tag)
    if not c.check(r is not None and r["rc"] == 0, f"{what}: exit 0",
                   str(r and (r["rc"], r["err"][:3]))):
        return {}, None
    objs = run_json(b, tag)
    rows = {(o.get("kind"), o.get("method"), o.get("kill")): o for o in objs if "kind" in o}
    summ = objs[-1] if objs and "kernel" in objs[-1] else None
    if not c.check(summ is not None, f"{what}: summary object last", str(r["out"][-1:])):
        return rows, None
    want = [(k, m, kill) for k in kinds for m in methods
            for kill in ((None,) if m in PROBE_SOFT else ("late", "early"))]
    c.check(sorted(rows, key=str) == sorted(want, key=str) and summ.get("rows") == len(want),
            f"{what}: one row for each kind x method x kill ({len(want)})",
            f"missing {[w for w in want if w not in rows]}, extra "
            f"{[k for k in rows if k not in want]}, summary rows {summ.get('rows')}")
    c.check(summ.get("kernel") == b.kv.get("release", summ.get("kernel")),
            f"{what}: summary names the kernel", str(summ.get("kernel")))
    for key, row in sorted(rows.items(), key=str):
        k, m, kill = key
        name = f"{what}: {k} {m} {kill or '-'}"
        if not c.check(row.get("status") == "done", f"{name}: done",
                       f"{row.get('status')}: {row.get('reason')}"):
            continue
        at, acc = row.get("at_injection"), row.get("on_access")
        if m == "hwpoison" and kill == "late":
            if ver >= (6, 11):
                c.check(sig_code(at) == "BUS_MCEERR_AR", f"{name}: AR at injection (>= 6.11)",
                        str(at))
            else:
                c.check(at is None, f"{name}: no signal at injection (< 6.11)", str(at))
        if m in ("corrupt-pfn", "hard-offline-page"):
            if kill == "late":
                c.check(at is None and sig_code(acc) == "BUS_MCEERR_AR",
                        f"{name}: nothing at injection, AR on access", f"{at} / {acc}")
            else:
                c.check(sig_code(at) == "BUS_MCEERR_AO", f"{name}: AO at injection", str(at))
        if m in PROBE_SOFT:
            c.check(row.get("migrated") is True and at is None and acc is None,
                    f"{name}: migrated, no signal", f"migrated={row.get('migrated')} {at} {acc}")
        else:
            c.check(row.get("poisoned") is True, f"{name}: poisoned", str(row.get("poisoned")))
            c.check(row.get("unpoison") in ("unpoisoned", "refused"),
                    f"{name}: unpoison attempted", str(row.get("unpoison")))
        lsb = 21 if k == "hugetlb" else 12
        for s in (at, acc):
            if isinstance(s, dict) and s.get("signal") == "SIGBUS":
                c.check(s.get("addr_lsb") == lsb and s.get("addr") == row.get("vaddr"),
                        f"{name}: SIGBUS at the page, lsb {lsb}", str(s))
        c.check(isinstance(row.get("fate"), dict) and row["fate"].get("state") == "alive",
                f"{name}: the child (SIGBUS handler) is alive after the access",
                str(row.get("fate")))
        if row.get("unpoison") == "refused":
            c.check(row.get("pfn") in summ.get("left_poisoned", []),
                    f"{name}: a refused pfn is listed in left_poisoned", str(summ))
    return rows, summ


def sc_hwpi_probe(c, b, ver, boot, args):
    """hwpinject probe: its rows per kernel, HardwareCorrupted back to where it was but for
    left_poisoned (4 kB each, also a huge page), no child left, --compare 0 / 1"""
    rows, summ = check_probe_output(c, b, "probe", PROBE_KINDS,
                                    PROBE_HARD[:1] + PROBE_SOFT[:1] + PROBE_HARD[1:] +
                                    PROBE_SOFT[1:], ver, "probe")
    for tag, s in (("probe", summ),):
        try:
            delta = int(b.kv[f"hc_post.{tag}"]) - int(b.kv[f"hc_pre.{tag}"])
        except (KeyError, ValueError):
            delta = None
        if s is not None:
            c.check(delta == 4 * len(s.get("left_poisoned", [])),
                    f"{tag}: HardwareCorrupted after = before + 4 kB per left_poisoned pfn",
                    f"delta={delta} left={s.get('left_poisoned')}")
    c.check(b.kv.get("hwpinject_procs") == "0" and b.kv.get("hwpinject_procs2") == "0",
            "probe: no child of probe left", f"{b.kv.get('hwpinject_procs')} "
            f"{b.kv.get('hwpinject_procs2')}")
    c.check(b.kv.get("nr_hugepages_after") == b.kv.get("nr_hugepages_before"),
            "probe: nr_hugepages restored",
            f"{b.kv.get('nr_hugepages_before')} -> {b.kv.get('nr_hugepages_after')}")
    c.check(b.kv.get("early_kill_after") == b.kv.get("early_kill_before"),
            "probe: vm.memory_failure_early_kill restored",
            f"{b.kv.get('early_kill_before')} -> {b.kv.get('early_kill_after')}")
    check_probe_output(c, b, "probe2", ("anon",), ("hwpoison", "corrupt-pfn"), ver, "probe2")
    same = b.runs.get("cmp-same")
    c.check(same is not None and same["rc"] == 0,
            "probe --compare: the same rows of two runs -> exit 0",
            str(same and (same["rc"], same["out"][-6:], same["err"])))
    diff = b.runs.get("cmp-diff")
    if c.check(diff is not None and diff["rc"] == 1,
               "probe --compare: a copy with other fates -> exit 1",
               str(diff and (diff["rc"], diff["err"]))):
        out = "\n".join(diff["out"])
        c.check("anon hwpoison late:" in out and "fate.state: alive -> gone" in out,
                "probe --compare: names the differing row and field", out[:300])
        c.check(len(diff["err"]) == 1, "probe --compare: one stderr line", str(diff["err"]))


SCENARIOS["hwpi-probe"] = sc_hwpi_probe

VICTIM_FULL = ["env", "corrupt-anon", "corrupt-anon-early", "unpoison-anon",
               "selfpoison-anon", "selfpoison-shmem", "selfpoison-thp", "selfpoison-hugetlb",
               "selfpoison-mlocked", "selfpoison-file-dirty", "selfpoison-file-clean",
               "selfsoft-anon", "selfsoft-shmem", "selfsoft-thp", "selfsoft-file-dirty",
               "soft-offline-phys", "hard-offline-phys"]
HWPI_FULL = (["hwpi-status", "hwpi-translate", "hwpi-inject-corrupt", "hwpi-inject-hwpoison",
              "hwpi-inject-early", "hwpi-inject-early-many", "hwpi-inject-hwpoison-many",
              "hwpi-inject-no-observe",
              "hwpi-inject-soft", "hwpi-unpoison"]
             + HWPI_MATRIX + [f"hwpi-unpoison-{k}" for k in HWPI_KINDS]
             + ["hwpi-unpoison-pinned", "hwpi-watch-late", "hwpi-watch-early",
                "hwpi-nohandler-hwpoison", "hwpi-nohandler-early", "hwpi-threads", "hwpi-blocked",
                "hwpi-refuse-pid1", "hwpi-refuse-traced", "hwpi-refuse-nopid",
                "hwpi-refuse-unmapped", "hwpi-refuse-kernel",
                "hwpi-report-kinds", "hwpi-shared-fork", "hwpi-twice-pfn", "hwpi-twice-hwpoison",
                "hwpi-trace-automount", "hwpi-kmsg-fallback", "hwpi-force-kernel",
                "hwpi-overhead", "hwpi-sigterm", "hwpi-populate", "hwpi-refuse-more",
                "hwpi-run-handler", "hwpi-run-nohandler", "hwpi-run-every", "hwpi-run-exhaust",
                "hwpi-probe"])


def sc_hwpi_journal_kill(c, b, ver, boot, args):
    """run --journal killed with SIGKILL, then unpoison --journal: nothing left poisoned that
    the kernel lets go, the sysctl back to its value from before"""
    k = b.runs.get("killed")
    if not c.check(k is not None and k["rc"] == 128 + 9, "hwpinject run was SIGKILLed",
                   str(k and k["rc"])):
        return
    c.check(b.kv.get("journal_mode") == "600", "journal created with mode 0600",
            str(b.kv.get("journal_mode")))
    jl = (b.runs.get("journal") or {}).get("out", [])
    injects = [x for x in jl if x.startswith("inject ")]
    c.check(jl[:1] == ["hwpinject-journal 1"], "journal header", str(jl[:1]))
    c.check(len(injects) >= 1, "the journal recorded the injections made before the kill",
            str(jl[:6]))
    c.check(any(x.startswith("sysctl vm.memory_failure_early_kill=") for x in jl),
            "the journal recorded the early-kill sysctl before changing it", str(jl[:4]))
    reps = [o for o in run_json(b, "killed") if "method" in o]
    c.check(len(injects) >= len(reps), "every reported injection was journalled first",
            f"{len(injects)} records, {len(reps)} reports")
    u = b.runs.get("unpoison")
    if not c.check(u is not None, "unpoison --journal ran"):
        return
    objs = run_json(b, "unpoison")
    if not c.check(objs and "journal" in objs[-1], "a summary object last", str(u["out"][-2:])):
        return
    summ, pages = objs[-1], objs[:-1]
    c.check(summ.get("pages") == len(pages) >= 1 and
            summ.get("unpoisoned") + summ.get("not_poisoned") + len(summ.get("refused", []))
            == len(pages), "summary: pages = unpoisoned + not_poisoned + refused, one report each",
            str(summ))
    c.check(u["rc"] == (1 if summ.get("refused") else 0),
            "exit 0 when all were unpoisoned, 1 when the kernel refused some",
            f"rc={u['rc']} refused={summ.get('refused')}")
    refused = {h(x) for x in summ.get("refused", [])}
    c.check(refused == {h(p["pfn"]) for p in pages if p.get("outcome") == "refused"},
            "summary lists exactly the refused pages", str(summ.get("refused")))
    try:
        before, after = int(b.kv["hc_journal_before"]), int(b.kv["hc_journal_after"])
    except (KeyError, ValueError):
        c.check(False, "HardwareCorrupted recorded")
        return
    c.check(after == before + 4 * len(refused),
            "HardwareCorrupted back to its value before, but for the refused pages",
            f"before {before} kB, after kill {b.kv.get('hc_journal_killed')} kB, after {after} kB, "
            f"{len(refused)} refused")
    ek0, ekk = b.kv.get("early_kill_before"), b.kv.get("early_kill_killed")
    c.check(b.kv.get("early_kill_after") == ek0,
            "vm.memory_failure_early_kill back to its old value",
            f"{ek0} -> killed {ekk} -> {b.kv.get('early_kill_after')}")
    want = [] if ekk == ek0 else [{"name": "vm.memory_failure_early_kill", "value": int(ek0)}]
    c.check(summ.get("sysctls_restored") == want, "summary: the sysctls it restored",
            str(summ.get("sysctls_restored")))
    if ekk == ek0:
        c.note("killed between injections: the sysctl had been restored already")
    u2 = run_json(b, "unpoison2")
    c.check(u2 and u2[-1].get("pages") == len(refused) and u2[-1].get("sysctls_restored") == [],
            "a second unpoison --journal has only the refused pages left",
            str(u2[-1] if u2 else None))


SCENARIOS["hwpi-journal-kill"] = sc_hwpi_journal_kill
HWPI_FULL += ["hwpi-journal-kill", "hwpi-campaign"]
__import__("check_faults").register(sys.modules[__name__])  # tests/vm/check_faults.py
__import__("check_badinput").register(sys.modules[__name__])  # tests/vm/check_badinput.py


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("log")
    ap.add_argument("--scenario", default=None,
                    help="expected boot scenario (default: what the guest reported)")
    ap.add_argument("--release", default=None, help="expected kernel release (uname -r)")
    ap.add_argument("--release-file", default=None, help="file holding the expected release")
    ap.add_argument("--require-hwpinject", action="store_true",
                    help="hwpinject scenarios must be present")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if args.release_file and not args.release:
        with open(args.release_file) as f:
            args.release = f.read().strip()

    c = Checker(args.verbose)
    try:
        boot, blocks, order = parse(args.log)
    except OSError as e:
        print(f"FAIL cannot read {args.log}: {e}")
        return 1
    boot_release[0] = boot["release"]
    BLOCKS.update(blocks)
    ORDER.extend(order)
    c.check(boot["release"] is not None, "boot: guest started (@@BOOT)")
    c.check(boot["done"], "boot: guest finished (@@DONE)")
    c.check(not boot["insmod_failed"], "boot: all modules loaded", "; ".join(boot["insmod_failed"]))
    bad = [x for x in boot["lines"] if re.search(r"Kernel panic|BUG:|Oops|Call Trace", x)]
    c.check(not bad, "boot: no kernel panic/oops/BUG", "; ".join(bad[:3]))
    # a sanitizer build of hwpinject (vm-test-asan): any report is a failure
    san = [x for x in boot["lines"] if re.search(
        r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|Sanitizer:DEADLYSIGNAL", x)]
    c.check(not san, "boot: no AddressSanitizer/LeakSanitizer/UBSan report", "; ".join(san[:3]))
    scen = args.scenario or boot["scenario"]
    if args.scenario:
        c.check(boot["scenario"] == args.scenario, f"boot: scenario {args.scenario}",
                str(boot["scenario"]))
    ver = version_of(boot["release"])
    print(f"INFO kernel {boot['release']} (version {ver[0]}.{ver[1]}), scenario {scen}, "
          f"{len(order)} scenarios in the log")

    if scen == "full":
        expected = list(VICTIM_FULL)
        has_hwpi = "env" in blocks and blocks["env"].kv.get("hwpinject") == "yes"
        if args.require_hwpinject:
            c.check(has_hwpi, "hwpinject is in the image")
        if has_hwpi or args.require_hwpinject:
            expected += HWPI_FULL
    elif scen == "hwpi":
        expected = ["env"] + HWPI_FULL
    elif scen in ("nomodule", "nodebugfs", "missing"):
        expected = ["env"] + (["hwpi-missing"] if args.require_hwpinject else [])
        if scen == "missing" and args.require_hwpinject:
            expected += ["hwpi-tracefs-mount", "hwpi-missing-debugfs", "hwpi-autoload"]
    else:
        expected = [s for s in scen.split(",")]
    for name in expected:
        if not c.check(name in blocks, f"[{name}] scenario ran"):
            continue
    for name in order:
        fn = SCENARIOS.get(name)
        c.prefix = f"[{name}] "
        if fn is None:
            c.note("no checks defined")
            continue
        b = blocks[name]
        if b.rc is None:
            c.check(False, "scenario ended (@@END)")
            continue
        if b.rc == 2 and name.startswith(("self", "hwpi-")) and "file" in name:
            c.check(False, "needs a block-backed filesystem (setup_filefs failed)")
            continue
        try:
            fn(c, b, ver, boot, args)
            if name.startswith("hwpi-"):
                check_tracer_left(c, b)
        except Exception as e:  # a crash in a check is a failure, not a traceback
            c.check(False, "checker raised", f"{type(e).__name__}: {e}")
    c.prefix = ""
    hw = [x for x in c.failed if x.startswith("[hwpi-")]
    print(f"SUMMARY kernel {boot['release']}: {c.passed} passed, {len(c.failed)} failed"
          + (f" ({len(hw)} of them in hwpinject scenarios)" if hw else ""))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
