/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * IOVA allocator: sizes and alignments, limits, the aperture, no overlap
 * against a reference model (single lcore, two lcores at once, a thread
 * without an lcore id), exhaustion and recovery, cache purge, bad frees,
 * and use from a secondary process.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include "dmamap_private.h"
#include "test.h"

#define KB(n) ((uint64_t)(n) << 10)
#define MB(n) ((uint64_t)(n) << 20)
#define GRANULE KB(4)
/* Aperture of the main allocators: 256 MiB at 1 GiB. */
#define APT_START (UINT64_C(1) << 30)
#define APT_SIZE MB(256)
#define APT_LAST (APT_START + APT_SIZE - 1)
#define APT_PAGES (APT_SIZE / GRANULE)
#define NAME_CACHED "test_iova_c"
#define NAME_UNCACHED "test_iova_u"
#define NAME_SMALL "test_iova_s"
#define NAME_SMALL_UNCACHED "test_iova_su"
#define NAME_MP "test_iova_mp"
#define LIVE_MAX 128

static struct dmamap_iovad *cached_ad;
static struct dmamap_iovad *uncached_ad;
static struct dmamap_iovad *small_ad;
static struct dmamap_iovad *small_uncached_ad;

/* Reference model: owner of each page of the aperture, 0 when free. */
static uint8_t page_owner[APT_PAGES];

struct live_range {
	rte_iova_t iova;
	uint64_t size;
};

static const uint64_t test_sizes[] = {
	1, KB(4), KB(4) + 1, KB(8), KB(12), KB(16), KB(64), KB(100), KB(128),
	KB(128) + 1, MB(1), MB(3) + 5,
};
static const uint64_t test_aligns[] = { 0, KB(4), KB(64), MB(2) };

/* Length the allocator accounts for size on a cached allocator. */
static uint64_t
cached_len(uint64_t size)
{
	uint64_t len = RTE_ALIGN_CEIL(size, GRANULE);

	return len <= DMAMAP_IOVA_CACHED_MAX ? rte_align64pow2(len) : len;
}

/* Length an allocator takes for size: only a cached one rounds up. */
static uint64_t
ad_len(const struct dmamap_iovad *ad, uint64_t size)
{
	if (ad == uncached_ad || ad == small_uncached_ad)
		return RTE_ALIGN_CEIL(size, GRANULE);
	return cached_len(size);
}

static uint64_t
random_size(void)
{
	return test_sizes[rte_rand_max(RTE_DIM(test_sizes))];
}

