/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Translation tables: VA -> EAL IOVA (forward) and EAL IOVA -> VA (reverse)
 * for the memory EAL knows and the external memory registered through the
 * library. The layout is rte_dmamap_core.h's.
 *
 * Writers hold xlate_lock; readers (the inline lookup) hold nothing, so:
 * - a block is published with a release store only once its content is
 *   written, and every entry is stored whole;
 * - no block is ever freed or given to another key range: an L2 block stays
 *   in its L1 slot, and the block of 4 KiB leaves of a 2 MiB key range is
 *   bound to that range (the writer-side shadow records it) for the life of
 *   the process. A reader still holding an old pointer thus reads leaves of
 *   its own key range: the value before or after the change, each right at
 *   some instant.
 *
 * A 2 MiB key range is one 2 MiB leaf when all of it is known and contiguous
 * in value, else a block of 4 KiB leaves; a block that fills up contiguously
 * becomes a 2 MiB leaf again, and a 2 MiB leaf partly removed turns back
 * into its block.
 *
 * Every change is checked first, then the blocks it needs are allocated,
 * then the entries written: a failure (overlap, no memory) changes nothing
 * a reader can see.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_fbarray.h>
#include <rte_memory.h>
#include <rte_spinlock.h>

#include "dmamap_private.h"

#define XLATE_PAGE DMAMAP_PAGE_4K
#define XLATE_CHUNK DMAMAP_PAGE_2M
#define XLATE_N RTE_DMAMAP_XLATE_ENTRIES
#define XLATE_KEY_LIMIT (UINT64_C(1) << RTE_DMAMAP_XLATE_KEY_BITS)
#define XLATE_LEAF RTE_DMAMAP_XLATE_LEAF
#define XLATE_TABLE RTE_DMAMAP_XLATE_TABLE
#define XLATE_FLAGS RTE_DMAMAP_XLATE_FLAGS
#define XLATE_BLOCK_SIZE (XLATE_N * sizeof(uint64_t))
/* Blocks are carved from anonymous mappings of this size. */
#define XLATE_POOL_SIZE (UINT64_C(2) << 20)
#define XLATE_EVENT_NAME "dmamap_xlate"

/* What a scan of a key range saw. */
#define XLATE_SEEN_FREE 1u  /* keys the table does not know */
#define XLATE_SEEN_MATCH 2u /* keys mapped to the expected values */
#define XLATE_SEEN_OTHER 4u /* keys mapped elsewhere */

/* One direction: the table readers see, and the writer's shadow. */
struct dmamap_xtable {
	struct rte_dmamap_xlate *t;
	/* Per L1 slot, the 4 KiB leaf block bound to each 2 MiB key range. */
	uint64_t ***shadow;
};

/*
 * Zeroed (.bss: no page is used before it is written), so the inline lookup
 * works, and misses, before any build.
 */
static struct rte_dmamap_xlate xlate_va_table;
static struct rte_dmamap_xlate xlate_iova_table;
static uint64_t **xlate_va_shadow[RTE_DMAMAP_XLATE_L1_SIZE];
static uint64_t **xlate_iova_shadow[RTE_DMAMAP_XLATE_L1_SIZE];

struct rte_dmamap_xlate *rte_dmamap_xlate_va = &xlate_va_table;
struct rte_dmamap_xlate *rte_dmamap_xlate_iova = &xlate_iova_table;

static struct dmamap_xtable xlate_fwd = {
	.t = &xlate_va_table,
	.shadow = xlate_va_shadow,
};
static struct dmamap_xtable xlate_rev = {
	.t = &xlate_iova_table,
	.shadow = xlate_iova_shadow,
};

static rte_spinlock_t xlate_lock = RTE_SPINLOCK_INITIALIZER;
static rte_spinlock_t xlate_init_lock = RTE_SPINLOCK_INITIALIZER;
static int xlate_ready;
static bool xlate_events;

/* Under xlate_lock. */
static uint8_t *xlate_pool_next;
static uint8_t *xlate_pool_end;
static size_t xlate_bytes;
static rte_iova_t xlate_max;
static bool xlate_max_stale;

/* Modes of a reverse-table removal. */
enum xlate_del_mode {
	XLATE_DEL_PREPARE, /* allocate what the removal needs */
	XLATE_DEL_COMMIT,  /* remove */
	XLATE_DEL_COARSE,  /* remove whole 2 MiB ranges, allocating nothing */
};

typedef int (*xlate_piece_fn)(struct dmamap_xtable *x, uint64_t key,
		uint64_t len, uint64_t val, void *arg);

/*
 * Blocks.
 */

