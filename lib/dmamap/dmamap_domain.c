/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * IOMMU domains: backend registry, domain state in shared memory, the
 * record of backend mappings, flush policies and the flush queues.
 *
 * A domain's state is one memzone: the structure below, then the flush
 * queues, then the backend's private area. Domains are listed in a registry
 * memzone so any process finds them by name; backend operations are found in
 * each process by the backend's name, since function pointers differ between
 * processes.
 *
 * The domain records every backend mapping (IOVA, length) in shared memory.
 * The record lets the domain refuse an unmap that would cut a mapping in two
 * (VFIO type1 refuses those too, so every backend sees the same rules),
 * count mappings against max_mappings, and unmap everything when the domain
 * is destroyed. Small mappings (at most DMAMAP_PIDX_PAGES granules: every
 * streaming map of a packet) go to a page index, an open-addressing hash of
 * the granules they hold, where a map and its unmap each cost a probe or
 * two; larger mappings, and small ones when the index is half full, go to
 * a treap ordered by IOVA. Every query consults both.
 *
 * Backend operations are called without the domain lock held: a backend
 * call may be slow (an ioctl) and must not stall every other lcore. A map
 * first reserves its IOVA range in the record, so two maps never race for
 * the same range; an unmap of one whole mapping (every streaming unmap)
 * takes it out of the record, calls the backend and puts it back only if
 * the backend refuses; an unmap of several checks the record, calls the
 * backend, then drops the records. Either way the domain lock is taken
 * once per map and once per streaming unmap. Backends must therefore
 * accept concurrent calls.
 *
 * The streaming paths avoid atomic instructions, each as costly as a good
 * part of a map: counters are per lcore, locks are released by a store,
 * and lazy domains queue into per-lcore flush queues without a lock.
 *
 * Lazy domains free IOVA through flush queues, as the kernel's iommu-dma
 * does: each entry carries the flush start count at the time it was queued,
 * and it goes back to the allocator only once a flush that started later
 * has completed (fq_finish_cnt > entry count), so no IOVA is reused while
 * an IOTLB may still hold its old translation.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_random.h>
#include <rte_spinlock.h>

#include "dmamap_private.h"

/* Domains across all processes. */
#define DMAMAP_DOMAIN_MAX 64
/* Backends and cache operations registered in one process. */
#define DMAMAP_BACKEND_MAX 16
#define DMAMAP_CACHE_OPS_MAX 16
/* Flush queue entries: the kernel's IOVA_FQ_SIZE. */
#define DMAMAP_FQ_DEFAULT 256
#define DMAMAP_FQ_MAX 65536
/* Most memory a domain gives to per-lcore flush queues. */
#define DMAMAP_FQ_LCORE_BYTES (UINT64_C(16) << 20)
/* First size of the mapping record; it doubles when full. */
#define DMAMAP_MAPREC_INIT 1024
/* Mappings of at most this many granules go to the page index... */
#define DMAMAP_PIDX_PAGES 4
/* ...of this many slots, at most half of them used. */
#define DMAMAP_PIDX_SLOTS 16384
#define DMAMAP_DOMAIN_MAGIC 0x646d646f6d61696eULL
#define DMAMAP_REGISTRY_MZ "dmamap_domains"

/* One backend mapping, a node of the treap (indexes, 0: none). */
struct dmamap_maprec {
	rte_iova_t iova;
	uint64_t len;
	uint32_t left;
	uint32_t right;
	uint32_t prio;
	uint32_t pad;
};

/* The record of a domain's mappings, in rte_malloc memory. */
struct dmamap_maprecs {
	uint32_t cap;     /* nodes, including the unused node 0 */
	uint32_t free;    /* free list through left */
	uint32_t root;
	uint32_t count;
	uint64_t seed;    /* priorities: xorshift, under the domain lock */
	struct dmamap_maprec node[];
};

/* A granule of a small mapping in the page index. */
struct dmamap_pslot {
	uint64_t key;     /* granule number + 1; 0: empty */
	rte_iova_t iova;  /* the mapping holding the granule */
	uint64_t len;
};

/* The page index, in rte_malloc memory: linear probing, no tombstones. */
struct dmamap_pidx {
	uint32_t mask;    /* slots - 1 */
	uint32_t used;    /* slots taken */
	uint32_t count;   /* mappings */
	uint32_t shift;   /* log2 of the granule */
	struct dmamap_pslot slot[];
};

/*
 * Counters of one lcore, which alone writes them (as with mempool caches,
 * processes sharing a domain do not run the same lcore id at once): a
 * streaming map and unmap count five events, and five atomic additions on
 * one shared line would cost more than the rest of the pair. The slot
 * RTE_MAX_LCORE serves threads without an lcore id, atomically. A reader
 * sums the slots; mapped_bytes wraps per slot, the sum is exact.
 */
struct dmamap_dom_counters {
	uint64_t maps;
	uint64_t unmaps;
	uint64_t flushes;
	uint64_t mapped_bytes;
	uint64_t iova_allocs;
	uint64_t iova_frees;
	uint64_t map_errors;
} __rte_cache_aligned;

struct dmamap_fq_entry {
	rte_iova_t iova;
	uint64_t size;
	uint64_t cnt;     /* fq_start_cnt when queued */
};

/*
 * A flush queue: a ring with free-running indexes. Its producer (the lcore
 * owning it, or any thread holding the domain lock for the shared queue)
 * fills entries and moves tail; a drain, under the domain lock, frees
 * entries and moves head.
 */
struct dmamap_fq {
	uint32_t head;
	uint32_t tail;
	uint32_t mask;    /* entries - 1: a power of two, at least fq_size */
	uint32_t pad;
	struct dmamap_fq_entry e[];
};

struct rte_dmamap_domain {
	uint64_t magic;
	char name[RTE_DMAMAP_NAME_LEN];
	char backend[RTE_DMAMAP_NAME_LEN];
	unsigned int slot;
	uint64_t gen;                 /* tells a slot's domains apart */
	const struct rte_memzone *mz;
	rte_iova_t aperture_start;
	rte_iova_t aperture_last;
	uint64_t pgsize_bitmap;
	size_t granule;
	enum rte_dmamap_flush_policy policy;
	unsigned int max_mappings;
	struct dmamap_iovad *iovad;
	uint32_t refcnt;              /* attached devices */
	rte_spinlock_t lock;          /* recs, pidx and the flush queue */
	struct dmamap_maprecs *recs;
	struct dmamap_pidx *pidx;
	uint64_t fq_start_cnt;
	uint64_t fq_finish_cnt;
	uint32_t fq_size;             /* entries a queue holds before a flush */
	struct dmamap_fq *fq_shared;  /* lazy: threads without a queue */
	struct dmamap_fq *fq_lcore[RTE_MAX_LCORE]; /* lazy: an lcore's own */
	int mirror_pid;               /* process with the memory callback */
	bool mirror;
	void *priv;
	struct dmamap_dom_counters counters[RTE_MAX_LCORE + 1];
	uint8_t data[] __rte_cache_aligned;
};

struct dmamap_registry {
	rte_spinlock_t lock;
	uint64_t next_gen;
	struct rte_dmamap_domain *dom[DMAMAP_DOMAIN_MAX];
};

/* Per process. */
static struct dmamap_registry *dmamap_registry;
static const struct rte_dmamap_domain_ops *dmamap_backends[DMAMAP_BACKEND_MAX];
static const struct rte_dmamap_cache_ops *dmamap_cache_ops[DMAMAP_CACHE_OPS_MAX];
static rte_spinlock_t dmamap_ops_lock = RTE_SPINLOCK_INITIALIZER;
static struct {
	uint64_t gen;
	const struct rte_dmamap_domain_ops *ops;
} dmamap_dom_ops_cache[DMAMAP_DOMAIN_MAX];
/* Set while this thread runs a memory event callback or holds the memory
 * hotplug lock: allocating memory then would deadlock.
 */
static __thread bool dmamap_no_alloc;

/*
 * Release a spinlock with a store. On x86, EAL's rte_spinlock_unlock() is
 * an xchg, a locked instruction as costly as taking the lock, and the
 * streaming paths take several locks per map and unmap; a release store is
 * all an unlock needs (EAL's generic spinlock does just that).
 */
static inline void
dmamap_spin_unlock(rte_spinlock_t *sl)
{
	__atomic_store_n(&sl->locked, 0, __ATOMIC_RELEASE);
}

/*
 * Backend and cache operation registries (per process).
 */

static const struct rte_dmamap_domain_ops *
dmamap_backend_find(const char *name)
{
	const struct rte_dmamap_domain_ops *ops;
	unsigned int i;

	for (i = 0; i < DMAMAP_BACKEND_MAX; i++) {
		ops = __atomic_load_n(&dmamap_backends[i], __ATOMIC_ACQUIRE);
		if (ops != NULL && strcmp(ops->name, name) == 0)
			return ops;
	}
	return NULL;
}

