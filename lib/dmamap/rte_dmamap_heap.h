/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef RTE_DMAMAP_HEAP_H
#define RTE_DMAMAP_HEAP_H

/**
 * @file
 *
 * A PA=VA hugepage heap: hugepages mapped at the virtual address equal to
 * their physical address (identity), or at one constant offset from it
 * (VA = PA + K), and added to a named DPDK malloc heap, so rte_malloc,
 * memzones and mempools on it work as usual. In IOVA-PA mode the IOVA of its
 * memory is its VA (identity) or VA - K, so the direct path needs no table
 * lookup: one range compare.
 *
 * Identity placement needs the physical address range free in the process:
 * EAL places its own memory from 4 GiB upward by default, which overlaps
 * the RAM of most machines; start EAL with --base-virtaddr above the top of
 * RAM (e.g. 0x4000000000) to get identity mode, otherwise the heap uses one
 * offset. The heap reserves its whole VA range, holes between chunks
 * included, so nothing else is ever mapped inside it.
 *
 * Devices behind an IOMMU domain that mirrors EAL memory
 * (rte_dmamap_domain_mirror_eal()) see the heap as they see EAL memory: the
 * heap links each of its chunks into every such domain at IOVA = its EAL
 * IOVA (the VA in IOVA-VA mode) before the chunk is handed out, and unlinks
 * it when shrink or destroy removes it. The same addresses work with and
 * without the IOMMU.
 *
 * Mempools on the heap: the mempool ops driver RTE_DMAMAP_HEAP_MEMPOOL_OPS
 * ("dmamap_heap") places a pool's objects on the heap, creating the heap on
 * first use (RTE_DMAMAP_HEAP_MEMPOOL_HEAP, at least
 * RTE_DMAMAP_HEAP_MEMPOOL_DEFAULT_SIZE bytes) or growing it when it lacks
 * room, so applications that only name a mempool driver (EAL option
 * --mbuf-pool-ops-name dmamap_heap) get their mbufs there. The pool's
 * socket_id then reads the heap's socket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the mempool ops driver whose pools live on the heap. */
#define RTE_DMAMAP_HEAP_MEMPOOL_OPS "dmamap_heap"
/** Name of the heap the mempool driver creates when there is none. */
#define RTE_DMAMAP_HEAP_MEMPOOL_HEAP "dmamap_heap"
/** Smallest heap the mempool driver creates, in bytes. */
#define RTE_DMAMAP_HEAP_MEMPOOL_DEFAULT_SIZE (UINT64_C(128) << 20)

/** How the heap places pages. */
enum rte_dmamap_heap_mode {
	RTE_DMAMAP_HEAP_IDENTITY = 0, /**< VA == PA for every page. */
	RTE_DMAMAP_HEAP_OFFSET,       /**< VA == PA + K for every page. */
};

/** What a heap is. */
struct rte_dmamap_heap_info {
	char name[32];                 /**< Malloc heap name. */
	int socket_id;                 /**< Socket id of the malloc heap. */
	enum rte_dmamap_heap_mode mode; /**< Identity or offset. */
	uint64_t offset;               /**< K: VA - PA (0 for identity), in both IOVA modes. */
	size_t page_size;              /**< Hugepage size used. */
	size_t size;                   /**< Bytes of memory in the heap. */
	uintptr_t va_start;            /**< Lowest VA of the heap's memory. */
	uintptr_t va_end;              /**< One past the highest VA. */
};

/**
 * Create the heap (primary process) with size bytes of hugepages.
 *
 * @param name
 *   Malloc heap name (rte_malloc_heap_create()).
 * @param size
 *   Bytes, a multiple of the page size.
 * @return
 *   0, or -EINVAL, -EEXIST, -ENOMEM (no hugepages, no hugetlbfs mount,
 *   address space exhausted), -EPERM (physical addresses hidden),
 *   -E_RTE_SECONDARY. Nothing stays mapped on error.
 */
int rte_dmamap_heap_create(const char *name, size_t size);

/**
 * Add size bytes of hugepages to the heap, placed as the heap places them.
 *
 * @return
 *   0, or -EINVAL, -ENOENT (no heap), -ENOMEM, -E_RTE_SECONDARY.
 */
int rte_dmamap_heap_grow(size_t size);

/**
 * Remove free memory from the heap: chunks added by rte_dmamap_heap_grow()
 * that nothing is allocated from, newest first, up to size bytes.
 *
 * @return
 *   Bytes removed (>= 0), or -ENOENT (no heap), -E_RTE_SECONDARY.
 */
long rte_dmamap_heap_shrink(size_t size);

/**
 * Attach a secondary process to the heap: map the same pages at the same
 * addresses. Call it again to follow the primary's grow and shrink. In the
 * primary it links the heap into the domains mirroring EAL memory that
 * miss some of it (the heap does so itself at creation, growth and when a
 * domain starts mirroring) and returns 0 when the heap exists.
 *
 * @return
 *   0, or -ENOENT (no heap), -EBUSY (an address is taken in this process;
 *   logged with the address), in the primary an error of the domain's
 *   backend (what was linked stays linked).
 */
int rte_dmamap_heap_attach(void);

/**
 * Destroy the heap; it must be empty.
 *
 * @return
 *   0, or -ENOENT, -EBUSY (memory still allocated), -E_RTE_SECONDARY.
 */
int rte_dmamap_heap_destroy(void);

/**
 * Describe the heap.
 *
 * @return
 *   0, or -ENOENT (no heap, or a secondary not attached), -EINVAL (NULL info).
 */
int rte_dmamap_heap_info_get(struct rte_dmamap_heap_info *info);

#ifdef __cplusplus
}
#endif

#endif /* RTE_DMAMAP_HEAP_H */
