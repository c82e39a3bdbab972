/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The PA=VA hugepage heap. Whatever mode the heap got (identity when EAL
 * leaves the virtual range of physical memory free, i.e. with
 * --base-virtaddr above the top of RAM; offset otherwise, as with EAL's
 * default layout), every byte of it must satisfy VA - K == pagemap PA, and
 * its IOVA, as EAL and the translation table give it, must be VA - K
 * (IOVA-PA) or VA (IOVA-VA). The identity case runs only in identity mode.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <rte_dmamap.h>
#include <rte_dmamap_heap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "test.h"
#include "test_backend.h"

/* Library internals the tests look through. */
int dmamap_heap_range(uintptr_t *va_start, uintptr_t *va_end, uint64_t *offset);
void dmamap_heap_test_paths(const char *hugedir, const char *pagemap);
void dmamap_heap_test_page_limit(unsigned int pages);
int dmamap_heap_mirror_link(struct rte_dmamap_domain *dom);

#define HEAP_NAME "dmamap_test_heap"
#define HEAP_PGSZ (UINT64_C(2) << 20)
#define HEAP_SIZE (16 * HEAP_PGSZ)
#define HEAP_SHARED_MZ "dmamap_heap_test"
#define HEAP_PATTERN 0x5a

static struct rte_dmamap_heap_info hinfo;

/* What the primary tells its secondary. */
struct heap_shared {
	struct rte_dmamap_heap_info info;
	uint8_t *obj;
	size_t obj_len;
	rte_iova_t obj_iova;
};

static bool
iova_is_pa(void)
{
	return rte_eal_iova_mode() == RTE_IOVA_PA;
}

/* The IOVA heap memory must have: VA - K, or VA in IOVA-VA mode. */
static rte_iova_t
heap_iova(const struct rte_dmamap_heap_info *info, const void *va)
{
	return iova_is_pa() ? (uintptr_t)va - info->offset : (uintptr_t)va;
}

static rte_iova_t
pagemap_pa(const void *va)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return RTE_BAD_IOVA;
	if (pread(fd, &entry, sizeof(entry), ((uintptr_t)va / 4096) * 8) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63) || (entry & ((UINT64_C(1) << 55) - 1)) == 0)
		return RTE_BAD_IOVA;
	return (entry & ((UINT64_C(1) << 55) - 1)) * 4096 + (uintptr_t)va % 4096;
}

/* Every invariant of one heap address. */
static int
check_addr(const struct rte_dmamap_heap_info *info, const void *p)
{
	uintptr_t va = (uintptr_t)p;
	rte_iova_t iova = heap_iova(info, p);

	TEST_ASSERT(va >= info->va_start && va < info->va_end,
		"%p outside the heap [0x%" PRIxPTR ", 0x%" PRIxPTR ")", p,
		info->va_start, info->va_end);
	TEST_ASSERT_EQUAL(pagemap_pa(p), va - info->offset, "VA - K is the PA");
	if (info->mode == RTE_DMAMAP_HEAP_IDENTITY)
		TEST_ASSERT_EQUAL(pagemap_pa(p), va, "identity: PA == VA");
	TEST_ASSERT_EQUAL(rte_mem_virt2iova(p), iova, "EAL's IOVA");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(p), iova, "the table's IOVA");
	return TEST_SUCCESS;
}

static int
check_range(const struct rte_dmamap_heap_info *info, const void *p, size_t len)
{
	if (check_addr(info, p) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_addr(info, RTE_PTR_ADD(p, len - 1));
}

static int
heap_setup(void)
{
	int ret = rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE);

	if (ret < 0) {
		printf("heap create: %s\n", strerror(-ret));
		return TEST_FAILED;
	}
	return rte_dmamap_heap_info_get(&hinfo) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
heap_teardown(void)
{
	int ret = rte_dmamap_heap_destroy();

	if (ret < 0)
		printf("heap destroy: %s\n", strerror(-ret));
}

/* Whether this process maps the heap's file. */
static bool
heap_file_mapped(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	if (f == NULL)
		return true;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, "map_paheap_") != NULL;
	fclose(f);
	return found;
}

/*
 * Nothing of a heap is left: no malloc heap, no record, no file mapped,
 * no file in the hugetlbfs directory.
 */
static int
check_no_heap(const char *name)
{
	char line[512], *prefix = strrchr(rte_eal_get_runtime_dir(), '/');
	struct rte_dmamap_heap_info info;

	TEST_ASSERT(rte_malloc_heap_get_socket(name) < 0, "malloc heap left");
	TEST_ASSERT_NULL(rte_memzone_lookup("dmamap_heap"), "record left");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_info_get(&info), -ENOENT, "heap left");
	TEST_ASSERT(!heap_file_mapped(), "mapping left");
	snprintf(line, sizeof(line), "/dev/hugepages/%smap_paheap_%s",
		prefix == NULL ? "" : prefix + 1, name);
	TEST_ASSERT(access(line, F_OK) != 0, "file left: %s", line);
	return TEST_SUCCESS;
}

/*
 * The heap as created.
 */

static int
test_heap_info(void)
{
	uintptr_t start, end;
	uint64_t offset;

	TEST_ASSERT(strcmp(hinfo.name, HEAP_NAME) == 0, "name %s", hinfo.name);
	TEST_ASSERT_EQUAL(hinfo.socket_id, rte_malloc_heap_get_socket(HEAP_NAME),
		"socket of the malloc heap");
	TEST_ASSERT_EQUAL(rte_malloc_heap_socket_is_external(hinfo.socket_id), 1,
		"an external heap");
	TEST_ASSERT_EQUAL(hinfo.size, HEAP_SIZE, "size");
	TEST_ASSERT_EQUAL(hinfo.page_size, HEAP_PGSZ, "page size");
	TEST_ASSERT(hinfo.va_end - hinfo.va_start >= HEAP_SIZE, "range");
	TEST_ASSERT_SUCCESS(dmamap_heap_range(&start, &end, &offset), "range");
	TEST_ASSERT_EQUAL(start, hinfo.va_start, "fast-path start");
	TEST_ASSERT_EQUAL(end, hinfo.va_end, "fast-path end");
	TEST_ASSERT_EQUAL(offset, iova_is_pa() ? hinfo.offset : 0,
		"fast-path offset is VA - IOVA");
	printf("heap: %s mode, K = 0x%" PRIx64 ", VA [0x%" PRIxPTR ", 0x%"
		PRIxPTR "), IOVA-%s\n", hinfo.mode == RTE_DMAMAP_HEAP_IDENTITY ?
		"identity" : "offset", hinfo.offset, hinfo.va_start, hinfo.va_end,
		iova_is_pa() ? "PA" : "VA");
	return TEST_SUCCESS;
}

