/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The VFIO backend on a real IOMMU, run inside a QEMU guest whose NICs sit
 * behind an emulated VT-d or AMD-Vi and are bound to vfio-pci.
 *
 * One step per run (after the EAL arguments and "--"):
 *   --step backend    a domain over EAL's VFIO container: aperture from the
 *                     container's valid IOVA ranges and away from EAL memory,
 *                     a mempool linked as one range (checked in the kernel
 *                     through its count of mappings and by mapping probes),
 *                     unlink, relink, destroy, IOVA space exhaustion.
 *   --step container  a domain over a container of its own, holding the
 *                     second NIC: the kernel's mapping limit reached, a clear
 *                     -ENOSPC, and every mapping gone after destruction.
 *   --step forward    two ports forward traffic whose mbufs carry domain
 *                     IOVAs (buf_iova rewritten from the pool's region);
 *                     every frame's content is checked. Between two phases
 *                     the TX pool (and the RX pool when the PMD gave its
 *                     buffers back at stop) is unmapped and a second pool
 *                     mapped, at the same IOVA when the domain reuses it:
 *                     the second phase proves the IOTLB forgot the old
 *                     translation. With --map eal the mbufs keep EAL's
 *                     IOVAs (the baseline of the environment).
 *   --step negative   as forward, then the RX pool is unlinked while the
 *                     NICs still own its buffers: traffic must break. The
 *                     runner finds the IOMMU faults in the guest kernel's
 *                     log and in QEMU's trace, between marks this program
 *                     leaves there (see MARK_BEFORE).
 *
 * Output, parsed by the runner (counts, not exit codes, decide):
 *   CHECK <what> ok | CHECK <what> FAIL <why>
 *   STAT <phase> <port>-><port> sent=N intact=N stale=N bad=N
 *   RESULT <step> PASS | FAIL | DETECTED | MISSED
 *
 * EAL maps its own memory into the default container at IOVA = EAL IOVA
 * (= VA in IOVA-as-VA mode). The domain's IOVAs must lie where that identity
 * mapping is not, or a wrong translation could still reach the right
 * memory: every region is checked against every memseg and memseg list.
 */

/* fopencookie() */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_vfio.h>

#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_dmamap_vfio.h>

#include "dmamap_private.h"

#define NB_PORTS 2
#define RING_SIZE 512
#define BURST 32
#define RX_POOL_SIZE 4095
#define TX_POOL_SIZE 2047
#define POOL_CACHE 128
#define MAX_RANGES 16
#define TEST_ETHERTYPE 0x88b5
#define TEST_MAGIC 0x56544d50u
#define FRAME_MIN 64u
#define FRAME_MAX 1514u
#define IDLE_MS 1000u
#define PHASE_MS 20000u
#define LINK_WAIT_MS 5000u
#define LINK_PAGES_EXTRA 2
/* Frames each way after the unlink: every one faults, and QEMU logs each. */
#define NEGATIVE_FRAMES 500u
#define LOG_TEE_SIZE 65536
#define PCI_SYSFS_DEVICES "/sys/bus/pci/devices"
/*
 * Marks left in QEMU's trace: reads of unused config space offsets of the
 * first NIC, which QEMU traces as pci_cfg_read. The runner splits the DMA
 * faults QEMU saw by them.
 */
#define MARK_BEFORE 0xf0
#define MARK_UNLINK 0xf4
#define MARK_END 0xf8
#define DMA_LIMIT_PATH "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit"

/* What the command line asks for. */
static struct {
	const char *step;
	enum rte_dmamap_flush_policy flush;
	bool map_eal;
	unsigned int packets;
	unsigned int aw_bits;
	unsigned int dma_limit;
	const char *own_dev;
} opt = {
	.flush = RTE_DMAMAP_FLUSH_STRICT,
	.packets = 30000,
	.dma_limit = 32,
};

static unsigned int nb_failed;

/*
 * Reporting.
 */

static void
check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("CHECK %s ok\n", what);
		return;
	}
	nb_failed++;
	printf("CHECK %s FAIL ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/*
 * The library's log, kept to check that a refusal says why: EAL's log
 * stream goes to stderr and into a buffer.
 */
static char log_buf[LOG_TEE_SIZE];
static size_t log_len;

static ssize_t
log_tee_write(void *cookie, const char *buf, size_t size)
{
	size_t n = RTE_MIN(size, sizeof(log_buf) - 1 - log_len);

	RTE_SET_USED(cookie);
	memcpy(log_buf + log_len, buf, n);
	log_len += n;
	log_buf[log_len] = '\0';
	return fwrite(buf, 1, size, stderr);
}

static int
log_tee_open(void)
{
	cookie_io_functions_t io = { .write = log_tee_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	return rte_openlog_stream(f);
}

/* Forget what was logged so far. */
static void
log_mark(void)
{
	log_len = 0;
	log_buf[0] = '\0';
}

static bool
logged(const char *what)
{
	return strstr(log_buf, what) != NULL;
}

/*
 * The container as the kernel sees it: our own reading of
 * VFIO_IOMMU_GET_INFO, independent of the backend's.
 */
struct container_info {
	uint64_t pgsizes;
	unsigned int nb_ranges;
	rte_iova_t start[MAX_RANGES];
	rte_iova_t last[MAX_RANGES];
	int64_t dma_avail; /* -1: not reported */
};

static void
info_caps(const uint8_t *buf, uint32_t argsz, uint32_t off,
		struct container_info *ci)
{
	const struct vfio_iommu_type1_info_cap_iova_range *r;
	const struct vfio_iommu_type1_info_dma_avail *a;
	const struct vfio_info_cap_header *h;
	unsigned int i;

	for (; off != 0 && off + sizeof(*h) <= argsz; off = h->next) {
		h = (const void *)(buf + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			r = (const void *)h;
			for (i = 0; i < r->nr_iovas && i < MAX_RANGES; i++) {
				ci->start[i] = r->iova_ranges[i].start;
				ci->last[i] = r->iova_ranges[i].end;
			}
			ci->nb_ranges = i;
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			a = (const void *)h;
			ci->dma_avail = a->avail;
		}
		if (h->next != 0 && h->next <= off)
			break;
	}
}

static int
container_info_read(int fd, struct container_info *ci)
{
	uint8_t buf[4096] __rte_aligned(8);
	struct vfio_iommu_type1_info *info = (void *)buf;

	memset(buf, 0, sizeof(buf));
	memset(ci, 0, sizeof(*ci));
	ci->dma_avail = -1;
	info->argsz = sizeof(buf);
	if (ioctl(fd, VFIO_IOMMU_GET_INFO, info) != 0)
		return -errno;
	if (info->argsz > sizeof(buf))
		return -E2BIG;
	ci->pgsizes = info->iova_pgsizes;
	if (info->flags & VFIO_IOMMU_INFO_CAPS)
		info_caps(buf, info->argsz, info->cap_offset, ci);
	return 0;
}

static void
container_info_print(const char *name, const struct container_info *ci)
{
	unsigned int i;

	printf("INFO container %s: page sizes 0x%" PRIx64 ", %" PRId64
		" mappings available\n", name, ci->pgsizes, ci->dma_avail);
	for (i = 0; i < ci->nb_ranges; i++)
		printf("INFO container %s: valid IOVA [0x%" PRIx64 ", 0x%" PRIx64
			"]\n", name, ci->start[i], ci->last[i]);
}

static int64_t
dma_avail(int fd)
{
	struct container_info ci = { .dma_avail = -1 };

	return container_info_read(fd, &ci) == 0 ? ci.dma_avail : -2;
}

/*
 * Whether the kernel has something mapped at iova in the container: a
 * one-page VFIO_IOMMU_MAP_DMA there fails with EEXIST when it has. A probe
 * that succeeds is undone at once. 1 mapped, 0 free, negative errno.
 */
static int
kernel_mapped(int fd, rte_iova_t iova, uint64_t page)
{
	static void *probe;
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };

	if (probe == NULL) {
		probe = mmap(NULL, page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (probe == MAP_FAILED) {
			probe = NULL;
			return -ENOMEM;
		}
	}
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)probe;
	map.iova = iova;
	map.size = page;
	if (ioctl(fd, VFIO_IOMMU_MAP_DMA, &map) != 0)
		return errno == EEXIST ? 1 : -errno;
	unmap.iova = iova;
	unmap.size = page;
	if (ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0)
		return -errno;
	return 0;
}

/*
 * EAL memory: where its identity mapping lies.
 */

struct span {
	rte_iova_t start;
	rte_iova_t last;
	unsigned int hits;
};

static bool
overlap(rte_iova_t s1, rte_iova_t l1, rte_iova_t s2, rte_iova_t l2)
{
	return s1 <= l2 && s2 <= l1;
}

static int
ms_hit(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct span *s = arg;

	RTE_SET_USED(msl);
	if (ms->iova != RTE_BAD_IOVA &&
			overlap(ms->iova, ms->iova + ms->len - 1, s->start, s->last))
		s->hits++;
	return 0;
}

/* VA spans memory may be hotplugged into: identity-mapped in VA mode. */
static int
msl_hit(const struct rte_memseg_list *msl, void *arg)
{
	struct span *s = arg;
	uintptr_t base = (uintptr_t)msl->base_va;

	if (!msl->external && msl->len != 0 &&
			overlap(base, base + msl->len - 1, s->start, s->last))
		s->hits++;
	return 0;
}

/* How many EAL memsegs (and, in VA mode, memseg lists) [start, last] hits. */
static unsigned int
eal_identity_hits(rte_iova_t start, rte_iova_t last)
{
	struct span s = { .start = start, .last = last };

	rte_memseg_walk(ms_hit, &s);
	if (rte_eal_iova_mode() == RTE_IOVA_VA)
		rte_memseg_list_walk(msl_hit, &s);
	return s.hits;
}

/*
 * Ports.
 */

static uint16_t ports[NB_PORTS];
static struct rte_ether_addr macs[NB_PORTS];
static int16_t dm_ids[NB_PORTS] = { -1, -1 };

static int
ports_find(void)
{
	uint16_t pid, n = 0;

	RTE_ETH_FOREACH_DEV(pid) {
		if (n < NB_PORTS)
			ports[n] = pid;
		n++;
	}
	if (n != NB_PORTS) {
		printf("INFO %u ports probed, %u expected\n", n, NB_PORTS);
		return -ENODEV;
	}
	return 0;
}

static struct rte_device *
port_device(uint16_t pid)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(pid, &info) != 0)
		return NULL;
	return info.device;
}

