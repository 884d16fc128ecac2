#include "tcglog/binding.h"
#include "evtypes.h"

#include <string.h>

#include "buf.h"

const char *tcg_binding_name(tcg_binding b)
{
	switch (b) {
	case TCG_BIND_NONE:
		return "none";
	case TCG_BIND_OK:
		return "verified";
	case TCG_BIND_MISMATCH:
		return "mismatch";
	case TCG_BIND_UNCHECKED:
		return "unchecked";
	}
	return "unknown";
}

bool tcg_type_binds(uint32_t pcr, uint32_t type)
{
	switch (type) {
	case EV_EVENT_TAG:
		/* systemd's tagged events (initrd in 9, UKI in 11) measure a payload. */
		return pcr != 9 && pcr != 11;
	case EV_SEPARATOR:
	case EV_ACTION:
	case EV_S_CRTM_VERSION:
	case EV_PLATFORM_CONFIG_FLAGS:
	case EV_TABLE_OF_DEVICES:
	case EV_NONHOST_INFO:
	case EV_OMIT_BOOT_DEVICE_EVENTS:
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_GPT_EVENT:
	case EV_EFI_ACTION:
	case EV_EFI_VARIABLE_BOOT2:
	case EV_EFI_GPT_EVENT2:
	case EV_EFI_VARIABLE_AUTHORITY:
	case EV_EFI_SPDM_DEVICE_POLICY:
	case EV_EFI_SPDM_DEVICE_AUTHORITY:
		return true;
	case EV_IPL:
		/* GRUB commands and kernel command line (8), systemd-boot options (12);
		 * in PCR 9 the digest is of the file named, not of the data. */
		return pcr == 8 || pcr == 12;
	default:
		return false;
	}
}

/* UEFI_VARIABLE_DATA: the VariableData part, which PFP says EV_EFI_VARIABLE_BOOT hashes. */
static bool variable_data(const tcg_event *e, const uint8_t *data, const uint8_t **p,
                          size_t *len)
{
	tcg_buf b = tcg_buf_init(data, e->size), name;
	uint64_t nlen, dlen;
	if (!tcg_buf_skip(&b, 16) || !tcg_buf_u64le(&b, &nlen) || !tcg_buf_u64le(&b, &dlen) ||
	    nlen > SIZE_MAX / 2 || !tcg_buf_sub64(&b, nlen * 2, &name) || dlen != tcg_buf_left(&b))
		return false;
	*p = b.p;
	*len = b.len;
	return true;
}

static bool matches(tcg_hasher *h, uint16_t alg, const uint8_t *want, const uint8_t *p,
                    size_t len)
{
	uint8_t d[TCG_MAX_DIGEST];
	return tcg_hash(h, alg, p, len, d) == TCG_OK && !memcmp(d, want, tcg_alg_size(alg));
}

/* GRUB logs "grub_cmd: X" or "kernel_cmdline: X" in PCR 8 but measures X only. */
static bool grub_matches(tcg_hasher *h, uint16_t alg, const tcg_event *e, const uint8_t *data,
                         const uint8_t *want)
{
	static const char *const prefixes[] = {
		"grub_cmd: ", "kernel_cmdline: ", "module_cmdline: ", "grub_cmd ",
		"kernel_cmdline ", "module_cmdline ", "grub_kernel_cmdline ",
	};
	size_t n = e->size;
	while (n && !data[n - 1])
		n--;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t k = strlen(prefixes[i]);
		if (n < k || memcmp(data, prefixes[i], k))
			continue;
		if (matches(h, alg, want, data + k, n - k) ||
		    (n < e->size && matches(h, alg, want, data + k, n - k + 1)))
			return true;
	}
	return false;
}

static bool bank_matches(tcg_hasher *h, uint16_t alg, const tcg_event *e, const uint8_t *data,
                         const uint8_t *want)
{
	const uint8_t *vp;
	size_t vlen;

	if (matches(h, alg, want, data, e->size))
		return true;
	switch (e->type) {
	case EV_EFI_VARIABLE_BOOT:
		/* PFP hashes VariableData only; some firmware hashes the whole struct. */
		return variable_data(e, data, &vp, &vlen) && matches(h, alg, want, vp, vlen);
	case EV_IPL:
		/* Strings are measured with or without their terminating NUL (char or char16). */
		if (e->size >= 1 && data[e->size - 1] == 0 &&
		    matches(h, alg, want, data, e->size - 1))
			return true;
		if (e->size >= 2 && data[e->size - 1] == 0 && data[e->size - 2] == 0 &&
		    matches(h, alg, want, data, e->size - 2))
			return true;
		return e->pcr == 8 && grub_matches(h, alg, e, data, want);
	default:
		return false;
	}
}

tcg_binding tcg_event_binding(const tcg_log *log, const tcg_event *e, tcg_hasher *hasher,
                              size_t *bad_bank)
{
	tcg_hasher *own = NULL;
	tcg_binding res = TCG_BIND_UNCHECKED;
	size_t nb = e->header ? 0 : tcg_log_num_banks(log);

	if (e->header || e->type == TCG_EV_NO_ACTION || !tcg_type_binds(e->pcr, e->type))
		return TCG_BIND_NONE;
	if (!hasher && !(hasher = own = tcg_hasher_new()))
		return TCG_BIND_UNCHECKED;
	for (size_t i = 0; i < nb; i++) {
		tcg_bank bk = tcg_log_bank(log, i);
		const uint8_t *want = tcg_event_digest(log, e, i);
		if (!want || !tcg_hasher_supports(hasher, bk.alg) || tcg_alg_size(bk.alg) != bk.size)
			continue;
		if (!bank_matches(hasher, bk.alg, e, tcg_event_data(log, e), want)) {
			if (bad_bank)
				*bad_bank = i;
			res = TCG_BIND_MISMATCH;
			break;
		}
		res = TCG_BIND_OK;
	}
	tcg_hasher_free(own);
	return res;
}
