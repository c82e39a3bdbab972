/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_CORE_H
#define RTE_DMAMAP_CORE_H

/**
 * @file
 *
 * @internal
 * Fast-path structures of rte_dmamap and the inline streaming calls.
 * Applications include rte_dmamap.h, never this file.
 *
 * What a device's map and unmap cost is decided at attach: each device has
 * one per-process fast-path object. When the device is coherent and not
 * debugged, a buffer at or below its direct limit is mapped here, inline,
 * with one table lookup and no lock; everything else goes to the slow path.
 */

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Translation table: a radix table in the style of SPDK's mem_map. The key
 * (a virtual address, or an IOVA for the reverse table) selects a pointer to
 * a block of 512 entries, one per 2 MiB; an entry is either a 2 MiB leaf or a
 * pointer to a block of 512 4 KiB leaves. A lookup is two dependent loads
 * for 2 MiB pages and three for 4 KiB pages.
 *
 * A leaf holds the value (IOVA, or VA for the reverse table) of the first
 * byte of its 2 MiB or 4 KiB key range, or-ed with RTE_DMAMAP_XLATE_LEAF;
 * values are page aligned, which frees the two low bits.
 */
#define RTE_DMAMAP_XLATE_KEY_BITS 48
#define RTE_DMAMAP_XLATE_L1_SHIFT 30
#define RTE_DMAMAP_XLATE_L2_SHIFT 21
#define RTE_DMAMAP_XLATE_L3_SHIFT 12
#define RTE_DMAMAP_XLATE_L1_SIZE \
	(1UL << (RTE_DMAMAP_XLATE_KEY_BITS - RTE_DMAMAP_XLATE_L1_SHIFT))
#define RTE_DMAMAP_XLATE_ENTRIES 512
#define RTE_DMAMAP_XLATE_LEAF 1ULL  /**< Entry is a leaf. */
#define RTE_DMAMAP_XLATE_TABLE 2ULL /**< L2 entry points to 4 KiB leaves. */
#define RTE_DMAMAP_XLATE_FLAGS 3ULL

/** @internal A translation table. */
struct rte_dmamap_xlate {
	uint64_t *l1[RTE_DMAMAP_XLATE_L1_SIZE];
};

/** @internal VA -> EAL IOVA, all memory the library knows. */
extern struct rte_dmamap_xlate *rte_dmamap_xlate_va;
/** @internal EAL IOVA -> VA, the same memory. */
extern struct rte_dmamap_xlate *rte_dmamap_xlate_iova;

/**
 * @internal
 * Look a key up; UINT64_MAX (RTE_BAD_IOVA) when the table does not know it.
 */
