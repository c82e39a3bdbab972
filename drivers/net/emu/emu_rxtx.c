/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The driver side of the queues: descriptor rings in coherent DMA memory,
 * buffers given to the device by device address, RX and TX bursts.
 *
 * How an mbuf gets its device address depends on the port's mapping mode:
 * bypass takes the IOVA EAL gives it, premap adds the mbuf's offset in its
 * mempool to the IOVA the pool was mapped at, stream maps each buffer when
 * it is posted and unmaps it at completion. A non-coherent device needs
 * syncs in premap mode (stream mode syncs in map and unmap; bypass is
 * refused for it at start).
 *
 * umem mode has bursts of its own (emu_rx_burst_umem, emu_tx_burst_umem):
 * every RX pool is a umem the device is attached to once, so no buffer is
 * ever mapped; buffers change owner through the umem's post and done calls,
 * which sync only when the attachment says the device needs it. A TX
 * packet outside the queue's umem is copied into umem mbufs first.
 */

#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "emu_ethdev.h"

#define EMU_RX_BULK 64   /* mbufs allocated per refill step */
#define EMU_FREE_BULK 64 /* mbufs returned per mempool call */
#define EMU_UMEM_BATCH 32 /* umem: buffers per post or done call */

/*
 * Store a 16-byte descriptor given as its two little-endian words (the
 * fields of the low word in the low bits), in two stores.
 */
static __rte_always_inline void
emu_desc_store(void *d, uint64_t lo, uint64_t hi)
{
	uint64_t w[2] = { rte_cpu_to_le_64(lo), rte_cpu_to_le_64(hi) };

	memcpy(d, w, sizeof(w));
}

static inline size_t
emu_ring_bytes(uint32_t nb_desc)
{
	return (size_t)nb_desc * 16 + sizeof(struct emu_queue_status);
}

/*
 * premap: the pool table of a port.
 */

/* The pool whose memory holds the mbuf's data buffer, or NULL for an
 * external buffer (no pool to premap).
 */
static inline const struct rte_mempool *
emu_buf_pool(const struct rte_mbuf *m)
{
	if (unlikely(RTE_MBUF_HAS_EXTBUF(m)))
		return NULL;
	if (unlikely(RTE_MBUF_CLONED(m)))
		return rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)m)->pool;
	return m->pool;
}

static int
emu_pool_map_one(struct emu_port *port, struct rte_mempool *mp)
{
	struct emu_pool_map *pm;
	int ret;

	if (port->nb_pools == EMU_MAX_POOLS) {
		EMU_LOG(ERR, "%s: dma=premap: more than %d mempools in use",
			port->name, EMU_MAX_POOLS);
		return -ENOSPC;
	}
	pm = &port->pools[port->nb_pools];
	memset(pm, 0, sizeof(*pm));
	ret = rte_dmamap_mempool_map(port->dmamap_id, mp,
		RTE_DMAMAP_BIDIRECTIONAL, &pm->region);
	if (ret < 0) {
		EMU_LOG(ERR, "%s: dma=premap: cannot map mempool %s for the device: %s",
			port->name, mp->name, rte_strerror(-ret));
		return ret;
	}
	pm->mp = mp;
	pm->va = (uintptr_t)pm->region.va;
	pm->iova = pm->region.iova;
	pm->direct = pm->region.direct;
	/* Published last: lock-free readers scan [0, nb_pools). */
	__atomic_store_n(&port->nb_pools, port->nb_pools + 1, __ATOMIC_RELEASE);
	return 0;
}

