/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Bounce pools, after the kernel's swiotlb.
 *
 * A pool is memory under a device's mask (dmamap_lowmem.c) cut into slots of
 * DMAMAP_BOUNCE_SLOT bytes. A mapping takes contiguous slots and remembers
 * the buffer it stands for; the data moves between the buffer and the slots
 * only at map, sync and unmap, with the kernel's rules:
 *
 *   map                  copy in, whatever the direction: the device must
 *                        never see what an earlier user left in the slots;
 *   sync for the device  copy in for TO_DEVICE and BIDIRECTIONAL;
 *   sync for the CPU     copy out for FROM_DEVICE and BIDIRECTIONAL;
 *   unmap                copy out for FROM_DEVICE and BIDIRECTIONAL.
 *
 * Allocation state lives in the pool's memzone so that every process sees
 * it, behind one spinlock that is never held during a copy. Free slots are
 * found in a bitmap by next fit from a rotating index, so a search starts
 * where free slots are likely; freeing the most recent mapping moves the
 * index back to it, so a map/unmap cycle keeps reusing cache-warm slots.
 *
 * Mappings of one slot (buffers up to 2 KiB, packets mostly) take no lock.
 * Any atomic instruction right after a copy waits for the copy's stores to
 * drain, which made taking the lock cost as much as copying 2 KiB. So each
 * lcore of the primary process keeps a magazine of free slots (the kernel's
 * IOVA rcache has per-CPU magazines for the same reason): a one-slot map
 * pops a slot, its unmap pushes it back, and the magazine is refilled from
 * or emptied into the pool in batches under the lock. A map that finds the
 * pool empty fails at once (ENOSPC) as swiotlb does, and puts the pool under
 * pressure: every lcore gives its magazine back at its next call and all
 * allocation goes through the lock, so no lcore hoards slots another one
 * waits for, until a quarter of the pool is free again. Other threads and
 * secondary processes (whose lcore ids may repeat the primary's) always go
 * through the lock.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "dmamap_private.h"

#define BOUNCE_MAGIC UINT64_C(0x626f756e63653031) /* "bounce01" */
#define BOUNCE_NONE UINT32_MAX
#define BOUNCE_LM_SUFFIX "_lm"
#define BOUNCE_NAME_MAX (RTE_MEMZONE_NAMESIZE - sizeof(BOUNCE_LM_SUFFIX))

/* Per mapping, kept at the mapping's first slot. */
struct bounce_map {
	uint64_t orig;     /* address of the original buffer */
	uint64_t len;      /* bytes mapped */
	uint32_t nb_slots;
	uint8_t dir;       /* enum rte_dmamap_dir of the map */
	uint8_t live;      /* mapped: unmap and sync accepted */
};

/*
 * Free slots an lcore keeps, taken from or given back to the pool by half
 * a magazine at a time: 64 KiB of the pool per lcore at most.
 */
#define BOUNCE_MAG_SIZE 32
#define BOUNCE_MAG_BATCH (BOUNCE_MAG_SIZE / 2)

/* Written by its lcore only; flush is set by a lock holder. */
struct bounce_mag {
	uint32_t count;
	uint32_t flush;            /* give every slot back at the next call */
	uint32_t slots[BOUNCE_MAG_SIZE];
} __rte_cache_aligned;

struct dmamap_bounce_pool {
	uint64_t magic;
	char name[RTE_MEMZONE_NAMESIZE];
	char lm_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct dmamap_lowmem *lm;
	uint8_t *va;
	rte_iova_t iova;
	size_t size;
	uint32_t nb_slots;
	pid_t owner;
	uint64_t *bitmap;          /* one bit per slot, set when in use */
	uint32_t *head;            /* per slot: first slot of its mapping */
	struct bounce_map *maps;   /* per slot, meaningful at a head */

	/* Written under the lock. */
	rte_spinlock_t lock __rte_cache_aligned;
	uint32_t next;             /* where the next search starts */
	uint32_t used;             /* slots in use or in magazines */
	uint32_t pressure;         /* full lately: magazines not used */
	uint64_t full_refused;     /* maps refused since the last report */
	uint64_t full_reported;    /* timer cycles of the last report */

	struct bounce_mag mags[RTE_MAX_LCORE];
};

static uint32_t
bounce_nb_slots(size_t len)
{
	return (len + DMAMAP_BOUNCE_SLOT - 1) / DMAMAP_BOUNCE_SLOT;
}

static void *
bounce_slot_va(const struct dmamap_bounce_pool *pool, uint32_t slot)
{
	return pool->va + (size_t)slot * DMAMAP_BOUNCE_SLOT;
}

static rte_iova_t
bounce_slot_iova(const struct dmamap_bounce_pool *pool, uint32_t slot)
{
	return pool->iova + (uint64_t)slot * DMAMAP_BOUNCE_SLOT;
}

static bool
bounce_dir_copies_in(enum rte_dmamap_dir dir)
{
	return dir == RTE_DMAMAP_TO_DEVICE || dir == RTE_DMAMAP_BIDIRECTIONAL;
}

static bool
bounce_dir_copies_out(enum rte_dmamap_dir dir)
{
	return dir == RTE_DMAMAP_FROM_DEVICE || dir == RTE_DMAMAP_BIDIRECTIONAL;
}

/*
 * The pool lock. Taking it is one atomic exchange; releasing it needs only
 * a release store, where rte_spinlock_unlock() on x86 does a second
 * exchange.
 */
static inline void
bounce_lock(struct dmamap_bounce_pool *pool)
{
	rte_spinlock_lock(&pool->lock);
}

static inline void
bounce_unlock(struct dmamap_bounce_pool *pool)
{
	__atomic_store_n(&pool->lock.locked, 0, __ATOMIC_RELEASE);
}

/*
 * Slot bitmap.
 */

/* First slot in [pos, end) whose bit equals set; end when none. */
static inline uint32_t
bounce_bit_find(const uint64_t *bm, uint32_t pos, uint32_t end, bool set)
{
	uint64_t w;

	while (pos < end) {
		w = set ? bm[pos / 64] : ~bm[pos / 64];
		w &= ~UINT64_C(0) << (pos % 64);
		if (w != 0)
			return RTE_MIN((pos & ~63u) + (uint32_t)__builtin_ctzll(w), end);
		pos = (pos & ~63u) + 64;
	}
	return end;
}

static void
bounce_bits_update(uint64_t *bm, uint32_t first, uint32_t n, bool set)
{
	uint32_t pos = first, end = first + n, bits;
	uint64_t m;

	while (pos < end) {
		bits = RTE_MIN(end - pos, 64 - pos % 64);
		m = (bits == 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1) << (pos % 64);
		if (set)
			bm[pos / 64] |= m;
		else
			bm[pos / 64] &= ~m;
		pos += bits;
	}
}

/* First run of n free slots wholly in [lo, hi), or BOUNCE_NONE. */
static uint32_t
bounce_search(const struct dmamap_bounce_pool *pool, uint32_t lo, uint32_t hi,
		uint32_t n)
{
	uint32_t pos = lo, busy;

	while (pos < hi && hi - pos >= n) {
		pos = bounce_bit_find(pool->bitmap, pos, hi, false);
		if (hi - pos < n)
			break;
		busy = bounce_bit_find(pool->bitmap, pos, pos + n, true);
		if (busy == pos + n)
			return pos;
		pos = busy + 1;
	}
	return BOUNCE_NONE;
}

/* Next fit: from the rotating index to the end, then from the start. */
static uint32_t
bounce_find(const struct dmamap_bounce_pool *pool, uint32_t n)
{
	uint32_t slot;

	slot = bounce_search(pool, pool->next, pool->nb_slots, n);
	if (slot == BOUNCE_NONE && pool->next > 0)
		slot = bounce_search(pool, 0,
			RTE_MIN(pool->nb_slots, pool->next + n - 1), n);
	return slot;
}

/*
 * Mapping state.
 */

/* Record a mapping on slots its caller owns. */
static void
bounce_record(struct dmamap_bounce_pool *pool, uint32_t slot, uint32_t n,
		const void *va, size_t len, enum rte_dmamap_dir dir)
{
	struct bounce_map *m = &pool->maps[slot];
	uint32_t i;

	for (i = slot; i < slot + n; i++)
		pool->head[i] = slot;
	m->orig = (uintptr_t)va;
	m->len = len;
	m->nb_slots = n;
	m->dir = dir;
	m->live = 1;
}

/* Under the lock: mark slots in use, moving the rotating index past. */
static void
bounce_take(struct dmamap_bounce_pool *pool, uint32_t slot, uint32_t n)
{
	bounce_bits_update(pool->bitmap, slot, n, true);
	pool->used += n;
	pool->next = slot + n == pool->nb_slots ? 0 : slot + n;
}

/* Under the lock: mark slots free. */
static void
bounce_put_back(struct dmamap_bounce_pool *pool, uint32_t slot, uint32_t n)
{
	bounce_bits_update(pool->bitmap, slot, n, false);
	pool->used -= n;
	if (pool->pressure && pool->used <= pool->nb_slots - pool->nb_slots / 4)
		__atomic_store_n(&pool->pressure, 0, __ATOMIC_RELAXED);
	/* The slots taken last come back first: reuse them while warm. */
	if (slot + n == pool->next || (pool->next == 0 && slot + n == pool->nb_slots))
		pool->next = slot;
}

/* Under the lock: end a mapping and free its slots. */
static void
bounce_release(struct dmamap_bounce_pool *pool, uint32_t slot)
{
	uint32_t i, n = pool->maps[slot].nb_slots;

	/* Freed already: a concurrent double unmap, freed once. */
	if (pool->head[slot] != slot)
		return;
	pool->maps[slot].live = 0;
	for (i = slot; i < slot + n; i++)
		pool->head[i] = BOUNCE_NONE;
	bounce_put_back(pool, slot, n);
}

/*
 * Magazines.
 */

/* Whether this is the primary process; asked once, it never changes. */
static inline bool
bounce_in_primary(void)
{
	static int primary = -1;

	if (unlikely(primary < 0))
		primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	return primary;
}

/* The calling lcore's magazine, or NULL when it has none. */
static inline struct bounce_mag *
bounce_mag_of(struct dmamap_bounce_pool *pool)
{
	unsigned int lcore = rte_lcore_id();

	if (lcore >= RTE_MAX_LCORE || !bounce_in_primary())
		return NULL;
	return &pool->mags[lcore];
}

static inline void
bounce_mag_set_count(struct bounce_mag *mag, uint32_t count)
{
	/* Read by dmamap_bounce_used() on other threads. */
	__atomic_store_n(&mag->count, count, __ATOMIC_RELAXED);
}

/* Under the lock: give back the n slots at the bottom (the coldest). */
static void
bounce_mag_empty(struct dmamap_bounce_pool *pool, struct bounce_mag *mag,
		uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		bounce_put_back(pool, mag->slots[i], 1);
	memmove(mag->slots, mag->slots + n, (mag->count - n) * sizeof(uint32_t));
	bounce_mag_set_count(mag, mag->count - n);
}

/* Under the lock: take up to a batch of free slots, lowest on top. */
static void
bounce_mag_fill(struct dmamap_bounce_pool *pool, struct bounce_mag *mag)
{
	uint32_t got[BOUNCE_MAG_BATCH], n = 0, slot;

	while (n < BOUNCE_MAG_BATCH &&
			(slot = bounce_find(pool, 1)) != BOUNCE_NONE) {
		bounce_take(pool, slot, 1);
		got[n++] = slot;
	}
	while (n > 0)
		mag->slots[mag->count++] = got[--n];
	bounce_mag_set_count(mag, mag->count);
}

/*
 * Under the lock, the pool found full: ask every lcore holding free slots
 * to give them back, and keep slots out of magazines for a while.
 */
static void
bounce_mag_request_flush(struct dmamap_bounce_pool *pool)
{
	unsigned int i;

	__atomic_store_n(&pool->pressure, 1, __ATOMIC_RELAXED);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (__atomic_load_n(&pool->mags[i].count, __ATOMIC_RELAXED) > 0)
			__atomic_store_n(&pool->mags[i].flush, 1, __ATOMIC_RELAXED);
}

/* Give every slot back if a lock holder asked for them. */
static inline void
bounce_mag_check_flush(struct dmamap_bounce_pool *pool, struct bounce_mag *mag)
{
	if (likely(!__atomic_load_n(&mag->flush, __ATOMIC_RELAXED)))
		return;
	bounce_lock(pool);
	bounce_mag_empty(pool, mag, mag->count);
	__atomic_store_n(&mag->flush, 0, __ATOMIC_RELAXED);
	bounce_unlock(pool);
}

/*
 * The magazine a one-slot map or unmap may use, or NULL: go through the
 * lock. Under pressure, give the magazine back first.
 */
static inline struct bounce_mag *
bounce_mag_usable(struct dmamap_bounce_pool *pool)
{
	struct bounce_mag *mag = bounce_mag_of(pool);

	if (mag == NULL)
		return NULL;
	bounce_mag_check_flush(pool, mag);
	if (unlikely(__atomic_load_n(&pool->pressure, __ATOMIC_RELAXED)))
		return NULL;
	return mag;
}

/* The live mapping holding slot, or NULL. */
static struct bounce_map *
bounce_mapping_of(const struct dmamap_bounce_pool *pool, uint32_t slot)
{
	uint32_t h = pool->head[slot];

	if (h == BOUNCE_NONE || !pool->maps[h].live)
		return NULL;
	return &pool->maps[h];
}

/* Report a full pool at most once a second: maps may fail at line rate. */
static void
bounce_report_full(struct dmamap_bounce_pool *pool, uint32_t n)
{
	uint64_t now = rte_get_timer_cycles(), refused;

	pool->full_refused++;
	if (pool->full_reported != 0 &&
			now - pool->full_reported < rte_get_timer_hz())
		return;
	refused = pool->full_refused;
	pool->full_refused = 0;
	pool->full_reported = now;
	DMAMAP_LOG(WARNING, "bounce pool %s full: no %u free slots (%u of %u used),"
		" %" PRIu64 " maps refused", pool->name, n, pool->used,
		pool->nb_slots, refused);
}

/*
 * Streaming operations.
 */

static bool
bounce_map_args_valid(const struct dmamap_bounce_pool *pool, const void *va,
		size_t len, enum rte_dmamap_dir dir)
{
	if (pool == NULL || va == NULL || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "bad arguments: pool %p, va %p, dir %d",
			pool, va, dir);
		return false;
	}
	if (len == 0 || len > pool->size) {
		DMAMAP_LOG(ERR, "bounce pool %s: cannot map %zu bytes (pool %zu)",
			pool->name, len, pool->size);
		return false;
	}
	return true;
}

