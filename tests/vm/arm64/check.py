#!/usr/bin/env python3
"""check.py LOG — assert the outcomes of one arm64 VM boot (tests/vm/arm64/guest.sh).

Prints PASS/FAIL per check and a SUMMARY line; exit 1 on any FAIL or anything missing.

test-remote runs here on a kernel where MADV_HWPOISON really poisons (6.11+: SIGBUS
BUS_MCEERR_AR during the madvise) and expects that itself: in every mode the target's handler
must see that SIGBUS exactly ("# MODE tid N: the target's handler saw the real SIGBUS: ..."), and
in threads mode the later threads' MADV_HWPOISON of the poisoned page gets EFAULT.  Any FAIL line
of test-remote is a failure here; there is no whitelist.  (Until lib/remote.c re-entered the
target's interrupted syscall before releasing the signals it passes on (rm_reenter(),
HWPI_ARCH_RESTART_BEFORE_STOP), pause mode failed here: arm64 decides a syscall's restart before
the ptrace stop, so pause() restarted after the handler instead of returning EINTR.)
"""
import json
import re
import sys

MODES = ["loop", "pause", "sleep", "threads"]

results = []


def check(ok, name, detail=""):
    results.append(("PASS" if ok else "FAIL", name, detail))
    return ok


def sections(lines):
    out, cur = {}, None
    for ln in lines:
        m = re.match(r"^@@BEGIN (\S+)", ln)
        if m:
            cur = m.group(1)
            out[cur] = {"lines": [], "rc": None}
            continue
        m = re.match(r"^@@END (\S+) rc=(\d+)", ln)
        if m and cur == m.group(1):
            out[cur]["rc"] = int(m.group(2))
            cur = None
            continue
        if cur:
            out[cur]["lines"].append(ln)
    return out


def check_test_remote(sec):
    if not check(sec is not None and sec["rc"] is not None, "test-remote: ran to its end"):
        return
    tr = [ln[4:] for ln in sec["lines"] if ln.startswith("@TR ")]
    for mode in MODES:
        check(any(l == f"# mode {mode}" for l in tr), f"test-remote: mode {mode} ran")
        hp = [l for l in tr if re.match(rf"# {mode} tid \d+: MADV_HWPOISON accepted", l)]
        check(len(hp) == 1 and hp[0].endswith("1 signal(s) at injection"),
              f"test-remote: {mode}: real MADV_HWPOISON with one SIGBUS at injection",
              "; ".join(hp) or "no such line")
        saw = [l for l in tr if re.match(
            rf"# {mode} tid (\d+): the target's handler saw the real SIGBUS: "
            r"sigbus code=4 addr=0x[0-9a-f]+ lsb=12 tid=\1$", l)]
        check(len(saw) == 1, f"test-remote: {mode}: the target's handler saw the real SIGBUS "
              "(BUS_MCEERR_AR, lsb 12)", "; ".join(saw) or "no such line")
    again = [l for l in tr if re.match(r"# threads tid \d+: MADV_HWPOISON of the page already "
                                       r"poisoned: EFAULT$", l)]
    check(len(again) == 3, "test-remote: threads: the other 3 threads get EFAULT for the "
          "poisoned page", f"{len(again)} lines")
    for part in ["stopped target", "target exits / is killed during the injection",
                 "refusals", "refusals from a fake /proc"]:
        check(f"# {part}" in tr, f"test-remote: part '{part}' ran")
    fails = [l for l in tr if l.startswith("FAIL ")]
    for l in fails:
        check(False, "test-remote: failure", l)
    m = [l for l in tr if re.match(r"^\d+ failure\(s\)$", l) or l == "all remote tests passed"]
    n = int(m[-1].split()[0]) if m and m[-1][0].isdigit() else 0
    check(bool(m) and n == len(fails), "test-remote: its failure count matches",
          f"{m[-1] if m else 'no summary line'}, {len(fails)} FAIL lines")
    check(sec["rc"] == 0, "test-remote: exit status 0", f"rc={sec['rc']}")


def jlines(sec, prefix):
    out = []
    for ln in sec["lines"]:
        if ln.startswith(prefix):
            try:
                out.append(json.loads(ln[len(prefix):]))
            except ValueError:
                pass
    return out


