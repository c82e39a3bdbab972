/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The fuzz IOMMU backend (fuzz_backend.h). Fuzz targets run on one lcore,
 * so the table needs no lock; it lives in the domain's private area.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "fuzz_backend.h"
#include "fuzz_common.h"

#define FB_GRANULE 4096u
#define FB_PGSIZES (RTE_BIT64(12) | RTE_BIT64(21) | RTE_BIT64(30))
/* Unmapped ranges waiting for a flush; more is a harness limit. */
#define FB_STALE_MAX 4096u

struct fb_range {
	rte_iova_t iova;
	uint64_t len;
	rte_iova_t target;
	uint32_t prot;
};

struct fb_table {
	uint32_t max;
	uint32_t nb;
	uint32_t nb_stale;
	bool stale_check;
	uint64_t full_flushes;
	rte_iova_t start;
	rte_iova_t last;
	struct fb_range stale[FB_STALE_MAX];
	struct fb_range r[]; /* sorted by IOVA */
};

static struct fb_table *
fb_of(struct rte_dmamap_domain *dom)
{
	struct fb_table *t = rte_dmamap_domain_priv(dom);

	FUZZ_CHECK(t != NULL && t->max != 0, "not a fuzz domain");
	return t;
}

static bool
fb_overlap(rte_iova_t a, uint64_t alen, rte_iova_t b, uint64_t blen)
{
	return a <= b + blen - 1 && b <= a + alen - 1;
}

/* Index of the first range ending at or above iova. */
static uint32_t
fb_search(const struct fb_table *t, rte_iova_t iova)
{
	uint32_t lo = 0, hi = t->nb, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->r[mid].iova + t->r[mid].len - 1 < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
fb_check_stale(const struct fb_table *t, rte_iova_t iova, uint64_t len)
{
	uint32_t i;

	if (!t->stale_check)
		return;
	for (i = 0; i < t->nb_stale; i++)
		FUZZ_CHECK(!fb_overlap(t->stale[i].iova, t->stale[i].len, iova, len),
			"IOVA 0x%" PRIx64 "+0x%" PRIx64 " mapped again before a "
			"flush after its unmap (stale 0x%" PRIx64 "+0x%" PRIx64 ")",
			iova, len, t->stale[i].iova, t->stale[i].len);
}

static int
fb_map(struct rte_dmamap_domain *dom, rte_iova_t iova, const void *va,
		rte_iova_t target, size_t len, uint32_t prot)
{
	struct fb_table *t = fb_of(dom);
	uint32_t i;

	RTE_SET_USED(va);
	FUZZ_CHECK(len != 0 && ((iova | target | len) & (FB_GRANULE - 1)) == 0,
		"map IOVA 0x%" PRIx64 " target 0x%" PRIx64 " len 0x%zx not in "
		"granules", iova, target, len);
	FUZZ_CHECK(iova >= t->start && iova + len - 1 <= t->last &&
		iova + len - 1 >= iova, "map IOVA 0x%" PRIx64 "+0x%zx outside the "
		"aperture [0x%" PRIx64 ", 0x%" PRIx64 "]", iova, len, t->start,
		t->last);
	FUZZ_CHECK(prot != 0 && (prot & ~(RTE_DMAMAP_PROT_READ |
		RTE_DMAMAP_PROT_WRITE)) == 0, "map with prot 0x%x", prot);
	i = fb_search(t, iova);
	FUZZ_CHECK(i == t->nb || !fb_overlap(t->r[i].iova, t->r[i].len, iova, len),
		"map IOVA 0x%" PRIx64 "+0x%zx over mapping 0x%" PRIx64 "+0x%"
		PRIx64, iova, len, t->r[i].iova, t->r[i].len);
	fb_check_stale(t, iova, len);
	if (t->nb == t->max)
		return -ENOMEM;
	memmove(&t->r[i + 1], &t->r[i], (t->nb - i) * sizeof(t->r[0]));
	t->r[i] = (struct fb_range){ iova, len, target, prot };
	t->nb++;
	return 0;
}

static void
fb_stale_add(struct fb_table *t, const struct fb_range *r)
{
	if (!t->stale_check)
		return;
	FUZZ_CHECK(t->nb_stale < FB_STALE_MAX, "more than %u unflushed unmaps",
		FB_STALE_MAX);
	t->stale[t->nb_stale++] = *r;
}

static bool
fb_whole(const struct fb_table *t, rte_iova_t iova, uint64_t len,
		uint32_t *first, uint32_t *end)
{
	uint32_t f = fb_search(t, iova), e;

	for (e = f; e < t->nb && t->r[e].iova <= iova + len - 1; e++)
		;
	*first = f;
	*end = e;
	return len != 0 && e > f && t->r[f].iova >= iova &&
		t->r[e - 1].iova + t->r[e - 1].len - 1 <= iova + len - 1;
}

static int
fb_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct fb_table *t = fb_of(dom);
	uint32_t first, end, i;

	FUZZ_CHECK(fb_whole(t, iova, len, &first, &end), "unmap of IOVA 0x%"
		PRIx64 "+0x%zx that is not a set of whole mappings", iova, len);
	for (i = first; i < end; i++)
		fb_stale_add(t, &t->r[i]);
	memmove(&t->r[first], &t->r[end], (t->nb - end) * sizeof(t->r[0]));
	t->nb -= end - first;
	return 0;
}

