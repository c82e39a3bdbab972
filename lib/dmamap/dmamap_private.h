/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef DMAMAP_PRIVATE_H
#define DMAMAP_PRIVATE_H

/*
 * Interfaces between the parts of lib/dmamap, bottom up:
 *   dmamap_xlate.c   translation tables, kept current from EAL memory
 *   dmamap_rtree.c   range tree under the IOVA allocator and the VFIO table
 *   dmamap_iova.c    IOVA allocator of a domain
 *   dmamap_domain.c  domains, flush queues
 *   dmamap_hugefile.c hugepage files and physical addresses
 *   dmamap_heap.c    the PA=VA hugepage heap
 *   dmamap_lowmem.c  memory under a mask; dmamap_bounce.c bounce pools
 *   dmamap_vfio.c    VFIO backend; dmamap_fault.c fault injection
 *   dmamap_umem.c    the umem pool and its mempool driver
 *   dmamap_debug.c   DMA-API debug checker
 *   rte_dmamap.c     devices, streaming API, allocation
 *   dmamap_iova_api.c two-step API and region helpers
 *   dmamap_telemetry.c
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "rte_dmamap.h"
#include "rte_dmamap_domain.h"

extern int dmamap_logtype;
#define RTE_LOGTYPE_DMAMAP dmamap_logtype

#define DMAMAP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dmamap_logtype, "DMAMAP: %s(): " fmt "\n", \
		__func__, ## __VA_ARGS__)

#define DMAMAP_PAGE_4K (UINT64_C(1) << 12)
#define DMAMAP_PAGE_2M (UINT64_C(1) << 21)
#define DMAMAP_PAGE_1G (UINT64_C(1) << 30)

/*
 * Translation tables (dmamap_xlate.c).
 *
 * Per process: each process builds its own from the memseg lists it sees and
 * keeps it current from memory events. Writers are serialized by the
 * module's lock; readers (the inline lookup) take no lock: a block of
 * entries is published with a release store and never freed while the
 * library is loaded, and an entry is written whole.
 */

/* Build both tables from EAL memory and register the memory event callback. */
int dmamap_xlate_init(void);
/* Add an IOVA-contiguous range of pages: both directions. */
int dmamap_xlate_add(const void *va, rte_iova_t iova, size_t len);
/* Remove a range added before. */
int dmamap_xlate_del(const void *va, size_t len);
/* Bytes the tables use now (both directions). */
size_t dmamap_xlate_mem_used(void);
/* Highest IOVA of known memory, for bypass decisions. */
rte_iova_t dmamap_xlate_max_iova(void);

/*
 * Range tree (dmamap_rtree.c), under the IOVA allocator and the VFIO table:
 * disjoint ranges [start, last] in an AVL tree keyed by start, over a pool
 * of capacity nodes that follows the header in the caller's memory. Links
 * are node indexes, DMAMAP_RTREE_NIL standing for none, so a tree in a
 * memzone serves every process. Each node summarizes its subtree for the
 * search for free room. Callers serialize and only read the structures.
 */
#define DMAMAP_RTREE_NIL 0u
#define DMAMAP_RTREE_NO_FIT UINT64_MAX

struct dmamap_rtree_node {
	uint64_t start;
	uint64_t last;
	uint64_t min_start;     /* lowest start in the subtree */
	uint64_t max_last;      /* highest last in the subtree */
	uint64_t max_gap;       /* largest hole between two of its ranges */
	uint32_t left;
	uint32_t right;
	uint32_t height;
};

struct dmamap_rtree {
	uint32_t capacity;
	uint32_t count;
	uint32_t root;
	uint32_t free_node;     /* free nodes chain through left */
	struct dmamap_rtree_node nodes[]; /* NIL, then the pool */
};

/* Room wanted: size units starting at a multiple of align_mask + 1, below end. */
struct dmamap_rtree_fit {
	uint64_t size;
	uint64_t align_mask;
	uint64_t end;
};

