/*
 * mkfixture DESC OUT: write the event log a boot description (fixtures/boots/NAME.boot)
 * describes, through the library's log writer. No clock, no randomness: the
 * same description gives the same bytes on every run.
 *
 * A description is lines of whitespace-separated words; '#' starts a comment,
 * strings are double-quoted with \\ \" \n \0 \xHH escapes. Blocks end at "end".
 *
 *   banks ALG...             the log's banks (a Spec ID Event03 header); first
 *   set NAME WORD            $NAME in a later word (not a string) is WORD
 *   include PATH             the lines of PATH (relative to this file) here;
 *                            variants of a boot set words, then include it
 *   locality N               EV_NO_ACTION StartupLocality: PCR 0 starts at N
 *   event PCR TYPE [of DATUM] ... end
 *                            an event whose data is the block; its digest is of
 *                            the data, or of DATUM (image contents, files read)
 * Data, inside a block:
 *   hex HEX...  ascii S  asciiz S  utf16 S  utf16z S  u8 N  u16 N  u32 N  u64 N
 *   guid G                   EFI_GUID from its text form
 *   file PATH                a file's bytes (PATH relative to the description)
 *   sha256 DATUM             SHA-256 of DATUM (stand-in image hashes, dbx entries)
 *   filetime SECS            Windows FILETIME (UINT64) for seconds since 1970
 *   var GUID NAME ... end    UEFI_VARIABLE_DATA; the block is VariableData
 *   siglist x509|sha256 OWNER ... end
 *                            EFI_SIGNATURE_LIST: one X.509 DER, or 32-byte hashes
 *   image ADDR LEN ... end   UEFI_IMAGE_LOAD_EVENT; the block is device-path
 *                            nodes, the end node is added
 *   filepath S               a media file-path node (UTF-16, NUL-terminated)
 *   item ID [DATUM]          a SIPA item (reference/dha.md §4.2): DATUM is its
 *                            payload; without it, a container whose block follows
 * DATUM is one data word with its arguments on the same line (u8 1, utf16z "x").
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcglog/digest.h"
#include "events.h"
#include "writer.h"

#define MAX_TOK 64
#define MAX_DEPTH 8

typedef struct {
	uint8_t *p;
	size_t n, cap;
} buf;

enum kind { K_EVENT, K_VAR, K_SIGLIST, K_IMAGE, K_ITEM };

typedef struct {
	enum kind kind;
	buf b;
	uint32_t pcr, type, id;
	uint8_t guid[16], owner[16];
	char name[64];
	int x509;
	uint64_t addr, len;
	buf of;
	int has_of;
} frame;

static const char *desc_path;
static char desc_dir[4096];
static unsigned lineno;

#define MAX_VARS 32
static struct {
	char name[32], value[256];
} vars[MAX_VARS];
static size_t nvars;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mkfixture: %s:%u: ", desc_path, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void put(buf *b, const void *p, size_t n)
{
	if (n > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->n < n)
			cap *= 2;
		if (!(b->p = realloc(b->p, cap)))
			die("out of memory");
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void putle(buf *b, uint64_t v, int size)
{
	uint8_t p[8];
	for (int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	put(b, p, (size_t)size);
}

static uint64_t num(const char *s, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || !*s || s[0] == '-' || v > max)
		die("not a number up to %llu: %s", (unsigned long long)max, s);
	return v;
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

static void hexbytes(buf *b, const char *s)
{
	for (; *s; s += 2) {
		int hi = hexval((unsigned char)s[0]), lo = s[1] ? hexval((unsigned char)s[1]) : -1;
		if (hi < 0 || lo < 0)
			die("bad hex: %s", s);
		uint8_t c = (uint8_t)(hi << 4 | lo);
		put(b, &c, 1);
	}
}

/* 8BE4DF61-93CA-11D2-AA0D-00E098032B8C: first three fields little-endian. */
static void parse_guid(const char *s, uint8_t g[16])
{
	buf t = { 0 };
	char hex[33];
	size_t n = 0;
	for (const char *p = s; *p; p++)
		if (*p != '-' && n < 32)
			hex[n++] = *p;
	hex[n] = 0;
	if (strlen(s) != 36 || n != 32)
		die("not a GUID: %s", s);
	hexbytes(&t, hex);
	const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (int i = 0; i < 16; i++)
		g[i] = t.p[order[i]];
	free(t.p);
}

static void utf16(buf *b, const char *s, size_t len, int nul)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] > 0x7f)
			die("utf16: ASCII only");
		putle(b, (unsigned char)s[i], 2);
	}
	if (nul)
		putle(b, 0, 2);
}

