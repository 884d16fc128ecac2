#!/bin/sh
# Attacks on the Linux and Secure Boot facts (issue #10 §1, #9 §2 and §4), made on
# genuine corpus logs. Each attacked log still replays to the PCRs the TPM holds;
# tcglog-claims must then refuse it naming the rule, or give exactly the genuine
# boot's facts. Also: unknown facts are absent, never empty, and a PCR no fact
# uses (IMA's PCR 10) spoils nothing. TAP.
build=$1
corpus=$2
. "$(dirname "$0")/../tap.sh"
claims=$build/tools/tcglog-claims
replay=$build/tools/tcglog-replay
attack=$build/tests/claims/linux-attack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ub=$corpus/go-tpm-tools/ubuntu-2104-no-dbx
rh=$corpus/go-tpm-tools/rhel8-uefi
gcp=$corpus/go-attestation/windows_gcp_shielded_vm
cos=$corpus/go-tpm-tools/attestations/gce-cos-85.eventlog
for f in "$ub.bin" "$rh.bin" "$gcp.bin" "$cos.bin"; do
	if [ ! -f "$f" ]; then
		skip "linux attacks" "no corpus log $f"
		tap_end
		exit 0
	fi
done

has() { grep -q "^ *$2: $3\$" "$1"; }
lacks() { ! grep -q "^ *$2:" "$1"; }
facts() { sed -n '/^health:/,$p' "$1"; }
# The SHA-256 values of a corpus *.expected-pcrs.json as tpm2_pcrread YAML.
pcrs256() { jq -r '"sha256:", (.pcrs.sha256 | to_entries[] | "  \(.key) : 0x\(.value)")' "$1"; }
sha256() { openssl dgst -sha256 -binary | xxd -p -c 64; }
# extend OLD DATA: the TPM's SHA-256 extend of OLD (hex) by H(DATA).
extend() { printf '%s%s' "$1" "$(printf '%s' "$2" | sha256)" | xxd -r -p | sha256; }
pcr_of() { sed -n "s/^  $2 : 0x//p" "$1"; }

pcrs256 "$ub.expected-pcrs.json" >"$tmp/ub.yaml"
pcrs256 "$rh.expected-pcrs.json" >"$tmp/rh.yaml"
pcrs_from_json "$gcp.expected-pcrs.json" >"$tmp/gcp.yaml"
"$claims" --pcrs "$tmp/ub.yaml" "$ub.bin" >"$tmp/ub.out" 2>"$tmp/ub.err"
check "genuine ubuntu 21.04: exit 0" [ $? -eq 0 ]
check "genuine ubuntu 21.04: verified" has "$tmp/ub.out" verified true
"$claims" --pcrs "$tmp/rh.yaml" "$rh.bin" >"$tmp/rh.out" 2>"$tmp/rh.err"
check "genuine rhel 8: exit 0" [ $? -eq 0 ]
check "genuine rhel 8: verified" has "$tmp/rh.out" verified true

# mk NAME MODE LOG: the attacked log at $tmp/NAME.bin
mk() {
	if ! "$attack" "$2" "$3" "$tmp/$1.bin" 2>"$tmp/$1.gen"; then
		not_ok "$1: attack generator failed: $(cat "$tmp/$1.gen")"
		return 1
	fi
}
# replays NAME PCRS: the attacked log replays to the TPM's values.
replays() {
	"$replay" --pcrs "$2" "$tmp/$1.bin" >/dev/null 2>"$tmp/$1.rerr"
	check "$1: still replays to the TPM's PCRs" [ $? -eq 0 ]
}
# refused NAME RULE PCRS [OPTIONS]: strict mode exits 1 naming the rule.
refused() {
	name=$1 rule=$2 pcrs=$3
	shift 3
	"$claims" "$@" --pcrs "$pcrs" "$tmp/$name.bin" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	check "$name: exit 1" [ $rc -eq 1 ]
	check "$name: names $rule" grep -q ": $rule: " "$tmp/$name.err"
	check "$name: $rule listed in the output" grep -q "rule: \"$rule\"" "$tmp/$name.out"
	"$claims" "$@" --lenient --pcrs "$pcrs" "$tmp/$name.bin" >"$tmp/$name.len" 2>/dev/null
}
# genuine NAME PCRS GENUINE-OUT: strict mode accepts it with the genuine boot's facts.
genuine() {
	"$claims" --pcrs "$2" "$tmp/$1.bin" >"$tmp/$1.out" 2>"$tmp/$1.err"
	check "$1: exit 0" [ $? -eq 0 ]
	facts "$tmp/$1.out" >"$tmp/$1.facts"
	facts "$3" >"$tmp/$1.want"
	check "$1: exactly the genuine boot's facts" cmp -s "$tmp/$1.facts" "$tmp/$1.want"
}

