/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Two-step mapping (the kernel's dma_iova_try_alloc / link / sync / unlink /
 * destroy / free) and the helpers that map a whole mempool or memzone for a
 * device as one IOVA range.
 *
 * A reserved range is [state->addr - __offset, + span) in the device's
 * domain, span being size + __offset rounded up to the granule; __offset is
 * the offset of the memory the caller said it would link first within its
 * granule, or within its 2 MiB page for ranges of 2 MiB and more (so the
 * range keeps the memory's large-page alignment). Links map whole granules: the first link may start inside a
 * granule (at that same offset), every other one starts on a granule
 * boundary; only the link that ends the range may end inside a granule.
 * Links do not flush: one sync covers a whole batch.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include "dmamap_private.h"

/* Largest alignment asked for a range: beyond it nothing gains. */
#define IOVA_API_ALIGN_MAX DMAMAP_PAGE_1G

/*
 * Walking memory through the translation table.
 */

/* Bytes from va to the end of the table leaf (2 MiB or 4 KiB) holding it. */
static size_t
iova_api_leaf_left(uintptr_t va)
{
	const uint64_t *l2 = rte_dmamap_xlate_va->l1[(va >> RTE_DMAMAP_XLATE_L1_SHIFT) &
		(RTE_DMAMAP_XLATE_L1_SIZE - 1)];
	uint64_t e = 0, leaf;

	if (l2 != NULL)
		e = l2[(va >> RTE_DMAMAP_XLATE_L2_SHIFT) &
			(RTE_DMAMAP_XLATE_ENTRIES - 1)];
	leaf = (e & RTE_DMAMAP_XLATE_LEAF) ? DMAMAP_PAGE_2M : DMAMAP_PAGE_4K;
	return leaf - (va & (leaf - 1));
}

/*
 * Length (at most len) of the run of memory at va whose EAL IOVAs follow
 * each other, its first IOVA in *iova; 0 when va is unknown.
 */
static size_t
iova_api_run(const void *va, size_t len, rte_iova_t *iova)
{
	uintptr_t start = (uintptr_t)va, p;
	rte_iova_t first;

	if (rte_dmamap_xlate_va == NULL)
		return 0;
	first = rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, start);
	if (first == RTE_BAD_IOVA)
		return 0;
	*iova = first;
	p = start + iova_api_leaf_left(start);
	while (p - start < len &&
			rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, p) ==
			first + (p - start))
		p += iova_api_leaf_left(p);
	return RTE_MIN(p - start, len);
}

/*
 * Map [va, va + len) at iova with one backend map per IOVA-contiguous run;
 * iova, va's IOVA and len are granule-aligned. On failure nothing of it
 * stays mapped.
 */
static int
iova_api_map_runs(struct rte_dmamap_domain *dom, rte_iova_t iova,
		const void *va, size_t len, uint32_t prot)
{
	size_t g = rte_dmamap_domain_granule(dom), pos = 0, run;
	rte_iova_t target = 0;
	int ret;

	while (pos < len) {
		run = iova_api_run(RTE_PTR_ADD(va, pos), len - pos, &target);
		if (run == 0) {
			DMAMAP_LOG(ERR, "memory at %p is unknown to the "
				"translation table", RTE_PTR_ADD(va, pos));
			ret = -ENOENT;
			break;
		}
		if (((pos + run) & (g - 1)) != 0 || (target & (g - 1)) != 0) {
			DMAMAP_LOG(ERR, "memory at %p is not IOVA-contiguous "
				"within a granule of 0x%zx", RTE_PTR_ADD(va, pos), g);
			ret = -EINVAL;
			break;
		}
		ret = dmamap_domain_map(dom, iova + pos, RTE_PTR_ADD(va, pos),
			target, run, prot);
		if (ret < 0)
			break;
		pos += run;
	}
	if (pos == len)
		return 0;
	if (pos > 0)
		dmamap_domain_unmap(dom, iova, pos, false);
	return ret;
}

/*
 * Decisions.
 */

static bool
iova_api_uses_domain(const struct dmamap_dev *dev)
{
	return dev->domain != NULL && dev->bypass != RTE_DMAMAP_BYPASS_FORCE;
}