/* Words of one line; strings keep their length (they may hold NULs). */
typedef struct {
	char *s[MAX_TOK];
	size_t len[MAX_TOK];
	int n;
} words;

static void split(char *line, words *w)
{
	char *p = line;
	w->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return;
		if (w->n == MAX_TOK)
			die("too many words");
		char *out = p, *start = p;
		int quoted = *p == '"';
		if (quoted) {
			p++;
			start = out;
			while (*p != '"') {
				if (!*p)
					die("unterminated string");
				if (*p == '\\') {
					p++;
					switch (*p) {
					case 'n': *out++ = '\n'; p++; break;
					case '0': *out++ = '\0'; p++; break;
					case 'x': {
						int hi = hexval((unsigned char)p[1]), lo = hexval((unsigned char)p[2]);
						if (hi < 0 || lo < 0)
							die("bad \\x escape");
						*out++ = (char)(hi << 4 | lo);
						p += 3;
						break;
					}
					case '\\': case '"': *out++ = *p++; break;
					default: die("unknown escape \\%c", *p);
					}
				} else {
					*out++ = *p++;
				}
			}
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
				out++, p++;
		}
		w->s[w->n] = start;
		w->len[w->n] = (size_t)(out - start);
		if (*p)
			*p++ = 0; /* after a string this overwrites the separator */
		*out = 0;
		if (!quoted && *start == '$') {
			size_t i = 0;
			while (i < nvars && strcmp(vars[i].name, start + 1))
				i++;
			if (i == nvars)
				die("%s is not set", start);
			w->s[w->n] = vars[i].value;
			w->len[w->n] = strlen(vars[i].value);
		}
		w->n++;
	}
}

static const char *arg(const words *w, int i)
{
	if (i >= w->n)
		die("%s: missing argument", w->s[0]);
	return w->s[i];
}

static void datum(const words *w, int *i, buf *b);

static void sha256_of(const words *w, int *i, buf *b)
{
	buf t = { 0 };
	uint8_t d[32];
	datum(w, i, &t);
	if (tcg_hash(NULL, TCG_ALG_SHA256, t.p, t.n, d))
		die("cannot hash");
	put(b, d, 32);
	free(t.p);
}

static void readfile(const char *name, buf *b)
{
	char path[8192];
	snprintf(path, sizeof path, "%s/%s", desc_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	uint8_t chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)))
		put(b, chunk, n);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
}

/* One data word at w->s[*i] with its arguments; *i moves past them. */
static void datum(const words *w, int *i, buf *b)
{
	const char *k = arg(w, *i);
	int a = *i + 1;
	if (!strcmp(k, "hex")) {
		if (a >= w->n)
			die("hex: no bytes");
		while (a < w->n)
			hexbytes(b, w->s[a++]);
	} else if (!strcmp(k, "ascii") || !strcmp(k, "asciiz")) {
		arg(w, a);
		put(b, w->s[a], w->len[a] + (k[5] == 'z'));
		a++;
	} else if (!strcmp(k, "utf16") || !strcmp(k, "utf16z")) {
		arg(w, a);
		utf16(b, w->s[a], w->len[a], k[5] == 'z');
		a++;
	} else if (!strcmp(k, "u8") || !strcmp(k, "u16") || !strcmp(k, "u32") || !strcmp(k, "u64")) {
		int size = k[1] == '8' ? 1 : k[1] == '1' ? 2 : k[1] == '3' ? 4 : 8;
		putle(b, num(arg(w, a), size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1), size);
		a++;
	} else if (!strcmp(k, "guid")) {
		uint8_t g[16];
		parse_guid(arg(w, a++), g);
		put(b, g, 16);
	} else if (!strcmp(k, "file")) {
		readfile(arg(w, a++), b);
	} else if (!strcmp(k, "sha256")) {
		*i = a;
		sha256_of(w, i, b);
		return;
	} else if (!strcmp(k, "filetime")) {
		putle(b, (num(arg(w, a++), UINT32_MAX) + 11644473600ull) * 10000000ull, 8);
	} else if (!strcmp(k, "filepath")) {
		buf t = { 0 };
		arg(w, a);
		utf16(&t, w->s[a], w->len[a], 1);
		a++;
		if (t.n + 4 > 0xffff)
			die("filepath too long");
		put(b, "\x04\x04", 2);
		putle(b, t.n + 4, 2);
		put(b, t.p, t.n);
		free(t.p);
	} else if (!strcmp(k, "item")) {
		buf t = { 0 };
		uint32_t id = (uint32_t)num(arg(w, a++), UINT32_MAX);
		*i = a;
		datum(w, i, &t);
		putle(b, id, 4);
		putle(b, t.n, 4);
		put(b, t.p, t.n);
		free(t.p);
		return;
	} else {
		die("unknown data word: %s", k);
	}
	*i = a;
}

