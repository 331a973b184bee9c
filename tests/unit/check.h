/*
 * Minimal host unit-test harness. Each TEST is a function; RUN(t) runs it and
 * prints "PASS <file>:<test>" or "FAIL <file>:<test>" (tests/run.sh counts these).
 * CHECK() failures print the expression and location and mark the test failed.
 */
#ifndef BULKHEAD_TESTS_CHECK_H
#define BULKHEAD_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

extern int check_failed_in_test;
extern int check_total_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);         \
			check_failed_in_test = 1;                                                  \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);     \
		if (a_ != b_) {                                                                    \
			printf("  check failed: %s == %s (0x%llx != 0x%llx) (%s:%d)\n", #a, #b,    \
			       a_, b_, __FILE__, __LINE__);                                        \
			check_failed_in_test = 1;                                                  \
		}                                                                                  \
	} while (0)

/* The console output captured since the last capture_reset() contains `s`. */
#define CHECK_LOG(s)                                                                               \
	do {                                                                                       \
		if (!capture_has(s)) {                                                             \
			printf("  check failed: log has \"%s\" (%s:%d)\n  log was: %s\n", s,       \
			       __FILE__, __LINE__, capture_text());                                \
			check_failed_in_test = 1;                                                  \
		}                                                                                  \
	} while (0)

#define RUN(test)                                                                                  \
	do {                                                                                       \
		check_failed_in_test = 0;                                                          \
		capture_reset();                                                                   \
		test();                                                                            \
		printf("%s %s:%s\n", check_failed_in_test ? "FAIL" : "PASS", TEST_FILE, #test);    \
		check_total_failed += check_failed_in_test;                                        \
	} while (0)

#define CHECK_MAIN_END() return check_total_failed ? 1 : 0

void capture_reset(void);
int capture_has(const char *s);
const char *capture_text(void);
/* Lines captured, not counting "trace: " lines (a CONFIG_TRACE_ERROR build adds one per
 * ERR()), so a test can assert "exactly one message" in both builds. */
int capture_lines(void);

#endif
