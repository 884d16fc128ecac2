/* The device side of DHA through tss2-esys: see include/tcglog/device.h. */
#include "tcglog/device.h"
#include "yamldoc.h"
#include "tcglog/dha.h"
#include "tcglog/digest.h"
#include "tcglog/ekcert.h"
#include "tcglog/replay.h"
#include "tcglog/tpm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_tcti.h>

#include "tss_dl.h"

#define NOPOS TCG_NO_OFFSET, TCG_NO_EVENT
#define DRTM_PCRS 0x007E0000u /* PCRs 17-22 */

struct tcg_dev {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	/* EK: a persistent object (closed) or one we created (flushed). */
	ESYS_TR ek;
	bool ek_flush;
	uint32_t ek_handle;
	TPMI_ALG_HASH ek_name_alg;
	TPMA_OBJECT ek_attrs;
	TPM2B_NAME ek_qn;
	uint8_t ek_pub[TCG_DEV_BLOB_MAX];
	size_t ek_pub_len;
	uint8_t *ek_cert;
	size_t ek_cert_len;
	uint32_t ek_cert_index;
	/* AK: always persistent once loaded. */
	ESYS_TR ak;
	uint8_t ak_pub[TCG_DEV_BLOB_MAX];
	size_t ak_pub_len;
	tcg_dev_ak_outcome ak_outcome; /* of the last tcg_dev_ak_load */
};

static tcg_rc tpm_fail(tcg_err *err, const char *what, TSS2_RC rc)
{
	return tcg_err_set(err, TCG_E_IO, "tpm", NOPOS, "%s: %s (0x%x)", what, Tss2_RC_Decode(rc),
	                   (unsigned)rc);
}

/* A response code from the TPM itself (not the TSS or the transport). */
static bool tpm_said_no(TSS2_RC rc)
{
	return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER;
}

/* TPM2_RC_INITIALIZE with any layer/format decoration stripped. */
static bool rc_is(TSS2_RC rc, TSS2_RC want)
{
	return tpm_said_no(rc) && (rc & 0xFFF) == want;
}

const char *tcg_dev_default_tcti(void)
{
	const char *e = getenv("TPM2TOOLS_TCTI");
	return e && *e ? e : TCG_DEV_DEFAULT_TCTI;
}

tcg_rc tcg_dev_open(const char *tcti, tcg_dev **out, tcg_err *err)
{
	TSS2_RC rc;
	tcg_dev *d;
	*out = NULL;
	if (tcg_tss_load(err))
		return TCG_E_IO;
	if (!(d = calloc(1, sizeof *d)))
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", NOPOS, "out of memory");
	d->ek = d->ak = ESYS_TR_NONE;
	if ((rc = Tss2_TctiLdr_Initialize(tcti, &d->tcti)) != TSS2_RC_SUCCESS) {
		free(d);
		return tcg_err_set(err, TCG_E_IO, "tpm", NOPOS, "TCTI \"%s\": %s (0x%x)",
		                   tcti ? tcti : "(default)", Tss2_RC_Decode(rc), (unsigned)rc);
	}
	if ((rc = Esys_Initialize(&d->esys, d->tcti, NULL)) != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(&d->tcti);
		free(d);
		return tpm_fail(err, "Esys_Initialize", rc);
	}
	*out = d;
	return TCG_OK;
}

static void tr_release(tcg_dev *d, ESYS_TR *tr, bool flush)
{
	if (*tr == ESYS_TR_NONE)
		return;
	if (flush)
		Esys_FlushContext(d->esys, *tr);
	else
		Esys_TR_Close(d->esys, tr);
	*tr = ESYS_TR_NONE;
}

void tcg_dev_close(tcg_dev *d)
{
	if (!d)
		return;
	tr_release(d, &d->ak, false);
	tr_release(d, &d->ek, d->ek_flush);
	Esys_Finalize(&d->esys);
	Tss2_TctiLdr_Finalize(&d->tcti);
	free(d->ek_cert);
	free(d);
}

tcg_rc tcg_dev_startup(tcg_dev *d, unsigned locality, tcg_err *err)
{
	TSS2_RC rc;
	if (locality > 4)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "locality %u", locality);
	/* ESYS reports a second TPM2_Startup as success: ask first. A started TPM
	 * answers; one waiting for TPM2_Startup says TPM_RC_INITIALIZE. */
	{
		TPMS_CAPABILITY_DATA *cap = NULL;
		TPMI_YES_NO more;
		rc = Esys_GetCapability(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		                        TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 1, &more, &cap);
		Esys_Free(cap);
		if (rc == TSS2_RC_SUCCESS)
			return tcg_err_set(err, TCG_E_IO, "play-startup", NOPOS,
			                   "the TPM is already started: TPM2_Startup cannot be sent "
			                   "again before a TPM reset");
		if (!rc_is(rc, TPM2_RC_INITIALIZE))
			return tpm_fail(err, "GetCapability", rc);
	}
	if (locality && (rc = Tss2_Tcti_SetLocality(d->tcti, (uint8_t)locality)))
		return tpm_fail(err, "the TCTI cannot set the locality", rc);
	rc = Esys_Startup(d->esys, TPM2_SU_CLEAR);
	if (locality)
		Tss2_Tcti_SetLocality(d->tcti, 0);
	if (rc)
		return tpm_fail(err, "TPM2_Startup", rc);
	return TCG_OK;
}

/* ---- PCRs ---- */

tcg_rc tcg_dev_pcr_banks(tcg_dev *d, uint16_t algs[TCG_MAX_BANKS], size_t *n, tcg_err *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc = Esys_GetCapability(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                TPM2_CAP_PCRS, 0, 1, &more, &cap);
	*n = 0;
	if (rc)
		return tpm_fail(err, "GetCapability(PCRS)", rc);
	const TPML_PCR_SELECTION *s = &cap->data.assignedPCR;
	for (uint32_t i = 0; i < s->count && i < TPM2_NUM_PCR_BANKS; i++) {
		bool any = false;
		for (unsigned j = 0; j < s->pcrSelections[i].sizeofSelect && j < TPM2_PCR_SELECT_MAX; j++)
			any |= s->pcrSelections[i].pcrSelect[j] != 0;
		if (any && *n < TCG_MAX_BANKS)
			algs[(*n)++] = s->pcrSelections[i].hash;
	}
	Esys_Free(cap);
	return TCG_OK;
}

static void to_tpml(const tcg_pcr_selection *sel, TPML_PCR_SELECTION *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < sel->num_banks && i < TPM2_NUM_PCR_BANKS; i++) {
		t->pcrSelections[i].hash = sel->bank[i].alg;
		t->pcrSelections[i].sizeofSelect = 3;
		for (unsigned j = 0; j < 3; j++)
			t->pcrSelections[i].pcrSelect[j] = (uint8_t)(sel->bank[i].mask >> (8 * j));
		t->count++;
	}
}

/* PCR_Read returns at most 8 digests a call: read until every selected PCR is in,
 * all from one pcrUpdateCounter (else start over). */
