/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Coherent and non-coherent allocation. Memory comes from EAL (an
 * IOVA-contiguous memzone); when the device cannot reach it directly it is
 * mapped into the device's domain, or, without a domain, replaced by memory
 * placed under the mask. Never memory the device cannot reach.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "dmamap_private.h"

static bool
dmamap_alloc_direct_ok(const struct dmamap_dev *dev, rte_iova_t iova, size_t size)
{
	return iova != RTE_BAD_IOVA && iova + size - 1 <= dev->direct_limit;
}

static bool
dmamap_alloc_uses_domain(const struct dmamap_dev *dev)
{
	return dev->domain != NULL && dev->bypass != RTE_DMAMAP_BYPASS_FORCE;
}

static struct dmamap_alloc *
dmamap_alloc_slot_get(struct dmamap_dev *dev, uint32_t *seq)
{
	struct dmamap_alloc *a = NULL;
	unsigned int i;

	rte_spinlock_lock(&dev->alloc_lock);
	for (i = 0; i < DMAMAP_ALLOCS_MAX; i++)
		if (dev->allocs[i].va == NULL && dev->allocs[i].size == 0) {
			a = &dev->allocs[i];
			/* Reserve the slot until it is filled in. */
			a->size = 1;
			*seq = dev->alloc_seq++;
			break;
		}
	rte_spinlock_unlock(&dev->alloc_lock);
	if (a == NULL)
		DMAMAP_LOG(ERR, "%s: all %d allocation records in use", dev->name,
			DMAMAP_ALLOCS_MAX);
	return a;
}

static void
dmamap_alloc_slot_put(struct dmamap_dev *dev, struct dmamap_alloc *a)
{
	rte_spinlock_lock(&dev->alloc_lock);
	memset(a, 0, sizeof(*a));
	rte_spinlock_unlock(&dev->alloc_lock);
}

/* Map an allocation into the device's domain; fills a->iova. */
static int
dmamap_alloc_map_domain(struct dmamap_dev *dev, struct dmamap_alloc *a,
		rte_iova_t target, size_t span)
{
	size_t granule = rte_dmamap_domain_granule(dev->domain);
	uint32_t prot = a->coherent ? RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE :
		dmamap_dir_prot(a->dir);
	rte_iova_t iova;
	int ret;

	iova = dmamap_domain_iova_alloc(dev->domain, span, granule, dev->mask);
	if (iova == RTE_BAD_IOVA)
		return -rte_errno;
	ret = dmamap_domain_map(dev->domain, iova, a->va, target, span, prot);
	if (ret < 0) {
		dmamap_domain_iova_free(dev->domain, iova, span);
		return ret;
	}
	a->iova = iova;
	a->in_domain = true;
	return 0;
}

static int
dmamap_alloc_from_memzone(struct dmamap_dev *dev, struct dmamap_alloc *a,
		uint32_t seq, size_t span)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	int ret;

	snprintf(name, sizeof(name), "dmamap_a%d_%u", dev->dev_id, seq);
	mz = dmamap_memzone_reserve(name, span, dev->socket_id,
		RTE_MEMZONE_IOVA_CONTIG, DMAMAP_PAGE_4K);
	if (mz == NULL)
		return -ENOMEM;
	a->mz = mz;
	a->va = mz->addr;
	if (dmamap_alloc_direct_ok(dev, mz->iova, span)) {
		a->iova = mz->iova;
		return 0;
	}
	if (dmamap_alloc_uses_domain(dev)) {
		ret = dmamap_alloc_map_domain(dev, a, mz->iova, span);
		if (ret == 0)
			return 0;
	} else {
		ret = -ENOMEM;
	}
	rte_memzone_free(mz);
	a->mz = NULL;
	a->va = NULL;
	return ret;
}

static int
dmamap_alloc_from_lowmem(struct dmamap_dev *dev, struct dmamap_alloc *a,
		uint32_t seq, size_t span)
{
	char name[RTE_MEMZONE_NAMESIZE];

	if (dev->direct_limit == 0)
		return -ENOMEM;
	snprintf(name, sizeof(name), "dmamap_l%d_%u", dev->dev_id, seq);
	a->lowmem = dmamap_lowmem_alloc(name, dev->direct_limit, span, dev->socket_id);
	if (a->lowmem == NULL)
		return -ENOMEM;
	a->va = dmamap_lowmem_va(a->lowmem);
	a->iova = dmamap_lowmem_iova(a->lowmem);
	return 0;
}

