/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The DMA engine of emu devices: how a device model reaches memory by IOVA.
 *
 * An access is first resolved into host chunks, then copied, so a faulting
 * access touches nothing. Resolution applies, in the order hardware does:
 * the device's DMA mask (it cannot emit a wider address), then either the
 * direct path (no IOMMU domain, or an IOVA in the bypass window) or the
 * IOMMU (aperture, IOTLB, page walk, permission). Translated addresses are
 * EAL IOVAs; the library's reverse table turns them into host addresses
 * (the identity in IOVA-VA mode, physical to virtual in IOVA-PA mode) in a
 * few loads, and refuses addresses that are no known memory.
 *
 * A coherent device's translations through the IOMMU first try the
 * calling thread's own IOTLB of the domain (struct emu_ptc, emu_iommu.c):
 * the host address of each page it translated, read with no lock, valid
 * until the domain's next flush (or strict unmap), as an IOTLB entry is.
 * What it cannot give (a miss, a permission it did not see) takes the
 * IOMMU lock, once for all the ranges of a burst
 * (rte_emu_dma_translate_bulk()), and resolves through the domain's IOTLB
 * and the page walk, filling the thread's IOTLB. A coherent access within
 * one page is translated, then copied; any other access through the IOMMU
 * (non-coherent devices, ranges over several pages) holds the lock from
 * resolution to the end of its copy, so an unmap and its flush never land
 * in its middle. Accesses that go direct (no IOMMU domain, or inside the
 * bypass window) touch no IOMMU state: they take no lock, and a coherent
 * device's direct access is resolved inline, with one or two lookups of
 * the library's table.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "emu_private.h"

/* Chunks resolved on the stack; longer accesses allocate. */
#define EMU_CHUNKS_STACK 16

struct emu_chunk {
	uint8_t *host;
	size_t len;
};

struct emu_access {
	struct emu_device *dev;
	rte_iova_t iova;        /* the whole access, for the fault log */
	size_t len;
	uint32_t access;
	struct emu_chunk *chunks;
	unsigned int max;
	unsigned int n;
};

static inline uint64_t
emu_host_lookup(rte_iova_t target)
{
	uint64_t va = rte_dmamap_xlate_lookup(rte_dmamap_xlate_iova, target);
	void *p;

	if (likely(va != RTE_BAD_IOVA))
		return va;
	/* The library fills its tables on first use in each process. */
	p = rte_dmamap_iova2virt(target);
	return p == NULL ? RTE_BAD_IOVA : (uintptr_t)p;
}

/*
 * Host address of EAL IOVA target and how many of the len bytes from there
 * are contiguous in the host too; NULL when no memory is known there.
 */
static inline uint8_t *
emu_target_host(rte_iova_t target, size_t len, size_t *contig)
{
	uint64_t va = emu_host_lookup(target), next;
	size_t n;

	if (va == RTE_BAD_IOVA || va == 0)
		return NULL;
	/* The table is page grained: a range in one page is contiguous. */
	if (likely(((target ^ (target + len - 1)) >> EMU_PAGE_SHIFT) == 0 ||
			emu_host_lookup(target + len - 1) == va + len - 1)) {
		*contig = len;
		return (uint8_t *)(uintptr_t)va;
	}
	/* The translation table is page grained: find where it breaks. */
	n = EMU_PAGE_SIZE - (target & (EMU_PAGE_SIZE - 1));
	while (n < len) {
		next = emu_host_lookup(target + n);
		if (next != va + n)
			break;
		n += EMU_PAGE_SIZE;
	}
	*contig = RTE_MIN(n, len);
	return (uint8_t *)(uintptr_t)va;
}

/*
 * Last IOVA a device reaches directly, mask included: below the direct
 * limit when it has a domain (0 when it reaches nothing directly, then
 * nothing goes the inline way), within the passthrough aperture.
 */
static inline rte_iova_t
emu_direct_last(const struct emu_dev_hw *hw)
{
	/* The library's table knows no IOVA from 2^48 up. */
	rte_iova_t last = RTE_MIN(hw->mask,
		(UINT64_C(1) << RTE_DMAMAP_XLATE_KEY_BITS) - 1);

	if (hw->iommu != NULL)
		return RTE_MIN(last, hw->direct_limit);
	if (hw->aperture_check)
		return RTE_MIN(last, hw->aperture_last);
	return last;
}

