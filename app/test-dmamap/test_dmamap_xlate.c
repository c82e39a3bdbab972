/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Translation tables: EAL memory in both directions, memory hotplug,
 * external memory, the error paths, lock-free readers against a writer, and
 * a secondary process building its own tables.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <rte_common.h>
#include <rte_dmamap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fbarray.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_random.h>

#include "dmamap_private.h"
#include "test.h"

#define PAGE_4K DMAMAP_PAGE_4K
#define PAGE_2M DMAMAP_PAGE_2M
#define PAGE_1G DMAMAP_PAGE_1G
#define KEY_LIMIT (UINT64_C(1) << RTE_DMAMAP_XLATE_KEY_BITS)
#define HOTPLUG_SIZE (UINT64_C(64) << 20)
#define SEG_MAX (1u << 18)
#define RANDOM_CHECKS 100000
#define SECONDARY_MZ "xlate_test_mz"
#define TEST_HEAP "xlate_test_heap"

/* A reserved, untouched stretch of address space. */
struct area {
	void *raw;
	size_t raw_len;
	uint8_t *va;
};

/* A memseg with an IOVA, as collected by a walk. */
struct seg {
	uint64_t va;
	rte_iova_t iova;
	uint64_t len;
};

static struct seg *segs;
static unsigned int nb_segs;

static int
area_map(struct area *a, size_t len, size_t align)
{
	a->raw_len = len + align;
	a->raw = mmap(NULL, a->raw_len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->raw == MAP_FAILED) {
		a->raw = NULL;
		printf("cannot reserve 0x%zx bytes: %s\n", a->raw_len,
			strerror(errno));
		return -1;
	}
	a->va = RTE_PTR_ALIGN_CEIL(a->raw, align);
	return 0;
}

static void
area_unmap(struct area *a)
{
	if (a->raw != NULL)
		munmap(a->raw, a->raw_len);
	a->raw = NULL;
}

/* The L2 entry of a key, to see which form the table chose. */
static uint64_t
table_entry(const struct rte_dmamap_xlate *t, const void *key)
{
	uint64_t k = (uintptr_t)key;
	const uint64_t *l2 = t->l1[k >> RTE_DMAMAP_XLATE_L1_SHIFT];

	return l2 == NULL ? 0 :
		l2[(k >> RTE_DMAMAP_XLATE_L2_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
}

static bool
is_2m_leaf(const void *va)
{
	return table_entry(rte_dmamap_xlate_va, va) & RTE_DMAMAP_XLATE_LEAF;
}

/* IOVAs no known memory has, different at each call, for made-up memory. */
static rte_iova_t
free_iova(void)
{
	static unsigned int round;

	return RTE_ALIGN_CEIL(dmamap_xlate_max_iova() + 1, PAGE_1G) +
		(uint64_t)++round * 4 * PAGE_1G;
}

static void
event_probe_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	RTE_SET_USED(type);
	RTE_SET_USED(addr);
	RTE_SET_USED(len);
	RTE_SET_USED(arg);
}

/* EAL reports memory events, unless in legacy memory (and --no-huge). */
static bool
has_mem_events(void)
{
	if (rte_mem_event_callback_register("xlate_test_probe", event_probe_cb,
			NULL) < 0)
		return false;
	rte_mem_event_callback_unregister("xlate_test_probe", NULL);
	return true;
}

static bool
has_eal_arg(const char *arg)
{
	char buf[8192];
	size_t n, i;
	FILE *f;

	f = fopen("/proc/self/cmdline", "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (i = 0; i < n; i += strlen(&buf[i]) + 1)
		if (strncmp(&buf[i], arg, strlen(arg)) == 0)
			return true;
	return false;
}

/* Every memseg translates to its IOVA and back (a walk callback). */
static int
check_memseg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	unsigned int *count = arg;
	const uint8_t *last = RTE_PTR_ADD(ms->addr, ms->len - 1);

	RTE_SET_USED(msl);
	if (ms->iova == RTE_BAD_IOVA)
		return 0;
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(ms->addr), ms->iova,
		"memseg %p", ms->addr);
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(last), ms->iova + ms->len - 1,
		"last byte of memseg %p", ms->addr);
	if (ms->iova + ms->len <= KEY_LIMIT)
		TEST_ASSERT(rte_dmamap_iova2virt(ms->iova) == ms->addr,
			"IOVA 0x%" PRIx64 " of memseg %p", ms->iova, ms->addr);
	(*count)++;
	return 0;
}

static int
check_all_memsegs(void)
{
	unsigned int count = 0;

	TEST_ASSERT_SUCCESS(rte_memseg_walk(check_memseg, &count),
		"memseg walk");
	TEST_ASSERT(count > 0, "no memseg with an IOVA");
	return TEST_SUCCESS;
}

static int
collect_memseg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	RTE_SET_USED(msl);
	RTE_SET_USED(arg);
	if (ms->iova == RTE_BAD_IOVA || nb_segs == SEG_MAX)
		return 0;
	segs[nb_segs].va = ms->addr_64;
	segs[nb_segs].iova = ms->iova;
	segs[nb_segs].len = ms->len;
	nb_segs++;
	return 0;
}

