/* Libraries opened on first use: see dynlib.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "dynlib.h"
#define TCG_DL_TABLES
#include "pq_dl.h"
#include "sqlite_dl.h"
#include "tss_dl.h"
#include "xml_dl.h"

tcg_rc tcg_dl_load(tcg_dl_lib *lib, const char *rule, tcg_err *err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	tcg_rc rc = TCG_OK;

	if (atomic_load_explicit(&lib->loaded, memory_order_acquire))
		return TCG_OK;
	pthread_mutex_lock(&lock);
	if (atomic_load_explicit(&lib->loaded, memory_order_relaxed))
		goto out;
	/* RTLD_LOCAL: its symbols do not take part in any later lookup. */
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		rc = tcg_fail(err, TCG_E_IO, rule, "%s needs %s, which cannot be loaded: %s",
		              lib->user, lib->soname, why ? why : "no reason given");
		goto out;
	}
	for (size_t i = 0; i < lib->nsyms; i++) {
		void *p = dlsym(h, lib->syms[i].name);
		if (!p) {
			rc = tcg_fail(err, TCG_E_IO, rule,
			              "%s needs %s, which cannot be loaded: it has no %s",
			              lib->user, lib->soname, lib->syms[i].name);
			dlclose(h);
			goto out;
		}
		/* POSIX: a function pointer converts to and from void *. */
		memcpy((char *)lib->table + lib->syms[i].offset, &p, sizeof p);
	}
	atomic_store_explicit(&lib->loaded, true, memory_order_release);
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- the libraries ---- */

struct tcg_pq_api tcg_pq;

static const tcg_dl_sym pq_syms[] = {
	TCG_DL_SYM(struct tcg_pq_api, PQclear)
	TCG_DL_SYM(struct tcg_pq_api, PQcmdTuples)
	TCG_DL_SYM(struct tcg_pq_api, PQconnectdb)
	TCG_DL_SYM(struct tcg_pq_api, PQconninfoFree)
	TCG_DL_SYM(struct tcg_pq_api, PQconninfoParse)
	TCG_DL_SYM(struct tcg_pq_api, PQerrorMessage)
	TCG_DL_SYM(struct tcg_pq_api, PQexec)
	TCG_DL_SYM(struct tcg_pq_api, PQexecParams)
	TCG_DL_SYM(struct tcg_pq_api, PQfinish)
	TCG_DL_SYM(struct tcg_pq_api, PQfreemem)
	TCG_DL_SYM(struct tcg_pq_api, PQgetisnull)
	TCG_DL_SYM(struct tcg_pq_api, PQgetlength)
	TCG_DL_SYM(struct tcg_pq_api, PQgetvalue)
	TCG_DL_SYM(struct tcg_pq_api, PQntuples)
	TCG_DL_SYM(struct tcg_pq_api, PQresultStatus)
	TCG_DL_SYM(struct tcg_pq_api, PQsetNoticeProcessor)
	TCG_DL_SYM(struct tcg_pq_api, PQstatus)
};

static tcg_dl_lib pq_lib = {
	.soname = "libpq.so.5",
	.user = "a PostgreSQL store",
	.syms = pq_syms,
	.nsyms = sizeof pq_syms / sizeof pq_syms[0],
	.table = &tcg_pq,
};

tcg_rc tcg_pq_load(tcg_err *err)
{
	return tcg_dl_load(&pq_lib, "nonce-store", err);
}

struct tcg_xml_api tcg_xml;

static const tcg_dl_sym xml_syms[] = {
	TCG_DL_SYM(struct tcg_xml_api, xmlDocDumpFormatMemoryEnc)
	TCG_DL_SYM(struct tcg_xml_api, xmlDocGetRootElement)
	TCG_DL_SYM(struct tcg_xml_api, xmlDocSetRootElement)
	TCG_DL_SYM(struct tcg_xml_api, xmlFreeDoc)
	TCG_DL_SYM(struct tcg_xml_api, xmlGetLineNo)
	TCG_DL_SYM(struct tcg_xml_api, xmlGetProp)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewChild)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewDoc)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewNode)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewNs)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewNsProp)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewProp)
	TCG_DL_SYM(struct tcg_xml_api, xmlNewTextChild)
	TCG_DL_SYM(struct tcg_xml_api, xmlNodeAddContent)
	TCG_DL_SYM(struct tcg_xml_api, xmlReadMemory)
	TCG_DL_SYM(struct tcg_xml_api, xmlSetNs)
#ifdef xmlFree
	TCG_DL_SYM(struct tcg_xml_api, __xmlFree)
