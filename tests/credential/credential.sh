#!/bin/sh
# TPM2_MakeCredential in software (libtcglog) proved by TPM2_ActivateCredential
# on swtpm, for an RSA-2048 EK, an ECC P-256 EK and a P-384 EK (nameAlg SHA-384,
# AES-256-CFB); cross-checked against tpm2_makecredential -T none (tpm2-tools'
# software MakeCredential); and from the attacker's side: a credential for
# another name, or for another TPM's EK, does not activate.
# Usage: credential.sh MAKECRED
set -u
here=$(dirname "$0")
. "$here/../tap.sh"
. "$here/../swtpm.sh"
makecred=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'swtpm_stop; rm -rf "$tmp"' EXIT

for tool in swtpm ss tpm2_createek tpm2_createak tpm2_createprimary tpm2_activatecredential \
	tpm2_makecredential tpm2_startauthsession tpm2_policysecret tpm2_flushcontext; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "MakeCredential against swtpm" "$tool is not installed"
		tap_end
		exit 0
	fi
done

# Without a resource manager the TPM holds three transient objects: flush them
# after every command (the .ctx files reload them).
t() { "$@" >>"$tmp/log" 2>&1; rc=$?; tpm2_flushcontext -t >/dev/null 2>&1; return $rc; }
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
# A policy session satisfying the EK policy PolicySecret(TPM_RH_ENDORSEMENT).
policy() {
	tpm2_startauthsession --policy-session -S "$tmp/s.ctx" -g "$1" >>"$tmp/log" 2>&1 &&
		tpm2_policysecret -S "$tmp/s.ctx" -c e >>"$tmp/log" 2>&1
}
endpolicy() { tpm2_flushcontext "$tmp/s.ctx" >/dev/null 2>&1; rm -f "$tmp/s.ctx"; }
# activate AKCTX EKCTX HASH CRED OUT
activate() {
	rm -f "$5"
	policy "$3" || return 1
	t tpm2_activatecredential -c "$1" -C "$2" -i "$4" -o "$5" -P "session:$tmp/s.ctx"
	rc=$?
	endpolicy
	return $rc
}
fail_diag() { diag "$(tail -5 "$tmp/log")"; }

# ---- The other TPM: only its EK public areas are needed. ----
if ! swtpm_start "$tmp/stateB"; then
	not_ok "second swtpm started"
	tap_end
	exit 1
fi
t tpm2_createek -c "$tmp/ekB.ctx" -G rsa -u "$tmp/ekB-rsa.pub"
t tpm2_createek -c "$tmp/ekB.ctx" -G ecc -u "$tmp/ekB-p256.pub"
swtpm_stop

# ---- This TPM ----
if ! swtpm_start "$tmp/stateA"; then
	not_ok "swtpm started"
	tap_end
	exit 1
fi
cd "$tmp" || exit 3

# RSA-2048 and P-256 EKs from tpm2_createek (TCG EK templates L-1 and L-2), an
# RSA AK under each with tpm2_createak.
t tpm2_createek -c ek-rsa.ctx -G rsa -u ek-rsa.pub &&
	t tpm2_createak -C ek-rsa.ctx -c ak-rsa.ctx -u ak-rsa.pub -n ak-rsa.name &&
	t tpm2_createak -C ek-rsa.ctx -c ak2.ctx -u ak2.pub -n ak2.name
check "RSA-2048 EK and two AKs under it created" test $? -eq 0
t tpm2_createek -c ek-p256.ctx -G ecc -u ek-p256.pub &&
	t tpm2_createak -C ek-p256.ctx -c ak-p256.ctx -G ecc -u ak-p256.pub -n ak-p256.name
check "ECC P-256 EK and an ECC AK under it created" test $? -eq 0

