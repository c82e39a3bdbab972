/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_DOMAIN_H
#define RTE_DMAMAP_DOMAIN_H

/**
 * @file
 *
 * IOMMU domains: the interface for whoever owns IOMMU hardware (a bus, the
 * VFIO backend) and for the drivers that attach devices to a domain.
 *
 * A domain is one IOMMU address space. Its backend registers operations by
 * name in every process (rte_dmamap_domain_ops_register(), usually from an
 * RTE_INIT constructor); a domain names its backend, so a secondary process
 * finds the operations of its own address space. The domain's state, its
 * IOVA allocator and its flush queue live in shared memory.
 *
 * The library allocates IOVAs inside the domain's aperture and calls the
 * backend to map, unmap and flush. Several devices may share one domain;
 * a device belongs to at most one.
 *
 * Flush policy: a strict domain flushes each unmap before it returns; a lazy
 * domain queues unmapped IOVA ranges and reuses them only once a flush that
 * started after the unmap has completed (when the queue is full, on
 * rte_dmamap_domain_flush(), or when the IOVA space looks full).
 *
 * Error convention as rte_dmamap.h. Backend operations return 0 or a
 * negative errno. The library calls them without holding a domain lock,
 * from any lcore and process: a backend serializes what it must itself.
 * An unmap covers whole earlier mappings (gaps between them allowed), never
 * part of one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_dmamap_domain;

/** The device reads through the mapping. */
#define RTE_DMAMAP_PROT_READ RTE_BIT32(0)
/** The device writes through the mapping. */
#define RTE_DMAMAP_PROT_WRITE RTE_BIT32(1)

/** Longest backend and domain name, with the terminating NUL. */
#define RTE_DMAMAP_NAME_LEN 32

/** Operations of an IOMMU backend. */
struct rte_dmamap_domain_ops {
	/** Backend name, unique in the process. */
	const char *name;
	/**
	 * Map [iova, iova + len) to the memory at va, whose EAL IOVA is
	 * target (the address the IOMMU translates to). iova, target and len
	 * are multiples of the domain granule. Nothing stays mapped on error.
	 */
	int (*map)(struct rte_dmamap_domain *dom, rte_iova_t iova,
			const void *va, rte_iova_t target, size_t len, uint32_t prot);
	/** Unmap [iova, iova + len), exactly a range or ranges mapped before. */
	int (*unmap)(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len);
	/**
	 * Invalidate cached translations (IOTLB) of [iova, iova + len); len 0
	 * invalidates all. May be NULL when the backend needs no flush.
	 */
	int (*flush)(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len);
	/** Give the target of a mapped IOVA; -ENOENT when not mapped. */
	int (*translate)(struct rte_dmamap_domain *dom, rte_iova_t iova,
			rte_iova_t *target);
	/** Release backend state at domain destruction. May be NULL. */
	void (*release)(struct rte_dmamap_domain *dom);
};

/** Flush policy of a domain. */
enum rte_dmamap_flush_policy {
	RTE_DMAMAP_FLUSH_STRICT = 0, /**< Flush on each unmap. */
	RTE_DMAMAP_FLUSH_LAZY,       /**< Flush queue, reuse after a flush. */
};

/** Domain configuration. */
struct rte_dmamap_domain_conf {
	/** Domain name, unique across processes. */
	const char *name;
	/** Name of registered backend operations. */
	const char *backend;
	/** First and last IOVA the domain may allocate. */
	rte_iova_t aperture_start;
	rte_iova_t aperture_last;
	/** Page sizes the backend maps (bit n set: 2^n); lowest is the granule. */
	uint64_t pgsize_bitmap;
	/** Flush policy. */
	enum rte_dmamap_flush_policy flush;
	/** Flush queue entries for a lazy domain; 0 for the default. */
	unsigned int fq_size;
	/** Largest number of backend mappings (the kernel's limit), 0: none. */
	unsigned int max_mappings;
	/** Size of backend state to allocate in shared memory with the domain. */
	size_t priv_size;
	/** NUMA socket for the domain's state, or SOCKET_ID_ANY. */
	int socket_id;
};

/** Domain counters. */
struct rte_dmamap_domain_stats {
	uint64_t maps;          /**< Backend map calls. */
	uint64_t unmaps;        /**< Backend unmap calls. */
	uint64_t flushes;       /**< Backend flush calls. */
	uint64_t mapped_bytes;  /**< Bytes mapped now. */
	uint64_t iova_allocs;   /**< IOVA ranges allocated. */
	uint64_t iova_frees;    /**< IOVA ranges freed (or queued). */
	uint64_t fq_queued;     /**< IOVA ranges waiting for a flush. */
	uint64_t map_errors;    /**< Backend map failures. */
};

