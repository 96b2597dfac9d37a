#!/bin/bash
# test-run-vm.sh — run-vm's boot retry, against a fake qemu (HWPI_QEMU): a guest that crashes
# before its init printed @@BOOT, or prints no @@BOOT within HWPI_VM_BOOT_DEADLINE, is booted
# once more and said so; a crash or a long run after @@BOOT, or a second failed boot, is never
# hidden.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/k"
: > "$T/k/vmlinuz"
: > "$T/initrd"
fail=0

# fake qemu: the Nth call prints the file $T/out.N (or out.last when there is none) as the
# console, then sleeps as many seconds as $T/sleep.N says (a hung guest), then prints
# $T/after.N if there is one
cat > "$T/qemu" <<FAKE
#!/bin/bash
n=\$(( \$(cat "$T/calls" 2>/dev/null || echo 0) + 1 ))
echo \$n > "$T/calls"
if [ -e "$T/out.\$n" ]; then cat "$T/out.\$n"; else cat "$T/out.last"; fi
[ -e "$T/sleep.\$n" ] && sleep "\$(cat "$T/sleep.\$n")"
[ -e "$T/after.\$n" ] && cat "$T/after.\$n"
exit 0
FAKE
chmod +x "$T/qemu"

PANIC='[    1.37] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
[    1.38] Kernel panic - not syncing: Fatal exception in interrupt'
# as a real console has it: the boot loader's escapes on @@BOOT's line (a first version of
# the boot deadline looked for @@BOOT at a line's start and stopped every good boot)
BOOT=$(printf 'Probing EDD (edd=off to disable)... o\033c\033[?7l\033[2J@@BOOT scenario=full release=6.12.0')
GOOD="$BOOT
@@DONE"

case_() { # case_ NAME EXPECTED_RC EXPECTED_CALLS: run run-vm with the out.* files in place
	local name=$1 want_rc=$2 want_calls=$3 rc calls
	rm -f "$T/calls" "$T"/log*
	HWPI_QEMU="$T/qemu" "$HERE/run-vm" -k "$T/k" -i "$T/initrd" -l "$T/log" -t 20 \
		> "$T/stderr" 2>&1
	rc=$?
	calls=$(cat "$T/calls" 2>/dev/null || echo 0)
	if [ "$rc" != "$want_rc" ] || [ "$calls" != "$want_calls" ]; then
		echo "FAIL: $name: exit $rc after $calls boots, expected exit $want_rc after $want_calls"
		sed 's/^/    /' "$T/stderr"
		fail=1
	else
		echo "ok: $name (exit $rc, $calls boots)"
	fi
	rm -f "$T"/out.* "$T"/sleep.* "$T"/after.*
}

# 1: crash before @@BOOT, then a good boot: passes, the crash log is kept, the retry is said
echo "$PANIC" > "$T/out.1"; echo "$GOOD" > "$T/out.last"
case_ "crash before boot is retried" 0 2
[ -s "$T/log.crashed-1" ] && grep -q '^@@DONE' "$T/log" \
	|| { echo "FAIL: crashed log not kept or final log not the second boot"; fail=1; }
grep -q 'crashed before its init started' "$T/stderr" \
	|| { echo "FAIL: the retry was not said on stderr"; fail=1; }

# 2: two crashes before @@BOOT: fails after one retry (default HWPI_VM_BOOT_RETRIES=1)
echo "$PANIC" > "$T/out.last"
case_ "second crash fails" 1 2

# 3: a crash after @@BOOT is the code under test's business: no retry
printf '%s\n%s\n' "$BOOT" "$PANIC" > "$T/out.last"
case_ "crash after boot is not retried" 1 1

# 4: no panic, just no @@BOOT (e.g. a wrong kernel): no retry
echo "nothing" > "$T/out.last"
case_ "no panic, no boot: no retry" 1 1

# 5: HWPI_VM_BOOT_RETRIES=0 turns the retry off
echo "$PANIC" > "$T/out.1"; echo "$GOOD" > "$T/out.last"
HWPI_VM_BOOT_RETRIES=0 case_ "retries off" 1 1

# 6: a guest silent after the boot loader past the boot deadline is stopped and booted again
# (seen in CI: sid printed nothing after "Probing EDD" for 600 s)
echo "Probing EDD (edd=off to disable)... ok" > "$T/out.1"; echo 60 > "$T/sleep.1"
echo "$GOOD" > "$T/out.last"
SECONDS=0
HWPI_VM_BOOT_DEADLINE=2 case_ "hang before boot is retried" 0 2
[ "$SECONDS" -lt 15 ] || { echo "FAIL: the hung guest was not stopped at the deadline (${SECONDS}s)"; fail=1; }
grep -q 'Probing EDD' "$T/log.hung-1" && grep -q '^@@DONE' "$T/log" \
	|| { echo "FAIL: hung log not kept or final log not the second boot"; fail=1; }
grep -q 'no @@BOOT within 2s' "$T/stderr" || { echo "FAIL: the retry was not said on stderr"; fail=1; }

# 7: hung twice: exit 124 after one retry, said
echo "Probing EDD" > "$T/out.last"; echo 60 > "$T/sleep.1"; echo 60 > "$T/sleep.2"
HWPI_VM_BOOT_DEADLINE=1 case_ "second hang fails" 124 2
grep -q 'no @@BOOT within 1s (HWPI_VM_BOOT_DEADLINE)' "$T/stderr" \
	|| { echo "FAIL: the final hang was not said on stderr"; fail=1; }

# 8: a guest that printed @@BOOT may run past the boot deadline: not stopped, not retried
echo "$BOOT" > "$T/out.1"; echo 3 > "$T/sleep.1"
echo "@@DONE" > "$T/after.1"
HWPI_VM_BOOT_DEADLINE=1 case_ "long run after boot is not cut" 0 1

exit $fail
