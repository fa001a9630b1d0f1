// SPDX-License-Identifier: MIT
/*
 * Guest test: IWKey slot loads (hypercall 5) for a Key Locker VM alone on
 * its physical CPU (pin it to a CPU no other kl=on VM uses).  Setting
 * CR4.KL loads the slot once, LOADIWKEY once more; after that nothing may
 * load it again: thousands of VM exits of every kind (CPUID, port I/O,
 * MSRs, hypercalls, CR4 writes, the emulated Key Locker instructions
 * themselves), CR4.KL cleared and set again, yields and whole time slices
 * spent spinning.
 *
 * With the argument "spy" it instead never sets CR4.KL and runs beside
 * other Key Locker VMs on their CPU: the count it sees must stay 0, since
 * hypercall 5 reports only the calling VM's own loads (issue 8, item 14;
 * on e6e6724 it reported the physical CPU's count, everyone's).
 */
#include "guest.h"
#include "klcheck.h"

#define ROUNDS 2000

static long loads(void)
{
	return hc_kl_slot_loads();
}

/* Run @fn, then check the count did not move. */
static void no_loads(const char *name, void (*fn)(void), const char *what)
{
	long before = loads(), after;

	fn();
	after = loads();
	report(after == before, name, "%ld slot loads during %s", after - before, what);
}

static void cpuid_exits(void)
{
	for (int i = 0; i < ROUNDS; i++)
		cpuid_count(i & 1 ? 0x19 : 7, 0);
}

static void io_exits(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		outb(0x21, 0xff); /* PIC mask */
		outb(0x3f8 + 7, (u8)i); /* COM1 scratch register */
		(void)inb(0x3f8 + 5); /* line status */
	}
}

static void msr_exits(void)
{
	for (int i = 0; i < ROUNDS / 4; i++) {
		(void)rdmsr(MSR_APIC_BASE);
		wrmsr(MSR_TSC_AUX, (u64)i);
	}
}

static void hypercall_exits(void)
{
	for (int i = 0; i < ROUNDS; i++)
		(void)hc_vcpu_id();
}

static void cr4_exits(void)
{
	u64 cr4 = read_cr4();

	for (int i = 0; i < ROUNDS / 10; i++) {
		write_cr4(cr4 & ~CR4_KL);
		write_cr4(cr4);
	}
}

static bool kl_ok = true;

static void kl_exits(void)
{
	for (int i = 0; i < ROUNDS / 4; i++) {
		u8 blk[16], h[48];

		memcpy(blk, klv_block[i & 7], 16);
		kl_ok &= !kl_aes(KL_ENC128, klv_handle128[1][2][0], blk) &&
			 !memcmp(blk, klv_enc128[2][i & 7], 16);
		kl_encodekey128(klv_key128[i % 3], i & 7, h);
		kl_ok &= !memcmp(h, klv_handle128[1][i % 3][i & 7], 48);
	}
}

static void yields_and_slices(void)
{
	u64 t0, gaps = 0, prev, longest = 0, y0 = rdtsc();

	for (int i = 0; i < 50; i++)
		hc_yield();
	y0 = rdtsc() - y0;
	/* Spin with no exits of its own for many time slices' worth of TSC. */
	t0 = prev = rdtsc();
	while (rdtsc() - t0 < 20000000ULL) {
		u64 now = rdtsc();

		gaps += now - prev > 20000;
		if (now - prev > longest)
			longest = now - prev;
		prev = now;
	}
	printf("50 yields took %lu TSC ticks; spun %lu ticks with %lu gaps over 20000 (longest %lu)\n",
	       y0, rdtsc() - t0, gaps, longest);
}

static void spy(void)
{
	long seen = loads(), most = seen;
	u64 t0 = rdtsc();

	/* Yield for a while: the neighbours' keys go in and out of this CPU's slot. */
	for (int i = 0; i < 400 || rdtsc() - t0 < 50000000ULL; i++) {
		long now = loads();

		if (now > most)
			most = now;
		hc_yield();
		if (i > 100000)
			break;
	}
	report(seen == 0 && most == 0, "slot-loads-only-own",
	       "a VM that never loaded a key saw %ld slot loads (at most %ld)", seen, most);
}

int main(int argc, char **argv)
{
	long c0, c1, c2;
	char why[120];

	if (argc > 1 && !strcmp(argv[1], "spy")) {
		spy();
		return 0;
	}
	if (!report(cpuid_count(7, 0).c & CPUID7_ECX_KL, "cpuid-kl", "CPUID.7.0:ECX[23] clear"))
		return 0;
	c0 = loads();
	if (!report(c0 >= 0, "slot-loads-hypercall", "hypercall 5 returned %ld", c0))
		return 0;
	kl_set_cr4(true);
	c1 = loads();
	report(c1 == c0 + 1, "cr4-kl-loads-slot-once", "%ld -> %ld", c0, c1);
	kl_load(1);
	c2 = loads();
	report(c2 == c1 + 1, "loadiwkey-loads-slot-once", "%ld -> %ld", c1, c2);

	no_loads("no-loads-cpuid", cpuid_exits, "2000 CPUIDs");
	no_loads("no-loads-port-io", io_exits, "6000 port accesses");
	no_loads("no-loads-msrs", msr_exits, "1000 RDMSR/WRMSR");
	no_loads("no-loads-hypercalls", hypercall_exits, "2000 hypercalls");
	no_loads("no-loads-cr4-kl-toggle", cr4_exits, "CR4.KL cleared and set 200 times");
	no_loads("no-loads-kl-insns", kl_exits, "500 AESENC128KL and 500 ENCODEKEY128");
	report(kl_ok, "kl-insns-right", "wrong AES result or handle while counting");
	no_loads("no-loads-yield-and-slices", yields_and_slices, "50 yields and a long spin");
	report(loads() == c2, "no-loads-after-loadiwkey", "%ld -> %ld over everything", c2,
	       loads());
	report(kl_works(KL_ENCWIDE256, klv_handle256[1][0][0], 0, 1, why, sizeof(why)),
	       "key-still-resident", "%s", why);
	return 0;
}
