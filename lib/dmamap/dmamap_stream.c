/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Streaming mappings: the slow paths behind the inline calls, and
 * scatter-gather lists. Every entry has one shape: validate, dispatch
 * (direct / domain / bounce), debug hook, count.
 */

#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "dmamap_private.h"

enum dmamap_path {
	DMAMAP_PATH_DIRECT,
	DMAMAP_PATH_DOMAIN,
	DMAMAP_PATH_BOUNCE,
};

static bool
dmamap_uses_domain(const struct dmamap_dev *dev)
{
	return dev->domain != NULL && dev->bypass != RTE_DMAMAP_BYPASS_FORCE;
}

/*
 * The translation of addr and the bytes from addr to the end of its leaf
 * (rte_dmamap_core.h): a 2 MiB leaf answers for the rest of its 2 MiB, a
 * 4 KiB one for the rest of its page. RTE_BAD_IOVA when addr is unknown.
 */
static rte_iova_t
dmamap_xlate_leaf(uintptr_t addr, uint64_t *left)
{
	const struct rte_dmamap_xlate *t = rte_dmamap_xlate_va;
	const uint64_t *l2;
	uint64_t e;

	if (unlikely((uint64_t)addr >> RTE_DMAMAP_XLATE_KEY_BITS))
		return RTE_BAD_IOVA;
	l2 = t->l1[addr >> RTE_DMAMAP_XLATE_L1_SHIFT];
	if (unlikely(l2 == NULL))
		return RTE_BAD_IOVA;
	e = l2[(addr >> RTE_DMAMAP_XLATE_L2_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (likely(e & RTE_DMAMAP_XLATE_LEAF)) {
		*left = DMAMAP_PAGE_2M - (addr & (DMAMAP_PAGE_2M - 1));
		return (e & ~RTE_DMAMAP_XLATE_FLAGS) + (addr & (DMAMAP_PAGE_2M - 1));
	}
	if (!(e & RTE_DMAMAP_XLATE_TABLE))
		return RTE_BAD_IOVA;
	e = ((const uint64_t *)(uintptr_t)(e & ~RTE_DMAMAP_XLATE_FLAGS))
		[(addr >> RTE_DMAMAP_XLATE_L3_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (!(e & RTE_DMAMAP_XLATE_LEAF))
		return RTE_BAD_IOVA;
	*left = DMAMAP_PAGE_4K - (addr & (DMAMAP_PAGE_4K - 1));
	return (e & ~RTE_DMAMAP_XLATE_FLAGS) + (addr & (DMAMAP_PAGE_4K - 1));
}

/*
 * The IOVA-contiguous run of known memory that starts at addr: its IOVA in
 * *iova (RTE_BAD_IOVA when addr is unknown) and its end, at most end. One
 * lookup per leaf, so a buffer inside one 2 MiB leaf costs one lookup.
 */
static uintptr_t
dmamap_xlate_run(uintptr_t addr, uintptr_t end, rte_iova_t *iova)
{
	rte_iova_t first, next;
	uintptr_t p = addr;
	uint64_t left;

	first = dmamap_xlate_leaf(addr, &left);
	*iova = first;
	if (first == RTE_BAD_IOVA)
		return addr;
	for (;;) {
		if (left >= end - p)
			return end;
		p += left;
		next = dmamap_xlate_leaf(p, &left);
		if (next != first + (p - addr))
			return p;
	}
}

/* EAL IOVA of [va, va + len) when it is known and IOVA-contiguous. */
static rte_iova_t
dmamap_contig_iova(const void *va, size_t len)
{
	uintptr_t addr = (uintptr_t)va, end = addr + len;
	rte_iova_t iova;

	if (unlikely(end < addr))
		return RTE_BAD_IOVA;
	return dmamap_xlate_run(addr, end, &iova) == end ? iova : RTE_BAD_IOVA;
}

static bool
dmamap_memory_known(const void *va, size_t len)
{
	uintptr_t addr = (uintptr_t)va, end = addr + len;
	rte_iova_t iova;

	if (end < addr)
		return false;
	while (addr < end) {
		addr = dmamap_xlate_run(addr, end, &iova);
		if (iova == RTE_BAD_IOVA)
			return false;
	}
	return true;
}

static bool
dmamap_direct_capable(const struct dmamap_dev *dev, rte_iova_t iova, size_t len)
{
	/* A direct limit of 0 means no direct window, not IOVA 0. */
	return dev->direct_limit != 0 && iova != RTE_BAD_IOVA &&
		iova + len - 1 >= iova && iova + len - 1 <= dev->direct_limit;
}

/*
 * Domain mappings. The IOVA range covers whole granules; each IOVA-contiguous
 * run of the buffer's memory is one backend map.
 */

static size_t
dmamap_granule(const struct dmamap_dev *dev)
{
	return rte_dmamap_domain_granule(dev->domain);
}

static int
dmamap_domain_map_runs(struct dmamap_dev *dev, rte_iova_t dom_iova,
		const void *va, size_t span, uint32_t prot)
{
	uintptr_t addr = (uintptr_t)va, end = addr + span, run = addr, next;
	rte_iova_t target;
	int ret;

	while (run < end) {
		next = dmamap_xlate_run(run, end, &target);
		ret = target == RTE_BAD_IOVA ? -ENOENT :
			dmamap_domain_map(dev->domain, dom_iova + (run - addr),
				(const void *)run, target, next - run, prot);
		if (ret < 0) {
			if (run > addr)
				dmamap_domain_unmap(dev->domain, dom_iova,
					run - addr, false);
			return ret;
		}
		run = next;
	}
	return 0;
}

static rte_iova_t
dmamap_map_domain(struct dmamap_dev *dev, void *va, size_t len,
		enum rte_dmamap_dir dir)
{
	size_t granule = dmamap_granule(dev);
	size_t offset = (uintptr_t)va & (granule - 1);
	size_t span = RTE_ALIGN_CEIL(offset + len, granule);
	rte_iova_t dom_iova;
	int ret;

	dom_iova = dmamap_domain_iova_alloc(dev->domain, span, granule, dev->mask);
	if (dom_iova == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	ret = dmamap_domain_map_runs(dev, dom_iova, RTE_PTR_SUB(va, offset), span,
		dmamap_dir_prot(dir));
	if (ret < 0) {
		dmamap_domain_iova_free(dev->domain, dom_iova, span);
		rte_errno = ret == -ENOSPC ? ENOSPC : EIO;
		return RTE_BAD_IOVA;
	}
	return dom_iova + offset;
}

static int
dmamap_unmap_domain(struct dmamap_dev *dev, rte_iova_t iova, size_t len)
{
	size_t granule = dmamap_granule(dev);
	rte_iova_t start = RTE_ALIGN_FLOOR(iova, granule);
	size_t span = RTE_ALIGN_CEIL(iova - start + len, granule);
	int ret;

	/* The domain's mapping record refuses an IOVA range that is not whole
	 * mappings: a bad unmap never frees IOVA that someone else uses.
	 */
	ret = dmamap_domain_unmap(dev->domain, start, span, false);
	if (ret < 0)
		return ret;
	dmamap_domain_iova_free(dev->domain, start, span);
	return 0;
}

/* CPU address of a device IOVA that is not a bounce slot. */
static void *
dmamap_dev_iova_to_va(const struct dmamap_dev *dev, rte_iova_t iova)
{
	rte_iova_t target = iova;

	if (!dmamap_direct_capable(dev, iova, 1) && dmamap_uses_domain(dev))
		target = rte_dmamap_domain_translate(dev->domain, iova);
	return target == RTE_BAD_IOVA ? NULL : rte_dmamap_iova2virt(target);
}

/*
 * Map one buffer: the path taken and the IOVA.
 */
static rte_iova_t
dmamap_map_dispatch(struct dmamap_dev *dev, void *va, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_path *path)
{
	rte_iova_t iova = dmamap_contig_iova(va, len);

	if (iova == RTE_BAD_IOVA && !dmamap_memory_known(va, len)) {
		DMAMAP_LOG(ERR, "%s: %p+%zu is not memory the library knows",
			dev->name, va, len);
		rte_errno = ENOENT;
		return RTE_BAD_IOVA;
	}
	if (dmamap_direct_capable(dev, iova, len)) {
		*path = DMAMAP_PATH_DIRECT;
		dmamap_dev_cache_sync(dev, va, iova, len, dir, false);
		return iova;
	}
	if (dmamap_uses_domain(dev)) {
		*path = DMAMAP_PATH_DOMAIN;
		iova = dmamap_map_domain(dev, va, len, dir);
		if (iova != RTE_BAD_IOVA)
			dmamap_dev_cache_sync(dev, va, iova, len, dir, false);
		return iova;
	}
	if (dev->bounce != NULL) {
		*path = DMAMAP_PATH_BOUNCE;
		iova = dmamap_bounce_map(dev->bounce, va, len, dir);
		if (iova != RTE_BAD_IOVA)
			dmamap_dev_cache_sync(dev, rte_dmamap_iova2virt(iova),
				iova, len, dir, false);
		return iova;
	}
	DMAMAP_LOG(ERR, "%s: %p+%zu (IOVA 0x%" PRIx64 ") is beyond the %u-bit "
		"mask or not IOVA-contiguous, and the device has neither domain "
		"nor bounce pool", dev->name, va, len, iova, dev->mask_bits);
	rte_errno = ERANGE;
	return RTE_BAD_IOVA;
}

static void
dmamap_count_map(struct dmamap_dev *dev, enum dmamap_path path, size_t len)
{
	switch (path) {
	case DMAMAP_PATH_DIRECT:
		DMAMAP_COUNT(dev, direct_maps, 1);
		return;
	case DMAMAP_PATH_DOMAIN:
		DMAMAP_COUNT(dev, domain, 1);
		break;
	case DMAMAP_PATH_BOUNCE:
		DMAMAP_COUNT(dev, bounced, 1);
		DMAMAP_COUNT(dev, bounce_bytes, len);
		break;
	}
	DMAMAP_COUNT(dev, maps, 1);
}

static int
dmamap_check_args(struct dmamap_dev *dev, const void *va, size_t len,
		enum rte_dmamap_dir dir)
{
	if (va == NULL || len == 0 || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "%s: bad map arguments: va %p len %zu dir %d",
			dev->name, va, len, dir);
		DMAMAP_COUNT(dev, errors, 1);
		return -EINVAL;
	}
	return 0;
}

static void
dmamap_debug_count(struct dmamap_dev *dev, int ret)
{
	if (ret < 0)
		DMAMAP_COUNT(dev, debug_errors, 1);
}

/* Map one buffer, with the debug hook; no counters. */
static rte_iova_t
dmamap_map_one(struct dmamap_dev *dev, void *va, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type,
		enum dmamap_path *path)
{
	rte_iova_t iova = dmamap_map_dispatch(dev, va, len, dir, path);

	if (iova != RTE_BAD_IOVA && dev->debug != NULL)
		dmamap_debug_count(dev, dmamap_debug_map(dev->debug, va, iova,
			len, dir, type));
	return iova;
}

rte_iova_t
__rte_dmamap_map_slow(int16_t dev_id, void *va, size_t len,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	enum dmamap_path path;
	rte_iova_t iova;

	if (dev == NULL)
		return RTE_BAD_IOVA;
	if (dmamap_check_args(dev, va, len, dir) < 0) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	iova = dmamap_map_one(dev, va, len, dir, DMAMAP_DEBUG_SINGLE, &path);
	if (iova == RTE_BAD_IOVA) {
		DMAMAP_COUNT(dev, errors, 1);
		return RTE_BAD_IOVA;
	}
	dmamap_count_map(dev, path, len);
	return iova;
}

/* Unmap one buffer after the debug check; no counters. */
static int
dmamap_unmap_dispatch(struct dmamap_dev *dev, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	bool noncoherent = dev->flags & RTE_DMAMAP_F_NONCOHERENT;
	void *va;

	if (dev->bounce != NULL && iova - dmamap_bounce_pool_iova(dev->bounce) <
			dmamap_bounce_pool_size(dev->bounce)) {
		dmamap_dev_cache_sync(dev, rte_dmamap_iova2virt(iova), iova, len,
			dir, true);
		return dmamap_bounce_unmap(dev->bounce, iova, len, dir);
	}
	if (dmamap_direct_capable(dev, iova, len)) {
		va = noncoherent ? rte_dmamap_iova2virt(iova) : NULL;
		if (va != NULL)
			dmamap_dev_cache_sync(dev, va, iova, len, dir, true);
		return 0;
	}
	if (dmamap_uses_domain(dev)) {
		va = noncoherent ? dmamap_dev_iova_to_va(dev, iova) : NULL;
		if (va != NULL)
			dmamap_dev_cache_sync(dev, va, iova, len, dir, true);
		return dmamap_unmap_domain(dev, iova, len);
	}
	DMAMAP_LOG(ERR, "%s: unmap of IOVA 0x%" PRIx64 "+%zu the device cannot "
		"have mapped", dev->name, iova, len);
	return -EINVAL;
}

static int
dmamap_unmap_one(struct dmamap_dev *dev, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type)
{
	int ret;

	if (len == 0 || !dmamap_dir_valid(dir) || iova == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "%s: bad unmap arguments: IOVA 0x%" PRIx64
			" len %zu dir %d", dev->name, iova, len, dir);
		return -EINVAL;
	}
	if (dev->debug != NULL) {
		ret = dmamap_debug_unmap(dev->debug, iova, len, dir, type);
		if (ret < 0) {
			DMAMAP_COUNT(dev, debug_errors, 1);
			return ret;
		}
	}
	return dmamap_unmap_dispatch(dev, iova, len, dir);
}

int
__rte_dmamap_unmap_slow(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	int ret;

	if (dev == NULL)
		return -EINVAL;
	ret = dmamap_unmap_one(dev, iova, len, dir, DMAMAP_DEBUG_SINGLE);
	if (ret < 0) {
		DMAMAP_COUNT(dev, errors, 1);
		return ret;
	}
	if (dmamap_direct_capable(dev, iova, len) && (dev->bounce == NULL ||
			iova - dmamap_bounce_pool_iova(dev->bounce) >=
			dmamap_bounce_pool_size(dev->bounce)))
		DMAMAP_COUNT(dev, direct_unmaps, 1);
	else
		DMAMAP_COUNT(dev, unmaps, 1);
	return 0;
}

/*
 * Syncs.
 */

static int
dmamap_sync_dispatch(struct dmamap_dev *dev, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, bool for_cpu)
{
	void *va;
	int ret;

	if (dev->bounce != NULL && iova - dmamap_bounce_pool_iova(dev->bounce) <
			dmamap_bounce_pool_size(dev->bounce)) {
		/* The device side of a bounce slot is the slot itself. */
		if (for_cpu)
			dmamap_dev_cache_sync(dev, rte_dmamap_iova2virt(iova),
				iova, len, dir, true);
		ret = dmamap_bounce_sync(dev->bounce, iova, len, dir, for_cpu);
		if (ret == 0 && !for_cpu)
			dmamap_dev_cache_sync(dev, rte_dmamap_iova2virt(iova),
				iova, len, dir, false);
		return ret;
	}
	if (!(dev->flags & RTE_DMAMAP_F_NONCOHERENT))
		return 0;
	va = dmamap_dev_iova_to_va(dev, iova);
	if (va == NULL) {
		DMAMAP_LOG(ERR, "%s: sync of IOVA 0x%" PRIx64 " not mapped",
			dev->name, iova);
		return -EINVAL;
	}
	dmamap_dev_cache_sync(dev, va, iova, len, dir, for_cpu);
	return 0;
}

int
__rte_dmamap_sync_slow(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, bool for_cpu)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	int ret;

	if (dev == NULL)
		return -EINVAL;
	if (len == 0 || !dmamap_dir_valid(dir) || iova == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "%s: bad sync arguments: IOVA 0x%" PRIx64
			" len %zu dir %d", dev->name, iova, len, dir);
		DMAMAP_COUNT(dev, errors, 1);
		return -EINVAL;
	}
	if (dev->debug != NULL) {
		ret = dmamap_debug_sync(dev->debug, iova, len, dir, for_cpu);
		if (ret < 0) {
			DMAMAP_COUNT(dev, debug_errors, 1);
			DMAMAP_COUNT(dev, errors, 1);
			return ret;
		}
	}
	ret = dmamap_sync_dispatch(dev, iova, len, dir, for_cpu);
	if (ret < 0)
		DMAMAP_COUNT(dev, errors, 1);
	else
		DMAMAP_COUNT(dev, syncs, 1);
	return ret;
}

bool
rte_dmamap_need_sync(int16_t dev_id, rte_iova_t iova)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL)
		return false;
	if (dev->debug != NULL || (dev->flags & RTE_DMAMAP_F_NONCOHERENT))
		return true;
	return dev->bounce != NULL && iova - dmamap_bounce_pool_iova(dev->bounce) <
		dmamap_bounce_pool_size(dev->bounce);
}