static int
port_setup(uint16_t pid, struct rte_mempool *rx_pool)
{
	struct rte_eth_conf conf;
	uint16_t nrx = RING_SIZE, ntx = RING_SIZE;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(pid, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nrx, &ntx);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(pid, 0, nrx,
			rte_eth_dev_socket_id(pid), NULL, rx_pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(pid, 0, ntx,
			rte_eth_dev_socket_id(pid), NULL);
	if (ret == 0)
		ret = rte_eth_macaddr_get(pid, &macs[pid == ports[0] ? 0 : 1]);
	return ret;
}

static bool
link_up(uint16_t pid)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(pid, &link) == 0 &&
		link.link_status == RTE_ETH_LINK_UP;
}

static int
ports_start(void)
{
	uint64_t end = rte_get_timer_cycles() +
		rte_get_timer_hz() * LINK_WAIT_MS / 1000;
	unsigned int i;
	int ret;

	for (i = 0; i < NB_PORTS; i++) {
		ret = rte_eth_dev_start(ports[i]);
		check(ret == 0, "port-start", "port %u: %s", ports[i],
			strerror(-ret));
		if (ret != 0)
			return ret;
		rte_eth_promiscuous_enable(ports[i]);
	}
	while (!(link_up(ports[0]) && link_up(ports[1])))
		if (rte_get_timer_cycles() > end) {
			printf("INFO links not up after %u ms\n", LINK_WAIT_MS);
			break;
		}
	return 0;
}

static void
ports_stop(void)
{
	unsigned int i;

	for (i = 0; i < NB_PORTS; i++)
		rte_eth_dev_stop(ports[i]);
}

