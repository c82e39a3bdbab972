/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_UMEM_H
#define RTE_DMAMAP_UMEM_H

/**
 * @file
 *
 * The umem pool: an AF_XDP-like buffer pool over one memory region split
 * into fixed frames, mapped once per device as one IOVA range through the
 * two-step API (or directly when the device reaches it), so every frame is
 * IOVA-contiguous and a frame's device address is one addition.
 *
 * Memory. The frames lie in one virtually contiguous area: a memzone the
 * pool reserves, memory the application supplies (EAL memory or external
 * memory registered with rte_dmamap_extmem_register()), or the memory a
 * mempool is populated with (the RTE_DMAMAP_UMEM_MEMPOOL_OPS driver). In
 * aligned mode frames are power-of-two sized and aligned to their size; in
 * unaligned mode they are packed, and none crosses a
 * RTE_DMAMAP_UMEM_BLOCK_SIZE boundary, so a frame never straddles two
 * hugepages whose IOVAs may not follow each other. Frames are named by
 * their virtual address (the same in every process) or by their index.
 *
 * Devices. rte_dmamap_umem_attach() gives a device (a dmamap id) access to
 * every frame. A device behind an IOMMU domain gets one IOVA range covering
 * the pool (rte_dmamap_iova_try_alloc(), one rte_dmamap_iova_link(), one
 * rte_dmamap_iova_sync()), so frame IOVA = range start + (frame VA - pool
 * VA). A device that reaches the memory directly uses the IOVAs EAL gives
 * it: one offset when the pool is IOVA-contiguous, one translation-table
 * lookup otherwise. Each device has its own IOVAs; attachments are counted
 * per (pool, device). Whether the device needs syncs (non-coherent,
 * debugged) is decided once at attach; a coherent device does no sync
 * work at all on the fast path.
 *
 * Ownership. A frame is free (in the pool), owned by the application, or
 * owned by a device. The pool counts, per device, the frames the device
 * owns: frames in its fill rings and frames posted to it
 * (rte_dmamap_umem_rx_post(), rte_dmamap_umem_tx_post()) and not yet
 * given back (rte_dmamap_umem_rx_done(), rte_dmamap_umem_tx_done(), a
 * completion ring). A device owning frames cannot be detached.
 *
 * Fill and completion rings are single-producer single-consumer rings of
 * frame addresses, power-of-two sized, with the AF_XDP calls: the producer
 * reserves slots, writes them and submits; the consumer peeks, reads and
 * releases. A fill ring carries free frames from the application to a
 * device's RX; a completion ring carries frames whose transmission the
 * device completed back to the application.
 *
 * Call order: rte_dmamap_umem_create() -> rte_dmamap_umem_attach() per
 * device -> rings, alloc/free, post/done -> rte_dmamap_umem_ring_free(),
 * rte_dmamap_umem_detach() -> rte_dmamap_umem_destroy().
 *
 * A secondary process finds a pool with rte_dmamap_umem_lookup() and a ring
 * with rte_dmamap_umem_ring_lookup(); the frames are at the same addresses.
 * Each lcore has its own frame cache, so processes must use distinct
 * lcores, as with mempools.
 *
 * Error convention as rte_dmamap.h: int functions return 0 (or a count) or
 * a negative errno, pointer functions NULL with rte_errno, IOVA functions
 * RTE_BAD_IOVA with rte_errno. The inline fast-path calls do not log.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memcpy.h>
#include <rte_reciprocal.h>
#include <rte_ring.h>

#include <rte_dmamap.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the rte_mempool ops driver whose memory is a umem. */
#define RTE_DMAMAP_UMEM_MEMPOOL_OPS "dmamap_umem"

struct rte_dmamap_umem;
struct rte_dmamap_umem_ring;

/** Frames are power-of-two sized and aligned to their size. */
#define RTE_DMAMAP_UMEM_F_ALIGNED 0
/** Frames of any size >= 2 KiB, packed. */
#define RTE_DMAMAP_UMEM_F_UNALIGNED RTE_BIT32(0)

/** Longest pool or ring name, with the terminating NUL. */
#define RTE_DMAMAP_UMEM_NAMESIZE 26
/** Smallest frame. */
#define RTE_DMAMAP_UMEM_FRAME_MIN 2048
/** Largest frame. */
#define RTE_DMAMAP_UMEM_FRAME_MAX 65536
/** Largest per-lcore frame cache. */
#define RTE_DMAMAP_UMEM_CACHE_MAX 512
/** Ring size used when neither the ring nor the pool names one. */
#define RTE_DMAMAP_UMEM_RING_DEFAULT 2048
/** log2 of RTE_DMAMAP_UMEM_BLOCK_SIZE. */
#define RTE_DMAMAP_UMEM_BLOCK_SHIFT 21
/** Unaligned frames never cross a boundary of this many bytes. */
#define RTE_DMAMAP_UMEM_BLOCK_SIZE (UINT64_C(1) << RTE_DMAMAP_UMEM_BLOCK_SHIFT)
/** Frame index of an address that lies in no frame. */
#define RTE_DMAMAP_UMEM_BAD_IDX UINT32_MAX

