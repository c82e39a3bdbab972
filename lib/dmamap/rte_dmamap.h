/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_H
#define RTE_DMAMAP_H

/**
 * @file
 *
 * DMA mapping for poll-mode drivers.
 *
 * The model is the Linux kernel's DMA API (Documentation/core-api/dma-api.rst)
 * applied to DPDK devices. A driver attaches a DMA context to its
 * struct rte_device with the device's DMA mask, its coherence and, when the
 * device sits behind an IOMMU, the IOMMU domain it belongs to. The library
 * then decides once, at attach time, how each buffer reaches the device:
 *
 * - direct (bypass): the device uses the IOVA EAL gives the memory. Taken for
 *   a buffer that lies wholly at or below the device's direct limit: the DMA
 *   mask and, when the device has a domain, the bypass window below the
 *   domain's translated aperture;
 * - domain: the buffer is mapped into the device's IOMMU domain at an IOVA
 *   the library allocates;
 * - bounce: the buffer is copied through a bounce pool placed under the mask,
 *   for devices without a domain whose mask cannot reach the buffer.
 *
 * Call order: rte_dmamap_attach() -> map/unmap/sync, two-step IOVA, allocation
 * -> rte_dmamap_detach().
 *
 * Streaming mappings follow the kernel's ownership rules: after
 * rte_dmamap_map_single() the device owns the buffer. The CPU may read data
 * the device wrote (FROM_DEVICE, BIDIRECTIONAL) only after
 * rte_dmamap_sync_for_cpu() or the unmap; after the CPU wrote data for the
 * device (TO_DEVICE, BIDIRECTIONAL) it hands the buffer back with
 * rte_dmamap_sync_for_device().
 *
 * Error convention: functions returning int return 0 (or a count) on success
 * and a negative errno on failure; functions returning a pointer return NULL
 * and set rte_errno; functions returning an IOVA return RTE_BAD_IOVA and set
 * rte_errno (rte_dmamap_mapping_error() tests for it). Every failure is also
 * logged on the lib.dmamap log type, naming the problem, and leaves the
 * library's state as it was.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_device;
struct rte_mempool;
struct rte_memzone;
struct rte_dmamap_domain;

/** Maximum number of devices with a DMA context, across all processes. */
#define RTE_DMAMAP_MAX_DEVS 64

/** Smallest and largest DMA mask accepted, in bits. */
#define RTE_DMAMAP_MASK_BITS_MIN 12
#define RTE_DMAMAP_MASK_BITS_MAX 64

/** Direction of a DMA transfer, as the kernel's enum dma_data_direction. */
enum rte_dmamap_dir {
	RTE_DMAMAP_BIDIRECTIONAL = 0, /**< Device reads and writes. */
	RTE_DMAMAP_TO_DEVICE = 1,     /**< Device reads the buffer. */
	RTE_DMAMAP_FROM_DEVICE = 2,   /**< Device writes the buffer. */
};

/** Whether a device behind a domain may use direct (untranslated) DMA. */
enum rte_dmamap_bypass {
	/**
	 * Direct for buffers below the bypass window limit and the mask,
	 * through the domain above it (the hybrid window of POWER IOMMUs).
	 */
	RTE_DMAMAP_BYPASS_AUTO = 0,
	/** Always through the domain. Needs a domain. */
	RTE_DMAMAP_BYPASS_NEVER,
	/** Never through the domain: direct, or bounced beyond the mask. */
	RTE_DMAMAP_BYPASS_FORCE,
};

/** The device does not snoop CPU caches: syncs are required. */
#define RTE_DMAMAP_F_NONCOHERENT RTE_BIT32(0)
/** Track every mapping of the device with the debug checker. */
#define RTE_DMAMAP_F_DEBUG RTE_BIT32(1)
/** Do not create a bounce pool even when the mask needs one. */
#define RTE_DMAMAP_F_NO_BOUNCE RTE_BIT32(2)

