/*
 * Linux boot chain facts: shim (PCR 7, 14), GRUB (PCR 8), systemd-stub and
 * UKIs (PCR 11, 12). Part of claims.
 */
#include "claims_int.h"

#include <stdlib.h>
#include <string.h>

/* GRUB's PCR 8 strings: a label, then the text the digest covers (binding.c). */
enum grub_kind { GRUB_NONE, GRUB_CMD, GRUB_KERNEL, GRUB_MODULE };

static enum grub_kind grub_text(tcg_claims *c, const tcg_event *e, bytes *text)
{
	static const struct {
		const char *p;
		enum grub_kind k;
	} labels[] = {
		{ "grub_cmd: ", GRUB_CMD },        { "kernel_cmdline: ", GRUB_KERNEL },
		{ "module_cmdline: ", GRUB_MODULE }, { "grub_cmd ", GRUB_CMD },
		{ "kernel_cmdline ", GRUB_KERNEL }, { "module_cmdline ", GRUB_MODULE },
		{ "grub_kernel_cmdline ", GRUB_KERNEL },
	};
	const uint8_t *data = tcg_event_data(c->log, e);
	size_t n = e->size;
	while (n && !data[n - 1])
		n--;
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		size_t k = strlen(labels[i].p);
		if (n < k || memcmp(data, labels[i].p, k))
			continue;
		/* The label is not measured: only a text whose hash is the digest counts. */
		if (tcg_cl_digest_matches(c, e, data + k, n - k) ||
		    (n < e->size && tcg_cl_digest_matches(c, e, data + k, n - k + 1))) {
			*text = (bytes){ data + k, n - k };
			return labels[i].k;
		}
	}
	return GRUB_NONE;
}

/* The argument of a GRUB command that loads a kernel, or false. */
static bool grub_linux_arg(bytes cmd, bytes *arg)
{
	static const char *const cmds[] = { "linux ", "linuxefi ", "linux16 " };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		size_t k = strlen(cmds[i]);
		if (cmd.len >= k && !memcmp(cmd.p, cmds[i], k)) {
			*arg = (bytes){ cmd.p + k, cmd.len - k };
			return true;
		}
	}
	return false;
}

/* GRUB quotes the words of the kernel command line that hold spaces (and escapes quotes
 * and backslashes), which its measured linux command does not: equal but for those. */
static bool same_unquoted(bytes a, bytes b)
{
	size_t i = 0, j = 0;
	for (;;) {
		while (i < a.len && (a.p[i] == '"' || a.p[i] == '\\'))
			i++;
		while (j < b.len && (b.p[j] == '"' || b.p[j] == '\\'))
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (a.p[i++] != b.p[j++])
			return false;
	}
}

/* shim measures its MOK variables into PCR 14 in this order; the labels are not covered by
 * the digests, the order is (PCR 14 replays). */
static const char *const mok_order[] = { "MokList", "MokListX" };

void tcg_cl_linux_event(tcg_claims *c, const tcg_event *e)
{
	linuxfacts *lx = &c->lx;
	const uint8_t *d = tcg_event_digest(c->log, e, c->bidx);
	const uint8_t *data = tcg_event_data(c->log, e);
	if (e->pcr == 14) {
		size_t pos = lx->pcr14_n++;
		if (e->type != EV_IPL)
			return;
		for (size_t i = 0; i < sizeof mok_order / sizeof mok_order[0]; i++) {
			size_t k = strlen(mok_order[i]);
			if (e->size < k || memcmp(data, mok_order[i], k) ||
			    (e->size > k && (e->size != k + 1 || data[k])))
				continue;
			if (pos != i) {
				tcg_cl_problem(c, e, "moklist-label-order",
				        "%s label on PCR 14 extend %zu: shim measures it as extend %zu",
				        mok_order[i], pos + 1, i + 1);
				return;
			}
			lx->shim = true;
			if (i == 0)
				tcg_cl_hlist_add(&lx->moklist_digest, d, tcg_alg_size(c->bank));
			return;
		}
		if ((e->size == 10 && !memcmp(data, "MokSBState", 10)) ||
		    (e->size == 14 && !memcmp(data, "MokListTrusted", 14)))
			lx->shim = true;
		return;
	}
	if (e->type != EV_IPL)
		return;
	if (e->pcr == 8) {
		bytes text, arg;
		switch (grub_text(c, e, &text)) {
		case GRUB_NONE:
			return;
		case GRUB_CMD:
			lx->grub = true;
			if (grub_linux_arg(text, &arg))
				lx->linux_arg = arg;
			return;
		case GRUB_KERNEL:
			lx->grub = true;
			/* The label is not measured: the text must be what the last measured
			 * linux command loaded, else it could be any GRUB string. */
			if (!lx->linux_arg.p || !same_unquoted(lx->linux_arg, text)) {
				tcg_cl_problem(c, e, "kernel-cmdline-unverified",
				        "kernel command line is not the argument of a GRUB linux command");
				return;
			}
			if (!lx->cmdline.p) /* the first value wins */
				lx->cmdline = text;
			return;
		case GRUB_MODULE:
			lx->grub = true;
			return;
		}
	} else if (e->pcr == 12) {
		/* systemd-stub: the kernel command line, UTF-16LE */
		lx->sdboot = true;
		if (!lx->cmdline16.p)
			lx->cmdline16 = (bytes){ data, e->size };
	} else if (e->pcr == 11) {
		lx->sdboot = true;
		/* systemd-stub logs each section twice, both described by the name in UTF-16:
		 * the name (digest = ASCII name and NUL) and the contents. Only the first
		 * kind measures the name. */
		char name[16];
		size_t k = 0;
		for (size_t i = 0; i + 1 < e->size && k + 1 < sizeof name; i += 2) {
			uint16_t u = (uint16_t)(data[i] | data[i + 1] << 8);
			if (!u)
				break;
			if (u < 0x21 || u > 0x7e)
				return;
			name[k++] = (char)u;
		}
		name[k] = 0;
		if (k && name[0] == '.' && lx->nsections < 16 &&
		    tcg_cl_digest_matches(c, e, (const uint8_t *)name, k + 1))
			memcpy(lx->sections[lx->nsections++], name, k + 1);
	}
}

