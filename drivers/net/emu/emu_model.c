/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The NIC's device model. Everything the device reads or writes in host
 * memory goes through the bus's DMA engine of its own emu device: TX
 * descriptors and packet data are read, RX data, descriptor write-backs and
 * status blocks written.
 *
 * A coherent device reaches memory through translations, which check each
 * access against the mask and the IOMMU exactly as a read or write would,
 * then works on host memory in place:
 *   - the descriptors of a window (up to EMU_FETCH) through one
 *     translation of the ring region (emu_ring_map());
 *   - TX: the data of a window's packets translated ahead with one
 *     rte_emu_dma_translate_bulk() (emu_tx_pretranslate()), each packet
 *     then copied once onto the wire from the sender's buffer;
 *   - RX: the buffers of a window planned as descriptors are placed, then
 *     translated with one bulk call (emu_rx_plan_run(), and
 *     emu_rx_fast_copy() on the fast path) and each packet copied once
 *     into the receiver's buffer.
 * A bulk translation sets host[] and err[] for every entry (err 0 where
 * translated): an entry with no host address is either not one host range
 * (ERANGE: copied through rte_emu_dma_write() or rte_emu_dma_read(), which
 * handle several chunks) or a fault (the packet's error). Behind the IOMMU
 * the engine translates through the calling thread's own IOTLB with no
 * lock, and takes the IOMMU lock at most once per bulk call for what that
 * IOTLB cannot give.
 *
 * A non-coherent device has to see memory as its syncs left it, so it
 * copies through rte_emu_dma_read() and rte_emu_dma_write().
 *
 * The common case has fast paths: TX windows whose descriptors are each a
 * whole packet (emu_tx_pretranslate()), and RX of packets of one fragment
 * that fit one buffer (emu_rxq_fast()). Anything else (chains, scatter,
 * faults, a ring that is not one host range) takes the general paths,
 * which behave the same, byte for byte and fault for fault.
 *
 * A DMA the platform refuses (an IOMMU fault) costs the packet, never the
 * host: it is counted, the bus logs the fault, and an RX descriptor whose
 * buffer faulted is completed with an error flag. A fault on a ring stops
 * the queue, as a real device stops on a descriptor fetch error.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_thash.h>

#include "emu_ethdev.h"

#define EMU_FETCH 64          /* descriptors the device reads at once */
#define EMU_HDR_MAX 128       /* header bytes RSS and the filter look at */
#define EMU_PREFETCH 4        /* buffers touched ahead of the copies */

/*
 * DMA helpers.
 */

static inline struct rte_emu_device *
emu_edev(const struct emu_port *port)
{
	const struct emu_proc *proc = emu_proc_of(port->port_id);

	return proc == NULL ? NULL : proc->edev;
}

/* Read or write n descriptors of a ring from index idx, across the wrap. */
static int
emu_ring_dma(struct rte_emu_device *edev, const struct emu_queue *q,
		uint32_t idx, void *d, uint32_t n, bool write)
{
	uint32_t slot = idx & q->mask, first = RTE_MIN(n, q->nb_desc - slot);
	rte_iova_t iova = q->ring_iova + (rte_iova_t)slot * 16;
	int ret;

	ret = write ? rte_emu_dma_write(edev, iova, d, first * 16) :
		rte_emu_dma_read(edev, iova, d, first * 16);
	if (ret == 0 && first < n)
		ret = write ? rte_emu_dma_write(edev, q->ring_iova,
				RTE_PTR_ADD(d, first * 16), (n - first) * 16) :
			rte_emu_dma_read(edev, q->ring_iova,
				RTE_PTR_ADD(d, first * 16), (n - first) * 16);
	return ret;
}

/*
 * Descriptors from index idx of a ring, in place, for a coherent device:
 * *n is cut at the end of the ring. NULL with rte_errno when the ring
 * cannot be reached so (EFAULT: the access faulted and is recorded).
 */
static void *
emu_ring_map(struct rte_emu_device *edev, const struct emu_queue *q,
		uint32_t idx, uint32_t *n, uint32_t access)
{
	uint32_t slot = idx & q->mask;

	*n = RTE_MIN(*n, q->nb_desc - slot);
	return rte_emu_dma_translate(edev, q->ring_iova + (rte_iova_t)slot * 16,
		(size_t)*n * 16, access);
}

/* Report completions: the status block's head, after the descriptors. */
static int
emu_status_write(struct rte_emu_device *edev, const struct emu_queue *q,
		uint32_t head)
{
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	return rte_emu_dma_write(edev, q->ring_iova + (rte_iova_t)q->nb_desc * 16,
		&head, sizeof(head));
}

/* A ring the device cannot reach: the queue stops until restarted. */
static void
emu_ring_fault(struct emu_port *port, struct emu_queue *q)
{
	q->dev_error = true;
	q->st.dma_faults++;
	EMU_LOG(ERR, "%s: %s queue %u: DMA fault on the descriptor ring at IOVA 0x%" PRIx64 ": queue stopped",
		port->name, q->is_rx ? "RX" : "TX", q->qid, q->ring_iova);
}

/* Copy a packet's bytes: small frames, the common case, in two moves. */
static __rte_always_inline void
emu_copy(void *dst, const void *src, uint32_t len)
{
	if (len >= 32 && len <= 64) {
		rte_mov32(dst, src);
		rte_mov32(RTE_PTR_ADD(dst, len - 32),
			RTE_PTR_ADD(src, len - 32));
		return;
	}
	rte_memcpy(dst, src, len);
}

/* Copy bytes [off, off + len) of a packet to dst. */
static void
emu_pkt_copy(const struct emu_pkt *p, uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct emu_frag *f = p->frag;
	uint32_t n;

	if (likely(off == 0 && len <= f->len)) {
		rte_memcpy(dst, f->va, len);
		return;
	}
	while (off >= f->len) {
		off -= f->len;
		f++;
	}
	while (len > 0) {
		n = RTE_MIN(len, f->len - off);
		rte_memcpy(dst, f->va + off, n);
		dst += n;
		len -= n;
		off = 0;
		f++;
	}
}

/*
 * Writes of packet data to RX buffers, for a coherent device, are planned
 * as the descriptors are placed, then translated together (one bulk call
 * for the window) and copied: one memcpy per buffer from the
 * sender's memory to the receiver's. A buffer that faults gets the error
 * flag in its write-back.
 */
struct emu_rx_plan {
	unsigned int n;
	rte_iova_t iova[EMU_FETCH];
	uint32_t len[EMU_FETCH];
	void *host[EMU_FETCH];
	int err[EMU_FETCH];
	struct {
		const struct emu_pkt *pkt;
		uint32_t off;
		union emu_rx_desc *wb;
	} c[EMU_FETCH];
};

/* Write bytes [off, off + len) of a packet at iova with the engine. */
static int
emu_pkt_dma_write(struct rte_emu_device *edev, rte_iova_t iova,
		const struct emu_pkt *p, uint32_t off, uint32_t len)
{
	const struct emu_frag *f = p->frag;
	uint32_t n;
	int ret;

	while (off >= f->len) {
		off -= f->len;
		f++;
	}
	for (; len > 0; f++, off = 0) {
		n = RTE_MIN(len, f->len - off);
		ret = rte_emu_dma_write(edev, iova, f->va + off, n);
		if (ret < 0)
			return ret;
		iova += n;
		len -= n;
	}
	return 0;
}

static inline void
emu_rx_plan_add(struct emu_rx_plan *plan, rte_iova_t iova,
		const struct emu_pkt *p, uint32_t off, uint32_t len,
		union emu_rx_desc *wb)
{
	unsigned int i = plan->n++;

	plan->iova[i] = iova;
	plan->len[i] = len;
	plan->c[i].pkt = p;
	plan->c[i].off = off;
	plan->c[i].wb = wb;
}

/* One planned write the translation could not give. */
static bool
emu_rx_plan_fallback(struct rte_emu_device *edev, struct emu_rx_plan *plan,
		unsigned int i)
{
	/* Translated, but not to one host range: the engine copies. */
	return plan->err[i] == ERANGE && emu_pkt_dma_write(edev, plan->iova[i],
		plan->c[i].pkt, plan->c[i].off, plan->len[i]) == 0;
}

static void
emu_rx_plan_run(struct rte_emu_device *edev, struct emu_queue *q,
		struct emu_rx_plan *plan)
{
	const struct emu_pkt *faulted = NULL;
	unsigned int i, n = plan->n;

	if (n == 0)
		return;
	plan->n = 0;
	if (rte_emu_dma_translate_bulk(edev, plan->iova, plan->len, n,
			RTE_EMU_DMA_WRITE, plan->host, plan->err) < 0) {
		for (i = 0; i < n; i++) {
			plan->host[i] = NULL;
			plan->err[i] = EFAULT;
		}
	}
	for (i = 0; i < n; i++) {
		if (i + EMU_PREFETCH < n && plan->host[i + EMU_PREFETCH] != NULL)
			rte_prefetch0(plan->host[i + EMU_PREFETCH]);
		if (likely(plan->host[i] != NULL)) {
			emu_pkt_copy(plan->c[i].pkt, plan->c[i].off,
				plan->host[i], plan->len[i]);
			continue;
		}
		if (emu_rx_plan_fallback(edev, plan, i))
			continue;
		plan->c[i].wb->wb.flags |= rte_cpu_to_le_16(EMU_RXD_ERR);
		if (plan->c[i].pkt != faulted)
			q->st.dma_faults++;
		faulted = plan->c[i].pkt;
	}
}

/*
 * RSS and the MAC filter.
 */

static inline uint16_t
emu_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
emu_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}

