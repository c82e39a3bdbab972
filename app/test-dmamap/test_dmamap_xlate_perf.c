/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Cost of a VA -> IOVA translation: the library's inline table lookup (what
 * drivers use) against EAL's memseg lookup and rte_mem_virt2iova(), over
 * random addresses in 1 GiB of hugepages; then the table's build time, size
 * and lookup cost with 1 TiB of 2 MiB pages.
 *
 * The list of addresses stays in the L2 cache (NB_ADDRS, walked NB_PASSES
 * times): a list in DRAM would add its own streaming, about 1 ns an address
 * here, to every lookup, and measure the list rather than the lookup. A
 * driver translates the address of a buffer it is handling, already cached.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_dmamap.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "dmamap_private.h"
#include "test.h"

#define PERF_TEST "dmamap_xlate_perf"
#define POOL_SIZE (UINT64_C(1) << 30)
#define POOL_CHUNK (UINT64_C(32) << 20)
#define POOL_CHUNKS (POOL_SIZE / POOL_CHUNK)
#define NB_ADDRS (1u << 16)
#define NB_PASSES 16
/* rte_mem_virt2iova() reads /proc/self/pagemap in IOVA-PA mode: fewer. */
#define NB_ADDRS_V2I (1u << 14)
#define REPS 11
#define EXT_SIZE (UINT64_C(1) << 40)
#define EXT_PAGES (EXT_SIZE / DMAMAP_PAGE_2M)
#define TARGET_NS 3.0
#define TARGET_RATIO 5.0
/* An L2 entry per 2 MiB page, each direction. */
#define TARGET_BYTES_PER_2M 16

static void *pool[POOL_CHUNKS];
static uint64_t *addrs;
/* Keeps the compiler from dropping lookups whose result is not checked. */
static volatile uint64_t sink;

/* ns per lookup through the inline table lookup; *sum keeps the work. */
static double
time_table(const uint64_t *a, unsigned int n, uint64_t *sum)
{
	const struct rte_dmamap_xlate *t = rte_dmamap_xlate_va;
	uint64_t start = test_now_ns(), s = 0;
	unsigned int i, p;

	for (p = 0; p < NB_PASSES; p++)
		for (i = 0; i < n; i++)
			s += rte_dmamap_xlate_lookup(t, a[i]);
	*sum = s;
	sink += s;
	return (double)(test_now_ns() - start) / ((uint64_t)n * NB_PASSES);
}

/* ns per lookup through EAL's memseg of the address plus the offset. */
static double
time_memseg(const uint64_t *a, unsigned int n, uint64_t *sum)
{
	uint64_t start = test_now_ns(), s = 0;
	const struct rte_memseg *ms;
	unsigned int i, p;

	for (p = 0; p < NB_PASSES; p++)
		for (i = 0; i < n; i++) {
			ms = rte_mem_virt2memseg((void *)(uintptr_t)a[i], NULL);
			s += ms->iova + (a[i] - ms->addr_64);
		}
	*sum = s;
	sink += s;
	return (double)(test_now_ns() - start) / ((uint64_t)n * NB_PASSES);
}

static double
time_virt2iova(const uint64_t *a, unsigned int n, uint64_t *sum)
{
	uint64_t start = test_now_ns(), s = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		s += rte_mem_virt2iova((void *)(uintptr_t)a[i]);
	*sum = s;
	sink += s;
	return (double)(test_now_ns() - start) / n;
}

typedef double (*time_fn)(const uint64_t *a, unsigned int n, uint64_t *sum);

/* Median of REPS runs; the sum of the translations in *sum. */
static double
measure(time_fn fn, const uint64_t *a, unsigned int n, uint64_t *sum)
{
	double v[REPS];
	unsigned int r;

	for (r = 0; r < REPS; r++)
		v[r] = fn(a, n, sum);
	return test_median(v, REPS);
}

static void
pool_free(void)
{
	unsigned int i;

	for (i = 0; i < POOL_CHUNKS; i++) {
		rte_free(pool[i]);
		pool[i] = NULL;
	}
	free(addrs);
	addrs = NULL;
}

