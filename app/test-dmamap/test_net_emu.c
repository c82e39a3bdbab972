/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * net_emu: the emu NIC driver through the ethdev API. Ports are created by
 * hotplug (rte_dev_probe("emu:...")), so every case builds the wiring it
 * needs and removes it. Packet content is checked end to end: a capture
 * file is received by one port, forwarded across a back-to-back pair and
 * written by another port, and the written file must equal the read one,
 * for every mapping mode, IOMMU mode and coherence, with the DMA-API debug
 * checker on and finding nothing.
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcap.h>

#include <rte_bus_emu.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_thash.h>

#include "test.h"
#include "test_nic.h"

#define NB_MBUF 8191
#define NB_FWD_MBUF 1023
#define RING 256
#define FWD_RING 64
#define BURST 32
#define NB_PCAP_PKTS 240
#define SMALL_BUF 512
#define POLL_MAX 200000

static struct rte_mempool *pool;        /* 2 KiB buffers */
static struct rte_mempool *fwd_pool;    /* the same, few: forwarding cases */
static struct rte_mempool *small_pool;  /* SMALL_BUF-byte buffers */
static struct rte_mempool *tiny_pool;   /* too small for the device */
static char tmpdir[PATH_MAX];
static char in_pcap[PATH_MAX + 16];
static char out_pcap[PATH_MAX + 16];

/*
 * Ports.
 */

static int
port_config_ring(uint16_t pid, uint16_t nq, const struct rte_eth_conf *conf,
		struct rte_mempool *mp, uint16_t ring)
{
	static const struct rte_eth_conf def;
	uint16_t q;
	int ret;

	ret = rte_eth_dev_configure(pid, nq, nq, conf == NULL ? &def : conf);
	for (q = 0; q < nq && ret == 0; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, ring, SOCKET_ID_ANY, NULL, mp);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, ring, SOCKET_ID_ANY,
				NULL);
	}
	if (ret == 0)
		ret = rte_eth_promiscuous_enable(pid);
	return ret;
}

static int
port_config(uint16_t pid, uint16_t nq, const struct rte_eth_conf *conf,
		struct rte_mempool *mp)
{
	return port_config_ring(pid, nq, conf, mp, RING);
}

static int
port_start(uint16_t pid, uint16_t nq, const struct rte_eth_conf *conf,
		struct rte_mempool *mp)
{
	int ret = port_config(pid, nq, conf, mp);

	return ret == 0 ? rte_eth_dev_start(pid) : ret;
}

/*
 * Frames.
 */

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* An Ethernet frame: IPv4 or IPv6, UDP or TCP, or ARP; payload by seq. */
static void
frame_build(uint8_t *f, uint32_t len, uint32_t seq, uint16_t sport, int kind)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x0a };
	uint32_t i, l3 = RTE_ETHER_HDR_LEN, l4;

	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (kind == 2) {  /* ARP: not IP */
		put_be16(f + 12, RTE_ETHER_TYPE_ARP);
		return;
	}
	put_be16(f + 12, kind == 1 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (kind == 1) {
		f[l3] = 0x60;
		put_be16(f + l3 + 4, len - l3 - 40);
		f[l3 + 6] = IPPROTO_TCP;
		l4 = l3 + 40;
	} else {
		f[l3] = 0x45;
		put_be16(f + l3 + 2, len - l3);
		put_be16(f + l3 + 6, 0);
		f[l3 + 9] = IPPROTO_UDP;
		l4 = l3 + 20;
	}
	put_be16(f + l4, sport);
	put_be16(f + l4 + 2, 4789);
}

static uint32_t
pcap_pkt_len(unsigned int i)
{
	static const uint32_t sizes[] = { 60, 64, 65, 127, 128, 511, 1000, 1514 };

	return sizes[i % RTE_DIM(sizes)] + (i % 3);
}

/* Write the capture file every forwarding case starts from. */
static int
pcap_write_input(void)
{
	uint8_t f[2048];
	struct pcap_pkthdr h = { .ts = { 0, 0 } };
	pcap_dumper_t *d;
	pcap_t *p;
	unsigned int i;

	p = pcap_open_dead(DLT_EN10MB, 65535);
	d = p == NULL ? NULL : pcap_dump_open(p, in_pcap);
	TEST_ASSERT_NOT_NULL(d, "cannot write %s", in_pcap);
	for (i = 0; i < NB_PCAP_PKTS; i++) {
		h.caplen = h.len = RTE_MIN(pcap_pkt_len(i), 1514u);
		frame_build(f, h.caplen, i, 1000 + i, i % 5 == 4 ? 2 : i % 2);
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return TEST_SUCCESS;
}

/* Compare two capture files packet by packet; 0 when byte-identical. */
static int
pcap_compare(const char *a, const char *b, unsigned int *count)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pa = pcap_open_offline(a, err), *pb = pcap_open_offline(b, err);
	struct pcap_pkthdr *ha, *hb;
	const u_char *da, *db;
	int ra, rb, ret = 0;

	*count = 0;
	if (pa == NULL || pb == NULL) {
		printf("cannot open capture files: %s\n", err);
		ret = -1;
	}
	while (ret == 0) {
		ra = pcap_next_ex(pa, &ha, &da);
		rb = pcap_next_ex(pb, &hb, &db);
		if (ra != 1 || rb != 1) {
			ret = ra == rb ? 0 : -1;
			break;
		}
		if (ha->caplen != hb->caplen || memcmp(da, db, ha->caplen) != 0) {
			printf("packet %u differs (%u / %u bytes)\n", *count,
				ha->caplen, hb->caplen);
			ret = -1;
		}
		(*count)++;
	}
	if (pa != NULL)
		pcap_close(pa);
	if (pb != NULL)
		pcap_close(pb);
	return ret;
}

/*
 * Suite setup.
 */

static int
suite_setup(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("primary process only");
	pool = rte_pktmbuf_pool_create("netemu_pool", NB_MBUF, 256, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	small_pool = rte_pktmbuf_pool_create("netemu_small", 2047, 64, 0,
		RTE_PKTMBUF_HEADROOM + SMALL_BUF, SOCKET_ID_ANY);
	tiny_pool = rte_pktmbuf_pool_create("netemu_tiny", 511, 0, 0,
		RTE_PKTMBUF_HEADROOM + 128, SOCKET_ID_ANY);
	/* Small enough for the pages the bus's model of non-coherent memory
	 * tracks: a premapped pool is synced whole when it is mapped.
	 */
	fwd_pool = rte_pktmbuf_pool_create("netemu_fwd", NB_FWD_MBUF, 32, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT(pool != NULL && small_pool != NULL && tiny_pool != NULL &&
		fwd_pool != NULL,
		"mempools: %s", rte_strerror(rte_errno));
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/netemu_test.XXXXXX");
	TEST_ASSERT_NOT_NULL(mkdtemp(tmpdir), "mkdtemp");
	snprintf(in_pcap, sizeof(in_pcap), "%s/in.pcap", tmpdir);
	snprintf(out_pcap, sizeof(out_pcap), "%s/out.pcap", tmpdir);
	return pcap_write_input();
}

static void
suite_teardown(void)
{
	char cmd[PATH_MAX + 16];

	rte_mempool_free(pool);
	rte_mempool_free(small_pool);
	rte_mempool_free(tiny_pool);
	rte_mempool_free(fwd_pool);
	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			printf("cannot remove %s\n", tmpdir);
	}
}

/* Every case must give all mbufs back: a leak is a failure. */
static int
case_setup(void)
{
	return TEST_SUCCESS;
}

static void
case_teardown(void)
{
	static const char * const names[] = {
		"ne_a", "ne_b", "ne_c", "ne_lo", "ne_v0", "ne_v1",
	};
	unsigned int i;
	uint16_t pid;

	for (i = 0; i < RTE_DIM(names); i++)
		if (rte_eth_dev_get_port_by_name(names[i], &pid) == 0)
			nic_remove(names[i]);
	rte_dmamap_debug_set_default(false);
}

static int
pools_full(void)
{
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(pool), NB_MBUF,
		"mbufs not returned: %u in use", rte_mempool_in_use_count(pool));
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(small_pool), 2047,
		"small mbufs not returned");
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(fwd_pool), NB_FWD_MBUF,
		"forwarding mbufs not returned");
	return TEST_SUCCESS;
}