/* Bytes of a tree of capacity nodes, header included. */
size_t dmamap_rtree_size(uint32_t capacity);
void dmamap_rtree_init(struct dmamap_rtree *t, uint32_t capacity);
/* Add [start, last], which must meet no range: its node, NIL when all are used. */
uint32_t dmamap_rtree_insert(struct dmamap_rtree *t, uint64_t start,
		uint64_t last);
/* Remove node x, which is in the tree, and give it back to the pool. */
void dmamap_rtree_remove(struct dmamap_rtree *t, uint32_t x);
/* The lowest node meeting [start, last], or NIL. */
uint32_t dmamap_rtree_find(const struct dmamap_rtree *t, uint64_t start,
		uint64_t last);
/* The highest start of room f in [lo, hi), an interval holding every range;
 * DMAMAP_RTREE_NO_FIT when there is none.
 */
uint64_t dmamap_rtree_fit(const struct dmamap_rtree *t,
		const struct dmamap_rtree_fit *f, uint64_t lo, uint64_t hi);

static inline const struct dmamap_rtree_node *
dmamap_rtree_node(const struct dmamap_rtree *t, uint32_t x)
{
	return &t->nodes[x];
}

/*
 * IOVA allocator (dmamap_iova.c): one per domain, state in one memzone.
 * A range allocator over [start, last] in units of a granule, with
 * per-lcore magazines for power-of-two sizes up to DMAMAP_IOVA_CACHED_MAX
 * in front and a shared depot between them and the ranges.
 */
#define DMAMAP_IOVA_CACHED_MAX (UINT64_C(128) << 10)

struct dmamap_iovad;

/* Create (primary) an allocator named name over [start, last]. */
struct dmamap_iovad *dmamap_iovad_create(const char *name, rte_iova_t start,
		rte_iova_t last, size_t granule, bool cached);
/* Find an allocator created by the primary. */
struct dmamap_iovad *dmamap_iovad_lookup(const char *name);
void dmamap_iovad_destroy(struct dmamap_iovad *iovad);
/*
 * Allocate size bytes (rounded up to the granule), aligned to align (a power
 * of two, at least the granule), wholly at or below limit; RTE_BAD_IOVA with
 * rte_errno ENOSPC when no such range is free.
 */
rte_iova_t dmamap_iova_alloc(struct dmamap_iovad *iovad, size_t size,
		size_t align, rte_iova_t limit);
/* Free a range exactly as allocated. */
void dmamap_iova_free(struct dmamap_iovad *iovad, rte_iova_t iova, size_t size);
/* Return every cached range to the range allocator (before a retry). */
void dmamap_iovad_purge_caches(struct dmamap_iovad *iovad);
/* Bytes allocated now (cached ranges count as free). */
uint64_t dmamap_iovad_used(const struct dmamap_iovad *iovad);

/*
 * Domains (dmamap_domain.c). The domain does the backend calls, keeps the
 * counters and, for a lazy domain, the flush queue.
 */

/* Allocate IOVA of the domain at or below limit, with flush-and-retry. */
rte_iova_t dmamap_domain_iova_alloc(struct rte_dmamap_domain *dom, size_t size,
		size_t align, rte_iova_t limit);
/* Free IOVA now (strict) or after the next flush (lazy). */
void dmamap_domain_iova_free(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t size);
/* Map [iova, +len) to IOVA-contiguous memory va with EAL IOVA target. */
int dmamap_domain_map(struct rte_dmamap_domain *dom, rte_iova_t iova,
		const void *va, rte_iova_t target, size_t len, uint32_t prot);
/* Unmap; a strict domain flushes before returning unless no_flush. */
int dmamap_domain_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len, bool no_flush);
/* Flush (invalidate) a range, len 0: all. */
int dmamap_domain_flush_range(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len);
bool dmamap_domain_is_lazy(const struct rte_dmamap_domain *dom);
rte_iova_t dmamap_domain_aperture_start(const struct rte_dmamap_domain *dom);
rte_iova_t dmamap_domain_aperture_last(const struct rte_dmamap_domain *dom);
/* Cache operations registered under name in this process, or NULL. */
const struct rte_dmamap_cache_ops *dmamap_cache_ops_find(const char *name);
/* Devices attached: destroy refuses a domain in use. */
void dmamap_domain_get(struct rte_dmamap_domain *dom);
void dmamap_domain_put(struct rte_dmamap_domain *dom);

