/*
 * The Device Health Attestation protocol (DESIGN.md "Protocol and trust"):
 * what the device and the service must agree on, and the service's two steps.
 *
 *   dha-bootdata   device -> service: log, EK public and certificate, AK
 *                  public, PCR values and a quote whose qualifying data is
 *                  tcg_dha_bootdata_binding() of the rest of the message.
 *   dha-encblob    service -> device: the EncBlob (blob.h) wrapped once more
 *                  (tcg_dha_wrap) under a random key sent with MakeCredential;
 *                  after TPM2_ActivateCredential the device keeps the plain
 *                  EncBlob (tcg_dha_unwrap).
 *   dha-signedblob device -> service: a quote over the same selection with
 *                  the nonce as qualifying data, and the EncBlob.
 *
 * The EncBlob's plaintext is a tcg_dha_content in a compact binary layout
 * (tcg_dha_content_encode; never exchanged in clear).
 */
#ifndef TCGLOG_DHA_H
#define TCGLOG_DHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/blob.h"
#include "tcglog/claims.h"
#include "tcglog/credential.h"
#include "tcglog/ekcert.h"
#include "tcglog/error.h"
#include "tcglog/nonce.h"
#include "tcglog/output.h"
#include "tcglog/msg.h"
#include "tcglog/pcrs.h"
#include "tcglog/quote.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The selection quoted when none is given: the PCRs a Windows boot measures
 * (firmware, boot manager, BitLocker and the SIPA PCRs 11-14). */
#define TCG_DHA_DEFAULT_SELECTION "sha256:0,1,2,3,4,5,6,7,11,12,13,14"
/* Where dha-bootdata keeps the AK: an owner-range persistent handle outside
 * the ranges the TCG handle registry reserves for storage and endorsement
 * primary keys (0x81000000-0x8101FFFF). */
#define TCG_DHA_DEFAULT_AK_HANDLE 0x81020001u
/* Bytes of the key sent with MakeCredential (fits a SHA-256 EK's digest). */
#define TCG_DHA_WRAP_KEY_SIZE 32
#define TCG_DHA_BINDING_SIZE 32

/*
 * The qualifying data of the bootdata quote: SHA-256 over the label
 * "tcglog dha-bootdata v2" with its NUL, then, for each of device, the log's
 * SHA-256, ek-public, ek-certificate and ak-public in this order, its length
 * as a 4-byte big-endian number and its bytes (the decoded bytes of the
 * message's base64 fields; the device name without NUL). v1 bound the log's
 * bytes instead of their digest; dha-issue refuses a quote over a v1 binding
 * (dha-bootdata-binding-v1).
 */
tcg_rc tcg_dha_bootdata_binding(const char *device, const uint8_t *log, size_t log_len,
                                const uint8_t *ek_public, size_t ek_public_len,
                                const uint8_t *ek_cert, size_t ek_cert_len,
                                const uint8_t *ak_public, size_t ak_public_len,
                                uint8_t out[TCG_DHA_BINDING_SIZE], tcg_err *err);

/*
 * The service's outer layer (rule dha-wrap). wrap: a fresh random key (out in
 * key, for MakeCredential; wipe it after use) seals the EncBlob with
 * AES-256-GCM, the device name authenticated with it. unwrap: the device's
 * side with the key TPM2_ActivateCredential recovered; TCG_E_MISMATCH
 * (blob-auth) when the key or device is not the one it was wrapped for.
 */
tcg_rc tcg_dha_wrap(const uint8_t *encblob, size_t len, const char *device,
                    uint8_t key[TCG_DHA_WRAP_KEY_SIZE], uint8_t **out, size_t *out_len,
                    tcg_err *err);
tcg_rc tcg_dha_unwrap(const uint8_t *wrapped, size_t len, const char *device,
                      const uint8_t *key, size_t key_len, uint8_t **encblob, size_t *out_len,
                      tcg_err *err);