# 1. A boot application retyped: the digest is still an image the firmware ran.
for m in app-driver app-ipl; do
	mk "$m" "$m" "$ub.bin" && replays "$m" "$tmp/ub.yaml" && genuine "$m" "$tmp/ub.yaml" "$tmp/ub.out"
done
check "ubuntu: both PCR 4 images (shim, GRUB) are boot loader digests" \
	sh -c "[ \$(sed -n '/BootLoaderDigests:/,/Grub:/p' '$tmp/ub.out' | grep -c '^  - ') -eq 2 ]"

# 2. Events appended after boot: root extends PCR 8 / PCR 7 and appends matching events.
cmd='linux /evil init=/bin/sh' arg='/evil init=/bin/sh'
sbat=$(printf '50ab5d6046e00043abb63dd810dd8b23''0900000000000000''0c00000000000000'; \
	printf 'SbatLevel' | iconv -t UTF-16LE | xxd -p -c 64; printf 'sbat,1,2099\n' | xxd -p)
p8=$(extend "$(extend "$(pcr_of "$tmp/ub.yaml" 8)" "$cmd")" "$arg")
p7=$(printf '%s%s' "$(pcr_of "$tmp/ub.yaml" 7)" "$(printf '%s' "$sbat" | xxd -r -p | sha256)" |
	xxd -r -p | sha256)
sed "s/^  8 : 0x.*/  8 : 0x$p8/" "$tmp/ub.yaml" >"$tmp/tpm8.yaml"
sed "s/^  7 : 0x.*/  7 : 0x$p7/" "$tmp/ub.yaml" >"$tmp/tpm7.yaml"
for m in late-cmdline:tpm8 early-cmdline:tpm8 late-sbat:tpm7 early-sbat:tpm7; do
	mode=${m%%:*} pcrs=$tmp/${m#*:}.yaml
	mk "$mode" "$mode" "$ub.bin" || continue
	replays "$mode" "$pcrs"
	case $mode in
	late-*)
		refused "$mode" event-after-boot "$pcrs"
		check "$mode: the appended event is listed in late-events" \
			grep -q '^  late-events:' "$tmp/$mode.out"
		facts "$tmp/$mode.len" >"$tmp/$mode.lfacts"
		facts "$tmp/ub.out" >"$tmp/$mode.want"
		check "$mode --lenient: the genuine boot's facts" \
			cmp -s "$tmp/$mode.lfacts" "$tmp/$mode.want"
		;;
	early-*) genuine "$mode" "$pcrs" "$tmp/ub.out" ;; # PCR order: the first value wins
	esac
done
# systemd-boot machine: GRUB events appended in PCR 8 (placed before ExitBootServices)
# would make GRUB's command line the fact; with two command lines neither is proven.
sd=$corpus/tpm2-tools/event-sd-boot-fedora37.bin
if [ -f "$sd" ] && mk sd-grub early-cmdline "$sd"; then
	# The machine's PCRs (no corpus file: the genuine log's replay), PCR 8 extended by
	# the two appended strings (computed with openssl; the log never extends PCR 8).
	"$replay" --bank sha256 "$sd" | grep '^  [0-9]' >"$tmp/sd.vals"
	check "fedora 37: PCR 8 never extended" \
		grep -qx "  8: \"$(printf '%064d' 0)\"" "$tmp/sd.vals"
	{
		echo "sha256:"
		sed "s/^  8: .*/  8: \"$(extend "$(extend "$(printf '%064d' 0)" "$cmd")" "$arg")\"/" \
			"$tmp/sd.vals"
	} >"$tmp/sd.yaml"
	replays sd-grub "$tmp/sd.yaml"
	refused sd-grub kernel-cmdline-conflict "$tmp/sd.yaml"
	check "sd-grub --lenient: no kernel command line (not the appended one)" \
		lacks "$tmp/sd-grub.len" KernelCmdline