static int
ports_rx_pool(struct rte_mempool *rx_pool)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NB_PORTS; i++) {
		ret = rte_eth_rx_queue_setup(ports[i], 0, RING_SIZE,
			rte_eth_dev_socket_id(ports[i]), NULL, rx_pool);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * Traffic: each port sends opt.packets frames to the other; every frame
 * carries its phase, sender and sequence number and a pattern derived from
 * them, so the receiver checks every byte.
 */
struct test_hdr {
	uint32_t magic;
	uint16_t phase;
	uint16_t port;
	uint32_t seq;
	uint16_t len;
} __rte_packed;

#define HDR_OFF sizeof(struct rte_ether_hdr)
#define DATA_OFF (HDR_OFF + sizeof(struct test_hdr))

struct flow {
	unsigned int tx;        /* index in ports[] of the sender */
	uint32_t count;         /* frames to send */
	uint32_t next_seq;
	uint64_t sent;
	uint64_t intact;
	uint64_t stale;          /* a test frame of another phase, or a duplicate */
	uint64_t bad;            /* anything else */
	uint8_t *seen;
};

static uint16_t
frame_len(uint32_t seq)
{
	return FRAME_MIN + (seq * 97u) % (FRAME_MAX - FRAME_MIN + 1);
}

static uint8_t
pattern(uint32_t seq, uint16_t phase, uint16_t port, size_t i)
{
	return (uint8_t)(seq * 131u + i * 7u + phase * 29u + port);
}

static struct rte_mbuf *
frame_build(struct rte_mempool *tx_pool, unsigned int tx, uint16_t phase,
		uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tx_pool);
	uint16_t len = frame_len(seq);
	struct test_hdr th = {
		.magic = TEST_MAGIC, .phase = phase, .port = tx, .seq = seq,
		.len = len,
	};
	struct rte_ether_hdr eh;
	uint8_t *p;
	size_t i;

	if (m == NULL || (p = (uint8_t *)rte_pktmbuf_append(m, len)) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	rte_ether_addr_copy(&macs[1 - tx], &eh.dst_addr);
	rte_ether_addr_copy(&macs[tx], &eh.src_addr);
	eh.ether_type = rte_cpu_to_be_16(TEST_ETHERTYPE);
	memcpy(p, &eh, sizeof(eh));
	memcpy(p + HDR_OFF, &th, sizeof(th));
	for (i = DATA_OFF; i < len; i++)
		p[i] = pattern(seq, phase, tx, i);
	return m;
}

/* Send the next burst of a flow; frames the NIC did not take are retried. */
static void
flow_send(struct flow *f, struct rte_mempool *tx_pool, uint16_t phase)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = 0, sent;

	while (n < BURST && f->next_seq + n < f->count) {
		pkts[n] = frame_build(tx_pool, f->tx, phase, f->next_seq + n);
		if (pkts[n] == NULL)
			break;
		n++;
	}
	if (n == 0)
		return;
	sent = rte_eth_tx_burst(ports[f->tx], 0, pkts, n);
	rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	f->next_seq += sent;
	f->sent += sent;
}

static bool
frame_pattern_ok(const uint8_t *p, const struct test_hdr *th)
{
	size_t i;

	for (i = DATA_OFF; i < th->len; i++)
		if (p[i] != pattern(th->seq, th->phase, th->port, i))
			return false;
	return true;
}

/* Classify one received frame of flow f. */
static void
frame_check(struct flow *f, struct rte_mbuf *m, uint16_t phase)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ether_hdr eh;
	struct test_hdr th;

	if (m->nb_segs != 1 || m->pkt_len < DATA_OFF) {
		f->bad++;
		return;
	}
	memcpy(&eh, p, sizeof(eh));
	memcpy(&th, p + HDR_OFF, sizeof(th));
	if (eh.ether_type != rte_cpu_to_be_16(TEST_ETHERTYPE) ||
			th.magic != TEST_MAGIC || th.len != m->pkt_len ||
			th.len != frame_len(th.seq) || th.seq >= f->count ||
			th.port >= NB_PORTS || !frame_pattern_ok(p, &th)) {
		f->bad++;
	} else if (th.phase != phase || th.port != f->tx ||
			f->seen[th.seq / 8] & (1u << (th.seq % 8))) {
		f->stale++;
	} else {
		f->seen[th.seq / 8] |= 1u << (th.seq % 8);
		f->intact++;
	}
}

/* Receive on the port of rx; returns the frames received. */
static uint16_t
port_receive(struct flow *f, uint16_t phase)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;

	n = rte_eth_rx_burst(ports[1 - f->tx], 0, pkts, BURST);
	for (i = 0; i < n; i++)
		frame_check(f, pkts[i], phase);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

static bool
flows_done(const struct flow *fl)
{
	return fl[0].intact == fl[0].count && fl[1].intact == fl[1].count;
}

static void
flows_print(const char *name, const struct flow *fl)
{
	unsigned int i;

	for (i = 0; i < NB_PORTS; i++)
		printf("STAT %s %u->%u sent=%" PRIu64 " intact=%" PRIu64
			" stale=%" PRIu64 " bad=%" PRIu64 "\n", name, fl[i].tx,
			1 - fl[i].tx, fl[i].sent, fl[i].intact, fl[i].stale,
			fl[i].bad);
	fflush(stdout);
}

/*
 * Run one phase of traffic both ways, count frames each way, until every
 * frame arrived, nothing arrived for IDLE_MS after the last was sent, or
 * PHASE_MS passed.
 */
static int
traffic(const char *name, uint16_t phase, uint32_t count,
		struct rte_mempool *tx_pool, struct flow *fl)
{
	uint64_t hz = rte_get_timer_hz(), now = rte_get_timer_cycles();
	uint64_t end = now + hz * PHASE_MS / 1000, last_rx = now;
	unsigned int i;

	for (i = 0; i < NB_PORTS; i++) {
		memset(&fl[i], 0, sizeof(fl[i]));
		fl[i].tx = i;
		fl[i].count = count;
		fl[i].seen = calloc(count / 8 + 1, 1);
		if (fl[i].seen == NULL)
			return -ENOMEM;
	}
	while (!flows_done(fl) && now < end) {
		for (i = 0; i < NB_PORTS; i++)
			flow_send(&fl[i], tx_pool, phase);
		for (i = 0; i < NB_PORTS; i++)
			if (port_receive(&fl[i], phase) != 0)
				last_rx = now;
		now = rte_get_timer_cycles();
		if (fl[0].next_seq == count && fl[1].next_seq == count &&
				now - last_rx > hz * IDLE_MS / 1000)
			break;
	}
	for (i = 0; i < NB_PORTS; i++)
		free(fl[i].seen);
	flows_print(name, fl);
	return 0;
}

/* A phase passes when (nearly) every frame arrived, and all intact. */
static void
traffic_check(const char *name, const struct flow *fl)
{
	unsigned int i;
	char what[64];

	for (i = 0; i < NB_PORTS; i++) {
		snprintf(what, sizeof(what), "%s-%u->%u", name, i, 1 - i);
		check(fl[i].sent == fl[i].count &&
			fl[i].intact >= fl[i].count - fl[i].count / 10 &&
			fl[i].bad == 0 && fl[i].stale == 0, what,
			"sent %" PRIu64 " of %u, %" PRIu64 " intact, %" PRIu64
			" stale, %" PRIu64 " bad", fl[i].sent, fl[i].count,
			fl[i].intact, fl[i].stale, fl[i].bad);
	}
}

/*
 * Domains, pools and regions.
 */

static struct rte_dmamap_domain *
domain_create(const char *name, int container_fd)
{
	struct rte_dmamap_domain *dom;

	dom = rte_dmamap_vfio_domain_create(name, container_fd, opt.flush);
	check(dom != NULL, "domain-create", "%s: %s", name,
		rte_strerror(rte_errno));
	if (dom != NULL)
		printf("INFO domain %s: aperture [0x%" PRIx64 ", 0x%" PRIx64
			"], granule 0x%zx, %s\n", name,
			dmamap_domain_aperture_start(dom),
			dmamap_domain_aperture_last(dom),
			rte_dmamap_domain_granule(dom),
			opt.flush == RTE_DMAMAP_FLUSH_LAZY ? "lazy" : "strict");
	return dom;
}