/* The first bytes of a packet, contiguous: in place or copied to buf. */
static const uint8_t *
emu_pkt_hdr(const struct emu_pkt *p, uint8_t *buf, uint32_t *len)
{
	*len = RTE_MIN(p->len, (uint32_t)EMU_HDR_MAX);
	if (p->frag[0].len >= *len)
		return p->frag[0].va;
	emu_pkt_copy(p, 0, buf, *len);
	return buf;
}

/* The hash type a packet gets: its L4 type when enabled, else the
 * addresses when enabled, else none (0).
 */
static uint64_t
emu_rss_type(const struct emu_port *port, uint8_t proto, bool l4_ok,
		uint64_t tcp, uint64_t udp, uint64_t ip)
{
	uint64_t l4 = !l4_ok ? 0 : proto == IPPROTO_TCP ? tcp :
		proto == IPPROTO_UDP ? udp : 0;

	if (port->rss_hf & l4)
		return l4;
	return port->rss_hf & ip;
}

static bool
emu_rss_v4(const struct emu_port *port, const uint8_t *ip, uint32_t len,
		uint32_t *hash)
{
	union rte_thash_tuple t;
	uint32_t ihl;
	uint64_t type;

	if (len < sizeof(struct rte_ipv4_hdr) || (ip[0] >> 4) != 4)
		return false;
	ihl = (ip[0] & 0xf) * 4;
	type = emu_rss_type(port, ip[9], ihl >= 20 && len >= ihl + 4 &&
			(emu_be16(ip + 6) & 0x3fff) == 0,
		RTE_ETH_RSS_NONFRAG_IPV4_TCP, RTE_ETH_RSS_NONFRAG_IPV4_UDP,
		RTE_ETH_RSS_IPV4);
	if (type == 0)
		return false;
	t.v4.src_addr = emu_be32(ip + 12);
	t.v4.dst_addr = emu_be32(ip + 16);
	if (type == RTE_ETH_RSS_IPV4) {
		*hash = rte_softrss_be((uint32_t *)&t, RTE_THASH_V4_L3_LEN,
			port->rss_key_be);
		return true;
	}
	t.v4.sport = emu_be16(ip + ihl);
	t.v4.dport = emu_be16(ip + ihl + 2);
	*hash = rte_softrss_be((uint32_t *)&t, RTE_THASH_V4_L4_LEN,
		port->rss_key_be);
	return true;
}

