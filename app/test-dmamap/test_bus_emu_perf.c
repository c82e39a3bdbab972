/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Costs of the emu bus's software IOMMU:
 * - a device's translation of one 2 KiB access: IOTLB hit, IOTLB miss
 *   (page walk), and direct (no IOMMU), against the library's reverse
 *   lookup of one address, the floor of any translation;
 * - page-table map and unmap per 4 KiB and per 2 MiB page;
 * - page-table memory for 1 GiB mapped with 4 KiB pages (target: at most
 *   0.25% of the mapped size).
 * Each figure is the median of PERF_REPS runs.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include <bus_emu_driver.h>
#include <rte_bus_emu.h>

#include "test.h"

#define PERF_TEST "bus_emu_perf"
#define PERF_REPS 5
#define PAGE_4K (UINT64_C(1) << 12)
#define PAGE_2M (UINT64_C(1) << 21)
#define PAGE_1G (UINT64_C(1) << 30)
#define ACCESS 2048
/* Hit working set: 16 accesses over 8 pages, far below the IOTLB. */
#define HIT_SET 16
/* Miss working set: 16384 pages, 64 times the IOTLB's 256 entries. */
#define MISS_PAGES 16384
#define XLATE_OPS 200000
#define MAP_PAGES_4K 16384
#define MAP_PAGES_2M 2048
/* IOVAs of the raw page-table maps, and targets they are never read at. */
#define RAW_IOVA (UINT64_C(1) << 40)
#define FAKE_TARGET (UINT64_C(1) << 44)

static struct rte_emu_device *perf_dev;   /* strict IOMMU */
static struct rte_emu_device *perf_direct; /* no IOMMU */
static struct rte_dmamap_domain *perf_dom;
static const struct rte_memzone *perf_mz;
static volatile uintptr_t perf_sink;

