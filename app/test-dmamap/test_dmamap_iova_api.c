/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Two-step mapping and region helpers on devices attached to test domains:
 * when try_alloc declines, the link rules, batching (one backend map per
 * IOVA-contiguous run, one flush per sync), strict and lazy unlink, backend
 * failures rolled back, and mempools and memzones mapped as one range whose
 * every object translates, through the backend, to its EAL IOVA.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include "test.h"
#include "test_backend.h"

#define G UINT64_C(4096)
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LAST (APERTURE + (UINT64_C(64) << 30) - 1)
/* Made-up IOVAs of external memory: scattered, far from EAL's. */
#define EXT_IOVA (UINT64_C(1) << 45)
#define EXT_PAGES 16

static struct rte_dmamap_domain *strict_dom, *lazy_dom, *tiny_dom;
static int16_t dev_strict = -1, dev_lazy = -1, dev_auto = -1, dev_plain = -1,
	dev_force = -1, dev_tiny = -1;
static void *buf;
static void *ext;

static int16_t
attach(const char *name, struct rte_dmamap_domain *dom,
		enum rte_dmamap_bypass bypass)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = bypass,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

static int
suite_setup(void)
{
	strict_dom = test_backend_domain_create("iova_api_strict", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	lazy_dom = test_backend_domain_create("iova_api_lazy", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_LAZY, 0, 0);
	tiny_dom = test_backend_domain_create("iova_api_tiny", APERTURE,
		APERTURE + 16 * G - 1, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	if (strict_dom == NULL || lazy_dom == NULL || tiny_dom == NULL)
		return TEST_FAILED;
	dev_strict = attach("iova_strict", strict_dom, RTE_DMAMAP_BYPASS_NEVER);
	dev_lazy = attach("iova_lazy", lazy_dom, RTE_DMAMAP_BYPASS_NEVER);
	dev_auto = attach("iova_auto", strict_dom, RTE_DMAMAP_BYPASS_AUTO);
	dev_plain = attach("iova_plain", NULL, RTE_DMAMAP_BYPASS_AUTO);
	dev_force = attach("iova_force", strict_dom, RTE_DMAMAP_BYPASS_FORCE);
	dev_tiny = attach("iova_tiny", tiny_dom, RTE_DMAMAP_BYPASS_NEVER);
	if (dev_strict < 0 || dev_lazy < 0 || dev_auto < 0 || dev_plain < 0 ||
			dev_force < 0 || dev_tiny < 0) {
		printf("attach failed\n");
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	int16_t *dev_ids[] = { &dev_strict, &dev_lazy, &dev_auto, &dev_plain,
		&dev_force, &dev_tiny };
	unsigned int i;

	for (i = 0; i < RTE_DIM(dev_ids); i++) {
		int16_t id = *dev_ids[i];

		if (id >= 0)
			rte_dmamap_detach(id);
	}
	rte_dmamap_domain_destroy(strict_dom);
	rte_dmamap_domain_destroy(lazy_dom);
	rte_dmamap_domain_destroy(tiny_dom);
}

/* 8 pages of EAL memory, and counters at zero. */
static int
buf_setup(void)
{
	buf = rte_malloc("iova_api_buf", 8 * G, G);
	if (buf == NULL)
		return TEST_FAILED;
	test_backend_stats_reset(strict_dom);
	test_backend_stats_reset(lazy_dom);
	rte_dmamap_stats_reset(dev_strict);
	return TEST_SUCCESS;
}

static void
buf_teardown(void)
{
	rte_free(buf);
	buf = NULL;
}

static struct test_backend_stats
tb(struct rte_dmamap_domain *dom)
{
	struct test_backend_stats st;

	memset(&st, 0xff, sizeof(st));
	test_backend_stats_get(dom, &st);
	return st;
}

/* IOVA-contiguous runs of [va, va + len), 4 KiB at a time. */
static unsigned int
runs_of(const void *va, size_t len)
{
	unsigned int runs = 1;
	size_t off;

	for (off = G; off < len; off += G)
		if (rte_dmamap_virt2iova(RTE_PTR_ADD(va, off)) !=
				rte_dmamap_virt2iova(RTE_PTR_ADD(va, off - G)) + G)
			runs++;
	return runs;
}

/* Every byte step of [va, va + len) reaches, at iova, its EAL IOVA. */
static int
check_translation(struct rte_dmamap_domain *dom, rte_iova_t iova,
		const void *va, size_t len, size_t step)
{
	size_t off;

	for (off = 0; off < len; off += step)
		if (test_backend_translate(dom, iova + off) !=
				rte_dmamap_virt2iova(RTE_PTR_ADD(va, off)))
			return -1;
	if (test_backend_translate(dom, iova + len - 1) !=
			rte_dmamap_virt2iova(RTE_PTR_ADD(va, len - 1)))
		return -1;
	return 0;
}

/*
 * try_alloc.
 */

static int
test_try_alloc_declines_direct(void)
{
	struct rte_dmamap_iova_state st;
	struct rte_dmamap_info info;

	rte_errno = -1;
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_plain, &st, buf, G),
		"no domain");
	TEST_ASSERT_EQUAL(rte_errno, 0, "not an error");
	rte_errno = -1;
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_force, &st, buf, G),
		"bypass forced");
	TEST_ASSERT_EQUAL(rte_errno, 0, "not an error");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev_auto, &info), "info");
	if (rte_dmamap_virt2iova(buf) + G - 1 <= info.direct_limit) {
		rte_errno = -1;
		TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_auto, &st, buf, G),
			"memory below the bypass window");
		TEST_ASSERT_EQUAL(rte_errno, 0, "not an error");
		TEST_ASSERT_EQUAL(st.size, 0, "state cleared");
	} else {
		printf("buffer above the bypass window: its case not run\n");
	}
	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, buf, G),
		"bypass never");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(dev_strict, &st), "free");
	return TEST_SUCCESS;
}