/* Under the lock: n free slots, freeing magazines before giving up. */
static uint32_t
bounce_alloc_locked(struct dmamap_bounce_pool *pool, struct bounce_mag *mag,
		uint32_t n)
{
	uint32_t slot = bounce_find(pool, n);

	if (unlikely(slot == BOUNCE_NONE) && mag != NULL && mag->count > 0) {
		bounce_mag_empty(pool, mag, mag->count);
		slot = bounce_find(pool, n);
	}
	if (unlikely(slot == BOUNCE_NONE)) {
		bounce_mag_request_flush(pool);
		bounce_report_full(pool, n);
		return BOUNCE_NONE;
	}
	bounce_take(pool, slot, n);
	return slot;
}

/* One slot from the calling lcore's magazine, refilled when empty. */
static inline uint32_t
bounce_alloc_one(struct dmamap_bounce_pool *pool, struct bounce_mag *mag)
{
	if (unlikely(mag->count == 0)) {
		bounce_lock(pool);
		bounce_mag_fill(pool, mag);
		if (mag->count == 0) {
			bounce_mag_request_flush(pool);
			bounce_report_full(pool, 1);
		}
		bounce_unlock(pool);
		if (mag->count == 0)
			return BOUNCE_NONE;
	}
	bounce_mag_set_count(mag, mag->count - 1);
	return mag->slots[mag->count];
}