static int
test_heap_mode(void)
{
	if (hinfo.mode == RTE_DMAMAP_HEAP_IDENTITY) {
		TEST_ASSERT_EQUAL(hinfo.offset, 0, "identity has no offset");
		return TEST_SUCCESS;
	}
	TEST_ASSERT_EQUAL(hinfo.mode, RTE_DMAMAP_HEAP_OFFSET, "mode");
	TEST_ASSERT_NOT_EQUAL(hinfo.offset, 0, "offset mode has an offset");
	TEST_ASSERT_EQUAL(hinfo.offset % HEAP_PGSZ, 0, "K page aligned");
	return TEST_SUCCESS;
}

struct walk_arg {
	const struct rte_dmamap_heap_info *info;
	size_t bytes;
	int ret;
};

static int
walk_heap_pages(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct walk_arg *wa = arg;

	if (msl->socket_id != wa->info->socket_id)
		return 0;
	wa->bytes += ms->len;
	if (ms->iova != heap_iova(wa->info, ms->addr)) {
		printf("page %p: IOVA 0x%" PRIx64 "\n", ms->addr, ms->iova);
		wa->ret = TEST_FAILED;
		return 1;
	}
	wa->ret = check_range(wa->info, ms->addr, ms->len);
	return wa->ret != TEST_SUCCESS;
}

static int
check_all_pages(const struct rte_dmamap_heap_info *info)
{
	struct walk_arg wa = { .info = info, .ret = TEST_SUCCESS };

	rte_memseg_walk(walk_heap_pages, &wa);
	TEST_ASSERT_SUCCESS(wa.ret, "a page of the heap");
	TEST_ASSERT_EQUAL(wa.bytes, info->size, "every page is a memseg");
	return TEST_SUCCESS;
}

static int
test_heap_pages(void)
{
	return check_all_pages(&hinfo);
}

static int
test_heap_malloc(void)
{
	size_t sizes[] = { 64, 4096, 100000, 1 << 20, 3 << 20 };
	unsigned int i;
	uint8_t *p;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		p = rte_malloc_socket(NULL, sizes[i], 64, hinfo.socket_id);
		TEST_ASSERT_NOT_NULL(p, "rte_malloc of %zu", sizes[i]);
		memset(p, HEAP_PATTERN, sizes[i]);
		if (check_range(&hinfo, p, sizes[i]) != TEST_SUCCESS) {
			rte_free(p);
			return TEST_FAILED;
		}
		TEST_ASSERT_EQUAL(rte_malloc_virt2iova(p), heap_iova(&hinfo, p),
			"rte_malloc_virt2iova");
		rte_free(p);
	}
	return TEST_SUCCESS;
}

static int
test_heap_memzone(void)
{
	const struct rte_memzone *mz;
	int ret;

	mz = rte_memzone_reserve("dmamap_heap_mz", 1 << 20, hinfo.socket_id,
		RTE_MEMZONE_IOVA_CONTIG);
	TEST_ASSERT_NOT_NULL(mz, "memzone: %s", rte_strerror(rte_errno));
	ret = check_range(&hinfo, mz->addr, mz->len);
	if (ret == TEST_SUCCESS && mz->iova != heap_iova(&hinfo, mz->addr))
		ret = TEST_FAILED;
	TEST_ASSERT_EQUAL(mz->socket_id, hinfo.socket_id, "memzone socket");
	rte_memzone_free(mz);
	return ret;
}

static void
mempool_check_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int i)
{
	int *ret = arg;

	if (rte_mempool_virt2iova(obj) != heap_iova(&hinfo, obj) ||
			check_range(&hinfo, obj, mp->elt_size) != TEST_SUCCESS)
		*ret = TEST_FAILED;
}