#else
	TCG_DL_SYM(struct tcg_xml_api, xmlFree)
#endif
};

static tcg_dl_lib xml_lib = {
	.soname = "libxml2.so.2",
	.user = "the DHA-Report XML",
	.syms = xml_syms,
	.nsyms = sizeof xml_syms / sizeof xml_syms[0],
	.table = &tcg_xml,
};

tcg_rc tcg_xml_load(tcg_err *err)
{
	return tcg_dl_load(&xml_lib, "report-xml-library", err);
}

struct tcg_tss_api tcg_tss;

static const tcg_dl_sym esys_syms[] = {
	TCG_DL_SYM(struct tcg_tss_api, Esys_ActivateCredential)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Create)
	TCG_DL_SYM(struct tcg_tss_api, Esys_CreatePrimary)
	TCG_DL_SYM(struct tcg_tss_api, Esys_EvictControl)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Finalize)
	TCG_DL_SYM(struct tcg_tss_api, Esys_FlushContext)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Free)
	TCG_DL_SYM(struct tcg_tss_api, Esys_GetCapability)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Initialize)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Load)
	TCG_DL_SYM(struct tcg_tss_api, Esys_NV_Read)
	TCG_DL_SYM(struct tcg_tss_api, Esys_NV_ReadPublic)
	TCG_DL_SYM(struct tcg_tss_api, Esys_PCR_Extend)
	TCG_DL_SYM(struct tcg_tss_api, Esys_PCR_Read)
	TCG_DL_SYM(struct tcg_tss_api, Esys_PolicySecret)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Quote)
	TCG_DL_SYM(struct tcg_tss_api, Esys_ReadPublic)
	TCG_DL_SYM(struct tcg_tss_api, Esys_StartAuthSession)
	TCG_DL_SYM(struct tcg_tss_api, Esys_Startup)
	TCG_DL_SYM(struct tcg_tss_api, Esys_TR_Close)
	TCG_DL_SYM(struct tcg_tss_api, Esys_TR_FromTPMPublic)
};
static const tcg_dl_sym tctildr_syms[] = {
	TCG_DL_SYM(struct tcg_tss_api, Tss2_TctiLdr_Initialize)
	TCG_DL_SYM(struct tcg_tss_api, Tss2_TctiLdr_Finalize)
};
static const tcg_dl_sym rc_syms[] = {
	TCG_DL_SYM(struct tcg_tss_api, Tss2_RC_Decode)
};

/* Three libraries, one table: each fills its part. */
static tcg_dl_lib tss_libs[] = {
	{ .soname = "libtss2-esys.so.0", .user = "a TPM", .syms = esys_syms,
	  .nsyms = sizeof esys_syms / sizeof esys_syms[0], .table = &tcg_tss },
	{ .soname = "libtss2-tctildr.so.0", .user = "a TPM", .syms = tctildr_syms,
	  .nsyms = sizeof tctildr_syms / sizeof tctildr_syms[0], .table = &tcg_tss },
	{ .soname = "libtss2-rc.so.0", .user = "a TPM", .syms = rc_syms,
	  .nsyms = sizeof rc_syms / sizeof rc_syms[0], .table = &tcg_tss },
};

tcg_rc tcg_tss_load(tcg_err *err)
{
	tcg_rc rc = TCG_OK;
	for (size_t i = 0; !rc && i < sizeof tss_libs / sizeof tss_libs[0]; i++)
		rc = tcg_dl_load(&tss_libs[i], "tpm", err);
	return rc;
}

struct tcg_sqlite_api tcg_sqlite;

static const tcg_dl_sym sqlite_syms[] = {
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_bind_blob)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_bind_int)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_bind_int64)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_bind_text)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_bind_text64)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_busy_timeout)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_changes64)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_clear_bindings)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_close_v2)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_column_blob)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_column_bytes)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_column_int)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_column_int64)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_column_text)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_errmsg)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_exec)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_extended_result_codes)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_finalize)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_open_v2)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_prepare_v3)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_reset)
	TCG_DL_SYM(struct tcg_sqlite_api, sqlite3_step)
};

static tcg_dl_lib sqlite_lib = {
	.soname = "libsqlite3.so.0",
	.user = "an SQLite store",
	.syms = sqlite_syms,
	.nsyms = sizeof sqlite_syms / sizeof sqlite_syms[0],
	.table = &tcg_sqlite,
};

tcg_rc tcg_sqlite_load(tcg_err *err)
{
	return tcg_dl_load(&sqlite_lib, "nonce-store", err);
}
