/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_BUS_EMU_H
#define RTE_BUS_EMU_H

/**
 * @file
 *
 * The emu bus: emulated DMA devices behind a software IOMMU.
 *
 * Devices come from devargs (-a emu:<name>,type=<class>,...). Each device
 * is attached to lib/dmamap at probe, so its driver only calls the
 * rte_dmamap API; the device model moves data with the DMA engine of
 * bus_emu_driver.h. Every DMA the engine refuses (no translation, no
 * permission, beyond the aperture or the device's DMA mask) is a fault:
 * it touches no memory and is recorded in the device's fault log.
 *
 * This header is what applications and tests may call: the fault log, the
 * IOTLB and page-table statistics, and direct programming of the IOMMU
 * page tables (for tests of the IOMMU model and for tools).
 *
 * Error convention as rte_dmamap.h: int functions return 0 (or a count) or
 * a negative errno; pointer functions return NULL and set rte_errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_dmamap_domain;

/** The device reads memory (a DMA read, a TX buffer fetch). */
#define RTE_EMU_DMA_READ RTE_BIT32(0)
/** The device writes memory (a DMA write, an RX buffer fill). */
#define RTE_EMU_DMA_WRITE RTE_BIT32(1)

/** Why the platform refused a DMA. */
enum rte_bus_emu_fault_reason {
	/** No translation for the IOVA in the device's IOMMU domain. */
	RTE_BUS_EMU_FAULT_NOT_PRESENT = 0,
	/** Translation present without the access right (read or write). */
	RTE_BUS_EMU_FAULT_PERMISSION,
	/** IOVA outside the IOMMU's aperture. */
	RTE_BUS_EMU_FAULT_APERTURE,
	/** IOVA beyond the device's DMA mask: the device cannot emit it. */
	RTE_BUS_EMU_FAULT_MASK,
	/** The address reached (IOVA or translation) is not known memory. */
	RTE_BUS_EMU_FAULT_NO_MEMORY,
	RTE_BUS_EMU_FAULT_MAX, /**< Number of reasons. */
};

/** One recorded fault. */
struct rte_bus_emu_fault {
	uint64_t seq;     /**< Number of the fault on its device, from 1. */
	rte_iova_t iova;  /**< First IOVA of the access that faulted. */
	uint32_t len;     /**< Length of the access. */
	uint32_t access;  /**< RTE_EMU_DMA_READ or RTE_EMU_DMA_WRITE. */
	enum rte_bus_emu_fault_reason reason; /**< Why. */
	rte_iova_t fault_iova; /**< The IOVA whose translation failed. */
};

/** Fault counters of a device. */
struct rte_bus_emu_fault_stats {
	uint64_t total;                          /**< All faults. */
	uint64_t reason[RTE_BUS_EMU_FAULT_MAX];  /**< Faults per reason. */
	/** Faults no longer in the log: overwritten by newer ones. */
	uint64_t lost;
};

/** Number of fault records a device keeps (the most recent ones). */
#define RTE_BUS_EMU_FAULT_LOG_SIZE 64

/**
 * Read the most recent fault records of a device, oldest first.
 *
 * @param dev_name
 *   Device name (as in the devargs, without "emu:").
 * @param faults
 *   Array of n records to fill.
 * @param n
 *   Size of the array.
 * @return
 *   The number of records written (0..n), or -EINVAL (NULL argument),
 *   -ENODEV (no such emu device).
 */
int rte_bus_emu_fault_read(const char *dev_name, struct rte_bus_emu_fault *faults,
		unsigned int n);

/**
 * Read the fault counters of a device.
 *
 * @return
 *   0, or -EINVAL, -ENODEV.
 */
int rte_bus_emu_fault_stats_get(const char *dev_name,
		struct rte_bus_emu_fault_stats *stats);

/**
 * Empty the fault log of a device and reset its counters.
 *
 * @return
 *   0, or -EINVAL, -ENODEV.
 */
int rte_bus_emu_fault_clear(const char *dev_name);

/**
 * Name of a fault reason ("not_present", "permission", "aperture",
 * "dma_mask", "no_memory"), or NULL for an unknown reason.
 */
const char *rte_bus_emu_fault_reason_name(enum rte_bus_emu_fault_reason reason);

/** IOTLB counters of the IOMMU domain of a device. */
struct rte_bus_emu_iotlb_stats {
	uint64_t hits;          /**< Translations served by the IOTLB. */
	uint64_t misses;        /**< Translations that walked the tables. */
	uint64_t flushes;       /**< Invalidation requests (range or all). */
	uint64_t invalidated;   /**< Entries dropped by invalidations. */
	uint64_t evictions;     /**< Valid entries replaced on a miss. */
	unsigned int entries;   /**< Valid entries now. */
	unsigned int capacity;  /**< Entries the IOTLB holds. */
};