static int
test_heap_mempool(void)
{
	struct rte_mempool *mp;
	int ret = TEST_SUCCESS;
	unsigned int n;

	mp = rte_mempool_create("dmamap_heap_mp", 1023, 2048, 0, 0, NULL, NULL,
		NULL, NULL, hinfo.socket_id, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool: %s", rte_strerror(rte_errno));
	n = rte_mempool_obj_iter(mp, mempool_check_obj, &ret);
	rte_mempool_free(mp);
	TEST_ASSERT_EQUAL(n, 1023, "objects");
	TEST_ASSERT_SUCCESS(ret, "an object's IOVA");
	return TEST_SUCCESS;
}

static int
check_mbufs(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		TEST_ASSERT_EQUAL(m[i]->buf_iova, heap_iova(&hinfo, m[i]->buf_addr),
			"mbuf %u", i);
		if (hinfo.mode == RTE_DMAMAP_HEAP_IDENTITY)
			TEST_ASSERT_EQUAL(m[i]->buf_iova, (uintptr_t)m[i]->buf_addr,
				"identity: buf_iova == buf_addr");
		if (check_range(&hinfo, m[i]->buf_addr, m[i]->buf_len) != 0)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static int
test_heap_mbuf_pool(void)
{
	struct rte_mbuf *m[256];
	struct rte_mempool *mp;
	int ret;

	mp = rte_pktmbuf_pool_create("dmamap_heap_mbuf", RTE_DIM(m), 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, hinfo.socket_id);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool: %s", rte_strerror(rte_errno));
	ret = rte_pktmbuf_alloc_bulk(mp, m, RTE_DIM(m));
	if (ret == 0) {
		ret = check_mbufs(m, RTE_DIM(m));
		rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	}
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(ret, "mbufs of the pool");
	return TEST_SUCCESS;
}

/* Identity only: the direct path's answer is the address itself. */
static int
test_heap_identity(void)
{
	uint8_t *p;
	int ret;

	if (hinfo.mode != RTE_DMAMAP_HEAP_IDENTITY)
		TEST_SKIP("offset mode: EAL holds the VA of physical memory "
			"(identity needs --base-virtaddr above the top of RAM, "
			"the heap's INFO log names the value)");
	TEST_ASSERT_EQUAL(pagemap_pa((void *)hinfo.va_start), hinfo.va_start,
		"first page at its physical address");
	p = rte_malloc_socket(NULL, 4096, 4096, hinfo.socket_id);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	ret = (uintptr_t)p == rte_mem_virt2iova(p) &&
		(uintptr_t)p == rte_dmamap_virt2iova(p) &&
		(uintptr_t)p == pagemap_pa(p) ? TEST_SUCCESS : TEST_FAILED;
	rte_free(p);
	TEST_ASSERT_SUCCESS(ret, "VA == IOVA == PA");
	return TEST_SUCCESS;
}

/* IOVA-VA only: IOVA is the VA whatever the mode. */
static int
test_heap_iova_va(void)
{
	uintptr_t start, end;
	uint64_t offset;
	uint8_t *p;
	int ret;

	if (iova_is_pa())
		TEST_SKIP("IOVA-PA mode");
	TEST_ASSERT_SUCCESS(dmamap_heap_range(&start, &end, &offset), "range");
	TEST_ASSERT_EQUAL(offset, 0, "no translation in IOVA-VA mode");
	p = rte_malloc_socket(NULL, 4096, 0, hinfo.socket_id);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	/* Offset mode too: IOVA = VA (= PA + K), which a device reaches
	 * through the IOMMU; only identity makes it the PA as well.
	 */
	ret = rte_dmamap_virt2iova(p) == (uintptr_t)p &&
		rte_mem_virt2iova(p) == (uintptr_t)p ? TEST_SUCCESS : TEST_FAILED;
	rte_free(p);
	TEST_ASSERT_SUCCESS(ret, "IOVA == VA");
	return TEST_SUCCESS;
}

/*
 * Growth and shrink.
 */

/* A device maps heap memory on the inline direct path without a lookup:
 * the IOVA is VA - K, the address EAL gives the memory.
 */
static int
test_heap_direct_map(void)
{
	struct rte_dmamap_conf conf = { .mask_bits = 64, .socket_id = SOCKET_ID_ANY };
	int16_t id = rte_dmamap_attach(test_device("heap_dev"), &conf);
	uint8_t *p = rte_malloc_socket(NULL, 8192, 4096, hinfo.socket_id);
	rte_iova_t iova;

	TEST_ASSERT(id >= 0 && p != NULL, "attach %d, malloc %p", id, p);
	TEST_ASSERT_EQUAL(rte_dmamap_identity.len, hinfo.va_end - hinfo.va_start,
		"the fast path knows the heap's range");
	iova = rte_dmamap_map_single(id, p + 10, 4000, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, rte_mem_virt2iova(p + 10), "the EAL IOVA");
	TEST_ASSERT_EQUAL(iova, (uintptr_t)(p + 10) - rte_dmamap_identity.offset,
		"VA minus the offset");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id, iova, 4000,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	rte_free(p);
	return rte_dmamap_detach(id);
}

/* A short-mask device takes its bounce pool from the heap's low pages. */
static int
test_heap_bounce_pool(void)
{
	uintptr_t iova_start = hinfo.va_start - rte_dmamap_identity.offset;
	struct rte_dmamap_info info;
	unsigned int bits;
	uintptr_t pool;
	int16_t id;

	id = test_attach_short_mask("heap_short", 256 << 10, &bits);
	TEST_ASSERT(id >= 0, "attach: %d", id);
	/* Malloc hands out the heap's chunks in its own order: the pool is
	 * sure to come from the heap when all of the heap is under the mask.
	 */
	if (iova_start + (hinfo.va_end - hinfo.va_start) > (UINT64_C(1) << bits)) {
		rte_dmamap_detach(id);
		TEST_SKIP("the heap is not all under the %u-bit mask", bits);
	}
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(id, &info), "info");
	pool = (uintptr_t)rte_dmamap_iova2virt(info.bounce_iova);
	TEST_ASSERT(pool >= hinfo.va_start && pool < hinfo.va_end,
		"bounce pool at %#" PRIxPTR " outside the heap", pool);
	TEST_ASSERT(info.bounce_iova + info.bounce_size - 1 < (UINT64_C(1) << bits),
		"pool under the mask");
	return rte_dmamap_detach(id);
}

/*
 * A short-mask device's coherent memory comes from EAL memory under its
 * mask, else from the heap's low pages, before any page of its own.
 */
static int
test_heap_coherent_short_mask(void)
{
	const struct rte_memseg_list *msl;
	unsigned int bits;
	rte_iova_t iova;
	int16_t id;
	void *va;

	id = test_attach_short_mask("heap_coh", 256 << 10, &bits);
	TEST_ASSERT(id >= 0, "attach: %d", id);
	va = rte_dmamap_alloc_coherent(id, 64 << 10, &iova);
	if (va == NULL) {
		rte_dmamap_detach(id);
		TEST_ASSERT(false, "coherent allocation: %s", rte_strerror(rte_errno));
	}
	msl = rte_mem_virt2memseg_list(va);
	rte_dmamap_free_coherent(id, 64 << 10, va, iova);
	rte_dmamap_detach(id);
	TEST_ASSERT(iova + (64 << 10) - 1 < (UINT64_C(1) << bits), "under the mask");
	TEST_ASSERT(msl != NULL && (!msl->external || msl->socket_id ==
		hinfo.socket_id), "from EAL memory or the heap, not a file");
	return TEST_SUCCESS;
}

static int
test_heap_grow_shrink(void)
{
	struct rte_dmamap_heap_info info;

	TEST_ASSERT_SUCCESS(rte_dmamap_heap_grow(4 * HEAP_PGSZ), "grow");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&info), "info");
	TEST_ASSERT_EQUAL(info.size, HEAP_SIZE + 4 * HEAP_PGSZ, "grown size");
	TEST_ASSERT_EQUAL(info.offset, hinfo.offset, "same K");
	TEST_ASSERT_EQUAL(info.mode, hinfo.mode, "same mode");
	if (check_all_pages(&info) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(0), 0, "shrink by nothing");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(4 * HEAP_PGSZ), 4 * HEAP_PGSZ,
		"shrink the free grown chunks");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&info), "info");
	TEST_ASSERT_EQUAL(info.size, HEAP_SIZE, "size after shrink");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_SIZE), 0,
		"created memory stays");
	return check_all_pages(&info);
}

static void
free_blocks(void **blocks, unsigned int n)
{
	while (n > 0)
		rte_free(blocks[--n]);
}

