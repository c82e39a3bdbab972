/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * IOVA allocator of a domain, in two layers as the kernel's iova.c.
 *
 * The range allocator keeps the allocated ranges, in granule units (pfn),
 * in a range tree (dmamap_rtree.c) whose nodes come from a fixed pool in
 * the memzone. Each node also records, for its subtree, the largest free
 * gap between two of its ranges, so the top-down search for a fit below a
 * limit skips every subtree without room and stays O(log n) with thousands
 * of live ranges. Tracking allocated ranges (not free ones) means a free
 * never needs a node, and a bad free is caught exactly: its start must be
 * a node's start and its size the node's size.
 *
 * In front of it, for the power-of-two sizes from the granule up to
 * DMAMAP_IOVA_CACHED_MAX, sit magazines (Bonwick and Adams, "Magazines and
 * Vmem", USENIX 2001; the kernel's iova rcache): each lcore owns a loaded
 * and a previous magazine per size class and touches them with plain loads
 * and stores, so a hit costs a few nanoseconds; a depot of full magazines
 * per class, under its own lock, moves ranges between lcores a magazine at
 * a time. A cached range is always aligned to its size (the range
 * allocator hands these sizes out naturally aligned), so it serves any
 * request of its size with an alignment up to the size.
 *
 * Purging another lcore's magazines must not race with that lcore. The
 * owner marks its slot active around each cache operation and then reads
 * the slot's purge flag; the purger sets every purge flag and waits for the
 * active marks to drop. Making the owner's mark visible before its read
 * takes a full fence on one side of each pair: the purger issues it for
 * everybody with membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), so the owner
 * needs only a compiler barrier; a process where membarrier is missing
 * fences on its own hit path instead.
 *
 * Lcore slots are indexed by lcore id in shared memory: as with mempool
 * caches, processes sharing an allocator must not run the same lcore id at
 * the same time. Threads without an lcore id go to the range allocator.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_spinlock.h>

#include "dmamap_private.h"

#define IOVA_MAGIC 0x69766164u
#define IOVA_NAME_LEN 64
#define IOVA_MZ_PREFIX "iovad_"
/* 127 ranges and a count: a magazine is 1 KiB, as the kernel's. */
#define IOVA_MAG_SIZE 127
/* Full magazines the depot keeps per class before ranges go back. */
#define IOVA_DEPOT_MAX 32
/* Size classes: granule << 0 .. granule << 7, capped at CACHED_MAX. */
#define IOVA_NB_CLASSES_MAX 8
/* Live ranges (allocated or sitting in magazines) of one allocator. */
#define IOVA_NODES_MAX 65536u
/* How long a purge waits for an lcore inside a cache operation. */
#define IOVA_PURGE_WAIT_MS 1000

struct iova_mag {
	uint64_t nb;
	rte_iova_t iova[IOVA_MAG_SIZE];
};

struct iova_rcache {
	struct iova_mag *loaded;
	struct iova_mag *prev;
};

/* Written by its lcore only, except purging (set by a purge). */
struct iova_lcore {
	uint32_t active;
	uint32_t purging;
	uint64_t used; /* modulo 2^64: the lcores' parts may wrap */
	struct iova_rcache rc[IOVA_NB_CLASSES_MAX];
} __rte_cache_aligned;

/* mags[0, nb_full) are full, the others empty spares for exchanges. */
struct iova_depot {
	rte_spinlock_t lock;
	uint32_t nb_full;
	struct iova_mag *mags[IOVA_DEPOT_MAX];
} __rte_cache_aligned;

struct dmamap_iovad {
	/* Read by every call. */
	uint32_t magic;
	unsigned int shift;
	uint64_t granule;
	uint64_t cache_max;      /* largest cached length, 0: no caches */
	rte_iova_t start;
	rte_iova_t last;

	bool cached;
	unsigned int nb_classes;
	uint64_t start_pfn;
	uint64_t end_pfn;
	struct dmamap_rtree *ranges;    /* allocated ranges, in pfns */
	const struct rte_memzone *mz;
	char name[IOVA_NAME_LEN];

	/* Range allocator. */
	rte_spinlock_t lock __rte_cache_aligned;