static int
perf_setup(void)
{
	unsigned int i;
	uint64_t c;

	if (dmamap_xlate_init() != 0)
		return TEST_FAILED;
	for (i = 0; i < POOL_CHUNKS; i++) {
		pool[i] = rte_malloc("xlate_perf", POOL_CHUNK, DMAMAP_PAGE_2M);
		if (pool[i] == NULL) {
			pool_free();
			TEST_SKIP("needs 1 GiB of free hugepage memory");
		}
	}
	addrs = malloc(NB_ADDRS * sizeof(*addrs));
	if (addrs == NULL) {
		pool_free();
		return TEST_FAILED;
	}
	for (i = 0; i < NB_ADDRS; i++) {
		c = rte_rand_max(POOL_CHUNKS);
		addrs[i] = (uintptr_t)pool[c] + rte_rand_max(POOL_CHUNK);
	}
	return TEST_SUCCESS;
}

static int
report_1g(double table, double memseg, double v2i, double ratio)
{
	perf_report(PERF_TEST, "translate_ns", table, "ns");
	perf_report(PERF_TEST, "translate_memseg_ns", memseg, "ns");
	perf_report(PERF_TEST, "translate_virt2iova_ns", v2i, "ns");
	perf_report(PERF_TEST, "translate_memseg_ratio", ratio, "x");
	printf("  1 GiB, %u random addresses x %d, median of %d: table %.2f ns, "
		"memseg %.2f ns (%.1fx), rte_mem_virt2iova %.1f ns (%.0fx)\n",
		NB_ADDRS, NB_PASSES, REPS, table, memseg, ratio, v2i, v2i / table);
	printf("  targets: <= %.0f ns %s, >= %.0fx the memseg path %s\n",
		TARGET_NS, table <= TARGET_NS ? "met" : "MISSED", TARGET_RATIO,
		ratio >= TARGET_RATIO ? "met" : "MISSED");
	TEST_ASSERT(ratio > 1.0, "the table is slower than the memseg path");
	return TEST_SUCCESS;
}

/*
 * The table and memseg runs alternate, so that a busy spell of the machine
 * hits both; the ratio is the median of the per-repetition ratios.
 */
static int
test_translate_1g(void)
{
	double table[REPS], memseg[REPS], ratio[REPS], v2i;
	uint64_t sum_table, sum_memseg, sum_v2i, sum_ref;
	unsigned int r;

	for (r = 0; r < REPS; r++) {
		table[r] = time_table(addrs, NB_ADDRS, &sum_table);
		memseg[r] = time_memseg(addrs, NB_ADDRS, &sum_memseg);
		ratio[r] = memseg[r] / table[r];
		TEST_ASSERT_EQUAL(sum_table, sum_memseg, "table and memsegs disagree");
	}
	v2i = measure(time_virt2iova, addrs, NB_ADDRS_V2I, &sum_v2i);
	/* time_table() walks the list NB_PASSES times. */
	time_table(addrs, NB_ADDRS_V2I, &sum_ref);
	TEST_ASSERT_EQUAL(sum_ref, sum_v2i * NB_PASSES,
		"table and rte_mem_virt2iova disagree");
	return report_1g(test_median(table, REPS), test_median(memseg, REPS), v2i,
		test_median(ratio, REPS));
}

/*
 * 1 TiB of external memory in 2 MiB pages, straight into the table with
 * dmamap_xlate_add(): EAL's rte_extmem_register() would add a memseg array
 * of 512 Ki entries and time EAL rather than the table.
 */
struct ext {
	void *raw;
	uint8_t *va;
	rte_iova_t iova;
	uint32_t *perm; /* page i maps IOVA page perm[i] */
};