static int
setup_allocators(void)
{
	cached_ad = dmamap_iovad_create(NAME_CACHED, APT_START, APT_LAST,
		GRANULE, true);
	uncached_ad = dmamap_iovad_create(NAME_UNCACHED, APT_START, APT_LAST,
		GRANULE, false);
	small_ad = dmamap_iovad_create(NAME_SMALL, APT_START,
		APT_START + MB(1) - 1, GRANULE, true);
	small_uncached_ad = dmamap_iovad_create(NAME_SMALL_UNCACHED, APT_START,
		APT_START + MB(1) - 1, GRANULE, false);
	memset(page_owner, 0, sizeof(page_owner));
	TEST_ASSERT(cached_ad != NULL && uncached_ad != NULL &&
		small_ad != NULL && small_uncached_ad != NULL,
		"cannot create allocators: %s", rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static void
teardown_allocators(void)
{
	dmamap_iovad_destroy(cached_ad);
	dmamap_iovad_destroy(uncached_ad);
	dmamap_iovad_destroy(small_ad);
	dmamap_iovad_destroy(small_uncached_ad);
	cached_ad = uncached_ad = small_ad = small_uncached_ad = NULL;
}

/* Mark [iova, +len) as owned by id; false if a page was taken. */
static bool
model_take(rte_iova_t iova, uint64_t len, uint8_t id)
{
	uint64_t p = (iova - APT_START) / GRANULE, n = len / GRANULE;
	uint8_t zero;

	for (; n > 0; n--, p++) {
		zero = 0;
		if (!__atomic_compare_exchange_n(&page_owner[p], &zero, id, false,
				__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return false;
	}
	return true;
}

static void
model_release(rte_iova_t iova, uint64_t len)
{
	uint64_t p = (iova - APT_START) / GRANULE, n = len / GRANULE;

	for (; n > 0; n--, p++)
		__atomic_store_n(&page_owner[p], 0, __ATOMIC_RELAXED);
}

static bool
in_aperture(rte_iova_t iova, uint64_t len)
{
	return iova >= APT_START && iova <= APT_LAST && len <= APT_LAST - iova + 1;
}

/*
 * A random mix of allocations and frees of one thread against the model.
 * Returns the number of errors seen (overlap, outside aperture, failure).
 */
struct churn_arg {
	struct dmamap_iovad *ad;
	unsigned int ops;
	uint8_t id;
	unsigned int errors;
	struct live_range live[LIVE_MAX];
	unsigned int nb_live;
};

static void
churn_alloc(struct churn_arg *c)
{
	uint64_t size = random_size(), len = ad_len(c->ad, size);
	rte_iova_t iova = dmamap_iova_alloc(c->ad, size, 0, UINT64_MAX);

	/* What a domain does: give the caches back and retry once. */
	if (iova == RTE_BAD_IOVA && rte_errno == ENOSPC) {
		dmamap_iovad_purge_caches(c->ad);
		iova = dmamap_iova_alloc(c->ad, size, 0, UINT64_MAX);
	}
	if (iova == RTE_BAD_IOVA || !in_aperture(iova, len) ||
			!model_take(iova, len, c->id)) {
		printf("churn %u: bad allocation 0x%" PRIx64 " of 0x%" PRIx64 "\n",
			c->id, iova, size);
		c->errors++;
		return;
	}
	c->live[c->nb_live].iova = iova;
	c->live[c->nb_live++].size = size;
}

static void
churn_free(struct churn_arg *c, unsigned int i)
{
	struct live_range r = c->live[i];

	c->live[i] = c->live[--c->nb_live];
	model_release(r.iova, ad_len(c->ad, r.size));
	dmamap_iova_free(c->ad, r.iova, r.size);
}

static int
churn(void *arg)
{
	struct churn_arg *c = arg;
	unsigned int i;

	for (i = 0; i < c->ops; i++) {
		if (c->nb_live < LIVE_MAX && (c->nb_live == 0 || rte_rand_max(8) < 5))
			churn_alloc(c);
		else
			churn_free(c, rte_rand_max(c->nb_live));
	}
	while (c->nb_live > 0)
		churn_free(c, c->nb_live - 1);
	return 0;
}

/* Allocate the whole aperture of ad at once: proof that all is free. */
static int
check_all_free(struct dmamap_iovad *ad, uint64_t size)
{
	rte_iova_t iova;

	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), 0, "bytes still accounted");
	iova = dmamap_iova_alloc(ad, size, 0, UINT64_MAX);
	TEST_ASSERT_EQUAL(iova, APT_START, "whole aperture not free");
	dmamap_iova_free(ad, iova, size);
	return TEST_SUCCESS;
}

/*
 * Cases.
 */

static int
test_iova_create_invalid(void)
{
	TEST_ASSERT_NULL(dmamap_iovad_create(NULL, 0, MB(1) - 1, GRANULE, true),
		"NULL name accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_NULL(dmamap_iovad_create("x", 0, MB(1) - 1, 3000, true),
		"granule not a power of two accepted");
	TEST_ASSERT_NULL(dmamap_iovad_create("x", 0x800, MB(1) - 1, GRANULE,
		true), "misaligned start accepted");
	TEST_ASSERT_NULL(dmamap_iovad_create("x", 0, MB(1), GRANULE, true),
		"misaligned last accepted");
	TEST_ASSERT_NULL(dmamap_iovad_create("x", MB(1), MB(1) - 1, GRANULE,
		true), "empty aperture accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_NULL(dmamap_iovad_create(NAME_CACHED, 0, MB(1) - 1,
		GRANULE, true), "duplicate name accepted");
	TEST_ASSERT_EQUAL(rte_errno, EEXIST, "wrong errno");
	return TEST_SUCCESS;
}

static int
test_iova_lookup(void)
{
	static const char long_name[] =
		"an_allocator_name_longer_than_a_memzone_name";
	struct dmamap_iovad *ad;

	TEST_ASSERT(dmamap_iovad_lookup(NAME_CACHED) == cached_ad,
		"lookup found another allocator");
	TEST_ASSERT_NULL(dmamap_iovad_lookup("test_iova_none"),
		"unknown name found");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "wrong errno");
	ad = dmamap_iovad_create(long_name, 0, MB(1) - 1, GRANULE, true);
	TEST_ASSERT_NOT_NULL(ad, "long name refused");
	TEST_ASSERT(dmamap_iovad_lookup(long_name) == ad, "long name not found");
	TEST_ASSERT_NULL(dmamap_iovad_lookup(
		"an_allocator_name_longer_than_a_memzone_nam"),
		"a prefix of a long name found");
	dmamap_iovad_destroy(ad);
	TEST_ASSERT_NULL(dmamap_iovad_lookup(long_name), "destroyed found");
	return TEST_SUCCESS;
}

