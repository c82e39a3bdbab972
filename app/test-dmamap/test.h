/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef TEST_DMAMAP_H
#define TEST_DMAMAP_H

/*
 * Test framework of dpdk-test-dmamap, after dpdk-test's: commands
 * registered by name, suites of cases with setup and teardown, assertion
 * macros that print what differed. A command returns TEST_SUCCESS,
 * TEST_FAILED or TEST_SKIPPED (77, meson's skip code).
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include <rte_common.h>

#define TEST_SUCCESS 0
#define TEST_FAILED (-1)
#define TEST_SKIPPED 77

#define TEST_ASSERT(cond, msg, ...) do { \
	if (!(cond)) { \
		printf("TestCase %s() line %d failed: " msg "\n", \
			__func__, __LINE__, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(a, b, msg, ...) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ != b_) { \
		printf("TestCase %s() line %d failed: %s == %s: 0x%" PRIx64 \
			" != 0x%" PRIx64 ": " msg "\n", __func__, __LINE__, \
			#a, #b, a_, b_, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NOT_EQUAL(a, b, msg, ...) do { \
	uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); \
	if (a_ == b_) { \
		printf("TestCase %s() line %d failed: %s != %s: both 0x%" \
			PRIx64 ": " msg "\n", __func__, __LINE__, #a, #b, a_, \
			##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_SUCCESS(val, msg, ...) do { \
	long v_ = (long)(val); \
	if (v_ != 0) { \
		printf("TestCase %s() line %d failed: %s returned %ld: " msg \
			"\n", __func__, __LINE__, #val, v_, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_FAIL(val, msg, ...) do { \
	if ((val) == 0) { \
		printf("TestCase %s() line %d failed: %s succeeded: " msg \
			"\n", __func__, __LINE__, #val, ##__VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NULL(val, msg, ...) \
	TEST_ASSERT((val) == NULL, msg, ##__VA_ARGS__)
#define TEST_ASSERT_NOT_NULL(val, msg, ...) \
	TEST_ASSERT((val) != NULL, msg, ##__VA_ARGS__)

#define TEST_SKIP(msg, ...) do { \
	printf("Skipped %s(): " msg "\n", __func__, ##__VA_ARGS__); \
	return TEST_SKIPPED; \
} while (0)

struct unit_test_case {
	int (*setup)(void);
	void (*teardown)(void);
	int (*testcase)(void);
	const char *name;
};

#define TEST_CASE(fn) { NULL, NULL, fn, #fn }
#define TEST_CASE_ST(setup, teardown, fn) { setup, teardown, fn, #fn }
#define TEST_CASES_END() { NULL, NULL, NULL, NULL }

struct unit_test_suite {
	const char *suite_name;
	int (*setup)(void);
	void (*teardown)(void);
	struct unit_test_case unit_test_cases[];
};

/* Run every case; a case that skips counts as skipped. Returns
 * TEST_SUCCESS, TEST_FAILED, or TEST_SKIPPED when the suite setup skipped
 * or every case skipped.
 */
int unit_test_suite_runner(struct unit_test_suite *suite);

struct test_command {
	TAILQ_ENTRY(test_command) next;
	const char *command;
	int (*callback)(void);
};

void add_test_command(struct test_command *t);

#define REGISTER_TEST_COMMAND(cmd, func) \
	static struct test_command test_struct_##cmd = { \
		.command = RTE_STR(cmd), \
		.callback = (func), \
	}; \
	RTE_INIT(test_register_##cmd) \
	{ \
		add_test_command(&test_struct_##cmd); \
	}

/*
 * Helpers.
 */

/* Run test command `test` in a secondary process of this one (same EAL
 * file prefix); returns its exit status (0, 77 or failure).
 */
int test_run_secondary(const char *test);

/* Record a performance figure: printed at once, appended as one JSON line
 * to the file named by DMAMAP_PERF_JSON, and listed in the table printed
 * when the program exits.
 */
void perf_report(const char *test, const char *metric, double value,
		const char *unit);

/* A device of no bus, to attach DMA contexts to in tests. The name is
 * copied; up to 16 such devices exist at once.
 */
struct rte_device *test_device(const char *name);

/* Attach a device with the shortest mask, from 32 bits up, under which a
 * bounce pool of bounce_size bytes can be placed here (in IOVA-PA mode that
 * needs hugepages with low physical addresses). Returns the dmamap id or a
 * negative errno; *bits gets the mask width.
 */
int test_attach_short_mask(const char *name, size_t bounce_size,
		unsigned int *bits);

/* Median of n values; sorts v. */
double test_median(double *v, unsigned int n);

/* Memzones that exist now, to check that nothing leaked. */
unsigned int test_memzone_count(void);

/* Monotonic nanoseconds. */
uint64_t test_now_ns(void);

#endif /* TEST_DMAMAP_H */
