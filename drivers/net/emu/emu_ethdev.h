/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef EMU_ETHDEV_H
#define EMU_ETHDEV_H

/*
 * net_emu: the poll-mode driver of emu NICs, and the NIC's device model.
 *
 *   emu_ethdev.c  devargs, ethdev ops, probe and remove
 *   emu_rxtx.c    the driver side of the queues: rings, rx/tx bursts
 *   emu_model.c   the device side: TX and RX engines, RSS, MAC filter
 *   emu_wire.c    what the port is cabled to: peer, loopback, pcap, iface
 *   emu_xstats.c  statistics
 *
 * The NIC has up to EMU_MAX_QUEUES RX and TX queues. Each queue is a ring
 * of 16-byte descriptors followed by a status block, in memory from
 * rte_dmamap_alloc_coherent(). The driver posts descriptors and rings a
 * doorbell; the device reads descriptors and packet data and writes
 * received data, descriptor write-backs and the status block only with the
 * bus's DMA engine, so the device's mask, IOMMU domain and coherence apply
 * to every byte it touches. The device has no thread of its own: a TX
 * doorbell runs the TX engine at once (it hands packets to the wire, which
 * runs the receiving port's RX engine), and an RX poll runs the engines of
 * wires that must be polled (capture files, live interfaces).
 *
 * Ring indexes are free-running 32-bit counters; a slot is counter & mask.
 * On a queue: [clean, head) are done by the device and not yet seen by the
 * driver, [head, tail) belong to the device, the rest to the driver.
 *
 * Shared state (struct emu_port, the queues) lives in DPDK shared memory so
 * that secondary processes use the ports; what a process opens itself (its
 * handle of the bus device, capture handles) is in struct emu_proc.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>

#include <ethdev_driver.h>
#include <rte_dmamap.h>
#include <rte_dmamap_umem.h>

#include "bus_emu_driver.h"

extern int emu_net_logtype;
#define RTE_LOGTYPE_NET_EMU emu_net_logtype

#define EMU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, emu_net_logtype, "NET_EMU: %s(): " fmt "\n", \
		__func__, ## __VA_ARGS__)

/* What the device offers. */
#define EMU_MAX_QUEUES 16
#define EMU_RING_MIN 64
#define EMU_RING_MAX 4096
#define EMU_RING_DEFAULT 1024
#define EMU_MAX_SEGS 16            /* TX descriptors of one packet */
#define EMU_RX_MAX_SEGS 40         /* RX descriptors of one packet */
#define EMU_DESC_LEN_MAX 16384     /* bytes one TX descriptor may carry */
#define EMU_MIN_BUF 256            /* smallest RX buffer the device takes */
#define EMU_MAX_FRAME 9728         /* largest frame, without CRC */
#define EMU_MIN_MTU RTE_ETHER_MIN_MTU
#define EMU_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
#define EMU_MAX_MTU (EMU_MAX_FRAME - EMU_FRAME_OVERHEAD)
#define EMU_RSS_KEY_LEN 40
#define EMU_RETA_SIZE 128
/* 5-tuple for TCP and UDP; the addresses alone for other IP packets. */
#define EMU_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_IPV6 | \
	RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | \
	RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)
#define EMU_SPEED RTE_ETH_SPEED_NUM_100G
#define EMU_MAX_POOLS 8            /* mempools premapped per port */

/* Work the driver and the device do per step. */
#define EMU_BURST 32               /* packets the device moves per batch */
#define EMU_FREE_THRESH 32         /* TX: clean when fewer slots are free */
#define EMU_REFILL_THRESH 32       /* RX: post buffers in batches of this */
#define EMU_STAGE_SIZE (64 * 1024) /* device-side copy of packet data */

/*
 * Descriptors, little endian.
 */
#define EMU_TXD_EOP RTE_BIT32(0)   /* last descriptor of a packet */

