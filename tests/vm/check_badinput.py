"""check_badinput.py — the checks of issue 9 in the VM, registered into check.py by
register(check_module):

- hwpi-badinput (tests/vm/guest-badinput.sh): each row of bad input against a live kernel and
  victim gives its documented exit status and exactly one stderr line saying why (ROWS), and
  changes nothing: HardwareCorrupted, the victim page's kpageflags, the memory-failure
  sysctls, no task of the VM traced or stopped (bi_pre.TAG == bi_post.TAG); no audit line is
  written (nothing was injected); the victim's page and content are as before.
- the audit line (hwpinject(8), AUDIT), in every scenario: one line
  "hwpinject[PID]: op=inject method=M pfn=0x.. phys=0x.. pid=P vaddr=0x.. uid=U auid=A comm=C"
  per injection that hwpinject reported (and op=unpoison per unpoison), with the report's
  method, pfn and pid; never one for a --dry-run; never among a report's kernel.messages
  (check.py leaves them out of "the kernel's lines", see dmesg_text()).
"""
import re
from collections import Counter

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_NOPERM = 64, 65, 66, 77
M = None  # the check module

AUDIT_RX = re.compile(r"^hwpinject\[(\d+)\]: op=(inject|unpoison) method=(\S+) pfn=(\S+) "
                      r"phys=(\S+) pid=(\S+) vaddr=(\S+) uid=(\d+) auid=(\S+) comm=(\S+)$")
AUDIT_ANY = re.compile(r"^hwpinject\[\d+\]: op=")
METHODS = ("hwpoison", "soft-offline", "corrupt-pfn", "soft-offline-page", "hard-offline-page")

NUM = r"is not a number"
BIG = r"too large"
# tag -> (exit status (or a tuple: one of them, as the kernel's kpageflags say), regex of the
# one stderr line); stdout must be empty but for status 0
# and the campaign rows (their summary)
ROWS = {
    "unmapped": (EX_DATAERR, r"0x1000 is not mapped in pid \d+"),
    "unmapped_early": (EX_DATAERR, r"0x1000 is not mapped"),
    "unmapped_pfnm": (EX_DATAERR, r"0x1000 is not mapped"),
    "unmapped_soft": (EX_DATAERR, r"0x1000 is not mapped"),
    "addr_top": (EX_DATAERR, r"0xfffffffffffff000 is not mapped"),
    "addr_2_64": (EX_DATAERR, BIG),
    "unaligned_dry": (0, None),
    "translate_unmapped": (EX_DATAERR, r"0x1000 is not mapped"),
    "pfn_last": (0, None),
    "pfn_ram_end": ((EX_DATAERR, EX_NOPERM), r"pfn {ram_end_pfn} is beyond the last pfn|refusing pfn {ram_end_pfn}: "),
    "pfn_end": (EX_DATAERR, r"pfn {maxpfn} is beyond the last pfn"),
    "pfn_end_early": (EX_DATAERR, r"pfn {maxpfn} is beyond the last pfn"),
    "pfn_huge": (EX_DATAERR, r"beyond the last pfn"),
    "pfn_2_64": (EX_DATAERR, BIG),
    "phys_end": (EX_DATAERR, r"pfn {maxpfn} is beyond the last pfn"),
    "unpoison_end": (EX_DATAERR, r"pfn {maxpfn} is beyond the last pfn"),
    "pid1": (EX_NOPERM, r"refusing to inject into pid 1 \(init\)"),
    "pid1_pfn": (EX_NOPERM, r"refusing to inject into pid 1 \(init\)"),
    "kthreadd": (EX_NOPERM, r"pid 2 is a kernel thread.*; target a user process"),
    "kthreadd_region": (EX_NOPERM, r"pid 2 is a kernel thread.*; target a user process"),
    "kthreadd_translate": (EX_NOPERM, r"pid 2 is a kernel thread.*; target a user process"),
    "kthreadd_unpoison": (EX_NOPERM, r"pid 2 is a kernel thread.*; target a user process"),
    "kworker": (EX_NOPERM, r"pid {kworker} is a kernel thread"),
    "exited": (EX_NOINPUT, r"no process with pid {dead_pid}"),
    "exited_translate": (EX_NOINPUT, r"no process with pid {dead_pid}"),
    "zombie": (EX_NOINPUT, r"pid \d+ is a zombie"),
    "own_pid": (EX_NOPERM, r"refusing to inject into hwpinject itself"),
    "own_pid_pfn": (EX_NOPERM, r"refusing to inject into hwpinject itself"),
    "method_bogus": (EX_USAGE, r"unknown method 'bogus'"),
    "method_nopid": (EX_USAGE, r"--method hwpoison needs a --pid target"),
    "pfn_and_pid": (EX_USAGE, r"exclude each other"),
    "pid_twice": (EX_USAGE, r"--pid given twice"),
    "early_late": (EX_USAGE, r"--early-kill and --late-kill exclude each other"),
    "expect_bogus": (EX_USAGE, r"unknown outcome 'bogus'"),
    "watch_bad": (EX_DATAERR, r"--watch: '-1' is not a duration"),
    "missing_addr": (EX_USAGE, r"--pid needs --addr or --region"),
    "missing_value": (EX_USAGE, r"bad option '--addr'"),
    "pid_bad": (EX_DATAERR, r"--pid: '-1' " + NUM),
    "journal_notj": (EX_DATAERR, r"is not a hwpinject journal"),
    "journal_nodir": (EX_NOINPUT, r"cannot open journal .*No such file"),
    "campaign_nul": (EX_DATAERR, r"nul.campaign: line 2: NUL byte"),
    "campaign_long": (EX_DATAERR, r"long.campaign: line 2: line longer than 4096 bytes"),
    "campaign_pid1": (1, r"1 of 1 steps failed \(the first at line 1: refusing to inject into pid 1"),
    "campaign_unmapped": (1, r"1 of 1 steps failed \(the first at line 1: .*0x1000 is not mapped"),
    "run_missing": (EX_NOINPUT, r"/nonexistent/command"),
}