static uint32_t
bounce_alloc(struct dmamap_bounce_pool *pool, uint32_t n)
{
	struct bounce_mag *mag = n == 1 ? bounce_mag_usable(pool) : NULL;
	uint32_t slot;

	if (mag != NULL)
		return bounce_alloc_one(pool, mag);
	bounce_lock(pool);
	slot = bounce_alloc_locked(pool, bounce_mag_of(pool), n);
	bounce_unlock(pool);
	return slot;
}

rte_iova_t
dmamap_bounce_map(struct dmamap_bounce_pool *pool, void *va, size_t len,
		enum rte_dmamap_dir dir)
{
	uint32_t n, slot;

	if (!bounce_map_args_valid(pool, va, len, dir)) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	n = bounce_nb_slots(len);
	slot = dmamap_fault_hit(DMAMAP_FAULT_BOUNCE_SLOTS) ? BOUNCE_NONE :
		bounce_alloc(pool, n);
	if (unlikely(slot == BOUNCE_NONE)) {
		rte_errno = ENOSPC;
		return RTE_BAD_IOVA;
	}
	bounce_record(pool, slot, n, va, len, dir);
	/* Always, as swiotlb does: the slots may hold an earlier user's data. */
	memcpy(bounce_slot_va(pool, slot), va, len);
	return bounce_slot_iova(pool, slot);
}

