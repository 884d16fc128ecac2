/*
 * SQLite, opened when an SQLite store is (dynlib.h): the sqlite3_* functions
 * store_sqlite.c calls, by their own names, through tcg_sqlite. The tools that
 * keep no store (tcglog-dump, -replay, -claims, dha-policy...) never load it.
 * Call tcg_sqlite_load before any of them. A function used here that is not
 * in the table fails the library's link (no SQLite is linked).
 */
#ifndef TCGLOG_SQLITE_DL_H
#define TCGLOG_SQLITE_DL_H

#include <sqlite3.h>

#include "tcglog/error.h"

struct tcg_sqlite_api {
	__typeof__(&sqlite3_bind_blob) sqlite3_bind_blob;
	__typeof__(&sqlite3_bind_int) sqlite3_bind_int;
	__typeof__(&sqlite3_bind_int64) sqlite3_bind_int64;
	__typeof__(&sqlite3_bind_text) sqlite3_bind_text;
	__typeof__(&sqlite3_bind_text64) sqlite3_bind_text64;
	__typeof__(&sqlite3_busy_timeout) sqlite3_busy_timeout;
	__typeof__(&sqlite3_changes64) sqlite3_changes64;
	__typeof__(&sqlite3_clear_bindings) sqlite3_clear_bindings;
	__typeof__(&sqlite3_close_v2) sqlite3_close_v2;
	__typeof__(&sqlite3_column_blob) sqlite3_column_blob;
	__typeof__(&sqlite3_column_bytes) sqlite3_column_bytes;
	__typeof__(&sqlite3_column_int) sqlite3_column_int;
	__typeof__(&sqlite3_column_int64) sqlite3_column_int64;
	__typeof__(&sqlite3_column_text) sqlite3_column_text;
	__typeof__(&sqlite3_errmsg) sqlite3_errmsg;
	__typeof__(&sqlite3_exec) sqlite3_exec;
	__typeof__(&sqlite3_extended_result_codes) sqlite3_extended_result_codes;
	__typeof__(&sqlite3_finalize) sqlite3_finalize;
	__typeof__(&sqlite3_open_v2) sqlite3_open_v2;
	__typeof__(&sqlite3_prepare_v3) sqlite3_prepare_v3;
	__typeof__(&sqlite3_reset) sqlite3_reset;
	__typeof__(&sqlite3_step) sqlite3_step;
};

extern struct tcg_sqlite_api tcg_sqlite;

/* libsqlite3.so.0 loaded and tcg_sqlite filled, or TCG_E_IO (rule nonce-store). */
tcg_rc tcg_sqlite_load(tcg_err *err);

/* dynlib.c defines the table and needs the plain names. */
#ifndef TCG_DL_TABLES
#define sqlite3_bind_blob tcg_sqlite.sqlite3_bind_blob
#define sqlite3_bind_int tcg_sqlite.sqlite3_bind_int
#define sqlite3_bind_int64 tcg_sqlite.sqlite3_bind_int64
#define sqlite3_bind_text tcg_sqlite.sqlite3_bind_text
#define sqlite3_bind_text64 tcg_sqlite.sqlite3_bind_text64
#define sqlite3_busy_timeout tcg_sqlite.sqlite3_busy_timeout
#define sqlite3_changes64 tcg_sqlite.sqlite3_changes64
#define sqlite3_clear_bindings tcg_sqlite.sqlite3_clear_bindings
#define sqlite3_close_v2 tcg_sqlite.sqlite3_close_v2
#define sqlite3_column_blob tcg_sqlite.sqlite3_column_blob
#define sqlite3_column_bytes tcg_sqlite.sqlite3_column_bytes
#define sqlite3_column_int tcg_sqlite.sqlite3_column_int
#define sqlite3_column_int64 tcg_sqlite.sqlite3_column_int64
#define sqlite3_column_text tcg_sqlite.sqlite3_column_text
#define sqlite3_errmsg tcg_sqlite.sqlite3_errmsg
#define sqlite3_exec tcg_sqlite.sqlite3_exec
#define sqlite3_extended_result_codes tcg_sqlite.sqlite3_extended_result_codes
#define sqlite3_finalize tcg_sqlite.sqlite3_finalize
#define sqlite3_open_v2 tcg_sqlite.sqlite3_open_v2
#define sqlite3_prepare_v3 tcg_sqlite.sqlite3_prepare_v3
#define sqlite3_reset tcg_sqlite.sqlite3_reset
#define sqlite3_step tcg_sqlite.sqlite3_step
#endif

#endif
