#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of the hwpinject command line (doc/cli-spec.md).

usage: test_cli.py HWPINJECT MKFAKE FAKEDIR [unittest options]

HWPINJECT is the built program, MKFAKE builds a fake /proc + /sys tree from
FAKEDIR/<case> (tests/fake), which the program is pointed at with
HWPINJECT_ROOT.  Nothing here injects into the machine's real kernel: on the
host only --dry-run and usage errors are run.
"""
import json
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HWPINJECT = MKFAKE = FAKEDIR = None

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_UNAVAILABLE, EX_SOFTWARE, EX_NOPERM = 64, 65, 66, 69, 70, 77
METHODS = ["hwpoison", "soft-offline", "corrupt-pfn", "soft-offline-page", "hard-offline-page"]
SYSCTLS = ["vm.memory_failure_early_kill", "vm.memory_failure_recovery", "vm.enable_soft_offline"]
COUNTERS = ["total", "ignored", "failed", "delayed", "recovered"]
HEX = re.compile(r"^0x[0-9a-f]+$")
OUTCOMES = {"sigbus-ar", "sigbus-ao", "killed", "recovered", "ignored", "failed", "delayed",
            "migrated", "refused", "dry-run", "unknown", "injected"}
HOST_HAS_MF = os.path.exists("/proc/sys/vm/memory_failure_early_kill")


def run(args, root=None, check_status=None):
    env = dict(os.environ)
    env.pop("HWPINJECT_ROOT", None)
    env["LC_ALL"] = "C"
    if root:
        env["HWPINJECT_ROOT"] = root
    p = subprocess.run([HWPINJECT] + args, capture_output=True, text=True, env=env,
                       timeout=60)
    if check_status is not None and p.returncode != check_status:
        raise AssertionError("hwpinject %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                             % (" ".join(args), p.returncode, check_status, p.stdout,
                                p.stderr))
    return p


def free_pid():
    """A pid that no process has on this machine."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    for pid in range(pid_max - 1, 1, -1):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise unittest.SkipTest("no free pid")


class Fake:
    """A fresh copy of tests/fake/NAME (binary files generated) in a temporary directory."""

    def __init__(self, name):
        self.tmp = tempfile.mkdtemp(prefix="hwpi-cli-%s-" % name)
        self.root = os.path.join(self.tmp, "root")
        subprocess.run([MKFAKE, os.path.join(FAKEDIR, name), self.root], check=True)

    def path(self, rel):
        return os.path.join(self.root, rel)

    def read(self, rel):
        with open(self.path(rel)) as f:
            return f.read()

    def write(self, rel, text):
        with open(self.path(rel), "w") as f:
            f.write(text)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


CORRUPT = "sys/kernel/debug/hwpoison/corrupt-pfn"
UNPOISON = "sys/kernel/debug/hwpoison/unpoison-pfn"
SOFT_PAGE = "sys/devices/system/memory/soft_offline_page"
HARD_PAGE = "sys/devices/system/memory/hard_offline_page"
EARLY_KILL = "proc/sys/vm/memory_failure_early_kill"


class Base(unittest.TestCase):
    def fake(self, name):
        f = Fake(name)
        self.addCleanup(f.cleanup)
        return f

    def fails(self, args, status, root=None, contains=None):
        """Exit STATUS, nothing on stdout, exactly one line on stderr that says why."""
        p = run(args, root)
        self.assertEqual(p.returncode, status,
                         "hwpinject %s: exit %d, expected %d; stderr: %r"
                         % (" ".join(args), p.returncode, status, p.stderr))
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, "hwpinject %s: stderr %r" % (" ".join(args), p.stderr))
        self.assertTrue(lines[0].startswith("hwpinject: "), lines[0])
        self.assertGreater(len(lines[0]), len("hwpinject: ") + 10, lines[0])
        if contains:
            self.assertIn(contains, lines[0])
        self.assertEqual(p.stdout, "", "errors are never printed on stdout")
        return lines[0]

    def json_lines(self, args, root=None, status=0):
        p = run(args, root, check_status=status)
        self.assertTrue(p.stdout.endswith("\n"), p.stdout)
        objs = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertGreater(len(objs), 0)
        return objs

    def json_one(self, args, root=None, status=0):
        objs = self.json_lines(args, root, status)
        self.assertEqual(len(objs), 1, objs)
        return objs[0]

    def assertHex(self, v, expected=None):
        self.assertIsInstance(v, str)
        self.assertRegex(v, HEX)
        if expected is not None:
            self.assertEqual(int(v, 16), expected, v)


class TestUsage(Base):
    # usage errors, bad numbers, conflicting options: BAD_INPUT (TestBadInput)

    def test_version(self):
        for args in (["--version"], ["-V"], ["status", "--version"], ["inject", "--version"]):
            p = run(args, check_status=0)
            self.assertRegex(p.stdout, r"^hwpinject \d+\.\d+\.\d+")
            self.assertEqual(p.stderr, "")

    def test_help(self):
        top = run(["--help"], check_status=0)
        self.assertIn("Usage:", top.stdout)
        for cmd in ["inject", "unpoison", "translate", "status", "run", "probe"]:
            self.assertIn(cmd, top.stdout)
            with self.subTest(command=cmd):
                p = run([cmd, "--help"], check_status=0)
                self.assertIn("Usage:", p.stdout)
                self.assertIn("hwpinject " + cmd, p.stdout)
                self.assertEqual(p.stderr, "")
                p = run([cmd, "--usage"], check_status=0)
                self.assertIn("Usage:", p.stdout)
        p = run(["inject", "--help"], check_status=0)
        for opt in ["--pid", "--addr", "--region", "--pfn", "--phys", "--method", "--dry-run",
                    "--force", "--early-kill", "--late-kill", "--expect", "--watch"]:
            self.assertIn(opt, p.stdout)

    def test_lists(self):
        p = run(["--list-cmds"], check_status=0)
        self.assertEqual(set(p.stdout.split()),
                         {"inject", "unpoison", "translate", "status", "run", "probe", "campaign"})
        p = run(["--list-methods"], check_status=0)
        self.assertEqual(p.stdout.split(), METHODS)

    def test_bad_root(self):
        self.fails(["status"], EX_USAGE, root="relative/dir", contains="HWPINJECT_ROOT")


class TestHost(Base):
    """The machine's own kernel: only what cannot change it."""

    def test_nonexistent_pid(self):
        pid = free_pid()
        self.fails(["translate", "--pid", str(pid), "--addr", "0x1000"], EX_NOINPUT,
                   contains=str(pid))
        self.fails(["inject", "--pid", str(pid), "--addr", "0x1000", "--dry-run"],
                   EX_NOINPUT if HOST_HAS_MF else EX_UNAVAILABLE)

    def test_unmapped_address(self):
        self.fails(["translate", "--pid", str(os.getpid()), "--addr", "0x10"], EX_DATAERR)

    def test_pid1(self):
        if HOST_HAS_MF:
            self.fails(["inject", "--pid", "1", "--addr", "0x1000", "--dry-run"], EX_NOPERM)

    @unittest.skipIf(HOST_HAS_MF, "this kernel has CONFIG_MEMORY_FAILURE")
    def test_no_memory_failure(self):
        self.fails(["inject", "--pfn", "0x1000", "--dry-run"], EX_UNAVAILABLE,
                   contains="CONFIG_MEMORY_FAILURE")
        self.fails(["unpoison", "--pfn", "0x1000", "--dry-run"], EX_UNAVAILABLE,
                   contains="CONFIG_MEMORY_FAILURE")
        st = self.json_one(["status", "--json"])
        self.assertIs(st["memory_failure"], False)
        for m in METHODS:
            self.assertIs(st["methods"][m]["available"], False)
            self.assertIn("CONFIG_MEMORY_FAILURE", st["methods"][m]["reason"])
        with open("/proc/sys/kernel/osrelease") as f:
            self.assertEqual(st["release"], f.read().strip())

    def test_status_text(self):
        p = run(["status"], check_status=0)
        for m in METHODS:
            self.assertRegex(p.stdout, r"(?m)^\s+%s\s+(yes|no)\s" % re.escape(m))


class TestStatus(Base):
    def status(self, name):
        return self.json_one(["status", "--json"], self.fake(name).root)

    def check_types(self, st):
        self.assertEqual(set(st), {"release", "memory_failure", "methods", "sysctls",
                                   "hardware_corrupted_kb", "counters"})
        self.assertIsInstance(st["release"], str)
        self.assertIsInstance(st["memory_failure"], bool)
        self.assertEqual(list(st["methods"]), METHODS)
        for m in METHODS:
            ms = st["methods"][m]
            self.assertEqual(set(ms), {"available", "reason", "path"})
            self.assertIsInstance(ms["available"], bool)
            self.assertIsInstance(ms["reason"], (str, type(None)))
            self.assertIsInstance(ms["path"], (str, type(None)))
            if not ms["available"]:
                self.assertTrue(ms["reason"], m)
        self.assertEqual(list(st["sysctls"]), SYSCTLS)
        for v in st["sysctls"].values():
            self.assertTrue(v is None or type(v) is int, v)
        hk = st["hardware_corrupted_kb"]
        self.assertTrue(hk is None or type(hk) is int, hk)
        if st["counters"] is not None:
            self.assertEqual(set(st["counters"]), set(COUNTERS))
            for v in st["counters"].values():
                self.assertIs(type(v), int)

    def test_mf612(self):
        f = self.fake("mf-6.12")
        st = self.json_one(["status", "--json"], f.root)
        self.check_types(st)
        self.assertEqual(st["release"], "6.12.117+deb13-amd64")
        self.assertIs(st["memory_failure"], True)
        for m in METHODS:
            self.assertIs(st["methods"][m]["available"], True, m)
        self.assertTrue(st["methods"]["corrupt-pfn"]["path"].endswith(
            "/sys/kernel/debug/hwpoison/corrupt-pfn"))
        self.assertTrue(st["methods"]["hard-offline-page"]["path"].endswith(
            "/sys/devices/system/memory/hard_offline_page"))
        self.assertEqual(st["sysctls"], {"vm.memory_failure_early_kill": 0,
                                         "vm.memory_failure_recovery": 1,
                                         "vm.enable_soft_offline": 1})
        self.assertEqual(st["hardware_corrupted_kb"], 8)
        self.assertEqual(st["counters"], {"total": 5, "ignored": 1, "failed": 1, "delayed": 0,
                                          "recovered": 3})
        # status changes nothing
        self.assertEqual(f.read(CORRUPT), "")
        self.assertEqual(f.read(EARLY_KILL), "0\n")
        # global options after the command, text output
        self.check_types(self.json_one(["--json", "status"], f.root))
        p = run(["status"], f.root, check_status=0)
        self.assertIn("6.12.117+deb13-amd64", p.stdout)
        self.assertRegex(p.stdout, r"(?m)^\s+corrupt-pfn\s+yes\s")
        p = run(["status", "--quiet"], f.root, check_status=0)

    def test_mf61(self):
        st = self.status("mf-6.1")
        self.check_types(st)
        self.assertEqual(st["release"], "6.1.0-50-amd64")
        self.assertIs(st["memory_failure"], True)
        self.assertIsNone(st["sysctls"]["vm.enable_soft_offline"])
        self.assertEqual(st["sysctls"]["vm.memory_failure_early_kill"], 0)
        self.assertIsNone(st["counters"])
        self.assertEqual(st["hardware_corrupted_kb"], 0)
        self.assertIs(st["methods"]["soft-offline"]["available"], True)

    def test_nomf(self):
        st = self.status("nomf")
        self.check_types(st)
        self.assertIs(st["memory_failure"], False)
        for m in METHODS:
            self.assertIs(st["methods"][m]["available"], False, m)
            self.assertIn("CONFIG_MEMORY_FAILURE", st["methods"][m]["reason"])
        self.assertEqual(set(st["sysctls"].values()), {None})
        self.assertIsNone(st["hardware_corrupted_kb"])
        self.assertIsNone(st["counters"])

    def test_no_debugfs(self):
        st = self.status("no-debugfs")
        self.check_types(st)
        self.assertIs(st["methods"]["corrupt-pfn"]["available"], False)
        self.assertIn("debugfs", st["methods"]["corrupt-pfn"]["reason"])
        for m in ["hwpoison", "soft-offline", "soft-offline-page", "hard-offline-page"]:
            self.assertIs(st["methods"][m]["available"], True, m)

    def test_nomodule(self):
        st = self.status("nomodule")
        self.assertIs(st["methods"]["corrupt-pfn"]["available"], False)
        self.assertIn("hwpoison-inject", st["methods"]["corrupt-pfn"]["reason"])

    def test_nocap(self):
        st = self.status("nocap")
        self.check_types(st)
        for m in METHODS:
            self.assertIs(st["methods"][m]["available"], False, m)
            self.assertIn("CAP_SYS_ADMIN", st["methods"][m]["reason"])


