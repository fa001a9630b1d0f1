// SPDX-License-Identifier: MIT
/*
 * Guest test: Key Locker basics, against vectors computed on the host
 * independently of klvisor (build/guests/kl_vectors.h): enumeration,
 * CR4.KL, LOADIWKEY, ENCODEKEY128/256 handles, AES*KL and the WIDE forms.
 */
#include "guest.h"
#include "kl.h"
#include "kl_vectors.h"

static void check_aes(int w, int k)
{
	u8 h128[48], h256[64], blk[16], blocks[8][16];
	char name[48];

	kl_encodekey128(klv_key128[k], 0, h128);
	kl_encodekey256(klv_key256[k], 0, h256);
	snprintf(name, sizeof(name), "handle128-iw%d-key%d", w, k);
	report(!memcmp(h128, klv_handle128[w][k][0], 48), name, "ENCODEKEY128 handle differs");
	snprintf(name, sizeof(name), "handle256-iw%d-key%d", w, k);
	report(!memcmp(h256, klv_handle256[w][k][0], 64), name, "ENCODEKEY256 handle differs");

	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesenc128kl-iw%d-key%d", w, k);
	report(!kl_aes(KL_ENC128, h128, blk) && !memcmp(blk, klv_enc128[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesdec128kl-iw%d-key%d", w, k);
	report(!kl_aes(KL_DEC128, h128, blk) && !memcmp(blk, klv_dec128[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesenc256kl-iw%d-key%d", w, k);
	report(!kl_aes(KL_ENC256, h256, blk) && !memcmp(blk, klv_enc256[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesdec256kl-iw%d-key%d", w, k);
	report(!kl_aes(KL_DEC256, h256, blk) && !memcmp(blk, klv_dec256[k][0], 16), name, "wrong");

	memcpy(blocks, klv_block, sizeof(blocks));
	snprintf(name, sizeof(name), "aesencwide128kl-iw%d-key%d", w, k);
	report(!kl_wide(KL_ENCWIDE128, h128, blocks) &&
		       !memcmp(blocks, klv_enc128[k], sizeof(blocks)),
	       name, "wrong");
	memcpy(blocks, klv_block, sizeof(blocks));
	snprintf(name, sizeof(name), "aesdecwide256kl-iw%d-key%d", w, k);
	report(!kl_wide(KL_DECWIDE256, h256, blocks) &&
		       !memcmp(blocks, klv_dec256[k], sizeof(blocks)),
	       name, "wrong");
}

#define CR4_PCIDE BIT(17)

/*
 * A CR4 write that also sets KL exits to klvisor, which must check the
 * rest of it as the CPU would: setting PCIDE while CR3[11:0] is not 0
 * (here PWT) is #GP, and nothing changes.
 */
static void pcide_with_cr3_low_bits(void)
{
	u64 cr3 = read_cr3(), cr4 = read_cr4();
	int vec;

	if (!(cpuid(1).c & BIT(17))) {
		skip("cr4-pcide-with-cr3-low-bits-gp", "no PCID");
		return;
	}
	write_cr3(cr3 | BIT(3));
	exc_arm();
	asm volatile(EXC_TRY("mov %0, %%cr4") : : "r"(cr4 | CR4_KL | CR4_PCIDE) : "memory");
	vec = exc_result(NULL);
	if (read_cr4() != cr4)
		write_cr4(cr4);
	write_cr3(cr3);
	report(vec == GP_VECTOR && read_cr4() == cr4, "cr4-pcide-with-cr3-low-bits-gp",
	       "vector %d, CR4 %#lx (was %#lx)", vec, read_cr4(), cr4);
}

int main(int argc, char **argv)
{
	struct cpuid c7 = cpuid_count(7, 0), c19 = cpuid_count(0x19, 0);

	(void)argc;
	(void)argv;
	report(c7.c & (1U << 23), "cpuid-kl", "CPUID.7.0:ECX[23] clear");
	report(!(c19.b & 1), "aeskle-clear-before-cr4", "AESKLE set with CR4.KL clear");
	pcide_with_cr3_low_bits();
	kl_set_cr4(true);
	c19 = cpuid_count(0x19, 0);
	report(c19.b & 1, "aeskle-set-with-cr4", "AESKLE clear with CR4.KL set");
	for (int w = 0; w < KLV_NR_IWKEYS; w++) {
		kl_loadiwkey(klv_iwkey[w].integrity, klv_iwkey[w].encryption);
		for (int k = 0; k < KLV_NR_KEYS; k++)
			check_aes(w, k);
	}
	return 0;
}