	/* Bytes allocated by threads without an lcore id. */
	uint64_t used_any __rte_cache_aligned;
	rte_spinlock_t purge_lock;

	struct iova_depot depot[IOVA_NB_CLASSES_MAX];
	struct iova_lcore lcore[RTE_MAX_LCORE];
};

/*
 * The lcore id of an EAL thread (main or worker) never changes, so it is
 * kept in this library's own thread-local word: reading EAL's per-lcore
 * variable from a shared library costs a __tls_get_addr call, a third of
 * a cache hit. Threads registered later, whose id may be given back, ask
 * EAL each time.
 */
static __thread unsigned int iova_tls_lcore
	__attribute__((tls_model("initial-exec")));

/* Per process: whether the hit path may rely on the purger's membarrier. */
static bool iova_light_fence;
static pthread_once_t iova_fence_once = PTHREAD_ONCE_INIT;

static void
iova_fence_register(void)
{
	iova_light_fence = syscall(SYS_membarrier,
		MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
	if (!iova_light_fence)
		DMAMAP_LOG(INFO, "membarrier unavailable (%s): IOVA cache hits fence",
			strerror(errno));
}

/* Full fence on every thread of every registered process. */
static bool
iova_fence_remote(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0)
		return true;
	/* Not in this kernel: no process registered, all hits fence. */
	if (errno == ENOSYS || errno == EINVAL)
		return true;
	DMAMAP_LOG(WARNING, "membarrier failed (%s): purging this lcore's caches only",
		strerror(errno));
	return false;
}

/*
 * Names, creation, lookup.
 */

static inline bool
iova_is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Memzone names are short: a long name keeps its head and a hash. */
static void
iova_mz_name(char *buf, size_t len, const char *name)
{
	uint32_t hash = 2166136261u;
	const char *p;

	if (snprintf(buf, len, IOVA_MZ_PREFIX "%s", name) < (int)len)
		return;
	for (p = name; *p != '\0'; p++)
		hash = (hash ^ (uint8_t)*p) * 16777619u;
	snprintf(buf, len, IOVA_MZ_PREFIX "%.*s~%08x",
		(int)(len - sizeof(IOVA_MZ_PREFIX) - 9), name, hash);
}

static bool
iovad_valid(const struct dmamap_iovad *iovad)
{
	return iovad != NULL &&
		__atomic_load_n(&iovad->magic, __ATOMIC_ACQUIRE) == IOVA_MAGIC;
}

static bool
iova_geometry_valid(const char *name, rte_iova_t start, rte_iova_t last,
		size_t granule)
{
	if (name == NULL || name[0] == '\0' || strlen(name) >= IOVA_NAME_LEN) {
		DMAMAP_LOG(ERR, "allocator name missing or longer than %d",
			IOVA_NAME_LEN - 1);
		return false;
	}
	if (!iova_is_pow2(granule) || granule < 2 || start >= last ||
			(start & (granule - 1)) != 0 ||
			((last + 1) & (granule - 1)) != 0) {
		DMAMAP_LOG(ERR, "%s: bad aperture [0x%" PRIx64 ", 0x%" PRIx64
			"] for granule 0x%zx", name, start, last, granule);
		return false;
	}
	return true;
}

static unsigned int
iova_nb_classes(size_t granule, bool cached)
{
	unsigned int n = 0;

	if (!cached)
		return 0;
	while (n < IOVA_NB_CLASSES_MAX &&
			((uint64_t)granule << n) <= DMAMAP_IOVA_CACHED_MAX)
		n++;
	return n;
}

static uint32_t
iova_nb_nodes(rte_iova_t start, rte_iova_t last, size_t granule)
{
	uint64_t pages = ((last - start) / granule) + 1;

	return (uint32_t)RTE_MIN(pages, (uint64_t)IOVA_NODES_MAX);
}

static size_t
iova_mags_per_class(void)
{
	return 2 * RTE_MAX_LCORE + IOVA_DEPOT_MAX;
}

static size_t
iova_mz_size(unsigned int nb_classes, uint32_t nb_nodes)
{
	return sizeof(struct dmamap_iovad) +
		nb_classes * iova_mags_per_class() * sizeof(struct iova_mag) +
		dmamap_rtree_size(nb_nodes);
}

