/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * EAL for fuzz targets: 4 KiB pages in process memory (--no-huge
 * --no-shconf), so fuzzers run anywhere, in parallel, and leave no files.
 * Memory goes at a low address (--base-virtaddr) because ASan's shadow
 * holds EAL's default one; in IOVA-as-VA mode that also gives it low
 * IOVAs, which devices with 32-bit masks reach directly.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include <rte_dmamap.h>

#include "fuzz_common.h"

#define FUZZ_ARGS_MAX 32

bool fuzz_trace;

void
fuzz_eal_init(const char *prog, const char * const *extra)
{
	static const char * const base[] = { FUZZ_EAL_ARGS };
	char *argv[FUZZ_ARGS_MAX];
	unsigned int argc = 0, i;

	fuzz_trace = getenv("FUZZ_TRACE") != NULL;
	argv[argc++] = (char *)(uintptr_t)prog;
	for (i = 0; i < RTE_DIM(base); i++)
		argv[argc++] = (char *)(uintptr_t)base[i];
	if (getenv("FUZZ_LOG") == NULL)
		argv[argc++] = (char *)(uintptr_t)"--log-level=*:critical";
	for (i = 0; extra != NULL && extra[i] != NULL && argc < FUZZ_ARGS_MAX - 1; i++)
		argv[argc++] = (char *)(uintptr_t)extra[i];
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", prog,
			rte_strerror(rte_errno));
		exit(1);
	}
}

bool
fuzz_ignored(const char *id)
{
	const char *list = getenv("FUZZ_IGNORE"), *p;
	size_t n = strlen(id);

	for (p = list; p != NULL && *p != '\0'; p += strcspn(p, ","), p += *p == ',')
		if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * Sanitizer defaults of every fuzz target, whoever runs it: an undefined
 * behaviour report stops the run like any other failure (UBSAN_OPTIONS in
 * the environment still wins).
 */
const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static unsigned int
memzone_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_mz, &n);
	return n;
}

static size_t
heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			total += st.heap_allocsz_bytes;
	return total;
}

void
fuzz_footprint_get(struct fuzz_footprint *fp)
{
	fp->memzones = memzone_count();
	fp->heap_bytes = heap_bytes();
	fp->dmamap_devs = rte_dmamap_count();
}

void
fuzz_footprint_check(const struct fuzz_footprint *before, const char *what)
{
	struct fuzz_footprint now;

	fuzz_footprint_get(&now);
	FUZZ_CHECK(now.dmamap_devs == before->dmamap_devs,
		"dmamap context left behind by %s", what);
	FUZZ_CHECK(now.memzones == before->memzones,
		"%u memzones before, %u after %s", before->memzones,
		now.memzones, what);
	FUZZ_CHECK(now.heap_bytes == before->heap_bytes,
		"%zu heap bytes before, %zu after %s", before->heap_bytes,
		now.heap_bytes, what);
}
