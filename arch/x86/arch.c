/* The small arch/x86 functions core/ calls (arch/x86/arch.h). */
#include "arch/x86/arch.h"
#include "arch/x86/trap.h"
#include "arch/x86/apic.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/uart16550.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/uart.h"
#include "arch/x86/vmx.h"
#include "core/config.h"

extern u64 boot_tsc;
extern u8 _image_start[], _image_end[];
extern u8 _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern u8 _data_start[], _data_sec_end[], _bss_start[], _bss_end[];

static u8 bsp_ist[IST_SIZE] __attribute__((aligned(16)));

struct uart_console uart_console;

void arch_early_init(void)
{
	bsp_cpu.index = 0;
	bsp_cpu.apic_id = lapic_id();
	bsp_cpu.ist_top = (u64)(bsp_ist + sizeof(bsp_ist));
	percpu_load(&bsp_cpu);
	lapic_init();
	bsp_cpu.apic_id = lapic_id();
	bsp_cpu.state = CPU_STARTED;
}

bool arch_console_init(u16 port, u32 baud, u8 irq)
{
	if (!uart_init(port, baud))
		return false;
	uart_console.port = port;
	uart_console.irq = irq;
	uart_console.tx_room = uart_tx_room(port);
	__atomic_store_n(&uart_console.present, true, __ATOMIC_RELEASE);
	return true;
}

void arch_console_write(const char *s, size_t len)
{
	if (__atomic_load_n(&uart_console.present, __ATOMIC_ACQUIRE))
		uart_write(uart_console.port, s, len);
}

/* No UART: the bytes go nowhere, as arch_console_write's do, and count as written. */
size_t arch_console_try_write(const char *s, size_t len)
{
	if (!__atomic_load_n(&uart_console.present, __ATOMIC_ACQUIRE))
		return len;
	return uart_try_write(uart_console.port, uart_console.tx_room, s, len);
}

int arch_console_poll(void)
{
	return uart_console.present ? uart_poll(uart_console.port) : -1;
}

u64 arch_tsc(void)
{
	return rdtsc();
}

u64 arch_boot_tsc(void)
{
	return boot_tsc;
}

u64 arch_tsc_calibrate(void)
{
	return tsc_calibrate();
}

u64 arch_tsc_refine(void)
{
	return tsc_refine();
}

u64 arch_tsc_khz(void)
{
	return tsc_khz();
}

void arch_halt_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

void arch_cpu_relax(void)
{
	cpu_relax();
}

void arch_mem_zero(void *dst, size_t len)
{
	size_t quads = len / 8, rest = len % 8;

	__asm__ volatile("cld; rep stosq" : "+D"(dst), "+c"(quads) : "a"(0ULL) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(rest) : "a"(0ULL) : "memory");
}

u64 arch_image_start(void)
{
	return (u64)_image_start;
}

u64 arch_image_end(void)
{
	return (u64)_image_end;
}

struct arch_image_sections arch_image_sections(void)
{
	return (struct arch_image_sections){
	    .text = (u64)_text_end - (u64)_text_start,
	    .rodata = (u64)_rodata_end - (u64)_rodata_start,
	    .data = (u64)_data_sec_end - (u64)_data_start,
	    .bss = (u64)_bss_end - (u64)_bss_start,
	};
}

u32 arch_this_cpu(void)
{
	return this_cpu()->index;
}

bool arch_cpu_online(u32 index)
{
	struct x86_cpu *cpu = cpu_by_index(index);

	return cpu && cpu->state != CPU_OFFLINE;
}

void arch_hwcheck_this_cpu(void)
{
	struct x86_cpu *cpu = this_cpu();

	caps_read(&cpu->caps);
	__atomic_store_n(&cpu->caps_ready, 1, __ATOMIC_RELEASE);
}

/* Waits (bounded) for every started CPU's capabilities, then reports them together. */
bool arch_hwcheck_report(char *why, size_t why_size)
{
	static struct hw_caps caps[MAX_CPUS];
	static u32 apic_ids[MAX_CPUS];
	u32 n = 0;

	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct x86_cpu *cpu = cpu_by_index(i);
		u64 start = rdtsc();

		if (!cpu || cpu->state == CPU_OFFLINE)
			continue;
		while (!__atomic_load_n(&cpu->caps_ready, __ATOMIC_ACQUIRE) &&
		       !tsc_elapsed_us(start, 100000))
			cpu_relax();
		if (!cpu->caps_ready)
			continue;
		caps[n] = cpu->caps;
		apic_ids[n++] = cpu->apic_id;
	}
	return hwcheck_report(caps, apic_ids, n, why, why_size);
}

void arch_selftest_fault(const char *kind)
{
	trap_selftest(kind);
}

int arch_vmx_on(void)
{
	return vmx_cpu_on();
}

void arch_send_vector(u32 apic_id, u8 vector)
{
	lapic_send_ipi(apic_id, ICR_ASSERT | ICR_FIXED | vector);
}

void arch_cpu_nmi(u32 index)
{
	struct x86_cpu *cpu = cpu_by_index(index);

	if (cpu)
		lapic_send_ipi(cpu->apic_id, ICR_ASSERT | ICR_NMI);
}