def check_hwpi(name, sec):
    if not check(sec is not None and sec["rc"] == 0, f"{name}: scenario ran"):
        return
    ready = [v for v in jlines(sec, "@V ") if v.get("event") == "ready"]
    rep = jlines(sec, "@OUT inject ")
    run = [l for l in sec["lines"] if l.startswith("@RUN inject ")]
    errs = [l for l in sec["lines"] if l.startswith("@ERR inject ")]
    if not check(len(ready) == 1 and len(rep) == 1 and len(run) == 1,
                 f"{name}: victim ready, one hwpinject report",
                 f"{len(ready)} ready, {len(rep)} reports, {run} {errs}"):
        return
    v, r = ready[0], rep[0]
    check(" rc=0 " in run[0], f"{name}: hwpinject exit 0", run[0] + " " + " ".join(errs))
    same = all(r.get(k) == v.get(k) for k in ("pid", "vaddr", "pfn", "page_size", "mapping"))
    check(same, f"{name}: report's pid/vaddr/pfn/page_size/mapping = the victim's view",
          f"report {[r.get(k) for k in ('pid', 'vaddr', 'pfn', 'page_size', 'mapping')]} "
          f"victim {[v.get(k) for k in ('pid', 'vaddr', 'pfn', 'page_size', 'mapping')]}")
    check("arm64" in r.get("kernel", {}).get("release", ""), f"{name}: arm64 kernel",
          r.get("kernel", {}).get("release"))
    check(r.get("target", {}).get("state") == "alive", f"{name}: target alive",
          str(r.get("target")))
    ptr = [json.loads(l.split(" ", 2)[2]) for l in sec["lines"] if l.startswith("@KV ptr.")]
    check(len(ptr) == 1 and ptr[0]["tracer"] == 0 and ptr[0]["state"] not in ("t", "T"),
          f"{name}: victim untraced and not stopped afterwards", str(ptr))
    vbus = [e for e in jlines(sec, "@V ") if e.get("event") == "sigbus"]
    pfns = [e for e in jlines(sec, "@V ") if e.get("event") == "pfn"]
    sigs = r.get("signals", [])
    check(r.get("poisoned") is True, f"{name}: poisoned", str(r.get("poisoned")))

    def same_signal(code, vcode):
        if not check(len(sigs) == 1 and len(vbus) == 1, f"{name}: one SIGBUS reported, one seen",
                     f"report {sigs}, victim {vbus}"):
            return
        s, b = sigs[0], vbus[0]
        check(s.get("signal") == "SIGBUS" and s.get("code") == code and s.get("when") == "injection"
              and s.get("pid") == v["pid"], f"{name}: report's signal is SIGBUS {code} at injection",
              str(s))
        check(b.get("code") == vcode and int(s["addr"], 16) == int(b["addr"], 16) == int(v["vaddr"], 16)
              and s.get("addr_lsb") == b.get("lsb") == 12,
              f"{name}: report's SIGBUS = the victim's own (code, addr, lsb 12)", f"{s} vs {b}")

    if name == "hwpoison":
        same_signal("BUS_MCEERR_AR", 4)
        check(r.get("outcome") == "sigbus-ar", f"{name}: outcome sigbus-ar", r.get("outcome"))
    elif name == "corrupt-early":
        same_signal("BUS_MCEERR_AO", 5)
        check(r.get("outcome") == "sigbus-ao", f"{name}: outcome sigbus-ao", r.get("outcome"))
    elif name == "soft-offline":
        check(not sigs and not vbus, f"{name}: no signal", f"{sigs} {vbus}")
        chk = [e for e in jlines(sec, "@V ") if e.get("event") == "check"]
        check(len(chk) == 1 and chk[0].get("intact") is True, f"{name}: content intact", str(chk))
        newp = pfns[0].get("pfn") if pfns else None
        check(bool(pfns) and pfns[0].get("present") is True and newp != v["pfn"]
              and r.get("new_pfn") == newp,
              f"{name}: migrated to a new pfn = the report's new_pfn",
              f"old {v['pfn']} victim now {newp} report {r.get('new_pfn')}")
        check(r.get("outcome") == "migrated", f"{name}: outcome migrated", r.get("outcome"))


def main():
    if len(sys.argv) != 2:
        print("usage: check.py CONSOLE_LOG", file=sys.stderr)
        return 64
    try:
        with open(sys.argv[1], errors="replace") as f:
            lines = [l.rstrip("\r\n") for l in f]
    except OSError as e:
        print(f"FAIL cannot read {sys.argv[1]}: {e}")
        return 1
    arch = [l for l in lines if l.startswith("@@ARCH ")]
    check(bool(arch) and arch[0].split()[1] == "aarch64", "guest is aarch64",
          arch[0] if arch else "no @@ARCH line")
    check(any(l.startswith("@@DONE rc=0") for l in lines), "guest finished (@@DONE)")
    check(not any(l.startswith("@@INSMOD-FAILED") for l in lines), "modules loaded")
    secs = sections(lines)
    check_test_remote(secs.get("test-remote"))
    for name in ("hwpoison", "soft-offline", "corrupt-early"):
        check_hwpi(name, secs.get(name))
    for status, name, detail in results:
        print(f"{status} {name}" + (f": {detail}" if detail else ""))
    nfail = sum(1 for s, _, _ in results if s == "FAIL")
    npass = sum(1 for s, _, _ in results if s == "PASS")
    print(f"SUMMARY {npass} passed, {nfail} failed")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