/* Give each lcore two empty magazines per class, the depot the rest. */
static void
iova_mags_init(struct dmamap_iovad *iovad, struct iova_mag *mags)
{
	unsigned int c, l, i;
	struct iova_mag *m;

	for (c = 0; c < iovad->nb_classes; c++) {
		m = &mags[c * iova_mags_per_class()];
		for (l = 0; l < RTE_MAX_LCORE; l++) {
			iovad->lcore[l].rc[c].loaded = m++;
			iovad->lcore[l].rc[c].prev = m++;
		}
		rte_spinlock_init(&iovad->depot[c].lock);
		for (i = 0; i < IOVA_DEPOT_MAX; i++)
			iovad->depot[c].mags[i] = m++;
	}
}

static void
iovad_init(struct dmamap_iovad *iovad, const struct rte_memzone *mz,
		const char *name, rte_iova_t start, rte_iova_t last,
		size_t granule, bool cached)
{
	struct iova_mag *mags = (struct iova_mag *)(iovad + 1);

	memset(mz->addr, 0, mz->len);
	iovad->mz = mz;
	snprintf(iovad->name, sizeof(iovad->name), "%s", name);
	iovad->granule = granule;
	iovad->shift = rte_bsf64(granule);
	iovad->start = start;
	iovad->last = last;
	iovad->start_pfn = start >> iovad->shift;
	iovad->end_pfn = (last >> iovad->shift) + 1;
	iovad->cached = cached;
	iovad->nb_classes = iova_nb_classes(granule, cached);
	iovad->cache_max = iovad->nb_classes == 0 ? 0 :
		granule << (iovad->nb_classes - 1);
	iovad->ranges = (struct dmamap_rtree *)
		(mags + iovad->nb_classes * iova_mags_per_class());
	rte_spinlock_init(&iovad->lock);
	rte_spinlock_init(&iovad->purge_lock);
	dmamap_rtree_init(iovad->ranges, iova_nb_nodes(start, last, granule));
	iova_mags_init(iovad, mags);
	__atomic_store_n(&iovad->magic, IOVA_MAGIC, __ATOMIC_RELEASE);
}

struct dmamap_iovad *
dmamap_iovad_create(const char *name, rte_iova_t start, rte_iova_t last,
		size_t granule, bool cached)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	unsigned int nb_classes;
	uint32_t nb_nodes;

	if (!iova_geometry_valid(name, start, last, granule)) {
		rte_errno = EINVAL;
		return NULL;
	}
	pthread_once(&iova_fence_once, iova_fence_register);
	nb_classes = iova_nb_classes(granule, cached);
	nb_nodes = iova_nb_nodes(start, last, granule);
	iova_mz_name(mz_name, sizeof(mz_name), name);
	mz = rte_memzone_reserve(mz_name, iova_mz_size(nb_classes, nb_nodes),
		SOCKET_ID_ANY, 0);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "%s: cannot reserve memzone %s of %zu bytes: %s",
			name, mz_name, iova_mz_size(nb_classes, nb_nodes),
			rte_strerror(rte_errno));
		return NULL;
	}
	iovad_init(mz->addr, mz, name, start, last, granule, cached);
	return mz->addr;
}

struct dmamap_iovad *
dmamap_iovad_lookup(const char *name)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct dmamap_iovad *iovad;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "no allocator name");
		rte_errno = EINVAL;
		return NULL;
	}
	iova_mz_name(mz_name, sizeof(mz_name), name);
	mz = rte_memzone_lookup(mz_name);
	iovad = mz != NULL ? mz->addr : NULL;
	if (!iovad_valid(iovad) || strcmp(iovad->name, name) != 0) {
		DMAMAP_LOG(ERR, "no IOVA allocator named %s", name);
		rte_errno = ENOENT;
		return NULL;
	}
	pthread_once(&iova_fence_once, iova_fence_register);
	return iovad;
}

void
dmamap_iovad_destroy(struct dmamap_iovad *iovad)
{
	if (!iovad_valid(iovad)) {
		DMAMAP_LOG(ERR, "not an IOVA allocator: %p", (void *)iovad);
		return;
	}
	__atomic_store_n(&iovad->magic, 0, __ATOMIC_RELEASE);
	rte_memzone_free(iovad->mz);
}