/* Allocate 1 MiB blocks until one lands in [va, va + len); 0 if none. */
static unsigned int
fill_until(uintptr_t va, size_t len, void **blocks, unsigned int max)
{
	unsigned int n;

	for (n = 0; n < max; n++) {
		blocks[n] = rte_malloc_socket(NULL, 1 << 20, 0, hinfo.socket_id);
		if (blocks[n] == NULL)
			break;
		if ((uintptr_t)blocks[n] - va < len)
			return n + 1;
	}
	free_blocks(blocks, n);
	return 0;
}

struct chunk_walk {
	int socket_id;
	unsigned int n;
	uintptr_t base[64];
};

static int
walk_chunks(const struct rte_memseg_list *msl, void *arg)
{
	struct chunk_walk *cw = arg;

	if (msl->socket_id == cw->socket_id && cw->n < RTE_DIM(cw->base))
		cw->base[cw->n++] = (uintptr_t)msl->base_va;
	return 0;
}

static bool
chunk_known(const struct chunk_walk *cw, uintptr_t base)
{
	unsigned int i;

	for (i = 0; i < cw->n; i++)
		if (cw->base[i] == base)
			return true;
	return false;
}

/* The chunk a grow by one page adds (one page: one chunk), or 0. */
static uintptr_t
grow_one_page(void)
{
	struct chunk_walk before = { .socket_id = hinfo.socket_id };
	struct chunk_walk after = { .socket_id = hinfo.socket_id };
	unsigned int i;

	rte_memseg_list_walk(walk_chunks, &before);
	if (rte_dmamap_heap_grow(HEAP_PGSZ) < 0)
		return 0;
	rte_memseg_list_walk(walk_chunks, &after);
	for (i = 0; i < after.n; i++)
		if (!chunk_known(&before, after.base[i]))
			return after.base[i];
	return 0;
}

static int
test_heap_shrink_busy(void)
{
	struct rte_dmamap_heap_info info;
	void *blocks[64];
	unsigned int n;
	uintptr_t va;
	long removed;

	va = grow_one_page();
	TEST_ASSERT_NOT_EQUAL(va, 0, "grow by one page");
	n = fill_until(va, HEAP_PGSZ, blocks, RTE_DIM(blocks));
	TEST_ASSERT(n > 0, "no block in the grown page");
	removed = rte_dmamap_heap_shrink(HEAP_PGSZ);
	rte_dmamap_heap_info_get(&info);
	free_blocks(blocks, n);
	TEST_ASSERT_EQUAL(removed, 0, "chunk in use");
	TEST_ASSERT_EQUAL(info.size, HEAP_SIZE + HEAP_PGSZ, "nothing removed");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_PGSZ), HEAP_PGSZ,
		"free chunk removed");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)va), RTE_BAD_IOVA,
		"the table forgot the removed page");
	return TEST_SUCCESS;
}

/*
 * Secondary process.
 */

/*
 * Occupy the last 4 KiB of the heap's highest chunk: the chunks before it
 * (in the order they were added) attach first and must be undone.
 */
static int
secondary_blocked_attach(const struct heap_shared *sh)
{
	uintptr_t busy = sh->info.va_end - 4096;
	void *p;

	p = mmap((void *)busy, 4096, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)busy)
		TEST_ASSERT(false, "cannot occupy 0x%" PRIxPTR, busy);
	TEST_ASSERT_EQUAL(rte_dmamap_heap_attach(), -EBUSY, "address in use");
	munmap(p, 4096);
	TEST_ASSERT(!heap_file_mapped(), "a failed attach maps nothing");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)sh->info.va_start),
		RTE_BAD_IOVA, "the tables forgot the undone chunks");
	return TEST_SUCCESS;
}

static int
secondary_checks(const struct heap_shared *sh)
{
	struct rte_dmamap_heap_info info;
	uint8_t *p;
	int ret;

	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&info), "info");
	TEST_ASSERT(memcmp(&info, &sh->info, sizeof(info)) == 0, "same heap");
	/* Every page, the grown one too, where the primary has it. */
	if (check_all_pages(&info) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(sh->obj[0], HEAP_PATTERN, "the primary's data");
	TEST_ASSERT_EQUAL(sh->obj[sh->obj_len - 1], HEAP_PATTERN, "last byte");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(sh->obj), sh->obj_iova, "table");
	if (check_range(&info, sh->obj, sh->obj_len) != TEST_SUCCESS)
		return TEST_FAILED;
	p = rte_malloc_socket(NULL, 8192, 0, info.socket_id);
	TEST_ASSERT_NOT_NULL(p, "rte_malloc in the secondary");
	ret = check_range(&info, p, 8192);
	rte_free(p);
	return ret;
}

static int
test_heap_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(HEAP_SHARED_MZ);
	struct rte_dmamap_heap_info info;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of dmamap_heap_autotest");
	TEST_ASSERT_NOT_NULL(mz, "primary's memzone");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create("other", HEAP_PGSZ),
		-E_RTE_SECONDARY, "create in a secondary");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(HEAP_PGSZ), -E_RTE_SECONDARY,
		"grow in a secondary");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_PGSZ), -E_RTE_SECONDARY,
		"shrink in a secondary");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_destroy(), -E_RTE_SECONDARY,
		"destroy in a secondary");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_info_get(&info), -ENOENT,
		"not attached yet");
	if (secondary_blocked_attach(mz->addr) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_attach(), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_attach(), "attach again");
	return secondary_checks(mz->addr);
}

REGISTER_TEST_COMMAND(dmamap_heap_secondary_autotest, test_heap_secondary);

static int
test_heap_primary_secondary(void)
{
	const struct rte_memzone *mz;
	struct heap_shared *sh;
	int ret;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("EAL runs secondary processes with hugepages only");
	mz = rte_memzone_reserve(HEAP_SHARED_MZ, sizeof(*sh), SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "memzone");
	sh = mz->addr;
	if (rte_dmamap_heap_grow(HEAP_PGSZ) < 0 ||
			rte_dmamap_heap_info_get(&sh->info) < 0) {
		rte_memzone_free(mz);
		TEST_ASSERT(false, "grow before the secondary starts");
	}
	sh->obj_len = 3 << 20;
	sh->obj = rte_malloc_socket(NULL, sh->obj_len, 0, hinfo.socket_id);
	if (sh->obj != NULL) {
		memset(sh->obj, HEAP_PATTERN, sh->obj_len);
		sh->obj_iova = heap_iova(&sh->info, sh->obj);
		ret = test_run_secondary("dmamap_heap_secondary_autotest");
		rte_free(sh->obj);
	} else {
		ret = -1;
	}
	rte_memzone_free(mz);
	TEST_ASSERT_EQUAL(ret, 0, "secondary process");
	return TEST_SUCCESS;
}