TRANSLATE_KEYS = {"pid", "vaddr", "pfn", "phys", "page_size", "mapping", "path", "perms",
                  "present", "kpageflags", "kpageflags_raw", "hwpoison"}


class TestTranslate(Base):
    def setUp(self):
        self.f = self.fake("mf-6.12")

    def translate(self, *args, status=0):
        return self.json_lines(["translate", "--json"] + list(args), self.f.root, status)

    def check_types(self, t):
        self.assertEqual(set(t), TRANSLATE_KEYS)
        # unknown facts are null: present for pfn targets, hwpoison without a pfn
        self.assertIn(t["present"], (True, False, None))
        self.assertIn(t["hwpoison"], (True, False, None))
        self.assertIs(type(t["page_size"]), int)
        self.assertIsInstance(t["kpageflags"], (list, type(None)))
        self.assertEqual(t["kpageflags"] is None, t["kpageflags_raw"] is None)
        for v in ("vaddr", "pfn", "phys", "kpageflags_raw"):
            if t[v] is not None:
                self.assertHex(t[v])

    def test_anon(self):
        [t] = self.translate("--pid", "4242", "--addr", "0x7f0000001234")
        self.check_types(t)
        self.assertEqual(t["pid"], 4242)
        self.assertEqual(t["vaddr"], "0x7f0000001000")
        self.assertEqual(t["pfn"], "0x2001")
        self.assertEqual(t["phys"], "0x2001000")
        self.assertEqual(t["page_size"], 4096)
        self.assertEqual(t["mapping"], "anon")
        self.assertEqual(t["perms"], "rw-p")
        self.assertIs(t["present"], True)
        self.assertEqual(t["kpageflags_raw"], "0x5828")
        self.assertEqual(set(t["kpageflags"]), {"UPTODATE", "LRU", "MMAP", "ANON", "SWAPBACKED"})
        self.assertIs(t["hwpoison"], False)

    def test_kinds(self):
        [t] = self.translate("--pid", "4242", "--addr", "0x7f0000400000")
        self.assertEqual((t["mapping"], t["page_size"], t["pfn"]), ("hugetlb", 2 << 20, "0x40000"))
        [t] = self.translate("--pid", "4242", "--addr", "0x7f0000200000")
        self.assertEqual((t["mapping"], t["path"], t["pfn"]),
                         ("file", "/data/file with spaces.bin", "0x6000"))
        [t] = self.translate("--pid", "4242", "--addr", "0x7f0000a00000")
        self.assertEqual((t["mapping"], t["page_size"]), ("thp", 2 << 20))
        [t] = self.translate("--pid", "4242", "--addr", "0x555555560000")
        self.assertEqual((t["mapping"], t["path"]), ("heap", "[heap]"))

    def test_not_present(self):
        [t] = self.translate("--pid", "4242", "--addr", "0x555555562000")
        self.check_types(t)
        self.assertIs(t["present"], False)
        self.assertIsNone(t["pfn"])
        self.assertIsNone(t["phys"])
        self.assertIsNone(t["hwpoison"])
        self.assertIsNone(t["kpageflags"])

    def test_poisoned(self):
        [t] = self.translate("--pid", "4242", "--addr", "0x7f000000f000")
        self.check_types(t)
        self.assertIs(t["hwpoison"], True)
        self.assertEqual(t["pfn"], "0x3000")
        self.assertIn("HWPOISON", t["kpageflags"])

    def test_pfn_phys(self):
        [t] = self.translate("--pfn", "0x2005")
        self.check_types(t)
        self.assertIsNone(t["pid"])
        self.assertIsNone(t["vaddr"])
        self.assertEqual((t["pfn"], t["phys"]), ("0x2005", "0x2005000"))
        [t] = self.translate("--phys", "0x2005abc")
        self.assertEqual((t["pfn"], t["phys"]), ("0x2005", "0x2005000"))
        [t] = self.translate("--pfn", "8197")
        self.assertEqual(t["pfn"], "0x2005")

    def test_region(self):
        ts = self.translate("--pid", "4242", "--region", "heap", "--count", "3")
        self.assertEqual([t["vaddr"] for t in ts],
                         ["0x555555560000", "0x555555561000", "0x555555563000"])
        ts = self.translate("--pid", "4242", "--region", "heap", "--count", "2", "--offset",
                            "0x4000")
        self.assertEqual([t["vaddr"] for t in ts], ["0x555555564000", "0x555555566000"])
        a = self.translate("--pid", "4242", "--region", "heap", "--count", "4", "--random",
                           "--seed", "7")
        b = self.translate("--pid", "4242", "--region", "heap", "--count", "4", "--random",
                           "--seed", "7")
        self.assertEqual(a, b)
        self.assertEqual(len({t["vaddr"] for t in a}), 4)


INJECT_KEYS = {"pid", "vaddr", "pfn", "phys", "page_size", "mapping", "path", "method",
               "dry_run", "kernel", "signals", "target", "already_poisoned", "poisoned", "hardware_corrupted_kb",
               "outcome"}


class TestInject(Base):
    def setUp(self):
        self.f = self.fake("mf-6.12")

    def inject(self, *args, status=0):
        return self.json_one(["inject", "--json"] + list(args), self.f.root, status)

    def check_types(self, r):
        self.assertTrue(INJECT_KEYS <= set(r), INJECT_KEYS - set(r))
        self.assertTrue(set(r) <= INJECT_KEYS | {"new_pfn", "expect", "expect_met", "observed"},
                        set(r))
        self.assertIn(r["method"], METHODS)
        self.assertIsInstance(r["dry_run"], bool)
        k = r["kernel"]
        self.assertIsInstance(k["release"], (str, type(None)))
        self.assertIs(type(k["errno"]), int)
        self.assertIsInstance(k["messages"], list)
        if k["errno"]:
            self.assertIsInstance(k["error"], str)
        if k["action"] is not None:
            self.assertEqual(set(k["action"]), {"page_type", "result", "source"})
        self.assertIsInstance(r["signals"], list)
        self.assertIn(r["target"]["state"], {"alive", "killed", "exited", "gone", "unknown"})
        self.assertIn(r["poisoned"], (True, False, None))
        self.assertIn(r["outcome"], OUTCOMES)
        self.assertHex(r["pfn"])
        self.assertHex(r["phys"])
        self.assertIs(type(r["page_size"]), int)
        if r["hardware_corrupted_kb"] is not None:
            self.assertEqual(set(r["hardware_corrupted_kb"]), {"before", "after"})

    def test_dry_run_pfn(self):
        r = self.inject("--pfn", "0x2000", "--dry-run")
        self.check_types(r)
        self.assertIs(r["dry_run"], True)
        self.assertEqual((r["pfn"], r["phys"], r["page_size"]), ("0x2000", "0x2000000", 4096))
        self.assertEqual(r["method"], "corrupt-pfn")
        for k in ("pid", "vaddr", "mapping", "path"):
            self.assertIsNone(r[k], k)
        self.assertEqual(r["outcome"], "dry-run")
        self.assertEqual(r["kernel"]["release"], "6.12.117+deb13-amd64")
        self.assertEqual(r["kernel"]["errno"], 0)
        self.assertEqual(self.f.read(CORRUPT), "")

    def test_dry_run_pid(self):
        r = self.inject("--pid", "4242", "--addr", "0x7f0000002abc", "--dry-run")
        self.check_types(r)
        self.assertEqual(r["method"], "hwpoison")
        self.assertEqual((r["pid"], r["vaddr"], r["pfn"], r["mapping"]),
                         (4242, "0x7f0000002000", "0x2002", "anon"))
        self.assertEqual(r["outcome"], "dry-run")
        rs = self.json_lines(["inject", "--json", "--pid", "4242", "--region", "anon",
                              "--count", "3", "--dry-run", "--method", "soft-offline"],
                             self.f.root)
        self.assertEqual([x["vaddr"] for x in rs],
                         ["0x7f0000000000", "0x7f0000001000", "0x7f0000002000"])
        for x in rs:
            self.check_types(x)
            self.assertEqual(x["method"], "soft-offline")
        self.assertEqual(self.f.read(CORRUPT), "")

    def test_corrupt_pfn(self):
        r = self.inject("--pfn", "0x2000")
        self.check_types(r)
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")
        self.assertIs(r["dry_run"], False)
        self.assertEqual((r["pfn"], r["method"]), ("0x2000", "corrupt-pfn"))
        self.assertEqual(r["kernel"]["errno"], 0)
        self.assertIs(r["poisoned"], False)  # the fake kpageflags do not change
        self.assertIs(r["already_poisoned"], False)
        self.assertEqual(r["hardware_corrupted_kb"], {"before": 8, "after": 8})
        self.assertEqual(self.f.read(HARD_PAGE), "")
        # pfn 0x3000 carries HWPOISON in the fake kpageflags: a second injection
        self.f.write(CORRUPT, "")
        r = self.inject("--pfn", "0x3000")
        self.assertIs(r["already_poisoned"], True)
        self.assertEqual(self.f.read(CORRUPT), "0x3000\n")
        # decimal pfn, text output
        self.f.write(CORRUPT, "")
        p = run(["inject", "--pfn", "8193"], self.f.root, check_status=0)
        self.assertEqual(self.f.read(CORRUPT), "0x2001\n")
        self.assertIn("0x2001", p.stdout)

    def test_no_observe(self):
        observed = self.inject("--pfn", "0x2000")
        self.assertNotIn("observed", observed)
        self.assertIsNotNone(observed["hardware_corrupted_kb"])
        self.f.write(CORRUPT, "")
        j = os.path.join(self.f.tmp, "fast.journal")
        r = self.inject("--pfn", "0x2000", "--no-observe", "--journal", j)
        self.check_types(r)
        self.assertIs(r["observed"], False)
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")
        self.assertEqual(r["kernel"]["errno"], 0)
        self.assertEqual(r["outcome"], "injected")
        # what it did not look at is unknown, not "nothing happened"
        self.assertIsNone(r["hardware_corrupted_kb"])
        self.assertIsNone(r["kernel"]["counters"])
        self.assertIsNone(r["kernel"]["action"])
        self.assertIs(r["kernel"]["tracepoints"]["used"], False)
        self.assertIn("NO_OBSERVE", r["kernel"]["tracepoints"]["error"])
        # the page's flags are still read, the journal still written
        self.assertIs(r["poisoned"], False)
        self.assertIs(r["already_poisoned"], False)
        with open(j) as f:
            self.assertIn("0x2000", f.read())
        # every page of a region, text output
        p = run(["inject", "--pid", "4242", "--region", "anon", "--count", "3",
                 "--method", "corrupt-pfn", "--no-observe"], self.f.root, check_status=0)
        self.assertEqual(p.stdout.count("observed:"), 3, p.stdout)
        self.assertEqual(len(re.findall(r"outcome: +injected", p.stdout)), 3, p.stdout)
        self.assertNotIn("action", p.stdout)

    def test_phys_methods(self):
        r = self.inject("--phys", "0x2003abc")
        self.assertEqual(r["method"], "hard-offline-page")
        self.assertEqual(r["phys"], "0x2003000")
        self.assertEqual(self.f.read(HARD_PAGE), "0x2003000\n")
        r = self.inject("--pfn", "0x2004", "--method", "soft-offline-page")
        self.assertEqual(self.f.read(SOFT_PAGE), "0x2004000\n")
        self.assertEqual(self.f.read(CORRUPT), "")

    def test_early_kill(self):
        self.f.write(EARLY_KILL, "0")
        self.inject("--pfn", "0x2000", "--early-kill")
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")
        self.assertEqual(self.f.read(EARLY_KILL).strip(), "0")  # restored
        self.assertEqual(self.f.read(EARLY_KILL), "0\n")        # (written back)
        self.f.write(EARLY_KILL, "1\n")
        self.inject("--pfn", "0x2000", "--late-kill")
        self.assertEqual(self.f.read(EARLY_KILL), "1\n")

    def test_unsafe(self):
        for pfn, why in [("0x10", "reserved"), ("0x11", "slab"), ("0x12", "buddy"),
                         ("0x13", "flags")]:
            with self.subTest(pfn=pfn):
                self.fails(["inject", "--pfn", pfn], EX_NOPERM, self.f.root, contains=why)
                self.fails(["inject", "--pfn", pfn, "--dry-run"], EX_NOPERM, self.f.root)
                self.assertEqual(self.f.read(CORRUPT), "")
        r = self.inject("--pfn", "0x11", "--force")
        self.assertEqual(self.f.read(CORRUPT), "0x11\n")
        # a process's page that is unsafe (the vdso, RESERVED): asked again (it may have been
        # let go meanwhile), still the same page, refused
        self.fails(["inject", "--pid", "4242", "--addr", "0x7ffc00100000", "--method",
                    "corrupt-pfn"], EX_NOPERM, self.f.root, contains="reserved")
        self.assertEqual(self.f.read(CORRUPT), "0x11\n")

    def test_unavailable(self):
        for name, args, status, why in [
                ("nomf", ["--pfn", "0x2000"], EX_UNAVAILABLE, "CONFIG_MEMORY_FAILURE"),
                ("nomf", ["--pid", "4242", "--addr", "0x7f0000000000"], EX_UNAVAILABLE,
                 "CONFIG_MEMORY_FAILURE"),
                ("no-debugfs", ["--pfn", "0x2000"], EX_UNAVAILABLE, "debugfs"),
                ("nomodule", ["--pfn", "0x2000", "--no-load"], EX_UNAVAILABLE,
                 "hwpoison-inject"),
                ("nocap", ["--pfn", "0x2000"], EX_NOPERM, "CAP_SYS_ADMIN"),
                ("nocap", ["--phys", "0x2000000"], EX_NOPERM, "CAP_SYS_ADMIN")]:
            with self.subTest(tree=name, args=args):
                f = self.fake(name)
                self.fails(["inject"] + args, status, f.root, contains=why)
                self.fails(["inject", "--json"] + args, status, f.root)
                if os.path.exists(f.path(CORRUPT)):
                    self.assertEqual(f.read(CORRUPT), "")


