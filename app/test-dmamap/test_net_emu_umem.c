/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * net_emu with dma=umem: the ports receive into mbuf pools whose memory is
 * a umem (mempool ops dmamap_umem) and the port's device is attached to it
 * once. Checked here is what the driver adds to the pool: traffic with its
 * content through a back-to-back pair in every IOMMU mode, on coherent and
 * non-coherent devices, with the DMA-API debug checker finding nothing and
 * no buffer ever mapped on its own; the attachments the queues hold; the
 * copy of TX packets from outside the umem; the refusal of a pool that is
 * not a umem.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_emu.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_dmamap_umem.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "test.h"
#include "test_nic.h"

/* Small: the bus's model of non-coherent memory syncs a pool whole when a
 * device is attached to it.
 */
#define NB_UMEM_MBUF 1023
#define NB_PLAIN_MBUF 511
#define RING 128
#define NB_PKTS 96
#define JUMBO 4000

static struct rte_mempool *umem_pool;   /* ops dmamap_umem */
static struct rte_mempool *plain_pool;  /* default ops: foreign to the umem */
static struct rte_dmamap_umem *pool_umem;
/* Changes the bytes of every frame sent: stale data never looks right. */
static unsigned int salt;

/*
 * Ports.
 */

/* One queue pair receiving into mp, started. */
static int
port_start(uint16_t pid, const struct rte_eth_conf *conf, struct rte_mempool *mp)
{
	static const struct rte_eth_conf def;
	int ret;

	ret = rte_eth_dev_configure(pid, 1, 1, conf == NULL ? &def : conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(pid, 0, RING, SOCKET_ID_ANY, NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(pid, 0, RING, SOCKET_ID_ANY, NULL);
	if (ret == 0)
		ret = rte_eth_promiscuous_enable(pid);
	return ret == 0 ? rte_eth_dev_start(pid) : ret;
}

/* A pair ne_a ~ ne_b in umem mode with the given bus arguments. */
static int
pair_probe(const char *bus, int pid[2])
{
	char args[128];

	snprintf(args, sizeof(args), "peer=ne_b,dma=umem,%s", bus);
	pid[0] = nic_probe("ne_a", args);
	snprintf(args, sizeof(args), "peer=ne_a,dma=umem,%s", bus);
	pid[1] = nic_probe("ne_b", args);
	TEST_ASSERT(pid[0] >= 0 && pid[1] >= 0, "probe %s: %d %d", bus, pid[0],
		pid[1]);
	return TEST_SUCCESS;
}

static int
pair_start(const int pid[2], const struct rte_eth_conf *conf)
{
	TEST_ASSERT_SUCCESS(port_start(pid[0], conf, umem_pool), "start ne_a");
	TEST_ASSERT_SUCCESS(port_start(pid[1], conf, umem_pool), "start ne_b");
	return TEST_SUCCESS;
}

/* Attachments of a port's device to the umem; 0 when not attached. */
static unsigned int
umem_refcnt(const char *name)
{
	struct rte_dmamap_umem_dev_info di;

	if (rte_dmamap_umem_dev_info_get(pool_umem, rte_dmamap_get_dev_id(name),
			&di) < 0)
		return 0;
	return di.refcnt;
}

static unsigned int
umem_nb_devs(void)
{
	struct rte_dmamap_umem_info info;

	if (rte_dmamap_umem_info_get(pool_umem, &info) < 0)
		return UINT32_MAX;
	return info.nb_devs;
}

/*
 * Frames.
 */

static uint32_t
pkt_len(unsigned int i)
{
	static const uint32_t sizes[] = { 60, 64, 65, 127, 511, 1000, 1514 };

	return sizes[i % RTE_DIM(sizes)];
}

/* An Ethernet frame to a unicast address; the rest by seq, new each time. */
static void
frame_build(uint8_t *f, uint32_t len, uint32_t seq)
{
	uint32_t i;

	salt++;
	for (i = 0; i < len; i++)
		f[i] = (uint8_t)(seq * 13 + i * 7 + salt);
	f[0] = 0x02;  /* unicast, locally administered */
	f[12] = 0x88;
	f[13] = 0xb5;
}

/* Every mbuf back in its pool. */
static int
pools_full(void)
{
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(umem_pool), NB_UMEM_MBUF,
		"umem mbufs not returned: %u in use",
		rte_mempool_in_use_count(umem_pool));
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(plain_pool), NB_PLAIN_MBUF,
		"plain mbufs not returned");
	return TEST_SUCCESS;
}