/*
 * What the EncBlob binds (DESIGN.md): every field is set by the issuer and
 * checked by the verifier.
 */
typedef struct {
	char *device;                  /* 1..255 printable ASCII */
	uint8_t *ak_public;            /* TPM2B_PUBLIC of the AK, as in the bootdata */
	size_t ak_public_len;
	uint8_t ak_name[TCG_MAX_NAME];
	size_t ak_name_len;
	uint8_t ek_cert_sha256[32];    /* SHA-256 of the EK certificate's DER */
	tcg_pcr_selection selection;   /* as quoted in the bootdata */
	tcg_pcr_values pcrs;           /* the quoted values, by that selection */
	uint8_t pcr_digest[TCG_MAX_DIGEST]; /* the quote's composite digest */
	size_t pcr_digest_len;
	uint32_t reset_count, restart_count;
	uint64_t clock;                /* the bootdata quote's clock, ms */
	int64_t issued, expires;       /* seconds since the epoch, UTC */
	/* The dha-claims document dha-verify writes when this EncBlob verifies
	 * (tcg_dha_content_set_claims): canonical bytes, passed through unparsed,
	 * with TCG_DHA_NONCE_SLOT_LEN zeros at nonce_slot for the nonce's hex. */
	char *claims;
	size_t claims_len;
	size_t nonce_slot;
} tcg_dha_content;

/* Hex digits of the nonce in the claims (verification.dha.nonce). */
#define TCG_DHA_NONCE_SLOT_LEN (2 * TCG_NONCE_SIZE)
/* The sealed content's layout version; version 1 was a YAML document
 * ("dha-encblob-content"), refused as dha-content-version. */
#define TCG_DHA_CONTENT_VERSION 2
/* Cap on the claims in an EncBlob (a Windows boot's are tens of kilobytes). */
#define TCG_DHA_CONTENT_MAX_CLAIMS (512u << 10)

/*
 * Encode to the bytes sealed in the EncBlob (*out malloc'd), all integers
 * big-endian, no padding:
 *
 *   "TCGC" u8 version (2)
 *   u8 n, device (n bytes)        u16 n, ak-public      u8 n, ak-name
 *   ek-certificate-sha256 (32)
 *   u8 banks, per bank: u16 alg, u32 PCR mask (bit i: PCR i)
 *   the PCR values: per bank in that order, per PCR ascending, its digest
 *   u8 n, pcr-digest
 *   u32 reset-count  u32 restart-count  u64 clock  u64 issued  u64 expires
 *   u32 n, claims     u32 nonce-slot
 *
 * TCG_E_USAGE (dha-content) when c is not consistent (as the decoder checks).
 */
tcg_rc tcg_dha_content_encode(const tcg_dha_content *c, uint8_t **out, size_t *len,
                              tcg_err *err);
/*
 * Decode strictly through tcg_buf: every length bounded, nothing left over
 * (dha-content-format); another magic or version: dha-content-version (an
 * EncBlob of an older issuer: new boot data is needed); the device name
 * (dha-content-device), ak-name the name of ak-public (dha-content-ak-name),
 * a canonical selection (dha-content-selection), pcr-digest the size of the
 * AK's signing hash (dha-content-pcr-digest), expires not before issued
 * (dha-content-time), the nonce slot inside the claims and zero
 * (dha-content-claims). All TCG_E_FORMAT. *ak (when not NULL) receives the
 * parsed AK (tcg_public_free).
 */
tcg_rc tcg_dha_content_decode(const uint8_t *data, size_t len, tcg_dha_content *c,
                              tcg_public **ak, tcg_err *err);
/*
 * Set c->claims from a dha-claims document (as tcg_claims_write writes it,
 * saying verified: true; else dha-claims-unverified, TCG_E_MISMATCH; not a
 * dha-claims document: msg-..., TCG_E_FORMAT): the document dha-verify will
 * write for c, sealed under key_id (see tcg_dha_claims_write), its nonce
 * slot zero. Every other field of c must be set first.
 */