static int16_t
dev_attach(struct rte_device *dev, struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = RTE_DMAMAP_BYPASS_NEVER,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};
	int ret = rte_dmamap_attach(dev, &conf);

	check(ret >= 0, "attach", "%s: %s", dev != NULL ? rte_dev_name(dev) :
		"(none)", strerror(-ret));
	return ret >= 0 ? ret : -1;
}

static int
ports_attach(struct rte_dmamap_domain *dom)
{
	unsigned int i;

	for (i = 0; i < NB_PORTS; i++) {
		dm_ids[i] = dev_attach(port_device(ports[i]), dom);
		if (dm_ids[i] < 0)
			return -1;
	}
	return 0;
}

static void
ports_detach(void)
{
	unsigned int i;

	for (i = 0; i < NB_PORTS; i++)
		if (dm_ids[i] >= 0) {
			check(rte_dmamap_detach(dm_ids[i]) == 0, "detach", "port %u", i);
			dm_ids[i] = -1;
		}
}

static struct rte_mempool *
pool_create(const char *name, unsigned int n)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create(name, n, POOL_CACHE, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	check(mp != NULL, "pool-create", "%s: %s", name, rte_strerror(rte_errno));
	return mp;
}

/* Give every mbuf of the pool its buffer's IOVA in the region. */
struct rewrite {
	const struct rte_dmamap_region *region;
	struct rte_dmamap_domain *dom;
	unsigned int bad;
};

static void
mbuf_rewrite(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct rewrite *rw = arg;
	struct rte_mbuf *m = obj;
	rte_iova_t eal = m->buf_iova;
	rte_iova_t iova = rw->region->iova +
		((uintptr_t)m->buf_addr - (uintptr_t)rw->region->va);

	RTE_SET_USED(mp);
	RTE_SET_USED(idx);
	/* The domain must take the new IOVA to the buffer's memory. */
	if (rte_dmamap_domain_translate(rw->dom, iova) != eal)
		rw->bad++;
	rte_mbuf_iova_set(m, iova);
}

static void
region_print(const char *name, const struct rte_dmamap_region *r)
{
	printf("INFO region %s: va %p len 0x%zx -> iova 0x%" PRIx64 "%s\n",
		name, r->va, r->len, r->iova, r->direct ? " (direct)" : "");
}

/*
 * Map a pool as one region and point its mbufs at it; checks that the
 * region is translated, where EAL's identity mapping is not, and that
 * each mbuf's new IOVA leads to its buffer.
 */
static int
pool_map(const char *name, struct rte_mempool *mp,
		struct rte_dmamap_domain *dom, struct rte_dmamap_region *r)
{
	struct rewrite rw = { .region = r, .dom = dom };
	rte_iova_t last;
	int ret;

	ret = rte_dmamap_mempool_map(dm_ids[0], mp, RTE_DMAMAP_BIDIRECTIONAL, r);
	check(ret == 0 && !r->direct, "pool-map", "%s: %s%s", name,
		strerror(-ret), r->direct ? " (direct)" : "");
	if (ret != 0 || r->direct)
		return -1;
	region_print(name, r);
	last = r->iova + r->len - 1;
	check(r->iova >= dmamap_domain_aperture_start(dom) &&
		last <= dmamap_domain_aperture_last(dom), "region-in-aperture",
		"[0x%" PRIx64 ", 0x%" PRIx64 "]", r->iova, last);
	check(eal_identity_hits(r->iova, last) == 0, "region-not-identity",
		"[0x%" PRIx64 ", 0x%" PRIx64 "] meets %u EAL memsegs or lists",
		r->iova, last, eal_identity_hits(r->iova, last));
	rte_mempool_obj_iter(mp, mbuf_rewrite, &rw);
	check(rw.bad == 0, "mbuf-iova-translates", "%u of %u mbufs of %s",
		rw.bad, mp->size, name);
	return rw.bad == 0 ? 0 : -1;
}

static void
region_unmap(const char *name, struct rte_dmamap_region *r)
{
	int ret;

	if (r->len == 0)
		return;
	ret = rte_dmamap_region_unmap(dm_ids[0], r, RTE_DMAMAP_BIDIRECTIONAL);
	check(ret == 0, "region-unmap", "%s: %s", name, strerror(-ret));
}

static uint64_t
dom_stat(struct rte_dmamap_domain *dom, size_t off)
{
	struct rte_dmamap_domain_stats st;

	if (rte_dmamap_domain_stats_get(dom, &st) != 0)
		return UINT64_MAX;
	return *(uint64_t *)((uint8_t *)&st + off);
}

#define DOM_STAT(dom, field) \
	dom_stat(dom, offsetof(struct rte_dmamap_domain_stats, field))

static void
domain_destroy(struct rte_dmamap_domain *dom)
{
	char name[RTE_DMAMAP_NAME_LEN];
	int ret;

	if (dom == NULL)
		return;
	snprintf(name, sizeof(name), "%s", rte_dmamap_domain_name(dom));
	ret = rte_dmamap_domain_destroy(dom);
	check(ret == 0, "domain-destroy", "%s", strerror(-ret));
	check(rte_dmamap_domain_lookup(name) == NULL, "domain-gone", "%s", name);
}

/*
 * Step backend: EAL's container.
 */

/* The aperture lies in one valid range, below 2^aw_bits, clear of EAL. */
static void
aperture_check(struct rte_dmamap_domain *dom, const struct container_info *ci,
		bool default_container)
{
	rte_iova_t s = dmamap_domain_aperture_start(dom);
	rte_iova_t l = dmamap_domain_aperture_last(dom);
	rte_iova_t top = 0;
	unsigned int i, in = 0;

	for (i = 0; i < ci->nb_ranges; i++) {
		in += s >= ci->start[i] && l <= ci->last[i];
		top = RTE_MAX(top, ci->last[i]);
	}
	check(ci->nb_ranges > 0, "valid-ranges-reported", "none");
	check(in == 1, "aperture-in-valid-range", "[0x%" PRIx64 ", 0x%" PRIx64
		"] in %u ranges", s, l, in);
	if (opt.aw_bits != 0)
		check(top == (opt.aw_bits >= 64 ? UINT64_MAX :
			(UINT64_C(1) << opt.aw_bits) - 1), "valid-range-width",
			"top 0x%" PRIx64 " for %u address bits", top, opt.aw_bits);
	if (default_container)
		check(eal_identity_hits(s, l) == 0, "aperture-clear-of-eal",
			"meets %u EAL memsegs or lists", eal_identity_hits(s, l));
	check(rte_dmamap_domain_granule(dom) == (ci->pgsizes & -ci->pgsizes),
		"granule", "0x%zx, container page sizes 0x%" PRIx64,
		rte_dmamap_domain_granule(dom), ci->pgsizes);
}

