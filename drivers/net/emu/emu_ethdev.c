/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * net_emu: ethdev poll-mode driver of emu NICs (devargs type=nic).
 *
 * Devargs (besides the bus's own keys):
 *   peer=<emu device>   back-to-back cable to another emu NIC
 *   loopback=1          the port receives what it sends
 *   pcap_rx=<file>      receive the packets of a capture file
 *   pcap_tx=<file>      write sent packets to a capture file
 *   iface=<name>        a live kernel interface, through libpcap
 *   dma=bypass|premap|stream|umem   how buffers get their device address
 *   mac=<xx:xx:xx:xx:xx:xx>    MAC address (default derived from the name)
 * A port has one wire: peer, loopback, pcap_rx/pcap_tx or iface.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_bus_emu.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_string_fns.h>

#include "emu_ethdev.h"

RTE_LOG_REGISTER(emu_net_logtype, pmd.net.emu, NOTICE);

#define EMU_ARG_PEER "peer"
#define EMU_ARG_LOOPBACK "loopback"
#define EMU_ARG_PCAP_RX "pcap_rx"
#define EMU_ARG_PCAP_TX "pcap_tx"
#define EMU_ARG_IFACE "iface"
#define EMU_ARG_DMA "dma"
#define EMU_ARG_MAC "mac"

static const char * const emu_valid_args[] = {
	EMU_ARG_PEER,
	EMU_ARG_LOOPBACK,
	EMU_ARG_PCAP_RX,
	EMU_ARG_PCAP_TX,
	EMU_ARG_IFACE,
	EMU_ARG_DMA,
	EMU_ARG_MAC,
	NULL,
};

static const char * const emu_dma_names[] = {
	[EMU_DMA_BYPASS] = "bypass",
	[EMU_DMA_PREMAP] = "premap",
	[EMU_DMA_STREAM] = "stream",
	[EMU_DMA_UMEM] = "umem",
};

static const uint8_t emu_default_rss_key[EMU_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct eth_dev_ops emu_ops;

const struct eth_dev_ops *
emu_eth_ops(void)
{
	return &emu_ops;
}

/*
 * Devargs.
 */

/* The value of a key given once; NULL when absent; -EINVAL when repeated. */
static int
emu_arg_get(const char *dev, const struct rte_kvargs *kv, const char *key,
		const char **value)
{
	unsigned int i, seen = 0;

	*value = NULL;
	for (i = 0; kv != NULL && i < kv->count; i++) {
		if (strcmp(kv->pairs[i].key, key) != 0)
			continue;
		if (seen++ > 0) {
			EMU_LOG(ERR, "%s: key '%s' given twice", dev, key);
			return -EINVAL;
		}
		*value = kv->pairs[i].value;
		if (*value == NULL || (*value)[0] == '\0') {
			EMU_LOG(ERR, "%s: key '%s' needs a value", dev, key);
			return -EINVAL;
		}
	}
	return 0;
}

static int
emu_arg_copy(const char *dev, const char *key, const char *value, char *dst,
		size_t size)
{
	if (strlcpy(dst, value, size) >= size) {
		EMU_LOG(ERR, "%s: %s=%s: longer than %zu characters", dev, key,
			value, size - 1);
		return -EINVAL;
	}
	return 0;
}

static int
emu_arg_dma(const char *dev, const char *value, struct emu_conf *c)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(emu_dma_names); i++)
		if (strcmp(value, emu_dma_names[i]) == 0) {
			c->dma = i;
			return 0;
		}
	EMU_LOG(ERR, "%s: dma=%s: expected bypass, premap, stream or umem",
		dev, value);
	return -EINVAL;
}

static int
emu_arg_loopback(const char *dev, const char *value, bool *on)
{
	if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
		EMU_LOG(ERR, "%s: loopback=%s: expected 0 or 1", dev, value);
		return -EINVAL;
	}
	*on = value[0] == '1';
	return 0;
}

static int
emu_arg_mac(const char *dev, const char *value, struct emu_conf *c)
{
	if (rte_ether_unformat_addr(value, &c->mac) < 0 ||
			!rte_is_unicast_ether_addr(&c->mac) ||
			rte_is_zero_ether_addr(&c->mac)) {
		EMU_LOG(ERR, "%s: mac=%s: expected a unicast address xx:xx:xx:xx:xx:xx",
			dev, value);
		return -EINVAL;
	}
	c->mac_set = true;
	return 0;
}

