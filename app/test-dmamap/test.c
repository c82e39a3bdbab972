/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * dpdk-test-dmamap: run one test with DPDK_TEST=<name>, or pick tests at an
 * RTE>> prompt, as dpdk-test does.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dev_driver.h>
#include <rte_dmamap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"

static TAILQ_HEAD(, test_command) commands = TAILQ_HEAD_INITIALIZER(commands);

static int saved_argc;
static char **saved_argv;

struct perf_figure {
	char test[64];
	char metric[64];
	double value;
	char unit[16];
};

#define PERF_FIGURES_MAX 256
static struct perf_figure perf_figures[PERF_FIGURES_MAX];
static unsigned int perf_nb_figures;

void
add_test_command(struct test_command *t)
{
	TAILQ_INSERT_TAIL(&commands, t, next);
}

static struct test_command *
find_command(const char *name)
{
	struct test_command *t;

	TAILQ_FOREACH(t, &commands, next)
		if (strcmp(t->command, name) == 0)
			return t;
	return NULL;
}

int
test_attach_short_mask(const char *name, size_t bounce_size, unsigned int *bits)
{
	struct rte_dmamap_conf conf = {
		.bounce_size = bounce_size,
		.socket_id = SOCKET_ID_ANY,
	};
	int id = -ENOMEM;

	for (conf.mask_bits = 32; conf.mask_bits <= 40; conf.mask_bits++) {
		id = rte_dmamap_attach(test_device(name), &conf);
		if (id != -ENOMEM)
			break;
		printf("no bounce pool under a %u-bit mask on this machine\n",
			conf.mask_bits);
	}
	if (bits != NULL)
		*bits = conf.mask_bits;
	return id;
}

struct rte_device *
test_device(const char *name)
{
	static struct rte_device devices[16];
	static char names[16][64];
	static unsigned int next;
	unsigned int i = next++ % RTE_DIM(devices);

	snprintf(names[i], sizeof(names[i]), "%s", name);
	memset(&devices[i], 0, sizeof(devices[i]));
	devices[i].name = names[i];
	devices[i].numa_node = SOCKET_ID_ANY;
	return &devices[i];
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
test_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void
count_memzone(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

unsigned int
test_memzone_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_memzone, &n);
	return n;
}

uint64_t
test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int
run_case(const struct unit_test_case *tc)
{
	int ret;

	if (tc->setup != NULL) {
		ret = tc->setup();
		if (ret != TEST_SUCCESS)
			return ret == TEST_SKIPPED ? TEST_SKIPPED : TEST_FAILED;
	}
	ret = tc->testcase();
	if (tc->teardown != NULL)
		tc->teardown();
	return ret;
}

int
unit_test_suite_runner(struct unit_test_suite *suite)
{
	unsigned int passed = 0, failed = 0, skipped = 0, i;
	int ret;

	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite : %s\n", suite->suite_name);
	if (suite->setup != NULL) {
		ret = suite->setup();
		if (ret != TEST_SUCCESS) {
			printf(" + Suite setup %s\n",
				ret == TEST_SKIPPED ? "skipped" : "failed");
			return ret == TEST_SKIPPED ? TEST_SKIPPED : TEST_FAILED;
		}
	}
	for (i = 0; suite->unit_test_cases[i].testcase != NULL; i++) {
		const struct unit_test_case *tc = &suite->unit_test_cases[i];

		ret = run_case(tc);
		if (ret == TEST_SUCCESS)
			passed++;
		else if (ret == TEST_SKIPPED)
			skipped++;
		else
			failed++;
		printf(" + TestCase [%2u] : %s %s\n", i, tc->name,
			ret == TEST_SUCCESS ? "succeeded" :
			ret == TEST_SKIPPED ? "skipped" : "failed");
	}
	if (suite->teardown != NULL)
		suite->teardown();
	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite Summary : %s\n", suite->suite_name);
	printf(" + Tests Total : %2u\n", passed + failed + skipped);
	printf(" + Tests Skipped : %2u\n", skipped);
	printf(" + Tests Passed : %2u\n", passed);
	printf(" + Tests Failed : %2u\n", failed);
	printf(" + ------------------------------------------------------- +\n");
	if (failed > 0)
		return TEST_FAILED;
	return passed == 0 && skipped > 0 ? TEST_SKIPPED : TEST_SUCCESS;
}