/* Whether the device reaches [iova, iova + len) without translation. */
static bool
iova_api_direct_capable(const struct dmamap_dev *dev, rte_iova_t iova,
		size_t len)
{
	return dev->direct_limit != 0 && iova != RTE_BAD_IOVA &&
		iova + len - 1 >= iova && iova + len - 1 <= dev->direct_limit;
}

/* Whether a two-step range for memory at hint (EAL IOVA) goes direct. */
static bool
iova_api_goes_direct(const struct dmamap_dev *dev, const void *va_hint,
		rte_iova_t hint, size_t size)
{
	if (!iova_api_uses_domain(dev))
		return true;
	if (dev->bypass != RTE_DMAMAP_BYPASS_AUTO)
		return false;
	if (va_hint == NULL)
		return dev->direct_limit != 0 &&
			dmamap_xlate_max_iova() <= dev->direct_limit;
	return iova_api_direct_capable(dev, hint, size);
}

static int
iova_api_refuse(struct dmamap_dev *dev, int err)
{
	if (err == -EINVAL)
		DMAMAP_COUNT(dev, errors, 1);
	return err;
}

/*
 * Reserving and releasing ranges.
 */

static rte_iova_t
iova_api_base(const struct rte_dmamap_iova_state *state)
{
	return state->addr - state->__offset;
}

static size_t
iova_api_span(const struct rte_dmamap_iova_state *state)
{
	return RTE_ALIGN_CEIL(state->size + state->__offset, state->granule);
}

/*
 * Ranges are aligned to their size (at most 1 GiB), as the kernel's are, so
 * a backend can use its largest pages for them.
 */
static size_t
iova_api_align(size_t span, size_t granule)
{
	uint64_t align = rte_align64prevpow2(span);

	return RTE_MAX(RTE_MIN(align, IOVA_API_ALIGN_MAX), (uint64_t)granule);
}

static int
iova_api_alloc(struct dmamap_dev *dev, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size)
{
	size_t g = rte_dmamap_domain_granule(dev->domain), span;
	rte_iova_t iova;

	if (size > SIZE_MAX - 2 * g) {
		DMAMAP_LOG(ERR, "%s: IOVA range of 0x%zx bytes is too large",
			dev->name, size);
		return -EINVAL;
	}
	span = RTE_ALIGN_CEIL(size + offset, g);
	iova = dmamap_domain_iova_alloc(dev->domain, span,
		iova_api_align(span, g), dev->mask);
	if (iova == RTE_BAD_IOVA)
		return -ENOSPC;
	state->addr = iova + offset;
	state->size = size;
	state->granule = g;
	state->__offset = offset;
	state->__pending = 0;
	return 0;
}

/*
 * Where in the range the hinted memory starts: its offset in its granule,
 * or, for ranges of 2 MiB and more, its offset in its 2 MiB page, so the
 * IOVA keeps the memory's alignment and a backend can map 2 MiB pages.
 */
static size_t
iova_api_hint_offset(const struct dmamap_dev *dev, rte_iova_t hint, size_t size)
{
	size_t g = rte_dmamap_domain_granule(dev->domain);

	if (size >= DMAMAP_PAGE_2M && g <= DMAMAP_PAGE_2M)
		return hint & (DMAMAP_PAGE_2M - 1);
	return hint & (g - 1);
}

bool
rte_dmamap_iova_try_alloc(int16_t dev_id, struct rte_dmamap_iova_state *state,
		const void *va_hint, size_t size)
{
	struct dmamap_dev *dev;
	rte_iova_t hint = 0;
	int ret;

	if (state == NULL) {
		DMAMAP_LOG(ERR, "NULL IOVA state");
		rte_errno = EINVAL;
		return false;
	}
	memset(state, 0, sizeof(*state));
	dev = dmamap_dev_get(dev_id);
	if (dev == NULL)
		return false;
	if (va_hint != NULL)
		hint = rte_dmamap_virt2iova(va_hint);
	if (size == 0 || hint == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "%s: IOVA range of size 0 or hint %p unknown to "
			"the translation table", dev->name, va_hint);
		iova_api_refuse(dev, -EINVAL);
		rte_errno = EINVAL;
		return false;
	}
	if (iova_api_goes_direct(dev, va_hint, hint, size)) {
		rte_errno = 0;
		return false;
	}
	ret = iova_api_alloc(dev, state, iova_api_hint_offset(dev, hint, size),
		size);
	if (ret < 0) {
		rte_errno = -ret;
		return false;
	}
	return true;
}