/* Count pages EAL has mapped (a walk callback). */
static int
count_memseg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	RTE_SET_USED(msl);
	RTE_SET_USED(ms);
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
nb_memsegs(void)
{
	unsigned int n = 0;

	rte_memseg_walk(count_memseg, &n);
	return n;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
nb_distinct(uint64_t *keys, unsigned int n, unsigned int shift)
{
	uint64_t count = 0, last = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if ((keys[i] >> shift) != last)
			count++;
		last = keys[i] >> shift;
	}
	return count;
}

/*
 * Blocks one direction may use for EAL memory: a block of 4 KiB leaves per
 * 2 MiB range, an L2 block and a shadow array per GiB.
 */
static uint64_t
blocks_bound(bool reverse)
{
	uint64_t *keys = malloc(nb_segs * sizeof(*keys)), extra = 0, bound;
	unsigned int i;

	if (keys == NULL)
		return 0;
	for (i = 0; i < nb_segs; i++) {
		keys[i] = (reverse ? segs[i].iova : segs[i].va) >>
			RTE_DMAMAP_XLATE_L2_SHIFT;
		extra += (segs[i].len - 1) / PAGE_2M;
	}
	qsort(keys, nb_segs, sizeof(*keys), u64_cmp);
	bound = nb_distinct(keys, nb_segs, 0) + extra +
		2 * (nb_distinct(keys, nb_segs, 9) + extra / 512 + 1);
	free(keys);
	return bound;
}

static int
xlate_setup(void)
{
	if (dmamap_xlate_init() != 0) {
		printf("dmamap_xlate_init failed\n");
		return TEST_FAILED;
	}
	segs = calloc(SEG_MAX, sizeof(*segs));
	if (segs == NULL)
		return TEST_FAILED;
	nb_segs = 0;
	rte_memseg_walk(collect_memseg, NULL);
	return TEST_SUCCESS;
}

static void
xlate_teardown(void)
{
	free(segs);
	segs = NULL;
}

/*
 * EAL memory.
 */

static int
test_init_idempotent(void)
{
	size_t used = dmamap_xlate_mem_used();

	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "second init");
	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "third init");
	TEST_ASSERT_EQUAL(dmamap_xlate_mem_used(), used, "init again built again");
	TEST_ASSERT(used >= 2 * 4096, "tables of %u memsegs use %zu bytes",
		nb_segs, used);
	TEST_ASSERT(used <= 4096 * (blocks_bound(false) + blocks_bound(true)),
		"tables use %zu bytes for %u memsegs, bound %" PRIu64, used,
		nb_segs, 4096 * (blocks_bound(false) + blocks_bound(true)));
	return TEST_SUCCESS;
}

static int
test_memsegs_translate(void)
{
	return check_all_memsegs();
}

static int
test_random_offsets(void)
{
	const struct seg *s;
	uint64_t off, va;
	unsigned int i;

	TEST_ASSERT(nb_segs > 0, "no memsegs");
	for (i = 0; i < RANDOM_CHECKS; i++) {
		s = &segs[rte_rand_max(nb_segs)];
		off = rte_rand_max(s->len);
		va = s->va + off;
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)(uintptr_t)va),
			s->iova + off, "VA 0x%" PRIx64, va);
		TEST_ASSERT_EQUAL(rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, va),
			s->iova + off, "inline lookup of VA 0x%" PRIx64, va);
		if (s->iova + s->len <= KEY_LIMIT)
			TEST_ASSERT_EQUAL((uintptr_t)rte_dmamap_iova2virt(
				s->iova + off), va, "IOVA 0x%" PRIx64, s->iova + off);
	}
	return TEST_SUCCESS;
}

static int
test_unknown_memory(void)
{
	void *heap = malloc(4096);
	int on_stack = 0;

	TEST_ASSERT_NOT_NULL(heap, "malloc");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(&on_stack), RTE_BAD_IOVA, "stack");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "errno for the stack");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(heap), RTE_BAD_IOVA, "libc heap");
	free(heap);
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(NULL), RTE_BAD_IOVA, "NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno for NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)(uintptr_t)KEY_LIMIT),
		RTE_BAD_IOVA, "beyond 48 bits");
	TEST_ASSERT_EQUAL(rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, UINT64_MAX),
		RTE_BAD_IOVA, "all ones");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(free_iova()), "IOVA beyond memory");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "errno for an unknown IOVA");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(KEY_LIMIT + PAGE_2M), "IOVA > 48 bits");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(RTE_BAD_IOVA), "RTE_BAD_IOVA");
	return TEST_SUCCESS;
}

static int
test_max_iova(void)
{
	rte_iova_t max = 0, iova;
	unsigned int i;
	struct area a;

	for (i = 0; i < nb_segs; i++)
		max = RTE_MAX(max, segs[i].iova + segs[i].len - 1);
	TEST_ASSERT_EQUAL(dmamap_xlate_max_iova(), max, "EAL memory");
	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_2M, PAGE_2M), "reserve");
	iova = free_iova();
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(a.va, iova, PAGE_2M), "add");
	TEST_ASSERT_EQUAL(dmamap_xlate_max_iova(), iova + PAGE_2M - 1, "after add");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(a.va, PAGE_2M), "del");
	TEST_ASSERT_EQUAL(dmamap_xlate_max_iova(), max, "after del");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* Pages of a buffer and their IOVAs while allocated. */