tcg_rc tcg_dha_content_set_claims(tcg_dha_content *c, const uint8_t *key_id,
                                  const char *claims, size_t len, tcg_err *err);
void tcg_dha_content_free(tcg_dha_content *c);

/* ---- dha-issue (dha.c) ---- */

/*
 * The EncBlob is tcg_blob_seal(service key, content, TCG_DHA_ENCBLOB_AAD):
 * these bytes, without a NUL, are its additional data (the verifier opens it
 * with the same). They keep a blob sealed for another purpose under the same
 * key from passing as an EncBlob.
 */
#define TCG_DHA_ENCBLOB_AAD "tcglog dha-encblob v1"
#define TCG_DHA_ENCBLOB_AAD_LEN (sizeof TCG_DHA_ENCBLOB_AAD - 1)

/* EncBlob validity: default one day, at most 30 days (seconds). */
#define TCG_DHA_DEFAULT_VALIDITY 86400
#define TCG_DHA_MAX_VALIDITY (30 * 86400)

/*
 * A validity: seconds, or a number with s, m, h or d ("90", "15m", "1d"),
 * 1 second to TCG_DHA_MAX_VALIDITY. TCG_E_USAGE (dha-validity) otherwise.
 */
tcg_rc tcg_dha_duration_parse(const char *s, int64_t *seconds, tcg_err *err);

/*
 * The PCRs the service requires a bootdata quote to cover, per profile
 * (claims.h tcg_claims_log_profile): the PCRs its facts come from. Every bank
 * of a requirement must be quoted with at least its PCRs; claims are derived
 * in the strongest bank of the requirement. PCRs 16 and 23 never count (any
 * process can reset them).
 */
#define TCG_DHA_REQUIRE_WINDOWS "sha256:0,1,2,3,4,5,6,7,11,12,13,14"
#define TCG_DHA_REQUIRE_LINUX "sha256:0,1,2,3,4,5,6,7,8,9,14"

/*
 * Quote verifiers (tcg_quote_verifier) kept across the messages of a stream
 * (dha-verify, dha-issue), one per AK, so each AK's verify context and digest are set up once;
 * for dha-issue also the EK public areas and EK certificates of the boot data, parsed once per
 * exact bytes (each is checked again on every boot data). Used by one thread at a time.
 */
typedef struct tcg_dha_verifiers tcg_dha_verifiers;
tcg_rc tcg_dha_verifiers_new(tcg_dha_verifiers **out, tcg_err *err);
void tcg_dha_verifiers_free(tcg_dha_verifiers *v);

typedef struct {
	int64_t validity;      /* seconds the EncBlob is good for; 0: the default */
	bool allow_sha1;       /* SHA-1 AK, signing hash or PCR bank */
	unsigned ekcert_flags; /* TCG_EKCERT_* of ekcert.h; 0: the profile is strict */
	/* Per tcg_profile: the operator's requirement when set, else the
	 * TCG_DHA_REQUIRE_* default (tcg_dha_require_parse fills these). */
	bool have_require[TCG_PROFILE_COUNT];
	tcg_pcr_selection require[TCG_PROFILE_COUNT];
	/*
	 * The device registry (nonce.h) in the service's store; NULL: none is
	 * kept. With a store, accepted boot data binds its device name to the EK
	 * certificate's digest the first time (tcg_registry_bind); another EK
	 * under a bound name is device-ek-mismatch, and a store in closed mode
	 * refuses an unenrolled name (device-unknown).
	 */
	tcg_nonce_store *store;
	tcg_dha_verifiers *verifiers; /* NULL: a quote verifier per boot data */
} tcg_dha_issue_opts;

/*
 * Set a requirement from "[windows=|linux=]SELECTION" (tpm2-tools syntax;
 * without a profile, for both). TCG_E_USAGE (dha-require-pcrs) when the text
 * is malformed, a bank has no PCRs, or it names PCR 16 or 23.
 */