static int
test_iova_invalid_requests(void)
{
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, 0, 0, UINT64_MAX),
		RTE_BAD_IOVA, "size 0 allocated");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, KB(4), KB(12),
		UINT64_MAX), RTE_BAD_IOVA, "alignment 12K accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, APT_SIZE + 1, 0,
		UINT64_MAX), RTE_BAD_IOVA, "more than the aperture allocated");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(NULL, KB(4), 0, UINT64_MAX),
		RTE_BAD_IOVA, "NULL allocator accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), 0, "bytes accounted");
	return TEST_SUCCESS;
}

/* One size and alignment on one allocator: placement and accounting. */
static int
check_size_align(struct dmamap_iovad *ad, uint64_t size, uint64_t align,
		uint64_t len)
{
	uint64_t want = RTE_MAX(align, GRANULE);
	rte_iova_t iova = dmamap_iova_alloc(ad, size, align, UINT64_MAX);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "0x%" PRIx64 "/0x%" PRIx64
		" failed", size, align);
	TEST_ASSERT_EQUAL(iova & (want - 1), 0, "misaligned for 0x%" PRIx64,
		align);
	TEST_ASSERT(in_aperture(iova, len), "0x%" PRIx64 " outside", iova);
	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), len, "size 0x%" PRIx64, size);
	dmamap_iova_free(ad, iova, size);
	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), 0, "size 0x%" PRIx64, size);
	return TEST_SUCCESS;
}

static int
test_iova_sizes_aligns(void)
{
	unsigned int s, a;
	uint64_t size;

	for (s = 0; s < RTE_DIM(test_sizes); s++) {
		size = test_sizes[s];
		for (a = 0; a < RTE_DIM(test_aligns); a++) {
			if (check_size_align(cached_ad, size, test_aligns[a],
					cached_len(size)) != TEST_SUCCESS ||
					check_size_align(uncached_ad, size,
					test_aligns[a], RTE_ALIGN_CEIL(size,
					GRANULE)) != TEST_SUCCESS)
				return TEST_FAILED;
		}
	}
	return TEST_SUCCESS;
}

/* Cached sizes come naturally aligned, so the cache serves any request. */
static int
test_iova_cached_natural_align(void)
{
	rte_iova_t iova;
	uint64_t size;

	for (size = GRANULE; size <= DMAMAP_IOVA_CACHED_MAX; size <<= 1) {
		iova = dmamap_iova_alloc(cached_ad, size, 0, UINT64_MAX);
		TEST_ASSERT_EQUAL(iova & (size - 1), 0, "0x%" PRIx64
			" not aligned to its size", size);
		dmamap_iova_free(cached_ad, iova, size);
		TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, size, size,
			UINT64_MAX), iova, "cached range not reused");
		dmamap_iova_free(cached_ad, iova, size);
	}
	return TEST_SUCCESS;
}

