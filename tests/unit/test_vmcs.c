// SPDX-License-Identifier: MIT
/*
 * The VMCS field table checked against the SDM's encoding rules and
 * Appendix B values, field names, value ranges, and the checked VMWRITE
 * (with fake vmwrite_raw/vmread_raw): refusals and both failure kinds,
 * each logged with field, error and caller.
 */
#include <string.h>

#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "tests/unit/support.h"

/* ---- fakes for the VMX instructions ---- */

#define MAX_WRITES 8

static struct {
	u32 field;
	u64 value;
} writes[MAX_WRITES];
static unsigned nr_writes, nr_reads;
static u32 read_field;
static enum vmx_result write_result;
static u64 insn_error;

enum vmx_result vmwrite_raw(u32 field, u64 value)
{
	if (nr_writes < MAX_WRITES) {
		writes[nr_writes].field = field;
		writes[nr_writes].value = value;
	}
	nr_writes++;
	return write_result;
}

u64 vmread_raw(u32 field)
{
	nr_reads++;
	read_field = field;
	return field == 0x4400 ? insn_error : 0x5a5a5a5a;
}

static int setup(void **state)
{
	(void)state;
	nr_writes = nr_reads = 0;
	read_field = 0;
	write_result = VMX_OK;
	insn_error = 0;
	log_level = LOG_INFO;
	console_reset();
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/*
 * SDM Vol. 3 Appendix B: bits 11:10 are 0 control, 1 VM-exit information
 * (read-only data), 2 guest state, 3 host state.
 */
static enum vmcs_type expected_type(const char *name)
{
	static const char *const exit_info[] = {
		"VM_INSTRUCTION_ERROR",
		"VM_EXIT_REASON",
		"VM_EXIT_INTR_INFO",
		"VM_EXIT_INTR_ERROR_CODE",
		"IDT_VECTORING_INFO_FIELD",
		"IDT_VECTORING_ERROR_CODE",
		"VM_EXIT_INSTRUCTION_LEN",
		"VMX_INSTRUCTION_INFO",
		"EXIT_QUALIFICATION",
		"GUEST_PHYSICAL_ADDRESS",
		"GUEST_LINEAR_ADDRESS",
		"IO_RCX",
		"IO_RSI",
		"IO_RDI",
		"IO_RIP",
	};
	/* Guest-state fields whose names do not start with GUEST_. */
	static const char *const guest_other[] = {
		"VMCS_LINK_POINTER",
		"VMX_PREEMPTION_TIMER_VALUE",
	};

	if (in_list(name, exit_info, ARRAY_SIZE(exit_info)))
		return VMCS_EXIT_INFO;
	if (starts_with(name, "GUEST_") || in_list(name, guest_other, ARRAY_SIZE(guest_other)))
		return VMCS_GUEST;
	if (starts_with(name, "HOST_"))
		return VMCS_HOST;
	return VMCS_CONTROL;
}

static void test_width_bits(void **state)
{
	(void)state;
	assert_true(vmcs_field_count > 100);
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_desc *f = &vmcs_field_table[i];

		if ((int)((f->enc >> 13) & 3) != (int)f->width)
			fail_msg("%s (0x%04x): width bits %u, declared %d", f->name, f->enc,
				 (f->enc >> 13) & 3, f->width);
		assert_int_equal(vmcs_field_width(f->enc), f->width);
	}
}

static void test_type_bits(void **state)
{
	(void)state;
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_desc *f = &vmcs_field_table[i];
		enum vmcs_type want = expected_type(f->name);

		if ((int)((f->enc >> 10) & 3) != (int)want)
			fail_msg("%s (0x%04x): type bits %u, expected %d", f->name, f->enc,
				 (f->enc >> 10) & 3, want);
		assert_int_equal(vmcs_field_type(f->enc), want);
	}
}

/* Bit 0 is the access type (0 = full), bit 12 and bits 31:15 are reserved. */
static void test_reserved_bits(void **state)
{
	(void)state;
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		u32 enc = vmcs_field_table[i].enc;

		if (enc & (1u | BIT(12) | ~0x7fffu))
			fail_msg("%s: encoding 0x%x sets bit 0, 12 or above 14",
				 vmcs_field_table[i].name, enc);
	}
}