/* The one wire the devargs give; conflicting wires are an error. */
static int
emu_conf_wire(const char *dev, struct emu_conf *c, bool loopback)
{
	const char *given[4];
	unsigned int n = 0;

	if (c->peer[0] != '\0')
		given[n++] = EMU_ARG_PEER;
	if (loopback)
		given[n++] = "loopback=1";
	if (c->pcap_rx[0] != '\0' || c->pcap_tx[0] != '\0')
		given[n++] = c->pcap_rx[0] != '\0' ? EMU_ARG_PCAP_RX : EMU_ARG_PCAP_TX;
	if (c->iface[0] != '\0')
		given[n++] = EMU_ARG_IFACE;
	if (n > 1) {
		EMU_LOG(ERR, "%s: %s and %s cannot be combined: a port has one wire",
			dev, given[0], given[1]);
		return -EINVAL;
	}
	c->wire = c->peer[0] != '\0' ? EMU_WIRE_PEER :
		loopback ? EMU_WIRE_LOOPBACK :
		c->iface[0] != '\0' ? EMU_WIRE_IFACE :
		n == 1 ? EMU_WIRE_PCAP : EMU_WIRE_NONE;
	if (c->wire == EMU_WIRE_PEER && strcmp(c->peer, dev) == 0) {
		EMU_LOG(ERR, "%s: peer=%s: a port cannot be its own peer (use loopback=1)",
			dev, c->peer);
		return -EINVAL;
	}
	return 0;
}

static int
emu_conf_strings(const char *dev, const struct rte_kvargs *kv, struct emu_conf *c)
{
	static const struct {
		const char *key;
		size_t off;
		size_t size;
	} keys[] = {
		{ EMU_ARG_PEER, offsetof(struct emu_conf, peer), RTE_DEV_NAME_MAX_LEN },
		{ EMU_ARG_PCAP_RX, offsetof(struct emu_conf, pcap_rx), PATH_MAX },
		{ EMU_ARG_PCAP_TX, offsetof(struct emu_conf, pcap_tx), PATH_MAX },
		{ EMU_ARG_IFACE, offsetof(struct emu_conf, iface), 64 },
	};
	const char *v;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(keys); i++) {
		ret = emu_arg_get(dev, kv, keys[i].key, &v);
		if (ret == 0 && v != NULL)
			ret = emu_arg_copy(dev, keys[i].key, v,
				RTE_PTR_ADD(c, keys[i].off), keys[i].size);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
emu_conf_parse(const char *dev, const struct rte_kvargs *kv, struct emu_conf *c)
{
	bool loopback = false;
	const char *v;
	int ret;

	memset(c, 0, sizeof(*c));
	c->dma = EMU_DMA_PREMAP;
	ret = emu_conf_strings(dev, kv, c);
	if (ret == 0)
		ret = emu_arg_get(dev, kv, EMU_ARG_DMA, &v);
	if (ret == 0 && v != NULL)
		ret = emu_arg_dma(dev, v, c);
	if (ret == 0)
		ret = emu_arg_get(dev, kv, EMU_ARG_LOOPBACK, &v);
	if (ret == 0 && v != NULL)
		ret = emu_arg_loopback(dev, v, &loopback);
	if (ret == 0)
		ret = emu_arg_get(dev, kv, EMU_ARG_MAC, &v);
	if (ret == 0 && v != NULL)
		ret = emu_arg_mac(dev, v, c);
	if (ret == 0)
		ret = emu_conf_wire(dev, c, loopback);
	return ret;
}

/* A locally administered MAC address derived from the device name. */
static void
emu_default_mac(const char *name, struct rte_ether_addr *mac)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = h >> 24;
	mac->addr_bytes[3] = h >> 16;
	mac->addr_bytes[4] = h >> 8;
	mac->addr_bytes[5] = h;
}

/*
 * Control operations.
 */

static void
emu_link_set(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);
	struct rte_eth_link link = {
		.link_speed = EMU_SPEED,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};

	link.link_status = port->started && port->admin_up &&
		emu_wire_link_up(port) ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	if (link.link_status == RTE_ETH_LINK_DOWN)
		link.link_speed = RTE_ETH_SPEED_NUM_NONE;
	rte_eth_linkstatus_set(dev, &link);
}

static int
emu_link_update(struct rte_eth_dev *dev, int wait_to_complete)
{
	RTE_SET_USED(wait_to_complete);
	emu_link_set(dev);
	return 0;
}