/* Map prot from a direction. */
static inline uint32_t
dmamap_dir_prot(enum rte_dmamap_dir dir)
{
	switch (dir) {
	case RTE_DMAMAP_TO_DEVICE:
		return RTE_DMAMAP_PROT_READ;
	case RTE_DMAMAP_FROM_DEVICE:
		return RTE_DMAMAP_PROT_WRITE;
	default:
		return RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE;
	}
}

static inline bool
dmamap_dir_valid(enum rte_dmamap_dir dir)
{
	return (unsigned int)dir <= RTE_DMAMAP_FROM_DEVICE;
}

/*
 * Memory under a mask (dmamap_lowmem.c): IOVA-contiguous memory whose EAL
 * IOVA range lies wholly at or below a mask, for bounce pools and coherent
 * allocations. Tries EAL memory (memzones) first; otherwise places memory
 * itself (hugepages with low physical addresses in IOVA-PA mode, a low
 * virtual address in IOVA-VA mode), registers it with EAL as external memory
 * and adds it to the translation tables. Secondary processes map the same
 * memory at the same address through the memzone that records it.
 */
struct dmamap_lowmem;

/* Allocate; NULL with rte_errno (ENOMEM, EINVAL) on failure. */
struct dmamap_lowmem *dmamap_lowmem_alloc(const char *name, rte_iova_t mask,
		size_t size, int socket_id);
/* Find by name (secondary process): maps the memory if needed. */
struct dmamap_lowmem *dmamap_lowmem_lookup(const char *name);
void dmamap_lowmem_free(struct dmamap_lowmem *lm);
void *dmamap_lowmem_va(const struct dmamap_lowmem *lm);
rte_iova_t dmamap_lowmem_iova(const struct dmamap_lowmem *lm);
size_t dmamap_lowmem_size(const struct dmamap_lowmem *lm);

/*
 * Bounce pools (dmamap_bounce.c), swiotlb-like: slots of DMAMAP_BOUNCE_SLOT
 * bytes in memory under the mask; a mapping takes contiguous slots and
 * records the original buffer. State in shared memory, one lock.
 */
#define DMAMAP_BOUNCE_SLOT 2048
#define DMAMAP_BOUNCE_DEFAULT_SIZE (UINT64_C(8) << 20)

struct dmamap_bounce_pool;

struct dmamap_bounce_pool *dmamap_bounce_create(const char *name,
		rte_iova_t mask, size_t size, int socket_id);
struct dmamap_bounce_pool *dmamap_bounce_lookup(const char *name);
void dmamap_bounce_destroy(struct dmamap_bounce_pool *pool);
rte_iova_t dmamap_bounce_pool_iova(const struct dmamap_bounce_pool *pool);
size_t dmamap_bounce_pool_size(const struct dmamap_bounce_pool *pool);
/*
 * Map: take slots, copy the buffer in (always, as the kernel does, so the
 * device never sees stale pool data). RTE_BAD_IOVA with rte_errno ENOSPC
 * when the pool is full, EINVAL when len is 0 or larger than the pool.
 */
rte_iova_t dmamap_bounce_map(struct dmamap_bounce_pool *pool, void *va,
		size_t len, enum rte_dmamap_dir dir);
/* Unmap: copy back for FROM_DEVICE/BIDIRECTIONAL, free the slots. -EINVAL
 * for an IOVA that is not the start of a live bounce mapping of that length.
 */
int dmamap_bounce_unmap(struct dmamap_bounce_pool *pool, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir);
/* Sync part of a mapping: for_cpu copies out (FROM/BIDIR), for device
 * copies in (TO/BIDIR). -EINVAL when the range is not inside a mapping.
 */
