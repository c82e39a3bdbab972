/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fault injection: a backend map, a memzone reservation or a bounce slot
 * allocation fails in the middle of a multi-step operation. The operation
 * must fail cleanly, leave nothing mapped and no IOVA taken, and succeed
 * once the fault is gone.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include "dmamap_private.h"
#include "test.h"
#include "test_backend.h"

#define APERTURE_START (UINT64_C(1) << 40)
#define APERTURE_LAST ((UINT64_C(1) << 41) - 1)
#define EXT_PAGES 8

static struct rte_dmamap_domain *dom;
static int16_t dev = -1;
static const struct rte_memzone *mz;
static uint8_t *ext;

/* What must come back to its value after a failed operation. */
struct dom_state {
	uint64_t ranges;
	uint64_t mapped_bytes;
	uint64_t iova_live;
};

static void
dom_state_get(struct dom_state *st)
{
	struct rte_dmamap_domain_stats ds;
	struct test_backend_stats bs;

	test_backend_stats_get(dom, &bs);
	rte_dmamap_domain_stats_get(dom, &ds);
	st->ranges = bs.ranges;
	st->mapped_bytes = ds.mapped_bytes;
	st->iova_live = ds.iova_allocs - ds.iova_frees;
}

static int
dom_state_same(const struct dom_state *before)
{
	struct dom_state now;

	rte_dmamap_domain_flush(dom);
	dom_state_get(&now);
	TEST_ASSERT_EQUAL(now.ranges, before->ranges, "backend ranges");
	TEST_ASSERT_EQUAL(now.mapped_bytes, before->mapped_bytes, "mapped bytes");
	TEST_ASSERT_EQUAL(now.iova_live, before->iova_live, "IOVA ranges held");
	return TEST_SUCCESS;
}

/* External memory whose pages are not IOVA-contiguous: each is one backend
 * map when linked.
 */
static int
register_scattered(void)
{
	rte_iova_t iovas[EXT_PAGES];
	unsigned int i;

	ext = mmap(NULL, EXT_PAGES * 4096, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ext == MAP_FAILED)
		return -ENOMEM;
	for (i = 0; i < EXT_PAGES; i++)
		iovas[i] = UINT64_C(0x6000000000) + (EXT_PAGES - i) * 2 * 4096;
	return rte_dmamap_extmem_register(ext, EXT_PAGES * 4096, iovas, EXT_PAGES,
		4096);
}

static int
fault_setup(void)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = RTE_DMAMAP_BYPASS_NEVER,
		.socket_id = SOCKET_ID_ANY,
	};

	dom = test_backend_domain_create("fault_dom", APERTURE_START, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	mz = rte_memzone_reserve_aligned("fault_buf", 1 << 20, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (dom == NULL || mz == NULL || register_scattered() < 0)
		return TEST_FAILED;
	conf.domain = dom;
	dev = rte_dmamap_attach(test_device("fault_dev"), &conf);
	return dev >= 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
fault_teardown(void)
{
	unsigned int s;

	for (s = 0; s < DMAMAP_FAULT_MAX; s++)
		dmamap_fault_set(s, 0);
	rte_dmamap_detach(dev);
	rte_dmamap_domain_destroy(dom);
	rte_memzone_free(mz);
	rte_dmamap_extmem_unregister(ext, EXT_PAGES * 4096);
	munmap(ext, EXT_PAGES * 4096);
}

static int
test_map_sg_rolls_back(void)
{
	struct rte_dmamap_sge sg[4];
	struct dom_state before;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		sg[i].va = RTE_PTR_ADD(mz->addr, i * 8192 + 64);
		sg[i].len = 100;
	}
	dom_state_get(&before);
	dmamap_fault_set(DMAMAP_FAULT_BACKEND_MAP, 3);
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev, sg, 4, RTE_DMAMAP_TO_DEVICE), -EIO,
		"the third segment's map fails");
	TEST_ASSERT_EQUAL(dmamap_fault_count(DMAMAP_FAULT_BACKEND_MAP), 1, "injected");
	if (dom_state_same(&before) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev, sg, 4, RTE_DMAMAP_TO_DEVICE), 4,
		"the same list maps once the fault is gone");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_sg(dev, sg, 4, RTE_DMAMAP_TO_DEVICE),
		"unmap_sg");
	return dom_state_same(&before);
}

static int
test_link_batch_rolls_back(void)
{
	struct rte_dmamap_iova_state state;
	struct dom_state before;

	dom_state_get(&before);
	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev, &state, ext, EXT_PAGES * 4096),
		"try_alloc: %s", rte_strerror(rte_errno));
	dmamap_fault_set(DMAMAP_FAULT_BACKEND_MAP, 5);
	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev, &state, ext, 0, EXT_PAGES * 4096,
		RTE_DMAMAP_BIDIRECTIONAL), -EIO, "the fifth page's map fails");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, state.addr), RTE_BAD_IOVA,
		"the first pages of the batch were unmapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev, &state, ext, 0,
		EXT_PAGES * 4096, RTE_DMAMAP_BIDIRECTIONAL), "link without the fault");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev, &state, 0, EXT_PAGES * 4096),
		"sync");
	TEST_ASSERT_EQUAL(test_backend_translate(dom, state.addr + 4096 * 7),
		rte_dmamap_virt2iova(ext + 4096 * 7), "last page translates");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev, &state, EXT_PAGES * 4096,
		RTE_DMAMAP_BIDIRECTIONAL), "destroy");
	return dom_state_same(&before);
}

