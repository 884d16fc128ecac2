#!/bin/sh
# tcglog-claims over the corpus: facts for Windows and Linux logs, and one
# attack per evidence rule, each refused with the rule named. TAP.
build=$1
corpus=$2
. "$(dirname "$0")/../tap.sh"
claims=$build/tools/tcglog-claims
attack=$build/tests/claims/claims-attack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -d "$corpus" ]; then
	skip "claims" "no corpus at $corpus"
	tap_end
	exit 0
fi

# has FILE KEY VALUE: the claims document has "KEY: VALUE" (at any depth).
has() { grep -q "^ *$2: $3\$" "$1"; }
lacks() { ! grep -q "^ *$2:" "$1"; }

# --- Windows: the GCP shielded VM, with its PCRs (go-attestation asserts the same facts)
gcp=$corpus/go-attestation/windows_gcp_shielded_vm
pcrs_from_json "$gcp.expected-pcrs.json" >"$tmp/gcp.yaml"
"$claims" --allow-sha1 --pcrs "$tmp/gcp.yaml" "$gcp.bin" >"$tmp/gcp.out" 2>"$tmp/gcp.err"
check "gcp: exit 0" [ $? -eq 0 ]
check "gcp: verified" has "$tmp/gcp.out" verified true
check "gcp: kind" has "$tmp/gcp.out" kind '"dha-claims"'
check "gcp: bank sha1" has "$tmp/gcp.out" bank '"sha1"'
check "gcp: PCRHashAlgorithmID 4" has "$tmp/gcp.out" PCRHashAlgorithmID 4
check "gcp: PCR0" has "$tmp/gcp.out" PCR0 '"51c323de0c0c694f4601cdd02beb58ff13629f74"'
check "gcp: boot count 4" has "$tmp/gcp.out" BootCount 4
check "gcp: cold boot" has "$tmp/gcp.out" ColdBoot true
check "gcp: DEP on" has "$tmp/gcp.out" DEPPolicy 1
check "gcp: code integrity on" has "$tmp/gcp.out" CodeIntegrityEnabled true
check "gcp: BitLocker unlock 0" has "$tmp/gcp.out" BitlockerUnlockFlags 0
check "gcp: BitlockerStatus 0" has "$tmp/gcp.out" BitlockerStatus 0
check "gcp: ELAM (Defender) loaded" has "$tmp/gcp.out" ELAMDriverLoaded true
check "gcp: Secure Boot on" has "$tmp/gcp.out" SecureBootEnabled true
for k in BootDebuggingEnabled OSKernelDebuggingEnabled TestSigningEnabled SafeMode WinPE \
	UEFIDebugMode; do
	check "gcp: $k false" has "$tmp/gcp.out" $k false
done
check "gcp: BootManagerSVN 1" has "$tmp/gcp.out" BootManagerSVN 1
check "gcp: BootAppSVN 1" has "$tmp/gcp.out" BootAppSVN 1
check "gcp: winload among the loaded modules" \
	grep -qi 'Path: ".*\\\\winload.efi"' "$tmp/gcp.out"
"$claims" --pcrs "$tmp/gcp.yaml" "$gcp.bin" >/dev/null 2>"$tmp/sha1.err"
check "gcp: SHA-1 refused without --allow-sha1" [ $? -eq 1 ]
check "gcp: SHA-1 refusal names the rule" grep -q 'bank-sha1' "$tmp/sha1.err"

"$claims" --allow-sha1 "$gcp.bin" >"$tmp/unv.out" 2>"$tmp/unv.err"
check "unverified: exit 0" [ $? -eq 0 ]
check "unverified: verified false" has "$tmp/unv.out" verified false
check "unverified: pcrs none" has "$tmp/unv.out" pcrs '"none"'
check "unverified: note on stderr" grep -q 'unverified' "$tmp/unv.err"