static tcg_rc pcr_read(tcg_dev *d, const tcg_pcr_selection *sel, tcg_pcr_values *out,
                       uint32_t *counter, tcg_err *err)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		tcg_pcr_selection left = *sel;
		bool first = true, restart = false;
		uint32_t upd0 = 0;
		memset(out, 0, sizeof *out);
		for (size_t i = 0; i < sel->num_banks; i++)
			if (!tcg_pcrs_add_bank(out, sel->bank[i].alg))
				return tcg_err_set(err, TCG_E_USAGE, "pcr-selection", NOPOS,
				                   "unknown hash algorithm 0x%04x", sel->bank[i].alg);
		for (;;) {
			TPML_PCR_SELECTION req, *got = NULL;
			TPML_DIGEST *vals = NULL;
			uint32_t upd;
			bool progress = false, pending = false;
			size_t k = 0;
			for (size_t i = 0; i < left.num_banks; i++)
				pending |= left.bank[i].mask != 0;
			if (!pending)
				break;
			to_tpml(&left, &req);
			TSS2_RC rc = Esys_PCR_Read(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			                           &req, &upd, &got, &vals);
			if (rc)
				return tpm_fail(err, "PCR_Read", rc);
			if (first)
				upd0 = upd;
			else if (upd != upd0)
				restart = true;
			first = false;
			for (uint32_t b = 0; b < got->count && !restart; b++) {
				uint16_t alg = got->pcrSelections[b].hash;
				tcg_pcr_bank *bank = tcg_pcrs_bank(out, alg);
				size_t bi;
				for (bi = 0; bi < left.num_banks && left.bank[bi].alg != alg; bi++)
					;
				for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
					if (p / 8 >= got->pcrSelections[b].sizeofSelect ||
					    !(got->pcrSelections[b].pcrSelect[p / 8] & (1u << (p % 8))))
						continue;
					if (!bank || bi == left.num_banks || k >= vals->count ||
					    vals->digests[k].size != bank->size) {
						Esys_Free(got);
						Esys_Free(vals);
						return tcg_err_set(err, TCG_E_IO, "tpm", NOPOS,
						                   "PCR_Read returned values that do not fit "
						                   "the selection");
					}
					memcpy(bank->value[p], vals->digests[k].buffer, bank->size);
					bank->present |= 1u << p;
					left.bank[bi].mask &= ~(1u << p);
					k++;
					progress = true;
				}
			}
			Esys_Free(got);
			Esys_Free(vals);
			if (restart)
				break;
			if (!progress) {
				for (size_t i = 0; i < left.num_banks; i++)
					if (left.bank[i].mask)
						return tcg_err_set(err, TCG_E_IO, "tpm", NOPOS,
						                   "the TPM does not return %s PCRs (bank not "
						                   "allocated?)",
						                   tcg_alg_name(left.bank[i].alg)
						                           ? tcg_alg_name(left.bank[i].alg)
						                           : "unknown");
			}
		}
		if (!restart) {
			if (counter)
				*counter = upd0;
			return TCG_OK;
		}
	}
	return tcg_err_set(err, TCG_E_IO, "tpm", NOPOS, "PCRs kept changing while being read");
}

tcg_rc tcg_dev_pcr_read(tcg_dev *d, const tcg_pcr_selection *sel, tcg_pcr_values *out,
                        tcg_err *err)
{
	return pcr_read(d, sel, out, NULL, err);
}

tcg_rc tcg_dev_pcr_extend(tcg_dev *d, uint32_t pcr, size_t n, const uint16_t *algs,
                          const uint8_t *const *digests, tcg_err *err)
{
	TPML_DIGEST_VALUES v;
	if (pcr >= TCG_NUM_PCRS || n == 0 || n > TPM2_NUM_PCR_BANKS)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "extend PCR %u, %zu banks",
		                   pcr, n);
	memset(&v, 0, sizeof v);
	for (size_t i = 0; i < n; i++) {
		size_t sz = tcg_alg_size(algs[i]);
		if (!sz || sz > sizeof v.digests[i].digest)
			return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS,
			                   "hash algorithm 0x%04x", algs[i]);
		v.digests[i].hashAlg = algs[i];
		memcpy((uint8_t *)&v.digests[i].digest, digests[i], sz);
	}
	v.count = (uint32_t)n;
	TSS2_RC rc = Esys_PCR_Extend(d->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                             ESYS_TR_NONE, &v);
	if (rc) {
		char what[32];
		snprintf(what, sizeof what, "PCR_Extend(%u)", pcr);
		return tpm_fail(err, what, rc);
	}
	return TCG_OK;
}

/* ---- play ---- */

static bool plays(const tcg_event *e)
{
	return !e->header && e->type != TCG_EV_NO_ACTION && e->pcr < TCG_NUM_PCRS;
}

static void pcr_list(uint32_t mask, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned p = 0; p < TCG_NUM_PCRS && o + 4 < cap; p++)
		if (mask & (1u << p))
			o += (size_t)snprintf(out + o, cap - o, "%s%u", o ? "," : "", p);
}