/*
 * Bad input.
 */

static int
test_probe_bad_args(void)
{
	static const char * const bad[] = {
		"foo=1", "dma=fast", "dma=premap,dma=stream", "loopback=2",
		"peer=ne_a", "peer=ne_b,loopback=1", "pcap_rx=/nonexistent.pcap",
		"pcap_tx=/nonexistent/dir/out.pcap", "iface=netemu_none0",
		"mac=01:00:5e:00:00:01", "mac=zz", "peer=ne_b,iface=lo",
		"pcap_rx=/etc/hostname", "peer=", "peer=ne_c",
	};
	uint16_t before;
	unsigned int i;
	int good;

	good = nic_probe("ne_c", "loopback=1");
	TEST_ASSERT(good >= 0, "a good port: %d", good);
	before = rte_eth_dev_count_avail();
	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT(nic_probe("ne_a", bad[i]) < 0, "accepted '%s'", bad[i]);
		TEST_ASSERT_EQUAL(rte_eth_dev_count_avail(), before,
			"'%s' left a port behind", bad[i]);
	}
	TEST_ASSERT_SUCCESS(port_start(good, 1, NULL, pool),
		"the good port after the bad probes");
	return TEST_SUCCESS;
}

static int
test_config_bad(void)
{
	int pid = nic_probe("ne_lo", "loopback=1");
	struct rte_eth_conf conf = { .rxmode = { .mtu = 9000 } };

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_FAIL(rte_eth_dev_configure(pid, 17, 1, &conf),
		"17 RX queues on a 16-queue device");
	TEST_ASSERT_SUCCESS(rte_eth_dev_configure(pid, 1, 1, &conf), "configure");
	TEST_ASSERT_FAIL(rte_eth_rx_queue_setup(pid, 0, 100, SOCKET_ID_ANY,
		NULL, pool), "ring of 100 descriptors");
	TEST_ASSERT_FAIL(rte_eth_tx_queue_setup(pid, 0, 8192, SOCKET_ID_ANY,
		NULL), "ring of 8192 descriptors");
	TEST_ASSERT_FAIL(rte_eth_rx_queue_setup(pid, 0, RING, SOCKET_ID_ANY,
		NULL, tiny_pool), "mbufs of 128 bytes");
	TEST_ASSERT_SUCCESS(port_config(pid, 1, &conf, pool), "queues");
	TEST_ASSERT_FAIL(rte_eth_dev_start(pid),
		"MTU 9000 with 2 KiB buffers and no scatter");
	conf.rxmode.mtu = 1500;
	TEST_ASSERT_SUCCESS(port_start(pid, 1, &conf, pool), "good config");
	return TEST_SUCCESS;
}

static int
test_bypass_refused(void)
{
	int a = nic_probe("ne_a", "loopback=1,dma=bypass,iommu=strict");
	int b = nic_probe("ne_b", "loopback=1,dma=bypass,coherent=0");

	TEST_ASSERT(a >= 0 && b >= 0, "probe: %d %d", a, b);
	TEST_ASSERT_EQUAL(port_start(a, 1, NULL, pool), -ERANGE,
		"bypass behind an IOMMU without a window");
	TEST_ASSERT_EQUAL(port_start(b, 1, NULL, pool), -ENOTSUP,
		"bypass on a non-coherent device");
	return pools_full();
}

/*
 * Control operations.
 */

static int
test_ops_info_link(void)
{
	int a = nic_probe("ne_a", "peer=ne_b"), b = nic_probe("ne_b", "peer=ne_a");
	struct rte_eth_dev_info info;
	struct rte_eth_link link;

	TEST_ASSERT(a >= 0 && b >= 0, "probe: %d %d", a, b);
	TEST_ASSERT_SUCCESS(rte_eth_dev_info_get(a, &info), "info");
	TEST_ASSERT_EQUAL(info.max_rx_queues, 16, "queues");
	TEST_ASSERT(strcmp(info.driver_name, "net_emu") == 0, "driver name");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start a");
	rte_eth_link_get_nowait(a, &link);
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_DOWN, "peer not started");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b");
	rte_eth_link_get_nowait(a, &link);
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP, "both started");
	TEST_ASSERT_SUCCESS(rte_eth_dev_set_link_down(b), "link down");
	rte_eth_link_get_nowait(a, &link);
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_DOWN, "peer link down");
	TEST_ASSERT_SUCCESS(rte_eth_dev_set_link_up(b), "link up");
	rte_eth_link_get_nowait(a, &link);
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP, "peer link up");
	return TEST_SUCCESS;
}

static int
test_ops_mtu_mac_promisc(void)
{
	int pid = nic_probe("ne_lo", "loopback=1,mac=02:11:22:33:44:55");
	struct rte_ether_addr mac, want = {{ 0x02, 0x11, 0x22, 0x33, 0x44, 0x66 }};

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(pid, 1, NULL, pool), "start");
	TEST_ASSERT_SUCCESS(rte_eth_macaddr_get(pid, &mac), "mac get");
	TEST_ASSERT_EQUAL(mac.addr_bytes[5], 0x55, "mac= devarg");
	TEST_ASSERT_SUCCESS(rte_eth_dev_default_mac_addr_set(pid, &want), "set");
	TEST_ASSERT_SUCCESS(rte_eth_macaddr_get(pid, &mac), "mac get");
	TEST_ASSERT(rte_is_same_ether_addr(&mac, &want), "mac set");
	TEST_ASSERT_FAIL(rte_eth_dev_set_mtu(pid, 9000), "no room without scatter");
	TEST_ASSERT_FAIL(rte_eth_dev_set_mtu(pid, 20000), "beyond the maximum");
	TEST_ASSERT_SUCCESS(rte_eth_dev_set_mtu(pid, 1400), "smaller MTU");
	TEST_ASSERT_SUCCESS(rte_eth_promiscuous_disable(pid), "promisc off");
	TEST_ASSERT_EQUAL(rte_eth_promiscuous_get(pid), 0, "promisc state");
	TEST_ASSERT_SUCCESS(rte_eth_allmulticast_enable(pid), "allmulti");
	return TEST_SUCCESS;
}

