/*
 * TCG PC Client event logs: headerless SHA-1 (TCG_PCR_EVENT), the older
 * "Spec ID Event00/02" headers, and crypto-agile "Spec ID Event03"
 * (TCG_PCR_EVENT2). The format is detected from content only.
 */
#ifndef TCGLOG_LOG_H
#define TCGLOG_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcglog/digest.h"
#include "tcglog/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCG_MAX_BANKS 8
#define TCG_NUM_PCRS 24
#define TCG_PCR_NONE 0xFFFFFFFFu             /* Windows: never extended */
#define TCG_MAX_LOG_SIZE (64u * 1024 * 1024) /* whole log */
#define TCG_MAX_EVENT_SIZE (16u * 1024 * 1024)

#define TCG_EV_NO_ACTION 0x00000003u
#define TCG_EV_SEPARATOR 0x00000004u
#define TCG_EV_EFI_ACTION 0x80000007u
#define TCG_EV_EFI_HCRTM_EVENT 0x80000010u

typedef enum {
	TCG_FMT_SHA1,  /* TCG_PCR_EVENT throughout (with or without Event00/02 header) */
	TCG_FMT_AGILE, /* Spec ID Event03 header, then TCG_PCR_EVENT2 */
} tcg_log_format;

/* Named real-firmware quirks; a log or a replay reports which it used. */
enum {
	TCG_QUIRK_TRAILING_PADDING = 1u << 0, /* 0xFF or zero bytes after the last event */
	TCG_QUIRK_UNSIZED_INPUT = 1u << 1,    /* read from a file with no size (securityfs) */
	TCG_QUIRK_MISSING_EBS = 1u << 2,      /* ExitBootServices extended into PCR 5 unlogged */
	/* Events carrying only some of the header's banks (Windows appends SHA-256-only
	 * events to a SHA-1+SHA-256 firmware log): those banks of their PCRs cannot
	 * be replayed and are reported as such, never guessed. */
	TCG_QUIRK_PARTIAL_DIGESTS = 1u << 3,
};
/* "trailing-padding", "unsized-input", "missing-ebs", "partial-digests" */
const char *tcg_quirk_name(unsigned quirk);
bool tcg_quirk_from_name(const char *name, unsigned *quirk);

typedef struct {
	uint16_t alg;
	uint16_t size;
} tcg_bank;

typedef struct {
	int version;            /* 0, 2 or 3 for "Spec ID Event00/02/03"; -1: no header */
	uint32_t platform_class;
	uint8_t spec_minor, spec_major, errata, uintn_size;
	uint32_t num_algs;      /* Event03 only */
	tcg_bank algs[TCG_MAX_BANKS];
	uint8_t vendor_info_size;
	const uint8_t *vendor_info;
} tcg_specid;

/*
 * An event as the log holds it: where it is and what its header says. Its data
 * and digests stay in the log's bytes and are found from offset (the
 * accessors below), so an event costs 20 bytes however many banks it carries.
 */
typedef struct {
	uint32_t offset;   /* byte offset of the event header (logs are capped at 64 MiB) */
	uint32_t pcr;      /* 0..23, TCG_PCR_NONE, or an NV index (EV_NO_ACTION only) */
	uint32_t type;
	uint32_t size;     /* bytes of event data */
	uint16_t data_at;  /* the data starts at offset + data_at */
	uint8_t banks;     /* bit i: the event carries a digest for bank i (tcg_log_bank) */
	bool header;       /* the Spec ID event: SHA-1 layout, never extended */
} tcg_event;

typedef struct tcg_log tcg_log;

/* Parse a log. data must outlive the log (events point into it). flags: quirks
 * already known about the input (TCG_QUIRK_UNSIZED_INPUT). */
tcg_rc tcg_log_parse(const uint8_t *data, size_t len, unsigned flags, tcg_log **out,
                     tcg_err *err);
void tcg_log_free(tcg_log *log);

tcg_log_format tcg_log_get_format(const tcg_log *log);
const tcg_specid *tcg_log_specid(const tcg_log *log);
size_t tcg_log_num_banks(const tcg_log *log);
tcg_bank tcg_log_bank(const tcg_log *log, size_t i);
/* Bank index of alg, or -1. */
int tcg_log_bank_index(const tcg_log *log, uint16_t alg);
size_t tcg_log_num_events(const tcg_log *log);
const tcg_event *tcg_log_event(const tcg_log *log, size_t i);
/* Position of e in the log, from 0 (the Spec ID event is 0). */
size_t tcg_event_number(const tcg_log *log, const tcg_event *e);
/* The event's data, size bytes, inside the log's bytes. */
const uint8_t *tcg_event_data(const tcg_log *log, const tcg_event *e);
/* The event's digest for bank i (tcg_log_bank(log, i).size bytes), or NULL
 * when the event does not carry that bank (TCG_QUIRK_PARTIAL_DIGESTS). The
 * header event has a single 20-byte zero digest, in bank 0. */
const uint8_t *tcg_event_digest(const tcg_log *log, const tcg_event *e, size_t bank);
unsigned tcg_log_quirks(const tcg_log *log);
/* Where trailing padding starts and how long it is (0 when none). */
uint64_t tcg_log_padding_offset(const tcg_log *log);
uint64_t tcg_log_padding_length(const tcg_log *log);
size_t tcg_log_size(const tcg_log *log);
/* A confidential-computing event log (TDX CCEL): "PCR" indices are MR indices. */
bool tcg_log_is_cc(const tcg_log *log);

/*
 * Read a whole file (or stdin for "-") with a size cap, without trusting
 * st_size: securityfs logs report none. Sets *quirks to
 * TCG_QUIRK_UNSIZED_INPUT when the file claimed no size but had content.
 */
tcg_rc tcg_read_file(const char *path, size_t cap, uint8_t **data, size_t *len,
                     unsigned *quirks, tcg_err *err);

/* Strict mode: refuse a log that needed any named quirk (TCG_E_FORMAT, rule = quirk name). */
tcg_rc tcg_log_refuse_quirks(const tcg_log *log, tcg_err *err);

/* tcg_read_file then tcg_log_parse; on success *data must be freed after the log. */
tcg_rc tcg_log_load(const char *path, uint8_t **data, tcg_log **log, tcg_err *err);

#ifdef __cplusplus
}
#endif
#endif