tcg_rc tcg_dev_play(tcg_dev *d, const tcg_log *log, unsigned flags, tcg_dev_play_result *res,
                    tcg_err *err)
{
	tcg_replay_result *rr = NULL;
	tcg_pcr_values *now = NULL;
	tcg_pcr_selection sel;
	uint16_t tpm_banks[TCG_MAX_BANKS];
	size_t ntpm, nlog = tcg_log_num_banks(log);
	uint32_t touched = 0;
	tcg_rc rc;
	char list[96];

	memset(res, 0, sizeof *res);
	res->startup_locality = -1;
	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		if (plays(e))
			touched |= 1u << e->pcr;
	}
	if (touched & DRTM_PCRS) {
		pcr_list(touched & DRTM_PCRS, list, sizeof list);
		return tcg_err_set(err, TCG_E_MISMATCH, "play-drtm", NOPOS,
		                   "the log extends DRTM PCR %s, which only a dynamic launch at "
		                   "locality 2-4 resets: the play cannot reproduce it", list);
	}
	/* The replay's own reading of StartupLocality and H-CRTM, so the play and
	 * tcglog-replay agree on PCR 0's initial value. */
	if (!(rr = malloc(sizeof *rr)) || !(now = malloc(sizeof *now))) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", NOPOS, "out of memory");
		goto out;
	}
	if ((rc = tcg_replay(log, NULL, rr, err)))
		goto out;
	if (rr->hcrtm) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "play-hcrtm", NOPOS,
		                 "the log starts PCR 0 with an H-CRTM measurement, which only the "
		                 "platform can make before TPM2_Startup: the play cannot reproduce it");
		goto out;
	}
	res->startup_locality = rr->startup_locality;

	if (flags & TCG_DEV_PLAY_STARTUP) {
		unsigned loc = rr->startup_locality > 0 ? (unsigned)rr->startup_locality : 0;
		if ((rc = tcg_dev_startup(d, loc, err)))
			goto out;
		res->started = true;
	}

	if ((rc = tcg_dev_pcr_banks(d, tpm_banks, &ntpm, err)))
		goto out;
	memset(&sel, 0, sizeof sel);
	for (size_t i = 0; i < ntpm; i++) {
		res->bank[i].alg = tpm_banks[i];
		res->bank[i].in_log = tcg_log_bank_index(log, tpm_banks[i]) >= 0;
		if (res->bank[i].in_log && touched && sel.num_banks < TCG_MAX_SELECTION_BANKS) {
			sel.bank[sel.num_banks].alg = tpm_banks[i];
			sel.bank[sel.num_banks++].mask = touched;
		}
	}
	res->num_banks = ntpm;
	for (size_t j = 0; j < nlog; j++) {
		uint16_t alg = tcg_log_bank(log, j).alg;
		bool in_tpm = false;
		for (size_t i = 0; i < ntpm; i++)
			in_tpm |= tpm_banks[i] == alg;
		if (!in_tpm && res->num_log_only < TCG_MAX_BANKS)
			res->log_only[res->num_log_only++] = alg;
	}
	if (touched && sel.num_banks == 0) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "play-banks", NOPOS,
		                 "the TPM allocates none of the log's PCR banks");
		goto out;
	}

	if (!touched)
		goto out;
	if ((rc = tcg_dev_pcr_read(d, &sel, now, err)))
		goto out;

	/* Reset values: zero, but PCR 0 holds the startup locality in its last byte. */
	for (size_t b = 0; b < now->num_banks; b++) {
		const tcg_pcr_bank *bank = &now->bank[b];
		const char *bn = tcg_alg_name(bank->alg) ? tcg_alg_name(bank->alg) : "?";
		for (uint32_t p = 0; p < TCG_NUM_PCRS; p++) {
			uint8_t reset[TCG_MAX_DIGEST] = {0};
			if (!(touched & (1u << p)))
				continue;
			if (p == 0 && rr->startup_locality > 0)
				reset[bank->size - 1] = (uint8_t)rr->startup_locality;
			if (!memcmp(bank->value[p], reset, bank->size))
				continue;
			if (p == 0 && rr->startup_locality > 0) {
				/* Never play a wrong PCR 0, forced or not. */
				rc = tcg_err_set(err, TCG_E_MISMATCH, "play-startup-locality", NOPOS,
				                 "the log's StartupLocality is %d but %s PCR 0 is not "
				                 "00...%02x: the TPM must be started at locality %d "
				                 "(--startup, with a TPM not yet started)",
				                 rr->startup_locality, bn, rr->startup_locality,
				                 rr->startup_locality);
				goto out;
			}
			if (!(flags & TCG_DEV_PLAY_FORCE)) {
				rc = tcg_err_set(err, TCG_E_MISMATCH, "play-not-reset", NOPOS,
				                 "%s PCR %u is not at its reset value (extended since "
				                 "TPM2_Startup): restart the TPM, or --force",
				                 bn, p);
				goto out;
			}
			res->forced |= 1u << p;
		}
	}

	for (size_t i = 0; i < tcg_log_num_events(log); i++) {
		const tcg_event *e = tcg_log_event(log, i);
		uint16_t algs[TCG_MAX_BANKS];
		const uint8_t *digs[TCG_MAX_BANKS];
		size_t n = 0;
		if (!plays(e))
			continue;
		for (size_t b = 0; b < ntpm; b++) {
			int li;
			const uint8_t *dig;
			if (!res->bank[b].in_log)
				continue;
			li = tcg_log_bank_index(log, res->bank[b].alg);
			if (li < 0 || !(dig = tcg_event_digest(log, e, (size_t)li))) {
				res->bank[b].unplayed |= 1u << e->pcr;
				continue;
			}
			algs[n] = res->bank[b].alg;
			digs[n++] = dig;
			res->bank[b].played |= 1u << e->pcr;
		}
		if (!n)
			continue;
		if ((rc = tcg_dev_pcr_extend(d, e->pcr, n, algs, digs, err))) {
			err->event = (long)i;
			err->offset = e->offset;
			goto out;
		}
		res->events++;
	}
out:
	free(rr);
	free(now);
	return rc;
}

/* ---- EK ---- */

static const uint32_t rsa_cert_nv[] = {0x01c00002, 0x01c00012, 0x01c0001c, 0x01c0001e};
static const uint32_t ecc_cert_nv[] = {0x01c0000a, 0x01c00014, 0x01c00016, 0x01c00018};

/* Persistent or NV handles present from first up to last (at most cap). */
static tcg_rc list_handles(tcg_dev *d, uint32_t first, uint32_t last, uint32_t *out,
                           size_t cap, size_t *n, tcg_err *err)
{
	uint32_t next = first;
	*n = 0;
	for (;;) {
		TPMS_CAPABILITY_DATA *cap_data = NULL;
		TPMI_YES_NO more = 0;
		TSS2_RC rc = Esys_GetCapability(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
		                                TPM2_CAP_HANDLES, next, TPM2_MAX_CAP_HANDLES, &more,
		                                &cap_data);
		if (rc)
			return tpm_fail(err, "GetCapability(HANDLES)", rc);
		const TPML_HANDLE *h = &cap_data->data.handles;
		bool done = !more || h->count == 0;
		for (uint32_t i = 0; i < h->count && i < TPM2_MAX_CAP_HANDLES; i++) {
			if (h->handle[i] > last || h->handle[i] < next) {
				done = true;
				break;
			}
			if (*n < cap)
				out[(*n)++] = h->handle[i];
			if (h->handle[i] == last)
				done = true;
			next = h->handle[i] + 1;
		}
		Esys_Free(cap_data);
		if (done || *n >= cap)
			return TCG_OK;
	}
}

static bool handle_present(tcg_dev *d, uint32_t handle, tcg_rc *rc, tcg_err *err)
{
	uint32_t h;
	size_t n;
	*rc = list_handles(d, handle, handle, &h, 1, &n, err);
	return !*rc && n == 1;
}

static tcg_rc nv_buffer_max(tcg_dev *d, uint32_t *max, tcg_err *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc = Esys_GetCapability(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, &more,
	                                &cap);
	if (rc)
		return tpm_fail(err, "GetCapability(TPM_PT_NV_BUFFER_MAX)", rc);
	*max = 512; /* the PC Client minimum, when the TPM does not say */
	if (cap->data.tpmProperties.count >= 1 &&
	    cap->data.tpmProperties.tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX &&
	    cap->data.tpmProperties.tpmProperty[0].value > 0)
		*max = cap->data.tpmProperties.tpmProperty[0].value;
	if (*max > TPM2_MAX_NV_BUFFER_SIZE)
		*max = TPM2_MAX_NV_BUFFER_SIZE;
	Esys_Free(cap);
	return TCG_OK;
}

