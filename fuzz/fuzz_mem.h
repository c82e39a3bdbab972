/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef FUZZ_MEM_H
#define FUZZ_MEM_H

/*
 * Memory the API targets map, in three arenas whose IOVAs the model knows:
 * - EAL: EAL memory (rte_malloc), IOVA-contiguous, low IOVAs;
 * - EXT: external memory of 4 KiB pages registered with made-up IOVAs far
 *   above 4 GiB (the first page at IOVA 0), in IOVA-contiguous runs of 1
 *   to 4 pages with holes between them, so buffers there may be
 *   discontiguous;
 * - UNKNOWN: memory the library does not know.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

enum fuzz_arena {
	FUZZ_ARENA_EAL,
	FUZZ_ARENA_EXT,
	FUZZ_ARENA_UNKNOWN,
	FUZZ_ARENA_MAX,
};

#define FUZZ_EAL_SIZE (UINT64_C(1) << 20)
#define FUZZ_EXT_PAGES 64
#define FUZZ_EXT_SIZE (FUZZ_EXT_PAGES * UINT64_C(4096))
#define FUZZ_UNKNOWN_SIZE (UINT64_C(64) << 10)
/* IOVA of the first page of the EXT arena. */
#define FUZZ_EXT_IOVA (UINT64_C(1) << 40)

/* Allocate and register the arenas (after EAL); exits on failure. */
void fuzz_mem_init(void);

uint8_t *fuzz_arena_base(enum fuzz_arena a);
size_t fuzz_arena_size(enum fuzz_arena a);

/*
 * EAL IOVA of va as the model sees it; RTE_BAD_IOVA for unknown memory.
 */
rte_iova_t fuzz_mem_iova(const void *va);

/*
 * Whether [va, va + len) is known memory and IOVA-contiguous; *iova gets
 * the IOVA of va (RTE_BAD_IOVA when unknown).
 */
bool fuzz_mem_contig(const void *va, size_t len, rte_iova_t *iova);

/* Whether every byte of [va, va + len) is known memory. */
bool fuzz_mem_known(const void *va, size_t len);

/* Highest IOVA of known memory. */
rte_iova_t fuzz_mem_max_iova(void);

#endif /* FUZZ_MEM_H */