/*
 * Slot of an IOVA inside the pool, or BOUNCE_NONE; with whole, the IOVA
 * must start a slot.
 */
static uint32_t
bounce_slot_of(const struct dmamap_bounce_pool *pool, rte_iova_t iova,
		bool whole)
{
	uint64_t off = iova - pool->iova;

	if (iova < pool->iova || off >= pool->size ||
			(whole && off % DMAMAP_BOUNCE_SLOT != 0))
		return BOUNCE_NONE;
	return off / DMAMAP_BOUNCE_SLOT;
}

/*
 * The mapping an unmap of [iova, +len) names, or NULL. Read without the
 * lock: the caller owns the mapping, so nothing else writes it meanwhile.
 */
static struct bounce_map *
bounce_unmap_check(struct dmamap_bounce_pool *pool, rte_iova_t iova,
		size_t len)
{
	uint32_t slot = bounce_slot_of(pool, iova, true);
	struct bounce_map *m;

	m = slot == BOUNCE_NONE ? NULL : bounce_mapping_of(pool, slot);
	if (m == NULL || m != &pool->maps[slot]) {
		DMAMAP_LOG(ERR, "bounce pool %s: unmap of IOVA 0x%" PRIx64
			" that starts no mapping", pool->name, iova);
		return NULL;
	}
	if (m->len != len) {
		DMAMAP_LOG(ERR, "bounce pool %s: unmap of IOVA 0x%" PRIx64
			" with %zu bytes, mapped with %" PRIu64, pool->name,
			iova, len, m->len);
		return NULL;
	}
	return m;
}