static bool
emu_rss_v6(const struct emu_port *port, const uint8_t *ip, uint32_t len,
		uint32_t *hash)
{
	struct rte_ipv6_hdr h;
	union rte_thash_tuple t;
	uint64_t type;
	const uint8_t *l4 = ip + sizeof(h);

	if (len < sizeof(h) || (ip[0] >> 4) != 6)
		return false;
	memcpy(&h, ip, sizeof(h));
	type = emu_rss_type(port, h.proto, len >= sizeof(h) + 4,
		RTE_ETH_RSS_NONFRAG_IPV6_TCP, RTE_ETH_RSS_NONFRAG_IPV6_UDP,
		RTE_ETH_RSS_IPV6);
	if (type == 0)
		return false;
	rte_thash_load_v6_addrs(&h, &t);
	if (type == RTE_ETH_RSS_IPV6) {
		*hash = rte_softrss_be((uint32_t *)&t, RTE_THASH_V6_L3_LEN,
			port->rss_key_be);
		return true;
	}
	t.v6.sport = emu_be16(l4);
	t.v6.dport = emu_be16(l4 + 2);
	*hash = rte_softrss_be((uint32_t *)&t, RTE_THASH_V6_L4_LEN,
		port->rss_key_be);
	return true;
}

/* Toeplitz hash of an IPv4/IPv6 packet's 5-tuple or addresses. */
static bool
emu_rss_hash(const struct emu_port *port, const struct emu_pkt *p,
		uint32_t *hash)
{
	uint8_t buf[EMU_HDR_MAX];
	const uint8_t *h;
	uint32_t len, off = RTE_ETHER_HDR_LEN;
	uint16_t type;

	h = emu_pkt_hdr(p, buf, &len);
	if (len < RTE_ETHER_HDR_LEN)
		return false;
	type = emu_be16(h + 12);
	if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		if (len < off + RTE_VLAN_HLEN)
			return false;
		type = emu_be16(h + off + 2);
		off += RTE_VLAN_HLEN;
	}
	if (type == RTE_ETHER_TYPE_IPV4)
		return emu_rss_v4(port, h + off, len - off, hash);
	if (type == RTE_ETHER_TYPE_IPV6)
		return emu_rss_v6(port, h + off, len - off, hash);
	return false;
}

enum emu_verdict {
	EMU_RX_ACCEPT,
	EMU_RX_OVERSIZE,
	EMU_RX_FILTERED,
};

/* What the MAC filter and the frame size limit say of a packet. */
static __rte_always_inline enum emu_verdict
emu_rx_verdict(const struct emu_port *port, const struct emu_pkt *p)
{
	struct rte_ether_addr dst;

	if (p->len > port->max_frame)
		return EMU_RX_OVERSIZE;
	if (port->promisc)
		return EMU_RX_ACCEPT;
	if (p->len < RTE_ETHER_ADDR_LEN)
		return EMU_RX_FILTERED;
	emu_pkt_copy(p, 0, dst.addr_bytes, RTE_ETHER_ADDR_LEN);
	if (rte_is_broadcast_ether_addr(&dst))
		return EMU_RX_ACCEPT;
	if (rte_is_multicast_ether_addr(&dst))
		return port->allmulti ? EMU_RX_ACCEPT : EMU_RX_FILTERED;
	return rte_is_same_ether_addr(&dst, &port->data->mac_addrs[0]) ?
		EMU_RX_ACCEPT : EMU_RX_FILTERED;
}

/* Whether the filter and the size limit let a packet in; counted when not. */
static __rte_always_inline bool
emu_rx_accept(const struct emu_port *port, struct emu_queue *q,
		const struct emu_pkt *p)
{
	enum emu_verdict v = emu_rx_verdict(port, p);

	if (likely(v == EMU_RX_ACCEPT))
		return true;
	if (v == EMU_RX_OVERSIZE)
		q->st.oversize++;
	else
		q->st.filtered++;
	return false;
}

void
emu_model_rss_setup(struct emu_port *port)
{
	rte_convert_rss_key((const uint32_t *)port->rss_key,
		(uint32_t *)port->rss_key_be, EMU_RSS_KEY_LEN);
}

/*
 * RX engine.
 */