fi
# UKI sections: systemd-stub describes both the name event and the contents event by
# the section name; only the name event measures it (systemd's TPM2_PCR_MEASUREMENTS).
if [ -f "$sd" ] && mk uki uki "$sd"; then
	check "fedora 37: PCR 11 never extended" \
		grep -qx "  11: \"$(printf '%064d' 0)\"" "$tmp/sd.vals"
	p11=$(printf '%064d' 0)
	for m in '.linux\0' KERNEL '.osrel\0' 'ID=fedora\n' console=evil; do
		p11=$(printf '%s%s' "$p11" "$(printf "$m" | sha256)" | xxd -r -p | sha256)
	done
	{
		echo "sha256:"
		sed "s/^  11: .*/  11: \"$p11\"/" "$tmp/sd.vals"
	} >"$tmp/uki.yaml"
	replays uki "$tmp/uki.yaml"
	"$claims" --pcrs "$tmp/uki.yaml" "$tmp/uki.bin" >"$tmp/uki.out" 2>"$tmp/uki.err"
	check "uki: exit 0" [ $? -eq 0 ]
	sed -n '/^    Sections:/,/^  [A-Za-z]/p' "$tmp/uki.out" | grep '^    - ' >"$tmp/uki.sec"
	printf '    - ".linux"\n    - ".osrel"\n' >"$tmp/uki.want"
	check "uki: Sections are the measured names, not a contents event's label" \
		cmp -s "$tmp/uki.sec" "$tmp/uki.want"
	[ -s "$tmp/uki.sec" ] || diag "$(cat "$tmp/uki.out")"
fi
check "ubuntu: kernel command line is GRUB's" \
	grep -q '^  KernelCmdline: "/boot/vmlinuz-5.11.0-1008-gcp root=' "$tmp/ub.out"
check "ubuntu: SbatLevel is shim's" has "$tmp/ub.out" SbatLevel '"sbat,1,2021030218\\n"'

# 3. GRUB labels swapped: the label is outside the digest.
if mk grub-swap grub-swap "$ub.bin"; then
	replays grub-swap "$tmp/ub.yaml"
	refused grub-swap kernel-cmdline-unverified "$tmp/ub.yaml"
	check "grub-swap --lenient: no kernel command line rather than a wrong one" \
		lacks "$tmp/grub-swap.len" KernelCmdline
fi

# 4. A db authority retyped as an SPDM device authority.
if mk spdm-authority spdm-authority "$rh.bin"; then
	replays spdm-authority "$tmp/rh.yaml"
	refused spdm-authority secureboot-variable-retyped "$tmp/rh.yaml"
fi

# 5. MokList and MokListX labels swapped (PCR 14 order pins them).
if mk mok-swap mok-swap "$ub.bin"; then
	replays mok-swap "$tmp/ub.yaml"
	refused mok-swap moklist-label-order "$tmp/ub.yaml"
	check "mok-swap --lenient: the deny list's digest is not a MokList digest" \
		lacks "$tmp/mok-swap.len" MokListDigests
fi

# 6. Secure Boot variables retyped as authorities.
if mk var-authority-SecureBoot var-authority-SecureBoot "$rh.bin"; then
	replays var-authority-SecureBoot "$tmp/rh.yaml"
	refused var-authority-SecureBoot secureboot-variable-retyped "$tmp/rh.yaml"
	check "var-authority-SecureBoot --lenient: Secure Boot unknown, not false" \
		lacks "$tmp/var-authority-SecureBoot.len" SecureBootEnabled