/* The device of a call on a reserved range; NULL (logged) when unusable. */
static struct dmamap_dev *
iova_api_dev(int16_t dev_id, const struct rte_dmamap_iova_state *state)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL)
		return NULL;
	if (state == NULL || state->size == 0 || dev->domain == NULL ||
			state->granule != rte_dmamap_domain_granule(dev->domain)) {
		DMAMAP_LOG(ERR, "%s: IOVA state %p is not a range reserved in "
			"the device's domain", dev->name, (const void *)state);
		DMAMAP_COUNT(dev, errors, 1);
		return NULL;
	}
	return dev;
}

static int
iova_api_range_check(const struct dmamap_dev *dev,
		const struct rte_dmamap_iova_state *state, size_t offset,
		size_t size)
{
	if (size == 0 || offset > state->size || size > state->size - offset) {
		DMAMAP_LOG(ERR, "%s: [0x%zx, +0x%zx) is not inside the IOVA "
			"range of 0x%zx bytes", dev->name, offset, size,
			state->size);
		return -EINVAL;
	}
	return 0;
}

/* Granule-aligned IOVA bounds of [offset, offset + size) of a range. */
static void
iova_api_bounds(const struct rte_dmamap_iova_state *state, size_t offset,
		size_t size, rte_iova_t *start, size_t *len)
{
	rte_iova_t first = state->addr + offset;

	*start = RTE_ALIGN_FLOOR(first, state->granule);
	*len = RTE_ALIGN_CEIL(first + size, state->granule) - *start;
}

/*
 * Link.
 */

/*
 * The kernel's link rules, as far as they can be checked: the first link
 * (offset 0) starts at the offset in its granule the range was reserved
 * for; every other starts on a granule boundary, in memory and in IOVA;
 * a link that ends inside a granule is the one that ends the range.
 * Returns the offset of va in its granule, or a negative errno.
 */
static int64_t
iova_api_link_check(const struct dmamap_dev *dev,
		const struct rte_dmamap_iova_state *state, const void *va,
		size_t offset, size_t size, enum rte_dmamap_dir dir)
{
	size_t g = state->granule, pad, start;
	rte_iova_t target;

	if (va == NULL || !dmamap_dir_valid(dir) ||
			iova_api_range_check(dev, state, offset, size) < 0) {
		DMAMAP_LOG(ERR, "%s: bad link of %p, direction %d", dev->name,
			va, dir);
		return -EINVAL;
	}
	target = rte_dmamap_virt2iova(va);
	if (target == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "%s: memory at %p is unknown to the translation "
			"table", dev->name, va);
		return -ENOENT;
	}
	pad = target & (g - 1);
	start = state->__offset + offset;
	if (offset == 0 ? pad != (state->__offset & (g - 1)) :
			(pad != 0 || (start & (g - 1)) != 0)) {
		DMAMAP_LOG(ERR, "%s: link at offset 0x%zx of memory at offset "
			"0x%zx in its granule: only the first link may start "
			"inside a granule, at offset 0x%" PRIx64, dev->name,
			offset, pad, state->__offset);
		return -EINVAL;
	}
	if (((start + size) & (g - 1)) != 0 && offset + size != state->size) {
		DMAMAP_LOG(ERR, "%s: link [0x%zx, +0x%zx) ends inside a granule "
			"before the end of the range", dev->name, offset, size);
		return -EINVAL;
	}
	return pad;
}

