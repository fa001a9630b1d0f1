// SPDX-License-Identifier: MIT
/*
 * Guest test: Key Locker basics, against vectors computed on the host
 * independently of klvisor (build/guests/kl_vectors.h): enumeration,
 * CR4.KL, LOADIWKEY, ENCODEKEY128/256 handles, AES*KL and the WIDE forms.
 */
#include "guest.h"
#include "kl_vectors.h"

#define CR4_KL (1UL << 19)

struct xmm {
	u8 b[16];
} __attribute__((aligned(16)));

static void set_cr4_kl(bool on)
{
	u64 cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = on ? cr4 | CR4_KL : cr4 & ~CR4_KL;
	asm volatile("mov %0, %%cr4" ::"r"(cr4));
}

static void loadiwkey(const struct klv_iw *w)
{
	asm volatile("movdqu %0, %%xmm0\n\tmovdqu %1, %%xmm1\n\tmovdqu %2, %%xmm2\n\t"
		     "loadiwkey %%xmm1, %%xmm2"
		     :
		     : "m"(w->integrity), "m"(*(const struct xmm *)w->encryption),
		       "m"(*(const struct xmm *)(w->encryption + 16)), "a"(0)
		     : "xmm0", "xmm1", "xmm2", "cc");
}

static u32 encodekey128(const u8 *key, u32 src, u8 *handle)
{
	u32 dest;

	asm volatile("movdqu %2, %%xmm0\n\tencodekey128 %3, %0\n\t"
		     "movdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\tmovdqu %%xmm2, 32(%1)"
		     : "=r"(dest)
		     : "r"(handle), "m"(*(const struct xmm *)key), "r"(src)
		     : "xmm0", "xmm1", "xmm2", "xmm4", "xmm5", "xmm6", "cc", "memory");
	return dest;
}

static u32 encodekey256(const u8 *key, u32 src, u8 *handle)
{
	u32 dest;

	asm volatile("movdqu %2, %%xmm0\n\tmovdqu %3, %%xmm1\n\tencodekey256 %4, %0\n\t"
		     "movdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\tmovdqu %%xmm2, 32(%1)\n\t"
		     "movdqu %%xmm3, 48(%1)"
		     : "=r"(dest)
		     : "r"(handle), "m"(*(const struct xmm *)key),
		       "m"(*(const struct xmm *)(key + 16)), "r"(src)
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "cc", "memory");
	return dest;
}

/* One AES*KL on @blk in place; returns ZF. */
#define AESKL(name)                                                                     \
	static bool name(const u8 *handle, u8 *blk)                                     \
	{                                                                               \
		bool zf;                                                                \
		asm volatile("movdqu (%1), %%xmm3\n\t" #name " (%2), %%xmm3\n\t"        \
			     "setz %0\n\tmovdqu %%xmm3, (%1)"                           \
			     : "=q"(zf)                                                 \
			     : "r"(blk), "r"(handle)                                    \
			     : "xmm3", "cc", "memory");                                 \
		return zf;                                                              \
	}
AESKL(aesenc128kl)
AESKL(aesdec128kl)
AESKL(aesenc256kl)
AESKL(aesdec256kl)

static bool wide(int which, const u8 *handle, u8 blocks[8][16])
{
	bool zf;

#define WIDE_ASM(insn)                                                                        \
	asm volatile("movdqu 0(%1), %%xmm0\n\tmovdqu 16(%1), %%xmm1\n\tmovdqu 32(%1), %%xmm2\n\t" \
		     "movdqu 48(%1), %%xmm3\n\tmovdqu 64(%1), %%xmm4\n\tmovdqu 80(%1), %%xmm5\n\t" \
		     "movdqu 96(%1), %%xmm6\n\tmovdqu 112(%1), %%xmm7\n\t" insn " (%2)\n\t"       \
		     "setz %0\n\tmovdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\t"               \
		     "movdqu %%xmm2, 32(%1)\n\tmovdqu %%xmm3, 48(%1)\n\tmovdqu %%xmm4, 64(%1)\n\t" \
		     "movdqu %%xmm5, 80(%1)\n\tmovdqu %%xmm6, 96(%1)\n\tmovdqu %%xmm7, 112(%1)"   \
		     : "=q"(zf)                                                                \
		     : "r"(blocks), "r"(handle)                                                \
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "cc",     \
		       "memory")
	switch (which) {
	case 0: WIDE_ASM("aesencwide128kl"); break;
	case 1: WIDE_ASM("aesdecwide128kl"); break;
	case 2: WIDE_ASM("aesencwide256kl"); break;
	default: WIDE_ASM("aesdecwide256kl"); break;
	}
	return zf;
}

static void check_aes(int w, int k)
{
	u8 h128[48], h256[64], blk[16], blocks[8][16];
	char name[48];

	encodekey128(klv_key128[k], 0, h128);
	encodekey256(klv_key256[k], 0, h256);
	snprintf(name, sizeof(name), "handle128-iw%d-key%d", w, k);
	report(!memcmp(h128, klv_handle128[w][k][0], 48), name, "ENCODEKEY128 handle differs");
	snprintf(name, sizeof(name), "handle256-iw%d-key%d", w, k);
	report(!memcmp(h256, klv_handle256[w][k][0], 64), name, "ENCODEKEY256 handle differs");

	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesenc128kl-iw%d-key%d", w, k);
	report(!aesenc128kl(h128, blk) && !memcmp(blk, klv_enc128[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesdec128kl-iw%d-key%d", w, k);
	report(!aesdec128kl(h128, blk) && !memcmp(blk, klv_dec128[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesenc256kl-iw%d-key%d", w, k);
	report(!aesenc256kl(h256, blk) && !memcmp(blk, klv_enc256[k][0], 16), name, "wrong");
	memcpy(blk, klv_block[0], 16);
	snprintf(name, sizeof(name), "aesdec256kl-iw%d-key%d", w, k);
	report(!aesdec256kl(h256, blk) && !memcmp(blk, klv_dec256[k][0], 16), name, "wrong");

	memcpy(blocks, klv_block, sizeof(blocks));
	snprintf(name, sizeof(name), "aesencwide128kl-iw%d-key%d", w, k);
	report(!wide(0, h128, blocks) && !memcmp(blocks, klv_enc128[k], sizeof(blocks)), name,
	       "wrong");
	memcpy(blocks, klv_block, sizeof(blocks));
	snprintf(name, sizeof(name), "aesdecwide256kl-iw%d-key%d", w, k);
	report(!wide(3, h256, blocks) && !memcmp(blocks, klv_dec256[k], sizeof(blocks)), name,
	       "wrong");
}

int main(int argc, char **argv)
{
	struct cpuid c7 = cpuid_count(7, 0), c19 = cpuid_count(0x19, 0);

	(void)argc;
	(void)argv;
	report(c7.c & (1U << 23), "cpuid-kl", "CPUID.7.0:ECX[23] clear");
	report(!(c19.b & 1), "aeskle-clear-before-cr4", "AESKLE set with CR4.KL clear");
	set_cr4_kl(true);
	c19 = cpuid_count(0x19, 0);
	report(c19.b & 1, "aeskle-set-with-cr4", "AESKLE clear with CR4.KL set");
	for (int w = 0; w < KLV_NR_IWKEYS; w++) {
		loadiwkey(&klv_iwkey[w]);
		for (int k = 0; k < KLV_NR_KEYS; k++)
			check_aes(w, k);
	}
	return 0;
}
