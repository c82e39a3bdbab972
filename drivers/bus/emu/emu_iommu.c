/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The software IOMMU: a domain backend of lib/dmamap.
 *
 * Page tables in the style of x86 second-level translation: four levels of
 * 512 8-byte entries, indexed by IOVA bits 47:39, 38:30, 29:21 and 20:12.
 * An entry is present when it grants read (bit 0) or write (bit 1); bit 7
 * marks a 1 GiB (level 3) or 2 MiB (level 2) leaf; bits 51:12 hold the
 * target of a leaf or the frame of the next table. Tables come from a pool
 * of pages in the domain's private area, which lives in shared memory, so
 * every process walks the same tables; frames are pool indexes, not
 * pointers, for the same reason.
 *
 * The IOTLB caches translations the walks found: 64 sets of 4 ways, 4 KiB
 * entries indexed by IOVA bits 12 and up, large entries (2 MiB leaves, and
 * the 2 MiB part used of a 1 GiB leaf) by bits 21 and up. Unmap does not
 * touch it: a device keeps reaching what it cached until a flush
 * invalidates it, which is what a lazy domain lets happen and a strict
 * domain (flushing on each unmap) never does.
 *
 * One spinlock per domain serialises table updates, walks and the IOTLB.
 *
 * In front of the IOTLB, each thread that runs a device model keeps an
 * IOTLB of its own per domain (struct emu_ptc, emu_private.h): the host
 * address of each 4 KiB page of IOVA it translated, direct mapped, read
 * and filled by that thread alone, with no lock, so that a hit costs one
 * entry's load and no walk of the library's table either. Its entries are
 * tagged with the domain's generation, which every flush bumps (and every
 * unmap of a strict domain, which flushes anyway): after a flush nothing
 * cached before it translates, exactly as the IOTLB entries a flush
 * invalidates. Between an unmap and its flush (lazy domains) an entry may
 * still translate, as the IOTLB may. Hits count as IOTLB hits. Threads
 * without an lcore id go the locked way.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_random.h>
#include <rte_spinlock.h>

#include "emu_private.h"

#define EMU_PT_ENTRIES 512
#define EMU_PT_LEVELS 4
#define EMU_PTE_R RTE_BIT64(0)
#define EMU_PTE_W RTE_BIT64(1)
#define EMU_PTE_PS RTE_BIT64(7)
#define EMU_PTE_ADDR UINT64_C(0x000ffffffffff000)
#define EMU_PTE_PRESENT (EMU_PTE_R | EMU_PTE_W)
#define EMU_TARGET_LIMIT (UINT64_C(1) << 52)
#define EMU_FRAME_NONE UINT32_MAX

#define EMU_IOTLB_SETS 64
#define EMU_IOTLB_WAYS 4
#define EMU_IOTLB_SHIFT_SMALL 12
#define EMU_IOTLB_SHIFT_LARGE 21
/* Pages a flush probes one by one; a longer range scans the whole IOTLB. */
#define EMU_IOTLB_PROBE_MAX 16

#define EMU_IOMMU_MAGIC UINT64_C(0x454d55494f4d4d55) /* "EMUIOMMU" */

/* Threads' IOTLBs: domains per thread; most pages a map fills in. */
#define EMU_PTC_DOMAINS 4
#define EMU_PTC_PREFILL 4

struct emu_iotlb_entry {
	uint64_t tag;       /* IOVA >> shift */
	rte_iova_t target;  /* target of the first IOVA covered */
	uint32_t shift;     /* 12 or 21; 0 when invalid */
	uint32_t prot;
};

struct emu_iotlb {
	struct emu_iotlb_entry e[EMU_IOTLB_SETS][EMU_IOTLB_WAYS];
	uint8_t victim[EMU_IOTLB_SETS];
	uint64_t hits;
	uint64_t misses;
	uint64_t flushes;
	uint64_t invalidated;
	uint64_t evictions;
};

struct emu_iommu {
	uint64_t magic;
	rte_spinlock_t lock;
	bool lazy;
	rte_iova_t aperture_start;
	rte_iova_t aperture_last;
	uint32_t nb_pages;     /* size of the pool */
	uint32_t nb_free;      /* free frames, on the stack below */
	uint32_t root;         /* frame of the level-4 table */
	size_t free_off;       /* uint32_t free stack, from this struct */
	size_t count_off;      /* uint16_t present entries per frame */
	size_t pages_off;      /* frame 0, page aligned */
	uint64_t leaves[3];    /* 4 KiB, 2 MiB, 1 GiB leaves */
	uint64_t mapped_bytes;
	struct emu_iotlb tlb;
	uint64_t uid;          /* tells domains at one address apart */
	/* Bumped (lock held) by every flush: the threads' IOTLBs are stale. */
	uint64_t gen;
	/* Hits of the threads' IOTLBs, per lcore. */
	struct {
		uint64_t n;
	} __rte_cache_aligned ptc_hits[RTE_MAX_LCORE];
};

/* A thread's caches, allocated on first use; a domain takes a slot by its
 * address, in turn.
 */
static __thread struct {
	struct emu_ptc *slot[EMU_PTC_DOMAINS];
	unsigned int next;
} emu_ptc_tls;

/* A leaf found by a walk. */
struct emu_leaf {
	uint64_t *pte;
	uint32_t frame;        /* table holding the entry */
	unsigned int level;    /* 1: 4 KiB, 2: 2 MiB, 3: 1 GiB */
};

static inline unsigned int
emu_level_shift(unsigned int level)
{
	return EMU_PAGE_SHIFT + 9 * (level - 1);
}