/** Device DMA configuration, given at attach time. */
struct rte_dmamap_conf {
	/** DMA mask in bits, RTE_DMAMAP_MASK_BITS_MIN..MAX. */
	unsigned int mask_bits;
	/** RTE_DMAMAP_F_* flags. */
	uint32_t flags;
	/** Bypass policy; meaningful with a domain. */
	enum rte_dmamap_bypass bypass;
	/**
	 * First IOVA the device does not reach directly when it has a domain
	 * (the end of the 1:1 window). 0 means the start of the domain's
	 * aperture.
	 */
	rte_iova_t bypass_limit;
	/** IOMMU domain of the device, or NULL for none. */
	struct rte_dmamap_domain *domain;
	/**
	 * Name of registered cache maintenance operations for a non-coherent
	 * device (rte_dmamap_cache_ops_register()), or NULL for the CPU's own
	 * barriers.
	 */
	const char *cache_ops;
	/** Bounce pool size in bytes; 0 for the default when one is needed. */
	size_t bounce_size;
	/** NUMA socket for the device's memory, or SOCKET_ID_ANY. */
	int socket_id;
};

/** What the library decided for a device at attach time. */
struct rte_dmamap_info {
	char name[64];             /**< Device name. */
	unsigned int mask_bits;    /**< DMA mask in bits. */
	rte_iova_t mask;            /**< DMA mask. */
	uint32_t flags;            /**< RTE_DMAMAP_F_* flags. */
	enum rte_dmamap_bypass bypass; /**< Bypass policy. */
	rte_iova_t direct_limit;    /**< Last IOVA reached directly; 0: none. */
	char domain[32];           /**< Domain name, empty for none. */
	rte_iova_t bounce_iova;     /**< Bounce pool IOVA, 0 without a pool. */
	size_t bounce_size;        /**< Bounce pool size, 0 without a pool. */
};

/** Per-device counters. */
struct rte_dmamap_stats {
	uint64_t maps;          /**< Successful streaming maps (single and sg). */
	uint64_t unmaps;        /**< Successful streaming unmaps. */
	uint64_t direct;        /**< Maps served directly. */
	uint64_t domain;        /**< Maps through the domain. */
	uint64_t bounced;       /**< Maps through the bounce pool. */
	uint64_t bounce_bytes;  /**< Bytes copied through the bounce pool. */
	uint64_t syncs;         /**< sync_for_cpu and sync_for_device calls. */
	uint64_t allocs;        /**< Coherent and non-coherent allocations. */
	uint64_t links;         /**< Two-step link calls. */
	uint64_t errors;        /**< Calls refused for bad arguments. */
	uint64_t debug_errors;  /**< Misuses found by the debug checker. */
};

/**
 * Attach a DMA context to a device.
 *
 * @param dev
 *   The device, on any bus. Its name identifies it in every process.
 * @param conf
 *   The device's DMA configuration.
 * @return
 *   The device's dmamap id (>= 0) on success, or a negative errno:
 *   - -EINVAL: NULL argument, mask out of range, unknown flag, bypass NEVER
 *     without a domain, unknown cache operations;
 *   - -EEXIST: the device already has a DMA context;
 *   - -ENOSPC: RTE_DMAMAP_MAX_DEVS devices already attached;
 *   - -ENOMEM: no memory for the context or no bounce pool could be placed
 *     under the mask;
 *   - -E_RTE_SECONDARY: called from a secondary process.
 */
int rte_dmamap_attach(struct rte_device *dev, const struct rte_dmamap_conf *conf);

/**
 * Detach the DMA context of a device. With the debug checker on, mappings
 * still live are reported as leaks (logged and counted) and released.
 *
 * @param dev_id
 *   The dmamap id.
 * @return
 *   0, or -EINVAL (unknown id), -E_RTE_SECONDARY.
 */
int rte_dmamap_detach(int16_t dev_id);

/**
 * Find the dmamap id of a device by name; works in every process.
 *
 * @param name
 *   Device name, as rte_dev_name() gives it.
 * @return
 *   The dmamap id, or -ENODEV, -EINVAL (NULL name).
 */
int rte_dmamap_get_dev_id(const char *name);

/**
 * Number of attached devices.
 */
unsigned int rte_dmamap_count(void);

/**
 * Tell whether a dmamap id is attached.
 */
bool rte_dmamap_is_valid(int16_t dev_id);

/**
 * Get what the library decided for a device.
 *
 * @return
 *   0, or -EINVAL (unknown id or NULL info).
 */
