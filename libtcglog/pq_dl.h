/*
 * libpq, opened when a PostgreSQL store is (dynlib.h): the PQ* functions
 * store_pg.c calls, by their own names, through tcg_pq. Include it after
 * <libpq-fe.h> and call tcg_pq_load before any of them. A function used here
 * that is not in the table fails the library's link (no libpq is linked).
 */
#ifndef TCGLOG_PQ_DL_H
#define TCGLOG_PQ_DL_H

#include <libpq-fe.h>

#include "tcglog/error.h"

struct tcg_pq_api {
	__typeof__(&PQclear) PQclear;
	__typeof__(&PQcmdTuples) PQcmdTuples;
	__typeof__(&PQconnectdb) PQconnectdb;
	__typeof__(&PQconninfoFree) PQconninfoFree;
	__typeof__(&PQconninfoParse) PQconninfoParse;
	__typeof__(&PQerrorMessage) PQerrorMessage;
	__typeof__(&PQexec) PQexec;
	__typeof__(&PQexecParams) PQexecParams;
	__typeof__(&PQfinish) PQfinish;
	__typeof__(&PQfreemem) PQfreemem;
	__typeof__(&PQgetisnull) PQgetisnull;
	__typeof__(&PQgetlength) PQgetlength;
	__typeof__(&PQgetvalue) PQgetvalue;
	__typeof__(&PQntuples) PQntuples;
	__typeof__(&PQresultStatus) PQresultStatus;
	__typeof__(&PQsetNoticeProcessor) PQsetNoticeProcessor;
	__typeof__(&PQstatus) PQstatus;
};

extern struct tcg_pq_api tcg_pq;

/* libpq.so.5 loaded and tcg_pq filled, or TCG_E_IO (rule nonce-store). */
tcg_rc tcg_pq_load(tcg_err *err);

/* dynlib.c defines the table and needs the plain names. */
#ifndef TCG_DL_TABLES
#define PQclear tcg_pq.PQclear
#define PQcmdTuples tcg_pq.PQcmdTuples
#define PQconnectdb tcg_pq.PQconnectdb
#define PQconninfoFree tcg_pq.PQconninfoFree
#define PQconninfoParse tcg_pq.PQconninfoParse
#define PQerrorMessage tcg_pq.PQerrorMessage
#define PQexec tcg_pq.PQexec
#define PQexecParams tcg_pq.PQexecParams
#define PQfinish tcg_pq.PQfinish
#define PQfreemem tcg_pq.PQfreemem
#define PQgetisnull tcg_pq.PQgetisnull
#define PQgetlength tcg_pq.PQgetlength
#define PQgetvalue tcg_pq.PQgetvalue
#define PQntuples tcg_pq.PQntuples
#define PQresultStatus tcg_pq.PQresultStatus
#define PQsetNoticeProcessor tcg_pq.PQsetNoticeProcessor
#define PQstatus tcg_pq.PQstatus
#endif

#endif