/* The kernel holds the region exactly: first and last page mapped. */
static void
kernel_region_check(int fd, const struct rte_dmamap_region *r, size_t g,
		int want, const char *what)
{
	rte_iova_t first = RTE_ALIGN_FLOOR(r->iova, g);
	rte_iova_t last = RTE_ALIGN_FLOOR(r->iova + r->len - 1, g);
	int a = kernel_mapped(fd, first, g), b = kernel_mapped(fd, last, g);

	check(a == want && b == want, what, "probes at 0x%" PRIx64 ": %d, 0x%"
		PRIx64 ": %d, want %d", first, a, last, b, want);
}

/* Mapping a whole pool is one batch: one kernel mapping per chunk run. */
static int
backend_pool(int fd, struct rte_dmamap_domain *dom, struct rte_mempool *mp,
		struct rte_dmamap_region *r)
{
	uint64_t maps = DOM_STAT(dom, maps);
	int64_t avail = dma_avail(fd);
	uint64_t nmaps;

	if (pool_map("pool", mp, dom, r) != 0)
		return -1;
	nmaps = DOM_STAT(dom, maps) - maps;
	printf("INFO pool of %u chunks, %zu pages: %" PRIu64 " backend maps\n",
		mp->nb_mem_chunks, r->len / rte_dmamap_domain_granule(dom), nmaps);
	check(nmaps >= 1 && nmaps <= mp->nb_mem_chunks, "pool-batched",
		"%" PRIu64 " maps for %u chunks", nmaps, mp->nb_mem_chunks);
	check(avail < 0 || avail - dma_avail(fd) == (int64_t)nmaps,
		"kernel-mappings-added", "%" PRId64 " before, %" PRId64 " after, %"
		PRIu64 " maps", avail, dma_avail(fd), nmaps);
	check(DOM_STAT(dom, mapped_bytes) >= r->len, "mapped-bytes",
		"%" PRIu64 " < 0x%zx", DOM_STAT(dom, mapped_bytes), r->len);
	kernel_region_check(fd, r, rte_dmamap_domain_granule(dom), 1,
		"kernel-has-region");
	return 0;
}

/* Unlink and relink the pool's range; the kernel follows each call. */
static void
backend_relink(int fd, struct rte_dmamap_domain *dom,
		struct rte_dmamap_region *r)
{
	size_t g = rte_dmamap_domain_granule(dom);
	int ret;

	ret = rte_dmamap_iova_unlink(dm_ids[0], &r->state, 0, r->len,
		RTE_DMAMAP_BIDIRECTIONAL);
	check(ret == 0, "unlink", "%s", strerror(-ret));
	check(rte_dmamap_domain_translate(dom, r->iova) == RTE_BAD_IOVA,
		"unlinked-not-translated", "0x%" PRIx64, r->iova);
	kernel_region_check(fd, r, g, 0, "kernel-unlinked");
	ret = rte_dmamap_iova_link(dm_ids[0], &r->state, r->va, 0, r->len,
		RTE_DMAMAP_BIDIRECTIONAL);
	if (ret == 0)
		ret = rte_dmamap_iova_sync(dm_ids[0], &r->state, 0, r->len);
	check(ret == 0, "relink", "%s", strerror(-ret));
	kernel_region_check(fd, r, g, 1, "kernel-relinked");
	check(rte_dmamap_domain_translate(dom, r->iova) ==
		rte_dmamap_virt2iova(r->va), "relinked-translates", "0x%" PRIx64,
		r->iova);
}

/*
 * Destroy the region: the kernel's mapping goes before the call returns;
 * a strict domain frees the IOVA at once, a lazy one may queue it.
 */
static void
backend_destroy(int fd, struct rte_dmamap_domain *dom,
		struct rte_dmamap_region *r, int64_t avail0)
{
	struct rte_dmamap_region old = *r;
	size_t g = rte_dmamap_domain_granule(dom);
	uint64_t queued;

	region_unmap("pool", r);
	kernel_region_check(fd, &old, g, 0, "kernel-destroyed");
	check(dma_avail(fd) == avail0, "kernel-mappings-back", "%" PRId64
		" available, %" PRId64 " before", dma_avail(fd), avail0);
	check(DOM_STAT(dom, mapped_bytes) == 0, "nothing-mapped", "%" PRIu64
		" bytes", DOM_STAT(dom, mapped_bytes));
	queued = DOM_STAT(dom, fq_queued);
	printf("INFO %s domain: %" PRIu64 " ranges wait for a flush after the "
		"unmap\n", opt.flush == RTE_DMAMAP_FLUSH_LAZY ? "lazy" : "strict",
		queued);
	if (opt.flush == RTE_DMAMAP_FLUSH_STRICT)
		check(queued == 0, "strict-not-queued", "%" PRIu64 " queued", queued);
	check(rte_dmamap_domain_flush(dom) == 0, "flush", "failed");
	check(DOM_STAT(dom, fq_queued) == 0, "flushed", "%" PRIu64 " left",
		DOM_STAT(dom, fq_queued));
}

/*
 * IOVA space exhaustion: ranges of a quarter of the aperture until the
 * allocator refuses with ENOSPC; freeing one makes room again (in a lazy
 * domain through the flush the allocator runs when it is full).
 */
static void
backend_exhaust(struct rte_dmamap_domain *dom)
{
	uint64_t ap = dmamap_domain_aperture_last(dom) -
		dmamap_domain_aperture_start(dom) + 1;
	uint64_t size = rte_align64prevpow2(ap) / 4;
	struct rte_dmamap_iova_state st[16];
	unsigned int n = 0, i;
	bool ok;

	log_mark();
	while (n < RTE_DIM(st) &&
			rte_dmamap_iova_try_alloc(dm_ids[0], &st[n], NULL, size))
		n++;
	ok = n < RTE_DIM(st) && rte_errno == ENOSPC;
	printf("INFO %u ranges of 0x%" PRIx64 " in an aperture of 0x%" PRIx64
		"\n", n, size, ap);
	check(ok && n >= 1 && n * size <= ap, "iova-exhausted-enospc",
		"%u ranges, rte_errno %d", n, rte_errno);
	check(logged("no free IOVA range"), "iova-exhausted-logged", "no log");
	if (n == 0)
		return;
	check(rte_dmamap_iova_free(dm_ids[0], &st[n - 1]) == 0, "iova-free", "");
	check(rte_dmamap_iova_try_alloc(dm_ids[0], &st[n - 1], NULL, size),
		"iova-reusable", "rte_errno %d", rte_errno);
	for (i = 0; i < n; i++)
		rte_dmamap_iova_free(dm_ids[0], &st[i]);
	rte_dmamap_domain_flush(dom);
}