fi
# db may be either type; as an authority its data must be one certificate, not a list.
if mk var-authority-db var-authority-db "$rh.bin"; then
	replays var-authority-db "$tmp/rh.yaml"
	refused var-authority-db authority-malformed "$tmp/rh.yaml"
	check "var-authority-db --lenient: db unknown, not empty" lacks "$tmp/var-authority-db.len" db
fi
if mk var-authority-dbx var-authority-dbx "$gcp.bin"; then
	replays var-authority-dbx "$tmp/gcp.yaml"
	refused var-authority-dbx secureboot-variable-retyped "$tmp/gcp.yaml" --allow-sha1
	check "var-authority-dbx --lenient: dbx unknown, not empty" \
		lacks "$tmp/var-authority-dbx.len" dbx
fi

# 7. Unknown is not empty.
grep -v '^  4 : ' "$tmp/ub.yaml" >"$tmp/no4.yaml"
"$claims" --pcrs "$tmp/no4.yaml" "$ub.bin" >"$tmp/no4.out" 2>/dev/null
check "PCR 4 not given: no BootLoaderDigests (unknown, not [])" lacks "$tmp/no4.out" BootLoaderDigests
grep -v '^  7 : ' "$tmp/ub.yaml" >"$tmp/no7.yaml"
"$claims" --pcrs "$tmp/no7.yaml" "$ub.bin" >"$tmp/no7.out" 2>/dev/null
for k in PK KEK db dbx Authorities UEFIDebugMode SecureBootEnabled; do
	check "PCR 7 not given: no $k" lacks "$tmp/no7.out" $k
done
# The log measures dbx as an empty variable (VariableDataLength 0): an empty list is right.
check "ubuntu: dbx measured empty" sh -c "'$build/tools/tcglog-dump' '$ub.bin' |
	grep -B3 'UnicodeName: \"dbx\"' | grep -q 'VariableDataLength: 0'"
check "ubuntu: dbx: [] (measured empty)" has "$tmp/ub.out" dbx '\[\]'
bbm=$corpus/guard-oss/binary_bios_measurements_27
if [ -f "$bbm" ]; then
	"$claims" --allow-sha1 --lenient "$bbm" >"$tmp/bbm.out" 2>/dev/null
	check "BIOS log without Secure Boot variables: PK, KEK, db, dbx absent" \
		sh -c "! grep -qE '^  (PK|KEK|db|dbx):' '$tmp/bbm.out'"
fi

# 8a. IMA: the quoted PCR 10 differs from the firmware log's; no fact uses it.
jq -r '.pcrs | to_entries[] | "\(.key):", (.value | to_entries[] | "  \(.key) : 0x\(.value)")' \
	"$cos.expected-pcrs.json" >"$tmp/cos-all.yaml"
check "cos: the quote's PCR 10 is not the log's (IMA)" \
	sh -c "! '$replay' --pcrs '$tmp/cos-all.yaml' '$cos.bin' >/dev/null 2>&1"
"$claims" --pcrs "$tmp/cos-all.yaml" "$cos.bin" >"$tmp/cos.out" 2>"$tmp/cos.err"
check "cos with PCR 10: exit 0" [ $? -eq 0 ]
check "cos with PCR 10: verified" has "$tmp/cos.out" verified true
check "cos with PCR 10: pcrs-ignored is [10]" \
	sh -c "sed -n '/^  pcrs-ignored:/,/^  [a-z]/p' '$tmp/cos.out' | grep -c '^  - ' | grep -qx 1 &&
	sed -n '/^  pcrs-ignored:/,/^  [a-z]/p' '$tmp/cos.out' | grep -q '^  - 10\$'"
# The quote says PCR 14 holds its initial value: no shim ran (provably false).
check "cos: the quoted PCR 14 is zero" sh -c "jq -e '.pcrs.sha256.\"14\" | test(\"^0+\$\")' '$cos.expected-pcrs.json' >/dev/null"
check "cos: Shim false" has "$tmp/cos.out" Shim false
pcrs256 "$cos.expected-pcrs.json" | sed "s/^  4 : 0x.*/  4 : 0x$(printf '%064d' 0)/" >"$tmp/cos-bad4.yaml"
"$claims" --pcrs "$tmp/cos-bad4.yaml" "$cos.bin" >/dev/null 2>"$tmp/cos-bad4.err"
check "cos: a PCR facts use still spoils: PCR 4 changed is refused" [ $? -eq 1 ]
check "cos: ... naming pcr-mismatch" grep -q ': pcr-mismatch: ' "$tmp/cos-bad4.err"