/*
 * Range allocator: the tree of allocated ranges. Callers hold iovad->lock.
 */

/* First pfn past the last granule wholly at or below limit. */
static uint64_t
iova_limit_end(const struct dmamap_iovad *iovad, rte_iova_t limit)
{
	if (limit < iovad->granule - 1)
		return 0;
	return RTE_MIN(((limit - (iovad->granule - 1)) >> iovad->shift) + 1,
		iovad->end_pfn);
}

static rte_iova_t
iova_range_alloc_locked(struct dmamap_iovad *iovad, uint64_t len,
		uint64_t align, rte_iova_t limit)
{
	struct dmamap_rtree_fit f = {
		.size = len >> iovad->shift,
		.align_mask = (align >> iovad->shift) - 1,
		.end = iova_limit_end(iovad, limit),
	};
	struct dmamap_rtree *r = iovad->ranges;
	uint64_t pfn;

	RTE_ASSERT(rte_spinlock_is_locked(&iovad->lock));
	if (r->count == r->capacity) {
		DMAMAP_LOG(DEBUG, "%s: all %u ranges in use", iovad->name,
			r->capacity);
		return RTE_BAD_IOVA;
	}
	pfn = dmamap_rtree_fit(r, &f, iovad->start_pfn, iovad->end_pfn);
	if (pfn == DMAMAP_RTREE_NO_FIT) {
		DMAMAP_LOG(DEBUG, "%s: no 0x%" PRIx64 " bytes aligned to 0x%"
			PRIx64 " free at or below 0x%" PRIx64, iovad->name,
			len, align, limit);
		return RTE_BAD_IOVA;
	}
	dmamap_rtree_insert(r, pfn, pfn + f.size - 1);
	return pfn << iovad->shift;
}

static rte_iova_t
iova_range_alloc(struct dmamap_iovad *iovad, uint64_t len, uint64_t align,
		rte_iova_t limit)
{
	rte_iova_t iova;

	rte_spinlock_lock(&iovad->lock);
	iova = iova_range_alloc_locked(iovad, len, align, limit);
	rte_spinlock_unlock(&iovad->lock);
	if (iova == RTE_BAD_IOVA)
		rte_errno = ENOSPC;
	return iova;
}

static void
iova_bad_free(const struct dmamap_iovad *iovad, rte_iova_t iova, uint64_t len,
		uint32_t x)
{
	const struct dmamap_rtree_node *n = dmamap_rtree_node(iovad->ranges, x);

	if (x == DMAMAP_RTREE_NIL)
		DMAMAP_LOG(ERR, "%s: free of IOVA 0x%" PRIx64 " (0x%" PRIx64
			" bytes) that is not allocated", iovad->name, iova, len);
	else
		DMAMAP_LOG(ERR, "%s: free of IOVA 0x%" PRIx64 " (0x%" PRIx64
			" bytes) does not match the allocated range [0x%" PRIx64
			", 0x%" PRIx64 "]", iovad->name, iova, len,
			n->start << iovad->shift,
			((n->last + 1) << iovad->shift) - 1);
}

static int
iova_range_free_locked(struct dmamap_iovad *iovad, rte_iova_t iova,
		uint64_t len)
{
	uint64_t pfn = iova >> iovad->shift;
	uint32_t x = dmamap_rtree_find(iovad->ranges, pfn, pfn);
	const struct dmamap_rtree_node *n = dmamap_rtree_node(iovad->ranges, x);

	RTE_ASSERT(rte_spinlock_is_locked(&iovad->lock));
	if (x == DMAMAP_RTREE_NIL || n->start != pfn ||
			n->last - n->start + 1 != len >> iovad->shift) {
		iova_bad_free(iovad, iova, len, x);
		return -EINVAL;
	}
	dmamap_rtree_remove(iovad->ranges, x);
	return 0;
}

static int
iova_range_free(struct dmamap_iovad *iovad, rte_iova_t iova, uint64_t len)
{
	int ret;

	rte_spinlock_lock(&iovad->lock);
	ret = iova_range_free_locked(iovad, iova, len);
	rte_spinlock_unlock(&iovad->lock);
	return ret;
}

