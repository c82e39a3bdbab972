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

/* Unmapped ranges remembered until a flush covers them; a small model
 * keeps maps cheap, and the ranges it cannot remember are counted.
 */
#define TEST_BACKEND_STALE_MAX 64

struct test_backend_range {
	rte_iova_t iova;
	rte_iova_t target;
	uint64_t len;
	uint32_t prot;
};

struct test_backend {
	rte_spinlock_t lock;
	uint32_t max_ranges;
	uint32_t nb_ranges;
	uint32_t nb_stale;
	uint32_t fail_in[TEST_BACKEND_OPS]; /* calls until one fails; 0: none */
	struct test_backend_stats stats;
	struct test_backend_range stale[TEST_BACKEND_STALE_MAX];
	struct test_backend_range range[]; /* sorted by IOVA */
};

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

static bool
tb_stale_hit(const struct test_backend *tb, rte_iova_t iova, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < tb->nb_stale; i++)
		if (tb_overlap(tb->stale[i].iova, tb->stale[i].len, iova, len))
			return true;
	return false;
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
	size_t g = rte_dmamap_domain_granule(dom);

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
		memmove(&tb->range[i + 1], &tb->range[i],
			(tb->nb_ranges - i) * sizeof(tb->range[0]));
		tb->range[i] = (struct test_backend_range){ iova, target, len, prot };
		tb->nb_ranges++;
		tb->stats.mapped_bytes += len;
	}
	rte_spinlock_unlock(&tb->lock);
	return ret;
}

static void
tb_stale_add(struct test_backend *tb, rte_iova_t iova, uint64_t len)
{
	if (tb->nb_stale < TEST_BACKEND_STALE_MAX)
		tb->stale[tb->nb_stale++] =
			(struct test_backend_range){ .iova = iova, .len = len };
	else
		tb->stats.stale_untracked++;
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
		rte_spinlock_unlock(&tb->lock);
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
		memmove(&tb->range[first], &tb->range[end],
			(tb->nb_ranges - end) * sizeof(tb->range[0]));
		tb->nb_ranges -= end - first;
	}
	rte_spinlock_unlock(&tb->lock);
	return ret;
}

static int
tb_flush(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct test_backend *tb = tb_of(dom);
	uint32_t i = 0;

	if (tb == NULL)
		return -ENODEV;
	rte_spinlock_lock(&tb->lock);
	tb->stats.flushes++;
	if (tb_injected(tb, TEST_BACKEND_FLUSH)) {
		rte_spinlock_unlock(&tb->lock);
		return -EIO;
	}
	if (len == 0)
		tb->stats.full_flushes++;
	while (i < tb->nb_stale) {
		if (len == 0 || (tb->stale[i].iova >= iova &&
				tb->stale[i].iova + tb->stale[i].len - 1 <=
				iova + len - 1))
			tb->stale[i] = tb->stale[--tb->nb_stale];
		else
			i++;
	}
	rte_spinlock_unlock(&tb->lock);
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
	rte_spinlock_unlock(&tb->lock);
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
	rte_spinlock_unlock(&tb->lock);
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
	rte_spinlock_unlock(&tb->lock);
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
	rte_spinlock_unlock(&tb->lock);
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