/*
 * Suite setup.
 */

static int
suite_setup(void)
{
	umem_pool = rte_pktmbuf_pool_create_by_ops("neu_umem", NB_UMEM_MBUF, 32,
		0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY,
		RTE_DMAMAP_UMEM_MEMPOOL_OPS);
	plain_pool = rte_pktmbuf_pool_create("neu_plain", NB_PLAIN_MBUF, 32, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT(umem_pool != NULL && plain_pool != NULL, "mempools: %s",
		rte_strerror(rte_errno));
	pool_umem = rte_dmamap_umem_from_mempool(umem_pool);
	TEST_ASSERT_NOT_NULL(pool_umem, "umem of the pool");
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	rte_mempool_free(umem_pool);
	rte_mempool_free(plain_pool);
}

static int
case_setup(void)
{
	return TEST_SUCCESS;
}

static void
case_teardown(void)
{
	nic_remove("ne_a");
	nic_remove("ne_b");
	rte_dmamap_debug_set_default(false);
}

/*
 * Forwarding in every IOMMU mode and coherence.
 */

/* What the platform saw of a device: no misuse, no fault, no buffer
 * mapped on its own, syncs exactly when the device needs them.
 */
static int
dev_check(const char *name, bool need_sync)
{
	int id = rte_dmamap_get_dev_id(name);
	struct rte_bus_emu_fault_stats fs;
	struct rte_dmamap_stats s;

	TEST_ASSERT(id >= 0, "dmamap id of %s", name);
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(id, &s), "stats");
	TEST_ASSERT_SUCCESS(rte_bus_emu_fault_stats_get(name, &fs), "faults");
	TEST_ASSERT_EQUAL(s.debug_errors, 0, "%s: debug checker errors", name);
	TEST_ASSERT_EQUAL(s.errors, 0, "%s: refused DMA API calls", name);
	TEST_ASSERT_EQUAL(fs.total, 0, "%s: IOMMU faults", name);
	TEST_ASSERT_EQUAL(s.maps + s.direct, 0, "%s: buffers mapped one by one",
		name);
	if (need_sync)
		TEST_ASSERT(s.syncs > 0, "%s: no sync", name);
	else
		TEST_ASSERT_EQUAL(s.syncs, 0, "%s: syncs on a coherent device",
			name);
	return TEST_SUCCESS;
}

/* How the running device reaches the umem: one attachment per queue,
 * its RX ring posted through rx_post, the mapping the IOMMU mode asks.
 */
static int
attach_check(const char *name, bool domain, bool need_sync)
{
	struct rte_dmamap_umem_dev_info di;

	TEST_ASSERT_SUCCESS(rte_dmamap_umem_dev_info_get(pool_umem,
		rte_dmamap_get_dev_id(name), &di), "%s attached", name);
	TEST_ASSERT_EQUAL(di.refcnt, 2, "%s: RX and TX queue attachments", name);
	TEST_ASSERT_EQUAL(di.outstanding, RING, "%s: RX buffers owned", name);
	TEST_ASSERT_EQUAL(di.in_domain, domain, "%s: through the domain", name);
	TEST_ASSERT_EQUAL(di.need_sync, need_sync, "%s: syncs", name);
	return TEST_SUCCESS;
}

/* n frames of varied length, some in 2 segments, all from the umem. */
static int
send_frames(uint16_t pid, uint8_t (*f)[1514], unsigned int n)
{
	struct rte_mbuf *m[NB_PKTS];
	unsigned int i;

	for (i = 0; i < n; i++) {
		frame_build(f[i], pkt_len(i), i);
		m[i] = nic_frame_mbuf(umem_pool, f[i], pkt_len(i), i % 4 == 3 ? 2 : 1);
		TEST_ASSERT_NOT_NULL(m[i], "frame %u", i);
	}
	TEST_ASSERT_EQUAL(nic_send_all(pid, 0, m, n), n, "send");
	return TEST_SUCCESS;
}

