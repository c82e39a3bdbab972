/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "fuzz_common.h"
#include "fuzz_mem.h"

#define PG 4096u

static uint8_t *arena[FUZZ_ARENA_MAX];
static rte_iova_t ext_iova[FUZZ_EXT_PAGES];
static rte_iova_t eal_iova;
static uint8_t unknown_mem[FUZZ_UNKNOWN_SIZE] __rte_aligned(PG);

/*
 * Runs of 1, 2, 3, 4 contiguous pages, each after a hole of one page. The
 * first page is at IOVA 0, a valid IOVA (external memory may have it)
 * that a limit of 0 must not take for "reached directly" (check iova0).
 */
static void
ext_iova_layout(void)
{
	rte_iova_t next = FUZZ_EXT_IOVA;
	unsigned int i = 1, run = 2, j;

	ext_iova[0] = fuzz_ignored("iova0") ? next - 2 * PG : 0;
	while (i < FUZZ_EXT_PAGES) {
		for (j = 0; j < run && i < FUZZ_EXT_PAGES; j++, i++) {
			ext_iova[i] = next;
			next += PG;
		}
		next += PG;
		run = run % 4 + 1;
	}
}

void
fuzz_mem_init(void)
{
	uintptr_t p;
	size_t i;

	arena[FUZZ_ARENA_EAL] = rte_malloc("fuzz_eal", FUZZ_EAL_SIZE, PG);
	FUZZ_CHECK(arena[FUZZ_ARENA_EAL] != NULL, "no EAL memory");
	eal_iova = rte_mem_virt2iova(arena[FUZZ_ARENA_EAL]);
	for (i = 0; i < FUZZ_EAL_SIZE; i += PG) {
		p = (uintptr_t)arena[FUZZ_ARENA_EAL] + i;
		FUZZ_CHECK(rte_mem_virt2iova((void *)p) == eal_iova + i,
			"EAL arena not IOVA-contiguous");
	}
	arena[FUZZ_ARENA_EXT] = mmap(NULL, FUZZ_EXT_SIZE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	FUZZ_CHECK(arena[FUZZ_ARENA_EXT] != MAP_FAILED, "no EXT memory");
	ext_iova_layout();
	FUZZ_CHECK(rte_dmamap_extmem_register(arena[FUZZ_ARENA_EXT],
		FUZZ_EXT_SIZE, ext_iova, FUZZ_EXT_PAGES, PG) == 0,
		"cannot register EXT memory");
	arena[FUZZ_ARENA_UNKNOWN] = unknown_mem;
}

uint8_t *
fuzz_arena_base(enum fuzz_arena a)
{
	return arena[a];
}

size_t
fuzz_arena_size(enum fuzz_arena a)
{
	static const size_t size[FUZZ_ARENA_MAX] = {
		FUZZ_EAL_SIZE, FUZZ_EXT_SIZE, FUZZ_UNKNOWN_SIZE,
	};

	return size[a];
}

static bool
in_arena(enum fuzz_arena a, uintptr_t p)
{
	return p - (uintptr_t)arena[a] < fuzz_arena_size(a);
}

rte_iova_t
fuzz_mem_iova(const void *va)
{
	uintptr_t p = (uintptr_t)va, off;

	if (in_arena(FUZZ_ARENA_EAL, p))
		return eal_iova + (p - (uintptr_t)arena[FUZZ_ARENA_EAL]);
	if (in_arena(FUZZ_ARENA_EXT, p)) {
		off = p - (uintptr_t)arena[FUZZ_ARENA_EXT];
		return ext_iova[off / PG] + off % PG;
	}
	return RTE_BAD_IOVA;
}

bool
fuzz_mem_known(const void *va, size_t len)
{
	uintptr_t p = (uintptr_t)va;

	return len != 0 && fuzz_mem_iova(va) != RTE_BAD_IOVA &&
		fuzz_mem_iova((const void *)(p + len - 1)) != RTE_BAD_IOVA &&
		(in_arena(FUZZ_ARENA_EAL, p) == in_arena(FUZZ_ARENA_EAL, p + len - 1));
}

bool
fuzz_mem_contig(const void *va, size_t len, rte_iova_t *iova)
{
	uintptr_t p = (uintptr_t)va, q;

	*iova = fuzz_mem_iova(va);
	if (!fuzz_mem_known(va, len))
		return false;
	for (q = RTE_ALIGN_FLOOR(p, PG) + PG; q < p + len; q += PG)
		if (fuzz_mem_iova((const void *)q) != *iova + (q - p))
			return false;
	return true;
}

rte_iova_t
fuzz_mem_max_iova(void)
{
	return ext_iova[FUZZ_EXT_PAGES - 1] + PG - 1;
}
