/* SPDX-License-Identifier: MIT */
/* Guest library: QEMU's fw_cfg interface (selector port 0x510, data 0x511). */
#ifndef GUEST_FWCFG_H
#define GUEST_FWCFG_H

#include "types.h"

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_NB_CPUS	 0x0005

void fw_cfg_read(u16 key, void *buf, size_t len);
bool fw_cfg_present(void); /* the signature reads "QEMU" */

#endif
