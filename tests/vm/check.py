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


def dmesg_text(b):
    """the scenario's kernel messages without busybox dmesg's "[  12.345678] " prefix"""
    return [DMESG_TS.sub("", x) for x in b.dmesg]


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


def check_messages(c, b, rep, what, pfn=None, select=None):
    """kernel.messages are dmesg lines; with pfn: every dmesg line naming the pfn (optionally
    only those `select` accepts) is among them"""
    msgs = (rep.get("kernel") or {}).get("messages")
    if not c.check(isinstance(msgs, list), f"{what}: kernel.messages array", str(msgs)):
        return
    dm = dmesg_text(b)
    extra = [m for m in msgs if m not in dm]
    c.check(not extra, f"{what}: kernel.messages are lines of the kernel log", f"not in dmesg: {extra}")
    if pfn is not None:
        rx = pfn_rx(pfn)
        naming = [x for x in dm if rx.search(x) and (select is None or select(x))]
        absent = [x for x in naming if x not in msgs]
        c.check(not absent, f"{what}: every kernel log line naming the pfn is in kernel.messages",
                f"missing {absent}; messages {msgs}")


def check_action(c, b, rep, pfn, what):
    """kernel.action = the kernel's own "PFN: recovery action for TYPE: RESULT" line, else null"""
    act = (rep.get("kernel") or {}).get("action")
    rx = re.compile(rf"(?<![0-9a-fA-Fx]){pfn:#x}: recovery action for (.+): "
                    r"(Ignored|Failed|Delayed|Recovered)\s*$")
    found = [m for m in (rx.search(x) for x in dmesg_text(b)) if m]
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
    result = check_action(c, b, rep, pfn, what)
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
                  or st.get("pid") == h(b.kv.get("dead_pid")))
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
    "hwpi-inject-soft": sc_hwpi_inject_soft,
    "hwpi-unpoison": sc_hwpi_unpoison,
    "hwpi-missing": sc_hwpi_missing,
    "hwpi-missing-debugfs": sc_hwpi_missing,
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
})

VICTIM_FULL = ["env", "corrupt-anon", "corrupt-anon-early", "unpoison-anon",
               "selfpoison-anon", "selfpoison-shmem", "selfpoison-thp", "selfpoison-hugetlb",
               "selfpoison-mlocked", "selfpoison-file-dirty", "selfpoison-file-clean",
               "selfsoft-anon", "selfsoft-shmem", "selfsoft-thp", "selfsoft-file-dirty",
               "soft-offline-phys", "hard-offline-phys"]
HWPI_FULL = (["hwpi-status", "hwpi-translate", "hwpi-inject-corrupt", "hwpi-inject-hwpoison",
              "hwpi-inject-early", "hwpi-inject-soft", "hwpi-unpoison"]
             + HWPI_MATRIX + [f"hwpi-unpoison-{k}" for k in HWPI_KINDS]
             + ["hwpi-unpoison-pinned", "hwpi-watch-late", "hwpi-watch-early",
                "hwpi-nohandler-hwpoison", "hwpi-nohandler-early", "hwpi-threads", "hwpi-blocked",
                "hwpi-refuse-pid1", "hwpi-refuse-traced", "hwpi-refuse-nopid",
                "hwpi-refuse-unmapped", "hwpi-refuse-kernel"])


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
    c.check(boot["release"] is not None, "boot: guest started (@@BOOT)")
    c.check(boot["done"], "boot: guest finished (@@DONE)")
    c.check(not boot["insmod_failed"], "boot: all modules loaded", "; ".join(boot["insmod_failed"]))
    bad = [x for x in boot["lines"] if re.search(r"Kernel panic|BUG:|Oops|Call Trace", x)]
    c.check(not bad, "boot: no kernel panic/oops/BUG", "; ".join(bad[:3]))
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
    elif scen in ("nomodule", "nodebugfs", "missing"):
        expected = ["env"] + (["hwpi-missing"] if args.require_hwpinject else [])
        if scen == "missing" and args.require_hwpinject:
            expected.append("hwpi-missing-debugfs")
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