/* Packets offered to one queue, with their RSS hashes (NULL: none). */
struct emu_rx_set {
	struct emu_pkt **pkts;
	const uint32_t *hash;
	const bool *hashed;
	uint16_t n;
};

static inline uint32_t
emu_rx_set_hash(const struct emu_rx_set *set, uint16_t i, uint16_t *rss_flag)
{
	if (set->hash == NULL || !set->hashed[i]) {
		*rss_flag = 0;
		return 0;
	}
	*rss_flag = EMU_RXD_RSS;
	return set->hash[i];
}

/* Descriptors a packet takes from d[0..n), or 0 when they are too few. */
static uint32_t
emu_rx_descs_needed(const union emu_rx_desc *d, uint32_t n, uint32_t len)
{
	uint32_t k, room = 0;

	for (k = 0; k < n && k < EMU_RX_MAX_SEGS; k++) {
		room += rte_le_to_cpu_16(d[k].read.buf_len);
		if (room >= len)
			return k + 1;
	}
	return 0;
}

/* Turn a fetched descriptor into its write-back, in two stores: the
 * little-endian words of rss_hash, rsvd and of buf_len, len, flags, rsvd2.
 */
static inline void
emu_rx_wb(union emu_rx_desc *d, uint32_t hash, uint16_t buf_len, uint32_t len,
		uint16_t flags)
{
	uint64_t w[2];

	w[0] = rte_cpu_to_le_64((uint64_t)hash);
	w[1] = rte_cpu_to_le_64((uint64_t)buf_len | (uint64_t)(len & 0xffff) << 16 |
		(uint64_t)flags << 32);
	memcpy(d, w, sizeof(w));
}

/* Write a packet into the buffers of d[0..k) (a coherent device: plan the
 * writes) and turn them into write-backs; false when a buffer faulted.
 */
static bool
emu_rx_write(struct rte_emu_device *edev, bool coherent,
		const struct emu_pkt *p, union emu_rx_desc *d, uint32_t k,
		uint32_t hash, uint16_t rss_flag, struct emu_rx_plan *plan)
{
	uint32_t j, off = 0, len;
	uint16_t flags, buf_len;
	rte_iova_t iova;
	bool ok = true;

	for (j = 0; j < k; j++) {
		iova = rte_le_to_cpu_64(d[j].read.addr);
		buf_len = rte_le_to_cpu_16(d[j].read.buf_len);
		len = RTE_MIN((uint32_t)buf_len, p->len - off);
		flags = rss_flag | (j == k - 1 ? EMU_RXD_EOP : 0);
		if (len > 0 && coherent)
			emu_rx_plan_add(plan, iova, p, off, len, &d[j]);
		else if (len > 0 && emu_pkt_dma_write(edev, iova, p, off,
				len) < 0) {
			flags |= EMU_RXD_ERR;
			ok = false;
		}
		emu_rx_wb(&d[j], hash, buf_len, len, flags);
		off += len;
	}
	return ok;
}

/* One packet offered to a queue whose descriptors d[used..nf) are
 * fetched. Returns the descriptors it took, 0 when it was dropped, -1 when
 * it needs more descriptors than are fetched.
 */
static int
emu_rxq_place(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_queue *q, const struct emu_pkt *p, uint32_t hash,
		bool hashed, union emu_rx_desc *d, uint32_t avail,
		struct emu_rx_plan *plan)
{
	uint32_t k;

	if (unlikely(!emu_rx_accept(port, q, p)))
		return 0;
	k = emu_rx_descs_needed(d, avail, p->len);
	if (k == 0 && avail >= EMU_RX_MAX_SEGS) {
		q->st.oversize++;
		return 0;
	}
	if (k == 0)
		return -1;
	if (k > 1 && !port->scatter) {
		q->st.oversize++;
		return 0;
	}
	if (!emu_rx_write(edev, port->coherent, p, d, k, hash,
			hashed ? EMU_RXD_RSS : 0, plan))
		q->st.dma_faults++;
	return k;
}

/*
 * Place packets from set->pkts[*i] on in a window of nf descriptors;
 * returns the descriptors used, and in *k the last placement (-1: the next
 * packet needs more descriptors than the window has).
 */
static uint32_t
emu_rxq_window(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_queue *q, const struct emu_rx_set *set, uint16_t *i,
		union emu_rx_desc *d, uint32_t nf, int *k)
{
	struct emu_rx_plan plan;
	uint16_t rss_flag;
	uint32_t used, hash;

	plan.n = 0;
	for (used = 0; *i < set->n; (*i)++, used += *k) {
		hash = emu_rx_set_hash(set, *i, &rss_flag);
		*k = emu_rxq_place(port, edev, q, set->pkts[*i], hash,
			rss_flag != 0, &d[used], nf - used, &plan);
		if (*k < 0)
			break;
	}
	emu_rx_plan_run(edev, q, &plan);
	return used;
}

/* Packets the fast path takes in one window: up to one per descriptor. */
struct emu_rx_fast {
	rte_iova_t iova[EMU_FETCH];
	uint32_t len[EMU_FETCH];
	void *host[EMU_FETCH];
	int err[EMU_FETCH];
	const uint8_t *src[EMU_FETCH];
	bool rss;                   /* hash and flags are set */
	uint32_t hash[EMU_FETCH];
	uint16_t flags[EMU_FETCH];
};

/* Copy the packets planned in f into their translated buffers and write
 * back descriptors ring[0..k).
 */