static inline uint64_t
emu_level_size(unsigned int level)
{
	return UINT64_C(1) << emu_level_shift(level);
}

static inline unsigned int
emu_pt_index(rte_iova_t iova, unsigned int level)
{
	return (iova >> emu_level_shift(level)) & (EMU_PT_ENTRIES - 1);
}

static inline uint64_t *
emu_pt_page(struct emu_iommu *mmu, uint32_t frame)
{
	return RTE_PTR_ADD(mmu, mmu->pages_off + (size_t)frame * EMU_PAGE_SIZE);
}

static inline uint32_t *
emu_pt_free_stack(struct emu_iommu *mmu)
{
	return RTE_PTR_ADD(mmu, mmu->free_off);
}

static inline uint16_t *
emu_pt_count(struct emu_iommu *mmu)
{
	return RTE_PTR_ADD(mmu, mmu->count_off);
}

static inline uint32_t
emu_pte_frame(uint64_t pte)
{
	return (pte & EMU_PTE_ADDR) >> EMU_PAGE_SHIFT;
}

static inline bool
emu_pte_is_leaf(uint64_t pte, unsigned int level)
{
	return level == 1 || (pte & EMU_PTE_PS) != 0;
}

static inline uint32_t
emu_pte_prot(uint64_t pte)
{
	return ((pte & EMU_PTE_R) ? RTE_DMAMAP_PROT_READ : 0) |
		((pte & EMU_PTE_W) ? RTE_DMAMAP_PROT_WRITE : 0);
}

static inline uint64_t
emu_prot_pte(uint32_t prot)
{
	return ((prot & RTE_DMAMAP_PROT_READ) ? EMU_PTE_R : 0) |
		((prot & RTE_DMAMAP_PROT_WRITE) ? EMU_PTE_W : 0);
}

/*
 * Page-table pool.
 */

size_t
emu_iommu_priv_size(unsigned int pt_pages)
{
	return sizeof(struct emu_iommu) +
		(size_t)pt_pages * (sizeof(uint32_t) + sizeof(uint16_t)) +
		EMU_PAGE_SIZE + (size_t)pt_pages * EMU_PAGE_SIZE;
}

/*
 * A free frame is all zero: the pool starts zeroed (a domain's private
 * area is, see rte_dmamap_domain_priv()), and a table goes back only when
 * its count of present entries falls to zero, every entry cleared to 0 on
 * the way. So allocation clears nothing: a streaming map that needs again
 * the three tables the previous unmap pruned pays no 12 KiB of memset.
 */
static uint32_t
emu_pt_alloc(struct emu_iommu *mmu)
{
	if (mmu->nb_free == 0)
		return EMU_FRAME_NONE;
	return emu_pt_free_stack(mmu)[--mmu->nb_free];
}

static void
emu_pt_free(struct emu_iommu *mmu, uint32_t frame)
{
	emu_pt_free_stack(mmu)[mmu->nb_free++] = frame;
}

/* A new generation: every entry of the threads' IOTLBs is stale. */
static inline void
emu_iommu_gen_bump(struct emu_iommu *mmu)
{
	__atomic_store_n(&mmu->gen, mmu->gen + 1, __ATOMIC_RELEASE);
}

/* Lay the pool out in the private area and take the root table. */
static int
emu_pt_pool_init(struct emu_iommu *mmu, unsigned int pt_pages)
{
	uintptr_t pages;
	uint32_t i;

	mmu->nb_pages = pt_pages;
	mmu->free_off = sizeof(*mmu);
	mmu->count_off = mmu->free_off + (size_t)pt_pages * sizeof(uint32_t);
	pages = RTE_ALIGN_CEIL((uintptr_t)mmu + mmu->count_off +
		(size_t)pt_pages * sizeof(uint16_t), EMU_PAGE_SIZE);
	mmu->pages_off = pages - (uintptr_t)mmu;
	/* Frame 0 ends up on top: the root is the first page of the pool. */
	for (i = 0; i < pt_pages; i++)
		emu_pt_free_stack(mmu)[i] = pt_pages - 1 - i;
	mmu->nb_free = pt_pages;
	mmu->root = emu_pt_alloc(mmu);
	return mmu->root == EMU_FRAME_NONE ? -ENOMEM : 0;
}

/*
 * Walks.
 */

/*
 * Find the leaf covering iova; path[] receives the frames of the tables
 * walked (path[level] for each level reached). False when not present.
 */
static bool
emu_pt_find(struct emu_iommu *mmu, rte_iova_t iova, struct emu_leaf *leaf,
		uint32_t path[EMU_PT_LEVELS + 1])
{
	uint32_t frame = mmu->root;
	unsigned int level;
	uint64_t *pte;

	for (level = EMU_PT_LEVELS; level >= 1; level--) {
		path[level] = frame;
		pte = &emu_pt_page(mmu, frame)[emu_pt_index(iova, level)];
		if ((*pte & EMU_PTE_PRESENT) == 0)
			return false;
		if (emu_pte_is_leaf(*pte, level)) {
			leaf->pte = pte;
			leaf->frame = frame;
			leaf->level = level;
			return true;
		}
		frame = emu_pte_frame(*pte);
	}
	return false;
}

/* Free the tables of path[] that hold nothing, bottom up, root excepted. */
static void
emu_pt_prune(struct emu_iommu *mmu, rte_iova_t iova,
		const uint32_t path[EMU_PT_LEVELS + 1], unsigned int from)
{
	unsigned int level;
	uint32_t parent;

	for (level = from; level < EMU_PT_LEVELS; level++) {
		if (emu_pt_count(mmu)[path[level]] != 0)
			return;
		parent = path[level + 1];
		emu_pt_page(mmu, parent)[emu_pt_index(iova, level + 1)] = 0;
		emu_pt_count(mmu)[parent]--;
		emu_pt_free(mmu, path[level]);
	}
}

