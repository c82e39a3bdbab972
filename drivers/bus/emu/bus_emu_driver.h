/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef BUS_EMU_DRIVER_H
#define BUS_EMU_DRIVER_H

/**
 * @file
 *
 * Interface for drivers and device models of emu bus devices.
 *
 * A driver registers for a device class (the devargs key "type") with
 * RTE_PMD_REGISTER_EMU(). When it is probed its device is already attached
 * to lib/dmamap (rte_emu_device.dmamap_id): the driver maps, syncs and
 * allocates with the rte_dmamap API only, as a driver of real hardware
 * would. The driver's device model then moves data with the DMA engine
 * below, which applies the device's DMA mask, its IOMMU domain (page tables
 * and IOTLB) and, for a non-coherent device, its view of memory.
 *
 * The devargs of a device carry the bus's keys (type, dma_mask, iommu,
 * coherent, group, numa_node, bypass, window, pt_pages, dma_debug) and the
 * driver's;
 * the bus takes its own and gives the driver the rest in args and kvargs.
 * A driver lists the keys it knows in params: the bus refuses the device,
 * naming the key, when the devargs hold a key neither knows.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <dev_driver.h>

#include "rte_bus_emu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rte_kvargs;

/** Longest device class name, with the terminating NUL. */
#define RTE_EMU_TYPE_LEN 32

/** An emu device. */
struct rte_emu_device {
	RTE_TAILQ_ENTRY(rte_emu_device) next; /**< @internal Bus list. */
	struct rte_device device;        /**< Inherit generic device. */
	char name[RTE_DEV_NAME_MAX_LEN]; /**< Device name. */
	char type[RTE_EMU_TYPE_LEN];     /**< Device class. */
	int16_t dmamap_id;               /**< lib/dmamap id of the device. */
	bool coherent;                   /**< The device snoops CPU caches. */
	unsigned int mask_bits;          /**< DMA mask in bits. */
	/** The driver's devargs keys, "k1=v1,k2=v2" ("" when none). */
	const char *args;
	/** The same, parsed; NULL when there are none. */
	struct rte_kvargs *kvargs;
};

/** Get the emu device of a generic device. */
#define RTE_DEV_TO_EMU(ptr) container_of(ptr, struct rte_emu_device, device)
#define RTE_DEV_TO_EMU_CONST(ptr) \
	container_of(ptr, const struct rte_emu_device, device)

/** Name of an emu device. */
static inline const char *
rte_emu_device_name(const struct rte_emu_device *dev)
{
	return dev->name;
}

/** Probe a device: its dmamap context exists; its driver keys are valid. */
typedef int (rte_emu_probe_t)(struct rte_emu_device *dev);
/** Remove a device; the bus detaches its dmamap context afterwards. */
typedef int (rte_emu_remove_t)(struct rte_emu_device *dev);

/** A driver of emu devices. */
struct rte_emu_driver {
	RTE_TAILQ_ENTRY(rte_emu_driver) next; /**< @internal Bus list. */
	struct rte_driver driver;      /**< Inherit generic driver. */
	const char *type;              /**< Device class the driver serves. */
	rte_emu_probe_t *probe;        /**< Probe a device. */
	rte_emu_remove_t *remove;      /**< Remove a device. */
	/**
	 * Devargs keys the driver accepts, NULL-terminated; NULL lets the
	 * driver check its keys itself.
	 */
	const char * const *params;
};

/**
 * Register an emu driver. Called from a constructor, see
 * RTE_PMD_REGISTER_EMU().
 */
__rte_internal
void rte_emu_register(struct rte_emu_driver *driver);

/** Unregister an emu driver. */
__rte_internal
void rte_emu_unregister(struct rte_emu_driver *driver);