static void
emu_rx_fast_copy(struct rte_emu_device *edev, struct emu_queue *q,
		struct emu_rx_fast *f, union emu_rx_desc *ring, uint32_t k)
{
	uint16_t flags = EMU_RXD_EOP, buf_len;
	uint32_t j, hash = 0;

	if (rte_emu_dma_translate_bulk(edev, f->iova, f->len, k,
			RTE_EMU_DMA_WRITE, f->host, f->err) < 0)
		for (j = 0; j < k; j++) {
			f->host[j] = NULL;
			f->err[j] = EFAULT;
		}
	/*
	 * rte_emu_dma_translate_bulk() writes host[] and err[] for every
	 * entry, in the bus's library, where the analyser does not look.
	 */
	/* NOLINTBEGIN(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	for (j = 0; j < k; j++) {
		/* A NULL is prefetched harmlessly. */
		if (j + EMU_PREFETCH < k)
			rte_prefetch0(f->host[j + EMU_PREFETCH]);
		if (f->rss) {
			flags = f->flags[j];
			hash = f->hash[j];
		}
		buf_len = rte_le_to_cpu_16(ring[j].read.buf_len);
		if (likely(f->host[j] != NULL)) {
			emu_copy(f->host[j], f->src[j], f->len[j]);
		} else if (f->err[j] != ERANGE || rte_emu_dma_write(edev,
				f->iova[j], f->src[j], f->len[j]) < 0) {
			flags |= EMU_RXD_ERR;
			q->st.dma_faults++;
		}
		emu_rx_wb(&ring[j], hash, buf_len, f->len[j], flags);
		flags &= ~EMU_RXD_ERR;
	}
	/* NOLINTEND(clang-analyzer-core.UndefinedBinaryOperatorResult) */
}

/*
 * The common case of a coherent device, in place: packets of one fragment
 * that each fit the buffer of one descriptor. Takes packets from *i on
 * into the descriptors from *head, in one window; returns the packets it
 * consumed (placed or dropped), 0 when the next packet needs the general
 * path, -EFAULT when the ring faulted.
 */
static int
emu_rxq_fast(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_queue *q, const struct emu_rx_set *set, uint32_t posted,
		uint32_t *head, uint16_t *i)
{
	struct emu_rx_fast f;
	union emu_rx_desc *ring;
	const struct emu_pkt *p;
	uint32_t nf, k = 0, len;
	uint16_t j, rss_flag;

	nf = RTE_MIN(RTE_MIN(posted - *head, (uint32_t)(set->n - *i)),
		(uint32_t)EMU_FETCH);
	ring = emu_ring_map(edev, q, *head, &nf,
		RTE_EMU_DMA_READ | RTE_EMU_DMA_WRITE);
	if (ring == NULL)
		return rte_errno == EFAULT ? -EFAULT : 0;
	f.rss = set->hash != NULL;
	for (j = *i; k < nf && j < set->n; j++) {
		p = set->pkts[j];
		len = p->len;
		if (unlikely(!emu_rx_accept(port, q, p)))
			continue;
		if (unlikely(p->nb_frags != 1 ||
				len > rte_le_to_cpu_16(ring[k].read.buf_len)))
			break;
		f.iova[k] = rte_le_to_cpu_64(ring[k].read.addr);
		f.len[k] = len;
		f.src[k] = p->frag[0].va;
		if (f.rss) {
			f.hash[k] = emu_rx_set_hash(set, j, &rss_flag);
			f.flags[k] = EMU_RXD_EOP | rss_flag;
		}
		k++;
	}
	if (k > 0)
		emu_rx_fast_copy(edev, q, &f, ring, k);
	*head += k;
	j -= *i;
	*i += j;
	return j;
}

/* Deliver packets to one queue, under its device lock. */
static uint16_t
emu_rxq_fill(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_queue *q, const struct emu_rx_set *set, bool hold)
{
	union emu_rx_desc d[EMU_FETCH];
	uint32_t head = q->dev_head, posted, nf, used;
	uint16_t i = 0, n = set->n;
	int k = 0, ret = 1;

	posted = __atomic_load_n(&q->doorbell, __ATOMIC_ACQUIRE);
	while (port->coherent && i < n && posted != head && ret > 0)
		ret = emu_rxq_fast(port, edev, q, set, posted, &head, &i);
	if (ret < 0)
		emu_ring_fault(port, q);
	while (ret >= 0 && i < n && posted != head) {
		/* As many descriptors as packets, unless a packet took more. */
		nf = k < 0 ? (uint32_t)EMU_FETCH : (uint32_t)(n - i);
		nf = RTE_MIN(nf, (uint32_t)EMU_FETCH);
		nf = RTE_MIN(nf, posted - head);
		if (emu_ring_dma(edev, q, head, d, nf, false) < 0) {
			emu_ring_fault(port, q);
			break;
		}
		used = emu_rxq_window(port, edev, q, set, &i, d, nf, &k);
		if (used > 0 && emu_ring_dma(edev, q, head, d, used, true) < 0) {
			emu_ring_fault(port, q);
			break;
		}
		head += used;
		if (k < 0 && nf == posted - (head - used))
			break;  /* the packet needs descriptors not posted */
	}
	if (head != q->dev_head) {
		q->dev_head = head;
		if (emu_status_write(edev, q, head) < 0)
			emu_ring_fault(port, q);
	}
	if (!hold)
		q->st.missed += n - i;
	return hold ? i : n;
}