/* The range allocator works top-down, as the kernel's. */
static int
test_iova_top_down(void)
{
	rte_iova_t a, b;

	a = dmamap_iova_alloc(uncached_ad, MB(1), 0, UINT64_MAX);
	b = dmamap_iova_alloc(uncached_ad, MB(1), 0, UINT64_MAX);
	TEST_ASSERT_EQUAL(a, APT_LAST - MB(1) + 1, "first not at the top");
	TEST_ASSERT_EQUAL(b, a - MB(1), "second not below the first");
	dmamap_iova_free(uncached_ad, a, MB(1));
	dmamap_iova_free(uncached_ad, b, MB(1));
	return TEST_SUCCESS;
}

static int
check_limit(struct dmamap_iovad *ad, rte_iova_t limit, unsigned int n)
{
	rte_iova_t iova[64];
	unsigned int i;
	uint64_t size;

	for (i = 0; i < n; i++) {
		size = test_sizes[i % RTE_DIM(test_sizes)];
		iova[i] = dmamap_iova_alloc(ad, size, 0, limit);
		TEST_ASSERT_NOT_EQUAL(iova[i], RTE_BAD_IOVA, "limit 0x%" PRIx64,
			limit);
		TEST_ASSERT(iova[i] + ad_len(ad, size) - 1 <= limit &&
			iova[i] >= APT_START, "0x%" PRIx64 " beyond 0x%" PRIx64,
			iova[i], limit);
	}
	for (i = 0; i < n; i++)
		dmamap_iova_free(ad, iova[i], test_sizes[i % RTE_DIM(test_sizes)]);
	return TEST_SUCCESS;
}

static int
test_iova_limit(void)
{
	static const rte_iova_t limits[] = {
		APT_START + MB(16) - 1, APT_START + MB(16) + 0x7ff,
		APT_START + MB(64) - 1, APT_LAST - 1, APT_LAST,
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(limits); i++) {
		TEST_ASSERT_SUCCESS(check_limit(cached_ad, limits[i], 24), "cached");
		TEST_ASSERT_SUCCESS(check_limit(uncached_ad, limits[i], 24),
			"uncached");
	}
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, KB(4), 0, APT_START - 1),
		RTE_BAD_IOVA, "limit below the aperture allocated");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "wrong errno");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, KB(8), 0,
		APT_START + KB(12) - 1), APT_START, "tight limit");
	dmamap_iova_free(cached_ad, APT_START, KB(8));
	return TEST_SUCCESS;
}

/* A cached range above the limit is skipped, and stays cached. */
static int
test_iova_limit_cached(void)
{
	rte_iova_t high, low, limit = APT_START + MB(8) - 1;

	high = dmamap_iova_alloc(cached_ad, KB(16), 0, UINT64_MAX);
	TEST_ASSERT(high > limit, "top-down allocation low: 0x%" PRIx64, high);
	dmamap_iova_free(cached_ad, high, KB(16));
	low = dmamap_iova_alloc(cached_ad, KB(16), 0, limit);
	TEST_ASSERT(low + KB(16) - 1 <= limit, "cached 0x%" PRIx64
		" beyond limit", low);
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(cached_ad, KB(16), 0, UINT64_MAX),
		high, "cached range lost");
	dmamap_iova_free(cached_ad, high, KB(16));
	dmamap_iova_free(cached_ad, low, KB(16));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), 0, "bytes accounted");
	return TEST_SUCCESS;
}

