#!/bin/sh
# The symbols the installed headers declare, one name a line, sorted: the
# preprocessed headers (comments and macros gone) scanned for functions,
# "tcg_name(", and extern objects, "extern ... tcg_name;" or "tcg_name[...];".
# Function-pointer types read "(*name)(" and are not matched; static inline
# functions would be, and the headers have none on purpose.
# Usage: api-functions.sh CC INCLUDEDIR
set -eu
cc=$1
inc=$2
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.i"' EXIT
for h in "$inc"/tcglog/*.h; do
	printf '#include "tcglog/%s"\n' "${h##*/}"
done >"$tmp"
# shellcheck disable=SC2086 # cc may carry flags
$cc -std=c11 -E -P -I"$inc" -x c "$tmp" | tr -s ' \t\n' '   ' >"$tmp.i"
{
	grep -o '[A-Za-z0-9_*]  *\**tcg_[A-Za-z0-9_]* *(' "$tmp.i" |
		sed 's/.*\(tcg_[A-Za-z0-9_]*\).*/\1/'
	grep -o 'extern [^;(]*;' "$tmp.i" |
		sed -n 's/.*[ *]\(tcg_[A-Za-z0-9_]*\) *\(\[[^]]*\]\)* *;$/\1/p'
} | sort -u