static int
test_try_alloc_errors(void)
{
	struct rte_dmamap_iova_state st;
	char local[64];

	rte_errno = 0;
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_strict, NULL, buf, G), "NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	memset(&st, 0xff, sizeof(st));
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_strict, &st, buf, 0), "size 0");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_EQUAL(st.addr | st.size | st.granule, 0, "state cleared");
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(-1, &st, buf, G), "bad id");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_strict, &st, local, G),
		"hint unknown to the table");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT(!rte_dmamap_iova_try_alloc(dev_tiny, &st, buf, 17 * G),
		"larger than the aperture");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "ENOSPC");
	TEST_ASSERT_EQUAL(st.size, 0, "state cleared");
	return TEST_SUCCESS;
}

static int
test_try_alloc_keeps_offset(void)
{
	const void *hint = RTE_PTR_ADD(buf, 0x123);
	struct rte_dmamap_iova_state st;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, hint, 3 * G),
		"try_alloc: %d", rte_errno);
	TEST_ASSERT_EQUAL(st.addr & (G - 1), rte_dmamap_virt2iova(hint) & (G - 1),
		"offset in the granule kept");
	TEST_ASSERT_EQUAL(st.size, 3 * G, "size");
	TEST_ASSERT_EQUAL(st.granule, G, "granule");
	TEST_ASSERT(st.addr >= APERTURE && st.addr + st.size - 1 <= APERTURE_LAST,
		"inside the aperture");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(dev_strict, &st), "free");
	TEST_ASSERT_EQUAL(st.size, 0, "state cleared by free");
	/* A range of 2 MiB or more keeps the offset in the 2 MiB page too, so
	 * the backend may map large pages.
	 */
	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, hint, 4 << 20),
		"try_alloc 4 MiB: %d", rte_errno);
	TEST_ASSERT_EQUAL(st.addr & ((2 << 20) - 1),
		rte_dmamap_virt2iova(hint) & ((2 << 20) - 1), "offset in 2 MiB kept");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(dev_strict, &st), "free");
	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, NULL, G), "no hint");
	TEST_ASSERT_EQUAL(st.addr & (G - 1), 0, "no hint: aligned");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(dev_strict, &st), "free");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_free(dev_strict, &st), -EINVAL,
		"free twice");
	return TEST_SUCCESS;
}

/*
 * Link, sync, unlink.
 */