/* Blocks come from anonymous mappings: zeroed, and never returned. */
static int
xlate_pool_grow(void)
{
	void *pool;

	pool = mmap(NULL, XLATE_POOL_SIZE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool == MAP_FAILED) {
		DMAMAP_LOG(ERR, "no memory for translation blocks: %s",
			strerror(errno));
		return -ENOMEM;
	}
	xlate_pool_next = pool;
	xlate_pool_end = xlate_pool_next + XLATE_POOL_SIZE;
	return 0;
}

/* A zeroed block of XLATE_N entries; never freed. */
static void *
xlate_block_alloc(void)
{
	void *blk;

	if (xlate_pool_next == xlate_pool_end && xlate_pool_grow() < 0)
		return NULL;
	blk = xlate_pool_next;
	xlate_pool_next += XLATE_BLOCK_SIZE;
	__atomic_store_n(&xlate_bytes, xlate_bytes + XLATE_BLOCK_SIZE,
		__ATOMIC_RELAXED);
	return blk;
}

static inline unsigned int
xlate_l2_idx(uint64_t key)
{
	return (key >> RTE_DMAMAP_XLATE_L2_SHIFT) & (XLATE_N - 1);
}

static inline unsigned int
xlate_l3_idx(uint64_t key)
{
	return (key >> RTE_DMAMAP_XLATE_L3_SHIFT) & (XLATE_N - 1);
}

static inline uint64_t *
xlate_leaves(uint64_t e)
{
	return (uint64_t *)(uintptr_t)(e & ~XLATE_FLAGS);
}

/* The L2 entry of a key, or NULL when its L2 block does not exist. */
static inline uint64_t *
xlate_slot(const struct dmamap_xtable *x, uint64_t key)
{
	uint64_t *l2 = x->t->l1[key >> RTE_DMAMAP_XLATE_L1_SHIFT];

	return l2 == NULL ? NULL : &l2[xlate_l2_idx(key)];
}

/* The L2 block of a key, allocated and published when missing. */
static uint64_t *
xlate_l2_get(struct dmamap_xtable *x, uint64_t key)
{
	uint64_t **l1 = &x->t->l1[key >> RTE_DMAMAP_XLATE_L1_SHIFT];
	uint64_t *l2 = *l1;

	if (l2 != NULL)
		return l2;
	l2 = xlate_block_alloc();
	if (l2 != NULL)
		__atomic_store_n(l1, l2, __ATOMIC_RELEASE);
	return l2;
}

/* The leaf block bound to a key's 2 MiB range, or NULL when none yet. */
static uint64_t *
xlate_shadow(const struct dmamap_xtable *x, uint64_t key)
{
	uint64_t **sh = x->shadow[key >> RTE_DMAMAP_XLATE_L1_SHIFT];

	return sh == NULL ? NULL : sh[xlate_l2_idx(key)];
}

/* The leaf block bound to a key's 2 MiB range, allocated when missing. */
static uint64_t *
xlate_shadow_get(struct dmamap_xtable *x, uint64_t key)
{
	uint64_t ***sh = &x->shadow[key >> RTE_DMAMAP_XLATE_L1_SHIFT];
	uint64_t **leaves;

	if (*sh == NULL) {
		*sh = xlate_block_alloc();
		if (*sh == NULL)
			return NULL;
	}
	leaves = &(*sh)[xlate_l2_idx(key)];
	if (*leaves == NULL)
		*leaves = xlate_block_alloc();
	return *leaves;
}

/*
 * Pieces: a key range cut at 2 MiB boundaries, the unit entries are kept in.
 */

static int
xlate_for_pieces(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, xlate_piece_fn fn, void *arg)
{
	uint64_t end = key + len, l;
	int ret;

	while (key < end) {
		l = RTE_MIN(RTE_ALIGN_FLOOR(key, XLATE_CHUNK) + XLATE_CHUNK,
			end) - key;
		ret = fn(x, key, l, val, arg);
		if (ret != 0)
			return ret;
		key += l;
		if (val != RTE_BAD_IOVA)
			val += l;
	}
	return 0;
}

/* How a leaf compares with the value expected (RTE_BAD_IOVA: any). */
static inline unsigned int
xlate_seen(uint64_t leaf, uint64_t off, uint64_t val)
{
	if (!(leaf & XLATE_LEAF))
		return XLATE_SEEN_FREE;
	if (val == RTE_BAD_IOVA || (leaf & ~XLATE_FLAGS) + off == val)
		return XLATE_SEEN_MATCH;
	return XLATE_SEEN_OTHER;
}

