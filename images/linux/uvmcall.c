/*
 * uvmcall: a Linux user process that makes a Bulkhead hypercall, for the Linux test image
 * (/bin/uvmcall). Hypercalls are the partition kernel's: from CPL 3 the VMCALL must raise #UD,
 * which Linux turns into SIGILL, so the process dies (exit status 132 in the shell) and
 * nothing of the hypercall happens.
 *
 *   uvmcall print   asks Bulkhead to print "FORGED BY A USER PROCESS"
 *   uvmcall exit    asks Bulkhead to stop the partition (HYPERCALL_EXIT, code 7)
 *
 * If the VMCALL returns, it writes "uvmcall: returned <rax in hex>" and exits 0.
 * Freestanding (no libc): built with -static -nostdlib, entry _start.
 */
#include "bulkhead/payload_abi.h"

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	sys3(1, 1, (long)s, n); /* write(1, s, n) */
}

static unsigned long vmcall(unsigned long nr, unsigned long a1, unsigned long a2)
{
	unsigned long ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static int word_is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static __attribute__((used)) void start_c(long *sp)
{
	static const char text[] = "FORGED BY A USER PROCESS";
	static char line[40] = "uvmcall: returned 0x";
	const char *arg = sp[0] > 1 ? (const char *)sp[2] : "";
	unsigned long r;
	int i;

	if (word_is(arg, "exit"))
		r = vmcall(HYPERCALL_EXIT, 7, 0);
	else
		r = vmcall(HYPERCALL_PRINT, (unsigned long)text, sizeof(text) - 1);
	for (i = 0; i < 16; i++)
		line[20 + i] = "0123456789abcdef"[(r >> (60 - 4 * i)) & 0xf];
	line[36] = '\n';
	say(line);
	sys3(60, 0, 0, 0); /* exit(0) */
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	hlt\n");