/* Width from the name: selectors 16-bit, limits and access rights 32-bit,
 * segment and table bases natural-width (SDM B.1, B.3, B.4). */
static void test_width_by_name(void **state)
{
	unsigned checked = 0;

	(void)state;
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_desc *f = &vmcs_field_table[i];
		int want = -1;

		if (ends_with(f->name, "_SELECTOR"))
			want = W16;
		else if (ends_with(f->name, "_LIMIT") || ends_with(f->name, "_AR_BYTES"))
			want = W32;
		else if (ends_with(f->name, "_BASE") || starts_with(f->name, "GUEST_CR") ||
			 starts_with(f->name, "HOST_CR"))
			want = WNAT;
		if (want < 0)
			continue;
		checked++;
		if ((int)f->width != want)
			fail_msg("%s: width %d, expected %d", f->name, f->width, want);
	}
	assert_true(checked >= 40);
}

static void test_unique(void **state)
{
	(void)state;
	for (unsigned i = 0; i < vmcs_field_count; i++)
		for (unsigned j = i + 1; j < vmcs_field_count; j++) {
			if (vmcs_field_table[i].enc == vmcs_field_table[j].enc)
				fail_msg("%s and %s share 0x%04x", vmcs_field_table[i].name,
					 vmcs_field_table[j].name, vmcs_field_table[i].enc);
			assert_string_not_equal(vmcs_field_table[i].name, vmcs_field_table[j].name);
		}
}

/* Encodings from SDM Vol. 3 Appendix B, written down independently. */
static const struct {
	const char *name;
	u32 enc;
} sdm[] = {
	{ "VIRTUAL_PROCESSOR_ID", 0x0000 },
	{ "GUEST_ES_SELECTOR", 0x0800 },
	{ "GUEST_CS_SELECTOR", 0x0802 },
	{ "GUEST_TR_SELECTOR", 0x080e },
	{ "HOST_CS_SELECTOR", 0x0c02 },
	{ "HOST_TR_SELECTOR", 0x0c0c },
	{ "IO_BITMAP_A", 0x2000 },
	{ "IO_BITMAP_B", 0x2002 },
	{ "MSR_BITMAP", 0x2004 },
	{ "TSC_OFFSET", 0x2010 },
	{ "EPT_POINTER", 0x201a },
	{ "XSS_EXIT_BITMAP", 0x202c },
	{ "TERTIARY_VM_EXEC_CONTROL", 0x2034 },
	{ "GUEST_PHYSICAL_ADDRESS", 0x2400 },
	{ "VMCS_LINK_POINTER", 0x2800 },
	{ "GUEST_IA32_DEBUGCTL", 0x2802 },
	{ "GUEST_IA32_PAT", 0x2804 },
	{ "GUEST_IA32_EFER", 0x2806 },
	{ "GUEST_PDPTE0", 0x280a },
	{ "HOST_IA32_PAT", 0x2c00 },
	{ "HOST_IA32_EFER", 0x2c02 },
	{ "PIN_BASED_VM_EXEC_CONTROL", 0x4000 },
	{ "CPU_BASED_VM_EXEC_CONTROL", 0x4002 },
	{ "EXCEPTION_BITMAP", 0x4004 },
	{ "VM_EXIT_CONTROLS", 0x400c },
	{ "VM_ENTRY_CONTROLS", 0x4012 },
	{ "VM_ENTRY_INTR_INFO_FIELD", 0x4016 },
	{ "SECONDARY_VM_EXEC_CONTROL", 0x401e },
	{ "VM_INSTRUCTION_ERROR", 0x4400 },
	{ "VM_EXIT_REASON", 0x4402 },
	{ "VM_EXIT_INTR_INFO", 0x4404 },
	{ "VM_EXIT_INSTRUCTION_LEN", 0x440c },
	{ "VMX_INSTRUCTION_INFO", 0x440e },
	{ "GUEST_ES_LIMIT", 0x4800 },
	{ "GUEST_GDTR_LIMIT", 0x4810 },
	{ "GUEST_CS_AR_BYTES", 0x4816 },
	{ "GUEST_TR_AR_BYTES", 0x4822 },
	{ "GUEST_INTERRUPTIBILITY_INFO", 0x4824 },
	{ "GUEST_ACTIVITY_STATE", 0x4826 },
	{ "GUEST_SYSENTER_CS", 0x482a },
	{ "VMX_PREEMPTION_TIMER_VALUE", 0x482e },
	{ "HOST_IA32_SYSENTER_CS", 0x4c00 },
	{ "CR0_GUEST_HOST_MASK", 0x6000 },
	{ "CR4_READ_SHADOW", 0x6006 },
	{ "EXIT_QUALIFICATION", 0x6400 },
	{ "GUEST_LINEAR_ADDRESS", 0x640a },
	{ "GUEST_CR0", 0x6800 },
	{ "GUEST_CR3", 0x6802 },
	{ "GUEST_CR4", 0x6804 },
	{ "GUEST_GDTR_BASE", 0x6816 },
	{ "GUEST_DR7", 0x681a },
	{ "GUEST_RSP", 0x681c },
	{ "GUEST_RIP", 0x681e },
	{ "GUEST_RFLAGS", 0x6820 },
	{ "HOST_CR0", 0x6c00 },
	{ "HOST_CR3", 0x6c02 },
	{ "HOST_FS_BASE", 0x6c06 },
	{ "HOST_TR_BASE", 0x6c0a },
	{ "HOST_RSP", 0x6c14 },
	{ "HOST_RIP", 0x6c16 },
};

