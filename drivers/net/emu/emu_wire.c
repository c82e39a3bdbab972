/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * What a port is cabled to.
 *
 * peer: a back-to-back cable to another emu port. What the TX engine sends
 * is received at once by the RX engine of the other end. The cable is two
 * pointers, each guarded by the rwlock of the port that follows it: a
 * sender holds its read lock while it delivers, so a port that stops or
 * closes takes its peer's write lock once to know no delivery into it is
 * still running.
 * loopback: the port receives what it sends.
 * pcap: capture files, read (pcap_rx) when an RX queue polls and written
 * (pcap_tx) as the TX engine sends. Packets are never dropped for want of
 * RX descriptors: the one that finds none waits for the next poll.
 * iface: a live kernel interface through libpcap.
 *
 * Capture and interface handles belong to the primary process; in a
 * secondary, those wires carry nothing.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <pcap.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>

#include "emu_ethdev.h"

#define EMU_SNAPLEN 65535

/* Handles of a wire in one process. */
struct emu_wire_proc {
	pcap_t *rx;              /* capture file read, or live interface */
	pcap_t *tx_dead;         /* the dumper's handle */
	pcap_dumper_t *dumper;   /* capture file written */
	pcap_t *live;            /* live interface (rx and tx) */
	rte_spinlock_t lock;     /* pcap handles are not thread-safe */
	bool rx_done;            /* end of the capture file */
	uint8_t *held;           /* a packet no descriptor could take yet */
	uint32_t held_len;
	bool has_held;
	uint8_t *buf;            /* gather buffer for writes */
};

static int
emu_wire_open_file_rx(struct emu_port *port, struct emu_wire_proc *w)
{
	char err[PCAP_ERRBUF_SIZE];

	w->rx = pcap_open_offline_with_tstamp_precision(port->conf.pcap_rx,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (w->rx == NULL) {
		EMU_LOG(ERR, "%s: pcap_rx=%s: %s", port->name,
			port->conf.pcap_rx, err);
		return -ENOENT;
	}
	if (pcap_datalink(w->rx) != DLT_EN10MB) {
		EMU_LOG(ERR, "%s: pcap_rx=%s: link type %s, the port needs Ethernet (EN10MB)",
			port->name, port->conf.pcap_rx,
			pcap_datalink_val_to_name(pcap_datalink(w->rx)));
		return -EINVAL;
	}
	return 0;
}

static int
emu_wire_open_file_tx(struct emu_port *port, struct emu_wire_proc *w)
{
	w->tx_dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB,
		EMU_SNAPLEN, PCAP_TSTAMP_PRECISION_NANO);
	if (w->tx_dead == NULL) {
		EMU_LOG(ERR, "%s: pcap_tx: no memory for a capture handle",
			port->name);
		return -ENOMEM;
	}
	w->dumper = pcap_dump_open(w->tx_dead, port->conf.pcap_tx);
	if (w->dumper == NULL) {
		EMU_LOG(ERR, "%s: pcap_tx=%s: %s", port->name,
			port->conf.pcap_tx, pcap_geterr(w->tx_dead));
		return -EINVAL;
	}
	return 0;
}

/* Configure and activate a live capture; the error names the problem. */
static int
emu_wire_live_setup(pcap_t *p)
{
	int ret;

	if (pcap_set_snaplen(p, EMU_SNAPLEN) != 0 ||
			pcap_set_promisc(p, 1) != 0 ||
			pcap_set_immediate_mode(p, 1) != 0 ||
			pcap_set_timeout(p, 1) != 0)
		return PCAP_ERROR;
	ret = pcap_activate(p);
	if (ret < 0)
		return ret;
	return pcap_setnonblock(p, 1, pcap_geterr(p)) < 0 ? PCAP_ERROR : 0;
}

static int
emu_wire_open_iface(struct emu_port *port, struct emu_wire_proc *w)
{
	char err[PCAP_ERRBUF_SIZE];
	int ret;

	w->live = pcap_create(port->conf.iface, err);
	if (w->live == NULL) {
		EMU_LOG(ERR, "%s: iface=%s: %s", port->name, port->conf.iface, err);
		return -ENODEV;
	}
	ret = emu_wire_live_setup(w->live);
	if (ret < 0) {
		EMU_LOG(ERR, "%s: iface=%s: %s", port->name, port->conf.iface,
			pcap_geterr(w->live)[0] != '\0' ? pcap_geterr(w->live) :
			pcap_statustostr(ret));
		pcap_close(w->live);
		w->live = NULL;
		return ret == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV : -EIO;
	}
	/* Do not receive what the port itself sends. */
	pcap_setdirection(w->live, PCAP_D_IN);
	w->rx = w->live;
	return 0;
}