/* Send n 64-byte frames through a loopback port and receive them. */
static int
loopback_roundtrip(uint16_t pid, unsigned int n)
{
	struct rte_mbuf *m[BURST];
	uint8_t f[64];
	unsigned int i;

	frame_build(f, sizeof(f), 1, 1, 0);
	for (i = 0; i < n; i++)
		m[i] = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, m, n), n, "send");
	TEST_ASSERT_EQUAL(nic_recv_some(pid, 0, m, n), n, "loopback");
	for (i = 0; i < n; i++)
		TEST_ASSERT(nic_frame_equal(m[i], f, sizeof(f)), "frame %u", i);
	rte_pktmbuf_free_bulk(m, n);
	return TEST_SUCCESS;
}

static int
test_ops_stats_xstats(void)
{
	static const char * const want[] = {
		"dma_maps", "dma_bounces", "iommu_faults", "iotlb_misses",
		"rx_missed_no_descriptor", "tx_link_down_drops",
	};
	int pid = nic_probe("ne_lo", "loopback=1,dma=stream,iommu=strict");
	struct rte_eth_stats st;
	unsigned int i;

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(pid, 1, NULL, pool), "start");
	for (i = 0; i < RTE_DIM(want); i++)
		TEST_ASSERT(nic_xstat(pid, want[i]) != UINT64_MAX, "no xstat %s", want[i]);
	TEST_ASSERT_SUCCESS(loopback_roundtrip(pid, 8), "traffic");
	TEST_ASSERT_SUCCESS(rte_eth_stats_get(pid, &st), "stats");
	TEST_ASSERT(st.ipackets == 8 && st.opackets == 8 && st.ibytes == 512,
		"stats %" PRIu64 " %" PRIu64 " %" PRIu64, st.ipackets, st.opackets,
		st.ibytes);
	TEST_ASSERT(nic_xstat(pid, "dma_maps") >= 16, "per-packet maps counted");
	TEST_ASSERT(nic_xstat(pid, "iotlb_misses") + nic_xstat(pid, "iotlb_hits") > 0,
		"IOTLB use counted");
	TEST_ASSERT_SUCCESS(rte_eth_xstats_reset(pid), "xstats reset");
	TEST_ASSERT_EQUAL(nic_xstat(pid, "dma_maps"), 0, "platform counter reset");
	TEST_ASSERT_SUCCESS(rte_eth_stats_get(pid, &st), "stats");
	TEST_ASSERT_EQUAL(st.ipackets, 0, "stats reset");
	return TEST_SUCCESS;
}

static int
test_ops_reset_queue_state(void)
{
	int pid = nic_probe("ne_lo", "loopback=1");
	struct rte_eth_rxq_info qi;
	struct rte_mbuf *m[4];
	uint8_t f[100];

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(pid, 2, NULL, pool), "start");
	TEST_ASSERT_SUCCESS(rte_eth_rx_queue_info_get(pid, 1, &qi), "rxq info");
	TEST_ASSERT_EQUAL(qi.nb_desc, RING, "ring size");
	TEST_ASSERT_SUCCESS(rte_eth_dev_rx_queue_stop(pid, 0), "rxq stop");
	frame_build(f, sizeof(f), 3, 3, 2);
	m[0] = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, m, 1), 1, "send");
	TEST_ASSERT_EQUAL(nic_xstat(pid, "rx_missed_no_descriptor"), 1,
		"queue stopped: missed");
	TEST_ASSERT_SUCCESS(rte_eth_dev_rx_queue_start(pid, 0), "rxq start");
	TEST_ASSERT_SUCCESS(rte_eth_dev_reset(pid), "reset");
	TEST_ASSERT_SUCCESS(port_start(pid, 1, NULL, pool), "start after reset");
	m[0] = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, m, 1), 1, "send after reset");
	TEST_ASSERT_EQUAL(nic_recv_some(pid, 0, m, 1), 1, "receive after reset");
	TEST_ASSERT(nic_frame_equal(m[0], f, sizeof(f)), "content");
	rte_pktmbuf_free(m[0]);
	return TEST_SUCCESS;
}

/*
 * Forwarding: capture file in, capture file out.
 */

struct fwd_mode {
	const char *dma;
	const char *iommu;
	bool coherent;
	bool debug;     /* DMA-API debug checker on */
};

/* Bus and driver devargs of one mode. */
static void
fwd_args(const struct fwd_mode *fm, const char *wire, char *buf, size_t size)
{
	bool domain = strcmp(fm->iommu, "off") != 0;

	snprintf(buf, size, "%s,dma=%s,iommu=%s,coherent=%d%s", wire, fm->dma,
		fm->iommu, fm->coherent,
		domain && strcmp(fm->dma, "bypass") == 0 ?
			",bypass=auto,window=47" : "");
}

static int
fwd_probe(const struct fwd_mode *fm, int pid[3])
{
	char wire[PATH_MAX * 2 + 64], args[PATH_MAX * 2 + 128];

	snprintf(wire, sizeof(wire), "pcap_rx=%s,pcap_tx=%s", in_pcap, out_pcap);
	fwd_args(fm, wire, args, sizeof(args));
	pid[0] = nic_probe("ne_a", args);
	fwd_args(fm, "peer=ne_c", args, sizeof(args));
	pid[1] = nic_probe("ne_b", args);
	fwd_args(fm, "peer=ne_b", args, sizeof(args));
	pid[2] = nic_probe("ne_c", args);
	TEST_ASSERT(pid[0] >= 0 && pid[1] >= 0 && pid[2] >= 0,
		"probe: %d %d %d", pid[0], pid[1], pid[2]);
	return TEST_SUCCESS;
}

/* ne_a (capture in) -> ne_b ~ wire ~ ne_c -> ne_a (capture out). */
static int
fwd_run(const int pid[3])
{
	struct rte_mbuf *m[BURST];
	struct rte_eth_stats st = { .opackets = 0 };
	unsigned int polls;
	uint16_t n;

	for (polls = 0; polls < POLL_MAX && st.opackets < NB_PCAP_PKTS; polls++) {
		n = rte_eth_rx_burst(pid[0], 0, m, BURST);
		nic_send_all(pid[1], 0, m, n);
		n = rte_eth_rx_burst(pid[2], 0, m, BURST);
		nic_send_all(pid[0], 0, m, n);
		rte_eth_stats_get(pid[0], &st);
	}
	TEST_ASSERT_EQUAL(st.opackets, NB_PCAP_PKTS, "packets written");
	return TEST_SUCCESS;
}

/* What the platform saw of a device: no misuse, no fault, the mode used. */
static int
fwd_check_dev(const char *name, const struct fwd_mode *fm)
{
	/* Under the checker a non-coherent device maps premap buffers one by one. */
	bool per_buffer = strcmp(fm->dma, "stream") == 0 ||
		(strcmp(fm->dma, "premap") == 0 && !fm->coherent && fm->debug);
	int id = rte_dmamap_get_dev_id(name);
	struct rte_bus_emu_fault_stats fs;
	struct rte_dmamap_stats s;

	TEST_ASSERT(id >= 0, "dmamap id of %s", name);
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(id, &s), "stats");
	TEST_ASSERT_SUCCESS(rte_bus_emu_fault_stats_get(name, &fs), "faults");
	TEST_ASSERT_EQUAL(s.debug_errors, 0, "%s: debug checker errors", name);
	TEST_ASSERT_EQUAL(s.errors, 0, "%s: refused DMA API calls", name);
	TEST_ASSERT_EQUAL(fs.total, 0, "%s: IOMMU faults", name);
	if (per_buffer) {
		TEST_ASSERT(s.maps + s.direct > 0, "%s: no streaming map", name);
		TEST_ASSERT_EQUAL(s.maps, s.unmaps, "%s: maps left", name);
	} else {
		TEST_ASSERT_EQUAL(s.maps, 0, "%s: streaming maps in %s mode",
			name, fm->dma);
	}
	if (!per_buffer && strcmp(fm->dma, "premap") == 0 &&
			strcmp(fm->iommu, "off") != 0)
		TEST_ASSERT(s.links > 0, "%s: pools not linked in the domain", name);
	if (!fm->coherent)
		TEST_ASSERT(s.syncs + s.maps > 0, "%s: no sync", name);
	return TEST_SUCCESS;
}

