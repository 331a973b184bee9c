/*
 * utraps: a Linux user process that takes the two exceptions Bulkhead intercepts and hands
 * back (#AC and #DB: their delivery loops would otherwise hold a CPU beyond the reach of
 * Bulkhead's NMIs), for the Linux test image (/bin/utraps). On CPU 0 of the partition it
 * makes each 50 times and prints two lines:
 *
 *   utraps: alignment check: SIGBUS 50 of 50       a misaligned load with RFLAGS.AC set
 *   utraps: single step: SIGTRAP after cpuid 50 of 50
 *                                   TF set over CPUID, which Bulkhead emulates: the trap
 *                                   must come right after it, as on bare metal
 *
 * with the count of rounds that went so, and for the last round that did not, what it saw
 * ("no SIGBUS", "no SIGTRAP", "SIGTRAP at cpuid+<k>") on a line of its own.
 * Freestanding (no libc): built with -static -nostdlib, entry _start.
 */
#define NULL	      ((void *)0)
#define ROUNDS	      50
#define SIGBUS	      7
#define SIGTRAP	      5
#define SA_SIGINFO    0x4u
#define SA_RESTORER   0x04000000u
#define RFLAGS_TF     (1ul << 8)
#define RFLAGS_AC     (1ul << 18)
#define UC_RIP_OFFSET 168 /* struct ucontext: 40 bytes, then gregs[]; REG_RIP is 16 */
#define UC_EFL_OFFSET 176 /* REG_EFL is 17 */

static long sys4(long nr, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	sys4(1, 1, (long)s, n, 0); /* write(1, s, n) */
}

static char *put_num(char *p, unsigned long v)
{
	char digits[24];
	int n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = digits[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* "<what> <good> of <ROUNDS>\n", or "<what> <outcome>\n" (outcome: not NULL). */
static void say_count(const char *what, const char *outcome, unsigned long good)
{
	char line[96], *p = put_str(line, what);

	*p++ = ' ';
	if (outcome) {
		p = put_str(p, outcome);
	} else {
		p = put_num(p, good);
		p = put_str(p, " of ");
		p = put_num(p, ROUNDS);
	}
	*p++ = '\n';
	*p = '\0';
	say(line);
}

static volatile int last_signal;
static volatile unsigned long trap_rip;

void utraps_restore(void);
__asm__(".text\n"
	"utraps_restore:\n\t"
	"movq $15, %rax\n\t" /* rt_sigreturn */
	"syscall\n");

/* Record the signal and where it came from; clear TF and AC in the interrupted context, so
 * that the program goes on normally (the misaligned load is made again, without AC). */
static void on_signal(int sig, void *info, void *uc)
{
	unsigned long *rip = (unsigned long *)((char *)uc + UC_RIP_OFFSET);
	unsigned long *efl = (unsigned long *)((char *)uc + UC_EFL_OFFSET);

	(void)info;
	last_signal = sig;
	trap_rip = *rip;
	*efl &= ~(RFLAGS_TF | RFLAGS_AC);
}

static void catch_signal(int sig)
{
	struct {
		void (*handler)(int, void *, void *);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} act = {on_signal, SA_SIGINFO | SA_RESTORER, utraps_restore, 0};

	sys4(13, sig, (long)&act, 0, 8); /* rt_sigaction(sig, &act, NULL, sizeof(mask)) */
}

/* A 4-byte load from an odd address with RFLAGS.AC set, at CPL 3 with CR0.AM (Linux sets
 * it): #AC (SDM Vol. 3A §6.15, interrupt 17), which Linux turns into SIGBUS. */
static const char *alignment_check(void)
{
	static volatile unsigned char buf[8];
	unsigned int v;

	last_signal = 0;
	__asm__ volatile("pushfq\n\t"
			 "orq %[ac], (%%rsp)\n\t"
			 "popfq\n\t"
			 "movl (%[p]), %[v]\n\t"
			 "pushfq\n\t"
			 "andq %[noac], (%%rsp)\n\t"
			 "popfq"
			 : [v] "=r"(v)
			 : [p] "r"(buf + 1), [ac] "i"(RFLAGS_AC), [noac] "i"(~RFLAGS_AC)
			 : "cc", "memory");
	(void)v;
	return last_signal == SIGBUS ? NULL : "no SIGBUS";
}

/* POPF sets TF: the single-step trap comes after the instruction that follows it, CPUID,
 * which exits to Bulkhead and is emulated there. */
static const char *single_step(void)
{
	static char what[40];
	unsigned long after;
	unsigned int a = 0, b, c = 0, d;

	last_signal = 0;
	trap_rip = 0;
	__asm__ volatile("leaq 1f(%%rip), %[after]\n\t"
			 "pushfq\n\t"
			 "orq %[tf], (%%rsp)\n\t"
			 "popfq\n\t"
			 "cpuid\n"
			 "1:\tnop\n\t"
			 "nop"
			 : [after] "=&r"(after), "+a"(a), "=b"(b), "+c"(c), "=d"(d)
			 : [tf] "i"(RFLAGS_TF)
			 : "cc", "memory");
	if (last_signal != SIGTRAP)
		return "no SIGTRAP";
	if (trap_rip == after)
		return NULL;
	*put_num(put_str(what, "SIGTRAP at cpuid+"), trap_rip - after) = '\0';
	return what;
}

/* ROUNDS of `one` (NULL: it went as it should), the count, and the last miss. */
static void run(const char *what, const char *(*one)(void))
{
	const char *miss = NULL;
	unsigned long good = 0;

	for (int i = 0; i < ROUNDS; i++) {
		const char *outcome = one();

		if (outcome)
			miss = outcome;
		else
			good++;
	}
	say_count(what, NULL, good);
	if (miss)
		say_count("utraps: last miss:", miss, 0);
}

static __attribute__((used)) void start_c(void)
{
	unsigned long cpu0 = 1;

	sys4(203, 0, sizeof(cpu0), (long)&cpu0, 0); /* sched_setaffinity(0, 8, {cpu 0}) */
	catch_signal(SIGBUS);
	catch_signal(SIGTRAP);
	run("utraps: alignment check: SIGBUS", alignment_check);
	run("utraps: single step: SIGTRAP after cpuid", single_step);
	sys4(60, 0, 0, 0, 0); /* exit(0) */
}

__asm__(".globl _start\n"
	"_start:\n\t"
	"andq $-16, %rsp\n\t"
	"call start_c\n\t"
	"hlt\n");