/* Walk down to the table of level, creating missing tables. */
static int
emu_pt_descend(struct emu_iommu *mmu, rte_iova_t iova, unsigned int level,
		uint32_t path[EMU_PT_LEVELS + 1])
{
	uint32_t frame = mmu->root, next;
	unsigned int l;
	uint64_t *pte;

	for (l = EMU_PT_LEVELS; l > level; l--) {
		path[l] = frame;
		pte = &emu_pt_page(mmu, frame)[emu_pt_index(iova, l)];
		if (*pte & EMU_PTE_PRESENT) {
			if (emu_pte_is_leaf(*pte, l))
				return -EEXIST;
			frame = emu_pte_frame(*pte);
			continue;
		}
		next = emu_pt_alloc(mmu);
		if (next == EMU_FRAME_NONE) {
			emu_pt_prune(mmu, iova, path, l);
			return -ENOMEM;
		}
		*pte = ((uint64_t)next << EMU_PAGE_SHIFT) | EMU_PTE_PRESENT;
		emu_pt_count(mmu)[frame]++;
		frame = next;
	}
	path[level] = frame;
	return 0;
}

/*
 * Map and unmap.
 */

/* Largest leaf level that iova, target and the length left allow. */
static unsigned int
emu_pt_leaf_level(rte_iova_t iova, rte_iova_t target, uint64_t left)
{
	unsigned int level;

	for (level = 3; level > 1; level--)
		if (((iova | target) & (emu_level_size(level) - 1)) == 0 &&
				left >= emu_level_size(level))
			return level;
	return 1;
}

static int
emu_pt_set_leaf(struct emu_iommu *mmu, rte_iova_t iova, rte_iova_t target,
		unsigned int level, uint32_t prot)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	uint64_t *pte;
	int ret;

	ret = emu_pt_descend(mmu, iova, level, path);
	if (ret < 0)
		return ret;
	pte = &emu_pt_page(mmu, path[level])[emu_pt_index(iova, level)];
	if (*pte & EMU_PTE_PRESENT) {
		emu_pt_prune(mmu, iova, path, level);
		return -EEXIST;
	}
	*pte = (target & EMU_PTE_ADDR) | emu_prot_pte(prot) |
		(level > 1 ? EMU_PTE_PS : 0);
	emu_pt_count(mmu)[path[level]]++;
	mmu->leaves[level - 1]++;
	mmu->mapped_bytes += emu_level_size(level);
	return 0;
}

/* Remove a whole leaf and the tables it leaves empty. */
static void
emu_pt_clear_leaf(struct emu_iommu *mmu, rte_iova_t iova,
		const struct emu_leaf *leaf, const uint32_t path[EMU_PT_LEVELS + 1])
{
	*leaf->pte = 0;
	emu_pt_count(mmu)[leaf->frame]--;
	mmu->leaves[leaf->level - 1]--;
	mmu->mapped_bytes -= emu_level_size(leaf->level);
	emu_pt_prune(mmu, iova, path, leaf->level);
}

/* Replace a large leaf by a table of 512 leaves of the next size. */
static int
emu_pt_split(struct emu_iommu *mmu, const struct emu_leaf *leaf)
{
	unsigned int level = leaf->level - 1, i;
	uint64_t pte = *leaf->pte, flags, *table;
	rte_iova_t target = pte & EMU_PTE_ADDR;
	uint32_t frame;

	frame = emu_pt_alloc(mmu);
	if (frame == EMU_FRAME_NONE)
		return -ENOMEM;
	table = emu_pt_page(mmu, frame);
	flags = (pte & EMU_PTE_PRESENT) | (level > 1 ? EMU_PTE_PS : 0);
	for (i = 0; i < EMU_PT_ENTRIES; i++)
		table[i] = (target + i * emu_level_size(level)) | flags;
	emu_pt_count(mmu)[frame] = EMU_PT_ENTRIES;
	*leaf->pte = ((uint64_t)frame << EMU_PAGE_SHIFT) | EMU_PTE_PRESENT;
	mmu->leaves[leaf->level - 1]--;
	mmu->leaves[level - 1] += EMU_PT_ENTRIES;
	return 0;
}

/* 4 KiB leaves from iova on that len covers in iova's level-1 table. */
static inline unsigned int
emu_pt_run_pages(rte_iova_t iova, uint64_t len)
{
	return RTE_MIN(len >> EMU_PAGE_SHIFT,
		(uint64_t)(EMU_PT_ENTRIES - emu_pt_index(iova, 1)));
}

/*
 * Map a run of 4 KiB leaves from iova (when emu_pt_leaf_level() gives 1)
 * up to the end of its level-1 table or of len: one descent for the run
 * instead of one per page. Nothing is mapped on error; the bytes mapped go
 * to *size.
 */