static int
fwd_one(const struct fwd_mode *fm)
{
	static const char * const names[] = { "ne_a", "ne_b", "ne_c" };
	unsigned int i, count;
	int pid[3], ret;

	rte_dmamap_debug_set_default(fm->debug);
	TEST_ASSERT_SUCCESS(fwd_probe(fm, pid), "probe");
	for (i = 0; i < 3; i++) {
		ret = port_config_ring(pid[i], 1, NULL, fwd_pool, FWD_RING);
		if (ret == 0)
			ret = rte_eth_dev_start(pid[i]);
		if (!fm->coherent && strcmp(fm->dma, "bypass") == 0) {
			TEST_ASSERT_EQUAL(ret, -ENOTSUP, "bypass, non-coherent");
			continue;
		}
		TEST_ASSERT_SUCCESS(ret, "start %s", names[i]);
	}
	if (!fm->coherent && strcmp(fm->dma, "bypass") == 0)
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(fwd_run(pid), "forward");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[i]), "stop");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(fwd_check_dev(names[i], fm), "platform");
	TEST_ASSERT_SUCCESS(pcap_compare(in_pcap, out_pcap, &count),
		"capture out differs from capture in");
	TEST_ASSERT_EQUAL(count, NB_PCAP_PKTS, "packets compared");
	return TEST_SUCCESS;
}

static int
test_forward_all_modes(void)
{
	static const char * const dma[] = { "bypass", "premap", "stream" };
	static const char * const iommu[] = { "off", "strict", "lazy" };
	struct fwd_mode fm;
	unsigned int d, i, c;

	for (d = 0; d < RTE_DIM(dma); d++)
		for (i = 0; i < RTE_DIM(iommu); i++)
			for (c = 0; c < 2; c++) {
				fm.dma = dma[d];
				fm.iommu = iommu[i];
				fm.coherent = c == 0;
				fm.debug = true;
				printf("  dma=%s iommu=%s coherent=%d\n", fm.dma,
					fm.iommu, fm.coherent);
				TEST_ASSERT_SUCCESS(fwd_one(&fm), "dma=%s iommu=%s coherent=%d",
					fm.dma, fm.iommu, fm.coherent);
				case_teardown();
				TEST_ASSERT_SUCCESS(pools_full(), "leak");
			}
	return TEST_SUCCESS;
}

/*
 * premap on non-coherent devices without the checker: the pools stay
 * mapped and the driver syncs; the device's view of memory makes a missing
 * or misdirected sync change the bytes written.
 */
static int
test_forward_premap_noncoherent(void)
{
	static const char * const iommu[] = { "off", "strict", "lazy" };
	struct fwd_mode fm = { .dma = "premap", .coherent = false };
	unsigned int i;

	for (i = 0; i < RTE_DIM(iommu); i++) {
		fm.iommu = iommu[i];
		printf("  dma=premap iommu=%s coherent=0, checker off\n", fm.iommu);
		TEST_ASSERT_SUCCESS(fwd_one(&fm), "iommu=%s", fm.iommu);
		case_teardown();
		TEST_ASSERT_SUCCESS(pools_full(), "leak");
	}
	return TEST_SUCCESS;
}

/* A pair with the shortest mask (32..40 bits) this machine can place a
 * bounce pool under; returns the mask bits or a negative errno.
 */
static int
short_mask_pair(int pid[3])
{
	char args[64];
	int bits;

	for (bits = 32; bits <= 40; bits++) {
		snprintf(args, sizeof(args), "peer=ne_c,dma=stream,dma_mask=%d", bits);
		pid[1] = nic_probe("ne_b", args);
		snprintf(args, sizeof(args), "peer=ne_b,dma=stream,dma_mask=%d", bits);
		pid[2] = nic_probe("ne_c", args);
		if (pid[1] >= 0 && pid[2] >= 0)
			return bits;
		case_teardown();
		printf("no bounce pool under a %d-bit mask on this machine\n", bits);
	}
	return -ENOMEM;
}

/* A device whose mask cannot reach the buffers: stream mode bounces. */
static int
test_forward_bounce(void)
{
	struct fwd_mode fm = { .dma = "stream", .iommu = "off", .coherent = true };
	char args[PATH_MAX * 2 + 128], wire[PATH_MAX * 2 + 64];
	unsigned int count, i;
	int pid[3], bits;

	bits = short_mask_pair(pid);
	if (bits < 0)
		TEST_SKIP("no memory under a 40-bit mask for a bounce pool");
	snprintf(wire, sizeof(wire), "pcap_rx=%s,pcap_tx=%s", in_pcap, out_pcap);
	fwd_args(&fm, wire, args, sizeof(args));
	pid[0] = nic_probe("ne_a", args);
	TEST_ASSERT(pid[0] >= 0, "probe");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(port_start(pid[i], 1, NULL, fwd_pool), "start");
	TEST_ASSERT_SUCCESS(fwd_run(pid), "forward");
	rte_eth_dev_stop(pid[0]);
	if (STAILQ_FIRST(&fwd_pool->mem_list)->iova >> bits != 0)
		TEST_ASSERT(nic_xstat(pid[1], "dma_bounces") > 0, "no bounce");
	TEST_ASSERT_SUCCESS(pcap_compare(in_pcap, out_pcap, &count), "content");
	TEST_ASSERT_EQUAL(count, NB_PCAP_PKTS, "packets compared");
	return TEST_SUCCESS;
}

/*
 * Wires and offloads.
 */

static int
rss_check(uint16_t pid, uint16_t q, struct rte_mbuf *m, const uint8_t *key,
		unsigned int *seen)
{
	union rte_thash_tuple t = { .v4 = { 0 } };
	uint16_t sport;
	uint32_t h;

	sport = rte_be_to_cpu_16(*rte_pktmbuf_mtod_offset(m, uint16_t *, 34));
	t.v4.src_addr = 0;
	t.v4.dst_addr = 0;
	t.v4.sport = sport;
	t.v4.dport = 4789;
	h = rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
	TEST_ASSERT(m->ol_flags & RTE_MBUF_F_RX_RSS_HASH, "no RSS flag");
	TEST_ASSERT_EQUAL(m->hash.rss, h, "hash of sport %u", sport);
	TEST_ASSERT_EQUAL(q, (h % 128) % 4, "queue of hash 0x%x", h);
	seen[q]++;
	RTE_SET_USED(pid);
	return TEST_SUCCESS;
}

/* 256 UDP flows whose addresses are 0: the hash is of the ports alone. */
static int
rss_send_flows(uint16_t pid)
{
	struct rte_mbuf *m;
	uint8_t f[64];
	unsigned int i;

	for (i = 0; i < 256; i++) {
		frame_build(f, sizeof(f), i, 5000 + i * 13, 0);
		memset(f + 26, 0, 8);
		m = nic_frame_mbuf(pool, f, sizeof(f), 1);
		TEST_ASSERT_EQUAL(nic_send_all(pid, 0, &m, 1), 1, "send");
	}
	return TEST_SUCCESS;
}