/* Free a mapping's slots: a single slot into the lcore's magazine. */
static void
bounce_free(struct dmamap_bounce_pool *pool, uint32_t slot)
{
	struct bounce_mag *mag;

	mag = pool->maps[slot].nb_slots == 1 ? bounce_mag_usable(pool) : NULL;
	if (mag != NULL) {
		pool->maps[slot].live = 0;
		pool->head[slot] = BOUNCE_NONE;
		if (unlikely(mag->count == BOUNCE_MAG_SIZE)) {
			bounce_lock(pool);
			bounce_mag_empty(pool, mag, BOUNCE_MAG_BATCH);
			bounce_unlock(pool);
		}
		mag->slots[mag->count] = slot;
		bounce_mag_set_count(mag, mag->count + 1);
		return;
	}
	bounce_lock(pool);
	bounce_release(pool, slot);
	bounce_unlock(pool);
}

int
dmamap_bounce_unmap(struct dmamap_bounce_pool *pool, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir)
{
	struct bounce_map *m;

	if (pool == NULL || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "bad arguments: pool %p, dir %d", pool, dir);
		return -EINVAL;
	}
	m = bounce_unmap_check(pool, iova, len);
	if (m == NULL)
		return -EINVAL;
	if (bounce_dir_copies_out(dir))
		memcpy((void *)(uintptr_t)m->orig,
			RTE_PTR_ADD(pool->va, iova - pool->iova), len);
	bounce_free(pool, (iova - pool->iova) / DMAMAP_BOUNCE_SLOT);
	return 0;
}

