/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of a capture file received by an emu NIC (pcap_rx=FILE).
 * Input: one byte of settings (bit 0: nanosecond time stamps; bits 1-2:
 * dma=bypass|premap|stream; bits 3-4: iommu=off|strict|lazy; bit 5: a
 * non-coherent device; bit 6: not promiscuous, so the port filters by
 * destination address), the file's snapshot length (4 bytes, little
 * endian), then the file's records as libpcap reads them (16-byte header:
 * seconds, fraction, captured length, wire length; the captured bytes).
 * The target writes the 24-byte file header and the records to a memory
 * file, probes a port reading it, receives until the file is done, and
 * checks:
 * - every packet delivered is whole: 1 to EMU_MAX_FRAME bytes, its
 *   segments adding up to its length, each byte readable;
 * - the port's counters agree with what rte_eth_rx_burst() returned, and
 *   it never delivers more packets than the file holds;
 * - removing the port leaves no memzone, no EAL heap memory and no dmamap
 *   context behind.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "fuzz_common.h"

#define FZ_PORT "fzpcap"
#define FZ_FRAME_MAX 9728          /* the NIC's largest frame */
#define FZ_RING 256
#define FZ_BURST 32
#define FZ_IDLE_POLLS 8            /* empty polls taken as the file's end */
#define FZ_POLLS_MAX 4096
#define FZ_PCAP_MAGIC_US 0xa1b2c3d4u
#define FZ_PCAP_MAGIC_NS 0xa1b23c4du
#define FZ_DLT_EN10MB 1

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *fz_pool;
static int fz_fd = -1;
static char fz_path[64];

static int port_open(uint8_t settings, uint16_t *pid);
static bool write_file(uint8_t settings, uint32_t snaplen, const uint8_t *rec,
	size_t len);

/*
 * Tables made by the first port (ethdev's shared data) and the first
 * device of each IOMMU mode stay for the life of the process: make them
 * before counting memzones.
 */