class TestUnpoison(Base):
    def test_unpoison(self):
        f = self.fake("mf-6.12")
        # the fake kernel accepts the write but keeps HWPOISON: exit 1, "refused"
        r = self.json_one(["unpoison", "--json", "--pfn", "0x3000"], f.root, status=1)
        self.assertEqual(f.read(UNPOISON), "0x3000\n")
        self.assertEqual(r["pfn"], "0x3000")
        self.assertEqual(r["method"], "unpoison")
        self.assertEqual(r["kernel"]["errno"], 0)
        self.assertEqual(r["outcome"], "refused")
        self.assertIsInstance(r["kernel"]["messages"], list)

    def test_by_address(self):
        # the poisoned pfn that the pagemap of the address shows
        f = self.fake("mf-6.12")
        r = self.json_one(["unpoison", "--json", "--pid", "4242", "--addr", "0x7f000000f000"],
                          f.root, status=1)
        self.assertEqual(r["pfn"], "0x3000")
        self.assertEqual(f.read(UNPOISON), "0x3000\n")

    def test_dry_run(self):
        f = self.fake("mf-6.12")
        run(["unpoison", "--pfn", "0x3000", "--dry-run"], f.root, check_status=0)
        self.assertEqual(f.read(UNPOISON), "")

    def test_still_poisoned(self):
        # the fake kpageflags keep HWPOISON: the page was not unpoisoned, exit 1
        f = self.fake("mf-6.12")
        r = self.json_one(["unpoison", "--json", "--pfn", "0x3000"], f.root, status=1)
        self.assertIs(r["poisoned"], True)
        self.assertEqual(r["outcome"], "refused")

    def test_unavailable(self):
        self.fails(["unpoison", "--pfn", "0x3000"], EX_UNAVAILABLE, self.fake("nomf").root,
                   contains="CONFIG_MEMORY_FAILURE")
        self.fails(["unpoison", "--pfn", "0x3000"], EX_UNAVAILABLE,
                   self.fake("no-debugfs").root, contains="debugfs")
        self.fails(["unpoison", "--pfn", "0x3000"], EX_NOPERM, self.fake("nocap").root)

JOURNAL_SUMMARY_KEYS = {"journal", "dry_run", "pages", "unpoisoned", "not_poisoned", "refused",
                        "sysctls_restored", "unresolved", "truncated"}


class TestJournal(Base):
    """inject/run --journal FILE, unpoison --journal FILE (the write-ahead journal)."""

    def setUp(self):
        self.f = self.fake("mf-6.12")
        self.j = os.path.join(self.f.tmp, "journal")

    def write_journal(self, text, mode=0o600):
        with open(self.j, "w") as f:
            f.write(text)
        os.chmod(self.j, mode)

    def records(self):
        with open(self.j) as f:
            return f.read().splitlines()

    def test_inject_writes_journal(self):
        self.f.write(EARLY_KILL, "0\n")
        self.json_one(["inject", "--json", "--pfn", "0x2000", "--early-kill", "--journal", self.j],
                      self.f.root)
        self.assertEqual(os.stat(self.j).st_mode & 0o777, 0o600)
        lines = self.records()
        self.assertEqual(lines[0], "hwpinject-journal 1")
        self.assertEqual(lines[1], "sysctl vm.memory_failure_early_kill=0")
        self.assertRegex(lines[2], r"^inject method=corrupt-pfn pfn=0x2000 phys=0x2000000 pid=0 "
                         r"vaddr=0x0 already=0 time=\d+$")
        self.assertEqual(lines[3], "done pfn=0x2000 err=0 poisoned=0")
        self.assertEqual(lines[4], "sysctl-restored vm.memory_failure_early_kill=0")
        # appended to, header once
        run(["inject", "--pfn", "0x2001", "--journal", self.j], self.f.root, check_status=0)
        lines = self.records()
        self.assertEqual(len(lines), 7)
        self.assertEqual(sum(x.startswith("hwpinject-journal") for x in lines), 1)
        # a dry run writes no journal
        other = os.path.join(self.f.tmp, "other")
        run(["inject", "--pfn", "0x2001", "--dry-run", "--journal", other], self.f.root,
            check_status=0)
        self.assertFalse(os.path.exists(other))

    def test_journal_before_injection(self):
        """The record is written before the kernel's file: when the write to corrupt-pfn
        fails (a symlink, refused with O_NOFOLLOW), the page is in the journal already."""
        os.unlink(self.f.path(CORRUPT))
        os.symlink("/dev/null", self.f.path(CORRUPT))
        r = self.json_one(["inject", "--json", "--pfn", "0x2000", "--journal", self.j],
                          self.f.root, status=1)
        self.assertNotEqual(r["kernel"]["errno"], 0)
        lines = self.records()
        self.assertTrue(lines[1].startswith("inject method=corrupt-pfn pfn=0x2000 "), lines)

    def test_unsafe_journal_injects_nothing(self):
        os.symlink(os.path.join(self.f.tmp, "elsewhere"), self.j)
        self.fails(["inject", "--pfn", "0x2000", "--journal", self.j], EX_NOPERM, self.f.root,
                   contains="symbolic link")
        self.assertFalse(os.path.exists(os.path.join(self.f.tmp, "elsewhere")))
        self.assertEqual(self.f.read(CORRUPT), "")
        self.fails(["run", "--region", "heap", "--journal", self.j, "--", "true"], EX_NOPERM,
                   self.f.root)
        os.unlink(self.j)
        self.write_journal("hwpinject-journal 1\n", 0o660)
        self.fails(["inject", "--pfn", "0x2000", "--journal", self.j], EX_NOPERM, self.f.root,
                   contains="writable by others")
        self.assertEqual(self.f.read(CORRUPT), "")
        self.fails(["inject", "--pfn", "0x2000", "--journal",
                    os.path.join(self.f.tmp, "nodir", "j")], EX_NOINPUT, self.f.root)

    def test_unpoison_journal(self):
        # killed after the records of 0x2000 and 0x2001 (no result), 0x2002 refused by the
        # kernel, 0x3000 poisoned before, 0x2003 poisoned and unpoisoned, early kill changed
        self.f.write(EARLY_KILL, "1\n")
        self.write_journal("hwpinject-journal 1\n"
                           "sysctl vm.memory_failure_early_kill=0\n"
                           "inject method=corrupt-pfn pfn=0x2000 already=0\n"
                           "done pfn=0x2000 err=0 poisoned=1\n"
                           "inject method=corrupt-pfn pfn=0x2002 already=0\n"
                           "done pfn=0x2002 err=16 poisoned=0\n"
                           "inject method=corrupt-pfn pfn=0x3000 already=1\n"
                           "inject method=corrupt-pfn pfn=0x2003 already=0\n"
                           "unpoison pfn=0x2003 err=0 poisoned=0\n"
                           "inject method=corrupt-pfn pfn=0x2000 already=1\n"
                           "inject method=corrupt-pfn pfn=0x2001 already=0\n"
                           "done pfn=0x20")
        objs = self.json_lines(["unpoison", "--json", "--journal", self.j], self.f.root)
        pages, summary = objs[:-1], objs[-1]
        self.assertEqual([p["pfn"] for p in pages], ["0x2000", "0x2001"])
        for p in pages:
            self.assertEqual(p["method"], "unpoison")
            self.assertEqual(p["outcome"], "unpoisoned")
        self.assertEqual(self.f.read(UNPOISON), "0x2001\n")
        self.assertEqual(set(summary), JOURNAL_SUMMARY_KEYS)
        self.assertEqual(summary["journal"], self.j)
        self.assertEqual((summary["pages"], summary["unpoisoned"], summary["refused"]),
                         (2, 2, []))
        self.assertEqual(summary["sysctls_restored"],
                         [{"name": "vm.memory_failure_early_kill", "value": 0}])
        self.assertIs(summary["truncated"], True)
        self.assertEqual(self.f.read(EARLY_KILL), "0\n")
        # what was undone is journalled: a second run has nothing left to do
        lines = self.records()
        self.assertIn("unpoison pfn=0x2000 err=0 poisoned=0", lines)
        self.assertEqual(lines[-1], "sysctl-restored vm.memory_failure_early_kill=0")
        self.f.write(UNPOISON, "")
        summary = self.json_one(["unpoison", "--json", "--journal", self.j], self.f.root)
        self.assertEqual((summary["pages"], summary["sysctls_restored"]), (0, []))
        self.assertEqual(self.f.read(UNPOISON), "")

    def test_unpoison_journal_refused(self):
        # the fake kpageflags keep HWPOISON on 0x3000: the kernel "refused", exit 1
        self.write_journal("hwpinject-journal 1\n"
                           "inject method=corrupt-pfn pfn=0x3000 already=0\n"
                           "inject method=corrupt-pfn pfn=0x2000\n")
        p = run(["unpoison", "--json", "--journal", self.j], self.f.root, check_status=1)
        objs = [json.loads(x) for x in p.stdout.splitlines()]
        self.assertEqual([o["outcome"] for o in objs[:-1]], ["refused", "unpoisoned"])
        self.assertEqual(objs[-1]["refused"], ["0x3000"])
        self.assertEqual(objs[-1]["unpoisoned"], 1)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("0x3000", lines[0])
        # text output; a dry run writes nothing
        self.f.write(UNPOISON, "")
        p = run(["unpoison", "--journal", self.j, "--dry-run"], self.f.root, check_status=0)
        self.assertIn("journal:", p.stdout)
        self.assertEqual(self.f.read(UNPOISON), "")

    def test_unpoison_journal_errors(self):
        self.fails(["unpoison", "--journal", self.j], EX_NOINPUT, self.f.root)
        self.write_journal("hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\n"
                           "inject method=corrupt-pfn pfn=junk\n"
                           "inject method=corrupt-pfn pfn=0x2001\n")
        # a malformed record: what the lines before it name is still undone, then exit 65
        p = run(["unpoison", "--journal", self.j], self.f.root)
        self.assertEqual(p.returncode, EX_DATAERR, p.stderr)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("line 3", lines[0])
        self.assertIn("recorded before that line were undone", lines[0])
        self.assertIn("0x2000", p.stdout)
        self.assertNotIn("0x2001", p.stdout)
        self.assertEqual(self.f.read(UNPOISON).split(), ["0x2000"])
        self.f.write(UNPOISON, "")
        self.write_journal("not a journal\n")
        self.fails(["unpoison", "--journal", self.j], EX_DATAERR, self.f.root)
        self.write_journal("hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\n",
                           0o666)
        self.fails(["unpoison", "--journal", self.j], EX_NOPERM, self.f.root)
        os.chmod(self.j, 0o600)
        link = os.path.join(self.f.tmp, "link")
        os.symlink(self.j, link)
        self.fails(["unpoison", "--journal", link], EX_NOPERM, self.f.root,
                   contains="symbolic link")
        self.assertEqual(self.f.read(UNPOISON), "")
        # a writer still holds it
        import fcntl
        with open(self.j, "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            self.fails(["unpoison", "--journal", self.j], EX_NOPERM, self.f.root,
                       contains="in use")
        self.assertEqual(self.f.read(UNPOISON), "")
        self.fails(["unpoison", "--journal", self.j, "--pfn", "0x2000"], EX_USAGE, self.f.root)
        self.fails(["unpoison", "--journal", self.j], EX_UNAVAILABLE, self.fake("nomf").root)