int
rte_dmamap_iova_link(int16_t dev_id, struct rte_dmamap_iova_state *state,
		const void *va, size_t offset, size_t size, enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = iova_api_dev(dev_id, state);
	int64_t pad;
	int ret;

	if (dev == NULL)
		return -EINVAL;
	pad = iova_api_link_check(dev, state, va, offset, size, dir);
	if (pad < 0)
		return iova_api_refuse(dev, pad);
	dmamap_dev_cache_sync(dev, (void *)(uintptr_t)va, state->addr + offset,
		size, dir, false);
	ret = iova_api_map_runs(dev->domain, state->addr + offset - pad,
		RTE_PTR_SUB(va, pad), RTE_ALIGN_CEIL(size + pad, state->granule),
		dmamap_dir_prot(dir));
	if (ret == -EEXIST) {
		DMAMAP_LOG(ERR, "%s: [0x%zx, +0x%zx) of the range is linked "
			"already", dev->name, offset, size);
		ret = -EINVAL;
	}
	if (ret < 0)
		return iova_api_refuse(dev, ret == -EINVAL || ret == -ENOENT ||
			ret == -ENOSPC ? ret : -EIO);
	state->__pending += size;
	DMAMAP_COUNT(dev, links, 1);
	return 0;
}

int
rte_dmamap_iova_sync(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size)
{
	struct dmamap_dev *dev = iova_api_dev(dev_id, state);
	rte_iova_t start;
	size_t len;

	if (dev == NULL)
		return -EINVAL;
	if (iova_api_range_check(dev, state, offset, size) < 0)
		return iova_api_refuse(dev, -EINVAL);
	iova_api_bounds(state, offset, size, &start, &len);
	if (dmamap_domain_flush_range(dev->domain, start, len) < 0)
		return -EIO;
	state->__pending = 0;
	return 0;
}

/*
 * Unlink and release.
 */

/*
 * Make what a non-coherent device wrote to [iova, iova + len) visible to
 * the CPU before its pages leave the domain: exactly those bytes, as the
 * links gave them (the rest of a granule at either end is not the
 * caller's buffer). Each granule's memory is found through the domain.
 */
static void
iova_api_sync_for_cpu(struct dmamap_dev *dev, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	size_t g = rte_dmamap_domain_granule(dev->domain), piece;
	rte_iova_t pos, end = iova + len, page, target;
	void *va;

	if (!(dev->flags & RTE_DMAMAP_F_NONCOHERENT) ||
			dir == RTE_DMAMAP_TO_DEVICE)
		return;
	for (pos = iova; pos < end; pos += piece) {
		page = RTE_ALIGN_FLOOR(pos, g);
		piece = RTE_MIN(end, page + g) - pos;
		target = rte_dmamap_domain_translate(dev->domain, page);
		va = target == RTE_BAD_IOVA ? NULL : rte_dmamap_iova2virt(target);
		if (va != NULL)
			dmamap_dev_cache_sync(dev, RTE_PTR_ADD(va, pos - page),
				pos, piece, dir, true);
	}
}

/* Unmap [offset, offset + size) of a range: strict domains flush. */
static int
iova_api_unmap(struct dmamap_dev *dev, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size, enum rte_dmamap_dir dir)
{
	rte_iova_t start;
	size_t len;
	int ret;

	iova_api_bounds(state, offset, size, &start, &len);
	iova_api_sync_for_cpu(dev, state->addr + offset, size, dir);
	ret = dmamap_domain_unmap(dev->domain, start, len, false);
	return iova_api_refuse(dev, ret);
}

/*
 * A lazy domain does not flush here: the range stays reserved, a relink
 * is made visible by its own sync (which invalidates the range), and the
 * IOVA is reused only after the flush queue drains it.
 */
int
rte_dmamap_iova_unlink(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size, enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = iova_api_dev(dev_id, state);

	if (dev == NULL)
		return -EINVAL;
	if (!dmamap_dir_valid(dir) ||
			iova_api_range_check(dev, state, offset, size) < 0)
		return iova_api_refuse(dev, -EINVAL);
	return iova_api_unmap(dev, state, offset, size, dir);
}

static void
iova_api_release(struct dmamap_dev *dev, struct rte_dmamap_iova_state *state)
{
	dmamap_domain_iova_free(dev->domain, iova_api_base(state),
		iova_api_span(state));
	memset(state, 0, sizeof(*state));
}

