// SPDX-License-Identifier: MIT
/*
 * Benchmarks, run by `make bench` (tools/bench.sh), not by `make check`.
 * Under Bochs the TSC counts emulated instructions, so every number is a
 * deterministic path length.  Each result is the median of five batches'
 * averages, one line:
 *
 *   BENCH: name value unit
 *
 *   bench exits   VM-exit round trips: CPUID, a hypercall, a port write and
 *                 read, an intercepted RDMSR
 *   bench kl      Key Locker instructions (needs kl=on); AESENC128KL both on
 *                 one handle used over and over (cached) and on eight handles
 *                 in turn (more than the cache holds: every use a full unwrap)
 *   bench spin N  N AESENC128KL in a loop, for the slot-switching runs
 *   bench profile=aesenc128kl|aesenc128kl-uncached
 *                 2000 of one form, for klvisor's phase profile
 */
#include "guest.h"
#include "kl.h"
#include "kl_vectors.h"

#define BATCHES 5
#define ROUNDS	400 /* per batch */

/* The median of @n per-operation averages (n <= BATCHES). */
static u64 median(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* BATCHES batches of ROUNDS runs of @body; the median batch's average per run. */
#define MEASURE(name, body)                                                   \
	do {                                                                  \
		u64 per_[BATCHES];                                            \
		for (int b_ = 0; b_ < BATCHES; b_++) {                        \
			u64 t0 = rdtsc();                                     \
			for (int i_ = 0; i_ < ROUNDS; i_++) {                 \
				body;                                         \
			}                                                     \
			per_[b_] = (rdtsc() - t0) / ROUNDS;                   \
		}                                                             \
		printf("BENCH: %s %lu ticks\n", name, median(per_, BATCHES)); \
	} while (0)

/*
 * The VMCALL alone, as CPUID and OUT are measured: hc_vcpu_id() also arms
 * the guest library's #UD catcher around it (exit-hypercall-library).
 */
static long raw_vcpu_id(void)
{
	long ret = 1; /* HC_VCPU_ID */

	asm volatile("vmcall" : "+a"(ret) : : "memory");
	return ret;
}

static void exits(void)
{
	MEASURE("exit-cpuid", cpuid(0));
	MEASURE("exit-hypercall", raw_vcpu_id());
	MEASURE("exit-hypercall-library", hc_vcpu_id());
	MEASURE("exit-port-write", outb(0x3ff, 0)); /* the UART scratch register */
	/* LSR, what a polling driver reads before each byte: the interrupt line is looked at again. */
	MEASURE("exit-port-read-lsr", (void)inb(0x3fd));
	MEASURE("exit-rdmsr-apic-base", rdmsr(MSR_APIC_BASE)); /* intercepted */
	MEASURE("msr-wrmsr-fs-base-no-exit", wrmsr(MSR_FS_BASE, 0)); /* the MSR bitmap */
	MEASURE("loop-overhead", asm volatile(""));
}

/* More handles than klvisor's handle cache holds, used in turn: every use misses. */
#define COLD_HANDLES 8

static void kl(void)
{
	u8 handle[48], blk[16] = { 0 }, blocks[8][16] = { { 0 } }, cold[COLD_HANDLES][48];
	unsigned n = 0;

	kl_set_cr4(true);
	MEASURE("kl-loadiwkey", kl_loadiwkey(klv_iwkey[1].integrity, klv_iwkey[1].encryption));
	MEASURE("kl-encodekey128", kl_encodekey128(klv_key128[1], 0, handle));
	for (int i = 0; i < COLD_HANDLES; i++)
		kl_encodekey128(klv_key128[i % KLV_NR_KEYS], (u32)i & 6, cold[i]);
	MEASURE("kl-aesenc128kl", kl_aes(KL_ENC128, handle, blk));
	MEASURE("kl-aesenc128kl-uncached", kl_aes(KL_ENC128, cold[n++ % COLD_HANDLES], blk));
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

/*
 * A neighbour's throughput: TSC ticks per 1000 rounds of integer work, in
 * batches long enough to span many time slices.  The TSC runs on while
 * another vCPU has the CPU, so a neighbour that takes CPU time shows.
 */
#define WORK_ROUNDS 400000

static void work(const char *name)
{
	u64 per[BATCHES], x = 1;

	for (int b = 0; b < BATCHES; b++) {
		u64 t0 = rdtsc();

		for (int i = 0; i < WORK_ROUNDS; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		per[b] = (rdtsc() - t0) * 1000 / WORK_ROUNDS;
	}
	printf("BENCH: %s %lu ticks (x %lu)\n", name, median(per, BATCHES), x & 1);
}

/* Sleep in HLT for @ms, woken by the APIC timer: the neighbour work() runs beside. */
static volatile bool woke;

static void wake_handler(struct exc_frame *f)
{
	(void)f;
	woke = true;
	apic_eoi();
}

static void sleep_ms(unsigned long ms)
{
	long e0 = hc_exit_count();
	u64 count = ms * tsc_khz() / 128;

	set_irq_handler(0x50, wake_handler);
	apic_enable();
	apic_write(0x3e0, 0xa); /* divide by 128 */
	apic_write(0x320, 0x50); /* one-shot */
	apic_write(0x380, count > 0xffffffff ? 0xffffffff : (u32)count);
	while (!woke)
		safe_halt();
	printf("BENCH: halted-vcpu-exits %ld exits\n", hc_exit_count() - e0);
}

/* Only one form, for the phase profile: the profile averages every call. */
static void profile(const char *form)
{
	u8 handle[48], blk[16] = { 0 }, cold[COLD_HANDLES][48];

	kl_set_cr4(true);
	kl_loadiwkey(klv_iwkey[1].integrity, klv_iwkey[1].encryption);
	kl_encodekey128(klv_key128[1], 0, handle);
	for (int i = 0; i < COLD_HANDLES; i++)
		kl_encodekey128(klv_key128[i % KLV_NR_KEYS], (u32)i & 6, cold[i]);
	bool uncached = strcmp(form, "aesenc128kl") != 0;

	/* Nothing else in the loop: the profile's exit-switch phase includes the guest's part. */
	for (int i = 0; i < 2000; i++)
		kl_aes(KL_ENC128, uncached ? cold[i % COLD_HANDLES] : handle, blk);
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
	if (arg_value(argc, argv, "profile"))
		profile(arg_value(argc, argv, "profile"));
	if (arg_value(argc, argv, "work"))
		work(arg_value(argc, argv, "work"));
	if (arg_value(argc, argv, "sleep") && parse_ulong(arg_value(argc, argv, "sleep"), &n))
		sleep_ms(n);
	pass("bench");
	return 0;
}