static __rte_always_inline uint64_t
rte_dmamap_xlate_lookup(const struct rte_dmamap_xlate *t, uint64_t key)
{
	const uint64_t *l2;
	uint64_t e;

	if (unlikely(key >> RTE_DMAMAP_XLATE_KEY_BITS))
		return RTE_BAD_IOVA;
	l2 = t->l1[key >> RTE_DMAMAP_XLATE_L1_SHIFT];
	if (unlikely(l2 == NULL))
		return RTE_BAD_IOVA;
	e = l2[(key >> RTE_DMAMAP_XLATE_L2_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (likely(e & RTE_DMAMAP_XLATE_LEAF))
		return (e & ~RTE_DMAMAP_XLATE_FLAGS) +
			(key & ((1ULL << RTE_DMAMAP_XLATE_L2_SHIFT) - 1));
	if (!(e & RTE_DMAMAP_XLATE_TABLE))
		return RTE_BAD_IOVA;
	e = ((const uint64_t *)(uintptr_t)(e & ~RTE_DMAMAP_XLATE_FLAGS))
		[(key >> RTE_DMAMAP_XLATE_L3_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (!(e & RTE_DMAMAP_XLATE_LEAF))
		return RTE_BAD_IOVA;
	return (e & ~RTE_DMAMAP_XLATE_FLAGS) +
		(key & ((1ULL << RTE_DMAMAP_XLATE_L3_SHIFT) - 1));
}

/**
 * @internal
 * The PA=VA heap (rte_dmamap_heap.h): the IOVA of its memory is its VA minus
 * offset (0 in identity mode), found by one range compare, no lookup. The
 * heap owns the whole VA range, holes included, so nothing else lives there.
 */
struct rte_dmamap_identity {
	uintptr_t start;  /**< First VA of the heap's range. */
	uintptr_t len;    /**< Length of the range; 0 when there is no heap. */
	uint64_t offset;  /**< VA - IOVA of the heap's memory. */
};

/** @internal The heap of this process. */
extern struct rte_dmamap_identity rte_dmamap_identity;

/**
 * @internal
 * Counters one lcore updates without atomics. The slot RTE_MAX_LCORE serves
 * non-EAL threads and is updated atomically.
 */
struct rte_dmamap_lcore_stats {
	uint64_t direct_maps;
	uint64_t direct_unmaps;
	uint64_t maps;
	uint64_t unmaps;
	uint64_t domain;
	uint64_t bounced;
	uint64_t bounce_bytes;
	uint64_t syncs;
	uint64_t allocs;
	uint64_t links;
	uint64_t errors;
	uint64_t debug_errors;
} __rte_cache_aligned;

/** @internal Per-process fast-path object of one device. */
struct rte_dmamap_fp_object {
	/** Last IOVA the device reaches directly; 0 when it reaches none. */
	rte_iova_t direct_limit;
	/** Bounce pool IOVA range: an unmap there is never direct. */
	rte_iova_t bounce_iova;
	uint64_t bounce_len;
	/** Direct buffers may be mapped inline: coherent and not debugged. */
	uint32_t inline_direct;
	/** Syncs of direct mappings do no work: coherent and not debugged. */
	uint32_t sync_free;
	/** Counters, RTE_MAX_LCORE + 1 slots, in shared memory. */
	struct rte_dmamap_lcore_stats *stats;
} __rte_cache_aligned;

/** @internal Fast-path objects, indexed by dmamap id. */
extern struct rte_dmamap_fp_object rte_dmamap_fp_objs[];

/** @internal Count a direct map or unmap of the calling lcore. */
static __rte_always_inline void
__rte_dmamap_count_direct(const struct rte_dmamap_fp_object *fp, bool map)
{
	unsigned int lcore = rte_lcore_id();
	struct rte_dmamap_lcore_stats *s;

	if (likely(lcore < RTE_MAX_LCORE)) {
		s = &fp->stats[lcore];
		if (map)
			s->direct_maps++;
		else
			s->direct_unmaps++;
		return;
	}
	s = &fp->stats[RTE_MAX_LCORE];
	__atomic_fetch_add(map ? &s->direct_maps : &s->direct_unmaps, 1,
			__ATOMIC_RELAXED);
}

/** @internal Whether an IOVA range lies in the device's bounce pool. */
static __rte_always_inline bool
__rte_dmamap_in_bounce(const struct rte_dmamap_fp_object *fp, rte_iova_t iova)
{
	return iova - fp->bounce_iova < fp->bounce_len;
}

/**
 * @internal
 * The direct IOVA of [va, va + len), or RTE_BAD_IOVA when the buffer is not
 * known, not IOVA-contiguous, or not wholly at or below the direct limit.
 */
static __rte_always_inline rte_iova_t
__rte_dmamap_direct_iova(const struct rte_dmamap_fp_object *fp,
		const void *va, size_t len)
{
	const struct rte_dmamap_xlate *t = rte_dmamap_xlate_va;
	uintptr_t first = (uintptr_t)va, last = first + len - 1;
	const uint64_t *l2;
	rte_iova_t iova;
	uint64_t e;

	if (unlikely(last < first || (last >> RTE_DMAMAP_XLATE_KEY_BITS)))
		return RTE_BAD_IOVA;
	if (last - rte_dmamap_identity.start < rte_dmamap_identity.len &&
			first >= rte_dmamap_identity.start) {
		iova = first - rte_dmamap_identity.offset;
		goto check_limit;
	}
	/* The common case: the buffer lies in one 2 MiB leaf, contiguous by
	 * construction. A buffer over two leaves is contiguous when its last
	 * byte follows its first; longer ones take the slow path, which checks
	 * every page.
	 */
	l2 = t->l1[first >> RTE_DMAMAP_XLATE_L1_SHIFT];
	e = l2 == NULL ? 0 :
		l2[(first >> RTE_DMAMAP_XLATE_L2_SHIFT) & (RTE_DMAMAP_XLATE_ENTRIES - 1)];
	if (likely((e & RTE_DMAMAP_XLATE_LEAF) &&
			((first ^ last) >> RTE_DMAMAP_XLATE_L2_SHIFT) == 0)) {
		iova = (e & ~RTE_DMAMAP_XLATE_FLAGS) +
			(first & ((1ULL << RTE_DMAMAP_XLATE_L2_SHIFT) - 1));
	} else {
		if (((last >> RTE_DMAMAP_XLATE_L3_SHIFT) -
				(first >> RTE_DMAMAP_XLATE_L3_SHIFT)) > 1)
			return RTE_BAD_IOVA;
		iova = rte_dmamap_xlate_lookup(t, first);
		if (iova == RTE_BAD_IOVA ||
				rte_dmamap_xlate_lookup(t, last) != iova + len - 1)
			return RTE_BAD_IOVA;
	}
check_limit:
	if (unlikely(iova + len - 1 > fp->direct_limit || iova + len - 1 < iova))
		return RTE_BAD_IOVA;
	return iova;
}

/**
 * Map a buffer for streaming DMA. See rte_dmamap.h.
 */
static inline rte_iova_t
rte_dmamap_map_single(int16_t dev_id, void *va, size_t len,
		enum rte_dmamap_dir dir)
{
	const struct rte_dmamap_fp_object *fp;
	rte_iova_t iova;

	if (unlikely((uint16_t)dev_id >= RTE_DMAMAP_MAX_DEVS || len == 0))
		return __rte_dmamap_map_slow(dev_id, va, len, dir);
	fp = &rte_dmamap_fp_objs[dev_id];
	if (likely(fp->inline_direct && (unsigned int)dir <= RTE_DMAMAP_FROM_DEVICE)) {
		iova = __rte_dmamap_direct_iova(fp, va, len);
		if (likely(iova != RTE_BAD_IOVA)) {
			__rte_dmamap_count_direct(fp, true);
			return iova;
		}
	}
	return __rte_dmamap_map_slow(dev_id, va, len, dir);
}

/**
 * Unmap a streaming mapping. See rte_dmamap.h.
 */
static inline int
rte_dmamap_unmap_single(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	const struct rte_dmamap_fp_object *fp;

	if (unlikely((uint16_t)dev_id >= RTE_DMAMAP_MAX_DEVS || len == 0))
		return __rte_dmamap_unmap_slow(dev_id, iova, len, dir);
	fp = &rte_dmamap_fp_objs[dev_id];
	if (likely(fp->inline_direct && (unsigned int)dir <= RTE_DMAMAP_FROM_DEVICE &&
			iova + len - 1 <= fp->direct_limit && iova + len - 1 >= iova &&
			!__rte_dmamap_in_bounce(fp, iova))) {
		__rte_dmamap_count_direct(fp, false);
		return 0;
	}
	return __rte_dmamap_unmap_slow(dev_id, iova, len, dir);
}

/** @internal Whether a sync on a direct mapping can be skipped. */
static __rte_always_inline bool
__rte_dmamap_sync_is_free(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	const struct rte_dmamap_fp_object *fp;

	if (unlikely((uint16_t)dev_id >= RTE_DMAMAP_MAX_DEVS || len == 0 ||
			(unsigned int)dir > RTE_DMAMAP_FROM_DEVICE))
		return false;
	fp = &rte_dmamap_fp_objs[dev_id];
	return fp->sync_free && iova + len - 1 <= fp->direct_limit &&
		iova + len - 1 >= iova && !__rte_dmamap_in_bounce(fp, iova);
}

/**
 * Give the CPU ownership of a streaming mapping. See rte_dmamap.h.
 */
static inline int
rte_dmamap_sync_for_cpu(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	if (likely(__rte_dmamap_sync_is_free(dev_id, iova, len, dir)))
		return 0;
	return __rte_dmamap_sync_slow(dev_id, iova, len, dir, true);
}

/**
 * Give the device ownership of a streaming mapping. See rte_dmamap.h.
 */
static inline int
rte_dmamap_sync_for_device(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	if (likely(__rte_dmamap_sync_is_free(dev_id, iova, len, dir)))
		return 0;
	return __rte_dmamap_sync_slow(dev_id, iova, len, dir, false);
}

/**
 * Tell whether a map failed: true for RTE_BAD_IOVA.
 */
static inline bool
rte_dmamap_mapping_error(int16_t dev_id, rte_iova_t iova)
{
	RTE_SET_USED(dev_id);
	return iova == RTE_BAD_IOVA;
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_CORE_H */