static int
step_backend(void)
{
	int fd = rte_vfio_get_container_fd();
	struct rte_dmamap_region r = { 0 };
	struct rte_dmamap_domain *dom;
	struct container_info ci = { .dma_avail = -1 };
	struct rte_mempool *mp;
	int64_t avail0;

	check(fd >= 0 && container_info_read(fd, &ci) == 0, "container-info",
		"fd %d", fd);
	if (fd < 0)
		return -1;
	container_info_print("eal", &ci);
	dom = domain_create("vt-eal", RTE_VFIO_DEFAULT_CONTAINER_FD);
	if (dom == NULL)
		return -1;
	aperture_check(dom, &ci, true);
	mp = pool_create("vt-pool", RX_POOL_SIZE);
	if (mp != NULL && ports_attach(dom) == 0 &&
			(avail0 = dma_avail(fd)) >= 0 &&
			backend_pool(fd, dom, mp, &r) == 0) {
		backend_relink(fd, dom, &r);
		backend_destroy(fd, dom, &r, avail0);
		backend_exhaust(dom);
	}
	ports_detach();
	domain_destroy(dom);
	rte_mempool_free(mp);
	return 0;
}

/*
 * Step container: the second NIC in a container of its own, with the
 * kernel's limit on mappings lowered so the test reaches it.
 */

static int
sysfs_write(const char *path, unsigned int v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL)
		return -errno;
	ret = fprintf(f, "%u\n", v) > 0 ? 0 : -EIO;
	if (fclose(f) != 0)
		ret = -errno;
	return ret;
}

static long
sysfs_read(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f == NULL)
		return -errno;
	if (fscanf(f, "%ld", &v) != 1)
		v = -EINVAL;
	fclose(f);
	return v;
}

/* Put the device's IOMMU group in a new container and probe it there. */
static int
own_container(const char *dev, int *group)
{
	long limit = sysfs_read(DMA_LIMIT_PATH);
	int cfd, ret;

	ret = rte_vfio_get_group_num(PCI_SYSFS_DEVICES, dev, group);
	check(ret == 1, "group-num", "%s: %d", dev, ret);
	if (ret != 1)
		return -1;
	cfd = rte_vfio_container_create();
	check(cfd >= 0, "container-create", "%d", cfd);
	if (cfd < 0)
		return -1;
	ret = rte_vfio_container_group_bind(cfd, *group);
	check(ret >= 0, "group-bind", "group %d: %d", *group, ret);
	/* The kernel takes the limit when the container gets its IOMMU. */
	check(sysfs_write(DMA_LIMIT_PATH, opt.dma_limit) == 0, "set-dma-limit",
		"%s", DMA_LIMIT_PATH);
	ret = ret < 0 ? ret : rte_dev_probe(dev);
	check(ret == 0, "probe-in-own-container", "%s: %s", dev, strerror(-ret));
	if (limit > 0)
		sysfs_write(DMA_LIMIT_PATH, limit);
	if (ret != 0) {
		rte_vfio_container_destroy(cfd);
		return -1;
	}
	return cfd;
}

static struct rte_device *
port_by_name(const char *name)
{
	uint16_t pid;

	if (rte_eth_dev_get_port_by_name(name, &pid) != 0)
		return NULL;
	return port_device(pid);
}

/* Link one page at a time until the kernel's limit; check the refusal. */
static unsigned int
links_until_full(int16_t id, struct rte_dmamap_iova_state *st,
		const struct rte_memzone *mz, unsigned int max, size_t g)
{
	unsigned int n;
	int ret = 0;

	log_mark();
	for (n = 0; n < max; n++) {
		ret = rte_dmamap_iova_link(id, st, (uint8_t *)mz->addr + n * g,
			n * g, g, RTE_DMAMAP_BIDIRECTIONAL);
		if (ret != 0)
			break;
	}
	check(ret == -ENOSPC && n == opt.dma_limit, "map-limit-enospc",
		"%u links, then %s", n, strerror(-ret));
	check(logged("mapping") || logged("mappings"), "map-limit-logged",
		"no log line names the limit");
	return n;
}

static void
container_limit(int cfd, struct rte_dmamap_domain *dom, int16_t id)
{
	size_t g = rte_dmamap_domain_granule(dom);
	unsigned int max = opt.dma_limit + LINK_PAGES_EXTRA, n;
	const struct rte_memzone *mz;
	struct rte_dmamap_iova_state st;
	int ret;

	mz = rte_memzone_reserve_aligned("vt-links", max * g, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, g);
	check(mz != NULL, "links-memzone", "%s", rte_strerror(rte_errno));
	if (mz == NULL)
		return;
	check(rte_dmamap_iova_try_alloc(id, &st, mz->addr, max * g),
		"links-range", "rte_errno %d", rte_errno);
	n = links_until_full(id, &st, mz, max, g);
	check(dma_avail(cfd) == 0, "kernel-full", "%" PRId64 " left",
		dma_avail(cfd));
	if (n > 0) {
		ret = rte_dmamap_iova_unlink(id, &st, (n - 1) * g, g,
			RTE_DMAMAP_BIDIRECTIONAL);
		check(ret == 0 && dma_avail(cfd) == 1, "unlink-frees-one",
			"%s, %" PRId64 " available", strerror(-ret), dma_avail(cfd));
		ret = rte_dmamap_iova_link(id, &st, (uint8_t *)mz->addr +
			(n - 1) * g, (n - 1) * g, g, RTE_DMAMAP_BIDIRECTIONAL);
		check(ret == 0, "relink-after-unlink", "%s", strerror(-ret));
	}
	ret = rte_dmamap_iova_destroy(id, &st, n * g, RTE_DMAMAP_BIDIRECTIONAL);
	check(ret == 0, "links-destroy", "%s", strerror(-ret));
	check(dma_avail(cfd) == opt.dma_limit, "kernel-all-unmapped",
		"%" PRId64 " of %u available", dma_avail(cfd), opt.dma_limit);
	rte_memzone_free(mz);
}

static int
step_container(void)
{
	struct rte_dmamap_domain *dom;
	struct rte_device *dev;
	struct container_info ci = { .dma_avail = -1 };
	int cfd, group;
	int16_t id;

	cfd = own_container(opt.own_dev, &group);
	if (cfd < 0)
		return -1;
	check(container_info_read(cfd, &ci) == 0 &&
		ci.dma_avail == opt.dma_limit, "own-container-empty",
		"%" PRId64 " mappings available, limit %u", ci.dma_avail,
		opt.dma_limit);
	container_info_print("own", &ci);
	dom = domain_create("vt-own", cfd);
	dev = port_by_name(opt.own_dev);
	if (dom != NULL) {
		aperture_check(dom, &ci, false);
		id = dev_attach(dev, dom);
		if (id >= 0) {
			container_limit(cfd, dom, id);
			check(rte_dmamap_detach(id) == 0, "detach", "");
		}
	}
	domain_destroy(dom);
	check(dev != NULL && rte_dev_remove(dev) == 0, "remove", "%s",
		opt.own_dev);
	rte_vfio_container_group_unbind(cfd, group);
	rte_vfio_container_destroy(cfd);
	return 0;
}