# P-384 EK: attributes of the TCG EK templates, P-384, AES-256-CFB, nameAlg
# SHA-384, authPolicy PolicySecret(endorsement) computed with SHA-384. The
# AK under it needs SHA-384 policy sessions, which tpm2_createak does not
# use, so tpm2_create and tpm2_load make it.
ok384=0
tpm2_startauthsession -S trial.ctx -g sha384 >>log 2>&1 &&
	tpm2_policysecret -S trial.ctx -c e -L ekpolicy384.bin >>log 2>&1 &&
	tpm2_flushcontext trial.ctx >>log 2>&1 &&
	t tpm2_createprimary -C e -G ecc384:aes256cfb -g sha384 -L ekpolicy384.bin -c ek-p384.ctx \
		-a "fixedtpm|fixedparent|sensitivedataorigin|adminwithpolicy|restricted|decrypt" &&
	t tpm2_readpublic -c ek-p384.ctx -o ek-p384.pub &&
	policy sha384 &&
	t tpm2_create -C ek-p384.ctx -P "session:s.ctx" -G ecc384:ecdsa-sha384:null -g sha384 \
		-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign" \
		-u ak-p384.pub -r ak-p384.priv && endpolicy &&
	policy sha384 &&
	t tpm2_load -C ek-p384.ctx -P "session:s.ctx" -u ak-p384.pub -r ak-p384.priv -c ak-p384.ctx \
		-n ak-p384.name && endpolicy && ok384=1
endpolicy
check "ECC P-384 EK (SHA-384, AES-256-CFB) and a P-384 AK under it created" test $ok384 -eq 1
[ $ok384 -eq 1 ] || fail_diag

# ---- Per EK: ours activates; tpm2-tools' activates; same layout; attacks fail. ----
# run KIND HASH SECRET_BYTES ENCRYPTED_SECRET_SIZE
run() {
	kind=$1 hash=$2 bytes=$3 secret_size=$4
	ek=ek-$kind ak=ak-$kind
	head -c "$bytes" /dev/urandom >"secret-$kind"
	"$makecred" --ek "$ek.pub" --ak "$ak.pub" --secret "secret-$kind" -o "ours-$kind" 2>>log
	check "$kind: makecred wrote a credential for the AK's name (computed from ak.pub)" test $? -eq 0
	activate "$ak.ctx" "$ek.ctx" "$hash" "ours-$kind" "got-$kind" &&
		cmp -s "got-$kind" "secret-$kind"
	check "$kind: TPM2_ActivateCredential on swtpm returns our $bytes-byte secret" test $? -eq 0 ||
		fail_diag

	"$makecred" --ek "$ek.pub" --name-file "$ak.name" --secret "secret-$kind" -o "named-$kind" 2>>log &&
		activate "$ak.ctx" "$ek.ctx" "$hash" "named-$kind" "got-$kind" && cmp -s "got-$kind" "secret-$kind"
	check "$kind: the same with the name tpm2 wrote (ak.name)" test $? -eq 0

	tpm2_makecredential -T none -e "$ek.pub" -s "secret-$kind" -n "$(hex "$ak.name")" \
		-o "tools-$kind" >>log 2>&1 &&
		activate "$ak.ctx" "$ek.ctx" "$hash" "tools-$kind" "got-$kind" && cmp -s "got-$kind" "secret-$kind"
	check "$kind: tpm2_makecredential -T none on the same inputs also activates" test $? -eq 0

	# tpm2-tools drops leading zero bytes of the ephemeral point's coordinates
	# (about one run in 128); ours keep the curve size, as a TPM does. So the
	# size of an ECC encrypted secret is compared with the curve's instead.
	"$makecred" --inspect "ours-$kind" >"layout-ours-$kind" 2>>log &&
		"$makecred" --inspect "tools-$kind" >"layout-tools-$kind" 2>>log &&
		grep -qx "encrypted_secret $secret_size" "layout-ours-$kind" &&
		if [ "$kind" = rsa ]; then
			cmp -s "layout-ours-$kind" "layout-tools-$kind"
		else
			diff -q -I '^encrypted_secret' -I '^file' "layout-ours-$kind" "layout-tools-$kind" >/dev/null
		fi &&
		[ "$(head -c 8 "ours-$kind" | hex /dev/stdin)" = "$(head -c 8 "tools-$kind" | hex /dev/stdin)" ]
	check "$kind: our file and tpm2-tools' have the same layout: $(tr '\n' ' ' <"layout-ours-$kind")" \
		test $? -eq 0 || diag "tpm2-tools: $(tr '\n' ' ' <"layout-tools-$kind")"
	! cmp -s "ours-$kind" "tools-$kind"
	check "$kind: ... and different bytes (random seeds)" test $? -eq 0

	# Attacker: the credential for one name, activated with an object of another.
	n=$(hex "$ak.name")
	last=$(printf '%s' "$n" | tail -c 2)
	flipped=$(printf '%s' "$n" | sed 's/..$//')$(printf '%02x' $(( 0x$last ^ 1 )))
	"$makecred" --ek "$ek.pub" --name "$flipped" --secret "secret-$kind" -o "wrongname-$kind" 2>>log
	! activate "$ak.ctx" "$ek.ctx" "$hash" "wrongname-$kind" "got-$kind" && [ ! -s "got-$kind" ]
	check "$kind: a credential for another name (one bit) does not activate" test $? -eq 0

	# A corrupted integrity HMAC or seed does not activate either.
	cp "ours-$kind" "bad-$kind"
	printf '\377' | dd of="bad-$kind" bs=1 seek=14 conv=notrunc 2>/dev/null
	! activate "$ak.ctx" "$ek.ctx" "$hash" "bad-$kind" "got-$kind"
	check "$kind: a credential with a changed integrity HMAC does not activate" test $? -eq 0

	# The EK check: the AK is no storage key.
	"$makecred" --ek "$ak.pub" --ak "$ak.pub" --secret "secret-$kind" -o x 2>err
	rc=$?
	check "$kind: the AK as EK is refused (exit $rc): $(cat err)" \
		sh -c "[ $rc -eq 1 ] && grep -q credential-ek-decrypt err"
}

