// SPDX-License-Identifier: MIT
/* Guest library: reading fw_cfg items through the legacy I/O ports. */
#include "fwcfg.h"
#include "string.h"
#include "x86.h"

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511

void fw_cfg_read(u16 key, void *buf, size_t len)
{
	u8 *p = buf;

	outw(FW_CFG_PORT_SEL, key);
	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

bool fw_cfg_present(void)
{
	char sig[4];

	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return !memcmp(sig, "QEMU", 4);
}