bool
rte_dmamap_need_unmap(int16_t dev_id)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL)
		return false;
	return dev->debug != NULL || dev->bounce != NULL ||
		dmamap_uses_domain(dev) || (dev->flags & RTE_DMAMAP_F_NONCOHERENT);
}

/*
 * Scatter-gather lists. Through a domain the whole list gets one IOVA range,
 * each segment padded to whole granules, so segments that start and end on
 * granule boundaries become one DMA segment. Otherwise each segment is
 * mapped on its own (direct or bounced) and IOVA-contiguous neighbours are
 * merged.
 */

static int
dmamap_sg_check(struct dmamap_dev *dev, const struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	unsigned int i;

	if (sg == NULL || nents == 0 || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "%s: bad sg arguments: sg %p nents %u dir %d",
			dev->name, (const void *)sg, nents, dir);
		return -EINVAL;
	}
	for (i = 0; i < nents; i++)
		if (sg[i].va == NULL || sg[i].len == 0) {
			DMAMAP_LOG(ERR, "%s: sg segment %u: va %p len %u",
				dev->name, i, sg[i].va, sg[i].len);
			return -EINVAL;
		}
	return 0;
}

static bool
dmamap_sg_all_direct(const struct dmamap_dev *dev, const struct rte_dmamap_sge *sg,
		unsigned int nents)
{
	unsigned int i;

	for (i = 0; i < nents; i++)
		if (!dmamap_direct_capable(dev, dmamap_contig_iova(sg[i].va, sg[i].len),
				sg[i].len))
			return false;
	return true;
}

