/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Cost of streaming maps on the direct path: a map+unmap pair of a 2 KiB
 * buffer, and a 32-segment list mapped with map_sg against 32 single maps.
 */

#include <stdlib.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "test.h"

#define NB_BUFS 4096
#define BUF_LEN 2048
#define REPEAT 7
#define ROUNDS 200

static const char *test_name = "dmamap_stream_perf";

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ns per map+unmap pair over every buffer, ROUNDS times. */
static double
time_map_unmap(int16_t id, uint8_t *base, uint64_t *sum)
{
	uint64_t start = test_now_ns();
	unsigned int r, i;
	rte_iova_t iova;

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NB_BUFS; i++) {
			iova = rte_dmamap_map_single(id, base + i * BUF_LEN, BUF_LEN,
				RTE_DMAMAP_TO_DEVICE);
			*sum += iova;
			rte_dmamap_unmap_single(id, iova, BUF_LEN, RTE_DMAMAP_TO_DEVICE);
		}
	return (double)(test_now_ns() - start) / ((double)ROUNDS * NB_BUFS);
}

/* ns per 32 segments: one map_sg+unmap_sg, or 32 single pairs. */
static double
time_sg32(int16_t id, uint8_t *base, bool sg_call, uint64_t *sum)
{
	struct rte_dmamap_sge sg[32];
	unsigned int r, i, j;
	uint64_t start;

	start = test_now_ns();
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i + 32 <= NB_BUFS; i += 32) {
			for (j = 0; j < 32; j++) {
				/* Every other buffer: segments do not merge. */
				sg[j].va = base + ((i + j * 2) % NB_BUFS) * BUF_LEN;
				sg[j].len = BUF_LEN;
			}
			if (sg_call) {
				*sum += rte_dmamap_map_sg(id, sg, 32, RTE_DMAMAP_TO_DEVICE);
				rte_dmamap_unmap_sg(id, sg, 32, RTE_DMAMAP_TO_DEVICE);
				continue;
			}
			for (j = 0; j < 32; j++) {
				sg[j].iova = rte_dmamap_map_single(id, sg[j].va, BUF_LEN,
					RTE_DMAMAP_TO_DEVICE);
				*sum += sg[j].iova;
			}
			for (j = 0; j < 32; j++)
				rte_dmamap_unmap_single(id, sg[j].iova, BUF_LEN,
					RTE_DMAMAP_TO_DEVICE);
		}
	return (double)(test_now_ns() - start) / ((double)ROUNDS * (NB_BUFS / 32));
}

static int
test_dmamap_stream_perf(void)
{
	struct rte_dmamap_conf conf = { .mask_bits = 64, .socket_id = SOCKET_ID_ANY };
	double pair[REPEAT], sg[REPEAT], single[REPEAT];
	const struct rte_memzone *mz;
	uint64_t sum = 0;
	unsigned int k;
	int16_t id;

	mz = rte_memzone_reserve_aligned("stream_perf", NB_BUFS * BUF_LEN,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (mz == NULL)
		TEST_SKIP("no %u KiB of IOVA-contiguous memory", NB_BUFS * BUF_LEN >> 10);
	id = rte_dmamap_attach(test_device("stream_perf"), &conf);
	TEST_ASSERT(id >= 0, "attach: %d", id);
	TEST_ASSERT_NOT_EQUAL(rte_dmamap_map_single(id, mz->addr, BUF_LEN,
		RTE_DMAMAP_TO_DEVICE), RTE_BAD_IOVA, "the buffers map directly");
	for (k = 0; k < REPEAT; k++) {
		pair[k] = time_map_unmap(id, mz->addr, &sum);
		sg[k] = time_sg32(id, mz->addr, true, &sum);
		single[k] = time_sg32(id, mz->addr, false, &sum);
	}
	printf("direct path, median of %d runs (checksum %" PRIx64 "):\n",
		REPEAT, sum);
	perf_report(test_name, "map_unmap_direct_ns", median(pair, REPEAT), "ns");
	perf_report(test_name, "map_sg32_ns", median(sg, REPEAT), "ns");
	perf_report(test_name, "map_single32_ns", median(single, REPEAT), "ns");
	printf("  map_sg of 32 / 32 single maps: %.2f\n",
		median(sg, REPEAT) / median(single, REPEAT));
	rte_dmamap_detach(id);
	rte_memzone_free(mz);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_stream_perf_autotest, test_dmamap_stream_perf);