static uint16_t
emu_rxq_deliver(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_queue *q, struct emu_pkt **pkts, const uint32_t *hash,
		const bool *hashed, uint16_t n, bool hold)
{
	const struct emu_rx_set set = {
		.pkts = pkts, .hash = hash, .hashed = hashed, .n = n,
	};
	uint16_t taken;

	rte_spinlock_lock(&q->dev_lock);
	if (unlikely(!q->dev_enabled || q->dev_error)) {
		if (!hold)
			q->st.missed += n;
		rte_spinlock_unlock(&q->dev_lock);
		return hold ? 0 : n;
	}
	taken = emu_rxq_fill(port, edev, q, &set, hold);
	rte_spinlock_unlock(&q->dev_lock);
	return taken;
}

/* Queue of a packet: RSS redirection table, or queue 0. */
static inline uint16_t
emu_rx_queue_of(const struct emu_port *port, const struct emu_pkt *p,
		uint32_t *hash, bool *hashed)
{
	*hash = 0;
	*hashed = port->rss_on && emu_rss_hash(port, p, hash);
	if (!*hashed)
		return 0;
	return port->reta[*hash % EMU_RETA_SIZE];
}

/* Without RSS, queue 0 takes every packet, in one delivery. */
static void
emu_model_rx_q0(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_pkt *pkts, uint16_t n)
{
	struct emu_queue *q = port->data->rx_queues[0];
	struct emu_pkt *grp[EMU_BURST];
	uint16_t i;

	for (i = 0; i < n; i++)
		grp[i] = &pkts[i];
	if (q != NULL)
		emu_rxq_deliver(port, edev, q, grp, NULL, NULL, n, false);
}

/* Packets in order, one at a time, stopping at the first no queue takes. */
static uint16_t
emu_model_rx_hold(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_pkt *pkts, uint16_t n, const uint16_t *qid,
		const uint32_t *hash, const bool *hashed)
{
	struct emu_pkt *one;
	struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < n; i++) {
		one = &pkts[i];
		q = port->data->rx_queues[qid[i]];
		if (q == NULL || emu_rxq_deliver(port, edev, q, &one, &hash[i],
				&hashed[i], 1, true) == 0)
			break;
	}
	return i;
}

/* Each queue's packets in one delivery, in their order. */
static void
emu_model_rx_grouped(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_pkt *pkts, uint16_t n, const uint16_t *qid,
		const uint32_t *hash, const bool *hashed, uint32_t present)
{
	struct emu_pkt *grp[EMU_BURST];
	uint32_t ghash[EMU_BURST], qbit;
	bool ghashed[EMU_BURST];
	struct emu_queue *q;
	uint16_t i, g;

	while (present != 0) {
		qbit = rte_bsf32(present);
		present &= ~RTE_BIT32(qbit);
		for (i = 0, g = 0; i < n; i++) {
			if (qid[i] != qbit)
				continue;
			grp[g] = &pkts[i];
			ghash[g] = hash[i];
			ghashed[g++] = hashed[i];
		}
		q = port->data->rx_queues[qbit];
		if (q != NULL)
			emu_rxq_deliver(port, edev, q, grp, ghash, ghashed, g, false);
	}
}

/* Deliver up to EMU_BURST packets to the queues RSS picks. */
static uint16_t
emu_model_rx_batch(struct emu_port *port, struct rte_emu_device *edev,
		struct emu_pkt *pkts, uint16_t n, bool hold)
{
	uint16_t qid[EMU_BURST], i, nq = port->data->nb_rx_queues;
	uint32_t hash[EMU_BURST], present = 0;
	bool hashed[EMU_BURST];