/* Random limits, some past the aperture: nothing leaves it. */
static int
test_iova_aperture(void)
{
	struct live_range r[256];
	rte_iova_t limit;
	unsigned int i;

	for (i = 0; i < RTE_DIM(r); i++) {
		limit = APT_START + MB(64) + rte_rand_max(2 * APT_SIZE);
		if (i % 8 == 0)
			limit = UINT64_MAX;
		r[i].size = random_size();
		r[i].iova = dmamap_iova_alloc(cached_ad, r[i].size, 0, limit);
		TEST_ASSERT(r[i].iova != RTE_BAD_IOVA &&
			in_aperture(r[i].iova, cached_len(r[i].size)),
			"0x%" PRIx64 " outside the aperture", r[i].iova);
	}
	for (i = 0; i < RTE_DIM(r); i++)
		dmamap_iova_free(cached_ad, r[i].iova, r[i].size);
	return TEST_SUCCESS;
}

/* Many random allocations and frees against the reference model. */
static int
test_iova_no_overlap(void)
{
	struct churn_arg *c = calloc(1, sizeof(*c));
	struct dmamap_iovad *ads[] = { cached_ad, uncached_ad };
	unsigned int i, errors = 0;

	TEST_ASSERT_NOT_NULL(c, "no memory");
	for (i = 0; i < RTE_DIM(ads); i++) {
		memset(c, 0, sizeof(*c));
		c->ad = ads[i];
		c->ops = 30000;
		c->id = 1;
		churn(c);
		errors += c->errors;
	}
	free(c);
	TEST_ASSERT_EQUAL(errors, 0, "overlapping or bad allocations");
	dmamap_iovad_purge_caches(cached_ad);
	TEST_ASSERT_SUCCESS(check_all_free(cached_ad, APT_SIZE), "cached");
	return check_all_free(uncached_ad, APT_SIZE);
}

/* Used bytes follow the live allocations through the churn. */
static int
test_iova_used(void)
{
	rte_iova_t a, b;

	a = dmamap_iova_alloc(cached_ad, KB(12), 0, UINT64_MAX);
	b = dmamap_iova_alloc(cached_ad, MB(1) + 1, 0, UINT64_MAX);
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), KB(16) + MB(1) + KB(4),
		"rounded sizes not accounted");
	dmamap_iova_free(cached_ad, a, KB(12));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), MB(1) + KB(4),
		"cached range counted as used");
	dmamap_iova_free(cached_ad, b, MB(1) + 1);
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), 0, "bytes accounted");
	return TEST_SUCCESS;
}

/* Fill the small aperture with ranges of size; returns how many. */
static unsigned int
fill(struct dmamap_iovad *ad, uint64_t size, rte_iova_t *out, unsigned int max)
{
	unsigned int n = 0;
	rte_iova_t iova;

	while (n < max) {
		iova = dmamap_iova_alloc(ad, size, 0, UINT64_MAX);
		if (iova == RTE_BAD_IOVA)
			break;
		out[n++] = iova;
	}
	return n;
}

static void
free_all(struct dmamap_iovad *ad, uint64_t size, const rte_iova_t *iova,
		unsigned int n)
{
	while (n-- > 0)
		dmamap_iova_free(ad, iova[n], size);
}

static int
test_iova_exhaustion(void)
{
	struct dmamap_iovad *ad = small_uncached_ad;
	static rte_iova_t iova[300];
	unsigned int n;

	n = fill(ad, KB(4), iova, RTE_DIM(iova));
	TEST_ASSERT_EQUAL(n, MB(1) / KB(4), "4K ranges in 1 MiB");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX),
		RTE_BAD_IOVA, "allocated past exhaustion");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "wrong errno");
	free_all(ad, KB(4), iova, n);
	n = fill(ad, KB(64), iova, RTE_DIM(iova));
	TEST_ASSERT_EQUAL(n, 16, "64K ranges in 1 MiB after the 4K ones");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX),
		RTE_BAD_IOVA, "allocated past exhaustion");
	free_all(ad, KB(64), iova, n);
	return check_all_free(ad, MB(1));
}

/* Ranges held by magazines come back to the range allocator on purge. */
static int
test_iova_purge(void)
{
	static rte_iova_t iova[300];
	unsigned int n;

	n = fill(small_ad, KB(4), iova, RTE_DIM(iova));
	free_all(small_ad, KB(4), iova, n);
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(small_ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "cached 4K ranges not held by the cache");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "wrong errno");
	dmamap_iovad_purge_caches(small_ad);
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(small_ad, MB(1), 0, UINT64_MAX),
		APT_START, "purge did not return the cached ranges");
	dmamap_iova_free(small_ad, APT_START, MB(1));
	return TEST_SUCCESS;
}