/*
 * Magazines.
 */

/*
 * Mark lc active, then check no purge is under way; false sends the
 * caller to the locked path. Paired with iova_lcores_stop().
 */
static inline bool
iova_lcore_enter(struct iova_lcore *lc)
{
	__atomic_store_n(&lc->active, 1, __ATOMIC_RELAXED);
	if (iova_light_fence)
		rte_compiler_barrier();
	else
		rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (likely(__atomic_load_n(&lc->purging, __ATOMIC_ACQUIRE) == 0))
		return true;
	__atomic_store_n(&lc->active, 0, __ATOMIC_RELEASE);
	return false;
}

static inline void
iova_lcore_leave(struct iova_lcore *lc)
{
	__atomic_store_n(&lc->active, 0, __ATOMIC_RELEASE);
}

static inline void
iova_mag_swap(struct iova_mag **a, struct iova_mag **b)
{
	struct iova_mag *t = *a;

	*a = *b;
	*b = t;
}

/* The last range in is above the limit: look deeper for one below. */
static __rte_noinline rte_iova_t
iova_mag_pop_below(struct iova_mag *m, uint64_t len, rte_iova_t limit)
{
	uint64_t i = m->nb - 1;
	rte_iova_t iova;

	while (i-- > 0)
		if (m->iova[i] + len - 1 <= limit)
			break;
	if (i == UINT64_MAX)
		return RTE_BAD_IOVA;
	iova = m->iova[i];
	m->iova[i] = m->iova[m->nb - 1];
	m->nb--;
	return iova;
}

/* Take a range wholly at or below limit, preferring the last one in. */
static inline rte_iova_t
iova_mag_pop(struct iova_mag *m, uint64_t len, rte_iova_t limit)
{
	rte_iova_t iova = m->iova[m->nb - 1];

	if (unlikely(iova + len - 1 > limit))
		return iova_mag_pop_below(m, len, limit);
	m->nb--;
	return iova;
}

/*
 * Return a magazine's ranges to the range allocator (lock held). A range
 * the allocator refuses came from a bad free, which was accounted as
 * freed: count its bytes back.
 */
static void
iova_mag_flush_locked(struct dmamap_iovad *iovad, struct iova_mag *m,
		unsigned int cls)
{
	uint64_t len = iovad->granule << cls;
	uint64_t i;

	for (i = 0; i < m->nb; i++)
		if (iova_range_free_locked(iovad, m->iova[i], len) != 0)
			__atomic_fetch_add(&iovad->used_any, len,
				__ATOMIC_RELAXED);
	m->nb = 0;
}

/* Exchange an empty magazine for a full one from the depot. */
static bool
iova_depot_get(struct iova_depot *d, struct iova_mag **mag)
{
	bool ok = false;

	rte_spinlock_lock(&d->lock);
	if (d->nb_full > 0) {
		d->nb_full--;
		iova_mag_swap(mag, &d->mags[d->nb_full]);
		ok = true;
	}
	rte_spinlock_unlock(&d->lock);
	return ok;
}

/* Exchange a full magazine for an empty spare of the depot. */
static bool
iova_depot_put(struct iova_depot *d, struct iova_mag **mag)
{
	bool ok = false;

	rte_spinlock_lock(&d->lock);
	if (d->nb_full < IOVA_DEPOT_MAX) {
		iova_mag_swap(mag, &d->mags[d->nb_full]);
		d->nb_full++;
		ok = true;
	}
	rte_spinlock_unlock(&d->lock);
	return ok;
}

/* The loaded magazine is empty: load the previous one or a full one. */
static __rte_noinline bool
iova_rcache_refill(struct dmamap_iovad *iovad, struct iova_rcache *rc,
		unsigned int cls)
{
	if (rc->prev->nb != 0) {
		iova_mag_swap(&rc->loaded, &rc->prev);
		return true;
	}
	return iova_depot_get(&iovad->depot[cls], &rc->loaded);
}

/*
 * The loaded magazine is full: swap in the previous one, or hand it to
 * the depot, or, the depot being full too, give its ranges back.
 */
