# swtpm with EK certificates (sourced, after swtpm.sh): swtpm_setup manufactures a
# fresh TPM state whose EKs carry certificates from swtpm's local CA, with a
# private configuration -- nothing under /etc or /var is read or written.
# Needs swtpm, swtpm_setup, swtpm_localca (certtool) and tpm2-tools.
#
#   swtpm_ek_setup DIR     manufacture DIR/state with both EKs and their
#                          certificates in NV; the CA lives in DIR/ca, the
#                          configuration in DIR/conf, the log in DIR/setup.log
#   swtpm_ek_start DIR     start swtpm on DIR/state (tests/swtpm.sh: free
#                          loopback port, TPM2TOOLS_TCTI exported, stopped by
#                          PID with swtpm_stop -- put it in the EXIT trap)
#   swtpm_ek_root DIR      print the path of the local CA's root certificate (PEM)
#   swtpm_ek_issuer DIR    print the path of the intermediate that signs the EK
#                          certificates (PEM)
#   swtpm_ek_read_cert rsa|ecc OUT   the EK certificate from its NV index (DER)
#   swtpm_ek_read_pub rsa|ecc OUT    the EK public area (TPM2B_PUBLIC) as
#                          tpm2_createek recreates it from the TCG template
#
# swtpm 0.7.1 makes an RSA-2048 EK (low-range template, certificate at NV
# 0x01c00002, persisted at 0x81010001) and an ECC NIST P-384 EK (high-range
# template H-3, certificate at NV 0x01c00016, persisted at 0x81010016); it
# makes no P-256 EK, so the low-range ECC index 0x01c0000a stays empty.
# tpm2_createek -G ecc384 recreates the P-384 EK.
command -v swtpm_start >/dev/null 2>&1 || echo "swtpm-ek.sh: source swtpm.sh first" >&2

SWTPM_EK_RSA_NV=0x01c00002
SWTPM_EK_ECC_NV=0x01c00016
SWTPM_EK_RSA_HANDLE=0x81010001
SWTPM_EK_ECC_HANDLE=0x81010016
SWTPM_EK_ECC_ALG=ecc384

swtpm_ek_have_tools() {
	for t in swtpm swtpm_setup swtpm_localca certtool tpm2_nvread tpm2_createek ss; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 1; }
	done
	return 0
}

swtpm_ek_setup() {
	ek_dir=$1
	mkdir -p "$ek_dir/state" "$ek_dir/ca" "$ek_dir/conf" "$ek_dir/tmp" || return 1
	cat >"$ek_dir/conf/swtpm_setup.conf" <<EOF
create_certs_tool = $(command -v swtpm_localca)
create_certs_tool_config = $ek_dir/conf/swtpm-localca.conf
create_certs_tool_options = $ek_dir/conf/swtpm-localca.options
active_pcr_banks = sha256
EOF
	cat >"$ek_dir/conf/swtpm-localca.conf" <<EOF
statedir = $ek_dir/ca
signingkey = $ek_dir/ca/signkey.pem
issuercert = $ek_dir/ca/issuercert.pem
certserial = $ek_dir/ca/certserial
EOF
	cat >"$ek_dir/conf/swtpm-localca.options" <<EOF
--platform-manufacturer tcglog
--platform-version 2.1
--platform-model test
EOF
	# TMPDIR and XDG_CONFIG_HOME keep swtpm_setup's scratch files and any
	# per-user configuration lookup inside DIR.
	TMPDIR="$ek_dir/tmp" XDG_CONFIG_HOME="$ek_dir/conf" \
		swtpm_setup --tpm2 --tpmstate "$ek_dir/state" --config "$ek_dir/conf/swtpm_setup.conf" \
		--create-ek-cert --overwrite --logfile "$ek_dir/setup.log" >>"$ek_dir/setup.log" 2>&1 ||
		return 1
	[ -s "$ek_dir/ca/swtpm-localca-rootca-cert.pem" ] && [ -s "$ek_dir/ca/issuercert.pem" ]
}

swtpm_ek_start() { swtpm_start "$1/state"; }
swtpm_ek_root() { echo "$1/ca/swtpm-localca-rootca-cert.pem"; }
swtpm_ek_issuer() { echo "$1/ca/issuercert.pem"; }

swtpm_ek_read_cert() {
	case $1 in
	rsa) ek_nv=$SWTPM_EK_RSA_NV ;;
	ecc) ek_nv=$SWTPM_EK_ECC_NV ;;
	*) return 2 ;;
	esac
	tpm2_nvread "$ek_nv" -C "$ek_nv" -o "$2" >/dev/null 2>&1
}

swtpm_ek_read_pub() {
	case $1 in
	rsa) ek_alg=rsa ;;
	ecc) ek_alg=$SWTPM_EK_ECC_ALG ;;
	*) return 2 ;;
	esac
	tpm2_createek -c - -G "$ek_alg" -u "$2" >/dev/null 2>&1
}