static void test_sdm_encodings(void **state)
{
	(void)state;
	/* The enum constants themselves. */
	assert_int_equal(GUEST_RIP, 0x681e);
	assert_int_equal(HOST_RSP, 0x6c14);
	assert_int_equal(EPT_POINTER, 0x201a);
	assert_int_equal(VM_EXIT_REASON, 0x4402);
	assert_int_equal(SECONDARY_VM_EXEC_CONTROL, 0x401e);
	assert_int_equal(VMCS_LINK_POINTER, 0x2800);
	assert_int_equal(TERTIARY_VM_EXEC_CONTROL, 0x2034);

	for (unsigned i = 0; i < ARRAY_SIZE(sdm); i++) {
		unsigned j;

		for (j = 0; j < vmcs_field_count; j++)
			if (!strcmp(vmcs_field_table[j].name, sdm[i].name))
				break;
		if (j == vmcs_field_count)
			fail_msg("%s missing from the table", sdm[i].name);
		if (vmcs_field_table[j].enc != sdm[i].enc)
			fail_msg("%s: 0x%04x, SDM says 0x%04x", sdm[i].name,
				 vmcs_field_table[j].enc, sdm[i].enc);
		assert_string_equal(vmcs_field_name(sdm[i].enc), sdm[i].name);
	}
}

static void test_field_name_unknown(void **state)
{
	/* 0x0001: high access of a 16-bit field; 0x6c18: beyond our host
	 * fields; 0x7fff: nonsense. */
	static const u32 unknown[] = { 0x0001, 0x2001, 0x6c18, 0x7fff, 0xffffffff };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++) {
		const char *n = vmcs_field_name(unknown[i]);

		assert_non_null(n);
		assert_non_null(strstr(n, "unknown"));
	}
	assert_string_equal(vmcs_field_name(0x0000), "VIRTUAL_PROCESSOR_ID");
}

static void test_value_fits(void **state)
{
	(void)state;
	assert_true(vmcs_value_fits(GUEST_CS_SELECTOR, 0));
	assert_true(vmcs_value_fits(GUEST_CS_SELECTOR, 0xffff));
	assert_false(vmcs_value_fits(GUEST_CS_SELECTOR, 0x10000));
	assert_false(vmcs_value_fits(VIRTUAL_PROCESSOR_ID, UINT64_MAX));
	assert_true(vmcs_value_fits(EXCEPTION_BITMAP, 0xffffffffULL));
	assert_false(vmcs_value_fits(EXCEPTION_BITMAP, 0x100000000ULL));
	assert_false(vmcs_value_fits(GUEST_ES_LIMIT, UINT64_MAX));
	assert_true(vmcs_value_fits(EPT_POINTER, UINT64_MAX));
	assert_true(vmcs_value_fits(GUEST_RIP, UINT64_MAX));
	assert_true(vmcs_value_fits(HOST_RSP, 0xffff800000000000ULL));
}

