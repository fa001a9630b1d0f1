// SPDX-License-Identifier: MIT
/*
 * Benchmarks, run by `make bench` (tools/bench.sh), not by `make check`.
 * Under Bochs the TSC counts emulated instructions, so every number is a
 * deterministic path length.  Each result is one line:
 *
 *   BENCH: name value unit
 *
 *   bench exits   VM-exit round trips: CPUID, a hypercall, a port write
 *   bench kl      Key Locker instructions (needs kl=on)
 *   bench spin N  N AESENC128KL in a loop, for the slot-switching runs
 */
#include "guest.h"
#include "kl.h"
#include "kl_vectors.h"

#define ROUNDS 2000

#define MEASURE(name, body)                                                     \
	do {                                                                    \
		u64 t0 = rdtsc();                                               \
		for (int i_ = 0; i_ < ROUNDS; i_++) {                           \
			body;                                                   \
		}                                                               \
		printf("BENCH: %s %lu ticks\n", name, (rdtsc() - t0) / ROUNDS); \
	} while (0)

static void exits(void)
{
	MEASURE("exit-cpuid", cpuid(0));
	MEASURE("exit-hypercall", hc_vcpu_id());
	MEASURE("exit-port-write", outb(0x3ff, 0)); /* the UART scratch register */
	MEASURE("loop-overhead", asm volatile(""));
}

static void kl(void)
{
	u8 handle[48], blk[16] = { 0 }, blocks[8][16] = { { 0 } };

	kl_set_cr4(true);
	MEASURE("kl-loadiwkey", kl_loadiwkey(klv_iwkey[1].integrity, klv_iwkey[1].encryption));
	MEASURE("kl-encodekey128", kl_encodekey128(klv_key128[1], 0, handle));
	MEASURE("kl-aesenc128kl", kl_aes(KL_ENC128, handle, blk));
	MEASURE("kl-aesencwide128kl", kl_wide(KL_ENCWIDE128, handle, blocks));
}

static void spin(unsigned long n)
{
	u8 handle[48], blk[16] = { 0 };
	unsigned long bad = 0;

	kl_set_cr4(true);
	kl_loadiwkey(klv_iwkey[1].integrity, klv_iwkey[1].encryption);
	kl_encodekey128(klv_key128[1], 0, handle);
	for (unsigned long i = 0; i < n; i++) {
		memcpy(blk, klv_block[0], 16);
		bad += kl_aes(KL_ENC128, handle, blk) || memcmp(blk, klv_enc128[1][0], 16);
	}
	report(bad == 0, "spin-results", "%lu wrong results", bad);
	printf("BENCH: kl-slot-loads-seen-by-vcpu %ld loads\n", hc_kl_slot_loads());
}

int main(int argc, char **argv)
{
	unsigned long n = 20000;
	const char *arg = arg_value(argc, argv, "n");

	if (arg)
		parse_ulong(arg, &n);
	if (has_arg(argc, argv, "exits"))
		exits();
	if (has_arg(argc, argv, "kl"))
		kl();
	if (has_arg(argc, argv, "spin"))
		spin(n);
	pass("bench");
	return 0;
}
