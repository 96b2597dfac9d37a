#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# lint.sh PAGE...
# Check man pages: each must format with `groff -man -ww -z` without printing
# anything (any warning fails), and options in the text must be written with
# escaped hyphens (\- or \-\-), so that they render as ASCII hyphen-minus and
# can be copied into a shell.
# Exit status: 0 clean, 1 problems found, 64 usage, 77 groff not installed
# (the ctest test man-lint treats 77 as "skipped").
set -u

GROFF=${GROFF:-groff}

if [ $# -eq 0 ]; then
	echo "usage: $0 PAGE..." >&2
	exit 64
fi
if ! command -v "$GROFF" >/dev/null 2>&1; then
	echo "$0: $GROFF not found; install groff to lint the man pages" >&2
	exit 77
fi

status=0
for page in "$@"; do
	if [ ! -r "$page" ]; then
		echo "$page: cannot read" >&2
		status=1
		continue
	fi
	out=$(LC_ALL=C "$GROFF" -man -ww -z "$page" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
		echo "$page: groff -man -ww -z (exit $rc):" >&2
		[ -n "$out" ] && printf '%s\n' "$out" >&2
		status=1
	fi
	# An option such as -x or --long written with a plain "-" (outside
	# comments): it would render as a typographic hyphen.
	bad=$(grep -nE '(^|[[:space:]("[])--?[A-Za-z]' "$page" | grep -vE '^[0-9]+:\.\\"')
	if [ -n "$bad" ]; then
		echo "$page: unescaped hyphen in an option (write \\- ):" >&2
		printf '%s\n' "$bad" >&2
		status=1
	fi
done
exit $status