/*
 * Steps forward and negative: traffic.
 */

enum { POOL_RX, POOL_RX2, POOL_TX, POOL_TX2, NB_POOLS };

static const char *const pool_names[NB_POOLS] = { "rx", "rx2", "tx", "tx2" };

struct fwd {
	struct rte_dmamap_domain *dom;
	struct rte_mempool *mp[NB_POOLS];
	struct rte_dmamap_region r[NB_POOLS];
	struct rte_mempool *tx;  /* the pool frames are built in */
};

static int
fwd_pools(struct fwd *w)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int i;

	for (i = 0; i < NB_POOLS; i++) {
		snprintf(name, sizeof(name), "vt-%s", pool_names[i]);
		w->mp[i] = pool_create(name, i < POOL_TX ? RX_POOL_SIZE :
			TX_POOL_SIZE);
		if (w->mp[i] == NULL)
			return -1;
	}
	w->tx = w->mp[POOL_TX];
	return 0;
}

static int
fwd_setup(struct fwd *w)
{
	memset(w, 0, sizeof(*w));
	if (fwd_pools(w) != 0)
		return -1;
	if (!opt.map_eal) {
		w->dom = domain_create("vt-fwd", RTE_VFIO_DEFAULT_CONTAINER_FD);
		if (w->dom == NULL || ports_attach(w->dom) != 0 ||
				pool_map("rx", w->mp[POOL_RX], w->dom,
					&w->r[POOL_RX]) != 0 ||
				pool_map("tx", w->mp[POOL_TX], w->dom,
					&w->r[POOL_TX]) != 0)
			return -1;
	}
	check(port_setup(ports[0], w->mp[POOL_RX]) == 0 &&
		port_setup(ports[1], w->mp[POOL_RX]) == 0, "port-setup", "");
	return ports_start();
}

/* Unmap a pool's region; the kernel must have dropped it on return. */
static void
fwd_unmap(struct fwd *w, unsigned int i)
{
	struct rte_dmamap_region old = w->r[i];

	if (old.len == 0)
		return;
	region_unmap(pool_names[i], &w->r[i]);
	kernel_region_check(rte_vfio_get_container_fd(), &old,
		rte_dmamap_domain_granule(w->dom), 0, "kernel-unmapped");
}

/*
 * Every region goes, one backend unmap each (each was linked as one
 * range). The kernel's count of mappings is not compared here: EAL maps
 * and unmaps its own memory in the same container as the heap changes.
 */
static void
fwd_unmap_all(struct fwd *w)
{
	uint64_t unmaps = DOM_STAT(w->dom, unmaps);
	unsigned int i, n = 0;

	for (i = 0; i < NB_POOLS; i++) {
		n += w->r[i].len != 0;
		fwd_unmap(w, i);
	}
	unmaps = DOM_STAT(w->dom, unmaps) - unmaps;
	check(unmaps == n, "one-unmap-per-region", "%" PRIu64 " unmaps for %u "
		"regions", unmaps, n);
}

/*
 * The domain goes before the ports close: when the last VFIO group leaves
 * the container, the kernel drops every mapping in it.
 */
static void
fwd_teardown(struct fwd *w)
{
	unsigned int i;

	ports_stop();
	if (w->dom != NULL) {
		fwd_unmap_all(w);
		ports_detach();
		domain_destroy(w->dom);
	}
	for (i = 0; i < NB_PORTS; i++)
		rte_eth_dev_close(ports[i]);
	for (i = 0; i < NB_POOLS; i++)
		rte_mempool_free(w->mp[i]);
}

/*
 * Unmap pool from and map pool to in its place. The allocator may hand
 * the freed IOVA out again at once when nothing waits for a flush (strict,
 * or a backend whose unmap invalidates before it returns): traffic through
 * the reused IOVA then proves the IOTLB forgot the old translation. With
 * ranges queued, a lazy domain must not reuse them before a flush.
 */
static int
fwd_remap_pool(struct fwd *w, unsigned int from, unsigned int to)
{
	struct rte_dmamap_region old = w->r[from];
	uint64_t queued;
	bool reused;

	fwd_unmap(w, from);
	queued = DOM_STAT(w->dom, fq_queued);
	if (pool_map(pool_names[to], w->mp[to], w->dom, &w->r[to]) != 0)
		return -1;
	reused = overlap(old.iova, old.iova + old.len - 1, w->r[to].iova,
		w->r[to].iova + w->r[to].len - 1);
	printf("INFO remap %s: IOVA 0x%" PRIx64 " then 0x%" PRIx64 " (%s), %"
		PRIu64 " ranges waiting for a flush\n", pool_names[to], old.iova,
		w->r[to].iova, reused ? "reused" : "fresh", queued);
	if (opt.flush == RTE_DMAMAP_FLUSH_LAZY)
		check(!reused || queued == 0, "lazy-reuse-after-invalidation",
			"0x%" PRIx64 " reused with %" PRIu64 " ranges queued",
			old.iova, queued);
	return 0;
}

/*
 * Between two phases: TX moves to a second pool, and RX too when the PMD
 * gave all RX buffers back at stop (net_virtio keeps its RX ring posted
 * across stop and start: unmapping that pool would be a use after unmap).
 */
static int
fwd_remap(struct fwd *w)
{
	unsigned int held;

	ports_stop();
	if (fwd_remap_pool(w, POOL_TX, POOL_TX2) != 0)
		return -1;
	w->tx = w->mp[POOL_TX2];
	held = rte_mempool_in_use_count(w->mp[POOL_RX]);
	if (held == 0) {
		if (fwd_remap_pool(w, POOL_RX, POOL_RX2) != 0)
			return -1;
		check(ports_rx_pool(w->mp[POOL_RX2]) == 0, "rx-pool-switch", "");
	} else {
		printf("INFO the PMD holds %u RX buffers across stop: RX stays "
			"mapped\n", held);
	}
	return ports_start();
}

static void
fwd_flush(struct fwd *w)
{
	if (w->dom == NULL || opt.flush != RTE_DMAMAP_FLUSH_LAZY)
		return;
	check(rte_dmamap_domain_flush(w->dom) == 0, "flush", "");
	check(DOM_STAT(w->dom, fq_queued) == 0, "lazy-flushed", "%" PRIu64
		" queued", DOM_STAT(w->dom, fq_queued));
}