static int
test_link_sync_translate(void)
{
	struct rte_dmamap_iova_state st;
	struct rte_dmamap_stats ds;
	uint32_t prot = 0;
	rte_iova_t target;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, buf, 8 * G), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st, buf, 0, 8 * G,
		RTE_DMAMAP_TO_DEVICE), "link");
	TEST_ASSERT_EQUAL(tb(strict_dom).maps, runs_of(buf, 8 * G),
		"one backend map per IOVA-contiguous run");
	TEST_ASSERT_EQUAL(tb(strict_dom).flushes, 0, "link does not flush");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev_strict, &st, 0, 8 * G), "sync");
	TEST_ASSERT_EQUAL(tb(strict_dom).flushes, 1, "one flush");
	TEST_ASSERT_SUCCESS(check_translation(strict_dom, st.addr, buf, 8 * G, 512),
		"device addresses translate to the memory");
	TEST_ASSERT_SUCCESS(test_backend_lookup(strict_dom, st.addr, &target, &prot),
		"lookup");
	TEST_ASSERT_EQUAL(prot, RTE_DMAMAP_PROT_READ, "TO_DEVICE: device reads");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(dev_strict, &ds), "stats");
	TEST_ASSERT_EQUAL(ds.links, 1, "link counted");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, &st, 8 * G,
		RTE_DMAMAP_TO_DEVICE), "destroy");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "all unmapped");
	TEST_ASSERT_EQUAL(tb(strict_dom).flushes, 2, "strict destroy flushes");
	TEST_ASSERT_EQUAL(st.size, 0, "state cleared");
	return TEST_SUCCESS;
}

/*
 * External memory of 2 MiB pages with made-up IOVAs following each other
 * from iova: IOVA-contiguous in every EAL mode. Only address space: nothing
 * touches the pages.
 */
static void *
contig_ext_alloc(size_t len, rte_iova_t iova)
{
	const size_t pg = 2 << 20;
	unsigned int i, n = len / pg;
	rte_iova_t iovas[n];
	void *area, *va;

	area = mmap(NULL, len + pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	va = RTE_PTR_ALIGN_CEIL(area, pg);
	/* Keep only the aligned part, so freeing it is one munmap. */
	if (va != area)
		munmap(area, RTE_PTR_DIFF(va, area));
	munmap(RTE_PTR_ADD(va, len), pg - RTE_PTR_DIFF(va, area));
	for (i = 0; i < n; i++)
		iovas[i] = iova + i * pg;
	if (rte_dmamap_extmem_register(va, len, iovas, n, pg) < 0) {
		munmap(va, len);
		return NULL;
	}
	return va;
}

static void
contig_ext_free(void *va, size_t len)
{
	rte_dmamap_extmem_unregister(va, len);
	munmap(va, len);
}

static int
link_whole(struct rte_dmamap_iova_state *st, void *va, size_t len)
{
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, st, va, 0, len,
		RTE_DMAMAP_BIDIRECTIONAL), "link");
	TEST_ASSERT_EQUAL(tb(strict_dom).maps, 1, "contiguous memory: one map");
	TEST_ASSERT_SUCCESS(check_translation(strict_dom, st->addr, va, len,
		64 * G), "translation");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_unlink(dev_strict, st, 0, len,
		RTE_DMAMAP_BIDIRECTIONAL), "unlink");
	TEST_ASSERT_EQUAL(tb(strict_dom).unmaps, 1, "one unmap");
	return TEST_SUCCESS;
}

static int
link_pages(struct rte_dmamap_iova_state *st, void *va, size_t len)
{
	const size_t pg = 2 << 20;
	size_t off;

	test_backend_stats_reset(strict_dom);
	for (off = 0; off < len; off += pg)
		TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, st,
			RTE_PTR_ADD(va, off), off, pg, RTE_DMAMAP_BIDIRECTIONAL),
			"link at 0x%zx", off);
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev_strict, st, 0, len), "sync");
	TEST_ASSERT_EQUAL(tb(strict_dom).maps, len / pg, "one map per link");
	TEST_ASSERT_EQUAL(tb(strict_dom).flushes, 1, "one flush for the batch");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, st, len,
		RTE_DMAMAP_BIDIRECTIONAL), "destroy");
	TEST_ASSERT_EQUAL(tb(strict_dom).unmaps, 1, "one unmap for all links");
	return TEST_SUCCESS;
}

/* 16 IOVA-contiguous 2 MiB pages: one map when linked at once; linked
 * page by page, 16 maps and still one flush for the batch.
 */