static void
emu_reta_default(struct emu_port *port, uint16_t nb_rxq)
{
	unsigned int i;

	for (i = 0; i < EMU_RETA_SIZE; i++)
		port->reta[i] = nb_rxq == 0 ? 0 : i % nb_rxq;
}

static int
emu_rss_conf_apply(struct emu_port *port, const struct rte_eth_rss_conf *rc)
{
	if (rc->rss_key != NULL && rc->rss_key_len != EMU_RSS_KEY_LEN) {
		EMU_LOG(ERR, "%s: RSS key of %u bytes: the device takes %u",
			port->name, rc->rss_key_len, EMU_RSS_KEY_LEN);
		return -EINVAL;
	}
	if (rc->rss_hf & ~EMU_RSS_HF) {
		EMU_LOG(ERR, "%s: RSS hash types 0x%" PRIx64 " not supported (supported: 0x%" PRIx64 ")",
			port->name, rc->rss_hf, (uint64_t)EMU_RSS_HF);
		return -EINVAL;
	}
	if (rc->rss_key != NULL)
		memcpy(port->rss_key, rc->rss_key, EMU_RSS_KEY_LEN);
	port->rss_hf = rc->rss_hf;
	emu_model_rss_setup(port);
	return 0;
}

static int
emu_dev_configure(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);
	const struct rte_eth_conf *conf = &dev->data->dev_conf;
	enum rte_eth_rx_mq_mode mq = conf->rxmode.mq_mode;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	if ((mq & ~RTE_ETH_MQ_RX_RSS_FLAG) != 0) {
		EMU_LOG(ERR, "%s: RX multi-queue mode %d: the device offers RSS only",
			port->name, mq);
		return -ENOTSUP;
	}
	if (mq & RTE_ETH_MQ_RX_RSS_FLAG) {
		ret = emu_rss_conf_apply(port, &conf->rx_adv_conf.rss_conf);
		if (ret < 0)
			return ret;
	} else {
		port->rss_hf = 0;
	}
	emu_reta_default(port, dev->data->nb_rx_queues);
	port->rss_on = port->rss_hf != 0 && (dev->data->nb_rx_queues > 1 ||
		(conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH));
	port->scatter = (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	port->max_frame = dev->data->mtu + EMU_FRAME_OVERHEAD;
	return 0;
}

static int
emu_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	RTE_SET_USED(dev);
	info->max_rx_queues = EMU_MAX_QUEUES;
	info->max_tx_queues = EMU_MAX_QUEUES;
	info->max_rx_pktlen = EMU_MAX_FRAME;
	info->min_rx_bufsize = EMU_MIN_BUF;
	info->min_mtu = EMU_MIN_MTU;
	info->max_mtu = EMU_MAX_MTU;
	info->max_mac_addrs = 1;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER |
		RTE_ETH_RX_OFFLOAD_RSS_HASH;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->hash_key_size = EMU_RSS_KEY_LEN;
	info->reta_size = EMU_RETA_SIZE;
	info->flow_type_rss_offloads = EMU_RSS_HF;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->rx_desc_lim.nb_max = EMU_RING_MAX;
	info->rx_desc_lim.nb_min = EMU_RING_MIN;
	info->rx_desc_lim.nb_align = EMU_RING_MIN;
	info->tx_desc_lim = info->rx_desc_lim;
	info->tx_desc_lim.nb_seg_max = EMU_MAX_SEGS;
	info->tx_desc_lim.nb_mtu_seg_max = EMU_MAX_SEGS;
	info->default_rxportconf.ring_size = EMU_RING_DEFAULT;
	info->default_txportconf.ring_size = EMU_RING_DEFAULT;
	info->default_rxportconf.burst_size = EMU_BURST;
	info->default_txportconf.burst_size = EMU_BURST;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxconf.rx_free_thresh = EMU_REFILL_THRESH;
	info->default_txconf.tx_free_thresh = EMU_FREE_THRESH;
	return 0;
}

/* The highest IOVA of EAL memory, which any mbuf may come from. */
static int
emu_max_iova_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	rte_iova_t *max = arg;

	RTE_SET_USED(msl);
	if (ms->iova != RTE_BAD_IOVA && ms->iova + ms->len - 1 > *max)
		*max = ms->iova + ms->len - 1;
	return 0;
}