static int
step_forward(void)
{
	struct flow fl[NB_PORTS];
	struct fwd w;
	int ret;

	ret = fwd_setup(&w);
	check(ret == 0, "setup", "%d", ret);
	if (ret == 0) {
		traffic("phase1", 1, opt.packets, w.tx, fl);
		traffic_check("phase1", fl);
		if (w.dom != NULL && fwd_remap(&w) == 0) {
			traffic("phase2", 2, opt.packets, w.tx, fl);
			traffic_check("phase2", fl);
		}
		fwd_flush(&w);
	}
	fwd_teardown(&w);
	return 0;
}

/* Leave a mark in QEMU's trace (see MARK_BEFORE). */
static void
qemu_mark(unsigned int offset)
{
	struct rte_device *dev = port_device(ports[0]);
	char path[PATH_MAX];
	uint8_t b;
	int fd;

	if (dev == NULL)
		return;
	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/config",
		rte_dev_name(dev));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (pread(fd, &b, 1, offset) != 1)
		printf("INFO cannot read %s: %s\n", path, strerror(errno));
	close(fd);
}

/*
 * Unlink the RX pool while the NICs own its buffers: their writes now hit
 * unmapped IOVAs. Traffic must break; the IOMMU refuses the writes.
 */
static bool
negative_control(struct fwd *w)
{
	struct rte_dmamap_region *rx = &w->r[POOL_RX];
	struct flow fl[NB_PORTS];
	uint64_t intact, sent;
	int ret;

	qemu_mark(MARK_BEFORE);
	traffic("before", 1, opt.packets, w->tx, fl);
	traffic_check("before", fl);
	ret = rte_dmamap_iova_unlink(dm_ids[0], &rx->state, 0, rx->len,
		RTE_DMAMAP_BIDIRECTIONAL);
	check(ret == 0, "unlink-in-use", "%s", strerror(-ret));
	/* A lazy domain may defer the invalidation to its flush. */
	fwd_flush(w);
	kernel_region_check(rte_vfio_get_container_fd(), rx,
		rte_dmamap_domain_granule(w->dom), 0, "kernel-unlinked");
	qemu_mark(MARK_UNLINK);
	traffic("after", 2, NEGATIVE_FRAMES, w->tx, fl);
	qemu_mark(MARK_END);
	intact = fl[0].intact + fl[1].intact;
	sent = fl[0].sent + fl[1].sent;
	printf("INFO after unlink: %" PRIu64 " of %" PRIu64 " frames intact\n",
		intact, sent);
	ports_stop();
	ret = rte_dmamap_iova_free(dm_ids[0], &rx->state);
	check(ret == 0, "free-unlinked", "%s", strerror(-ret));
	memset(rx, 0, sizeof(*rx));
	return sent > 0 && intact <= sent / 10;
}

static int
step_negative(void)
{
	struct fwd w;
	bool broken = false;
	int ret;

	if (opt.map_eal) {
		check(false, "negative-needs-domain", "--map eal given");
		return -1;
	}
	ret = fwd_setup(&w);
	check(ret == 0, "setup", "%d", ret);
	if (ret == 0)
		broken = negative_control(&w);
	fwd_teardown(&w);
	return broken ? 1 : 0;
}

/*
 * Command line and main.
 */

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --step backend|container|forward|"
		"negative [--flush strict|lazy] [--map dmamap|eal]\n"
		"  [--packets N] [--aw-bits N] [--own-device PCI] "
		"[--dma-limit N]\n", prog);
}

static int
parse_uint(const char *s, unsigned int *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_opt(int c, const char *arg)
{
	switch (c) {
	case 's':
		opt.step = arg;
		return 0;
	case 'f':
		if (strcmp(arg, "strict") != 0 && strcmp(arg, "lazy") != 0)
			return -EINVAL;
		opt.flush = strcmp(arg, "lazy") == 0 ? RTE_DMAMAP_FLUSH_LAZY :
			RTE_DMAMAP_FLUSH_STRICT;
		return 0;
	case 'm':
		if (strcmp(arg, "dmamap") != 0 && strcmp(arg, "eal") != 0)
			return -EINVAL;
		opt.map_eal = strcmp(arg, "eal") == 0;
		return 0;
	case 'p':
		return parse_uint(arg, &opt.packets) == 0 && opt.packets > 0 ?
			0 : -EINVAL;
	case 'a':
		return parse_uint(arg, &opt.aw_bits);
	case 'd':
		return parse_uint(arg, &opt.dma_limit) == 0 && opt.dma_limit > 0 ?
			0 : -EINVAL;
	case 'o':
		opt.own_dev = arg;
		return 0;
	}
	return -EINVAL;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "step", required_argument, NULL, 's' },
		{ "flush", required_argument, NULL, 'f' },
		{ "map", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'p' },
		{ "aw-bits", required_argument, NULL, 'a' },
		{ "dma-limit", required_argument, NULL, 'd' },
		{ "own-device", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (parse_opt(c, optarg) != 0) {
			usage(argv[0]);
			return -EINVAL;
		}
	if (opt.step == NULL || optind != argc ||
			(strcmp(opt.step, "container") == 0) != (opt.own_dev != NULL)) {
		usage(argv[0]);
		return -EINVAL;
	}
	return 0;
}

/* Run the step; > 0 only for a negative control that saw traffic break. */
static int
run_step(void)
{
	if (strcmp(opt.step, "container") == 0)
		return step_container();
	if (ports_find() != 0) {
		check(false, "ports", "two ports needed");
		return -1;
	}
	if (strcmp(opt.step, "backend") == 0)
		return step_backend();
	if (strcmp(opt.step, "forward") == 0)
		return step_forward();
	if (strcmp(opt.step, "negative") == 0)
		return step_negative();
	check(false, "step", "unknown step %s", opt.step);
	return -1;
}

static const char *
verdict(int ret)
{
	if (strcmp(opt.step, "negative") == 0)
		return ret > 0 && nb_failed == 0 ? "DETECTED" : "MISSED";
	return ret == 0 && nb_failed == 0 ? "PASS" : "FAIL";
}

int
main(int argc, char **argv)
{
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (log_tee_open() != 0)
		fprintf(stderr, "cannot capture the log\n");
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("RESULT init FAIL rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (parse_args(argc - ret, argv + ret) != 0) {
		rte_eal_cleanup();
		return 1;
	}
	printf("INFO IOVA mode %s, VFIO %s, dmamap VFIO %s\n",
		rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA",
		rte_vfio_is_enabled("vfio_pci") ? "enabled" : "disabled",
		rte_dmamap_vfio_available() ? "available" : "unavailable");
	check(rte_dmamap_vfio_available(), "vfio-available", "no type1 IOMMU");
	ret = rte_dmamap_vfio_available() ? run_step() : -1;
	printf("RESULT %s %s (%u checks failed)\n", opt.step, verdict(ret),
		nb_failed);
	rte_eal_cleanup();
	return strcmp(verdict(ret), "PASS") == 0 ||
		strcmp(verdict(ret), "DETECTED") == 0 ? 0 : 1;
}