struct hp_page {
	uint8_t *va;
	rte_iova_t iova;
};

static bool
eal_page_used(const void *va)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(va);
	struct rte_fbarray *arr;

	if (msl == NULL)
		return false;
	arr = (struct rte_fbarray *)(uintptr_t)&msl->memseg_arr;
	return rte_fbarray_is_used(arr, RTE_PTR_DIFF(va, msl->base_va) /
		msl->page_sz) == 1;
}

static int
record_pages(uint8_t *buf, struct hp_page *pages, unsigned int max,
		unsigned int *n)
{
	const struct rte_memseg *ms;
	uint8_t *p;

	*n = 0;
	for (p = buf; p < buf + HOTPLUG_SIZE && *n < max; p += PAGE_2M) {
		ms = rte_mem_virt2memseg(p, NULL);
		TEST_ASSERT_NOT_NULL(ms, "no memseg for %p", p);
		pages[*n].va = p;
		pages[*n].iova = ms->iova + RTE_PTR_DIFF(p, ms->addr);
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(p), pages[*n].iova,
			"new page %p", p);
		TEST_ASSERT(rte_dmamap_iova2virt(pages[*n].iova) == p,
			"IOVA 0x%" PRIx64 " of new page", pages[*n].iova);
		(*n)++;
	}
	return TEST_SUCCESS;
}

static int
check_freed_pages(const struct hp_page *pages, unsigned int n)
{
	unsigned int i, freed = 0;

	for (i = 0; i < n; i++) {
		if (eal_page_used(pages[i].va)) {
			TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(pages[i].va),
				pages[i].iova, "page %p still in use", pages[i].va);
			continue;
		}
		freed++;
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(pages[i].va), RTE_BAD_IOVA,
			"freed page %p", pages[i].va);
		TEST_ASSERT_NULL(rte_dmamap_iova2virt(pages[i].iova),
			"IOVA 0x%" PRIx64 " of freed page", pages[i].iova);
	}
	TEST_ASSERT(freed >= n / 2, "EAL freed %u of %u pages", freed, n);
	return TEST_SUCCESS;
}

static int
test_hotplug(void)
{
	struct hp_page pages[HOTPLUG_SIZE / PAGE_2M];
	unsigned int before = nb_memsegs(), n = 0;
	uint8_t *buf;
	int ret;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("--no-huge: EAL cannot add memory at run time");
	if (!has_mem_events())
		TEST_SKIP("legacy memory: EAL adds no memory at run time");
	buf = rte_malloc("xlate_hotplug", HOTPLUG_SIZE, PAGE_2M);
	TEST_ASSERT_NOT_NULL(buf, "cannot allocate 64 MiB");
	ret = nb_memsegs() >= before + HOTPLUG_SIZE / PAGE_2M / 2 ? TEST_SUCCESS :
		TEST_FAILED;
	if (ret == TEST_SUCCESS)
		ret = record_pages(buf, pages, RTE_DIM(pages), &n);
	rte_free(buf);
	TEST_ASSERT_SUCCESS(ret, "64 MiB from %u to %u memsegs", before,
		nb_memsegs());
	return check_freed_pages(pages, n);
}

/*
 * External memory.
 */

/* Check pages [0, n) of an area translate to iovas[] both ways. */
static int
check_pages(const uint8_t *va, const rte_iova_t *iovas, unsigned int n,
		size_t pgsz)
{
	unsigned int i;
	uint64_t off;

	for (i = 0; i < n; i++) {
		off = rte_rand_max(pgsz);
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + i * pgsz + off),
			iovas[i] + off, "page %u offset 0x%" PRIx64, i, off);
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + (i + 1) * pgsz - 1),
			iovas[i] + pgsz - 1, "last byte of page %u", i);
		TEST_ASSERT(rte_dmamap_iova2virt(iovas[i] + off) ==
			va + i * pgsz + off, "IOVA of page %u", i);
	}
	return TEST_SUCCESS;
}

static int
check_pages_unknown(const uint8_t *va, const rte_iova_t *iovas, unsigned int n,
		size_t pgsz)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + i * pgsz),
			RTE_BAD_IOVA, "page %u still known", i);
		if (iovas != NULL)
			TEST_ASSERT_NULL(rte_dmamap_iova2virt(iovas[i]),
				"IOVA of page %u still known", i);
	}
	return TEST_SUCCESS;
}