int
emu_wire_open(struct emu_port *port, struct emu_proc *proc)
{
	struct emu_wire_proc *w;
	int ret = 0;

	if (port->conf.wire != EMU_WIRE_PCAP && port->conf.wire != EMU_WIRE_IFACE)
		return 0;
	w = calloc(1, sizeof(*w));
	if (w != NULL) {
		w->held = malloc(EMU_SNAPLEN);
		w->buf = malloc(EMU_SNAPLEN);
	}
	if (w == NULL || w->held == NULL || w->buf == NULL) {
		EMU_LOG(ERR, "%s: no memory for the wire", port->name);
		ret = -ENOMEM;
	}
	proc->wire = w;
	if (w != NULL)
		rte_spinlock_init(&w->lock);
	if (ret == 0 && port->conf.wire == EMU_WIRE_IFACE)
		ret = emu_wire_open_iface(port, w);
	if (ret == 0 && port->conf.pcap_rx[0] != '\0')
		ret = emu_wire_open_file_rx(port, w);
	if (ret == 0 && port->conf.pcap_tx[0] != '\0')
		ret = emu_wire_open_file_tx(port, w);
	if (ret < 0)
		emu_wire_close(proc);
	return ret;
}

void
emu_wire_close(struct emu_proc *proc)
{
	struct emu_wire_proc *w = proc->wire;

	if (w == NULL)
		return;
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	if (w->tx_dead != NULL)
		pcap_close(w->tx_dead);
	if (w->rx != NULL)
		pcap_close(w->rx);
	free(w->held);
	free(w->buf);
	free(w);
	proc->wire = NULL;
}

void
emu_wire_flush(struct emu_port *port)
{
	struct emu_proc *proc = emu_proc_of(port->port_id);
	struct emu_wire_proc *w = proc == NULL ? NULL : proc->wire;

	if (w == NULL || w->dumper == NULL)
		return;
	rte_spinlock_lock(&w->lock);
	pcap_dump_flush(w->dumper);
	rte_spinlock_unlock(&w->lock);
}

/*
 * peer.
 */

/* The emu port of an ethdev name, or NULL. */
static struct emu_port *
emu_port_by_name(const char *name)
{
	uint16_t pid;

	if (rte_eth_dev_get_port_by_name(name, &pid) != 0)
		return NULL;
	if (rte_eth_devices[pid].dev_ops != emu_eth_ops())
		return NULL;
	return rte_eth_devices[pid].data->dev_private;
}

static void
emu_wire_set_peer(struct emu_port *port, struct emu_port *peer)
{
	rte_rwlock_write_lock(&port->peer_lock);
	port->peer = peer;
	rte_rwlock_write_unlock(&port->peer_lock);
}

int
emu_wire_connect(struct emu_port *port)
{
	struct emu_port *other;

	if (port->conf.wire != EMU_WIRE_PEER)
		return 0;
	other = emu_port_by_name(port->conf.peer);
	if (other == NULL)
		return 0;  /* connected when the peer is probed */
	if (other->conf.wire != EMU_WIRE_PEER ||
			strcmp(other->conf.peer, port->name) != 0) {
		EMU_LOG(ERR, "%s: peer=%s: %s is not cabled back to %s (give it peer=%s)",
			port->name, other->name, other->name, port->name,
			port->name);
		return -EINVAL;
	}
	if (other->peer != NULL) {
		EMU_LOG(ERR, "%s: peer=%s: %s is already connected to %s",
			port->name, other->name, other->name, other->peer->name);
		return -EBUSY;
	}
	emu_wire_set_peer(port, other);
	emu_wire_set_peer(other, port);
	return 0;
}

void
emu_wire_disconnect(struct emu_port *port)
{
	struct emu_port *other = port->peer;

	if (other == NULL)
		return;
	emu_wire_set_peer(other, NULL);
	emu_wire_set_peer(port, NULL);
}

bool
emu_wire_link_up(struct emu_port *port)
{
	struct emu_port *other;
	bool up;

	switch (port->conf.wire) {
	case EMU_WIRE_PEER:
		rte_rwlock_read_lock(&port->peer_lock);
		other = port->peer;
		up = other != NULL && other->started && other->admin_up;
		rte_rwlock_read_unlock(&port->peer_lock);
		return up;
	case EMU_WIRE_LOOPBACK:
	case EMU_WIRE_PCAP:
	case EMU_WIRE_IFACE:
		return true;
	default:
		return false;
	}
}

/*
 * Sending.
 */

static void
emu_wire_send_peer(struct emu_port *port, struct emu_pkt *pkts, uint16_t n,
		struct emu_queue *txq)
{
	struct emu_port *other;