tcg_rc tcg_dha_require_parse(const char *text, tcg_dha_issue_opts *o, tcg_err *err);

/* The selection required for profile p: o's (o may be NULL) or the default. */
void tcg_dha_required_selection(const tcg_dha_issue_opts *o, tcg_profile p,
                                tcg_pcr_selection *out);

/* "windows" or "linux". */
const char *tcg_profile_name(tcg_profile p);

/*
 * Check that quoted covers required: every required bank is quoted with at
 * least the required PCRs. TCG_E_MISMATCH (selection-insufficient) naming
 * the first bank and PCRs missing; profile names the profile in the message.
 */
tcg_rc tcg_dha_selection_check(const tcg_pcr_selection *quoted,
                               const tcg_pcr_selection *required, tcg_profile profile,
                               tcg_err *err);

/* SHA-256 of an EK certificate's DER (NV padding or header removed): the
 * digest the EncBlob and the device registry bind. */
tcg_rc tcg_dha_ek_cert_sha256(const tcg_ekcert *cert, uint8_t out[32], tcg_err *err);

/*
 * The operator enrols device with an EK certificate (the bytes of a DER or
 * PEM file, at most TCG_EKCERT_MAX_SIZE): tcg_registry_enroll with its
 * tcg_dha_ek_cert_sha256. A certificate that does not parse: ekcert-...
 * (TCG_E_FORMAT). Its chain is checked when the device sends boot data.
 */
tcg_rc tcg_dha_enroll(tcg_nonce_store *store, const char *device, const uint8_t *cert,
                      size_t cert_len, bool rebind, int64_t now, tcg_err *err);

/* The service's reply: the dha-encblob message with credential and secret. */
typedef struct {
	char *device;
	uint8_t key_id[TCG_SERVICE_KEY_ID_SIZE];
	uint8_t *blob;          /* the EncBlob wrapped by tcg_dha_wrap */
	size_t blob_len;
	uint8_t credential[TCG_MAX_ID_OBJECT];          /* TPM2B_ID_OBJECT, marshalled */
	size_t credential_len;
	uint8_t secret[TCG_MAX_ENCRYPTED_SECRET];       /* TPM2B_ENCRYPTED_SECRET, marshalled */
	size_t secret_len;
	char pcr_selection[256];                        /* canonical, as quoted */
} tcg_dha_reply;

/*
 * Check a dha-bootdata message and, only when every check passes, issue the
 * EncBlob. In this order (DESIGN.md "Protocol and trust"), stopping at the
 * first failure, with that check's rule in err (the device name must be
 * printable ASCII: dha-bootdata-device, TCG_E_FORMAT; then the message is
 * read with tcg_msg_bootdata_read: a PCR value of quote.pcrs of the wrong
 * size for its bank is msg-size, TCG_E_FORMAT):
 *   1. ek-public and ak-public are strict TPM2B_PUBLICs (tpm-..., TCG_E_FORMAT);
 *      the EK is a key MakeCredential can use (credential-ek-...);
 *   2. the EK certificate parses (ekcert-..., TCG_E_FORMAT), chains to trust
 *      at `now`, meets the TCG profile and holds the EK's key (ekcert-...);
 *   3. the AK's attributes and parameters (ak-...);
 *   4. the quote: signed by the AK, magic, type, qualifying data equal to
 *      tcg_dha_bootdata_binding() of the message, clock safe, and the
 *      message's quote.pcrs exactly the quoted selection and hashing to its
 *      composite (quote-...); a selection bank with no PCRs is
 *      dha-bootdata-selection;
 *   5. the log parses (log rules, TCG_E_FORMAT); the quote covers the PCRs
 *      the service requires for the log's profile (selection-insufficient;
 *      opts->require, else the TCG_DHA_REQUIRE_* defaults); the log replays
 *      to every quoted PCR of every quoted bank (pcr-mismatch names the first
 *      that differs), then claims are derived in strict mode from the quoted
 *      values in the strongest bank of the requirement (claims.h rules);
 *   6. with opts->store, the device name is bound to the EK certificate
 *      (tcg_registry_bind: device-ek-mismatch, device-unknown);
 *      content sealed under key (TCG_DHA_ENCBLOB_AAD), wrapped (tcg_dha_wrap),
 *      the wrap key sent with MakeCredential to the EK for the AK's name.
 * TCG_E_MISMATCH or TCG_E_FORMAT for the bootdata's faults; TCG_E_IO or
 * TCG_E_NOMEM for the environment (dha-encblob-size, TCG_E_IO: the wrapped
 * EncBlob is over the dha-encblob message's cap on blob). The content's
 * ek_cert_sha256 is over the certificate's DER (NV padding or header
 * removed); the binding is over the bytes as sent. out is filled only on TCG_OK (free it
 * with tcg_dha_reply_free); the wrap key and plaintext are wiped.
 */
