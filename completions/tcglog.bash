# bash completion for the tcglog tools. One file, installed under each tool's
# name (bash-completion loads completions by command name). The option lists
# are each tool's --help; tests/package/completion.sh keeps them equal.

# _tcglog_spec TOOL: the tool's options, one word each; OPT=KIND for an option
# that takes a value (file, dir, filedir, alg, keyalg, pcrs, quirk, format,
# docformat, evversion, verdict, listformat, none).
_tcglog_spec()
{
	local common='-h --help -V --version'
	local tpm='-T=none --tcti=none'
	case $1 in
	tcglog-dump) echo "$common -p=pcrs --pcr=pcrs -b=alg --bank=alg -x --hex -f=format --format=format --eventlog-version=evversion -s --strict" ;;
	tcglog-replay) echo "$common -f=file --pcrs=file -b=alg --bank=alg -q=quirk --quirk=quirk -s --strict --format=docformat" ;;
	tcglog-claims) echo "$common -f=file --pcrs=file -b=alg --bank=alg -1 --allow-sha1 -l --lenient --format=docformat" ;;
	tcglog-play) echo "$common $tpm -f --force -s --startup" ;;
	tpm-ekcert-verify) echo "$common -c=filedir --ca=filedir -u=file --untrusted=file -e=file --ek=file -l --lenient --format=docformat" ;;
	tpm-quote-verify) echo "$common -u=file --ak=file -m=file --msg=file -s=file --sig=file -n=none --nonce=none -f=file --pcrs=file -l=file --log=file -L=none --pcr-list=none --ak-unchecked-pem --allow-sha1 --format=docformat" ;;
	dha-bootdata) echo "$common $tpm -d=none --device=none -l=file --log=file -p=none --pcr-list=none -e=keyalg --ek-alg=keyalg -E=none --ek-handle=none -a=none --ak-handle=none -A=keyalg --ak-alg=keyalg" ;;
	dha-activate) echo "$common $tpm -e=keyalg --ek-alg=keyalg -E=none --ek-handle=none -a=none --ak-handle=none" ;;
	dha-quote) echo "$common $tpm -n=none --nonce=none -b=file --encblob=file -a=none --ak-handle=none -p=none --pcr-list=none" ;;
	dha-issue) echo "$common -k=file --key=file -c=filedir --ca=filedir -u=file --untrusted=file -s=file --store=file --closed -r=none --require-pcrs=none -t=none --validity=none --allow-sha1 -n=file --new-key=file" ;;
	dha-verify) echo "$common -k=file --key=file -r=dir --retired=dir --expired-keys -s=file --store=file --allow-sha1 --format=docformat" ;;
	dha-nonce) echo "$common -s=file --store=file -t=none --ttl=none --closed --rebind" ;;
	dha-policy) echo "$common -o --offline" ;;
	dha-report) echo "$common -s=file --store=file --since=none --verdict=verdict --format=listformat -k=none --keep=none" ;;
	dha-device) echo "-h --help --version --tcti=none --state=dir --url=none --cacert=file --device=none --policy=none" ;;
	dha-server) echo "-h --help --version --state=dir" ;;
	tcglog-ek-roots) echo "-h --help --version -l=file --list=file -o=dir --output=dir" ;;
	esac
}

# Words for the first operand of the tools that take a step or a command.
_tcglog_steps()
{
	case $1 in
	dha-device) echo "bootdata activate quote attest" ;;
	dha-server) echo "init enroll issue nonce verify report status purge rotate" ;;
	dha-nonce) echo "issue consume consume-batch purge enroll device" ;;
	dha-policy) echo "test init" ;;
	dha-report) echo "add status purge" ;;
	esac
}

_tcglog_value()
{
	local kind=$1 cur=$2
	case $kind in
	file) compgen -f -- "$cur" ;;
	dir) compgen -d -- "$cur" ;;
	filedir) compgen -f -- "$cur" ;;
	alg) compgen -W "sha1 sha256 sha384 sha512 sm3_256 sha3_256 sha3_384 sha3_512" -- "$cur" ;;
	keyalg) compgen -W "rsa ecc" -- "$cur" ;;
	pcrs) compgen -W "all none" -- "$cur" ;;
	quirk) compgen -W "missing-ebs" -- "$cur" ;;
	format) compgen -W "tcglog yaml json tpm2-tools" -- "$cur" ;;
	docformat) compgen -W "yaml json" -- "$cur" ;;
	evversion) compgen -W "2" -- "$cur" ;;
	verdict) compgen -W "compliant non-compliant" -- "$cur" ;;
	listformat) compgen -W "text json" -- "$cur" ;;
	esac
}

_tcglog()
{
	local tool=${1##*/} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	local spec w kind='' words=''
	spec=$(_tcglog_spec "$tool")
	COMPREPLY=()

	# After "--" the words belong to the step's tool.
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -- ]] && return 0
	done

	# The value of an option: "--opt VALUE" or "--opt=VALUE".
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi
	for w in $spec; do
		[[ $w == *=* && ${w%%=*} == "$prev" ]] && kind=${w#*=}
	done
	if [[ -n $kind ]]; then
		[[ $kind == none ]] && return 0
		mapfile -t COMPREPLY < <(_tcglog_value "$kind" "$cur")
		return 0
	fi

	if [[ $cur == -* ]]; then
		for w in $spec; do
			w=${w%%=*}
			[[ $cur == --* && $w != --* ]] && continue
			words+=" $w"
		done
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return 0
	fi

	# The first operand of a tool with steps; files otherwise.
	local steps nops=0
	steps=$(_tcglog_steps "$tool")
	if [[ -n $steps ]]; then
		for ((i = 1; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			if [[ $w == -* ]]; then
				[[ " $spec " == *" ${w%%=*}="* && $w != *=* ]] && ((i++))
				continue
			fi
			((nops++))
		done
		if ((nops == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$steps" -- "$cur")
			return 0
		fi
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	return 0
}

complete -o filenames -F _tcglog tcglog-dump tcglog-replay tcglog-claims tcglog-play \
	tpm-ekcert-verify tpm-quote-verify dha-bootdata dha-activate dha-quote dha-issue \
	dha-verify dha-nonce dha-report dha-policy dha-device dha-server tcglog-ek-roots