struct emu_tx_desc {
	rte_le64_t addr;     /* IOVA of the data */
	rte_le16_t len;      /* bytes */
	rte_le16_t flags;    /* EMU_TXD_* */
	rte_le32_t rsvd;
};

#define EMU_RXD_EOP RTE_BIT32(0)   /* last descriptor of a packet */
#define EMU_RXD_ERR RTE_BIT32(1)   /* the device could not write the data */
#define EMU_RXD_RSS RTE_BIT32(2)   /* rss_hash is valid */

/* RX descriptor: posted by the driver (read), written back by the device. */
union emu_rx_desc {
	struct {
		rte_le64_t addr;     /* IOVA of the buffer */
		rte_le16_t buf_len;  /* bytes the buffer takes */
		rte_le16_t rsvd[3];
	} read;
	struct {
		rte_le32_t rss_hash;
		rte_le32_t rsvd;
		rte_le16_t buf_len;
		rte_le16_t len;      /* bytes written */
		rte_le16_t flags;    /* EMU_RXD_* */
		rte_le16_t rsvd2;
	} wb;
};

/* Status block after each ring, written by the device. */
struct emu_queue_status {
	uint32_t head;       /* descriptors the device has completed */
	uint32_t rsvd[15];
};

/* Mapping mode of a port: how buffers get their device address. */
enum emu_dma_mode {
	EMU_DMA_BYPASS = 0,  /* the IOVA EAL gives the mbuf */
	EMU_DMA_PREMAP,      /* each mempool mapped once, IOVA by offset */
	EMU_DMA_STREAM,      /* map per packet, unmap at completion */
	EMU_DMA_UMEM,        /* RX pools are umems attached once; foreign TX copied */
};

/* What the port is cabled to. */
enum emu_wire_type {
	EMU_WIRE_NONE = 0,
	EMU_WIRE_PEER,
	EMU_WIRE_LOOPBACK,
	EMU_WIRE_PCAP,
	EMU_WIRE_IFACE,
};

/* Devargs of the driver. */
struct emu_conf {
	enum emu_wire_type wire;
	enum emu_dma_mode dma;
	char peer[RTE_DEV_NAME_MAX_LEN];
	char pcap_rx[PATH_MAX];
	char pcap_tx[PATH_MAX];
	char iface[64];
	struct rte_ether_addr mac;
	bool mac_set;
};

/* Per software ring slot: what the driver must release at completion. */
struct emu_swd {
	struct rte_mbuf *mbuf;
	rte_iova_t iova;     /* device address (stream: to unmap) */
	uint32_t len;        /* mapped length (stream) */
	bool unmap;          /* mapped per packet: unmap at completion */
	bool single;         /* TX: the whole packet, one segment */
};

/* A mempool mapped for the device (premap). */
struct emu_pool_map {
	const struct rte_mempool *mp;
	struct rte_dmamap_region region;
	uintptr_t va;        /* region.va, for the subtraction */
	rte_iova_t iova;     /* region.iova */
	bool direct;         /* region.direct: use the EAL IOVA */
};

/* Driver and device counters of one queue. */
struct emu_queue_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;
	uint64_t doorbells;
	uint64_t map_errors;     /* mapping failed at TX or RX refill */
	/* Device side. */
	uint64_t missed;         /* RX: no descriptor for a packet */
	uint64_t nombuf;         /* RX: refill found no mbuf */
	uint64_t oversize;       /* RX: frame beyond MTU or buffers */
	uint64_t filtered;       /* RX: dropped by the MAC filter */
	uint64_t dma_faults;     /* DMA the platform refused */
	uint64_t desc_errors;    /* TX: malformed descriptor chain */
	uint64_t link_down;      /* TX: dropped, wire down */
	/* umem: TX packets copied into frames of the queue's umem. */
	uint64_t umem_copies;
	uint64_t umem_copy_nobufs; /* TX stopped: no umem frame to copy to */
};

struct emu_port;