static int
xlate_scan_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	const uint64_t *slot = xlate_slot(x, key);
	uint64_t e = slot == NULL ? 0 : *slot;
	unsigned int *seen = arg;
	const uint64_t *leaves;
	uint64_t off;

	if (e & XLATE_LEAF) {
		*seen |= xlate_seen(e, key & (XLATE_CHUNK - 1), val);
		return 0;
	}
	if (!(e & XLATE_TABLE)) {
		*seen |= XLATE_SEEN_FREE;
		return 0;
	}
	leaves = xlate_leaves(e);
	for (off = 0; off < len; off += XLATE_PAGE)
		*seen |= xlate_seen(leaves[xlate_l3_idx(key + off)], 0,
			val == RTE_BAD_IOVA ? val : val + off);
	return 0;
}

/* XLATE_SEEN_* flags of [key, key + len) against values from val. */
static unsigned int
xlate_scan(struct dmamap_xtable *x, uint64_t key, uint64_t len, uint64_t val)
{
	unsigned int seen = 0;

	xlate_for_pieces(x, key, len, val, xlate_scan_piece, &seen);
	return seen;
}

/*
 * Setting entries.
 */

static int
xlate_prepare_set_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	if (xlate_l2_get(x, key) == NULL)
		return -ENOMEM;
	if (len < XLATE_CHUNK && xlate_shadow_get(x, key) == NULL)
		return -ENOMEM;
	return 0;
}

/* A block of 4 KiB leaves that became whole and contiguous: one leaf. */
static void
xlate_promote(uint64_t *slot, const uint64_t *leaves)
{
	uint64_t first = leaves[0];
	unsigned int i;

	if (!(first & XLATE_LEAF) || !(leaves[XLATE_N - 1] & XLATE_LEAF))
		return;
	for (i = 1; i < XLATE_N; i++)
		if (leaves[i] != first + i * XLATE_PAGE)
			return;
	__atomic_store_n(slot, first, __ATOMIC_RELEASE);
}

/* Set a piece the scan found free; its blocks were prepared. */
static int
xlate_set_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	uint64_t *slot = xlate_slot(x, key), *leaves, off, e = *slot;
	unsigned int i;

	if (len == XLATE_CHUNK) {
		__atomic_store_n(slot, val | XLATE_LEAF, __ATOMIC_RELEASE);
		return 0;
	}
	leaves = xlate_shadow(x, key);
	if (!(e & XLATE_TABLE)) /* unpublished: clear what an old use left */
		for (i = 0; i < XLATE_N; i++)
			__atomic_store_n(&leaves[i], 0, __ATOMIC_RELAXED);
	for (off = 0; off < len; off += XLATE_PAGE)
		__atomic_store_n(&leaves[xlate_l3_idx(key + off)],
			(val + off) | XLATE_LEAF, __ATOMIC_RELAXED);
	if (e & XLATE_TABLE)
		xlate_promote(slot, leaves);
	else
		__atomic_store_n(slot, (uintptr_t)leaves | XLATE_TABLE,
			__ATOMIC_RELEASE);
	return 0;
}

/*
 * Clearing entries.
 */

static int
xlate_prepare_clear_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	const uint64_t *slot = xlate_slot(x, key);

	if (slot == NULL || len == XLATE_CHUNK || !(*slot & XLATE_LEAF))
		return 0;
	return xlate_shadow_get(x, key) == NULL ? -ENOMEM : 0;
}

/* Turn a 2 MiB leaf back into its block of 4 KiB leaves (prepared). */
static uint64_t
xlate_demote(struct dmamap_xtable *x, uint64_t key, uint64_t *slot, uint64_t e)
{
	uint64_t *leaves = xlate_shadow(x, key);
	unsigned int i;

	for (i = 0; i < XLATE_N; i++)
		__atomic_store_n(&leaves[i], e + i * XLATE_PAGE,
			__ATOMIC_RELAXED);
	e = (uintptr_t)leaves | XLATE_TABLE;
	__atomic_store_n(slot, e, __ATOMIC_RELEASE);
	return e;
}

static bool
xlate_leaves_empty(const uint64_t *leaves)
{
	unsigned int i;

	for (i = 0; i < XLATE_N; i++)
		if (leaves[i] & XLATE_LEAF)
			return false;
	return true;
}

static int
xlate_clear_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	uint64_t *slot = xlate_slot(x, key), *leaves, off, e;

	if (slot == NULL || (e = *slot) == 0)
		return 0;
	if (len == XLATE_CHUNK) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		return 0;
	}
	if (e & XLATE_LEAF)
		e = xlate_demote(x, key, slot, e);
	leaves = xlate_leaves(e);
	for (off = 0; off < len; off += XLATE_PAGE)
		__atomic_store_n(&leaves[xlate_l3_idx(key + off)], 0,
			__ATOMIC_RELAXED);
	if (xlate_leaves_empty(leaves))
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Ranges, under xlate_lock.
 */