static const struct emu_pool_map *
emu_pool_lookup(struct emu_port *port, const struct rte_mempool *mp)
{
	unsigned int i, n = __atomic_load_n(&port->nb_pools, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (port->pools[i].mp == mp)
			return &port->pools[i];
	return NULL;
}

/* Find the mapping of a pool, mapping it on first use (TX of mbufs from a
 * pool the port does not receive into).
 */
static const struct emu_pool_map *
emu_pool_get(struct emu_port *port, const struct rte_mempool *mp)
{
	const struct emu_pool_map *pm;

	pm = emu_pool_lookup(port, mp);
	if (likely(pm != NULL))
		return pm;
	/* A pool that could not be mapped is not tried (and logged) again
	 * for every packet.
	 */
	if (mp == port->pool_failed)
		return NULL;
	rte_spinlock_lock(&port->pool_lock);
	pm = emu_pool_lookup(port, mp);
	if (pm == NULL && emu_pool_map_one(port,
			(struct rte_mempool *)(uintptr_t)mp) == 0)
		pm = &port->pools[port->nb_pools - 1];
	if (pm == NULL)
		port->pool_failed = mp;
	rte_spinlock_unlock(&port->pool_lock);
	return pm;
}

int
emu_pools_map_rx(struct emu_port *port)
{
	struct emu_queue *q;
	unsigned int i;
	int ret = 0;

	rte_spinlock_lock(&port->pool_lock);
	for (i = 0; i < port->data->nb_rx_queues && ret == 0; i++) {
		q = port->data->rx_queues[i];
		if (q != NULL && emu_pool_lookup(port, q->mp) == NULL)
			ret = emu_pool_map_one(port, q->mp);
	}
	rte_spinlock_unlock(&port->pool_lock);
	if (ret < 0)
		emu_pools_unmap(port);
	return ret;
}

void
emu_pools_unmap(struct emu_port *port)
{
	struct emu_pool_map *pm;
	unsigned int i;
	int ret;

	rte_spinlock_lock(&port->pool_lock);
	for (i = 0; i < port->nb_pools; i++) {
		pm = &port->pools[i];
		ret = rte_dmamap_region_unmap(port->dmamap_id, &pm->region,
			RTE_DMAMAP_BIDIRECTIONAL);
		if (ret < 0)
			EMU_LOG(ERR, "%s: cannot unmap mempool %s: %s", port->name,
				pm->mp->name, rte_strerror(-ret));
	}
	memset(port->pools, 0, sizeof(port->pools));
	__atomic_store_n(&port->nb_pools, 0, __ATOMIC_RELEASE);
	port->pool_failed = NULL;
	rte_spinlock_unlock(&port->pool_lock);
}

/*
 * Device addresses of buffers.
 */

/* Device address of len bytes at va in mbuf m, for the port's mode.
 * *unmap tells whether the address must be unmapped at completion.
 */
static inline rte_iova_t
emu_buf_iova(struct emu_port *port, const struct rte_mbuf *m, void *va,
		rte_iova_t eal_iova, uint32_t len, enum rte_dmamap_dir dir,
		bool *unmap)
{
	const struct rte_mempool *mp;
	const struct emu_pool_map *pm;

	*unmap = false;
	switch (port->conf.dma) {
	case EMU_DMA_BYPASS:
		return eal_iova;
	case EMU_DMA_PREMAP:
		mp = emu_buf_pool(m);
		/* An external buffer is in no pool: map it as stream. */
		if (unlikely(mp == NULL || port->premap_per_buffer))
			break;
		pm = emu_pool_get(port, mp);
		if (unlikely(pm == NULL))
			return RTE_BAD_IOVA;
		return pm->direct ? eal_iova : pm->iova + ((uintptr_t)va - pm->va);
	default:
		break;
	}
	*unmap = true;
	return rte_dmamap_map_single(port->dmamap_id, va, len, dir);
}

/* A premapped buffer on a non-coherent device changes owner by sync. */
static inline void
emu_buf_sync(struct emu_port *port, const struct emu_swd *s, uint32_t len,
		bool for_cpu)
{
	if (port->coherent || s->unmap || port->conf.dma != EMU_DMA_PREMAP ||
			len == 0)
		return;
	if (for_cpu)
		rte_dmamap_sync_for_cpu(port->dmamap_id, s->iova, len,
			RTE_DMAMAP_BIDIRECTIONAL);
	else
		rte_dmamap_sync_for_device(port->dmamap_id, s->iova, len,
			RTE_DMAMAP_BIDIRECTIONAL);
}

static inline void
emu_buf_unmap(struct emu_port *port, struct emu_swd *s, enum rte_dmamap_dir dir)
{
	if (s->unmap) {
		rte_dmamap_unmap_single(port->dmamap_id, s->iova, s->len, dir);
		s->unmap = false;
	}
}

/*
 * Queue setup and release.
 */

static int
emu_queue_check(struct emu_port *port, uint16_t qid, bool rx, uint16_t nb_desc,
		struct rte_mempool *mp)
{
	uint16_t room;

	if (!rte_is_power_of_2(nb_desc) || nb_desc < EMU_RING_MIN ||
			nb_desc > EMU_RING_MAX) {
		EMU_LOG(ERR, "%s: %s queue %u: ring of %u descriptors: expected a power of two in %u..%u",
			port->name, rx ? "RX" : "TX", qid, nb_desc,
			EMU_RING_MIN, EMU_RING_MAX);
		return -EINVAL;
	}
	if (!rx)
		return 0;
	room = rte_pktmbuf_data_room_size(mp);
	if (room < RTE_PKTMBUF_HEADROOM + EMU_MIN_BUF) {
		EMU_LOG(ERR, "%s: RX queue %u: mbufs of pool %s hold %u bytes, %u after headroom: the device needs buffers of at least %u bytes",
			port->name, qid, mp->name, room,
			room > RTE_PKTMBUF_HEADROOM ? room - RTE_PKTMBUF_HEADROOM : 0,
			EMU_MIN_BUF);
		return -EINVAL;
	}
	return 0;
}

/* rearm_data of an mbuf ready to receive: headroom, one reference, one
 * segment, the port.
 */
static uint64_t
emu_rearm_value(uint16_t port_id)
{
	struct rte_mbuf mb;

	memset(&mb, 0, sizeof(mb));
	mb.data_off = RTE_PKTMBUF_HEADROOM;
	mb.nb_segs = 1;
	mb.port = port_id;
	rte_mbuf_refcnt_set(&mb, 1);
	return *(uint64_t *)RTE_PTR_ADD(&mb,
		offsetof(struct rte_mbuf, rearm_data));
}

static void
emu_queue_free(struct emu_port *port, struct emu_queue *q)
{
	int ret;

	if (q->ring != NULL) {
		ret = rte_dmamap_free_coherent(port->dmamap_id, q->ring_size,
			q->ring, q->ring_iova);
		if (ret < 0)
			EMU_LOG(ERR, "%s: cannot free the ring of queue %u: %s",
				port->name, q->qid, rte_strerror(-ret));
	}
	rte_free(q->sw);
	rte_free(q);
}

/* A queue with its software ring, not yet its descriptor ring. */
static struct emu_queue *
emu_queue_alloc(struct emu_port *port, uint16_t qid, bool rx,
		uint16_t nb_desc, unsigned int socket_id, struct rte_mempool *mp)
{
	struct emu_queue *q;

	q = rte_zmalloc_socket("emu_queue", sizeof(*q), RTE_CACHE_LINE_SIZE,
		socket_id);
	if (q != NULL)
		q->sw = rte_zmalloc_socket("emu_swring",
			sizeof(*q->sw) * nb_desc, RTE_CACHE_LINE_SIZE, socket_id);
	if (q == NULL || q->sw == NULL) {
		EMU_LOG(ERR, "%s: no memory for queue %u", port->name, qid);
		rte_free(q);
		return NULL;
	}
	q->port = port;
	q->qid = qid;
	q->is_rx = rx;
	q->nb_desc = nb_desc;
	q->mask = nb_desc - 1;
	q->mp = mp;
	q->rearm = emu_rearm_value(port->port_id);
	rte_spinlock_init(&q->dev_lock);
	if (rx)
		q->buf_len = RTE_MIN(rte_pktmbuf_data_room_size(mp) -
			RTE_PKTMBUF_HEADROOM, UINT16_MAX);
	return q;
}

/* The descriptor ring and status block, in the device's coherent memory. */
static int
emu_queue_ring_alloc(struct emu_port *port, struct emu_queue *q)
{
	q->ring_size = emu_ring_bytes(q->nb_desc);
	q->ring = rte_dmamap_alloc_coherent(port->dmamap_id, q->ring_size,
		&q->ring_iova);
	if (q->ring == NULL) {
		EMU_LOG(ERR, "%s: %s queue %u: cannot allocate a ring of %zu bytes in device memory: %s",
			port->name, q->is_rx ? "RX" : "TX", q->qid, q->ring_size,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	memset(q->ring, 0, q->ring_size);
	q->status = RTE_PTR_ADD(q->ring, (size_t)q->nb_desc * 16);
	return 0;
}

/*
 * umem: attachments of the port's device to the umems its queues use.
 */

/* The umem of an RX queue's pool; NULL (logged) when the pool is none. */
static struct rte_dmamap_umem *
emu_umem_of_pool(const struct emu_port *port, uint16_t qid,
		const struct rte_mempool *mp)
{
	struct rte_dmamap_umem *umem = rte_dmamap_umem_from_mempool(mp);

	if (umem == NULL)
		EMU_LOG(ERR, "%s: RX queue %u: dma=umem needs an mbuf pool created with ops "
			RTE_DMAMAP_UMEM_MEMPOOL_OPS " (pool %s has ops %s)",
			port->name, qid, mp->name,
			rte_mempool_get_ops(mp->ops_index)->name);
	return umem;
}

/* Attach the port's device to a umem for a queue (counted per queue). */
static int
emu_umem_attach(struct emu_port *port, struct emu_queue *q,
		struct rte_dmamap_umem *umem, struct rte_mempool *mp)
{
	int ret = rte_dmamap_umem_attach(umem, port->dmamap_id);

	if (ret < 0) {
		EMU_LOG(ERR, "%s: %s queue %u: dma=umem: cannot attach the device to the umem of pool %s: %s",
			port->name, q->is_rx ? "RX" : "TX", q->qid, mp->name,
			rte_strerror(-ret));
		return ret;
	}
	q->umem = umem;
	q->umem_mp = mp;
	q->copy_room = RTE_MIN(rte_pktmbuf_data_room_size(mp) -
		RTE_PKTMBUF_HEADROOM, UINT16_MAX);
	return 0;
}

/* Drop a queue's attachment; its buffers must be back (queue stopped). */
static void
emu_umem_detach(struct emu_port *port, struct emu_queue *q)
{
	int ret;

	if (q->umem == NULL)
		return;
	ret = rte_dmamap_umem_detach(q->umem, port->dmamap_id);
	if (ret < 0)
		EMU_LOG(ERR, "%s: %s queue %u: cannot detach the device from the umem of pool %s: %s",
			port->name, q->is_rx ? "RX" : "TX", q->qid,
			q->umem_mp->name, rte_strerror(-ret));
	q->umem = NULL;
	q->umem_mp = NULL;
}

/*
 * The RX queue whose umem a TX queue sends from: the RX queue of the same
 * index, else the first one. Received mbufs forwarded from that umem go
 * out without a copy.
 */
static const struct emu_queue *
emu_umem_tx_source(const struct emu_port *port, uint16_t qid)
{
	const struct rte_eth_dev_data *data = port->data;
	const struct emu_queue *rq;
	uint16_t i;

	if (qid < data->nb_rx_queues && data->rx_queues[qid] != NULL)
		return data->rx_queues[qid];
	for (i = 0; i < data->nb_rx_queues; i++) {
		rq = data->rx_queues[i];
		if (rq != NULL)
			return rq;
	}
	return NULL;
}

static int
emu_umem_tx_bind(struct emu_port *port, struct emu_queue *q)
{
	const struct emu_queue *rq = emu_umem_tx_source(port, q->qid);

	if (rq == NULL || rq->umem == NULL) {
		EMU_LOG(ERR, "%s: TX queue %u: dma=umem: no RX queue set up, so no umem to send from",
			port->name, q->qid);
		return -EINVAL;
	}
	return emu_umem_attach(port, q, rq->umem, rq->mp);
}

int
emu_queue_setup(struct rte_eth_dev *dev, uint16_t qid, bool rx,
		uint16_t nb_desc, unsigned int socket_id, uint64_t offloads,
		struct rte_mempool *mp)
{
	struct emu_port *port = emu_port_of(dev);
	struct rte_dmamap_umem *umem = NULL;
	struct emu_queue *q;
	int ret;

	ret = emu_queue_check(port, qid, rx, nb_desc, mp);
	if (ret < 0)
		return ret;
	/* Refused before anything is allocated or attached. */
	if (rx && port->conf.dma == EMU_DMA_UMEM) {
		umem = emu_umem_of_pool(port, qid, mp);
		if (umem == NULL)
			return -EINVAL;
	}
	q = emu_queue_alloc(port, qid, rx, nb_desc, socket_id, mp);
	if (q == NULL)
		return -ENOMEM;
	q->offloads = offloads;
	ret = emu_queue_ring_alloc(port, q);
	if (ret == 0 && umem != NULL)
		ret = emu_umem_attach(port, q, umem, mp);
	if (ret < 0) {
		emu_queue_free(port, q);
		return ret;
	}
	if (rx)
		dev->data->rx_queues[qid] = q;
	else
		dev->data->tx_queues[qid] = q;
	return 0;
}

void
emu_queue_release(struct rte_eth_dev *dev, uint16_t qid, bool rx)
{
	struct emu_port *port = emu_port_of(dev);
	void **slot = rx ? &dev->data->rx_queues[qid] : &dev->data->tx_queues[qid];
	struct emu_queue *q = *slot;

	if (q == NULL)
		return;
	if (q->started)
		emu_queue_stop(q);
	emu_umem_detach(port, q);
	emu_queue_free(port, q);
	*slot = NULL;
}

/*
 * RX.
 */

static inline void
emu_doorbell(struct emu_queue *q)
{
	__atomic_store_n(&q->doorbell, q->tail, __ATOMIC_RELEASE);
	q->st.doorbells++;
}

/* Post one mbuf at the tail; false when it could not be mapped. */
static inline bool
emu_rx_post(struct emu_port *port, struct emu_queue *q, struct rte_mbuf *m)
{
	union emu_rx_desc *ring = q->ring;
	uint32_t slot = q->tail & q->mask;
	struct emu_swd *s = &q->sw[slot];
	void *va = rte_pktmbuf_mtod(m, void *);
	bool unmap;

	s->iova = emu_buf_iova(port, m, va, rte_mbuf_data_iova(m), q->buf_len,
		RTE_DMAMAP_FROM_DEVICE, &unmap);
	if (unlikely(s->iova == RTE_BAD_IOVA))
		return false;
	s->mbuf = m;
	s->len = q->buf_len;
	s->unmap = unmap;
	emu_buf_sync(port, s, q->buf_len, false);
	ring[slot].read.addr = rte_cpu_to_le_64(s->iova);
	ring[slot].read.buf_len = rte_cpu_to_le_16(q->buf_len);
	ring[slot].read.rsvd[0] = 0;
	ring[slot].read.rsvd[1] = 0;
	ring[slot].read.rsvd[2] = 0;
	q->tail++;
	return true;
}

/*
 * Device address of a fresh mbuf's buffer on a plain queue: the EAL IOVA
 * (pm NULL), its offset in the pool's mapping, or mapped now (stream).
 * RTE_BAD_IOVA when the generic post must take it; *failed when a map
 * failed.
 */
static __rte_always_inline rte_iova_t
emu_rx_plain_iova(int16_t dmamap_id, bool stream, uint16_t buf_len,
		const struct emu_pool_map *pm, struct rte_mbuf *m, bool *failed)
{
	rte_iova_t iova;

	if (stream) {
		iova = rte_dmamap_map_single(dmamap_id,
			RTE_PTR_ADD(m->buf_addr, RTE_PKTMBUF_HEADROOM),
			buf_len, RTE_DMAMAP_FROM_DEVICE);
		*failed = iova == RTE_BAD_IOVA;
		return iova;
	}
	if (pm == NULL)
		return m->buf_iova + RTE_PKTMBUF_HEADROOM;
	/* An external buffer is in no pool: the generic post maps it. */
	if (unlikely(RTE_MBUF_HAS_EXTBUF(m)))
		return RTE_BAD_IOVA;
	return pm->iova + ((uintptr_t)m->buf_addr + RTE_PKTMBUF_HEADROOM -
		pm->va);
}

/*
 * Rearm and post fresh mbufs of a plain queue's pool at the tail; returns
 * how many were posted. It stops at a buffer the generic post must take
 * and, with *failed, at one that could not be mapped.
 */
static uint32_t
emu_rx_post_plain(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **mb, uint32_t n, bool *failed)
{
	union emu_rx_desc *ring = q->ring;
	struct emu_swd *s, *sw = q->sw;
	uint32_t tail = q->tail, mask = q->mask, i;
	const struct emu_pool_map *pm = NULL;
	const uint64_t rearm = q->rearm;
	const uint16_t buf_len = q->buf_len;
	const bool stream = q->stream;
	rte_iova_t iova;

	if (!stream && port->conf.dma != EMU_DMA_BYPASS) {
		pm = emu_pool_get(port, q->mp);
		if (unlikely(pm == NULL))
			return 0;
		if (pm->direct)
			pm = NULL;  /* the EAL IOVA, as bypass */
	}
	for (i = 0; i < n; i++) {
		iova = emu_rx_plain_iova(port->dmamap_id, stream, buf_len, pm,
			mb[i], failed);
		if (unlikely(iova == RTE_BAD_IOVA))
			break;
		*(uint64_t *)RTE_PTR_ADD(mb[i], offsetof(struct rte_mbuf,
			rearm_data)) = rearm;
		s = &sw[tail & mask];
		s->mbuf = mb[i];
		s->iova = iova;
		s->len = buf_len;
		s->unmap = stream;
		/* read.addr; read.buf_len and the reserved words */
		emu_desc_store(&ring[tail++ & mask], iova, buf_len);
	}
	q->tail = tail;
	return i;
}

/*
 * Make mbufs fresh from the pool ready for the device. A pool holds mbufs
 * with one reference, one segment and no next (rte_pktmbuf_prefree_seg()
 * guarantees it), so only the first cache line is written here; the
 * fields a packet needs are set when it is received.
 */
static inline void
emu_rx_rearm(struct emu_queue *q, struct rte_mbuf **mb, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		*(uint64_t *)RTE_PTR_ADD(mb[i],
			offsetof(struct rte_mbuf, rearm_data)) = q->rearm;
}

/* umem: the address an RX mbuf was posted at. */
static __rte_always_inline void *
emu_umem_rx_buf(const struct rte_mbuf *m)
{
	return RTE_PTR_ADD(m->buf_addr, RTE_PKTMBUF_HEADROOM);
}

/*
 * umem: take one buffer back from the device. A descriptor the device
 * wrote nothing to (an error) gives its whole buffer back.
 */
static inline void
emu_umem_rx_done_one(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf *m, uint16_t len)
{
	void *buf = emu_umem_rx_buf(m);
	uint32_t l = len != 0 ? len : q->buf_len;

	rte_dmamap_umem_rx_done(q->umem, port->dmamap_id, &buf, &l, 1);
}

/*
 * umem: post fresh mbufs of the queue's umem pool at the tail, all of
 * them. rx_post gives their device addresses and syncs their data rooms
 * for the device when the attachment needs it. Its "nothing done" errors
 * (device not attached, a buffer outside the umem) cannot happen here:
 * the queue holds an attachment and the mbufs come from the umem's own
 * pool. So an error is a refused sync, and the buffers are posted anyway.
 */
static uint32_t
emu_rx_post_umem(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **mb, uint32_t n)
{
	union emu_rx_desc *ring = q->ring;
	struct emu_swd *s, *sw = q->sw;
	uint32_t tail = q->tail, mask = q->mask, i;
	const uint64_t rearm = q->rearm;
	const uint16_t buf_len = q->buf_len;
	rte_iova_t iovas[EMU_RX_BULK];
	void *bufs[EMU_RX_BULK];

	for (i = 0; i < n; i++)
		bufs[i] = emu_umem_rx_buf(mb[i]);
	if (unlikely(rte_dmamap_umem_rx_post(q->umem, port->dmamap_id, bufs,
			buf_len, iovas, n) < 0))
		q->st.map_errors++;
	for (i = 0; i < n; i++) {
		*(uint64_t *)RTE_PTR_ADD(mb[i], offsetof(struct rte_mbuf,
			rearm_data)) = rearm;
		s = &sw[tail & mask];
		s->mbuf = mb[i];
		s->iova = iovas[i];
		s->len = buf_len;
		s->unmap = false;
		emu_desc_store(&ring[tail++ & mask], iovas[i], buf_len);
	}
	q->tail = tail;
	return n;
}

/* Post n fresh mbufs at the tail; returns how many were posted. */
static uint32_t
emu_rx_post_bulk(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **mb, uint32_t n)
{
	bool failed = false;
	uint32_t i;

	if (q->umem != NULL)
		return emu_rx_post_umem(port, q, mb, n);
	i = q->plain ? emu_rx_post_plain(port, q, mb, n, &failed) : 0;
	emu_rx_rearm(q, mb + i, n - i);
	for (; i < n && !failed; i++)
		if (unlikely(!emu_rx_post(port, q, mb[i])))
			break;
	return i;
}

/* Post buffers in every free slot; returns how many slots stay empty. */
static uint32_t
emu_rx_refill(struct emu_port *port, struct emu_queue *q)
{
	struct rte_mbuf *mb[EMU_RX_BULK];
	uint32_t room, n, i;

	room = q->clean + q->nb_desc - q->tail;
	while (room > 0) {
		n = RTE_MIN(room, (uint32_t)EMU_RX_BULK);
		if (rte_mempool_get_bulk(q->mp, (void **)mb, n) != 0) {
			q->st.nombuf += n;
			break;
		}
		i = emu_rx_post_bulk(port, q, mb, n);
		if (unlikely(i < n)) {
			q->st.map_errors++;
			rte_mempool_put_bulk(q->mp, (void **)&mb[i], n - i);
			break;
		}
		room -= n;
	}
	emu_doorbell(q);
	return q->clean + q->nb_desc - q->tail;
}

/* Take the buffer of a completed descriptor back from the device. */
static inline struct rte_mbuf *
emu_rx_take(struct emu_port *port, struct emu_queue *q, uint32_t idx,
		uint16_t *len, uint16_t *flags, uint32_t *hash)
{
	const union emu_rx_desc *d = &((union emu_rx_desc *)q->ring)[idx & q->mask];
	struct emu_swd *s = &q->sw[idx & q->mask];
	struct rte_mbuf *m = s->mbuf;

	*len = rte_le_to_cpu_16(d->wb.len);
	*flags = rte_le_to_cpu_16(d->wb.flags);
	*hash = rte_le_to_cpu_32(d->wb.rss_hash);
	emu_buf_sync(port, s, *len, true);
	emu_buf_unmap(port, s, RTE_DMAMAP_FROM_DEVICE);
	if (q->umem != NULL)
		emu_umem_rx_done_one(port, q, m, *len);
	s->mbuf = NULL;
	m->data_len = *len;
	m->pkt_len = *len;
	m->ol_flags = 0;
	m->packet_type = 0;
	return m;
}

/* Assemble the packet starting at q->clean; NULL when it had an error. */
static struct rte_mbuf *
emu_rx_packet(struct emu_port *port, struct emu_queue *q, uint32_t head)
{
	struct rte_mbuf *first, *last, *m;
	uint16_t len, flags, err = 0;
	uint32_t hash;

	first = emu_rx_take(port, q, q->clean++, &len, &flags, &hash);
	err |= flags & EMU_RXD_ERR;
	last = first;
	while (!(flags & EMU_RXD_EOP) && q->clean != head) {
		m = emu_rx_take(port, q, q->clean++, &len, &flags, &hash);
		err |= flags & EMU_RXD_ERR;
		last->next = m;
		last = m;
		first->nb_segs++;
		first->pkt_len += len;
	}
	if (unlikely(err != 0)) {
		rte_pktmbuf_free(first);
		q->st.errors++;
		return NULL;
	}
	first->port = port->port_id;
	if (flags & EMU_RXD_RSS) {
		first->hash.rss = hash;
		first->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	return first;
}

/*
 * The mbuf of a completed one-descriptor packet, ready but for what the
 * descriptor says: its length, returned, and its RSS hash.
 */
static __rte_always_inline uint16_t
emu_rx_complete(struct rte_mbuf *m, const union emu_rx_desc *d, uint16_t flags)
{
	uint16_t len = rte_le_to_cpu_16(d->wb.len);

	m->data_len = len;
	m->pkt_len = len;
	m->packet_type = 0;
	m->ol_flags = 0;
	if (flags & EMU_RXD_RSS) {
		m->hash.rss = rte_le_to_cpu_32(d->wb.rss_hash);
		m->ol_flags = RTE_MBUF_F_RX_RSS_HASH;
	}
	return len;
}

/*
 * Packets of one descriptor without error, up to head, on a plain queue:
 * the mbuf is ready but for its length and flags (rearm set the rest).
 * Stops at the first descriptor emu_rx_packet() must take.
 */
static uint16_t
emu_rx_plain(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **pkts, uint16_t n, uint32_t head,
		uint64_t *bytes)
{
	const union emu_rx_desc *ring = q->ring;
	struct emu_swd *sw = q->sw;
	uint32_t clean = q->clean, mask = q->mask, slot;
	uint16_t nb = 0, len, flags;
	uint64_t b = 0;
	struct rte_mbuf *m;

	for (; clean != head && nb < n; clean++) {
		slot = clean & mask;
		flags = rte_le_to_cpu_16(ring[slot].wb.flags);
		if (unlikely((flags & (EMU_RXD_EOP | EMU_RXD_ERR)) !=
				EMU_RXD_EOP))
			break;
		if (sw[slot].unmap) {
			rte_dmamap_unmap_single(port->dmamap_id, sw[slot].iova,
				sw[slot].len, RTE_DMAMAP_FROM_DEVICE);
			sw[slot].unmap = false;
		}
		m = sw[slot].mbuf;
		len = emu_rx_complete(m, &ring[slot], flags);
		pkts[nb++] = m;
		b += len;
	}
	q->clean = clean;
	*bytes += b;
	return nb;
}

typedef uint16_t (*emu_rx_plain_fn)(struct emu_port *port,
	struct emu_queue *q, struct rte_mbuf **pkts, uint16_t n, uint32_t head,
	uint64_t *bytes);

/*
 * An RX burst: one-descriptor packets through plain (inlined, a constant
 * of each burst function) where the queue takes them so, the others
 * through emu_rx_packet().
 */
static __rte_always_inline uint16_t
emu_rx_burst_with(struct emu_queue *q, struct rte_mbuf **pkts, uint16_t n,
		emu_rx_plain_fn plain, bool use_plain)
{
	struct emu_port *port = q->port;
	uint64_t bytes = 0;
	uint32_t head;
	uint16_t nb = 0;
	struct rte_mbuf *m;

	if (unlikely(!q->started))
		return 0;
	if (port->conf.wire == EMU_WIRE_PCAP || port->conf.wire == EMU_WIRE_IFACE)
		emu_wire_poll(port);
	head = __atomic_load_n(&q->status->head, __ATOMIC_ACQUIRE);
	if (use_plain)
		nb = plain(port, q, pkts, n, head, &bytes);
	/* Several descriptors or an error: emu_rx_take() gives each back. */
	while (q->clean != head && nb < n) {
		m = emu_rx_packet(port, q, head);
		if (m == NULL)
			continue;
		bytes += m->pkt_len;
		pkts[nb++] = m;
		if (use_plain)
			nb += plain(port, q, pkts + nb, n - nb, head, &bytes);
	}
	if (q->clean + q->nb_desc - q->tail >= EMU_REFILL_THRESH)
		emu_rx_refill(port, q);
	q->st.packets += nb;
	q->st.bytes += bytes;
	return nb;
}

uint16_t
emu_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct emu_queue *q = rxq;

	return emu_rx_burst_with(q, pkts, n, emu_rx_plain, q->plain);
}

/*
 * umem: packets of one descriptor without error, up to head, as
 * emu_rx_plain() takes them; the buffers go back from the device in
 * batches through rx_done (which syncs the received bytes for the CPU when
 * the device needs it), all before the burst returns them.
 */
static uint16_t
emu_rx_umem_plain(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **pkts, uint16_t n, uint32_t head,
		uint64_t *bytes)
{
	const union emu_rx_desc *ring = q->ring;
	struct emu_swd *sw = q->sw;
	uint32_t clean = q->clean, mask = q->mask, slot, k = 0;
	uint32_t lens[EMU_UMEM_BATCH];
	void *bufs[EMU_UMEM_BATCH];
	uint16_t nb = 0, len, flags;
	uint64_t b = 0;
	struct rte_mbuf *m;

	for (; clean != head && nb < n; clean++) {
		slot = clean & mask;
		flags = rte_le_to_cpu_16(ring[slot].wb.flags);
		if (unlikely((flags & (EMU_RXD_EOP | EMU_RXD_ERR)) !=
				EMU_RXD_EOP || ring[slot].wb.len == 0))
			break;
		m = sw[slot].mbuf;
		len = emu_rx_complete(m, &ring[slot], flags);
		bufs[k] = emu_umem_rx_buf(m);
		lens[k++] = len;
		if (unlikely(k == EMU_UMEM_BATCH)) {
			rte_dmamap_umem_rx_done(q->umem, port->dmamap_id, bufs,
				lens, k);
			k = 0;
		}
		pkts[nb++] = m;
		b += len;
	}
	if (k > 0)
		rte_dmamap_umem_rx_done(q->umem, port->dmamap_id, bufs, lens, k);
	q->clean = clean;
	*bytes += b;
	return nb;
}

uint16_t
emu_rx_burst_umem(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	return emu_rx_burst_with(rxq, pkts, n, emu_rx_umem_plain, true);
}

/*
 * TX.
 */

/* Return mbufs to their pools in bulk. */
static inline void
emu_free_flush(struct rte_mbuf **fb, unsigned int *nfb)
{
	if (*nfb > 0)
		rte_mempool_put_bulk(fb[0]->pool, (void **)fb, *nfb);
	*nfb = 0;
}

/*
 * An mbuf the device is done with, ready for its pool, or NULL. A whole
 * packet of one segment already has no next and one segment, so only its
 * first cache line is read; rte_pktmbuf_prefree_seg() also reads next,
 * from the second, long cold by now.
 */
static inline struct rte_mbuf *
emu_tx_prefree(const struct emu_swd *s)
{
	struct rte_mbuf *m = s->mbuf;

	if (likely(s->single && RTE_MBUF_DIRECT(m) &&
			rte_mbuf_refcnt_read(m) == 1))
		return m;
	return rte_pktmbuf_prefree_seg(m);
}

/* Release up to max descriptors the device has completed. */
static uint32_t
emu_tx_clean(struct emu_port *port, struct emu_queue *q, uint32_t max)
{
	struct rte_mbuf *fb[EMU_FREE_BULK], *m;
	uint32_t head, n, i, clean = q->clean, mask = q->mask;
	struct emu_swd *s, *sw = q->sw;
	struct rte_mempool *pool = NULL;
	unsigned int nfb = 0;

	head = __atomic_load_n(&q->status->head, __ATOMIC_ACQUIRE);
	n = RTE_MIN(head - q->clean, max);
	for (i = 0; i < n; i++) {
		s = &sw[(clean + i) & mask];
		if (unlikely(s->unmap))
			emu_buf_unmap(port, s, RTE_DMAMAP_TO_DEVICE);
		m = emu_tx_prefree(s);
		s->mbuf = NULL;
		if (m == NULL)
			continue;
		if (unlikely(m->pool != pool || nfb == EMU_FREE_BULK)) {
			emu_free_flush(fb, &nfb);
			pool = m->pool;
		}
		fb[nfb++] = m;
	}
	emu_free_flush(fb, &nfb);
	q->clean = clean + n;
	/* umem: every descriptor was a umem buffer posted with tx_post. */
	if (q->umem != NULL && n > 0)
		rte_dmamap_umem_tx_done(q->umem, port->dmamap_id, n);
	return n;
}

int
emu_tx_done_cleanup(void *txq, uint32_t free_cnt)
{
	struct emu_queue *q = txq;

	if (!q->started)
		return 0;
	return emu_tx_clean(q->port, q, free_cnt == 0 ? UINT32_MAX : free_cnt);
}

/* Undo the mappings of a packet's first n descriptors (posting failed). */
static void
emu_tx_unwind(struct emu_port *port, struct emu_queue *q, uint32_t n)
{
	struct emu_swd *s;

	while (n-- > 0) {
		s = &q->sw[(q->tail + n) & q->mask];
		emu_buf_unmap(port, s, RTE_DMAMAP_TO_DEVICE);
		s->mbuf = NULL;
	}
}

/* Write the descriptors of one packet; false when a segment could not be
 * mapped (nothing of the packet is posted then).
 */
static bool
emu_tx_post(struct emu_port *port, struct emu_queue *q, struct rte_mbuf *pkt)
{
	struct emu_tx_desc *ring = q->ring, *d;
	uint16_t nb_segs = pkt->nb_segs;
	struct rte_mbuf *m = pkt;
	struct emu_swd *s;
	uint32_t i, slot;
	bool unmap = false;

	/* Segments by count: next is in the mbuf's second cache line. */
	for (i = 0; i < nb_segs; i++, m = i < nb_segs ? m->next : NULL) {
		slot = (q->tail + i) & q->mask;
		s = &q->sw[slot];
		s->len = m->data_len;
		s->iova = m->data_len == 0 ? 0 : emu_buf_iova(port, m,
			rte_pktmbuf_mtod(m, void *), rte_mbuf_data_iova(m),
			m->data_len, RTE_DMAMAP_TO_DEVICE, &unmap);
		if (unlikely(s->iova == RTE_BAD_IOVA)) {
			emu_tx_unwind(port, q, i);
			return false;
		}
		s->unmap = m->data_len != 0 && unmap;
		s->single = nb_segs == 1;
		s->mbuf = m;
		emu_buf_sync(port, s, m->data_len, false);
		d = &ring[slot];
		d->addr = rte_cpu_to_le_64(s->iova);
		d->len = rte_cpu_to_le_16(m->data_len);
		d->flags = rte_cpu_to_le_16(i == nb_segs - 1u ? EMU_TXD_EOP : 0);
		d->rsvd = 0;
	}
	q->tail += i;
	return true;
}

/* The pool mapping a TX burst used last (premap). */
struct emu_pool_hint {
	const struct rte_mempool *mp;
	const struct emu_pool_map *pm;
};

/*
 * Device address of the data of a one-segment mbuf on a plain queue: the
 * EAL IOVA, its offset in its pool's mapping, or mapped now (stream).
 * RTE_BAD_IOVA when the generic post must take it; *failed when a map
 * failed.
 */
static __rte_always_inline rte_iova_t
emu_tx_plain_iova(struct emu_port *port, enum emu_dma_mode mode,
		struct rte_mbuf *m, uint16_t len, struct emu_pool_hint *h,
		bool *failed)
{
	const struct rte_mempool *mp;
	rte_iova_t iova;

	if (mode == EMU_DMA_STREAM) {
		iova = rte_dmamap_map_single(port->dmamap_id,
			rte_pktmbuf_mtod(m, void *), len, RTE_DMAMAP_TO_DEVICE);
		*failed = iova == RTE_BAD_IOVA;
		return iova;
	}
	if (mode == EMU_DMA_BYPASS)
		return rte_mbuf_data_iova(m);
	mp = emu_buf_pool(m);
	if (mp != h->mp) {
		h->pm = mp == NULL ? NULL : emu_pool_get(port, mp);
		h->mp = mp;
	}
	if (unlikely(h->pm == NULL))
		return RTE_BAD_IOVA;  /* no pool, or not mappable: generic */
	return h->pm->direct ? rte_mbuf_data_iova(m) :
		h->pm->iova + (rte_pktmbuf_mtod(m, uintptr_t) - h->pm->va);
}

/*
 * Post packets of one segment on a plain queue, up to room descriptors;
 * returns how many were posted. It stops at the first packet the generic
 * path must take (several segments, an odd length, a buffer in no pool)
 * and, with *failed, at one that could not be mapped.
 */
static uint16_t
emu_tx_post_plain(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **pkts, uint16_t n, uint32_t room, uint64_t *bytes,
		bool *failed)
{
	struct emu_tx_desc *ring = q->ring;
	struct emu_swd *s, *sw = q->sw;
	uint32_t tail = q->tail, mask = q->mask;
	struct emu_pool_hint hint = { NULL, NULL };
	/* Buffers mapped one by one are mapped as stream mode maps them. */
	const enum emu_dma_mode mode = q->stream ? EMU_DMA_STREAM :
		port->conf.dma;
	struct rte_mbuf *m;
	rte_iova_t iova;
	uint64_t b = 0;
	uint16_t i, len;

	n = RTE_MIN((uint32_t)n, room);
	for (i = 0; i < n; i++) {
		m = pkts[i];
		len = m->data_len;
		/* One segment of 1..EMU_MAX_FRAME bytes, the whole packet. */
		if (unlikely(m->nb_segs != 1 || m->pkt_len != len ||
				(uint16_t)(len - 1) >= EMU_MAX_FRAME))
			break;
		iova = emu_tx_plain_iova(port, mode, m, len, &hint, failed);
		if (unlikely(iova == RTE_BAD_IOVA))
			break;
		s = &sw[tail & mask];
		s->mbuf = m;
		s->iova = iova;
		s->len = len;
		s->unmap = mode == EMU_DMA_STREAM;
		s->single = true;
		/* addr; len, flags and the reserved word */
		emu_desc_store(&ring[tail++ & mask], iova,
			len | (uint64_t)EMU_TXD_EOP << 16);
		b += len;
	}
	q->tail = tail;
	*bytes += b;
	return i;
}

/* Whether the driver can send a packet at all. */
static inline bool
emu_tx_valid(const struct rte_mbuf *m)
{
	return m->nb_segs <= EMU_MAX_SEGS && m->pkt_len > 0 &&
		m->pkt_len <= EMU_MAX_FRAME;
}

uint16_t
emu_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct emu_queue *q = txq;
	struct emu_port *port = q->port;
	uint64_t bytes = 0;
	uint16_t i, k, sent = 0;
	bool failed = false;
	uint32_t room;
	struct rte_mbuf *m;

	if (unlikely(!q->started))
		return 0;
	room = q->clean + q->nb_desc - q->tail;
	if (room < (uint32_t)EMU_FREE_THRESH + n)
		room += emu_tx_clean(port, q, UINT32_MAX);
	for (i = 0; i < n; i++) {
		if (q->plain) {
			failed = false;
			k = emu_tx_post_plain(port, q, pkts + i, n - i, room,
				&bytes, &failed);
			i += k;
			room -= k;
			sent += k;
			if (i == n)
				break;
		}
		m = pkts[i];
		if (unlikely(failed)) {
			q->st.map_errors++;
			q->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(!emu_tx_valid(m))) {
			q->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(room < m->nb_segs))
			break;
		if (unlikely(!emu_tx_post(port, q, m))) {
			q->st.map_errors++;
			q->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		room -= m->nb_segs;
		bytes += m->pkt_len;
		sent++;
	}
	q->st.packets += sent;
	q->st.bytes += bytes;
	emu_doorbell(q);
	emu_model_tx(port, q);
	/* Release at once what the device has done, while it is in cache. */
	emu_tx_clean(port, q, UINT32_MAX);
	return i;
}

/*
 * umem TX. A packet goes out without a copy when each of its segments
 * holds data in the queue's umem: an mbuf of the umem's pool or a clone of
 * one (an external buffer may straddle frames: it is copied). Other
 * packets are copied into mbufs of the umem's pool, gathered, and the
 * original is freed at once. Every descriptor posted is a umem buffer,
 * handed over with tx_post and given back with tx_done when cleaned.
 */

/* Whether an mbuf segment is sent in place. */
static __rte_always_inline bool
emu_umem_seg_in(const struct rte_dmamap_umem *umem, const struct rte_mbuf *m)
{
	return m->data_len != 0 && !RTE_MBUF_HAS_EXTBUF(m) &&
		rte_dmamap_umem_contains(umem, rte_pktmbuf_mtod(m, void *));
}

static bool
emu_umem_pkt_in(const struct rte_dmamap_umem *umem, const struct rte_mbuf *m)
{
	uint16_t i, nb = m->nb_segs;

	for (i = 0; i < nb; i++, m = m->next)
		if (!emu_umem_seg_in(umem, m))
			return false;
	return true;
}

/* Umem mbufs a copy of a packet takes. */
static inline uint32_t
emu_umem_copy_segs(const struct emu_queue *q, const struct rte_mbuf *m)
{
	return (m->pkt_len + q->copy_room - 1) / q->copy_room;
}

/* Copy a packet into nb fresh mbufs of the umem's pool; NULL without. */
static struct rte_mbuf *
emu_umem_copy(struct emu_queue *q, const struct rte_mbuf *pkt, uint32_t nb)
{
	struct rte_mbuf *seg[EMU_MAX_SEGS];
	uint32_t i, off = 0, len;
	const void *src;
	void *dst;

	if (rte_pktmbuf_alloc_bulk(q->umem_mp, seg, nb) != 0)
		return NULL;
	for (i = 0; i < nb; i++) {
		len = RTE_MIN((uint32_t)q->copy_room, pkt->pkt_len - off);
		dst = rte_pktmbuf_mtod(seg[i], void *);
		/* In place when one segment holds it, else gathered to dst. */
		src = rte_pktmbuf_read(pkt, off, len, dst);
		if (src != dst)
			rte_memcpy(dst, src, len);
		seg[i]->data_len = len;
		if (i > 0)
			seg[i - 1]->next = seg[i];
		off += len;
	}
	seg[0]->pkt_len = pkt->pkt_len;
	seg[0]->nb_segs = nb;
	seg[0]->port = pkt->port;
	return seg[0];
}

/* Write the descriptors of n umem buffers with their device addresses. */
static __rte_always_inline void
emu_umem_tx_write(struct emu_queue *q, struct rte_mbuf **segs,
		const uint32_t *lens, const rte_iova_t *iovas, uint32_t n,
		bool packets)
{
	struct emu_tx_desc *ring = q->ring;
	struct emu_swd *s, *sw = q->sw;
	uint32_t tail = q->tail, mask = q->mask, i;
	uint64_t flags;

	for (i = 0; i < n; i++) {
		s = &sw[tail & mask];
		s->mbuf = segs[i];
		s->iova = iovas[i];
		s->len = lens[i];
		s->unmap = false;
		s->single = packets || n == 1;
		flags = packets || i == n - 1 ? EMU_TXD_EOP : 0;
		/* addr; len, flags and the reserved word */
		emu_desc_store(&ring[tail++ & mask], iovas[i],
			lens[i] | flags << 16);
	}
	q->tail = tail;
}

/* Post the segments of one packet in the umem. */
static void
emu_umem_tx_post_pkt(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf *pkt)
{
	struct rte_mbuf *segs[EMU_MAX_SEGS], *m = pkt;
	uint32_t lens[EMU_MAX_SEGS], i, nb = pkt->nb_segs;
	rte_iova_t iovas[EMU_MAX_SEGS];
	void *bufs[EMU_MAX_SEGS];

	for (i = 0; i < nb; i++, m = m->next) {
		segs[i] = m;
		bufs[i] = rte_pktmbuf_mtod(m, void *);
		lens[i] = m->data_len;
	}
	/* Every buffer is in the umem: an error is a refused sync. */
	if (unlikely(rte_dmamap_umem_tx_post(q->umem, port->dmamap_id, bufs,
			lens, iovas, nb) < 0))
		q->st.map_errors++;
	emu_umem_tx_write(q, segs, lens, iovas, nb, false);
}

/*
 * Post packets of one segment in the umem, up to room descriptors, in
 * batches of one tx_post each; returns how many were posted. It stops at
 * the first packet the generic path must take.
 */
static uint16_t
emu_tx_umem_plain(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf **pkts, uint16_t n, uint32_t room, uint64_t *bytes)
{
	const struct rte_dmamap_umem *umem = q->umem;
	uint32_t lens[EMU_UMEM_BATCH], i, k, done = 0;
	rte_iova_t iovas[EMU_UMEM_BATCH];
	void *bufs[EMU_UMEM_BATCH];
	uint64_t b = 0;
	struct rte_mbuf *m;

	n = RTE_MIN((uint32_t)n, room);
	while (done < n) {
		k = RTE_MIN(n - done, (uint32_t)EMU_UMEM_BATCH);
		for (i = 0; i < k; i++) {
			m = pkts[done + i];
			/* One segment of 1..EMU_MAX_FRAME bytes, in the umem. */
			if (unlikely(m->nb_segs != 1 || m->pkt_len != m->data_len ||
					(uint16_t)(m->data_len - 1) >= EMU_MAX_FRAME ||
					!emu_umem_seg_in(umem, m)))
				break;
			bufs[i] = rte_pktmbuf_mtod(m, void *);
			lens[i] = m->data_len;
			b += m->data_len;
		}
		if (i == 0)
			break;
		if (unlikely(rte_dmamap_umem_tx_post(q->umem, port->dmamap_id,
				bufs, lens, iovas, i) < 0))
			q->st.map_errors++;
		emu_umem_tx_write(q, pkts + done, lens, iovas, i, true);
		done += i;
		if (i < k)
			break;
	}
	*bytes += b;
	return done;
}

/*
 * A packet the plain path left: copied first when not in the umem.
 * Returns 1 when posted, 0 when dropped (counted), -1 when it must wait
 * (no room, no umem mbuf to copy into).
 */
static int
emu_tx_umem_one(struct emu_port *port, struct emu_queue *q,
		struct rte_mbuf *m, uint32_t *room, uint64_t *bytes)
{
	struct rte_mbuf *c;
	uint32_t nb;

	if (unlikely(!emu_tx_valid(m)))
		goto drop;
	if (!emu_umem_pkt_in(q->umem, m)) {
		nb = emu_umem_copy_segs(q, m);
		if (nb > EMU_MAX_SEGS)
			goto drop;
		if (*room < nb)
			return -1;
		c = emu_umem_copy(q, m, nb);
		if (c == NULL) {
			q->st.umem_copy_nobufs++;
			return -1;
		}
		q->st.umem_copies++;
		rte_pktmbuf_free(m);
		m = c;
	} else if (*room < m->nb_segs) {
		return -1;
	}
	emu_umem_tx_post_pkt(port, q, m);
	*room -= m->nb_segs;
	*bytes += m->pkt_len;
	return 1;
drop:
	q->st.errors++;
	rte_pktmbuf_free(m);
	return 0;
}

uint16_t
emu_tx_burst_umem(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct emu_queue *q = txq;
	struct emu_port *port = q->port;
	uint64_t bytes = 0;
	uint16_t i, k, sent = 0;
	uint32_t room;
	int ret;

	if (unlikely(!q->started))
		return 0;
	room = q->clean + q->nb_desc - q->tail;
	if (room < (uint32_t)EMU_FREE_THRESH + n)
		room += emu_tx_clean(port, q, UINT32_MAX);
	for (i = 0; i < n; i++) {
		k = emu_tx_umem_plain(port, q, pkts + i, n - i, room, &bytes);
		i += k;
		room -= k;
		sent += k;
		if (i == n)
			break;
		ret = emu_tx_umem_one(port, q, pkts[i], &room, &bytes);
		if (ret < 0)
			break;
		sent += ret;
	}
	q->st.packets += sent;
	q->st.bytes += bytes;
	emu_doorbell(q);
	emu_model_tx(port, q);
	/* Release at once what the device has done, while it is in cache. */
	emu_tx_clean(port, q, UINT32_MAX);
	return i;
}

/*
 * Start and stop.
 */

static void
emu_queue_reset(struct emu_queue *q)
{
	q->tail = 0;
	q->clean = 0;
	q->doorbell = 0;
	q->dev_head = 0;
	q->dev_error = false;
	memset(q->ring, 0, q->ring_size);
}

/* Which fast paths the queue's buffers allow (see struct emu_queue). */
static void
emu_queue_paths(const struct emu_port *port, struct emu_queue *q)
{
	bool premap = port->conf.dma == EMU_DMA_PREMAP;

	q->stream = port->conf.dma == EMU_DMA_STREAM ||
		(premap && port->premap_per_buffer);
	/* umem queues run bursts of their own. */
	q->plain = q->stream || port->conf.dma == EMU_DMA_BYPASS ||
		(premap && port->coherent);
}

int
emu_queue_start(struct emu_queue *q)
{
	struct emu_port *port = q->port;

	if (q->started)
		return 0;
	if (!q->is_rx && port->conf.dma == EMU_DMA_UMEM &&
			emu_umem_tx_bind(port, q) < 0)
		return -EINVAL;
	emu_queue_reset(q);
	emu_queue_paths(port, q);
	if (q->is_rx && emu_rx_refill(port, q) != 0) {
		EMU_LOG(ERR, "%s: RX queue %u: could post only %u of %u buffers (mempool %s exhausted or buffers not mappable)",
			port->name, q->qid, q->tail, q->nb_desc, q->mp->name);
		q->started = true;
		emu_queue_stop(q);
		return -ENOMEM;
	}
	q->started = true;
	emu_model_queue_enable(q, true);
	return 0;
}


void
emu_queue_stop(struct emu_queue *q)
{
	struct emu_port *port = q->port;
	struct emu_swd *s;
	uint32_t i;

	if (!q->started)
		return;
	emu_model_queue_enable(q, false);
	q->started = false;
	for (i = q->clean; i != q->tail; i++) {
		s = &q->sw[i & q->mask];
		emu_buf_unmap(port, s, q->is_rx ? RTE_DMAMAP_FROM_DEVICE :
			RTE_DMAMAP_TO_DEVICE);
		if (q->umem != NULL && q->is_rx && s->mbuf != NULL)
			emu_umem_rx_done_one(port, q, s->mbuf, 0);
		if (s->mbuf != NULL)
			rte_pktmbuf_free_seg(s->mbuf);
		s->mbuf = NULL;
	}
	/* umem: the TX device gives back what it still held, then the queue
	 * lets go of the umem it was bound to at start.
	 */
	if (q->umem != NULL && !q->is_rx) {
		if (q->tail != q->clean)
			rte_dmamap_umem_tx_done(q->umem, port->dmamap_id,
				q->tail - q->clean);
		emu_umem_detach(port, q);
	}
	q->clean = q->tail;
}