int
rte_dmamap_domain_ops_register(const struct rte_dmamap_domain_ops *ops)
{
	unsigned int i;
	int ret = -ENOSPC;

	if (ops == NULL || ops->name == NULL || ops->name[0] == '\0' ||
			strnlen(ops->name, RTE_DMAMAP_NAME_LEN) == RTE_DMAMAP_NAME_LEN ||
			ops->map == NULL || ops->unmap == NULL ||
			ops->translate == NULL) {
		DMAMAP_LOG(ERR, "backend operations need a name shorter than %d "
			"and map, unmap and translate", RTE_DMAMAP_NAME_LEN);
		return -EINVAL;
	}
	rte_spinlock_lock(&dmamap_ops_lock);
	if (dmamap_backend_find(ops->name) != NULL) {
		ret = -EEXIST;
	} else {
		for (i = 0; i < DMAMAP_BACKEND_MAX; i++) {
			if (dmamap_backends[i] == NULL) {
				__atomic_store_n(&dmamap_backends[i], ops,
					__ATOMIC_RELEASE);
				ret = 0;
				break;
			}
		}
	}
	dmamap_spin_unlock(&dmamap_ops_lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "cannot register backend %s: %s", ops->name,
			ret == -EEXIST ? "name taken" : "registry full");
	return ret;
}

const struct rte_dmamap_cache_ops *
dmamap_cache_ops_find(const char *name)
{
	const struct rte_dmamap_cache_ops *ops;
	unsigned int i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < DMAMAP_CACHE_OPS_MAX; i++) {
		ops = __atomic_load_n(&dmamap_cache_ops[i], __ATOMIC_ACQUIRE);
		if (ops != NULL && strcmp(ops->name, name) == 0)
			return ops;
	}
	return NULL;
}

int
rte_dmamap_cache_ops_register(const struct rte_dmamap_cache_ops *ops)
{
	unsigned int i;
	int ret = -ENOSPC;

	if (ops == NULL || ops->name == NULL || ops->name[0] == '\0' ||
			strnlen(ops->name, RTE_DMAMAP_NAME_LEN) == RTE_DMAMAP_NAME_LEN ||
			ops->for_device == NULL || ops->for_cpu == NULL) {
		DMAMAP_LOG(ERR, "cache operations need a name shorter than %d "
			"and both for_device and for_cpu", RTE_DMAMAP_NAME_LEN);
		return -EINVAL;
	}
	rte_spinlock_lock(&dmamap_ops_lock);
	if (dmamap_cache_ops_find(ops->name) != NULL) {
		ret = -EEXIST;
	} else {
		for (i = 0; i < DMAMAP_CACHE_OPS_MAX; i++) {
			if (dmamap_cache_ops[i] == NULL) {
				__atomic_store_n(&dmamap_cache_ops[i], ops,
					__ATOMIC_RELEASE);
				ret = 0;
				break;
			}
		}
	}
	dmamap_spin_unlock(&dmamap_ops_lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "cannot register cache operations %s: %s",
			ops->name, ret == -EEXIST ? "name taken" : "registry full");
	return ret;
}

/* Find the operations of a domain's backend and cache them for its slot. */
static __rte_noinline const struct rte_dmamap_domain_ops *
dmamap_dom_ops_lookup(const struct rte_dmamap_domain *dom)
{
	const struct rte_dmamap_domain_ops *ops;
	unsigned int slot = dom->slot;

	ops = dmamap_backend_find(dom->backend);
	if (ops == NULL) {
		DMAMAP_LOG(ERR, "domain %s: backend %s is not registered in this "
			"process", dom->name, dom->backend);
		return NULL;
	}
	dmamap_dom_ops_cache[slot].ops = ops;
	__atomic_store_n(&dmamap_dom_ops_cache[slot].gen, dom->gen,
		__ATOMIC_RELEASE);
	return ops;
}

/*
 * The operations of a domain's backend in this process, cached per slot and
 * checked against the domain's generation so a reused slot is looked up
 * again.
 */
static inline const struct rte_dmamap_domain_ops *
dmamap_dom_ops(const struct rte_dmamap_domain *dom)
{
	unsigned int slot = dom->slot;

	if (likely(__atomic_load_n(&dmamap_dom_ops_cache[slot].gen,
			__ATOMIC_ACQUIRE) == dom->gen))
		return dmamap_dom_ops_cache[slot].ops;
	return dmamap_dom_ops_lookup(dom);
}

/*
 * The lcore id of an EAL thread never changes: it is kept in a thread-local
 * word of this library, as reading EAL's per-lcore variable from a shared
 * library costs a __tls_get_addr call. Other threads ask EAL each time.
 */
static __thread unsigned int dmamap_dom_tls_lcore
	__attribute__((tls_model("initial-exec")));

static __rte_noinline unsigned int
dmamap_dom_lcore_lookup(void)
{
	unsigned int lcore = rte_lcore_id();

	if (lcore < RTE_MAX_LCORE && rte_eal_lcore_role(lcore) == ROLE_RTE)
		dmamap_dom_tls_lcore = lcore + 1;
	return lcore;
}

static inline unsigned int
dmamap_dom_lcore(void)
{
	unsigned int v = dmamap_dom_tls_lcore;

	return likely(v != 0) ? v - 1 : dmamap_dom_lcore_lookup();
}

static inline void
dmamap_stat_add(struct rte_dmamap_domain *dom, size_t offset, uint64_t n)
{
	unsigned int lcore = dmamap_dom_lcore();
	uint64_t *counter;

	if (likely(lcore < RTE_MAX_LCORE)) {
		counter = RTE_PTR_ADD(&dom->counters[lcore], offset);
		__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
		return;
	}
	counter = RTE_PTR_ADD(&dom->counters[RTE_MAX_LCORE], offset);
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

#define DMAMAP_DOM_COUNT(dom, field, n) dmamap_stat_add(dom, \
	offsetof(struct dmamap_dom_counters, field), (uint64_t)(n))

/*
 * The mapping record: a treap keyed by IOVA. Every operation runs under the
 * domain lock; indexes rather than pointers keep nodes valid when the array
 * grows. Operations are iterative: a streaming map inserts one node and
 * its unmap removes that node, each a walk down one path.
 */

static rte_iova_t
maprec_last(const struct dmamap_maprec *n, uint32_t i)
{
	return n[i].iova + n[i].len - 1;
}

/* Split t into keys below key (*l) and keys at or above it (*r). */
static void
maprec_split(struct dmamap_maprec *n, uint32_t t, rte_iova_t key,
		uint32_t *l, uint32_t *r)
{
	while (t != 0) {
		if (n[t].iova < key) {
			*l = t;
			l = &n[t].right;
			t = n[t].right;
		} else {
			*r = t;
			r = &n[t].left;
			t = n[t].left;
		}
	}
	*l = 0;
	*r = 0;
}

/* Join two treaps, every key of l below every key of r. */
static uint32_t
maprec_merge(struct dmamap_maprec *n, uint32_t l, uint32_t r)
{
	uint32_t root = 0, *link = &root;

	while (l != 0 && r != 0) {
		if (n[l].prio > n[r].prio) {
			*link = l;
			link = &n[l].right;
			l = n[l].right;
		} else {
			*link = r;
			link = &n[r].left;
			r = n[r].left;
		}
	}
	*link = l != 0 ? l : r;
	return root;
}

static uint32_t
maprec_max(const struct dmamap_maprec *n, uint32_t t)
{
	while (t != 0 && n[t].right != 0)
		t = n[t].right;
	return t;
}

/* The mapping with the smallest IOVA at or above key; 0 when none. */
static uint32_t
maprec_ceil(const struct dmamap_maprec *n, uint32_t t, rte_iova_t key)
{
	uint32_t best = 0;

	while (t != 0) {
		if (n[t].iova >= key) {
			best = t;
			t = n[t].left;
		} else {
			t = n[t].right;
		}
	}
	return best;
}

/* The mapping with the largest IOVA at or below key; 0 when none. */
static uint32_t
maprec_floor(const struct dmamap_maprec *n, uint32_t t, rte_iova_t key)
{
	uint32_t best = 0;

	while (t != 0) {
		if (n[t].iova <= key) {
			best = t;
			t = n[t].right;
		} else {
			t = n[t].left;
		}
	}
	return best;
}

static uint64_t
maprec_bytes(const struct dmamap_maprec *n, uint32_t t)
{
	if (t == 0)
		return 0;
	return n[t].len + maprec_bytes(n, n[t].left) +
		maprec_bytes(n, n[t].right);
}

static void
maprec_node_free(struct dmamap_maprecs *recs, uint32_t t)
{
	recs->node[t].left = recs->free;
	recs->free = t;
	recs->count--;
}

static void
maprec_release(struct dmamap_maprecs *recs, uint32_t t)
{
	uint32_t l, r;

	if (t == 0)
		return;
	l = recs->node[t].left;
	r = recs->node[t].right;
	maprec_release(recs, l);
	maprec_release(recs, r);
	maprec_node_free(recs, t);
}

/* Split the record into below, inside and above [iova, last]. */
static void
maprec_split3(struct dmamap_maprecs *recs, rte_iova_t iova, rte_iova_t last,
		uint32_t *l, uint32_t *m, uint32_t *r)
{
	maprec_split(recs->node, recs->root, iova, l, m);
	if (last == UINT64_MAX)
		*r = 0;
	else
		maprec_split(recs->node, *m, last + 1, m, r);
}