/* The whole contents of an NV index, read in chunks the TPM accepts. */
static tcg_rc nv_read(tcg_dev *d, uint32_t index, uint32_t cap, uint8_t **out, size_t *len,
                      tcg_err *err)
{
	ESYS_TR tr = ESYS_TR_NONE, auth;
	TPM2B_NV_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL;
	uint8_t *buf = NULL;
	uint32_t chunk = 512, size;
	char what[64];
	tcg_rc trc;
	TSS2_RC rc;

	*out = NULL;
	*len = 0;
	if ((trc = nv_buffer_max(d, &chunk, err)))
		return trc;
	snprintf(what, sizeof what, "NV index 0x%08x", index);
	if ((rc = Esys_TR_FromTPMPublic(d->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                &tr)))
		return tpm_fail(err, what, rc);
	if ((rc = Esys_NV_ReadPublic(d->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub,
	                             &name))) {
		trc = tpm_fail(err, what, rc);
		goto out;
	}
	size = pub->nvPublic.dataSize;
	if (size == 0 || size > cap) {
		trc = tcg_err_set(err, TCG_E_IO, size ? "ek-cert-size" : "ek-cert-missing", NOPOS,
		                  "%s holds %u bytes (1 to %u expected)", what, size, cap);
		goto out;
	}
	/* tpm2_getekcertificate's choice: the index authorises itself when it can. */
	if (pub->nvPublic.attributes & TPMA_NV_AUTHREAD)
		auth = tr;
	else if (pub->nvPublic.attributes & TPMA_NV_OWNERREAD)
		auth = ESYS_TR_RH_OWNER;
	else
		auth = ESYS_TR_RH_PLATFORM;
	if (!(buf = malloc(size))) {
		trc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", NOPOS, "out of memory");
		goto out;
	}
	for (uint32_t off = 0; off < size;) {
		TPM2B_MAX_NV_BUFFER *data = NULL;
		uint16_t want = (uint16_t)(size - off < chunk ? size - off : chunk);
		if ((rc = Esys_NV_Read(d->esys, auth, tr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
		                       want, (uint16_t)off, &data))) {
			trc = tpm_fail(err, what, rc);
			goto out;
		}
		if (data->size != want) {
			Esys_Free(data);
			trc = tcg_err_set(err, TCG_E_IO, "tpm", NOPOS, "%s: short read", what);
			goto out;
		}
		memcpy(buf + off, data->buffer, want);
		off += want;
		Esys_Free(data);
	}
	*out = buf;
	*len = size;
	buf = NULL;
	trc = TCG_OK;
out:
	free(buf);
	Esys_Free(pub);
	Esys_Free(name);
	Esys_TR_Close(d->esys, &tr);
	return trc;
}

/* ReadPublic: the marshalled TPM2B_PUBLIC, its parsed form, and the qualified name. */
static tcg_rc read_public(tcg_dev *d, ESYS_TR tr, uint8_t *buf, size_t *len,
                          TPM2B_PUBLIC **pub, TPM2B_NAME **name, TPM2B_NAME **qn, tcg_err *err)
{
	TPM2B_PUBLIC *p = NULL;
	TPM2B_NAME *n = NULL, *q = NULL;
	size_t off = 0;
	TSS2_RC rc = Esys_ReadPublic(d->esys, tr, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &p, &n,
	                             &q);
	if (rc)
		return tpm_fail(err, "ReadPublic", rc);
	if ((rc = Tss2_MU_TPM2B_PUBLIC_Marshal(p, buf, TCG_DEV_BLOB_MAX, &off))) {
		Esys_Free(p);
		Esys_Free(n);
		Esys_Free(q);
		return tpm_fail(err, "marshalling TPM2B_PUBLIC", rc);
	}
	*len = off;
	if (pub)
		*pub = p;
	else
		Esys_Free(p);
	if (name)
		*name = n;
	else
		Esys_Free(n);
	if (qn)
		*qn = q;
	else
		Esys_Free(q);
	return TCG_OK;
}

/* True when the public area's key is the certificate's. */
static tcg_rc key_matches(const tcg_ekcert *cert, const uint8_t *pub, size_t len, bool *match,
                          tcg_err *err)
{
	tcg_public *p = NULL;
	tcg_ekcert_result *res;
	tcg_rc rc;
	*match = false;
	if ((rc = tcg_public_parse(pub, len, &p, err)))
		return rc;
	if (!(res = malloc(sizeof *res))) {
		tcg_public_free(p);
		return tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", NOPOS, "out of memory");
	}
	tcg_ekcert_result_init(res);
	tcg_ekcert_check_key(cert, p, res);
	*match = res->key_checked && res->num_findings == 0;
	free(res);
	tcg_public_free(p);
	return TCG_OK;
}

/* The TCG EK Credential Profile's default templates: low range L-1/L-2 and high
 * range H-1/H-2/H-3, chosen by the certificate's NV index. */
static const uint8_t policy_a_sha256[32] = {
	0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
	0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};
static const uint8_t policy_b_sha256[32] = {
	0xca, 0x3d, 0x0a, 0x99, 0xa2, 0xb9, 0x39, 0x06, 0xf7, 0xa3, 0x34, 0x24, 0x14, 0xef, 0xcf, 0xb3,
	0xa3, 0x85, 0xd4, 0x4c, 0xd1, 0xfd, 0x45, 0x90, 0x89, 0xd1, 0x9b, 0x50, 0x71, 0xc0, 0xb7, 0xa0};
static const uint8_t policy_b_sha384[48] = {
	0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc, 0xf5, 0xfd, 0x3a, 0x1a,
	0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4, 0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca,
	0xcb, 0x47, 0xba, 0x09, 0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12};