# --- Dell: five consecutive boots agree where they should
dell=$corpus/guard-oss/dell-notebook-5eventlogs-WBCL.evidence.eventlog
prev=-1
for i in 0 1 2 3 4; do
	"$claims" "$dell.$i.bin" >"$tmp/dell$i.out" 2>/dev/null
	check "dell $i: exit 0" [ $? -eq 0 ]
	bc=$(sed -n 's/^  BootCount: //p' "$tmp/dell$i.out")
	check "dell $i: boot count $bc > $prev" [ -n "$bc" ] && [ "$bc" -gt "$prev" ]
	prev=${bc:-$prev}
	for k in SecureBootEnabled CodeIntegrityEnabled TestSigningEnabled BootManagerSVN \
		BootAppSVN; do
		grep "^  $k:" "$tmp/dell$i.out" >>"$tmp/dell$i.keys"
	done
	if [ "$i" -gt 0 ]; then
		check "dell $i: Secure Boot, CI, test signing, SVNs as in boot 0" \
			cmp -s "$tmp/dell0.keys" "$tmp/dell$i.keys"
	fi
done
check "dell: Secure Boot off (the log's SecureBoot variable is 0)" has "$tmp/dell0.out" SecureBootEnabled false
check "dell: code integrity on" has "$tmp/dell0.out" CodeIntegrityEnabled true
# boot 4 has quoted PCRs
if [ -f "$dell.4.bin.expected-pcrs.json" ] || [ -f "$dell.4.expected-pcrs.json" ]; then
	j=$dell.4.expected-pcrs.json
	[ -f "$j" ] || j=$dell.4.bin.expected-pcrs.json
	pcrs_from_json "$j" >"$tmp/dell4.yaml"
	"$claims" --pcrs "$tmp/dell4.yaml" "$dell.4.bin" >"$tmp/dell4v.out" 2>"$tmp/dell4v.err"
	check "dell 4: verified with its PCRs" [ $? -eq 0 ]
	has "$tmp/dell4v.out" verified true || diag "$(cat "$tmp/dell4v.err")"
fi

# --- every Windows log of the corpus yields facts without error
for f in $windows_corpus_logs; do
	[ -f "$corpus/$f" ] || { skip "windows $f" "not in the corpus"; continue; }
	"$claims" --allow-sha1 "$corpus/$f" >"$tmp/w.out" 2>"$tmp/w.err"
	rc=$?
	check "windows $f: facts without error" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || diag "$(cat "$tmp/w.err")"
	check "windows $f: has a windows section" grep -q '^windows:' "$tmp/w.out"
done

# --- Linux: Secure Boot on/off, shim, GRUB, systemd-boot
linux() { # FILE KEY VALUE
	"$claims" --allow-sha1 "$corpus/$1" >"$tmp/l.out" 2>"$tmp/l.err"
	rc=$?
	check "$1: $2 $3" sh -c "[ $rc -eq 0 ] && grep -q '^ *$2: $3\$' '$tmp/l.out'"
}
linux go-tpm-tools/ubuntu-2104-no-secure-boot.bin SecureBootEnabled false
linux go-tpm-tools/rhel8-uefi.bin SecureBootEnabled true
linux go-tpm-tools/debian-10.bin SecureBootEnabled true
linux go-tpm-tools/debian-10.bin Shim true
linux go-tpm-tools/rhel8-uefi.bin Grub true
linux go-tpm-tools/ubuntu-2104-no-secure-boot.bin Grub true
linux tpm2-tools/event-sd-boot-fedora37.bin SystemdBoot true
linux tpm2-tools/event-sd-boot-fedora37.bin KernelCmdline '" console=ttyS0 console=tty0 efi=debug "'
"$claims" "$corpus/go-tpm-tools/rhel8-uefi.bin" >"$tmp/rhel.out" 2>/dev/null
check "rhel8: kernel command line from GRUB" grep -q '^  KernelCmdline: ".*root=' "$tmp/rhel.out"
check "rhel8: boot loader digests (shim, grub)" \
	sh -c "[ \$(sed -n '/BootLoaderDigests:/,/Grub:/p' '$tmp/rhel.out' | grep -c '^  - ') -ge 2 ]"
# PCR 4 digests equal what tcglog-dump shows for the EV_EFI_BOOT_SERVICES_APPLICATION events
first=$(sed -n '/BootLoaderDigests:/{n;s/^  - "\(.*\)"/\1/p;}' "$tmp/rhel.out")
check "rhel8: first boot loader digest is a PCR 4 image digest" \
	sh -c "'$build/tools/tcglog-dump' '$corpus/go-tpm-tools/rhel8-uefi.bin' | grep -q '$first'"

