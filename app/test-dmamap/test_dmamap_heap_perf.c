/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * What the PA=VA heap saves: the IOVA of a heap address by one range
 * compare (VA - K, K = 0 in identity mode: the same instructions in both
 * modes), against the translation table lookup and EAL's memseg lookup of
 * the same random addresses, measured in the same run.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dmamap.h>
#include <rte_dmamap_heap.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "test.h"

/* The heap's fast-path range, from the library's internals. */
int dmamap_heap_range(uintptr_t *va_start, uintptr_t *va_end, uint64_t *offset);

#define PERF_HEAP "dmamap_heap_perf"
#define PERF_HEAP_SIZE (UINT64_C(64) << 20)
#define NB_ADDRS 4096 /* a multiple of 8 */
#define ROUNDS 4096
#define MEMSEG_ROUNDS 64
#define REPEAT 7
#define TARGET_RATIO 0.5

/* Keep a result without letting the compiler vectorize the loop. */
#define SINK(x) __asm__ volatile("" : : "r"(x))
#define X8(F, i) do { \
	F((i)); F((i) + 1); F((i) + 2); F((i) + 3); \
	F((i) + 4); F((i) + 5); F((i) + 6); F((i) + 7); \
} while (0)
#define IDENTITY(k) SINK(heap_iova(&range, addrs[k]))
#define TABLE(k) SINK(rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, addrs[k]))

struct heap_range {
	uintptr_t start;
	uintptr_t len;
	uint64_t offset;
};

static const char *test_name = "dmamap_heap_perf";
static uintptr_t addrs[NB_ADDRS];
static struct heap_range range;

/* What the direct path does for heap memory: one compare, one subtract. */
static __rte_always_inline rte_iova_t
heap_iova(const struct heap_range *r, uintptr_t va)
{
	if (likely(va - r->start < r->len))
		return va - r->offset;
	return RTE_BAD_IOVA;
}

struct page_walk {
	int socket_id;
	unsigned int n;
	uintptr_t pages[1024];
};

static int
walk_pages(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct page_walk *pw = arg;

	if (msl->socket_id == pw->socket_id && pw->n < RTE_DIM(pw->pages))
		pw->pages[pw->n++] = ms->addr_64;
	return 0;
}

/* Random addresses anywhere in the heap's memory. */
static int
pick_addresses(const struct rte_dmamap_heap_info *info)
{
	static struct page_walk pw;
	unsigned int i;

	pw.socket_id = info->socket_id;
	pw.n = 0;
	rte_memseg_walk(walk_pages, &pw);
	TEST_ASSERT(pw.n > 0, "no page of the heap");
	for (i = 0; i < NB_ADDRS; i++)
		addrs[i] = pw.pages[rte_rand_max(pw.n)] +
			rte_rand_max(info->page_size);
	return TEST_SUCCESS;
}

/* All three ways agree before any is timed. */
static int
check_agree(void)
{
	const struct rte_memseg *ms;
	rte_iova_t iova;
	unsigned int i;

	for (i = 0; i < NB_ADDRS; i++) {
		iova = heap_iova(&range, addrs[i]);
		TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "address out of range");
		TEST_ASSERT_EQUAL(rte_dmamap_xlate_lookup(rte_dmamap_xlate_va,
			addrs[i]), iova, "table at 0x%" PRIxPTR, addrs[i]);
		ms = rte_mem_virt2memseg((void *)addrs[i], NULL);
		TEST_ASSERT_NOT_NULL(ms, "memseg");
		TEST_ASSERT_EQUAL(ms->iova + (addrs[i] - ms->addr_64), iova,
			"memseg at 0x%" PRIxPTR, addrs[i]);
	}
	return TEST_SUCCESS;
}

/*
 * Each loop walks the addresses in order, unrolled so the loop's own
 * counting weighs little beside what is measured.
 */
static double
time_identity(void)
{
	uint64_t start = test_now_ns();
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NB_ADDRS; i += 8)
			X8(IDENTITY, i);
	return (double)(test_now_ns() - start) / ((double)ROUNDS * NB_ADDRS);
}

static double
time_table(void)
{
	uint64_t start = test_now_ns();
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NB_ADDRS; i += 8)
			X8(TABLE, i);
	return (double)(test_now_ns() - start) / ((double)ROUNDS * NB_ADDRS);
}

/* EAL's way without the library: the memseg holding the address. */
static double
time_memseg(void)
{
	const struct rte_memseg *ms;
	uint64_t start = test_now_ns();
	unsigned int r, i;

	for (r = 0; r < MEMSEG_ROUNDS; r++)
		for (i = 0; i < NB_ADDRS; i++) {
			ms = rte_mem_virt2memseg((void *)addrs[i], NULL);
			SINK(ms->iova + (addrs[i] - ms->addr_64));
		}
	return (double)(test_now_ns() - start) / ((double)MEMSEG_ROUNDS * NB_ADDRS);
}

/* Interleaved, so a noisy moment hits all three alike. */
static void
measure(double *identity, double *table, double *memseg)
{
	double id[REPEAT], tb[REPEAT], mseg[REPEAT];
	unsigned int r;

	for (r = 0; r < REPEAT; r++) {
		id[r] = time_identity();
		tb[r] = time_table();
		mseg[r] = time_memseg();
	}
	*identity = test_median(id, REPEAT);
	*table = test_median(tb, REPEAT);
	*memseg = test_median(mseg, REPEAT);
}

static int
perf_run(const struct rte_dmamap_heap_info *info)
{
	double identity, table, memseg, ratio;
	uintptr_t start, end;

	TEST_ASSERT_SUCCESS(dmamap_heap_range(&start, &end, &range.offset),
		"heap range");
	range.start = start;
	range.len = end - start;
	if (pick_addresses(info) != TEST_SUCCESS || check_agree() != TEST_SUCCESS)
		return TEST_FAILED;
	printf("heap %s mode, K = 0x%" PRIx64 ", %zu MiB\n",
		info->mode == RTE_DMAMAP_HEAP_IDENTITY ? "identity" : "offset",
		info->offset, info->size >> 20);
	measure(&identity, &table, &memseg);
	ratio = identity / table;
	perf_report(test_name, "translate_identity_ns", identity, "ns");
	perf_report(test_name, "translate_table_heap_ns", table, "ns");
	perf_report(test_name, "translate_memseg_heap_ns", memseg, "ns");
	perf_report(test_name, "translate_identity_ratio", ratio, "x");
	printf("identity / table lookup = %.2fx (target <= %.2fx): %s\n", ratio,
		TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "MISSED");
	TEST_ASSERT(ratio <= TARGET_RATIO, "the range compare is not cheaper "
		"than the table lookup by the target");
	return TEST_SUCCESS;
}

static int
test_dmamap_heap_perf(void)
{
	struct rte_dmamap_heap_info info;
	int ret;

	ret = rte_dmamap_heap_create(PERF_HEAP, PERF_HEAP_SIZE);
	if (ret == -EPERM || ret == -ENOMEM)
		TEST_SKIP("no PA=VA heap here: %s", strerror(-ret));
	TEST_ASSERT_SUCCESS(ret, "heap create");
	ret = rte_dmamap_heap_info_get(&info);
	if (ret == 0)
		ret = perf_run(&info);
	rte_dmamap_heap_destroy();
	return ret;
}

REGISTER_TEST_COMMAND(dmamap_heap_perf_autotest, test_dmamap_heap_perf);