static __rte_noinline void
iova_rcache_make_room(struct dmamap_iovad *iovad, struct iova_rcache *rc,
		unsigned int cls)
{
	if (rc->prev->nb != IOVA_MAG_SIZE) {
		iova_mag_swap(&rc->loaded, &rc->prev);
	} else if (!iova_depot_put(&iovad->depot[cls], &rc->loaded)) {
		rte_spinlock_lock(&iovad->lock);
		iova_mag_flush_locked(iovad, rc->loaded, cls);
		rte_spinlock_unlock(&iovad->lock);
	}
}

static inline rte_iova_t
iova_rcache_get(struct dmamap_iovad *iovad, struct iova_rcache *rc,
		unsigned int cls, rte_iova_t limit)
{
	if (unlikely(rc->loaded->nb == 0) && !iova_rcache_refill(iovad, rc, cls))
		return RTE_BAD_IOVA;
	return iova_mag_pop(rc->loaded, iovad->granule << cls, limit);
}

static inline void
iova_rcache_put(struct dmamap_iovad *iovad, struct iova_rcache *rc,
		unsigned int cls, rte_iova_t iova)
{
	if (unlikely(rc->loaded->nb == IOVA_MAG_SIZE))
		iova_rcache_make_room(iovad, rc, cls);
	rc->loaded->iova[rc->loaded->nb++] = iova;
}

static inline rte_iova_t
iova_cache_get(struct dmamap_iovad *iovad, unsigned int lcore,
		unsigned int cls, rte_iova_t limit)
{
	struct iova_lcore *lc = &iovad->lcore[lcore];
	rte_iova_t iova;

	if (!iova_lcore_enter(lc))
		return RTE_BAD_IOVA;
	iova = iova_rcache_get(iovad, &lc->rc[cls], cls, limit);
	iova_lcore_leave(lc);
	return iova;
}

static inline bool
iova_cache_put(struct dmamap_iovad *iovad, unsigned int lcore,
		unsigned int cls, rte_iova_t iova)
{
	struct iova_lcore *lc = &iovad->lcore[lcore];

	if (!iova_lcore_enter(lc))
		return false;
	iova_rcache_put(iovad, &lc->rc[cls], cls, iova);
	iova_lcore_leave(lc);
	return true;
}

/*
 * Purge.
 */

/* Wait until lc is outside cache operations; false after the timeout. */
static bool
iova_lcore_wait_idle(const struct iova_lcore *lc, uint64_t deadline)
{
	while (__atomic_load_n(&lc->active, __ATOMIC_ACQUIRE) != 0) {
		if (rte_get_timer_cycles() > deadline)
			return false;
		rte_pause();
	}
	return true;
}

/*
 * Send every lcore to the locked path and find those whose magazines may
 * be taken: idle ones, once the fences make their active marks visible.
 */
static void
iova_lcores_stop(struct dmamap_iovad *iovad, bool *idle)
{
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() * IOVA_PURGE_WAIT_MS / 1000;
	unsigned int self = rte_lcore_id();
	bool remote;
	unsigned int l;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		__atomic_store_n(&iovad->lcore[l].purging, 1, __ATOMIC_RELAXED);
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	remote = iova_fence_remote();
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		idle[l] = (remote || l == self) &&
			iova_lcore_wait_idle(&iovad->lcore[l], deadline);
		if ((remote || l == self) && !idle[l])
			DMAMAP_LOG(WARNING, "%s: lcore %u busy, its IOVA caches stay",
				iovad->name, l);
	}
}

static void
iova_lcores_restart(struct dmamap_iovad *iovad)
{
	unsigned int l;

	for (l = 0; l < RTE_MAX_LCORE; l++)
		__atomic_store_n(&iovad->lcore[l].purging, 0, __ATOMIC_RELEASE);
}

