#!/bin/bash
# test-completion.sh HWPINJECT SRCDIR — the bash completion offers commands, options, methods,
# regions and pids (it asks the built hwpinject for --list-cmds / --list-methods); the zsh
# completion at least parses (zsh -n) when zsh is installed.
set -u
HWPI=$1 SRC=$2
fail=0
# the completion calls "${words[0]}": make that the built binary
# shellcheck source=/dev/null
. "$SRC/completions/hwpinject.bash"

complete_line() { # complete_line WORD...: COMPREPLY for the last word
	COMP_WORDS=("$HWPI" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_hwpinject
}

expect_has() { # expect_has WHAT WORD...: every WORD is among COMPREPLY
	local what=$1 w
	shift
	for w in "$@"; do
		if ! printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
			echo "FAIL: $what: '$w' not offered (got: ${COMPREPLY[*]})"
			fail=1
		fi
	done
}

complete_line ""
expect_has "commands" inject unpoison translate status
complete_line "in"
expect_has "command prefix" inject
complete_line inject --me
expect_has "inject option prefix" --method
complete_line inject --
expect_has "inject options" --pid --addr --pfn --phys --region --early-kill --late-kill \
	--watch --expect --dry-run --no-observe --force
complete_line inject --method ""
expect_has "methods" hwpoison soft-offline corrupt-pfn soft-offline-page hard-offline-page
complete_line inject --pid ""
expect_has "pids" "$$" 1
complete_line inject --region ""
expect_has "regions" heap stack anon file
complete_line status --
expect_has "status options" --json --no-load
complete_line ""
expect_has "run command" run
complete_line run --
expect_has "run options" --after --every --count --region --addr --method --watch --expect --dry-run --no-observe
complete_line run --region anon -- sh
expect_has "run: the command after --" sh
complete_line ""
expect_has "probe command" probe
complete_line probe --
expect_has "probe options" --kinds --methods --dir --no-load --compare --json
complete_line probe --kinds an
expect_has "probe kinds" anon
complete_line probe --kinds anon,sh
expect_has "probe kinds list" anon,shmem
complete_line probe --methods hwpoison,corrupt
expect_has "probe methods list" hwpoison,corrupt-pfn
complete_line ""
expect_has "campaign command" campaign
complete_line campaign --
expect_has "campaign options" --rate --stop-on-error --journal --seed --json
if command -v zsh >/dev/null; then
	zsh -n "$SRC/completions/_hwpinject" || { echo "FAIL: zsh -n _hwpinject"; fail=1; }
fi
[ $fail = 0 ] && echo "completion: all passed"
exit $fail