static int
test_link_batching(void)
{
	const size_t len = 32 << 20;
	struct rte_dmamap_iova_state st;
	void *va;
	int ret = TEST_FAILED;

	va = contig_ext_alloc(len, EXT_IOVA + (UINT64_C(1) << 40));
	TEST_ASSERT_NOT_NULL(va, "external memory");
	if (rte_dmamap_iova_try_alloc(dev_strict, &st, va, len) &&
			link_whole(&st, va, len) == TEST_SUCCESS)
		ret = link_pages(&st, va, len);
	if (st.size != 0)
		rte_dmamap_iova_destroy(dev_strict, &st, len, RTE_DMAMAP_BIDIRECTIONAL);
	contig_ext_free(va, len);
	return ret;
}

/* Every broken rule: -EINVAL, the state and the backend untouched. */
static int
link_refused(struct rte_dmamap_iova_state *st, const void *va, size_t offset,
		size_t size, enum rte_dmamap_dir dir, int err)
{
	struct rte_dmamap_iova_state saved = *st;
	uint64_t maps = tb(strict_dom).maps;

	if (rte_dmamap_iova_link(dev_strict, st, va, offset, size, dir) != err)
		return -1;
	if (memcmp(&saved, st, sizeof(saved)) != 0 || tb(strict_dom).maps != maps)
		return -1;
	return 0;
}

static int
test_link_rules(void)
{
	struct rte_dmamap_iova_state st;
	const size_t pad = 0x100;
	void *first = RTE_PTR_ADD(buf, pad);
	char local[64];

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, first, 3 * G),
		"alloc");
	TEST_ASSERT_SUCCESS(link_refused(&st, buf, 0, G, 0, -EINVAL),
		"first link at another offset in its granule");
	TEST_ASSERT_SUCCESS(link_refused(&st, RTE_PTR_ADD(buf, G + pad), G, G, 0,
		-EINVAL), "later link starting inside a granule");
	TEST_ASSERT_SUCCESS(link_refused(&st, first, 0, G - pad - 8, 0, -EINVAL),
		"link ending inside a granule before the end");
	TEST_ASSERT_SUCCESS(link_refused(&st, first, 0, 3 * G + 1, 0, -EINVAL),
		"beyond the range");
	TEST_ASSERT_SUCCESS(link_refused(&st, first, 0, 0, 0, -EINVAL), "size 0");
	TEST_ASSERT_SUCCESS(link_refused(&st, NULL, 0, G, 0, -EINVAL), "NULL");
	TEST_ASSERT_SUCCESS(link_refused(&st, first, 0, G - pad, 3, -EINVAL),
		"bad direction");
	TEST_ASSERT_SUCCESS(link_refused(&st, local, 0, 8, 0, -ENOENT),
		"memory unknown to the table");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st, first, 0,
		G - pad, 0), "first link, unaligned start");
	TEST_ASSERT_SUCCESS(link_refused(&st, first, 0, G - pad, 0, -EINVAL),
		"the same range twice");
	TEST_ASSERT_SUCCESS(link_refused(&st, RTE_PTR_ADD(buf, G + 8), G - pad,
		G, 0, -EINVAL), "aligned offset, unaligned memory");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st,
		RTE_PTR_ADD(buf, G), G - pad, 2 * G + pad, 0),
		"last link, unaligned end at the end of the range");
	TEST_ASSERT_SUCCESS(check_translation(strict_dom, st.addr, first, 3 * G, 64),
		"both links translate");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, &st, 3 * G, 0),
		"destroy");
	return TEST_SUCCESS;
}

static int
test_strict_unlink_flushes(void)
{
	struct rte_dmamap_iova_state st;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, buf, 4 * G), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st, buf, 0, 2 * G, 0),
		"link 1");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st,
		RTE_PTR_ADD(buf, 2 * G), 2 * G, 2 * G, 0), "link 2");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev_strict, &st, 0, 4 * G), "sync");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_unlink(dev_strict, &st, 2 * G, 2 * G, 0),
		"unlink 2");
	TEST_ASSERT_EQUAL(tb(strict_dom).flushes, 2, "strict unlink flushes");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_unlink(dev_strict, &st, 0, G, 0), -EINVAL,
		"half of a link");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_unlink(dev_strict, &st, 0, 5 * G, 0),
		-EINVAL, "beyond the range");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_sync(dev_strict, &st, 4 * G, 1), -EINVAL,
		"sync beyond the range");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_destroy(dev_strict, &st, 5 * G, 0),
		-EINVAL, "destroy more than the range");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, &st, 2 * G, 0),
		"destroy");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "all unmapped");
	return TEST_SUCCESS;
}