static int
emu_pt_set_run(struct emu_iommu *mmu, rte_iova_t iova, rte_iova_t target,
		uint64_t len, uint32_t prot, uint64_t *size)
{
	unsigned int n = emu_pt_run_pages(iova, len), i;
	uint32_t path[EMU_PT_LEVELS + 1];
	uint64_t *pte, flags = emu_prot_pte(prot);
	int ret;

	ret = emu_pt_descend(mmu, iova, 1, path);
	if (ret < 0)
		return ret;
	pte = &emu_pt_page(mmu, path[1])[emu_pt_index(iova, 1)];
	for (i = 0; i < n; i++) {
		if (pte[i] & EMU_PTE_PRESENT) {
			emu_pt_prune(mmu, iova, path, 1);
			return -EEXIST;
		}
	}
	for (i = 0; i < n; i++)
		pte[i] = ((target + ((uint64_t)i << EMU_PAGE_SHIFT)) &
			EMU_PTE_ADDR) | flags;
	emu_pt_count(mmu)[path[1]] += n;
	mmu->leaves[0] += n;
	*size = (uint64_t)n << EMU_PAGE_SHIFT;
	mmu->mapped_bytes += *size;
	return 0;
}

/*
 * Remove the run of 4 KiB leaves from the one found at iova up to the end
 * of its table or of len, then the tables it leaves empty. The bytes the
 * run spans.
 */
static uint64_t
emu_pt_clear_run(struct emu_iommu *mmu, rte_iova_t iova, uint64_t len,
		const struct emu_leaf *leaf, const uint32_t path[EMU_PT_LEVELS + 1])
{
	unsigned int n = emu_pt_run_pages(iova, len), i, cleared = 0;

	for (i = 0; i < n; i++) {
		cleared += (leaf->pte[i] & EMU_PTE_PRESENT) != 0;
		leaf->pte[i] = 0;
	}
	emu_pt_count(mmu)[leaf->frame] -= cleared;
	mmu->leaves[0] -= cleared;
	mmu->mapped_bytes -= (uint64_t)cleared << EMU_PAGE_SHIFT;
	emu_pt_prune(mmu, iova, path, 1);
	return (uint64_t)n << EMU_PAGE_SHIFT;
}

static bool
emu_range_ok(const struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	return len != 0 && ((iova | len) & (EMU_PAGE_SIZE - 1)) == 0 &&
		iova + len - 1 >= iova && iova >= mmu->aperture_start &&
		iova + len - 1 <= mmu->aperture_last;
}

static int
__emu_iommu_map(struct emu_iommu *mmu, rte_iova_t iova, rte_iova_t target,
		size_t len, uint32_t prot)
{
	uint64_t done = 0, size;
	unsigned int level;
	int ret;

	while (done < len) {
		level = emu_pt_leaf_level(iova + done, target + done, len - done);
		size = emu_level_size(level);
		if (level == 1)
			ret = emu_pt_set_run(mmu, iova + done, target + done,
				len - done, prot, &size);
		else
			ret = emu_pt_set_leaf(mmu, iova + done, target + done,
				level, prot);
		if (ret < 0) {
			/* What this call mapped is ours alone: take it back. */
			if (done > 0)
				emu_iommu_unmap(mmu, iova, done);
			return ret;
		}
		done += size;
	}
	return 0;
}

int
emu_iommu_map(struct emu_iommu *mmu, rte_iova_t iova, rte_iova_t target,
		size_t len, uint32_t prot)
{
	int ret;

	if (!emu_range_ok(mmu, iova, len) || (target & (EMU_PAGE_SIZE - 1)) ||
			target + len > EMU_TARGET_LIMIT || target + len < target ||
			prot == 0 || (prot & ~(RTE_DMAMAP_PROT_READ |
				RTE_DMAMAP_PROT_WRITE))) {
		EMU_LOG(ERR, "bad mapping: IOVA 0x%" PRIx64 " target 0x%" PRIx64
			" len 0x%zx prot 0x%x (aperture 0x%" PRIx64 "-0x%" PRIx64 ")",
			iova, target, len, prot, mmu->aperture_start,
			mmu->aperture_last);
		return -EINVAL;
	}
	ret = __emu_iommu_map(mmu, iova, target, len, prot);
	if (ret == -EEXIST)
		EMU_LOG(ERR, "IOVA 0x%" PRIx64 " len 0x%zx overlaps a mapping",
			iova, len);
	else if (ret == -ENOMEM)
		EMU_LOG(ERR, "page-table pool of %u pages exhausted mapping IOVA 0x%"
			PRIx64 " len 0x%zx", mmu->nb_pages, iova, len);
	return ret;
}

/*
 * Whether the 4 KiB leaves after the one found at iova are present up to
 * the end of its table or of len; the bytes of the run in *size.
 */
static bool
emu_pt_run_present(const struct emu_leaf *leaf, rte_iova_t iova, uint64_t len,
		uint64_t *size)
{
	unsigned int n = emu_pt_run_pages(iova, len), i;

	for (i = 1; i < n; i++)
		if (!(leaf->pte[i] & EMU_PTE_PRESENT))
			return false;
	*size = (uint64_t)n << EMU_PAGE_SHIFT;
	return true;
}

/*
 * Pages that splitting the large leaf at base (of level) takes for an
 * unmap of [iova, end): the leaf's own table, then at each level below one
 * per leaf a cut falls inside. Both cuts inside the same leaf split it
 * once: a 4 KiB hole in a 2 MiB leaf takes one page, not two.
 */
static unsigned int
emu_pt_split_pages(rte_iova_t base, unsigned int level, rte_iova_t iova,
		rte_iova_t end)
{
	bool lo = base < iova, hi = end < base + emu_level_size(level);
	unsigned int n, l;
	uint64_t sz;

	if (!lo && !hi)
		return 0;
	n = 1;
	for (l = level - 1; l > 1; l--) {
		sz = emu_level_size(l);
		lo = lo && (iova & (sz - 1)) != 0;
		hi = hi && (end & (sz - 1)) != 0;
		if (lo && hi && iova / sz == end / sz)
			n += 1;
		else
			n += lo + hi;
	}
	return n;
}