static void
maprec_join3(struct dmamap_maprecs *recs, uint32_t l, uint32_t m, uint32_t r)
{
	recs->root = maprec_merge(recs->node, maprec_merge(recs->node, l, m), r);
}

/* A priority for a new node: xorshift64, cheap and good enough for a treap. */
static uint32_t
maprec_prio(struct dmamap_maprecs *recs)
{
	uint64_t x = recs->seed;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	recs->seed = x;
	return (uint32_t)(x >> 32);
}

/*
 * Split t around key as maprec_split(), noting the nearest keys below and
 * at or above it met on the way (*below, *above): the neighbours of key,
 * since they lie on its search path.
 */
static void
maprec_split_near(struct dmamap_maprec *n, uint32_t t, rte_iova_t key,
		uint32_t *l, uint32_t *r, uint32_t *below, uint32_t *above)
{
	while (t != 0) {
		if (n[t].iova < key) {
			*below = t;
			*l = t;
			l = &n[t].right;
			t = n[t].right;
		} else {
			*above = t;
			*r = t;
			r = &n[t].left;
			t = n[t].left;
		}
	}
	*l = 0;
	*r = 0;
}

/*
 * Record [iova, last] (a free node must exist); -EEXIST when it overlaps.
 * One walk down the search path of iova: by priority to the new node's
 * place, then splitting the rest around iova; the neighbours met on the
 * way tell whether it overlaps, and if so the split is merged back.
 */
static int
maprec_insert(struct dmamap_maprecs *recs, rte_iova_t iova, rte_iova_t last)
{
	struct dmamap_maprec *n = recs->node;
	uint32_t prio = maprec_prio(recs), *link = &recs->root;
	uint32_t below = 0, above = 0, l, r, c, t;

	while ((c = *link) != 0 && n[c].prio > prio) {
		if (n[c].iova < iova) {
			below = c;
			link = &n[c].right;
		} else {
			above = c;
			link = &n[c].left;
		}
	}
	maprec_split_near(n, c, iova, &l, &r, &below, &above);
	if ((below != 0 && maprec_last(n, below) >= iova) ||
			(above != 0 && n[above].iova <= last)) {
		*link = maprec_merge(n, l, r);
		return -EEXIST;
	}
	t = recs->free;
	recs->free = n[t].left;
	recs->count++;
	n[t].iova = iova;
	n[t].len = last - iova + 1;
	n[t].left = l;
	n[t].right = r;
	n[t].prio = prio;
	*link = t;
	return 0;
}

/* Remove the mapping that is exactly [iova, last]; false when there is none. */
static bool
maprec_take_exact(struct dmamap_maprecs *recs, rte_iova_t iova,
		rte_iova_t last)
{
	struct dmamap_maprec *n = recs->node;
	uint32_t t, *link = &recs->root;

	while (*link != 0 && n[*link].iova != iova)
		link = n[*link].iova < iova ? &n[*link].right : &n[*link].left;
	t = *link;
	if (t == 0 || maprec_last(n, t) != last)
		return false;
	*link = maprec_merge(n, n[t].left, n[t].right);
	maprec_node_free(recs, t);
	return true;
}

/*
 * Check that no mapping of the treap crosses an end of [iova, last] (gaps
 * allowed, none at all too); remove the mappings inside when remove is
 * set. Returns the bytes they map (0: none), or -EINVAL.
 */
static int64_t
maprec_range(struct dmamap_maprecs *recs, rte_iova_t iova, rte_iova_t last,
		bool remove)
{
	struct dmamap_maprec *n = recs->node;
	uint32_t l, m, r, p, q;
	int64_t bytes = -EINVAL;

	maprec_split3(recs, iova, last, &l, &m, &r);
	p = maprec_max(n, l);
	q = maprec_max(n, m);
	if ((p == 0 || maprec_last(n, p) < iova) &&
			(m == 0 || maprec_last(n, q) <= last))
		bytes = m == 0 ? 0 : (int64_t)maprec_bytes(n, m);
	if (bytes >= 0 && remove) {
		maprec_release(recs, m);
		m = 0;
	}
	maprec_join3(recs, l, m, r);
	return bytes;
}

/*
 * The page index. Every operation runs under the domain lock.
 */

static inline uint32_t
pidx_home(const struct dmamap_pidx *px, uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & px->mask;
}

/* Slot of granule page; UINT32_MAX when not indexed. */
static uint32_t
pidx_find(const struct dmamap_pidx *px, uint64_t page)
{
	uint64_t key = page + 1;
	uint32_t i = pidx_home(px, key);

	while (px->slot[i].key != 0) {
		if (px->slot[i].key == key)
			return i;
		i = (i + 1) & px->mask;
	}
	return UINT32_MAX;
}

static void
pidx_put(struct dmamap_pidx *px, uint64_t page, rte_iova_t iova, uint64_t len)
{
	uint32_t i = pidx_home(px, page + 1);

	while (px->slot[i].key != 0)
		i = (i + 1) & px->mask;
	px->slot[i] = (struct dmamap_pslot){
		.key = page + 1, .iova = iova, .len = len,
	};
	px->used++;
}

/* Empty slot i, moving back the entries after it that may take it. */
static void
pidx_del(struct dmamap_pidx *px, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		j = (j + 1) & px->mask;
		if (px->slot[j].key == 0)
			break;
		home = pidx_home(px, px->slot[j].key);
		/* j may move to i when i lies on its probe path [home, j). */
		if (((j - home) & px->mask) >= ((j - i) & px->mask)) {
			px->slot[i] = px->slot[j];
			i = j;
		}
	}
	px->slot[i].key = 0;
	px->used--;
}

/* Whether a mapping of len goes to the index (which has room for it). */
static bool
pidx_fits(const struct dmamap_pidx *px, uint64_t len)
{
	uint64_t pages = len >> px->shift;

	return pages <= DMAMAP_PIDX_PAGES &&
		px->used + pages <= (px->mask + 1) / 2;
}

/* Whether a mapping of the index holds a granule of [iova, last]. */
static bool
pidx_overlaps(const struct dmamap_pidx *px, rte_iova_t iova, rte_iova_t last)
{
	uint64_t first = iova >> px->shift, end = last >> px->shift, p;
	uint32_t i;

	if (px->count == 0)
		return false;
	if (end - first <= px->mask) {
		for (p = first; ; p++) {
			if (pidx_find(px, p) != UINT32_MAX)
				return true;
			if (p == end)
				return false;
		}
	}
	for (i = 0; i <= px->mask; i++)
		if (px->slot[i].key != 0 && px->slot[i].key - 1 >= first &&
				px->slot[i].key - 1 <= end)
			return true;
	return false;
}

static void
pidx_add(struct dmamap_pidx *px, rte_iova_t iova, uint64_t len)
{
	uint64_t p, first = iova >> px->shift, end = (iova + len - 1) >> px->shift;

	for (p = first; p <= end; p++)
		pidx_put(px, p, iova, len);
	px->count++;
}

/* Remove the mapping that is exactly [iova, +len); false when none. */
static bool
pidx_take_exact(struct dmamap_pidx *px, rte_iova_t iova, uint64_t len)
{
	uint64_t p, first = iova >> px->shift, end = (iova + len - 1) >> px->shift;
	uint32_t i;

	if (px->count == 0 || (len >> px->shift) > DMAMAP_PIDX_PAGES)
		return false;
	i = pidx_find(px, first);
	if (i == UINT32_MAX || px->slot[i].iova != iova || px->slot[i].len != len)
		return false;
	for (p = first; p <= end; p++)
		pidx_del(px, pidx_find(px, p));
	px->count--;
	return true;
}

/* Whether a mapping of the index crosses an end of [iova, last]. */
static bool
pidx_cut(const struct dmamap_pidx *px, rte_iova_t iova, rte_iova_t last)
{
	uint32_t i;

	if (px->count == 0)
		return false;
	i = pidx_find(px, iova >> px->shift);
	if (i != UINT32_MAX && px->slot[i].iova < iova)
		return true;
	i = pidx_find(px, last >> px->shift);
	return i != UINT32_MAX &&
		px->slot[i].iova + px->slot[i].len - 1 > last;
}

/* Slot of the first granule of a mapping starting in [iova, last]. */
static inline bool
pidx_head_in(const struct dmamap_pidx *px, uint32_t i, rte_iova_t iova,
		rte_iova_t last)
{
	const struct dmamap_pslot *e = &px->slot[i];

	return e->key != 0 && e->key - 1 == e->iova >> px->shift &&
		e->iova >= iova && e->iova <= last;
}

/*
 * Bytes of the index's mappings starting in [iova, last], removed when
 * remove is set (pidx_cut() false: they lie inside). A range of more
 * granules than slots scans the slots; removal then rescans until a pass
 * finds nothing, as deletions move entries back over the scanned part.
 */
