/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The umem pool: creation and its errors, aligned and unaligned frame
 * layouts, user and external memory, batch alloc/free with the per-lcore
 * cache, devices attached through test domains (strict, lazy, with
 * different masks) and directly, each frame translating through the
 * backend to its EAL IOVA, the refcount and the refusal to detach a device
 * that owns frames, fill and completion rings, syncs on non-coherent and
 * debugged devices, the mempool ops driver under DPDK's mempool and mbuf
 * semantics, and a secondary process using the pool.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_dmamap_umem.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_string_fns.h>

#include "test.h"
#include "test_backend.h"

#define G UINT64_C(4096)
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LAST (APERTURE + (UINT64_C(64) << 30) - 1)
/* Made-up IOVAs of external memory: one page in every other, backwards. */
#define EXT_IOVA (UINT64_C(1) << 46)
#define EXT_PAGES 16
#define FS 2048
#define NB 1024
#define HEADROOM 256
#define CACHE 64
#define MP_NB 1023
#define SEC_MZ "umem_test_sec"
#define SEC_NB 8

static struct rte_dmamap_domain *dom_strict, *dom_lazy, *dom_tiny;
static int16_t dev_dom = -1, dev_lazy = -1, dev_direct = -1, dev_nc = -1,
	dev_nc_dom = -1, dev_tiny = -1, dev_low = -1, dev_debug = -1;
static struct rte_dmamap_umem *um;
static struct rte_dmamap_umem_ring *rings[4];
static void *ext_map;
static void *ext;

/* What the cache operations of the non-coherent devices saw. */
static struct {
	unsigned int for_device;
	unsigned int for_cpu;
	const void *va;
	size_t len;
	int dir;
} cache_seen;

struct sec_shared {
	rte_iova_t iova0;       /* dev_dom's IOVA of the first frame */
	uintptr_t va0;
};

static void
cache_for_device(int16_t dev_id, const void *va, rte_iova_t iova, size_t len,
		int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	cache_seen.for_device++;
	cache_seen.va = va;
	cache_seen.len = len;
	cache_seen.dir = dir;
}

static void
cache_for_cpu(int16_t dev_id, void *va, rte_iova_t iova, size_t len, int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	cache_seen.for_cpu++;
	cache_seen.va = va;
	cache_seen.len = len;
	cache_seen.dir = dir;
}

static const struct rte_dmamap_cache_ops cache_ops = {
	.name = "umem_test_cache",
	.for_device = cache_for_device,
	.for_cpu = cache_for_cpu,
};

static int16_t
attach(const char *name, unsigned int bits, uint32_t flags,
		struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.flags = flags,
		.bypass = dom != NULL ? RTE_DMAMAP_BYPASS_NEVER : RTE_DMAMAP_BYPASS_AUTO,
		.domain = dom,
		.cache_ops = (flags & RTE_DMAMAP_F_NONCOHERENT) ? cache_ops.name : NULL,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

static int
suite_setup(void)
{
	int ret = rte_dmamap_cache_ops_register(&cache_ops);

	if (ret < 0 && ret != -EEXIST)
		return TEST_FAILED;
	dom_strict = test_backend_domain_create("umem_strict", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	dom_lazy = test_backend_domain_create("umem_lazy", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_LAZY, 0, 0);
	dom_tiny = test_backend_domain_create("umem_tiny", APERTURE,
		APERTURE + 16 * G - 1, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	TEST_ASSERT(dom_strict != NULL && dom_lazy != NULL && dom_tiny != NULL,
		"domains");
	dev_dom = attach("umem_dom", 48, 0, dom_strict);
	dev_lazy = attach("umem_lazy", 46, 0, dom_lazy);
	dev_direct = attach("umem_direct", 64, 0, NULL);
	dev_nc = attach("umem_nc", 64, RTE_DMAMAP_F_NONCOHERENT, NULL);
	dev_nc_dom = attach("umem_nc_dom", 48, RTE_DMAMAP_F_NONCOHERENT, dom_strict);
	dev_tiny = attach("umem_tiny", 64, 0, dom_tiny);
	dev_low = attach("umem_low", 12, RTE_DMAMAP_F_NO_BOUNCE, NULL);
	dev_debug = attach("umem_debug", 48, RTE_DMAMAP_F_DEBUG, dom_strict);
	TEST_ASSERT(dev_dom >= 0 && dev_lazy >= 0 && dev_direct >= 0 &&
		dev_nc >= 0 && dev_nc_dom >= 0 && dev_tiny >= 0 && dev_low >= 0 &&
		dev_debug >= 0, "attach");
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	int16_t *dev_ids[] = { &dev_dom, &dev_lazy, &dev_direct, &dev_nc,
		&dev_nc_dom, &dev_tiny, &dev_low, &dev_debug };
	unsigned int i;

	for (i = 0; i < RTE_DIM(dev_ids); i++) {
		int16_t id = *dev_ids[i];

		if (id >= 0)
			rte_dmamap_detach(id);
	}
	rte_dmamap_domain_destroy(dom_strict);
	rte_dmamap_domain_destroy(dom_lazy);
	rte_dmamap_domain_destroy(dom_tiny);
}

static struct rte_dmamap_umem_conf
good_conf(const char *name)
{
	struct rte_dmamap_umem_conf conf = {
		.name = name,
		.frame_size = FS,
		.nb_frames = NB,
		.headroom = HEADROOM,
		.socket_id = SOCKET_ID_ANY,
		.cache_size = CACHE,
		.ring_size = 256,
	};

	return conf;
}

/* Drop whatever a case left: rings, frames owned, attachments. */
static void
umem_release(struct rte_dmamap_umem *u)
{
	const int16_t devs[] = { dev_dom, dev_direct, dev_lazy, dev_nc,
		dev_nc_dom, dev_debug };
	struct rte_dmamap_umem_dev_info di;
	struct rte_dmamap_umem_info info;
	unsigned int i;

	for (i = 0; i < RTE_DIM(rings); i++) {
		rte_dmamap_umem_ring_free(rings[i]);
		rings[i] = NULL;
	}
	for (i = 0; u != NULL && i < RTE_DIM(devs); i++) {
		if (rte_dmamap_umem_info_get(u, &info) < 0 || info.nb_devs == 0)
			break;
		if (rte_dmamap_umem_dev_info_get(u, devs[i], &di) < 0)
			continue;
		if (di.outstanding > 0)
			rte_dmamap_umem_tx_done(u, devs[i], (unsigned int)di.outstanding);
		while (rte_dmamap_umem_detach(u, devs[i]) == 0)
			;
	}
	rte_dmamap_umem_destroy(u);
}

static int
umem_setup(void)
{
	struct rte_dmamap_umem_conf conf = good_conf("umem_t");

	um = rte_dmamap_umem_create(&conf);
	return um != NULL ? TEST_SUCCESS : TEST_FAILED;
}

static int
umem_unaligned_setup(void)
{
	struct rte_dmamap_umem_conf conf = good_conf("umem_u");

	/* Spans three 2 MiB blocks. */
	conf.frame_size = 3000;
	conf.nb_frames = 2000;
	conf.flags = RTE_DMAMAP_UMEM_F_UNALIGNED;
	um = rte_dmamap_umem_create(&conf);
	return um != NULL ? TEST_SUCCESS : TEST_FAILED;
}

static void
umem_teardown(void)
{
	umem_release(um);
	um = NULL;
}

/* Every frame, its index and back, and frames in increasing order. */
static int
check_layout(const struct rte_dmamap_umem *u, const struct rte_dmamap_umem_info *info)
{
	uintptr_t prev = 0, f;
	uint32_t i;

	for (i = 0; i < info->nb_frames; i++) {
		f = (uintptr_t)rte_dmamap_umem_frame_addr(u, i);
		TEST_ASSERT(f != 0 && f >= prev, "frame %u at 0x%" PRIxPTR, i, f);
		TEST_ASSERT_EQUAL(rte_dmamap_umem_frame_idx(u, (void *)f), i, "idx");
		TEST_ASSERT_EQUAL(rte_dmamap_umem_frame_idx(u,
			(void *)(f + info->frame_size - 1)), i, "last byte");
		TEST_ASSERT_EQUAL((uintptr_t)rte_dmamap_umem_frame_start(u,
			(void *)(f + 100)), f, "start of an inner address");
		TEST_ASSERT_EQUAL(f >> 21, (f + info->frame_size - 1) >> 21,
			"frame %u crosses a 2 MiB boundary", i);
		prev = f + info->frame_size;
	}
	TEST_ASSERT_EQUAL(prev, (uintptr_t)info->va + info->len, "len ends at the last frame");
	return TEST_SUCCESS;
}

/*
 * Creation.
 */

static int
expect_create_error(const struct rte_dmamap_umem_conf *conf, int err)
{
	char mz[RTE_MEMZONE_NAMESIZE];

	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_umem_create(conf), "created");
	TEST_ASSERT_EQUAL(rte_errno, err, "errno");
	if (conf != NULL && conf->name != NULL && err != EEXIST) {
		snprintf(mz, sizeof(mz), "UM_%s", conf->name);
		TEST_ASSERT_NULL(rte_memzone_lookup(mz), "state left behind");
	}
	return TEST_SUCCESS;
}

static int
test_create_errors_sizes(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_bad");
	const uint32_t bad_fs[] = { 1024, 2047, 3000, 131072 };
	unsigned int i;

	TEST_ASSERT_SUCCESS(expect_create_error(NULL, EINVAL), "NULL");
	for (i = 0; i < RTE_DIM(bad_fs); i++) {
		c.frame_size = bad_fs[i];
		TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "fs %u", bad_fs[i]);
	}
	c = good_conf("umem_bad");
	c.flags = RTE_DMAMAP_UMEM_F_UNALIGNED;
	c.frame_size = 70000;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "unaligned too big");
	c.frame_size = 2000;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "unaligned too small");
	c = good_conf("umem_bad");
	c.headroom = FS;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "headroom");
	c = good_conf("umem_bad");
	c.nb_frames = 0;
	return expect_create_error(&c, EINVAL);
}