int
rte_dmamap_iova_destroy(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t mapped_len, enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = iova_api_dev(dev_id, state);
	int ret;

	if (dev == NULL)
		return -EINVAL;
	if (!dmamap_dir_valid(dir) || mapped_len > state->size) {
		DMAMAP_LOG(ERR, "%s: destroy of 0x%zx linked bytes in a range of "
			"0x%zx, direction %d", dev->name, mapped_len, state->size,
			dir);
		return iova_api_refuse(dev, -EINVAL);
	}
	if (mapped_len > 0) {
		ret = iova_api_unmap(dev, state, 0, mapped_len, dir);
		if (ret < 0)
			return ret;
	}
	iova_api_release(dev, state);
	return 0;
}

int
rte_dmamap_iova_free(int16_t dev_id, struct rte_dmamap_iova_state *state)
{
	struct dmamap_dev *dev = iova_api_dev(dev_id, state);

	if (dev == NULL)
		return -EINVAL;
	iova_api_release(dev, state);
	return 0;
}

/*
 * Regions: the memory chunks of an object, sorted by address, mapped as one
 * range from the lowest chunk's address. Chunks are linked in granule-wide
 * pieces (neighbours sharing a granule are merged), since a granule can be
 * mapped only once.
 */

struct iova_api_chunk {
	uintptr_t va;
	size_t len;
};

struct iova_api_chunks {
	struct iova_api_chunk *c;
	unsigned int nb;
	unsigned int max;
};

static int
iova_api_chunk_cmp(const void *a, const void *b)
{
	const struct iova_api_chunk *x = a, *y = b;

	return x->va < y->va ? -1 : x->va > y->va;
}

/*
 * 1 when the device reaches every chunk directly, 0 when the region must
 * go through the domain, or a negative errno.
 */
static int
iova_api_region_direct(const struct dmamap_dev *dev,
		const struct iova_api_chunks *cs)
{
	size_t pos, run;
	rte_iova_t iova = 0;
	unsigned int i;
	bool direct = true;

	for (i = 0; i < cs->nb; i++) {
		for (pos = 0; pos < cs->c[i].len; pos += run) {
			run = iova_api_run((void *)(cs->c[i].va + pos),
				cs->c[i].len - pos, &iova);
			if (run == 0) {
				DMAMAP_LOG(ERR, "%s: memory at 0x%" PRIxPTR " is "
					"unknown to the translation table",
					dev->name, cs->c[i].va + pos);
				return -ENOENT;
			}
			direct = direct && iova_api_direct_capable(dev, iova, run);
		}
	}
	if (direct || (iova_api_uses_domain(dev) && dev->bypass != RTE_DMAMAP_BYPASS_FORCE))
		return direct;
	DMAMAP_LOG(ERR, "%s: memory beyond the reach of the device and no "
		"domain to map it", dev->name);
	return -ERANGE;
}

/*
 * Link every piece; *linked gets the end offset of the last piece linked,
 * so a failure can be undone with one destroy.
 */
static int
iova_api_region_link(int16_t dev_id, struct rte_dmamap_region *region,
		const struct iova_api_chunks *cs, enum rte_dmamap_dir dir,
		size_t *linked)
{
	uintptr_t lo = (uintptr_t)region->va, hi = lo + region->len;
	size_t g = region->state.granule;
	uintptr_t start, end;
	unsigned int i = 0;
	int ret;

	while (i < cs->nb) {
		start = i == 0 ? lo : RTE_ALIGN_FLOOR(cs->c[i].va, g);
		end = RTE_ALIGN_CEIL(cs->c[i].va + cs->c[i].len, g);
		for (i++; i < cs->nb && RTE_ALIGN_FLOOR(cs->c[i].va, g) <= end; i++)
			end = RTE_MAX(end, RTE_ALIGN_CEIL(cs->c[i].va +
				cs->c[i].len, (uintptr_t)g));
		end = RTE_MIN(end, hi);
		ret = rte_dmamap_iova_link(dev_id, &region->state,
			(void *)start, start - lo, end - start, dir);
		if (ret < 0)
			return ret;
		*linked = end - lo;
	}
	return 0;
}