/** Pool configuration. */
struct rte_dmamap_umem_conf {
	const char *name;        /**< Unique name (memzones use it). */
	uint32_t frame_size;     /**< 2 KiB .. 64 KiB (power of two if aligned). */
	/**
	 * Number of frames. With user memory, 0 means as many as fit.
	 */
	uint32_t nb_frames;
	/** Bytes kept free at each frame's start: a device writes received
	 * data at frame + headroom. Less than frame_size.
	 */
	uint32_t headroom;
	uint32_t flags;          /**< RTE_DMAMAP_UMEM_F_*. */
	int socket_id;           /**< NUMA socket, or SOCKET_ID_ANY. */
	/** Memory the application supplies (NULL: the pool allocates). It
	 * must be registered with rte_dmamap_extmem_register() or be EAL
	 * memory, and be aligned to the frame size in aligned mode.
	 */
	void *user_mem;
	size_t user_mem_len;     /**< Bytes at user_mem. */
	/** Per-lcore frame cache, 0 for none, at most
	 * RTE_DMAMAP_UMEM_CACHE_MAX and at most nb_frames / 1.5.
	 */
	uint32_t cache_size;
	/** Size of the fill and completion rings created with size 0 (a
	 * power of two); 0 for RTE_DMAMAP_UMEM_RING_DEFAULT.
	 */
	uint32_t ring_size;
};

/** What a pool is. */
struct rte_dmamap_umem_info {
	char name[RTE_DMAMAP_UMEM_NAMESIZE]; /**< Pool name. */
	void *va;               /**< First frame. */
	size_t len;             /**< Bytes from va to the end of the last frame. */
	uint32_t frame_size;    /**< Frame size. */
	uint32_t nb_frames;     /**< Frames. */
	uint32_t headroom;      /**< Headroom of each frame. */
	uint32_t flags;         /**< RTE_DMAMAP_UMEM_F_*. */
	int socket_id;          /**< NUMA socket asked for. */
	uint32_t cache_size;    /**< Per-lcore cache size. */
	uint32_t ring_size;     /**< Default ring size. */
	/** Offset of the address the pool hands out in each frame: 0, or
	 * the mempool object header size for a mempool's umem.
	 */
	uint32_t frame_offset;
	unsigned int nb_devs;   /**< Devices attached. */
	unsigned int nb_rings;  /**< Fill and completion rings. */
	bool user_mem;          /**< Memory from the application. */
	bool mempool;           /**< Memory and frames of a mempool. */
};

/** How one device reaches a pool. */
struct rte_dmamap_umem_dev_info {
	unsigned int refcnt;    /**< Attachments of the device. */
	/** Through the device's IOMMU domain (else direct, EAL IOVAs). */
	bool in_domain;
	/** Every frame's IOVA is its address plus one offset. */
	bool linear;
	bool need_sync;         /**< Posts and completions sync frames. */
	rte_iova_t iova;        /**< Device address of the first frame. */
	/** Frames the device owns: in its fill rings or posted to it. */
	int64_t outstanding;
	unsigned int nb_rings;  /**< Rings of the device. */
};

/** Kind of ring. */
enum rte_dmamap_umem_ring_type {
	/** Application -> device: free frames for RX. */
	RTE_DMAMAP_UMEM_RING_FILL = 0,
	/** Device -> application: frames whose TX completed. */
	RTE_DMAMAP_UMEM_RING_COMP,
};

/**
 * Create a pool.
 *
 * @param conf
 *   The pool's configuration.
 * @return
 *   The pool, or NULL with rte_errno:
 *   - EINVAL: NULL conf or name, unknown flag, frame size out of range or
 *     not a power of two in aligned mode, headroom not below the frame
 *     size, no frame, cache too large for the pool, ring size not a power
 *     of two, bad socket, user memory NULL with a length or a length
 *     without memory, user memory misaligned for the frame size, user
 *     memory too small for nb_frames;
 *   - ENAMETOOLONG: name of RTE_DMAMAP_UMEM_NAMESIZE bytes or more;
 *   - ENOENT: user memory unknown to the translation table (neither EAL
 *     memory nor registered external memory);
 *   - EEXIST: a pool of that name exists;
 *   - ENOMEM: no memory for the frames or the pool's state.
 */
struct rte_dmamap_umem *rte_dmamap_umem_create(const struct rte_dmamap_umem_conf *conf);

/**
 * Find a pool by name, in any process.
 *
 * @param name
 *   The pool's name.
 * @return
 *   The pool, or NULL with rte_errno EINVAL (NULL name) or ENOENT.
 */
struct rte_dmamap_umem *rte_dmamap_umem_lookup(const char *name);

/**
 * The umem of a mempool whose ops are RTE_DMAMAP_UMEM_MEMPOOL_OPS. Its
 * frames are the mempool's objects: the pool hands out object addresses
 * (info.frame_offset bytes into each frame). Allocate them with the mempool
 * (rte_mempool_get_bulk(), rte_pktmbuf_alloc()), not with
 * rte_dmamap_umem_alloc_bulk(), so each object keeps its initialization.
 *
 * @param mp
 *   The mempool.
 * @return
 *   The umem, or NULL with rte_errno EINVAL (NULL mempool, other ops, or
 *   not populated yet).
 */
struct rte_dmamap_umem *rte_dmamap_umem_from_mempool(const struct rte_mempool *mp);

/**
 * Destroy a pool and free the memory it reserved (user memory stays the
 * application's).
 *
 * @param umem
 *   The pool; NULL is a no-op returning 0.
 * @return
 *   0, or a negative errno:
 *   - -EBUSY: devices are attached or rings exist;
 *   - -EINVAL: the umem of a mempool (rte_mempool_free() destroys it).
 */
int rte_dmamap_umem_destroy(struct rte_dmamap_umem *umem);