/* Receive every queue, checking each packet's hash and queue. */
static int
rss_drain(uint16_t pid, const uint8_t *key, unsigned int *seen,
		unsigned int *total)
{
	struct rte_mbuf *m[BURST];
	uint16_t q, n, i;

	for (q = 0; q < 4; q++)
		while ((n = rte_eth_rx_burst(pid, q, m, BURST)) > 0) {
			for (i = 0; i < n; i++)
				TEST_ASSERT_SUCCESS(rss_check(pid, q, m[i], key, seen),
					"rss");
			*total += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	return TEST_SUCCESS;
}

static int
test_rss_multiqueue(void)
{
	struct rte_eth_conf conf = {
		.rxmode = { .mq_mode = RTE_ETH_MQ_RX_RSS,
			.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH },
		.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_UDP,
	};
	uint8_t key[40];
	struct rte_eth_rss_conf rc = { .rss_key = key, .rss_key_len = 40 };
	unsigned int seen[4] = { 0 }, total = 0, q;
	int pid = nic_probe("ne_lo", "loopback=1");

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(pid, 4, &conf, pool), "start, 4 queues");
	TEST_ASSERT_SUCCESS(rte_eth_dev_rss_hash_conf_get(pid, &rc), "key");
	TEST_ASSERT_SUCCESS(rss_send_flows(pid), "flows");
	TEST_ASSERT_SUCCESS(rss_drain(pid, key, seen, &total), "receive");
	TEST_ASSERT_EQUAL(total, 256, "packets received");
	for (q = 0; q < 4; q++)
		TEST_ASSERT(seen[q] > 16, "queue %u got %u of 256", q, seen[q]);
	return TEST_SUCCESS;
}

/* Addresses-only RSS (testpmd's default) and non-IP packets. */
static int
test_rss_addresses_non_ip(void)
{
	struct rte_eth_conf conf = {
		.rxmode = { .mq_mode = RTE_ETH_MQ_RX_RSS },
		.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4,
	};
	union rte_thash_tuple t = { .v4 = { 0 } };
	uint8_t key[40], f[64];
	struct rte_eth_rss_conf rc = { .rss_key = key, .rss_key_len = 40 };
	int pid = nic_probe("ne_lo", "loopback=1");
	struct rte_mbuf *m;
	uint32_t h, a;

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(pid, 2, &conf, pool), "start, 2 queues");
	TEST_ASSERT_SUCCESS(rte_eth_dev_rss_hash_conf_get(pid, &rc), "key");
	frame_build(f, sizeof(f), 1, 1, 2);  /* ARP */
	m = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, &m, 1), 1, "send ARP");
	TEST_ASSERT_EQUAL(nic_recv_some(pid, 0, &m, 1), 1, "ARP on queue 0");
	TEST_ASSERT(!(m->ol_flags & RTE_MBUF_F_RX_RSS_HASH), "ARP hashed");
	rte_pktmbuf_free(m);
	frame_build(f, sizeof(f), 2, 2, 0);
	/* The addresses sit at 2-byte alignment in the frame. */
	memcpy(&a, f + 26, sizeof(a));
	t.v4.src_addr = rte_be_to_cpu_32(a);
	memcpy(&a, f + 30, sizeof(a));
	t.v4.dst_addr = rte_be_to_cpu_32(a);
	h = rte_softrss((uint32_t *)&t, RTE_THASH_V4_L3_LEN, key);
	m = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, &m, 1), 1, "send IPv4");
	TEST_ASSERT_EQUAL(nic_recv_some(pid, (h % 128) % 2, &m, 1), 1,
		"IPv4 on the queue of its address hash");
	TEST_ASSERT_EQUAL(m->hash.rss, h, "hash of the addresses");
	rte_pktmbuf_free(m);
	return TEST_SUCCESS;
}

static int
scatter_send(uint16_t tx, uint16_t rx, uint32_t len, unsigned int nseg,
		uint32_t buf)
{
	static uint8_t f[9014];
	struct rte_mbuf *m;

	frame_build(f, len, len, 77, 1);
	m = nic_frame_mbuf(pool, f, len, nseg);
	TEST_ASSERT_NOT_NULL(m, "frame of %u bytes", len);
	TEST_ASSERT_EQUAL(nic_send_all(tx, 0, &m, 1), 1, "send %u bytes", len);
	TEST_ASSERT_EQUAL(nic_recv_some(rx, 0, &m, 1), 1, "receive %u bytes", len);
	TEST_ASSERT_EQUAL(m->nb_segs, (len + buf - 1) / buf,
		"segments of %u bytes", len);
	TEST_ASSERT(nic_frame_equal(m, f, len), "content of %u bytes", len);
	rte_pktmbuf_free(m);
	return TEST_SUCCESS;
}

static int
test_scatter_multiseg(void)
{
	struct rte_eth_conf conf = {
		.rxmode = { .mtu = 9000, .offloads = RTE_ETH_RX_OFFLOAD_SCATTER },
		.txmode = { .offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
	};
	int a = nic_probe("ne_a", "peer=ne_b,dma=stream,iommu=lazy");
	int b = nic_probe("ne_b", "peer=ne_a,dma=premap,iommu=strict");

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, &conf, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, &conf, small_pool), "start b");
	TEST_ASSERT_SUCCESS(scatter_send(a, b, 60, 1, SMALL_BUF), "small");
	TEST_ASSERT_SUCCESS(scatter_send(a, b, 3000, 3, SMALL_BUF), "3 segments");
	TEST_ASSERT_SUCCESS(scatter_send(a, b, 9014, 5, SMALL_BUF), "jumbo");
	TEST_ASSERT_SUCCESS(scatter_send(b, a, 4000, 4, 2048), "4 segments back");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(b), "stop");
	conf.rxmode.offloads = 0;
	TEST_ASSERT_FAIL(port_start(b, 1, &conf, small_pool),
		"MTU 9000 in 512-byte buffers without scatter");
	return TEST_SUCCESS;
}

/*
 * A burst of jumbo frames on non-coherent devices: the device copies more
 * data than its staging area holds before handing the packets on.
 */
static int
test_jumbo_burst_noncoherent(void)
{
	struct rte_eth_conf conf = {
		.rxmode = { .mtu = 9000, .offloads = RTE_ETH_RX_OFFLOAD_SCATTER },
		.txmode = { .offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
	};
	int a = nic_probe("ne_a", "peer=ne_b,dma=stream,coherent=0");
	int b = nic_probe("ne_b", "peer=ne_a,dma=stream,coherent=0");
	static uint8_t f[16][9014];
	struct rte_mbuf *m[16];
	unsigned int i;

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, &conf, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, &conf, pool), "start b");
	for (i = 0; i < 16; i++) {
		frame_build(f[i], sizeof(f[i]), i, i, 0);
		m[i] = nic_frame_mbuf(pool, f[i], sizeof(f[i]), 5);
		TEST_ASSERT_NOT_NULL(m[i], "frame %u", i);
	}
	TEST_ASSERT_EQUAL(nic_send_all(a, 0, m, 16), 16, "send 16 jumbo frames");
	TEST_ASSERT_EQUAL(nic_recv_some(b, 0, m, 16), 16, "receive them");
	for (i = 0; i < 16; i++)
		TEST_ASSERT(nic_frame_equal(m[i], f[i], sizeof(f[i])),
			"frame %u: %u bytes in %u segments", i, m[i]->pkt_len,
			m[i]->nb_segs);
	rte_pktmbuf_free_bulk(m, 16);
	return TEST_SUCCESS;
}