static int
iova_api_region_map(int16_t dev_id, struct iova_api_chunks *cs,
		enum rte_dmamap_dir dir, struct rte_dmamap_region *region)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	size_t linked = 0;
	uintptr_t hi = 0;
	unsigned int i;
	int ret;

	if (dev == NULL)
		return -EINVAL;
	qsort(cs->c, cs->nb, sizeof(cs->c[0]), iova_api_chunk_cmp);
	for (i = 0; i < cs->nb; i++)
		hi = RTE_MAX(hi, cs->c[i].va + cs->c[i].len);
	memset(region, 0, sizeof(*region));
	region->va = (void *)cs->c[0].va;
	region->len = hi - cs->c[0].va;
	region->iova = RTE_BAD_IOVA;
	ret = iova_api_region_direct(dev, cs);
	if (ret != 0) {
		region->direct = ret > 0;
		return ret > 0 ? 0 : ret;
	}
	ret = iova_api_alloc(dev, &region->state, rte_dmamap_virt2iova(region->va) &
		(rte_dmamap_domain_granule(dev->domain) - 1), region->len);
	if (ret == 0)
		ret = iova_api_region_link(dev_id, region, cs, dir, &linked);
	if (ret == 0)
		ret = rte_dmamap_iova_sync(dev_id, &region->state, 0, region->len);
	if (ret == 0) {
		region->iova = region->state.addr;
		return 0;
	}
	if (region->state.size != 0)
		rte_dmamap_iova_destroy(dev_id, &region->state, linked, dir);
	memset(region, 0, sizeof(*region));
	return ret;
}

static void
iova_api_mempool_chunk(struct rte_mempool *mp, void *opaque,
		struct rte_mempool_memhdr *memhdr, unsigned int mem_idx)
{
	struct iova_api_chunks *cs = opaque;

	RTE_SET_USED(mp);
	RTE_SET_USED(mem_idx);
	if (cs->nb < cs->max && memhdr->len > 0)
		cs->c[cs->nb++] = (struct iova_api_chunk){
			.va = (uintptr_t)memhdr->addr,
			.len = memhdr->len,
		};
}

int
rte_dmamap_mempool_map(int16_t dev_id, struct rte_mempool *mp,
		enum rte_dmamap_dir dir, struct rte_dmamap_region *region)
{
	struct iova_api_chunks cs = { 0 };
	int ret;

	if (mp == NULL || region == NULL || !dmamap_dir_valid(dir) ||
			mp->nb_mem_chunks == 0) {
		DMAMAP_LOG(ERR, "bad mempool %p (or not populated), region %p or "
			"direction %d", (void *)mp, (void *)region, dir);
		return -EINVAL;
	}
	cs.max = mp->nb_mem_chunks;
	cs.c = calloc(cs.max, sizeof(cs.c[0]));
	if (cs.c == NULL) {
		DMAMAP_LOG(ERR, "no memory for %u chunks of mempool %s", cs.max,
			mp->name);
		return -ENOMEM;
	}
	rte_mempool_mem_iter(mp, iova_api_mempool_chunk, &cs);
	ret = cs.nb == 0 ? -EINVAL : iova_api_region_map(dev_id, &cs, dir, region);
	free(cs.c);
	return ret;
}

int
rte_dmamap_memzone_map(int16_t dev_id, const struct rte_memzone *mz,
		enum rte_dmamap_dir dir, struct rte_dmamap_region *region)
{
	struct iova_api_chunk c;
	struct iova_api_chunks cs = { .c = &c, .nb = 1, .max = 1 };

	if (mz == NULL || region == NULL || !dmamap_dir_valid(dir) ||
			mz->len == 0) {
		DMAMAP_LOG(ERR, "bad memzone %p, region %p or direction %d",
			(const void *)mz, (void *)region, dir);
		return -EINVAL;
	}
	c.va = (uintptr_t)mz->addr;
	c.len = mz->len;
	return iova_api_region_map(dev_id, &cs, dir, region);
}

int
rte_dmamap_region_unmap(int16_t dev_id, struct rte_dmamap_region *region,
		enum rte_dmamap_dir dir)
{
	int ret = 0;

	if (region == NULL || (!region->direct && region->state.size == 0)) {
		DMAMAP_LOG(ERR, "region %p is not mapped", (void *)region);
		return -EINVAL;
	}
	if (!region->direct)
		ret = rte_dmamap_iova_destroy(dev_id, &region->state,
			region->state.size, dir);
	if (ret == 0)
		memset(region, 0, sizeof(*region));
	return ret;
}