static void test_write_ok(void **state)
{
	(void)state;
	assert_true(vmcs_write16(GUEST_CS_SELECTOR, 0xffff));
	assert_true(vmcs_write32(VM_ENTRY_CONTROLS, 0x91fb));
	assert_true(vmcs_write64(EPT_POINTER, 0x0000000123456000ULL | 0x5e));
	assert_true(vmcs_writenat(GUEST_RIP, 0xffffffff81000000ULL));
	assert_int_equal(nr_writes, 4);
	assert_int_equal(writes[0].field, 0x0802);
	assert_int_equal(writes[0].value, 0xffff);
	assert_int_equal(writes[1].field, 0x4012);
	assert_int_equal(writes[1].value, 0x91fb);
	assert_int_equal(writes[2].field, 0x201a);
	assert_int_equal(writes[2].value, 0x000000012345605eULL);
	assert_int_equal(writes[3].field, 0x681e);
	assert_int_equal(writes[3].value, 0xffffffff81000000ULL);
	assert_int_equal(nr_reads, 0);
	assert_string_equal(console_buf, "");
}

static void test_write_wrong_width(void **state)
{
	(void)state;
	assert_false(vmcs_write16(GUEST_ES_LIMIT, 5));
	assert_int_equal(nr_writes, 0);
	assert_non_null(strstr(console_buf, "GUEST_ES_LIMIT"));
	assert_non_null(strstr(console_buf, __func__));

	/* 64-bit and natural-width are different widths too. */
	console_reset();
	assert_false(vmcs_write64(GUEST_RIP, 0x1000));
	assert_non_null(strstr(console_buf, "GUEST_RIP"));
	console_reset();
	assert_false(vmcs_writenat(EPT_POINTER, 0x1000));
	assert_non_null(strstr(console_buf, "EPT_POINTER"));
	console_reset();
	assert_false(vmcs_write32(HOST_TR_SELECTOR, 0x10));
	assert_non_null(strstr(console_buf, "HOST_TR_SELECTOR"));
	assert_non_null(strstr(console_buf, __func__));
	assert_int_equal(nr_writes, 0);
}

static void test_write_oversized(void **state)
{
	(void)state;
	assert_false(vmcs_write16(GUEST_CS_SELECTOR, 0x10000));
	assert_int_equal(nr_writes, 0);
	assert_non_null(strstr(console_buf, "GUEST_CS_SELECTOR"));
	assert_non_null(strstr(console_buf, "10000"));
	assert_non_null(strstr(console_buf, __func__));

	console_reset();
	assert_false(vmcs_write32(EXCEPTION_BITMAP, 0x100000000ULL));
	assert_int_equal(nr_writes, 0);
	assert_non_null(strstr(console_buf, "EXCEPTION_BITMAP"));
}

static void test_fail_invalid(void **state)
{
	(void)state;
	write_result = VMX_FAIL_INVALID;
	assert_false(vmcs_writenat(GUEST_RIP, 0x7c00));
	assert_int_equal(nr_writes, 1);
	/* No current VMCS: VM_INSTRUCTION_ERROR is not there to read. */
	assert_int_equal(nr_reads, 0);
	assert_non_null(strstr(console_buf, "GUEST_RIP"));
	assert_non_null(strstr(console_buf, "VMfailInvalid"));
	assert_non_null(strstr(console_buf, __func__));
}