/* The backend maps a premap of the pool issues. */
static int
premap_maps(struct rte_mempool *mp, uint64_t *maps)
{
	struct test_backend_stats before, after;
	struct rte_dmamap_region region;

	test_backend_stats_get(dom, &before);
	TEST_ASSERT_SUCCESS(rte_dmamap_mempool_map(dev, mp, RTE_DMAMAP_BIDIRECTIONAL,
		&region), "premap");
	test_backend_stats_get(dom, &after);
	*maps = after.maps - before.maps;
	return rte_dmamap_region_unmap(dev, &region, RTE_DMAMAP_BIDIRECTIONAL);
}

static int
test_mempool_premap_rolls_back(void)
{
	struct rte_dmamap_region region;
	struct rte_mempool *mp;
	struct dom_state before;
	uint64_t maps;
	int ret;

	/* Small chunks: the pool's memory may be several pieces. */
	mp = rte_mempool_create("fault_mp", 4096, 2048, 0, 0, NULL, NULL, NULL,
		NULL, SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mp, "mempool");
	dom_state_get(&before);
	TEST_ASSERT_SUCCESS(premap_maps(mp, &maps), "premap without a fault");
	/* The last map fails: everything before it must go. */
	dmamap_fault_set(DMAMAP_FAULT_BACKEND_MAP, maps);
	ret = rte_dmamap_mempool_map(dev, mp, RTE_DMAMAP_BIDIRECTIONAL, &region);
	TEST_ASSERT_EQUAL(ret, -EIO, "premap whose map %" PRIu64 " fails", maps);
	rte_mempool_free(mp);
	return dom_state_same(&before);
}

static int
test_alloc_rolls_back(void)
{
	struct dom_state before;
	rte_iova_t iova;
	void *va;

	dom_state_get(&before);
	dmamap_fault_set(DMAMAP_FAULT_BACKEND_MAP, 1);
	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(dev, 8192, &iova),
		"allocation whose domain map fails");
	TEST_ASSERT_EQUAL(rte_errno, EIO, "errno");
	if (dom_state_same(&before) != TEST_SUCCESS)
		return TEST_FAILED;
	dmamap_fault_set(DMAMAP_FAULT_MEMZONE, 1);
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(dev, 8192, &iova),
		"allocation without memory");
	va = rte_dmamap_alloc_coherent(dev, 8192, &iova);
	TEST_ASSERT_NOT_NULL(va, "allocation without the fault");
	TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(dev, 8192, va, iova), "free");
	return dom_state_same(&before);
}

static int
test_attach_rolls_back(void)
{
	unsigned int zones = test_memzone_count(), devs = rte_dmamap_count(), nth;
	struct rte_dmamap_conf conf = {
		.mask_bits = 36,
		.flags = RTE_DMAMAP_F_DEBUG,
		.bounce_size = 64 << 10,
		.socket_id = SOCKET_ID_ANY,
	};
	int id;

	/* The bounce pool's and the debug checker's memzones, in turn. */
	for (nth = 1; nth <= 3; nth++) {
		dmamap_fault_set(DMAMAP_FAULT_MEMZONE, nth);
		id = rte_dmamap_attach(test_device("fault_attach"), &conf);
		dmamap_fault_set(DMAMAP_FAULT_MEMZONE, 0);
		if (id >= 0) {
			TEST_ASSERT_SUCCESS(rte_dmamap_detach(id), "detach");
			continue;
		}
		TEST_ASSERT_EQUAL(id, -ENOMEM, "memzone failure %u", nth);
		TEST_ASSERT_EQUAL(rte_dmamap_count(), devs, "no context left");
		TEST_ASSERT_EQUAL(test_memzone_count(), zones, "no memzone left (failure %u)", nth);
	}
	id = rte_dmamap_attach(test_device("fault_attach"), &conf);
	TEST_ASSERT(id >= 0, "attach without the fault: %d", id);
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(id), "detach");
	TEST_ASSERT_EQUAL(test_memzone_count(), zones, "detach released everything");
	return TEST_SUCCESS;
}

static int
test_bounce_slots_fault(void)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 36,
		.bypass = RTE_DMAMAP_BYPASS_FORCE,
		.bounce_size = 64 << 10,
		.socket_id = SOCKET_ID_ANY,
	};
	int id = rte_dmamap_attach(test_device("fault_bounce"), &conf);
	struct rte_dmamap_info info;
	rte_iova_t iova;

	TEST_ASSERT(id >= 0, "attach: %d", id);
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(id, &info), "info");
	/* External memory at IOVAs beyond 36 bits must bounce. */
	dmamap_fault_set(DMAMAP_FAULT_BOUNCE_SLOTS, 1);
	rte_errno = 0;
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(id, ext, 512, RTE_DMAMAP_TO_DEVICE),
		RTE_BAD_IOVA, "no slot");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "errno");
	iova = rte_dmamap_map_single(id, ext, 512, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(iova - info.bounce_iova < info.bounce_size, "bounced after the fault");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id, iova, 512,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	return rte_dmamap_detach(id);
}

static struct unit_test_suite fault_suite = {
	.suite_name = "dmamap fault injection",
	.setup = fault_setup,
	.teardown = fault_teardown,
	.unit_test_cases = {
		TEST_CASE(test_map_sg_rolls_back),
		TEST_CASE(test_link_batch_rolls_back),
		TEST_CASE(test_mempool_premap_rolls_back),
		TEST_CASE(test_alloc_rolls_back),
		TEST_CASE(test_attach_rolls_back),
		TEST_CASE(test_bounce_slots_fault),
		TEST_CASES_END()
	}
};

static int
test_dmamap_fault(void)
{
	return unit_test_suite_runner(&fault_suite);
}

REGISTER_TEST_COMMAND(dmamap_fault_autotest, test_dmamap_fault);