/**
 * Register the operations of a backend in this process.
 *
 * @return
 *   0, or -EINVAL (NULL ops or name, missing map/unmap/translate), -EEXIST.
 */
int rte_dmamap_domain_ops_register(const struct rte_dmamap_domain_ops *ops);

/**
 * Create a domain.
 *
 * @return
 *   The domain, or NULL with rte_errno: EINVAL (bad name, aperture, page
 *   sizes), ENOENT (unknown backend), EEXIST (name taken), ENOMEM,
 *   E_RTE_SECONDARY.
 */
struct rte_dmamap_domain *
rte_dmamap_domain_create(const struct rte_dmamap_domain_conf *conf);

/**
 * Find a domain by name, in any process.
 *
 * @return
 *   The domain, or NULL with rte_errno ENOENT or EINVAL.
 */
struct rte_dmamap_domain *rte_dmamap_domain_lookup(const char *name);

/**
 * Destroy a domain that no device uses; everything mapped is unmapped.
 *
 * @return
 *   0, or -EINVAL, -EBUSY (devices attached), -E_RTE_SECONDARY.
 */
int rte_dmamap_domain_destroy(struct rte_dmamap_domain *dom);

/** The backend's state (conf.priv_size bytes, zeroed at creation). */
void *rte_dmamap_domain_priv(struct rte_dmamap_domain *dom);

/** The domain's name. */
const char *rte_dmamap_domain_name(const struct rte_dmamap_domain *dom);

/** The domain's granule (smallest page size). */
size_t rte_dmamap_domain_granule(const struct rte_dmamap_domain *dom);

/**
 * Flush the domain: drain a lazy domain's flush queue, freeing its IOVA.
 *
 * @return
 *   0, or -EINVAL, -EIO.
 */
int rte_dmamap_domain_flush(struct rte_dmamap_domain *dom);

/**
 * Read a domain's counters.
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_dmamap_domain_stats_get(struct rte_dmamap_domain *dom,
		struct rte_dmamap_domain_stats *stats);

/**
 * Translate a domain IOVA through the backend.
 *
 * @return
 *   The target, or RTE_BAD_IOVA when not mapped.
 */
rte_iova_t rte_dmamap_domain_translate(struct rte_dmamap_domain *dom,
		rte_iova_t iova);

/**
 * Mirror all EAL memory in a domain at IOVA = EAL IOVA, as EAL maps its
 * memory into VFIO: one backend map per IOVA-contiguous run and one flush,
 * then hotplugged memory is linked and freed memory unlinked from the memory
 * event callback, one batch per event.
 *
 * External memory is not mirrored, as EAL's own VFIO mapping does not.
 *
 * @return
 *   0, or -EINVAL (EAL memory lies inside the aperture), -EEXIST (already
 *   mirrored), -EIO, -ENOSPC.
 */
int rte_dmamap_domain_mirror_eal(struct rte_dmamap_domain *dom);

/*
 * Cache maintenance for non-coherent devices.
 */

/**
 * Cache maintenance operations of a platform. for_device makes what the CPU
 * wrote in [va, va + len) visible to the device at iova (write back); for_cpu
 * makes what the device wrote visible to the CPU (invalidate). for_cpu is
 * also called for TO_DEVICE mappings, where the device wrote nothing, so the
 * platform may drop the lines it holds for the device.
 */
struct rte_dmamap_cache_ops {
	const char *name; /**< Name given in rte_dmamap_conf.cache_ops. */
	void (*for_device)(int16_t dev_id, const void *va, rte_iova_t iova,
			size_t len, int dir);
	void (*for_cpu)(int16_t dev_id, void *va, rte_iova_t iova,
			size_t len, int dir);
	/**
	 * Make [va, va + len) coherent for the device (uncached = true), as
	 * the kernel remaps coherent allocations uncached for a non-coherent
	 * device, or undo it at free. May be NULL.
	 */
	void (*set_uncached)(int16_t dev_id, void *va, rte_iova_t iova,
			size_t len, bool uncached);
};

/**
 * Register cache maintenance operations in this process.
 *
 * @return
 *   0, or -EINVAL, -EEXIST.
 */
int rte_dmamap_cache_ops_register(const struct rte_dmamap_cache_ops *ops);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_DOMAIN_H */