struct fill_arg {
	struct dmamap_iovad *ad;
	uint64_t size;
	unsigned int n;
	rte_iova_t iova[300];
};

static int
fill_and_free(void *arg)
{
	struct fill_arg *f = arg;

	f->n = fill(f->ad, f->size, f->iova, RTE_DIM(f->iova));
	free_all(f->ad, f->size, f->iova, f->n);
	return 0;
}

static unsigned int
worker_lcore(void)
{
	return rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
}

/* Purge also empties the magazines of another lcore, and the depot. */
static int
test_iova_purge_other_lcore(void)
{
	static struct fill_arg f;

	if (worker_lcore() >= RTE_MAX_LCORE)
		TEST_SKIP("needs two lcores (-l 0-1)");
	f.ad = small_ad;
	f.size = KB(8);
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(fill_and_free, &f,
		worker_lcore()), "launch");
	rte_eal_wait_lcore(worker_lcore());
	TEST_ASSERT_EQUAL(f.n, MB(1) / KB(8), "worker filled the aperture");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(small_ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "worker's cache not holding ranges");
	dmamap_iovad_purge_caches(small_ad);
	return check_all_free(small_ad, MB(1));
}

static int
test_iova_bad_free(void)
{
	rte_iova_t a = dmamap_iova_alloc(uncached_ad, MB(1), 0, UINT64_MAX);

	dmamap_iova_free(uncached_ad, a, MB(2));
	dmamap_iova_free(uncached_ad, a + KB(4), MB(1) - KB(4));
	dmamap_iova_free(uncached_ad, APT_START, MB(1));
	dmamap_iova_free(uncached_ad, APT_LAST + 1, MB(1));
	dmamap_iova_free(uncached_ad, a + 0x800, MB(1));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(uncached_ad), MB(1),
		"a bad free was taken");
	TEST_ASSERT_NOT_EQUAL(dmamap_iova_alloc(uncached_ad, MB(1), 0,
		UINT64_MAX), a, "range freed by a bad free");
	dmamap_iova_free(uncached_ad, a - MB(1), MB(1));
	dmamap_iova_free(uncached_ad, a, MB(1));
	dmamap_iova_free(uncached_ad, a, MB(1));
	return check_all_free(uncached_ad, APT_SIZE);
}

/* A bad free of a cached size is caught when its magazine is flushed. */
static int
test_iova_bad_free_cached(void)
{
	rte_iova_t a = dmamap_iova_alloc(cached_ad, KB(8), 0, UINT64_MAX);

	dmamap_iova_free(cached_ad, a + KB(4), KB(8));
	dmamap_iova_free(cached_ad, APT_LAST + 1, KB(8));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(cached_ad), KB(8),
		"misaligned or outside free taken");
	dmamap_iova_free(cached_ad, APT_START, KB(8));
	dmamap_iovad_purge_caches(cached_ad);
	dmamap_iova_free(cached_ad, a, KB(8));
	dmamap_iovad_purge_caches(cached_ad);
	return check_all_free(cached_ad, APT_SIZE);
}

/* The range table is full before the aperture: ENOSPC, then recovery. */
static int
test_iova_table_full(void)
{
	struct dmamap_iovad *ad;
	unsigned int n = 0;

	ad = dmamap_iovad_create("test_iova_t", 0, MB(1024) - 1, GRANULE, false);
	TEST_ASSERT_NOT_NULL(ad, "create: %s", rte_strerror(rte_errno));
	while (dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX) != RTE_BAD_IOVA)
		n++;
	TEST_ASSERT(n >= 4096 && n < MB(1024) / KB(4), "%u ranges", n);
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "wrong errno");
	dmamap_iova_free(ad, MB(1024) - KB(4), KB(4));
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX),
		MB(1024) - KB(4), "freed entry not reusable");
	dmamap_iovad_destroy(ad);
	return TEST_SUCCESS;
}

