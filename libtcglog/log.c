#include "tcglog/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

struct tcg_log {
	const uint8_t *data; /* the caller's bytes, which events point into by offset */
	tcg_log_format format;
	tcg_specid specid;
	size_t num_banks;
	tcg_bank banks[TCG_MAX_BANKS];
	tcg_event *events;
	size_t num_events, cap_events;
	unsigned quirks;
	uint64_t padding_offset, padding_length;
	size_t size;
	bool cc;
};

_Static_assert(TCG_MAX_LOG_SIZE <= UINT32_MAX, "tcg_event.offset is 32 bits");

static const uint8_t zero20[20];

static const struct {
	unsigned quirk;
	const char *name;
} quirk_names[] = {
	{ TCG_QUIRK_TRAILING_PADDING, "trailing-padding" },
	{ TCG_QUIRK_UNSIZED_INPUT, "unsized-input" },
	{ TCG_QUIRK_MISSING_EBS, "missing-ebs" },
	{ TCG_QUIRK_PARTIAL_DIGESTS, "partial-digests" },
};

const char *tcg_quirk_name(unsigned quirk)
{
	for (size_t i = 0; i < sizeof quirk_names / sizeof quirk_names[0]; i++)
		if (quirk_names[i].quirk == quirk)
			return quirk_names[i].name;
	return NULL;
}

bool tcg_quirk_from_name(const char *name, unsigned *quirk)
{
	for (size_t i = 0; i < sizeof quirk_names / sizeof quirk_names[0]; i++) {
		if (!strcmp(quirk_names[i].name, name)) {
			*quirk = quirk_names[i].quirk;
			return true;
		}
	}
	return false;
}

