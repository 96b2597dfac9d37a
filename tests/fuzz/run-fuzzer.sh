#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-fuzzer.sh FUZZER WORKDIR SECONDS CORPUS [REGRESSIONS]
#
# Fuzz for SECONDS from a copy of CORPUS in WORKDIR/corpus (the source tree
# is not written to), also running REGRESSIONS.  A crash, leak or timeout
# leaves its input in WORKDIR/crashes/ and fails.
set -eu

fuzzer=$1 work=$2 seconds=$3 corpus=$4
shift 4

rm -rf "$work"
mkdir -p "$work/corpus" "$work/crashes"
cp "$corpus"/* "$work/corpus/"
name=$(basename "$fuzzer")
dict=$(dirname "$0")/${name#fuzz-}.dict
set -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$work/crashes/" "$work/corpus" "$@"
if [ -f "$dict" ]; then
	set -- -dict="$dict" "$@"
fi
status=0
"$fuzzer" "$@" || status=$?
if [ "$status" -ne 0 ]; then
	echo "$name failed (exit $status); its input:" >&2
	ls -l "$work/crashes/" >&2
	echo "reproduce: $fuzzer FILE; after the fix add FILE to tests/fuzz/regressions/${name#fuzz-}/" >&2
fi
exit "$status"