static uint32_t event_type(const char *s)
{
	static const uint32_t ranges[][2] = { { 0, 0x13 }, { 0x80000001, 0x80000010 },
		                              { 0x800000E0, 0x800000E4 } };
	for (size_t r = 0; r < 3; r++)
		for (uint32_t t = ranges[r][0]; t <= ranges[r][1]; t++) {
			const char *n = tcg_event_type_name(t);
			if (n && !strcmp(n, s))
				return t;
		}
	return (uint32_t)num(s, UINT32_MAX);
}

/* The block of f, closed: its bytes into the parent (or the log). */
static void close_frame(frame *f, buf *parent, tcg_writer *wr)
{
	buf *b = &f->b;
	switch (f->kind) {
	case K_EVENT:
		if (b->n > UINT32_MAX)
			die("event too large");
		if ((f->has_of ? tcg_writer_event_of(wr, f->pcr, f->type, f->of.p, f->of.n, b->p,
		                                     (uint32_t)b->n)
		               : tcg_writer_event(wr, f->pcr, f->type, NULL, b->p, (uint32_t)b->n)))
			die("cannot write the event");
		break;
	case K_VAR: {
		size_t nlen = strlen(f->name);
		put(parent, f->guid, 16);
		putle(parent, nlen, 8);
		putle(parent, b->n, 8);
		utf16(parent, f->name, nlen, 0);
		put(parent, b->p, b->n);
		break;
	}
	case K_SIGLIST: {
		static const char x509[] = "A5C059A1-94E4-4AA7-87B5-AB155C2BF072";
		static const char sha256[] = "C1C41626-504C-4092-ACA9-41F936934328";
		uint8_t type[16];
		size_t each = f->x509 ? b->n : 32, count = each ? b->n / each : 0;
		if (!b->n || b->n % each)
			die("siglist: %s", f->x509 ? "no certificate" : "not a list of 32-byte hashes");
		parse_guid(f->x509 ? x509 : sha256, type);
		put(parent, type, 16);
		putle(parent, 28 + count * (16 + each), 4); /* SignatureListSize */
		putle(parent, 0, 4);                        /* SignatureHeaderSize */
		putle(parent, 16 + each, 4);                /* SignatureSize */
		for (size_t i = 0; i < count; i++) {
			put(parent, f->owner, 16);
			put(parent, b->p + i * each, each);
		}
		break;
	}
	case K_IMAGE:
		putle(parent, f->addr, 8);
		putle(parent, f->len, 8);
		putle(parent, 0, 8); /* ImageLinkTimeAddress */
		putle(parent, b->n + 4, 8);
		put(parent, b->p, b->n);
		put(parent, "\x7f\xff\x04\x00", 4);
		break;
	case K_ITEM:
		putle(parent, f->id, 4);
		putle(parent, b->n, 4);
		put(parent, b->p, b->n);
		break;
	}
	free(b->p);
	free(f->of.p);
	memset(f, 0, sizeof *f);
}

static tcg_writer *wr;
static frame st[MAX_DEPTH];
static int depth;

static void process(const char *path, int level);