/*
 * Check that [iova, iova + len) is wholly mapped; count the pages needed
 * to split the leaves cut at its two ends.
 */
static int
emu_pt_unmap_check(struct emu_iommu *mmu, rte_iova_t iova, size_t len,
		unsigned int *splits)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	rte_iova_t cur = iova, end = iova + len, base;
	struct emu_leaf leaf;
	uint64_t size;

	*splits = 0;
	while (cur < end) {
		if (!emu_pt_find(mmu, cur, &leaf, path))
			return -ENOENT;
		if (leaf.level == 1) {
			if (!emu_pt_run_present(&leaf, cur, end - cur, &size))
				return -ENOENT;
			cur += size;
			continue;
		}
		size = emu_level_size(leaf.level);
		base = cur & ~(size - 1);
		*splits += emu_pt_split_pages(base, leaf.level, iova, end);
		cur = base + size;
	}
	return 0;
}

static int
__emu_iommu_unmap(struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	rte_iova_t cur = iova, end = iova + len, base;
	struct emu_leaf leaf;
	uint64_t size;

	while (cur < end) {
		if (!emu_pt_find(mmu, cur, &leaf, path))
			return -ENOENT; /* checked before: cannot happen */
		size = emu_level_size(leaf.level);
		base = cur & ~(size - 1);
		if (base < cur || base + size > end) {
			if (emu_pt_split(mmu, &leaf) < 0)
				return -ENOMEM; /* reserved before */
			continue;
		}
		if (leaf.level == 1) {
			cur += emu_pt_clear_run(mmu, cur, end - cur, &leaf, path);
			continue;
		}
		emu_pt_clear_leaf(mmu, cur, &leaf, path);
		cur = base + size;
	}
	return 0;
}

/*
 * The common unmap (every streaming one) in one walk: 4 KiB leaves, all
 * present, in one leaf table. False when the range is anything else.
 */
static bool
emu_pt_unmap_run(struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	struct emu_leaf leaf;
	uint64_t size;

	if (emu_pt_run_pages(iova, len) != len >> EMU_PAGE_SHIFT ||
			!emu_pt_find(mmu, iova, &leaf, path) || leaf.level != 1 ||
			!emu_pt_run_present(&leaf, iova, len, &size))
		return false;
	emu_pt_clear_run(mmu, iova, len, &leaf, path);
	return true;
}

/* Any unmap: check it all, reserve the pages of its splits, then unmap. */
static int
emu_pt_unmap_checked(struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	unsigned int splits;
	int ret;

	ret = emu_pt_unmap_check(mmu, iova, len, &splits);
	if (ret < 0) {
		EMU_LOG(ERR, "IOVA 0x%" PRIx64 " len 0x%zx is not wholly mapped",
			iova, len);
		return ret;
	}
	if (splits > mmu->nb_free) {
		EMU_LOG(ERR, "no page-table page to split a large leaf");
		return -ENOMEM;
	}
	return __emu_iommu_unmap(mmu, iova, len);
}

int
emu_iommu_unmap(struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	int ret;

	if (!emu_range_ok(mmu, iova, len)) {
		EMU_LOG(ERR, "bad range: IOVA 0x%" PRIx64 " len 0x%zx", iova, len);
		return -EINVAL;
	}
	ret = emu_pt_unmap_run(mmu, iova, len) ? 0 :
		emu_pt_unmap_checked(mmu, iova, len);
	/* A strict domain's unmap reaches the threads' IOTLBs at once. */
	if (ret == 0 && !mmu->lazy)
		emu_iommu_gen_bump(mmu);
	return ret;
}

int
emu_iommu_walk(struct emu_iommu *mmu, rte_iova_t iova,
		struct rte_bus_emu_pte *pte)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	struct emu_leaf leaf;
	uint64_t size;

	if (iova >> EMU_IOVA_BITS || !emu_pt_find(mmu, iova, &leaf, path))
		return -ENOENT;
	size = emu_level_size(leaf.level);
	pte->target = (*leaf.pte & EMU_PTE_ADDR) + (iova & (size - 1));
	pte->page_size = size;
	pte->prot = emu_pte_prot(*leaf.pte);
	return 0;
}

/*
 * IOTLB.
 */

static inline struct emu_iotlb_entry *
emu_iotlb_set(struct emu_iotlb *tlb, uint64_t tag, unsigned int *set)
{
	*set = (tag ^ (tag >> 6) ^ (tag >> 12)) & (EMU_IOTLB_SETS - 1);
	return tlb->e[*set];
}

static inline struct emu_iotlb_entry *
emu_iotlb_probe(struct emu_iotlb *tlb, rte_iova_t iova, unsigned int shift)
{
	uint64_t tag = iova >> shift;
	struct emu_iotlb_entry *ways;
	unsigned int set, w;

	ways = emu_iotlb_set(tlb, tag, &set);
	for (w = 0; w < EMU_IOTLB_WAYS; w++)
		if (ways[w].shift == shift && ways[w].tag == tag)
			return &ways[w];
	return NULL;
}

static inline struct emu_iotlb_entry *
emu_iotlb_lookup(struct emu_iotlb *tlb, rte_iova_t iova)
{
	struct emu_iotlb_entry *e;

	e = emu_iotlb_probe(tlb, iova, EMU_IOTLB_SHIFT_LARGE);
	if (e != NULL)
		return e;
	return emu_iotlb_probe(tlb, iova, EMU_IOTLB_SHIFT_SMALL);
}