/* Flush the magazines of idle lcores and the depot (range lock held). */
static void
iova_caches_flush_locked(struct dmamap_iovad *iovad, const bool *idle)
{
	struct iova_depot *d;
	unsigned int c, l, i;

	for (c = 0; c < iovad->nb_classes; c++) {
		for (l = 0; l < RTE_MAX_LCORE; l++) {
			if (!idle[l])
				continue;
			iova_mag_flush_locked(iovad, iovad->lcore[l].rc[c].loaded, c);
			iova_mag_flush_locked(iovad, iovad->lcore[l].rc[c].prev, c);
		}
		d = &iovad->depot[c];
		rte_spinlock_lock(&d->lock);
		for (i = 0; i < d->nb_full; i++)
			iova_mag_flush_locked(iovad, d->mags[i], c);
		d->nb_full = 0;
		rte_spinlock_unlock(&d->lock);
	}
}

void
dmamap_iovad_purge_caches(struct dmamap_iovad *iovad)
{
	bool idle[RTE_MAX_LCORE];

	if (!iovad_valid(iovad)) {
		DMAMAP_LOG(ERR, "not an IOVA allocator: %p", (void *)iovad);
		return;
	}
	if (iovad->nb_classes == 0)
		return;
	rte_spinlock_lock(&iovad->purge_lock);
	iova_lcores_stop(iovad, idle);
	rte_spinlock_lock(&iovad->lock);
	iova_caches_flush_locked(iovad, idle);
	rte_spinlock_unlock(&iovad->lock);
	iova_lcores_restart(iovad);
	rte_spinlock_unlock(&iovad->purge_lock);
}

/*
 * Allocation API. The fast paths serve cached sizes from the calling
 * lcore's magazines with the fewest checks; everything else, and every
 * error, goes to the slow paths, which validate fully.
 */

/* Cached sizes are rounded to a power of two, as the kernel's rcache. */
static inline uint64_t
iova_round(const struct dmamap_iovad *iovad, size_t size)
{
	uint64_t len = RTE_ALIGN_CEIL((uint64_t)size, iovad->granule);

	if (len <= iovad->cache_max)
		len = rte_align64pow2(len);
	return len;
}

/* Size class of a rounded length, or -1 when not cached. */
static inline int
iova_class(const struct dmamap_iovad *iovad, uint64_t len)
{
	if (len > iovad->cache_max || !iova_is_pow2(len))
		return -1;
	return rte_bsf64(len) - iovad->shift;
}

static __rte_noinline unsigned int
iova_lcore_lookup(void)
{
	unsigned int lcore = rte_lcore_id();

	if (lcore < RTE_MAX_LCORE && rte_eal_lcore_role(lcore) == ROLE_RTE)
		iova_tls_lcore = lcore + 1;
	return lcore;
}

static inline unsigned int
iova_lcore(void)
{
	unsigned int v = iova_tls_lcore;

	return likely(v != 0) ? v - 1 : iova_lcore_lookup();
}

/* Whether a request of size may use the magazines of lcore. */
static inline bool
iova_cacheable(const struct dmamap_iovad *iovad, size_t size,
		unsigned int lcore)
{
	return iovad != NULL && iovad->magic == IOVA_MAGIC &&
		(uint64_t)size - 1 < iovad->cache_max && lcore < RTE_MAX_LCORE;
}

/* Class of a cacheable size: log2 of its power-of-two round-up. */
static inline unsigned int
iova_size_class(const struct dmamap_iovad *iovad, size_t size)
{
	if (size <= iovad->granule)
		return 0;
	return 64 - __builtin_clzll((uint64_t)size - 1) - iovad->shift;
}

static inline void
iova_used_add(struct dmamap_iovad *iovad, unsigned int lcore, uint64_t delta)
{
	struct iova_lcore *lc;

	if (lcore >= RTE_MAX_LCORE) {
		__atomic_fetch_add(&iovad->used_any, delta, __ATOMIC_RELAXED);
		return;
	}
	lc = &iovad->lcore[lcore];
	__atomic_store_n(&lc->used, lc->used + delta, __ATOMIC_RELAXED);
}

static bool
iova_request_valid(const struct dmamap_iovad *iovad, size_t size, size_t align)
{
	if (!iovad_valid(iovad)) {
		DMAMAP_LOG(ERR, "not an IOVA allocator: %p", (const void *)iovad);
		return false;
	}
	if (size == 0 || size - 1 > iovad->last - iovad->start ||
			(align != 0 && !iova_is_pow2(align))) {
		DMAMAP_LOG(ERR, "%s: bad request: 0x%zx bytes aligned to 0x%zx"
			" (aperture [0x%" PRIx64 ", 0x%" PRIx64 "])", iovad->name,
			size, align, iovad->start, iovad->last);
		return false;
	}
	return true;
}