# 8b. The shipped linux-secureboot policy's dbx minimum holds on real devices with the
# 2020 dbx and fails on the older one.
policy=$(dirname "$0")/../../policies/linux-secureboot.yaml
old=$corpus/go-tpm-tools/ubuntu-1804-amd-sev
dbx_rule() { # LOG PCRS-JSON: the dbx-minimum rule's result on the log's verified claims
	pcrs256 "$2" >"$tmp/p.yaml"
	"$claims" --pcrs "$tmp/p.yaml" "$1" 2>/dev/null | "$build/tools/dha-policy" "$policy" 2>/dev/null |
		sed -n 's/.*<tcg:Rule id="dbx-minimum".* result="\([a-z]*\)".*/\1/p'
}
check "rhel 8 (2020 dbx): dbx-minimum passes" [ "$(dbx_rule "$rh.bin" "$rh.expected-pcrs.json")" = pass ]
if [ -f "$old.bin" ]; then
	check "ubuntu 18.04 (older dbx): dbx-minimum fails" \
		[ "$(dbx_rule "$old.bin" "$old.expected-pcrs.json")" = fail ]
fi

# 8c. Firmware habits accepted by name, listed in workarounds, and only where they are
# harmless: the same shapes elsewhere are still refused.
wa() { # LOG PCRS-JSON|- WORKAROUND
	if [ "$2" = - ]; then
		"$claims" "$1" >"$tmp/wa.out" 2>"$tmp/wa.err"
	else
		pcrs256 "$2" >"$tmp/wa.yaml"
		"$claims" --pcrs "$tmp/wa.yaml" "$1" >"$tmp/wa.out" 2>"$tmp/wa.err"
	fi
	rc=$?
	check "$(basename "$1"): strict exit 0 with workaround $3" \
		sh -c "[ $rc -eq 0 ] && sed -n '/^  workarounds:/,/^  [a-z]/p' '$tmp/wa.out' | grep -q '^  - \"$3\"\$'"
	[ $rc -eq 0 ] || diag "$(cat "$tmp/wa.err")"
}
f=$corpus/go-tpm-tools/glinux-alex
[ -f "$f.bin" ] && wa "$f.bin" "$f.expected-pcrs.json" boot-guard-separator-digest
f=$corpus/go-tpm-tools/arch-linux-workstation
[ -f "$f.bin" ] && wa "$f.bin" "$f.expected-pcrs.json" utf16-odd-length
f=$corpus/uefi-eventlog/intel_svr/intel_svr.bin
[ -f "$f" ] && wa "$f" - vendor-event-type
f=$corpus/guard-oss/binary_bios_measurements_27
if [ -f "$f" ]; then
	"$claims" --allow-sha1 "$f" >"$tmp/bbm.out" 2>"$tmp/bbm.err"
	check "bbm_27: compact hashes in PCR 2 listed as a workaround" \
		grep -q '^  - "compact-hash-pcr2"$' "$tmp/bbm.out"
	check "bbm_27: ... and not refused" sh -c "! grep -q 'EV_COMPACT_HASH in PCR 2' '$tmp/bbm.err'"
	check "bbm_27: a compact hash in PCR 4 still is" grep -q 'EV_COMPACT_HASH in PCR 4' "$tmp/bbm.err"
fi
if mk sep7-crtm sep7-crtm "$rh.bin"; then
	replays sep7-crtm "$tmp/rh.yaml"
	refused sep7-crtm event-type-unexpected "$tmp/rh.yaml"
fi
if mk vendor7 vendor7 "$rh.bin"; then
	replays vendor7 "$tmp/rh.yaml"
	refused vendor7 event-type-unexpected "$tmp/rh.yaml"
fi

tap_end