#define EK_ATTRS_LOW                                                                        \
	(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |     \
	 TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define EK_ATTRS_HIGH (EK_ATTRS_LOW | TPMA_OBJECT_USERWITHAUTH)

static bool ek_template(uint32_t nv, TPM2B_PUBLIC *t)
{
	TPMT_PUBLIC *a = &t->publicArea;
	bool high = nv >= 0x01c00012;
	memset(t, 0, sizeof *t);
	a->objectAttributes = high ? EK_ATTRS_HIGH : EK_ATTRS_LOW;
	a->nameAlg = TPM2_ALG_SHA256;
	if (nv == 0x01c00002 || nv == 0x01c00012) {
		a->type = TPM2_ALG_RSA;
		a->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
		a->parameters.rsaDetail.symmetric.keyBits.aes = 128;
		a->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		a->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.rsaDetail.keyBits = 2048;
		a->parameters.rsaDetail.exponent = 0;
		a->unique.rsa.size = high ? 0 : 256; /* L-1: 256 zero bytes; H-1: empty */
	} else if (nv == 0x01c0000a || nv == 0x01c00014 || nv == 0x01c00016) {
		bool p384 = nv == 0x01c00016;
		a->type = TPM2_ALG_ECC;
		if (p384)
			a->nameAlg = TPM2_ALG_SHA384;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		a->parameters.eccDetail.symmetric.keyBits.aes = p384 ? 256 : 128;
		a->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.eccDetail.curveID = p384 ? TPM2_ECC_NIST_P384 : TPM2_ECC_NIST_P256;
		a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		a->unique.ecc.x.size = a->unique.ecc.y.size = high ? 0 : 32;
	} else {
		return false;
	}
	if (!high) {
		a->authPolicy.size = sizeof policy_a_sha256;
		memcpy(a->authPolicy.buffer, policy_a_sha256, sizeof policy_a_sha256);
	} else if (a->nameAlg == TPM2_ALG_SHA384) {
		a->authPolicy.size = sizeof policy_b_sha384;
		memcpy(a->authPolicy.buffer, policy_b_sha384, sizeof policy_b_sha384);
	} else {
		a->authPolicy.size = sizeof policy_b_sha256;
		memcpy(a->authPolicy.buffer, policy_b_sha256, sizeof policy_b_sha256);
	}
	return true;
}

/*
 * Low range only (EK Credential Profile 2.x, 2.2.1.5): an EK template index
 * (0x01c00004 RSA, 0x01c0000c ECC) replaces the default template, and an EK
 * nonce index (0x01c00003, 0x01c0000b) goes to the start of unique (RSA:
 * 256 bytes; ECC: x, 32 bytes, y zero), as the manufacturer made the EK.
 */
static tcg_rc low_range_nv(tcg_dev *d, TPM2B_PUBLIC *t, tcg_err *err)
{
	uint32_t base = d->ek_cert_index, idx[2];
	uint8_t *data = NULL;
	size_t len, n, off = 0;
	tcg_rc rc;
	if (base != 0x01c00002 && base != 0x01c0000a)
		return TCG_OK;
	if ((rc = list_handles(d, base + 1, base + 2, idx, 2, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (idx[i] != base + 2)
			continue;
		TPMT_PUBLIC a;
		memset(&a, 0, sizeof a);
		if ((rc = nv_read(d, idx[i], TCG_DEV_BLOB_MAX, &data, &len, err)))
			return rc;
		if (Tss2_MU_TPMT_PUBLIC_Unmarshal(data, len, &off, &a) || off != len ||
		    a.type != t->publicArea.type) {
			free(data);
			return tcg_err_set(err, TCG_E_IO, "ek-template", NOPOS,
			                   "NV index 0x%08x is no EK template (TPMT_PUBLIC) of the "
			                   "certificate's key type", idx[i]);
		}
		t->publicArea = a;
		free(data);
		data = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		TPMT_PUBLIC *a = &t->publicArea;
		if (idx[i] != base + 1)
			continue;
		if ((rc = nv_read(d, idx[i], 256, &data, &len, err)))
			return rc;
		if (a->type == TPM2_ALG_RSA) {
			memset(&a->unique.rsa, 0, sizeof a->unique.rsa);
			a->unique.rsa.size = 256;
			memcpy(a->unique.rsa.buffer, data, len);
		} else if (len <= 32) {
			memset(&a->unique.ecc, 0, sizeof a->unique.ecc);
			a->unique.ecc.x.size = a->unique.ecc.y.size = 32;
			memcpy(a->unique.ecc.x.buffer, data, len);
		} else {
			free(data);
			return tcg_err_set(err, TCG_E_IO, "ek-template", NOPOS,
			                   "EK nonce at NV index 0x%08x is %zu bytes (ECC: 32 at most)",
			                   idx[i], len);
		}
		free(data);
		data = NULL;
	}
	return TCG_OK;
}

/* Keep tr as the EK when its key is the certificate's. */
static tcg_rc try_ek(tcg_dev *d, const tcg_ekcert *cert, ESYS_TR tr, bool *match, tcg_err *err)
{
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *qn = NULL;
	uint8_t buf[TCG_DEV_BLOB_MAX];
	size_t len;
	tcg_rc rc;
	*match = false;
	if ((rc = read_public(d, tr, buf, &len, &pub, NULL, &qn, err)))
		return rc;
	if (pub->publicArea.type == TPM2_ALG_RSA || pub->publicArea.type == TPM2_ALG_ECC) {
		tcg_err e2;
		/* An object that is no public area we parse is simply not the EK. */
		if (key_matches(cert, buf, len, match, &e2) == TCG_E_NOMEM)
			*match = false;
	}
	if (*match) {
		memcpy(d->ek_pub, buf, len);
		d->ek_pub_len = len;
		d->ek_name_alg = pub->publicArea.nameAlg;
		d->ek_attrs = pub->publicArea.objectAttributes;
		d->ek_qn = *qn;
	}
	Esys_Free(pub);
	Esys_Free(qn);
	return TCG_OK;
}

static tcg_rc read_cert(tcg_dev *d, tcg_dev_alg alg, tcg_err *err)
{
	uint32_t nv[64];
	size_t n;
	tcg_rc rc;
	const uint32_t *want[2];
	int nwant = 0;

	if ((rc = list_handles(d, 0x01c00000, 0x01c0001f, nv, 64, &n, err)))
		return rc;
	if (alg != TCG_DEV_ALG_ECC)
		want[nwant++] = rsa_cert_nv;
	if (alg != TCG_DEV_ALG_RSA)
		want[nwant++] = ecc_cert_nv;
	for (int w = 0; w < nwant; w++)
		for (size_t i = 0; i < 4; i++)
			for (size_t j = 0; j < n; j++)
				if (nv[j] == want[w][i]) {
					if ((rc = nv_read(d, nv[j], TCG_DEV_EK_CERT_MAX, &d->ek_cert, &d->ek_cert_len, err)))
						return rc;
					d->ek_cert_index = nv[j];
					return TCG_OK;
				}
	return tcg_err_set(err, TCG_E_IO, "ek-cert-missing", NOPOS,
	                   "no %sEK certificate in the TPM's NV indices",
	                   alg == TCG_DEV_ALG_RSA ? "RSA " : alg == TCG_DEV_ALG_ECC ? "ECC " : "");
}

tcg_rc tcg_dev_ek_load(tcg_dev *d, tcg_dev_alg alg, uint32_t ek_handle, tcg_err *err)
{
	tcg_ekcert *cert = NULL;
	bool match = false;
	tcg_rc rc;
	TSS2_RC trc;

	if (d->ek != ESYS_TR_NONE)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "EK already loaded");
	if ((rc = read_cert(d, alg, err)))
		return rc;
	if ((rc = tcg_ekcert_parse(d->ek_cert, d->ek_cert_len, &cert, err))) {
		char m[sizeof err->msg];
		snprintf(m, sizeof m, "NV index 0x%08x: %.280s", d->ek_cert_index, err->msg);
		snprintf(err->msg, sizeof err->msg, "%s", m);
		return rc;
	}

	if (ek_handle) {
		ESYS_TR tr;
		if (!handle_present(d, ek_handle, &rc, err)) {
			if (!rc)
				rc = tcg_err_set(err, TCG_E_IO, "tpm", NOPOS,
				                 "no object at EK handle 0x%08x", ek_handle);
			goto out;
		}
		if ((trc = Esys_TR_FromTPMPublic(d->esys, ek_handle, ESYS_TR_NONE, ESYS_TR_NONE,
		                                 ESYS_TR_NONE, &tr))) {
			rc = tpm_fail(err, "EK handle", trc);
			goto out;
		}
		if ((rc = try_ek(d, cert, tr, &match, err)) || !match) {
			Esys_TR_Close(d->esys, &tr);
			if (!rc)
				rc = tcg_err_set(err, TCG_E_MISMATCH, "ekcert-key-mismatch", NOPOS,
				                 "the key at EK handle 0x%08x is not the key of the EK "
				                 "certificate at NV index 0x%08x",
				                 ek_handle, d->ek_cert_index);
			goto out;
		}
		d->ek = tr;
		d->ek_handle = ek_handle;
		goto out;
	}

	/* A persistent EK whose key is the certificate's. */
	{
		uint32_t h[256];
		size_t n;
		if ((rc = list_handles(d, TCG_DEV_EK_HANDLE_FIRST, TCG_DEV_EK_HANDLE_LAST, h, 256, &n,
		                       err)))
			goto out;
		for (size_t i = 0; i < n; i++) {
			ESYS_TR tr;
			if (Esys_TR_FromTPMPublic(d->esys, h[i], ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			                          &tr))
				continue;
			if ((rc = try_ek(d, cert, tr, &match, err))) {
				Esys_TR_Close(d->esys, &tr);
				goto out;
			}
			if (match) {
				d->ek = tr;
				d->ek_handle = h[i];
				goto out;
			}
			Esys_TR_Close(d->esys, &tr);
		}
	}

	/* None: the EK from its TCG template, in the endorsement hierarchy. */
	{
		TPM2B_PUBLIC tmpl;
		TPM2B_SENSITIVE_CREATE sens;
		TPM2B_DATA outside;
		TPML_PCR_SELECTION pcrs;
		TPM2B_PUBLIC *opub = NULL;
		TPM2B_CREATION_DATA *cdata = NULL;
		TPM2B_DIGEST *chash = NULL;
		TPMT_TK_CREATION *ticket = NULL;
		ESYS_TR tr;
		if (!ek_template(d->ek_cert_index, &tmpl)) {
			rc = tcg_err_set(err, TCG_E_IO, "ek-template", NOPOS,
			                 "no persistent EK matches the certificate at NV index 0x%08x, "
			                 "and there is no template for it here: give --ek-handle",
			                 d->ek_cert_index);
			goto out;
		}
		if ((rc = low_range_nv(d, &tmpl, err)))
			goto out;
		memset(&sens, 0, sizeof sens);
		memset(&outside, 0, sizeof outside);
		memset(&pcrs, 0, sizeof pcrs);
		if ((trc = Esys_CreatePrimary(d->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
		                              ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs,
		                              &tr, &opub, &cdata, &chash, &ticket))) {
			rc = tpm_fail(err, "CreatePrimary(EK)", trc);
			goto out;
		}
		Esys_Free(opub);
		Esys_Free(cdata);
		Esys_Free(chash);
		Esys_Free(ticket);
		if ((rc = try_ek(d, cert, tr, &match, err)) || !match) {
			Esys_FlushContext(d->esys, tr);
			if (!rc)
				rc = tcg_err_set(err, TCG_E_MISMATCH, "ekcert-key-mismatch", NOPOS,
				                 "the EK made from the TCG template for NV index 0x%08x "
				                 "is not the certificate's key (an EK nonce or template "
				                 "in NV?): give --ek-handle",
				                 d->ek_cert_index);
			goto out;
		}
		d->ek = tr;
		d->ek_flush = true;
	}
out:
	tcg_ekcert_free(cert);
	return rc;
}

const uint8_t *tcg_dev_ek_cert(const tcg_dev *d, size_t *len)
{
	*len = d->ek_cert_len;
	return d->ek_cert;
}

const uint8_t *tcg_dev_ek_public(const tcg_dev *d, size_t *len)
{
	*len = d->ek_pub_len;
	return d->ek_pub_len ? d->ek_pub : NULL;
}

/*
 * Authorise the EK: its userWithAuth lets an empty password do; otherwise a
 * policy session in the EK's own nameAlg (SHA-384 for a P-384 EK) satisfying
 * PolicySecret(TPM_RH_ENDORSEMENT). *session must be flushed with end_auth.
 */
static tcg_rc ek_auth(tcg_dev *d, ESYS_TR *session, tcg_err *err)
{
	TPMT_SYM_DEF sym = {.algorithm = TPM2_ALG_NULL};
	TPM2B_NONCE nonce_tpm = {.size = 0};
	TPM2B_DIGEST cphash = {.size = 0};
	TPM2B_NONCE ref = {.size = 0};
	TPM2B_TIMEOUT *timeout = NULL;
	TPMT_TK_AUTH *ticket = NULL;
	TSS2_RC rc;
	*session = ESYS_TR_PASSWORD;
	if (d->ek_attrs & TPMA_OBJECT_USERWITHAUTH)
		return TCG_OK;
	if ((rc = Esys_StartAuthSession(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym,
	                                d->ek_name_alg, session))) {
		*session = ESYS_TR_PASSWORD;
		return tpm_fail(err, "StartAuthSession(policy)", rc);
	}
	rc = Esys_PolicySecret(d->esys, ESYS_TR_RH_ENDORSEMENT, *session, ESYS_TR_PASSWORD,
	                       ESYS_TR_NONE, ESYS_TR_NONE, &nonce_tpm, &cphash, &ref, 0, &timeout,
	                       &ticket);
	Esys_Free(timeout);
	Esys_Free(ticket);
	if (rc) {
		Esys_FlushContext(d->esys, *session);
		*session = ESYS_TR_PASSWORD;
		return tpm_fail(err, "PolicySecret(TPM_RH_ENDORSEMENT)", rc);
	}
	return TCG_OK;
}

static void end_auth(tcg_dev *d, ESYS_TR *session)
{
	if (*session != ESYS_TR_PASSWORD && *session != ESYS_TR_NONE)
		Esys_FlushContext(d->esys, *session);
	*session = ESYS_TR_PASSWORD;
}

static void ak_template(tcg_dev_alg alg, TPM2B_PUBLIC *t)
{
	TPMT_PUBLIC *a = &t->publicArea;
	memset(t, 0, sizeof *t);
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	                      TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
	                      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	if (alg == TCG_DEV_ALG_ECC) {
		a->type = TPM2_ALG_ECC;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		a->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
		a->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	} else {
		a->type = TPM2_ALG_RSA;
		a->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		a->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
		a->parameters.rsaDetail.keyBits = 2048;
	}
}

/* The qualified name of a child: nameAlg || H_nameAlg(parent QN || name). */
static bool child_qn(uint16_t name_alg, const TPM2B_NAME *parent_qn, const TPM2B_NAME *name,
                     uint8_t *out, size_t *len)
{
	const char *md = tcg_alg_ossl_name(name_alg);
	const EVP_MD *m = md ? EVP_get_digestbyname(md) : NULL;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;
	bool ok = m && c && EVP_DigestInit_ex(c, m, NULL) &&
	          EVP_DigestUpdate(c, parent_qn->name, parent_qn->size) &&
	          EVP_DigestUpdate(c, name->name, name->size) &&
	          EVP_DigestFinal_ex(c, out + 2, &n);
	EVP_MD_CTX_free(c);
	out[0] = (uint8_t)(name_alg >> 8);
	out[1] = (uint8_t)name_alg;
	*len = (size_t)n + 2;
	return ok;
}

static tcg_rc use_existing_ak(tcg_dev *d, uint32_t handle, tcg_dev_alg alg, tcg_err *err)
{
	ESYS_TR tr;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_NAME *name = NULL, *qn = NULL;
	tcg_public *p = NULL;
	tcg_rc rc;
	TSS2_RC trc;

	if ((trc = Esys_TR_FromTPMPublic(d->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                 &tr)))
		return tpm_fail(err, "AK handle", trc);
	if ((rc = read_public(d, tr, d->ak_pub, &d->ak_pub_len, &pub, &name, &qn, err)))
		goto out;
	if (tcg_public_parse(d->ak_pub, d->ak_pub_len, &p, err) ||
	    tcg_ak_check(p, false, err)) {
		char why[256];
		snprintf(why, sizeof why, "%.40s: %.200s", err->rule, err->msg);
		rc = tcg_err_set(err, TCG_E_MISMATCH, "ak-handle-occupied", NOPOS,
		                 "handle 0x%08x holds an object that is no valid AK (%s): "
		                 "choose another --ak-handle or evict it",
		                 handle, why);
		goto out;
	}
	if ((alg == TCG_DEV_ALG_RSA && pub->publicArea.type != TPM2_ALG_RSA) ||
	    (alg == TCG_DEV_ALG_ECC && pub->publicArea.type != TPM2_ALG_ECC)) {
		rc = tcg_err_set(err, TCG_E_MISMATCH, "ak-alg-mismatch", NOPOS,
		                 "the AK at handle 0x%08x is an %s key, not %s", handle,
		                 pub->publicArea.type == TPM2_ALG_RSA ? "RSA" : "ECC",
		                 alg == TCG_DEV_ALG_RSA ? "RSA" : "ECC");
		goto out;
	}
	if (d->ek != ESYS_TR_NONE) {
		uint8_t want[2 + EVP_MAX_MD_SIZE];
		size_t wlen;
		if (!child_qn(pub->publicArea.nameAlg, &d->ek_qn, name, want, &wlen) ||
		    wlen != qn->size || CRYPTO_memcmp(want, qn->name, wlen)) {
			d->ak_outcome = TCG_DEV_AK_OTHER_PARENT;
			rc = tcg_err_set(err, TCG_E_MISMATCH, "ak-parent", NOPOS,
			                 "the AK at handle 0x%08x was not created under this EK: "
			                 "choose another --ak-handle (or --ek-alg) or evict it",
			                 handle);
			goto out;
		}
	}
	d->ak = tr;
	tr = ESYS_TR_NONE;
	rc = TCG_OK;
out:
	if (rc) {
		d->ak_pub_len = 0;
		if (tr != ESYS_TR_NONE)
			Esys_TR_Close(d->esys, &tr);
	}
	tcg_public_free(p);
	Esys_Free(pub);
	Esys_Free(name);
	Esys_Free(qn);
	return rc;
}

static tcg_rc create_ak(tcg_dev *d, uint32_t handle, tcg_dev_alg alg, tcg_err *err)
{
	TPM2B_PUBLIC tmpl;
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_DATA outside;
	TPML_PCR_SELECTION pcrs;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *opub = NULL;
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	ESYS_TR session = ESYS_TR_PASSWORD, loaded = ESYS_TR_NONE, pers = ESYS_TR_NONE;
	tcg_rc rc;
	TSS2_RC trc;

	if (d->ek == ESYS_TR_NONE)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "no EK loaded");
	ak_template(alg, &tmpl);
	memset(&sens, 0, sizeof sens);
	memset(&outside, 0, sizeof outside);
	memset(&pcrs, 0, sizeof pcrs);
	if ((rc = ek_auth(d, &session, err)))
		return rc;
	trc = Esys_Create(d->esys, d->ek, session, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
	                  &outside, &pcrs, &priv, &opub, &cdata, &chash, &ticket);
	end_auth(d, &session);
	if (trc) {
		rc = tpm_fail(err, "Create(AK under the EK)", trc);
		goto out;
	}
	if ((rc = ek_auth(d, &session, err)))
		goto out;
	trc = Esys_Load(d->esys, d->ek, session, ESYS_TR_NONE, ESYS_TR_NONE, priv, opub, &loaded);
	end_auth(d, &session);
	if (trc) {
		rc = tpm_fail(err, "Load(AK)", trc);
		goto out;
	}
	if ((trc = Esys_EvictControl(d->esys, ESYS_TR_RH_OWNER, loaded, ESYS_TR_PASSWORD,
	                             ESYS_TR_NONE, ESYS_TR_NONE, handle, &pers))) {
		rc = tpm_fail(err, "EvictControl(AK)", trc);
		goto out;
	}
	d->ak = pers;
	rc = read_public(d, pers, d->ak_pub, &d->ak_pub_len, NULL, NULL, NULL, err);
out:
	if (loaded != ESYS_TR_NONE)
		Esys_FlushContext(d->esys, loaded);
	Esys_Free(priv);
	Esys_Free(opub);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	return rc;
}

tcg_rc tcg_dev_ak_load(tcg_dev *d, uint32_t handle, tcg_dev_alg alg, bool create,
                       bool *created, tcg_err *err)
{
	tcg_rc rc;
	if (created)
		*created = false;
	d->ak_outcome = TCG_DEV_AK_FAILED;
	if (handle < 0x81000000u || handle > 0x81FFFFFFu)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS,
		                   "0x%08x is no persistent handle", handle);
	if (d->ak != ESYS_TR_NONE)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "AK already loaded");
	if (handle_present(d, handle, &rc, err)) {
		if (!(rc = use_existing_ak(d, handle, alg, err)))
			d->ak_outcome = TCG_DEV_AK_LOADED;
		return rc;
	}
	if (rc)
		return rc;
	if (!create) {
		d->ak_outcome = TCG_DEV_AK_MISSING;
		return tcg_err_set(err, TCG_E_IO, "ak-missing", NOPOS,
		                   "no AK at handle 0x%08x (dha-bootdata creates it)", handle);
	}
	if ((rc = create_ak(d, handle, alg, err)))
		return rc;
	if (created)
		*created = true;
	d->ak_outcome = TCG_DEV_AK_LOADED;
	return TCG_OK;
}