/* What the cache operations of a non-coherent device were asked, for the
 * CPU: the calls, their bytes and the span they cover.
 */
static struct {
	unsigned int calls;
	size_t bytes;
	uintptr_t lo, hi;
} nc_seen;

static void
nc_for_device(int16_t dev_id, const void *va, rte_iova_t iova, size_t len,
		int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(va);
	RTE_SET_USED(iova);
	RTE_SET_USED(len);
	RTE_SET_USED(dir);
}

static void
nc_for_cpu(int16_t dev_id, void *va, rte_iova_t iova, size_t len, int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	RTE_SET_USED(dir);
	nc_seen.calls++;
	nc_seen.bytes += len;
	nc_seen.lo = RTE_MIN(nc_seen.lo, (uintptr_t)va);
	nc_seen.hi = RTE_MAX(nc_seen.hi, (uintptr_t)va + len);
}

static int16_t
attach_noncoherent(const char *name)
{
	static const struct rte_dmamap_cache_ops ops = {
		.name = "iova_api_nc",
		.for_device = nc_for_device,
		.for_cpu = nc_for_cpu,
	};
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.flags = RTE_DMAMAP_F_NONCOHERENT,
		.bypass = RTE_DMAMAP_BYPASS_NEVER,
		.domain = strict_dom,
		.cache_ops = ops.name,
		.socket_id = SOCKET_ID_ANY,
	};
	int ret = rte_dmamap_cache_ops_register(&ops);

	if (ret < 0 && ret != -EEXIST)
		return ret;
	return rte_dmamap_attach(test_device(name), &conf);
}

/*
 * Unlink on a non-coherent device syncs, for the CPU, the bytes the links
 * gave: not the rest of the granules at either end, which hold other data
 * the CPU may be writing.
 */
static int
test_noncoherent_unlink_syncs_linked_bytes(void)
{
	void *va = RTE_PTR_ADD(buf, 0x123);
	const size_t size = 2 * G + 0x100;
	struct rte_dmamap_iova_state st;
	int16_t id = attach_noncoherent("iova_nc");
	int ret = -1;

	TEST_ASSERT(id >= 0, "attach: %d", id);
	memset(&nc_seen, 0, sizeof(nc_seen));
	nc_seen.lo = UINTPTR_MAX;
	if (rte_dmamap_iova_try_alloc(id, &st, va, size) &&
			rte_dmamap_iova_link(id, &st, va, 0, size,
				RTE_DMAMAP_FROM_DEVICE) == 0 &&
			rte_dmamap_iova_sync(id, &st, 0, size) == 0)
		ret = rte_dmamap_iova_destroy(id, &st, size,
			RTE_DMAMAP_FROM_DEVICE);
	rte_dmamap_detach(id);
	TEST_ASSERT_SUCCESS(ret, "alloc, link, sync, destroy");
	TEST_ASSERT_EQUAL(nc_seen.calls, 3, "one sync per granule touched");
	TEST_ASSERT_EQUAL(nc_seen.bytes, size, "synced 0x%zx bytes, linked 0x%zx",
		nc_seen.bytes, size);
	TEST_ASSERT(nc_seen.lo == (uintptr_t)va &&
		nc_seen.hi == (uintptr_t)va + size, "synced [0x%" PRIxPTR
		", 0x%" PRIxPTR "), linked [%p, +0x%zx)", nc_seen.lo,
		nc_seen.hi, va, size);
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "all unmapped");
	return TEST_SUCCESS;
}

static int
test_lazy_unlink_defers(void)
{
	struct rte_dmamap_domain_stats ds;
	struct rte_dmamap_iova_state st;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_lazy, &st, buf, 4 * G), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_lazy, &st, buf, 0, 4 * G, 0),
		"link");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev_lazy, &st, 0, 4 * G), "sync");
	TEST_ASSERT_EQUAL(tb(lazy_dom).flushes, 1, "sync flushes, lazy or not");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_lazy, &st, 4 * G, 0),
		"destroy");
	TEST_ASSERT_EQUAL(tb(lazy_dom).unmaps, 1, "unmapped");
	TEST_ASSERT_EQUAL(tb(lazy_dom).flushes, 1, "not flushed");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(lazy_dom, &ds), "stats");
	TEST_ASSERT_EQUAL(ds.fq_queued, 1, "IOVA waits in the flush queue");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(lazy_dom), "flush");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(lazy_dom, &ds), "stats");
	TEST_ASSERT_EQUAL(ds.fq_queued, 0, "drained");
	TEST_ASSERT_EQUAL(tb(lazy_dom).full_flushes, 1, "by one flush");
	return TEST_SUCCESS;
}

