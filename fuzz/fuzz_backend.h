/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef FUZZ_BACKEND_H
#define FUZZ_BACKEND_H

/*
 * The "fuzz" IOMMU backend: a plain table of mapped ranges that checks
 * every call the library makes against the rules a type1 IOMMU enforces,
 * and stops the process (FUZZ_CHECK) when one is broken:
 * - maps are in whole granules, inside the aperture, never over a mapping;
 * - unmaps cover whole mappings only (gaps allowed, at least one);
 * - optionally (stale check): no IOVA is mapped again after its unmap
 *   before a flush has covered it, the promise of lazy flushing.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_dmamap_domain.h>

#define FUZZ_BACKEND_NAME "fuzz"

/*
 * Create a domain of the fuzz backend: granule 4 KiB (2 MiB and 1 GiB pages
 * too), room for max_ranges mappings. NULL with rte_errno on failure.
 */
struct rte_dmamap_domain *fuzz_domain_create(const char *name,
		rte_iova_t start, rte_iova_t last, enum rte_dmamap_flush_policy flush,
		unsigned int fq_size, unsigned int max_ranges, bool stale_check);

/* Turn the stale check of a domain on or off. */
void fuzz_domain_stale_check(struct rte_dmamap_domain *dom, bool on);

/* Translation of iova: 0 with target and prot, -ENOENT when not mapped. */
int fuzz_domain_lookup(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target, uint32_t *prot);

/* Mappings now and their bytes. */
unsigned int fuzz_domain_ranges(struct rte_dmamap_domain *dom);
uint64_t fuzz_domain_bytes(struct rte_dmamap_domain *dom);

/* The n-th mapping by IOVA: 0, or -ENOENT past the last. */
int fuzz_domain_range(struct rte_dmamap_domain *dom, unsigned int n,
		rte_iova_t *iova, uint64_t *len);

/*
 * Whether an unmap of [iova, iova + len) would be accepted: it holds at
 * least one mapping and cuts none.
 */
bool fuzz_domain_whole(struct rte_dmamap_domain *dom, rte_iova_t iova,
		uint64_t len);

/* Flushes of the whole domain so far. */
uint64_t fuzz_domain_full_flushes(struct rte_dmamap_domain *dom);

#endif /* FUZZ_BACKEND_H */