static uint64_t
pidx_range(struct dmamap_pidx *px, rte_iova_t iova, rte_iova_t last,
		bool remove)
{
	uint64_t bytes = 0, first = iova >> px->shift, end = last >> px->shift, p;
	bool again = true;
	uint32_t i;

	if (px->count == 0)
		return 0;
	if (end - first <= px->mask) {
		for (p = first; ; p++) {
			i = pidx_find(px, p);
			if (i != UINT32_MAX && pidx_head_in(px, i, iova, last)) {
				bytes += px->slot[i].len;
				if (remove)
					pidx_take_exact(px, px->slot[i].iova,
						px->slot[i].len);
			}
			if (p == end)
				return bytes;
		}
	}
	for (i = 0; i <= px->mask; i++)
		if (pidx_head_in(px, i, iova, last))
			bytes += px->slot[i].len;
	while (remove && again) {
		again = false;
		for (i = 0; i <= px->mask; i++) {
			if (pidx_head_in(px, i, iova, last)) {
				pidx_take_exact(px, px->slot[i].iova,
					px->slot[i].len);
				again = true;
			}
		}
	}
	return bytes;
}

static struct dmamap_pidx *
pidx_alloc(uint32_t slots, size_t granule, int socket_id)
{
	struct dmamap_pidx *px;

	px = rte_zmalloc_socket("dmamap_pidx", sizeof(*px) +
		(size_t)slots * sizeof(px->slot[0]), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (px == NULL)
		return NULL;
	px->mask = slots - 1;
	px->shift = rte_bsf64(granule);
	return px;
}

/*
 * Both records together, under the domain lock.
 */

static uint32_t
dmamap_rec_count(const struct rte_dmamap_domain *dom)
{
	return dom->recs->count + dom->pidx->count;
}

/* Whether [iova, last] overlaps a mapping of the treap. */
static bool
maprec_overlaps(const struct dmamap_maprecs *recs, rte_iova_t iova,
		rte_iova_t last)
{
	uint32_t t = maprec_floor(recs->node, recs->root, last);

	return t != 0 && maprec_last(recs->node, t) >= iova;
}

/*
 * Check that [iova, last] holds whole mappings only (gaps allowed, at least
 * one mapping); remove them when remove is set. Returns the bytes mapped in
 * the range, or -EINVAL.
 */
static int64_t
dmamap_rec_range(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t last, bool remove)
{
	int64_t big;
	uint64_t small;

	if (pidx_cut(dom->pidx, iova, last))
		return -EINVAL;
	small = pidx_range(dom->pidx, iova, last, false);
	big = maprec_range(dom->recs, iova, last, remove);
	if (big < 0 || (big == 0 && small == 0))
		return -EINVAL;
	if (remove && small != 0)
		pidx_range(dom->pidx, iova, last, true);
	return big + (int64_t)small;
}

static struct dmamap_maprecs *
maprec_alloc(uint32_t cap, int socket_id)
{
	struct dmamap_maprecs *recs;
	uint32_t i;

	recs = rte_zmalloc_socket("dmamap_maprecs", sizeof(*recs) +
		(size_t)cap * sizeof(recs->node[0]), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (recs == NULL)
		return NULL;
	recs->cap = cap;
	for (i = 1; i < cap; i++)
		recs->node[i].left = i + 1 < cap ? i + 1 : 0;
	recs->free = cap > 1 ? 1 : 0;
	recs->seed = rte_rand() | 1;
	return recs;
}

/*
 * Grow the record to at least want nodes. Allocation happens without the
 * lock (it may take the memory hotplug lock, whose callbacks may map into
 * this very domain); the copy is done under it.
 */
static int
maprec_grow(struct rte_dmamap_domain *dom, uint32_t want)
{
	struct dmamap_maprecs *recs, *old;
	uint32_t i, cap;

	if (dmamap_no_alloc)
		return -ENOSPC;
	/* Under the lock: a grow elsewhere frees the record it replaces. */
	rte_spinlock_lock(&dom->lock);
	cap = dom->recs->cap;
	dmamap_spin_unlock(&dom->lock);
	if (cap >= want)
		return 0;
	recs = maprec_alloc(want, dom->mz->socket_id);
	if (recs == NULL)
		return -ENOMEM;
	rte_spinlock_lock(&dom->lock);
	old = dom->recs;
	if (old->cap >= want) {
		dmamap_spin_unlock(&dom->lock);
		rte_free(recs);
		return 0;
	}
	cap = old->cap;
	memcpy(recs->node, old->node, cap * sizeof(old->node[0]));
	for (i = cap; i < want; i++)
		recs->node[i].left = i + 1 < want ? i + 1 : old->free;
	recs->free = cap;
	recs->root = old->root;
	recs->count = old->count;
	recs->seed = old->seed;
	dom->recs = recs;
	dmamap_spin_unlock(&dom->lock);
	rte_free(old);
	return 0;
}

/* Record [iova, last] in the index or the treap (a free node then exists). */
static int
dmamap_rec_insert(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t last)
{
	struct dmamap_pidx *px = dom->pidx;

	if (pidx_overlaps(px, iova, last))
		return -EEXIST;
	if (pidx_fits(px, last - iova + 1)) {
		if (maprec_overlaps(dom->recs, iova, last))
			return -EEXIST;
		pidx_add(px, iova, last - iova + 1);
		return 0;
	}
	return maprec_insert(dom->recs, iova, last);
}

/*
 * Record [iova, +len) before the backend maps it, or again after a backend
 * refused to unmap it; only a new mapping counts against max_mappings.
 */
static int
dmamap_domain_reserve(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool limit)
{
	uint32_t cap;
	int ret;

	for (;;) {
		rte_spinlock_lock(&dom->lock);
		if (limit && dom->max_mappings != 0 &&
				dmamap_rec_count(dom) >= dom->max_mappings) {
			dmamap_spin_unlock(&dom->lock);
			DMAMAP_LOG(ERR, "domain %s: %u mappings, the most it takes",
				dom->name, dom->max_mappings);
			return -ENOSPC;
		}
		if (likely(pidx_fits(dom->pidx, len)) || dom->recs->free != 0)
			break;
		cap = dom->recs->cap;
		dmamap_spin_unlock(&dom->lock);
		ret = maprec_grow(dom, cap * 2);
		if (ret < 0) {
			DMAMAP_LOG(ERR, "domain %s: no memory to record more "
				"than %u mappings", dom->name, cap - 1);
			return ret;
		}
	}
	ret = dmamap_rec_insert(dom, iova, iova + len - 1);
	dmamap_spin_unlock(&dom->lock);
	if (ret < 0)
		DMAMAP_LOG(ERR, "domain %s: IOVA [0x%" PRIx64 ", +0x%zx) "
			"overlaps a mapping", dom->name, iova, len);
	return ret;
}

static int64_t
dmamap_domain_records(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool remove)
{
	int64_t ret;

	rte_spinlock_lock(&dom->lock);
	ret = dmamap_rec_range(dom, iova, iova + len - 1, remove);
	dmamap_spin_unlock(&dom->lock);
	return ret;
}

/*
 * Before an unmap, under one lock: a range that is exactly one mapping (a
 * streaming unmap) leaves the record at once (*taken), so a second unmap
 * of it is refused here; any other range of whole mappings is only
 * checked, and removed once the backend has unmapped it. Bytes mapped in
 * the range, or -EINVAL.
 */
static int64_t
dmamap_domain_unrecord(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool *taken)
{
	int64_t ret;

	rte_spinlock_lock(&dom->lock);
	*taken = pidx_take_exact(dom->pidx, iova, len) ||
		maprec_take_exact(dom->recs, iova, iova + len - 1);
	ret = *taken ? (int64_t)len :
		dmamap_rec_range(dom, iova, iova + len - 1, false);
	dmamap_spin_unlock(&dom->lock);
	return ret;
}

/*
 * Internal interface (dmamap_private.h).
 */

static bool
dmamap_domain_aligned(const struct rte_dmamap_domain *dom, uint64_t v)
{
	return (v & (dom->granule - 1)) == 0;
}

int
dmamap_domain_map(struct rte_dmamap_domain *dom, rte_iova_t iova,
		const void *va, rte_iova_t target, size_t len, uint32_t prot)
{
	const struct rte_dmamap_domain_ops *ops = dmamap_dom_ops(dom);
	int ret;

	if (ops == NULL)
		return -EIO;
	if (len == 0 || !dmamap_domain_aligned(dom, iova | target | len) ||
			iova + len - 1 < iova) {
		DMAMAP_LOG(ERR, "domain %s: map of IOVA 0x%" PRIx64 " to 0x%"
			PRIx64 " len 0x%zx is not in whole granules of 0x%zx",
			dom->name, iova, target, len, dom->granule);
		return -EINVAL;
	}
	ret = dmamap_domain_reserve(dom, iova, len, true);
	if (ret < 0)
		return ret;
	DMAMAP_DOM_COUNT(dom, maps, 1);
	ret = unlikely(dmamap_fault_hit(DMAMAP_FAULT_BACKEND_MAP)) ? -EIO :
		ops->map(dom, iova, va, target, len, prot);
	if (unlikely(ret < 0)) {
		dmamap_domain_records(dom, iova, len, true);
		DMAMAP_DOM_COUNT(dom, map_errors, 1);
		DMAMAP_LOG(ERR, "domain %s: backend %s failed to map IOVA 0x%"
			PRIx64 " len 0x%zx: %s", dom->name, dom->backend, iova,
			len, strerror(-ret));
		/* The mapping limit is the caller's to know; the rest is EIO. */
		return ret == -ENOSPC ? -ENOSPC : -EIO;
	}
	DMAMAP_DOM_COUNT(dom, mapped_bytes, len);
	return 0;
}

int
dmamap_domain_flush_range(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len)
{
	const struct rte_dmamap_domain_ops *ops = dmamap_dom_ops(dom);
	int ret;

	if (ops == NULL)
		return -EIO;
	if (ops->flush == NULL)
		return 0;
	DMAMAP_DOM_COUNT(dom, flushes, 1);
	ret = unlikely(dmamap_fault_hit(DMAMAP_FAULT_BACKEND_FLUSH)) ? -EIO :
		ops->flush(dom, iova, len);
	if (unlikely(ret < 0)) {
		DMAMAP_LOG(ERR, "domain %s: backend %s failed to flush IOVA 0x%"
			PRIx64 " len 0x%zx: %s", dom->name, dom->backend, iova,
			len, strerror(-ret));
		return -EIO;
	}
	return 0;
}

/* The backend refused an unmap: what the record took out goes back. */
static void
dmamap_domain_unmap_failed(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool taken, int ret)
{
	DMAMAP_LOG(ERR, "domain %s: backend %s failed to unmap IOVA 0x%"
		PRIx64 " len 0x%zx: %s", dom->name, dom->backend, iova,
		len, strerror(-ret));
	if (taken && dmamap_domain_reserve(dom, iova, len, false) < 0)
		DMAMAP_LOG(ERR, "domain %s: IOVA 0x%" PRIx64 " len 0x%zx stays "
			"mapped but is no longer recorded", dom->name, iova, len);
}

int
dmamap_domain_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool no_flush)
{
	const struct rte_dmamap_domain_ops *ops = dmamap_dom_ops(dom);
	int64_t bytes;
	bool taken;
	int ret;

	if (ops == NULL)
		return -EIO;
	if (len == 0 || !dmamap_domain_aligned(dom, iova | len) ||
			iova + len - 1 < iova) {
		DMAMAP_LOG(ERR, "domain %s: unmap of IOVA 0x%" PRIx64 " len 0x%zx"
			" is not in whole granules", dom->name, iova, len);
		return -EINVAL;
	}
	bytes = dmamap_domain_unrecord(dom, iova, len, &taken);
	if (bytes < 0) {
		DMAMAP_LOG(ERR, "domain %s: IOVA [0x%" PRIx64 ", +0x%zx) is not "
			"a set of whole mappings", dom->name, iova, len);
		return -EINVAL;
	}
	DMAMAP_DOM_COUNT(dom, unmaps, 1);
	ret = ops->unmap(dom, iova, len);
	if (unlikely(ret < 0)) {
		dmamap_domain_unmap_failed(dom, iova, len, taken, ret);
		return -EIO;
	}
	if (!taken)
		dmamap_domain_records(dom, iova, len, true);
	DMAMAP_DOM_COUNT(dom, mapped_bytes, -bytes);
	if (dom->policy == RTE_DMAMAP_FLUSH_STRICT && !no_flush)
		return dmamap_domain_flush_range(dom, iova, len);
	return 0;
}

/*
 * Flush queues of a lazy domain, as the kernel's per-CPU queues: each lcore
 * that existed when the domain was created queues into its own ring with
 * no lock (a lock would cost as much as the rest of an unmap); other
 * threads share one ring under the domain lock. A queue found full is
 * flushed, and a flush drains every queue.
 */

static uint32_t
dmamap_fq_len(const struct dmamap_fq *q)
{
	return __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) -
		__atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
}