static int
test_oversize_dropped(void)
{
	struct rte_eth_conf big = { .rxmode = { .mtu = 9000 } };
	int a = nic_probe("ne_a", "peer=ne_b"), b = nic_probe("ne_b", "peer=ne_a");
	uint8_t f[1600];
	struct rte_mbuf *m;

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	big.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	TEST_ASSERT_SUCCESS(port_config(a, 1, &big, small_pool), "a");
	big.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	TEST_ASSERT_SUCCESS(port_config(a, 1, &big, small_pool), "a, scatter");
	TEST_ASSERT_SUCCESS(rte_eth_dev_start(a), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "b, MTU 1500");
	frame_build(f, sizeof(f), 1, 1, 0);
	m = nic_frame_mbuf(pool, f, sizeof(f), 2);
	TEST_ASSERT_EQUAL(nic_send_all(a, 0, &m, 1), 1, "send");
	TEST_ASSERT_EQUAL(nic_recv_some(b, 0, &m, 1), 0, "frame beyond the MTU");
	TEST_ASSERT_EQUAL(nic_xstat(b, "rx_oversize_drops"), 1, "counted");
	return TEST_SUCCESS;
}

static int
mac_send(uint16_t a, uint16_t b, const uint8_t *dst, uint16_t expect)
{
	uint8_t f[64];
	struct rte_mbuf *m;

	frame_build(f, sizeof(f), 9, 9, 0);
	memcpy(f, dst, 6);
	m = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(a, 0, &m, 1), 1, "send");
	TEST_ASSERT_EQUAL(nic_recv_some(b, 0, &m, 1), expect, "received");
	if (expect > 0)
		rte_pktmbuf_free(m);
	return TEST_SUCCESS;
}

static int
test_mac_filter(void)
{
	static const uint8_t own[6] = { 0x02, 0, 0, 0, 0x12, 0x34 };
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0x12, 0x35 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	int a = nic_probe("ne_a", "peer=ne_b");
	int b = nic_probe("ne_b", "peer=ne_a,mac=02:00:00:00:12:34");

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start");
	TEST_ASSERT_SUCCESS(rte_eth_promiscuous_disable(b), "promisc off");
	TEST_ASSERT_SUCCESS(mac_send(a, b, own, 1), "own address");
	TEST_ASSERT_SUCCESS(mac_send(a, b, other, 0), "other address");
	TEST_ASSERT_SUCCESS(mac_send(a, b, bcast, 1), "broadcast");
	TEST_ASSERT_SUCCESS(mac_send(a, b, mcast, 0), "multicast");
	TEST_ASSERT_SUCCESS(rte_eth_allmulticast_enable(b), "allmulti");
	TEST_ASSERT_SUCCESS(mac_send(a, b, mcast, 1), "multicast, allmulti");
	TEST_ASSERT_EQUAL(nic_xstat(b, "rx_mac_filter_drops"), 2, "drops counted");
	return TEST_SUCCESS;
}

/* Send n frames from a to b and check b got them all, in order. */
static int
pair_traffic(uint16_t a, uint16_t b, unsigned int n)
{
	struct rte_mbuf *m[BURST];
	uint8_t f[128];
	unsigned int i, got = 0;
	uint16_t k;

	for (i = 0; i < n; i++) {
		frame_build(f, sizeof(f), i, i, 0);
		m[0] = nic_frame_mbuf(pool, f, sizeof(f), 1);
		TEST_ASSERT_EQUAL(nic_send_all(a, 0, m, 1), 1, "send");
	}
	while (got < n && (k = nic_recv_some(b, 0, m, RTE_MIN(n - got, (unsigned int)BURST))) > 0) {
		for (i = 0; i < k; i++) {
			frame_build(f, sizeof(f), got + i, got + i, 0);
			TEST_ASSERT(nic_frame_equal(m[i], f, sizeof(f)), "frame %u", got + i);
		}
		rte_pktmbuf_free_bulk(m, k);
		got += k;
	}
	TEST_ASSERT_EQUAL(got, n, "received");
	return TEST_SUCCESS;
}

/* Send n copies of a frame without receiving them. */
static int
send_frames_of(uint16_t pid, const uint8_t *f, uint32_t len, unsigned int n)
{
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < n; i++) {
		m = nic_frame_mbuf(pool, f, len, 1);
		TEST_ASSERT_NOT_NULL(m, "mbuf");
		TEST_ASSERT_EQUAL(nic_send_all(pid, 0, &m, 1), 1, "send");
	}
	return TEST_SUCCESS;
}

static int
send_frames(uint16_t pid, unsigned int n)
{
	uint8_t f[64];

	frame_build(f, sizeof(f), 5, 5, 0);
	return send_frames_of(pid, f, sizeof(f), n);
}

static int
test_stop_start_reconfigure(void)
{
	int a = nic_probe("ne_a", "peer=ne_b,dma=stream,iommu=lazy");
	int b = nic_probe("ne_b", "peer=ne_a,dma=premap,iommu=strict");
	unsigned int round;
	uint64_t drops;

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b");
	for (round = 0; round < 6; round++) {
		TEST_ASSERT_SUCCESS(pair_traffic(a, b, 100), "round %u", round);
		/* Packets in b's ring when it stops are released by the stop. */
		TEST_ASSERT_SUCCESS(send_frames(a, 50), "in flight");
		TEST_ASSERT_SUCCESS(rte_eth_dev_stop(b), "stop b");
		drops = nic_xstat(a, "tx_link_down_drops");
		TEST_ASSERT_SUCCESS(send_frames(a, 10), "to a stopped peer");
		TEST_ASSERT_EQUAL(nic_xstat(a, "tx_link_down_drops"), drops + 10,
			"dropped on the wire");
		TEST_ASSERT_SUCCESS(port_start(b, 1 + round % 3, NULL, pool),
			"reconfigure b with %u queues", 1 + round % 3);
	}
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(a), "stop a");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(b), "stop b");
	return pools_full();
}

static int
test_send_while_peer_stopped(void)
{
	int a = nic_probe("ne_a", "peer=ne_b"), b = nic_probe("ne_b", "peer=ne_a");
	struct rte_mbuf *m;
	uint8_t f[64];

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(b), "stop b");
	frame_build(f, sizeof(f), 1, 1, 0);
	m = nic_frame_mbuf(pool, f, sizeof(f), 1);
	TEST_ASSERT_EQUAL(nic_send_all(a, 0, &m, 1), 1, "send into a stopped peer");
	TEST_ASSERT_EQUAL(nic_xstat(a, "tx_link_down_drops"), 1, "dropped on the wire");
	TEST_ASSERT_SUCCESS(rte_eth_dev_start(b), "restart b");
	TEST_ASSERT_SUCCESS(pair_traffic(a, b, 50), "traffic after restart");
	return TEST_SUCCESS;
}