class TestRun(Base):
    """hwpinject run: usage, starting the command, its fate and exit status.  On the host
    nothing is injected: with the fake mf-6.12 tree the methods look available, but the
    command's pid is not in the fake /proc, so only what happens without an injection (or
    when the page cannot be resolved) is tested here; tests/vm proves the injections."""

    def run_json(self, args, status, root):
        p = run(["--json", "run"] + args, root, check_status=status)
        objs = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertGreater(len(objs), 0, p.stdout)
        fate = objs[-1]
        for key in ("command", "pid", "fate", "injections", "outcome", "forwarded_signal"):
            self.assertIn(key, fate)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1 if status else 0, p.stderr)
        return fate, p

    def test_cannot_start(self):
        self.fails(["run", "--region", "heap", "--", "/nonexistent/command"], EX_NOINPUT,
                   contains="/nonexistent/command")
        self.fails(["run", "--region", "heap", "--", "no-such-command-hwpi"], EX_NOINPUT)
        tmp = tempfile.mkdtemp(prefix="hwpi-cli-run-")
        self.addCleanup(shutil.rmtree, tmp, True)
        script = os.path.join(tmp, "not-executable")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(script, 0o644)
        self.fails(["run", "--region", "heap", "--", script], EX_NOPERM)
        self.fails(["run", "--region", "heap", "--", tmp], EX_NOPERM)

    @unittest.skipIf(HOST_HAS_MF, "this kernel has CONFIG_MEMORY_FAILURE")
    def test_unavailable_not_started(self):
        """The method is checked before the command is started."""
        tmp = tempfile.mkdtemp(prefix="hwpi-cli-run-")
        self.addCleanup(shutil.rmtree, tmp, True)
        marker = os.path.join(tmp, "started")
        for extra in (["-m", "corrupt-pfn"], ["--dry-run"], []):
            with self.subTest(extra=extra):
                self.fails(["run", "--region", "heap"] + extra + ["--", "touch", marker],
                           EX_UNAVAILABLE, contains="CONFIG_MEMORY_FAILURE")
                self.assertFalse(os.path.exists(marker))

    def test_fate_and_status(self):
        root = self.fake("mf-6.12").root
        late = ["--after", "30s", "--region", "heap", "--"]
        fate, _ = self.run_json(late + ["true"], 0, root)
        self.assertEqual(fate["command"], ["true"])
        self.assertEqual(fate["fate"], {"state": "exited", "status": 0})
        self.assertEqual(fate["injections"], 0)
        self.assertIsNone(fate["outcome"])
        self.assertIsNone(fate["forwarded_signal"])
        self.assertNotIn("expect", fate)
        fate, p = self.run_json(late + ["sh", "-c", "exit 3"], 3, root)
        self.assertEqual(fate["fate"], {"state": "exited", "status": 3})
        self.assertIn("status 3", p.stderr)
        fate, p = self.run_json(late + ["sh", "-c", "kill -BUS $$"], 128 + 7, root)
        self.assertEqual(fate["fate"], {"state": "killed", "signal": "SIGBUS"})
        self.assertIn("SIGBUS", p.stderr)
        # the arguments belong to the command, also without "--"
        p = run(["run", "--after", "30s", "--region", "heap", "echo", "-n", "x", "--json"],
                root, check_status=0)
        self.assertTrue(p.stdout.startswith("x"), p.stdout)
        self.assertIn("command:        exited with status 0", p.stdout)

    def test_expect(self):
        root = self.fake("mf-6.12").root
        late = ["--after", "30s", "--region", "heap"]
        fate, _ = self.run_json(late + ["--expect", "killed", "--", "sh", "-c", "kill -BUS $$"],
                                0, root)
        self.assertEqual(fate["expect"], "killed")
        self.assertIs(fate["expect_met"], True)
        fate, p = self.run_json(late + ["--expect", "sigbus-ar", "--", "sh", "-c", "exit 3"], 1,
                                root)
        self.assertIs(fate["expect_met"], False)
        self.assertIn("before any injection", p.stderr)

    def test_signal_passed_on(self):
        root = self.fake("mf-6.12").root
        env = dict(os.environ, HWPINJECT_ROOT=root, LC_ALL="C")
        p = subprocess.Popen([HWPINJECT, "--json", "run", "--after", "60s", "--region", "heap",
                              "--", "sleep", "30"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
        try:
            for _ in range(100):   # until the command runs (exec'd into sleep)
                kids = subprocess.run(["ps", "-o", "comm=", "--ppid", str(p.pid)],
                                      capture_output=True, text=True).stdout.split()
                if "sleep" in kids:
                    break
                subprocess.run(["sleep", "0.05"])
            p.send_signal(15)
            out, err = p.communicate(timeout=20)
        finally:
            p.kill()
        self.assertEqual(p.returncode, 128 + 15, err)
        fate = json.loads(out.splitlines()[-1])
        self.assertEqual(fate["fate"], {"state": "killed", "signal": "SIGTERM"})
        self.assertEqual(fate["forwarded_signal"], "SIGTERM")

    def test_failure_kills_command(self):
        """hwpinject fails after starting the command (its pid is not in the fake /proc):
        the command is killed and reaped, not left running."""
        root = self.fake("mf-6.12").root
        start = os.times().elapsed
        fate, p = self.run_json(["--dry-run", "--region", "heap", "--", "sleep", "30"],
                                EX_NOINPUT, root)
        self.assertLess(os.times().elapsed - start, 20)
        self.assertEqual(fate["fate"], {"state": "killed", "signal": "SIGKILL"})
        self.assertEqual(fate["injections"], 0)
        ps = subprocess.run(["ps", "-o", "pid=", "-p", str(fate["pid"])], capture_output=True,
                            text=True)
        self.assertEqual(ps.stdout.strip(), "", "the command is gone")


PROBE_ROW = {"kind": "anon", "method": "hwpoison", "kill": "late", "status": "done",
             "reason": None, "pid": 42, "vaddr": "0x7f0000001000", "pfn": "0x1234",
             "page_size": 4096, "errno": 0, "error": None,
             "action": {"page_type": "dirty LRU page", "result": "Recovered",
                        "source": "tracepoint"},
             "at_injection": None,
             "on_access": {"signal": "SIGBUS", "code": "BUS_MCEERR_AR",
                           "addr": "0x7f0000001000", "addr_lsb": 12},
             "child_signals": [], "fate": {"state": "alive"}, "poisoned": True,
             "migrated": False, "outcome": "recovered", "unpoison": "unpoisoned"}


class TestProbe(Base):
    """probe on the host (no CONFIG_MEMORY_FAILURE) and probe --compare on hand-written
    outputs; neither needs root or the kernel's memory-failure support."""

    def probe_file(self, rows, kernel="6.1.0-50-amd64", raw=None):
        fd, path = tempfile.mkstemp(prefix="hwpi-probe-", suffix=".json")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as f:
            if raw is not None:
                f.write(raw)
            else:
                for r in rows:
                    f.write(json.dumps(r) + "\n")
                f.write(json.dumps({"kernel": kernel, "rows": len(rows),
                                    "left_poisoned": []}) + "\n")
        return path

    def rows(self, **changes):
        soft = dict(PROBE_ROW, method="soft-offline", kill=None, migrated=True, on_access=None,
                    action=None, outcome="migrated")
        early = dict(PROBE_ROW, kill="early")
        late = dict(PROBE_ROW, **changes)
        return [late, early, soft]

    @unittest.skipIf(HOST_HAS_MF, "this kernel has CONFIG_MEMORY_FAILURE")
    def test_host_unavailable(self):
        tmp = tempfile.mkdtemp(prefix="hwpi-probe-dir-")
        self.addCleanup(shutil.rmtree, tmp, True)
        before = set(os.listdir("/var/tmp")) if os.path.isdir("/var/tmp") else set()
        self.fails(["probe"], EX_UNAVAILABLE, contains="CONFIG_MEMORY_FAILURE")
        self.fails(["probe", "--json", "--kinds", "anon,file-dirty", "--dir", tmp],
                   EX_UNAVAILABLE)
        self.assertEqual(os.listdir(tmp), [], "nothing created before the check")
        after = set(os.listdir("/var/tmp")) if os.path.isdir("/var/tmp") else set()
        self.assertEqual([x for x in after - before if x.startswith("hwpinject-probe")], [])

    def test_usage(self):
        self.fails(["probe", "--kinds", "anon,bogus"], EX_USAGE, contains="bogus")
        self.fails(["probe", "--methods", "nope"], EX_USAGE, contains="nope")
        self.fails(["probe", "--compare", "a.json"], EX_USAGE)
        self.fails(["probe", "extra"], EX_USAGE)
        self.fails(["probe", "--compare", "--kinds", "anon", "a", "b"], EX_USAGE)

    def test_compare_identical(self):
        a = self.probe_file(self.rows())
        # other pids, addresses and pfns, another kernel: still the same behaviour
        other = [dict(r, pid=99, pfn="0x9999", vaddr="0x7f0000009000") for r in self.rows()]
        b = self.probe_file(other, kernel="6.1.0-51-amd64")
        p = run(["probe", "--compare", a, b], check_status=0)
        self.assertIn("0 of 3 rows differ", p.stdout)
        self.assertEqual(p.stderr, "")

    def test_compare_differ(self):
        ar = {"signal": "SIGBUS", "code": "BUS_MCEERR_AR", "addr": "0x7f0000001000",
              "addr_lsb": 12}
        a = self.probe_file(self.rows())
        b = self.probe_file(self.rows(at_injection=ar), kernel="6.12.117+deb13-amd64")
        p = run(["probe", "--compare", a, b], check_status=1)
        self.assertIn("anon hwpoison late:", p.stdout)
        self.assertIn("at_injection.code: null -> BUS_MCEERR_AR", p.stdout)
        self.assertNotIn("anon hwpoison early:", p.stdout)
        self.assertIn("6.12.117+deb13-amd64", p.stdout)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        # a row only in one of them differs too
        c = self.probe_file(self.rows()[:2])
        p = run(["probe", "--compare", a, c], check_status=1)
        self.assertIn("anon soft-offline -: only in", p.stdout)

    def test_compare_malformed(self):
        good = self.probe_file(self.rows())
        for raw in ('{"kind":"anon","method":"hwpoison",\n',   # truncated
                    '{"kind":"anon","method":"hwpoison","kill":"late"} junk\n',
                    '[' * 100000 + "\n",                       # nesting
                    '{"kind":"a\\ud800","method":"m","kill":null}\n',  # lone surrogate
                    '{"kind":"a\x01","method":"m","kill":null}\n',    # control character
                    '{"kind":01,"method":"m","kill":null}\n',         # bad number
                    '{"kind":"anon","method":"hwpoison"}\n',          # no kill
                    '[1,2]\n',                                        # not an object
                    '{"x":1}\n',                                      # neither row nor summary
                    '',                                               # no rows
                    json.dumps(PROBE_ROW) + "\n" + json.dumps(PROBE_ROW) + "\n"):  # twice
            bad = self.probe_file(None, raw=raw)
            self.fails(["probe", "--compare", good, bad], EX_DATAERR)
            self.fails(["probe", "--compare", bad, good], EX_DATAERR)

    def test_compare_missing(self):
        good = self.probe_file(self.rows())
        missing = os.path.join(tempfile.gettempdir(), "hwpi-no-such-probe-%d.json" % os.getpid())
        self.fails(["probe", "--compare", good, missing], EX_NOINPUT, contains=missing)
        self.fails(["probe", "--compare", missing, good], EX_NOINPUT)


class TestCampaign(Base):
    """campaign on the fake tree: steps run in-process with --json, then a summary line."""

    def setUp(self):
        self.f = self.fake("mf-6.12")

    def file(self, text):
        path = os.path.join(self.f.tmp, "campaign-%d" % len(os.listdir(self.f.tmp)))
        with open(path, "w" if isinstance(text, str) else "wb") as f:
            f.write(text)
        return path

    def campaign(self, text, *opts, status=0):
        path = self.file(text)
        objs = self.json_lines(["campaign"] + list(opts) + [path], self.f.root, status)
        self.assertEqual(objs[-1]["campaign"], path)
        self.assertEqual(set(objs[-1]), {"campaign", "steps", "ok", "failed", "injections",
                                          "interrupted"})
        self.assertIsNone(objs[-1]["interrupted"])
        return objs[:-1], objs[-1]

    def test_three_steps(self):
        reps, s = self.campaign("inject --pfn 0x2000\n" * 3)
        self.assertEqual([r["pfn"] for r in reps], ["0x2000"] * 3)
        self.assertEqual((s["steps"], s["ok"], s["failed"], s["injections"]), (3, 3, [], 3))
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")

    def test_quoting_comments(self):
        reps, s = self.campaign("# a comment\n\n  inject '--pfn' \"0x2001\" # more\n"
                                "inject --p\\fn 0x2002 --dry-run\n"
                                "inject \"--pf\"n 0x200\\3\n"
                                "translate --pfn '0x2004'\n\tstatus\n")
        self.assertEqual([r["pfn"] for r in reps[:4]], ["0x2001", "0x2002", "0x2003", "0x2004"])
        self.assertIs(reps[1]["dry_run"], True)
        self.assertIn("methods", reps[4])
        self.assertEqual((s["steps"], s["ok"], s["injections"]), (5, 5, 2))

    def test_repeat_sleep(self):
        reps, s = self.campaign("repeat 3 {\n  inject --pfn 0x2000\n}\n")
        self.assertEqual((len(reps), s["steps"], s["injections"]), (3, 3, 3))
        reps, s = self.campaign("repeat 2 {\n repeat 2 {\n  inject --pfn 0x2000\n"
                                "  sleep 1ms\n }\n translate --pfn 0x2000\n}\nrepeat 0 {\n"
                                "status\n}\n")
        self.assertEqual((len(reps), s["steps"], s["injections"]), (6, 6, 4))

    def test_failing_step(self):
        text = "inject --pfn 0x2000\ninject --pfn 0x80000\ninject --pfn 0x2001\n"
        p = run(["campaign", self.file(text)], self.f.root, check_status=1)
        objs = [json.loads(line) for line in p.stdout.splitlines()]
        s = objs[-1]
        self.assertEqual((len(objs), s["steps"], s["ok"], s["injections"]), (3, 3, 2, 2))
        self.assertEqual(len(s["failed"]), 1)
        self.assertEqual((s["failed"][0]["line"], s["failed"][0]["status"]), (2, EX_DATAERR))
        self.assertIn("0x80000", s["failed"][0]["error"])
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn("line 2", p.stderr)
        self.f.write(CORRUPT, "")
        p = run(["campaign", "--stop-on-error", self.file(text)], self.f.root, check_status=1)
        objs = [json.loads(line) for line in p.stdout.splitlines()]
        self.assertEqual((len(objs), objs[-1]["steps"], objs[-1]["ok"]), (2, 2, 1))
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")  # the third step did not run

    def test_progress_on_terminal(self):
        """On a terminal, "step N/TOTAL" at most ten times a second, the last step at the end;
        not at all when standard error is not a terminal."""
        path = self.file("repeat 300 {\n  translate --pfn 0x2000\n  sleep 1ms\n}\n")
        env = dict(os.environ, HWPINJECT_ROOT=self.f.root, LC_ALL="C")
        master, slave = pty.openpty()
        chunks = []
        reader = threading.Thread(target=lambda: self._drain(master, chunks))
        reader.start()
        t0 = time.monotonic()
        try:
            p = subprocess.run([HWPINJECT, "campaign", path], stdout=subprocess.PIPE,
                               stderr=slave, env=env, timeout=60)
        finally:
            os.close(slave)
            reader.join(10)
            os.close(master)
        elapsed = time.monotonic() - t0
        self.assertEqual(p.returncode, 0)
        shown = re.findall(r"step (\d+)/300", b"".join(chunks).decode())
        self.assertEqual(shown[0], "1")
        self.assertEqual(shown[-1], "300", shown)
        self.assertLessEqual(len(shown), elapsed * 10 + 3, (elapsed, shown))
        self.assertEqual([int(x) for x in shown], sorted(int(x) for x in shown))
        p = run(["campaign", path], self.f.root, check_status=0)
        self.assertEqual(p.stderr, "")

    @staticmethod
    def _drain(fd, chunks):
        while True:
            try:
                b = os.read(fd, 4096)
            except OSError:  # EIO: the slave side is closed
                return
            if not b:
                return
            chunks.append(b)

    def test_options(self):
        journal = os.path.join(self.f.tmp, "journal")
        reps, s = self.campaign("inject --pfn 0x2000\ntranslate --pfn 0x2000\n",
                                "--journal", journal, "--rate", "100")
        with open(journal) as f:
            self.assertIn("0x2000", f.read())
        text = "inject --pid 4242 --region anon --random --dry-run\n" * 2
        a, _ = self.campaign(text, "--seed", "7")
        b, _ = self.campaign(text, "--seed", "7")
        c, _ = self.campaign("inject --pid 4242 --region anon --random --dry-run --seed 8\n"
                             "inject --pid 4242 --region anon --random --dry-run --seed 9\n")
        self.assertEqual([r["vaddr"] for r in a], [r["vaddr"] for r in b])
        self.assertEqual([r["vaddr"] for r in a], [r["vaddr"] for r in c])
        self.fails(["campaign", "--rate", "0", self.file("status\n")], EX_DATAERR, self.f.root)
        self.fails(["campaign"], EX_USAGE, self.f.root)

    def test_missing(self):
        missing = os.path.join(self.f.tmp, "no-such-campaign")
        self.fails(["campaign", missing], EX_NOINPUT, self.f.root, contains=missing)

    def test_stdin_interrupt(self):
        env = dict(os.environ, HWPINJECT_ROOT=self.f.root, LC_ALL="C")
        p = subprocess.Popen([HWPINJECT, "campaign", "-"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        p.stdin.write("inject --pfn 0x2000\nsleep 30\ninject --pfn 0x2001\n")
        p.stdin.close()
        p.stdin = None
        line = p.stdout.readline()
        self.assertEqual(json.loads(line)["pfn"], "0x2000")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
        self.assertEqual(p.returncode, -signal.SIGINT)
        s = json.loads(out)
        self.assertEqual((s["campaign"], s["steps"], s["interrupted"]), ("-", 1, "SIGINT"))
        self.assertIn("SIGINT", err)
        self.assertEqual(self.f.read(CORRUPT), "0x2000\n")


# ---------------------------------------------------------------------------
# Bad input: every command and option, one table.  Each row: (case, argv, stdin,
# exit status, regex the one stderr line must match).  Run against a copy of the
# fake mf-6.12 tree; after each row nothing may have changed: the kernel's files
# (corrupt-pfn, unpoison-pfn, soft/hard_offline_page), the early-kill sysctl and
# the files of {tmp} (journals, campaigns).  In argv: {tmp} is a directory with
# the files BAD_FILES, {free} a pid no process has; a first element "@sh" runs
# argv[1] with sh -c ($HWPINJECT is the program, so "exec" gives it the shell's
# pid); "@nobody" runs the rest as an unprivileged user (root reads anything).
# The same cases that need a real kernel (unmapped address of a live process,
# pfn beyond the end, pid 1, a kernel thread, an exited pid, hwpinject's own
# pid ...) run in the VM: tests/vm/guest-badinput.sh, tests/vm/check_badinput.py.

BAD_FILES = {
    "not-a-journal": b"hello\nworld",
    "journal-nul": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\x00\n"
                   b"inject method=corrupt-pfn pfn=0x2001\n",
    "journal-long": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000 " + b"x" * 5000
                    + b"\ninject method=corrupt-pfn pfn=0x2001\n",
    "journal-version": b"hwpinject-journal 2\ninject method=corrupt-pfn pfn=0x2000\n",
    "journal-negative": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=-1\n",
    "journal-overflow": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x10000000000000000\n",
    "journal-method": b"hwpinject-journal 1\ninject method=bogus pfn=0x2000\n",
    "journal-notjournal": b"not a journal\n",
    "unreadable": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\nstatus\n",
    "world-writable": b"hwpinject-journal 1\ninject method=corrupt-pfn pfn=0x2000\n",
}

NUM = r"is not a number; give a decimal or 0x-hex number"
BIG = r"is too large; give a 64-bit number"
DUR = r"is not a duration; give seconds"
BADOPT = r"bad option '%s' \(unknown, or its argument is missing\); see 'hwpinject %s--help'"
LIBPID = "4242"
ADDR = "0x7f0000000000"
HEAP = ["--pid", LIBPID, "--region", "heap"]
CAMPAIGN_FAIL = r"1 of 1 steps failed \(the first at line 1: "

BAD_INPUT = [
    # -- commands and global options
    ("no command", [], None, EX_USAGE, r"no command given"),
    ("unknown command", ["bogus"], None, EX_USAGE, r"bogus"),
    ("unknown global option", ["--bogus", "status"], None, EX_USAGE, BADOPT % ("--bogus", "")),
    ("--quiet and --verbose", ["-q", "-v", "status"], None, EX_USAGE,
     r"--quiet and --verbose exclude each other"),
    ("global option only", ["--json"], None, EX_USAGE, r"no command given"),
    # -- numbers: not numbers, negative, overflow
    ("pfn 12abc", ["inject", "--pfn", "12abc"], None, EX_DATAERR, r"--pfn: '12abc' " + NUM),
    ("pfn 0x", ["inject", "--pfn", "0x"], None, EX_DATAERR, NUM),
    ("pfn -1", ["inject", "--pfn", "-1"], None, EX_DATAERR, r"'-1' " + NUM),
    ("pfn +1", ["inject", "--pfn", "+1"], None, EX_DATAERR, NUM),
    ("pfn leading blank", ["inject", "--pfn", " 1"], None, EX_DATAERR, NUM),
    ("pfn trailing blank", ["inject", "--pfn", "1 "], None, EX_DATAERR, NUM),
    ("pfn 0x12g", ["inject", "--pfn", "0x12g"], None, EX_DATAERR, NUM),
    ("pfn empty", ["inject", "--pfn", ""], None, EX_DATAERR, NUM),
    ("pfn 2^64", ["inject", "--pfn", "18446744073709551616"], None, EX_DATAERR, BIG),
    ("pfn 0x1 0000 0000 0000 0000", ["inject", "--pfn", "0x10000000000000000"], None,
     EX_DATAERR, BIG),
    ("pfn 2^64-1", ["inject", "--pfn", "0xffffffffffffffff"], None, EX_DATAERR,
     r"pfn 0xffffffffffffffff is beyond the last pfn"),
    ("pfn just beyond the end", ["inject", "--pfn", "0x80000"], None, EX_DATAERR,
     r"pfn 0x80000 is beyond the last pfn"),
    ("phys 10^20", ["inject", "--phys", "99999999999999999999"], None, EX_DATAERR, BIG),
    ("phys beyond the end", ["inject", "--phys", "0x80000000"], None, EX_DATAERR,
     r"pfn 0x80000 is beyond the last pfn; give an address of RAM"),
    ("phys 2^64-1", ["inject", "--phys", "0xffffffffffffffff"], None, EX_DATAERR,
     r"beyond the last pfn"),
    ("pid 12abc", ["translate", "--pid", "12abc", "--addr", "0x1000"], None, EX_DATAERR,
     r"--pid: '12abc' " + NUM),
    ("pid -5", ["inject", "--pid", "-5", "--addr", ADDR], None, EX_DATAERR, r"'-5' " + NUM),
    ("pid 0", ["inject", "--pid", "0", "--addr", ADDR], None, EX_DATAERR,
     r"--pid: 0 is not a valid process id"),
    ("pid 2^31", ["inject", "--pid", "2147483648", "--addr", ADDR], None, EX_DATAERR,
     r"2147483648 is not a valid process id"),
    ("pid 2^64", ["inject", "--pid", "18446744073709551616", "--addr", ADDR], None, EX_DATAERR,
     BIG),
    ("addr -1", ["inject", "--pid", LIBPID, "--addr", "-1"], None, EX_DATAERR, NUM),
    ("addr 2^64", ["translate", "--pid", "1", "--addr", "0x10000000000000000"], None,
     EX_DATAERR, BIG),
    ("count 0", ["inject"] + HEAP + ["--count", "0"], None, EX_DATAERR,
     r"--count: 0 is out of range; give 1 to"),
    ("count -1", ["inject"] + HEAP + ["--count", "-1"], None, EX_DATAERR, NUM),
    ("count huge", ["translate"] + HEAP + ["--count", "99999"], None, EX_DATAERR,
     r"--count: 99999 is out of range|99999 wanted"),
    ("offset abc", ["inject"] + HEAP + ["--offset", "abc"], None, EX_DATAERR, NUM),
    ("seed abc", ["inject"] + HEAP + ["--random", "--seed", "abc"], None, EX_DATAERR, NUM),
    ("watch -1", ["inject", "--pfn", "0x2000", "--watch", "-1"], None, EX_DATAERR, DUR),
    ("watch abc", ["inject", "--pfn", "0x2000", "--watch", "abc"], None, EX_DATAERR, DUR),
    ("watch 10^20", ["inject", "--pfn", "0x2000", "--watch", "99999999999999999999"], None,
     EX_DATAERR, DUR),
    ("unpoison pfn abc", ["unpoison", "--pfn", "abc"], None, EX_DATAERR, NUM),
    ("unpoison pfn 2^64", ["unpoison", "--pfn", "18446744073709551616"], None, EX_DATAERR, BIG),
    ("unpoison pfn beyond the end", ["unpoison", "--pfn", "0x80000"], None, EX_DATAERR,
     r"pfn 0x80000 is beyond the last pfn"),
    ("translate pfn beyond the end", ["translate", "--pfn", "0x80000"], None, EX_DATAERR,
     r"beyond the last pfn"),
    ("translate phys 2^64-1", ["translate", "--phys", "0xffffffffffffffff"], None, EX_DATAERR,
     r"beyond the last pfn"),
    ("run after -1", ["run", "--after", "-1", "--addr", "0x1000", "--", "true"], None,
     EX_DATAERR, DUR),
    ("run after soon", ["run", "--after", "soon", "--region", "heap", "--", "true"], None,
     EX_DATAERR, DUR),
    ("run every abc", ["run", "--random", "--count", "2", "--every", "abc", "--", "true"], None,
     EX_DATAERR, DUR),
    ("run count 0", ["run", "--count", "0", "--every", "1", "--region", "heap", "--", "true"],
     None, EX_DATAERR, r"--count: 0 is out of range"),
    ("run addr abc", ["run", "--addr", "abc", "--", "true"], None, EX_DATAERR, NUM),
    ("campaign rate abc", ["campaign", "--rate", "abc", "-"], b"status\n", EX_DATAERR,
     r"--rate: 'abc' is not a rate"),
    ("campaign rate -1", ["campaign", "--rate", "-1", "-"], b"status\n", EX_DATAERR,
     r"--rate: '-1' is not a rate"),
    ("campaign rate 0", ["campaign", "--rate", "0", "-"], b"status\n", EX_DATAERR,
     r"--rate: '0' is not a rate"),
    ("campaign seed -1", ["campaign", "--seed", "-1", "-"], b"status\n", EX_DATAERR, NUM),
    # -- addresses and pages
    ("unmapped address", ["inject", "--pid", LIBPID, "--addr", "0x10", "--dry-run"], None,
     EX_DATAERR, r"address 0x0 is not mapped in pid 4242; pick a mapped address"),
    ("unmapped address 2^64-1", ["inject", "--pid", LIBPID, "--addr", "0xffffffffffffffff"],
     None, EX_DATAERR, r"0xfffffffffffff000 is not mapped"),
    ("translate unmapped", ["translate", "--pid", LIBPID, "--addr", "0x10"], None, EX_DATAERR,
     r"is not mapped in pid 4242"),
    ("unpoison unmapped", ["unpoison", "--pid", LIBPID, "--addr", "0x10"], None, EX_DATAERR,
     r"is not mapped in pid 4242"),
    ("unpoison page not present", ["unpoison", "--pid", LIBPID, "--addr", "0x555555562000"],
     None, EX_DATAERR, r"maps no page and no poisoned page"),
    ("pfn method on a page not present", ["inject", "--pid", LIBPID, "--addr", "0x555555562000",
                                          "--method", "corrupt-pfn"], None, EX_DATAERR,
     r"not present"),
    ("unsafe page without --force", ["inject", "--pfn", "0x10"], None, EX_NOPERM,
     r"refusing pfn 0x10: .*reserved.*--force"),
    ("pfn hidden (no CAP_SYS_ADMIN)", ["translate", "--pid", LIBPID, "--addr", "0x7f0000d00000"],
     None, EX_NOPERM, r"CAP_SYS_ADMIN"),
    ("region bogus", ["translate"] + HEAP[:2] + ["--region", "bogus"], None, EX_DATAERR,
     r"unknown region bogus"),
    ("region empty", ["inject"] + HEAP[:2] + ["--region", "", "--dry-run"], None, EX_DATAERR,
     r"empty region"),
    ("region backwards", ["inject"] + HEAP[:2] + ["--region", "0x2000-0x1000"], None, EX_DATAERR,
     r"bad region 0x2000-0x1000"),
    ("region open end", ["inject"] + HEAP[:2] + ["--region", "0x1000-"], None, EX_DATAERR,
     r"bad region 0x1000-"),
    ("region file not mapped", ["translate"] + HEAP[:2] + ["--region", "file:/no/such"], None,
     EX_NOINPUT, r"has no file:/no/such region"),
    ("region too few pages", ["inject"] + HEAP + ["--count", "1000"], None, EX_DATAERR,
     r"has 14 present page\(s\) from that offset, 1000 wanted"),
    ("region offset beyond", ["inject"] + HEAP + ["--offset", "0x100000000"], None, EX_DATAERR,
     r"0 present page\(s\)"),
    ("translate region count 15", ["translate"] + HEAP + ["--count", "15"], None, EX_DATAERR,
     r"15 wanted"),
    # -- processes
    ("no such pid", ["inject", "--pid", "4243", "--addr", ADDR, "--dry-run"], None, EX_NOINPUT,
     r"no process with pid 4243; check the pid"),
    ("translate no such pid", ["translate", "--pid", "4243", "--addr", "0x1000"], None,
     EX_NOINPUT, r"4243"),
    ("unpoison no such pid", ["unpoison", "--pid", "4243", "--addr", ADDR], None, EX_NOINPUT,
     r"4243"),
    ("free pid", ["inject", "--pid", "{free}", "--addr", ADDR], None, EX_NOINPUT,
     r"no process with pid \d+"),
    ("zombie", ["inject", "--pid", "4244", "--addr", ADDR], None, EX_NOINPUT,
     r"pid 4244 is a zombie"),
    ("zombie region", ["translate", "--pid", "4244", "--region", "heap"], None, EX_NOINPUT,
     r"pid 4244 is a zombie"),
    ("kernel thread", ["inject", "--pid", "4245", "--addr", ADDR], None, EX_NOPERM,
     r"pid 4245 is a kernel thread.*; target a user process"),
    ("kernel thread region", ["translate", "--pid", "4245", "--region", "anon"], None, EX_NOPERM,
     r"pid 4245 is a kernel thread.*; target a user process"),
    ("pid 1", ["inject", "--pid", "1", "--addr", ADDR, "--dry-run"], None, EX_NOPERM,
     r"refusing to inject into pid 1 \(init\)"),
    ("own pid", ["@sh", 'exec "$HWPINJECT" inject --pid $$ --addr 0x7f0000000000 --dry-run'],
     None, EX_NOPERM, r"refusing to inject into hwpinject itself"),
    # -- methods, outcomes, kinds
    ("unknown method", ["inject", "--pfn", "0x10", "--method", "bogus"], None, EX_USAGE,
     r"unknown method 'bogus'; give one of hwpoison"),
    ("empty method", ["inject", "--pfn", "0x2000", "--method", ""], None, EX_USAGE,
     r"unknown method ''"),
    ("run unknown method", ["run", "--addr", "0x1000", "--method", "bogus", "--", "true"], None,
     EX_USAGE, r"unknown method 'bogus'"),
    ("madvise method without pid", ["inject", "--pfn", "0x2000", "--method", "hwpoison"], None,
     EX_USAGE, r"--method hwpoison needs a --pid target"),
    ("unknown outcome", ["inject", "--pfn", "0x10", "--expect", "bogus"], None, EX_USAGE,
     r"unknown outcome 'bogus' for --expect"),
    ("probe unknown kind", ["probe", "--kinds", "bogus"], None, EX_USAGE,
     r"--kinds: unknown name 'bogus'"),
    ("probe empty kind", ["probe", "--kinds", "anon,,shmem"], None, EX_USAGE,
     r"--kinds: unknown name ''"),
    ("probe unknown method", ["probe", "--methods", "bogus"], None, EX_USAGE,
     r"--methods: unknown name 'bogus'"),
    # -- conflicting options
    ("pfn and pid", ["inject", "--pfn", "0x10", "--pid", LIBPID, "--addr", "0x1000"], None,
     EX_USAGE, r"exclude each other|needs"),
    ("pfn and phys", ["inject", "--pfn", "0x10", "--phys", "0x10000"], None, EX_USAGE,
     r"--pfn and --phys exclude each other"),
    ("addr and region", ["inject", "--pid", LIBPID, "--addr", "0x1000", "--region", "heap"], None,
     EX_USAGE, r"--addr.*--region|--region.*--addr"),
    ("early and late kill", ["inject", "--pfn", "0x10", "--early-kill", "--late-kill"], None,
     EX_USAGE, r"--early-kill and --late-kill exclude each other"),
    ("no-observe with watch", ["inject", "--pfn", "0x10", "--no-observe", "--watch", "1"], None,
     EX_USAGE, r"--no-observe sees nothing to watch; drop --no-observe, or --watch"),
    ("no-observe with expect", ["inject", "--pfn", "0x10", "--no-observe", "-e", "recovered"],
     None, EX_USAGE, r"--no-observe sees nothing to judge"),
    ("pfn twice", ["inject", "--pfn", "0x2000", "--pfn", "0x2001"], None, EX_USAGE,
     r"--pfn given twice"),
    ("pid twice", ["inject", "--pid", LIBPID, "--pid", "4243", "--addr", ADDR], None, EX_USAGE,
     r"--pid given twice"),
    ("offset and random", ["inject"] + HEAP + ["--random", "--offset", "4096"], None, EX_USAGE,
     r"--offset and --random exclude each other"),
    ("random without region", ["inject", "--pid", LIBPID, "--addr", ADDR, "--random"], None,
     EX_USAGE, r"--random needs --region"),
    ("seed without region", ["inject", "--pfn", "0x2000", "--seed", "1"], None, EX_USAGE,
     r"--seed needs --region"),
    ("count without region", ["translate", "--pid", LIBPID, "--addr", ADDR, "--count", "2"], None,
     EX_USAGE, r"--count needs --region"),
    ("populate without pid", ["inject", "--pfn", "0x2000", "--populate"], None, EX_USAGE,
     r"--populate needs a --pid target"),
    ("unpoison pfn and pid", ["unpoison", "--pfn", "0x3000", "--pid", LIBPID, "--addr", ADDR],
     None, EX_USAGE, r"--pfn and --pid exclude each other"),
    ("unpoison journal and pfn", ["unpoison", "--journal", "{tmp}/j", "--pfn", "0x2000"], None,
     EX_USAGE, r"--journal names the pages itself"),
    ("run with pid", ["run", "--pid", "1", "--region", "heap", "--", "true"], None, EX_USAGE, r"."),
    ("run addr and region", ["run", "--addr", "0x1000", "--region", "heap", "--", "true"], None,
     EX_USAGE, r"."),
    ("run count without every", ["run", "--region", "heap", "--count", "2", "--", "true"], None,
     EX_USAGE, r"--every"),
    ("run every without count", ["run", "--region", "heap", "--every", "1s", "--", "true"], None,
     EX_USAGE, r"--count"),
    ("run seed without random", ["run", "--region", "heap", "--seed", "1", "--", "true"], None,
     EX_USAGE, r"--seed"),
    ("run addr and random", ["run", "--addr", "0x1000", "--random", "--", "true"], None, EX_USAGE,
     r"."),
    ("run early and late kill", ["run", "--early-kill", "--late-kill", "--region", "heap", "--",
                                 "true"], None, EX_USAGE, r"exclude each other"),
    ("translate pfn and phys", ["translate", "--pfn", "0x2000", "--phys", "0x2000000"], None,
     EX_USAGE, r"--pfn and --phys exclude each other"),
    # -- missing arguments, unknown options, stray arguments
    ("inject nothing", ["inject"], None, EX_USAGE, r"no target given"),
    ("translate nothing", ["translate"], None, EX_USAGE, r"."),
    ("unpoison nothing", ["unpoison"], None, EX_USAGE, r"."),
    ("addr without pid", ["inject", "--addr", "0x1000"], None, EX_USAGE, r"--addr needs --pid"),
    ("pid without addr", ["inject", "--pid", LIBPID], None, EX_USAGE,
     r"--pid needs --addr or --region"),
    ("unpoison pid without addr", ["unpoison", "--pid", LIBPID], None, EX_USAGE,
     r"--pid needs --addr"),
    ("pfn without value", ["inject", "--pfn"], None, EX_USAGE, BADOPT % ("--pfn", "inject ")),
    ("translate pid without value", ["translate", "--pid"], None, EX_USAGE,
     BADOPT % ("--pid", "translate ")),
    ("unknown inject option", ["inject", "--bogus"], None, EX_USAGE,
     BADOPT % ("--bogus", "inject ")),
    ("unknown status option", ["status", "--bogus"], None, EX_USAGE,
     BADOPT % ("--bogus", "status ")),
    ("status with a target", ["status", "--pfn", "0x2000"], None, EX_USAGE,
     BADOPT % ("--pfn", "status ")),
    ("translate with a method", ["translate", "--pfn", "0x2000", "--method", "corrupt-pfn"], None,
     EX_USAGE, BADOPT % ("--method", "translate ")),
    ("unpoison with a region", ["unpoison", "--pid", LIBPID, "--region", "heap"], None, EX_USAGE,
     BADOPT % ("--region", "unpoison ")),
    ("stray argument", ["inject", "--pfn", "0x2000", "extra"], None, EX_USAGE,
     r"unexpected argument 'extra'"),
    ("status stray argument", ["status", "x"], None, EX_USAGE, r"unexpected argument 'x'"),
    ("journal without name", ["inject", "--journal", "", "--pfn", "0x2000"], None, EX_USAGE,
     r"--journal needs a file name"),
    ("unpoison journal without name", ["unpoison", "--journal", ""], None, EX_USAGE,
     r"--journal needs a file name"),
    ("run without command", ["run", "--addr", "0x1000"], None, EX_USAGE, r"no command given"),
    ("run nothing", ["run"], None, EX_USAGE, r"no command given"),
    ("run without page", ["run", "--", "true"], None, EX_USAGE, r"no page given"),
    ("run empty command", ["run", "--addr", "0x1000", "--", ""], None, EX_NOINPUT,
     r"cannot run ''"),
    ("run missing command", ["run", "--region", "heap", "--", "/nonexistent/command"], None,
     EX_NOINPUT, r"/nonexistent/command"),
    ("probe compare one file", ["probe", "--compare", "{tmp}/j"], None, EX_USAGE,
     r"--compare needs two files"),
    ("probe compare three files", ["probe", "--compare", "a", "b", "c"], None, EX_USAGE,
     r"unexpected argument 'c'"),
    ("probe compare missing", ["probe", "--compare", "{tmp}/none", "{tmp}/none"], None,
     EX_NOINPUT, r"cannot open .*/none"),
    ("probe stray argument", ["probe", "x"], None, EX_USAGE, r"unexpected argument 'x'"),
    ("campaign nothing", ["campaign"], None, EX_USAGE, r"no campaign file given"),
    ("campaign two files", ["campaign", "-", "-"], None, EX_USAGE, r"unexpected argument '-'"),
    ("campaign unknown option", ["campaign", "--bogus", "-"], None, EX_USAGE,
     BADOPT % ("--bogus", "campaign ")),
    # -- files: missing, unreadable, not what they should be
    ("journal directory missing", ["inject", "--journal", "{tmp}/no/dir/j", "--pfn", "0x2000"],
     None, EX_NOINPUT, r"cannot open journal .*No such file"),
    ("journal not a journal", ["inject", "--journal", "{tmp}/not-a-journal", "--pfn", "0x2000"],
     None, EX_DATAERR, r"not-a-journal is not a hwpinject journal"),
    ("run journal not a journal", ["run", "--journal", "{tmp}/not-a-journal", "--addr", "0x1000",
                                   "--", "true"], None, EX_DATAERR, r"is not a hwpinject journal"),
    ("journal a directory", ["inject", "--journal", "{tmp}", "--pfn", "0x2000"], None, EX_NOPERM,
     r"is not a regular file"),
    ("journal world-writable", ["inject", "--journal", "{tmp}/world-writable", "--pfn", "0x2000"],
     None, EX_NOPERM, r"writable by others"),
    ("journal symlink", ["inject", "--journal", "{tmp}/link", "--pfn", "0x2000"], None, EX_NOPERM,
     r"symbolic link"),
    ("unpoison journal missing", ["unpoison", "--journal", "{tmp}/none"], None, EX_NOINPUT,
     r"cannot open journal"),
    ("unpoison journal unreadable", ["@nobody", "unpoison", "--journal", "{tmp}/unreadable"],
     None, EX_NOPERM, r"unreadable"),
    ("unpoison journal NUL", ["unpoison", "--journal", "{tmp}/journal-nul"], None, EX_DATAERR,
     r"line 2: NUL byte"),
    ("unpoison journal long line", ["unpoison", "--journal", "{tmp}/journal-long"], None,
     EX_DATAERR, r"line 2: line too long"),
    ("unpoison journal version", ["unpoison", "--journal", "{tmp}/journal-version"], None,
     EX_DATAERR, r"line 1: unsupported journal version"),
    ("unpoison journal negative pfn", ["unpoison", "--journal", "{tmp}/journal-negative"], None,
     EX_DATAERR, r"line 2: bad number"),
    ("unpoison journal pfn 2^64", ["unpoison", "--journal", "{tmp}/journal-overflow"], None,
     EX_DATAERR, r"line 2: bad number"),
    ("unpoison journal unknown method", ["unpoison", "--journal", "{tmp}/journal-method"], None,
     EX_DATAERR, r"line 2: unknown method"),
    ("unpoison not a journal", ["unpoison", "--journal", "{tmp}/journal-notjournal"], None,
     EX_DATAERR, r"journal-notjournal"),
    ("unpoison journal world-writable", ["unpoison", "--journal", "{tmp}/world-writable"], None,
     EX_NOPERM, r"writable by others"),
    ("campaign missing", ["campaign", "{tmp}/none"], None, EX_NOINPUT, r"cannot open .*/none"),
    ("campaign directory", ["campaign", "{tmp}"], None, EX_NOINPUT, r"Is a directory"),
    ("campaign unreadable", ["@nobody", "campaign", "{tmp}/unreadable"], None, EX_NOPERM,
     r"unreadable"),
    # -- campaign lines: parsed before anything runs (65 naming the line), or a failing step (1)
    ("campaign unterminated quote", ["campaign", "-"], b"status\ninject '--pfn 0x2000\n",
     EX_DATAERR, r"^hwpinject: -: line 2: "),
    ("campaign unterminated double quote", ["campaign", "-"], b"status\ninject \"--pfn\n",
     EX_DATAERR, r"-: line 2: "),
    ("campaign backslash at the end", ["campaign", "-"], b"status\ninject --pfn 0x2000 \\\n",
     EX_DATAERR, r"-: line 2: "),
    ("campaign unknown step", ["campaign", "-"], b"inject --pfn 0x2000\nreboot now\n",
     EX_DATAERR, r"-: line 2: unknown step 'reboot'"),
    ("campaign run step", ["campaign", "-"], b"run -- true\n", EX_DATAERR,
     r"-: line 1: unknown step 'run'"),
    ("campaign global option as step", ["campaign", "-"], b"--json status\n", EX_DATAERR,
     r"-: line 1: unknown step '--json'"),
    ("campaign stray brace", ["campaign", "-"], b"inject --pfn 0x2000\n}\n", EX_DATAERR,
     r"-: line 2: "),
    ("campaign repeat count", ["campaign", "-"], b"repeat three {\ninject --pfn 0x2000\n}\n",
     EX_DATAERR, r"-: line 1: "),
    ("campaign repeat -1", ["campaign", "-"], b"repeat -1 {\nstatus\n}\n", EX_DATAERR,
     r"-: line 1: bad repeat count; give a number from 0 to 1000000"),
    ("campaign repeat 2^64", ["campaign", "-"], b"repeat 18446744073709551616 {\nstatus\n}\n",
     EX_DATAERR, r"-: line 1: bad repeat count"),
    ("campaign repeat without brace", ["campaign", "-"], b"repeat 3\ninject --pfn 0x2000\n",
     EX_DATAERR, r"-: line 1: "),
    ("campaign repeat not closed", ["campaign", "-"],
     b"inject --pfn 0x2000\nrepeat 3 {\ninject --pfn 0x2000\n", EX_DATAERR, r"-: line 2: "),
    ("campaign nesting too deep", ["campaign", "-"], b"repeat 1 {\n" * 5 + b"status\n" + b"}\n" * 5,
     EX_DATAERR, r"-: line 5: "),
    ("campaign sleep soon", ["campaign", "-"], b"sleep soon\n", EX_DATAERR,
     r"-: line 1: malformed sleep"),
    ("campaign sleep -1", ["campaign", "-"], b"sleep -1\n", EX_DATAERR, r"-: line 1: malformed sleep"),
    ("campaign sleep 10^20", ["campaign", "-"], b"sleep 99999999999999999999\n", EX_DATAERR,
     r"-: line 1: malformed sleep"),
    ("campaign help in a step", ["campaign", "-"], b"inject --pfn 0x2000\ninject --help\n",
     EX_DATAERR, r"-: line 2: "),
    ("campaign long line", ["campaign", "-"], b"inject --pfn 0x2000\nstatus " + b"x" * 4096 + b"\n",
     EX_DATAERR, r"-: line 2: line longer than 4096 bytes"),
    ("campaign long comment", ["campaign", "-"], b"# " + b"x" * 5000 + b"\n", EX_DATAERR,
     r"-: line 1: line longer than 4096 bytes"),
    ("campaign NUL", ["campaign", "-"], b"inject --pfn 0x2000\ninject --pfn 0x2000\x00\n",
     EX_DATAERR, r"-: line 2: NUL byte"),
    ("campaign NUL alone", ["campaign", "-"], b"status\n\x00\n", EX_DATAERR, r"-: line 2: NUL byte"),
    ("campaign file NUL", ["campaign", "{tmp}/campaign-nul"], None, EX_DATAERR,
     r"campaign-nul: line 2: NUL byte"),
    ("campaign step bad number", ["campaign", "-"], b"inject --pfn abc\n", 1,
     CAMPAIGN_FAIL + r"--pfn: 'abc' is not a number"),
    ("campaign step unknown option", ["campaign", "-"], b"inject --bogus\n", 1,
     CAMPAIGN_FAIL + r"bad option '--bogus'"),
    ("campaign step missing argument", ["campaign", "-"], b"inject --pfn\n", 1,
     CAMPAIGN_FAIL + r"bad option '--pfn'"),
    ("campaign step stray argument", ["campaign", "-"], b"status extra\n", 1,
     CAMPAIGN_FAIL + r"unexpected argument 'extra'"),
    ("campaign step pid 1", ["campaign", "-"], b"inject --pid 1 --addr 0x7f0000000000\n", 1,
     CAMPAIGN_FAIL + r"refusing to inject into pid 1"),
    ("campaign step unmapped", ["campaign", "-"], b"inject --pid 4242 --addr 0x10\n", 1,
     CAMPAIGN_FAIL + r"address 0x0 is not mapped"),
    ("campaign step beyond the end", ["campaign", "--stop-on-error", "-"],
     b"inject --pfn 0x80000\ninject --pfn 0x2000\n", 1,
     r"1 of 1 steps failed \(the first at line 1: pfn 0x80000 is beyond the last pfn"),
]


class TestBadInput(Base):
    """BAD_INPUT: the documented exit status, one stderr line, nothing changed."""

    WATCHED = [CORRUPT, UNPOISON, SOFT_PAGE, HARD_PAGE, EARLY_KILL]

    def setUp(self):
        self.f = self.fake("mf-6.12")
        # the nobody rows need to reach the tree and the files
        os.chmod(self.f.tmp, 0o755)
        self.tmp = os.path.join(self.f.tmp, "files")
        os.mkdir(self.tmp, 0o755)
        for name, data in BAD_FILES.items():
            path = os.path.join(self.tmp, name)
            with open(path, "wb") as out:
                out.write(data)
            os.chmod(path, 0o600)
        os.chmod(os.path.join(self.tmp, "unreadable"), 0)
        os.chmod(os.path.join(self.tmp, "world-writable"), 0o666)
        with open(os.path.join(self.tmp, "campaign-nul"), "wb") as out:
            out.write(b"status\nstat\x00us\n")
        os.symlink("not-a-journal", os.path.join(self.tmp, "link"))
        with open(os.path.join(self.tmp, "j"), "w") as out:
            out.write("hwpinject-journal 1\n")
        os.chmod(os.path.join(self.tmp, "j"), 0o600)
        # a zombie and a kernel thread next to the fake victim 4242
        for pid, stat in ((4244, "4244 (dead) Z 4100 4244 4100 0 -1 4194308 0 0\n"),
                          (4245, "4245 (kworker/0:1) I 2 0 0 0 -1 2129984 0 0\n")):
            os.mkdir(self.f.path("proc/%d" % pid))
            for name in os.listdir(self.f.path("proc/4242")):
                src = self.f.path("proc/4242/" + name)
                dst = self.f.path("proc/%d/%s" % (pid, name))
                # pagemap is a huge sparse file: never copy it
                (os.link if name == "pagemap" else shutil.copyfile)(src, dst)
            self.f.write("proc/%d/stat" % pid, stat)

    def snapshot(self):
        files = {rel: self.f.read(rel) for rel in self.WATCHED}
        for name in sorted(os.listdir(self.tmp)):
            path = os.path.join(self.tmp, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as f:
                    files[name] = f.read()
        files["files"] = sorted(os.listdir(self.tmp))
        return files

    def run_row(self, argv, stdin):
        env = dict(os.environ, HWPINJECT_ROOT=self.f.root, LC_ALL="C", HWPINJECT=HWPINJECT)
        preexec = None
        if argv[:1] == ["@nobody"]:
            argv = argv[1:]
            if os.geteuid() == 0:
                def preexec():
                    os.setgroups([])
                    os.setgid(65534)
                    os.setuid(65534)
        if argv[:1] == ["@sh"]:
            cmd = ["sh", "-c", argv[1]]
        else:
            cmd = [HWPINJECT] + argv
        return subprocess.run(cmd, input=stdin if stdin is not None else b"",
                              capture_output=True, env=env, timeout=60, preexec_fn=preexec)

    def test_table(self):
        names = [row[0] for row in BAD_INPUT]
        self.assertEqual(len(names), len(set(names)), "case names are unique")
        subst = {"tmp": self.tmp, "free": str(free_pid())}
        for case, argv, stdin, status, regex in BAD_INPUT:
            argv = [a.format(**subst) if a[:1] != "@" else a for a in argv]
            with self.subTest(case=case, argv=argv):
                before = self.snapshot()
                p = self.run_row(argv, stdin)
                err = p.stderr.decode(errors="replace")
                lines = err.splitlines()
                self.assertEqual(p.returncode, status, "exit %d, expected %d; stderr %r"
                                 % (p.returncode, status, err))
                self.assertEqual(len(lines), 1, "stderr %r" % err)
                self.assertTrue(lines[0].startswith("hwpinject: "), lines[0])
                self.assertRegex(lines[0], regex)
                # "what was wrong; what to do"
                self.assertIn("; ", lines[0])
                if argv[:1] != ["campaign"]:
                    self.assertEqual(p.stdout, b"", "errors are never printed on stdout")
                self.assertEqual(self.snapshot(), before, "something changed")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    HWPINJECT, MKFAKE, FAKEDIR = (os.path.abspath(a) for a in sys.argv[1:4])
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)