/* Whether [iova, iova + len) can have reverse entries. */
static bool
xlate_reversible(rte_iova_t iova, uint64_t len)
{
	return iova != RTE_BAD_IOVA && iova < XLATE_KEY_LIMIT &&
		len <= XLATE_KEY_LIMIT - iova;
}

/*
 * Add [va, va + len) -> [iova, iova + len), VA range free. When the IOVA
 * range already has reverse entries: strict fails, else the range gets no
 * reverse entries (EAL memory seen twice through two mappings).
 */
static int
xlate_add_locked(uint64_t va, rte_iova_t iova, uint64_t len, bool strict)
{
	bool rev = xlate_reversible(iova, len);
	int ret;

	if (xlate_scan(&xlate_fwd, va, len, iova) != XLATE_SEEN_FREE)
		return -EEXIST;
	if (rev && xlate_scan(&xlate_rev, iova, len, va) != XLATE_SEEN_FREE) {
		if (strict)
			return -EEXIST;
		DMAMAP_LOG(WARNING, "IOVA 0x%" PRIx64 " len 0x%" PRIx64
			" already maps other memory: no reverse entry for %p",
			iova, len, (void *)(uintptr_t)va);
		rev = false;
	}
	ret = xlate_for_pieces(&xlate_fwd, va, len, iova,
		xlate_prepare_set_piece, NULL);
	if (ret == 0 && rev)
		ret = xlate_for_pieces(&xlate_rev, iova, len, va,
			xlate_prepare_set_piece, NULL);
	if (ret < 0)
		return ret;
	xlate_for_pieces(&xlate_fwd, va, len, iova, xlate_set_piece, NULL);
	if (rev)
		xlate_for_pieces(&xlate_rev, iova, len, va, xlate_set_piece, NULL);
	xlate_max = RTE_MAX(xlate_max, iova + len - 1);
	return 0;
}

static int
xlate_rev_apply(rte_iova_t iova, uint64_t len, enum xlate_del_mode mode)
{
	if (mode == XLATE_DEL_PREPARE)
		return xlate_for_pieces(&xlate_rev, iova, len, RTE_BAD_IOVA,
			xlate_prepare_clear_piece, NULL);
	return xlate_for_pieces(&xlate_rev, iova, len, RTE_BAD_IOVA,
		xlate_clear_piece, NULL);
}

/* Remove the reverse entries of [va, +len) -> iova that map back to va. */
static int
xlate_rev_del_run(uint64_t va, uint64_t len, rte_iova_t iova,
		enum xlate_del_mode mode)
{
	unsigned int seen;
	uint64_t off;
	int ret;