/* The library's IOVA -> VA lookup for a key below 2^48, the 2 MiB leaf
 * (hugepage memory) inline.
 */
static __rte_always_inline uint64_t
emu_host_of(const struct rte_dmamap_xlate *t, rte_iova_t key)
{
	const uint64_t *l2 = t->l1[key >> RTE_DMAMAP_XLATE_L1_SHIFT];
	uint64_t e;

	if (unlikely(l2 == NULL))
		return RTE_BAD_IOVA;
	e = l2[(key >> RTE_DMAMAP_XLATE_L2_SHIFT) &
		(RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (likely(e & RTE_DMAMAP_XLATE_LEAF))
		return (e & ~RTE_DMAMAP_XLATE_FLAGS) +
			(key & ((UINT64_C(1) << RTE_DMAMAP_XLATE_L2_SHIFT) - 1));
	return rte_dmamap_xlate_lookup(t, key);
}

/*
 * The 2 MiB leaf of the library's table a burst used last: the buffers of
 * a burst mostly share a few hugepages, and a hit costs no table load.
 */
struct emu_leaf_cache {
	rte_iova_t page;      /* IOVA >> 21 of the leaf; UINT64_MAX: none */
	uint64_t base;        /* its host address */
};

#define EMU_LEAF_SHIFT RTE_DMAMAP_XLATE_L2_SHIFT
#define EMU_LEAF_MASK ((UINT64_C(1) << EMU_LEAF_SHIFT) - 1)

/* Host address of iova through a 2 MiB leaf, remembered in c; 0 when the
 * table has no 2 MiB leaf there (a hole, or 4 KiB pieces).
 */
static __rte_always_inline uint64_t
emu_leaf_host(const struct rte_dmamap_xlate *t, struct emu_leaf_cache *c,
		rte_iova_t iova)
{
	const uint64_t *l2;
	uint64_t e;

	if (likely((iova >> EMU_LEAF_SHIFT) == c->page))
		return c->base + (iova & EMU_LEAF_MASK);
	l2 = t->l1[iova >> RTE_DMAMAP_XLATE_L1_SHIFT];
	if (unlikely(l2 == NULL))
		return 0;
	e = l2[(iova >> EMU_LEAF_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (unlikely(!(e & RTE_DMAMAP_XLATE_LEAF) ||
			(e & ~RTE_DMAMAP_XLATE_FLAGS) == 0))
		return 0;
	c->page = iova >> EMU_LEAF_SHIFT;
	c->base = e & ~RTE_DMAMAP_XLATE_FLAGS;
	return c->base + (iova & EMU_LEAF_MASK);
}

/*
 * The common direct access, inline: [iova, iova + len) at or below limit
 * (emu_direct_last()) and one known host range. NULL when the full
 * resolution must decide (fault, hole, discontiguous memory, len 0);
 * nothing is recorded here.
 */
static __rte_always_inline uint8_t *
emu_direct_fast(const struct rte_dmamap_xlate *t, rte_iova_t limit,
		struct emu_leaf_cache *c, rte_iova_t iova, size_t len)
{
	rte_iova_t last = iova + len - 1;
	uint64_t va;

	/* len 0 and wrapping ranges end below their start. */
	if (unlikely(last < iova || last > limit || limit == 0))
		return NULL;
	/* Hugepage memory: a range in one 2 MiB leaf is contiguous. */
	va = emu_leaf_host(t, c, iova);
	if (likely(va != 0 && ((iova ^ last) >> EMU_LEAF_SHIFT) == 0))
		return (uint8_t *)(uintptr_t)va;
	va = emu_host_of(t, iova);
	if (unlikely(va == RTE_BAD_IOVA || va == 0))
		return NULL;
	/* The table is page grained: a range in one page is contiguous. */
	if (((iova ^ last) >> EMU_PAGE_SHIFT) != 0 &&
			emu_host_of(t, last) != va + len - 1)
		return NULL;
	return (uint8_t *)(uintptr_t)va;
}

static int
emu_access_fault(struct emu_access *a, rte_iova_t at,
		enum rte_bus_emu_fault_reason reason)
{
	emu_fault_record(a->dev->hw.shared, a->iova, a->len, a->access, at,
		reason);
	return -EFAULT;
}

/* Add a host chunk, merged with the previous one when they touch. */
static inline int
emu_access_add(struct emu_access *a, uint8_t *host, size_t len)
{
	struct emu_chunk *last = a->n > 0 ? &a->chunks[a->n - 1] : NULL;

	if (last != NULL && last->host + last->len == host) {
		last->len += len;
		return 0;
	}
	if (a->n == a->max)
		return -E2BIG;
	a->chunks[a->n].host = host;
	a->chunks[a->n].len = len;
	a->n++;
	return 0;
}

/* Resolve [iova, iova + len), all below the device's direct limit. */
static int
emu_resolve_direct(struct emu_access *a, rte_iova_t iova, size_t len)
{
	size_t contig;
	uint8_t *host;
	int ret;

	while (len > 0) {
		host = emu_target_host(iova, len, &contig);
		if (host == NULL)
			return emu_access_fault(a, iova, RTE_BUS_EMU_FAULT_NO_MEMORY);
		ret = emu_access_add(a, host, contig);
		if (ret < 0)
			return ret;
		iova += contig;
		len -= contig;
	}
	return 0;
}

/* Resolve [iova, iova + len) through the IOMMU (its lock held). */
static int
emu_resolve_iommu(struct emu_access *a, rte_iova_t iova, size_t len)
{
	struct emu_iommu *mmu = a->dev->hw.iommu;
	struct emu_xlate x;
	size_t n, contig;
	uint8_t *host;
	int ret;

	while (len > 0) {
		if (!emu_iommu_xlate(mmu, iova, a->access, true, &x))
			return emu_access_fault(a, iova, x.reason);
		n = RTE_MIN(len, x.avail);
		host = emu_target_host(x.target, n, &contig);
		if (host == NULL)
			return emu_access_fault(a, iova, RTE_BUS_EMU_FAULT_NO_MEMORY);
		ret = emu_access_add(a, host, contig);
		if (ret < 0)
			return ret;
		iova += contig;
		len -= contig;
	}
	return 0;
}

static int
emu_resolve(struct emu_access *a)
{
	const struct emu_dev_hw *hw = &a->dev->hw;
	rte_iova_t last = a->iova + a->len - 1;
	size_t direct;
	int ret;

	if (last > hw->mask)
		return emu_access_fault(a, RTE_MAX(a->iova, hw->mask + 1),
			RTE_BUS_EMU_FAULT_MASK);
	if (hw->iommu == NULL) {
		if (hw->aperture_check && last > hw->aperture_last)
			return emu_access_fault(a,
				RTE_MAX(a->iova, hw->aperture_last + 1),
				RTE_BUS_EMU_FAULT_APERTURE);
		return emu_resolve_direct(a, a->iova, a->len);
	}
	if (hw->direct_limit == 0 || a->iova > hw->direct_limit)
		return emu_resolve_iommu(a, a->iova, a->len);
	/* The bypass window: untranslated up to the direct limit. */
	direct = RTE_MIN(a->len, hw->direct_limit - a->iova + 1);
	ret = emu_resolve_direct(a, a->iova, direct);
	if (ret < 0 || direct == a->len)
		return ret;
	return emu_resolve_iommu(a, a->iova + direct, a->len - direct);
}

static int
emu_access_init(struct emu_access *a, struct rte_emu_device *dev,
		rte_iova_t iova, size_t len, uint32_t access)
{
	if (dev == NULL || len == 0 || iova + len - 1 < iova)
		return -EINVAL;
	a->dev = emu_dev(dev);
	a->iova = iova;
	a->len = len;
	a->access = access;
	a->n = 0;
	a->chunks = NULL;
	a->max = 0;
	return 0;
}

/* Room for the chunks of a copy: they break only at page boundaries. */
static int
emu_access_chunks(struct emu_access *a, struct emu_chunk *stack)
{
	size_t need = a->len / EMU_PAGE_SIZE + 3;

	a->chunks = stack;
	a->max = EMU_CHUNKS_STACK;
	if (need > EMU_CHUNKS_STACK) {
		a->chunks = malloc(need * sizeof(*a->chunks));
		if (a->chunks == NULL)
			return -ENOMEM;
		a->max = need;
	}
	return 0;
}

static void
emu_access_fini(struct emu_access *a, struct emu_chunk *stack)
{
	if (a->chunks != stack)
		free(a->chunks);
}

static void
emu_copy(struct emu_access *a, uint8_t *buf)
{
	bool coherent = a->dev->hw.coherent;
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		struct emu_chunk *c = &a->chunks[i];

		if (a->access & RTE_EMU_DMA_WRITE) {
			if (coherent)
				memcpy(c->host, buf, c->len);
			else
				emu_shadow_dev_write(c->host, buf, c->len);
		} else {
			if (coherent)
				memcpy(buf, c->host, c->len);
			else
				emu_shadow_dev_read(c->host, buf, c->len);
		}
		buf += c->len;
	}
}

/* Whether [iova, iova + len) goes wholly through the IOMMU, unmasked. */
static inline bool
emu_range_translated(const struct emu_dev_hw *hw, rte_iova_t iova, size_t len)
{
	rte_iova_t last = iova + len - 1;

	return hw->iommu != NULL && len != 0 && last >= iova &&
		last <= hw->mask &&
		(hw->direct_limit == 0 || iova > hw->direct_limit);
}

/*
 * The IOMMU side of a translation run: the thread's own IOTLB, and the
 * IOMMU lock, taken on the first page that IOTLB cannot give and held to
 * the end of the run.
 */
struct emu_xctx {
	struct emu_iommu *mmu;
	struct emu_ptc *ptc;
	uint64_t hits;
	bool locked;
};

static inline void
emu_xctx_init(struct emu_xctx *ctx, const struct emu_dev_hw *hw)
{
	ctx->mmu = hw->iommu;
	ctx->ptc = hw->iommu != NULL ? emu_iommu_ptc(hw->iommu) : NULL;
	ctx->hits = 0;
	ctx->locked = false;
}

static inline void
emu_xctx_lock(struct emu_xctx *ctx)
{
	if (!ctx->locked && ctx->mmu != NULL) {
		emu_iommu_lock(ctx->mmu);
		ctx->locked = true;
	}
}

/* End of the run: release the lock, count the hits. */
static inline void
emu_xctx_end(struct emu_xctx *ctx)
{
	if (ctx->locked) {
		emu_iommu_unlock(ctx->mmu);
		ctx->locked = false;
	}
	if (ctx->hits != 0) {
		*ctx->ptc->hits += ctx->hits;
		ctx->hits = 0;
	}
}

static inline uint32_t
emu_access_prot(uint32_t access)
{
	return ((access & RTE_EMU_DMA_READ) ? RTE_DMAMAP_PROT_READ : 0) |
		((access & RTE_EMU_DMA_WRITE) ? RTE_DMAMAP_PROT_WRITE : 0);
}

/* Resolve under the IOMMU's lock; copy into or out of buf when given. */
static int
emu_access_run(struct emu_access *a, uint8_t *buf)
{
	struct emu_iommu *mmu = a->dev->hw.iommu;
	int ret;

	if (mmu != NULL)
		emu_iommu_lock(mmu);
	ret = emu_resolve(a);
	if (ret == 0 && buf != NULL)
		emu_copy(a, buf);
	if (mmu != NULL)
		emu_iommu_unlock(mmu);
	return ret;
}

static int emu_dma_translated(struct emu_device *edev, rte_iova_t iova,
		uint8_t *buf, size_t len, uint32_t access);

static int
emu_dma(struct rte_emu_device *dev, rte_iova_t iova, uint8_t *buf, size_t len,
		uint32_t access)
{
	struct emu_leaf_cache cache = { .page = UINT64_MAX };
	struct emu_chunk stack[EMU_CHUNKS_STACK];
	struct emu_access a;
	uint8_t *host;
	int ret;

	if (buf == NULL)
		return -EINVAL;
	ret = emu_access_init(&a, dev, iova, len, access);
	if (ret < 0)
		return ret;
	if (a.dev->hw.coherent) {
		host = emu_direct_fast(rte_dmamap_xlate_iova,
			emu_direct_last(&a.dev->hw), &cache, iova, len);
		if (likely(host != NULL)) {
			if (access & RTE_EMU_DMA_WRITE)
				memcpy(host, buf, len);
			else
				memcpy(buf, host, len);
			return 0;
		}
		/* One page through the IOMMU is one host range. */
		if (emu_range_translated(&a.dev->hw, iova, len) &&
				((iova ^ (iova + len - 1)) >> EMU_PAGE_SHIFT) == 0)
			return emu_dma_translated(a.dev, iova, buf, len, access);
	}
	ret = emu_access_chunks(&a, stack);
	if (ret < 0)
		return ret;
	ret = emu_access_run(&a, buf);
	emu_access_fini(&a, stack);
	return ret;
}

int
rte_emu_dma_read(struct rte_emu_device *dev, rte_iova_t iova, void *buf,
		size_t len)
{
	return emu_dma(dev, iova, buf, len, RTE_EMU_DMA_READ);
}

int
rte_emu_dma_write(struct rte_emu_device *dev, rte_iova_t iova,
		const void *buf, size_t len)
{
	return emu_dma(dev, iova, (uint8_t *)(uintptr_t)buf, len,
		RTE_EMU_DMA_WRITE);
}

static inline bool
emu_access_valid(uint32_t access)
{
	return access != 0 &&
		!(access & ~(RTE_EMU_DMA_READ | RTE_EMU_DMA_WRITE));
}

/*
 * Resolve one range to a single host chunk, the caller holding the IOMMU
 * lock when the device has one. 0 or a negative errno (-E2BIG: not one
 * contiguous host range).
 */
static int
emu_translate_one(struct emu_device *edev, rte_iova_t iova, size_t len,
		uint32_t access, uint8_t **host)
{
	struct emu_chunk chunk;
	struct emu_access a;
	int ret;

	if (len == 0 || iova + len - 1 < iova)
		return -EINVAL;
	a.dev = edev;
	a.iova = iova;
	a.len = len;
	a.access = access;
	a.chunks = &chunk;
	a.max = 1;  /* a second chunk means the range is not contiguous */
	a.n = 0;
	ret = emu_resolve(&a);
	if (ret == 0)
		*host = chunk.host;
	return ret;
}

/* emu_target_host() for a range in one 2 MiB leaf of hugepage memory,
 * inline, through the 2 MiB leaf cache c.
 */
static __rte_always_inline uint8_t *
emu_target_fast(struct emu_leaf_cache *c, rte_iova_t target, size_t len,
		size_t *contig)
{
	uint64_t va;

	if (likely(!(target >> RTE_DMAMAP_XLATE_KEY_BITS) &&
			((target ^ (target + len - 1)) >> EMU_LEAF_SHIFT) == 0)) {
		va = emu_leaf_host(rte_dmamap_xlate_iova, c, target);
		if (likely(va != 0)) {
			*contig = len;
			return (uint8_t *)(uintptr_t)va;
		}
	}
	return emu_target_host(target, len, contig);
}

/*
 * Host address of cur for up to left bytes, contiguous for *contig of
 * them: the thread's IOTLB, else the IOMMU under its lock (taken here),
 * which fills that IOTLB. NULL on a fault, with *reason.
 */
static __rte_always_inline uint8_t *
emu_xctx_host(struct emu_xctx *ctx, struct emu_leaf_cache *c, rte_iova_t cur,
		size_t left, uint32_t access, size_t *contig,
		enum rte_bus_emu_fault_reason *reason)
{
	struct emu_xlate x;
	uint8_t *h;
	size_t n;

	if (likely(ctx->ptc != NULL)) {
		h = emu_ptc_lookup(ctx->ptc, emu_ptc_gen(ctx->ptc), cur,
			emu_access_prot(access), &n);
		if (likely(h != NULL)) {
			ctx->hits++;
			*contig = RTE_MIN(n, left);
			return h;
		}
	}
	emu_xctx_lock(ctx);
	if (!emu_iommu_xlate(ctx->mmu, cur, access, true, &x)) {
		*reason = x.reason;
		return NULL;
	}
	n = RTE_MIN(left, x.avail);
	h = emu_target_fast(c, x.target, n, contig);
	if (h == NULL) {
		*reason = RTE_BUS_EMU_FAULT_NO_MEMORY;
		return NULL;
	}
	/* Leaves and the library's table are page grained: the whole page
	 * of cur is contiguous in the host.
	 */
	if (ctx->ptc != NULL)
		emu_ptc_fill(ctx->ptc, cur, h, x.prot);
	return h;
}

/*
 * Translate a range wholly above the bypass window through the IOMMU to
 * one host range: what emu_resolve() does for an access of one chunk, the
 * same checks, faults and IOTLB lookups, without the general bookkeeping.
 * -E2BIG when the range is not one host range.
 */
static __rte_always_inline int
emu_translate_iommu(struct emu_device *edev, struct emu_xctx *ctx,
		struct emu_leaf_cache *c, rte_iova_t iova, size_t len,
		uint32_t access, uint8_t **host)
{
	enum rte_bus_emu_fault_reason reason;
	rte_iova_t cur = iova;
	size_t left = len, contig;
	uint8_t *first = NULL, *h;

	while (left > 0) {
		h = emu_xctx_host(ctx, c, cur, left, access, &contig, &reason);
		if (h == NULL) {
			emu_fault_record(edev->hw.shared, iova, len, access, cur,
				reason);
			return -EFAULT;
		}
		if (first == NULL)
			first = h;
		else if (h != first + (cur - iova))
			return -E2BIG;
		cur += contig;
		left -= contig;
	}
	*host = first;
	return 0;
}

/*
 * A coherent access of one page through the IOMMU: translated (the cache
 * first), then copied, as the model's translated bursts are.
 */
static int
emu_dma_translated(struct emu_device *edev, rte_iova_t iova, uint8_t *buf,
		size_t len, uint32_t access)
{
	struct emu_leaf_cache cache = { .page = UINT64_MAX };
	struct emu_xctx ctx;
	uint8_t *host;
	int ret;

	emu_xctx_init(&ctx, &edev->hw);
	ret = emu_translate_iommu(edev, &ctx, &cache, iova, len, access, &host);
	emu_xctx_end(&ctx);
	if (ret < 0)
		return ret;
	if (access & RTE_EMU_DMA_WRITE)
		memcpy(host, buf, len);
	else
		memcpy(buf, host, len);
	return 0;
}

/* One range the inline direct path could not give. */
static inline int
emu_translate_slow(struct emu_device *edev, struct emu_xctx *ctx,
		struct emu_leaf_cache *c, rte_iova_t iova, size_t len,
		uint32_t access, uint8_t **host)
{
	if (emu_range_translated(&edev->hw, iova, len))
		return emu_translate_iommu(edev, ctx, c, iova, len, access,
			host);
	emu_xctx_lock(ctx);
	return emu_translate_one(edev, iova, len, access, host);
}

static inline int
emu_translate_errno(int ret)
{
	return ret == -E2BIG ? ERANGE : -ret;
}

void *
rte_emu_dma_translate(struct rte_emu_device *dev, rte_iova_t iova, size_t len,
		uint32_t access)
{
	struct emu_leaf_cache cache = { .page = UINT64_MAX };
	struct emu_device *edev;
	struct emu_xctx ctx;
	uint8_t *host = NULL;
	int ret;

	if (dev == NULL || !emu_access_valid(access) || len == 0 ||
			iova + len - 1 < iova) {
		rte_errno = EINVAL;
		return NULL;
	}
	edev = emu_dev(dev);
	if (!edev->hw.coherent) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	host = emu_direct_fast(rte_dmamap_xlate_iova,
		emu_direct_last(&edev->hw), &cache, iova, len);
	if (likely(host != NULL))
		return host;
	emu_xctx_init(&ctx, &edev->hw);
	ret = emu_translate_slow(edev, &ctx, &cache, iova, len, access, &host);
	emu_xctx_end(&ctx);
	if (ret < 0) {
		rte_errno = emu_translate_errno(ret);
		return NULL;
	}
	return host;
}

/* The ranges the direct path could not give: the IOMMU's cache, else the
 * full resolution under one hold of the IOMMU lock.
 */
static unsigned int
emu_translate_rest(struct emu_device *edev, const rte_iova_t *iova,
		const uint32_t *len, unsigned int n, uint32_t access,
		void **host, int *err, bool all)
{
	struct emu_leaf_cache cache = { .page = UINT64_MAX };
	unsigned int i, ok = 0;
	struct emu_xctx ctx;
	uint8_t *h;
	int ret;

	emu_xctx_init(&ctx, &edev->hw);
	for (i = 0; i < n; i++) {
		if (!all && host[i] != NULL)
			continue;
		ret = emu_translate_slow(edev, &ctx, &cache, iova[i], len[i],
			access, &h);
		host[i] = ret == 0 ? h : NULL;
		ok += ret == 0;
		if (err != NULL)
			err[i] = ret == 0 ? 0 : emu_translate_errno(ret);
	}
	emu_xctx_end(&ctx);
	return ok;
}

/*
 * The ranges of a burst that lie in one page each, through the thread's
 * IOTLB alone: host[i] NULL where it has no entry. The ranges translated.
 */
static __rte_always_inline unsigned int
emu_translate_cached(const struct emu_dev_hw *hw, struct emu_ptc *c,
		const rte_iova_t *iova, const uint32_t *len, unsigned int n,
		uint32_t access, void **host, int *err)
{
	uint32_t prot = emu_access_prot(access);
	uint64_t gen = emu_ptc_gen(c);
	unsigned int i, ok = 0;
	uint8_t *h;
	size_t avail;

	for (i = 0; i < n; i++) {
		h = NULL;
		if (likely(((iova[i] ^ (iova[i] + len[i] - 1)) >>
				EMU_PAGE_SHIFT) == 0 &&
				emu_range_translated(hw, iova[i], len[i])))
			h = emu_ptc_lookup(c, gen, iova[i], prot, &avail);
		host[i] = h;
		ok += h != NULL;
		if (err != NULL)
			err[i] = 0;
	}
	*c->hits += ok;
	return ok;
}

int
rte_emu_dma_translate_bulk(struct rte_emu_device *dev, const rte_iova_t *iova,
		const uint32_t *len, unsigned int n, uint32_t access,
		void **host, int *err)
{
	struct emu_leaf_cache cache = { .page = UINT64_MAX };
	const struct rte_dmamap_xlate *t;
	struct emu_device *edev;
	unsigned int i, ok = 0;
	struct emu_ptc *c;
	rte_iova_t limit;
	uint8_t *h;

	if (dev == NULL || (n > 0 && (iova == NULL || len == NULL ||
			host == NULL)) || !emu_access_valid(access))
		return -EINVAL;
	edev = emu_dev(dev);
	if (!edev->hw.coherent)
		return -ENOTSUP;
	limit = emu_direct_last(&edev->hw);
	/* Nothing reached directly: every range through the IOMMU, the
	 * thread's IOTLB first.
	 */
	if (limit == 0) {
		c = edev->hw.iommu != NULL ? emu_iommu_ptc(edev->hw.iommu) : NULL;
		if (c == NULL)
			return emu_translate_rest(edev, iova, len, n, access,
				host, err, true);
		ok = emu_translate_cached(&edev->hw, c, iova, len, n, access,
			host, err);
		if (ok < n)
			ok += emu_translate_rest(edev, iova, len, n, access,
				host, err, false);
		return ok;
	}
	t = rte_dmamap_xlate_iova;
	for (i = 0; i < n; i++) {
		h = emu_direct_fast(t, limit, &cache, iova[i], len[i]);
		host[i] = h;
		ok += h != NULL;
		/* Every entry gets its err, 0 where translated. */
		if (err != NULL)
			err[i] = 0;
	}
	if (ok < n)
		ok += emu_translate_rest(edev, iova, len, n, access, host, err,
			false);
	return ok;
}