int rte_dmamap_info_get(int16_t dev_id, struct rte_dmamap_info *info);

/**
 * Read a device's counters, summed over all lcores.
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_dmamap_stats_get(int16_t dev_id, struct rte_dmamap_stats *stats);

/**
 * Reset a device's counters.
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_dmamap_stats_reset(int16_t dev_id);

/**
 * Turn the debug checker on or off for all devices attached afterwards
 * (the environment variable RTE_DMAMAP_DEBUG=1 does the same at start).
 */
void rte_dmamap_debug_set_default(bool on);

/*
 * Memory known to the library.
 */

/**
 * Translate a virtual address to the IOVA EAL gives it, through the
 * library's translation table (all EAL memory and registered external memory).
 *
 * @return
 *   The IOVA, or RTE_BAD_IOVA when the table does not know the address.
 */
rte_iova_t rte_dmamap_virt2iova(const void *va);

/**
 * Translate an IOVA that EAL gives some memory back to its virtual address.
 *
 * @return
 *   The virtual address, or NULL when the table does not know the IOVA.
 */
void *rte_dmamap_iova2virt(rte_iova_t iova);

/**
 * Register external memory with EAL (rte_extmem_register()) and with the
 * library's translation table, so devices can map it.
 *
 * @param va
 *   Start of the area, page-aligned.
 * @param len
 *   Length, a multiple of pgsz.
 * @param iova_addrs
 *   IOVA of each page; NULL means IOVA = VA.
 * @param n_pages
 *   Number of entries in iova_addrs (len / pgsz).
 * @param pgsz
 *   Page size: 4 KiB, 2 MiB or 1 GiB.
 * @return
 *   0, or -EINVAL (bad alignment, sizes, page size), -EEXIST (overlaps
 *   known memory), -ENOMEM.
 */
int rte_dmamap_extmem_register(void *va, size_t len, const rte_iova_t iova_addrs[],
		unsigned int n_pages, size_t pgsz);

/**
 * Unregister external memory registered by rte_dmamap_extmem_register().
 *
 * @return
 *   0, or -EINVAL, -ENOENT (not registered), -EBUSY (EAL refused).
 */
int rte_dmamap_extmem_unregister(void *va, size_t len);

/*
 * Streaming mappings (fast path inline in rte_dmamap_core.h).
 */

/** One segment of a scatter-gather list. */
struct rte_dmamap_sge {
	void *va;          /**< In: CPU address of the segment. */
	uint32_t len;      /**< In: length of the segment. */
	/** Out: length of the DMA segment this segment starts; 0 when the
	 * segment was merged into the one before.
	 */
	uint32_t dma_len;
	rte_iova_t iova;     /**< Out: device address of this segment. */
};

/**
 * Map a buffer for streaming DMA (inline, rte_dmamap_core.h).
 *
 * rte_iova_t rte_dmamap_map_single(int16_t dev_id, void *va, size_t len,
 *                                  enum rte_dmamap_dir dir);
 *
 * @return
 *   The device address, or RTE_BAD_IOVA with rte_errno: EINVAL (bad id,
 *   NULL va, zero len, bad direction), ENOENT (memory unknown to the table),
 *   ERANGE (beyond the mask and no way to reach it), ENOSPC (IOVA space or
 *   bounce pool exhausted), EIO (the domain backend failed).
 */

/**
 * Unmap a streaming mapping (inline, rte_dmamap_core.h); len and dir must be
 * those of the map.
 *
 * int rte_dmamap_unmap_single(int16_t dev_id, rte_iova_t iova, size_t len,
 *                             enum rte_dmamap_dir dir);
 *
 * @return
 *   0, or -EINVAL (bad arguments; with the debug checker: unknown IOVA, size
 *   or direction mismatch, double unmap), -EIO (domain backend failed).
 */

/** @internal Slow paths behind the inline calls. */
rte_iova_t __rte_dmamap_map_slow(int16_t dev_id, void *va, size_t len,
		enum rte_dmamap_dir dir);
int __rte_dmamap_unmap_slow(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir);
int __rte_dmamap_sync_slow(int16_t dev_id, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, bool for_cpu);