int dmamap_bounce_sync(struct dmamap_bounce_pool *pool, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, bool for_cpu);
/* Slots in use. */
unsigned int dmamap_bounce_used(const struct dmamap_bounce_pool *pool);

/*
 * Debug checker (dmamap_debug.c), the kernel's dma-debug classes. One
 * tracker per debugged device, in shared memory, with its own lock.
 * A check that fails logs the misuse, counts it and returns a negative errno
 * before the caller touches any state.
 */
enum dmamap_debug_type {
	DMAMAP_DEBUG_SINGLE,
	DMAMAP_DEBUG_SG,
	DMAMAP_DEBUG_COHERENT,
	DMAMAP_DEBUG_NONCOHERENT,
	DMAMAP_DEBUG_LINK,
};

/* Misuse classes, counted per device. */
enum dmamap_debug_err {
	DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP,   /* unmap/free of an unknown IOVA */
	DMAMAP_DEBUG_ERR_SIZE,            /* unmap/free with another size */
	DMAMAP_DEBUG_ERR_DIR,             /* unmap with another direction */
	DMAMAP_DEBUG_ERR_DOUBLE_UNMAP,    /* unmap of an IOVA unmapped before */
	DMAMAP_DEBUG_ERR_TYPE,            /* free through the wrong call */
	DMAMAP_DEBUG_ERR_SYNC_UNMAPPED,   /* sync of unmapped memory */
	DMAMAP_DEBUG_ERR_SYNC_RANGE,      /* sync beyond a mapping */
	DMAMAP_DEBUG_ERR_SYNC_DIR,        /* sync direction against the map */
	DMAMAP_DEBUG_ERR_OVERLAP,         /* overlapping writable mappings */
	DMAMAP_DEBUG_ERR_LEAK,            /* mapping live at detach */
	DMAMAP_DEBUG_ERR_MAX,
};

struct dmamap_debug;

struct dmamap_debug *dmamap_debug_create(const char *name, int socket_id);
struct dmamap_debug *dmamap_debug_lookup(const char *name);
/* Report (log, count) and drop every live entry as a leak; returns count. */
unsigned int dmamap_debug_destroy(struct dmamap_debug *dbg);
/* Record a mapping; checks overlapping writable mappings (counted, the
 * mapping is still recorded: the kernel reports and continues).
 */
int dmamap_debug_map(struct dmamap_debug *dbg, const void *va, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, enum dmamap_debug_type type);
/* Check and forget a mapping; -EINVAL on any misuse (state unchanged). */
int dmamap_debug_unmap(struct dmamap_debug *dbg, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type);
/* Check a sync; -EINVAL on misuse. */
int dmamap_debug_sync(struct dmamap_debug *dbg, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, bool for_cpu);
uint64_t dmamap_debug_errors(const struct dmamap_debug *dbg,
		enum dmamap_debug_err err);
unsigned int dmamap_debug_live(const struct dmamap_debug *dbg);
const char *dmamap_debug_err_name(enum dmamap_debug_err err);
/* Call fn for each live mapping (telemetry); stops when fn returns nonzero. */
int dmamap_debug_walk(struct dmamap_debug *dbg,
		int (*fn)(const void *va, rte_iova_t iova, size_t len,
			enum rte_dmamap_dir dir, enum dmamap_debug_type type,
			void *arg),
		void *arg);

/*
 * Devices (rte_dmamap.c).
 */

/* A coherent or non-coherent allocation of a device. */
struct dmamap_alloc {
	void *va;
	rte_iova_t iova;        /* device address */
	size_t size;            /* as the caller gave it */
	bool coherent;
	bool in_domain;         /* mapped into the device's domain */
	enum rte_dmamap_dir dir;
	const struct rte_memzone *mz;   /* EAL memory, or */
	struct dmamap_lowmem *lowmem;   /* memory placed under the mask */
};

#define DMAMAP_ALLOCS_MAX 256