/**
 * Describe a pool.
 *
 * @param umem
 *   The pool.
 * @param info
 *   Out: the description.
 * @return
 *   0, or -EINVAL (NULL argument).
 */
int rte_dmamap_umem_info_get(const struct rte_dmamap_umem *umem,
		struct rte_dmamap_umem_info *info);

/**
 * Number of free frames: in the shared ring and in every lcore's cache.
 * The sum is not taken atomically: use it when the pool is quiet.
 *
 * @param umem
 *   The pool.
 * @return
 *   Free frames, 0 for a NULL pool.
 */
unsigned int rte_dmamap_umem_avail_count(const struct rte_dmamap_umem *umem);

/**
 * Give a device access to every frame of a pool. The first attachment of
 * the device maps the pool (one IOVA range through its domain, or direct);
 * later ones count.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   The device's dmamap id.
 * @return
 *   0, or a negative errno:
 *   - -EINVAL: NULL pool, unknown device, a mempool's umem not populated,
 *     memory the domain cannot link (its granule rules);
 *   - -ERANGE: the device reaches the memory directly but not all of it
 *     (mask), and has no domain to map it through; frames are never
 *     bounced;
 *   - -EXDEV: the device reaches the memory directly and a frame is not
 *     IOVA-contiguous (4 KiB pages with scattered IOVAs): attach the
 *     device through a domain;
 *   - -ENOENT: part of the memory is unknown to the translation table;
 *   - -ENOSPC: no IOVA range in the domain, or the domain's mapping limit;
 *   - -EIO: the domain backend failed;
 *   - -EOVERFLOW: the device is attached 65535 times already.
 *   On failure nothing stays mapped.
 */
int rte_dmamap_umem_attach(struct rte_dmamap_umem *umem, int16_t dev_id);

/**
 * Drop one attachment of a device. The last one unmaps the pool from the
 * device (rte_dmamap_iova_destroy()), and is refused while the device owns
 * frames or has rings.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   The device's dmamap id.
 * @return
 *   0, or a negative errno:
 *   - -EINVAL: NULL pool, device not attached to the pool;
 *   - -EBUSY: last attachment, and frames are in the device's fill rings
 *     or posted to it and not given back, or the device has rings (logged
 *     with the count);
 *   - -EIO: the domain backend failed to unmap (the attachment stays).
 */
int rte_dmamap_umem_detach(struct rte_dmamap_umem *umem, int16_t dev_id);

/**
 * Describe how a device reaches a pool.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   The device's dmamap id.
 * @param info
 *   Out: the description.
 * @return
 *   0, or -EINVAL (NULL argument, device not attached to the pool).
 */
int rte_dmamap_umem_dev_info_get(const struct rte_dmamap_umem *umem,
		int16_t dev_id, struct rte_dmamap_umem_dev_info *info);

/**
 * Create a fill or completion ring of a pool for one attached device.
 *
 * @param umem
 *   The pool.
 * @param name
 *   Unique ring name, shorter than RTE_DMAMAP_UMEM_NAMESIZE.
 * @param dev_id
 *   The device whose frames the ring carries.
 * @param type
 *   RTE_DMAMAP_UMEM_RING_FILL or RTE_DMAMAP_UMEM_RING_COMP.
 * @param size
 *   Entries, a power of two; 0 for the pool's ring size.
 * @return
 *   The ring, or NULL with rte_errno:
 *   - EINVAL: NULL pool or name, unknown type, size not a power of two or
 *     above 2^31, device not attached to the pool;
 *   - ENAMETOOLONG: name too long;
 *   - EEXIST: a ring of that name exists;
 *   - ENOMEM: no memory.
 */
struct rte_dmamap_umem_ring *rte_dmamap_umem_ring_create(struct rte_dmamap_umem *umem,
		const char *name, int16_t dev_id, enum rte_dmamap_umem_ring_type type,
		uint32_t size);

/**
 * Find a ring by name, in any process.
 *
 * @param name
 *   The ring's name.
 * @return
 *   The ring, or NULL with rte_errno EINVAL (NULL name) or ENOENT.
 */
struct rte_dmamap_umem_ring *rte_dmamap_umem_ring_lookup(const char *name);

/**
 * Free a ring. Frames still in it go back to the pool (and, for a fill
 * ring, stop counting as the device's). Neither end may be in use.
 *
 * @param ring
 *   The ring; NULL is a no-op returning 0.
 * @return
 *   0.
 */
int rte_dmamap_umem_ring_free(struct rte_dmamap_umem_ring *ring);

/*
 * Fast path. The structures below are internal: use the calls.
 */

/** @internal How a device reaches the pool. */
enum __rte_dmamap_umem_mode {
	__RTE_DMAMAP_UMEM_NONE = 0,  /**< Not attached. */
	__RTE_DMAMAP_UMEM_LINEAR,    /**< IOVA = address + delta. */
	__RTE_DMAMAP_UMEM_XLATE,     /**< IOVA from the translation table. */
};

/** @internal Fast-path state of one device's attachment. */
struct __rte_dmamap_umem_att {
	uint8_t mode;           /**< enum __rte_dmamap_umem_mode. */
	uint8_t need_sync;      /**< Posts and completions sync. */
	uint16_t reserved;
	uint32_t pad;
	int64_t delta;          /**< Device IOVA - VA, linear mode. */
};

/** @internal Per-lcore frame cache. */
struct __rte_dmamap_umem_cache {
	uint32_t size;          /**< Frames kept after a refill. */
	uint32_t flushthresh;   /**< Beyond this the cache flushes. */
	uint32_t len;           /**< Frames cached now. */
	uint32_t pad;
	void *objs[];           /**< flushthresh + size entries. */
};