/*
 * Domains mirroring EAL memory: the heap is linked into them at IOVA = its
 * EAL IOVA (the VA in IOVA-VA mode), whatever came first.
 */

#define LINK_DOM "dmamap_heap_dom"
#define LINK_APERTURE (UINT64_C(1) << 52)
#define LINK_APERTURE_LAST (LINK_APERTURE + (UINT64_C(1) << 30) - 1)

static struct rte_dmamap_domain *link_dom;

static struct rte_dmamap_domain *
link_domain_create(const char *name, rte_iova_t start, rte_iova_t last)
{
	struct rte_dmamap_domain *dom = test_backend_domain_create(name, start,
		last, RTE_DMAMAP_FLUSH_STRICT, 0, 0);

	if (dom != NULL && rte_dmamap_domain_mirror_eal(dom) < 0) {
		rte_dmamap_domain_destroy(dom);
		dom = NULL;
	}
	return dom;
}

static int
link_dom_setup(void)
{
	link_dom = link_domain_create(LINK_DOM, LINK_APERTURE, LINK_APERTURE_LAST);
	return link_dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

/* The domain first, then the heap. */
static int
link_setup(void)
{
	if (link_dom_setup() != TEST_SUCCESS)
		return TEST_FAILED;
	return heap_setup();
}

static void
link_teardown(void)
{
	heap_teardown();
	if (link_dom != NULL)
		rte_dmamap_domain_destroy(link_dom);
	link_dom = NULL;
}

static struct test_backend_stats
link_stats(void)
{
	struct test_backend_stats st = { 0 };

	test_backend_stats_get(link_dom, &st);
	return st;
}

/* Whether [va, +len) of the heap is linked: both ends, read-write. */
static bool
link_has(const void *va, size_t len)
{
	rte_iova_t iova = heap_iova(&hinfo, va), target;
	uint32_t prot;

	if (test_backend_lookup(link_dom, iova, &target, &prot) < 0 ||
			target != iova || prot != (RTE_DMAMAP_PROT_READ |
			RTE_DMAMAP_PROT_WRITE))
		return false;
	iova += len - 1;
	return rte_dmamap_domain_translate(link_dom, iova) == iova;
}

struct link_walk {
	unsigned int pages;
	unsigned int linked;
};

static int
link_walk_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct link_walk *lw = arg;

	if (msl->socket_id != hinfo.socket_id)
		return 0;
	lw->pages++;
	lw->linked += link_has(ms->addr, ms->len);
	return 0;
}

/* Every page of the heap, as EAL lists them, is linked. */
static int
check_all_linked(void)
{
	struct link_walk lw = { 0 };

	rte_memseg_walk(link_walk_page, &lw);
	TEST_ASSERT(lw.pages > 0, "the heap has pages");
	TEST_ASSERT_EQUAL(lw.linked, lw.pages, "pages linked");
	TEST_ASSERT_EQUAL(link_stats().refused, 0, "no map or unmap refused");
	return TEST_SUCCESS;
}

/* A device behind the domain maps heap memory directly, at the address it
 * has without the IOMMU, and the domain translates it.
 */
static int
test_heap_link_device(void)
{
	struct rte_dmamap_conf conf = { .mask_bits = 64, .domain = link_dom,
		.socket_id = SOCKET_ID_ANY };
	int16_t id = rte_dmamap_attach(test_device("heap_link_dev"), &conf);
	uint8_t *p = rte_malloc_socket(NULL, 8192, 4096, hinfo.socket_id);
	rte_iova_t iova;

	TEST_ASSERT(id >= 0 && p != NULL, "attach %d, malloc %p", id, p);
	iova = rte_dmamap_map_single(id, p + 100, 4000, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_EQUAL(iova, heap_iova(&hinfo, p + 100), "the EAL IOVA");
	if (!iova_is_pa())
		TEST_ASSERT_EQUAL(iova, (uintptr_t)(p + 100), "IOVA == VA");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(link_dom, iova), iova,
		"the domain translates it to itself");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id, iova, 4000,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	rte_free(p);
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(id), "detach");
	return check_all_linked();
}

/* Growth links the new chunk; shrink unlinks it, exactly. */
static int
test_heap_link_grow_shrink(void)
{
	struct test_backend_stats st0 = link_stats(), st1;
	uintptr_t va = grow_one_page();

	TEST_ASSERT_NOT_EQUAL(va, 0, "grow by one page");
	TEST_ASSERT(link_has((void *)va, HEAP_PGSZ), "grown page linked");
	st1 = link_stats();
	TEST_ASSERT_EQUAL(st1.maps - st0.maps, 1, "one map for the chunk");
	if (check_all_linked() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_PGSZ), HEAP_PGSZ, "shrink");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(link_dom,
		heap_iova(&hinfo, (void *)va)), RTE_BAD_IOVA, "unlinked");
	TEST_ASSERT_EQUAL(link_stats().unmaps - st1.unmaps, 1, "one unmap");
	TEST_ASSERT_EQUAL(link_stats().stale, 0, "the unmap was flushed");
	TEST_ASSERT_EQUAL(link_stats().refused, 0, "no unmap refused");
	return check_all_linked();
}

/* Destroy unlinks everything; the domain keeps its mirror of EAL memory. */
static int
test_heap_link_destroy(void)
{
	uint64_t before = link_stats().ranges;
	unsigned int chunks = 0;
	struct chunk_walk cw = { .socket_id = hinfo.socket_id };

	rte_memseg_list_walk(walk_chunks, &cw);
	chunks = cw.n;
	TEST_ASSERT(chunks > 0, "chunks");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_destroy(), "destroy");
	TEST_ASSERT_EQUAL(before - link_stats().ranges, chunks,
		"one range per chunk unmapped");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(link_dom,
		heap_iova(&hinfo, (void *)hinfo.va_start)), RTE_BAD_IOVA,
		"first page unlinked");
	TEST_ASSERT_EQUAL(link_stats().refused, 0, "no unmap refused");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE),
		"create again for the teardown");
	return rte_dmamap_heap_info_get(&hinfo);
}