/* A queue, driver side and device side. */
struct emu_queue {
	struct emu_port *port;
	uint16_t qid;
	bool is_rx;
	uint32_t nb_desc;
	uint32_t mask;           /* nb_desc - 1 */
	/* Descriptor ring and status block, device memory. */
	void *ring;
	rte_iova_t ring_iova;
	size_t ring_size;
	volatile struct emu_queue_status *status;
	struct emu_swd *sw;
	struct rte_mempool *mp;  /* RX buffers */
	uint16_t buf_len;        /* RX: bytes per buffer the device may fill */
	uint64_t rearm;          /* RX: rearm_data of a fresh mbuf */
	uint64_t offloads;
	bool deferred;           /* not started with the port */
	/* Driver state. */
	uint32_t tail;           /* descriptors posted */
	uint32_t clean;          /* descriptors released */
	bool started;
	/*
	 * The driver syncs no buffer (bypass; premap on a coherent device;
	 * buffers mapped one by one): the bursts' fast paths apply. With
	 * stream, each buffer is mapped when posted and unmapped at
	 * completion (stream; premap_per_buffer). Set at start.
	 */
	bool plain;
	bool stream;
	/*
	 * dma=umem: the umem the queue's buffers are in (RX: its pool's, set at
	 * setup; TX: that of an RX queue, set at start), the device attached to
	 * it once per queue. TX packets outside it are copied into mbufs of
	 * umem_mp, copy_room bytes each. NULL in the other modes.
	 */
	struct rte_dmamap_umem *umem;
	struct rte_mempool *umem_mp;
	uint16_t copy_room;
	/* The doorbell register. */
	uint32_t doorbell __rte_cache_aligned;
	/* Device state. */
	rte_spinlock_t dev_lock __rte_cache_aligned;
	uint32_t dev_head;       /* next descriptor the device uses */
	bool dev_enabled;        /* the queue is started on the device */
	bool dev_error;          /* the device met a ring fault */
	struct emu_queue_stats st __rte_cache_aligned;
};

/* A port: shared by every process. */
struct emu_port {
	char name[RTE_DEV_NAME_MAX_LEN];
	uint16_t port_id;
	int16_t dmamap_id;
	bool coherent;
	struct rte_eth_dev_data *data;
	struct emu_conf conf;
	/* Wire: the port at the other end of a peer cable. */
	rte_rwlock_t peer_lock;
	struct emu_port *peer;
	/* Device state. */
	bool started;
	bool admin_up;           /* set_link_up / set_link_down */
	bool scatter;            /* RX may use several descriptors */
	uint32_t max_frame;      /* device drops longer frames */
	bool promisc;
	bool allmulti;
	/* Read as 32-bit words by rte_convert_rss_key(). */
	uint8_t rss_key[EMU_RSS_KEY_LEN] __rte_aligned(4);
	uint8_t rss_key_be[EMU_RSS_KEY_LEN] __rte_aligned(4); /* for rte_softrss_be() */
	uint16_t reta[EMU_RETA_SIZE];
	uint64_t rss_hf;
	bool rss_on;             /* hash (multi-queue RSS or hash offload) */
	/*
	 * premap on a non-coherent device under the DMA-API debug checker:
	 * the checker knows no pool region (it records no two-step link and
	 * no direct region), so it would refuse the syncs the device needs;
	 * buffers are then mapped one by one, as in stream mode.
	 */
	bool premap_per_buffer;
	/* premap: mempools mapped into the device's domain. */
	rte_spinlock_t pool_lock;
	unsigned int nb_pools;
	struct emu_pool_map pools[EMU_MAX_POOLS];
	const struct rte_mempool *pool_failed; /* last pool not mappable */
	/* xstats: values of the platform counters at the last reset. */
	uint64_t xbase[32];
};

/* What one process holds of a port. */
struct emu_proc {
	struct rte_emu_device *edev;
	struct emu_wire_proc *wire;      /* pcap and iface handles, or NULL */
	uint8_t *stage[EMU_MAX_QUEUES];  /* TX engine copies, per queue */
};