/** @internal Frames each device owns, counted by one lcore. */
struct __rte_dmamap_umem_held {
	int64_t n[RTE_DMAMAP_MAX_DEVS];
} __rte_cache_aligned;

/** @internal A pool, in shared memory; read-only on the fast path. */
struct rte_dmamap_umem {
	uintptr_t va;           /**< First frame. */
	uintptr_t len;          /**< Bytes from va to the end of the last frame. */
	uintptr_t blk_base;     /**< va rounded down to a block (unaligned). */
	uint32_t frame_size;
	uint32_t frame_shift;   /**< log2(frame_size) when aligned, else 0. */
	uint32_t headroom;
	uint32_t hoff;          /**< Offset of handed-out addresses in frames. */
	uint32_t nb_frames;
	uint32_t frames_per_blk; /**< Unaligned frames per block. */
	uint32_t slot0;         /**< Slot of the first frame in its block. */
	uint32_t cache_stride;  /**< Bytes per lcore cache. */
	struct rte_reciprocal div_frame; /**< Divide by frame_size. */
	struct rte_reciprocal div_blk;   /**< Divide by frames_per_blk. */
	struct rte_ring *ring;  /**< Free frames behind the caches. */
	struct __rte_dmamap_umem_cache *caches; /**< NULL without caches. */
	struct __rte_dmamap_umem_held *held;    /**< RTE_MAX_LCORE + 1. */
	void *priv;             /**< Slow-path state. */
	struct __rte_dmamap_umem_att att[RTE_DMAMAP_MAX_DEVS] __rte_cache_aligned;
} __rte_cache_aligned;

/** @internal A fill or completion ring, in shared memory. */
struct rte_dmamap_umem_ring {
	/* Producer: head is reserved up to, tail is published. */
	uint32_t prod_head __rte_cache_aligned;
	uint32_t prod_tail;
	uint32_t prod_cons;     /**< Producer's copy of cons_tail. */
	/* Consumer: head is peeked up to, tail is released. */
	uint32_t cons_head __rte_cache_aligned;
	uint32_t cons_tail;
	uint32_t cons_prod;     /**< Consumer's copy of prod_tail. */
	uint32_t size __rte_cache_aligned;
	uint32_t mask;
	uint32_t type;          /**< enum rte_dmamap_umem_ring_type. */
	int16_t dev_id;
	struct rte_dmamap_umem *umem;
	void *priv;             /**< Slow-path state. */
	void *addrs[] __rte_cache_aligned;
};

/** @internal Log and refuse a call naming a device not attached. */
int __rte_dmamap_umem_bad_dev(const struct rte_dmamap_umem *umem, int16_t dev_id);

/** @internal The calling lcore's cache, or NULL. */
static __rte_always_inline struct __rte_dmamap_umem_cache *
__rte_dmamap_umem_cache(const struct rte_dmamap_umem *umem)
{
	unsigned int lcore = rte_lcore_id();

	if (umem->caches == NULL || lcore >= RTE_MAX_LCORE)
		return NULL;
	return (struct __rte_dmamap_umem_cache *)RTE_PTR_ADD(umem->caches,
		(size_t)lcore * umem->cache_stride);
}

/** @internal Count frames a device took (n > 0) or gave back (n < 0). */
static __rte_always_inline void
__rte_dmamap_umem_held_add(struct rte_dmamap_umem *umem, int16_t dev_id, int64_t n)
{
	unsigned int lcore = rte_lcore_id();

	if (likely(lcore < RTE_MAX_LCORE)) {
		umem->held[lcore].n[dev_id] += n;
		return;
	}
	__atomic_fetch_add(&umem->held[RTE_MAX_LCORE].n[dev_id], n,
		__ATOMIC_RELAXED);
}

/** @internal The attachment of a device, or NULL. */
static __rte_always_inline const struct __rte_dmamap_umem_att *
__rte_dmamap_umem_att(const struct rte_dmamap_umem *umem, int16_t dev_id)
{
	const struct __rte_dmamap_umem_att *a;

	if (unlikely((uint16_t)dev_id >= RTE_DMAMAP_MAX_DEVS))
		return NULL;
	a = &umem->att[dev_id];
	return likely(a->mode != __RTE_DMAMAP_UMEM_NONE) ? a : NULL;
}

/** @internal Take n frames from the top of a cache holding at least n. */
static __rte_always_inline void
__rte_dmamap_umem_cache_take(struct __rte_dmamap_umem_cache *c, void **frames,
		unsigned int n)
{
	void **top = &c->objs[c->len];
	unsigned int i;

	/* Hottest first: the frames freed last are likeliest in the CPU's
	 * caches.
	 */
	for (i = 0; i < n; i++)
		frames[i] = *--top;
	c->len -= n;
}

/**
 * Allocate frames, all or none, from the calling lcore's cache (no lock, no
 * atomic on a hit) or the shared ring behind it. It fails only when this
 * lcore's cache and the ring together hold fewer than n frames.
 *
 * @param umem
 *   The pool.
 * @param frames
 *   Out: n frame addresses (frame start + info.frame_offset).
 * @param n
 *   Number of frames.
 * @return
 *   0, or -ENOBUFS when fewer than n frames are free (nothing taken).
 */