/* Free the entries of q queued before a flush that has completed. Lock held. */
static void
dmamap_fq_drain_one(struct rte_dmamap_domain *dom, struct dmamap_fq *q)
{
	uint32_t head = q->head, tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	const struct dmamap_fq_entry *e;

	for (; head != tail; head++) {
		e = &q->e[head & q->mask];
		if (e->cnt >= dom->fq_finish_cnt)
			break;
		dmamap_iova_free(dom->iovad, e->iova, e->size);
	}
	__atomic_store_n(&q->head, head, __ATOMIC_RELEASE);
}

static void
dmamap_fq_drain(struct rte_dmamap_domain *dom)
{
	unsigned int i;

	if (dom->fq_shared == NULL)
		return;
	dmamap_fq_drain_one(dom, dom->fq_shared);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (dom->fq_lcore[i] != NULL)
			dmamap_fq_drain_one(dom, dom->fq_lcore[i]);
}

/* One flush of the whole domain, then free what it made safe to reuse. */
static int
dmamap_fq_flush(struct rte_dmamap_domain *dom)
{
	uint64_t started;
	int ret;

	started = __atomic_add_fetch(&dom->fq_start_cnt, 1, __ATOMIC_ACQ_REL);
	ret = dmamap_domain_flush_range(dom, 0, 0);
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&dom->lock);
	if (dom->fq_finish_cnt < started)
		dom->fq_finish_cnt = started;
	dmamap_fq_drain(dom);
	dmamap_spin_unlock(&dom->lock);
	return 0;
}

static bool
dmamap_fq_used(const struct rte_dmamap_domain *dom)
{
	const struct rte_dmamap_domain_ops *ops;

	if (dom->policy != RTE_DMAMAP_FLUSH_LAZY)
		return false;
	ops = dmamap_dom_ops(dom);
	return ops != NULL && ops->flush != NULL;
}

/*
 * Make room in q, full when it holds fq_size entries, by flushing. A flush
 * that fails leaves the queue full: after a second failure the range is
 * dropped (leaked) rather than reused while an IOTLB may still translate
 * it. Called without the lock; false when the range is dropped.
 */
static bool
dmamap_fq_room(struct rte_dmamap_domain *dom, const struct dmamap_fq *q,
		rte_iova_t iova, size_t size)
{
	unsigned int tries = 0;

	while (dmamap_fq_len(q) >= dom->fq_size) {
		if (dmamap_fq_flush(dom) < 0 && ++tries == 2) {
			DMAMAP_LOG(ERR, "domain %s: flush queue stuck, IOVA 0x%"
				PRIx64 " len 0x%zx is lost", dom->name, iova, size);
			return false;
		}
	}
	return true;
}

static void
dmamap_fq_put(struct rte_dmamap_domain *dom, struct dmamap_fq *q,
		rte_iova_t iova, size_t size)
{
	uint32_t tail = q->tail;

	q->e[tail & q->mask] = (struct dmamap_fq_entry){
		.iova = iova,
		.size = size,
		.cnt = __atomic_load_n(&dom->fq_start_cnt, __ATOMIC_ACQUIRE),
	};
	__atomic_store_n(&q->tail, tail + 1, __ATOMIC_RELEASE);
}

static void
dmamap_fq_push(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t size)
{
	unsigned int lcore = dmamap_dom_lcore();
	struct dmamap_fq *q;

	q = lcore < RTE_MAX_LCORE ? dom->fq_lcore[lcore] : NULL;
	if (likely(q != NULL)) {
		if (unlikely(dmamap_fq_len(q) >= dom->fq_size) &&
				!dmamap_fq_room(dom, q, iova, size))
			return;
		dmamap_fq_put(dom, q, iova, size);
		return;
	}
	q = dom->fq_shared;
	rte_spinlock_lock(&dom->lock);
	while (dmamap_fq_len(q) >= dom->fq_size) {
		dmamap_spin_unlock(&dom->lock);
		if (!dmamap_fq_room(dom, q, iova, size))
			return;
		rte_spinlock_lock(&dom->lock);
	}
	dmamap_fq_put(dom, q, iova, size);
	dmamap_spin_unlock(&dom->lock);
}

/* Ranges waiting in every queue. */
static uint64_t
dmamap_fq_queued(const struct rte_dmamap_domain *dom)
{
	uint64_t n;
	unsigned int i;

	if (dom->fq_shared == NULL)
		return 0;
	n = dmamap_fq_len(dom->fq_shared);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (dom->fq_lcore[i] != NULL)
			n += dmamap_fq_len(dom->fq_lcore[i]);
	return n;
}

rte_iova_t
dmamap_domain_iova_alloc(struct rte_dmamap_domain *dom, size_t size,
		size_t align, rte_iova_t limit)
{
	rte_iova_t iova;

	iova = dmamap_iova_alloc(dom->iovad, size, align, limit);
	if (iova == RTE_BAD_IOVA && rte_errno == ENOSPC) {
		/* Flush-and-retry: what is missing may wait in the flush
		 * queue or sit in per-lcore caches.
		 */
		if (dmamap_fq_used(dom))
			dmamap_fq_flush(dom);
		dmamap_iovad_purge_caches(dom->iovad);
		iova = dmamap_iova_alloc(dom->iovad, size, align, limit);
	}
	if (iova == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "domain %s: no free IOVA range of 0x%zx bytes "
			"below 0x%" PRIx64, dom->name, size, limit);
		rte_errno = ENOSPC;
		return RTE_BAD_IOVA;
	}
	DMAMAP_DOM_COUNT(dom, iova_allocs, 1);
	return iova;
}

