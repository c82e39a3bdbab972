/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_VFIO_H
#define RTE_DMAMAP_VFIO_H

/**
 * @file
 *
 * The VFIO backend: an IOMMU domain over a VFIO type1 container.
 *
 * Each IOVA-contiguous range the library maps is one VFIO_IOMMU_MAP_DMA
 * (never one ioctl per page) and is unmapped exactly as it was mapped. The
 * domain's aperture comes from the container's valid IOVA ranges and its
 * page sizes from the IOMMU's, read from the container, not assumed; the
 * kernel's limit on the number of mappings (dma_entry_limit) shows as
 * -ENOSPC from the map.
 *
 * The type1 IOMMU invalidates the IOTLB before VFIO_IOMMU_UNMAP_DMA returns,
 * so a VFIO domain is strict whatever policy it is created with: a lazy one
 * frees IOVA at once, as nothing is left to flush.
 *
 * The kernel drops every mapping of a container when its last device is
 * closed: destroy domains (and unmap regions) before closing the ports.
 * A domain over a container of its own takes the container's whole valid
 * IOVA range, so the devices in it must use the domain's IOVAs only.
 */

#include <stdbool.h>

#include <rte_dmamap_domain.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Backend name of VFIO domains. */
#define RTE_DMAMAP_VFIO_BACKEND "vfio"

/**
 * Tell whether VFIO with a type1 IOMMU can be used by this process.
 */
bool rte_dmamap_vfio_available(void);

/**
 * Create a domain over a VFIO container.
 *
 * @param name
 *   Domain name.
 * @param container_fd
 *   The container, from rte_vfio_container_create(), or
 *   RTE_VFIO_DEFAULT_CONTAINER_FD for EAL's default container. It must
 *   have a group attached, so the IOMMU type is set.
 * @param flush
 *   Flush policy of the domain.
 * @return
 *   The domain, or NULL with rte_errno: EINVAL, ENODEV (no VFIO, no type1
 *   IOMMU, no group in the container), ENOMEM.
 */
struct rte_dmamap_domain *
rte_dmamap_vfio_domain_create(const char *name, int container_fd,
		enum rte_dmamap_flush_policy flush);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_VFIO_H */