/* 4 KiB pages in a partial, unaligned range; IOVAs swapped in pairs. */
static int
test_extmem_4k(void)
{
	enum { N = 700, SKIP = 3 };
	rte_iova_t iovas[N], base = free_iova();
	const struct rte_memseg *ms;
	struct area a;
	uint8_t *va;
	unsigned int i;

	TEST_ASSERT_SUCCESS(area_map(&a, 2 * PAGE_2M, PAGE_2M), "reserve");
	va = a.va + SKIP * PAGE_4K;
	for (i = 0; i < N; i++)
		iovas[i] = base + (i ^ 1) * PAGE_4K;
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(va, N * PAGE_4K, iovas, N,
		PAGE_4K), "register");
	TEST_ASSERT_SUCCESS(check_pages(va, iovas, N, PAGE_4K), "4K pages");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va - 1), RTE_BAD_IOVA, "byte before");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + N * PAGE_4K), RTE_BAD_IOVA,
		"byte after");
	ms = rte_mem_virt2memseg(va, NULL);
	TEST_ASSERT(ms != NULL && ms->iova == iovas[0], "EAL does not know it");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(va, N * PAGE_4K),
		"unregister");
	TEST_ASSERT_SUCCESS(check_pages_unknown(va, iovas, N, PAGE_4K), "after");
	TEST_ASSERT_NULL(rte_mem_virt2memseg(va, NULL), "EAL still knows it");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* 2 MiB pages: contiguous ones, then a jump and reversed order. */
static int
test_extmem_2m(void)
{
	enum { N = 8 };
	rte_iova_t iovas[N], base = free_iova();
	size_t used = dmamap_xlate_mem_used();
	struct area a;
	unsigned int i;

	TEST_ASSERT_SUCCESS(area_map(&a, N * PAGE_2M, PAGE_2M), "reserve");
	for (i = 0; i < N; i++)
		iovas[i] = base + (i < N / 2 ? i : 3 * N / 2 - i + 2) * PAGE_2M;
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(a.va, N * PAGE_2M, iovas,
		N, PAGE_2M), "register");
	TEST_ASSERT_SUCCESS(check_pages(a.va, iovas, N, PAGE_2M), "2M pages");
	for (i = 0; i < N; i++)
		TEST_ASSERT(is_2m_leaf(a.va + i * PAGE_2M), "page %u: no 2 MiB leaf", i);
	TEST_ASSERT(dmamap_xlate_mem_used() <= used + 4 * 4096,
		"2 MiB pages took 4 KiB blocks: %zu -> %zu", used,
		dmamap_xlate_mem_used());
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(a.va, N * PAGE_2M),
		"unregister");
	TEST_ASSERT_SUCCESS(check_pages_unknown(a.va, iovas, N, PAGE_2M), "after");
	area_unmap(&a);
	return TEST_SUCCESS;
}

static int
test_extmem_1g(void)
{
	rte_iova_t iova = free_iova();
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_1G, PAGE_1G), "reserve");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(a.va, PAGE_1G, &iova, 1,
		PAGE_1G), "register");
	TEST_ASSERT_SUCCESS(check_pages(a.va, &iova, 1, PAGE_1G), "1G page");
	TEST_ASSERT(is_2m_leaf(a.va + PAGE_1G - PAGE_2M), "no 2 MiB leaf");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(a.va, PAGE_1G),
		"unregister");
	TEST_ASSERT_SUCCESS(check_pages_unknown(a.va, &iova, 1, PAGE_1G), "after");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* Without IOVAs, the IOVA of external memory is its VA. */
static int
test_extmem_iova_is_va(void)
{
	const struct rte_memseg *ms;
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_2M, PAGE_2M), "reserve");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(a.va, PAGE_2M, NULL, 0,
		PAGE_4K), "register");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(a.va + 5000), (uintptr_t)a.va + 5000,
		"IOVA of VA");
	TEST_ASSERT(rte_dmamap_iova2virt((uintptr_t)a.va + 5000) == a.va + 5000,
		"VA of IOVA");
	ms = rte_mem_virt2memseg(a.va + PAGE_4K, NULL);
	TEST_ASSERT(ms != NULL && ms->iova == (uintptr_t)a.va + PAGE_4K,
		"EAL's IOVA is not the VA");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(a.va, PAGE_2M),
		"unregister");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(a.va), RTE_BAD_IOVA, "after");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* Registered memory that failed registrations must leave alone. */
static struct area probe_area;
static rte_iova_t probe_iova[2];

static int
probe_setup(void)
{
	if (area_map(&probe_area, 4 * PAGE_2M, PAGE_2M) < 0)
		return TEST_FAILED;
	probe_iova[0] = free_iova();
	probe_iova[1] = probe_iova[0] + PAGE_2M;
	return rte_dmamap_extmem_register(probe_area.va, 2 * PAGE_2M,
		probe_iova, 2, PAGE_2M) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static void
probe_teardown(void)
{
	rte_dmamap_extmem_unregister(probe_area.va, 2 * PAGE_2M);
	area_unmap(&probe_area);
}

/* A registration that must fail and leave everything as it was. */
static int
register_fails(void *va, size_t len, const rte_iova_t *iovas,
		unsigned int n, size_t pgsz, int err)
{
	uint8_t *free_va = probe_area.va + 2 * PAGE_2M;

	TEST_ASSERT_EQUAL(rte_dmamap_extmem_register(va, len, iovas, n, pgsz), err,
		"va %p len 0x%zx pgsz 0x%zx", va, len, pgsz);
	TEST_ASSERT_SUCCESS(check_pages(probe_area.va, probe_iova, 2, PAGE_2M),
		"failed registration changed known memory");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(free_va), RTE_BAD_IOVA,
		"failed registration left memory");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(free_va + PAGE_2M), RTE_BAD_IOVA,
		"failed registration left memory");
	return TEST_SUCCESS;
}