/* Bytes of domain IOVA the list takes: each segment padded to granules. */
static size_t
dmamap_sg_span(const struct rte_dmamap_sge *sg, unsigned int nents, size_t granule)
{
	size_t span = 0;
	unsigned int i;

	for (i = 0; i < nents; i++)
		span += RTE_ALIGN_CEIL(((uintptr_t)sg[i].va & (granule - 1)) +
			sg[i].len, granule);
	return span;
}

static int
dmamap_sg_merge(struct rte_dmamap_sge *sg, unsigned int nents)
{
	unsigned int i, lead = 0, count = 1;

	sg[0].dma_len = sg[0].len;
	for (i = 1; i < nents; i++) {
		if (sg[lead].iova + sg[lead].dma_len == sg[i].iova &&
				(uint64_t)sg[lead].dma_len + sg[i].len <= UINT32_MAX) {
			sg[lead].dma_len += sg[i].len;
			sg[i].dma_len = 0;
			continue;
		}
		lead = i;
		sg[i].dma_len = sg[i].len;
		count++;
	}
	return count;
}

static int
dmamap_sg_map_domain(struct dmamap_dev *dev, struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	size_t granule = dmamap_granule(dev), pos = 0, offset, span;
	rte_iova_t base;
	unsigned int i;
	int ret;

	for (i = 0; i < nents; i++)
		if (!dmamap_memory_known(sg[i].va, sg[i].len)) {
			DMAMAP_LOG(ERR, "%s: sg segment %u %p+%u is not memory the "
				"library knows", dev->name, i, sg[i].va, sg[i].len);
			return -ENOENT;
		}
	base = dmamap_domain_iova_alloc(dev->domain, dmamap_sg_span(sg, nents,
		granule), granule, dev->mask);
	if (base == RTE_BAD_IOVA)
		return -rte_errno;
	for (i = 0; i < nents; i++) {
		offset = (uintptr_t)sg[i].va & (granule - 1);
		span = RTE_ALIGN_CEIL(offset + sg[i].len, granule);
		ret = dmamap_domain_map_runs(dev, base + pos,
			RTE_PTR_SUB(sg[i].va, offset), span, dmamap_dir_prot(dir));
		if (ret < 0) {
			if (pos > 0)
				dmamap_domain_unmap(dev->domain, base, pos, false);
			dmamap_domain_iova_free(dev->domain, base,
				dmamap_sg_span(sg, nents, granule));
			return ret == -ENOSPC ? -ENOSPC : -EIO;
		}
		sg[i].iova = base + pos + offset;
		dmamap_dev_cache_sync(dev, sg[i].va, sg[i].iova, sg[i].len, dir, false);
		pos += span;
	}
	return 0;
}

