/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The "dmamap_heap" mempool ops driver: mempools whose objects live on the
 * PA=VA heap, for applications that only name a mempool driver (EAL's
 * --mbuf-pool-ops-name, as with stock testpmd).
 *
 * The objects are kept in an rte_ring, as the ring driver keeps them; what
 * differs is where the memory comes from. rte_mempool_populate_default()
 * reserves its memzones on mp->socket_id: the alloc op makes room for the
 * whole pool in the heap (creating the heap on first use, growing it when
 * it lacks room) and points mp->socket_id at the heap's socket, so every
 * memzone, and so every object, comes from the heap. The memory is thus an
 * ordinary memchunk of the pool: rte_mempool_mem_iter() sees it, and
 * rte_mempool_free() gives it back to the heap. Objects get the heap's
 * IOVA: VA - K in IOVA-PA mode (the VA itself in identity mode), the VA in
 * IOVA-VA mode.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dmamap_private.h"
#include "rte_dmamap_heap.h"

#define HEAP_MP_PGSZ DMAMAP_PAGE_2M
/* Memzone headers, alignment and page-boundary padding of a pool. */
#define HEAP_MP_SLACK_SHIFT 5

static size_t
heap_mp_round(size_t len)
{
	return RTE_ALIGN_CEIL(len, HEAP_MP_PGSZ);
}

/* Memory the pool needs in the heap, generously counted. */
static size_t
heap_mp_need(const struct rte_mempool *mp)
{
	size_t elt = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	size_t len = elt * mp->size;

	return heap_mp_round(len + (len >> HEAP_MP_SLACK_SHIFT) + HEAP_MP_PGSZ);
}

static size_t
heap_mp_free_bytes(int socket_id)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(socket_id, &st) < 0)
		return 0;
	return st.heap_freesz_bytes;
}

/* A heap this process can use: attached, or created here (primary). */
static int
heap_mp_heap(size_t need, struct rte_dmamap_heap_info *info)
{
	size_t size = RTE_MAX(need, (size_t)RTE_DMAMAP_HEAP_MEMPOOL_DEFAULT_SIZE);
	int ret;

	if (rte_dmamap_heap_info_get(info) == 0)
		return 0;
	ret = rte_dmamap_heap_attach();
	if (ret == -ENOENT && rte_eal_process_type() == RTE_PROC_PRIMARY) {
		ret = rte_dmamap_heap_create(RTE_DMAMAP_HEAP_MEMPOOL_HEAP, size);
		if (ret == 0)
			DMAMAP_LOG(INFO, "created PA=VA heap %s of %zu MiB for "
				"mempools", RTE_DMAMAP_HEAP_MEMPOOL_HEAP, size >> 20);
	}
	return ret < 0 ? ret : rte_dmamap_heap_info_get(info);
}

/* Room for need bytes in the heap, which grows when it lacks some. */
static int
heap_mp_room(const struct rte_mempool *mp, size_t need, int *socket_id)
{
	struct rte_dmamap_heap_info info;
	size_t free_bytes;
	int ret;

	ret = heap_mp_heap(need, &info);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "mempool %s: no PA=VA heap: %s", mp->name,
			strerror(-ret));
		return ret;
	}
	*socket_id = info.socket_id;
	free_bytes = heap_mp_free_bytes(info.socket_id);
	if (free_bytes >= need)
		return 0;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(ERR, "mempool %s: heap %s has %zu bytes free of %zu "
			"needed; a secondary process cannot grow it", mp->name,
			info.name, free_bytes, need);
		return -ENOMEM;
	}
	ret = rte_dmamap_heap_grow(heap_mp_round(need - free_bytes));
	if (ret < 0)
		DMAMAP_LOG(ERR, "mempool %s: cannot grow heap %s by %zu MiB: %s",
			mp->name, info.name, heap_mp_round(need - free_bytes) >> 20,
			strerror(-ret));
	return ret;
}

static struct rte_ring *
heap_mp_ring_create(const struct rte_mempool *mp)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	if (snprintf(name, sizeof(name), "dmh_%s", mp->name) >=
			(int)sizeof(name)) {
		DMAMAP_LOG(ERR, "mempool %s: name too long for its ring", mp->name);
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	r = rte_ring_create(name, rte_align32pow2(mp->size + 1), mp->socket_id, 0);
	if (r == NULL)
		DMAMAP_LOG(ERR, "mempool %s: cannot create ring %s: %s", mp->name,
			name, rte_strerror(rte_errno));
	return r;
}

static int
heap_mp_alloc(struct rte_mempool *mp)
{
	struct rte_ring *r;
	int socket_id, ret;

	ret = heap_mp_room(mp, heap_mp_need(mp), &socket_id);
	if (ret < 0)
		return ret;
	r = heap_mp_ring_create(mp);
	if (r == NULL)
		return -rte_errno;
	mp->pool_data = r;
	/* rte_mempool_populate_default() reserves its memzones there. */
	mp->socket_id = socket_id;
	return 0;
}

static void
heap_mp_free(struct rte_mempool *mp)
{
	rte_ring_free(mp->pool_data);
	mp->pool_data = NULL;
}

static int
heap_mp_enqueue(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	return rte_ring_enqueue_bulk(mp->pool_data, obj_table, n, NULL) == n ?
		0 : -ENOBUFS;
}

static int
heap_mp_dequeue(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	return rte_ring_dequeue_bulk(mp->pool_data, obj_table, n, NULL) == n ?
		0 : -ENOBUFS;
}

static unsigned int
heap_mp_get_count(const struct rte_mempool *mp)
{
	return rte_ring_count(mp->pool_data);
}

/*
 * Memory the pool was given must be the heap's: a pool populated another
 * way (rte_mempool_populate_anon(), a caller's own area) is refused.
 */
static int
heap_mp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr,
		rte_iova_t iova, size_t len, rte_mempool_populate_obj_cb_t *obj_cb,
		void *obj_cb_arg)
{
	struct rte_dmamap_heap_info info;

	if (rte_dmamap_heap_info_get(&info) < 0 ||
			(uintptr_t)vaddr < info.va_start ||
			(uintptr_t)vaddr + len > info.va_end) {
		DMAMAP_LOG(ERR, "mempool %s: memory at %p is not the PA=VA heap's",
			mp->name, vaddr);
		return -EINVAL;
	}
	return rte_mempool_op_populate_default(mp, max_objs, vaddr, iova, len,
		obj_cb, obj_cb_arg);
}

static const struct rte_mempool_ops heap_mempool_ops = {
	.name = RTE_DMAMAP_HEAP_MEMPOOL_OPS,
	.alloc = heap_mp_alloc,
	.free = heap_mp_free,
	.enqueue = heap_mp_enqueue,
	.dequeue = heap_mp_dequeue,
	.get_count = heap_mp_get_count,
	.calc_mem_size = rte_mempool_op_calc_mem_size_default,
	.populate = heap_mp_populate,
};

RTE_MEMPOOL_REGISTER_OPS(heap_mempool_ops);