static int
test_create_errors_conf(void)
{
	struct rte_dmamap_umem_conf c = good_conf(NULL);

	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "NULL name");
	c.name = "umem_name_of_twenty_six_ch";
	TEST_ASSERT_SUCCESS(expect_create_error(&c, ENAMETOOLONG), "long name");
	c = good_conf("umem_bad");
	c.flags = RTE_BIT32(5);
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "flags");
	c = good_conf("umem_bad");
	c.cache_size = RTE_DMAMAP_UMEM_CACHE_MAX + 1;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "cache max");
	c.cache_size = 64;
	c.nb_frames = 64;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "cache vs frames");
	c = good_conf("umem_bad");
	c.ring_size = 100;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "ring size");
	c = good_conf("umem_bad");
	c.socket_id = RTE_MAX_NUMA_NODES;
	return expect_create_error(&c, EINVAL);
}

static int
test_create_errors_user_mem(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_bad");
	void *buf = rte_malloc("umem_user", 64 * FS, FS);
	static char local[8 * FS] __rte_aligned(FS);

	TEST_ASSERT_NOT_NULL(buf, "rte_malloc");
	c.user_mem_len = 64 * FS;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "len, no memory");
	c.user_mem = buf;
	c.user_mem_len = 0;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "memory, no len");
	c.user_mem = RTE_PTR_ADD(buf, 64);
	c.user_mem_len = 63 * FS;
	c.nb_frames = 8;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "misaligned");
	c.user_mem = buf;
	c.user_mem_len = 64 * FS;
	c.nb_frames = 65;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, EINVAL), "too small");
	c.user_mem = local;
	c.user_mem_len = sizeof(local);
	c.nb_frames = 8;
	c.cache_size = 0;
	TEST_ASSERT_SUCCESS(expect_create_error(&c, ENOENT), "unknown memory");
	rte_free(buf);
	return TEST_SUCCESS;
}

static int
test_create_exists_lookup(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_t");

	TEST_ASSERT_SUCCESS(expect_create_error(&c, EEXIST), "same name");
	TEST_ASSERT(rte_dmamap_umem_lookup("umem_t") == um, "lookup");
	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_umem_lookup("umem_none"), "unknown");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "ENOENT");
	TEST_ASSERT_NULL(rte_dmamap_umem_lookup(NULL), "NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_destroy(NULL), "destroy NULL");
	return TEST_SUCCESS;
}

static int
test_info_aligned(void)
{
	struct rte_dmamap_umem_info info;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_info_get(um, &info), "info");
	TEST_ASSERT(strcmp(info.name, "umem_t") == 0, "name");
	TEST_ASSERT_EQUAL(info.frame_size, FS, "frame size");
	TEST_ASSERT_EQUAL(info.nb_frames, NB, "frames");
	TEST_ASSERT_EQUAL(info.headroom, HEADROOM, "headroom");
	TEST_ASSERT_EQUAL(info.len, (size_t)NB * FS, "len");
	TEST_ASSERT_EQUAL((uintptr_t)info.va % FS, 0, "aligned");
	TEST_ASSERT_EQUAL(info.ring_size, 256, "ring size");
	TEST_ASSERT(!info.user_mem && !info.mempool && info.frame_offset == 0,
		"own memory");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), NB, "all free");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_info_get(NULL, &info), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_info_get(um, NULL), -EINVAL, "NULL info");
	return check_layout(um, &info);
}

static int
test_layout_bounds(void)
{
	struct rte_dmamap_umem_info info;

	rte_dmamap_umem_info_get(um, &info);
	TEST_ASSERT_NULL(rte_dmamap_umem_frame_addr(um, info.nb_frames), "beyond");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_frame_idx(um, RTE_PTR_SUB(info.va, 1)),
		RTE_DMAMAP_UMEM_BAD_IDX, "before");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_frame_idx(um, RTE_PTR_ADD(info.va,
		info.len)), RTE_DMAMAP_UMEM_BAD_IDX, "after");
	TEST_ASSERT_NULL(rte_dmamap_umem_frame_start(um, RTE_PTR_ADD(info.va,
		info.len)), "start after");
	TEST_ASSERT(rte_dmamap_umem_contains(um, info.va), "first byte");
	TEST_ASSERT(!rte_dmamap_umem_contains(um, RTE_PTR_ADD(info.va, info.len)),
		"end");
	return TEST_SUCCESS;
}

static int
test_unaligned_layout(void)
{
	struct rte_dmamap_umem_info info;
	uintptr_t f, gap;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_info_get(um, &info), "info");
	TEST_ASSERT_EQUAL(info.flags, RTE_DMAMAP_UMEM_F_UNALIGNED, "flags");
	TEST_ASSERT_EQUAL(info.nb_frames, 2000, "frames");
	TEST_ASSERT(info.len > (UINT64_C(4) << 20), "more than two blocks");
	TEST_ASSERT_SUCCESS(check_layout(um, &info), "layout");
	/* The tail of a block holds no frame. */
	f = (uintptr_t)rte_dmamap_umem_frame_addr(um, 0);
	gap = RTE_ALIGN_FLOOR(f, RTE_DMAMAP_UMEM_BLOCK_SIZE) +
		RTE_DMAMAP_UMEM_BLOCK_SIZE - 1;
	TEST_ASSERT_EQUAL(rte_dmamap_umem_frame_idx(um, (void *)gap),
		RTE_DMAMAP_UMEM_BAD_IDX, "block tail");
	TEST_ASSERT_NULL(rte_dmamap_umem_frame_start(um, (void *)gap), "no start");
	return TEST_SUCCESS;
}

/*
 * Allocation.
 */

