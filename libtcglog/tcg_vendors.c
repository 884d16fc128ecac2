/*
 * TPM manufacturers by TPM_PT_MANUFACTURER value (TCG TPM Vendor ID Registry,
 * Family 1.2 and 2.0, "TPM Capabilities Vendor ID" table), as EK certificates
 * carry them in tcg-at-tpmManufacturer ("id:49424D00"). The values are four
 * ASCII characters, padded with NULs or spaces.
 */
#include <stddef.h>
#include <stdint.h>

#include "tcglog/ekcert.h"

static const struct {
	uint32_t id;
	const char *name;
} vendors[] = {
	{ 0x00001014, "swtpm" }, /* swtpm_setup's default: IBM's PCI vendor ID, not a registry entry */
	{ 0x414D4400, "AMD" },
	{ 0x414E5400, "Ant Group" },
	{ 0x41544D4C, "Atmel" },
	{ 0x4252434D, "Broadcom" },
	{ 0x4353434F, "Cisco" },
	{ 0x464C5953, "Flyslice Technologies" },
	{ 0x474F4F47, "Google" },
	{ 0x48495349, "Huawei" },
	{ 0x48504500, "HPE" },
	{ 0x48504900, "HP Inc" },
	{ 0x49424D00, "IBM" },
	{ 0x49465800, "Infineon" },
	{ 0x494E5443, "Intel" },
	{ 0x4C454E00, "Lenovo" },
	{ 0x4D534654, "Microsoft" },
	{ 0x4E534700, "NSING" },
	{ 0x4E534D20, "National Semiconductor" },
	{ 0x4E544300, "Nuvoton" },
	{ 0x4E545A00, "Nationz" },
	{ 0x51434F4D, "Qualcomm" },
	{ 0x524F4343, "Fuzhou Rockchip" },
	{ 0x53454345, "SecEdge" },
	{ 0x5345414C, "Wisekey" },
	{ 0x534D5343, "SMSC" },
	{ 0x534D534E, "Samsung" },
	{ 0x534E5300, "Sinosun" },
	{ 0x53544D20, "STMicroelectronics" },
	{ 0x54584E00, "Texas Instruments" },
	{ 0x57454300, "Winbond" },
};

const char *tcg_tpm_vendor_name(uint32_t id)
{
	for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
		if (vendors[i].id == id)
			return vendors[i].name;
	return NULL;
}