/**
 * Map a scatter-gather list. Neighbouring segments that are contiguous in
 * both VA and IOVA are merged into one DMA segment; through a domain the
 * whole list gets one IOVA range.
 *
 * @param sg
 *   Array of segments; iova and dma_len are filled in.
 * @param nents
 *   Number of segments, at least 1.
 * @return
 *   The number of DMA segments (>= 1), or a negative errno as
 *   rte_dmamap_map_single() gives it in rte_errno. On failure nothing stays
 *   mapped.
 */
int rte_dmamap_map_sg(int16_t dev_id, struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir);

/**
 * Unmap a scatter-gather list mapped by rte_dmamap_map_sg(); sg and nents
 * as given to the map.
 *
 * @return
 *   0, or -EINVAL, -EIO.
 */
int rte_dmamap_unmap_sg(int16_t dev_id, struct rte_dmamap_sge *sg,
		unsigned int nents, enum rte_dmamap_dir dir);

/**
 * Give the CPU ownership of (part of) a streaming mapping, so it can read
 * what the device wrote (inline, rte_dmamap_core.h).
 *
 * int rte_dmamap_sync_for_cpu(int16_t dev_id, rte_iova_t iova, size_t len,
 *                             enum rte_dmamap_dir dir);
 *
 * @return
 *   0, or -EINVAL (bad arguments; with the debug checker: unmapped or
 *   out-of-range memory, direction different from the map's).
 */

/**
 * Give the device ownership of (part of) a streaming mapping after the CPU
 * wrote it (inline, rte_dmamap_core.h).
 *
 * int rte_dmamap_sync_for_device(int16_t dev_id, rte_iova_t iova, size_t len,
 *                                enum rte_dmamap_dir dir);
 *
 * @return
 *   0, or -EINVAL as rte_dmamap_sync_for_cpu().
 */

/**
 * Tell whether syncs on a mapping do any work (non-coherent device, bounce
 * buffer, debug checker). A driver may skip the calls when false.
 */
bool rte_dmamap_need_sync(int16_t dev_id, rte_iova_t iova);

/**
 * Tell whether unmaps of the device's streaming mappings do any work. When
 * false a driver may drop its records of (iova, len) and never unmap.
 */
bool rte_dmamap_need_unmap(int16_t dev_id);

/*
 * Allocation.
 */

/**
 * Allocate memory that the device and the CPU see coherently, IOVA-contiguous
 * and wholly under the device's mask.
 *
 * @param size
 *   Size in bytes, > 0.
 * @param iova
 *   Out: device address of the memory.
 * @return
 *   The CPU address, or NULL with rte_errno: EINVAL, ENOMEM (no memory
 *   under the mask), ENOSPC (no IOVA space in the domain), EIO.
 */
void *rte_dmamap_alloc_coherent(int16_t dev_id, size_t size, rte_iova_t *iova);

/**
 * Free memory from rte_dmamap_alloc_coherent().
 *
 * @return
 *   0, or -EINVAL (unknown memory, size or IOVA mismatch, memory allocated
 *   by rte_dmamap_alloc_noncoherent()).
 */
int rte_dmamap_free_coherent(int16_t dev_id, size_t size, void *va, rte_iova_t iova);

/**
 * Allocate memory for DMA that need not be coherent: the caller transfers
 * ownership with rte_dmamap_sync_for_cpu() / rte_dmamap_sync_for_device() on
 * the returned IOVA. Never falls back to a slower coherent allocator.
 *
 * @param dir
 *   Direction of the transfers the memory is used for.
 * @return
 *   As rte_dmamap_alloc_coherent().
 */
void *rte_dmamap_alloc_noncoherent(int16_t dev_id, size_t size, rte_iova_t *iova,
		enum rte_dmamap_dir dir);

/**
 * Free memory from rte_dmamap_alloc_noncoherent().
 *
 * @return
 *   0, or -EINVAL (unknown memory, mismatch, coherent allocation).
 */
int rte_dmamap_free_noncoherent(int16_t dev_id, size_t size, void *va,
		rte_iova_t iova, enum rte_dmamap_dir dir);

/*
 * Two-step mapping: reserve an IOVA range first, link memory into it later.
 */

