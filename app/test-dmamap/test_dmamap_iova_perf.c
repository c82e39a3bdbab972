/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * IOVA allocator performance: alloc+free pairs in bursts of 32 on an
 * allocator holding thousands of live ranges, for cached sizes (4 KiB,
 * 64 KiB), for the same size with the magazines off (the locked range
 * allocator, the baseline) and for an uncached size (1 MiB); and how the
 * cached path scales from one lcore to two. Each figure is the median of
 * many short repetitions, so that a repetition another process interrupts
 * (the machine may be shared) does not move it.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include "dmamap_private.h"
#include "test.h"

#define TEST_NAME "dmamap_iova_perf"
#define KB(n) ((uint64_t)(n) << 10)
#define MB(n) ((uint64_t)(n) << 20)
#define GRANULE KB(4)
#define APT_START (UINT64_C(4) << 30)
#define APT_LAST (APT_START + (UINT64_C(64) << 30) - 1)
/* Ranges allocated before measuring; every other one stays live. */
#define POPULATION 8192
#define BURST 32
#define REPS 21
#define SCALE_MS 10

static struct dmamap_iovad *cached_ad;
static struct dmamap_iovad *uncached_ad;

struct population {
	rte_iova_t iova[POPULATION];
	uint64_t size[POPULATION];
};
static struct population pop_cached, pop_uncached;

static const uint64_t pop_sizes[] = {
	KB(4), KB(8), KB(16), KB(64), KB(128), KB(256), MB(1), MB(2),
};

static int
populate(struct dmamap_iovad *ad, struct population *p)
{
	unsigned int i;

	for (i = 0; i < POPULATION; i++) {
		p->size[i] = pop_sizes[rte_rand_max(RTE_DIM(pop_sizes))];
		p->iova[i] = dmamap_iova_alloc(ad, p->size[i], 0, UINT64_MAX);
		TEST_ASSERT_NOT_EQUAL(p->iova[i], RTE_BAD_IOVA, "population %u", i);
	}
	/* Free every other range so the ranges are fragmented. */
	for (i = 0; i < POPULATION; i += 2)
		dmamap_iova_free(ad, p->iova[i], p->size[i]);
	dmamap_iovad_purge_caches(ad);
	return TEST_SUCCESS;
}

static void
depopulate(struct dmamap_iovad *ad, struct population *p)
{
	unsigned int i;

	for (i = 1; i < POPULATION; i += 2)
		dmamap_iova_free(ad, p->iova[i], p->size[i]);
}

static int
perf_setup(void)
{
	cached_ad = dmamap_iovad_create("perf_iova_c", APT_START, APT_LAST,
		GRANULE, true);
	uncached_ad = dmamap_iovad_create("perf_iova_u", APT_START, APT_LAST,
		GRANULE, false);
	TEST_ASSERT(cached_ad != NULL && uncached_ad != NULL,
		"cannot create allocators");
	TEST_ASSERT_SUCCESS(populate(cached_ad, &pop_cached), "cached");
	return populate(uncached_ad, &pop_uncached);
}

static void
perf_teardown(void)
{
	depopulate(cached_ad, &pop_cached);
	depopulate(uncached_ad, &pop_uncached);
	dmamap_iovad_destroy(cached_ad);
	dmamap_iovad_destroy(uncached_ad);
}

/* Allocate a burst and free it; false when an allocation failed. */
static bool
burst_pairs(struct dmamap_iovad *ad, uint64_t size)
{
	rte_iova_t iova[BURST];
	unsigned int i;
	bool ok = true;

	for (i = 0; i < BURST; i++)
		iova[i] = dmamap_iova_alloc(ad, size, 0, UINT64_MAX);
	for (i = 0; i < BURST; i++) {
		if (iova[i] == RTE_BAD_IOVA)
			ok = false;
		else
			dmamap_iova_free(ad, iova[i], size);
	}
	return ok;
}

/* Nanoseconds per pair over bursts bursts; negative on failure. */
static double
pair_ns(struct dmamap_iovad *ad, uint64_t size, unsigned int bursts)
{
	uint64_t start;
	unsigned int b;

	start = test_now_ns();
	for (b = 0; b < bursts; b++)
		if (!burst_pairs(ad, size))
			return -1;
	return (double)(test_now_ns() - start) / ((double)bursts * BURST);
}

/* Median ns per pair, after one warm-up run. */
static double
median_pair_ns(struct dmamap_iovad *ad, uint64_t size, unsigned int bursts)
{
	double v[REPS];
	unsigned int r;

	if (pair_ns(ad, size, bursts) < 0)
		return -1;
	for (r = 0; r < REPS; r++) {
		v[r] = pair_ns(ad, size, bursts);
		if (v[r] < 0)
			return -1;
	}
	return test_median(v, REPS);
}