static void
warm_up(void)
{
	static const uint8_t settings[] = { 0x00, 0x0a, 0x14, 0x22 };
	unsigned int i;
	uint16_t pid;

	for (i = 0; i < RTE_DIM(settings); i++) {
		FUZZ_CHECK(write_file(settings[i], 65535, NULL, 0), "file");
		FUZZ_CHECK(port_open(settings[i], &pid) == 0, "warm-up probe");
		FUZZ_CHECK(rte_eth_dev_stop(pid) == 0, "stop");
		FUZZ_CHECK(rte_eal_hotplug_remove("emu", FZ_PORT) == 0, "remove");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	/* Data room for the largest frame in one segment. */
	fz_pool = rte_pktmbuf_pool_create("fz_pcap_pool", 2 * FZ_RING, 0, 0,
		RTE_PKTMBUF_HEADROOM + FZ_FRAME_MAX, SOCKET_ID_ANY);
	FUZZ_CHECK(fz_pool != NULL, "mbuf pool");
	fz_fd = memfd_create("fuzz_pcap", 0);
	FUZZ_CHECK(fz_fd >= 0, "memfd: %s", strerror(errno));
	snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	warm_up();
	return 0;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* The capture file: a header from the settings, then the records. */
static bool
write_file(uint8_t settings, uint32_t snaplen, const uint8_t *rec, size_t len)
{
	uint8_t h[24] = { 0 };

	put_u32(h, settings & 1 ? FZ_PCAP_MAGIC_NS : FZ_PCAP_MAGIC_US);
	h[4] = 2;  /* version 2.4 */
	h[6] = 4;
	put_u32(h + 16, snaplen);
	put_u32(h + 20, FZ_DLT_EN10MB);
	return ftruncate(fz_fd, 0) == 0 && lseek(fz_fd, 0, SEEK_SET) == 0 &&
		write(fz_fd, h, sizeof(h)) == (ssize_t)sizeof(h) &&
		(len == 0 || write(fz_fd, rec, len) == (ssize_t)len);
}

/* Whole records in the file: an upper bound of the packets it gives. */
static unsigned int
records(const uint8_t *rec, size_t len)
{
	unsigned int n = 0;
	size_t pos = 0, cap;

	while (len - pos >= 16) {
		cap = get_u32(rec + pos + 8);
		if (cap > len - pos - 16)
			break;
		pos += 16 + cap;
		n++;
	}
	return n;
}

static int
port_open(uint8_t settings, uint16_t *pid)
{
	static const char * const dma[] = { "bypass", "premap", "stream", "premap" };
	static const char * const iommu[] = { "off", "strict", "lazy", "strict" };
	struct rte_eth_conf conf = { .rxmode = { .mtu = RTE_ETHER_MTU } };
	char devargs[256];
	int ret;
	const char *d = dma[(settings >> 1) & 3], *i = iommu[(settings >> 3) & 3];

	bool bypass = strcmp(d, "bypass") == 0;

	/* Bypass makes no syncs (a coherent device only) and, behind an
	 * IOMMU, needs a window the device reaches.
	 */
	snprintf(devargs, sizeof(devargs), "emu:" FZ_PORT ",type=nic,pcap_rx=%s,"
		"dma=%s,iommu=%s,coherent=%d%s", fz_path, d, i,
		bypass || !(settings & 0x20), bypass && strcmp(i, "off") != 0 ?
		",bypass=auto,window=47" : "");
	FUZZ_TRACE("probe %s", devargs);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;  /* a header libpcap refuses */
	FUZZ_CHECK(rte_eth_dev_get_port_by_name(FZ_PORT, pid) == 0, "no port");
	FUZZ_CHECK(rte_eth_dev_configure(*pid, 1, 1, &conf) == 0, "configure");
	FUZZ_CHECK(rte_eth_rx_queue_setup(*pid, 0, FZ_RING, SOCKET_ID_ANY, NULL,
		fz_pool) == 0, "rx queue");
	FUZZ_CHECK(rte_eth_tx_queue_setup(*pid, 0, FZ_RING, SOCKET_ID_ANY,
		NULL) == 0, "tx queue");
	if (!(settings & 0x40))
		FUZZ_CHECK(rte_eth_promiscuous_enable(*pid) == 0, "promiscuous");
	FUZZ_CHECK(rte_eth_dev_start(*pid) == 0, "start");
	return 0;
}

/* A delivered packet is whole, and every byte of it readable. */
static uint32_t
check_mbuf(const struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint32_t len = 0, sum = 0, i;
	unsigned int segs = 0;

	for (s = m; s != NULL; s = s->next, segs++) {
		for (i = 0; i < s->data_len; i++)
			sum += rte_pktmbuf_mtod(s, const uint8_t *)[i];
		len += s->data_len;
	}
	FUZZ_CHECK(segs == m->nb_segs, "%u segments, nb_segs %u", segs,
		m->nb_segs);
	FUZZ_CHECK(len == m->pkt_len, "segments hold %u bytes, pkt_len %u",
		len, m->pkt_len);
	FUZZ_CHECK(len >= 1 && len <= FZ_FRAME_MAX, "packet of %u bytes", len);
	FUZZ_TRACE("packet of %u bytes, byte sum %u", len, sum);
	return len;
}

/* Receive until the file is done; the packets and bytes received. */
static void
receive(uint16_t pid, uint64_t *pkts, uint64_t *bytes)
{
	struct rte_mbuf *m[FZ_BURST];
	unsigned int polls, idle = 0;
	uint16_t n, i;

	*pkts = 0;
	*bytes = 0;
	for (polls = 0; polls < FZ_POLLS_MAX && idle < FZ_IDLE_POLLS; polls++) {
		n = rte_eth_rx_burst(pid, 0, m, FZ_BURST);
		idle = n == 0 ? idle + 1 : 0;
		for (i = 0; i < n; i++)
			*bytes += check_mbuf(m[i]);
		*pkts += n;
		rte_pktmbuf_free_bulk(m, n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_footprint before;
	struct rte_eth_stats st;
	uint64_t pkts, bytes;
	uint16_t pid;

	fuzz_footprint_get(&before);
	if (size < 5 || !write_file(data[0], get_u32(data + 1), data + 5,
			size - 5))
		return 0;
	if (port_open(data[0], &pid) == 0) {
		receive(pid, &pkts, &bytes);
		FUZZ_CHECK(rte_eth_stats_get(pid, &st) == 0, "stats");
		FUZZ_TRACE("received %" PRIu64 " packets, %" PRIu64 " bytes; "
			"ierrors %" PRIu64 ", imissed %" PRIu64, pkts, bytes,
			st.ierrors, st.imissed);
		FUZZ_CHECK(st.ipackets == pkts && st.ibytes == bytes,
			"counters: %" PRIu64 " packets, %" PRIu64 " bytes; "
			"received %" PRIu64 ", %" PRIu64, st.ipackets, st.ibytes,
			pkts, bytes);
		FUZZ_CHECK(pkts <= records(data + 5, size - 5), "%" PRIu64
			" packets from %u records", pkts,
			records(data + 5, size - 5));
		FUZZ_CHECK(rte_eth_dev_stop(pid) == 0, "stop");
		FUZZ_CHECK(rte_eal_hotplug_remove("emu", FZ_PORT) == 0, "remove");
	}
	FUZZ_CHECK(rte_eth_dev_count_avail() == 0, "port left behind");
	fuzz_footprint_check(&before, "the port's run");
	return 0;
}