tcg_rc tcg_dha_issue(const tcg_msg *bootdata, const tcg_service_key *key,
                     const tcg_ekcert_trust *trust, const tcg_dha_issue_opts *opts,
                     int64_t now, tcg_dha_reply *out, tcg_err *err);
void tcg_dha_reply_free(tcg_dha_reply *r);

/* Write the reply as one dha-encblob document (a new "---" document in f). */
tcg_rc tcg_dha_reply_write(const tcg_dha_reply *r, FILE *f, tcg_err *err);

/* ---- dha-verify (dha_verify.c) ---- */

/*
 * HealthStatusMismatchFlags (reference/dha.md 3.3), in Microsoft's order.
 * TPM semantics: ResumeCount is restartCount (TPM Restart: hibernate and
 * resume), RebootCount is resetCount (TPM Reset: a reboot). We set only the
 * first three; the SVN flags are always false.
 */
typedef enum {
	TCG_DHA_MISMATCH_RESUME_COUNT,
	TCG_DHA_MISMATCH_REBOOT_COUNT,
	TCG_DHA_MISMATCH_PCR,
	TCG_DHA_MISMATCH_BOOT_APP_SVN,
	TCG_DHA_MISMATCH_BOOT_MANAGER_SVN_CHAIN,
	TCG_DHA_MISMATCH_BOOT_APP_SVN_CHAIN,
	TCG_DHA_MISMATCH_COUNT
} tcg_dha_mismatch;

/* "ResumeCount", "RebootCount", "PCR", "BootAppSVN", "BootManagerSVNChain",
 * "BootAppSVNChain": the element names, indexed by tcg_dha_mismatch. */
extern const char *const tcg_dha_mismatch_names[TCG_DHA_MISMATCH_COUNT];

/* What one verification established. */
typedef struct {
	bool verified;
	/* The quote was authentic and compared with the EncBlob: mismatch[] says
	 * what differs (all false when verified). */
	bool compared;
	bool mismatch[TCG_DHA_MISMATCH_COUNT];
	/* Step 4 consumed the nonce for the device: the sender proved it is the
	 * device (tcg_dha_failure_write: a refusal after it is attributed). */
	bool nonce_consumed;
	/* Set when verified (the facts of verification.dha). */
	char device[TCG_NONCE_DEVICE_MAX + 1];
	uint8_t nonce[TCG_NONCE_SIZE];
	uint8_t ak_name[TCG_MAX_NAME];
	size_t ak_name_len;
	uint8_t ek_cert_sha256[32];
	uint8_t key_id[TCG_SERVICE_KEY_ID_SIZE];
	tcg_pcr_selection selection;
	int64_t issued, expires;
	uint32_t reset_count, restart_count; /* from the current quote */
	uint64_t clock;
	char *claims;                        /* the dha-claims document to write */
	size_t claims_len;
	void *claims_mem;                    /* the allocation claims lies in (NULL: claims) */
} tcg_dha_verdict;