/* The heap first, then the domain: linked when the domain mirrors, once. */
static int
test_heap_link_mirror_after(void)
{
	uint64_t maps;

	TEST_ASSERT_SUCCESS(link_dom_setup(), "domain mirroring EAL memory");
	/* What rte_dmamap_domain_mirror_eal() does once it mirrors. */
	TEST_ASSERT_SUCCESS(dmamap_heap_mirror_link(link_dom), "link");
	if (check_all_linked() != TEST_SUCCESS)
		return TEST_FAILED;
	maps = link_stats().maps;
	TEST_ASSERT_SUCCESS(dmamap_heap_mirror_link(link_dom), "link again");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_attach(), "relink in the primary");
	TEST_ASSERT_EQUAL(link_stats().maps, maps, "nothing mapped twice");
	TEST_ASSERT_EQUAL(dmamap_heap_mirror_link(NULL), -EINVAL, "NULL");
	return check_all_linked();
}

/* The primary's attach links a domain that mirrors since the heap exists. */
static int
test_heap_link_relink(void)
{
	TEST_ASSERT_SUCCESS(link_dom_setup(), "domain mirroring EAL memory");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_attach(), "relink in the primary");
	return check_all_linked();
}

/* A domain gone before the heap: shrink and destroy touch it no more. */
static int
test_heap_link_domain_gone(void)
{
	TEST_ASSERT_NOT_EQUAL(grow_one_page(), 0, "grow by one page");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_destroy(link_dom), "destroy domain");
	link_dom = NULL;
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_PGSZ), HEAP_PGSZ, "shrink");
	return TEST_SUCCESS;
}

/* A backend failure fails the growth; nothing of it stays, anywhere. */
static int
test_heap_link_map_fails(void)
{
	struct rte_dmamap_heap_info info;
	struct test_backend_stats st0 = link_stats();

	test_backend_fail(link_dom, TEST_BACKEND_MAP, 1);
	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(HEAP_PGSZ), -EIO, "grow");
	test_backend_fail(link_dom, TEST_BACKEND_MAP, 0);
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&info), "info");
	TEST_ASSERT_EQUAL(info.size, HEAP_SIZE, "size unchanged");
	TEST_ASSERT_EQUAL(link_stats().ranges, st0.ranges, "nothing left mapped");
	return check_all_pages(&info);
}

/*
 * A domain whose aperture holds the heap's IOVA cannot take the link. In
 * IOVA-VA offset mode every heap IOVA, grown pages' too, is PA + K: from
 * K on (EAL memory lies below it). Elsewhere EAL memory is in the way.
 */
static int
test_heap_link_in_aperture(void)
{
	rte_iova_t start = iova_is_pa() ? 0 : hinfo.offset;
	rte_iova_t last = start + (UINT64_C(1) << 40) - 1;
	uint64_t ranges;

	link_dom = link_domain_create(LINK_DOM, start, last);
	if (link_dom == NULL)
		TEST_SKIP("EAL memory lies in the aperture (IOVA-PA or identity mode)");
	ranges = link_stats().ranges;
	TEST_ASSERT_EQUAL(rte_dmamap_heap_attach(), -EINVAL, "refused");
	TEST_ASSERT_EQUAL(link_stats().ranges, ranges, "nothing mapped");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(HEAP_PGSZ), -EINVAL, "grow");
	return TEST_SUCCESS;
}

/*
 * The "dmamap_heap" mempool ops driver.
 */

#define MP_OBJS 1000
#define MP_CACHE 32

static struct rte_mempool *
heap_mp_create(const char *name, unsigned int n, unsigned int cache)
{
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(name, n, 2048, cache, 0, SOCKET_ID_ANY, 0);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, RTE_DMAMAP_HEAP_MEMPOOL_OPS, NULL) < 0 ||
			rte_mempool_populate_default(mp) != (int)n) {
		rte_mempool_free(mp);
		return NULL;
	}
	return mp;
}

static void
mp_check_chunk(struct rte_mempool *mp, void *arg,
		struct rte_mempool_memhdr *memhdr, unsigned int i)
{
	int *ret = arg;

	RTE_SET_USED(mp);
	RTE_SET_USED(i);
	if (memhdr->iova != heap_iova(&hinfo, memhdr->addr) ||
			check_range(&hinfo, memhdr->addr, memhdr->len) != TEST_SUCCESS)
		*ret = TEST_FAILED;
}

/* Objects and memory chunks on the heap, at the heap's IOVA. */
static int
check_mp_on_heap(struct rte_mempool *mp, unsigned int n)
{
	int ret = TEST_SUCCESS;

	TEST_ASSERT_EQUAL(mp->socket_id, hinfo.socket_id, "the heap's socket");
	TEST_ASSERT_EQUAL(rte_mempool_obj_iter(mp, mempool_check_obj, &ret), n,
		"objects");
	TEST_ASSERT_SUCCESS(ret, "an object off the heap");
	rte_mempool_mem_iter(mp, mp_check_chunk, &ret);
	TEST_ASSERT_SUCCESS(ret, "a memory chunk off the heap");
	return TEST_SUCCESS;
}

/* Get and put through the cache; the counts follow. */
static int
check_mp_get_put(struct rte_mempool *mp, unsigned int n)
{
	void *obj[MP_OBJS + 1];

	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), n, "all available");
	TEST_ASSERT_SUCCESS(rte_mempool_get_bulk(mp, obj, 100), "get 100");
	TEST_ASSERT_EQUAL(rte_mempool_in_use_count(mp), 100, "100 in use");
	rte_mempool_put_bulk(mp, obj, 100);
	TEST_ASSERT_SUCCESS(rte_mempool_get_bulk(mp, obj, n), "get all");
	TEST_ASSERT(rte_mempool_get(mp, &obj[n]) < 0, "none left");
	TEST_ASSERT(rte_mempool_empty(mp), "empty");
	rte_mempool_put_bulk(mp, obj, n);
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(mp), n, "all back");
	TEST_ASSERT(rte_mempool_full(mp), "full");
	return TEST_SUCCESS;
}

static int
test_heap_mp_ops(void)
{
	struct rte_malloc_socket_stats st0, st1;
	struct rte_mempool *mp;
	int ret;

	rte_malloc_get_socket_stats(hinfo.socket_id, &st0);
	mp = heap_mp_create("dmamap_heap_ops", MP_OBJS, MP_CACHE);
	TEST_ASSERT_NOT_NULL(mp, "mempool: %s", rte_strerror(rte_errno));
	ret = check_mp_on_heap(mp, MP_OBJS);
	if (ret == TEST_SUCCESS)
		ret = check_mp_get_put(mp, MP_OBJS);
	rte_mempool_free(mp);
	rte_malloc_get_socket_stats(hinfo.socket_id, &st1);
	TEST_ASSERT_SUCCESS(ret, "pool on the heap");
	TEST_ASSERT_EQUAL(st1.heap_freesz_bytes, st0.heap_freesz_bytes,
		"the free returned the memory to the heap");
	return TEST_SUCCESS;
}

