/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Statistics. The queue counters live in shared memory, so every process
 * reads the same figures. The extended statistics add the device's own
 * counters and those of the platform: lib/dmamap's mapping counters of the
 * device and the bus's IOMMU fault and IOTLB counters. The platform's
 * counters are not ours to reset: a reset records their values, and the
 * port reports what happened since.
 */

#include <assert.h>
#include <string.h>

#include <rte_string_fns.h>

#include <rte_bus_emu.h>

#include "emu_ethdev.h"

enum emu_xsrc {
	EMU_XS_RXQ,     /* sum over RX queues of a queue counter */
	EMU_XS_TXQ,     /* sum over TX queues */
	EMU_XS_DMAMAP,  /* a struct rte_dmamap_stats field */
	EMU_XS_FAULT,   /* IOMMU faults of the device */
	EMU_XS_IOTLB,   /* a struct rte_bus_emu_iotlb_stats field */
};

struct emu_xstat {
	const char *name;
	enum emu_xsrc src;
	size_t off;
};

#define EMU_XQ(n, s, f) { n, s, offsetof(struct emu_queue_stats, f) }
#define EMU_XD(n, f) { n, EMU_XS_DMAMAP, offsetof(struct rte_dmamap_stats, f) }
#define EMU_XT(n, f) { n, EMU_XS_IOTLB, offsetof(struct rte_bus_emu_iotlb_stats, f) }

static const struct emu_xstat emu_xstats[] = {
	EMU_XQ("rx_missed_no_descriptor", EMU_XS_RXQ, missed),
	EMU_XQ("rx_oversize_drops", EMU_XS_RXQ, oversize),
	EMU_XQ("rx_mac_filter_drops", EMU_XS_RXQ, filtered),
	EMU_XQ("rx_dma_faults", EMU_XS_RXQ, dma_faults),
	EMU_XQ("rx_map_errors", EMU_XS_RXQ, map_errors),
	EMU_XQ("rx_doorbells", EMU_XS_RXQ, doorbells),
	EMU_XQ("tx_dma_faults", EMU_XS_TXQ, dma_faults),
	EMU_XQ("tx_descriptor_errors", EMU_XS_TXQ, desc_errors),
	EMU_XQ("tx_link_down_drops", EMU_XS_TXQ, link_down),
	EMU_XQ("tx_map_errors", EMU_XS_TXQ, map_errors),
	EMU_XQ("tx_doorbells", EMU_XS_TXQ, doorbells),
	EMU_XQ("tx_umem_copies", EMU_XS_TXQ, umem_copies),
	EMU_XQ("tx_umem_copy_nobufs", EMU_XS_TXQ, umem_copy_nobufs),
	EMU_XD("dma_maps", maps),
	EMU_XD("dma_unmaps", unmaps),
	EMU_XD("dma_direct_maps", direct),
	EMU_XD("dma_domain_maps", domain),
	EMU_XD("dma_bounces", bounced),
	EMU_XD("dma_bounce_bytes", bounce_bytes),
	EMU_XD("dma_syncs", syncs),
	EMU_XD("dma_allocs", allocs),
	EMU_XD("dma_links", links),
	EMU_XD("dma_errors", errors),
	EMU_XD("dma_debug_errors", debug_errors),
	{ "iommu_faults", EMU_XS_FAULT, 0 },
	EMU_XT("iotlb_hits", hits),
	EMU_XT("iotlb_misses", misses),
	EMU_XT("iotlb_flushes", flushes),
};

#define EMU_NB_XSTATS RTE_DIM(emu_xstats)

static_assert(EMU_NB_XSTATS <= RTE_DIM(((struct emu_port *)0)->xbase),
	"xbase too small");

static uint64_t
emu_queue_sum(const struct rte_eth_dev *dev, bool rx, size_t off)
{
	uint16_t i, n = rx ? dev->data->nb_rx_queues : dev->data->nb_tx_queues;
	void **qs = rx ? dev->data->rx_queues : dev->data->tx_queues;
	const struct emu_queue *q;
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		q = qs[i];
		if (q != NULL)
			sum += *(const uint64_t *)RTE_PTR_ADD(&q->st, off);
	}
	return sum;
}

/* The platform's counters of the device, as they are now. */
struct emu_platform {
	struct rte_dmamap_stats dma;
	struct rte_bus_emu_fault_stats faults;
	struct rte_bus_emu_iotlb_stats iotlb;
};