/* One fragment of a packet on the wire: bytes the receiver can read. */
struct emu_frag {
	const uint8_t *va;
	uint32_t len;
};

/* A packet on the wire. */
struct emu_pkt {
	uint32_t len;
	uint16_t nb_frags;
	struct emu_frag frag[EMU_MAX_SEGS];
};

/* The driver's ethdev operations (to recognise its ports). */
const struct eth_dev_ops *emu_eth_ops(void);

static inline struct emu_port *
emu_port_of(const struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

static inline struct emu_proc *
emu_proc_of(uint16_t port_id)
{
	return rte_eth_devices[port_id].process_private;
}

/*
 * emu_rxtx.c: the driver side of the queues.
 */
int emu_queue_setup(struct rte_eth_dev *dev, uint16_t qid, bool rx,
		uint16_t nb_desc, unsigned int socket_id, uint64_t offloads,
		struct rte_mempool *mp);
void emu_queue_release(struct rte_eth_dev *dev, uint16_t qid, bool rx);
/* Post RX buffers (start); release every buffer the queue holds (stop). */
int emu_queue_start(struct emu_queue *q);
void emu_queue_stop(struct emu_queue *q);
uint16_t emu_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t emu_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
/* dma=umem bursts, chosen at probe. */
uint16_t emu_rx_burst_umem(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t emu_tx_burst_umem(void *txq, struct rte_mbuf **pkts, uint16_t n);
int emu_tx_done_cleanup(void *txq, uint32_t free_cnt);
/* premap: map the port's RX pools at start; unmap every pool at stop. */
int emu_pools_map_rx(struct emu_port *port);
void emu_pools_unmap(struct emu_port *port);

/*
 * emu_model.c: the device.
 */
/* Run the TX engine of a queue: consume what the doorbell announced. */
void emu_model_tx(struct emu_port *port, struct emu_queue *q);
/*
 * Receive packets from the wire into the port's RX queues (RSS, MAC filter,
 * MTU). With hold, stop at the first packet no descriptor can take and
 * return how many were taken; else drop what cannot be taken (counted).
 */
uint16_t emu_model_rx(struct emu_port *port, struct emu_pkt *pkts,
		uint16_t n, bool hold);
/* Enable or disable a queue on the device (under its lock). */
void emu_model_queue_enable(struct emu_queue *q, bool on);
/* Compute the port's RSS tables after configure or an RSS update. */
void emu_model_rss_setup(struct emu_port *port);

/*
 * emu_wire.c: wires.
 */
/* Open capture files or the interface of a port (probe). */
int emu_wire_open(struct emu_port *port, struct emu_proc *proc);
void emu_wire_close(struct emu_proc *proc);
/* Connect a port to its peer if the peer exists; called at probe. */
int emu_wire_connect(struct emu_port *port);
/* Detach a port from its peer (close). */
void emu_wire_disconnect(struct emu_port *port);
/* Whether the wire carries signal: both ends started. */
bool emu_wire_link_up(struct emu_port *port);
/* Hand packets the TX engine sent to the wire. */
void emu_wire_send(struct emu_port *port, struct emu_pkt *pkts, uint16_t n,
		struct emu_queue *txq);
/* Poll a wire that must be polled (pcap_rx, iface) into the RX queues. */
void emu_wire_poll(struct emu_port *port);
/* Flush what the wire buffers (capture file). */
void emu_wire_flush(struct emu_port *port);

/*
 * emu_xstats.c: statistics.
 */
int emu_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats);
int emu_stats_reset(struct rte_eth_dev *dev);
int emu_xstats_get_names(struct rte_eth_dev *dev,
		struct rte_eth_xstat_name *names, unsigned int size);
int emu_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		unsigned int n);
int emu_xstats_reset(struct rte_eth_dev *dev);

#endif /* EMU_ETHDEV_H */