static void
dmamap_sg_unmap_each(struct dmamap_dev *dev, struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	unsigned int i;

	for (i = 0; i < nents; i++)
		dmamap_unmap_dispatch(dev, sg[i].iova, sg[i].len, dir);
}

static int
dmamap_sg_map_each(struct dmamap_dev *dev, struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	const struct rte_dmamap_fp_object *fp = &rte_dmamap_fp_objs[dev->dev_id];
	enum dmamap_path path;
	unsigned int i;

	for (i = 0; i < nents; i++) {
		/* The inline direct path first: no lookup of the slow kind. */
		if (fp->inline_direct) {
			sg[i].iova = __rte_dmamap_direct_iova(fp, sg[i].va, sg[i].len);
			if (sg[i].iova != RTE_BAD_IOVA)
				continue;
		}
		sg[i].iova = dmamap_map_dispatch(dev, sg[i].va, sg[i].len, dir, &path);
		if (sg[i].iova == RTE_BAD_IOVA) {
			dmamap_sg_unmap_each(dev, sg, i, dir);
			return -rte_errno;
		}
	}
	return 0;
}

static void
dmamap_sg_debug_map(struct dmamap_dev *dev, const struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	unsigned int i;

	for (i = 0; i < nents; i++)
		dmamap_debug_count(dev, dmamap_debug_map(dev->debug, sg[i].va,
			sg[i].iova, sg[i].len, dir, DMAMAP_DEBUG_SG));
}

