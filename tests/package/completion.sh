#!/bin/sh
# Bash completions (completions/tcglog.bash) against each tool's --help: every
# option --help lists is completed, nothing else is, an option whose --help
# shows an argument completes a value rather than options, and steps and
# algorithm names complete. Usage: completion.sh BUILDDIR SRCDIR
set -u
. "$(dirname "$0")/../tap.sh"
build=$1
comp=$2/completions/tcglog.bash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v bash >/dev/null; then
	skip "completions" "bash is not installed"
	tap_end
	exit 0
fi

# complete WORD...: the candidates the completion offers for the last word,
# sorted, one a line (bash, the completion file sourced, nothing else).
complete_words() {
	bash -c '
		. "$0" || exit 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		spec=$(complete -p "$1" 2>/dev/null) || exit 4
		fn=${spec#*-F }
		fn=${fn%% *}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u' "$comp" "$@"
}

tools="tcglog-dump tcglog-replay tcglog-claims tcglog-play tpm-ekcert-verify tpm-quote-verify
	dha-bootdata dha-activate dha-quote dha-issue dha-verify dha-nonce dha-report dha-policy dha-device
	dha-server tcglog-ek-roots"
for t in $tools; do
	if [ ! -x "$build/tools/$t" ]; then
		not_ok "$t: not built"
		continue
	fi
	"$build/tools/$t" --help >"$tmp/help" 2>&1
	# Option lines of --help: "  -b, --bank ALG  text", "      --allow-sha1", "  --state DIR".
	grep -oE '^ +(-[A-Za-z0-9], +)?--[a-z0-9-]+( [A-Z][A-Z|]*)?' "$tmp/help" >"$tmp/lines"
	tr -d ',' <"$tmp/lines" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^-/) print $i}' | sort -u >"$tmp/want"
	grep -- '--' "$tmp/want" >"$tmp/want-long"
	complete_words "$t" - >"$tmp/got" 2>"$tmp/err"
	check "$t: '-' completes exactly the $(wc -l <"$tmp/want") options of --help" cmp -s "$tmp/want" "$tmp/got"
	cmp -s "$tmp/want" "$tmp/got" || diag "$(diff "$tmp/want" "$tmp/got" | grep '^[<>]')" "$(cat "$tmp/err")"
	complete_words "$t" -- >"$tmp/got"
	check "$t: '--' completes exactly its long options" cmp -s "$tmp/want-long" "$tmp/got"
	# Each long option from a unique prefix of it.
	bad=
	while read -r o; do
		p=${o%?}
		[ "$(complete_words "$t" "$p" | grep -c -- "^$o\$")" -eq 1 ] || bad="$bad $o"
	done <"$tmp/want-long"
	check "$t: every long option completes from its prefix" test -z "$bad"
	[ -n "$bad" ] && diag "not completed:$bad"
	# An option that takes an argument (--help: "--bank ALG") completes no option after it.
	bad=
	for o in $(awk '$NF ~ /^[A-Z]/ {print $(NF - 1)}' "$tmp/lines"); do
		complete_words "$t" "$o" - >"$tmp/got"
		grep -q -- '^-' "$tmp/got" && bad="$bad $o"
	done
	check "$t: after an option that takes an argument, no option is offered" test -z "$bad"
	[ -n "$bad" ] && diag "options offered after:$bad"
done

# The bank names: those the tools' own refusal of a bad one lists.
for t in tcglog-dump tcglog-replay tcglog-claims; do
	algs=$("$build/tools/$t" --bank no-such-alg x 2>&1 | sed -n 's/.*--bank takes a hash algorithm: //p' | tr -d , | tr ' ' '\n' | sort | xargs)
	check "$t --bank completes the algorithms $t accepts ($algs)" \
		sh -c '[ -n "$2" ] && [ "$(echo $1)" = "$2" ]' - "$(complete_words "$t" --bank '')" "$algs"
done
check "tcglog-replay --bank=sha2 completes too" \
	sh -c '[ "$(echo $1)" = "sha256" ]' - "$(complete_words tcglog-replay --bank=sha2)"
check "dha-server completes its steps (from --help)" \
	sh -c '[ "$(echo $1)" = "$(echo $2)" ]' - "$(complete_words dha-server '')" \
	"$("$build/tools/dha-server" --help | sed -n '/^Steps:/,/^$/p' | grep -oE '^  [a-z]+' | sort)"
check "dha-device completes its steps after --state DIR (from --help)" \
	sh -c '[ "$(echo $1)" = "$(echo $2)" ]' - "$(complete_words dha-device --state /tmp '')" \
	"$("$build/tools/dha-device" --help | sed -n '/^Steps:/,/^$/p' | grep -oE '^  [a-z]+' | sort)"
for t in dha-nonce dha-report; do
	check "$t completes its commands (from --help)" \
		sh -c '[ "$(echo $1)" = "$(echo $2)" ]' - "$(complete_words $t --store x.db '')" \
		"$("$build/tools/$t" --help | sed -n "s/^ *\(Usage:\)\{0,1\} *$t --store STORE \([a-z-]*\).*/\2/p" | sort)"
done
check "dha-report --verdict and --format complete their values" \
	sh -c '[ "$(echo $1)" = "compliant non-compliant" ] && [ "$(echo $2)" = "json text" ]' - \
	"$(complete_words dha-report --verdict '')" "$(complete_words dha-report --format '')"
mkdir "$tmp/d" && : >"$tmp/d/boot.log"
check "tcglog-dump completes a file operand" \
	sh -c '[ "$1" = "$2" ]' - "$(complete_words tcglog-dump "$tmp/d/bo")" "$tmp/d/boot.log"
check "words after -- are left to the step's tool" \
	sh -c '[ -z "$1" ]' - "$(complete_words dha-server nonce x -- --)"

tap_end