/* Shared state of one attached device, in the "dmamap_devs" memzone. */
struct dmamap_dev {
	char name[64];
	bool attached;
	int16_t dev_id;
	unsigned int mask_bits;
	rte_iova_t mask;
	uint32_t flags;
	enum rte_dmamap_bypass bypass;
	rte_iova_t bypass_limit;
	rte_iova_t direct_limit;
	int socket_id;
	char cache_ops[RTE_DMAMAP_NAME_LEN];
	struct rte_dmamap_domain *domain;
	struct dmamap_bounce_pool *bounce;
	struct dmamap_debug *debug;
	rte_spinlock_t alloc_lock;
	uint32_t alloc_seq;
	struct dmamap_alloc allocs[DMAMAP_ALLOCS_MAX];
	struct rte_dmamap_lcore_stats stats[RTE_MAX_LCORE + 1];
};

/* The shared record of an attached device, or NULL (rte_errno EINVAL). */
struct dmamap_dev *dmamap_dev_get(int16_t dev_id);
/* Run fn on an attached device, which stays attached until fn returns
 * (rte_dmamap.c): for readers in other threads, such as telemetry.
 */
int dmamap_dev_read(int16_t dev_id,
	int (*fn)(struct dmamap_dev *dev, void *arg), void *arg);
/* Count on the calling lcore. */
void dmamap_dev_count(struct dmamap_dev *dev, size_t field_offset, uint64_t n);
#define DMAMAP_COUNT(dev, field, n) \
	dmamap_dev_count(dev, offsetof(struct rte_dmamap_lcore_stats, field), n)
/* Make [va, va + len) visible to the device, or the device's writes to the
 * CPU, on a non-coherent device.
 */
void dmamap_dev_cache_sync(struct dmamap_dev *dev, void *va, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, bool for_cpu);

/* Free every allocation of a device at detach (dmamap_alloc.c). */
void dmamap_alloc_release(struct dmamap_dev *dev);

/* The PA=VA heap's VA range and VA - IOVA offset (dmamap_heap.c); -ENOENT
 * when this process has no heap.
 */
int dmamap_heap_range(uintptr_t *va_start, uintptr_t *va_end, uint64_t *offset);
/* Reload rte_dmamap_identity after the heap changed (rte_dmamap.c). */
void dmamap_identity_refresh(void);
/* Link the PA=VA heap into a domain that now mirrors EAL memory
 * (dmamap_heap.c); 0 when there is no heap.
 */
int dmamap_heap_mirror_link(struct rte_dmamap_domain *dom);

/*
 * VFIO backend bookkeeping (dmamap_vfio.c): pure functions over memory the
 * caller provides and serializes, kept apart from the ioctls so they are
 * tested where no VFIO exists. The table holds a container's mapped ranges.
 */
struct dmamap_vfio_table;

size_t dmamap_vfio_table_size(uint32_t capacity);
void dmamap_vfio_table_init(struct dmamap_vfio_table *t, uint32_t capacity);
uint32_t dmamap_vfio_table_count(const struct dmamap_vfio_table *t);
int dmamap_vfio_table_add(struct dmamap_vfio_table *t, rte_iova_t iova,
		uint64_t len, rte_iova_t target);
int dmamap_vfio_table_check_unmap(const struct dmamap_vfio_table *t,
		rte_iova_t iova, uint64_t len);
unsigned int dmamap_vfio_table_del(struct dmamap_vfio_table *t,
		rte_iova_t iova, uint64_t len);
int dmamap_vfio_table_lookup(const struct dmamap_vfio_table *t,
		rte_iova_t iova, rte_iova_t *target);
int dmamap_vfio_table_first(const struct dmamap_vfio_table *t,
		rte_iova_t *iova, uint64_t *len);
int dmamap_vfio_info_parse(const void *buf, size_t len, uint64_t *pgsizes,
		rte_iova_t *ranges, unsigned int *nb_ranges, uint32_t *dma_avail);