/**
 * Read the IOTLB counters of a device's IOMMU domain (shared by the
 * devices of its group).
 *
 * @return
 *   0, or -EINVAL, -ENODEV, -ENOTSUP (the device has no IOMMU domain).
 */
int rte_bus_emu_iotlb_stats_get(const char *dev_name,
		struct rte_bus_emu_iotlb_stats *stats);

/**
 * Reset the IOTLB counters of a device's domain (the cached entries stay).
 *
 * @return
 *   0, or -EINVAL, -ENODEV, -ENOTSUP.
 */
int rte_bus_emu_iotlb_stats_reset(const char *dev_name);

/** Page-table state of an IOMMU domain. */
struct rte_bus_emu_iommu_info {
	rte_iova_t aperture_start;  /**< First translated IOVA. */
	rte_iova_t aperture_last;   /**< Last translated IOVA. */
	bool lazy;                  /**< Lazy (deferred) IOTLB flushing. */
	unsigned int pt_pages;      /**< Page-table pages in use. */
	unsigned int pt_pages_max;  /**< Size of the page-table pool. */
	uint64_t pt_bytes;          /**< Bytes used by the page tables. */
	uint64_t leaves_4k;         /**< 4 KiB leaf entries. */
	uint64_t leaves_2m;         /**< 2 MiB leaf entries. */
	uint64_t leaves_1g;         /**< 1 GiB leaf entries. */
	uint64_t mapped_bytes;      /**< Bytes mapped. */
};

/**
 * Read the page-table state of a device's IOMMU domain.
 *
 * @return
 *   0, or -EINVAL, -ENODEV, -ENOTSUP (no IOMMU domain).
 */
int rte_bus_emu_iommu_info_get(const char *dev_name,
		struct rte_bus_emu_iommu_info *info);

/**
 * The IOMMU domain of a device.
 *
 * @return
 *   The domain, or NULL with rte_errno EINVAL, ENODEV (no such device),
 *   ENOTSUP (no IOMMU domain).
 */
struct rte_dmamap_domain *rte_bus_emu_domain(const char *dev_name);

/*
 * Programming the page tables directly, as an IOMMU driver would. Normal
 * drivers never do this: lib/dmamap maps through the domain. These calls
 * serve tests of the IOMMU model and tools that build address spaces by
 * hand; they bypass the domain's IOVA allocator, so use IOVAs the library
 * does not allocate (outside the devices' masks, or a domain no device
 * maps through the library).
 */

/** One translation found by a page-table walk. */
struct rte_bus_emu_pte {
	rte_iova_t target;   /**< EAL IOVA the IOVA translates to. */
	size_t page_size;    /**< Size of the leaf: 4 KiB, 2 MiB or 1 GiB. */
	uint32_t prot;       /**< RTE_DMAMAP_PROT_READ / _WRITE. */
};

/**
 * Map [iova, iova + len) to [target, target + len) in an emu IOMMU domain.
 * Uses 1 GiB and 2 MiB leaves wherever iova, target and the remaining
 * length allow, 4 KiB leaves elsewhere. Invalidates nothing: the IOTLB
 * caches only present translations.
 *
 * @param prot
 *   RTE_DMAMAP_PROT_READ and/or RTE_DMAMAP_PROT_WRITE.
 * @return
 *   0, or -EINVAL (not an emu domain, unaligned or empty range, bad prot,
 *   outside the aperture), -EEXIST (part of the range is mapped),
 *   -ENOMEM (page-table pool exhausted). Nothing stays mapped on error.
 */
int rte_bus_emu_iommu_map(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t target, size_t len, uint32_t prot);

/**
 * Unmap [iova, iova + len), splitting large leaves the range cuts. Does not
 * invalidate the IOTLB: until rte_bus_emu_iommu_flush() the devices may
 * still reach what they cached, as on hardware.
 *
 * @return
 *   0, or -EINVAL, -ENOENT (part of the range is not mapped; nothing
 *   changed), -ENOMEM (no page to split a large leaf; nothing changed).
 */
int rte_bus_emu_iommu_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len);

/**
 * Invalidate the IOTLB entries of [iova, iova + len); len 0: all.
 *
 * @return
 *   0, or -EINVAL.
 */
int rte_bus_emu_iommu_flush(struct rte_dmamap_domain *dom, rte_iova_t iova,
		size_t len);

/**
 * Walk the page tables for an IOVA (the IOTLB is neither used nor filled).
 *
 * @return
 *   0 with pte filled, or -EINVAL, -ENOENT (not mapped).
 */
int rte_bus_emu_iommu_walk(struct rte_dmamap_domain *dom, rte_iova_t iova,
		struct rte_bus_emu_pte *pte);

#ifdef __cplusplus
}
#endif

#endif /* RTE_BUS_EMU_H */