static int
test_extmem_bad_arguments(void)
{
	uint8_t *va = probe_area.va + 2 * PAGE_2M;
	rte_iova_t iovas[2] = { free_iova(), free_iova() };
	rte_iova_t bad[2] = { iovas[0] + 1, RTE_BAD_IOVA };

	TEST_ASSERT_SUCCESS(register_fails(NULL, PAGE_2M, iovas, 1, PAGE_2M,
		-EINVAL), "NULL");
	TEST_ASSERT_SUCCESS(register_fails(va, 0, iovas, 0, PAGE_2M, -EINVAL),
		"len 0");
	TEST_ASSERT_SUCCESS(register_fails(va + PAGE_4K, PAGE_2M, iovas, 1,
		PAGE_2M, -EINVAL), "unaligned VA");
	TEST_ASSERT_SUCCESS(register_fails(va, PAGE_2M + PAGE_4K, iovas, 1,
		PAGE_2M, -EINVAL), "len not a multiple of the page size");
	TEST_ASSERT_SUCCESS(register_fails(va, 16 * PAGE_4K, iovas, 1,
		16 * PAGE_4K, -EINVAL), "64 KiB pages");
	TEST_ASSERT_SUCCESS(register_fails(va, 2 * PAGE_2M, iovas, 1, PAGE_2M,
		-EINVAL), "n_pages mismatch");
	TEST_ASSERT_SUCCESS(register_fails(va, PAGE_2M, bad, 1, PAGE_2M,
		-EINVAL), "unaligned IOVA");
	TEST_ASSERT_SUCCESS(register_fails(va, PAGE_2M, bad + 1, 1, PAGE_2M,
		-EINVAL), "RTE_BAD_IOVA");
	return TEST_SUCCESS;
}

static int
test_extmem_overlaps(void)
{
	uint8_t *va = probe_area.va + 2 * PAGE_2M;
	rte_iova_t iovas[2] = { free_iova(), free_iova() };
	rte_iova_t twice[2] = { iovas[0], iovas[0] };

	TEST_ASSERT_SUCCESS(register_fails(probe_area.va, 2 * PAGE_2M, iovas, 2,
		PAGE_2M, -EEXIST), "same VA");
	TEST_ASSERT_SUCCESS(register_fails(va - PAGE_2M, 2 * PAGE_2M, iovas, 2,
		PAGE_2M, -EEXIST), "VA overlap");
	TEST_ASSERT_SUCCESS(register_fails(va, PAGE_2M, &probe_iova[1], 1,
		PAGE_2M, -EEXIST), "IOVA overlap");
	TEST_ASSERT_SUCCESS(register_fails(va, 2 * PAGE_2M, twice, 2, PAGE_2M,
		-EEXIST), "one IOVA twice");
	TEST_ASSERT_SUCCESS(register_fails((void *)(uintptr_t)segs[0].va,
		segs[0].len, &segs[0].iova, 1, segs[0].len, -EEXIST),
		"EAL memory");
	return TEST_SUCCESS;
}

static int
test_extmem_unregister_errors(void)
{
	rte_iova_t iova = free_iova();
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, 2 * PAGE_2M, PAGE_2M), "reserve");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(NULL, PAGE_2M), -EINVAL,
		"NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va, 0), -EINVAL, "len 0");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va + 1, PAGE_4K),
		-EINVAL, "unaligned");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va, PAGE_2M), -ENOENT,
		"never registered");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(
		(void *)(uintptr_t)segs[0].va, segs[0].len), -ENOENT, "EAL memory");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(a.va, PAGE_2M, &iova, 1,
		PAGE_2M), "register");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va, PAGE_4K), -ENOENT,
		"part of it");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va, 2 * PAGE_2M), -ENOENT,
		"more than it");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(a.va), iova, "refusal removed it");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(a.va, PAGE_2M),
		"unregister");
	TEST_ASSERT_EQUAL(rte_dmamap_extmem_unregister(a.va, PAGE_2M), -ENOENT,
		"twice");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* Memory added to a heap reaches the tables through EAL's events. */