	if (!xlate_reversible(iova, len))
		return 0;
	if (mode == XLATE_DEL_COARSE) {
		off = RTE_ALIGN_FLOOR(iova, XLATE_CHUNK);
		return xlate_rev_apply(off,
			RTE_ALIGN_CEIL(iova + len, XLATE_CHUNK) - off, mode);
	}
	seen = xlate_scan(&xlate_rev, iova, len, va);
	if (seen == XLATE_SEEN_MATCH)
		return xlate_rev_apply(iova, len, mode);
	if (!(seen & XLATE_SEEN_MATCH))
		return 0;
	for (off = 0; off < len; off += XLATE_PAGE) {
		if (xlate_scan(&xlate_rev, iova + off, XLATE_PAGE, va + off) !=
				XLATE_SEEN_MATCH)
			continue;
		ret = xlate_rev_apply(iova + off, XLATE_PAGE, mode);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Reverse side of removing a forward piece: per run of its entries. */
static int
xlate_rev_del_piece(struct dmamap_xtable *x, uint64_t key, uint64_t len,
		uint64_t val, void *arg)
{
	enum xlate_del_mode mode = *(enum xlate_del_mode *)arg;
	const uint64_t *slot = xlate_slot(x, key), *leaves;
	uint64_t e = slot == NULL ? 0 : *slot, leaf, off;
	int ret;

	if (e & XLATE_LEAF)
		return xlate_rev_del_run(key, len, (e & ~XLATE_FLAGS) +
			(key & (XLATE_CHUNK - 1)), mode);
	if (!(e & XLATE_TABLE))
		return 0;
	leaves = xlate_leaves(e);
	for (off = 0; off < len; off += XLATE_PAGE) {
		leaf = leaves[xlate_l3_idx(key + off)];
		if (!(leaf & XLATE_LEAF))
			continue;
		ret = xlate_rev_del_run(key + off, XLATE_PAGE,
			leaf & ~XLATE_FLAGS, mode);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
xlate_rev_del(uint64_t va, uint64_t len, enum xlate_del_mode mode)
{
	return xlate_for_pieces(&xlate_fwd, va, len, RTE_BAD_IOVA,
		xlate_rev_del_piece, &mode);
}

/* Remove whatever is known in [va, va + len), both directions. */
static int
xlate_del_locked(uint64_t va, uint64_t len)
{
	int ret;

	ret = xlate_rev_del(va, len, XLATE_DEL_PREPARE);
	if (ret == 0)
		ret = xlate_for_pieces(&xlate_fwd, va, len, RTE_BAD_IOVA,
			xlate_prepare_clear_piece, NULL);
	if (ret < 0)
		return ret;
	xlate_rev_del(va, len, XLATE_DEL_COMMIT);
	xlate_for_pieces(&xlate_fwd, va, len, RTE_BAD_IOVA, xlate_clear_piece,
		NULL);
	xlate_max_stale = true;
	return 0;
}

/*
 * Memory going away must never keep a translation: without memory to split
 * a 2 MiB leaf, forget the whole 2 MiB ranges around it (their other memory
 * becomes unknown, which is safe).
 */
static void
xlate_del_force(uint64_t va, uint64_t len)
{
	uint64_t start = RTE_ALIGN_FLOOR(va, XLATE_CHUNK);
	uint64_t end = RTE_ALIGN_CEIL(va + len, XLATE_CHUNK);

	if (xlate_del_locked(va, len) == 0)
		return;
	DMAMAP_LOG(ERR, "no memory to remove %p len 0x%" PRIx64
		" exactly: forgetting [%p, %p)", (void *)(uintptr_t)va, len,
		(void *)(uintptr_t)start, (void *)(uintptr_t)end);
	xlate_rev_del(start, end - start, XLATE_DEL_COARSE);
	xlate_for_pieces(&xlate_fwd, start, end - start, RTE_BAD_IOVA,
		xlate_clear_piece, NULL);
	xlate_max_stale = true;
}

/* Last IOVA of a forward entry. */
static rte_iova_t
xlate_entry_last(uint64_t e, uint64_t size)
{
	return (e & ~XLATE_FLAGS) + size - 1;
}

static rte_iova_t
xlate_l2_max(const uint64_t *l2)
{
	const uint64_t *leaves;
	rte_iova_t max = 0;
	unsigned int i, j;

	for (i = 0; i < XLATE_N; i++) {
		if (l2[i] & XLATE_LEAF) {
			max = RTE_MAX(max, xlate_entry_last(l2[i], XLATE_CHUNK));
			continue;
		}
		if (!(l2[i] & XLATE_TABLE))
			continue;
		leaves = xlate_leaves(l2[i]);
		for (j = 0; j < XLATE_N; j++)
			if (leaves[j] & XLATE_LEAF)
				max = RTE_MAX(max,
					xlate_entry_last(leaves[j], XLATE_PAGE));
	}
	return max;
}

/* Highest IOVA over the forward table, after removals. */
static rte_iova_t
xlate_max_scan(void)
{
	rte_iova_t max = 0;
	unsigned int i;

	for (i = 0; i < RTE_DMAMAP_XLATE_L1_SIZE; i++)
		if (xlate_fwd.t->l1[i] != NULL)
			max = RTE_MAX(max, xlate_l2_max(xlate_fwd.t->l1[i]));
	return max;
}

/*
 * EAL memory.
 */

/* Add a memseg (or part of one) EAL reports; known memory is left alone. */
static void
xlate_add_eal(uint64_t va, rte_iova_t iova, uint64_t len)
{
	unsigned int seen;
	int ret;

	if (iova == RTE_BAD_IOVA) /* EAL does not know its IOVA: nor do we */
		return;
	if (((va | iova | len) & (XLATE_PAGE - 1)) != 0 ||
			va >= XLATE_KEY_LIMIT || len > XLATE_KEY_LIMIT - va) {
		DMAMAP_LOG(ERR, "memory %p IOVA 0x%" PRIx64 " len 0x%" PRIx64
			" cannot be translated", (void *)(uintptr_t)va, iova, len);
		return;
	}
	rte_spinlock_lock(&xlate_lock);
	seen = xlate_scan(&xlate_fwd, va, len, iova);
	if (seen == XLATE_SEEN_FREE)
		ret = xlate_add_locked(va, iova, len, false);
	else
		ret = seen == XLATE_SEEN_MATCH ? 0 : -EEXIST;
	rte_spinlock_unlock(&xlate_lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "cannot add memory %p IOVA 0x%" PRIx64
			" len 0x%" PRIx64 ": %s", (void *)(uintptr_t)va, iova,
			len, rte_strerror(-ret));
}

static void
xlate_event_alloc(const void *addr, size_t len)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	const struct rte_memseg *ms;
	size_t done;

	if (msl == NULL) {
		DMAMAP_LOG(ERR, "EAL reports memory %p EAL does not know", addr);
		return;
	}
	/* The event covers consecutive memsegs of one list. */
	ms = rte_mem_virt2memseg(addr, msl);
	for (done = 0; ms != NULL && done < len; done += ms->len, ms++)
		xlate_add_eal(ms->addr_64, ms->iova, ms->len);
}

static void
xlate_event_free(const void *addr, size_t len)
{
	uint64_t va = (uintptr_t)addr;

	if (va >= XLATE_KEY_LIMIT || len > XLATE_KEY_LIMIT - va)
		return;
	rte_spinlock_lock(&xlate_lock);
	xlate_del_force(RTE_ALIGN_FLOOR(va, XLATE_PAGE),
		RTE_ALIGN_CEIL(va + len, XLATE_PAGE) -
			RTE_ALIGN_FLOOR(va, XLATE_PAGE));
	rte_spinlock_unlock(&xlate_lock);
}

/* Called by EAL with its memory lock held: no EAL walks from here. */
static void
xlate_mem_event(enum rte_mem_event type, const void *addr, size_t len,
		void *arg)
{
	if (type == RTE_MEM_EVENT_ALLOC)
		xlate_event_alloc(addr, len);
	else
		xlate_event_free(addr, len);
}

static int
xlate_walk_list(const struct rte_memseg_list *msl, void *arg)
{
	struct rte_fbarray *arr = (struct rte_fbarray *)(uintptr_t)&msl->memseg_arr;
	const struct rte_memseg *ms;
	int idx;

	/*
	 * A secondary maps an external list only once the application
	 * attaches it; its array may not be mapped here.
	 */
	if (msl->external && rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(DEBUG, "skipping external memory at %p",
			msl->base_va);
		return 0;
	}
	for (idx = rte_fbarray_find_next_used(arr, 0); idx >= 0;
			idx = rte_fbarray_find_next_used(arr, idx + 1)) {
		ms = rte_fbarray_get(arr, idx);
		xlate_add_eal(ms->addr_64, ms->iova, ms->len);
	}
	return 0;
}

/*
 * The argument tells apart two copies of the library in one process (an
 * application linked statically, a driver loaded with the shared library).
 */
static int
xlate_events_register(void)
{
	if (rte_mem_event_callback_register(XLATE_EVENT_NAME, xlate_mem_event,
			&xlate_fwd) == 0 || rte_errno == EEXIST) {
		xlate_events = true;
		return 0;
	}
	if (rte_errno == ENOTSUP) {
		DMAMAP_LOG(INFO, "no memory events (legacy memory): translation tables built once");
		return 0;
	}
	DMAMAP_LOG(ERR, "cannot register memory event callback: %s",
		rte_strerror(rte_errno));
	return -rte_errno;
}

/*
 * Under EAL's memory lock, so no memory changes between the walk and the
 * first event.
 */
static int
xlate_build(void)
{
	int ret;

	rte_mcfg_mem_read_lock();
	ret = xlate_events_register();
	if (ret == 0) {
		rte_memseg_list_walk_thread_unsafe(xlate_walk_list, NULL);
		__atomic_store_n(&xlate_ready, 1, __ATOMIC_RELEASE);
	}
	rte_mcfg_mem_read_unlock();
	return ret;
}

int
dmamap_xlate_init(void)
{
	int ret = 0;

	if (likely(__atomic_load_n(&xlate_ready, __ATOMIC_ACQUIRE)))
		return 0;
	/* EAL settles the IOVA mode just before it maps memory. */
	if (rte_eal_iova_mode() == RTE_IOVA_DC) {
		DMAMAP_LOG(ERR, "EAL is not initialized");
		return -EAGAIN;
	}
	rte_spinlock_lock(&xlate_init_lock);
	if (!__atomic_load_n(&xlate_ready, __ATOMIC_ACQUIRE))
		ret = xlate_build();
	rte_spinlock_unlock(&xlate_init_lock);
	return ret;
}

RTE_FINI(dmamap_xlate_fini)
{
	/* The callback must not outlive the library's code. */
	if (xlate_events)
		rte_mem_event_callback_unregister(XLATE_EVENT_NAME, &xlate_fwd);
}

/*
 * Internal interface.
 */

static bool
xlate_range_ok(uint64_t va, uint64_t len)
{
	return va != 0 && len != 0 && ((va | len) & (XLATE_PAGE - 1)) == 0 &&
		va < XLATE_KEY_LIMIT && len <= XLATE_KEY_LIMIT - va;
}

int
dmamap_xlate_add(const void *va, rte_iova_t iova, size_t len)
{
	int ret;

	if (!xlate_range_ok((uintptr_t)va, len) || iova == RTE_BAD_IOVA ||
			(iova & (XLATE_PAGE - 1)) || iova + len - 1 < iova) {
		DMAMAP_LOG(ERR, "bad range %p IOVA 0x%" PRIx64 " len 0x%zx",
			va, iova, len);
		return -EINVAL;
	}
	ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&xlate_lock);
	ret = xlate_add_locked((uintptr_t)va, iova, len, true);
	rte_spinlock_unlock(&xlate_lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "cannot add %p IOVA 0x%" PRIx64 " len 0x%zx: %s",
			va, iova, len, ret == -EEXIST ?
			"overlaps known memory" : rte_strerror(-ret));
	return ret;
}

int
dmamap_xlate_del(const void *va, size_t len)
{
	int ret;

	if (!xlate_range_ok((uintptr_t)va, len)) {
		DMAMAP_LOG(ERR, "bad range %p len 0x%zx", va, len);
		return -EINVAL;
	}
	ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&xlate_lock);
	if (xlate_scan(&xlate_fwd, (uintptr_t)va, len, RTE_BAD_IOVA) !=
			XLATE_SEEN_MATCH)
		ret = -ENOENT;
	else
		ret = xlate_del_locked((uintptr_t)va, len);
	rte_spinlock_unlock(&xlate_lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "cannot remove %p len 0x%zx: %s", va, len,
			ret == -ENOENT ? "not all of it is known" :
			rte_strerror(-ret));
	return ret;
}

size_t
dmamap_xlate_mem_used(void)
{
	return __atomic_load_n(&xlate_bytes, __ATOMIC_RELAXED);
}

rte_iova_t
dmamap_xlate_max_iova(void)
{
	rte_iova_t max;

	dmamap_xlate_init();
	rte_spinlock_lock(&xlate_lock);
	if (xlate_max_stale) {
		xlate_max = xlate_max_scan();
		xlate_max_stale = false;
	}
	max = xlate_max;
	rte_spinlock_unlock(&xlate_lock);
	return max;
}

/*
 * Public interface.
 */

rte_iova_t
rte_dmamap_virt2iova(const void *va)
{
	rte_iova_t iova;

	iova = rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, (uintptr_t)va);
	if (likely(iova != RTE_BAD_IOVA))
		return iova;
	if (!__atomic_load_n(&xlate_ready, __ATOMIC_ACQUIRE) &&
			dmamap_xlate_init() == 0)
		iova = rte_dmamap_xlate_lookup(rte_dmamap_xlate_va,
			(uintptr_t)va);
	if (iova == RTE_BAD_IOVA) {
		rte_errno = va == NULL ? EINVAL : ENOENT;
		DMAMAP_LOG(DEBUG, "no IOVA for %p", va);
	}
	return iova;
}