/* Cache the translation a walk found; a 1 GiB leaf as its 2 MiB part. */
static struct emu_iotlb_entry *
emu_iotlb_fill(struct emu_iotlb *tlb, rte_iova_t iova, uint64_t pte,
		unsigned int level)
{
	unsigned int shift = level == 1 ? EMU_IOTLB_SHIFT_SMALL :
		EMU_IOTLB_SHIFT_LARGE;
	uint64_t leaf_mask = emu_level_size(level) - 1;
	struct emu_iotlb_entry *ways, *e = NULL;
	unsigned int set, w;
	rte_iova_t base;

	ways = emu_iotlb_set(tlb, iova >> shift, &set);
	for (w = 0; w < EMU_IOTLB_WAYS && e == NULL; w++)
		if (ways[w].shift == 0)
			e = &ways[w];
	if (e == NULL) {
		e = &ways[tlb->victim[set]];
		tlb->victim[set] = (tlb->victim[set] + 1) % EMU_IOTLB_WAYS;
		tlb->evictions++;
	}
	base = iova & ~((UINT64_C(1) << shift) - 1);
	e->tag = iova >> shift;
	e->target = (pte & EMU_PTE_ADDR) + (base & leaf_mask);
	e->shift = shift;
	e->prot = emu_pte_prot(pte);
	return e;
}

/*
 * Invalidate the entries of one size (shift) whose tags lie in [first,
 * last], probing the set of each tag: an entry lives in its tag's set.
 */
static void
emu_iotlb_invalidate_tags(struct emu_iotlb *tlb, uint64_t first, uint64_t last,
		unsigned int shift)
{
	struct emu_iotlb_entry *ways;
	unsigned int set, w;
	uint64_t tag = first;

	do {
		ways = emu_iotlb_set(tlb, tag, &set);
		for (w = 0; w < EMU_IOTLB_WAYS; w++) {
			if (ways[w].shift == shift && ways[w].tag == tag) {
				ways[w].shift = 0;
				tlb->invalidated++;
			}
		}
	} while (tag++ != last);
}

static void
emu_iotlb_invalidate(struct emu_iotlb *tlb, rte_iova_t iova, size_t len)
{
	rte_iova_t last = iova + len - 1, first, end;
	struct emu_iotlb_entry *e;
	unsigned int i;

	/* A small range (a streaming unmap of a strict domain) probes the
	 * sets its pages hash to instead of scanning every entry.
	 */
	if (len != 0 && last >= iova &&
			(last >> EMU_IOTLB_SHIFT_SMALL) - (iova >> EMU_IOTLB_SHIFT_SMALL) <
			EMU_IOTLB_PROBE_MAX) {
		tlb->flushes++;
		emu_iotlb_invalidate_tags(tlb, iova >> EMU_IOTLB_SHIFT_SMALL,
			last >> EMU_IOTLB_SHIFT_SMALL, EMU_IOTLB_SHIFT_SMALL);
		emu_iotlb_invalidate_tags(tlb, iova >> EMU_IOTLB_SHIFT_LARGE,
			last >> EMU_IOTLB_SHIFT_LARGE, EMU_IOTLB_SHIFT_LARGE);
		return;
	}
	tlb->flushes++;
	for (i = 0; i < EMU_IOTLB_SETS * EMU_IOTLB_WAYS; i++) {
		e = &tlb->e[i / EMU_IOTLB_WAYS][i % EMU_IOTLB_WAYS];
		if (e->shift == 0)
			continue;
		first = e->tag << e->shift;
		end = first + (UINT64_C(1) << e->shift) - 1;
		if (len != 0 && (end < iova || first > last))
			continue;
		e->shift = 0;
		tlb->invalidated++;
	}
}

/* The IOTLB entry for iova: cached, or filled from a walk; NULL: none. */
static struct emu_iotlb_entry *
emu_iotlb_get(struct emu_iommu *mmu, rte_iova_t iova, bool count)
{
	uint32_t path[EMU_PT_LEVELS + 1];
	struct emu_iotlb_entry *e;
	struct emu_leaf leaf;

	e = emu_iotlb_lookup(&mmu->tlb, iova);
	if (e != NULL) {
		mmu->tlb.hits += count;
		return e;
	}
	mmu->tlb.misses += count;
	if (!emu_pt_find(mmu, iova, &leaf, path))
		return NULL;
	return emu_iotlb_fill(&mmu->tlb, iova, *leaf.pte, leaf.level);
}

bool
emu_iommu_xlate(struct emu_iommu *mmu, rte_iova_t iova, uint32_t access,
		bool count, struct emu_xlate *x)
{
	struct emu_iotlb_entry *e;
	uint64_t size, off;
	uint32_t need;

	if (iova < mmu->aperture_start || iova > mmu->aperture_last) {
		x->reason = RTE_BUS_EMU_FAULT_APERTURE;
		return false;
	}
	e = emu_iotlb_get(mmu, iova, count);
	if (e == NULL) {
		x->reason = RTE_BUS_EMU_FAULT_NOT_PRESENT;
		return false;
	}
	need = ((access & RTE_EMU_DMA_READ) ? RTE_DMAMAP_PROT_READ : 0) |
		((access & RTE_EMU_DMA_WRITE) ? RTE_DMAMAP_PROT_WRITE : 0);
	if ((e->prot & need) != need) {
		x->reason = RTE_BUS_EMU_FAULT_PERMISSION;
		return false;
	}
	size = UINT64_C(1) << e->shift;
	off = iova & (size - 1);
	x->target = e->target + off;
	x->avail = size - off;
	x->prot = e->prot;
	return true;
}