static int
test_bad_state(void)
{
	struct rte_dmamap_iova_state st = { 0 };

	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev_strict, &st, buf, 0, G, 0),
		-EINVAL, "never allocated");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev_strict, NULL, buf, 0, G, 0),
		-EINVAL, "NULL state");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_sync(dev_strict, &st, 0, G), -EINVAL,
		"sync");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_unlink(dev_strict, &st, 0, G, 0), -EINVAL,
		"unlink");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_destroy(dev_strict, &st, 0, 0), -EINVAL,
		"destroy");
	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, buf, G), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev_plain, &st, buf, 0, G, 0),
		-EINVAL, "device without a domain");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_unlink(dev_strict, &st, 0, G, 3), -EINVAL,
		"bad direction");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, &st, 0, 0),
		"destroy with nothing linked frees");
	return TEST_SUCCESS;
}

/*
 * Backend failures, on external memory whose pages each make their own run.
 */

static int
ext_setup(void)
{
	rte_iova_t iovas[EXT_PAGES];
	unsigned int i;
	int ret;

	ext = mmap(NULL, EXT_PAGES * G, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ext == MAP_FAILED)
		return TEST_FAILED;
	for (i = 0; i < EXT_PAGES; i++)
		iovas[i] = EXT_IOVA + (EXT_PAGES - 1 - i) * 2 * G;
	ret = rte_dmamap_extmem_register(ext, EXT_PAGES * G, iovas, EXT_PAGES, G);
	if (ret < 0) {
		printf("extmem register: %d\n", ret);
		munmap(ext, EXT_PAGES * G);
		return TEST_FAILED;
	}
	test_backend_stats_reset(strict_dom);
	return TEST_SUCCESS;
}

static void
ext_teardown(void)
{
	rte_dmamap_extmem_unregister(ext, EXT_PAGES * G);
	munmap(ext, EXT_PAGES * G);
}

static int
test_link_failure_rolls_back(void)
{
	struct rte_dmamap_iova_state st, saved;
	unsigned int i;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, ext, EXT_PAGES * G),
		"alloc");
	saved = st;
	test_backend_fail(strict_dom, TEST_BACKEND_MAP, 5);
	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev_strict, &st, ext, 0,
		EXT_PAGES * G, 0), -EIO, "fifth map fails");
	TEST_ASSERT_EQUAL(tb(strict_dom).maps, 5, "stopped at the failure");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "the four undone");
	TEST_ASSERT_SUCCESS(memcmp(&saved, &st, sizeof(st)), "state untouched");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, &st, ext, 0,
		EXT_PAGES * G, 0), "link again");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, EXT_PAGES, "one map per page");
	for (i = 0; i < EXT_PAGES; i++)
		TEST_ASSERT_EQUAL(test_backend_translate(strict_dom, st.addr + i * G),
			EXT_IOVA + (EXT_PAGES - 1 - i) * 2 * G, "page %u", i);
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(dev_strict, &st,
		EXT_PAGES * G, 0), "destroy");
	return TEST_SUCCESS;
}

static int
test_link_unknown_tail_rolls_back(void)
{
	struct rte_dmamap_iova_state st;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, ext,
		(EXT_PAGES + 1) * G), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_iova_link(dev_strict, &st, ext, 0,
		(EXT_PAGES + 1) * G, 0), -ENOENT, "last page unknown");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "nothing left mapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(dev_strict, &st), "free");
	return TEST_SUCCESS;
}

/*
 * Regions.
 */

struct obj_check {
	const struct rte_dmamap_region *region;
	unsigned int bad;
	unsigned int n;
};

static void
obj_check(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	struct obj_check *oc = opaque;
	const struct rte_dmamap_region *r = oc->region;
	rte_iova_t iova = r->iova + RTE_PTR_DIFF(obj, r->va);

	RTE_SET_USED(idx);
	oc->n++;
	if (test_backend_translate(strict_dom, iova) != rte_dmamap_virt2iova(obj) ||
			test_backend_translate(strict_dom, iova + mp->elt_size - 1) !=
			rte_dmamap_virt2iova(RTE_PTR_ADD(obj, mp->elt_size - 1)))
		oc->bad++;
}