/* bypass: the device must reach every buffer at its EAL IOVA, untouched. */
static int
emu_bypass_check(struct emu_port *port)
{
	struct rte_dmamap_info info;
	rte_iova_t max = 0;
	int ret;

	if (!port->coherent) {
		EMU_LOG(ERR, "%s: dma=bypass: the device is not coherent (coherent=0) and bypass makes no syncs: use dma=premap or dma=stream",
			port->name);
		return -ENOTSUP;
	}
	ret = rte_dmamap_info_get(port->dmamap_id, &info);
	if (ret < 0)
		return ret;
	rte_memseg_walk(emu_max_iova_cb, &max);
	if (info.direct_limit != 0 && max <= info.direct_limit)
		return 0;
	if (info.direct_limit == 0)
		EMU_LOG(ERR, "%s: dma=bypass: the device reaches no memory directly (IOMMU domain %s without a bypass window): use dma=premap or dma=stream, or give the bus bypass=auto,window=<bits>",
			port->name, info.domain);
	else
		EMU_LOG(ERR, "%s: dma=bypass: the device reaches IOVAs up to 0x%" PRIx64 " directly (DMA mask %u bits%s%s) but EAL memory reaches 0x%" PRIx64 ": use dma=premap or dma=stream",
			port->name, info.direct_limit, info.mask_bits,
			info.domain[0] != '\0' ? ", IOMMU domain " : "",
			info.domain, max);
	return -ERANGE;
}

/* premap: decide how buffers are synced, map the RX pools. */
static int
emu_premap_start(struct emu_port *port)
{
	struct rte_dmamap_info info;
	int ret;

	ret = rte_dmamap_info_get(port->dmamap_id, &info);
	if (ret < 0)
		return ret;
	port->premap_per_buffer = !port->coherent &&
		(info.flags & RTE_DMAMAP_F_DEBUG) != 0;
	if (port->premap_per_buffer) {
		EMU_LOG(NOTICE, "%s: dma=premap on a non-coherent device with the DMA debug checker: buffers mapped one by one",
			port->name);
		return 0;
	}
	return emu_pools_map_rx(port);
}

/* Every frame the MTU allows must fit one RX buffer, or with scatter the
 * buffers of one packet.
 */
static int
emu_rx_buffers_check(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);
	uint32_t segs = port->scatter ? EMU_RX_MAX_SEGS : 1;
	const struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		q = dev->data->rx_queues[i];
		if (q != NULL && (uint32_t)q->buf_len * segs < port->max_frame) {
			EMU_LOG(ERR, "%s: RX queue %u: %u buffer(s) of %u bytes cannot hold frames of %u bytes (MTU %u): %s",
				port->name, i, segs, q->buf_len, port->max_frame,
				dev->data->mtu, port->scatter ? "use larger mbufs" :
				"enable scatter or use larger mbufs");
			return -EINVAL;
		}
	}
	return 0;
}

static void
emu_queues_stop(struct rte_eth_dev *dev)
{
	struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		q = dev->data->rx_queues[i];
		if (q != NULL)
			emu_queue_stop(q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		q = dev->data->tx_queues[i];
		if (q != NULL)
			emu_queue_stop(q);
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
}

static int
emu_queues_start(struct rte_eth_dev *dev)
{
	struct emu_queue *q;
	uint16_t i;
	int ret;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		q = dev->data->rx_queues[i];
		if (q == NULL || q->deferred)
			continue;
		ret = emu_queue_start(q);
		if (ret < 0)
			return ret;
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		q = dev->data->tx_queues[i];
		if (q == NULL || q->deferred)
			continue;
		ret = emu_queue_start(q);
		if (ret < 0)
			return ret;
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	return 0;
}

/* Wait until no delivery into this port is running: a sender holds the
 * read lock of its own cable end while it delivers.
 */
static void
emu_wire_quiesce(struct emu_port *port)
{
	struct emu_port *other = port->peer;

	if (other != NULL) {
		rte_rwlock_write_lock(&other->peer_lock);
		rte_rwlock_write_unlock(&other->peer_lock);
	}
}

static int
emu_dev_start(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);
	int ret = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	port->max_frame = dev->data->mtu + EMU_FRAME_OVERHEAD;
	if (port->conf.dma == EMU_DMA_BYPASS)
		ret = emu_bypass_check(port);
	if (ret == 0)
		ret = emu_rx_buffers_check(dev);
	if (ret == 0 && port->conf.dma == EMU_DMA_PREMAP)
		ret = emu_premap_start(port);
	if (ret < 0)
		return ret;
	ret = emu_queues_start(dev);
	if (ret < 0) {
		emu_queues_stop(dev);
		emu_pools_unmap(port);
		return ret;
	}
	__atomic_store_n(&port->started, true, __ATOMIC_RELEASE);
	emu_link_set(dev);
	return 0;
}