typedef struct {
	const tcg_service_key *keys; /* the service keys (rotation: old and new) */
	size_t nkeys;
	tcg_nonce_store *store;      /* the nonces and dha-issue's device registry */
	int64_t now;                 /* seconds since the epoch, UTC */
	bool allow_sha1;
	tcg_dha_verifiers *verifiers; /* NULL: a verifier per message */
} tcg_dha_verify_opts;

/*
 * Verify one dha-signedblob message (DESIGN.md "Protocol and trust"), in this
 * order, each refusal naming its rule:
 *  1. open the EncBlob with the keys (blob-format TCG_E_FORMAT, blob-key-unknown,
 *     blob-auth), decode its content (dha-content-...; its claims were
 *     checked when it was sealed and are not parsed again);
 *  2. dha-device-mismatch: the EncBlob is another device's; encblob-expired:
 *     now >= expires; the device registry in the store no longer binds the
 *     device to the EncBlob's EK certificate digest: device-ek-rebound (the
 *     operator re-bound the name to another TPM since the EncBlob was
 *     issued), device-unknown (the name is not enrolled: the store was reset
 *     or the entry removed; dha-issue always binds it). No mismatch flag
 *     fits these: v->compared stays false;
 *  3. the quote must be authentic with the EncBlob's AK and carry the
 *     message's nonce (quote-signature, quote-magic, quote-type, quote-nonce,
 *     ak-..., signature-...): refused before the nonce is touched, so a forger
 *     cannot burn a device's nonce;
 *  4. consume the nonce for the device (nonce-unknown, nonce-device-mismatch,
 *     nonce-expired; nonce-store TCG_E_IO);
 *  5. compare with the EncBlob: reset count (dha-reboot, RebootCount),
 *     restart count (dha-resume, ResumeCount), selection and composite digest
 *     (dha-pcr-mismatch, PCR), clock safe (dha-clock-unsafe). Every difference
 *     sets its flag; the rule named is the first in that order.
 * TCG_OK: v->verified. TCG_E_MISMATCH: a check failed (v->compared tells
 * whether v->mismatch applies); TCG_E_FORMAT: a structure cannot be parsed;
 * TCG_E_IO: the store failed. Free v with tcg_dha_verdict_free in every case.
 */
tcg_rc tcg_dha_verify(const tcg_msg *signedblob, const tcg_dha_verify_opts *opts,
                      tcg_dha_verdict *v, tcg_err *err);
void tcg_dha_verdict_free(tcg_dha_verdict *v);

/* One document of a batch: msg in (NULL: left alone), the rest out. */
typedef struct {
	const tcg_msg *msg;
	tcg_dha_verdict v;
	tcg_rc rc;         /* what tcg_dha_verify would answer */
	tcg_err err;
	/* false: the store failed (rc TCG_E_IO) before this document was
	 * decided, looking up its device or while its nonce waited for the
	 * batch's transaction: no verdict may be written for it; the device
	 * retries with a new nonce. */
	bool decided;
	/* Set by tcg_dha_verify_prepare for tcg_dha_verify_commit: step 5's
	 * answer, told once the nonce is consumed. */
	bool prepared;
	tcg_rc after_rc;
	tcg_err after_err;
} tcg_dha_verify_item;

#define TCG_DHA_VERIFY_BATCH_MAX TCG_NONCE_BATCH_MAX

/*
 * Group commit: verify n documents (at most TCG_DHA_VERIFY_BATCH_MAX) as
 * tcg_dha_verify does, steps 1-3 and 5's comparison each on its own, then the
 * nonces of those that reached step 4 consumed in ONE transaction
 * (tcg_nonce_consume_batch), so a verdict exists only after that commit: a
 * crash before it leaves every nonce unused and no verdict out. The same
 * nonce twice: only the first can be consumed. TCG_OK: every item decided.
 * TCG_E_IO: the transaction failed (err says why); the items it held are
 * undecided, as is any whose registry lookup failed. Free each item's v in
 * every case.
 */