/* A driver for the perf devices: they need nothing from it. */
static int
perf_drv_probe(struct rte_emu_device *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static struct rte_emu_driver perf_drv = {
	.type = "perf",
	.probe = perf_drv_probe,
};

RTE_PMD_REGISTER_EMU(emu_perf, perf_drv);

static int
perf_setup(void)
{
	if (rte_dev_probe("emu:perf0,type=perf,iommu=strict") < 0 ||
			rte_dev_probe("emu:perf1,type=perf") < 0) {
		printf("cannot create the perf devices\n");
		return TEST_FAILED;
	}
	perf_dev = rte_emu_device_get("perf0");
	perf_direct = rte_emu_device_get("perf1");
	perf_dom = rte_bus_emu_domain("perf0");
	perf_mz = rte_memzone_reserve_aligned("bus_emu_perf", PAGE_2M,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, PAGE_2M);
	if (perf_dev == NULL || perf_direct == NULL || perf_dom == NULL ||
			perf_mz == NULL) {
		printf("perf setup failed: %s\n", rte_strerror(rte_errno));
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
perf_teardown(void)
{
	if (perf_dev != NULL)
		rte_dev_remove(&perf_dev->device);
	if (perf_direct != NULL)
		rte_dev_remove(&perf_direct->device);
	rte_memzone_free(perf_mz);
	perf_dev = perf_direct = NULL;
	perf_mz = NULL;
}

/*
 * Translation.
 */

/* ns per translate of ACCESS bytes at base + (i % set) * stride. */
static double
time_translate(struct rte_emu_device *dev, rte_iova_t base, uint64_t stride,
		unsigned int set)
{
	uintptr_t sink = 0;
	uint64_t start;
	unsigned int i;

	start = test_now_ns();
	for (i = 0; i < XLATE_OPS; i++)
		sink += (uintptr_t)rte_emu_dma_translate(dev,
			base + (i % set) * stride, ACCESS, RTE_EMU_DMA_READ);
	perf_sink = sink;
	return (double)(test_now_ns() - start) / XLATE_OPS;
}

static double
time_baseline(rte_iova_t base)
{
	uintptr_t sink = 0;
	uint64_t start;
	unsigned int i;

	start = test_now_ns();
	for (i = 0; i < XLATE_OPS; i++)
		sink += (uintptr_t)rte_dmamap_iova2virt(base +
			(i % HIT_SET) * ACCESS);
	perf_sink = sink;
	return (double)(test_now_ns() - start) / XLATE_OPS;
}

/* MISS_PAGES IOVA pages, each on one of the 512 pages of the zone. */
static int
map_miss_set(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < MISS_PAGES; i++) {
		ret = rte_bus_emu_iommu_map(perf_dom, RAW_IOVA + i * PAGE_4K,
			perf_mz->iova + (i % 512) * PAGE_4K, PAGE_4K,
			RTE_DMAMAP_PROT_READ);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Medians of the four translation figures over PERF_REPS runs. */
static void
time_translations(rte_iova_t hit_iova, double fig[4])
{
	double v[4][PERF_REPS];
	unsigned int r, i;

	for (r = 0; r < PERF_REPS; r++) {
		v[0][r] = time_baseline(perf_mz->iova);
		v[1][r] = time_translate(perf_direct, perf_mz->iova, ACCESS, HIT_SET);
		v[2][r] = time_translate(perf_dev, hit_iova, ACCESS, HIT_SET);
		rte_bus_emu_iotlb_stats_reset("perf0");
		v[3][r] = time_translate(perf_dev, RAW_IOVA, PAGE_4K, MISS_PAGES);
	}
	for (i = 0; i < 4; i++)
		fig[i] = test_median(v[i], PERF_REPS);
}

static int
test_perf_translate(void)
{
	struct rte_bus_emu_iotlb_stats st;
	rte_iova_t iova;
	double fig[4];

	iova = rte_dmamap_map_single(perf_dev->dmamap_id, perf_mz->addr,
		HIT_SET * ACCESS, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	TEST_ASSERT_SUCCESS(map_miss_set(), "map the miss set");
	TEST_ASSERT_NOT_NULL(rte_emu_dma_translate(perf_dev, iova, ACCESS,
		RTE_EMU_DMA_READ), "translate");
	time_translations(iova, fig);
	TEST_ASSERT_SUCCESS(rte_bus_emu_iotlb_stats_get("perf0", &st), "stats");
	TEST_ASSERT(st.misses == XLATE_OPS && st.hits == 0, "miss run: %" PRIu64
		" misses, %" PRIu64 " hits", st.misses, st.hits);
	perf_report(PERF_TEST, "emu_baseline_iova2virt_ns", fig[0], "ns");
	perf_report(PERF_TEST, "emu_translate_direct_ns", fig[1], "ns");
	perf_report(PERF_TEST, "emu_translate_hit_ns", fig[2], "ns");
	perf_report(PERF_TEST, "emu_translate_miss_ns", fig[3], "ns");
	printf("  hit / baseline: %.1fx, miss / hit: %.1fx\n", fig[2] / fig[0],
		fig[3] / fig[2]);
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(perf_dev->dmamap_id, iova,
		HIT_SET * ACCESS, RTE_DMAMAP_TO_DEVICE), "unmap");
	return rte_bus_emu_iommu_unmap(perf_dom, RAW_IOVA, MISS_PAGES * PAGE_4K);
}

/*
 * Page tables.
 */

/* Map then unmap n pages of size one call each; ns per call of each. */
static int
time_pt(uint64_t size, unsigned int n, double *map_ns, double *unmap_ns)
{
	uint64_t start, mid;
	unsigned int i;
	int ret = 0;

	start = test_now_ns();
	for (i = 0; i < n && ret == 0; i++)
		ret = rte_bus_emu_iommu_map(perf_dom, RAW_IOVA + i * size,
			FAKE_TARGET + i * size, size, RTE_DMAMAP_PROT_READ);
	mid = test_now_ns();
	for (i = 0; i < n && ret == 0; i++)
		ret = rte_bus_emu_iommu_unmap(perf_dom, RAW_IOVA + i * size, size);
	*map_ns = (double)(mid - start) / n;
	*unmap_ns = (double)(test_now_ns() - mid) / n;
	return ret;
}

static int
test_perf_pt_map(void)
{
	double m4[PERF_REPS], u4[PERF_REPS], m2[PERF_REPS], u2[PERF_REPS];
	unsigned int r;

	for (r = 0; r < PERF_REPS; r++) {
		TEST_ASSERT_SUCCESS(time_pt(PAGE_4K, MAP_PAGES_4K, &m4[r], &u4[r]),
			"4 KiB pages");
		TEST_ASSERT_SUCCESS(time_pt(PAGE_2M, MAP_PAGES_2M, &m2[r], &u2[r]),
			"2 MiB pages");
	}
	perf_report(PERF_TEST, "emu_pt_map_4k_ns", test_median(m4, PERF_REPS), "ns");
	perf_report(PERF_TEST, "emu_pt_unmap_4k_ns", test_median(u4, PERF_REPS), "ns");
	perf_report(PERF_TEST, "emu_pt_map_2m_ns", test_median(m2, PERF_REPS), "ns");
	perf_report(PERF_TEST, "emu_pt_unmap_2m_ns", test_median(u2, PERF_REPS), "ns");
	return TEST_SUCCESS;
}

static int
test_perf_pt_memory(void)
{
	struct rte_bus_emu_iommu_info before, after;
	double bytes, target = PAGE_1G * 0.0025;

	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_info_get("perf0", &before), "info");
	/* A target 4 KiB off 2 MiB alignment: every leaf is a 4 KiB one. */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(perf_dom, RAW_IOVA,
		FAKE_TARGET + PAGE_4K, PAGE_1G, RTE_DMAMAP_PROT_READ), "map 1 GiB");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_info_get("perf0", &after), "info");
	TEST_ASSERT_EQUAL(after.leaves_4k - before.leaves_4k, PAGE_1G / PAGE_4K,
		"not all 4 KiB leaves");
	bytes = (double)(after.pt_bytes - before.pt_bytes);
	perf_report(PERF_TEST, "emu_pt_bytes_per_gib_4k", bytes, "bytes");
	printf("  %.3f%% of the mapped size (target 0.25%%)\n",
		bytes * 100 / PAGE_1G);
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(perf_dom, RAW_IOVA, PAGE_1G),
		"unmap");
	TEST_ASSERT(bytes <= target, "page tables take %.0f bytes per GiB", bytes);
	return TEST_SUCCESS;
}

static struct unit_test_suite bus_emu_perf_suite = {
	.suite_name = "emu bus performance",
	.setup = perf_setup,
	.teardown = perf_teardown,
	.unit_test_cases = {
		TEST_CASE(test_perf_translate),
		TEST_CASE(test_perf_pt_map),
		TEST_CASE(test_perf_pt_memory),
		TEST_CASES_END()
	},
};

static int
test_bus_emu_perf(void)
{
	return unit_test_suite_runner(&bus_emu_perf_suite);
}

REGISTER_TEST_COMMAND(bus_emu_perf_autotest, test_bus_emu_perf);