	if (!port->rss_on && !hold) {
		emu_model_rx_q0(port, edev, pkts, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		qid[i] = emu_rx_queue_of(port, &pkts[i], &hash[i], &hashed[i]);
		if (qid[i] >= nq)
			qid[i] = 0;
		present |= RTE_BIT32(qid[i]);
	}
	if (hold)
		return emu_model_rx_hold(port, edev, pkts, n, qid, hash, hashed);
	emu_model_rx_grouped(port, edev, pkts, n, qid, hash, hashed, present);
	return n;
}

uint16_t
emu_model_rx(struct emu_port *port, struct emu_pkt *pkts, uint16_t n,
		bool hold)
{
	struct rte_emu_device *edev = emu_edev(port);
	uint16_t done = 0, chunk, taken;

	if (edev == NULL || port->data->nb_rx_queues == 0)
		return hold ? 0 : n;
	while (done < n) {
		chunk = RTE_MIN(n - done, EMU_BURST);
		taken = emu_model_rx_batch(port, edev, pkts + done, chunk, hold);
		done += taken;
		if (taken < chunk)
			break;
	}
	return done;
}

void
emu_model_queue_enable(struct emu_queue *q, bool on)
{
	rte_spinlock_lock(&q->dev_lock);
	q->dev_enabled = on;
	if (on) {
		q->dev_head = 0;
		q->dev_error = false;
	}
	rte_spinlock_unlock(&q->dev_lock);
}

/*
 * TX engine.
 */

/* State of one run of the TX engine. */
struct emu_tx_run {
	struct emu_port *port;
	struct emu_queue *q;
	struct rte_emu_device *edev;
	uint8_t *stage;        /* copies of data a translation cannot give */
	uint32_t staged;       /* bytes used in stage */
	uint32_t pkt_staged;   /* staged bytes when the packet began */
	uint16_t segs;         /* descriptors of the packet so far */
	bool bad;              /* the packet is dropped */
	uint16_t nb_pkts;
	/* Translations of the fetched descriptors' data, done together. */
	uint32_t cur;          /* fetched descriptor being taken */
	bool pre[EMU_FETCH];   /* translated ahead: host and err are set */
	void *host[EMU_FETCH];
	int err[EMU_FETCH];
	struct emu_pkt pkts[EMU_BURST];
};

static void
emu_tx_flush(struct emu_tx_run *r)
{
	if (r->nb_pkts > 0)
		emu_wire_send(r->port, r->pkts, r->nb_pkts, r->q);
	r->nb_pkts = 0;
}

/* Send what is complete, then move the packet in progress to the start
 * of the stage, so the stage has room again.
 */
static void
emu_tx_stage_compact(struct emu_tx_run *r)
{
	struct emu_pkt *cur = &r->pkts[r->nb_pkts];
	uint32_t moved = r->staged - r->pkt_staged;
	uint16_t i;

	emu_tx_flush(r);
	r->pkts[0] = *cur;
	cur = &r->pkts[0];
	for (i = 0; i < cur->nb_frags; i++)
		if (cur->frag[i].va >= r->stage &&
				cur->frag[i].va < r->stage + EMU_STAGE_SIZE)
			cur->frag[i].va -= r->pkt_staged;
	memmove(r->stage, r->stage + r->pkt_staged, moved);
	r->pkt_staged = 0;
	r->staged = moved;
}

static uint8_t *
emu_tx_stage_get(struct emu_tx_run *r)
{
	struct emu_proc *proc = emu_proc_of(r->port->port_id);

	if (proc->stage[r->q->qid] == NULL)
		proc->stage[r->q->qid] = malloc(EMU_STAGE_SIZE);
	return proc->stage[r->q->qid];
}

/* Read len bytes at iova as the device; *va is where they can be read. */
static int
emu_tx_read(struct emu_tx_run *r, rte_iova_t iova, uint32_t len,
		const uint8_t **va)
{
	void *p;
	int ret, err;

	if (r->port->coherent) {
		if (likely(r->pre[r->cur])) {
			p = r->host[r->cur];
			err = r->err[r->cur];
		} else {
			p = rte_emu_dma_translate(r->edev, iova, len,
				RTE_EMU_DMA_READ);
			err = rte_errno;
		}
		if (likely(p != NULL)) {
			*va = p;
			return 0;
		}
		if (err == EFAULT || err == EINVAL)
			return -EFAULT;
	}
	if (r->stage == NULL) {
		r->stage = emu_tx_stage_get(r);
		if (r->stage == NULL)
			return -ENOMEM;
	}
	if (r->staged + len > EMU_STAGE_SIZE)
		emu_tx_stage_compact(r);
	ret = rte_emu_dma_read(r->edev, iova, r->stage + r->staged, len);
	if (ret < 0)
		return ret;
	*va = r->stage + r->staged;
	r->staged += len;
	return 0;
}

/* Add one descriptor's data to the packet in progress; false when the
 * packet must be dropped (counted).
 */
static bool
emu_tx_desc_data(struct emu_tx_run *r, const struct emu_tx_desc *d)
{
	struct emu_pkt *p = &r->pkts[r->nb_pkts];
	uint32_t len = rte_le_to_cpu_16(d->len);
	const uint8_t *va;

	if (r->segs > EMU_MAX_SEGS || len > EMU_DESC_LEN_MAX ||
			p->len + len > EMU_MAX_FRAME) {
		r->q->st.desc_errors++;
		return false;
	}
	if (len == 0)
		return true;
	if (emu_tx_read(r, rte_le_to_cpu_64(d->addr), len, &va) < 0) {
		r->q->st.dma_faults++;
		return false;
	}
	p = &r->pkts[r->nb_pkts];  /* the stage may have moved it */
	p->frag[p->nb_frags].va = va;
	p->frag[p->nb_frags++].len = len;
	p->len += len;
	return true;
}

/* Take one descriptor into the packet in progress. */
static void
emu_tx_desc(struct emu_tx_run *r, const struct emu_tx_desc *d)
{
	struct emu_pkt *p;

	if (r->segs++ == 0) {
		p = &r->pkts[r->nb_pkts];
		p->len = 0;
		p->nb_frags = 0;
		r->bad = false;
		r->pkt_staged = r->staged;
	}
	if (!r->bad && !emu_tx_desc_data(r, d))
		r->bad = true;
	if (!(rte_le_to_cpu_16(d->flags) & EMU_TXD_EOP))
		return;
	r->segs = 0;
	p = &r->pkts[r->nb_pkts];
	if (!r->bad && p->len == 0)
		r->q->st.desc_errors++;  /* a packet of no bytes */
	if (r->bad || p->len == 0) {
		r->staged = r->pkt_staged;
		return;
	}
	if (++r->nb_pkts == EMU_BURST) {
		emu_tx_flush(r);
		r->staged = 0;
	}
}

/* A whole packet of one descriptor whose data is translated. */
static inline void
emu_tx_whole(struct emu_tx_run *r, const uint8_t *va, uint32_t len)
{
	struct emu_pkt *p = &r->pkts[r->nb_pkts];

	p->len = len;
	p->nb_frags = 1;
	p->frag[0].va = va;
	p->frag[0].len = len;
	if (++r->nb_pkts == EMU_BURST) {
		emu_tx_flush(r);
		r->staged = 0;
	}
}

/*
 * Translate the data of the fetched descriptors that are whole packets of
 * one descriptor the engine will read, all at once (a coherent device).
 * Other descriptors are translated when they are taken, so a malformed or
 * faulting chain is read exactly as far as it would be one by one.
 */
static void
emu_tx_pretranslate_some(struct emu_tx_run *r, const struct emu_tx_desc *d,
		uint32_t n)
{
	rte_iova_t iova[EMU_FETCH];
	uint32_t len[EMU_FETCH], i, k = 0, l;
	uint8_t idx[EMU_FETCH];
	bool start = r->segs == 0, eop;

	for (i = 0; i < n; i++) {
		eop = rte_le_to_cpu_16(d[i].flags) & EMU_TXD_EOP;
		l = rte_le_to_cpu_16(d[i].len);
		r->pre[i] = start && eop && l > 0 && l <= EMU_MAX_FRAME;
		start = eop;
		iova[k] = rte_le_to_cpu_64(d[i].addr);
		len[k] = l;
		idx[k] = i;
		k += r->pre[i];
	}
	if (k == 0)
		return;
	if (rte_emu_dma_translate_bulk(r->edev, iova, len, k, RTE_EMU_DMA_READ,
			r->host, r->err) < 0) {
		memset(r->pre, 0, n);
		return;
	}
	/* In place, from the last: idx[i] >= i. */
	for (i = k; i-- > 0; ) {
		r->host[idx[i]] = r->host[i];
		r->err[idx[i]] = r->err[i];
	}
}

/*
 * The same when every descriptor fetched is a whole packet, the common
 * case: true when they are all translated (r->host and r->err in
 * descriptor order), false when emu_tx_pretranslate_some() ran instead.
 */
static bool
emu_tx_pretranslate(struct emu_tx_run *r, const struct emu_tx_desc *d,
		uint32_t n)
{
	rte_iova_t iova[EMU_FETCH];
	uint32_t len[EMU_FETCH], i;
	bool all = r->segs == 0;

	for (i = 0; i < n; i++) {
		iova[i] = rte_le_to_cpu_64(d[i].addr);
		len[i] = rte_le_to_cpu_16(d[i].len);
		all &= (rte_le_to_cpu_16(d[i].flags) & EMU_TXD_EOP) &&
			len[i] - 1 < EMU_MAX_FRAME;
	}
	if (all && rte_emu_dma_translate_bulk(r->edev, iova, len, n,
			RTE_EMU_DMA_READ, r->host, r->err) >= 0)
		return true;
	emu_tx_pretranslate_some(r, d, n);
	return false;
}

/* n descriptors that are each a whole packet, translated ahead. */
static void
emu_tx_wholes(struct emu_tx_run *r, const struct emu_tx_desc *d, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (likely(r->host[i] != NULL)) {
			emu_tx_whole(r, r->host[i], rte_le_to_cpu_16(d[i].len));
			continue;
		}
		r->cur = i;
		r->pre[i] = true;  /* emu_tx_read() takes r->err[i] */
		emu_tx_desc(r, &d[i]);
	}
}

