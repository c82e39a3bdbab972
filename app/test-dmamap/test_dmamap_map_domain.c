/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Streaming mappings through an IOMMU domain and the bypass window, with the
 * test backend keeping the real IOVA -> memory table.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"
#include "test_backend.h"

/* The 1:1 window ends above the test's EAL memory (at least at 512 GiB);
 * the translated aperture starts above the window.
 */
static rte_iova_t WINDOW_LIMIT, APERTURE_START, APERTURE_LAST;
#define EXT_LEN (UINT64_C(4) << 20)

static struct rte_dmamap_domain *dom;
static int16_t dev_never = -1, dev_auto = -1;
static const struct rte_memzone *mz;
static void *ext;

static int
attach(const char *name, enum rte_dmamap_bypass bypass, rte_iova_t limit)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = bypass,
		.bypass_limit = limit,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

/* External memory whose IOVAs lie above the window: made-up addresses, as
 * a device BAR or pmem would have.
 */
static int
register_ext_above_window(void)
{
	rte_iova_t iovas[EXT_LEN / 4096];
	unsigned int i;

	ext = mmap(NULL, EXT_LEN, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ext == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < RTE_DIM(iovas); i++)
		iovas[i] = WINDOW_LIMIT + (UINT64_C(64) << 20) + i * 4096;
	return rte_dmamap_extmem_register(ext, EXT_LEN, iovas, RTE_DIM(iovas), 4096);
}

static int
domain_setup(void)
{
	mz = rte_memzone_reserve_aligned("map_dom_buf", 1 << 20, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (mz == NULL)
		return TEST_FAILED;
	/* In IOVA-VA mode EAL memory may sit anywhere (e.g. high under ASan). */
	WINDOW_LIMIT = RTE_MAX(UINT64_C(1) << 39,
		rte_align64pow2(mz->iova + mz->len + (UINT64_C(1) << 30)));
	APERTURE_START = WINDOW_LIMIT << 1;
	APERTURE_LAST = APERTURE_START + (UINT64_C(1) << 40) - 1;
	dom = test_backend_domain_create("map_dom", APERTURE_START, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	if (dom == NULL || register_ext_above_window() < 0)
		return TEST_FAILED;
	dev_never = attach("map_never", RTE_DMAMAP_BYPASS_NEVER, 0);
	dev_auto = attach("map_auto", RTE_DMAMAP_BYPASS_AUTO, WINDOW_LIMIT);
	return dev_never >= 0 && dev_auto >= 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
domain_teardown(void)
{
	rte_dmamap_detach(dev_never);
	rte_dmamap_detach(dev_auto);
	rte_dmamap_domain_destroy(dom);
	rte_memzone_free(mz);
	rte_dmamap_extmem_unregister(ext, EXT_LEN);
	munmap(ext, EXT_LEN);
}

static int
test_map_through_domain(void)
{
	uint8_t *va = RTE_PTR_ADD(mz->addr, 100);
	struct rte_dmamap_stats stats;
	rte_iova_t iova;

	rte_dmamap_stats_reset(dev_never);
	iova = rte_dmamap_map_single(dev_never, va, 5000, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT(iova >= APERTURE_START && iova + 4999 <= APERTURE_LAST,
		"IOVA 0x%" PRIx64 " outside the aperture", iova);
	TEST_ASSERT_EQUAL(iova & 4095, 100, "offset in the page kept");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, iova), rte_mem_virt2iova(va),
		"the domain translates to the buffer");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, iova + 4999),
		rte_mem_virt2iova(va + 4999), "last byte");
	TEST_ASSERT(rte_dmamap_need_unmap(dev_never), "domain mappings need unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_never, iova, 5000,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, iova), RTE_BAD_IOVA,
		"unmapped from the domain");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(dev_never, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.domain, 1, "one domain map");
	TEST_ASSERT_EQUAL(stats.direct, 0, "no direct map");
	return TEST_SUCCESS;
}

static int
test_unmap_unknown_domain_iova(void)
{
	struct test_backend_stats before, after;

	test_backend_stats_get(dom, &before);
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_never, APERTURE_START + 0x5000,
		64, RTE_DMAMAP_TO_DEVICE), -EINVAL, "unmap of an IOVA never mapped");
	test_backend_stats_get(dom, &after);
	TEST_ASSERT_EQUAL(after.unmaps, before.unmaps, "no backend unmap issued");
	TEST_ASSERT_EQUAL(after.ranges, before.ranges, "table unchanged");
	return TEST_SUCCESS;
}