# --- attacks: each breaks one rule; strict mode exits 1 naming it
refused() { # NAME RULE ARGS...
	name=$1 rule=$2
	shift 2
	"$claims" --allow-sha1 "$@" >"$tmp/a.out" 2>"$tmp/a.err"
	rc=$?
	check "attack $name: exit 1" [ $rc -eq 1 ]
	check "attack $name: names $rule" grep -q ": $rule: " "$tmp/a.err"
	check "attack $name: listed in the output" grep -q "rule: \"$rule\"" "$tmp/a.out"
}
"$attack" copy "$gcp.bin" "$tmp/copy.bin"
"$claims" --allow-sha1 --pcrs "$tmp/gcp.yaml" "$tmp/copy.bin" >/dev/null 2>&1
check "attack generator: an unchanged copy still verifies" [ $? -eq 0 ]
for m in sipa-flip:data-digest-mismatch sep-action:well-known-digest-retyped \
	tag-pcr11:event-type-unexpected var-repeat:secureboot-variable-repeated \
	var-after-sep:secureboot-variable-after-separator wbcl-dup:wbcl-separator-duplicate \
	no-authority:secureboot-incomplete pcr4-retype:event-type-unexpected; do
	mode=${m%%:*} rule=${m#*:}
	if "$attack" "$mode" "$gcp.bin" "$tmp/$mode.bin"; then
		refused "$mode" "$rule" "$tmp/$mode.bin"
	else
		not_ok "attack $mode: generator failed"
	fi
done
# a flipped SIPA flag must not change the facts in lenient mode either
"$claims" --allow-sha1 --lenient "$tmp/sipa-flip.bin" >"$tmp/flip.out" 2>/dev/null
check "attack sipa-flip --lenient: exit 0" [ $? -eq 0 ]
check "attack sipa-flip --lenient: flipped event gives no code integrity fact" \
	sh -c "! grep -q 'CodeIntegrityEnabled: false' '$tmp/flip.out'"
# a refused PCR 4 event leaves the boot applications incomplete: the list is withheld
"$claims" --allow-sha1 --lenient "$gcp.bin" >"$tmp/gcp.out" 2>/dev/null
check "genuine boot: BootApplicationDigests listed" grep -q "^ *BootApplicationDigests:$" "$tmp/gcp.out"
"$claims" --allow-sha1 --lenient "$tmp/pcr4-retype.bin" >"$tmp/p4.out" 2>/dev/null
check "attack pcr4-retype --lenient: no BootApplicationDigests" \
	lacks "$tmp/p4.out" BootApplicationDigests
# a PCR that does not replay: PCR 7 expected value changed
sed 's/^\(  7 : 0x\).\(.*\)$/\10\2/;s/^\(  7 : 0x\)00\(.*\)$/\1ff\2/' "$tmp/gcp.yaml" >"$tmp/bad7.yaml"
check "attack pcr-mismatch: PCR values differ" sh -c "! cmp -s '$tmp/gcp.yaml' '$tmp/bad7.yaml'"
refused pcr-mismatch pcr-mismatch --pcrs "$tmp/bad7.yaml" "$gcp.bin"
"$claims" --allow-sha1 --lenient --pcrs "$tmp/bad7.yaml" "$gcp.bin" >"$tmp/bad7.out" 2>/dev/null
check "attack pcr-mismatch --lenient: no Secure Boot fact from PCR 7" \
	lacks "$tmp/bad7.out" SecureBootEnabled
check "attack pcr-mismatch --lenient: not verified" has "$tmp/bad7.out" verified false

# --- usage and input errors
"$claims" >/dev/null 2>&1
check "no LOG: exit 2" [ $? -eq 2 ]
"$claims" "$tmp/missing" >/dev/null 2>&1
check "missing file: exit 3" [ $? -eq 3 ]
printf 'garbage!' >"$tmp/bad.bin"
"$claims" "$tmp/bad.bin" >/dev/null 2>&1
check "unparsable log: exit 2" [ $? -eq 2 ]
"$claims" --help | grep -q -- '--lenient'
check "--help lists --lenient" [ $? -eq 0 ]

tap_end