/* An mbuf pool as an application gets it by naming the driver. */
static int
test_heap_mp_mbufs(void)
{
	struct rte_mbuf *m[256];
	struct rte_mempool *mp;
	int ret;

	rte_mbuf_set_user_mempool_ops(RTE_DMAMAP_HEAP_MEMPOOL_OPS);
	mp = rte_pktmbuf_pool_create("dmamap_heap_ops_mb", 2 * RTE_DIM(m),
		MP_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	rte_mbuf_set_user_mempool_ops(RTE_MBUF_DEFAULT_MEMPOOL_OPS);
	TEST_ASSERT_NOT_NULL(mp, "mbuf pool: %s", rte_strerror(rte_errno));
	ret = rte_pktmbuf_alloc_bulk(mp, m, RTE_DIM(m));
	if (ret == 0) {
		ret = check_mbufs(m, RTE_DIM(m));
		rte_pktmbuf_free_bulk(m, RTE_DIM(m));
	}
	if (ret == 0)
		ret = check_mp_on_heap(mp, 2 * RTE_DIM(m));
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(ret, "mbufs on the heap");
	return TEST_SUCCESS;
}

/* A pool larger than the heap's free memory grows the heap. */
static int
test_heap_mp_grows(void)
{
	unsigned int n = (2 * HEAP_SIZE) / 2048;
	struct rte_dmamap_heap_info info;
	struct rte_mempool *mp;
	int ret;

	mp = heap_mp_create("dmamap_heap_ops_big", n, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool: %s", rte_strerror(rte_errno));
	rte_dmamap_heap_info_get(&info);
	hinfo = info;
	ret = info.size > HEAP_SIZE ? check_mp_on_heap(mp, n) : TEST_FAILED;
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(ret, "grown to %zu MiB, pool on it", info.size >> 20);
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(info.size),
		(long)(info.size - HEAP_SIZE), "grown memory free again");
	return TEST_SUCCESS;
}

/* No heap yet: the first pool creates one of the default size. */
static int
test_heap_mp_creates_heap(void)
{
	struct rte_mempool *mp;
	int ret;

	mp = heap_mp_create("dmamap_heap_ops_first", MP_OBJS, MP_CACHE);
	TEST_ASSERT_NOT_NULL(mp, "mempool: %s", rte_strerror(rte_errno));
	ret = rte_dmamap_heap_info_get(&hinfo);
	if (ret == 0)
		ret = check_mp_on_heap(mp, MP_OBJS);
	rte_mempool_free(mp);
	TEST_ASSERT_SUCCESS(ret, "pool on the new heap");
	TEST_ASSERT(strcmp(hinfo.name, RTE_DMAMAP_HEAP_MEMPOOL_HEAP) == 0,
		"heap %s", hinfo.name);
	TEST_ASSERT_EQUAL(hinfo.size, RTE_DMAMAP_HEAP_MEMPOOL_DEFAULT_SIZE,
		"default size");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_destroy(), "empty again");
	return check_no_heap(RTE_DMAMAP_HEAP_MEMPOOL_HEAP);
}

/* No heap can be made: the pool fails and leaves nothing. */
static int
test_heap_mp_no_heap(void)
{
	struct rte_mempool *mp;

	dmamap_heap_test_paths("/tmp", NULL);
	mp = heap_mp_create("dmamap_heap_ops_none", MP_OBJS, 0);
	dmamap_heap_test_paths(NULL, NULL);
	TEST_ASSERT_NULL(mp, "pool without a heap");
	TEST_ASSERT_NULL(rte_mempool_lookup("dmamap_heap_ops_none"), "pool left");
	TEST_ASSERT_NULL(rte_ring_lookup("dmh_dmamap_heap_ops_none"), "ring left");
	return check_no_heap(RTE_DMAMAP_HEAP_MEMPOOL_HEAP);
}

/* Memory that is not the heap's is refused. */
static int
test_heap_mp_foreign_memory(void)
{
	struct rte_mempool *mp;
	int n;

	mp = rte_mempool_create_empty("dmamap_heap_ops_anon", MP_OBJS, 2048, 0,
		0, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool");
	TEST_ASSERT_SUCCESS(rte_mempool_set_ops_byname(mp,
		RTE_DMAMAP_HEAP_MEMPOOL_OPS, NULL), "ops");
	n = rte_mempool_populate_anon(mp);
	rte_mempool_free(mp);
	TEST_ASSERT_EQUAL(n, 0, "anonymous memory refused");
	return TEST_SUCCESS;
}

/*
 * Errors.
 */

static int
test_heap_bad_args(void)
{
	char longname[64];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(NULL, HEAP_PGSZ), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create("", HEAP_PGSZ), -EINVAL, "empty");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(longname, HEAP_PGSZ), -EINVAL,
		"long name");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(HEAP_NAME, 0), -EINVAL, "size 0");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(HEAP_NAME, HEAP_PGSZ / 2),
		-EINVAL, "half a page");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(HEAP_NAME, 3 * HEAP_PGSZ / 2),
		-EINVAL, "not a page multiple");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(HEAP_NAME, SIZE_MAX & ~(HEAP_PGSZ - 1)),
		-EINVAL, "too large");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_info_get(NULL), -EINVAL, "NULL info");
	return check_no_heap(HEAP_NAME);
}

static int
test_heap_no_heap(void)
{
	struct rte_dmamap_heap_info info;
	uintptr_t start, end;
	uint64_t offset;

	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(HEAP_PGSZ), -ENOENT, "grow");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_shrink(HEAP_PGSZ), -ENOENT, "shrink");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_destroy(), -ENOENT, "destroy");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_attach(), -ENOENT, "attach");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_info_get(&info), -ENOENT, "info");
	TEST_ASSERT_EQUAL(dmamap_heap_range(&start, &end, &offset), -ENOENT,
		"fast-path range");
	return TEST_SUCCESS;
}