static int
test_hotplug_remove_stopped(void)
{
	int a = nic_probe("ne_a", "peer=ne_b"), b = nic_probe("ne_b", "peer=ne_a");
	struct rte_eth_link link;

	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b");
	TEST_ASSERT_SUCCESS(pair_traffic(a, b, 40), "traffic");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(b), "stop b");
	TEST_ASSERT_SUCCESS(rte_eal_hotplug_remove("emu", "ne_b"), "remove b");
	rte_eth_link_get_nowait(a, &link);
	TEST_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_DOWN, "peer gone");
	TEST_ASSERT_SUCCESS(send_frames(a, 5), "a alone");
	TEST_ASSERT_EQUAL(nic_xstat(a, "tx_link_down_drops"), 5, "no wire");
	b = nic_probe("ne_b", "peer=ne_a");
	TEST_ASSERT(b >= 0, "probe b again");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b again");
	TEST_ASSERT_SUCCESS(pair_traffic(a, b, 40), "traffic after hotplug");
	TEST_ASSERT_SUCCESS(pair_traffic(b, a, 40), "and back");
	return TEST_SUCCESS;
}

/* Names of a veth pair for the iface wire, after this process (tests
 * run in parallel).
 */
static void
veth_names(char *v0, char *v1, size_t size)
{
	snprintf(v0, size, "nev%ua", (unsigned int)getpid() % 100000);
	snprintf(v1, size, "nev%ub", (unsigned int)getpid() % 100000);
}

/* Create the pair; false when the system does not allow it. */
static bool
veth_create(const char *v0, const char *v1)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s "
		">/dev/null 2>&1 && ip link set %s up && ip link set %s up",
		v0, v1, v0, v1);
	return system(cmd) == 0;
}

static void
veth_delete(const char *v0)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "ip link del %s >/dev/null 2>&1", v0);
	if (system(cmd) != 0)
		printf("cannot delete the veth pair of %s\n", v0);
}

static int
iface_traffic(const char *v0, const char *v1)
{
	char args[64];
	struct rte_mbuf *m[BURST];
	uint8_t f[100];
	unsigned int polls, found = 0;
	uint16_t n, i;
	int a, b;

	snprintf(args, sizeof(args), "iface=%s", v0);
	a = nic_probe("ne_v0", args);
	snprintf(args, sizeof(args), "iface=%s", v1);
	b = nic_probe("ne_v1", args);
	TEST_ASSERT(a >= 0 && b >= 0, "probe on the veth pair: %d %d", a, b);
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start");
	frame_build(f, sizeof(f), 42, 42, 0);
	TEST_ASSERT_SUCCESS(send_frames_of(a, f, sizeof(f), 4), "send");
	for (polls = 0; polls < 200000 && found < 4; polls++) {
		n = rte_eth_rx_burst(b, 0, m, BURST);
		for (i = 0; i < n; i++)
			found += nic_frame_equal(m[i], f, sizeof(f));
		rte_pktmbuf_free_bulk(m, n);
	}
	TEST_ASSERT_EQUAL(found, 4, "frames across the veth pair");
	return TEST_SUCCESS;
}

static int
test_iface_veth(void)
{
	char v0[16], v1[16];
	int ret;

	veth_names(v0, v1, sizeof(v0));
	if (!veth_create(v0, v1))
		TEST_SKIP("cannot create a veth pair (ip link add): no iface test");
	ret = iface_traffic(v0, v1);
	case_teardown();
	veth_delete(v0);
	return ret;
}

/*
 * Secondary process.
 */

#define MP_MZ "netemu_mp"

struct mp_expect {
	uint64_t opackets;
	uint64_t ipackets;
};

static int
test_net_emu_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MP_MZ);
	struct rte_mempool *mp = rte_mempool_lookup("netemu_pool");
	const struct mp_expect *ex;
	struct rte_eth_stats st;
	uint16_t a, b;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of net_emu_autotest");
	TEST_ASSERT(mz != NULL && mp != NULL, "primary's memory");
	ex = mz->addr;
	TEST_ASSERT(rte_eth_dev_get_port_by_name("ne_a", &a) == 0 &&
		rte_eth_dev_get_port_by_name("ne_b", &b) == 0, "ports attached");
	TEST_ASSERT_SUCCESS(rte_eth_stats_get(a, &st), "stats");
	TEST_ASSERT_EQUAL(st.opackets, ex->opackets, "primary's TX count");
	TEST_ASSERT_SUCCESS(rte_eth_stats_get(b, &st), "stats");
	TEST_ASSERT_EQUAL(st.ipackets, ex->ipackets, "primary's RX count");
	TEST_ASSERT(nic_xstat(a, "dma_maps") != UINT64_MAX, "xstats");
	pool = mp;
	TEST_ASSERT_SUCCESS(pair_traffic(a, b, 64), "bursts in the secondary");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(net_emu_secondary_autotest, test_net_emu_secondary);

static int
test_secondary_process(void)
{
	const struct rte_memzone *mz;
	struct mp_expect *ex;
	struct rte_eth_stats st;
	int a, b, ret;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("no secondary process without hugepages");
	mz = rte_memzone_reserve(MP_MZ, sizeof(*ex), SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mz, "memzone");
	ex = mz->addr;
	a = nic_probe("ne_a", "peer=ne_b,dma=stream,iommu=strict");
	b = nic_probe("ne_b", "peer=ne_a,dma=premap,iommu=lazy");
	TEST_ASSERT(a >= 0 && b >= 0, "probe");
	TEST_ASSERT_SUCCESS(port_start(a, 1, NULL, pool), "start a");
	TEST_ASSERT_SUCCESS(port_start(b, 1, NULL, pool), "start b");
	TEST_ASSERT_SUCCESS(pair_traffic(a, b, 32), "primary traffic");
	rte_eth_stats_get(a, &st);
	ex->opackets = st.opackets;
	rte_eth_stats_get(b, &st);
	ex->ipackets = st.ipackets;
	ret = test_run_secondary("net_emu_secondary_autotest");
	rte_memzone_free(mz);
	TEST_ASSERT_EQUAL(ret, 0, "secondary process failed");
	rte_eth_stats_get(b, &st);
	TEST_ASSERT_EQUAL(st.ipackets, 32 + 64, "the secondary's packets counted");
	return TEST_SUCCESS;
}

/*
 * Stock testpmd, scripted.
 */

/* The build directory (of this binary) and the source directory. */
static int
find_dirs(char *build, size_t bsize, char *src, size_t ssize)
{
	char path[PATH_MAX], line[4096], *p, *e;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	FILE *f;

	if (n <= 0)
		return -1;
	path[n] = '\0';
	p = strrchr(path, '/');
	*p = '\0';
	p = strrchr(path, '/');  /* <build>/app */
	*p = '\0';
	snprintf(build, bsize, "%s", path);
	if (snprintf(line, sizeof(line), "%s/meson-info/meson-info.json",
			build) >= (int)sizeof(line))
		return -1;
	f = fopen(line, "r");
	if (f == NULL)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n > 0 ? n : 0] = '\0';
	p = strstr(line, "\"source\": \"");
	e = p == NULL ? NULL : strchr(p + 11, '"');
	if (e == NULL)
		return -1;
	snprintf(src, ssize, "%.*s", (int)(e - p - 11), p + 11);
	return 0;
}

/*
 * The stock programs load this build's drivers. Under the sanitizers,
 * devtools/sanitize.sh sets DMAMAP_TEST_CHILD_ENV (the sanitizer runtime
 * to preload, their options) and DMAMAP_TEST_CHILD_EAL (EAL options the
 * runtime needs); both are empty otherwise.
 */