/* Allocate every frame in bursts of n; all distinct, then one too many. */
static int
alloc_all(struct rte_dmamap_umem *u, void **frames, uint32_t nb, unsigned int n)
{
	uint8_t *seen = calloc(nb, 1);
	uint32_t i, idx;

	TEST_ASSERT_NOT_NULL(seen, "calloc");
	for (i = 0; i < nb; i += n)
		TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(u, &frames[i],
			RTE_MIN(n, nb - i)), "alloc at %u", i);
	for (i = 0; i < nb; i++) {
		idx = rte_dmamap_umem_frame_idx(u, frames[i]);
		TEST_ASSERT(idx < nb && !seen[idx], "frame %p twice or foreign",
			frames[i]);
		TEST_ASSERT_EQUAL(frames[i], rte_dmamap_umem_frame_addr(u, idx),
			"frame start");
		seen[idx] = 1;
	}
	free(seen);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_alloc_bulk(u, frames, 1), -ENOBUFS,
		"exhausted");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(u), 0, "none left");
	return TEST_SUCCESS;
}

static int
test_alloc_free_all(void)
{
	static void *frames[2 * NB];
	const unsigned int bursts[] = { 1, 32, CACHE + 1, 500 };
	struct rte_dmamap_umem_info info;
	unsigned int b, i, nb;

	rte_dmamap_umem_info_get(um, &info);
	nb = info.nb_frames;
	TEST_ASSERT(nb <= RTE_DIM(frames), "room");
	for (b = 0; b < RTE_DIM(bursts); b++) {
		TEST_ASSERT_SUCCESS(alloc_all(um, frames, nb, bursts[b]),
			"bursts of %u", bursts[b]);
		for (i = 0; i < nb; i += bursts[b])
			rte_dmamap_umem_free_bulk(um, &frames[i],
				RTE_MIN(bursts[b], nb - i));
		TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), nb, "all back");
	}
	return TEST_SUCCESS;
}

static int
test_alloc_all_or_nothing(void)
{
	static void *frames[NB];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, frames, NB - 10),
		"most");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_alloc_bulk(um, &frames[NB - 10], 11),
		-ENOBUFS, "one too many");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), 10, "nothing taken");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, &frames[NB - 10], 10),
		"the rest, from cache and ring");
	rte_dmamap_umem_free_bulk(um, frames, NB);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), NB, "all back");
	return TEST_SUCCESS;
}

/* The cache serves the lcore that freed: the same frames come back. */
static int
test_alloc_cache_hot(void)
{
	void *a[8], *b[8];
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, a, 8), "alloc");
	rte_dmamap_umem_free_bulk(um, a, 8);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, b, 8), "again");
	for (i = 0; i < 8; i++)
		TEST_ASSERT(a[i] == b[7 - i], "frame %u from the cache", i);
	rte_dmamap_umem_free_bulk(um, b, 8);
	return TEST_SUCCESS;
}

/*
 * User and external memory.
 */

static int
test_user_mem_eal(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_user");
	struct rte_dmamap_umem_info info;
	struct rte_dmamap_umem *u;
	void *buf = rte_malloc("umem_user", 100 * FS + 100, FS);

	TEST_ASSERT_NOT_NULL(buf, "rte_malloc");
	c.user_mem = buf;
	c.user_mem_len = 100 * FS + 100;
	c.nb_frames = 0;
	u = rte_dmamap_umem_create(&c);
	TEST_ASSERT_NOT_NULL(u, "create over rte_malloc memory");
	rte_dmamap_umem_info_get(u, &info);
	TEST_ASSERT(info.user_mem && info.va == buf, "user memory");
	TEST_ASSERT_EQUAL(info.nb_frames, 100, "as many as fit");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(u, dev_dom), "attach");
	TEST_ASSERT_EQUAL(test_backend_translate(dom_strict,
		rte_dmamap_umem_iova(u, dev_dom, buf)), rte_dmamap_virt2iova(buf),
		"translates");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(u, dev_dom), "detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_destroy(u), "destroy");
	rte_free(buf);
	return TEST_SUCCESS;
}

/* Unaligned frames in user memory: as many as fit, none crossing a block. */
static int
test_user_mem_unaligned(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_user");
	size_t len = 100 * 3000 + 10;
	struct rte_dmamap_umem_info info;
	void *buf = rte_malloc("umem_user", len, 64);
	int ret;

	TEST_ASSERT_NOT_NULL(buf, "rte_malloc");
	c.flags = RTE_DMAMAP_UMEM_F_UNALIGNED;
	c.frame_size = 3000;
	c.user_mem = RTE_PTR_ADD(buf, 3);
	c.user_mem_len = len - 3;
	c.nb_frames = 0;
	um = rte_dmamap_umem_create(&c);
	TEST_ASSERT_NOT_NULL(um, "create");
	rte_dmamap_umem_info_get(um, &info);
	/* Frames start on their block's grid, and a block boundary may lie
	 * inside: up to two frames are lost.
	 */
	TEST_ASSERT(info.nb_frames >= 98 && info.nb_frames <= 100, "%u frames",
		info.nb_frames);
	TEST_ASSERT(info.va >= c.user_mem && RTE_PTR_ADD(info.va, info.len) <=
		RTE_PTR_ADD(c.user_mem, c.user_mem_len), "inside the memory");
	ret = check_layout(um, &info);
	umem_teardown();
	rte_free(buf);
	return ret;
}

/* 16 pages of external memory whose IOVAs do not follow each other. */
static int
ext_setup(void)
{
	rte_iova_t iovas[EXT_PAGES];
	unsigned int i;

	/* Twice the size, to place it on a 64 KiB boundary (frame sizes). */
	ext_map = mmap(NULL, 2 * EXT_PAGES * G, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ext_map == MAP_FAILED)
		return TEST_FAILED;
	ext = RTE_PTR_ALIGN_CEIL(ext_map, EXT_PAGES * G);
	for (i = 0; i < EXT_PAGES; i++)
		iovas[i] = EXT_IOVA + (EXT_PAGES - 1 - i) * 2 * G;
	if (rte_dmamap_extmem_register(ext, EXT_PAGES * G, iovas, EXT_PAGES, G) < 0) {
		munmap(ext_map, 2 * EXT_PAGES * G);
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
ext_teardown(void)
{
	umem_teardown();
	rte_dmamap_extmem_unregister(ext, EXT_PAGES * G);
	munmap(ext_map, 2 * EXT_PAGES * G);
}

static struct rte_dmamap_umem *
ext_umem(uint32_t fs)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_ext");

	c.frame_size = fs;
	c.nb_frames = 0;
	c.cache_size = 0;
	c.user_mem = ext;
	c.user_mem_len = EXT_PAGES * G;
	return rte_dmamap_umem_create(&c);
}

/* 2 KiB frames in scattered 4 KiB pages: contiguous, found by lookup. */
static int
test_ext_direct_scattered(void)
{
	struct rte_dmamap_umem_dev_info di;
	void *f;
	uint32_t i;

	um = ext_umem(FS);
	TEST_ASSERT_NOT_NULL(um, "create over external memory");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "attach");
	rte_dmamap_umem_dev_info_get(um, dev_direct, &di);
	TEST_ASSERT(!di.in_domain && !di.linear, "direct, by lookup");
	for (i = 0; i < 2 * EXT_PAGES; i++) {
		f = rte_dmamap_umem_frame_addr(um, i);
		TEST_ASSERT_EQUAL(rte_dmamap_umem_iova(um, dev_direct, f),
			rte_dmamap_virt2iova(f), "frame %u", i);
		TEST_ASSERT(rte_dmamap_umem_iova2addr(um, dev_direct,
			rte_dmamap_virt2iova(f) + 5) == RTE_PTR_ADD(f, 5), "back");
	}
	return TEST_SUCCESS;
}

/* 8 KiB frames straddle scattered pages: a direct device cannot use them,
 * a device behind a domain sees each as one contiguous range.
 */
static int
test_ext_straddling_frames(void)
{
	rte_iova_t iova;
	void *f;
	size_t off;

	um = ext_umem(2 * G);
	TEST_ASSERT_NOT_NULL(um, "create");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_direct), -EXDEV,
		"direct");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "domain");
	f = rte_dmamap_umem_frame_addr(um, 3);
	iova = rte_dmamap_umem_iova(um, dev_dom, f);
	for (off = 0; off < 2 * G; off += G / 2)
		TEST_ASSERT_EQUAL(test_backend_translate(dom_strict, iova + off),
			rte_dmamap_virt2iova(RTE_PTR_ADD(f, off)), "offset %zu", off);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_iova(um, dev_dom, RTE_PTR_ADD(f, 2 * G - 1)),
		iova + 2 * G - 1, "contiguous for the device");
	return TEST_SUCCESS;
}