static int
emu_dev_stop(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	__atomic_store_n(&port->started, false, __ATOMIC_RELEASE);
	emu_wire_quiesce(port);
	emu_queues_stop(dev);
	emu_pools_unmap(port);
	emu_wire_flush(port);
	emu_link_set(dev);
	return 0;
}

static int
emu_set_link(struct rte_eth_dev *dev, bool up)
{
	struct emu_port *port = emu_port_of(dev);

	port->admin_up = up;
	if (!up)
		emu_wire_quiesce(port);
	emu_link_set(dev);
	return 0;
}

static int
emu_dev_set_link_up(struct rte_eth_dev *dev)
{
	return emu_set_link(dev, true);
}

static int
emu_dev_set_link_down(struct rte_eth_dev *dev)
{
	return emu_set_link(dev, false);
}

static void
emu_queues_release(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		emu_queue_release(dev, i, true);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		emu_queue_release(dev, i, false);
}

static void
emu_proc_free(struct rte_eth_dev *dev)
{
	struct emu_proc *proc = dev->process_private;
	unsigned int i;

	if (proc == NULL)
		return;
	emu_wire_close(proc);
	for (i = 0; i < EMU_MAX_QUEUES; i++)
		free(proc->stage[i]);
	free(proc);
	dev->process_private = NULL;
}

static int
emu_dev_close(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		emu_proc_free(dev);
		return 0;
	}
	if (port->started)
		emu_dev_stop(dev);
	emu_queues_release(dev);
	emu_wire_disconnect(port);
	emu_proc_free(dev);
	return 0;
}

static void
emu_port_defaults(struct emu_port *port)
{
	port->admin_up = true;
	port->promisc = false;
	port->allmulti = false;
	port->rss_hf = 0;
	port->rss_on = false;
	port->scatter = false;
	memcpy(port->rss_key, emu_default_rss_key, EMU_RSS_KEY_LEN);
	emu_model_rss_setup(port);
	emu_reta_default(port, 1);
}

static int
emu_dev_reset(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	if (port->started)
		emu_dev_stop(dev);
	emu_queues_release(dev);
	emu_port_defaults(port);
	dev->data->mtu = RTE_ETHER_MTU;
	port->max_frame = RTE_ETHER_MTU + EMU_FRAME_OVERHEAD;
	memset(port->xbase, 0, sizeof(port->xbase));
	return 0;
}

static int
emu_promiscuous_enable(struct rte_eth_dev *dev)
{
	emu_port_of(dev)->promisc = true;
	return 0;
}

static int
emu_promiscuous_disable(struct rte_eth_dev *dev)
{
	emu_port_of(dev)->promisc = false;
	return 0;
}

static int
emu_allmulticast_enable(struct rte_eth_dev *dev)
{
	emu_port_of(dev)->allmulti = true;
	return 0;
}

static int
emu_allmulticast_disable(struct rte_eth_dev *dev)
{
	emu_port_of(dev)->allmulti = false;
	return 0;
}

static int
emu_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct emu_port *port = emu_port_of(dev);
	uint32_t frame = mtu + EMU_FRAME_OVERHEAD;
	const struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues && port->started; i++) {
		q = dev->data->rx_queues[i];
		if (q != NULL && q->buf_len * (port->scatter ?
				EMU_RX_MAX_SEGS : 1) < frame) {
			EMU_LOG(ERR, "%s: MTU %u: frames of %u bytes do not fit RX buffers of %u bytes without scatter",
				port->name, mtu, frame, q->buf_len);
			return -EINVAL;
		}
	}
	port->max_frame = frame;
	return 0;
}

static int
emu_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(addr);
	return 0;  /* ethdev stores it in mac_addrs[0], which the filter reads */
}

static int
emu_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket_id, const struct rte_eth_rxconf *conf,
		struct rte_mempool *mp)
{
	int ret;

	ret = emu_queue_setup(dev, qid, true, nb_desc, socket_id,
		conf->offloads, mp);
	if (ret == 0)
		((struct emu_queue *)dev->data->rx_queues[qid])->deferred =
			conf->rx_deferred_start;
	return ret;
}

static int
emu_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
		unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	int ret;

	ret = emu_queue_setup(dev, qid, false, nb_desc, socket_id,
		conf->offloads, NULL);
	if (ret == 0)
		((struct emu_queue *)dev->data->tx_queues[qid])->deferred =
			conf->tx_deferred_start;
	return ret;
}