tcg_dev_ak_outcome tcg_dev_ak_last(const tcg_dev *d)
{
	return d ? d->ak_outcome : TCG_DEV_AK_FAILED;
}

const uint8_t *tcg_dev_ak_public(const tcg_dev *d, size_t *len)
{
	*len = d->ak_pub_len;
	return d->ak_pub_len ? d->ak_pub : NULL;
}

/* ---- quote ---- */

tcg_rc tcg_dev_quote(tcg_dev *d, const tcg_pcr_selection *sel, const uint8_t *qualifying,
                     size_t qualifying_len, tcg_dev_quote_out *out, tcg_err *err)
{
	TPM2B_DATA q;
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL}; /* the AK's own */
	TPML_PCR_SELECTION tsel;
	tcg_public *ak = NULL;
	tcg_quote_result *vr = NULL;
	tcg_rc rc;

	if (d->ak == ESYS_TR_NONE)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "no AK loaded");
	if (!qualifying_len || qualifying_len > sizeof q.buffer || qualifying_len > 64 ||
	    !sel->num_banks || sel->num_banks > TPM2_NUM_PCR_BANKS)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "quote arguments");
	memset(&q, 0, sizeof q);
	q.size = (uint16_t)qualifying_len;
	memcpy(q.buffer, qualifying, qualifying_len);
	to_tpml(sel, &tsel);
	if ((rc = tcg_public_parse(d->ak_pub, d->ak_pub_len, &ak, err)))
		return rc;
	if (!(vr = malloc(sizeof *vr))) {
		rc = tcg_err_set(err, TCG_E_NOMEM, "out-of-memory", NOPOS, "out of memory");
		goto out;
	}
	for (int attempt = 0;; attempt++) {
		TPM2B_ATTEST *quoted = NULL;
		TPMT_SIGNATURE *sig = NULL;
		uint32_t before, after;
		size_t off = 0;
		TSS2_RC trc;
		if ((rc = pcr_read(d, sel, &out->pcrs, &before, err)))
			goto out;
		trc = Esys_Quote(d->esys, d->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q,
		                 &scheme, &tsel, &quoted, &sig);
		if (trc) {
			rc = tpm_fail(err, "Quote", trc);
			goto out;
		}
		if (quoted->size > sizeof out->attest ||
		    Tss2_MU_TPMT_SIGNATURE_Marshal(sig, out->signature, sizeof out->signature, &off)) {
			Esys_Free(quoted);
			Esys_Free(sig);
			rc = tcg_err_set(err, TCG_E_IO, "tpm", NOPOS, "the quote does not fit");
			goto out;
		}
		memcpy(out->attest, quoted->attestationData, quoted->size);
		out->attest_len = quoted->size;
		out->signature_len = off;
		Esys_Free(quoted);
		Esys_Free(sig);
		/* The values must be the quoted ones: a PCR extended around the quote
		 * moves the update counter, and then we quote again. */
		if ((rc = pcr_read(d, sel, &out->pcrs, &after, err)))
			goto out;
		if (before != after && attempt < 3)
			continue;
		/* Our own check of what we send. SHA-1 banks and an unsafe clock are
		 * the verifier's to refuse, not ours. */
		tcg_quote_opts o = {.nonce = qualifying, .nonce_len = qualifying_len,
		                    .allow_sha1 = true, .allow_unsafe_clock = true,
		                    .pcrs = &out->pcrs};
		rc = tcg_quote_verify(ak, out->attest, out->attest_len, out->signature,
		                      out->signature_len, &o, vr, err);
		if (rc != TCG_E_MISMATCH || attempt >= 3)
			goto out;
	}
