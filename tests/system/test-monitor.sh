# The serial monitor while VMs run: inspect them, kill one that would
# never end, and see the others finish.

systest_monitor_live_vms_and_kill() {
	# Typed once the VMs run: the spinner has no timeout, so only the kill ends it.
	# uart-rx takes the line the monitor's `send` types into its serial port, by interrupts.
	boot_bochs_typing "sleep 6; printf 'vms\r'; sleep 1; printf 'vm spinner\r'; sleep 1; printf 'kill nosuch\r'; sleep 1; printf 'send uart-rx hello_klvisor\r'; sleep 1; printf 'kill spinner\r'" "" \
		"$BUILD/guests/preempt.elf=spinner pin=1 mem=4M -- spin" \
		"$BUILD/guests/cpuid.elf=cpuid pin=0 mem=4M timeout=120" \
		"$BUILD/guests/uart.elf=uart-rx pin=0 mem=4M timeout=120 -- rx=hello_klvisor"
	expect "vm 'spinner': running, 1 vCPU(s), 4 MiB, Key Locker off"
	expect_re "^vm 'spinner' vcpu0: on cpu1, (runnable|halted), [0-9]+ exits"
	expect_re "^  preemption timer +[0-9]+"
	expect "vm 'spinner': stopped: killed from the console"
	expect "no VM named 'nosuch' (try vms)"
	expect "vm 'cpuid': passed"
	expect "[uart-rx] PASS: uart-rx-from-console"
	expect "vm 'uart-rx': passed"
	expect_re "^klvisor: 3 guests, 2 passed, 1 failed"
	expect "klvisor: powering off"
}