/* Memory that left the translation table after the pool was made. */
static int
test_ext_unknown_memory(void)
{
	um = ext_umem(FS);
	TEST_ASSERT_NOT_NULL(um, "create");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(ext, EXT_PAGES * G),
		"unregister");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_direct), -ENOENT, "direct");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_dom), -ENOENT, "domain");
	return TEST_SUCCESS;
}

/*
 * Devices.
 */

/* Every frame's IOVA for a device reaches, through its domain or directly,
 * the frame's EAL IOVA; the reverse conversion gives the frame back.
 */
static int
check_dev_frames(int16_t dev, struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_umem_info info;
	rte_iova_t iova, eal;
	uint32_t i;
	void *f;

	rte_dmamap_umem_info_get(um, &info);
	for (i = 0; i < info.nb_frames; i++) {
		f = rte_dmamap_umem_frame_addr(um, i);
		iova = rte_dmamap_umem_iova(um, dev, f);
		eal = rte_dmamap_virt2iova(f);
		TEST_ASSERT(iova != RTE_BAD_IOVA, "frame %u", i);
		TEST_ASSERT_EQUAL(dom != NULL ? test_backend_translate(dom, iova) :
			iova, eal, "frame %u of device %d", i, dev);
		TEST_ASSERT_EQUAL(rte_dmamap_umem_iova2addr(um, dev, iova + 7),
			RTE_PTR_ADD(f, 7), "reverse");
	}
	return TEST_SUCCESS;
}

static int
test_attach_domain(void)
{
	struct rte_dmamap_umem_dev_info di;
	struct test_backend_stats st;

	test_backend_stats_reset(dom_strict);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	test_backend_stats_get(dom_strict, &st);
	TEST_ASSERT_EQUAL(st.flushes, 1, "one flush for the pool");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_dev_info_get(um, dev_dom, &di), "info");
	TEST_ASSERT(di.in_domain && di.linear && !di.need_sync, "domain, linear");
	TEST_ASSERT_EQUAL(di.refcnt, 1, "refcnt");
	TEST_ASSERT(di.iova >= APERTURE && di.iova <= APERTURE_LAST, "aperture");
	return check_dev_frames(dev_dom, dom_strict);
}

static int
test_attach_refcount(void)
{
	struct rte_dmamap_umem_dev_info di;
	struct test_backend_stats st;
	uint64_t ranges;

	test_backend_stats_get(dom_strict, &st);
	ranges = st.ranges;
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "again");
	test_backend_stats_get(dom_strict, &st);
	TEST_ASSERT(st.ranges > ranges, "mapped");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.refcnt, 2, "counted, not mapped again");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_dom), "detach");
	test_backend_stats_get(dom_strict, &st);
	TEST_ASSERT(st.ranges > ranges, "still mapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_dom), "last");
	test_backend_stats_get(dom_strict, &st);
	TEST_ASSERT_EQUAL(st.ranges, ranges, "unmapped");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EINVAL, "not attached");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_dev_info_get(um, dev_dom, &di), -EINVAL,
		"no info");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_iova(um, dev_dom, rte_dmamap_umem_frame_addr(
		um, 0)), RTE_BAD_IOVA, "no IOVA once detached");
	return TEST_SUCCESS;
}

static int
test_attach_errors(void)
{
	struct test_backend_stats st;

	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(NULL, dev_dom), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, -1), -EINVAL, "bad id");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, RTE_DMAMAP_MAX_DEVS - 1),
		-EINVAL, "not a device");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_tiny), -ENOSPC,
		"aperture too small");
	test_backend_stats_get(dom_tiny, &st);
	TEST_ASSERT_EQUAL(st.ranges, 0, "nothing mapped");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_low), -ERANGE,
		"beyond the mask, no domain");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(NULL, dev_dom), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_low), -EINVAL, "never attached");
	return TEST_SUCCESS;
}

static int
test_attach_backend_failure(void)
{
	struct test_backend_stats st;

	test_backend_stats_get(dom_strict, &st);
	test_backend_fail(dom_strict, TEST_BACKEND_MAP, 1);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_dom), -EIO, "backend failed");
	test_backend_fail(dom_strict, TEST_BACKEND_MAP, 0);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_dev_info_get(um, dev_dom,
		&(struct rte_dmamap_umem_dev_info){ 0 }), -EINVAL, "not attached");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "works after");
	return check_dev_frames(dev_dom, dom_strict);
}

static int
test_attach_overflow(void)
{
	unsigned int i;

	for (i = 0; i < UINT16_MAX; i++)
		TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct),
			"attach %u", i);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_attach(um, dev_direct), -EOVERFLOW,
		"one too many");
	for (i = 0; i < UINT16_MAX; i++)
		TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_direct),
			"detach %u", i);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_direct), -EINVAL, "gone");
	return TEST_SUCCESS;
}

/* A failed unmap leaves the device attached; detach works once it can. */
static int
test_detach_backend_failure(void)
{
	struct rte_dmamap_umem_dev_info di;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	test_backend_fail(dom_strict, TEST_BACKEND_UNMAP, 1);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EIO, "refused");
	test_backend_fail(dom_strict, TEST_BACKEND_UNMAP, 0);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_dev_info_get(um, dev_dom, &di),
		"still attached");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_dom, dom_strict), "still mapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_dom), "detach");
	return TEST_SUCCESS;
}

/* One pool, three devices: two domains with different masks and policies
 * and a direct one, each with its own IOVAs.
 */
static int
test_shared_umem(void)
{
	void *f;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "strict, 48 bits");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_lazy), "lazy, 46 bits");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "direct");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_dom, dom_strict), "strict");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_lazy, dom_lazy), "lazy");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_direct, NULL), "direct");
	f = rte_dmamap_umem_frame_addr(um, 5);
	TEST_ASSERT(rte_dmamap_umem_iova(um, dev_dom, f) !=
		rte_dmamap_umem_iova(um, dev_direct, f), "own IOVAs");
	TEST_ASSERT(rte_dmamap_umem_iova(um, dev_lazy, f) < (UINT64_C(1) << 46),
		"under the lazy device's mask");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_lazy), "detach one");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_dom, dom_strict), "others stay");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_direct, NULL), "direct stays");
	return TEST_SUCCESS;
}

static int
test_destroy_busy(void)
{
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "attach");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_destroy(um), -EBUSY, "attached");
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_r0", dev_direct,
		RTE_DMAMAP_UMEM_RING_COMP, 0);
	TEST_ASSERT_NOT_NULL(rings[0], "ring");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_direct), -EBUSY,
		"a ring of the device exists");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_ring_free(rings[0]), "free ring");
	rings[0] = NULL;
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_direct), "detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_destroy(um), "destroy");
	um = NULL;
	TEST_ASSERT_NULL(rte_dmamap_umem_lookup("umem_t"), "gone");
	TEST_ASSERT_NULL(rte_memzone_lookup("UD_umem_t"), "memory freed");
	return TEST_SUCCESS;
}

/*
 * Ownership: posts, completions, refusal to detach.
 */

static int
test_outstanding_rx(void)
{
	struct rte_dmamap_umem_dev_info di;
	uint32_t lens[4] = { 60, 60, 60, 60 };
	rte_iova_t iovas[4] = { 0 };
	void *f[4];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 4), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_post(um, dev_dom, f, FS, iovas, 4),
		"post");
	TEST_ASSERT_EQUAL(iovas[2], rte_dmamap_umem_iova(um, dev_dom, f[2]), "iova");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 4, "owned by the device");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EBUSY, "refused");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.refcnt, 1, "still attached");
	TEST_ASSERT_SUCCESS(check_dev_frames(dev_dom, dom_strict), "still mapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev_dom, f, lens, 4), "done");
	rte_dmamap_umem_free_bulk(um, f, 4);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_dom), "detach");
	return TEST_SUCCESS;
}

