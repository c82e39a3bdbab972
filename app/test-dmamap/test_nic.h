/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef TEST_NIC_H
#define TEST_NIC_H

/*
 * What the tests of the emu NIC share: probing and removing a port,
 * sending and receiving with retries, reading one xstat, and frames held
 * in mbuf chains.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/* Create an emu NIC with driver arguments args (may be ""); returns its
 * port id or a negative errno.
 */
int nic_probe(const char *name, const char *args);
/* Stop and remove an emu NIC, if it exists. */
void nic_remove(const char *name);
/* Send every packet on queue q, retrying a full ring; frees what cannot
 * be sent. Returns the packets sent.
 */
uint16_t nic_send_all(uint16_t pid, uint16_t q, struct rte_mbuf **pkts,
	uint16_t n);
/* Receive up to max packets from queue q, polling a while. */
uint16_t nic_recv_some(uint16_t pid, uint16_t q, struct rte_mbuf **pkts,
	uint16_t max);
/* The value of an xstat by name; UINT64_MAX when the port has none. */
uint64_t nic_xstat(uint16_t pid, const char *name);
/* An mbuf chain of nseg segments from mp holding frame f; NULL when mp
 * runs out.
 */
struct rte_mbuf *nic_frame_mbuf(struct rte_mempool *mp, const uint8_t *f,
	uint32_t len, unsigned int nseg);
/* Whether an mbuf chain holds exactly the frame f. */
bool nic_frame_equal(const struct rte_mbuf *m, const uint8_t *f, uint32_t len);

#endif /* TEST_NIC_H */
