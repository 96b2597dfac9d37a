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

VICTIM_FULL = ["env", "corrupt-anon", "corrupt-anon-early", "unpoison-anon",
               "selfpoison-anon", "selfpoison-shmem", "selfpoison-thp", "selfpoison-hugetlb",
               "selfpoison-mlocked", "selfpoison-file-dirty", "selfpoison-file-clean",
               "selfsoft-anon", "selfsoft-shmem", "selfsoft-thp", "selfsoft-file-dirty",
               "soft-offline-phys", "hard-offline-phys"]
HWPI_FULL = ["hwpi-status", "hwpi-translate", "hwpi-inject-corrupt", "hwpi-inject-hwpoison",
             "hwpi-inject-early", "hwpi-inject-soft", "hwpi-unpoison"]


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
        if b.rc == 2 and name.startswith("self") and "file" in name:
            c.check(False, "needs a block-backed filesystem (setup_filefs failed)")
            continue
        try:
            fn(c, b, ver, boot, args)
        except Exception as e:  # a crash in a check is a failure, not a traceback
            c.check(False, "checker raised", f"{type(e).__name__}: {e}")
    c.prefix = ""
    hw = [x for x in c.failed if x.startswith("[hwpi-")]
    print(f"SUMMARY kernel {boot['release']}: {c.passed} passed, {len(c.failed)} failed"
          + (f" ({len(hw)} of them in hwpinject scenarios)" if hw else ""))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