static int
test_outstanding_tx(void)
{
	struct rte_dmamap_umem_dev_info di;
	uint32_t lens[3] = { 64, 128, 1500 };
	rte_iova_t iovas[3] = { 0 };
	void *f[3];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "twice");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 3), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_post(um, dev_direct, f, lens,
		iovas, 3), "post");
	TEST_ASSERT_EQUAL(iovas[1], rte_dmamap_virt2iova(f[1]), "EAL IOVA");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_direct),
		"not the last attachment");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_direct), -EBUSY, "last");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_direct, 3), "done");
	rte_dmamap_umem_dev_info_get(um, dev_direct, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 0, "given back");
	rte_dmamap_umem_free_bulk(um, f, 3);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_direct), "detach");
	return TEST_SUCCESS;
}

static int
test_post_errors(void)
{
	uint32_t len = 64;
	rte_iova_t iova;
	void *f, *out = &len;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, &f, 1), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_rx_post(um, dev_dom, &f, FS, &iova, 1),
		-EINVAL, "not attached");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_tx_post(um, -3, &f, &len, &iova, 1),
		-EINVAL, "bad id");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_rx_done(um, dev_dom, &f, &len, 1),
		-EINVAL, "done, not attached");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_tx_done(um, dev_dom, 1), -EINVAL, "tx");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_tx_post(um, dev_dom, &out, &len, &iova, 1),
		-EINVAL, "buffer outside the pool");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_iova(um, dev_dom, out), RTE_BAD_IOVA,
		"no IOVA outside");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_NULL(rte_dmamap_umem_iova2addr(um, dev_dom, 0x1000), "foreign");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_dom), "nothing counted");
	rte_dmamap_umem_free_bulk(um, &f, 1);
	return TEST_SUCCESS;
}

/*
 * Rings.
 */

static int
test_ring_create_errors(void)
{
	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 64), "device not attached");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(NULL, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 64), "NULL umem");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, NULL, dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 64), "NULL name");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		(enum rte_dmamap_umem_ring_type)2, 64), "type");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 100), "size");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, "umem_ring_name_26_chars_xx",
		dev_dom, RTE_DMAMAP_UMEM_RING_FILL, 64), "long name");
	TEST_ASSERT_EQUAL(rte_errno, ENAMETOOLONG, "ENAMETOOLONG");
	return TEST_SUCCESS;
}

static int
test_ring_names(void)
{
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 64);
	TEST_ASSERT_NOT_NULL(rings[0], "create");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_COMP, 64), "same name");
	TEST_ASSERT_EQUAL(rte_errno, EEXIST, "EEXIST");
	TEST_ASSERT(rte_dmamap_umem_ring_lookup("umem_r") == rings[0], "lookup");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_lookup("umem_none"), "unknown");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "ENOENT");
	TEST_ASSERT_NULL(rte_dmamap_umem_ring_lookup(NULL), "NULL");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_ring_free(NULL), "free NULL");
	return TEST_SUCCESS;
}

/* Reserve, write, submit; peek, read, release; many times round. */
static int
ring_rounds(struct rte_dmamap_umem_ring *r, void **f, unsigned int rounds)
{
	uint32_t idx, i, round;
	void *out[16];

	for (round = 0; round < rounds; round++) {
		TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_reserve(r, 10, &idx), 10, "reserve");
		for (i = 0; i < 10; i++)
			*rte_dmamap_umem_ring_slot(r, idx + i) = f[(round + i) % 16];
		TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_peek(r, 4, &idx), 0, "unpublished");
		rte_dmamap_umem_ring_submit(r, 10);
		TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_count(r), 10, "count");
		TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_get(r, out, 16), 10, "partial peek");
		for (i = 0; i < 10; i++)
			TEST_ASSERT(out[i] == f[(round + i) % 16], "order");
	}
	return TEST_SUCCESS;
}

static int
test_ring_reserve_peek(void)
{
	struct rte_dmamap_umem_dev_info di;
	struct rte_dmamap_umem_ring *r;
	void *f[16], *out[16];
	uint32_t idx;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	r = rings[0] = rte_dmamap_umem_ring_create(um, "umem_r", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 16);
	TEST_ASSERT_NOT_NULL(r, "create");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 16), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_reserve(r, 17, &idx), 0, "too many");
	TEST_ASSERT_SUCCESS(ring_rounds(r, f, 100), "rounds");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(r, f, 16), 16, "fill up");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(r, f, 1), 0, "full");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_get(r, out, 16), 16, "empty it");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 100 * 10 + 16, "every submit counted");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_dom, 100 * 10 + 16),
		"given back");
	rte_dmamap_umem_free_bulk(um, out, 16);
	return TEST_SUCCESS;
}

/* The AF_XDP RX path: the application fills, the driver takes. */
static int
ring_fill_take(struct rte_dmamap_umem_ring *r, void **f, void **got)
{
	struct rte_dmamap_umem_dev_info di;
	rte_iova_t iovas[8];
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 8), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(r, f, 8), 8, "fill");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 8, "frames in the fill ring count");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(r, got, iovas, 8), 8, "take");
	for (i = 0; i < 8; i++) {
		TEST_ASSERT(got[i] == f[i], "frame %u", i);
		TEST_ASSERT_EQUAL(iovas[i], rte_dmamap_umem_iova(um, dev_dom, f[i]) +
			HEADROOM, "data IOVA");
	}
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 8, "posted to the device");
	return TEST_SUCCESS;
}

/* ... and detach waits for the last frame and the ring. */
static int
test_ring_fill(void)
{
	uint32_t lens[8] = { 100, 100, 100, 100, 100, 100, 100, 100 };
	void *f[8], *got[8];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_fill", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 0);
	TEST_ASSERT_NOT_NULL(rings[0], "fill ring");
	TEST_ASSERT_SUCCESS(ring_fill_take(rings[0], f, got), "fill, take");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EBUSY, "busy");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev_dom, got, lens, 8), "rx");
	rte_dmamap_umem_free_bulk(um, got, 8);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EBUSY, "ring left");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_ring_free(rings[0]), "free ring");
	rings[0] = NULL;
	return rte_dmamap_umem_detach(um, dev_dom);
}

/* TX: the driver posts, the completion ring gives the frames back. */
static int
test_ring_completion(void)
{
	struct rte_dmamap_umem_dev_info di;
	struct rte_dmamap_umem_ring *r;
	uint32_t lens[4] = { 60, 60, 60, 60 };
	rte_iova_t iovas[4] = { 0 };
	void *f[4], *got[4];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "attach");
	r = rings[0] = rte_dmamap_umem_ring_create(um, "umem_comp", dev_direct,
		RTE_DMAMAP_UMEM_RING_COMP, 8);
	TEST_ASSERT_NOT_NULL(r, "completion ring");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(r, got, iovas, 4), -EINVAL,
		"not a fill ring");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 4), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_post(um, dev_direct, f, lens, iovas,
		4), "post");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(r, f, 4), 4, "complete");
	rte_dmamap_umem_dev_info_get(um, dev_direct, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 0, "completed frames are not the device's");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_get(r, got, 2), 2, "application");
	rte_dmamap_umem_free_bulk(um, got, 2);
	/* Two frames left in the ring go back to the pool with it. */
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_ring_free(r), "free");
	rings[0] = NULL;
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), NB, "all back");
	return rte_dmamap_umem_detach(um, dev_direct);
}

/* An address the pool does not hold, in a fill ring: nothing taken. */
static int
test_fill_take_foreign(void)
{
	rte_iova_t iovas[2];
	void *f[2], *got[2];
	uint64_t local;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_fill", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 8);
	TEST_ASSERT_NOT_NULL(rings[0], "fill ring");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 1), "alloc");
	f[1] = &local;
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(rings[0], f, 2), 2, "fill");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(rings[0], got, iovas, 2),
		-EINVAL, "refused");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_count(rings[0]), 2, "nothing taken");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(rings[0], got, iovas, 1), 1,
		"the good one");
	TEST_ASSERT(got[0] == f[0], "frame");
	rte_dmamap_umem_ring_get(rings[0], got, 1);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_dom, 2), "give back");
	rte_dmamap_umem_free_bulk(um, f, 1);
	return TEST_SUCCESS;
}