static void
emu_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	emu_queue_release(dev, qid, true);
}

static void
emu_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	emu_queue_release(dev, qid, false);
}

static int
emu_queue_state_set(struct rte_eth_dev *dev, uint16_t qid, bool rx, bool on)
{
	struct emu_queue *q = rx ? dev->data->rx_queues[qid] :
		dev->data->tx_queues[qid];
	uint8_t *state = rx ? &dev->data->rx_queue_state[qid] :
		&dev->data->tx_queue_state[qid];
	int ret = 0;

	if (q == NULL)
		return -EINVAL;
	if (on)
		ret = emu_queue_start(q);
	else
		emu_queue_stop(q);
	if (ret == 0)
		*state = on ? RTE_ETH_QUEUE_STATE_STARTED :
			RTE_ETH_QUEUE_STATE_STOPPED;
	return ret;
}

static int
emu_rx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	return emu_queue_state_set(dev, qid, true, true);
}

static int
emu_rx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	return emu_queue_state_set(dev, qid, true, false);
}

static int
emu_tx_queue_start(struct rte_eth_dev *dev, uint16_t qid)
{
	return emu_queue_state_set(dev, qid, false, true);
}

static int
emu_tx_queue_stop(struct rte_eth_dev *dev, uint16_t qid)
{
	return emu_queue_state_set(dev, qid, false, false);
}

static void
emu_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		struct rte_eth_rxq_info *qinfo)
{
	const struct emu_queue *q = dev->data->rx_queues[qid];

	qinfo->mp = q->mp;
	qinfo->scattered_rx = emu_port_of(dev)->scatter;
	qinfo->nb_desc = q->nb_desc;
	qinfo->rx_buf_size = q->buf_len;
	qinfo->conf.offloads = q->offloads;
	qinfo->conf.rx_free_thresh = EMU_REFILL_THRESH;
}

static void
emu_txq_info_get(struct rte_eth_dev *dev, uint16_t qid,
		struct rte_eth_txq_info *qinfo)
{
	const struct emu_queue *q = dev->data->tx_queues[qid];

	qinfo->nb_desc = q->nb_desc;
	qinfo->conf.offloads = q->offloads;
	qinfo->conf.tx_free_thresh = EMU_FREE_THRESH;
}

static int
emu_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rc)
{
	struct emu_port *port = emu_port_of(dev);
	int ret;

	ret = emu_rss_conf_apply(port, rc);
	if (ret == 0)
		port->rss_on = port->rss_hf != 0 && (dev->data->nb_rx_queues > 1 ||
			(dev->data->dev_conf.rxmode.offloads &
			 RTE_ETH_RX_OFFLOAD_RSS_HASH));
	return ret;
}

static int
emu_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *rc)
{
	struct emu_port *port = emu_port_of(dev);

	if (rc->rss_key != NULL) {
		if (rc->rss_key_len < EMU_RSS_KEY_LEN)
			return -EINVAL;
		memcpy(rc->rss_key, port->rss_key, EMU_RSS_KEY_LEN);
	}
	rc->rss_key_len = EMU_RSS_KEY_LEN;
	rc->rss_hf = port->rss_hf;
	return 0;
}

static int
emu_reta_update(struct rte_eth_dev *dev,
		struct rte_eth_rss_reta_entry64 *reta, uint16_t size)
{
	struct emu_port *port = emu_port_of(dev);
	uint16_t i, idx, bit;

	if (size != EMU_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		idx = i / RTE_ETH_RETA_GROUP_SIZE;
		bit = i % RTE_ETH_RETA_GROUP_SIZE;
		if ((reta[idx].mask >> bit) & 1 &&
				reta[idx].reta[bit] >= dev->data->nb_rx_queues)
			return -EINVAL;
	}
	for (i = 0; i < size; i++) {
		idx = i / RTE_ETH_RETA_GROUP_SIZE;
		bit = i % RTE_ETH_RETA_GROUP_SIZE;
		if ((reta[idx].mask >> bit) & 1)
			port->reta[i] = reta[idx].reta[bit];
	}
	return 0;
}

static int
emu_reta_query(struct rte_eth_dev *dev,
		struct rte_eth_rss_reta_entry64 *reta, uint16_t size)
{
	struct emu_port *port = emu_port_of(dev);
	uint16_t i, idx, bit;

