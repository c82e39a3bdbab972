/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Cost of streaming maps on the direct path: a map+unmap pair of a 2 KiB
 * buffer, and a 32-segment list mapped with map_sg against 32 single maps.
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"

#define NB_BUFS 4096
#define BUF_LEN 2048
#define REPEAT 7
#define ROUNDS 200
#define ZONE_SIZE (1 << 20)
#define NB_ZONES (NB_BUFS * BUF_LEN / ZONE_SIZE)

static uint8_t *bufs[NB_BUFS];

static const char *test_name = "dmamap_stream_perf";

/* ns per map+unmap pair over every buffer, ROUNDS times. */
static double
time_map_unmap(int16_t id, uint64_t *sum)
{
	uint64_t start = test_now_ns();
	unsigned int r, i;
	rte_iova_t iova;

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NB_BUFS; i++) {
			iova = rte_dmamap_map_single(id, bufs[i], BUF_LEN,
				RTE_DMAMAP_TO_DEVICE);
			*sum += iova;
			rte_dmamap_unmap_single(id, iova, BUF_LEN, RTE_DMAMAP_TO_DEVICE);
		}
	return (double)(test_now_ns() - start) / ((double)ROUNDS * NB_BUFS);
}

/* ns per 32 segments: one map_sg+unmap_sg, or 32 single pairs. */
static double
time_sg32(int16_t id, bool sg_call, uint64_t *sum)
{
	struct rte_dmamap_sge sg[32];
	unsigned int r, i, j;
	uint64_t start;

	start = test_now_ns();
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i + 32 <= NB_BUFS; i += 32) {
			for (j = 0; j < 32; j++) {
				/* Every other buffer: segments do not merge. */
				sg[j].va = bufs[(i + j * 2) % NB_BUFS];
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

/* 1 MiB zones, each IOVA-contiguous (hugepages need not be contiguous with
 * each other in IOVA-PA mode), cut into the 2 KiB buffers.
 */
static int
reserve_buffers(const struct rte_memzone **zones)
{
	char name[32];
	unsigned int z, i;

	for (z = 0; z < NB_ZONES; z++) {
		snprintf(name, sizeof(name), "stream_perf%u", z);
		zones[z] = rte_memzone_reserve_aligned(name, ZONE_SIZE, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG, 4096);
		if (zones[z] == NULL)
			return -ENOMEM;
		for (i = 0; i < ZONE_SIZE / BUF_LEN; i++)
			bufs[z * (ZONE_SIZE / BUF_LEN) + i] =
				RTE_PTR_ADD(zones[z]->addr, i * BUF_LEN);
	}
	return 0;
}

static void
free_buffers(const struct rte_memzone **zones)
{
	unsigned int z;

	for (z = 0; z < NB_ZONES; z++)
		rte_memzone_free(zones[z]);
}

static int
test_dmamap_stream_perf(void)
{
	struct rte_dmamap_conf conf = { .mask_bits = 64, .socket_id = SOCKET_ID_ANY };
	double pair[REPEAT], sg[REPEAT], single[REPEAT];
	const struct rte_memzone *zones[NB_ZONES] = { NULL };
	uint64_t sum = 0;
	unsigned int k;
	int16_t id;

	if (reserve_buffers(zones) < 0) {
		free_buffers(zones);
		TEST_SKIP("no %d IOVA-contiguous zones of 1 MiB", NB_ZONES);
	}
	id = rte_dmamap_attach(test_device("stream_perf"), &conf);
	TEST_ASSERT(id >= 0, "attach: %d", id);
	for (k = 0; k < NB_BUFS; k++)
		TEST_ASSERT_EQUAL(rte_dmamap_map_single(id, bufs[k], BUF_LEN,
			RTE_DMAMAP_TO_DEVICE), rte_mem_virt2iova(bufs[k]),
			"buffer %u maps directly", k);
	for (k = 0; k < REPEAT; k++) {
		pair[k] = time_map_unmap(id, &sum);
		sg[k] = time_sg32(id, true, &sum);
		single[k] = time_sg32(id, false, &sum);
	}
	printf("direct path, median of %d runs (checksum %" PRIx64 "):\n",
		REPEAT, sum);
	perf_report(test_name, "map_unmap_direct_ns", test_median(pair, REPEAT), "ns");
	perf_report(test_name, "map_sg32_ns", test_median(sg, REPEAT), "ns");
	perf_report(test_name, "map_single32_ns", test_median(single, REPEAT), "ns");
	printf("  map_sg of 32 / 32 single maps: %.2f\n",
		test_median(sg, REPEAT) / test_median(single, REPEAT));
	rte_dmamap_detach(id);
	free_buffers(zones);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_stream_perf_autotest, test_dmamap_stream_perf);