void *
rte_dmamap_iova2virt(rte_iova_t iova)
{
	uint64_t va;

	va = rte_dmamap_xlate_lookup(rte_dmamap_xlate_iova, iova);
	if (va == RTE_BAD_IOVA && !__atomic_load_n(&xlate_ready,
			__ATOMIC_ACQUIRE) && dmamap_xlate_init() == 0)
		va = rte_dmamap_xlate_lookup(rte_dmamap_xlate_iova, iova);
	if (va == RTE_BAD_IOVA) {
		rte_errno = ENOENT;
		DMAMAP_LOG(DEBUG, "no memory at IOVA 0x%" PRIx64, iova);
		return NULL;
	}
	return (void *)(uintptr_t)va;
}

/* Check the arguments of rte_dmamap_extmem_register(). */
static int
xlate_extmem_check(const void *va, size_t len, const rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t pgsz)
{
	unsigned int i;

	if (pgsz != DMAMAP_PAGE_4K && pgsz != DMAMAP_PAGE_2M &&
			pgsz != DMAMAP_PAGE_1G) {
		DMAMAP_LOG(ERR, "page size 0x%zx is not 4 KiB, 2 MiB or 1 GiB",
			pgsz);
		return -EINVAL;
	}
	if (!xlate_range_ok((uintptr_t)va, len) || (((uintptr_t)va | len) &
			(pgsz - 1)) != 0) {
		DMAMAP_LOG(ERR, "area %p len 0x%zx is not aligned to its page size 0x%zx",
			va, len, pgsz);
		return -EINVAL;
	}
	if (iova_addrs == NULL)
		return 0;
	if (n_pages != len / pgsz) {
		DMAMAP_LOG(ERR, "%u IOVAs for %zu pages", n_pages, len / pgsz);
		return -EINVAL;
	}
	for (i = 0; i < n_pages; i++) {
		if (iova_addrs[i] == RTE_BAD_IOVA || (iova_addrs[i] &
				(XLATE_PAGE - 1)) != 0 ||
				iova_addrs[i] + pgsz - 1 < iova_addrs[i]) {
			DMAMAP_LOG(ERR, "page %u: bad IOVA 0x%" PRIx64, i,
				iova_addrs[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* The IOVA of each page, as EAL wants them; VA when none are given. */
static rte_iova_t *
xlate_extmem_iovas(void *va, size_t len, const rte_iova_t iova_addrs[],
		size_t pgsz)
{
	size_t i, n = len / pgsz;
	rte_iova_t *iovas;

	if (iova_addrs != NULL) /* EAL reads them only */
		return (rte_iova_t *)(uintptr_t)iova_addrs;
	iovas = malloc(n * sizeof(*iovas));
	if (iovas == NULL) {
		DMAMAP_LOG(ERR, "no memory for %zu IOVAs", n);
		return NULL;
	}
	for (i = 0; i < n; i++)
		iovas[i] = (uintptr_t)va + i * pgsz;
	return iovas;
}

/* Add every page to the tables, run by run of contiguous IOVAs; all or none. */
static int
xlate_extmem_add(uint64_t va, const rte_iova_t iovas[], size_t n, size_t pgsz)
{
	size_t i, j;
	int ret = 0;

	rte_spinlock_lock(&xlate_lock);
	for (i = 0; i < n && ret == 0; i = j) {
		for (j = i + 1; j < n && iovas[j] == iovas[j - 1] + pgsz; j++)
			;
		ret = xlate_add_locked(va + i * pgsz, iovas[i], (j - i) * pgsz,
			true);
		if (ret < 0 && i > 0)
			xlate_del_locked(va, i * pgsz);
	}
	rte_spinlock_unlock(&xlate_lock);
	return ret;
}

int
rte_dmamap_extmem_register(void *va, size_t len, const rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t pgsz)
{
	rte_iova_t *iovas;
	int ret;

	ret = xlate_extmem_check(va, len, iova_addrs, n_pages, pgsz);
	if (ret == 0)
		ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	iovas = xlate_extmem_iovas(va, len, iova_addrs, pgsz);
	if (iovas == NULL)
		return -ENOMEM;
	ret = xlate_extmem_add((uintptr_t)va, iovas, len / pgsz, pgsz);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "cannot register %p len 0x%zx: %s", va, len,
			ret == -EEXIST ? "overlaps known memory" :
			rte_strerror(-ret));
	} else if (rte_extmem_register(va, len, iovas, len / pgsz, pgsz) < 0) {
		ret = -rte_errno;
		DMAMAP_LOG(ERR, "EAL refused memory %p len 0x%zx: %s", va, len,
			rte_strerror(rte_errno));
		rte_spinlock_lock(&xlate_lock);
		xlate_del_force((uintptr_t)va, len);
		rte_spinlock_unlock(&xlate_lock);
	}
	if (iova_addrs == NULL)
		free(iovas);
	return ret;
}

/* Whether [va, +len) is all known and external memory outside any heap. */
static bool
xlate_extmem_known(void *va, size_t len)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(va);
	unsigned int seen;

	if (msl == NULL || !msl->external || msl->heap)
		return false;
	rte_spinlock_lock(&xlate_lock);
	seen = xlate_scan(&xlate_fwd, (uintptr_t)va, len, RTE_BAD_IOVA);
	rte_spinlock_unlock(&xlate_lock);
	return seen == XLATE_SEEN_MATCH;
}

int
rte_dmamap_extmem_unregister(void *va, size_t len)
{
	bool known;
	int ret;

	if (!xlate_range_ok((uintptr_t)va, len)) {
		DMAMAP_LOG(ERR, "bad range %p len 0x%zx", va, len);
		return -EINVAL;
	}
	ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	known = xlate_extmem_known(va, len);
	if (!known || rte_extmem_unregister(va, len) < 0) {
		ret = !known || rte_errno == ENOENT ? -ENOENT : -EBUSY;
		DMAMAP_LOG(ERR, "cannot unregister %p len 0x%zx: %s", va, len,
			ret == -ENOENT ? "not registered" : rte_strerror(rte_errno));
		return ret;
	}
	rte_spinlock_lock(&xlate_lock);
	xlate_del_force((uintptr_t)va, len);
	rte_spinlock_unlock(&xlate_lock);
	return 0;
}