	if (size != EMU_RETA_SIZE)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		idx = i / RTE_ETH_RETA_GROUP_SIZE;
		bit = i % RTE_ETH_RETA_GROUP_SIZE;
		if ((reta[idx].mask >> bit) & 1)
			reta[idx].reta[bit] = port->reta[i];
	}
	return 0;
}

static const struct eth_dev_ops emu_ops = {
	.dev_configure = emu_dev_configure,
	.dev_start = emu_dev_start,
	.dev_stop = emu_dev_stop,
	.dev_set_link_up = emu_dev_set_link_up,
	.dev_set_link_down = emu_dev_set_link_down,
	.dev_close = emu_dev_close,
	.dev_reset = emu_dev_reset,
	.link_update = emu_link_update,
	.promiscuous_enable = emu_promiscuous_enable,
	.promiscuous_disable = emu_promiscuous_disable,
	.allmulticast_enable = emu_allmulticast_enable,
	.allmulticast_disable = emu_allmulticast_disable,
	.mac_addr_set = emu_mac_addr_set,
	.mtu_set = emu_mtu_set,
	.stats_get = emu_stats_get,
	.stats_reset = emu_stats_reset,
	.xstats_get = emu_xstats_get,
	.xstats_reset = emu_xstats_reset,
	.xstats_get_names = emu_xstats_get_names,
	.dev_infos_get = emu_dev_infos_get,
	.rxq_info_get = emu_rxq_info_get,
	.txq_info_get = emu_txq_info_get,
	.rx_queue_start = emu_rx_queue_start,
	.rx_queue_stop = emu_rx_queue_stop,
	.tx_queue_start = emu_tx_queue_start,
	.tx_queue_stop = emu_tx_queue_stop,
	.rx_queue_setup = emu_rx_queue_setup,
	.rx_queue_release = emu_rx_queue_release,
	.tx_queue_setup = emu_tx_queue_setup,
	.tx_queue_release = emu_tx_queue_release,
	.tx_done_cleanup = emu_tx_done_cleanup,
	.rss_hash_update = emu_rss_hash_update,
	.rss_hash_conf_get = emu_rss_hash_conf_get,
	.reta_update = emu_reta_update,
	.reta_query = emu_reta_query,
};

/*
 * Probe and remove.
 */

static struct emu_proc *
emu_proc_new(struct rte_emu_device *edev)
{
	struct emu_proc *proc = calloc(1, sizeof(*proc));

	if (proc == NULL)
		EMU_LOG(ERR, "%s: no memory for the port", edev->name);
	else
		proc->edev = edev;
	return proc;
}

static void
emu_eth_dev_setup(struct rte_eth_dev *eth_dev, struct rte_emu_device *edev,
		struct emu_proc *proc)
{
	eth_dev->device = &edev->device;
	eth_dev->dev_ops = &emu_ops;
	eth_dev->process_private = proc;
	/* The mode is shared port state: a secondary process picks the same. */
	if (emu_port_of(eth_dev)->conf.dma == EMU_DMA_UMEM) {
		eth_dev->rx_pkt_burst = emu_rx_burst_umem;
		eth_dev->tx_pkt_burst = emu_tx_burst_umem;
	} else {
		eth_dev->rx_pkt_burst = emu_rx_burst;
		eth_dev->tx_pkt_burst = emu_tx_burst;
	}
}

static int
emu_probe_secondary(struct rte_emu_device *edev)
{
	struct rte_eth_dev *eth_dev;
	struct emu_proc *proc;

	eth_dev = rte_eth_dev_attach_secondary(edev->name);
	if (eth_dev == NULL) {
		EMU_LOG(ERR, "%s: the primary process has no such port", edev->name);
		return -ENODEV;
	}
	proc = emu_proc_new(edev);
	if (proc == NULL) {
		rte_eth_dev_release_port(eth_dev);
		return -ENOMEM;
	}
	emu_eth_dev_setup(eth_dev, edev, proc);
	rte_eth_dev_probing_finish(eth_dev);
	return 0;
}

static void
emu_port_init(struct emu_port *port, struct rte_eth_dev *eth_dev,
		struct rte_emu_device *edev, const struct emu_conf *conf)
{
	strlcpy(port->name, edev->name, sizeof(port->name));
	port->port_id = eth_dev->data->port_id;
	port->dmamap_id = edev->dmamap_id;
	port->coherent = edev->coherent;
	port->data = eth_dev->data;
	port->conf = *conf;
	rte_rwlock_init(&port->peer_lock);
	rte_spinlock_init(&port->pool_lock);
	emu_port_defaults(port);
	port->max_frame = RTE_ETHER_MTU + EMU_FRAME_OVERHEAD;
}