	rte_rwlock_read_lock(&port->peer_lock);
	other = port->peer;
	if (likely(other != NULL && other->started && other->admin_up))
		emu_model_rx(other, pkts, n, false);
	else
		txq->st.link_down += n;
	rte_rwlock_read_unlock(&port->peer_lock);
}

/* Bytes of a packet, contiguous. */
static const uint8_t *
emu_wire_linear(const struct emu_pkt *p, uint8_t *buf)
{
	uint32_t off = 0;
	uint16_t i;

	if (p->nb_frags == 1)
		return p->frag[0].va;
	for (i = 0; i < p->nb_frags; i++) {
		memcpy(buf + off, p->frag[i].va, p->frag[i].len);
		off += p->frag[i].len;
	}
	return buf;
}

static void
emu_wire_send_pcap(struct emu_wire_proc *w, struct emu_pkt *pkts, uint16_t n,
		struct emu_queue *txq)
{
	struct pcap_pkthdr h;
	struct timespec ts;
	uint16_t i;

	if (w->dumper == NULL && w->live == NULL) {
		txq->st.link_down += n;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	h.ts.tv_sec = ts.tv_sec;
	h.ts.tv_usec = ts.tv_nsec;  /* nanosecond precision handle */
	rte_spinlock_lock(&w->lock);
	for (i = 0; i < n; i++) {
		h.caplen = h.len = pkts[i].len;
		if (w->dumper != NULL)
			pcap_dump((u_char *)w->dumper, &h,
				emu_wire_linear(&pkts[i], w->buf));
		else if (pcap_inject(w->live, emu_wire_linear(&pkts[i], w->buf),
				pkts[i].len) < 0)
			txq->st.link_down++;
	}
	if (w->dumper != NULL)
		pcap_dump_flush(w->dumper);
	rte_spinlock_unlock(&w->lock);
}

void
emu_wire_send(struct emu_port *port, struct emu_pkt *pkts, uint16_t n,
		struct emu_queue *txq)
{
	struct emu_proc *proc;

	switch (port->conf.wire) {
	case EMU_WIRE_PEER:
		emu_wire_send_peer(port, pkts, n, txq);
		return;
	case EMU_WIRE_LOOPBACK:
		emu_model_rx(port, pkts, n, false);
		return;
	case EMU_WIRE_PCAP:
	case EMU_WIRE_IFACE:
		proc = emu_proc_of(port->port_id);
		if (proc != NULL && proc->wire != NULL) {
			emu_wire_send_pcap(proc->wire, pkts, n, txq);
			return;
		}
		break;  /* no handle in this process */
	default:
		break;
	}
	txq->st.link_down += n;
}

/*
 * Polling a capture file or a live interface.
 */

/* Offer the held packet; true when the queues took it. */
static bool
emu_wire_offer_held(struct emu_port *port, struct emu_wire_proc *w)
{
	struct emu_pkt p = {
		.len = w->held_len,
		.nb_frags = 1,
		.frag[0] = { .va = w->held, .len = w->held_len },
	};

	if (emu_model_rx(port, &p, 1, true) == 0)
		return false;
	w->has_held = false;
	return true;
}

/* Read and offer one packet; false when there is none or it must wait. */
static bool
emu_wire_poll_one(struct emu_port *port, struct emu_wire_proc *w)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct emu_pkt p;
	int ret;

	ret = pcap_next_ex(w->rx, &h, &data);
	if (ret == PCAP_ERROR_BREAK || ret == PCAP_ERROR) {
		if (ret == PCAP_ERROR)
			EMU_LOG(ERR, "%s: reading the wire: %s", port->name,
				pcap_geterr(w->rx));
		w->rx_done = w->live == NULL;
		return false;
	}
	if (ret == 0)
		return false;
	if (h->caplen == 0)
		return true;
	p.len = h->caplen;
	p.nb_frags = 1;
	p.frag[0].va = data;
	p.frag[0].len = h->caplen;
	if (emu_model_rx(port, &p, 1, w->live == NULL) == 1)
		return true;
	memcpy(w->held, data, h->caplen);
	w->held_len = h->caplen;
	w->has_held = true;
	return false;
}

void
emu_wire_poll(struct emu_port *port)
{
	struct emu_proc *proc = emu_proc_of(port->port_id);
	struct emu_wire_proc *w = proc == NULL ? NULL : proc->wire;
	unsigned int i;

	if (w == NULL || w->rx == NULL || w->rx_done || !port->started)
		return;
	if (!rte_spinlock_trylock(&w->lock))
		return;  /* another queue is polling */
	if (!w->has_held || emu_wire_offer_held(port, w))
		for (i = 0; i < EMU_BURST; i++)
			if (!emu_wire_poll_one(port, w))
				break;
	rte_spinlock_unlock(&w->lock);
}