static int
test_ring_free_fill_returns(void)
{
	struct rte_dmamap_umem_dev_info di;
	void *f[5];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_fill", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 8);
	TEST_ASSERT_NOT_NULL(rings[0], "fill ring");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 5), "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(rings[0], f, 5), 5, "fill");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_ring_free(rings[0]), "free");
	rings[0] = NULL;
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, 0, "no longer the device's");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), NB, "back in the pool");
	return rte_dmamap_umem_detach(um, dev_dom);
}

/*
 * Syncs.
 */

static uint64_t
syncs_of(int16_t dev)
{
	struct rte_dmamap_stats st;

	if (rte_dmamap_stats_get(dev, &st) < 0)
		return UINT64_MAX;
	return st.syncs;
}

/* A coherent device does no sync work at all. */
static int
test_sync_coherent_none(void)
{
	uint32_t lens[8] = { 64, 64, 64, 64, 64, 64, 64, 64 };
	uint64_t before = syncs_of(dev_dom) + syncs_of(dev_direct);
	struct rte_dmamap_umem_dev_info di;
	rte_iova_t iovas[8];
	void *f[8];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_dom), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_direct), "attach");
	rte_dmamap_umem_dev_info_get(um, dev_direct, &di);
	TEST_ASSERT(!di.need_sync, "coherent: no syncs");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 8), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_post(um, dev_dom, f, FS, iovas, 8), "post");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev_dom, f, lens, 8), "done");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_post(um, dev_direct, f, lens, iovas,
		8), "tx");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_direct, 8), "tx done");
	TEST_ASSERT_EQUAL(syncs_of(dev_dom) + syncs_of(dev_direct), before,
		"no sync calls");
	rte_dmamap_umem_free_bulk(um, f, 8);
	return TEST_SUCCESS;
}

/* RX on a non-coherent device: sync for the device at post (the data
 * room), for the CPU at completion (the bytes received).
 */
static int
check_nc_rx(int16_t dev)
{
	uint32_t lens[4] = { 60, 61, 62, 63 };
	uint64_t syncs = syncs_of(dev);
	rte_iova_t iovas[4] = { 0 };
	void *f[4], *bufs[4];
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 4), "alloc");
	for (i = 0; i < 4; i++)
		bufs[i] = RTE_PTR_ADD(f[i], HEADROOM);
	memset(&cache_seen, 0, sizeof(cache_seen));
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_post(um, dev, bufs, FS - HEADROOM,
		iovas, 4), "post");
	TEST_ASSERT_EQUAL(cache_seen.for_device, 4, "one sync per buffer");
	TEST_ASSERT(cache_seen.va == bufs[3] && cache_seen.len == FS - HEADROOM &&
		cache_seen.dir == RTE_DMAMAP_FROM_DEVICE, "the data room");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev, bufs, lens, 4), "done");
	TEST_ASSERT_EQUAL(cache_seen.for_cpu, 4, "one sync per buffer");
	TEST_ASSERT(cache_seen.va == bufs[3] && cache_seen.len == 63,
		"the bytes received");
	TEST_ASSERT_EQUAL(syncs_of(dev), syncs + 8, "counted by the library");
	rte_dmamap_umem_free_bulk(um, f, 4);
	return TEST_SUCCESS;
}

static int
test_sync_noncoherent(void)
{
	struct rte_dmamap_umem_dev_info di;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_nc), "direct");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_nc_dom), "domain");
	rte_dmamap_umem_dev_info_get(um, dev_nc, &di);
	TEST_ASSERT(di.need_sync && !di.in_domain, "direct needs syncs");
	rte_dmamap_umem_dev_info_get(um, dev_nc_dom, &di);
	TEST_ASSERT(di.need_sync && di.in_domain, "domain needs syncs");
	TEST_ASSERT_SUCCESS(check_nc_rx(dev_nc), "direct");
	return check_nc_rx(dev_nc_dom);
}

static int
test_sync_noncoherent_tx_fill(void)
{
	struct rte_dmamap_umem_ring *r;
	uint32_t lens[2] = { 100, 200 };
	rte_iova_t iovas[2];
	void *f[2], *got[2];

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_nc), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 2), "alloc");
	memset(&cache_seen, 0, sizeof(cache_seen));
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_post(um, dev_nc, f, lens, iovas, 2),
		"tx");
	TEST_ASSERT(cache_seen.for_device == 2 && cache_seen.len == 200 &&
		cache_seen.dir == RTE_DMAMAP_TO_DEVICE, "written bytes to the device");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_nc, 2), "done");
	r = rings[0] = rte_dmamap_umem_ring_create(um, "umem_fill", dev_nc,
		RTE_DMAMAP_UMEM_RING_FILL, 8);
	TEST_ASSERT_NOT_NULL(r, "fill ring");
	rte_dmamap_umem_ring_put(r, f, 2);
	memset(&cache_seen, 0, sizeof(cache_seen));
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(r, got, iovas, 2), 2, "take");
	TEST_ASSERT(cache_seen.for_device == 2 && cache_seen.len == FS - HEADROOM &&
		cache_seen.va == RTE_PTR_ADD(f[1], HEADROOM), "data room synced");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_tx_done(um, dev_nc, 2), "give back");
	rte_dmamap_umem_free_bulk(um, got, 2);
	return TEST_SUCCESS;
}

/* The debug checker knows the pool's mapping: syncs pass, no leak. */
static int
test_sync_debug(void)
{
	struct rte_dmamap_umem_dev_info di;
	struct rte_dmamap_stats st;
	uint32_t lens[2] = { 64, 64 };
	rte_iova_t iovas[2];
	void *f[2];

	rte_dmamap_stats_reset(dev_debug);
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(um, dev_debug), "attach");
	rte_dmamap_umem_dev_info_get(um, dev_debug, &di);
	TEST_ASSERT(di.need_sync, "debugged: syncs are checked");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(um, f, 2), "alloc");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_post(um, dev_debug, f, FS, iovas, 2),
		"post");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev_debug, f, lens, 2),
		"done");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, dev_debug), "detach");
	rte_dmamap_stats_get(dev_debug, &st);
	TEST_ASSERT_EQUAL(st.syncs, 4, "syncs");
	TEST_ASSERT_EQUAL(st.debug_errors, 0, "no misuse found");
	rte_dmamap_umem_free_bulk(um, f, 2);
	return TEST_SUCCESS;
}

/*
 * The mempool ops driver.
 */

static struct rte_mempool *
umem_mempool(const char *name, unsigned int n, unsigned int elt, unsigned int cache,
		unsigned int flags)
{
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, n, elt, cache, 0, SOCKET_ID_ANY, flags);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, RTE_DMAMAP_UMEM_MEMPOOL_OPS, NULL) < 0 ||
			rte_mempool_populate_default(mp) != (int)n) {
		rte_mempool_free(mp);
		return NULL;
	}
	return mp;
}

struct obj_check {
	const struct rte_dmamap_umem *u;
	unsigned int n;
	unsigned int bad;
};

static void
obj_cb(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct obj_check *c = arg;
	void *frame = RTE_PTR_SUB(obj, mp->header_size);

	RTE_SET_USED(idx);
	c->n++;
	if (rte_dmamap_umem_frame_start(c->u, obj) != frame ||
			rte_mempool_virt2iova(obj) != rte_dmamap_virt2iova(obj))
		c->bad++;
}

static void
mem_cb(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *hdr,
		unsigned int idx)
{
	struct obj_check *c = arg;
	struct rte_dmamap_umem_info info;

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	rte_dmamap_umem_info_get(c->u, &info);
	if (RTE_PTR_ADD(hdr->addr, hdr->len) <= info.va ||
			hdr->addr >= RTE_PTR_ADD(info.va, info.len))
		c->bad++;
}