/* Allocate the port's shared and per-process memory; -ENOMEM. */
static int
emu_eth_dev_alloc(struct rte_eth_dev *eth_dev, struct rte_emu_device *edev)
{
	int socket = edev->device.numa_node;

	eth_dev->data->dev_private = rte_zmalloc_socket(edev->name,
		sizeof(struct emu_port), RTE_CACHE_LINE_SIZE, socket);
	eth_dev->data->mac_addrs = rte_zmalloc_socket(edev->name,
		RTE_ETHER_ADDR_LEN, 0, socket);
	eth_dev->process_private = emu_proc_new(edev);
	if (eth_dev->data->dev_private == NULL ||
			eth_dev->data->mac_addrs == NULL ||
			eth_dev->process_private == NULL) {
		EMU_LOG(ERR, "%s: no memory for the port", edev->name);
		return -ENOMEM;
	}
	return 0;
}

/* Undo a probe that failed half-way: nothing of the port stays. */
static void
emu_probe_undo(struct rte_eth_dev *eth_dev)
{
	emu_proc_free(eth_dev);
	rte_eth_dev_release_port(eth_dev);
}

static int
emu_probe_primary(struct rte_emu_device *edev, const struct emu_conf *conf)
{
	struct rte_eth_dev *eth_dev;
	struct emu_port *port;
	int ret;

	eth_dev = rte_eth_dev_allocate(edev->name);
	if (eth_dev == NULL) {
		EMU_LOG(ERR, "%s: cannot allocate an ethdev port (name taken or no port left)",
			edev->name);
		return -ENOSPC;
	}
	ret = emu_eth_dev_alloc(eth_dev, edev);
	if (ret < 0) {
		emu_probe_undo(eth_dev);
		return ret;
	}
	port = eth_dev->data->dev_private;
	emu_port_init(port, eth_dev, edev, conf);
	if (conf->mac_set)
		rte_ether_addr_copy(&conf->mac, &eth_dev->data->mac_addrs[0]);
	else
		emu_default_mac(edev->name, &eth_dev->data->mac_addrs[0]);
	eth_dev->data->mtu = RTE_ETHER_MTU;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	emu_eth_dev_setup(eth_dev, edev, eth_dev->process_private);
	ret = emu_wire_open(port, eth_dev->process_private);
	if (ret == 0)
		ret = emu_wire_connect(port);
	if (ret < 0) {
		emu_probe_undo(eth_dev);
		return ret;
	}
	emu_link_set(eth_dev);
	rte_eth_dev_probing_finish(eth_dev);
	EMU_LOG(INFO, "%s: port %u, dma=%s", edev->name, port->port_id,
		emu_dma_names[conf->dma]);
	return 0;
}

static int
emu_probe(struct rte_emu_device *edev)
{
	struct emu_conf conf;
	int ret;

	if (rte_eal_process_type() == RTE_PROC_SECONDARY)
		return emu_probe_secondary(edev);
	ret = emu_conf_parse(edev->name, edev->kvargs, &conf);
	if (ret < 0)
		return ret;
	return emu_probe_primary(edev, &conf);
}

static int
emu_remove(struct rte_emu_device *edev)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(edev->name);

	if (eth_dev == NULL)
		return 0;  /* closed already */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		emu_proc_free(eth_dev);
		return rte_eth_dev_release_port(eth_dev);
	}
	/* ethdev closes only stopped ports; removal stops it first. */
	if (eth_dev->data->dev_started &&
			rte_eth_dev_stop(eth_dev->data->port_id) != 0)
		return -EBUSY;
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static struct rte_emu_driver emu_driver = {
	.type = "nic",
	.probe = emu_probe,
	.remove = emu_remove,
	.params = emu_valid_args,
};

RTE_PMD_REGISTER_EMU(net_emu, emu_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_emu,
	EMU_ARG_PEER "=<emu device> "
	EMU_ARG_LOOPBACK "=0|1 "
	EMU_ARG_PCAP_RX "=<file> "
	EMU_ARG_PCAP_TX "=<file> "
	EMU_ARG_IFACE "=<interface> "
	EMU_ARG_DMA "=bypass|premap|stream|umem "
	EMU_ARG_MAC "=<xx:xx:xx:xx:xx:xx>");
