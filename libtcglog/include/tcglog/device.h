/*
 * The device side of DHA through tss2-esys: open a TPM, find its EK and the
 * EK certificate, keep an AK under the EK at a persistent handle, quote,
 * activate credentials, and extend (play) an event log into the PCRs.
 *
 * Rules (tcg_err.rule), with the exit status their code maps to:
 *   tpm                   the TPM or the TSS failed; the message carries the
 *                         decoded TSS2 response code (3)
 *   dev-usage             bad arguments to this module (2)
 *   ek-cert-missing       no EK certificate in the NV indices searched (3)
 *   ek-cert-size          an EK certificate NV index over TCG_DEV_EK_CERT_MAX (3)
 *   ek-template           no TCG EK template for the certificate's key (3)
 *   ekcert-key-mismatch   the EK (at --ek-handle, or made from the template)
 *                         is not the certificate's key (1)
 *   ak-handle-occupied    the AK handle holds an object that is no valid AK (1)
 *   ak-alg-mismatch       the AK at the handle is not of the algorithm asked (1)
 *   ak-parent             the AK at the handle is not a child of this EK (1)
 *   ak-missing            no AK at the handle (dha-quote: run dha-bootdata) (3)
 *   credential-activate   TPM2_ActivateCredential refused: the credential is
 *                         not for this TPM's EK and AK (1)
 *   credential-format     credential or secret bytes are no TPM2B_ID_OBJECT /
 *                         TPM2B_ENCRYPTED_SECRET (2)
 *   play-drtm             the log extends a DRTM PCR (17-22) (1)
 *   play-hcrtm            the log starts PCR 0 with an H-CRTM sequence (1)
 *   play-startup-locality the log's StartupLocality is not the locality the TPM
 *                         was started at (1)
 *   play-not-reset        a PCR the log extends is not at its reset value (1)
 *   play-banks            the TPM allocates none of the log's banks (1)
 *   play-startup          TPM2_Startup refused (already started?) (3)
 *   encblob-not-activated a dha-encblob reply (credential, secret) given where
 *                         the plain EncBlob is expected (2)
 *   pcr-selection         a malformed selection, or two that disagree (2)
 */
#ifndef TCGLOG_DEVICE_H
#define TCGLOG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcglog/error.h"
#include "tcglog/log.h"
#include "tcglog/msg.h"
#include "tcglog/pcrs.h"
#include "tcglog/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Like tpm2-tools: TPM2TOOLS_TCTI, else the kernel resource manager. */
#define TCG_DEV_DEFAULT_TCTI "device:/dev/tpmrm0"
/* The largest EK certificate read from NV (the dha-bootdata field's cap). */
#define TCG_DEV_EK_CERT_MAX 8192u
/* The largest TPM2B_PUBLIC, TPMS_ATTEST and TPMT_SIGNATURE handled (the
 * message fields' caps). */
#define TCG_DEV_BLOB_MAX 1024u
/* The persistent-handle range scanned for an EK matching the certificate. */
#define TCG_DEV_EK_HANDLE_FIRST 0x81010000u
#define TCG_DEV_EK_HANDLE_LAST 0x8101FFFFu

typedef enum { TCG_DEV_ALG_AUTO = 0, TCG_DEV_ALG_RSA, TCG_DEV_ALG_ECC } tcg_dev_alg;

/* "rsa" or "ecc". */
bool tcg_dev_alg_parse(const char *s, tcg_dev_alg *out);
/* A persistent handle (0x81000000..0x81FFFFFF), in C notation (hex with 0x). */
bool tcg_dev_handle_parse(const char *s, uint32_t *out);

typedef struct tcg_dev tcg_dev;

/* The TCTI string to use when none is given: env TPM2TOOLS_TCTI or the default. */
const char *tcg_dev_default_tcti(void);