static int
check_pool_region(struct rte_mempool *mp)
{
	struct rte_dmamap_region region;
	struct obj_check oc = { .region = &region };
	uint64_t flushes;

	test_backend_stats_reset(strict_dom);
	TEST_ASSERT_SUCCESS(rte_dmamap_mempool_map(dev_strict, mp,
		RTE_DMAMAP_BIDIRECTIONAL, &region), "map");
	flushes = tb(strict_dom).flushes;
	if (!region.direct)
		rte_mempool_obj_iter(mp, obj_check, &oc);
	TEST_ASSERT_SUCCESS(rte_dmamap_region_unmap(dev_strict, &region,
		RTE_DMAMAP_BIDIRECTIONAL), "unmap");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "all unmapped");
	TEST_ASSERT(!region.direct, "through the domain");
	TEST_ASSERT_EQUAL(flushes, 1, "one sync for the pool");
	TEST_ASSERT_EQUAL(oc.n, mp->populated_size, "every object");
	TEST_ASSERT_EQUAL(oc.bad, 0, "objects at region iova + offset");
	TEST_ASSERT_EQUAL(rte_dmamap_region_unmap(dev_strict, &region,
		RTE_DMAMAP_BIDIRECTIONAL), -EINVAL, "unmap twice");
	return TEST_SUCCESS;
}

static int
test_mempool_map(void)
{
	struct rte_mempool *mp;
	int ret;

	mp = rte_mempool_create("iova_api_pool", 4096, 2048, 0, 0, NULL, NULL,
		NULL, NULL, SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mp, "pool: %s", rte_strerror(rte_errno));
	ret = check_pool_region(mp);
	rte_mempool_free(mp);
	return ret;
}