/* ne_a -> ne_b, then what ne_b received back to ne_a as it is. */
static int
roundtrip(const int pid[2])
{
	static uint8_t f[NB_PKTS][1514];
	struct rte_mbuf *m[NB_PKTS];
	unsigned int i;

	TEST_ASSERT_SUCCESS(send_frames(pid[0], f, NB_PKTS), "frames");
	TEST_ASSERT_EQUAL(nic_recv_some(pid[1], 0, m, NB_PKTS), NB_PKTS, "ne_b receives");
	for (i = 0; i < NB_PKTS; i++)
		TEST_ASSERT(nic_frame_equal(m[i], f[i], pkt_len(i)), "frame %u at ne_b", i);
	TEST_ASSERT_EQUAL(nic_send_all(pid[1], 0, m, NB_PKTS), NB_PKTS, "forward");
	TEST_ASSERT_EQUAL(nic_recv_some(pid[0], 0, m, NB_PKTS), NB_PKTS, "ne_a receives");
	for (i = 0; i < NB_PKTS; i++)
		TEST_ASSERT(nic_frame_equal(m[i], f[i], pkt_len(i)), "frame %u at ne_a", i);
	rte_pktmbuf_free_bulk(m, NB_PKTS);
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copies") +
		nic_xstat(pid[1], "tx_umem_copies"), 0, "umem mbufs copied");
	return TEST_SUCCESS;
}

static int
fwd_one(const char *iommu, bool coherent, bool debug)
{
	bool domain = strcmp(iommu, "off") != 0, need_sync = !coherent || debug;
	char bus[64];
	int pid[2];

	snprintf(bus, sizeof(bus), "iommu=%s,coherent=%d", iommu, coherent);
	rte_dmamap_debug_set_default(debug);
	TEST_ASSERT_SUCCESS(pair_probe(bus, pid), "probe");
	TEST_ASSERT_SUCCESS(pair_start(pid, NULL), "start");
	TEST_ASSERT_SUCCESS(attach_check("ne_a", domain, need_sync), "ne_a");
	/* The second round sends from mbufs the device received into: on a
	 * non-coherent device their lines are in the bus's shadow, so a
	 * missing sync shows.
	 */
	TEST_ASSERT_SUCCESS(roundtrip(pid), "traffic");
	TEST_ASSERT_SUCCESS(roundtrip(pid), "traffic again");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[0]), "stop");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[1]), "stop");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_a"), 1, "RX queue attachment kept");
	TEST_ASSERT_SUCCESS(dev_check("ne_a", need_sync), "ne_a");
	TEST_ASSERT_SUCCESS(dev_check("ne_b", need_sync), "ne_b");
	case_teardown();
	TEST_ASSERT_EQUAL(umem_nb_devs(), 0, "devices left attached");
	return pools_full();
}

static int
test_forward_all_modes(void)
{
	static const char * const iommu[] = { "off", "strict", "lazy" };
	unsigned int i, c;

	for (i = 0; i < RTE_DIM(iommu); i++)
		for (c = 0; c < 2; c++) {
			printf("  dma=umem iommu=%s coherent=%u\n", iommu[i], c);
			TEST_ASSERT_SUCCESS(fwd_one(iommu[i], c == 1, true),
				"iommu=%s coherent=%u", iommu[i], c);
		}
	return TEST_SUCCESS;
}

/* Without the checker: a coherent device does no sync at all, and on a
 * non-coherent one the bus's view of memory catches a missing sync.
 */
static int
test_forward_no_checker(void)
{
	TEST_ASSERT_SUCCESS(fwd_one("strict", true, false), "coherent");
	case_teardown();
	TEST_ASSERT_SUCCESS(fwd_one("off", false, false), "non-coherent");
	return TEST_SUCCESS;
}

/*
 * Packets from outside the umem.
 */

/* Send one frame of len bytes in nseg segments from mp; check it at rx. */
static int
send_check(const int pid[2], struct rte_mempool *mp, uint32_t len,
		unsigned int nseg, uint16_t rx_segs)
{
	static uint8_t f[JUMBO];
	struct rte_mbuf *m;

	frame_build(f, len, len);
	m = nic_frame_mbuf(mp, f, len, nseg);
	TEST_ASSERT_NOT_NULL(m, "frame of %u bytes", len);
	TEST_ASSERT_EQUAL(nic_send_all(pid[0], 0, &m, 1), 1, "send %u bytes", len);
	/* The original is freed at once, not at completion. */
	TEST_ASSERT_EQUAL(rte_mempool_avail_count(plain_pool), NB_PLAIN_MBUF,
		"foreign mbufs kept after the send");
	TEST_ASSERT_EQUAL(nic_recv_some(pid[1], 0, &m, 1), 1, "receive %u bytes", len);
	TEST_ASSERT_EQUAL(m->nb_segs, rx_segs, "segments received");
	TEST_ASSERT(nic_frame_equal(m, f, len), "content of %u bytes", len);
	TEST_ASSERT(m->pool == umem_pool, "received into the umem");
	rte_pktmbuf_free(m);
	return TEST_SUCCESS;
}