/*
 * Fetch up to *n descriptors from head: in place for a coherent device (*n
 * cut at the ring's end), else copied. NULL when the ring faulted.
 */
static const struct emu_tx_desc *
emu_tx_fetch(struct emu_tx_run *r, uint32_t head, uint32_t *n,
		struct emu_tx_desc *copy)
{
	const struct emu_tx_desc *d;

	if (r->port->coherent) {
		d = emu_ring_map(r->edev, r->q, head, n, RTE_EMU_DMA_READ);
		if (d != NULL || rte_errno == EFAULT)
			return d;
	}
	return emu_ring_dma(r->edev, r->q, head, copy, *n, false) < 0 ?
		NULL : copy;
}

void
emu_model_tx(struct emu_port *port, struct emu_queue *q)
{
	struct emu_tx_desc copy[EMU_FETCH];
	const struct emu_tx_desc *d;
	struct emu_tx_run r;
	uint32_t head = q->dev_head, done = head, tail, n, i;

	r.edev = emu_edev(port);
	if (unlikely(r.edev == NULL || !q->dev_enabled || q->dev_error))
		return;
	r.port = port;
	r.q = q;
	r.stage = NULL;
	r.staged = 0;
	r.segs = 0;
	r.nb_pkts = 0;
	tail = __atomic_load_n(&q->doorbell, __ATOMIC_ACQUIRE);
	while (head != tail) {
		n = RTE_MIN(tail - head, (uint32_t)EMU_FETCH);
		d = emu_tx_fetch(&r, head, &n, copy);
		if (d == NULL) {
			emu_ring_fault(port, q);
			break;
		}
		if (port->coherent && emu_tx_pretranslate(&r, d, n)) {
			emu_tx_wholes(&r, d, n);
			done = head + n;
			head += n;
			continue;
		}
		for (i = 0; i < n; i++) {
			r.cur = i;
			if (port->coherent && r.pre[i] && r.host[i] != NULL)
				emu_tx_whole(&r, r.host[i],
					rte_le_to_cpu_16(d[i].len));
			else
				emu_tx_desc(&r, &d[i]);
			if (r.segs == 0)
				done = head + i + 1;
		}
		head += n;
	}
	emu_tx_flush(&r);
	/* A packet without its last descriptor waits for the next doorbell. */
	if (done != q->dev_head) {
		q->dev_head = done;
		if (emu_status_write(r.edev, q, done) < 0)
			emu_ring_fault(port, q);
	}
}