def sc_hwpi_badinput(c, b, ver, boot, args):
    r = M.ready(b)
    M.common(c, b, r)
    if r is None:
        return
    subst = {k: b.kv.get(k, "") for k in ("maxpfn", "ram_end_pfn", "kworker", "dead_pid")}
    c.check(re.match(r"^0x[0-9a-f]+$", subst["maxpfn"]) is not None, "the end of memory found",
            subst["maxpfn"])
    c.check(b.kv.get("dead_pid_exists") == "no", "the exited pid is gone",
            str(b.kv.get("dead_pid_exists")))
    c.check(b.kv.get("zombie_state") == "Z", "a zombie to target", str(b.kv.get("zombie_state")))
    for tag, (status, rx) in ROWS.items():
        u = b.runs.get(tag)
        if tag == "kworker" and u is None and not subst["kworker"]:
            c.note("kworker: no kworker thread found")
            continue
        if not c.check(u is not None, f"{tag}: ran"):
            continue
        errs = [x for x in u["err"] if x.strip()]
        outs = [x for x in u["out"] if x.strip()]
        ok = status if isinstance(status, tuple) else (status,)
        c.check(u["rc"] in ok, f"{tag}: exit {' or '.join(map(str, ok))}",
                f"rc={u['rc']} stderr={errs} ({u['cmd']})")
        if status == 0:
            c.check(not errs, f"{tag}: nothing on stderr", str(errs))
        else:
            if c.check(len(errs) == 1 and errs[0].startswith("hwpinject: "),
                       f"{tag}: exactly one line on stderr", str(errs)):
                want = rx.format(**subst)
                c.check(re.search(want, errs[0]) is not None, f"{tag}: stderr says why ({want})",
                        errs[0])
                c.check("; " in errs[0], f"{tag}: stderr says what to do (\"; ...\")", errs[0])
            if not tag.startswith("campaign"):
                c.check(not outs, f"{tag}: nothing on stdout", str(outs[:2]))
        pre, post = b.kvjson(f"bi_pre.{tag}"), b.kvjson(f"bi_post.{tag}")
        if c.check(pre is not None and post is not None, f"{tag}: state recorded before and after",
                   f"{b.kv.get(f'bi_pre.{tag}')} / {b.kv.get(f'bi_post.{tag}')}"):
            for key in ("hc", "early_kill", "recovery", "enable_soft_offline", "kpf"):
                c.check(pre.get(key) == post.get(key), f"{tag}: {key} unchanged",
                        f"{pre.get(key)} -> {post.get(key)}")
            c.check(post.get("traced") == [], f"{tag}: no task traced or stopped afterwards",
                    str(post.get("traced")))
    # the rows that succeed: what they printed
    dry = M.run_json(b, "unaligned_dry")
    if c.check(len(dry) == 1, "unaligned_dry: one report", str(dry)[:200]):
        c.check(M.h(dry[0].get("vaddr")) == M.h(r["vaddr"]),
                "unaligned_dry: the address rounded down to its page",
                f"{dry[0].get('vaddr')} vs {r['vaddr']}")
        c.check(dry[0].get("dry_run") is True, "unaligned_dry: dry_run true", str(dry[0].get("dry_run")))
    last = M.run_json(b, "pfn_last")
    maxpfn = M.h(subst["maxpfn"]) if subst["maxpfn"] else None
    c.check(len(last) == 1 and maxpfn is not None and M.h(last[0].get("pfn")) == maxpfn - 1,
            "pfn_last: the pfn before the end of memory is valid", str(last)[:200])
    c.check(b.kv.get("notj_before") == b.kv.get("notj_after") and b.kv.get("notj_before"),
            "journal_notj: the file that is not a journal left as it was",
            f"{b.kv.get('notj_before')} -> {b.kv.get('notj_after')}")
    # nothing was injected: no audit line, the victim's page where it was and intact
    audits = [x for x in M.dmesg_raw(b) if AUDIT_ANY.search(x)]
    c.check(not audits, "no audit line (nothing injected)", str(audits[:3]))
    pf = M.ev(b, "pfn")
    c.check(len(pf) >= 2 and all(M.h(p.get("pfn")) == M.h(r["pfn"]) for p in pf),
            "victim's page still at its pfn", str(pf))
    k = M.ev(b, "check")
    c.check(bool(k) and k[0].get("intact") is True, "victim's content intact", str(k))
    c.check(not M.ev(b, "sigbus"), "victim got no SIGBUS", str(M.ev(b, "sigbus")))


