#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# example-test.sh PAGE INCLUDE_DIR LIBRARY
# Check the program of a man page's EXAMPLES section: take the first
# .EX/.EE block of that section, turn the groff escapes back into C, compile
# it against the library with warnings as errors, and run it without
# arguments: it must print a usage line on standard error, nothing on
# standard output, and exit with status 64.
#   INCLUDE_DIR  directory of hwpinject.h
#   LIBRARY      the shared library file (libhwpinject.so...)
# Environment: CC (default cc), CFLAGS and LDFLAGS (added to the command,
# e.g. the sanitizers the library was built with).
# Exit status: 0 passed, 1 failed, 64 usage, 77 no C compiler (skipped).
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 PAGE INCLUDE_DIR LIBRARY" >&2
	exit 64
fi
page=$1
incdir=$2
lib=$3
CC=${CC:-cc}
EXPECT_STATUS=64

fail() {
	printf '%s: %s\n' "$page" "$*" >&2
	exit 1
}

[ -r "$page" ] || fail "cannot read the page"
[ -r "$incdir/hwpinject.h" ] || fail "no hwpinject.h in $incdir"
[ -r "$lib" ] || fail "cannot read the library $lib"
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "$0: $CC not found; install a C compiler to test the example" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hwpi-example.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The first .EX ... .EE block after ".SH EXAMPLES", up to the next .SH.
awk '
	/^\.SH[ \t]/ { insec = ($0 ~ /^\.SH[ \t]+"?EXAMPLES"?[ \t]*$/); next }
	insec && !inex && /^\.EX/ { inex = 1; found = 1; next }
	inex && /^\.EE/ { exit }
	inex { print }
	END { if (!found) exit 2 }
' "$page" >"$tmp/example.roff"
rc=$?
[ "$rc" -eq 2 ] && fail "no .EX/.EE block in the EXAMPLES section"
[ "$rc" -eq 0 ] || fail "cannot extract the example (awk exit $rc)"
[ -s "$tmp/example.roff" ] || fail "the EXAMPLES block is empty"
if grep -n "^[.']" "$tmp/example.roff" >&2; then
	fail "a line of the example starts with a control character (. or ')"
fi

# Groff escapes back to C: \e is a backslash, \- a hyphen-minus, \(aq \(dq
# \(ti \(ha a quote, double quote, tilde and caret, \& nothing.  Any other
# escape is an error (it would not survive as C).
if ! awk '
	{
		line = $0
		gsub(/\\e/, "", line)
		gsub(/\\-/, "", line)
		gsub(/\\\((aq|dq|ti|ha)/, "", line)
		gsub(/\\&/, "", line)
		if (index(line, "\\")) {
			printf "line %d: %s\n", NR, $0 >"/dev/stderr"
			bad = 1
		}
	}
	END { exit bad }' "$tmp/example.roff"; then
	fail "unknown groff escape in the example (only \\e \\- \\(aq \\(dq \\(ti \\(ha \\& are known)"
fi
# \e goes through a placeholder (\001, then \134 is the backslash), so that
# "\e-" does not become "\-"
awk '
	{
		gsub(/\\e/, "\001")
		gsub(/\\-/, "-")
		gsub(/\\\(aq/, "\047")
		gsub(/\\\(dq/, "\"")
		gsub(/\\\(ti/, "~")
		gsub(/\\\(ha/, "^")
		gsub(/\\&/, "")
		print
	}' "$tmp/example.roff" | tr '\001' '\134' >"$tmp/example.c" ||
	fail "cannot convert the example"

libdir=$(dirname "$lib")
# link as a user would (-L -l) when the development symlink is there
if [ -e "$libdir/libhwpinject.so" ]; then
	linkwith="-L$libdir -lhwpinject"
else
	linkwith=$lib
fi
# shellcheck disable=SC2086 # CFLAGS, LDFLAGS and linkwith are word lists
if ! "$CC" -std=gnu11 -Wall -Wextra -Werror ${CFLAGS:-} -I"$incdir" \
	-o "$tmp/example" "$tmp/example.c" ${LDFLAGS:-} $linkwith 2>"$tmp/cc.err"; then
	cat "$tmp/cc.err" >&2
	echo "--- the extracted program:" >&2
	cat -n "$tmp/example.c" >&2
	fail "the EXAMPLES program does not compile"
fi

LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	"$tmp/example" >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
if [ "$status" -ne "$EXPECT_STATUS" ]; then
	cat "$tmp/err" >&2
	fail "the example without arguments exited with $status, not $EXPECT_STATUS"
fi
if [ -s "$tmp/out" ]; then
	cat "$tmp/out" >&2
	fail "the example without arguments printed on standard output"
fi
if ! grep -qi '^usage:' "$tmp/err"; then
	cat "$tmp/err" >&2
	fail "the example without arguments printed no usage line on standard error"
fi
exit 0