static inline int
rte_dmamap_umem_alloc_bulk(struct rte_dmamap_umem *umem, void **frames,
		unsigned int n)
{
	struct __rte_dmamap_umem_cache *c = __rte_dmamap_umem_cache(umem);
	unsigned int rest;

	if (unlikely(c == NULL))
		return rte_ring_dequeue_bulk(umem->ring, frames, n, NULL) == n ?
			0 : -ENOBUFS;
	if (likely(n <= c->len)) {
		__rte_dmamap_umem_cache_take(c, frames, n);
		return 0;
	}
	/* Refill to size plus this request. */
	if (n <= c->size && rte_ring_dequeue_bulk(umem->ring, &c->objs[c->len],
			c->size + n - c->len, NULL) != 0) {
		c->len = c->size + n;
		__rte_dmamap_umem_cache_take(c, frames, n);
		return 0;
	}
	/* A large request, or the ring is short: the cache, then the ring. */
	rest = n - c->len;
	if (rte_ring_dequeue_bulk(umem->ring, frames, rest, NULL) == 0)
		return -ENOBUFS;
	__rte_dmamap_umem_cache_take(c, &frames[rest], c->len);
	return 0;
}

/**
 * Free frames to the calling lcore's cache; past its flush threshold the
 * cache empties into the shared ring.
 *
 * @param umem
 *   The pool.
 * @param frames
 *   Addresses from rte_dmamap_umem_alloc_bulk() (or a ring) of this pool.
 * @param n
 *   Number of frames.
 */
static inline void
rte_dmamap_umem_free_bulk(struct rte_dmamap_umem *umem, void *const *frames,
		unsigned int n)
{
	struct __rte_dmamap_umem_cache *c = __rte_dmamap_umem_cache(umem);

	if (unlikely(c == NULL || n > c->size)) {
		rte_ring_enqueue_bulk(umem->ring, frames, n, NULL);
		return;
	}
	if (unlikely(c->len + n > c->flushthresh)) {
		rte_ring_enqueue_bulk(umem->ring, c->objs, c->len, NULL);
		c->len = 0;
	}
	rte_memcpy(&c->objs[c->len], frames, sizeof(void *) * n);
	c->len += n;
}

/**
 * Tell whether an address lies in the pool's frames area.
 *
 * @param umem
 *   The pool.
 * @param addr
 *   Any address.
 * @return
 *   true when addr is in [info.va, info.va + info.len).
 */
static inline bool
rte_dmamap_umem_contains(const struct rte_dmamap_umem *umem, const void *addr)
{
	return (uintptr_t)addr - umem->va < umem->len;
}

/**
 * Index of the frame holding an address, in O(1).
 *
 * @param umem
 *   The pool.
 * @param addr
 *   Any address inside a frame.
 * @return
 *   The index (0 .. nb_frames - 1), or RTE_DMAMAP_UMEM_BAD_IDX when addr
 *   lies in no frame.
 */
static inline uint32_t
rte_dmamap_umem_frame_idx(const struct rte_dmamap_umem *umem, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - umem->va;
	uint32_t in_blk, slot;

	if (unlikely(off >= umem->len))
		return RTE_DMAMAP_UMEM_BAD_IDX;
	if (likely(umem->frame_shift != 0))
		return (uint32_t)(off >> umem->frame_shift);
	off = (uintptr_t)addr - umem->blk_base;
	in_blk = (uint32_t)(off & (RTE_DMAMAP_UMEM_BLOCK_SIZE - 1));
	slot = rte_reciprocal_divide(in_blk, umem->div_frame);
	if (unlikely(slot >= umem->frames_per_blk))
		return RTE_DMAMAP_UMEM_BAD_IDX;
	return (uint32_t)(off >> RTE_DMAMAP_UMEM_BLOCK_SHIFT) * umem->frames_per_blk + slot - umem->slot0;
}

/**
 * Start of a frame, in O(1).
 *
 * @param umem
 *   The pool.
 * @param idx
 *   Frame index.
 * @return
 *   The frame's first byte (the handed-out address is info.frame_offset
 *   further), or NULL when idx is not below nb_frames.
 */
static inline void *
rte_dmamap_umem_frame_addr(const struct rte_dmamap_umem *umem, uint32_t idx)
{
	uint32_t slot, blk;

	if (unlikely(idx >= umem->nb_frames))
		return NULL;
	if (likely(umem->frame_shift != 0))
		return (void *)(umem->va + ((uintptr_t)idx << umem->frame_shift));
	slot = idx + umem->slot0;
	blk = rte_reciprocal_divide(slot, umem->div_blk);
	return (void *)(umem->blk_base + ((uintptr_t)blk << RTE_DMAMAP_UMEM_BLOCK_SHIFT) +
		(uintptr_t)(slot - blk * umem->frames_per_blk) * umem->frame_size);
}

/**
 * Start of the frame holding an address.
 *
 * @param umem
 *   The pool.
 * @param addr
 *   Any address inside a frame.
 * @return
 *   The frame's first byte, or NULL when addr lies in no frame.
 */
static inline void *
rte_dmamap_umem_frame_start(const struct rte_dmamap_umem *umem, const void *addr)
{
	uintptr_t off = (uintptr_t)addr - umem->va;

	if (likely(umem->frame_shift != 0 && off < umem->len))
		return (void *)(umem->va + (off & ~((uintptr_t)umem->frame_size - 1)));
	return rte_dmamap_umem_frame_addr(umem,
		rte_dmamap_umem_frame_idx(umem, addr));
}