int
rte_dmamap_map_sg(int16_t dev_id, struct rte_dmamap_sge *sg, unsigned int nents,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	bool domain = false;
	int ret;

	if (dev == NULL)
		return -EINVAL;
	ret = dmamap_sg_check(dev, sg, nents, dir);
	if (ret == 0) {
		domain = dmamap_uses_domain(dev) && !dmamap_sg_all_direct(dev, sg, nents);
		ret = domain ? dmamap_sg_map_domain(dev, sg, nents, dir) :
			dmamap_sg_map_each(dev, sg, nents, dir);
	}
	if (ret < 0) {
		DMAMAP_COUNT(dev, errors, 1);
		return ret;
	}
	if (dev->debug != NULL)
		dmamap_sg_debug_map(dev, sg, nents, dir);
	DMAMAP_COUNT(dev, maps, 1);
	if (domain)
		DMAMAP_COUNT(dev, domain, 1);
	return dmamap_sg_merge(sg, nents);
}

/* Whether the list was mapped as one domain range: its first segment's IOVA
 * is not direct and not a bounce slot.
 */
static bool
dmamap_sg_in_domain(const struct dmamap_dev *dev, const struct rte_dmamap_sge *sg)
{
	if (!dmamap_uses_domain(dev))
		return false;
	return !dmamap_direct_capable(dev, sg[0].iova, sg[0].len);
}

