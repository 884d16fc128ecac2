/*
 * Claims, private: the state the driver (claims.c) and the profiles share
 * (claims_windows.c, claims_uefi.c, claims_linux.c). Their functions are tcg_cl_*:
 * exported from the library only because the profiles are separate files.
 */
#ifndef TCGLOG_CLAIMS_INT_H
#define TCGLOG_CLAIMS_INT_H

#include "tcglog/claims.h"
#include "evtypes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tcglog/digest.h"
#include "events.h"
#include "yamlout.h"
#include "sipa.h"

#define MAX_PROBLEMS 256
/* PCRs facts come from (DESIGN.md: Windows 0-7, 11-14; UEFI Linux 0-9, 14; systemd 11, 12). */
#define FACT_PCRS 0x7BFFu
#define MAX_VARS 64
#define MAX_MODULES 4096
#define MAX_ELAM 16

/* A fact that may be unknown. */
typedef enum { TRI_UNK = -1, TRI_FALSE = 0, TRI_TRUE = 1 } tri;

/* BootAppSVN is the APPLICATION_SVN in PCR 12 after the boot manager transferred control
 * (PCR 12) and the boot application's image was measured (a MODULE_SVN in PCR 13). */
enum basvn_state {
	BASVN_BEFORE_TRANSFER, /* the boot manager's own SVN comes first */
	BASVN_TRANSFERRED,     /* TRANSFER_CONTROL 1 or 2 seen in PCR 12 */
	BASVN_APP_MEASURED,    /* then a MODULE_SVN in PCR 13 */
	BASVN_TAKEN,           /* then the APPLICATION_SVN: BootAppSVN */
};

/* A byte string pointing into the log. */
typedef struct {
	const uint8_t *p;
	size_t len;
} bytes;

/* A list of digests (Secure Boot databases, boot loader digests). */
typedef struct {
	size_t n, cap;
	struct hent {
		uint8_t len;
		uint8_t d[TCG_MAX_DIGEST];
	} *e;
} hlist;

typedef struct {
	bytes path, hash, issuer, publisher;
	uint32_t alg, svn;
	tri validated;
	bool has_alg, has_svn;
	uint32_t count; /* loads of this image (path and hash) */
} module;

/* A revocation list payload (dha.md §4.6.1), the first one in PCR 13. */
typedef struct {
	bytes raw;
	bool time_ok; /* CreationTime within 1970 .. 2106 (an unsignedInt of seconds) */
	uint64_t secs;
	uint16_t alg;
	bytes digest;
} revlist;

/* A SIPA number measured more than once: the first value, and whether another differed. */
typedef struct {
	bool seen, conflict; /* a conflict makes the fact unknown */
	uint64_t v;
} sipa_num;

typedef struct {
	bool any;
	tri bootdebug, oskd, testsign, flight, safemode, winpe, hv, vsm, ci, dep;
	uint64_t dep_raw;
	tri bitlocker;
	uint64_t bl_flags;
	bool bootcount_seen;
	uint64_t bootcount;
	tri coldboot;
	bool elam;
	bool bmsvn_seen, basvn_seen;
	uint32_t bmsvn, basvn;
	enum basvn_state basvn_state;
	bytes cipolicy, sbcp;
	revlist bootrev, osrev;
	size_t nmod, modcap;
	module *mods; /* grown as images come (a boot loads a few hundred) */
	/* ELAM: drivers measured by winload, and the ELAM hive's key names */
	bool drivers_measured, elam_hive;
	size_t nelam, nelamkey;
	module elamdrv[MAX_ELAM];
	bytes elamkey[MAX_ELAM];
	sipa_num evcount, counterid, dep_num, hvci, iommu_policy, smt, lsaiso;
	tri hvdebug;
	tri vbs[SIPA_VBS_LAST - SIPA_VBS_FIRST + 1]; /* true when every value is on */
	bool drtm;
} winfacts;

/* Strings the facts own; bad: one could not be derived, so the list is unknown. */
typedef struct {
	size_t n, cap;
	char **s;
	bool bad;
} strlist;

/* Entries per EFI_SIGNATURE_LIST type, in order of first appearance. */
#define MAX_SIGTYPES 16
typedef struct {
	size_t n;
	struct {
		const uint8_t *type;
		uint64_t count;
	} t[MAX_SIGTYPES];
	bool bad;
} typecount;

typedef struct {
	bool pcr7; /* PCR 7 events were used */
	tri enabled;
	bool debug, dma;
	bool sep;
	/* databases whose variable was measured (an unmeasured one is unknown, not empty) */
	bool pk_known, kek_known, db_known, dbx_known;
	size_t nvars;
	struct {
		uint8_t guid[16];
		char name[32];
	} vars[MAX_VARS];
	hlist pk, kek, db, dbx, auth;
	/* certificate subjects (RFC 2253) beside the digests */
	strlist pk_subj, kek_subj, db_subj, auth_subj;
	typecount dbx_types;
	bytes current_policy;
} sbfacts;

typedef struct {
	bool shim, grub, sdboot;
	hlist mok, bootloaders, moklist_digest;
	bytes sbat;
	bytes cmdline; /* ASCII (GRUB), pinned by the GRUB linux command */
	bytes linux_arg; /* argument of the last GRUB linux command in PCR 8 */
	size_t pcr14_n; /* PCR 14 extends so far: shim's MOK labels are checked by position */
	bytes cmdline16; /* UTF-16 (systemd) */
	bool cmdline_conflict; /* both: which one the kernel got is not proven */
	size_t nsections;
	char sections[16][16]; /* UKI PE section names, ASCII */
} linuxfacts;