/** State of one preallocated IOVA range. */
struct rte_dmamap_iova_state {
	rte_iova_t addr;     /**< First IOVA of the range. */
	size_t size;        /**< Size of the range. */
	size_t granule;     /**< Domain granule the link rules refer to. */
	uint64_t __offset;  /**< @internal Offset of addr in its granule. */
	uint64_t __pending; /**< @internal Bytes linked and not yet synced. */
};

/**
 * Reserve a contiguous IOVA range in the device's domain.
 *
 * @param state
 *   Out: the range.
 * @param va_hint
 *   Memory to be linked first (its offset within a granule is kept), or NULL.
 * @param size
 *   Size of the range, > 0.
 * @return
 *   true with state filled; false when the device reaches va_hint's memory
 *   (or, with no hint, all memory) directly, or on error (rte_errno set:
 *   EINVAL, ENOSPC): the caller then uses the streaming API.
 */
bool rte_dmamap_iova_try_alloc(int16_t dev_id, struct rte_dmamap_iova_state *state,
		const void *va_hint, size_t size);

/**
 * Map memory at an offset of a reserved range, without flushing.
 * All links but the first start granule-aligned; all but the last are whole
 * granules.
 *
 * @return
 *   0, or -EINVAL (range overrun, alignment rules), -ENOENT (memory unknown
 *   to the table), -ENOSPC (the domain's mapping limit), -EIO (backend
 *   failed; nothing of this call stays mapped).
 */
int rte_dmamap_iova_link(int16_t dev_id, struct rte_dmamap_iova_state *state,
		const void *va, size_t offset, size_t size, enum rte_dmamap_dir dir);

/**
 * Make links of [offset, offset + size) visible to the device: one flush
 * for a whole batch.
 *
 * @return
 *   0, or -EINVAL, -EIO.
 */
int rte_dmamap_iova_sync(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size);

/**
 * Unmap [offset, offset + size) of a range; the range stays reserved.
 *
 * @return
 *   0, or -EINVAL, -EIO.
 */
int rte_dmamap_iova_unlink(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t offset, size_t size, enum rte_dmamap_dir dir);

/**
 * Unlink the first mapped_len bytes and free the range in one call. Lazy
 * domains queue the IOVA for reuse after the next flush.
 *
 * @return
 *   0, or -EINVAL, -EIO.
 */
int rte_dmamap_iova_destroy(int16_t dev_id, struct rte_dmamap_iova_state *state,
		size_t mapped_len, enum rte_dmamap_dir dir);

/**
 * Free a reserved range that has nothing linked.
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_dmamap_iova_free(int16_t dev_id, struct rte_dmamap_iova_state *state);

/*
 * Helpers for drivers: one IOVA range for a whole memory object.
 */

/** A memory object mapped for a device as one IOVA range. */
struct rte_dmamap_region {
	void *va;            /**< Lowest address covered. */
	size_t len;          /**< Bytes covered from va. */
	rte_iova_t iova;       /**< Device address of va; valid unless direct. */
	bool direct;         /**< Direct: use the IOVAs EAL gives the memory. */
	struct rte_dmamap_iova_state state; /**< @internal */
};

/**
 * Map all memory chunks of a mempool for a device as one IOVA range, so an
 * object's device address is region->iova + (va - region->va).
 *
 * @return
 *   0, or -EINVAL, -ENOENT, -ENOSPC, -ENOMEM, -ERANGE (no domain and the
 *   memory is beyond the device's reach), -EIO; on failure nothing stays
 *   mapped.
 */
int rte_dmamap_mempool_map(int16_t dev_id, struct rte_mempool *mp,
		enum rte_dmamap_dir dir, struct rte_dmamap_region *region);

/**
 * Map a memzone for a device as one IOVA range.
 *
 * @return
 *   As rte_dmamap_mempool_map().
 */
int rte_dmamap_memzone_map(int16_t dev_id, const struct rte_memzone *mz,
		enum rte_dmamap_dir dir, struct rte_dmamap_region *region);

/**
 * Unmap a region from rte_dmamap_mempool_map() or rte_dmamap_memzone_map().
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_dmamap_region_unmap(int16_t dev_id, struct rte_dmamap_region *region,
		enum rte_dmamap_dir dir);

#ifdef __cplusplus
}
#endif

#include <rte_dmamap_core.h>

#endif /* RTE_DMAMAP_H */