/* Foreign packets of one or more segments, larger than a umem mbuf too,
 * on a non-coherent device behind an IOMMU: copied, counted, intact.
 */
static int
test_foreign_copied(void)
{
	static const struct rte_eth_conf conf = {
		.rxmode = { .mtu = 9000, .offloads = RTE_ETH_RX_OFFLOAD_SCATTER },
		.txmode = { .offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
	};
	int pid[2];

	rte_dmamap_debug_set_default(true);
	TEST_ASSERT_SUCCESS(pair_probe("iommu=strict,coherent=0", pid), "probe");
	TEST_ASSERT_SUCCESS(pair_start(pid, &conf), "start");
	TEST_ASSERT_SUCCESS(send_check(pid, plain_pool, 60, 1, 1), "one segment");
	TEST_ASSERT_SUCCESS(send_check(pid, plain_pool, 1514, 3, 1), "gathered");
	TEST_ASSERT_SUCCESS(send_check(pid, plain_pool, JUMBO, 4, 2),
		"beyond one umem mbuf");
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copies"), 3, "copies counted");
	TEST_ASSERT_SUCCESS(send_check(pid, umem_pool, JUMBO, 3, 2),
		"umem segments in place");
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copies"), 3, "umem mbufs copied");
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copy_nobufs"), 0, "no frame");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[0]), "stop");
	TEST_ASSERT_SUCCESS(dev_check("ne_a", true), "platform");
	return TEST_SUCCESS;
}

/* A packet mixing umem and foreign segments is copied whole. */
static int
test_foreign_mixed_segments(void)
{
	static uint8_t f[600];
	struct rte_mbuf *m, *tail;
	int pid[2];

	TEST_ASSERT_SUCCESS(pair_probe("iommu=lazy,coherent=0", pid), "probe");
	TEST_ASSERT_SUCCESS(pair_start(pid, NULL), "start");
	frame_build(f, sizeof(f), 5);
	m = nic_frame_mbuf(umem_pool, f, 200, 1);
	tail = nic_frame_mbuf(plain_pool, f + 200, sizeof(f) - 200, 1);
	TEST_ASSERT(m != NULL && tail != NULL, "mbufs");
	TEST_ASSERT_SUCCESS(rte_pktmbuf_chain(m, tail), "chain");
	TEST_ASSERT_EQUAL(nic_send_all(pid[0], 0, &m, 1), 1, "send");
	TEST_ASSERT_EQUAL(nic_recv_some(pid[1], 0, &m, 1), 1, "receive");
	TEST_ASSERT(nic_frame_equal(m, f, sizeof(f)), "content");
	rte_pktmbuf_free(m);
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copies"), 1, "copied");
	return TEST_SUCCESS;
}

/*
 * Refusals.
 */

/* An RX pool that is no umem is refused at setup, and nothing stays
 * attached: not for the refused queue, not for the one it replaced.
 */
static int
test_pool_not_umem_refused(void)
{
	static const struct rte_eth_conf conf;
	int pid = nic_probe("ne_a", "dma=umem,iommu=strict");

	TEST_ASSERT(pid >= 0, "probe");
	TEST_ASSERT_SUCCESS(rte_eth_dev_configure(pid, 2, 1, &conf), "configure");
	TEST_ASSERT_SUCCESS(rte_eth_rx_queue_setup(pid, 0, RING, SOCKET_ID_ANY,
		NULL, umem_pool), "umem pool");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_a"), 1, "attached once");
	TEST_ASSERT_EQUAL(rte_eth_rx_queue_setup(pid, 1, RING, SOCKET_ID_ANY,
		NULL, plain_pool), -EINVAL, "plain pool refused");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_a"), 1, "refusal attached nothing");
	TEST_ASSERT_EQUAL(rte_eth_rx_queue_setup(pid, 0, RING, SOCKET_ID_ANY,
		NULL, plain_pool), -EINVAL, "replacing with a plain pool refused");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_a"), 0, "replaced queue detached");
	TEST_ASSERT_EQUAL(umem_nb_devs(), 0, "no device attached");
	TEST_ASSERT_SUCCESS(rte_eth_tx_queue_setup(pid, 0, RING, SOCKET_ID_ANY,
		NULL), "TX queue");
	TEST_ASSERT_EQUAL(rte_eth_dev_start(pid), -EINVAL,
		"start without an RX queue: no umem to send from");
	return TEST_SUCCESS;
}

/* Closing a port lets go of the umem; the pool can then be freed. */
static int
test_close_detaches(void)
{
	int pid[2];

	TEST_ASSERT_SUCCESS(pair_probe("iommu=off", pid), "probe");
	TEST_ASSERT_SUCCESS(pair_start(pid, NULL), "start");
	TEST_ASSERT_EQUAL(umem_nb_devs(), 2, "both devices attached");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[0]), "stop");
	TEST_ASSERT_SUCCESS(rte_eth_dev_close(pid[0]), "close");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_a"), 0, "closed port detached");
	TEST_ASSERT_EQUAL(umem_refcnt("ne_b"), 2, "peer still attached");
	case_teardown();
	TEST_ASSERT_EQUAL(umem_nb_devs(), 0, "devices left attached");
	return pools_full();
}

