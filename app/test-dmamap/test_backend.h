/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef TEST_BACKEND_H
#define TEST_BACKEND_H

/*
 * The "test" IOMMU backend: a real translation table (sorted IOVA ranges
 * with their target and protection) in the domain's shared area, with the
 * rules of a type1 IOMMU: maps must not overlap, an unmap removes whole
 * mappings only. It counts every call, models the IOTLB well enough to see
 * an IOVA mapped again before the flush that follows its unmap, and fails
 * a chosen map on request.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_dmamap_domain.h>

#define TEST_BACKEND_NAME "test"
/* Page sizes of test domains: 4 KiB, 2 MiB, 1 GiB. */
#define TEST_BACKEND_PGSIZES (RTE_BIT64(12) | RTE_BIT64(21) | RTE_BIT64(30))
/* Ranges a test domain holds unless told otherwise. */
#define TEST_BACKEND_RANGES 16384

struct test_backend_stats {
	uint64_t maps;          /* map calls */
	uint64_t unmaps;        /* unmap calls */
	uint64_t flushes;       /* flush calls */
	uint64_t full_flushes;  /* flush calls for the whole domain (len 0) */
	uint64_t translates;    /* translate calls */
	uint64_t refused;       /* calls refused: overlap, partial unmap, ... */
	uint64_t injected;      /* maps failed on request */
	uint64_t stale_maps;    /* maps of IOVA unmapped and not flushed since */
	uint64_t ranges;        /* ranges mapped now */
	uint64_t mapped_bytes;  /* bytes mapped now */
	uint64_t stale;         /* unmapped ranges waiting for a flush */
	uint64_t stale_untracked; /* such ranges beyond what the model holds */
};

/*
 * Create a domain of the test backend over [start, last] with its page
 * sizes and room for TEST_BACKEND_RANGES ranges. NULL with rte_errno as
 * rte_dmamap_domain_create() on failure.
 */
struct rte_dmamap_domain *test_backend_domain_create(const char *name,
		rte_iova_t start, rte_iova_t last, enum rte_dmamap_flush_policy flush,
		unsigned int fq_size, unsigned int max_mappings);

/* The same from a full configuration (backend and priv_size are set). */
struct rte_dmamap_domain *test_backend_domain_create_conf(
		struct rte_dmamap_domain_conf *conf, unsigned int max_ranges);

/* Read the counters of a test domain; -EINVAL for another backend. */
int test_backend_stats_get(struct rte_dmamap_domain *dom,
		struct test_backend_stats *stats);

/* Zero the call counters (not the table). */
void test_backend_stats_reset(struct rte_dmamap_domain *dom);

enum test_backend_op {
	TEST_BACKEND_MAP,
	TEST_BACKEND_UNMAP,
	TEST_BACKEND_FLUSH,
	TEST_BACKEND_OPS,
};

/* Make the nth call of op from now fail with -EIO (1: the next one); 0
 * cancels.
 */
void test_backend_fail(struct rte_dmamap_domain *dom, enum test_backend_op op,
		unsigned int nth);

/* Counters of the last test domain released (destroyed) in this process,
 * read just before its memory went: what destroy left mapped shows in
 * ranges. -ENOENT when none was released.
 */
int test_backend_last_released(char name[RTE_DMAMAP_NAME_LEN],
		struct test_backend_stats *stats);

/*
 * Look an IOVA up in the table: 0 with its target and protection, or
 * -ENOENT. Counts no call.
 */
int test_backend_lookup(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target, uint32_t *prot);

/* The target of an IOVA, RTE_BAD_IOVA when not mapped. */
rte_iova_t test_backend_translate(struct rte_dmamap_domain *dom,
		rte_iova_t iova);

#endif /* TEST_BACKEND_H */