static void test_fail_valid(void **state)
{
	(void)state;
	write_result = VMX_FAIL_VALID;
	insn_error = 12;
	assert_false(vmcs_writenat(GUEST_RIP, 0x7c00));
	assert_int_equal(nr_writes, 1);
	assert_int_equal(nr_reads, 1);
	assert_int_equal(read_field, 0x4400); /* VM_INSTRUCTION_ERROR */
	assert_non_null(strstr(console_buf, "GUEST_RIP"));
	assert_non_null(strstr(console_buf, "VMfailValid"));
	assert_non_null(strstr(console_buf, "12"));
	assert_non_null(strstr(console_buf, "VMREAD/VMWRITE from/to unsupported VMCS component"));
	assert_non_null(strstr(console_buf, __func__));

	console_reset();
	insn_error = 13;
	assert_false(vmcs_write32(VM_EXIT_REASON, 0));
	assert_non_null(strstr(console_buf, "VM_EXIT_REASON"));
	assert_non_null(strstr(console_buf, "13"));
	assert_non_null(strstr(console_buf, "VMWRITE to read-only VMCS component"));

	console_reset();
	insn_error = 99;
	assert_false(vmcs_write16(VIRTUAL_PROCESSOR_ID, 1));
	assert_non_null(strstr(console_buf, "VIRTUAL_PROCESSOR_ID"));
	assert_non_null(strstr(console_buf, "99"));
	assert_non_null(strstr(console_buf, "unknown"));
}

/* The log is at error level: it shows even with loglevel=err. */
static void test_fail_logged_at_err(void **state)
{
	(void)state;
	log_level = LOG_ERR;
	write_result = VMX_FAIL_VALID;
	insn_error = 12;
	assert_false(vmcs_write64(EPT_POINTER, 0));
	assert_non_null(strstr(console_buf, "EPT_POINTER"));
}

static void test_insn_error_names(void **state)
{
	/* SDM Vol. 3 "VM-Instruction Error Numbers". */
	static const struct {
		u32 n;
		const char *text;
	} known[] = {
		{ 1, "VMCALL executed in VMX root operation" },
		{ 2, "VMCLEAR with invalid physical address" },
		{ 3, "VMCLEAR with VMXON pointer" },
		{ 4, "VMLAUNCH with non-clear VMCS" },
		{ 5, "VMRESUME with non-launched VMCS" },
		{ 6, "VMRESUME after VMXOFF" },
		{ 7, "VM entry with invalid control field(s)" },
		{ 8, "VM entry with invalid host-state field(s)" },
		{ 9, "VMPTRLD with invalid physical address" },
		{ 10, "VMPTRLD with VMXON pointer" },
		{ 11, "VMPTRLD with incorrect VMCS revision identifier" },
		{ 12, "VMREAD/VMWRITE from/to unsupported VMCS component" },
		{ 13, "VMWRITE to read-only VMCS component" },
		{ 15, "VMXON executed in VMX root operation" },
		{ 26, "VM entry with events blocked by MOV SS" },
		{ 28, "Invalid operand to INVEPT/INVVPID" },
	};
	/* Numbers the SDM leaves unassigned, and far out of range. */
	static const u32 unknown[] = { 0, 14, 21, 27, 29, 64, 0xffffffff };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(known); i++) {
		const char *s = vmx_insn_error_name(known[i].n);

		assert_non_null(s);
		if (!starts_with(s, known[i].text))
			fail_msg("error %u: \"%s\"", known[i].n, s);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++) {
		const char *s = vmx_insn_error_name(unknown[i]);

		assert_non_null(s);
		assert_non_null(strstr(s, "unknown"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width_bits),
		cmocka_unit_test(test_type_bits),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_width_by_name),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_sdm_encodings),
		cmocka_unit_test(test_field_name_unknown),
		cmocka_unit_test(test_value_fits),
		cmocka_unit_test_setup(test_write_ok, setup),
		cmocka_unit_test_setup(test_write_wrong_width, setup),
		cmocka_unit_test_setup(test_write_oversized, setup),
		cmocka_unit_test_setup(test_fail_invalid, setup),
		cmocka_unit_test_setup(test_fail_valid, setup),
		cmocka_unit_test_setup(test_fail_logged_at_err, setup),
		cmocka_unit_test(test_insn_error_names),
	};

	return cmocka_run_group_tests_name("vmcs", tests, NULL, NULL);
}