/** Register an emu driver in a constructor. */
#define RTE_PMD_REGISTER_EMU(nm, emu_drv) \
	RTE_INIT(emuinitfn_ ##nm) \
	{ \
		(emu_drv).driver.name = RTE_STR(nm); \
		rte_emu_register(&(emu_drv)); \
	} \
	RTE_PMD_EXPORT_NAME(nm, __COUNTER__)

/**
 * Find an emu device by name, in any process.
 *
 * @return
 *   The device, or NULL with rte_errno EINVAL or ENODEV.
 */
__rte_internal
struct rte_emu_device *rte_emu_device_get(const char *name);

/*
 * DMA engine: how a device model reads and writes memory by IOVA.
 *
 * An access goes through the device's DMA mask, then directly (no IOMMU
 * domain, or an IOVA in the bypass window at or below the device's direct
 * limit) or through the IOMMU domain: IOTLB, then page-table walk. A
 * faulting access touches no memory, returns -EFAULT and is recorded in the
 * fault log. A non-coherent device (coherent=0) sees memory as synchronised
 * by the cache maintenance lib/dmamap performs on map, unmap and sync: what
 * the CPU wrote after its last sync_for_device is invisible to the device,
 * and what the device wrote reaches the CPU only at sync_for_cpu or unmap.
 */

/**
 * Read len bytes at iova, as the device, into buf.
 *
 * @return
 *   0, or -EINVAL (NULL argument, len 0, IOVA range wraps), -EFAULT (the
 *   access faulted; nothing was read).
 */
__rte_internal
int rte_emu_dma_read(struct rte_emu_device *dev, rte_iova_t iova, void *buf,
		size_t len);

/**
 * Write len bytes from buf at iova, as the device.
 *
 * @return
 *   0, or -EINVAL, -EFAULT (nothing was written).
 */
__rte_internal
int rte_emu_dma_write(struct rte_emu_device *dev, rte_iova_t iova,
		const void *buf, size_t len);

/**
 * Translate [iova, iova + len) for one access of a coherent device and
 * return the CPU address of the memory, when the range is translated to
 * one contiguous host range. The fast path of device models: they access
 * the memory themselves, at once (an unmap after the call is not seen).
 *
 * @param access
 *   RTE_EMU_DMA_READ and/or RTE_EMU_DMA_WRITE.
 * @return
 *   The host address, or NULL with rte_errno: EINVAL (bad argument),
 *   EFAULT (the access faulted, recorded), ERANGE (translated but not to
 *   one contiguous host range: use read/write), ENOTSUP (non-coherent
 *   device: use read/write).
 */
__rte_internal
void *rte_emu_dma_translate(struct rte_emu_device *dev, rte_iova_t iova,
		size_t len, uint32_t access);

/**
 * Translate n ranges, each for one access of a coherent device, as n calls
 * of rte_emu_dma_translate() would (same checks, same faults recorded, same
 * IOTLB traffic), with the IOMMU's lock taken at most once (not at all when
 * the calling thread's IOTLB holds every range). The fast path of device
 * models that move bursts of packets.
 *
 * @param iova
 *   First IOVA of each range.
 * @param len
 *   Bytes of each range; a range of 0 bytes fails with EINVAL.
 * @param n
 *   Number of ranges.
 * @param access
 *   RTE_EMU_DMA_READ and/or RTE_EMU_DMA_WRITE, for every range.
 * @param host
 *   Receives the host address of each range, NULL for a range that failed.
 * @param err
 *   When not NULL, receives for each range that failed the rte_errno value
 *   rte_emu_dma_translate() would set: EINVAL, EFAULT (recorded), ERANGE;
 *   and 0 for each range translated: every entry is written (unless the
 *   call returns a negative errno).
 * @return
 *   The number of ranges translated, or -EINVAL (bad argument), -ENOTSUP
 *   (non-coherent device: use read/write).
 */
__rte_internal
int rte_emu_dma_translate_bulk(struct rte_emu_device *dev,
		const rte_iova_t *iova, const uint32_t *len, unsigned int n,
		uint32_t access, void **host, int *err);

#ifdef __cplusplus
}
#endif

#endif /* BUS_EMU_DRIVER_H */