static int
fb_flush(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct fb_table *t = fb_of(dom);
	uint32_t i = 0;

	if (len == 0)
		t->full_flushes++;
	while (i < t->nb_stale) {
		if (len == 0 || (t->stale[i].iova >= iova &&
				t->stale[i].iova + t->stale[i].len - 1 <=
				iova + len - 1))
			t->stale[i] = t->stale[--t->nb_stale];
		else
			i++;
	}
	return 0;
}

static int
fb_translate(struct rte_dmamap_domain *dom, rte_iova_t iova, rte_iova_t *target)
{
	return fuzz_domain_lookup(dom, iova, target, NULL);
}

static const struct rte_dmamap_domain_ops fb_ops = {
	.name = FUZZ_BACKEND_NAME,
	.map = fb_map,
	.unmap = fb_unmap,
	.flush = fb_flush,
	.translate = fb_translate,
};

RTE_INIT(fuzz_backend_register)
{
	FUZZ_CHECK(rte_dmamap_domain_ops_register(&fb_ops) == 0,
		"cannot register the fuzz backend");
}

struct rte_dmamap_domain *
fuzz_domain_create(const char *name, rte_iova_t start, rte_iova_t last,
		enum rte_dmamap_flush_policy flush, unsigned int fq_size,
		unsigned int max_ranges, bool stale_check)
{
	struct rte_dmamap_domain_conf conf = {
		.name = name,
		.backend = FUZZ_BACKEND_NAME,
		.aperture_start = start,
		.aperture_last = last,
		.pgsize_bitmap = FB_PGSIZES,
		.flush = flush,
		.fq_size = fq_size,
		.priv_size = sizeof(struct fb_table) +
			(size_t)max_ranges * sizeof(struct fb_range),
		.socket_id = SOCKET_ID_ANY,
	};
	struct rte_dmamap_domain *dom;
	struct fb_table *t;

	dom = rte_dmamap_domain_create(&conf);
	if (dom == NULL)
		return NULL;
	t = rte_dmamap_domain_priv(dom);
	t->max = max_ranges;
	t->start = start;
	t->last = last;
	t->stale_check = stale_check;
	return dom;
}

void
fuzz_domain_stale_check(struct rte_dmamap_domain *dom, bool on)
{
	struct fb_table *t = fb_of(dom);

	t->stale_check = on;
	t->nb_stale = 0;
}

int
fuzz_domain_lookup(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target, uint32_t *prot)
{
	struct fb_table *t = fb_of(dom);
	uint32_t i = fb_search(t, iova);

	if (i == t->nb || t->r[i].iova > iova)
		return -ENOENT;
	*target = t->r[i].target + (iova - t->r[i].iova);
	if (prot != NULL)
		*prot = t->r[i].prot;
	return 0;
}

unsigned int
fuzz_domain_ranges(struct rte_dmamap_domain *dom)
{
	return fb_of(dom)->nb;
}

uint64_t
fuzz_domain_bytes(struct rte_dmamap_domain *dom)
{
	const struct fb_table *t = fb_of(dom);
	uint64_t bytes = 0;
	uint32_t i;

	for (i = 0; i < t->nb; i++)
		bytes += t->r[i].len;
	return bytes;
}

int
fuzz_domain_range(struct rte_dmamap_domain *dom, unsigned int n,
		rte_iova_t *iova, uint64_t *len)
{
	const struct fb_table *t = fb_of(dom);

	if (n >= t->nb)
		return -ENOENT;
	*iova = t->r[n].iova;
	*len = t->r[n].len;
	return 0;
}

bool
fuzz_domain_whole(struct rte_dmamap_domain *dom, rte_iova_t iova, uint64_t len)
{
	uint32_t first, end;

	return fb_whole(fb_of(dom), iova, len, &first, &end);
}

uint64_t
fuzz_domain_full_flushes(struct rte_dmamap_domain *dom)
{
	return fb_of(dom)->full_flushes;
}
