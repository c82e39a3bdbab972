/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fault injection for tests: make the Nth call at a site fail, so tests can
 * prove that every multi-step operation rolls back completely. Off until a
 * test arms a site; an unarmed site costs one load.
 */

#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "dmamap_private.h"

/* Calls left before the armed failure, per site; 0: not armed. */
static uint32_t fault_countdown[DMAMAP_FAULT_MAX];
static uint64_t fault_injected[DMAMAP_FAULT_MAX];

static const char * const fault_site_names[DMAMAP_FAULT_MAX] = {
	[DMAMAP_FAULT_BACKEND_MAP] = "backend map",
	[DMAMAP_FAULT_BACKEND_FLUSH] = "backend flush",
	[DMAMAP_FAULT_MEMZONE] = "memzone reservation",
	[DMAMAP_FAULT_BOUNCE_SLOTS] = "bounce slot allocation",
};

int
dmamap_fault_set(enum dmamap_fault_site site, uint32_t nth)
{
	if ((unsigned int)site >= DMAMAP_FAULT_MAX)
		return -EINVAL;
	__atomic_store_n(&fault_countdown[site], nth, __ATOMIC_RELAXED);
	return 0;
}

uint64_t
dmamap_fault_count(enum dmamap_fault_site site)
{
	if ((unsigned int)site >= DMAMAP_FAULT_MAX)
		return 0;
	return __atomic_load_n(&fault_injected[site], __ATOMIC_RELAXED);
}

bool
dmamap_fault_hit(enum dmamap_fault_site site)
{
	uint32_t left = __atomic_load_n(&fault_countdown[site], __ATOMIC_RELAXED);

	if (likely(left == 0))
		return false;
	if (__atomic_sub_fetch(&fault_countdown[site], 1, __ATOMIC_RELAXED) != 0)
		return false;
	__atomic_fetch_add(&fault_injected[site], 1, __ATOMIC_RELAXED);
	DMAMAP_LOG(WARNING, "injected fault: %s", fault_site_names[site]);
	return true;
}

const struct rte_memzone *
dmamap_memzone_reserve(const char *name, size_t len, int socket_id,
		unsigned int flags, unsigned int align)
{
	if (dmamap_fault_hit(DMAMAP_FAULT_MEMZONE)) {
		rte_errno = ENOMEM;
		return NULL;
	}
	return rte_memzone_reserve_aligned(name, len, socket_id, flags, align);
}