void
dmamap_domain_iova_free(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t size)
{
	DMAMAP_DOM_COUNT(dom, iova_frees, 1);
	if (dmamap_fq_used(dom))
		dmamap_fq_push(dom, iova, size);
	else
		dmamap_iova_free(dom->iovad, iova, size);
}

bool
dmamap_domain_is_lazy(const struct rte_dmamap_domain *dom)
{
	return dom->policy == RTE_DMAMAP_FLUSH_LAZY;
}

rte_iova_t
dmamap_domain_aperture_start(const struct rte_dmamap_domain *dom)
{
	return dom->aperture_start;
}

rte_iova_t
dmamap_domain_aperture_last(const struct rte_dmamap_domain *dom)
{
	return dom->aperture_last;
}

void
dmamap_domain_get(struct rte_dmamap_domain *dom)
{
	__atomic_fetch_add(&dom->refcnt, 1, __ATOMIC_ACQ_REL);
}

void
dmamap_domain_put(struct rte_dmamap_domain *dom)
{
	__atomic_fetch_sub(&dom->refcnt, 1, __ATOMIC_ACQ_REL);
}

/*
 * Registry of domains (shared).
 */

static struct dmamap_registry *
dmamap_registry_get(bool create)
{
	const struct rte_memzone *mz;

	if (dmamap_registry != NULL)
		return dmamap_registry;
	mz = rte_memzone_lookup(DMAMAP_REGISTRY_MZ);
	if (mz == NULL && create) {
		mz = rte_memzone_reserve(DMAMAP_REGISTRY_MZ,
			sizeof(struct dmamap_registry), SOCKET_ID_ANY, 0);
		if (mz != NULL) {
			memset(mz->addr, 0, sizeof(struct dmamap_registry));
			rte_spinlock_init(&((struct dmamap_registry *)mz->addr)->lock);
		}
	}
	if (mz == NULL)
		return NULL;
	dmamap_registry = mz->addr;
	return dmamap_registry;
}

/* Slot of a domain called name; -1 when none. Registry lock held. */
static int
dmamap_registry_find(const struct dmamap_registry *reg, const char *name)
{
	unsigned int i;

	for (i = 0; i < DMAMAP_DOMAIN_MAX; i++)
		if (reg->dom[i] != NULL && strcmp(reg->dom[i]->name, name) == 0)
			return i;
	return -1;
}

static bool
dmamap_domain_valid(const struct rte_dmamap_domain *dom)
{
	return dom != NULL && dom->magic == DMAMAP_DOMAIN_MAGIC;
}

static int
dmamap_domain_conf_check(const struct rte_dmamap_domain_conf *conf)
{
	uint64_t granule;

	if (conf == NULL || conf->name == NULL || conf->name[0] == '\0' ||
			strnlen(conf->name, RTE_DMAMAP_NAME_LEN) == RTE_DMAMAP_NAME_LEN ||
			conf->backend == NULL) {
		DMAMAP_LOG(ERR, "domain needs a name shorter than %d and a backend",
			RTE_DMAMAP_NAME_LEN);
		return -EINVAL;
	}
	granule = conf->pgsize_bitmap & -conf->pgsize_bitmap;
	if (granule < DMAMAP_PAGE_4K) {
		DMAMAP_LOG(ERR, "domain %s: page sizes 0x%" PRIx64 " have no "
			"granule of 4 KiB or more", conf->name, conf->pgsize_bitmap);
		return -EINVAL;
	}
	if (conf->aperture_last < conf->aperture_start ||
			(conf->aperture_start & (granule - 1)) != 0 ||
			((conf->aperture_last + 1) & (granule - 1)) != 0 ||
			conf->aperture_last - conf->aperture_start < granule - 1) {
		DMAMAP_LOG(ERR, "domain %s: aperture [0x%" PRIx64 ", 0x%" PRIx64
			"] is not a range of whole granules", conf->name,
			conf->aperture_start, conf->aperture_last);
		return -EINVAL;
	}
	if ((unsigned int)conf->flush > RTE_DMAMAP_FLUSH_LAZY ||
			conf->fq_size > DMAMAP_FQ_MAX) {
		DMAMAP_LOG(ERR, "domain %s: bad flush policy %d or queue size %u "
			"(at most %u)", conf->name, conf->flush, conf->fq_size,
			DMAMAP_FQ_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Bytes of one flush queue of fq_size entries. */
static size_t
dmamap_fq_bytes(uint32_t fq_size)
{
	return RTE_ALIGN_CEIL(sizeof(struct dmamap_fq) +
		(size_t)rte_align32pow2(fq_size) * sizeof(struct dmamap_fq_entry),
		RTE_CACHE_LINE_SIZE);
}

/*
 * Flush queues of a new domain: none for a strict one; for a lazy one, the
 * shared queue and, while they fit in DMAMAP_FQ_LCORE_BYTES, one per lcore
 * of this process.
 */
static unsigned int
dmamap_fq_count(const struct rte_dmamap_domain_conf *conf, uint32_t fq_size)
{
	unsigned int lcores = 0, lcore;

	if (conf->flush != RTE_DMAMAP_FLUSH_LAZY)
		return 0;
	RTE_LCORE_FOREACH(lcore)
		lcores++;
	if (lcores * dmamap_fq_bytes(fq_size) > DMAMAP_FQ_LCORE_BYTES)
		return 1;
	return 1 + lcores;
}

static struct dmamap_fq *
dmamap_fq_init(uint8_t *mem, uint32_t fq_size)
{
	struct dmamap_fq *q = (struct dmamap_fq *)mem;

	q->mask = rte_align32pow2(fq_size) - 1;
	return q;
}

/* Lay the flush queues out from dom->data; the bytes they take. */
static size_t
dmamap_fq_layout(struct rte_dmamap_domain *dom, unsigned int nb_fq)
{
	size_t bytes = dmamap_fq_bytes(dom->fq_size), off = 0;
	unsigned int lcore;

	if (nb_fq == 0)
		return 0;
	dom->fq_shared = dmamap_fq_init(dom->data, dom->fq_size);
	off += bytes;
	if (nb_fq == 1)
		return off;
	RTE_LCORE_FOREACH(lcore) {
		dom->fq_lcore[lcore] = dmamap_fq_init(dom->data + off,
			dom->fq_size);
		off += bytes;
	}
	return off;
}

static void
dmamap_domain_init(struct rte_dmamap_domain *dom,
		const struct rte_dmamap_domain_conf *conf, uint32_t fq_size)
{
	snprintf(dom->name, sizeof(dom->name), "%s", conf->name);
	snprintf(dom->backend, sizeof(dom->backend), "%s", conf->backend);
	dom->aperture_start = conf->aperture_start;
	dom->aperture_last = conf->aperture_last;
	dom->pgsize_bitmap = conf->pgsize_bitmap;
	dom->granule = conf->pgsize_bitmap & -conf->pgsize_bitmap;
	dom->policy = conf->flush;
	dom->max_mappings = conf->max_mappings;
	rte_spinlock_init(&dom->lock);
	dom->fq_size = fq_size;
	dom->priv = dom->data + dmamap_fq_layout(dom,
		dmamap_fq_count(conf, fq_size));
	dom->mirror_pid = -1;
}

/* Memory of a new domain: state, flush queues, backend area. */
static const struct rte_memzone *
dmamap_domain_mz(const struct rte_dmamap_domain_conf *conf, uint64_t gen,
		uint32_t fq_size)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	size_t size;

	size = sizeof(struct rte_dmamap_domain) + conf->priv_size +
		dmamap_fq_count(conf, fq_size) * dmamap_fq_bytes(fq_size);
	snprintf(name, sizeof(name), "dmamap_dom%" PRIu64, gen);
	mz = dmamap_memzone_reserve(name, size, conf->socket_id, 0,
		RTE_CACHE_LINE_SIZE);
	if (mz != NULL)
		memset(mz->addr, 0, size);
	return mz;
}

/* Allocator and record of a new domain. */
static int
dmamap_domain_resources(struct rte_dmamap_domain *dom)
{
	char name[RTE_MEMZONE_NAMESIZE];
	uint32_t cap, slots;

	/* A small limit is known in advance; anything else grows. */
	cap = dom->max_mappings != 0 && dom->max_mappings < DMAMAP_MAPREC_INIT ?
		dom->max_mappings + 1 : DMAMAP_MAPREC_INIT;
	dom->recs = maprec_alloc(cap, dom->mz->socket_id);
	if (dom->recs == NULL)
		return -ENOMEM;
	/* Room for twice the mappings a small limit allows, or the default. */
	slots = dom->max_mappings != 0 &&
		dom->max_mappings < DMAMAP_PIDX_SLOTS / DMAMAP_PIDX_PAGES / 4 ?
		rte_align32pow2(dom->max_mappings * DMAMAP_PIDX_PAGES * 4) :
		DMAMAP_PIDX_SLOTS;
	dom->pidx = pidx_alloc(slots, dom->granule, dom->mz->socket_id);
	if (dom->pidx == NULL) {
		rte_free(dom->recs);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "dmiova%" PRIu64, dom->gen);
	dom->iovad = dmamap_iovad_create(name, dom->aperture_start,
		dom->aperture_last, dom->granule, true);
	if (dom->iovad == NULL) {
		rte_free(dom->pidx);
		rte_free(dom->recs);
		return -ENOMEM;
	}
	return 0;
}

/* Put a domain in a free slot of the registry; -EEXIST or -ENOMEM. */
static int
dmamap_registry_add(struct dmamap_registry *reg, struct rte_dmamap_domain *dom)
{
	unsigned int i;
	int ret = -ENOMEM;

	rte_spinlock_lock(&reg->lock);
	if (dmamap_registry_find(reg, dom->name) >= 0) {
		ret = -EEXIST;
	} else {
		for (i = 0; i < DMAMAP_DOMAIN_MAX; i++) {
			if (reg->dom[i] == NULL) {
				dom->slot = i;
				dom->magic = DMAMAP_DOMAIN_MAGIC;
				reg->dom[i] = dom;
				ret = 0;
				break;
			}
		}
	}
	dmamap_spin_unlock(&reg->lock);
	return ret;
}

struct rte_dmamap_domain *
rte_dmamap_domain_create(const struct rte_dmamap_domain_conf *conf)
{
	struct rte_dmamap_domain *dom;
	const struct rte_memzone *mz;
	struct dmamap_registry *reg;
	uint32_t fq_size;
	uint64_t gen;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(ERR, "domains are created by the primary process");
		rte_errno = E_RTE_SECONDARY;
		return NULL;
	}
	ret = dmamap_domain_conf_check(conf);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	if (dmamap_backend_find(conf->backend) == NULL) {
		DMAMAP_LOG(ERR, "domain %s: no backend called %s", conf->name,
			conf->backend);
		rte_errno = ENOENT;
		return NULL;
	}
	reg = dmamap_registry_get(true);
	if (reg == NULL) {
		DMAMAP_LOG(ERR, "no memory for the domain registry");
		rte_errno = ENOMEM;
		return NULL;
	}
	fq_size = conf->fq_size != 0 ? conf->fq_size : DMAMAP_FQ_DEFAULT;
	gen = __atomic_add_fetch(&reg->next_gen, 1, __ATOMIC_RELAXED);
	mz = dmamap_domain_mz(conf, gen, fq_size);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "domain %s: no memory for its state", conf->name);
		rte_errno = ENOMEM;
		return NULL;
	}
	dom = mz->addr;
	dom->mz = mz;
	dom->gen = gen;
	dmamap_domain_init(dom, conf, fq_size);
	ret = dmamap_domain_resources(dom);
	if (ret == 0) {
		ret = dmamap_registry_add(reg, dom);
		if (ret < 0) {
			dmamap_iovad_destroy(dom->iovad);
			rte_free(dom->pidx);
			rte_free(dom->recs);
		}
	}
	if (ret < 0) {
		DMAMAP_LOG(ERR, "domain %s: %s", conf->name, ret == -EEXIST ?
			"name taken" : "no memory for its allocator or registry slot");
		rte_memzone_free(mz);
		rte_errno = -ret;
		return NULL;
	}
	return dom;
}