/* Open the TPM behind a TCTI configuration string ("swtpm:port=2321"). */
tcg_rc tcg_dev_open(const char *tcti, tcg_dev **out, tcg_err *err);
/* Flush what this handle loaded (transient EK, sessions), then close. NULL is allowed. */
void tcg_dev_close(tcg_dev *d);

/* TPM2_Startup(CLEAR) at the given locality (0-4), the TCTI back at 0 after. */
tcg_rc tcg_dev_startup(tcg_dev *d, unsigned locality, tcg_err *err);

/* ---- PCRs ---- */

/* The banks the TPM allocates (at least one PCR selected), in its order. */
tcg_rc tcg_dev_pcr_banks(tcg_dev *d, uint16_t algs[TCG_MAX_BANKS], size_t *n, tcg_err *err);
/* Read every PCR of sel (PCR_Read until all are read, from one update count). */
tcg_rc tcg_dev_pcr_read(tcg_dev *d, const tcg_pcr_selection *sel, tcg_pcr_values *out,
                        tcg_err *err);
/* Extend PCR pcr (0-23) in n banks at once; digests[i] has tcg_alg_size(algs[i]) bytes. */
tcg_rc tcg_dev_pcr_extend(tcg_dev *d, uint32_t pcr, size_t n, const uint16_t *algs,
                          const uint8_t *const *digests, tcg_err *err);

/* ---- playing a log into the PCRs ---- */

#define TCG_DEV_PLAY_FORCE 0x1u   /* extend even into PCRs not at their reset value */
#define TCG_DEV_PLAY_STARTUP 0x2u /* send TPM2_Startup(CLEAR) at the log's locality */

typedef struct {
	size_t events;                  /* events extended */
	size_t num_banks;               /* the TPM's banks */
	struct {
		uint16_t alg;
		bool in_log;                /* the log carries this bank */
		uint32_t unplayed;          /* bit i: PCR i had an event without this bank's digest */
		uint32_t played;            /* bit i: PCR i extended in this bank */
	} bank[TCG_MAX_BANKS];
	size_t num_log_only;            /* banks of the log the TPM does not allocate */
	uint16_t log_only[TCG_MAX_BANKS];
	int startup_locality;           /* the log's StartupLocality, -1 when none */
	bool started;                   /* TPM2_Startup was sent */
	uint32_t forced;                /* bit i: PCR i was not at its reset value (--force) */
} tcg_dev_play_result;

/*
 * Extend every event of the log that a replay extends (not EV_NO_ACTION, PCR
 * 0-23) into each bank both the TPM and the log carry; an event without a
 * bank's digest (partial-digests) extends the banks it has, and the result
 * says which PCRs of which bank were left unplayed. Refuses before any extend:
 * DRTM PCRs (play-drtm), H-CRTM (play-hcrtm), a StartupLocality the TPM was
 * not started at (play-startup-locality; PLAY_STARTUP starts it there), PCRs
 * not at their reset value (play-not-reset, unless PLAY_FORCE).
 */
tcg_rc tcg_dev_play(tcg_dev *d, const tcg_log *log, unsigned flags, tcg_dev_play_result *res,
                    tcg_err *err);

/* ---- EK ---- */

/*
 * Find the EK: read the certificate (alg RSA: 0x01c00002, 0x01c00012,
 * 0x01c0001c, 0x01c0001e; ECC: 0x01c0000a, 0x01c00014, 0x01c00016,
 * 0x01c00018; AUTO: RSA when an RSA certificate exists, else ECC), then the
 * EK at ek_handle (non-zero), else a persistent key in
 * TCG_DEV_EK_HANDLE_FIRST..LAST whose public key is the certificate's, else
 * CreatePrimary from the TCG template for the certificate's index (L-1, L-2,
 * H-1, H-2, H-3; in the low range an EK template index 0x01c00004/0x01c0000c
 * replaces the default and an EK nonce index 0x01c00003/0x01c0000b fills
 * unique). The EK must match the certificate (ekcert-key-mismatch).
 */
