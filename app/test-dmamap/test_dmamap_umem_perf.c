/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * umem pool performance: frame alloc+free in batches of 32 through the
 * per-lcore cache, against rte_mempool_get_bulk/put_bulk of 32 on a
 * ring-based mempool with the same cache size, in the same run; and what a
 * driver pays per frame to post and complete RX on a coherent direct
 * device. Each figure is the median of many short repetitions after a
 * warm-up, so a repetition the scheduler interrupts is an outlier rather
 * than a shift of the figure.
 */

#include <stdbool.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_dmamap.h>
#include <rte_dmamap_umem.h>
#include <rte_mempool.h>

#include "test.h"

#define TEST_NAME "dmamap_umem_perf"
#define NB_FRAMES 8192
#define FRAME_SIZE 2048
#define CACHE 256
#define BURST 32
#define ROUNDS (1u << 14)
#define REPS 31
/* The target: umem alloc+free within this factor of the mempool's. */
#define TARGET_RATIO 1.2

static struct rte_dmamap_umem *um;
static struct rte_mempool *mp;
static int16_t dev = -1;

static int
perf_setup(void)
{
	struct rte_dmamap_umem_conf conf = {
		.name = "umem_perf",
		.frame_size = FRAME_SIZE,
		.nb_frames = NB_FRAMES,
		.socket_id = SOCKET_ID_ANY,
		.cache_size = CACHE,
	};
	struct rte_dmamap_conf dconf = {
		.mask_bits = 64,
		.socket_id = SOCKET_ID_ANY,
	};

	um = rte_dmamap_umem_create(&conf);
	TEST_ASSERT_NOT_NULL(um, "umem");
	mp = rte_mempool_create_empty("umem_perf_mp", NB_FRAMES - 1, FRAME_SIZE,
		CACHE, 0, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool");
	TEST_ASSERT_SUCCESS(rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL),
		"ring ops");
	TEST_ASSERT(rte_mempool_populate_default(mp) == NB_FRAMES - 1, "populate");
	dev = rte_dmamap_attach(test_device("umem_perf_dev"), &dconf);
	TEST_ASSERT(dev >= 0, "device");
	return rte_dmamap_umem_attach(um, dev);
}

static void
perf_teardown(void)
{
	rte_dmamap_umem_detach(um, dev);
	rte_dmamap_umem_destroy(um);
	rte_mempool_free(mp);
	if (dev >= 0)
		rte_dmamap_detach(dev);
}

/* Nanoseconds per frame of ROUNDS alloc+free bursts; < 0 on failure. */
static double
umem_round_ns(void)
{
	void *frames[BURST];
	uint64_t start = test_now_ns();
	unsigned int r;

	for (r = 0; r < ROUNDS; r++) {
		if (rte_dmamap_umem_alloc_bulk(um, frames, BURST) < 0)
			return -1;
		rte_dmamap_umem_free_bulk(um, frames, BURST);
	}
	return (double)(test_now_ns() - start) / ((double)ROUNDS * BURST);
}

static double
mempool_round_ns(void)
{
	void *objs[BURST];
	uint64_t start = test_now_ns();
	unsigned int r;

	for (r = 0; r < ROUNDS; r++) {
		if (rte_mempool_get_bulk(mp, objs, BURST) < 0)
			return -1;
		rte_mempool_put_bulk(mp, objs, BURST);
	}
	return (double)(test_now_ns() - start) / ((double)ROUNDS * BURST);
}

/* A driver's RX: post a burst, complete it (coherent: no syncs). */
static double
post_done_round_ns(void)
{
	uint32_t lens[BURST];
	rte_iova_t iovas[BURST];
	void *frames[BURST];
	uint64_t start;
	unsigned int r, i;

	if (rte_dmamap_umem_alloc_bulk(um, frames, BURST) < 0)
		return -1;
	for (i = 0; i < BURST; i++)
		lens[i] = 64;
	start = test_now_ns();
	for (r = 0; r < ROUNDS; r++) {
		if (rte_dmamap_umem_rx_post(um, dev, frames, FRAME_SIZE, iovas,
				BURST) < 0 ||
				rte_dmamap_umem_rx_done(um, dev, frames, lens, BURST) < 0)
			break;
	}
	rte_dmamap_umem_free_bulk(um, frames, BURST);
	if (r < ROUNDS)
		return -1;
	return (double)(test_now_ns() - start) / ((double)ROUNDS * BURST);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v)
{
	qsort(v, REPS, sizeof(v[0]), cmp_double);
	return v[REPS / 2];
}

static int
test_umem_vs_mempool(void)
{
	double mempool_ns[REPS], umem_ns[REPS], m, u, ratio;
	unsigned int r;

	TEST_ASSERT(mempool_round_ns() > 0 && umem_round_ns() > 0, "warm-up");
	/* Alternate the two so both see the same machine state. */
	for (r = 0; r < REPS; r++) {
		mempool_ns[r] = mempool_round_ns();
		umem_ns[r] = umem_round_ns();
		TEST_ASSERT(mempool_ns[r] > 0 && umem_ns[r] > 0,
			"an allocation failed");
	}
	m = median(mempool_ns);
	u = median(umem_ns);
	ratio = u / m;
	perf_report(TEST_NAME, "mempool_get_put_ns", m, "ns");
	perf_report(TEST_NAME, "umem_alloc_free_ns", u, "ns");
	perf_report(TEST_NAME, "umem_vs_mempool_ratio", ratio, "x");
	printf("  umem alloc+free %.2f ns/frame, mempool get+put %.2f ns/object "
		"(cache %d, burst %d): %.2fx (target <= %.1fx): %s\n", u, m,
		CACHE, BURST, ratio, TARGET_RATIO,
		ratio <= TARGET_RATIO ? "met" : "missed");
	return TEST_SUCCESS;
}

/* Median of REPS runs after a warm-up; < 0 when a run failed. */
static double
median_ns(double (*round)(void))
{
	double v[REPS];
	unsigned int r;

	if (round() < 0)
		return -1;
	for (r = 0; r < REPS; r++) {
		v[r] = round();
		if (v[r] < 0)
			return -1;
	}
	return median(v);
}

static int
test_post_done(void)
{
	double ns = median_ns(post_done_round_ns);

	TEST_ASSERT(ns > 0, "a post failed");
	perf_report(TEST_NAME, "umem_rx_post_done_ns", ns, "ns");
	printf("  rx_post+rx_done on a coherent direct device: %.2f ns/frame\n", ns);
	return TEST_SUCCESS;
}

static struct unit_test_suite umem_perf_suite = {
	.suite_name = "dmamap umem perf",
	.setup = perf_setup,
	.teardown = perf_teardown,
	.unit_test_cases = {
		TEST_CASE(test_umem_vs_mempool),
		TEST_CASE(test_post_done),
		TEST_CASES_END()
	},
};

static int
test_dmamap_umem_perf(void)
{
	return unit_test_suite_runner(&umem_perf_suite);
}

REGISTER_TEST_COMMAND(dmamap_umem_perf_autotest, test_dmamap_umem_perf);