static int
test_heap_name_taken(void)
{
	int ret;

	TEST_ASSERT_SUCCESS(rte_malloc_heap_create("dmamap_heap_taken"),
		"malloc heap");
	ret = rte_dmamap_heap_create("dmamap_heap_taken", HEAP_PGSZ);
	rte_malloc_heap_destroy("dmamap_heap_taken");
	TEST_ASSERT_EQUAL(ret, -EEXIST, "a malloc heap has the name");
	return check_no_heap("dmamap_heap_taken");
}

static int
test_heap_exists(void)
{
	struct rte_dmamap_heap_info info;

	TEST_ASSERT_EQUAL(rte_dmamap_heap_create(HEAP_NAME, HEAP_PGSZ), -EEXIST,
		"create twice");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_create("dmamap_heap_2", HEAP_PGSZ),
		-EEXIST, "a second heap");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(0), -EINVAL, "grow by 0");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_grow(HEAP_PGSZ + 4096), -EINVAL,
		"grow by part of a page");
	TEST_ASSERT_EQUAL(rte_dmamap_heap_attach(), 0, "primary: attached");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&info), "info");
	TEST_ASSERT(memcmp(&info, &hinfo, sizeof(info)) == 0, "unchanged");
	return TEST_SUCCESS;
}

static int
test_heap_destroy_busy(void)
{
	void *p = rte_malloc_socket(NULL, 64, 0, hinfo.socket_id);
	int ret;

	TEST_ASSERT_NOT_NULL(p, "rte_malloc");
	ret = rte_dmamap_heap_destroy();
	rte_free(p);
	TEST_ASSERT_EQUAL(ret, -EBUSY, "destroy with memory allocated");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&hinfo), "still there");
	return check_all_pages(&hinfo);
}

static int
test_heap_destroy_clean(void)
{
	uintptr_t va;

	TEST_ASSERT_SUCCESS(rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE), "create");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_info_get(&hinfo), "info");
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_grow(HEAP_PGSZ), "grow");
	va = hinfo.va_start;
	TEST_ASSERT_SUCCESS(rte_dmamap_heap_destroy(), "destroy");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)va), RTE_BAD_IOVA,
		"the table forgot the heap");
	return check_no_heap(HEAP_NAME);
}

static int
test_heap_no_hugetlbfs(void)
{
	int ret;

	dmamap_heap_test_paths("/tmp", NULL);
	ret = rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE);
	dmamap_heap_test_paths(NULL, NULL);
	TEST_ASSERT_EQUAL(ret, -ENOMEM, "/tmp is no hugetlbfs");
	return check_no_heap(HEAP_NAME);
}

static int
test_heap_pa_hidden(void)
{
	int ret;

	/* What an unprivileged process reads: zeros. */
	dmamap_heap_test_paths(NULL, "/dev/zero");
	ret = rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE);
	dmamap_heap_test_paths(NULL, NULL);
	TEST_ASSERT_EQUAL(ret, -EPERM, "physical addresses hidden");
	return check_no_heap(HEAP_NAME);
}

static int
test_heap_no_hugepages(void)
{
	int ret;

	/* A pool of 3 free pages, for a heap of 16. */
	dmamap_heap_test_page_limit(3);
	ret = rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE);
	dmamap_heap_test_page_limit(0);
	TEST_ASSERT_EQUAL(ret, -ENOMEM, "no hugepages");
	return check_no_heap(HEAP_NAME);
}

static uint64_t
vm_size(void)
{
	char line[128];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

static int
test_heap_no_address_space(void)
{
	struct rlimit old, lim;
	int ret;

	TEST_ASSERT_SUCCESS(getrlimit(RLIMIT_AS, &old), "getrlimit");
	/* Room for the probing, none for a reservation of all RAM. */
	lim.rlim_cur = vm_size() + (64 << 20);
	lim.rlim_max = old.rlim_max;
	TEST_ASSERT_SUCCESS(setrlimit(RLIMIT_AS, &lim), "setrlimit");
	ret = rte_dmamap_heap_create(HEAP_NAME, HEAP_SIZE);
	setrlimit(RLIMIT_AS, &old);
	TEST_ASSERT_EQUAL(ret, -ENOMEM, "address space exhausted");
	return check_no_heap(HEAP_NAME);
}

static int
heap_suite_setup(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("the primary part");
	if (geteuid() != 0)
		TEST_SKIP("physical addresses need root");
	return TEST_SUCCESS;
}

static struct unit_test_suite heap_suite = {
	.suite_name = "dmamap PA=VA heap",
	.setup = heap_suite_setup,
	.unit_test_cases = {
		TEST_CASE(test_heap_bad_args),
		TEST_CASE(test_heap_no_heap),
		TEST_CASE(test_heap_name_taken),
		TEST_CASE(test_heap_no_hugetlbfs),
		TEST_CASE(test_heap_pa_hidden),
		TEST_CASE(test_heap_no_hugepages),
		TEST_CASE(test_heap_no_address_space),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_info),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mode),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_pages),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_malloc),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_memzone),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mempool),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mbuf_pool),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_identity),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_iova_va),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_direct_map),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_bounce_pool),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_coherent_short_mask),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_grow_shrink),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_shrink_busy),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_primary_secondary),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_exists),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_destroy_busy),
		TEST_CASE(test_heap_destroy_clean),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mp_ops),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mp_mbufs),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mp_grows),
		TEST_CASE_ST(heap_setup, heap_teardown, test_heap_mp_foreign_memory),
		TEST_CASE(test_heap_mp_creates_heap),
		TEST_CASE(test_heap_mp_no_heap),
		TEST_CASE_ST(link_setup, link_teardown, test_heap_link_device),
		TEST_CASE_ST(link_setup, link_teardown, test_heap_link_grow_shrink),
		TEST_CASE_ST(link_setup, link_teardown, test_heap_link_destroy),
		TEST_CASE_ST(heap_setup, link_teardown, test_heap_link_mirror_after),
		TEST_CASE_ST(heap_setup, link_teardown, test_heap_link_relink),
		TEST_CASE_ST(link_setup, link_teardown, test_heap_link_domain_gone),
		TEST_CASE_ST(link_setup, link_teardown, test_heap_link_map_fails),
		TEST_CASE_ST(heap_setup, link_teardown, test_heap_link_in_aperture),
		TEST_CASES_END(),
	},
};

static int
test_dmamap_heap(void)
{
	return unit_test_suite_runner(&heap_suite);
}

REGISTER_TEST_COMMAND(dmamap_heap_autotest, test_dmamap_heap);
