/* Build-time limits. Static sizes: Bulkhead allocates nothing after boot. */
#ifndef BULKHEAD_CORE_CONFIG_H
#define BULKHEAD_CORE_CONFIG_H

#define BULKHEAD_VERSION "0.1.0"

#define MAX_CPUS	64 /* CPUs brought online (MADT entries beyond are reported, skipped) */
#define MAX_IOAPICS	8
#define MAX_MMAP	128 /* Multiboot2 memory map entries kept */
#define MAX_MODULES	16  /* GRUB module2 entries kept */
#define MAX_CMDLINE	512 /* bytes of a command line kept, NUL included */
#define MAX_ACPI_TABLES 32
#define MAX_PMEM_RANGES 128

#endif
