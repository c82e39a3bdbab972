/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The "test" IOMMU backend (see test_backend.h). Its state lives in the
 * domain's shared area, so every process sees one table; a spinlock there
 * serializes calls, which may come from several lcores and processes.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_spinlock.h>

#include "test_backend.h"

/*
 * The IOTLB model: the IOVA unmapped and not flushed since, as sorted,
 * disjoint, non-adjacent intervals, so a map checks it by one binary search
 * and the ranges a lazy domain unmaps one after the other become one
 * interval. A flush takes out exactly what it covers. A small model keeps
 * calls cheap; the intervals it cannot hold are counted.
 */
#define TEST_BACKEND_STALE_MAX 64

struct test_backend_range {
	rte_iova_t iova;
	rte_iova_t target;
	uint64_t len;
	uint32_t prot;
};

struct test_backend_stale {
	rte_iova_t first;
	rte_iova_t last;
};

struct test_backend {
	rte_spinlock_t lock;
	uint32_t max_ranges;
	uint32_t nb_ranges;
	uint32_t nb_stale;
	uint64_t granule;
	uint32_t fail_in[TEST_BACKEND_OPS]; /* calls until one fails; 0: none */
	struct test_backend_stats stats;
	struct test_backend_stale stale[TEST_BACKEND_STALE_MAX];
	struct test_backend_range range[]; /* sorted by IOVA */
};

/*
 * Release the lock with a store: on x86 rte_spinlock_unlock() is an xchg,
 * a locked instruction as costly as taking the lock.
 */
static inline void
tb_unlock(rte_spinlock_t *sl)
{
	__atomic_store_n(&sl->locked, 0, __ATOMIC_RELEASE);
}

static struct test_backend *
tb_of(struct rte_dmamap_domain *dom)
{
	struct test_backend *tb = rte_dmamap_domain_priv(dom);

	return tb != NULL && tb->max_ranges != 0 ? tb : NULL;
}

static bool
tb_overlap(rte_iova_t a, uint64_t alen, rte_iova_t b, uint64_t blen)
{
	return a <= b + blen - 1 && b <= a + alen - 1;
}