static int
test_mempool_objects_are_frames(void)
{
	struct rte_mempool *mp = umem_mempool("umem_mp", MP_NB, 2048, 32, 0);
	struct obj_check c = { 0 };
	struct rte_dmamap_umem_info info;

	TEST_ASSERT_NOT_NULL(mp, "mempool over a umem");
	c.u = rte_dmamap_umem_from_mempool(mp);
	TEST_ASSERT_NOT_NULL(c.u, "its umem");
	TEST_ASSERT(rte_dmamap_umem_lookup("umem_mp") == c.u, "by name");
	rte_dmamap_umem_info_get(c.u, &info);
	TEST_ASSERT(info.mempool && info.nb_frames == MP_NB, "one frame per object");
	TEST_ASSERT_EQUAL(info.frame_offset, mp->header_size, "objects in frames");
	TEST_ASSERT(info.frame_size >= mp->header_size + mp->elt_size, "room");
	TEST_ASSERT_EQUAL(rte_mempool_obj_iter(mp, obj_cb, &c), MP_NB, "obj_iter");
	TEST_ASSERT_EQUAL(c.n, MP_NB, "every object");
	rte_mempool_mem_iter(mp, mem_cb, &c);
	TEST_ASSERT_EQUAL(c.bad, 0, "objects and chunks in the umem");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_destroy((struct rte_dmamap_umem *)c.u),
		-EINVAL, "the mempool's");
	rte_mempool_free(mp);
	TEST_ASSERT_NULL(rte_dmamap_umem_lookup("umem_mp"), "freed with the mempool");
	return TEST_SUCCESS;
}

static int
check_get_put(struct rte_mempool *mp, struct rte_mempool_cache *cache)
{
	static void *objs[MP_NB];

	TEST_ASSERT(rte_mempool_full(mp) && !rte_mempool_empty(mp), "full");
	TEST_ASSERT_SUCCESS(rte_mempool_generic_get(mp, objs, 32, cache), "get");
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), MP_NB - 32, "avail");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 32, "in use");
	TEST_ASSERT(!rte_mempool_full(mp), "not full");
	TEST_ASSERT_SUCCESS(rte_mempool_generic_get(mp, &objs[32], MP_NB - 32,
		cache), "the rest");
	TEST_ASSERT(rte_mempool_empty(mp), "empty");
	TEST_ASSERT_FAIL(rte_mempool_generic_get(mp, objs, 1, cache), "one more");
	rte_mempool_generic_put(mp, objs, MP_NB, cache);
	TEST_ASSERT(rte_mempool_full(mp), "full again");
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), MP_NB, "avail");
	return TEST_SUCCESS;
}

static int
test_mempool_get_put(void)
{
	struct rte_mempool *mp = umem_mempool("umem_mp", MP_NB, 2000, 32, 0);
	struct rte_mempool *nocache = umem_mempool("umem_mp0", MP_NB, 2000, 0, 0);
	int ret;

	TEST_ASSERT(mp != NULL && nocache != NULL, "mempools");
	ret = check_get_put(mp, rte_mempool_default_cache(mp, rte_lcore_id()));
	if (ret == TEST_SUCCESS)
		ret = check_get_put(mp, NULL);
	if (ret == TEST_SUCCESS)
		ret = check_get_put(nocache, NULL);
	rte_mempool_free(mp);
	rte_mempool_free(nocache);
	return ret;
}

/* Power-of-two objects give an aligned umem. */
static int
test_mempool_aligned_objects(void)
{
	struct rte_mempool *mp = umem_mempool("umem_mp", 255, 4096 - 64, 0,
		RTE_MEMPOOL_F_NO_SPREAD);
	struct rte_dmamap_umem_info info;
	struct obj_check c = { 0 };

	TEST_ASSERT_NOT_NULL(mp, "mempool");
	TEST_ASSERT_EQUAL(mp->header_size + mp->elt_size + mp->trailer_size, 4096,
		"objects of 4 KiB");
	c.u = rte_dmamap_umem_from_mempool(mp);
	rte_dmamap_umem_info_get(c.u, &info);
	TEST_ASSERT_EQUAL(info.flags, RTE_DMAMAP_UMEM_F_ALIGNED, "aligned");
	TEST_ASSERT_EQUAL(info.frame_size, 4096, "frame = object");
	TEST_ASSERT_EQUAL(rte_mempool_obj_iter(mp, obj_cb, &c), 255, "objects");
	TEST_ASSERT_EQUAL(c.bad, 0, "in frames");
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}

static int
test_mempool_errors(void)
{
	struct rte_mempool *mp;

	rte_errno = 0;
	TEST_ASSERT_NULL(umem_mempool("umem_mp", 63, 70000, 0, 0),
		"objects beyond the largest frame");
	TEST_ASSERT_NULL(rte_dmamap_umem_from_mempool(NULL), "NULL");
	mp = rte_mempool_create("umem_ring_mp", 63, 64, 0, 0, NULL, NULL, NULL,
		NULL, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "ring mempool");
	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_umem_from_mempool(mp), "not a umem");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}

static int
check_mbufs(struct rte_mempool *mp)
{
	struct rte_mbuf *m[2];
	const char *reason;

	TEST_ASSERT_SUCCESS(rte_pktmbuf_alloc_bulk(mp, m, 2), "alloc");
	TEST_ASSERT_NOT_NULL(rte_pktmbuf_append(m[0], 100), "append");
	TEST_ASSERT_NOT_NULL(rte_pktmbuf_append(m[1], 200), "append");
	TEST_ASSERT_EQUAL(m[0]->buf_iova, rte_dmamap_virt2iova(m[0]->buf_addr),
		"buf_iova");
	TEST_ASSERT_SUCCESS(rte_pktmbuf_chain(m[0], m[1]), "chain");
	TEST_ASSERT_EQUAL(m[0]->nb_segs, 2, "segments");
	TEST_ASSERT_EQUAL(rte_pktmbuf_pkt_len(m[0]), 300, "length");
	TEST_ASSERT_SUCCESS(rte_mbuf_check(m[0], 1, &reason), "mbuf check");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 2, "in use");
	rte_pktmbuf_free(m[0]);
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 0, "chain freed");
	return TEST_SUCCESS;
}

static int
test_mbuf_pool_by_ops(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m;
	rte_iova_t iova;
	void *data;
	int ret;

	mp = rte_pktmbuf_pool_create_by_ops("umem_mbuf", MP_NB, 32, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY, RTE_DMAMAP_UMEM_MEMPOOL_OPS);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool");
	um = rte_dmamap_umem_from_mempool(mp);
	ret = check_mbufs(mp);
	if (ret == TEST_SUCCESS && rte_dmamap_umem_attach(um, dev_dom) < 0)
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS) {
		m = rte_pktmbuf_alloc(mp);
		data = rte_pktmbuf_mtod(m, void *);
		iova = rte_dmamap_umem_iova(um, dev_dom, data);
		/* The device's IOVA of the data reaches the mbuf's own. */
		ret = test_backend_translate(dom_strict, iova) ==
			rte_pktmbuf_iova(m) ? TEST_SUCCESS : TEST_FAILED;
		rte_pktmbuf_free(m);
		rte_dmamap_umem_detach(um, dev_dom);
	}
	um = NULL;
	rte_mempool_free(mp);
	return ret;
}

/* The mechanism --mbuf-pool-ops-name feeds: the best ops. */
static int
test_mbuf_pool_user_ops(void)
{
	struct rte_mempool *mp;
	char before[RTE_MEMPOOL_OPS_NAMESIZE];
	int ret;

	strlcpy(before, rte_mbuf_best_mempool_ops(), sizeof(before));
	TEST_ASSERT_SUCCESS(rte_mbuf_set_user_mempool_ops(
		RTE_DMAMAP_UMEM_MEMPOOL_OPS), "set ops");
	mp = rte_pktmbuf_pool_create("umem_mbuf", MP_NB, 32, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	rte_mbuf_set_user_mempool_ops(before);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool");
	ret = rte_dmamap_umem_from_mempool(mp) != NULL ? TEST_SUCCESS : TEST_FAILED;
	if (ret == TEST_SUCCESS)
		ret = check_mbufs(mp);
	rte_mempool_free(mp);
	return ret;
}

/*
 * A secondary process.
 */

static int
sec_checks(const struct sec_shared *sh)
{
	struct rte_dmamap_umem *u = rte_dmamap_umem_lookup("umem_sec");
	struct rte_dmamap_umem_ring *r = rte_dmamap_umem_ring_lookup("umem_sec_fill");
	int dev = rte_dmamap_get_dev_id("umem_dom");
	struct rte_dmamap_umem_info info;
	void *f[SEC_NB];
	unsigned int i;

	TEST_ASSERT(u != NULL && r != NULL && dev >= 0, "pool, ring, device");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_info_get(u, &info), "info");
	TEST_ASSERT_EQUAL((uintptr_t)info.va, sh->va0, "same addresses");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_alloc_bulk(u, f, SEC_NB), "alloc");
	for (i = 0; i < SEC_NB; i++) {
		TEST_ASSERT_EQUAL(rte_dmamap_umem_iova(u, dev, f[i]), sh->iova0 +
			((uintptr_t)f[i] - sh->va0), "the primary's IOVAs");
		memset(RTE_PTR_ADD(f[i], info.headroom), 0xa0 + i, 64);
	}
	TEST_ASSERT_EQUAL(rte_dmamap_umem_ring_put(r, f, SEC_NB), SEC_NB, "fill");
	return TEST_SUCCESS;
}

