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
 * See the functions below; the pool is also an rte_mempool ops driver named
 * RTE_DMAMAP_UMEM_MEMPOOL_OPS.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include <rte_dmamap.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the rte_mempool ops driver whose memory is a umem. */
#define RTE_DMAMAP_UMEM_MEMPOOL_OPS "dmamap_umem"

struct rte_dmamap_umem;

/** Frames are power-of-two sized and aligned to their size. */
#define RTE_DMAMAP_UMEM_F_ALIGNED 0
/** Frames of any size >= 2 KiB, packed. */
#define RTE_DMAMAP_UMEM_F_UNALIGNED RTE_BIT32(0)

/** Pool configuration. */
struct rte_dmamap_umem_conf {
	const char *name;        /**< Unique name (memzones use it). */
	uint32_t frame_size;     /**< 2 KiB .. 64 KiB (power of two if aligned). */
	uint32_t nb_frames;      /**< Number of frames. */
	uint32_t headroom;       /**< Bytes kept free at each frame's start. */
	uint32_t flags;          /**< RTE_DMAMAP_UMEM_F_*. */
	int socket_id;           /**< NUMA socket, or SOCKET_ID_ANY. */
	/** Memory the application supplies (NULL: the pool allocates). It
	 * must be registered with rte_dmamap_extmem_register() or be EAL
	 * memory, and be aligned to the frame size in aligned mode.
	 */
	void *user_mem;
	size_t user_mem_len;     /**< Bytes at user_mem. */
	uint32_t cache_size;     /**< Per-lcore frame cache, 0 for none. */
	uint32_t ring_size;      /**< Fill/completion ring entries (power of 2). */
};

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_UMEM_H */