int
emu_iommu_flush(struct emu_iommu *mmu, rte_iova_t iova, size_t len)
{
	emu_iotlb_invalidate(&mmu->tlb, iova, len);
	emu_iommu_gen_bump(mmu);
	return 0;
}

/*
 * Threads' IOTLBs.
 */

/* Bind a slot of the thread's caches to mmu; NULL without an lcore id. */
static struct emu_ptc *
emu_ptc_bind(struct emu_iommu *mmu)
{
	unsigned int lcore = rte_lcore_id(), i = emu_ptc_tls.next;
	struct emu_ptc *c = emu_ptc_tls.slot[i];

	/* Hits are counted per lcore: other threads take the locked path. */
	if (lcore >= RTE_MAX_LCORE)
		return NULL;
	if (c == NULL) {
		/* Never freed: the thread keeps it for the next domain. */
		c = malloc(sizeof(*c));
		if (c == NULL)
			return NULL;
		emu_ptc_tls.slot[i] = c;
	}
	emu_ptc_tls.next = (i + 1) % EMU_PTC_DOMAINS;
	memset(c, 0, sizeof(*c));
	c->mmu = mmu;
	c->uid = mmu->uid;
	c->gen = &mmu->gen;
	c->hits = &mmu->ptc_hits[lcore].n;
	return c;
}

struct emu_ptc *
emu_iommu_ptc(struct emu_iommu *mmu)
{
	struct emu_ptc *c;
	unsigned int i;

	for (i = 0; i < EMU_PTC_DOMAINS; i++) {
		c = emu_ptc_tls.slot[i];
		if (c != NULL && c->mmu == mmu && c->uid == mmu->uid)
			return c;
	}
	return emu_ptc_bind(mmu);
}

void
emu_ptc_fill(struct emu_ptc *c, rte_iova_t iova, uint8_t *host, uint32_t prot)
{
	uint64_t tag = iova >> EMU_PAGE_SHIFT;
	struct emu_ptc_entry *e = &c->e[tag & (EMU_PTC_ENTRIES - 1)];

	e->tag = tag;
	e->gen = *c->gen;
	e->host = host - (iova & (EMU_PAGE_SIZE - 1));
	e->prot = prot;
}



void
emu_iommu_iotlb_stats(struct emu_iommu *mmu, struct rte_bus_emu_iotlb_stats *st)
{
	const struct emu_iotlb *tlb = &mmu->tlb;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->hits = tlb->hits;
	st->misses = tlb->misses;
	st->flushes = tlb->flushes;
	st->invalidated = tlb->invalidated;
	st->evictions = tlb->evictions;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		st->hits += __atomic_load_n(&mmu->ptc_hits[i].n, __ATOMIC_RELAXED);
	st->capacity = EMU_IOTLB_SETS * EMU_IOTLB_WAYS;
	for (i = 0; i < st->capacity; i++)
		st->entries += tlb->e[i / EMU_IOTLB_WAYS][i % EMU_IOTLB_WAYS].shift != 0;
}

void
emu_iommu_iotlb_reset(struct emu_iommu *mmu)
{
	struct emu_iotlb *tlb = &mmu->tlb;
	unsigned int i;

	/* Counting starts again from the shared IOTLB alone: the threads'
	 * IOTLBs, which may hold more than it, drop what they cached.
	 */
	emu_iommu_gen_bump(mmu);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		__atomic_store_n(&mmu->ptc_hits[i].n, 0, __ATOMIC_RELAXED);
	tlb->hits = 0;
	tlb->misses = 0;
	tlb->flushes = 0;
	tlb->invalidated = 0;
	tlb->evictions = 0;
}

void
emu_iommu_info(struct emu_iommu *mmu, struct rte_bus_emu_iommu_info *info)
{
	unsigned int used = mmu->nb_pages - mmu->nb_free;

	memset(info, 0, sizeof(*info));
	info->aperture_start = mmu->aperture_start;
	info->aperture_last = mmu->aperture_last;
	info->lazy = mmu->lazy;
	info->pt_pages = used;
	info->pt_pages_max = mmu->nb_pages;
	/* Each page in use also costs its count and its free-stack slot. */
	info->pt_bytes = (uint64_t)used *
		(EMU_PAGE_SIZE + sizeof(uint32_t) + sizeof(uint16_t));
	info->leaves_4k = mmu->leaves[0];
	info->leaves_2m = mmu->leaves[1];
	info->leaves_1g = mmu->leaves[2];
	info->mapped_bytes = mmu->mapped_bytes;
}

void
emu_iommu_lock(struct emu_iommu *mmu)
{
	rte_spinlock_lock(&mmu->lock);
}

/*
 * Release with a store: on x86 rte_spinlock_unlock() is an xchg, a locked
 * instruction as costly as taking the lock, paid on every map, unmap,
 * flush and device access.
 */
void
emu_iommu_unlock(struct emu_iommu *mmu)
{
	__atomic_store_n(&mmu->lock.locked, 0, __ATOMIC_RELEASE);
}

/*
 * Domains.
 */

struct emu_iommu *
emu_iommu_of(struct rte_dmamap_domain *dom)
{
	struct emu_iommu *mmu;

	mmu = dom == NULL ? NULL : rte_dmamap_domain_priv(dom);
	if (mmu == NULL || mmu->magic != EMU_IOMMU_MAGIC) {
		rte_errno = EINVAL;
		return NULL;
	}
	return mmu;
}

