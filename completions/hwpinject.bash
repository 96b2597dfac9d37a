# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for hwpinject(8)

_hwpinject_pids()
{
	local p
	for p in /proc/[0-9]*; do
		printf '%s\n' "${p#/proc/}"
	done
}

_hwpinject()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		# COMP_WORDBREAKS splits "file:PATH" into "file" ":" "PATH": join it
		if [[ $cur == : && $prev == file ]]; then
			cur=file:
			prev=${COMP_WORDS[COMP_CWORD - 2]}
		elif [[ $prev == : && ${COMP_WORDS[COMP_CWORD - 2]} == file ]]; then
			cur=file:$cur
			prev=${COMP_WORDS[COMP_CWORD - 3]}
		fi
	fi

	local global='-j --json -q --quiet -v --verbose --help --usage -V --version'
	local target='-p --pid -a --addr --pfn'
	local region='-r --region -n --count --offset --random --seed --phys'
	local cmd='' i

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			cmd=${words[i]}
			break
			;;
		esac
	done

	# run: after "--" comes the command and its arguments
	if [[ $cmd == run ]]; then
		for ((i = i + 1; i < cword; i++)); do
			[[ ${words[i]} == -- ]] || continue
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			else
				COMPREPLY=($(compgen -c -- "$cur"))
			fi
			return
		done
	fi

	case $prev in
	-m | --method)
		local methods
		methods=$("${words[0]}" --list-methods 2>/dev/null) ||
			methods='hwpoison soft-offline corrupt-pfn soft-offline-page hard-offline-page'
		COMPREPLY=($(compgen -W "$methods" -- "$cur"))
		return
		;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(_hwpinject_pids)" -- "$cur"))
		return
		;;
	-r | --region)
		if [[ $cur == file:* ]]; then
			local path=${cur#file:} IFS=$'\n'
			COMPREPLY=($(compgen -f -- "$path"))
			if [[ $COMP_WORDBREAKS == *:* ]]; then
				# readline replaces only the text after the last ':'
				local keep=${path%"${path##*:}"}
				COMPREPLY=("${COMPREPLY[@]#"$keep"}")
				compopt -o filenames 2>/dev/null
			else
				COMPREPLY=("${COMPREPLY[@]/#/file:}")
				compopt -o nospace 2>/dev/null
			fi
		else
			COMPREPLY=($(compgen -W 'heap stack anon file file:' -- "$cur"))
			[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == file: ]] &&
				compopt -o nospace 2>/dev/null
		fi
		return
		;;
	--journal)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--kinds | --methods)
		# a comma-separated list: complete its last name
		local names prefix=
		[[ $cur == *,* ]] && prefix=${cur%,*},
		if [[ $prev == --kinds ]]; then
			names='anon thp hugetlb shmem file-dirty file-clean mlocked'
		else
			names=$("${words[0]}" --list-methods 2>/dev/null) ||
				names='hwpoison soft-offline corrupt-pfn soft-offline-page hard-offline-page'
		fi
		COMPREPLY=($(compgen -P "$prefix" -W "$names" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	-e | --expect)
		COMPREPLY=($(compgen -W 'sigbus-ar sigbus-ao killed recovered ignored
			failed delayed migrated alive' -- "$cur"))
		return
		;;
	-a | --addr | --pfn | --phys | -n | --count | --offset | --seed | -w | --watch | \
		--after | --every | --rate)
		# a number: nothing to offer
		return
		;;
	esac

	local opts
	case $cmd in
	'')
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global --list-cmds --list-methods" -- "$cur"))
		else
			local cmds
			cmds=$("${words[0]}" --list-cmds 2>/dev/null) ||
				cmds='inject unpoison translate status run probe campaign'
			COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		fi
		return
		;;
	inject)
		opts="$target $region -m --method --early-kill --late-kill -w --watch
			-e --expect --populate --force --no-load --dry-run --no-observe --journal"
		;;
	unpoison)
		opts="$target --dry-run --no-load --journal"
		;;
	translate)
		opts="$target $region"
		;;
	status)
		opts='--no-load'
		;;
	run)
		opts="-a --addr -r --region --offset --random --seed --after --every -n --count
			-m --method --early-kill --late-kill -w --watch -e --expect --populate
			--force --no-load --dry-run --no-observe --journal --"
		;;
	probe)
		if [[ " ${words[*]:1:cword-1} " == *" --compare "* && $cur != -* ]]; then
			# the two probe --json outputs
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi
		opts='--kinds --methods --dir --no-load --compare'
		;;
	campaign)
		if [[ $cur != -* ]]; then
			# the campaign file
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi
		opts='--rate --stop-on-error --journal --seed'
		;;
	*)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
} &&
	complete -F _hwpinject hwpinject