static int
test_umem_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(SEC_MZ);

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of dmamap_umem_autotest");
	TEST_ASSERT_NOT_NULL(mz, "shared memzone");
	return sec_checks(mz->addr);
}

REGISTER_TEST_COMMAND(dmamap_umem_secondary_autotest, test_umem_secondary);

static int
sec_setup(void)
{
	struct rte_dmamap_umem_conf c = good_conf("umem_sec");
	const struct rte_memzone *mz;
	struct sec_shared *sh;

	c.cache_size = 0;
	um = rte_dmamap_umem_create(&c);
	mz = rte_memzone_reserve(SEC_MZ, sizeof(*sh), SOCKET_ID_ANY, 0);
	if (um == NULL || mz == NULL || rte_dmamap_umem_attach(um, dev_dom) < 0)
		return TEST_FAILED;
	rings[0] = rte_dmamap_umem_ring_create(um, "umem_sec_fill", dev_dom,
		RTE_DMAMAP_UMEM_RING_FILL, 64);
	sh = mz->addr;
	sh->va0 = (uintptr_t)rte_dmamap_umem_frame_addr(um, 0);
	sh->iova0 = rte_dmamap_umem_iova(um, dev_dom, (void *)sh->va0);
	return rings[0] != NULL ? TEST_SUCCESS : TEST_FAILED;
}

static void
sec_teardown(void)
{
	umem_teardown();
	rte_memzone_free(rte_memzone_lookup(SEC_MZ));
}

/* What the secondary filled arrives at the device side in the primary. */
static int
test_secondary_fill(void)
{
	struct rte_dmamap_umem_dev_info di;
	uint32_t lens[SEC_NB];
	rte_iova_t iovas[SEC_NB];
	void *f[SEC_NB];
	unsigned int i;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("no secondary process without hugepages (--no-huge)");
	TEST_ASSERT_EQUAL(test_run_secondary("dmamap_umem_secondary_autotest"), 0,
		"secondary process failed");
	rte_dmamap_umem_dev_info_get(um, dev_dom, &di);
	TEST_ASSERT_EQUAL(di.outstanding, SEC_NB, "the secondary's fill counts");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_detach(um, dev_dom), -EBUSY, "busy");
	TEST_ASSERT_EQUAL(rte_dmamap_umem_fill_take(rings[0], f, iovas, SEC_NB),
		SEC_NB, "take");
	for (i = 0; i < SEC_NB; i++) {
		TEST_ASSERT_EQUAL(*(uint8_t *)RTE_PTR_ADD(f[i], HEADROOM), 0xa0 + i,
			"the secondary's data in frame %u", i);
		TEST_ASSERT_EQUAL(test_backend_translate(dom_strict, iovas[i]),
			rte_dmamap_virt2iova(RTE_PTR_ADD(f[i], HEADROOM)), "iova");
		lens[i] = 64;
	}
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_rx_done(um, dev_dom, f, lens, SEC_NB),
		"received");
	rte_dmamap_umem_free_bulk(um, f, SEC_NB);
	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(um), NB, "all frames back");
	return TEST_SUCCESS;
}

static struct unit_test_suite umem_suite = {
	.suite_name = "dmamap umem",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_create_errors_sizes),
		TEST_CASE(test_create_errors_conf),
		TEST_CASE(test_create_errors_user_mem),
		TEST_CASE_ST(umem_setup, umem_teardown, test_create_exists_lookup),
		TEST_CASE_ST(umem_setup, umem_teardown, test_info_aligned),
		TEST_CASE_ST(umem_setup, umem_teardown, test_layout_bounds),
		TEST_CASE_ST(umem_unaligned_setup, umem_teardown, test_unaligned_layout),
		TEST_CASE_ST(umem_setup, umem_teardown, test_alloc_free_all),
		TEST_CASE_ST(umem_unaligned_setup, umem_teardown, test_alloc_free_all),
		TEST_CASE_ST(umem_setup, umem_teardown, test_alloc_all_or_nothing),
		TEST_CASE_ST(umem_setup, umem_teardown, test_alloc_cache_hot),
		TEST_CASE(test_user_mem_eal),
		TEST_CASE(test_user_mem_unaligned),
		TEST_CASE_ST(ext_setup, ext_teardown, test_ext_direct_scattered),
		TEST_CASE_ST(ext_setup, ext_teardown, test_ext_straddling_frames),
		TEST_CASE_ST(ext_setup, ext_teardown, test_ext_unknown_memory),
		TEST_CASE_ST(umem_setup, umem_teardown, test_attach_domain),
		TEST_CASE_ST(umem_unaligned_setup, umem_teardown, test_attach_domain),
		TEST_CASE_ST(umem_setup, umem_teardown, test_attach_refcount),
		TEST_CASE_ST(umem_setup, umem_teardown, test_attach_errors),
		TEST_CASE_ST(umem_setup, umem_teardown, test_attach_backend_failure),
		TEST_CASE_ST(umem_setup, umem_teardown, test_attach_overflow),
		TEST_CASE_ST(umem_setup, umem_teardown, test_detach_backend_failure),
		TEST_CASE_ST(umem_setup, umem_teardown, test_shared_umem),
		TEST_CASE_ST(umem_unaligned_setup, umem_teardown, test_shared_umem),
		TEST_CASE_ST(umem_setup, umem_teardown, test_destroy_busy),
		TEST_CASE_ST(umem_setup, umem_teardown, test_outstanding_rx),
		TEST_CASE_ST(umem_setup, umem_teardown, test_outstanding_tx),
		TEST_CASE_ST(umem_setup, umem_teardown, test_post_errors),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_create_errors),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_names),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_reserve_peek),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_fill),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_completion),
		TEST_CASE_ST(umem_setup, umem_teardown, test_fill_take_foreign),
		TEST_CASE_ST(umem_setup, umem_teardown, test_ring_free_fill_returns),
		TEST_CASE_ST(umem_setup, umem_teardown, test_sync_coherent_none),
		TEST_CASE_ST(umem_setup, umem_teardown, test_sync_noncoherent),
		TEST_CASE_ST(umem_unaligned_setup, umem_teardown, test_sync_noncoherent),
		TEST_CASE_ST(umem_setup, umem_teardown, test_sync_noncoherent_tx_fill),
		TEST_CASE_ST(umem_setup, umem_teardown, test_sync_debug),
		TEST_CASE(test_mempool_objects_are_frames),
		TEST_CASE(test_mempool_get_put),
		TEST_CASE(test_mempool_aligned_objects),
		TEST_CASE(test_mempool_errors),
		TEST_CASE(test_mbuf_pool_by_ops),
		TEST_CASE(test_mbuf_pool_user_ops),
		TEST_CASE_ST(sec_setup, sec_teardown, test_secondary_fill),
		TEST_CASES_END()
	},
};

static int
test_dmamap_umem(void)
{
	return unit_test_suite_runner(&umem_suite);
}

REGISTER_TEST_COMMAND(dmamap_umem_autotest, test_dmamap_umem);