void tcg_cl_write_linux(const tcg_claims *c, tcg_yaml *y)
{
	const linuxfacts *lx = &c->lx;
	tcg_yaml_key(y, "linux");
	tcg_yaml_map_start(y);
	/* shim always measures its MOK variables into PCR 14 */
	tcg_cl_kv_seen(y, "Shim", lx->shim,
	               tcg_cl_pcr_untouched(c, 14) && tcg_cl_pcr_complete(c, 7));
	if (lx->shim) {
		if (tcg_cl_pcr_complete(c, 7))
			tcg_cl_kv_hlist(y, "MokList", &lx->mok);
		if (lx->moklist_digest.n && tcg_cl_pcr_complete(c, 14))
			tcg_cl_kv_hlist(y, "MokListDigests", &lx->moklist_digest);
	}
	if (lx->sbat.p)
		tcg_yaml_kv_str(y, "SbatLevel", (const char *)lx->sbat.p, lx->sbat.len);
	if (tcg_cl_pcr_complete(c, 4))
		tcg_cl_kv_hlist(y, "BootLoaderDigests", &lx->bootloaders);
	tcg_cl_kv_seen(y, "Grub", lx->grub, tcg_cl_pcr_untouched(c, 8));
	if (lx->cmdline_conflict) {
		/* unknown */
	} else if (lx->cmdline.p) {
		tcg_yaml_kv_str(y, "KernelCmdline", (const char *)lx->cmdline.p, lx->cmdline.len);
	} else if (lx->cmdline16.p) {
		tcg_yaml_key(y, "KernelCmdline");
		tcg_yaml_utf16(y, lx->cmdline16.p, lx->cmdline16.len);
	}
	tcg_cl_kv_seen(y, "SystemdBoot", lx->sdboot,
	               tcg_cl_pcr_untouched(c, 11) && tcg_cl_pcr_untouched(c, 12));
	if (lx->nsections) {
		tcg_yaml_key(y, "UKI");
		tcg_yaml_map_start(y);
		tcg_yaml_key(y, "Sections");
		tcg_yaml_seq_start(y);
		for (size_t i = 0; i < lx->nsections; i++)
			tcg_yaml_cstr(y, lx->sections[i]);
		tcg_yaml_seq_end(y);
		tcg_yaml_map_end(y);
	}
	tcg_yaml_map_end(y);
}

void tcg_cl_linux_finish(tcg_claims *c)
{
	linuxfacts *lx = &c->lx;
	/* GRUB's and systemd-stub's command lines in one boot: root could have appended either
	 * (an event placed early in the file), and nothing shows which the kernel got. */
	if (lx->cmdline.p && lx->cmdline16.p) {
		lx->cmdline_conflict = true;
		tcg_cl_problem(c, NULL, "kernel-cmdline-conflict",
		        "both GRUB (PCR 8) and systemd-stub (PCR 12) measured a kernel command line");
	}
}