/* An aperture of the whole 64-bit space: no overflow at either end. */
static int
test_iova_full_space(void)
{
	struct dmamap_iovad *ad;
	rte_iova_t top, half;

	ad = dmamap_iovad_create("test_iova_64", 0, UINT64_MAX, GRANULE, true);
	TEST_ASSERT_NOT_NULL(ad, "create: %s", rte_strerror(rte_errno));
	top = dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX);
	TEST_ASSERT_EQUAL(top, UINT64_MAX - KB(4) + 1, "highest page");
	half = dmamap_iova_alloc(ad, UINT64_C(1) << 63, UINT64_C(1) << 63,
		UINT64_MAX);
	TEST_ASSERT_EQUAL(half, 0, "aligned lower half");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, KB(8), 0, KB(8) - 1),
		RTE_BAD_IOVA, "page 0 allocated twice");
	dmamap_iova_free(ad, half, UINT64_C(1) << 63);
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, KB(8), 0, KB(8) - 1), 0,
		"bottom after the free");
	dmamap_iova_free(ad, 0, KB(8));
	dmamap_iova_free(ad, top, KB(4));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), 0, "bytes accounted");
	dmamap_iovad_destroy(ad);
	return TEST_SUCCESS;
}

/* Both lcores churn at once on one allocator, checked page by page. */
static int
test_iova_multi_lcore(void)
{
	struct churn_arg *c = calloc(2, sizeof(*c));
	unsigned int errors;

	if (worker_lcore() >= RTE_MAX_LCORE) {
		free(c);
		TEST_SKIP("needs two lcores (-l 0-1)");
	}
	TEST_ASSERT_NOT_NULL(c, "no memory");
	c[0].ad = c[1].ad = cached_ad;
	c[0].ops = c[1].ops = 200000;
	c[0].id = 1;
	c[1].id = 2;
	rte_eal_remote_launch(churn, &c[1], worker_lcore());
	churn(&c[0]);
	rte_eal_wait_lcore(worker_lcore());
	errors = c[0].errors + c[1].errors;
	free(c);
	TEST_ASSERT_EQUAL(errors, 0, "overlapping or bad allocations");
	dmamap_iovad_purge_caches(cached_ad);
	return check_all_free(cached_ad, APT_SIZE);
}

/* Purges from one lcore while the other churns on cached sizes. */
static int
test_iova_purge_concurrent(void)
{
	struct churn_arg *c = calloc(1, sizeof(*c));
	unsigned int i, errors;

	if (worker_lcore() >= RTE_MAX_LCORE) {
		free(c);
		TEST_SKIP("needs two lcores (-l 0-1)");
	}
	TEST_ASSERT_NOT_NULL(c, "no memory");
	c->ad = cached_ad;
	c->ops = 300000;
	c->id = 2;
	rte_eal_remote_launch(churn, c, worker_lcore());
	for (i = 0; i < 2000; i++)
		dmamap_iovad_purge_caches(cached_ad);
	rte_eal_wait_lcore(worker_lcore());
	errors = c->errors;
	free(c);
	TEST_ASSERT_EQUAL(errors, 0, "overlapping or bad allocations");
	dmamap_iovad_purge_caches(cached_ad);
	return check_all_free(cached_ad, APT_SIZE);
}

static void *
non_eal_churn(void *arg)
{
	struct churn_arg *c = arg;

	if (rte_lcore_id() != LCORE_ID_ANY)
		c->errors++;
	churn(c);
	return NULL;
}