int dmamap_vfio_aperture_pick(const rte_iova_t *ranges,
		unsigned int nb_ranges, const rte_iova_t *excl,
		unsigned int nb_excl, uint64_t granule, rte_iova_t *start,
		rte_iova_t *last);

/*
 * Hugepage files (dmamap_hugefile.c), shared by the PA=VA heap and memory
 * under a mask: a file of the library's own in the hugetlbfs mount EAL
 * uses, named after EAL's file prefix and held with a shared lock by every
 * process using it (a starting primary removes unlocked files that look
 * like its own), and the physical addresses of its pages. Functions that
 * return an int return 0 (or a descriptor) or a negative errno and, unless
 * said below, log nothing: the caller names what failed.
 */

/* Whether dir is a hugetlbfs mount of pages of pgsz bytes. */
bool dmamap_hugefile_is_mount(const char *dir, size_t pgsz);
/* The mount holding EAL's own page files of pgsz bytes, into dir (PATH_MAX
 * bytes); -ENOENT when EAL has none there.
 */
int dmamap_hugefile_eal_dir(char *dir, size_t pgsz);
/* "<dir>/<EAL file prefix><infix><name>" into path; -ENAMETOOLONG. */
int dmamap_hugefile_path(char *path, size_t size, const char *dir,
		const char *infix, const char *name);
/* Create the file, replacing a stale one no process holds, shared-locked;
 * its descriptor, or -EEXIST when a live process holds it.
 */
int dmamap_hugefile_create(const char *path);
/* Open a file another process created, shared-locked; its descriptor. */
int dmamap_hugefile_open(const char *path);
/* Allocate [off, +len) of the file; -ENOMEM when the pool has no page. */
int dmamap_hugefile_alloc(int fd, uint64_t off, uint64_t len);
/* Give [off, +len) back to the pool; a failure is logged (WARNING). */
void dmamap_hugefile_release(int fd, uint64_t off, uint64_t len);
/* Open path, or this process's pagemap when NULL; a failure is logged. */
int dmamap_pagemap_open(const char *path);
/*
 * Map the page of pgsz bytes at off (allocated before), touch it and read
 * its physical address from pagemap: -ENOMEM when it cannot be mapped,
 * -EPERM when the kernel hides physical addresses (no CAP_SYS_ADMIN).
 */
int dmamap_hugefile_page_pa(int fd, int pagemap, uint64_t off, size_t pgsz,
		rte_iova_t *pa);
/*
 * Lowest address at or above floor, aligned, where len bytes map nothing
 * in this process and end at or below last; 0 when there is none.
 */
uintptr_t dmamap_hugefile_va_gap(uintptr_t floor, size_t len, size_t align,
		uint64_t last);

/*
 * Fault injection for tests (dmamap_fault.c): arm a site so that its Nth
 * call from now fails; 0 disarms.
 */
enum dmamap_fault_site {
	DMAMAP_FAULT_BACKEND_MAP,   /* a domain backend's map returns -EIO */
	DMAMAP_FAULT_BACKEND_FLUSH, /* a domain backend's flush returns -EIO */
	DMAMAP_FAULT_MEMZONE,       /* a memzone reservation fails (ENOMEM) */
	DMAMAP_FAULT_BOUNCE_SLOTS,  /* a bounce pool has no free slots */
	DMAMAP_FAULT_MAX,
};

int dmamap_fault_set(enum dmamap_fault_site site, uint32_t nth);
/* Faults injected at a site so far. */
uint64_t dmamap_fault_count(enum dmamap_fault_site site);
/* Whether this call at site is the armed failure. */
bool dmamap_fault_hit(enum dmamap_fault_site site);
/* rte_memzone_reserve_aligned() behind the memzone fault site. */
struct rte_memzone;
const struct rte_memzone *dmamap_memzone_reserve(const char *name, size_t len,
		int socket_id, unsigned int flags, unsigned int align);

/* Telemetry (dmamap_telemetry.c) reads devices through the public API. */

#endif /* DMAMAP_PRIVATE_H */
