/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_ether.h>
#include <rte_ethdev.h>

#include "test_nic.h"

/* Packets asked of one rx_burst. */
#define NIC_BURST 32
/* Bursts tried before giving up. */
#define NIC_TRIES 1000

int
nic_probe(const char *name, const char *args)
{
	char devargs[1024];
	uint16_t pid;
	int ret;

	ret = snprintf(devargs, sizeof(devargs), "emu:%s,type=nic%s%s", name,
		args[0] != '\0' ? "," : "", args);
	if (ret < 0 || ret >= (int)sizeof(devargs))
		return -ENAMETOOLONG;
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0)
		return -ENODEV;
	return pid;
}

void
nic_remove(const char *name)
{
	uint16_t pid;

	if (rte_eth_dev_get_port_by_name(name, &pid) == 0)
		rte_eth_dev_stop(pid);
	rte_eal_hotplug_remove("emu", name);
}

uint16_t
nic_send_all(uint16_t pid, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0;
	unsigned int tries;

	for (tries = 0; sent < n && tries < NIC_TRIES; tries++)
		sent += rte_eth_tx_burst(pid, q, pkts + sent, n - sent);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return sent;
}

uint16_t
nic_recv_some(uint16_t pid, uint16_t q, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t n = 0;
	unsigned int polls;

	for (polls = 0; n < max && polls < NIC_TRIES; polls++)
		n += rte_eth_rx_burst(pid, q, pkts + n,
			RTE_MIN(max - n, NIC_BURST));
	return n;
}

uint64_t
nic_xstat(uint16_t pid, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(pid, name, &id) == 0)
		rte_eth_xstats_get_by_id(pid, &id, &v, 1);
	return v;
}

struct rte_mbuf *
nic_frame_mbuf(struct rte_mempool *mp, const uint8_t *f, uint32_t len,
		unsigned int nseg)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0, part;
	unsigned int i;

	for (i = 0; i < nseg; i++) {
		part = i == nseg - 1 ? len - off : len / nseg;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL || rte_pktmbuf_append(m, part) == NULL)
			goto fail;
		memcpy(rte_pktmbuf_mtod(m, void *), f + off, part);
		off += part;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			goto fail;
	}
	return head;
fail:
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(head);
	return NULL;
}

bool
nic_frame_equal(const struct rte_mbuf *m, const uint8_t *f, uint32_t len)
{
	uint8_t buf[RTE_ETHER_MAX_JUMBO_FRAME_LEN];
	const void *p;

	if (m->pkt_len != len)
		return false;
	p = rte_pktmbuf_read(m, 0, len, buf);
	return p != NULL && memcmp(p, f, len) == 0;
}