/* A pool over scattered chunks of odd sizes, with gaps between them. */
static int
test_mempool_scattered_chunks(void)
{
	void *chunk[6] = { NULL }, *gap[6] = { NULL };
	struct rte_mempool *mp;
	unsigned int i;
	int ret = TEST_FAILED;

	mp = rte_mempool_create_empty("iova_api_chunks", 600, 1000, 0, 0,
		SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	if (rte_mempool_set_ops_byname(mp, "ring_mp_mc", NULL) < 0)
		goto out;
	for (i = 0; i < RTE_DIM(chunk); i++) {
		chunk[i] = rte_malloc(NULL, 100 * 1024 + 64 * i, 64);
		gap[i] = rte_malloc(NULL, 64 * 1024, 64);
		if (chunk[i] == NULL || gap[i] == NULL ||
				rte_mempool_populate_virt(mp, chunk[i],
					100 * 1024 + 64 * i, G, NULL, NULL) <= 0)
			goto out;
	}
	printf("%u chunks\n", mp->nb_mem_chunks);
	ret = mp->nb_mem_chunks >= RTE_DIM(chunk) ? check_pool_region(mp) :
		TEST_FAILED;
out:
	rte_mempool_free(mp);
	for (i = 0; i < RTE_DIM(chunk); i++) {
		rte_free(chunk[i]);
		rte_free(gap[i]);
	}
	return ret;
}

static int
test_mempool_direct_and_errors(void)
{
	struct rte_dmamap_region region;
	struct rte_mempool *mp, *empty;
	int ret = TEST_SUCCESS;

	mp = rte_mempool_create("iova_api_pool2", 512, 2048, 0, 0, NULL, NULL,
		NULL, NULL, SOCKET_ID_ANY, 0);
	empty = rte_mempool_create_empty("iova_api_empty", 16, 64, 0, 0,
		SOCKET_ID_ANY, 0);
	TEST_ASSERT(mp != NULL && empty != NULL, "pools");
	if (rte_dmamap_mempool_map(dev_plain, mp, 0, &region) != 0 ||
			!region.direct || region.len == 0 ||
			rte_dmamap_region_unmap(dev_plain, &region, 0) != 0 ||
			rte_dmamap_mempool_map(dev_strict, NULL, 0, &region) != -EINVAL ||
			rte_dmamap_mempool_map(dev_strict, mp, 0, NULL) != -EINVAL ||
			rte_dmamap_mempool_map(dev_strict, mp, 3, &region) != -EINVAL ||
			rte_dmamap_mempool_map(dev_strict, empty, 0, &region) != -EINVAL ||
			rte_dmamap_mempool_map(-1, mp, 0, &region) != -EINVAL ||
			rte_dmamap_region_unmap(dev_strict, NULL, 0) != -EINVAL)
		ret = TEST_FAILED;
	rte_mempool_free(mp);
	rte_mempool_free(empty);
	return ret;
}

static int
test_mempool_map_failure(void)
{
	struct rte_dmamap_domain_stats ds;
	struct rte_dmamap_region region;
	struct rte_mempool *mp;
	int ret;

	mp = rte_mempool_create("iova_api_pool3", 1024, 2048, 0, 0, NULL, NULL,
		NULL, NULL, SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mp, "pool");
	test_backend_fail(strict_dom, TEST_BACKEND_MAP, 1);
	ret = rte_dmamap_mempool_map(dev_strict, mp, 0, &region);
	rte_mempool_free(mp);
	TEST_ASSERT_EQUAL(ret, -EIO, "backend failure");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "nothing left mapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(strict_dom, &ds), "stats");
	TEST_ASSERT_EQUAL(ds.iova_allocs, ds.iova_frees, "IOVA given back");
	TEST_ASSERT_EQUAL(region.state.size, 0, "region cleared");
	return TEST_SUCCESS;
}

static int
test_memzone_map(void)
{
	const size_t len = (3 << 20) + 0x1234;
	struct rte_dmamap_region region;
	const struct rte_memzone *mz;
	int ret;

	mz = rte_memzone_reserve("iova_api_mz", len, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "memzone");
	test_backend_stats_reset(strict_dom);
	ret = rte_dmamap_memzone_map(dev_strict, mz, RTE_DMAMAP_FROM_DEVICE, &region);
	if (ret == 0 && (region.direct || region.va != mz->addr ||
			region.len != mz->len || tb(strict_dom).flushes != 1 ||
			check_translation(strict_dom, region.iova, mz->addr,
				mz->len, 4000) < 0))
		ret = -1;
	if (ret == 0)
		ret = rte_dmamap_region_unmap(dev_strict, &region,
			RTE_DMAMAP_FROM_DEVICE);
	rte_memzone_free(mz);
	TEST_ASSERT_SUCCESS(ret, "memzone mapped as one range");
	TEST_ASSERT_EQUAL(tb(strict_dom).ranges, 0, "all unmapped");
	TEST_ASSERT_EQUAL(rte_dmamap_memzone_map(dev_strict, NULL, 0, &region),
		-EINVAL, "NULL memzone");
	return TEST_SUCCESS;
}

static struct unit_test_suite iova_api_suite = {
	.suite_name = "dmamap two-step IOVA API autotest",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE_ST(buf_setup, buf_teardown, test_try_alloc_declines_direct),
		TEST_CASE_ST(buf_setup, buf_teardown, test_try_alloc_errors),
		TEST_CASE_ST(buf_setup, buf_teardown, test_try_alloc_keeps_offset),
		TEST_CASE_ST(buf_setup, buf_teardown, test_link_sync_translate),
		TEST_CASE_ST(buf_setup, buf_teardown, test_link_batching),
		TEST_CASE_ST(buf_setup, buf_teardown, test_link_rules),
		TEST_CASE_ST(buf_setup, buf_teardown, test_strict_unlink_flushes),
		TEST_CASE_ST(buf_setup, buf_teardown, test_lazy_unlink_defers),
		TEST_CASE_ST(buf_setup, buf_teardown,
			test_noncoherent_unlink_syncs_linked_bytes),
		TEST_CASE_ST(buf_setup, buf_teardown, test_bad_state),
		TEST_CASE_ST(ext_setup, ext_teardown, test_link_failure_rolls_back),
		TEST_CASE_ST(ext_setup, ext_teardown,
			test_link_unknown_tail_rolls_back),
		TEST_CASE(test_mempool_map),
		TEST_CASE(test_mempool_scattered_chunks),
		TEST_CASE(test_mempool_direct_and_errors),
		TEST_CASE(test_mempool_map_failure),
		TEST_CASE(test_memzone_map),
		TEST_CASES_END()
	},
};

static int
test_dmamap_iova_api(void)
{
	return unit_test_suite_runner(&iova_api_suite);
}

REGISTER_TEST_COMMAND(dmamap_iova_api_autotest, test_dmamap_iova_api);