struct rte_dmamap_domain *
rte_dmamap_domain_lookup(const char *name)
{
	struct rte_dmamap_domain *dom = NULL;
	struct dmamap_registry *reg;
	int slot;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "NULL domain name");
		rte_errno = EINVAL;
		return NULL;
	}
	reg = dmamap_registry_get(false);
	if (reg != NULL) {
		rte_spinlock_lock(&reg->lock);
		slot = dmamap_registry_find(reg, name);
		if (slot >= 0)
			dom = reg->dom[slot];
		dmamap_spin_unlock(&reg->lock);
	}
	if (dom == NULL) {
		DMAMAP_LOG(ERR, "no domain called %s", name);
		rte_errno = ENOENT;
	}
	return dom;
}

static void dmamap_mirror_stop(struct rte_dmamap_domain *dom);

/* Take out of the index a mapping starting in [lo, hi]: 1, or 0 if none. */
static uint32_t
pidx_take_any(struct dmamap_pidx *px, rte_iova_t lo, rte_iova_t hi,
		rte_iova_t *iova, uint64_t *len)
{
	uint32_t i;

	if (px->count == 0)
		return 0;
	for (i = 0; i <= px->mask; i++) {
		if (pidx_head_in(px, i, lo, hi)) {
			*iova = px->slot[i].iova;
			*len = px->slot[i].len;
			pidx_take_exact(px, *iova, *len);
			return 1;
		}
	}
	return 0;
}

/*
 * Unmap every recorded mapping that starts in [lo, hi], those of the treap
 * smallest IOVA first, then those of the page index, then flush once. Records are taken one at a time so no lock is held over
 * a backend call.
 */
static void
dmamap_domain_unmap_all(struct rte_dmamap_domain *dom,
		const struct rte_dmamap_domain_ops *ops, rte_iova_t lo, rte_iova_t hi)
{
	struct dmamap_maprecs *recs;
	rte_iova_t iova = 0;
	uint64_t len = 0;
	uint32_t t, nb = 0;

	for (;;) {
		rte_spinlock_lock(&dom->lock);
		recs = dom->recs;
		t = maprec_ceil(recs->node, recs->root, lo);
		if (t != 0 && recs->node[t].iova <= hi) {
			iova = recs->node[t].iova;
			len = recs->node[t].len;
			maprec_range(recs, iova, iova + len - 1, true);
		} else {
			t = pidx_take_any(dom->pidx, lo, hi, &iova, &len);
		}
		dmamap_spin_unlock(&dom->lock);
		if (t == 0)
			break;
		nb++;
		DMAMAP_DOM_COUNT(dom, unmaps, 1);
		DMAMAP_DOM_COUNT(dom, mapped_bytes, -len);
		if (ops->unmap(dom, iova, len) < 0)
			DMAMAP_LOG(ERR, "domain %s: backend %s failed to unmap "
				"IOVA 0x%" PRIx64 " len 0x%" PRIx64, dom->name,
				dom->backend, iova, len);
	}
	if (nb > 0)
		dmamap_domain_flush_range(dom, 0, 0);
}

int
rte_dmamap_domain_destroy(struct rte_dmamap_domain *dom)
{
	const struct rte_dmamap_domain_ops *ops;
	struct dmamap_registry *reg = dmamap_registry_get(false);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(ERR, "domains are destroyed by the primary process");
		return -E_RTE_SECONDARY;
	}
	if (!dmamap_domain_valid(dom) || reg == NULL) {
		DMAMAP_LOG(ERR, "not a domain: %p", (void *)dom);
		return -EINVAL;
	}
	if (__atomic_load_n(&dom->refcnt, __ATOMIC_ACQUIRE) != 0) {
		DMAMAP_LOG(ERR, "domain %s: %u devices still attached", dom->name,
			__atomic_load_n(&dom->refcnt, __ATOMIC_RELAXED));
		return -EBUSY;
	}
	ops = dmamap_dom_ops(dom);
	if (ops == NULL)
		return -EINVAL;
	dmamap_mirror_stop(dom);
	dmamap_domain_unmap_all(dom, ops, 0, UINT64_MAX);
	if (ops->release != NULL)
		ops->release(dom);
	rte_spinlock_lock(&reg->lock);
	reg->dom[dom->slot] = NULL;
	dmamap_spin_unlock(&reg->lock);
	dom->magic = 0;
	dmamap_iovad_destroy(dom->iovad);
	rte_free(dom->pidx);
	rte_free(dom->recs);
	rte_memzone_free(dom->mz);
	return 0;
}

void *
rte_dmamap_domain_priv(struct rte_dmamap_domain *dom)
{
	if (!dmamap_domain_valid(dom)) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dom->priv;
}

const char *
rte_dmamap_domain_name(const struct rte_dmamap_domain *dom)
{
	if (!dmamap_domain_valid(dom)) {
		rte_errno = EINVAL;
		return NULL;
	}
	return dom->name;
}

size_t
rte_dmamap_domain_granule(const struct rte_dmamap_domain *dom)
{
	if (!dmamap_domain_valid(dom)) {
		rte_errno = EINVAL;
		return 0;
	}
	return dom->granule;
}

int
rte_dmamap_domain_flush(struct rte_dmamap_domain *dom)
{
	if (!dmamap_domain_valid(dom)) {
		DMAMAP_LOG(ERR, "not a domain: %p", (void *)dom);
		return -EINVAL;
	}
	if (dmamap_dom_ops(dom) == NULL)
		return -EIO;
	return dmamap_fq_flush(dom);
}

int
rte_dmamap_domain_stats_get(struct rte_dmamap_domain *dom,
		struct rte_dmamap_domain_stats *stats)
{
	const struct dmamap_dom_counters *c;
	unsigned int i;