/** @internal Device address of an address known to be in the pool. */
static __rte_always_inline rte_iova_t
__rte_dmamap_umem_iova(const struct __rte_dmamap_umem_att *a, uintptr_t va)
{
	if (likely(a->mode == __RTE_DMAMAP_UMEM_LINEAR))
		return va + a->delta;
	return rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, va);
}

/**
 * Device address of an address in the pool, in O(1): one addition, or one
 * translation-table lookup for a direct device on an IOVA-discontiguous
 * pool.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param addr
 *   Any address in the pool's frames area.
 * @return
 *   The IOVA, or RTE_BAD_IOVA with rte_errno EINVAL (device not attached,
 *   address outside the pool).
 */
static inline rte_iova_t
rte_dmamap_umem_iova(const struct rte_dmamap_umem *umem, int16_t dev_id,
		const void *addr)
{
	const struct __rte_dmamap_umem_att *a = __rte_dmamap_umem_att(umem, dev_id);

	if (unlikely(a == NULL || !rte_dmamap_umem_contains(umem, addr))) {
		rte_errno = EINVAL;
		return RTE_BAD_IOVA;
	}
	return __rte_dmamap_umem_iova(a, (uintptr_t)addr);
}

/**
 * Address in the pool of a device address, in O(1).
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param iova
 *   A device address of the pool's memory for that device.
 * @return
 *   The address, or NULL with rte_errno EINVAL (device not attached, IOVA
 *   not the device's address of pool memory).
 */
static inline void *
rte_dmamap_umem_iova2addr(const struct rte_dmamap_umem *umem, int16_t dev_id,
		rte_iova_t iova)
{
	const struct __rte_dmamap_umem_att *a = __rte_dmamap_umem_att(umem, dev_id);
	uintptr_t va = 0;

	if (likely(a != NULL && a->mode == __RTE_DMAMAP_UMEM_LINEAR))
		va = (uintptr_t)(iova - a->delta);
	else if (a != NULL)
		va = (uintptr_t)rte_dmamap_xlate_lookup(rte_dmamap_xlate_iova, iova);
	if (unlikely(!rte_dmamap_umem_contains(umem, (void *)va))) {
		rte_errno = EINVAL;
		return NULL;
	}
	return (void *)va;
}

/** @internal Device addresses of n buffers; -EINVAL when one is outside. */
static __rte_always_inline int
__rte_dmamap_umem_iovas(const struct rte_dmamap_umem *umem,
		const struct __rte_dmamap_umem_att *a, void *const bufs[],
		uint32_t add, rte_iova_t iovas[], unsigned int n)
{
	uintptr_t va;
	unsigned int i;

	for (i = 0; i < n; i++) {
		va = (uintptr_t)bufs[i] + add;
		if (unlikely(va - umem->va >= umem->len))
			return -EINVAL;
		iovas[i] = __rte_dmamap_umem_iova(a, va);
	}
	return 0;
}

/** @internal Sync n buffers; the last error, or 0. */
static __rte_always_inline int
__rte_dmamap_umem_sync(int16_t dev_id, const rte_iova_t iovas[],
		const uint32_t lens[], uint32_t len, unsigned int n,
		enum rte_dmamap_dir dir, bool for_cpu)
{
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < n; i++) {
		if (for_cpu)
			r = rte_dmamap_sync_for_cpu(dev_id, iovas[i],
				lens != NULL ? lens[i] : len, dir);
		else
			r = rte_dmamap_sync_for_device(dev_id, iovas[i],
				lens != NULL ? lens[i] : len, dir);
		if (unlikely(r < 0))
			ret = r;
	}
	return ret;
}

/**
 * Hand buffers to a device for receiving (a PMD posting RX descriptors with
 * buffers it took from the pool or its mempool): gives their device
 * addresses, syncs them for the device when it needs it
 * (RTE_DMAMAP_FROM_DEVICE), and counts them as the device's.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param bufs
 *   Where the device may write, each in a frame of the pool.
 * @param len
 *   Bytes the device may write at each buffer.
 * @param iovas
 *   Out: device address of each buffer.
 * @param n
 *   Number of buffers.
 * @return
 *   0, or -EINVAL (device not attached, a buffer outside the pool: nothing
 *   done), or the error of a refused sync (rte_dmamap_sync_for_device(),
 *   the buffers are posted all the same).
 */
static inline int
rte_dmamap_umem_rx_post(struct rte_dmamap_umem *umem, int16_t dev_id,
		void *const bufs[], uint32_t len, rte_iova_t iovas[], unsigned int n)
{
	const struct __rte_dmamap_umem_att *a = __rte_dmamap_umem_att(umem, dev_id);
	int ret;

	if (unlikely(a == NULL))
		return __rte_dmamap_umem_bad_dev(umem, dev_id);
	if (unlikely(__rte_dmamap_umem_iovas(umem, a, bufs, 0, iovas, n) < 0))
		return -EINVAL;
	ret = unlikely(a->need_sync) ? __rte_dmamap_umem_sync(dev_id, iovas, NULL,
		len, n, RTE_DMAMAP_FROM_DEVICE, false) : 0;
	__rte_dmamap_umem_held_add(umem, dev_id, n);
	return ret;
}

/**
 * Take back buffers a device filled (a PMD completing RX descriptors):
 * syncs the received bytes for the CPU when the device needs it and stops
 * counting the buffers as the device's. Call it before reading the data.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param bufs
 *   Buffers as posted.
 * @param lens
 *   Bytes the device wrote at each buffer (> 0).
 * @param n
 *   Number of buffers.
 * @return
 *   0, or -EINVAL (device not attached, a buffer outside the pool: nothing
 *   done), or the error of a refused sync.
 */