static void
emu_platform_read(const struct emu_port *port, struct emu_platform *p)
{
	memset(p, 0, sizeof(*p));
	rte_dmamap_stats_get(port->dmamap_id, &p->dma);
	rte_bus_emu_fault_stats_get(port->name, &p->faults);
	/* -ENOTSUP without an IOMMU domain: the counters stay 0. */
	rte_bus_emu_iotlb_stats_get(port->name, &p->iotlb);
}

static uint64_t
emu_xstat_raw(const struct rte_eth_dev *dev, const struct emu_platform *p,
		unsigned int i)
{
	const struct emu_xstat *x = &emu_xstats[i];

	switch (x->src) {
	case EMU_XS_RXQ:
		return emu_queue_sum(dev, true, x->off);
	case EMU_XS_TXQ:
		return emu_queue_sum(dev, false, x->off);
	case EMU_XS_DMAMAP:
		return *(const uint64_t *)RTE_PTR_ADD(&p->dma, x->off);
	case EMU_XS_FAULT:
		return p->faults.total;
	case EMU_XS_IOTLB:
		return *(const uint64_t *)RTE_PTR_ADD(&p->iotlb, x->off);
	}
	return 0;
}

static bool
emu_xstat_is_platform(unsigned int i)
{
	return emu_xstats[i].src != EMU_XS_RXQ && emu_xstats[i].src != EMU_XS_TXQ;
}

int
emu_xstats_get_names(struct rte_eth_dev *dev,
		struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int i;

	RTE_SET_USED(dev);
	if (names == NULL || size < EMU_NB_XSTATS)
		return EMU_NB_XSTATS;
	for (i = 0; i < EMU_NB_XSTATS; i++)
		strlcpy(names[i].name, emu_xstats[i].name, sizeof(names[i].name));
	return EMU_NB_XSTATS;
}

int
emu_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats,
		unsigned int n)
{
	struct emu_port *port = emu_port_of(dev);
	struct emu_platform p;
	unsigned int i;
	uint64_t v;

	if (xstats == NULL || n < EMU_NB_XSTATS)
		return EMU_NB_XSTATS;
	emu_platform_read(port, &p);
	for (i = 0; i < EMU_NB_XSTATS; i++) {
		v = emu_xstat_raw(dev, &p, i);
		if (emu_xstat_is_platform(i))
			v -= RTE_MIN(v, port->xbase[i]);
		xstats[i].id = i;
		xstats[i].value = v;
	}
	return EMU_NB_XSTATS;
}

int
emu_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
{
	const struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		q = dev->data->rx_queues[i];
		if (q == NULL)
			continue;
		stats->ipackets += q->st.packets;
		stats->ibytes += q->st.bytes;
		stats->ierrors += q->st.errors + q->st.oversize +
			q->st.dma_faults;
		stats->imissed += q->st.missed;
		stats->rx_nombuf += q->st.nombuf;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_ipackets[i] = q->st.packets;
			stats->q_ibytes[i] = q->st.bytes;
			stats->q_errors[i] = q->st.errors;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		q = dev->data->tx_queues[i];
		if (q == NULL)
			continue;
		stats->opackets += q->st.packets;
		stats->obytes += q->st.bytes;
		stats->oerrors += q->st.errors + q->st.dma_faults +
			q->st.desc_errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_opackets[i] = q->st.packets;
			stats->q_obytes[i] = q->st.bytes;
		}
	}
	return 0;
}

int
emu_stats_reset(struct rte_eth_dev *dev)
{
	struct emu_queue *q;
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		q = dev->data->rx_queues[i];
		if (q != NULL)
			memset(&q->st, 0, sizeof(q->st));
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		q = dev->data->tx_queues[i];
		if (q != NULL)
			memset(&q->st, 0, sizeof(q->st));
	}
	return 0;
}

int
emu_xstats_reset(struct rte_eth_dev *dev)
{
	struct emu_port *port = emu_port_of(dev);
	struct emu_platform p;
	unsigned int i;

	emu_stats_reset(dev);
	emu_platform_read(port, &p);
	for (i = 0; i < EMU_NB_XSTATS; i++)
		port->xbase[i] = emu_xstat_is_platform(i) ?
			emu_xstat_raw(dev, &p, i) : 0;
	return 0;
}