# ---------------- the audit line, in every scenario ----------------

def _key(op, method, pfn, pid):
    return (op, method, "-" if pfn is None else f"{M.h(pfn):#x}", "-" if pid is None else str(pid))


def expected_audits(b):
    """(op, method, pfn, pid) of each injection/unpoison the block's hwpinject runs reported,
    and the --pid of each run that failed (not 0/1) without a report: the audit line records
    the attempt, which may fail after it (another tracer holds the target for the remote
    madvise); None if they cannot be counted (a run without JSON output, or killed)"""
    exp, attempts = Counter(), Counter()
    for tag, run in b.runs.items():
        words = run["cmd"].split()
        if not words or words[0] != "hwpinject":
            continue
        sub = next((w for w in words[1:] if not w.startswith("-")), None)
        if sub not in ("inject", "unpoison", "run", "campaign", "probe"):
            continue
        if "--dry-run" in words:
            continue
        js = sub == "campaign" or "--json" in words or "-j" in words
        # (run passes the command's status on: 128+N is the command's death, not hwpinject's)
        if not js or run["rc"] < 0 or (run["rc"] >= 128 and sub != "run"):
            return None
        objs = M.run_json(b, tag)
        if run["rc"] not in (0, 1) and not objs and sub == "inject" and "--pid" in words[:-1]:
            attempts[words[words.index("--pid") + 1]] += 1
        for o in objs:
            if "kind" in o and "status" in o:       # a probe row
                if o.get("status") == "done":
                    exp[_key("inject", o.get("method"), o.get("pfn"), o.get("pid"))] += 1
                continue
            m = o.get("method")
            if o.get("dry_run") is True or m is None:
                continue
            if m == "unpoison":
                if o.get("outcome") not in (None, "dry-run"):
                    exp[_key("unpoison", "unpoison-pfn", o.get("pfn"), None)] += 1
            elif m in METHODS:
                exp[_key("inject", m, o.get("pfn"), o.get("pid"))] += 1
    return exp, attempts


def check_audit(c, b):
    lines = [x for x in M.dmesg_raw(b) if AUDIT_ANY.search(x)]
    probe = any(r["cmd"].split()[1:2] == ["probe"] for r in b.runs.values()
                if r["cmd"].startswith("hwpinject"))
    got, bad = Counter(), []
    for x in lines:
        m = AUDIT_RX.search(x)
        if m is None:
            bad.append(x)
            continue
        op, method, pfn, phys, pid, vaddr, uid, auid, comm = m.groups()[1:]
        if (method not in METHODS + ("unpoison-pfn",) or comm != "hwpinject" or uid != "0"
                or (op == "unpoison") != (method == "unpoison-pfn")
                or (pfn != "-" and int(phys, 16) != int(pfn, 16) * 4096)
                or (pid == "-") != (vaddr == "-")):
            bad.append(x)
        if probe and op == "unpoison":
            continue    # probe's unpoisons are not in its rows one by one
        got[(op, method, pfn, pid)] += 1
    if lines:
        c.check(not bad, "audit lines well-formed (fields, method, uid 0, comm hwpinject, phys = pfn * 4096)",
                str(bad[:3]))
    counted = expected_audits(b)
    if counted is None:
        if lines:
            c.note(f"{len(lines)} audit lines; the runs cannot be counted (no JSON, or killed)")
        return
    exp, attempts = counted
    if not exp and not got:
        return
    missing, extra = exp - got, got - exp
    for key in sorted(extra):      # attempts that failed without a report, one per run
        n = min(extra[key], attempts[key[3]])
        if key[0] == "inject" and n:
            extra[key] -= n
            attempts[key[3]] -= n
    extra = +extra
    c.check(not missing and not extra,
            f"one audit line per injection/unpoison reported ({sum(exp.values())}), with its method, pfn and pid",
            f"missing {dict(missing)}; not reported {dict(extra)}")


def _with_audit(fn):
    def wrapped(c, b, ver, boot, args):
        fn(c, b, ver, boot, args)
        check_audit(c, b)
    return wrapped


def register(m):
    """add hwpi-badinput to check.py's SCENARIOS and the full boot's list, and the audit-line
    check to every scenario"""
    global M
    M = m
    m.SCENARIOS["hwpi-badinput"] = sc_hwpi_badinput
    m.HWPI_FULL += ["hwpi-badinput"]
    for name, fn in list(m.SCENARIOS.items()):
        m.SCENARIOS[name] = _with_audit(fn)