static tcg_event *new_event(tcg_log *log)
{
	if (log->num_events == log->cap_events) {
		size_t cap = log->cap_events ? log->cap_events * 2 : 128;
		tcg_event *ev = realloc(log->events, cap * sizeof *ev);
		if (!ev)
			return NULL;
		log->events = ev;
		log->cap_events = cap;
	}
	tcg_event *e = &log->events[log->num_events++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Spec ID Event03 (TCG_EfiSpecIDEventStruct): bank list for the rest of the log. */
static tcg_rc parse_specid03(tcg_log *log, tcg_buf b, long evno, tcg_err *err)
{
	tcg_specid *s = &log->specid;
	uint32_t n;

	if (!tcg_buf_skip(&b, 16) || !tcg_buf_u32le(&b, &s->platform_class) ||
	    !tcg_buf_u8(&b, &s->spec_minor) || !tcg_buf_u8(&b, &s->spec_major) ||
	    !tcg_buf_u8(&b, &s->errata) || !tcg_buf_u8(&b, &s->uintn_size) ||
	    !tcg_buf_u32le(&b, &n))
		return tcg_fail_at(err, "specid-truncated", b.base, evno,
		                   "Spec ID event data ends early");
	if (s->spec_major != 2 || s->spec_minor != 0)
		return tcg_fail_at(err, "specid-version", b.base, evno,
		                   "Spec ID Event03 declares version %u.%u, not 2.0", s->spec_major,
		                   s->spec_minor);
	if (s->uintn_size != 1 && s->uintn_size != 2)
		return tcg_fail_at(err, "specid-uintn-size", b.base, evno,
		                   "uintnSize %u is neither 1 (UINT32) nor 2 (UINT64)",
		                   s->uintn_size);
	if (n == 0 || n > TCG_MAX_BANKS)
		return tcg_fail_at(err, "specid-algorithm-count", b.base - 4, evno,
		                   "numberOfAlgorithms %u is not within 1..%d", n, TCG_MAX_BANKS);
	s->num_algs = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = b.base;
		uint16_t id, size;
		size_t known;
		if (!tcg_buf_u16le(&b, &id) || !tcg_buf_u16le(&b, &size))
			return tcg_fail_at(err, "specid-truncated", b.base, evno,
			                   "Spec ID algorithm list ends early");
		known = tcg_alg_size(id);
		if (known && known != size)
			return tcg_fail_at(err, "specid-digest-size", off, evno,
			                   "algorithm %s declared with digest size %u, its real size is %zu",
			                   tcg_alg_name(id), size, known);
		if (size == 0 || size > TCG_MAX_DIGEST)
			return tcg_fail_at(err, "specid-digest-size", off, evno,
			                   "algorithm 0x%04x declared with digest size %u", id,
			                   size);
		for (uint32_t j = 0; j < i; j++)
			if (s->algs[j].alg == id)
				return tcg_fail_at(err, "specid-duplicate-algorithm", off, evno,
				                   "algorithm 0x%04x listed twice", id);
		s->algs[i].alg = id;
		s->algs[i].size = size;
		log->banks[i] = s->algs[i];
	}
	log->num_banks = n;
	if (!tcg_buf_u8(&b, &s->vendor_info_size))
		return tcg_fail_at(err, "specid-truncated", b.base, evno, "vendorInfoSize missing");
	if (!tcg_buf_bytes(&b, s->vendor_info_size, &s->vendor_info))
		return tcg_fail_at(err, "specid-vendor-info", b.base - 1, evno,
		                   "vendorInfoSize %u overruns the Spec ID event (%zu bytes left)",
		                   s->vendor_info_size, tcg_buf_left(&b));
	if (tcg_buf_left(&b))
		return tcg_fail_at(err, "specid-trailing-data", b.base, evno,
		                   "%zu bytes after vendorInfo inside the Spec ID event",
		                   tcg_buf_left(&b));
	return TCG_OK;
}

/* Spec ID Event00/02: SHA-1 log with a header; no bank list. */
static tcg_rc parse_specid_legacy(tcg_log *log, tcg_buf b, long evno, tcg_err *err)
{
	tcg_specid *s = &log->specid;
	if (!tcg_buf_skip(&b, 16) || !tcg_buf_u32le(&b, &s->platform_class) ||
	    !tcg_buf_u8(&b, &s->spec_minor) || !tcg_buf_u8(&b, &s->spec_major) ||
	    !tcg_buf_u8(&b, &s->errata) || !tcg_buf_u8(&b, &s->uintn_size) ||
	    !tcg_buf_u8(&b, &s->vendor_info_size))
		return tcg_fail_at(err, "specid-truncated", b.base, evno,
		                   "Spec ID event data ends early");
	if (s->spec_major != 1)
		return tcg_fail_at(err, "specid-version", b.base, evno,
		                   "Spec ID Event0%d declares version %u.%u, not 1.x", s->version,
		                   s->spec_major, s->spec_minor);
	if (!tcg_buf_bytes(&b, s->vendor_info_size, &s->vendor_info))
		return tcg_fail_at(err, "specid-vendor-info", b.base - 1, evno,
		                   "vendorInfoSize %u overruns the Spec ID event",
		                   s->vendor_info_size);
	if (tcg_buf_left(&b))
		return tcg_fail_at(err, "specid-trailing-data", b.base, evno,
		                   "%zu bytes after vendorInfo inside the Spec ID event",
		                   tcg_buf_left(&b));
	return TCG_OK;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static tcg_rc read_size_and_data(tcg_buf *b, tcg_event *e, long evno, tcg_err *err)
{
	uint64_t off = b->base;
	if (!tcg_buf_u32le(b, &e->size))
		return tcg_fail_at(err, "event-truncated", off, evno,
		                   "log ends inside the event header");
	if (e->size > TCG_MAX_EVENT_SIZE)
		return tcg_fail_at(err, "event-size-cap", off, evno,
		                   "event size %u is over the cap of %u bytes", e->size,
		                   TCG_MAX_EVENT_SIZE);
	/* At most 12 + TCG_MAX_BANKS * (2 + TCG_MAX_DIGEST) + 4 bytes: fits data_at. */
	e->data_at = (uint16_t)(b->base - e->offset);
	if (!tcg_buf_skip(b, e->size))
		return tcg_fail_at(err, "event-truncated", off, evno,
		                   "event size %u overruns the log (%zu bytes left)", e->size,
		                   tcg_buf_left(b));
	return TCG_OK;
}

static tcg_rc check_pcr(const tcg_event *e, long evno, tcg_err *err)
{
	if (e->pcr < TCG_NUM_PCRS || e->pcr == TCG_PCR_NONE)
		return TCG_OK;
	/* SPDM NV-extend records (NvIndexInstance) name an NV index; they never extend. */
	if (e->type == TCG_EV_NO_ACTION && (e->pcr >> 24) == 0x01)
		return TCG_OK;
	return tcg_fail_at(err, "event-pcr-index", e->offset, evno,
	                   "PCR index 0x%x is not within 0..23 (or 0xFFFFFFFF, or an NV index for EV_NO_ACTION)",
	                   e->pcr);
}

/* TCG_PCR_EVENT2's digest list: which banks the event carries, each once. */
static tcg_rc read_digests(tcg_log *log, tcg_buf *b, tcg_event *e, long evno, tcg_err *err)
{
	uint32_t count;
	uint64_t off = b->base;
	if (!tcg_buf_u32le(b, &count))
		return tcg_fail_at(err, "event-truncated", e->offset, evno,
		                   "log ends inside the event header");
	if (count == 0 || count > log->num_banks)
		return tcg_fail_at(err, "event-digest-count", off, evno,
		                   "event carries %u digests, the header declares %zu banks",
		                   count, log->num_banks);
	if (count < log->num_banks)
		log->quirks |= TCG_QUIRK_PARTIAL_DIGESTS;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg;
		int bank;
		off = b->base;
		if (!tcg_buf_u16le(b, &alg))
			return tcg_fail_at(err, "event-truncated", off, evno,
			                   "log ends inside the digest list");
		bank = tcg_log_bank_index(log, alg);
		if (bank < 0)
			return tcg_fail_at(err, "event-digest-algorithm", off, evno,
			                   "digest algorithm 0x%04x is not declared in the Spec ID header",
			                   alg);
		if (e->banks & (1u << bank))
			return tcg_fail_at(err, "event-digest-duplicate", off, evno,
			                   "digest algorithm 0x%04x appears twice", alg);
		if (!tcg_buf_skip(b, log->banks[bank].size))
			return tcg_fail_at(err, "event-truncated", off, evno,
			                   "log ends inside a %u-byte digest",
			                   log->banks[bank].size);
		e->banks |= (uint8_t)(1u << bank);
	}
	return TCG_OK;
}

static tcg_rc parse_event(tcg_log *log, tcg_buf *b, tcg_err *err)
{
	long evno = (long)log->num_events;
	tcg_event *e = new_event(log);
	tcg_rc rc;

	if (!e)
		return tcg_err_set(err, TCG_E_NOMEM, TCG_RULE_OUT_OF_MEMORY, b->base, TCG_NO_EVENT,
		                   "cannot hold more events");
	e->offset = (uint32_t)b->base; /* the log is capped at TCG_MAX_LOG_SIZE */
	if (!tcg_buf_u32le(b, &e->pcr) || !tcg_buf_u32le(b, &e->type))
		return tcg_fail_at(err, "event-truncated", e->offset, evno,
		                   "log ends inside the event header");
	if ((rc = check_pcr(e, evno, err)))
		return rc;
	if (log->format == TCG_FMT_SHA1) {
		if (!tcg_buf_skip(b, 20))
			return tcg_fail_at(err, "event-truncated", e->offset, evno,
			                   "log ends inside the event digest");
		e->banks = 1;
	} else if ((rc = read_digests(log, b, e, evno, err))) {
		return rc;
	}
	return read_size_and_data(b, e, evno, err);
}

/* Padding is only recognised at an event boundary and only when it fills the rest. */
static bool is_padding(const tcg_buf *b)
{
	if (b->len < 4)
		return all_bytes(b->p, b->len, 0xFF) || all_bytes(b->p, b->len, 0);
	if (b->p[0] == 0xFF)
		return all_bytes(b->p, b->len, 0xFF);
	if (b->p[0] == 0)
		return all_bytes(b->p, b->len, 0);
	return false;
}

tcg_rc tcg_log_parse(const uint8_t *data, size_t len, unsigned flags, tcg_log **out,
                     tcg_err *err)
{
	tcg_log *log;
	tcg_buf b = tcg_buf_init(data, len);
	tcg_event *first;
	const uint8_t *fdata;
	tcg_rc rc;

	*out = NULL;
	if (len == 0)
		return tcg_fail_at(err, "log-empty", 0, TCG_NO_EVENT, "the log is empty");
	if (len > TCG_MAX_LOG_SIZE)
		return tcg_fail_at(err, "log-size-cap", 0, TCG_NO_EVENT,
		                   "the log is %zu bytes, over the cap of %u", len,
		                   TCG_MAX_LOG_SIZE);
	log = calloc(1, sizeof *log);
	if (!log)
		return tcg_err_set(err, TCG_E_NOMEM, TCG_RULE_OUT_OF_MEMORY, 0, TCG_NO_EVENT,
		                   "no memory");
	log->data = data;
	log->size = len;
	log->quirks = flags & TCG_QUIRK_UNSIZED_INPUT;
	log->format = TCG_FMT_SHA1;
	log->num_banks = 1;
	log->banks[0].alg = TCG_ALG_SHA1;
	log->banks[0].size = 20;
	log->specid.version = -1;

	/* The first event is always TCG_PCR_EVENT; its content says what follows. */
	if ((rc = parse_event(log, &b, err)))
		goto fail;
	first = &log->events[0];
	fdata = tcg_event_data(log, first);
	if (first->type == TCG_EV_NO_ACTION && first->size >= 16 &&
	    !memcmp(fdata, "Spec ID Event0", 14)) {
		tcg_buf sb = { fdata, first->size, first->offset + 32 };
		first->header = true;
		/* Confidential-computing logs (TDX CCEL) put the header in MR index 1. */
		if (first->pcr == 1 && !memcmp(fdata, "Spec ID Event03\0", 16)) {
			log->cc = true;
		} else if (first->pcr != 0) {
			rc = tcg_fail_at(err, "specid-pcr", first->offset, 0,
			                 "Spec ID event in PCR %u, not 0", first->pcr);
			goto fail;
		}
		if (memcmp(tcg_event_digest(log, first, 0), zero20, 20)) {
			rc = tcg_fail_at(err, "specid-digest", first->offset + 8, 0,
			                 "Spec ID event digest is not zero");
			goto fail;
		}
		if (!memcmp(fdata, "Spec ID Event03\0", 16)) {
			log->specid.version = 3;
			log->format = TCG_FMT_AGILE;
			rc = parse_specid03(log, sb, 0, err);
		} else if (!memcmp(fdata, "Spec ID Event02\0", 16) ||
		           !memcmp(fdata, "Spec ID Event00\0", 16)) {
			log->specid.version = fdata[14] - '0';
			rc = parse_specid_legacy(log, sb, 0, err);
		} else {
			rc = tcg_fail_at(err, "specid-signature", first->offset + 32, 0,
			                 "unknown Spec ID signature \"%.15s\"",
			                 (const char *)fdata);
		}
		if (rc)
			goto fail;
	}

	while (tcg_buf_left(&b)) {
		if (is_padding(&b)) {
			log->quirks |= TCG_QUIRK_TRAILING_PADDING;
			log->padding_offset = b.base;
			log->padding_length = b.len;
			break;
		}
		if ((rc = parse_event(log, &b, err)))
			goto fail;
	}
	*out = log;
	return TCG_OK;
fail:
	tcg_log_free(log);
	return rc;
}

void tcg_log_free(tcg_log *log)
{
	if (!log)
		return;
	free(log->events);
	free(log);
}

tcg_log_format tcg_log_get_format(const tcg_log *log) { return log->format; }
const tcg_specid *tcg_log_specid(const tcg_log *log) { return &log->specid; }
size_t tcg_log_num_banks(const tcg_log *log) { return log->num_banks; }
tcg_bank tcg_log_bank(const tcg_log *log, size_t i) { return log->banks[i]; }
size_t tcg_log_num_events(const tcg_log *log) { return log->num_events; }
const tcg_event *tcg_log_event(const tcg_log *log, size_t i) { return &log->events[i]; }
size_t tcg_event_number(const tcg_log *log, const tcg_event *e) { return (size_t)(e - log->events); }

const uint8_t *tcg_event_data(const tcg_log *log, const tcg_event *e)
{
	return log->data + e->offset + e->data_at;
}

/*
 * The digest list between the event type and the event size (data_at - 12
 * bytes), read again through tcg_buf: count, then (algorithm, digest) pairs in
 * the event's own order.
 */
const uint8_t *tcg_event_digest(const tcg_log *log, const tcg_event *e, size_t bank)
{
	tcg_buf b = tcg_buf_init(log->data + e->offset + 8, e->data_at - 12u);
	const uint8_t *d;
	uint32_t count;
	uint16_t alg;
	int k;

	if (bank >= TCG_MAX_BANKS || !(e->banks & (1u << bank)))
		return NULL;
	if (e->header || log->format == TCG_FMT_SHA1)
		return tcg_buf_bytes(&b, 20, &d) ? d : NULL;
	if (!tcg_buf_u32le(&b, &count))
		return NULL;
	while (count--) {
		if (!tcg_buf_u16le(&b, &alg) || (k = tcg_log_bank_index(log, alg)) < 0 ||
		    !tcg_buf_bytes(&b, log->banks[k].size, &d))
			return NULL;
		if ((size_t)k == bank)
			return d;
	}
	return NULL;
}
unsigned tcg_log_quirks(const tcg_log *log) { return log->quirks; }
uint64_t tcg_log_padding_offset(const tcg_log *log) { return log->padding_offset; }
uint64_t tcg_log_padding_length(const tcg_log *log) { return log->padding_length; }
size_t tcg_log_size(const tcg_log *log) { return log->size; }
bool tcg_log_is_cc(const tcg_log *log) { return log->cc; }

tcg_rc tcg_log_refuse_quirks(const tcg_log *log, tcg_err *err)
{
	unsigned q = log->quirks & -log->quirks; /* the first one */
	if (!q)
		return TCG_OK;
	return tcg_err_set(err, TCG_E_FORMAT, tcg_quirk_name(q),
	                   q == TCG_QUIRK_TRAILING_PADDING ? log->padding_offset : TCG_NO_OFFSET,
	                   TCG_NO_EVENT, "the log needs this quirk and strict mode refuses it");
}

int tcg_log_bank_index(const tcg_log *log, uint16_t alg)
{
	for (size_t i = 0; i < log->num_banks; i++)
		if (log->banks[i].alg == alg)
			return (int)i;
	return -1;
}

tcg_rc tcg_read_file(const char *path, size_t cap, uint8_t **data, size_t *len,
                     unsigned *quirks, tcg_err *err)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	struct stat st;
	size_t n = 0, alloc;
	uint8_t *buf = NULL;
	tcg_rc rc = TCG_OK;

	*data = NULL;
	*len = 0;
	if (quirks)
		*quirks = 0;
	if (fd < 0)
		return tcg_fail(err, TCG_E_IO, "open", "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = tcg_fail(err, TCG_E_IO, "stat", "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = tcg_fail(err, TCG_E_IO, "read", "is a directory");
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > cap) {
		rc = tcg_fail_format(err, "input-size-cap", "%lld bytes, over the cap of %zu",
		                     (long long)st.st_size, cap);
		goto out;
	}
	/* st_size is only a hint: read to EOF, never past cap + 1. */
	alloc = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	for (;;) {
		ssize_t r;
		if (n == alloc) {
			size_t na = alloc > cap / 2 ? cap + 1 : alloc * 2;
			uint8_t *nb;
			if (na <= alloc) {
				rc = tcg_fail_format(err, "input-size-cap",
				                     "over the cap of %zu bytes", cap);
				goto out;
			}
			nb = realloc(buf, na);
			if (!nb) {
				rc = tcg_fail_nomem(err);
				goto out;
			}
			buf = nb;
			alloc = na;
		} else if (!buf && !(buf = malloc(alloc))) {
			rc = tcg_fail_nomem(err);
			goto out;
		}
		r = read(fd, buf + n, alloc - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = tcg_fail(err, TCG_E_IO, "read", "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			rc = tcg_fail_format(err, "input-size-cap", "over the cap of %zu bytes",
			                     cap);
			goto out;
		}
	}
	if (quirks && S_ISREG(st.st_mode) && st.st_size == 0 && n > 0)
		*quirks = TCG_QUIRK_UNSIZED_INPUT;
	*data = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

tcg_rc tcg_log_load(const char *path, uint8_t **data, tcg_log **log, tcg_err *err)
{
	size_t len;
	unsigned quirks;
	tcg_rc rc = tcg_read_file(path, TCG_MAX_LOG_SIZE, data, &len, &quirks, err);
	*log = NULL;
	if (rc)
		return rc;
	if ((rc = tcg_log_parse(*data, len, quirks, log, err))) {
		free(*data);
		*data = NULL;
	}
	return rc;
}