tcg_rc tcg_dha_verify_batch(tcg_dha_verify_item *items, size_t n, const tcg_dha_verify_opts *opts,
                            tcg_err *err);

/*
 * tcg_dha_verify_batch in two parts, so that a reader need not hold a batch's
 * messages (tens of kilobytes each) until its transaction: prepare runs
 * steps 1-3 and 5's comparison on it->msg as each document arrives (it->msg
 * is not used after it: free the message); commit, on items that were each
 * prepared or left alone (never prepared), consumes the prepared ones'
 * nonces in ONE transaction and decides them, as tcg_dha_verify_batch does.
 * opts->now is read by both. prepare returns it->rc.
 */
tcg_rc tcg_dha_verify_prepare(tcg_dha_verify_item *it, const tcg_dha_verify_opts *opts);
tcg_rc tcg_dha_verify_commit(tcg_dha_verify_item *items, size_t n,
                             const tcg_dha_verify_opts *opts, tcg_err *err);

/*
 * A service key that `dha-server rotate` retired is named SECONDS-N.key,
 * SECONDS its retirement time (since the epoch, UTC). Every EncBlob it sealed
 * was issued before then and expires at most TCG_DHA_MAX_VALIDITY later, so
 * once that has passed the key opens nothing that can verify: EXPIRED (the
 * verifier leaves it out; rotate deletes it). A name of another form
 * (UNDATED: retired by hand or by an older rotate) is kept.
 */
typedef enum {
	TCG_DHA_RETIRED_NEEDED,
	TCG_DHA_RETIRED_EXPIRED,
	TCG_DHA_RETIRED_UNDATED,
} tcg_dha_retired;
tcg_dha_retired tcg_dha_retired_key(const char *name, int64_t now);

/*
 * The dha-claims document of a verified verdict, as tcg_dha_content_set_claims
 * prepared it when the EncBlob was sealed, with the nonce filled in: the
 * issuer's claims with verification.verified: true, verification.pcrs: quote
 * and a verification.dha map (device, nonce, ak-name, ek-certificate-sha256,
 * pcr-selection, issued, expires, reset-count, restart-count, key-id), and
 * health.AIKPresent: true, ResetCount, RestartCount (the EncBlob's, which a
 * verified quote equals) and TpmVersion: 2. Other keys keep their order and
 * values. In fmt: YAML as sealed, or JSON (the same document on one line).
 */
tcg_rc tcg_dha_claims_write(const tcg_dha_verdict *v, tcg_out_format fmt, FILE *out,
                            tcg_err *err);

/*
 * The dha-claims document of a refusal: verification {verified: false, result:
 * failed, rule, message, device (v's, when known), attributed, mismatch (the
 * six flags, when v compared the quote)} and nothing else, in fmt. v is NULL
 * when the input could not be parsed.
 *
 * The device name is the sender's claim until the sender proves it is the
 * device. attributed: true only for a refusal after step 4 (v->nonce_consumed):
 * the EncBlob opened and names the device, the registry still binds it, the
 * quote is authentic with the sealed AK over the nonce just consumed for the
 * device. Those refusals are the device's own state: dha-reboot, dha-resume,
 * dha-pcr-mismatch, dha-clock-unsafe. Every other refusal is attributed:
 * false, as anyone can send it under any name: msg-... (the message),
 * blob-... and dha-content-... (garbage or a forged EncBlob),
 * dha-device-mismatch (another device's EncBlob), encblob-expired,
 * device-unknown and device-ek-rebound (an old EncBlob, replayable), ak-...,
 * signature-..., quote-... (a quote the sealed AK did not sign over this
 * nonce) and nonce-... (a replay: the nonce unknown, already consumed,
 * expired or another device's). A report of an unattributed refusal is kept
 * but does not decide the device's status (reports.h).
 */
tcg_rc tcg_dha_failure_write(tcg_out_format fmt, FILE *out, const tcg_dha_verdict *v,
                             const tcg_err *failure, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