static inline int
rte_dmamap_umem_rx_done(struct rte_dmamap_umem *umem, int16_t dev_id,
		void *const bufs[], const uint32_t lens[], unsigned int n)
{
	const struct __rte_dmamap_umem_att *a = __rte_dmamap_umem_att(umem, dev_id);
	rte_iova_t iova;
	unsigned int i;
	int ret = 0, r;

	if (unlikely(a == NULL))
		return __rte_dmamap_umem_bad_dev(umem, dev_id);
	if (unlikely(a->need_sync)) {
		for (i = 0; i < n; i++) {
			if (unlikely(!rte_dmamap_umem_contains(umem, bufs[i])))
				return -EINVAL;
			iova = __rte_dmamap_umem_iova(a, (uintptr_t)bufs[i]);
			r = rte_dmamap_sync_for_cpu(dev_id, iova, lens[i],
				RTE_DMAMAP_FROM_DEVICE);
			if (unlikely(r < 0))
				ret = r;
		}
	}
	__rte_dmamap_umem_held_add(umem, dev_id, -(int64_t)n);
	return ret;
}

/**
 * Hand buffers to a device for transmission: gives their device addresses,
 * syncs the bytes the CPU wrote for the device when it needs it
 * (RTE_DMAMAP_TO_DEVICE), and counts them as the device's.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param bufs
 *   First byte to send of each buffer, in a frame of the pool.
 * @param lens
 *   Bytes to send of each buffer (> 0).
 * @param iovas
 *   Out: device address of each buffer.
 * @param n
 *   Number of buffers.
 * @return
 *   0, or -EINVAL (device not attached, a buffer outside the pool: nothing
 *   done), or the error of a refused sync.
 */
static inline int
rte_dmamap_umem_tx_post(struct rte_dmamap_umem *umem, int16_t dev_id,
		void *const bufs[], const uint32_t lens[], rte_iova_t iovas[],
		unsigned int n)
{
	const struct __rte_dmamap_umem_att *a = __rte_dmamap_umem_att(umem, dev_id);
	int ret;

	if (unlikely(a == NULL))
		return __rte_dmamap_umem_bad_dev(umem, dev_id);
	if (unlikely(__rte_dmamap_umem_iovas(umem, a, bufs, 0, iovas, n) < 0))
		return -EINVAL;
	ret = unlikely(a->need_sync) ? __rte_dmamap_umem_sync(dev_id, iovas, lens,
		0, n, RTE_DMAMAP_TO_DEVICE, false) : 0;
	__rte_dmamap_umem_held_add(umem, dev_id, n);
	return ret;
}

/**
 * Take back n buffers whose transmission the device completed, when they
 * do not go through a completion ring (a PMD freeing transmitted mbufs).
 * A device only reads TX buffers: there is nothing to sync.
 *
 * @param umem
 *   The pool.
 * @param dev_id
 *   An attached device.
 * @param n
 *   Number of buffers.
 * @return
 *   0, or -EINVAL (device not attached).
 */
static inline int
rte_dmamap_umem_tx_done(struct rte_dmamap_umem *umem, int16_t dev_id,
		unsigned int n)
{
	if (unlikely(__rte_dmamap_umem_att(umem, dev_id) == NULL))
		return __rte_dmamap_umem_bad_dev(umem, dev_id);
	__rte_dmamap_umem_held_add(umem, dev_id, -(int64_t)n);
	return 0;
}

/*
 * Fill and completion rings. One thread produces, one consumes.
 */

/**
 * Producer: reserve n slots, all or none.
 *
 * @param ring
 *   The ring.
 * @param n
 *   Slots wanted.
 * @param idx
 *   Out: index of the first slot, for rte_dmamap_umem_ring_slot().
 * @return
 *   n, or 0 when fewer slots are free.
 */
static inline uint32_t
rte_dmamap_umem_ring_reserve(struct rte_dmamap_umem_ring *ring, uint32_t n,
		uint32_t *idx)
{
	if (ring->size - (ring->prod_head - ring->prod_cons) < n) {
		ring->prod_cons = __atomic_load_n(&ring->cons_tail,
			__ATOMIC_ACQUIRE);
		if (ring->size - (ring->prod_head - ring->prod_cons) < n)
			return 0;
	}
	*idx = ring->prod_head;
	ring->prod_head += n;
	return n;
}

/**
 * Slot of a reserved or peeked index: the producer writes a frame address
 * there, the consumer reads one.
 *
 * @param ring
 *   The ring.
 * @param idx
 *   Index from rte_dmamap_umem_ring_reserve() or rte_dmamap_umem_ring_peek(),
 *   plus 0 .. n - 1.
 * @return
 *   The slot.
 */
static inline void **
rte_dmamap_umem_ring_slot(struct rte_dmamap_umem_ring *ring, uint32_t idx)
{
	return &ring->addrs[idx & ring->mask];
}

/**
 * Producer: publish the n oldest reserved slots. Frames submitted to a
 * fill ring count as the device's; frames submitted to a completion ring
 * stop counting.
 *
 * @param ring
 *   The ring.
 * @param n
 *   Slots to publish, at most those reserved.
 */
static inline void
rte_dmamap_umem_ring_submit(struct rte_dmamap_umem_ring *ring, uint32_t n)
{
	__atomic_store_n(&ring->prod_tail, ring->prod_tail + n, __ATOMIC_RELEASE);
	__rte_dmamap_umem_held_add(ring->umem, ring->dev_id,
		ring->type == RTE_DMAMAP_UMEM_RING_FILL ? (int64_t)n : -(int64_t)n);
}