/* Index of the first range that ends above iova. */
static uint32_t
tb_search(const struct test_backend *tb, rte_iova_t iova)
{
	uint32_t lo = 0, hi = tb->nb_ranges, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (tb->range[mid].iova + tb->range[mid].len - 1 < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first stale interval that ends at or above iova. */
static uint32_t
tb_stale_search(const struct test_backend *tb, rte_iova_t iova)
{
	uint32_t lo = 0, hi = tb->nb_stale, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (tb->stale[mid].last < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
tb_stale_hit(const struct test_backend *tb, rte_iova_t iova, uint64_t len)
{
	uint32_t i = tb_stale_search(tb, iova);

	return i < tb->nb_stale && tb->stale[i].first <= iova + len - 1;
}

/* Replace stale intervals [i, j) by the n intervals of with. */
static void
tb_stale_replace(struct test_backend *tb, uint32_t i, uint32_t j,
		const struct test_backend_stale *with, uint32_t n)
{
	uint32_t k;

	if (j != i + n && j < tb->nb_stale)
		memmove(&tb->stale[i + n], &tb->stale[j],
			(tb->nb_stale - j) * sizeof(tb->stale[0]));
	for (k = 0; k < n; k++)
		tb->stale[i + k] = with[k];
	tb->nb_stale = tb->nb_stale - (j - i) + n;
}

/* Whether this call of op is the one to fail. Lock held. */
static bool
tb_injected(struct test_backend *tb, enum test_backend_op op)
{
	if (tb->fail_in[op] == 0 || --tb->fail_in[op] != 0)
		return false;
	tb->stats.injected++;
	return true;
}

static int
tb_check_map(struct rte_dmamap_domain *dom, struct test_backend *tb,
		rte_iova_t iova, rte_iova_t target, size_t len, uint32_t i)
{
	uint64_t g = tb->granule;

	RTE_SET_USED(dom);
	if (len == 0 || ((iova | target | len) & (g - 1)) != 0 ||
			iova + len - 1 < iova)
		return -EINVAL;
	if (i < tb->nb_ranges && tb_overlap(tb->range[i].iova,
			tb->range[i].len, iova, len))
		return -EEXIST;
	if (tb->nb_ranges == tb->max_ranges)
		return -ENOMEM;
	return 0;
}

static int
tb_map(struct rte_dmamap_domain *dom, rte_iova_t iova, const void *va,
		rte_iova_t target, size_t len, uint32_t prot)
{
	struct test_backend *tb = tb_of(dom);
	uint32_t i;
	int ret;

	RTE_SET_USED(va);
	if (tb == NULL)
		return -ENODEV;
	rte_spinlock_lock(&tb->lock);
	tb->stats.maps++;
	i = tb_search(tb, iova);
	ret = tb_check_map(dom, tb, iova, target, len, i);
	if (ret < 0)
		tb->stats.refused++;
	else if (tb_injected(tb, TEST_BACKEND_MAP))
		ret = -EIO;
	if (ret == 0) {
		if (tb_stale_hit(tb, iova, len))
			tb->stats.stale_maps++;
		if (i < tb->nb_ranges)
			memmove(&tb->range[i + 1], &tb->range[i],
				(tb->nb_ranges - i) * sizeof(tb->range[0]));
		tb->range[i] = (struct test_backend_range){ iova, target, len, prot };
		tb->nb_ranges++;
		tb->stats.mapped_bytes += len;
	}
	tb_unlock(&tb->lock);
	return ret;
}

/* Add [iova, iova + len) to the stale IOVA, merged with what it meets or
 * touches.
 */
static void
tb_stale_add(struct test_backend *tb, rte_iova_t iova, uint64_t len)
{
	struct test_backend_stale m = { iova, iova + len - 1 };
	uint32_t i, j;

	i = tb_stale_search(tb, iova == 0 ? 0 : iova - 1);
	for (j = i; j < tb->nb_stale && (m.last == UINT64_MAX ||
			tb->stale[j].first <= m.last + 1); j++) {
		m.first = RTE_MIN(m.first, tb->stale[j].first);
		m.last = RTE_MAX(m.last, tb->stale[j].last);
	}
	if (j == i && tb->nb_stale == TEST_BACKEND_STALE_MAX) {
		tb->stats.stale_untracked++;
		return;
	}
	tb_stale_replace(tb, i, j, &m, 1);
}

/* Take [iova, iova + len) out of the stale IOVA; len 0: all of it. */
static void
tb_stale_flush(struct test_backend *tb, rte_iova_t iova, size_t len)
{
	struct test_backend_stale keep[2];
	rte_iova_t last = iova + len - 1;
	uint32_t i, j, n = 0;

	if (len == 0) {
		tb->nb_stale = 0;
		return;
	}
	i = tb_stale_search(tb, iova);
	for (j = i; j < tb->nb_stale && tb->stale[j].first <= last; j++)
		;
	if (j == i)
		return;
	/* Only the first interval met may start below, the last end above. */
	if (tb->stale[i].first < iova)
		keep[n++] = (struct test_backend_stale){ tb->stale[i].first,
			iova - 1 };
	if (tb->stale[j - 1].last > last)
		keep[n++] = (struct test_backend_stale){ last + 1,
			tb->stale[j - 1].last };
	if (tb->nb_stale - (j - i) + n > TEST_BACKEND_STALE_MAX) {
		tb->stats.stale_untracked++;
		n--;
	}
	tb_stale_replace(tb, i, j, keep, n);
}

/* Unmap whole ranges inside [iova, iova + len): type1 semantics. */
static int
tb_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct test_backend *tb = tb_of(dom);
	uint32_t first, end;
	int ret = 0;

	if (tb == NULL)
		return -ENODEV;
	rte_spinlock_lock(&tb->lock);
	tb->stats.unmaps++;
	if (tb_injected(tb, TEST_BACKEND_UNMAP)) {
		tb_unlock(&tb->lock);
		return -EIO;
	}
	first = tb_search(tb, iova);
	for (end = first; end < tb->nb_ranges &&
			tb->range[end].iova <= iova + len - 1; end++)
		;
	if (len == 0 || end == first || tb->range[first].iova < iova ||
			tb->range[end - 1].iova + tb->range[end - 1].len - 1 >
			iova + len - 1) {
		tb->stats.refused++;
		ret = -EINVAL;
	} else {
		for (uint32_t i = first; i < end; i++) {
			tb->stats.mapped_bytes -= tb->range[i].len;
			tb_stale_add(tb, tb->range[i].iova, tb->range[i].len);
		}
		if (end < tb->nb_ranges)
			memmove(&tb->range[first], &tb->range[end],
				(tb->nb_ranges - end) * sizeof(tb->range[0]));
		tb->nb_ranges -= end - first;
	}
	tb_unlock(&tb->lock);
	return ret;
}

static int
tb_flush(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL)
		return -ENODEV;
	rte_spinlock_lock(&tb->lock);
	tb->stats.flushes++;
	if (tb_injected(tb, TEST_BACKEND_FLUSH)) {
		tb_unlock(&tb->lock);
		return -EIO;
	}
	if (len == 0)
		tb->stats.full_flushes++;
	tb_stale_flush(tb, iova, len);
	tb_unlock(&tb->lock);
	return 0;
}

static int
tb_lookup(struct test_backend *tb, rte_iova_t iova, rte_iova_t *target,
		uint32_t *prot)
{
	uint32_t i;
	int ret = -ENOENT;

	rte_spinlock_lock(&tb->lock);
	i = tb_search(tb, iova);
	if (i < tb->nb_ranges && tb->range[i].iova <= iova) {
		*target = tb->range[i].target + (iova - tb->range[i].iova);
		if (prot != NULL)
			*prot = tb->range[i].prot;
		ret = 0;
	}
	tb_unlock(&tb->lock);
	return ret;
}

static int
tb_translate(struct rte_dmamap_domain *dom, rte_iova_t iova, rte_iova_t *target)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL)
		return -ENODEV;
	__atomic_fetch_add(&tb->stats.translates, 1, __ATOMIC_RELAXED);
	return tb_lookup(tb, iova, target, NULL);
}

