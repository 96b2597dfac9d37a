#!/bin/bash
# test-run-vm.sh — run-vm's boot retry, against a fake qemu (HWPI_QEMU): a guest that crashes
# before its init printed @@BOOT is booted once more and said so; a crash after @@BOOT, or a
# second crash, is never hidden.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/k"
: > "$T/k/vmlinuz"
: > "$T/initrd"
fail=0

# fake qemu: the Nth call prints the file $T/out.N (or out.last when there is none) as the console
cat > "$T/qemu" <<FAKE
#!/bin/bash
n=\$(( \$(cat "$T/calls" 2>/dev/null || echo 0) + 1 ))
echo \$n > "$T/calls"
if [ -e "$T/out.\$n" ]; then cat "$T/out.\$n"; else cat "$T/out.last"; fi
FAKE
chmod +x "$T/qemu"

PANIC='[    1.37] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
[    1.38] Kernel panic - not syncing: Fatal exception in interrupt'
GOOD='@@BOOT scenario=full release=6.12.0
@@DONE'

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
	rm -f "$T"/out.*
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
printf '@@BOOT scenario=full release=6.12.0\n%s\n' "$PANIC" > "$T/out.last"
case_ "crash after boot is not retried" 1 1

# 4: no panic, just no @@BOOT (e.g. a wrong kernel): no retry
echo "nothing" > "$T/out.last"
case_ "no panic, no boot: no retry" 1 1

# 5: HWPI_VM_BOOT_RETRIES=0 turns the retry off
echo "$PANIC" > "$T/out.1"; echo "$GOOD" > "$T/out.last"
HWPI_VM_BOOT_RETRIES=0 case_ "retries off" 1 1

exit $fail