out:
	free(vr);
	tcg_public_free(ak);
	return rc;
}

/* ---- activation ---- */

tcg_rc tcg_dev_activate(tcg_dev *d, const uint8_t *credential, size_t credential_len,
                        const uint8_t *secret, size_t secret_len, uint8_t *out, size_t cap,
                        size_t *out_len, tcg_err *err)
{
	TPM2B_ID_OBJECT cred;
	TPM2B_ENCRYPTED_SECRET sec;
	TPM2B_DIGEST *info = NULL;
	ESYS_TR session;
	size_t off = 0;
	tcg_rc rc;
	TSS2_RC trc;

	*out_len = 0;
	if (d->ek == ESYS_TR_NONE || d->ak == ESYS_TR_NONE)
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "EK and AK must be loaded");
	memset(&cred, 0, sizeof cred);
	memset(&sec, 0, sizeof sec);
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(credential, credential_len, &off, &cred) ||
	    off != credential_len)
		return tcg_err_set(err, TCG_E_FORMAT, "credential-format", NOPOS,
		                   "credential: not one TPM2B_ID_OBJECT (%zu bytes)", credential_len);
	off = 0;
	if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(secret, secret_len, &off, &sec) ||
	    off != secret_len)
		return tcg_err_set(err, TCG_E_FORMAT, "credential-format", NOPOS,
		                   "secret: not one TPM2B_ENCRYPTED_SECRET (%zu bytes)", secret_len);
	if ((rc = ek_auth(d, &session, err)))
		return rc;
	trc = Esys_ActivateCredential(d->esys, d->ak, d->ek, ESYS_TR_PASSWORD, session,
	                              ESYS_TR_NONE, &cred, &sec, &info);
	end_auth(d, &session);
	if (trc) {
		if (tpm_said_no(trc))
			return tcg_err_set(err, TCG_E_MISMATCH, "credential-activate", NOPOS,
			                   "TPM2_ActivateCredential refused: %s (0x%x): the credential "
			                   "is not for this TPM's EK and AK",
			                   Tss2_RC_Decode(trc), (unsigned)trc);
		return tpm_fail(err, "ActivateCredential", trc);
	}
	if (info->size > cap) {
		OPENSSL_cleanse(info->buffer, sizeof info->buffer);
		Esys_Free(info);
		return tcg_err_set(err, TCG_E_USAGE, "dev-usage", NOPOS, "secret buffer too small");
	}
	memcpy(out, info->buffer, info->size);
	*out_len = info->size;
	OPENSSL_cleanse(info->buffer, sizeof info->buffer);
	Esys_Free(info);
	return TCG_OK;
}