static void
dmamap_alloc_set_uncached(struct dmamap_dev *dev, struct dmamap_alloc *a, bool on)
{
	const struct rte_dmamap_cache_ops *ops;

	if (!a->coherent || !(dev->flags & RTE_DMAMAP_F_NONCOHERENT) ||
			dev->cache_ops[0] == '\0')
		return;
	ops = dmamap_cache_ops_find(dev->cache_ops);
	if (ops != NULL && ops->set_uncached != NULL)
		ops->set_uncached(dev->dev_id, a->va, a->iova, a->size, on);
}

static void *
dmamap_alloc(int16_t dev_id, size_t size, rte_iova_t *iova, bool coherent,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	size_t span = RTE_ALIGN_CEIL(size, DMAMAP_PAGE_4K);
	struct dmamap_alloc *a;
	uint32_t seq;
	int ret;

	if (dev == NULL)
		return NULL;
	if (size == 0 || iova == NULL || !dmamap_dir_valid(dir) || span < size) {
		DMAMAP_LOG(ERR, "%s: bad allocation arguments: size %zu iova %p dir %d",
			dev->name, size, (void *)iova, dir);
		DMAMAP_COUNT(dev, errors, 1);
		rte_errno = EINVAL;
		return NULL;
	}
	a = dmamap_alloc_slot_get(dev, &seq);
	if (a == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	a->coherent = coherent;
	a->dir = dir;
	ret = dmamap_alloc_from_memzone(dev, a, seq, span);
	if (ret == -ENOMEM && !dmamap_alloc_uses_domain(dev))
		ret = dmamap_alloc_from_lowmem(dev, a, seq, span);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "%s: no %zu bytes of memory the %u-bit mask reaches",
			dev->name, size, dev->mask_bits);
		dmamap_alloc_slot_put(dev, a);
		DMAMAP_COUNT(dev, errors, 1);
		rte_errno = -ret;
		return NULL;
	}
	a->size = size;
	dmamap_alloc_set_uncached(dev, a, true);
	if (dev->debug != NULL && dmamap_debug_map(dev->debug, a->va, a->iova, size,
			coherent ? RTE_DMAMAP_BIDIRECTIONAL : dir, coherent ?
			DMAMAP_DEBUG_COHERENT : DMAMAP_DEBUG_NONCOHERENT) < 0)
		DMAMAP_COUNT(dev, debug_errors, 1);
	DMAMAP_COUNT(dev, allocs, 1);
	*iova = a->iova;
	return a->va;
}

/*
 * Forget the record, then unmap from the domain and give the memory back:
 * once the memory is back another lcore may get the same address, and must
 * not find this record for it.
 */
static void
dmamap_alloc_release_one(struct dmamap_dev *dev, struct dmamap_alloc *rec)
{
	struct dmamap_alloc a = *rec;
	size_t span = RTE_ALIGN_CEIL(a.size, DMAMAP_PAGE_4K);

	dmamap_alloc_slot_put(dev, rec);
	dmamap_alloc_set_uncached(dev, &a, false);
	if (a.in_domain) {
		dmamap_domain_unmap(dev->domain, a.iova, span, false);
		dmamap_domain_iova_free(dev->domain, a.iova, span);
	}
	if (a.mz != NULL)
		rte_memzone_free(a.mz);
	if (a.lowmem != NULL)
		dmamap_lowmem_free(a.lowmem);
}

static struct dmamap_alloc *
dmamap_alloc_find(struct dmamap_dev *dev, const void *va)
{
	unsigned int i;

	for (i = 0; i < DMAMAP_ALLOCS_MAX; i++)
		if (dev->allocs[i].va == va && va != NULL)
			return &dev->allocs[i];
	return NULL;
}