/* Events whose data is a constant (the well_known table in claims.c, in this order). */
enum well_known_id {
	WK_SEPARATOR_ZERO,
	WK_SEPARATOR_FF,
	WK_SEPARATOR_WBCL,
	WK_CALLING_BOOT_OPTION,
	WK_EXIT_BOOT_SERVICES,
	WK_UEFI_DEBUG_MODE,
	WK_DMA_PROTECTION_DISABLED,
	WK_RETURNING_BOOT_OPTION,
	WK_COUNT
};

struct tcg_claims {
	const tcg_log *log;
	bool verified, strict, windows;
	const char *pcrs_source;
	uint16_t bank;
	int bidx; /* bank index in the log */
	uint32_t pcrs_ok; /* PCRs whose replay matched */
	uint32_t usable;  /* PCRs facts may come from */
	bool has_pcr0;
	uint8_t pcr0[TCG_MAX_DIGEST];
	bool has_log_sha;
	uint8_t log_sha[32];
	unsigned quirks;
	bool shim_stray_byte, sb_empty, fw_unbound;
	/* firmware habits seen in real logs, accepted by name (the output lists them) */
	bool wa_boot_guard, wa_utf16_odd, wa_vendor_type, wa_compact_pcr2;
	uint32_t gap;      /* PCRs with an event refused: facts needing every extend are unknown */
	uint32_t extended; /* PCRs the log extends */
	uint32_t ignored;  /* PCRs no fact uses whose values differ from the replay */
	uint32_t unextended; /* bank indexes of the log no event extends (all-zero digests) */
	size_t boot_end;   /* index of "Exit Boot Services Invocation", or SIZE_MAX */
	size_t nlate;
	long late[64];     /* boot-chain events after the end of boot: listed, not believed */
	size_t nprob;
	tcg_err prob[MAX_PROBLEMS];
	size_t prob_dropped;
	winfacts win;
	sbfacts sb;
	linuxfacts lx;
	tcg_hasher *h;
	/* well-known digests in the chosen bank */
	uint8_t wk[WK_COUNT][TCG_MAX_DIGEST];
};

/* ---- the driver's services (claims.c) ---- */

/* e's data, and its digest in the chosen bank (NULL when e lacks that bank). */
static inline const uint8_t *tcg_cl_data(const tcg_claims *c, const tcg_event *e)
{
	return tcg_event_data(c->log, e);
}
static inline const uint8_t *tcg_cl_digest(const tcg_claims *c, const tcg_event *e)
{
	return tcg_event_digest(c->log, e, c->bidx);
}

/* Record a broken rule at e (NULL: the whole log); its PCR's facts that need every extend
 * become unknown. */
void tcg_cl_problem(tcg_claims *c, const tcg_event *e, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool tcg_cl_hlist_add(hlist *l, const uint8_t *d, size_t len);
/* Whether p..len hashes to e's digest in every bank e carries that can be hashed. */
bool tcg_cl_digest_matches(tcg_claims *c, const tcg_event *e, const uint8_t *p, size_t len);
/* A PCR whose every extend was accounted for: a fact from the absence of an event holds. */
bool tcg_cl_pcr_complete(const tcg_claims *c, uint32_t pcr);
/* A PCR that replays to its initial value: nothing measured into it. */
bool tcg_cl_pcr_untouched(const tcg_claims *c, uint32_t pcr);
void tcg_cl_kv_tri(tcg_yaml *y, const char *k, tri v);
void tcg_cl_kv_bytes(tcg_yaml *y, const char *k, bytes b);
void tcg_cl_kv_hlist(tcg_yaml *y, const char *k, const hlist *l);
/* true when seen, false only when its PCRs prove nothing was measured, else unknown */
void tcg_cl_kv_seen(tcg_yaml *y, const char *k, bool seen, bool none);

/* ---- Windows SIPA (claims_windows.c) ---- */

void tcg_cl_winfacts_init(winfacts *w);
/* An EV_EVENT_TAG of PCR 12-14 before its WBCL separator. */
void tcg_cl_windows_event(tcg_claims *c, const tcg_event *e);
void tcg_cl_write_health(const tcg_claims *c, tcg_yaml *y);
void tcg_cl_write_windows(const tcg_claims *c, tcg_yaml *y);

/* ---- UEFI: PCR 7 Secure Boot, PCR 4 images (claims_uefi.c) ---- */

void tcg_cl_pcr7_event(tcg_claims *c, const tcg_event *e);
void tcg_cl_pcr4_event(tcg_claims *c, const tcg_event *e);
/* After the last event: the rules on the whole of PCR 7. */
void tcg_cl_secureboot_finish(tcg_claims *c);
void tcg_cl_write_secureboot(const tcg_claims *c, tcg_yaml *y);
void tcg_cl_secureboot_free(tcg_claims *c);

/* ---- Linux boot chain: shim, GRUB, systemd (claims_linux.c) ---- */

void tcg_cl_linux_event(tcg_claims *c, const tcg_event *e);
/* After the last event: the rules on the whole boot chain. */
void tcg_cl_linux_finish(tcg_claims *c);
void tcg_cl_write_linux(const tcg_claims *c, tcg_yaml *y);

/* The claims document through y (tcg_yaml_new_json: as JSON), finished and
 * freed here; y NULL (its allocation failed) is out of memory. */
tcg_rc tcg_claims_emit(const tcg_claims *c, tcg_yaml *y, tcg_err *err);

#endif