/*
 * Secondary processes.
 */

/* In a secondary: bursts of the primary's umem ports, in place and copied. */
static int
test_net_emu_umem_secondary(void)
{
	uint16_t a, b;
	int pid[2];

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of net_emu_umem_autotest");
	umem_pool = rte_mempool_lookup("neu_umem");
	plain_pool = rte_mempool_lookup("neu_plain");
	TEST_ASSERT(umem_pool != NULL && plain_pool != NULL, "primary's pools");
	TEST_ASSERT(rte_eth_dev_get_port_by_name("ne_a", &a) == 0 &&
		rte_eth_dev_get_port_by_name("ne_b", &b) == 0, "ports attached");
	pid[0] = a;
	pid[1] = b;
	TEST_ASSERT_SUCCESS(send_check(pid, umem_pool, 1000, 2, 1), "in place");
	TEST_ASSERT_SUCCESS(send_check(pid, plain_pool, 1514, 3, 1), "copied");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(net_emu_umem_secondary_autotest,
	test_net_emu_umem_secondary);

static int
test_secondary_process(void)
{
	struct rte_eth_stats st;
	int pid[2];

	if (!rte_eal_has_hugepages())
		TEST_SKIP("no secondary process without hugepages");
	rte_dmamap_debug_set_default(true);
	TEST_ASSERT_SUCCESS(pair_probe("iommu=strict,coherent=0", pid), "probe");
	TEST_ASSERT_SUCCESS(pair_start(pid, NULL), "start");
	TEST_ASSERT_EQUAL(test_run_secondary("net_emu_umem_secondary_autotest"),
		0, "secondary process failed");
	TEST_ASSERT_EQUAL(nic_xstat(pid[0], "tx_umem_copies"), 1,
		"the secondary's copy counted");
	TEST_ASSERT_SUCCESS(rte_eth_stats_get(pid[1], &st), "stats");
	TEST_ASSERT_EQUAL(st.ipackets, 2, "the secondary's packets received");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[0]), "stop");
	TEST_ASSERT_SUCCESS(rte_eth_dev_stop(pid[1]), "stop");
	TEST_ASSERT_SUCCESS(dev_check("ne_a", true), "ne_a");
	return dev_check("ne_b", true);
}

static struct unit_test_suite net_emu_umem_suite = {
	.suite_name = "net_emu dma=umem autotest",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE_ST(case_setup, case_teardown, test_forward_all_modes),
		TEST_CASE_ST(case_setup, case_teardown, test_forward_no_checker),
		TEST_CASE_ST(case_setup, case_teardown, test_foreign_copied),
		TEST_CASE_ST(case_setup, case_teardown,
			test_foreign_mixed_segments),
		TEST_CASE_ST(case_setup, case_teardown,
			test_pool_not_umem_refused),
		TEST_CASE_ST(case_setup, case_teardown, test_close_detaches),
		TEST_CASE_ST(case_setup, case_teardown, test_secondary_process),
		TEST_CASES_END(),
	},
};

static int
test_net_emu_umem(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("primary process only");
	return unit_test_suite_runner(&net_emu_umem_suite);
}

REGISTER_TEST_COMMAND(net_emu_umem_autotest, test_net_emu_umem);