void
perf_report(const char *test, const char *metric, double value, const char *unit)
{
	const char *path = getenv("DMAMAP_PERF_JSON");
	struct perf_figure *f;
	FILE *out;

	printf("  %-40s %14.3f %s\n", metric, value, unit);
	if (perf_nb_figures < PERF_FIGURES_MAX) {
		f = &perf_figures[perf_nb_figures++];
		snprintf(f->test, sizeof(f->test), "%s", test);
		snprintf(f->metric, sizeof(f->metric), "%s", metric);
		snprintf(f->unit, sizeof(f->unit), "%s", unit);
		f->value = value;
	}
	if (path == NULL || path[0] == '\0')
		return;
	out = fopen(path, "a");
	if (out == NULL) {
		printf("cannot append to DMAMAP_PERF_JSON=%s\n", path);
		return;
	}
	fprintf(out, "{\"test\": \"%s\", \"metric\": \"%s\", \"value\": %.6g, "
		"\"unit\": \"%s\"}\n", test, metric, value, unit);
	fclose(out);
}

static void
perf_print_table(void)
{
	unsigned int i;

	if (perf_nb_figures == 0)
		return;
	printf("\n%-32s %-34s %14s %s\n", "test", "metric", "value", "unit");
	for (i = 0; i < perf_nb_figures; i++)
		printf("%-32s %-34s %14.3f %s\n", perf_figures[i].test,
			perf_figures[i].metric, perf_figures[i].value,
			perf_figures[i].unit);
}

int
test_run_secondary(const char *test)
{
	char **argv;
	pid_t pid;
	int i, n = 0, status;

	argv = calloc(saved_argc + 2, sizeof(*argv));
	if (argv == NULL)
		return TEST_FAILED;
	argv[n++] = saved_argv[0];
	argv[n++] = (char *)(uintptr_t)"--proc-type=secondary";
	for (i = 1; i < saved_argc; i++)
		if (strncmp(saved_argv[i], "--proc-type", 11) != 0)
			argv[n++] = saved_argv[i];
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("DPDK_TEST", test, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	free(argv);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return TEST_FAILED;
	return WIFEXITED(status) ? WEXITSTATUS(status) : TEST_FAILED;
}

static int
run_command(const char *name)
{
	struct test_command *t = find_command(name);
	uint64_t start;
	int ret;

	if (t == NULL) {
		printf("unknown test: %s\n", name);
		return TEST_FAILED;
	}
	start = test_now_ns();
	ret = t->callback();
	printf("%s: %s (%.1f s)\n", name, ret == TEST_SUCCESS ? "Test OK" :
		ret == TEST_SKIPPED ? "Test Skipped" : "Test Failed",
		(test_now_ns() - start) / 1e9);
	return ret;
}

static int
prompt_loop(void)
{
	struct test_command *t;
	char line[256];
	int ret = 0;

	for (;;) {
		printf("RTE>>");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			break;
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strcmp(line, "quit") == 0)
			break;
		if (strcmp(line, "help") == 0 || strcmp(line, "list") == 0) {
			TAILQ_FOREACH(t, &commands, next)
				printf("  %s\n", t->command);
			continue;
		}
		ret = run_command(line);
	}
	printf("\n");
	return ret;
}

int
main(int argc, char **argv)
{
	const char *test = getenv("DPDK_TEST");
	int ret;

	/* rte_eal_init() reorders argv: keep the original for secondaries. */
	saved_argc = argc;
	saved_argv = calloc(argc + 1, sizeof(*saved_argv));
	if (saved_argv == NULL)
		return 1;
	memcpy(saved_argv, argv, argc * sizeof(*argv));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	if (test != NULL && test[0] != '\0')
		ret = run_command(test);
	else
		ret = prompt_loop();
	perf_print_table();
	rte_eal_cleanup();
	if (ret == TEST_SKIPPED)
		return TEST_SKIPPED;
	return ret == TEST_SUCCESS ? 0 : 1;
}