static int
test_heap_memory(void)
{
	enum { N = 1024 };
	rte_iova_t iovas[N], base = free_iova();
	struct area a;
	unsigned int i;
	int ret;

	if (!has_mem_events())
		TEST_SKIP("legacy memory: EAL reports no memory events");
	TEST_ASSERT_SUCCESS(area_map(&a, N * PAGE_4K, PAGE_4K), "reserve");
	for (i = 0; i < N; i++)
		iovas[i] = base + i * PAGE_4K;
	TEST_ASSERT_SUCCESS(rte_malloc_heap_create(TEST_HEAP), "heap");
	ret = rte_malloc_heap_memory_add(TEST_HEAP, a.va, N * PAGE_4K, iovas, N,
		PAGE_4K);
	if (ret == 0)
		ret = check_pages(a.va, iovas, N, PAGE_4K);
	if (ret == 0)
		ret = rte_malloc_heap_memory_remove(TEST_HEAP, a.va, N * PAGE_4K);
	rte_malloc_heap_destroy(TEST_HEAP);
	TEST_ASSERT_SUCCESS(ret, "heap memory add, check, remove");
	TEST_ASSERT_SUCCESS(check_pages_unknown(a.va, iovas, N, PAGE_4K), "removed");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/*
 * The internal interface.
 */

static int
test_add_del_errors(void)
{
	rte_iova_t iova = free_iova();
	struct area a;
	uint8_t *va;

	TEST_ASSERT_SUCCESS(area_map(&a, 2 * PAGE_2M, PAGE_2M), "reserve");
	va = a.va;
	TEST_ASSERT_EQUAL(dmamap_xlate_add(NULL, iova, PAGE_4K), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va + 8, iova, PAGE_4K), -EINVAL, "va");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va, iova + 8, PAGE_4K), -EINVAL, "iova");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va, iova, 100), -EINVAL, "len");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va, iova, 0), -EINVAL, "len 0");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va, RTE_BAD_IOVA, PAGE_4K), -EINVAL,
		"RTE_BAD_IOVA");
	TEST_ASSERT_EQUAL(dmamap_xlate_add((void *)(uintptr_t)KEY_LIMIT, iova,
		PAGE_4K), -EINVAL, "VA beyond 48 bits");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va, RTE_ALIGN_FLOOR(UINT64_MAX, PAGE_4K),
		2 * PAGE_4K), -EINVAL, "IOVA wraps");
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(va, iova, PAGE_2M), "add");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va + PAGE_4K, iova + PAGE_2M, PAGE_4K),
		-EEXIST, "VA overlap");
	TEST_ASSERT_EQUAL(dmamap_xlate_add(va + PAGE_2M, iova, PAGE_4K), -EEXIST,
		"IOVA overlap");
	TEST_ASSERT_EQUAL(dmamap_xlate_del(va + PAGE_2M, PAGE_4K), -ENOENT,
		"del unknown");
	TEST_ASSERT_EQUAL(dmamap_xlate_del(va, 2 * PAGE_2M), -ENOENT, "del partly known");
	TEST_ASSERT_EQUAL(dmamap_xlate_del(va, 100), -EINVAL, "del bad len");
	TEST_ASSERT_EQUAL(dmamap_xlate_del(NULL, PAGE_4K), -EINVAL, "del NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + 77), iova + 77, "refusals changed it");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(va, PAGE_2M), "del");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va), RTE_BAD_IOVA, "after del");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* Removing a page of a 2 MiB leaf splits it; adding it back merges it. */
static int
test_split_and_merge(void)
{
	rte_iova_t iova = free_iova();
	uint8_t *va, *hole;
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, 2 * PAGE_2M, PAGE_2M), "reserve");
	va = a.va;
	hole = va + PAGE_2M + 17 * PAGE_4K;
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(va, iova, 2 * PAGE_2M), "add");
	TEST_ASSERT(is_2m_leaf(hole), "not a 2 MiB leaf");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(hole, PAGE_4K), "del a page");
	TEST_ASSERT(!is_2m_leaf(hole), "still a 2 MiB leaf");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(hole), RTE_BAD_IOVA, "hole");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(iova + PAGE_2M + 17 * PAGE_4K),
		"IOVA of the hole");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(hole - 1), iova + PAGE_2M +
		17 * PAGE_4K - 1, "before the hole");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(hole + PAGE_4K), iova + PAGE_2M +
		18 * PAGE_4K, "after the hole");
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(hole, iova + PAGE_2M + 17 * PAGE_4K,
		PAGE_4K), "fill the hole");
	TEST_ASSERT(is_2m_leaf(hole), "not merged back");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(va, 2 * PAGE_2M), "del");
	TEST_ASSERT_EQUAL(table_entry(rte_dmamap_xlate_va, hole), 0, "entry left");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* 4 KiB pages added one by one, in random order, merge into a 2 MiB leaf. */
static int
test_merge_from_pages(void)
{
	enum { N = PAGE_2M / PAGE_4K };
	unsigned int order[N], i, j, t;
	rte_iova_t iova = free_iova();
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_2M, PAGE_2M), "reserve");
	for (i = 0; i < N; i++)
		order[i] = i;
	for (i = N - 1; i > 0; i--) {
		j = rte_rand_max(i + 1);
		t = order[i]; order[i] = order[j]; order[j] = t;
	}
	for (i = 0; i < N; i++) {
		TEST_ASSERT(!is_2m_leaf(a.va), "merged after %u pages", i);
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(a.va + order[i] * PAGE_4K,
			iova + order[i] * PAGE_4K, PAGE_4K), "page %u", order[i]);
	}
	TEST_ASSERT(is_2m_leaf(a.va), "not merged");
	TEST_ASSERT_SUCCESS(check_pages(a.va, &iova, 1, PAGE_2M), "merged leaf");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(a.va, PAGE_2M), "del");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/* An IOVA beyond 48 bits: forward only. */
static int
test_high_iova(void)
{
	rte_iova_t iova = UINT64_C(1) << 50, max = dmamap_xlate_max_iova();
	struct area a;

	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_2M, PAGE_2M), "reserve");
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(a.va, iova, PAGE_2M), "add");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(a.va + 9), iova + 9, "forward");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(iova + 9), "reverse");
	TEST_ASSERT_EQUAL(dmamap_xlate_max_iova(), iova + PAGE_2M - 1, "max");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(a.va, PAGE_2M), "del");
	TEST_ASSERT_EQUAL(dmamap_xlate_max_iova(), max, "max after del");
	area_unmap(&a);
	return TEST_SUCCESS;
}

