/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Bounce pool throughput against plain memcpy.
 *
 * A bounced transmit costs a map (take slots, copy the buffer in) and an
 * unmap (free the slots; no copy for TO_DEVICE). Its floor is one memcpy of
 * the buffer, so the figures are:
 *
 *   bounce_<size>_gbps        map + unmap, TO_DEVICE, through the pool calls
 *                             a driver's map reaches (dmamap_bounce_map/unmap)
 *   bounce_bidir_<size>_gbps  map + unmap, BIDIRECTIONAL: two copies
 *   memcpy_<size>_gbps        memcpy of the same buffer into the same slot
 *   api_bounce_<size>_gbps    rte_dmamap_map_single + unmap_single on a
 *                             device whose mask the buffer is beyond, when
 *                             such a device and buffer can be set up here
 *
 * all in bytes of buffer per second, median of REPS runs taken alternately
 * so that frequency changes hit every figure alike.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "dmamap_private.h"
#include "rte_dmamap.h"
#include "test.h"

#define PERF_TEST "dmamap_bounce_perf"
#define REPS 21
#define BYTES_PER_REP (32u << 20)
#define BUF_MAX (64u << 10)
#define API_DEV "bounce_perf_dev"

enum bench_kind {
	BENCH_MEMCPY,
	BENCH_BOUNCE,
	BENCH_BOUNCE_BIDIR,
	BENCH_API,
	BENCH_MAX,
};

static const char *const bench_names[BENCH_MAX] = {
	[BENCH_MEMCPY] = "memcpy",
	[BENCH_BOUNCE] = "bounce",
	[BENCH_BOUNCE_BIDIR] = "bounce_bidir",
	[BENCH_API] = "api_bounce",
};

static struct dmamap_bounce_pool *pool;
static uint8_t *src;
static uint8_t *dst;      /* the slot the map/unmap cycle keeps reusing */
static int16_t api_dev = -1;
static volatile uint64_t sink;

/* One run of a kind: GB/s of buffer bytes, or a negative value on error. */
static double
bench_run(enum bench_kind kind, size_t len)
{
	unsigned int i, n = BYTES_PER_REP / len;
	enum rte_dmamap_dir dir = kind == BENCH_BOUNCE_BIDIR ?
		RTE_DMAMAP_BIDIRECTIONAL : RTE_DMAMAP_TO_DEVICE;
	rte_iova_t iova;
	uint64_t start;
	int ret = 0;

	start = test_now_ns();
	for (i = 0; i < n && ret == 0; i++) {
		switch (kind) {
		case BENCH_MEMCPY:
			memcpy(dst, src, len);
			sink += dst[len - 1];
			break;
		case BENCH_API:
			iova = rte_dmamap_map_single(api_dev, src, len, dir);
			ret = iova == RTE_BAD_IOVA ? -1 :
				rte_dmamap_unmap_single(api_dev, iova, len, dir);
			break;
		default:
			iova = dmamap_bounce_map(pool, src, len, dir);
			ret = iova == RTE_BAD_IOVA ? -1 :
				dmamap_bounce_unmap(pool, iova, len, dir);
			break;
		}
	}
	if (ret != 0)
		return -1;
	return (double)n * len / (test_now_ns() - start);
}

/* Median GB/s of every kind for one size; kinds not set up stay 0. */
static int
bench_size(size_t len, double gbps[BENCH_MAX])
{
	double runs[BENCH_MAX][REPS];
	unsigned int r, k;

	for (r = 0; r < REPS; r++) {
		for (k = 0; k < BENCH_MAX; k++) {
			if (k == BENCH_API && api_dev < 0) {
				runs[k][r] = 0;
				continue;
			}
			runs[k][r] = bench_run(k, len);
			TEST_ASSERT(runs[k][r] > 0, "%s of %zu bytes failed: %s",
				bench_names[k], len, rte_strerror(rte_errno));
		}
	}
	for (k = 0; k < BENCH_MAX; k++)
		gbps[k] = test_median(runs[k], REPS);
	return TEST_SUCCESS;
}