static int
ext_reserve(struct ext *e)
{
	uint32_t i, j, t;

	e->raw = mmap(NULL, EXT_SIZE + DMAMAP_PAGE_1G, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (e->raw == MAP_FAILED)
		return -1;
	e->va = RTE_PTR_ALIGN_CEIL(e->raw, DMAMAP_PAGE_1G);
	e->iova = RTE_ALIGN_CEIL(dmamap_xlate_max_iova() + 1, DMAMAP_PAGE_1G) +
		DMAMAP_PAGE_1G;
	e->perm = malloc(EXT_PAGES * sizeof(*e->perm));
	if (e->perm == NULL || e->iova + EXT_SIZE > UINT64_C(1) << 48) {
		munmap(e->raw, EXT_SIZE + DMAMAP_PAGE_1G);
		free(e->perm);
		return -1;
	}
	for (i = 0; i < EXT_PAGES; i++)
		e->perm[i] = i;
	for (i = EXT_PAGES - 1; i > 0; i--) {
		j = rte_rand_max(i + 1);
		t = e->perm[i]; e->perm[i] = e->perm[j]; e->perm[j] = t;
	}
	return 0;
}

static void
ext_release(struct ext *e)
{
	munmap(e->raw, EXT_SIZE + DMAMAP_PAGE_1G);
	free(e->perm);
}

static rte_iova_t
ext_iova(const struct ext *e, uint64_t off)
{
	return e->iova + (uint64_t)e->perm[off / DMAMAP_PAGE_2M] * DMAMAP_PAGE_2M +
		off % DMAMAP_PAGE_2M;
}

static int
ext_build(struct ext *e, double *ms)
{
	uint64_t start = test_now_ns();
	uint32_t i;

	for (i = 0; i < EXT_PAGES; i++)
		TEST_ASSERT_SUCCESS(dmamap_xlate_add(e->va + i * DMAMAP_PAGE_2M,
			e->iova + (uint64_t)e->perm[i] * DMAMAP_PAGE_2M,
			DMAMAP_PAGE_2M), "page %u", i);
	*ms = (test_now_ns() - start) / 1e6;
	return TEST_SUCCESS;
}

/* Random addresses over the area, and a check of a sample of them. */
static int
ext_lookups(const struct ext *e, double *ns)
{
	uint64_t off, sum;
	unsigned int i;

	for (i = 0; i < NB_ADDRS; i++)
		addrs[i] = (uintptr_t)e->va + rte_rand_max(EXT_SIZE);
	for (i = 0; i < NB_ADDRS; i += 97) {
		off = addrs[i] - (uintptr_t)e->va;
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova((void *)(uintptr_t)addrs[i]),
			ext_iova(e, off), "offset 0x%" PRIx64, off);
		TEST_ASSERT_EQUAL((uintptr_t)rte_dmamap_iova2virt(ext_iova(e, off)),
			addrs[i], "IOVA of offset 0x%" PRIx64, off);
	}
	*ns = measure(time_table, addrs, NB_ADDRS, &sum);
	return TEST_SUCCESS;
}

static int
test_extmem_1t(void)
{
	double build_ms, ns, del_ms;
	size_t used = dmamap_xlate_mem_used();
	int ret, del_ret;
	uint64_t start;
	struct ext e;
	bool known;

	if (ext_reserve(&e) < 0)
		TEST_SKIP("cannot reserve 1 TiB of address space below 2^48");
	ret = ext_build(&e, &build_ms);
	if (ret == TEST_SUCCESS)
		ret = ext_lookups(&e, &ns);
	used = dmamap_xlate_mem_used() - used;
	start = test_now_ns();
	del_ret = dmamap_xlate_del(e.va, EXT_SIZE);
	del_ms = (test_now_ns() - start) / 1e6;
	known = rte_dmamap_virt2iova(e.va + EXT_SIZE / 3) != RTE_BAD_IOVA;
	ext_release(&e);
	TEST_ASSERT_SUCCESS(ret, "1 TiB in the table");
	TEST_ASSERT_SUCCESS(del_ret, "remove 1 TiB");
	TEST_ASSERT(!known, "known after removal");
	perf_report(PERF_TEST, "extmem_1t_build_ms", build_ms, "ms");
	perf_report(PERF_TEST, "extmem_1t_table_bytes_per_2m",
		(double)used / EXT_PAGES, "B");
	perf_report(PERF_TEST, "extmem_1t_translate_ns", ns, "ns");
	perf_report(PERF_TEST, "extmem_1t_remove_ms", del_ms, "ms");
	printf("  1 TiB in %" PRIu64 " pages of 2 MiB, dmamap_xlate_add() per page "
		"(table only, no EAL memseg array): %zu table bytes\n",
		EXT_PAGES, used);
	TEST_ASSERT(used <= TARGET_BYTES_PER_2M * EXT_PAGES,
		"%zu table bytes for 1 TiB", used);
	return TEST_SUCCESS;
}

static struct unit_test_suite xlate_perf_suite = {
	.suite_name = "dmamap translation table performance",
	.setup = perf_setup,
	.teardown = pool_free,
	.unit_test_cases = {
		TEST_CASE(test_translate_1g),
		TEST_CASE(test_extmem_1t),
		TEST_CASES_END()
	}
};

static int
test_dmamap_xlate_perf(void)
{
	return unit_test_suite_runner(&xlate_perf_suite);
}

REGISTER_TEST_COMMAND(dmamap_xlate_perf_autotest, test_dmamap_xlate_perf);