static int
test_iova_perf_pairs(void)
{
	double c4k = median_pair_ns(cached_ad, KB(4), 2048);
	double c64k = median_pair_ns(cached_ad, KB(64), 2048);
	double u4k = median_pair_ns(uncached_ad, KB(4), 64);
	double c1m = median_pair_ns(cached_ad, MB(1), 64);

	TEST_ASSERT(c4k > 0 && c64k > 0 && u4k > 0 && c1m > 0,
		"an allocation failed");
	perf_report(TEST_NAME, "iova_alloc_free_ns", c4k, "ns");
	perf_report(TEST_NAME, "iova_alloc_free_64k_ns", c64k, "ns");
	perf_report(TEST_NAME, "iova_alloc_free_nocache_ns", u4k, "ns");
	perf_report(TEST_NAME, "iova_alloc_free_1m_ns", c1m, "ns");
	perf_report(TEST_NAME, "iova_alloc_free_cache_speedup", u4k / c4k, "x");
	printf("  cached 4K pair %.1f ns (target <= 20): %s; %.1fx the locked "
		"range allocator (target >= 5x): %s\n", c4k,
		c4k <= 20 ? "met" : "missed", u4k / c4k,
		u4k / c4k >= 5 ? "met" : "missed");
	return TEST_SUCCESS;
}

/*
 * Scaling: each lcore runs bursts until the main lcore says stop and
 * reports its own rate; the rates of both lcores together are compared
 * with the main lcore's alone.
 */
struct scale_arg {
	struct dmamap_iovad *ad;
	volatile bool *start;
	volatile bool *stop;
	double pairs_per_s;
	bool failed;
};

static int
scale_worker(void *arg)
{
	struct scale_arg *s = arg;
	uint64_t n = 0, t0;

	while (!*s->start)
		rte_pause();
	t0 = test_now_ns();
	while (!*s->stop) {
		if (!burst_pairs(s->ad, KB(4)))
			s->failed = true;
		n++;
	}
	s->pairs_per_s = (double)n * BURST * 1e9 / (test_now_ns() - t0);
	return 0;
}

/* Pairs per second of the main lcore, and of the worker when launched. */
static double
scale_run(unsigned int worker)
{
	volatile bool start = false, stop = false;
	struct scale_arg m = { cached_ad, &start, &stop, 0, false };
	struct scale_arg w = m;
	uint64_t t0, n = 0;

	if (worker < RTE_MAX_LCORE)
		rte_eal_remote_launch(scale_worker, &w, worker);
	start = true;
	t0 = test_now_ns();
	while (test_now_ns() - t0 < (uint64_t)SCALE_MS * 1000000) {
		m.failed |= !burst_pairs(cached_ad, KB(4));
		n++;
	}
	m.pairs_per_s = (double)n * BURST * 1e9 / (test_now_ns() - t0);
	stop = true;
	if (worker < RTE_MAX_LCORE)
		rte_eal_wait_lcore(worker);
	if (m.failed || w.failed)
		return -1;
	return m.pairs_per_s + (worker < RTE_MAX_LCORE ? w.pairs_per_s : 0);
}

static int
test_iova_perf_scaling(void)
{
	unsigned int worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	double one[REPS], two[REPS], r1, r2;
	unsigned int r;

	if (worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs two lcores (-l 0-1)");
	for (r = 0; r < REPS; r++) {
		one[r] = scale_run(RTE_MAX_LCORE);
		two[r] = scale_run(worker);
		TEST_ASSERT(one[r] > 0 && two[r] > 0, "an allocation failed");
	}
	r1 = test_median(one, REPS);
	r2 = test_median(two, REPS);
	perf_report(TEST_NAME, "iova_alloc_free_1lcore_mpairs", r1 / 1e6,
		"Mpairs/s");
	perf_report(TEST_NAME, "iova_alloc_free_2lcore_mpairs", r2 / 1e6,
		"Mpairs/s");
	perf_report(TEST_NAME, "iova_alloc_free_2lcore_ratio", r2 / r1, "x");
	printf("  two lcores give %.2fx one lcore (target >= 1.8): %s\n",
		r2 / r1, r2 / r1 >= 1.8 ? "met" : "missed");
	return TEST_SUCCESS;
}

static struct unit_test_suite iova_perf_suite = {
	.suite_name = "dmamap IOVA allocator performance",
	.setup = perf_setup,
	.teardown = perf_teardown,
	.unit_test_cases = {
		TEST_CASE(test_iova_perf_pairs),
		TEST_CASE(test_iova_perf_scaling),
		TEST_CASES_END()
	}
};

static int
test_dmamap_iova_perf(void)
{
	return unit_test_suite_runner(&iova_perf_suite);
}

REGISTER_TEST_COMMAND(dmamap_iova_perf_autotest, test_dmamap_iova_perf);