static int
dmamap_sg_debug_unmap(struct dmamap_dev *dev, const struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < nents; i++) {
		ret = dmamap_debug_unmap(dev->debug, sg[i].iova, sg[i].len, dir,
			DMAMAP_DEBUG_SG);
		if (ret < 0)
			break;
	}
	if (i == nents)
		return 0;
	/* A refused list stays mapped: track its segments again. */
	DMAMAP_COUNT(dev, debug_errors, 1);
	for (j = 0; j < i; j++)
		dmamap_debug_map(dev->debug, sg[j].va, sg[j].iova, sg[j].len, dir,
			DMAMAP_DEBUG_SG);
	return ret;
}

int
rte_dmamap_unmap_sg(int16_t dev_id, struct rte_dmamap_sge *sg, unsigned int nents,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	size_t granule, offset;
	unsigned int i;
	int ret;

	if (dev == NULL)
		return -EINVAL;
	ret = dmamap_sg_check(dev, sg, nents, dir);
	if (ret == 0 && dev->debug != NULL)
		ret = dmamap_sg_debug_unmap(dev, sg, nents, dir);
	if (ret < 0) {
		DMAMAP_COUNT(dev, errors, 1);
		return ret;
	}
	if (!dmamap_sg_in_domain(dev, sg)) {
		dmamap_sg_unmap_each(dev, sg, nents, dir);
		DMAMAP_COUNT(dev, unmaps, 1);
		return 0;
	}
	granule = dmamap_granule(dev);
	for (i = 0; i < nents; i++)
		dmamap_dev_cache_sync(dev, sg[i].va, sg[i].iova, sg[i].len, dir, true);
	offset = (uintptr_t)sg[0].va & (granule - 1);
	ret = dmamap_domain_unmap(dev->domain, sg[0].iova - offset,
		dmamap_sg_span(sg, nents, granule), false);
	if (ret == 0)
		dmamap_domain_iova_free(dev->domain, sg[0].iova - offset,
			dmamap_sg_span(sg, nents, granule));
	if (ret < 0)
		DMAMAP_COUNT(dev, errors, 1);
	else
		DMAMAP_COUNT(dev, unmaps, 1);
	return ret;
}