static int
test_testpmd_session(void)
{
	char build[PATH_MAX], src[PATH_MAX], cmd[4 * PATH_MAX + 512];
	int ret;

	if (system("command -v dpdk-testpmd >/dev/null") != 0)
		TEST_SKIP("dpdk-testpmd not installed");
	TEST_ASSERT_SUCCESS(find_dirs(build, sizeof(build), src, sizeof(src)),
		"build and source directories");
	ret = snprintf(cmd, sizeof(cmd),
		"LD_LIBRARY_PATH=%s/drivers/net/emu:%s/drivers/bus/emu:%s/lib/dmamap "
		"env $DMAMAP_TEST_CHILD_ENV timeout 60 dpdk-testpmd "
		"$DMAMAP_TEST_CHILD_EAL -d librte_net_emu.so --no-pci -l 0-1 "
		"--in-memory --file-prefix netemu_pmd_%d "
		"-a emu:tp0,type=nic,peer=tp1,dma=stream,iommu=lazy "
		"-a emu:tp1,type=nic,peer=tp0,dma=premap,iommu=strict -- -i "
		"--rxd=256 --txd=256 --total-num-mbufs=8192 --cmdline-file=%s/devtools/testpmd-session.cmd "
		"</dev/null >%s/testpmd.log 2>&1", build, build, build, getpid(),
		src, tmpdir);
	TEST_ASSERT(ret > 0 && ret < (int)sizeof(cmd), "command too long");
	ret = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/netemu_pmd_%d", getpid());
	if (system(cmd) != 0)
		printf("cannot remove testpmd's runtime directory\n");
	snprintf(cmd, sizeof(cmd), "grep -iE 'fail|error: |invalid|not "
		"supported|bad arguments' %s/testpmd.log | grep -v 'errors: 0'",
		tmpdir);
	TEST_ASSERT(WIFEXITED(ret) && WEXITSTATUS(ret) == 0,
		"testpmd exited %d (log %s/testpmd.log)", ret, tmpdir);
	TEST_ASSERT(system(cmd) != 0, "errors in the testpmd session");
	snprintf(cmd, sizeof(cmd), "grep -q 'Rx-pps' %s/testpmd.log", tmpdir);
	TEST_ASSERT(system(cmd) == 0, "no port statistics shown");
	return TEST_SUCCESS;
}

/* dpdk-proc-info, a secondary process, reads a running testpmd's ports. */
static int
test_proc_info_reads_testpmd(void)
{
	char build[PATH_MAX], src[PATH_MAX], cmd[4 * PATH_MAX + 1024];
	int ret;

	if (system("command -v dpdk-testpmd dpdk-proc-info >/dev/null") != 0)
		TEST_SKIP("dpdk-testpmd or dpdk-proc-info not installed");
	TEST_ASSERT_SUCCESS(find_dirs(build, sizeof(build), src, sizeof(src)),
		"build directory");
	ret = snprintf(cmd, sizeof(cmd),
		"export LD_LIBRARY_PATH=%s/drivers/net/emu:%s/drivers/bus/emu:%s/lib/dmamap; "
		"p=netemu_pi_%d; "
		"env $DMAMAP_TEST_CHILD_ENV timeout -s INT 6 dpdk-testpmd "
		"$DMAMAP_TEST_CHILD_EAL -d librte_net_emu.so --no-pci -l 0-1 "
		"--file-prefix $p -a emu:pi0,type=nic,peer=pi1,dma=premap,iommu=strict "
		"-a emu:pi1,type=nic,peer=pi0,dma=stream -- --stats-period 1 "
		"--forward-mode=io --tx-first --total-num-mbufs=8192 "
		"</dev/null >%s/pi-testpmd.log 2>&1 & sleep 3; "
		"env $DMAMAP_TEST_CHILD_ENV timeout 30 dpdk-proc-info "
		"-d librte_net_emu.so --no-pci "
		"--file-prefix $p -- --xstats >%s/proc-info.log 2>&1; "
		"r=$?; wait; rm -rf /dev/hugepages/$p* /var/run/dpdk/$p; exit $r",
		build, build, build, getpid(), tmpdir, tmpdir);
	TEST_ASSERT(ret > 0 && ret < (int)sizeof(cmd), "command too long");
	ret = system(cmd);
	TEST_ASSERT(WIFEXITED(ret) && WEXITSTATUS(ret) == 0,
		"dpdk-proc-info failed (%s/proc-info.log)", tmpdir);
	snprintf(cmd, sizeof(cmd), "grep -q 'iotlb_hits: [1-9]' %s/proc-info.log && "
		"grep -q 'dma_maps: [1-9]' %s/proc-info.log && "
		"grep -q 'rx_good_packets: [1-9]' %s/proc-info.log", tmpdir, tmpdir,
		tmpdir);
	TEST_ASSERT(system(cmd) == 0, "no traffic or DMA counters in %s/proc-info.log",
		tmpdir);
	return TEST_SUCCESS;
}

static struct unit_test_suite net_emu_suite = {
	.suite_name = "net_emu autotest",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE_ST(case_setup, case_teardown, test_probe_bad_args),
		TEST_CASE_ST(case_setup, case_teardown, test_config_bad),
		TEST_CASE_ST(case_setup, case_teardown, test_bypass_refused),
		TEST_CASE_ST(case_setup, case_teardown, test_ops_info_link),
		TEST_CASE_ST(case_setup, case_teardown, test_ops_mtu_mac_promisc),
		TEST_CASE_ST(case_setup, case_teardown, test_ops_stats_xstats),
		TEST_CASE_ST(case_setup, case_teardown, test_ops_reset_queue_state),
		TEST_CASE_ST(case_setup, case_teardown, test_forward_all_modes),
		TEST_CASE_ST(case_setup, case_teardown,
			test_forward_premap_noncoherent),
		TEST_CASE_ST(case_setup, case_teardown, test_forward_bounce),
		TEST_CASE_ST(case_setup, case_teardown, test_rss_multiqueue),
		TEST_CASE_ST(case_setup, case_teardown, test_rss_addresses_non_ip),
		TEST_CASE_ST(case_setup, case_teardown, test_scatter_multiseg),
		TEST_CASE_ST(case_setup, case_teardown,
			test_jumbo_burst_noncoherent),
		TEST_CASE_ST(case_setup, case_teardown, test_oversize_dropped),
		TEST_CASE_ST(case_setup, case_teardown, test_mac_filter),
		TEST_CASE_ST(case_setup, case_teardown, test_stop_start_reconfigure),
		TEST_CASE_ST(case_setup, case_teardown, test_send_while_peer_stopped),
		TEST_CASE_ST(case_setup, case_teardown, test_hotplug_remove_stopped),
		TEST_CASE_ST(case_setup, case_teardown, test_iface_veth),
		TEST_CASE_ST(case_setup, case_teardown, test_secondary_process),
		TEST_CASE_ST(case_setup, case_teardown, test_testpmd_session),
		TEST_CASE_ST(case_setup, case_teardown,
			test_proc_info_reads_testpmd),
		TEST_CASES_END(),
	},
};

static int
test_net_emu(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("the primary part");
	return unit_test_suite_runner(&net_emu_suite);
}

REGISTER_TEST_COMMAND(net_emu_autotest, test_net_emu);
