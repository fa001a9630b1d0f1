// SPDX-License-Identifier: MIT
/*
 * The 64-bit half of the standard test kernel (start.S): enable the local
 * APIC through IA32_APIC_BASE and the spurious-vector register, start
 * every other CPU with a broadcast INIT-SIPI-SIPI, wait for them to check
 * in, and report on COM1.  The expected CPU count comes from the command
 * line ("cpus=N", default 1).  Returns the debug-exit code: 0 passed,
 * 1 failed.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define APIC_BASE_MSR 0x1b
#define APIC_ENABLE   (1UL << 11)
#define APIC	      ((volatile u32 *)0xfee00000UL)
#define APIC_ID	      (0x20 / 4)
#define APIC_VERSION  (0x30 / 4)
#define APIC_SPIV     (0xf0 / 4)
#define APIC_ICR_LO   (0x300 / 4)
#define ICR_PENDING   (1U << 12)
#define ICR_ALLBUT    (3U << 18)
#define ICR_INIT      0x500
#define ICR_STARTUP   0x600
#define ICR_ASSERT    (1U << 14)
#define TRAMPOLINE    0x8000
#define WAIT_SPINS    20000000UL

extern u32 mb_info, bsp_id_32, ap_count, ap_ids[16];
extern const u8 ap_start[], ap_end[];

int main(void);

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static void puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(0x3fd) & 0x20))
			;
		outb(0x3f8, (u8)*s);
	}
}

static void putu(u64 v)
{
	char buf[24], *p = buf + sizeof(buf) - 1;

	*p = 0;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	puts(p);
}

static int checks, failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	puts(ok ? "smp-mb1: PASS: " : "smp-mb1: FAIL: ");
	puts(what);
	puts("\n");
}

/* "cpus=N" on the multiboot command line (flags bit 2), else 1. */
static unsigned expected_cpus(void)
{
	const u32 *mbi = (const u32 *)(u64)mb_info;
	const char *s;

	if (!mbi || !(mbi[0] & 4))
		return 1;
	for (s = (const char *)(u64)mbi[4]; *s; s++) {
		if (s[0] == 'c' && s[1] == 'p' && s[2] == 'u' && s[3] == 's' && s[4] == '=') {
			unsigned n = 0;

			for (s += 5; *s >= '0' && *s <= '9'; s++)
				n = n * 10 + (unsigned)(*s - '0');
			return n;
		}
	}
	return 1;
}

static void icr(u32 v)
{
	APIC[APIC_ICR_LO] = v;
	while (APIC[APIC_ICR_LO] & ICR_PENDING)
		;
}

int main(void)
{
	unsigned want = expected_cpus(), up, bad = 0;
	u32 id = APIC[APIC_ID] >> 24;
	volatile u8 *dst = (volatile u8 *)TRAMPOLINE;

	puts("smp-mb1: BSP APIC ID ");
	putu(id);
	puts(" (read in 32-bit code: ");
	putu(bsp_id_32);
	puts("), expecting ");
	putu(want);
	puts(" CPUs\n");
	check(id == bsp_id_32, "APIC ID from 64-bit code matches the 32-bit read");
	check((APIC[APIC_VERSION] & 0xff) >= 0x10, "APIC version is an integrated APIC");

	wrmsr(APIC_BASE_MSR, rdmsr(APIC_BASE_MSR) | APIC_ENABLE);
	APIC[APIC_SPIV] |= 0x1ff; /* software-enable, spurious vector 0xff */
	check((rdmsr(APIC_BASE_MSR) & APIC_ENABLE) && (APIC[APIC_SPIV] & 0x100),
	      "APIC enabled through IA32_APIC_BASE and SPIV");

	for (const u8 *p = ap_start; p < ap_end; p++)
		*dst++ = *p;
	icr(ICR_ALLBUT | ICR_ASSERT | ICR_INIT);
	icr(ICR_ALLBUT | ICR_STARTUP | (TRAMPOLINE >> 12));
	icr(ICR_ALLBUT | ICR_STARTUP | (TRAMPOLINE >> 12));
	for (u64 spins = 0; *(volatile u32 *)&ap_count + 1 < want && spins < WAIT_SPINS; spins++)
		asm volatile("pause");
	up = *(volatile u32 *)&ap_count + 1;
	puts("smp-mb1: ");
	putu(up);
	puts(" CPUs up, AP APIC IDs:");
	for (unsigned i = 0; i < up - 1 && i < 16; i++) {
		puts(" ");
		putu(ap_ids[i]);
	}
	puts("\n");
	check(up == want, "every expected CPU started");
	for (unsigned i = 0; i < up - 1 && i < 16; i++) {
		if (ap_ids[i] == id || ap_ids[i] >= want)
			bad++;
		for (unsigned j = 0; j < i; j++)
			bad += ap_ids[j] == ap_ids[i];
	}
	check(!bad, "AP APIC IDs distinct, not the BSP's, and below the CPU count");
	puts("smp-mb1: ");
	putu((u64)checks);
	puts(" checks, ");
	putu((u64)failures);
	puts(failures ? " failed\n" : " failed: PASS\n");
	return failures ? 1 : 0;
}