/**
 * Consumer: take up to n published slots.
 *
 * @param ring
 *   The ring.
 * @param n
 *   Slots wanted.
 * @param idx
 *   Out: index of the first slot.
 * @return
 *   Slots taken (0 .. n).
 */
static inline uint32_t
rte_dmamap_umem_ring_peek(struct rte_dmamap_umem_ring *ring, uint32_t n,
		uint32_t *idx)
{
	uint32_t avail = ring->cons_prod - ring->cons_head;

	if (avail < n) {
		ring->cons_prod = __atomic_load_n(&ring->prod_tail,
			__ATOMIC_ACQUIRE);
		avail = ring->cons_prod - ring->cons_head;
	}
	n = RTE_MIN(n, avail);
	*idx = ring->cons_head;
	ring->cons_head += n;
	return n;
}

/**
 * Consumer: give the n oldest peeked slots back to the producer.
 *
 * @param ring
 *   The ring.
 * @param n
 *   Slots to release, at most those peeked.
 */
static inline void
rte_dmamap_umem_ring_release(struct rte_dmamap_umem_ring *ring, uint32_t n)
{
	__atomic_store_n(&ring->cons_tail, ring->cons_tail + n, __ATOMIC_RELEASE);
}

/**
 * Entries published and not yet released.
 *
 * @param ring
 *   The ring.
 * @return
 *   The count.
 */
static inline uint32_t
rte_dmamap_umem_ring_count(const struct rte_dmamap_umem_ring *ring)
{
	return __atomic_load_n(&ring->prod_tail, __ATOMIC_ACQUIRE) -
		__atomic_load_n(&ring->cons_tail, __ATOMIC_ACQUIRE);
}

/**
 * Producer: reserve, write and submit up to n frames.
 *
 * @param ring
 *   The ring.
 * @param frames
 *   Frame addresses.
 * @param n
 *   Number of frames.
 * @return
 *   Frames enqueued (0 .. n): as many as there were free slots.
 */
static inline uint32_t
rte_dmamap_umem_ring_put(struct rte_dmamap_umem_ring *ring, void *const *frames,
		uint32_t n)
{
	uint32_t idx, i, room;

	room = ring->size - (ring->prod_head - ring->prod_cons);
	if (room < n) {
		ring->prod_cons = __atomic_load_n(&ring->cons_tail,
			__ATOMIC_ACQUIRE);
		room = ring->size - (ring->prod_head - ring->prod_cons);
	}
	n = rte_dmamap_umem_ring_reserve(ring, RTE_MIN(n, room), &idx);
	for (i = 0; i < n; i++)
		*rte_dmamap_umem_ring_slot(ring, idx + i) = frames[i];
	if (n > 0)
		rte_dmamap_umem_ring_submit(ring, n);
	return n;
}

/**
 * Consumer: peek, read and release up to n frames.
 *
 * @param ring
 *   The ring.
 * @param frames
 *   Out: frame addresses.
 * @param n
 *   Room in frames.
 * @return
 *   Frames dequeued (0 .. n).
 */
static inline uint32_t
rte_dmamap_umem_ring_get(struct rte_dmamap_umem_ring *ring, void **frames,
		uint32_t n)
{
	uint32_t idx, i;

	n = rte_dmamap_umem_ring_peek(ring, n, &idx);
	for (i = 0; i < n; i++)
		frames[i] = *rte_dmamap_umem_ring_slot(ring, idx + i);
	if (n > 0)
		rte_dmamap_umem_ring_release(ring, n);
	return n;
}

/**
 * Device side of a fill ring (a PMD refilling RX descriptors): takes up to
 * n frames, gives the device address of each frame's data (frame +
 * headroom) and syncs the data room for the device when it needs it. The
 * frames stay the device's until rte_dmamap_umem_rx_done().
 *
 * @param ring
 *   A fill ring.
 * @param frames
 *   Out: frame addresses.
 * @param iovas
 *   Out: device address of each frame's data.
 * @param n
 *   Room in frames and iovas.
 * @return
 *   Frames taken (0 .. n), or -EINVAL (not a fill ring, or the ring held
 *   an address outside the pool: nothing taken).
 */
static inline int
rte_dmamap_umem_fill_take(struct rte_dmamap_umem_ring *ring, void **frames,
		rte_iova_t iovas[], uint32_t n)
{
	struct rte_dmamap_umem *umem = ring->umem;
	const struct __rte_dmamap_umem_att *a = &umem->att[ring->dev_id];
	uint32_t idx, i;

	if (unlikely(ring->type != RTE_DMAMAP_UMEM_RING_FILL))
		return -EINVAL;
	n = rte_dmamap_umem_ring_peek(ring, n, &idx);
	for (i = 0; i < n; i++)
		frames[i] = *rte_dmamap_umem_ring_slot(ring, idx + i);
	if (unlikely(__rte_dmamap_umem_iovas(umem, a, frames, umem->headroom,
			iovas, n) < 0)) {
		ring->cons_head -= n;
		return -EINVAL;
	}
	if (unlikely(a->need_sync))
		__rte_dmamap_umem_sync(ring->dev_id, iovas, NULL, umem->frame_size -
			umem->hoff - umem->headroom, n, RTE_DMAMAP_FROM_DEVICE, false);
	if (n > 0)
		rte_dmamap_umem_ring_release(ring, n);
	return (int)n;
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_UMEM_H */
