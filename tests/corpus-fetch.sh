#!/bin/sh
# Fetch the event-log corpus listed in corpus.manifest: download each file from
# its upstream repository at the recorded commit, check its SHA-256, and lay it
# out under CORPUS as the tests read it. A file whose hash differs is refused
# (never written under CORPUS). Exit: 0 every fetchable file verified, 1 a hash
# differs, 2 bad usage or manifest, 3 a download or the file system failed.
set -u
me=corpus-fetch
repo=$(cd "$(dirname "$0")/.." && pwd)
manifest=$repo/corpus.manifest
source=https://raw.githubusercontent.com
mirror=
out=$repo/../shared/corpus

usage() {
	cat <<EOF
Usage: corpus-fetch.sh [-o CORPUS] [-s SOURCE] [-M MIRROR] [-m MANIFEST] [-h]
Download the test corpus, check every SHA-256 against the manifest, and place
the files under CORPUS (default: ../shared/corpus beside the repository).
  -o CORPUS    where to lay out the corpus
  -s SOURCE    base URL of upstream files, read as SOURCE/REPOSITORY/COMMIT/PATH
               (default: $source; file:// works for a local tree)
  -M MIRROR    fetch every file by its corpus path from MIRROR/PATH (a copy of the
               corpus), including the files no upstream file holds
  -m MANIFEST  the manifest (default: corpus.manifest in the repository)
  -h           this help
Files already present with the right hash are kept. Needs curl and sha256sum
(or openssl); jq for the files extracted from JSON.
EOF
}

while getopts o:s:M:m:h opt; do
	case $opt in
	o) out=$OPTARG ;;
	s) source=${OPTARG%/} ;;
	M) mirror=${OPTARG%/} ;;
	m) manifest=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
[ -r "$manifest" ] || { echo "$me: $manifest: cannot read the manifest" >&2; exit 2; }
command -v curl >/dev/null || { echo "$me: curl is needed" >&2; exit 3; }

if command -v sha256sum >/dev/null; then
	sha256() { sha256sum <"$1" | cut -d' ' -f1; }
else
	sha256() { openssl dgst -sha256 -r <"$1" | cut -d' ' -f1; }
fi

mkdir -p "$out" || exit 3
tmp=$(mktemp -d) || exit 3
trap 'rm -rf "$tmp"' EXIT

# get URL FILE: one download; curl fails on HTTP errors and refuses other protocols.
get() { curl -fsSL --proto '=https,file' --retry 2 -o "$2" "$1"; }

fetched=0 kept=0 unavailable=0 bad=0 failed=0 line=0
while read -r sum path method repository commit upath; do
	line=$((line + 1))
	case $sum in '' | '#'*) continue ;; esac
	case $sum in
	*[!0-9a-f]*) echo "$me: $manifest: line $line: not a SHA-256: $sum" >&2; exit 2 ;;
	esac
	[ ${#sum} -eq 64 ] || { echo "$me: $manifest: line $line: not a SHA-256: $sum" >&2; exit 2; }
	[ -n "$upath" ] || { echo "$me: $manifest: line $line: 6 fields expected" >&2; exit 2; }
	# No path may leave CORPUS.
	case /$path/ in
	*/../* | */./* | //*) echo "$me: $manifest: line $line: bad path: $path" >&2; exit 2 ;;
	esac
	dest=$out/$path
	if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$sum" ]; then
		kept=$((kept + 1))
		continue
	fi
	got=$tmp/got
	rm -f "$got" "$tmp/up"
	if [ -n "$mirror" ]; then
		get "$mirror/$path" "$got" || { echo "$me: $path: download failed: $mirror/$path" >&2; failed=$((failed + 1)); continue; }
	else
		if [ "$method" = none ] || [ "$upath" = - ]; then
			unavailable=$((unavailable + 1))
			continue
		fi
		url=$source/$repository/$commit/$upath
		get "$url" "$tmp/up" || { echo "$me: $path: download failed: $url" >&2; failed=$((failed + 1)); continue; }
		case $method in
		raw) mv "$tmp/up" "$got" ;;
		base64) base64 -d <"$tmp/up" >"$got" 2>/dev/null || : ;;
		json-base64:*)
			command -v jq >/dev/null || { echo "$me: $path: jq is needed to extract it" >&2; failed=$((failed + 1)); continue; }
			jq -r "${method#json-base64:}" <"$tmp/up" 2>/dev/null | base64 -d >"$got" 2>/dev/null || :
			;;
		*) echo "$me: $manifest: line $line: unknown method: $method" >&2; exit 2 ;;
		esac
		# A decoding failure leaves bytes whose hash cannot match: refused below.
		[ -f "$got" ] || : >"$got"
	fi
	have=$(sha256 "$got")
	if [ "$have" != "$sum" ]; then
		echo "$me: $path: hash-mismatch: sha256 $have, the manifest says $sum" >&2
		bad=$((bad + 1))
		continue
	fi
	if ! mkdir -p "$(dirname "$dest")" || ! mv "$got" "$dest"; then
		failed=$((failed + 1))
		continue
	fi
	fetched=$((fetched + 1))
done <"$manifest"

echo "$me: $out: $fetched fetched, $kept already present, $bad refused (hash mismatch), $failed failed"
if [ "$unavailable" -gt 0 ]; then
	echo "$me: $unavailable files have no upstream copy (see the manifest); -M MIRROR fetches them from a copy of the corpus"
fi
[ "$failed" -eq 0 ] || exit 3
[ "$bad" -eq 0 ] || exit 1
exit 0