static int
test_bypass_window(void)
{
	uint8_t *below = mz->addr, *above = ext;
	rte_iova_t iova;

	iova = rte_dmamap_map_single(dev_auto, below, 2048, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_EQUAL(iova, rte_mem_virt2iova(below), "below the window: direct");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_auto, iova, 2048,
		RTE_DMAMAP_FROM_DEVICE), "unmap direct");
	iova = rte_dmamap_map_single(dev_auto, above + 8192, 2048,
		RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT(iova >= APERTURE_START && iova <= APERTURE_LAST,
		"above the window: domain IOVA, got 0x%" PRIx64, iova);
	TEST_ASSERT_EQUAL(test_backend_translate(dom, iova),
		rte_dmamap_virt2iova(above + 8192), "translated to the memory");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_auto, iova, 2048,
		RTE_DMAMAP_FROM_DEVICE), "unmap domain");
	return TEST_SUCCESS;
}

static int
test_window_overlapping_aperture_refused(void)
{
	int ret = attach("map_overlap", RTE_DMAMAP_BYPASS_AUTO, APERTURE_START + 4096);

	TEST_ASSERT_EQUAL(ret, -EINVAL, "window limit inside the aperture");
	return TEST_SUCCESS;
}

static int
test_sg_one_domain_range(void)
{
	struct rte_dmamap_sge sg[4];
	unsigned int i;
	int n;

	/* Three whole pages then a partial one: all one DMA segment. */
	for (i = 0; i < 4; i++) {
		sg[i].va = RTE_PTR_ADD(mz->addr, i * 8192);
		sg[i].len = i < 3 ? 4096 : 1000;
	}
	n = rte_dmamap_map_sg(dev_never, sg, 4, RTE_DMAMAP_BIDIRECTIONAL);
	TEST_ASSERT_EQUAL(n, 1, "page-sized segments merge in the domain");
	TEST_ASSERT_EQUAL(sg[0].dma_len, 3 * 4096 + 1000, "merged length");
	for (i = 0; i < 4; i++)
		TEST_ASSERT_EQUAL(test_backend_translate(dom, sg[i].iova),
			rte_mem_virt2iova(sg[i].va), "segment %u", i);
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_sg(dev_never, sg, 4,
		RTE_DMAMAP_BIDIRECTIONAL), "unmap_sg");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, sg[0].iova), RTE_BAD_IOVA,
		"unmapped");
	return TEST_SUCCESS;
}

static int
test_sg_unaligned_segments_split(void)
{
	struct rte_dmamap_sge sg[2] = {
		{ .va = RTE_PTR_ADD(mz->addr, 0), .len = 100 },
		{ .va = RTE_PTR_ADD(mz->addr, 8192 + 50), .len = 100 },
	};
	int n;

	n = rte_dmamap_map_sg(dev_never, sg, 2, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(n, 2, "a segment ending mid-page cannot merge");
	TEST_ASSERT_EQUAL(sg[1].iova & 4095, 50, "offset of the second segment");
	return rte_dmamap_unmap_sg(dev_never, sg, 2, RTE_DMAMAP_TO_DEVICE);
}

static int
test_backend_failure_rolls_back(void)
{
	struct test_backend_stats before, after;
	struct rte_dmamap_domain_stats dstats;
	uint64_t used;

	rte_dmamap_domain_stats_get(dom, &dstats);
	used = dstats.mapped_bytes;
	test_backend_stats_get(dom, &before);
	test_backend_fail(dom, TEST_BACKEND_MAP, 1);
	rte_errno = 0;
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(dev_never, mz->addr, 4096,
		RTE_DMAMAP_TO_DEVICE), RTE_BAD_IOVA, "injected backend failure");
	TEST_ASSERT_EQUAL(rte_errno, EIO, "errno of a backend failure");
	test_backend_stats_get(dom, &after);
	TEST_ASSERT_EQUAL(after.ranges, before.ranges, "nothing left mapped");
	rte_dmamap_domain_stats_get(dom, &dstats);
	TEST_ASSERT_EQUAL(dstats.mapped_bytes, used, "mapped bytes unchanged");
	return TEST_SUCCESS;
}

static struct unit_test_suite map_domain_suite = {
	.suite_name = "dmamap streaming mappings through a domain",
	.setup = domain_setup,
	.teardown = domain_teardown,
	.unit_test_cases = {
		TEST_CASE(test_map_through_domain),
		TEST_CASE(test_unmap_unknown_domain_iova),
		TEST_CASE(test_bypass_window),
		TEST_CASE(test_window_overlapping_aperture_refused),
		TEST_CASE(test_sg_one_domain_range),
		TEST_CASE(test_sg_unaligned_segments_split),
		TEST_CASE(test_backend_failure_rolls_back),
		TEST_CASES_END()
	}
};

static int
test_dmamap_map_domain(void)
{
	return unit_test_suite_runner(&map_domain_suite);
}

REGISTER_TEST_COMMAND(dmamap_map_domain_autotest, test_dmamap_map_domain);