run rsa sha256 32 256
run p256 sha256 32 68
if [ $ok384 -eq 1 ]; then
	run p384 sha384 48 100
else
	skip "P-384 EK" "could not be created"
fi

# Another AK of the same TPM under the same EK: its credential does not open with ours.
"$makecred" --ek ek-rsa.pub --ak ak2.pub --secret secret-rsa -o ak2cred 2>>log &&
	activate ak2.ctx ek-rsa.ctx sha256 ak2cred got-ak2 && cmp -s got-ak2 secret-rsa
check "rsa: a credential for the second AK activates with the second AK" test $? -eq 0
! activate ak-rsa.ctx ek-rsa.ctx sha256 ak2cred got-ak2
check "rsa: ... and not with the first AK" test $? -eq 0

# Another TPM's EK: the credential is not for this TPM.
cmp -s ekB-rsa.pub ek-rsa.pub
check "the two swtpms have different RSA EKs" test $? -ne 0
for kind in rsa p256; do
	"$makecred" --ek "ekB-$kind.pub" --ak "ak-$kind.pub" --secret "secret-$kind" -o "other-$kind" 2>>log
	! activate "ak-$kind.ctx" "ek-$kind.ctx" sha256 "other-$kind" "got-$kind"
	check "$kind: a credential for the other swtpm's EK does not activate on this one" test $? -eq 0
done

# Bounds: a secret longer than the EK's nameAlg digest.
head -c 33 /dev/urandom >long
"$makecred" --ek ek-rsa.pub --ak ak-rsa.pub --secret long -o x 2>err
rc=$?
check "a 33-byte secret for a SHA-256 EK is refused (exit $rc): $(cat err)" \
	sh -c "[ $rc -eq 2 ] && grep -q credential-secret-size err"

swtpm_stop

# swtpm's own P-384 EK, made by swtpm_setup and persisted at 0x81010016 (the one its
# EK certificate is for): its userWithAuth lets the EK be used without a policy.
. "$(dirname "$0")/../swtpm-ek.sh"
if swtpm_ek_setup "$tmp/swtpm-ek" >>log 2>&1 && swtpm_ek_start "$tmp/swtpm-ek" >>log 2>&1; then
	head -c 48 /dev/urandom >secret-ek384
	tpm2_readpublic -c 0x81010016 -o ek384.pub >>log 2>&1 &&
		tpm2_create -C 0x81010016 -G ecc384:ecdsa-sha384:null -g sha384 \
			-a "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign" \
			-u ak384.pub -r ak384.priv >>log 2>&1 &&
		tpm2_flushcontext -t >>log 2>&1 &&
		tpm2_load -C 0x81010016 -u ak384.pub -r ak384.priv -c ak384.ctx >>log 2>&1 &&
		"$makecred" --ek ek384.pub --ak ak384.pub --secret secret-ek384 -o cred384 2>>log &&
		tpm2_activatecredential -c ak384.ctx -C 0x81010016 -i cred384 -o got384 >>log 2>&1
	check "swtpm_setup's persistent P-384 EK: TPM2_ActivateCredential returns our secret" \
		cmp -s got384 secret-ek384
	swtpm_stop
else
	not_ok "swtpm_setup's EK: setup failed"
	fail_diag
fi
tap_end