	if (!dmamap_domain_valid(dom) || stats == NULL) {
		DMAMAP_LOG(ERR, "bad domain %p or NULL stats", (void *)dom);
		return -EINVAL;
	}
	memset(stats, 0, sizeof(*stats));
	for (i = 0; i <= RTE_MAX_LCORE; i++) {
		c = &dom->counters[i];
		stats->maps += __atomic_load_n(&c->maps, __ATOMIC_RELAXED);
		stats->unmaps += __atomic_load_n(&c->unmaps, __ATOMIC_RELAXED);
		stats->flushes += __atomic_load_n(&c->flushes, __ATOMIC_RELAXED);
		stats->mapped_bytes += __atomic_load_n(&c->mapped_bytes,
			__ATOMIC_RELAXED);
		stats->iova_allocs += __atomic_load_n(&c->iova_allocs,
			__ATOMIC_RELAXED);
		stats->iova_frees += __atomic_load_n(&c->iova_frees,
			__ATOMIC_RELAXED);
		stats->map_errors += __atomic_load_n(&c->map_errors,
			__ATOMIC_RELAXED);
	}
	stats->fq_queued = dmamap_fq_queued(dom);
	return 0;
}

rte_iova_t
rte_dmamap_domain_translate(struct rte_dmamap_domain *dom, rte_iova_t iova)
{
	const struct rte_dmamap_domain_ops *ops;
	rte_iova_t target;

	if (!dmamap_domain_valid(dom)) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	ops = dmamap_dom_ops(dom);
	if (ops == NULL || ops->translate(dom, iova, &target) < 0) {
		rte_errno = ENOENT;
		return RTE_BAD_IOVA;
	}
	return target;
}

/*
 * Mirror of EAL memory: IOVA = EAL IOVA, as EAL maps memory into VFIO.
 *
 * Backends unmap ranges only as they were mapped, so the mirror maps as one
 * range only pages EAL never frees one by one: with memory hotplug, pages
 * preallocated at start (RTE_MEMSEG_FLAG_DO_NOT_FREE); without it (legacy
 * memory), all pages. Every other page is its own mapping, which a free
 * event unmaps exactly.
 */

struct dmamap_mirror_walk {
	struct rte_dmamap_domain *dom;
	bool dynamic;
	rte_iova_t iova;  /* current run */
	uintptr_t va;
	size_t len;
	bool fixed;       /* the run holds pages EAL never frees */
	unsigned int nb;  /* runs mapped */
	int ret;
};

static bool
dmamap_mirror_in_aperture(const struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len)
{
	return iova <= dom->aperture_last && iova + len - 1 >= dom->aperture_start;
}

static int
dmamap_mirror_map(struct rte_dmamap_domain *dom, const void *va,
		rte_iova_t iova, size_t len)
{
	if (dmamap_mirror_in_aperture(dom, iova, len)) {
		DMAMAP_LOG(ERR, "domain %s: EAL memory at IOVA 0x%" PRIx64
			" len 0x%zx lies in the aperture", dom->name, iova, len);
		return -EINVAL;
	}
	return dmamap_domain_map(dom, iova, va, iova,
		len, RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE);
}

static int
dmamap_mirror_run_end(struct dmamap_mirror_walk *w)
{
	int ret;

	if (w->len == 0)
		return 0;
	ret = dmamap_mirror_map(w->dom, (const void *)w->va, w->iova, w->len);
	w->len = 0;
	if (ret < 0)
		return ret;
	w->nb++;
	return 0;
}

static int
dmamap_mirror_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct dmamap_mirror_walk *w = arg;
	bool fixed = !w->dynamic || (ms->flags & RTE_MEMSEG_FLAG_DO_NOT_FREE);

	if (msl->external || ms->iova == RTE_BAD_IOVA)
		return 0;
	if (w->len > 0 && fixed && w->fixed && ms->addr_64 == w->va + w->len &&
			ms->iova == w->iova + w->len) {
		w->len += ms->len;
		return 0;
	}
	w->ret = dmamap_mirror_run_end(w);
	if (w->ret < 0)
		return -1;
	w->va = ms->addr_64;
	w->iova = ms->iova;
	w->len = ms->len;
	w->fixed = fixed;
	return 0;
}

/* Pages EAL may hold in its internal memseg lists. */
static int
dmamap_mirror_count(const struct rte_memseg_list *msl, void *arg)
{
	if (!msl->external)
		*(uint32_t *)arg += msl->memseg_arr.len;
	return 0;
}

/*
 * Walk the pages of a memory event; map or unmap each page (every page an
 * event covers is freeable, so mapped alone).
 */
static void
dmamap_mirror_event(enum rte_mem_event type, const void *addr, size_t len,
		void *arg)
{
	struct rte_dmamap_domain *dom = arg;
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);
	const struct rte_memseg *ms;
	size_t pos;
	int ret;

	if (msl == NULL || msl->external || !dmamap_domain_valid(dom))
		return;
	dmamap_no_alloc = true;
	for (pos = 0; pos < len; pos += msl->page_sz) {
		ms = rte_mem_virt2memseg(RTE_PTR_ADD(addr, pos), msl);
		if (ms == NULL || ms->iova == RTE_BAD_IOVA)
			continue;
		if (type == RTE_MEM_EVENT_ALLOC)
			ret = dmamap_mirror_map(dom, ms->addr, ms->iova, ms->len);
		else
			ret = dmamap_domain_unmap(dom, ms->iova, ms->len, true);
		if (ret < 0)
			DMAMAP_LOG(ERR, "domain %s: cannot %s hotplugged page "
				"at %p", dom->name, type == RTE_MEM_EVENT_ALLOC ?
				"map" : "unmap", ms->addr);
	}
	dmamap_no_alloc = false;
	dmamap_domain_flush_range(dom, 0, 0);
}

static void
dmamap_mirror_cb_name(const struct rte_dmamap_domain *dom, char *name,
		size_t size)
{
	snprintf(name, size, "dmamap_mirror_%" PRIu64, dom->gen);
}

/*
 * Undo a mirror that failed half way: its mappings are all those outside
 * the aperture, since the mirror refuses memory inside it.
 */
static void
dmamap_mirror_undo(struct rte_dmamap_domain *dom)
{
	const struct rte_dmamap_domain_ops *ops = dmamap_dom_ops(dom);

	if (ops == NULL)
		return;
	if (dom->aperture_start > 0)
		dmamap_domain_unmap_all(dom, ops, 0, dom->aperture_start - 1);
	if (dom->aperture_last < UINT64_MAX)
		dmamap_domain_unmap_all(dom, ops, dom->aperture_last + 1,
			UINT64_MAX);
}

static int
dmamap_mirror_setup(struct rte_dmamap_domain *dom)
{
	struct dmamap_mirror_walk w = { .dom = dom };
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];
	int ret;

	dmamap_mirror_cb_name(dom, name, sizeof(name));
	rte_mcfg_mem_read_lock();
	ret = rte_mem_event_callback_register(name, dmamap_mirror_event, dom);
	if (ret < 0 && rte_errno != ENOTSUP) {
		rte_mcfg_mem_read_unlock();
		DMAMAP_LOG(ERR, "domain %s: cannot register memory event "
			"callback: %s", dom->name, rte_strerror(rte_errno));
		return -rte_errno;
	}
	w.dynamic = ret == 0;
	dmamap_no_alloc = true;
	if (rte_memseg_walk_thread_unsafe(dmamap_mirror_seg, &w) == 0)
		w.ret = dmamap_mirror_run_end(&w);
	dmamap_no_alloc = false;
	if (w.ret == 0 && w.nb > 0)
		w.ret = dmamap_domain_flush_range(dom, 0, 0);
	if (w.ret < 0 && w.dynamic)
		rte_mem_event_callback_unregister(name, dom);
	rte_mcfg_mem_read_unlock();
	if (w.ret < 0) {
		dmamap_mirror_undo(dom);
		return w.ret;
	}
	dom->mirror_pid = w.dynamic ? getpid() : -1;
	return 0;
}

int
rte_dmamap_domain_mirror_eal(struct rte_dmamap_domain *dom)
{
	uint32_t pages = 0, count;
	int ret;

	if (!dmamap_domain_valid(dom)) {
		DMAMAP_LOG(ERR, "not a domain: %p", (void *)dom);
		return -EINVAL;
	}
	if (__atomic_exchange_n(&dom->mirror, true, __ATOMIC_ACQ_REL)) {
		DMAMAP_LOG(ERR, "domain %s mirrors EAL memory already", dom->name);
		return -EEXIST;
	}
	/* Room in the record for every page EAL could ever hold, since no
	 * memory can be allocated under the memory lock or in its callbacks.
	 */
	rte_memseg_list_walk(dmamap_mirror_count, &pages);
	rte_spinlock_lock(&dom->lock);
	count = dom->recs->count;
	dmamap_spin_unlock(&dom->lock);
	ret = maprec_grow(dom, count + pages + 1);
	if (ret == 0)
		ret = dmamap_mirror_setup(dom);
	if (ret == 0 && dmamap_heap_mirror_link(dom) < 0)
		DMAMAP_LOG(WARNING, "domain %s: the PA=VA heap is not wholly linked",
			dom->name);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "domain %s: cannot mirror EAL memory: %s",
			dom->name, strerror(-ret));
		__atomic_store_n(&dom->mirror, false, __ATOMIC_RELEASE);
	}
	return ret;
}

static void
dmamap_mirror_stop(struct rte_dmamap_domain *dom)
{
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];

	if (!dom->mirror || dom->mirror_pid != getpid())
		return;
	dmamap_mirror_cb_name(dom, name, sizeof(name));
	rte_mem_event_callback_unregister(name, dom);
	dom->mirror = false;
}