/* A thread without an lcore id shares the allocator with an lcore. */
static int
test_iova_non_eal_thread(void)
{
	struct churn_arg *c = calloc(2, sizeof(*c));
	unsigned int errors;
	pthread_t t;

	TEST_ASSERT_NOT_NULL(c, "no memory");
	c[0].ad = c[1].ad = cached_ad;
	c[0].ops = c[1].ops = 50000;
	c[0].id = 1;
	c[1].id = 3;
	if (pthread_create(&t, NULL, non_eal_churn, &c[1]) != 0) {
		free(c);
		TEST_ASSERT(false, "cannot create a thread");
	}
	churn(&c[0]);
	pthread_join(t, NULL);
	errors = c[0].errors + c[1].errors;
	free(c);
	TEST_ASSERT_EQUAL(errors, 0, "overlapping or bad allocations");
	dmamap_iovad_purge_caches(cached_ad);
	return check_all_free(cached_ad, APT_SIZE);
}

/*
 * Secondary process: the primary holds 1 MiB of a 4 MiB allocator; the
 * secondary sees it, fills the rest, frees, then keeps 1 MiB for the
 * primary to find.
 */
static int
test_iova_secondary(void)
{
	struct dmamap_iovad *ad;
	rte_iova_t held;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("secondary processes need hugepages");
	ad = dmamap_iovad_create(NAME_MP, APT_START, APT_START + MB(4) - 1,
		GRANULE, true);
	TEST_ASSERT_NOT_NULL(ad, "create: %s", rte_strerror(rte_errno));
	held = dmamap_iova_alloc(ad, MB(1), 0, UINT64_MAX);
	TEST_ASSERT_EQUAL(test_run_secondary("dmamap_iova_secondary_autotest"),
		0, "secondary process failed");
	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), MB(2),
		"secondary's allocation not seen");
	TEST_ASSERT_NOT_EQUAL(dmamap_iova_alloc(ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "third MiB");
	TEST_ASSERT_NOT_EQUAL(dmamap_iova_alloc(ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "fourth MiB");
	TEST_ASSERT_EQUAL(dmamap_iova_alloc(ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "the secondary's MiB allocated twice");
	dmamap_iova_free(ad, held, MB(1));
	dmamap_iovad_destroy(ad);
	return TEST_SUCCESS;
}

static int
secondary_main(void)
{
	struct dmamap_iovad *ad;
	rte_iova_t iova[4];
	unsigned int n;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs in a secondary process");
	ad = dmamap_iovad_lookup(NAME_MP);
	TEST_ASSERT_NOT_NULL(ad, "lookup: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(dmamap_iovad_used(ad), MB(1), "primary's MiB");
	n = fill(ad, MB(1), iova, RTE_DIM(iova));
	TEST_ASSERT_EQUAL(n, 3, "MiB left by the primary");
	free_all(ad, MB(1), iova, n);
	iova[0] = dmamap_iova_alloc(ad, KB(4), 0, UINT64_MAX);
	dmamap_iova_free(ad, iova[0], KB(4));
	dmamap_iovad_purge_caches(ad);
	TEST_ASSERT_NOT_EQUAL(dmamap_iova_alloc(ad, MB(1), 0, UINT64_MAX),
		RTE_BAD_IOVA, "MiB kept for the primary");
	return TEST_SUCCESS;
}

static struct unit_test_suite iova_suite = {
	.suite_name = "dmamap IOVA allocator",
	.unit_test_cases = {
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_create_invalid),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_lookup),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_invalid_requests),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_sizes_aligns),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_cached_natural_align),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_top_down),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_limit),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_limit_cached),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_aperture),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_no_overlap),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_used),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_exhaustion),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_purge),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_purge_other_lcore),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_bad_free),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_bad_free_cached),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_table_full),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_full_space),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_multi_lcore),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_purge_concurrent),
		TEST_CASE_ST(setup_allocators, teardown_allocators,
			test_iova_non_eal_thread),
		TEST_CASE(test_iova_secondary),
		TEST_CASES_END()
	}
};

static int
test_dmamap_iova(void)
{
	return unit_test_suite_runner(&iova_suite);
}

static int
test_dmamap_iova_secondary(void)
{
	return secondary_main();
}

REGISTER_TEST_COMMAND(dmamap_iova_autotest, test_dmamap_iova);
REGISTER_TEST_COMMAND(dmamap_iova_secondary_autotest, test_dmamap_iova_secondary);
