/*
 * Libraries that only some runs need, opened with dlopen on first use rather
 * than linked: libpq (a PostgreSQL store), libxml2 (the DHA-Report XML),
 * SQLite (an SQLite store) and the TPM stack (a TPM). Linked, every tool
 * mapped and relocated them and what they pull in (GnuTLS, Kerberos, LDAP,
 * ICU...) at every start, most of a one-shot run's CPU time. Each library's
 * functions are reached through a table of pointers filled once per process;
 * pq_dl.h, xml_dl.h, sqlite_dl.h and tss_dl.h map the names the code calls
 * onto those tables, so the code reads as if the library were linked.
 */
#ifndef TCGLOG_DYNLIB_H
#define TCGLOG_DYNLIB_H

#include <stdatomic.h>
#include <stddef.h>

#include "tcglog/error.h"

typedef struct {
	const char *name;
	size_t offset; /* of its pointer in the table */
} tcg_dl_sym;

typedef struct {
	const char *soname; /* the ABI the headers we build with describe */
	const char *user;   /* what needs it, for the error: "a PostgreSQL store" */
	const tcg_dl_sym *syms;
	size_t nsyms;
	void *table; /* a struct of function pointers */
	atomic_bool loaded;
} tcg_dl_lib;

/* { "f", offsetof(TYPE, f) }, for a table's list of symbols. */
#define TCG_DL_SYM(type, f) { #f, offsetof(type, f) },

/*
 * Open lib and fill its table, once per process and thread-safe; the library
 * stays loaded. TCG_E_IO under rule, naming the library and the loader's
 * reason, when it cannot be opened or lacks a symbol (nothing is then kept).
 */
tcg_rc tcg_dl_load(tcg_dl_lib *lib, const char *rule, tcg_err *err);

#endif