/* Everything but a cache hit; the fast path tried the cache already. */
static __rte_noinline rte_iova_t
iova_alloc_slow(struct dmamap_iovad *iovad, size_t size, size_t align,
		rte_iova_t limit, unsigned int lcore)
{
	uint64_t len, al;
	rte_iova_t iova;

	if (!iova_request_valid(iovad, size, align)) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	len = iova_round(iovad, size);
	al = RTE_MAX((uint64_t)align, iovad->granule);
	/* Keep cached sizes naturally aligned: any of them serves any. */
	if (iova_class(iovad, len) >= 0)
		al = RTE_MAX(al, len);
	iova = iova_range_alloc(iovad, len, al, limit);
	if (iova != RTE_BAD_IOVA)
		iova_used_add(iovad, lcore, len);
	return iova;
}

rte_iova_t
dmamap_iova_alloc(struct dmamap_iovad *iovad, size_t size, size_t align,
		rte_iova_t limit)
{
	unsigned int lcore = iova_lcore();
	unsigned int cls;
	rte_iova_t iova;

	if (likely(iova_cacheable(iovad, size, lcore))) {
		cls = iova_size_class(iovad, size);
		if (likely((align & (align - 1)) == 0 &&
				align <= (iovad->granule << cls))) {
			iova = iova_cache_get(iovad, lcore, cls, limit);
			if (likely(iova != RTE_BAD_IOVA)) {
				iova_used_add(iovad, lcore, iovad->granule << cls);
				return iova;
			}
		}
	}
	return iova_alloc_slow(iovad, size, align, limit, lcore);
}

/* Cheap checks a free of len bytes at iova passes before going anywhere. */
static bool
iova_free_valid(const struct dmamap_iovad *iovad, rte_iova_t iova,
		uint64_t len, int cls)
{
	uint64_t align = cls >= 0 ? len : iovad->granule;

	if (iova >= iovad->start && iova <= iovad->last &&
			iovad->last - iova >= len - 1 && (iova & (align - 1)) == 0)
		return true;
	DMAMAP_LOG(ERR, "%s: free of IOVA 0x%" PRIx64 " (0x%" PRIx64
		" bytes) outside the aperture or misaligned: not allocated here",
		iovad->name, iova, len);
	return false;
}

static __rte_noinline void
iova_free_slow(struct dmamap_iovad *iovad, rte_iova_t iova, size_t size,
		unsigned int lcore)
{
	uint64_t len;

	if (!iova_request_valid(iovad, size, 0))
		return;
	len = iova_round(iovad, size);
	if (!iova_free_valid(iovad, iova, len, iova_class(iovad, len)))
		return;
	if (iova_range_free(iovad, iova, len) == 0)
		iova_used_add(iovad, lcore, 0 - len);
}

void
dmamap_iova_free(struct dmamap_iovad *iovad, rte_iova_t iova, size_t size)
{
	unsigned int lcore = iova_lcore();
	unsigned int cls;
	uint64_t len;

	if (likely(iova_cacheable(iovad, size, lcore))) {
		cls = iova_size_class(iovad, size);
		len = iovad->granule << cls;
		if (likely((iova & (len - 1)) == 0 && iova >= iovad->start &&
				iova <= iovad->last && iovad->last - iova >= len - 1 &&
				iova_cache_put(iovad, lcore, cls, iova))) {
			iova_used_add(iovad, lcore, 0 - len);
			return;
		}
	}
	iova_free_slow(iovad, iova, size, lcore);
}

uint64_t
dmamap_iovad_used(const struct dmamap_iovad *iovad)
{
	uint64_t used;
	unsigned int l;

	if (!iovad_valid(iovad))
		return 0;
	used = __atomic_load_n(&iovad->used_any, __ATOMIC_RELAXED);
	for (l = 0; l < RTE_MAX_LCORE; l++)
		used += __atomic_load_n(&iovad->lcore[l].used, __ATOMIC_RELAXED);
	return used;
}