static void line_words(words *w)
{
	const char *k = w->s[0];
	frame *top = depth ? &st[depth - 1] : NULL;
	if (!strcmp(k, "set")) {
		if (w->n != 3 || strlen(w->s[1]) >= sizeof vars[0].name ||
		    strlen(w->s[2]) >= sizeof vars[0].value)
			die("set NAME WORD");
		size_t i = 0;
		while (i < nvars && strcmp(vars[i].name, w->s[1]))
			i++;
		if (i == MAX_VARS)
			die("too many words set");
		if (i == nvars)
			nvars++;
		strcpy(vars[i].name, w->s[1]);
		strcpy(vars[i].value, w->s[2]);
		return;
	}
	if (!strcmp(k, "include")) {
		char path[8192];
		if (w->n != 2)
			die("include PATH");
		snprintf(path, sizeof path, "%s/%s", desc_dir, w->s[1]);
		process(path, 1);
		return;
	}
	if (!strcmp(k, "banks")) {
		uint16_t algs[8];
		if (wr || w->n < 2 || w->n > 9)
			die("banks: once, first, with one to eight banks");
		for (int i = 1; i < w->n; i++)
			if (!tcg_alg_from_name(w->s[i], &algs[i - 1]))
				die("unknown bank %s", w->s[i]);
		if (!(wr = tcg_writer_new(TCG_FMT_AGILE, algs, (size_t)w->n - 1)))
			die("cannot start the log");
		return;
	}
	if (!wr)
		die("the description starts with banks");
	if (!strcmp(k, "locality")) {
		uint8_t ev[17] = "StartupLocality";
		ev[16] = (uint8_t)num(arg(w, 1), 4);
		if (depth || tcg_writer_event(wr, 0, TCG_EV_NO_ACTION, NULL, ev, sizeof ev))
			die("locality: outside events, once");
		return;
	}
	if (!strcmp(k, "end")) {
		if (!depth || w->n != 1)
			die("end without a block");
		depth--;
		close_frame(&st[depth], depth ? &st[depth - 1].b : NULL, wr);
		return;
	}
	int opens = !strcmp(k, "event") || !strcmp(k, "var") || !strcmp(k, "siglist") ||
	            !strcmp(k, "image") || (!strcmp(k, "item") && w->n == 2);
	if (!opens) {
		int i = 0;
		if (!top)
			die("%s outside a block", k);
		datum(w, &i, &top->b);
		if (i != w->n)
			die("%s: too many arguments", k);
		return;
	}
	if (depth == MAX_DEPTH)
		die("blocks nested too deep");
	if (!strcmp(k, "event") ? depth != 0 : depth == 0)
		die("%s: %s", k, depth ? "events do not nest" : "outside an event");
	frame *f = &st[depth];
	memset(f, 0, sizeof *f);
	if (!strcmp(k, "event")) {
		f->kind = K_EVENT;
		f->pcr = (uint32_t)num(arg(w, 1), UINT32_MAX);
		f->type = event_type(arg(w, 2));
		if (w->n > 3) {
			int i = 4;
			if (strcmp(w->s[3], "of"))
				die("event PCR TYPE [of DATUM]");
			datum(w, &i, &f->of);
			f->has_of = 1;
			if (i != w->n)
				die("event: too many arguments");
		}
	} else if (!strcmp(k, "var")) {
		f->kind = K_VAR;
		parse_guid(arg(w, 1), f->guid);
		if (strlen(arg(w, 2)) >= sizeof f->name || w->n != 3)
			die("var GUID NAME");
		strcpy(f->name, w->s[2]);
	} else if (!strcmp(k, "siglist")) {
		f->kind = K_SIGLIST;
		f->x509 = !strcmp(arg(w, 1), "x509");
		if (!f->x509 && strcmp(w->s[1], "sha256"))
			die("siglist x509|sha256 OWNER");
		parse_guid(arg(w, 2), f->owner);
	} else if (!strcmp(k, "image")) {
		f->kind = K_IMAGE;
		f->addr = num(arg(w, 1), UINT64_MAX);
		f->len = num(arg(w, 2), UINT64_MAX);
	} else {
		f->kind = K_ITEM;
		f->id = (uint32_t)num(w->s[1], UINT32_MAX);
	}
	depth++;
}

/* The lines of one file; an included file keeps its own name, line and directory. */
static void process(const char *path, int level)
{
	const char *saved_path = desc_path;
	unsigned saved_line = lineno;
	char saved_dir[sizeof desc_dir];
	char line[16384];
	words w;

	if (level > 4)
		die("includes nested too deep");
	memcpy(saved_dir, desc_dir, sizeof desc_dir);
	FILE *in = fopen(path, "r");
	if (!in)
		die("%s: %s", path, strerror(errno));
	desc_path = path;
	lineno = 0;
	snprintf(desc_dir, sizeof desc_dir, "%s", path);
	char *slash = strrchr(desc_dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(desc_dir, ".");
	while (fgets(line, sizeof line, in)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(in))
			die("line too long");
		split(line, &w);
		if (w.n)
			line_words(&w);
	}
	if (ferror(in))
		die("read error");
	fclose(in);
	desc_path = saved_path;
	lineno = saved_line;
	memcpy(desc_dir, saved_dir, sizeof desc_dir);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: mkfixture DESC OUT\n", stderr);
		return 2;
	}
	desc_path = argv[1];
	process(argv[1], 0);
	if (depth)
		die("a block is not closed at the end");
	if (!wr)
		die("empty description");
	size_t len;
	const uint8_t *out = tcg_writer_data(wr, &len);
	FILE *f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkfixture: cannot write %s\n", argv[2]);
		return 3;
	}
	tcg_writer_free(wr);
	return 0;
}