static struct {
	bool valid;
	char name[RTE_DMAMAP_NAME_LEN];
	struct test_backend_stats stats;
} tb_released;

static void
tb_release(struct rte_dmamap_domain *dom)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL)
		return;
	snprintf(tb_released.name, sizeof(tb_released.name), "%s",
		rte_dmamap_domain_name(dom));
	tb_released.stats = tb->stats;
	tb_released.stats.ranges = tb->nb_ranges;
	tb_released.stats.stale = tb->nb_stale;
	tb_released.valid = true;
}

static const struct rte_dmamap_domain_ops test_backend_ops = {
	.name = TEST_BACKEND_NAME,
	.map = tb_map,
	.unmap = tb_unmap,
	.flush = tb_flush,
	.translate = tb_translate,
	.release = tb_release,
};

RTE_INIT(test_backend_register)
{
	if (rte_dmamap_domain_ops_register(&test_backend_ops) < 0)
		printf("cannot register the test IOMMU backend\n");
}

/*
 * Helpers for tests.
 */

struct rte_dmamap_domain *
test_backend_domain_create_conf(struct rte_dmamap_domain_conf *conf,
		unsigned int max_ranges)
{
	struct rte_dmamap_domain *dom;
	struct test_backend *tb;

	conf->backend = TEST_BACKEND_NAME;
	conf->priv_size = sizeof(struct test_backend) +
		(size_t)max_ranges * sizeof(struct test_backend_range);
	dom = rte_dmamap_domain_create(conf);
	if (dom == NULL)
		return NULL;
	tb = rte_dmamap_domain_priv(dom);
	rte_spinlock_init(&tb->lock);
	tb->granule = rte_dmamap_domain_granule(dom);
	tb->max_ranges = max_ranges;
	return dom;
}

struct rte_dmamap_domain *
test_backend_domain_create(const char *name, rte_iova_t start, rte_iova_t last,
		enum rte_dmamap_flush_policy flush, unsigned int fq_size,
		unsigned int max_mappings)
{
	struct rte_dmamap_domain_conf conf = {
		.name = name,
		.aperture_start = start,
		.aperture_last = last,
		.pgsize_bitmap = TEST_BACKEND_PGSIZES,
		.flush = flush,
		.fq_size = fq_size,
		.max_mappings = max_mappings,
		.socket_id = SOCKET_ID_ANY,
	};

	return test_backend_domain_create_conf(&conf, TEST_BACKEND_RANGES);
}

int
test_backend_stats_get(struct rte_dmamap_domain *dom,
		struct test_backend_stats *stats)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL)
		return -EINVAL;
	rte_spinlock_lock(&tb->lock);
	*stats = tb->stats;
	stats->translates = __atomic_load_n(&tb->stats.translates,
		__ATOMIC_RELAXED);
	stats->ranges = tb->nb_ranges;
	stats->stale = tb->nb_stale;
	tb_unlock(&tb->lock);
	return 0;
}

void
test_backend_stats_reset(struct rte_dmamap_domain *dom)
{
	struct test_backend *tb = tb_of(dom);
	uint64_t bytes;

	if (tb == NULL)
		return;
	rte_spinlock_lock(&tb->lock);
	bytes = tb->stats.mapped_bytes;
	memset(&tb->stats, 0, sizeof(tb->stats));
	tb->stats.mapped_bytes = bytes;
	tb_unlock(&tb->lock);
}

void
test_backend_fail(struct rte_dmamap_domain *dom, enum test_backend_op op,
		unsigned int nth)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL || (unsigned int)op >= TEST_BACKEND_OPS)
		return;
	rte_spinlock_lock(&tb->lock);
	tb->fail_in[op] = nth;
	tb_unlock(&tb->lock);
}

int
test_backend_last_released(char name[RTE_DMAMAP_NAME_LEN],
		struct test_backend_stats *stats)
{
	if (!tb_released.valid)
		return -ENOENT;
	memcpy(name, tb_released.name, RTE_DMAMAP_NAME_LEN);
	*stats = tb_released.stats;
	return 0;
}

int
test_backend_lookup(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target, uint32_t *prot)
{
	struct test_backend *tb = tb_of(dom);

	if (tb == NULL || target == NULL)
		return -EINVAL;
	return tb_lookup(tb, iova, target, prot);
}

rte_iova_t
test_backend_translate(struct rte_dmamap_domain *dom, rte_iova_t iova)
{
	rte_iova_t target;

	if (test_backend_lookup(dom, iova, &target, NULL) < 0)
		return RTE_BAD_IOVA;
	return target;
}