static int
dmamap_free_check(struct dmamap_dev *dev, const struct dmamap_alloc *a,
		size_t size, const void *va, rte_iova_t iova, bool coherent)
{
	if (a == NULL) {
		DMAMAP_LOG(ERR, "%s: free of %p, which the device never allocated",
			dev->name, va);
		return -EINVAL;
	}
	if (a->size != size || a->iova != iova) {
		DMAMAP_LOG(ERR, "%s: free of %p with size %zu IOVA 0x%" PRIx64
			", allocated with size %zu IOVA 0x%" PRIx64, dev->name, va,
			size, iova, a->size, a->iova);
		return -EINVAL;
	}
	if (a->coherent != coherent) {
		DMAMAP_LOG(ERR, "%s: %p is a %scoherent allocation, freed as %scoherent",
			dev->name, va, a->coherent ? "" : "non-",
			coherent ? "" : "non-");
		return -EINVAL;
	}
	return 0;
}

/* Ask the debug checker first: it names the misuse. When it accepts a free
 * the records then refuse, track the allocation again, so a refused free
 * leaves both as they were.
 */
static int
dmamap_free_debug(struct dmamap_dev *dev, size_t size, void *va, rte_iova_t iova,
		bool coherent, enum rte_dmamap_dir dir)
{
	enum dmamap_debug_type type = coherent ? DMAMAP_DEBUG_COHERENT :
		DMAMAP_DEBUG_NONCOHERENT;
	struct dmamap_alloc *a = dmamap_alloc_find(dev, va);
	unsigned int i;
	int ret;

	if (coherent)
		dir = RTE_DMAMAP_BIDIRECTIONAL;
	ret = dmamap_debug_unmap(dev->debug, iova, size, dir, type);
	if (ret < 0) {
		DMAMAP_COUNT(dev, debug_errors, 1);
		return ret;
	}
	ret = dmamap_free_check(dev, a, size, va, iova, coherent);
	if (ret == 0)
		return 0;
	for (i = 0; i < DMAMAP_ALLOCS_MAX; i++)
		if (dev->allocs[i].va != NULL && dev->allocs[i].iova == iova)
			dmamap_debug_map(dev->debug, dev->allocs[i].va, iova, size,
				dir, type);
	return ret;
}

static int
dmamap_free(int16_t dev_id, size_t size, void *va, rte_iova_t iova, bool coherent,
		enum rte_dmamap_dir dir)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	struct dmamap_alloc *a;
	int ret;

	if (dev == NULL)
		return -EINVAL;
	a = dmamap_alloc_find(dev, va);
	if (dev->debug != NULL)
		ret = dmamap_free_debug(dev, size, va, iova, coherent, dir);
	else
		ret = dmamap_free_check(dev, a, size, va, iova, coherent);
	if (ret < 0) {
		DMAMAP_COUNT(dev, errors, 1);
		return ret;
	}
	dmamap_alloc_release_one(dev, a);
	return 0;
}

void *
rte_dmamap_alloc_coherent(int16_t dev_id, size_t size, rte_iova_t *iova)
{
	return dmamap_alloc(dev_id, size, iova, true, RTE_DMAMAP_BIDIRECTIONAL);
}

int
rte_dmamap_free_coherent(int16_t dev_id, size_t size, void *va, rte_iova_t iova)
{
	return dmamap_free(dev_id, size, va, iova, true, RTE_DMAMAP_BIDIRECTIONAL);
}

void *
rte_dmamap_alloc_noncoherent(int16_t dev_id, size_t size, rte_iova_t *iova,
		enum rte_dmamap_dir dir)
{
	return dmamap_alloc(dev_id, size, iova, false, dir);
}

int
rte_dmamap_free_noncoherent(int16_t dev_id, size_t size, void *va,
		rte_iova_t iova, enum rte_dmamap_dir dir)
{
	if (!dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "bad direction %d", dir);
		return -EINVAL;
	}
	return dmamap_free(dev_id, size, va, iova, false, dir);
}

void
dmamap_alloc_release(struct dmamap_dev *dev)
{
	unsigned int i;

	for (i = 0; i < DMAMAP_ALLOCS_MAX; i++) {
		if (dev->allocs[i].va == NULL)
			continue;
		DMAMAP_LOG(WARNING, "%s: allocation %p+%zu still live at detach",
			dev->name, dev->allocs[i].va, dev->allocs[i].size);
		dmamap_alloc_release_one(dev, &dev->allocs[i]);
	}
}