tcg_rc tcg_dev_ek_load(tcg_dev *d, tcg_dev_alg alg, uint32_t ek_handle, tcg_err *err);
/* After tcg_dev_ek_load: the certificate as read from NV and the EK's
 * TPM2B_PUBLIC (marshalled). */
const uint8_t *tcg_dev_ek_cert(const tcg_dev *d, size_t *len);
const uint8_t *tcg_dev_ek_public(const tcg_dev *d, size_t *len);

/* ---- AK ---- */

/*
 * The AK at the persistent handle: reused when it is a valid AK (tcg_ak_check,
 * of the algorithm asked unless AUTO) and a child of the loaded EK; created
 * under the EK (restricted signing key, RSA-2048 RSASSA-SHA256 or ECC P-256
 * ECDSA-SHA256; AUTO: RSA) and made persistent when the handle is free and
 * create is true (else ak-missing). *created tells which (may be NULL).
 * Creating needs tcg_dev_ek_load first; without a loaded EK (dha-quote) an
 * existing AK is not checked for its parent.
 */
tcg_rc tcg_dev_ak_load(tcg_dev *d, uint32_t handle, tcg_dev_alg alg, bool create,
                       bool *created, tcg_err *err);
/* What the last tcg_dev_ak_load found, for decisions (rule names are for people). */
typedef enum {
	TCG_DEV_AK_FAILED,       /* any other failure, or no load yet */
	TCG_DEV_AK_LOADED,       /* reused or created */
	TCG_DEV_AK_MISSING,      /* no object at the handle, and create was false */
	TCG_DEV_AK_OTHER_PARENT, /* an AK there, not a child of the loaded EK */
} tcg_dev_ak_outcome;
tcg_dev_ak_outcome tcg_dev_ak_last(const tcg_dev *d);
/* The AK's TPM2B_PUBLIC (marshalled). */
const uint8_t *tcg_dev_ak_public(const tcg_dev *d, size_t *len);

/* ---- quote, activation ---- */

typedef struct {
	uint8_t attest[TCG_DEV_BLOB_MAX];    /* TPMS_ATTEST (the TPM2B_ATTEST contents) */
	size_t attest_len;
	uint8_t signature[TCG_DEV_BLOB_MAX]; /* TPMT_SIGNATURE, marshalled */
	size_t signature_len;
	tcg_pcr_values pcrs;                 /* the quoted values, by the selection */
} tcg_dev_quote_out;

/*
 * Quote sel with the AK's own scheme over qualifying data (1..64 bytes), and
 * read the quoted PCR values. The result is checked with tcg_quote_verify
 * before it is returned (PCRs that changed in between: quoted again).
 */
tcg_rc tcg_dev_quote(tcg_dev *d, const tcg_pcr_selection *sel, const uint8_t *qualifying,
                     size_t qualifying_len, tcg_dev_quote_out *out, tcg_err *err);

/*
 * TPM2_ActivateCredential (activate: the AK, key: the EK) with a marshalled
 * TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET. The recovered secret goes to
 * out (cap bytes, at least 64); the caller wipes it.
 */
tcg_rc tcg_dev_activate(tcg_dev *d, const uint8_t *credential, size_t credential_len,
                        const uint8_t *secret, size_t secret_len, uint8_t *out, size_t cap,
                        size_t *out_len, tcg_err *err);

/* ---- message rules of the device tools ---- */

/* A plain dha-encblob (after dha-activate): no credential, no secret. */
tcg_rc tcg_dev_encblob_plain(const tcg_msg *m, tcg_err *err);
/*
 * The selection dha-quote quotes: the EncBlob's pcr-selection (may be NULL),
 * else the option's (may be NULL), else TCG_DHA_DEFAULT_SELECTION; both given
 * and different: pcr-selection (exit 2).
 */
tcg_rc tcg_dev_quote_selection(const char *from_encblob, const char *from_option,
                               tcg_pcr_selection *out, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