/* Find the mapping holding [iova, iova + len): buffer address and slot. */
static int
bounce_sync_find(struct dmamap_bounce_pool *pool, rte_iova_t iova, size_t len,
		void **orig, void **bounce)
{
	const struct bounce_map *m = NULL;
	uint32_t slot = bounce_slot_of(pool, iova, false);
	uint64_t off;

	bounce_lock(pool);
	if (slot != BOUNCE_NONE)
		m = bounce_mapping_of(pool, slot);
	if (m != NULL) {
		off = iova - bounce_slot_iova(pool, pool->head[slot]);
		if (len <= m->len && off <= m->len - len) {
			*orig = (void *)(uintptr_t)(m->orig + off);
			*bounce = RTE_PTR_ADD(pool->va, iova - pool->iova);
		} else {
			m = NULL;
		}
	}
	bounce_unlock(pool);
	return m == NULL ? -EINVAL : 0;
}

int
dmamap_bounce_sync(struct dmamap_bounce_pool *pool, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, bool for_cpu)
{
	void *orig, *bounce;

	if (pool == NULL || len == 0 || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "bad arguments: pool %p, len %zu, dir %d",
			pool, len, dir);
		return -EINVAL;
	}
	if (bounce_sync_find(pool, iova, len, &orig, &bounce) < 0) {
		DMAMAP_LOG(ERR, "bounce pool %s: sync of [0x%" PRIx64 ", +%zu) "
			"outside any mapping", pool->name, iova, len);
		return -EINVAL;
	}
	if (for_cpu && bounce_dir_copies_out(dir))
		memcpy(orig, bounce, len);
	else if (!for_cpu && bounce_dir_copies_in(dir))
		memcpy(bounce, orig, len);
	return 0;
}

/* Slots of live mappings: those taken, less those in magazines. */
unsigned int
dmamap_bounce_used(const struct dmamap_bounce_pool *pool)
{
	uint32_t used = __atomic_load_n(&pool->used, __ATOMIC_ACQUIRE);
	uint32_t cached = 0;
	unsigned int i;

	/* Read in this order, a concurrent refill can only overstate the use. */
	for (i = 0; i < RTE_MAX_LCORE; i++)
		cached += __atomic_load_n(&pool->mags[i].count, __ATOMIC_ACQUIRE);
	return used > cached ? used - cached : 0;
}

rte_iova_t
dmamap_bounce_pool_iova(const struct dmamap_bounce_pool *pool)
{
	return pool->iova;
}

size_t
dmamap_bounce_pool_size(const struct dmamap_bounce_pool *pool)
{
	return pool->size;
}

/*
 * Creation.
 */

static size_t
bounce_meta_size(uint32_t nb_slots)
{
	return sizeof(struct dmamap_bounce_pool) +
		RTE_ALIGN_CEIL(nb_slots, 64) / 8 +
		(size_t)nb_slots * sizeof(uint32_t) +
		(size_t)nb_slots * sizeof(struct bounce_map) + RTE_CACHE_LINE_SIZE;
}

/* Lay the slot state out after the pool header, every slot free. */
static void
bounce_init(struct dmamap_bounce_pool *pool, uint32_t nb_slots)
{
	uint32_t i;

	pool->nb_slots = nb_slots;
	pool->bitmap = (uint64_t *)(pool + 1);
	pool->head = (uint32_t *)(pool->bitmap + RTE_ALIGN_CEIL(nb_slots, 64) / 64);
	pool->maps = (struct bounce_map *)RTE_PTR_ALIGN_CEIL(pool->head + nb_slots,
		sizeof(uint64_t));
	for (i = 0; i < nb_slots; i++)
		pool->head[i] = BOUNCE_NONE;
	rte_spinlock_init(&pool->lock);
}