/* ---- message rules ---- */

tcg_rc tcg_dev_encblob_plain(const tcg_msg *m, tcg_err *err)
{
	const char *keys[] = {"credential", "secret"};
	for (size_t i = 0; i < 2; i++) {
		const tcg_ynode *n = tcg_msg_get(m, keys[i]);
		if (n)
			return tcg_ydoc_error(err, m->doc, n, "encblob-not-activated",
			                      "this is the service's reply (it has %s): run "
			                      "dha-activate on it first",
			                      keys[i]);
	}
	return TCG_OK;
}

tcg_rc tcg_dev_quote_selection(const char *from_encblob, const char *from_option,
                               tcg_pcr_selection *out, tcg_err *err)
{
	tcg_pcr_selection opt;
	if (from_option && !tcg_pcr_selection_parse(from_option, &opt))
		return tcg_err_set(err, TCG_E_USAGE, "pcr-selection", NOPOS,
		                   "\"%s\" is no PCR selection (like \"sha256:0,1,7\")", from_option);
	if (from_encblob) {
		if (!tcg_pcr_selection_parse(from_encblob, out))
			return tcg_err_set(err, TCG_E_FORMAT, "pcr-selection", NOPOS,
			                   "the EncBlob's pcr-selection \"%s\" is no PCR selection",
			                   from_encblob);
		if (from_option && !tcg_pcr_selection_equal(out, &opt))
			return tcg_err_set(err, TCG_E_USAGE, "pcr-selection", NOPOS,
			                   "--pcr-list %s differs from the EncBlob's pcr-selection %s",
			                   from_option, from_encblob);
		return TCG_OK;
	}
	if (from_option) {
		*out = opt;
		return TCG_OK;
	}
	if (!tcg_pcr_selection_parse(TCG_DHA_DEFAULT_SELECTION, out))
		return tcg_err_set(err, TCG_E_USAGE, "pcr-selection", NOPOS, "default selection");
	return TCG_OK;
}

bool tcg_dev_alg_parse(const char *s, tcg_dev_alg *out)
{
	if (!strcmp(s, "rsa"))
		*out = TCG_DEV_ALG_RSA;
	else if (!strcmp(s, "ecc"))
		*out = TCG_DEV_ALG_ECC;
	else
		return false;
	return true;
}

bool tcg_dev_handle_parse(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < 0x81000000ul || v > 0x81FFFFFFul)
		return false;
	*out = (uint32_t)v;
	return true;
}