static int
test_mem_used_grows(void)
{
	enum { CHUNKS = 64 };
	rte_iova_t iova = free_iova();
	size_t used = dmamap_xlate_mem_used(), grown;
	struct area a;
	unsigned int i;

	TEST_ASSERT_SUCCESS(area_map(&a, CHUNKS * PAGE_2M, PAGE_1G), "reserve");
	/* One 4 KiB page per 2 MiB: a block of leaves each, each direction. */
	for (i = 0; i < CHUNKS; i++)
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(a.va + i * PAGE_2M,
			iova + i * PAGE_2M, PAGE_4K), "page %u", i);
	grown = dmamap_xlate_mem_used() - used;
	for (i = 0; i < CHUNKS; i++)
		TEST_ASSERT_SUCCESS(dmamap_xlate_del(a.va + i * PAGE_2M, PAGE_4K),
			"del %u", i);
	area_unmap(&a);
	TEST_ASSERT(grown >= CHUNKS * 4096 && grown <= (2 * CHUNKS + 8) * 4096,
		"%d pages in %d ranges took %zu bytes", CHUNKS, CHUNKS, grown);
	return TEST_SUCCESS;
}

/* Bytes of address space the process uses now. */
static rlim_t
vm_size(void)
{
	unsigned long kb = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return (rlim_t)kb << 10;
}

/*
 * Without address space for new blocks: adds until one fails, then a split
 * of a 2 MiB leaf. Both must fail whole.
 */
static int
fill_until_enomem(uint8_t *va, rte_iova_t iova, unsigned int *n)
{
	struct rlimit old, lim;
	int ret = 0;

	TEST_ASSERT_SUCCESS(getrlimit(RLIMIT_AS, &old), "getrlimit");
	lim = old;
	lim.rlim_cur = vm_size();
	TEST_ASSERT_SUCCESS(setrlimit(RLIMIT_AS, &lim), "setrlimit");
	for (*n = 0; *n < PAGE_1G / PAGE_2M - 1 && ret == 0; (*n)++)
		ret = dmamap_xlate_add(va + *n * PAGE_2M, iova + *n * PAGE_2M,
			PAGE_4K);
	if (ret == -ENOMEM)
		ret = dmamap_xlate_del(va + PAGE_1G - PAGE_4K, PAGE_4K);
	setrlimit(RLIMIT_AS, &old);
	(*n)--;
	TEST_ASSERT_EQUAL(ret, -ENOMEM, "add %u, then split", *n);
	return TEST_SUCCESS;
}

static int
test_no_memory(void)
{
	rte_iova_t iova = free_iova();
	uint8_t *leaf;
	struct area a;
	unsigned int n, i;

	TEST_ASSERT_SUCCESS(area_map(&a, PAGE_1G, PAGE_1G), "reserve");
	leaf = a.va + PAGE_1G - PAGE_2M;
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(leaf, iova + PAGE_1G - PAGE_2M,
		PAGE_2M), "a 2 MiB leaf");
	TEST_ASSERT_SUCCESS(fill_until_enomem(a.va, iova, &n), "no memory");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(a.va + n * PAGE_2M), RTE_BAD_IOVA,
		"failed add left a forward entry");
	TEST_ASSERT_NULL(rte_dmamap_iova2virt(iova + n * PAGE_2M),
		"failed add left a reverse entry");
	TEST_ASSERT(is_2m_leaf(leaf), "failed split changed the leaf");
	TEST_ASSERT_SUCCESS(check_pages(leaf, &(rte_iova_t){ iova + PAGE_1G -
		PAGE_2M }, 1, PAGE_2M), "failed split changed translations");
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(dmamap_xlate_del(a.va + i * PAGE_2M, PAGE_4K),
			"del %u", i);
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(leaf, PAGE_2M), "del the leaf");
	area_unmap(&a);
	return TEST_SUCCESS;
}

/*
 * Readers without locks against a writer.
 */

struct reader {
	uint64_t va;
	rte_iova_t iova[2];
	uint64_t len;
	int stop;
	uint64_t lookups, hits, wrong;
};

static bool
reader_value_ok(const struct reader *r, uint64_t off, uint64_t v)
{
	return v == RTE_BAD_IOVA || v == r->iova[0] + off || v == r->iova[1] + off;
}

static int
reader_loop(void *arg)
{
	struct reader *r = arg;
	uint64_t off, v;
	unsigned int k;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		off = rte_rand_max(r->len);
		v = rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, r->va + off);
		r->hits += v != RTE_BAD_IOVA;
		r->wrong += !reader_value_ok(r, off, v);
		k = rte_rand_max(2);
		v = rte_dmamap_xlate_lookup(rte_dmamap_xlate_iova, r->iova[k] + off);
		r->wrong += v != RTE_BAD_IOVA && v != r->va + off;
		r->lookups++;
	}
	return 0;
}