static void
report_size(size_t len, const double gbps[BENCH_MAX])
{
	char metric[64];
	unsigned int k;

	for (k = 0; k < BENCH_MAX; k++) {
		if (gbps[k] <= 0)
			continue;
		snprintf(metric, sizeof(metric), "%s_%zuk_gbps", bench_names[k],
			len >> 10);
		perf_report(PERF_TEST, metric, gbps[k], "GB/s");
	}
	snprintf(metric, sizeof(metric), "bounce_%zuk_vs_memcpy", len >> 10);
	perf_report(PERF_TEST, metric, gbps[BENCH_BOUNCE] / gbps[BENCH_MEMCPY],
		"ratio");
	printf("  %zu bytes: bounce (TO_DEVICE map+unmap) at %.0f%% of memcpy, "
		"target 50%%: %s\n", len,
		100 * gbps[BENCH_BOUNCE] / gbps[BENCH_MEMCPY],
		gbps[BENCH_BOUNCE] >= gbps[BENCH_MEMCPY] / 2 ? "met" : "NOT met");
}

/*
 * The slot a map/unmap cycle of len bytes keeps reusing becomes the memcpy
 * baseline's destination, and the bounce path is checked to copy there.
 */
static int
set_destination(size_t len)
{
	rte_iova_t iova;

	iova = dmamap_bounce_map(pool, src, len, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, len,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	dst = rte_dmamap_iova2virt(iova);
	TEST_ASSERT_NOT_NULL(dst, "pool unknown to the translation table");
	memset(dst, 0, len);
	iova = dmamap_bounce_map(pool, src, len, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(rte_dmamap_iova2virt(iova) == dst, "map/unmap moves slots");
	TEST_ASSERT(memcmp(dst, src, len) == 0, "map did not copy");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, len,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	return TEST_SUCCESS;
}

static int
perf_size(size_t len)
{
	double gbps[BENCH_MAX];

	if (set_destination(len) != TEST_SUCCESS ||
			bench_size(len, gbps) != TEST_SUCCESS)
		return TEST_FAILED;
	report_size(len, gbps);
	return TEST_SUCCESS;
}

/*
 * What a driver calls: a device whose mask the buffer lies beyond, so
 * every map bounces. Skipped (figures absent) when the library cannot set
 * that up on this machine.
 */
static void
api_setup(void)
{
	struct rte_dmamap_stats st;
	unsigned int bits;
	rte_iova_t iova;
	int id;

	id = test_attach_short_mask(API_DEV, 0, &bits);
	if (id < 0) {
		printf("no device with a bounce pool: %s\n", strerror(-id));
		return;
	}
	api_dev = id;
	iova = rte_dmamap_map_single(api_dev, src, BUF_MAX, RTE_DMAMAP_TO_DEVICE);
	if (iova != RTE_BAD_IOVA)
		rte_dmamap_unmap_single(api_dev, iova, BUF_MAX, RTE_DMAMAP_TO_DEVICE);
	if (rte_dmamap_stats_get(api_dev, &st) == 0 && st.bounced == 1)
		return;
	printf("buffer at IOVA 0x%" PRIx64 " is not bounced by a %u-bit device: "
		"no api_bounce figures\n", rte_mem_virt2iova(src), bits);
	rte_dmamap_detach(api_dev);
	api_dev = -1;
}

static int
perf_setup(void)
{
	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "translation tables");
	src = rte_malloc(NULL, BUF_MAX, 4096);
	pool = dmamap_bounce_create("bnc_perf", RTE_LEN2MASK(32, rte_iova_t),
		0, SOCKET_ID_ANY);
	if (pool == NULL) {
		printf("no pool under 4 GiB on this machine: 36-bit mask\n");
		pool = dmamap_bounce_create("bnc_perf",
			RTE_LEN2MASK(36, rte_iova_t), 0, SOCKET_ID_ANY);
	}
	TEST_ASSERT(src != NULL && pool != NULL, "setup: %s",
		rte_strerror(rte_errno));
	memset(src, 0x5a, BUF_MAX);
	api_setup();
	return TEST_SUCCESS;
}

static void
perf_teardown(void)
{
	if (api_dev >= 0)
		rte_dmamap_detach(api_dev);
	api_dev = -1;
	dmamap_bounce_destroy(pool);
	rte_free(src);
}

static int
test_bounce_perf_2k(void)
{
	return perf_size(2048);
}

static int
test_bounce_perf_64k(void)
{
	return perf_size(BUF_MAX);
}

static struct unit_test_suite bounce_perf_suite = {
	.suite_name = "dmamap bounce pool throughput",
	.setup = perf_setup,
	.teardown = perf_teardown,
	.unit_test_cases = {
		TEST_CASE(test_bounce_perf_2k),
		TEST_CASE(test_bounce_perf_64k),
		TEST_CASES_END()
	}
};

static int
test_dmamap_bounce_perf(void)
{
	return unit_test_suite_runner(&bounce_perf_suite);
}

REGISTER_TEST_COMMAND(dmamap_bounce_perf_autotest, test_dmamap_bounce_perf);