static int
bounce_create_check(const char *name, size_t size)
{
	if (name == NULL || name[0] == '\0' ||
			strnlen(name, BOUNCE_NAME_MAX + 1) > BOUNCE_NAME_MAX) {
		DMAMAP_LOG(ERR, "bounce pool name missing or longer than %zu",
			BOUNCE_NAME_MAX);
		return -EINVAL;
	}
	if (size / DMAMAP_BOUNCE_SLOT >= BOUNCE_NONE) {
		DMAMAP_LOG(ERR, "bounce pool %s: size %zu too large", name, size);
		return -EINVAL;
	}
	return 0;
}

struct dmamap_bounce_pool *
dmamap_bounce_create(const char *name, rte_iova_t mask, size_t size,
		int socket_id)
{
	struct dmamap_bounce_pool *pool;
	const struct rte_memzone *mz;
	uint32_t nb_slots;
	int ret;

	if (size == 0)
		size = DMAMAP_BOUNCE_DEFAULT_SIZE;
	ret = bounce_create_check(name, size);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	size = RTE_ALIGN_CEIL(size, DMAMAP_BOUNCE_SLOT);
	nb_slots = size / DMAMAP_BOUNCE_SLOT;
	mz = dmamap_memzone_reserve(name, bounce_meta_size(nb_slots),
		socket_id, 0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "bounce pool %s: no memzone for its state: %s",
			name, rte_strerror(rte_errno));
		return NULL;
	}
	pool = mz->addr;
	memset(pool, 0, bounce_meta_size(nb_slots));
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	snprintf(pool->lm_name, sizeof(pool->lm_name), "%s%s", name,
		BOUNCE_LM_SUFFIX);
	pool->lm = dmamap_lowmem_alloc(pool->lm_name, mask, size, socket_id);
	if (pool->lm == NULL) {
		ret = rte_errno;
		DMAMAP_LOG(ERR, "bounce pool %s: no %zu bytes under mask 0x%"
			PRIx64, name, size, mask);
		rte_memzone_free(mz);
		rte_errno = ret;
		return NULL;
	}
	pool->mz = mz;
	pool->va = dmamap_lowmem_va(pool->lm);
	pool->iova = dmamap_lowmem_iova(pool->lm);
	pool->size = size;
	pool->owner = getpid();
	bounce_init(pool, nb_slots);
	pool->magic = BOUNCE_MAGIC;
	return pool;
}

struct dmamap_bounce_pool *
dmamap_bounce_lookup(const char *name)
{
	const struct rte_memzone *mz;
	struct dmamap_bounce_pool *pool;

	mz = name == NULL ? NULL : rte_memzone_lookup(name);
	pool = mz == NULL ? NULL : mz->addr;
	if (pool == NULL || mz->len < sizeof(*pool) ||
			pool->magic != BOUNCE_MAGIC) {
		DMAMAP_LOG(ERR, "no bounce pool named %s",
			name == NULL ? "(null)" : name);
		rte_errno = ENOENT;
		return NULL;
	}
	/* Map the pool's memory in this process. */
	if (dmamap_lowmem_lookup(pool->lm_name) == NULL)
		return NULL;
	return pool;
}

/*
 * The process that created the pool (or the primary) destroys it for all;
 * another process only drops its mapping of the memory.
 */
void
dmamap_bounce_destroy(struct dmamap_bounce_pool *pool)
{
	unsigned int i;

	if (pool == NULL || pool->magic != BOUNCE_MAGIC)
		return;
	if (pool->owner != getpid() &&
			rte_eal_process_type() != RTE_PROC_PRIMARY) {
		dmamap_lowmem_free(pool->lm);
		return;
	}
	bounce_lock(pool);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		bounce_mag_empty(pool, &pool->mags[i], pool->mags[i].count);
	bounce_unlock(pool);
	if (pool->used != 0)
		DMAMAP_LOG(WARNING, "bounce pool %s destroyed with %u slots "
			"mapped", pool->name, pool->used);
	pool->magic = 0;
	dmamap_lowmem_free(pool->lm);
	rte_memzone_free(pool->mz);
}