int
emu_iommu_setup(struct rte_dmamap_domain *dom, unsigned int pt_pages,
		rte_iova_t aperture_start, rte_iova_t aperture_last, bool lazy)
{
	struct emu_iommu *mmu = rte_dmamap_domain_priv(dom);
	int ret;

	if (mmu == NULL)
		return -EINVAL;
	memset(mmu, 0, sizeof(*mmu));
	rte_spinlock_init(&mmu->lock);
	mmu->uid = rte_rand();
	mmu->gen = 1;  /* a zeroed cache entry is stale */
	mmu->lazy = lazy;
	mmu->aperture_start = aperture_start;
	mmu->aperture_last = aperture_last;
	ret = emu_pt_pool_init(mmu, pt_pages);
	if (ret < 0)
		return ret;
	/* Published last: the ops refuse the domain until now. */
	__atomic_store_n(&mmu->magic, EMU_IOMMU_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

static struct emu_iommu *
emu_iommu_of_op(struct rte_dmamap_domain *dom)
{
	struct emu_iommu *mmu = emu_iommu_of(dom);

	if (mmu == NULL)
		EMU_LOG(ERR, "domain %s is not set up as an emu IOMMU",
			dom == NULL ? "(null)" : rte_dmamap_domain_name(dom));
	return mmu;
}

/*
 * A small map whose CPU address is known (a streaming map of the library)
 * goes into the calling thread's IOTLB at once, lock held: a new mapping
 * is a valid translation, and the device model, which usually runs on the
 * thread that mapped its buffers, then finds it without a walk. It lives
 * until the next flush, as any entry.
 */
static void
emu_ptc_prefill(struct emu_iommu *mmu, rte_iova_t iova, const void *va,
		size_t len, uint32_t prot)
{
	struct emu_ptc *c;
	size_t off;

	if (va == NULL || len > EMU_PTC_PREFILL * EMU_PAGE_SIZE)
		return;
	c = emu_iommu_ptc(mmu);
	if (c == NULL)
		return;
	for (off = 0; off < len; off += EMU_PAGE_SIZE)
		emu_ptc_fill(c, iova + off, (uint8_t *)(uintptr_t)va + off, prot);
}

static int
emu_op_map(struct rte_dmamap_domain *dom, rte_iova_t iova, const void *va,
		rte_iova_t target, size_t len, uint32_t prot)
{
	struct emu_iommu *mmu = emu_iommu_of_op(dom);
	int ret;

	if (mmu == NULL)
		return -EINVAL;
	emu_iommu_lock(mmu);
	ret = emu_iommu_map(mmu, iova, target, len, prot);
	if (ret == 0)
		emu_ptc_prefill(mmu, iova, va, len, prot);
	emu_iommu_unlock(mmu);
	return ret;
}

static int
emu_op_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct emu_iommu *mmu = emu_iommu_of_op(dom);
	int ret;

	if (mmu == NULL)
		return -EINVAL;
	emu_iommu_lock(mmu);
	ret = emu_iommu_unmap(mmu, iova, len);
	emu_iommu_unlock(mmu);
	return ret;
}

static int
emu_op_flush(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct emu_iommu *mmu = emu_iommu_of_op(dom);

	if (mmu == NULL)
		return -EINVAL;
	emu_iommu_lock(mmu);
	emu_iommu_flush(mmu, iova, len);
	emu_iommu_unlock(mmu);
	return 0;
}

static int
emu_op_translate(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target)
{
	struct emu_iommu *mmu = emu_iommu_of_op(dom);
	struct rte_bus_emu_pte pte;
	int ret;

	if (mmu == NULL)
		return -EINVAL;
	emu_iommu_lock(mmu);
	ret = emu_iommu_walk(mmu, iova, &pte);
	emu_iommu_unlock(mmu);
	if (ret == 0)
		*target = pte.target;
	return ret;
}

static void
emu_op_release(struct rte_dmamap_domain *dom)
{
	struct emu_iommu *mmu = emu_iommu_of(dom);

	if (mmu != NULL)
		mmu->magic = 0;
}

static const struct rte_dmamap_domain_ops emu_iommu_ops = {
	.name = EMU_IOMMU_BACKEND,
	.map = emu_op_map,
	.unmap = emu_op_unmap,
	.flush = emu_op_flush,
	.translate = emu_op_translate,
	.release = emu_op_release,
};

RTE_INIT(emu_iommu_register)
{
	int ret = rte_dmamap_domain_ops_register(&emu_iommu_ops);

	if (ret < 0)
		EMU_LOG(ERR, "cannot register the %s domain backend: %s",
			EMU_IOMMU_BACKEND, strerror(-ret));
}

/*
 * Programming the tables from the application (rte_bus_emu.h).
 */

int
rte_bus_emu_iommu_map(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t target, size_t len, uint32_t prot)
{
	return emu_op_map(dom, iova, NULL, target, len, prot);
}

int
rte_bus_emu_iommu_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len)
{
	return emu_op_unmap(dom, iova, len);
}

int
rte_bus_emu_iommu_flush(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len)
{
	return emu_op_flush(dom, iova, len);
}

int
rte_bus_emu_iommu_walk(struct rte_dmamap_domain *dom, rte_iova_t iova,
		struct rte_bus_emu_pte *pte)
{
	struct emu_iommu *mmu = emu_iommu_of_op(dom);
	int ret;

	if (mmu == NULL || pte == NULL)
		return -EINVAL;
	emu_iommu_lock(mmu);
	ret = emu_iommu_walk(mmu, iova, pte);
	emu_iommu_unlock(mmu);
	return ret;
}