/* Add, punch and fill holes, remove; the IOVA base alternates. */
static int
writer_round(struct reader *r, unsigned int round)
{
	uint8_t *va = (uint8_t *)(uintptr_t)r->va;
	rte_iova_t iova = r->iova[round & 1];
	uint64_t off = RTE_ALIGN_FLOOR(rte_rand_max(r->len), PAGE_4K);
	uint64_t n = RTE_MIN(1 + rte_rand_max(64), (r->len - off) / PAGE_4K);

	if ((round & 2) || off == 0) {
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(va, iova, r->len), "add");
	} else {
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(va, iova, off), "add low");
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + off), RTE_BAD_IOVA,
			"high part known before its add");
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(va + off, iova + off,
			r->len - off), "add high");
	}
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(va + off, n * PAGE_4K), "punch");
	TEST_ASSERT_SUCCESS(dmamap_xlate_add(va + off, iova + off, n * PAGE_4K),
		"fill");
	TEST_ASSERT_SUCCESS(dmamap_xlate_del(va, r->len), "del");
	return TEST_SUCCESS;
}

static int
test_lockless_readers(void)
{
	struct reader r = { .len = 2 * PAGE_2M };
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0), i;
	struct area a;
	int ret = TEST_SUCCESS;

	if (lcore >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore");
	TEST_ASSERT_SUCCESS(area_map(&a, r.len, PAGE_2M), "reserve");
	r.va = (uintptr_t)a.va;
	r.iova[0] = free_iova();
	r.iova[1] = r.iova[0] + PAGE_1G;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(reader_loop, &r, lcore), "launch");
	for (i = 0; i < 3000 && ret == TEST_SUCCESS; i++)
		ret = writer_round(&r, i);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lcore);
	area_unmap(&a);
	TEST_ASSERT_SUCCESS(ret, "writer");
	TEST_ASSERT_EQUAL(r.wrong, 0, "%" PRIu64 " wrong of %" PRIu64 " lookups",
		r.wrong, r.lookups);
	TEST_ASSERT(r.hits > 0, "reader never saw the memory in %" PRIu64
		" lookups", r.lookups);
	return TEST_SUCCESS;
}

/*
 * Secondary process.
 */

static int
test_secondary(void)
{
	const struct rte_memzone *mz;
	int ret;

	if (has_eal_arg("--in-memory") || has_eal_arg("--no-shconf"))
		TEST_SKIP("no secondary process without shared config");
	if (!rte_eal_has_hugepages())
		TEST_SKIP("--no-huge: EAL does not attach secondary processes");
	mz = rte_memzone_reserve(SECONDARY_MZ, PAGE_2M, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "memzone");
	ret = test_run_secondary("dmamap_xlate_secondary_autotest");
	rte_memzone_free(mz);
	TEST_ASSERT_EQUAL(ret, TEST_SUCCESS, "secondary");
	return TEST_SUCCESS;
}

static struct unit_test_suite xlate_suite = {
	.suite_name = "dmamap translation tables",
	.setup = xlate_setup,
	.teardown = xlate_teardown,
	.unit_test_cases = {
		TEST_CASE(test_init_idempotent),
		TEST_CASE(test_mem_used_grows),
		TEST_CASE(test_memsegs_translate),
		TEST_CASE(test_random_offsets),
		TEST_CASE(test_unknown_memory),
		TEST_CASE(test_max_iova),
		TEST_CASE(test_hotplug),
		TEST_CASE(test_extmem_4k),
		TEST_CASE(test_extmem_2m),
		TEST_CASE(test_extmem_1g),
		TEST_CASE(test_extmem_iova_is_va),
		TEST_CASE_ST(probe_setup, probe_teardown, test_extmem_bad_arguments),
		TEST_CASE_ST(probe_setup, probe_teardown, test_extmem_overlaps),
		TEST_CASE(test_extmem_unregister_errors),
		TEST_CASE(test_heap_memory),
		TEST_CASE(test_add_del_errors),
		TEST_CASE(test_split_and_merge),
		TEST_CASE(test_merge_from_pages),
		TEST_CASE(test_high_iova),
		TEST_CASE(test_no_memory),
		TEST_CASE(test_lockless_readers),
		TEST_CASE(test_secondary),
		TEST_CASES_END()
	}
};

static int
test_dmamap_xlate(void)
{
	return unit_test_suite_runner(&xlate_suite);
}

/* Run by test_secondary() in a secondary process. */
static int
test_dmamap_xlate_secondary(void)
{
	const struct rte_memzone *mz;
	int on_stack = 0;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs in a secondary process of dmamap_xlate_autotest");
	mz = rte_memzone_lookup(SECONDARY_MZ);
	TEST_ASSERT_NOT_NULL(mz, "memzone of the primary");
	/* The first translation builds the tables. */
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(mz->addr), mz->iova, "memzone");
	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "init");
	TEST_ASSERT_SUCCESS(check_all_memsegs(), "memsegs");
	TEST_ASSERT(rte_dmamap_iova2virt(mz->iova) == mz->addr, "memzone IOVA");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(&on_stack), RTE_BAD_IOVA, "stack");
	printf("secondary: translation tables checked\n");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_xlate_autotest, test_dmamap_xlate);
REGISTER_TEST_COMMAND(dmamap_xlate_secondary_autotest, test_dmamap_xlate_secondary);
