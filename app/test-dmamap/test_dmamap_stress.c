/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Soak: both lcores map, unmap, sync, link and allocate at once, on devices
 * of every kind, while the main lcore also hotplugs memory, attaches and
 * detaches devices, creates and destroys umem pools and domains and reads
 * telemetry, and the worker lcore forwards packets between two emu NICs.
 * It runs for DMAMAP_STRESS_SECONDS (default 60).
 *
 * The devices, all shared by both lcores:
 *   direct      64-bit mask, no domain, no debug checker: the inline path;
 *   direct_dbg  the same with the debug checker;
 *   bounce      the shortest mask a bounce pool fits under;
 *   strict      a strict domain of the test backend;
 *   lazy        a lazy domain of the test backend;
 *   emu_lazy    an emu device behind a lazy software IOMMU, non-coherent;
 *   emu_strict  an emu device behind a strict software IOMMU, coherent.
 * All but the first have the debug checker on.
 *
 * Every mapping is checked when it is made and again when it is synced or
 * unmapped, while the other lcore works: its device address must lead back
 * to its memory (the library's reverse table for direct and bounce
 * addresses, the test backend's table for test domains, the bus's DMA
 * engine for emu devices), and the bytes the device reads and writes
 * through it must be those the CPU wrote and reads, after the syncs the
 * kernel's rules ask for. At the end nothing may be left: every map
 * unmapped, bounce slots and IOVA freed, domains empty, no misuse found by
 * the debug checker, no DMA fault on the emu devices, memzones and
 * hugepages back to what there was before.
 *
 * The first run is a short warm-up that creates what the library and the
 * bus keep for the life of the process; the counts are taken after it.
 *
 * DMAMAP_STRESS_NIC: "0" leaves the NICs out, "1" requires them, anything
 * else (default) uses them when the net_emu driver probes.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_random.h>

#include <bus_emu_driver.h>
#include <rte_bus_emu.h>
#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_dmamap_umem.h>

#include "dmamap_private.h"
#include "test.h"
#include "test_backend.h"

#define MS (UINT64_C(1000000))
#define SEC (UINT64_C(1000000000))
#define PAGE (UINT64_C(4096))
#define MIB (UINT64_C(1) << 20)

#define STRESS_SECONDS_DEFAULT 60
#define WARMUP_NS (1500 * MS)
#define PROGRESS_NS (10 * SEC)
/* The main lcore runs one of its own tasks this often. */
#define MAIN_PERIOD_NS (20 * MS)

/* Each lcore maps from its own arena of slots; one slot per live mapping.
 * 65 pages: slots straddle hugepage boundaries now and then.
 */
#define SLOT_SIZE (65 * PAGE)
#define NB_SLOTS 64
#define LIVE_MAX 40
#define SG_MAX 6
#define FRAMES_HELD_MAX 128u
#define FRAMES_BULK_MAX 24u

#define BOUNCE_SIZE (8 * MIB)
#define APERTURE_START (UINT64_C(1) << 32)
#define APERTURE_LAST ((UINT64_C(1) << 40) - 1)
/* The mirror domain's aperture lies above any EAL IOVA. */
#define MIRROR_START (UINT64_C(1) << 56)
#define MIRROR_LAST ((UINT64_C(1) << 57) - 1)

#define HOTPLUG_MIN (16 * MIB)
#define HOTPLUG_MAX (48 * MIB)
#define REGION_SIZE (4 * MIB)
#define TMP_BUF_SIZE (256 * 1024)

#define UMEM_FRAMES 2048
#define UMEM_FRAME 2048
#define UMEM_TMP_FRAMES 256

#define NIC_MBUFS 2047
#define NIC_RING 256
#define NIC_BURST 16
#define NIC_POLLS 1000
#define NIC_ETHERTYPE 0x88b5

#define TEL_REPLY_MAX (16 * 1024 + 256)

enum stress_kind {
	SD_DIRECT,
	SD_DIRECT_DBG,
	SD_BOUNCE,
	SD_STRICT,
	SD_LAZY,
	SD_EMU_LAZY,
	SD_EMU_STRICT,
	SD_MAX,
};

static const char * const stress_kind_names[SD_MAX] = {
	"direct", "direct_dbg", "bounce", "strict", "lazy", "emu_lazy",
	"emu_strict",
};

/* Operations, counted per lcore; each must run at least once. */
enum stress_op {
	OP_MAP,
	OP_UNMAP,
	OP_SYNC,
	OP_SG,
	OP_TWOSTEP,
	OP_RELINK,
	OP_ALLOC,
	OP_UMEM,
	OP_NIC,
	OP_HOTPLUG,
	OP_REGION,
	OP_ATTACH,
	OP_UMEM_CYCLE,
	OP_TELEMETRY,
	OP_FLUSH,
	OP_MAX,
};

static const char * const stress_op_names[OP_MAX] = {
	"map", "unmap", "sync", "map_sg", "two-step", "relink", "alloc",
	"umem frames", "nic bursts", "hotplug", "regions", "attach/detach",
	"umem pools", "telemetry", "flush",
};

/* A device under stress and how to see what it sees. */
struct stress_dev {
	char name[RTE_DEV_NAME_MAX_LEN];
	bool present;
	int16_t id;
	bool debug;
	bool noncoherent;
	bool umem;                      /* the soak umem is attached */
	struct rte_dmamap_domain *dom;  /* test or emu domain */
	bool test_dom;                  /* dom is a test backend domain */
	struct rte_emu_device *emu;
	rte_iova_t bounce_iova;
	size_t bounce_size;
};

/* One live streaming mapping. */
struct stress_map {
	struct stress_dev *sd;
	uint8_t *va;
	size_t len;
	rte_iova_t iova;
	enum rte_dmamap_dir dir;
	unsigned int slot;
};

struct stress_lcore {
	unsigned int lcore;
	bool main;
	uint8_t *arena;
	unsigned int free_slot[NB_SLOTS];
	unsigned int nb_free;
	struct stress_map live[LIVE_MAX];
	unsigned int nb_live;
	void *frames[FRAMES_HELD_MAX];
	unsigned int nb_frames;
	uint8_t *scratch;               /* what the device read */
	uint8_t *expect;                /* what a buffer must hold */
	uint64_t seq;
	uint64_t next_main;
	uint64_t next_progress;
	unsigned int task;
	uint64_t ops[OP_MAX];
	uint64_t refused[SD_MAX];       /* calls the library refused, as expected */
	int result;
} __rte_cache_aligned;

struct stress_nic {
	bool on;
	bool required;
	uint16_t port[2];
	struct rte_mempool *mp;
	uint64_t sent;
	uint64_t received;
};

static struct {
	bool up;
	unsigned int round;
	unsigned int worker;
	struct stress_dev dev[SD_MAX];
	struct rte_dmamap_domain *mirror;
	struct rte_dmamap_umem *umem;
	struct stress_lcore lc[2];
	struct stress_nic nic;
	uint8_t *tmp_buf;
	int tel_sock;
	uint32_t stop;
	uint64_t start_ns;
	uint64_t deadline_ns;
	uint64_t hotplug_grew;
	uint64_t hotplug_shrank;
	uint64_t nomem;                 /* allocations hugepages ran out for */
	unsigned int base_memzones;
	unsigned int base_pages;
	bool ran;
} soak = { .tel_sock = -1 };

/*
 * Small helpers.
 */

static uint64_t
rnd(uint64_t n)
{
	return n <= 1 ? 0 : rte_rand_max(n);
}

static enum rte_dmamap_dir
rnd_dir(void)
{
	return (enum rte_dmamap_dir)rnd(3);
}

/* Mostly packets, some larger buffers, a few as large as a slot. */
static size_t
rnd_len(size_t max)
{
	uint64_t r = rnd(100);
	size_t cap = r < 60 ? 2048 : r < 90 ? 65536 : max;

	return 1 + rnd(RTE_MIN(cap, max));
}

static uint64_t
next_seed(struct stress_lcore *lc)
{
	return ((uint64_t)lc->lcore << 48) | ++lc->seq;
}

static void
pattern_fill(uint8_t *dst, size_t len, uint64_t seed)
{
	uint64_t w;
	size_t i;

	for (i = 0; i < len; i += sizeof(w)) {
		w = (seed + i) * UINT64_C(0x9e3779b97f4a7c15);
		w ^= w >> 31;
		memcpy(dst + i, &w, RTE_MIN(sizeof(w), len - i));
	}
}

static bool
pattern_ok(struct stress_lcore *lc, const uint8_t *buf, size_t len,
		uint64_t seed)
{
	pattern_fill(lc->expect, len, seed);
	return memcmp(buf, lc->expect, len) == 0;
}

static bool
stress_stopping(void)
{
	return __atomic_load_n(&soak.stop, __ATOMIC_RELAXED) != 0 ||
		test_now_ns() >= soak.deadline_ns;
}

static struct stress_dev *
rnd_dev(void)
{
	struct stress_dev *sd;

	do {
		sd = &soak.dev[rnd(SD_MAX)];
	} while (!sd->present);
	return sd;
}

static bool
in_bounce(const struct stress_dev *sd, rte_iova_t iova)
{
	return iova - sd->bounce_iova < sd->bounce_size;
}

/* Whether [va, va + len) has IOVAs that follow each other. */
static bool
iova_contig(const void *va, size_t len)
{
	uintptr_t a = (uintptr_t)va, p;
	rte_iova_t first = rte_dmamap_virt2iova(va);

	for (p = RTE_ALIGN_FLOOR(a, PAGE) + PAGE; p < a + len; p += PAGE)
		if (rte_dmamap_virt2iova((void *)p) != first + (p - a))
			return false;
	return first != RTE_BAD_IOVA;
}

/* Pages of EAL memory (external memory left out). */
static int
count_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	RTE_SET_USED(ms);
	if (!msl->external)
		(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
eal_pages(void)
{
	unsigned int n = 0;

	rte_memseg_walk(count_page, &n);
	return n;
}

static int
sum_bytes(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	if (!msl->external)
		*(uint64_t *)arg += ms->len;
	return 0;
}

/*
 * What a device sees.
 */

/* Host address of a device address, for devices that are not emu's. */
static void *
dev_host(const struct stress_dev *sd, rte_iova_t iova)
{
	rte_iova_t target = iova;

	if (sd->test_dom)
		target = test_backend_translate(sd->dom, iova);
	return target == RTE_BAD_IOVA ? NULL : rte_dmamap_iova2virt(target);
}

/* The device reads (write false) or writes len bytes at iova. */
static int
dev_access(const struct stress_dev *sd, rte_iova_t iova, void *buf,
		size_t len, bool write)
{
	size_t pos, n;
	void *host;

	if (sd->emu != NULL)
		return write ? rte_emu_dma_write(sd->emu, iova, buf, len) :
			rte_emu_dma_read(sd->emu, iova, buf, len);
	for (pos = 0; pos < len; pos += n) {
		n = RTE_MIN(len - pos, PAGE - ((iova + pos) & (PAGE - 1)));
		host = dev_host(sd, iova + pos);
		if (host == NULL)
			return -EFAULT;
		if (write)
			memcpy(host, (uint8_t *)buf + pos, n);
		else
			memcpy((uint8_t *)buf + pos, host, n);
	}
	return 0;
}

static uint32_t
dir_access(enum rte_dmamap_dir dir)
{
	return dir == RTE_DMAMAP_TO_DEVICE ? RTE_EMU_DMA_READ :
		dir == RTE_DMAMAP_FROM_DEVICE ? RTE_EMU_DMA_WRITE :
		RTE_EMU_DMA_READ | RTE_EMU_DMA_WRITE;
}

/* One page of a mapping leads back to its memory, with the right access. */
static int
check_page(const struct stress_dev *sd, const uint8_t *va, rte_iova_t iova,
		size_t n, enum rte_dmamap_dir dir)
{
	rte_iova_t target;
	uint32_t prot;

	if (sd->emu != NULL) {
		TEST_ASSERT(rte_emu_dma_translate(sd->emu, iova, n,
			dir_access(dir)) == va, "%s: IOVA 0x%" PRIx64 " is not %p",
			sd->name, iova, va);
		return TEST_SUCCESS;
	}
	TEST_ASSERT(dev_host(sd, iova) == va, "%s: IOVA 0x%" PRIx64 " leads to "
		"%p, not %p", sd->name, iova, dev_host(sd, iova), va);
	if (!sd->test_dom)
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(test_backend_lookup(sd->dom, iova, &target, &prot),
		"%s: IOVA 0x%" PRIx64, sd->name, iova);
	TEST_ASSERT_EQUAL(prot, dmamap_dir_prot(dir), "%s: protection of IOVA 0x%"
		PRIx64, sd->name, iova);
	return TEST_SUCCESS;
}

/*
 * Where a mapping leads: page by page to its memory, or, bounced, into the
 * device's pool. A non-coherent emu device is checked by its data only.
 */
static int
check_placement(const struct stress_dev *sd, const uint8_t *va, size_t len,
		rte_iova_t iova, enum rte_dmamap_dir dir)
{
	size_t pos, n;

	TEST_ASSERT(iova != RTE_BAD_IOVA && iova + len - 1 >= iova,
		"%s: IOVA 0x%" PRIx64 "+%zu", sd->name, iova, len);
	if (in_bounce(sd, iova)) {
		TEST_ASSERT(iova + len - 1 - sd->bounce_iova < sd->bounce_size,
			"%s: bounce mapping overruns the pool", sd->name);
		return TEST_SUCCESS;
	}
	if (sd->noncoherent)
		return TEST_SUCCESS;
	for (pos = 0; pos < len; pos += n) {
		n = RTE_MIN(len - pos, PAGE - ((iova + pos) & (PAGE - 1)));
		if (check_page(sd, va + pos, iova + pos, n, dir) != TEST_SUCCESS)
			return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

/* The device reads [iova, +len) and finds what the CPU has at va. */
static int
check_device_reads(struct stress_lcore *lc, const struct stress_dev *sd,
		const uint8_t *va, rte_iova_t iova, size_t len)
{
	size_t pos, n;

	for (pos = 0; pos < len; pos += n) {
		n = RTE_MIN(len - pos, SLOT_SIZE);
		TEST_ASSERT_SUCCESS(dev_access(sd, iova + pos, lc->scratch, n,
			false), "%s: device read of IOVA 0x%" PRIx64 "+%zu",
			sd->name, iova + pos, n);
		TEST_ASSERT(memcmp(lc->scratch, va + pos, n) == 0, "%s: device "
			"read of IOVA 0x%" PRIx64 "+%zu differs from %p", sd->name,
			iova + pos, n, va + pos);
	}
	return TEST_SUCCESS;
}

static int
device_writes(struct stress_lcore *lc, const struct stress_dev *sd,
		rte_iova_t iova, size_t len, uint64_t seed)
{
	pattern_fill(lc->expect, len, seed);
	TEST_ASSERT_SUCCESS(dev_access(sd, iova, lc->expect, len, true),
		"%s: device write of IOVA 0x%" PRIx64 "+%zu", sd->name, iova, len);
	return TEST_SUCCESS;
}

/* Whether the device may read through a mapping of this direction. */
static bool
dev_reads(const struct stress_dev *sd, enum rte_dmamap_dir dir)
{
	return dir != RTE_DMAMAP_FROM_DEVICE ||
		(sd->emu == NULL && sd->dom == NULL);
}

/* A fresh mapping: where it leads and what the device reads there. */
static int
check_mapping(struct stress_lcore *lc, const struct stress_dev *sd,
		const uint8_t *va, size_t len, rte_iova_t iova,
		enum rte_dmamap_dir dir)
{
	if (check_placement(sd, va, len, iova, dir) != TEST_SUCCESS)
		return TEST_FAILED;
	if (!dev_reads(sd, dir))
		return TEST_SUCCESS;
	return check_device_reads(lc, sd, va, iova, len);
}

/*
 * The refusals a device's kind allows: a direct device and a buffer that is
 * not IOVA-contiguous, a bounce pool that is full.
 */
static bool
refusal_expected(const struct stress_dev *sd, const void *va, size_t len,
		int err)
{
	if (sd->dom == NULL && sd->bounce_size == 0)
		return err == ERANGE && !iova_contig(va, len);
	return sd->bounce_size != 0 && err == ENOSPC;
}

/* Counted, to match the library's error counter at the end. */
static int
check_refusal(struct stress_lcore *lc, const struct stress_dev *sd,
		const void *va, size_t len, int err)
{
	TEST_ASSERT(refusal_expected(sd, va, len, err), "%s: map of %p+%zu "
		"refused: %s", sd->name, va, len, strerror(err));
	lc->refused[sd - soak.dev]++;
	return TEST_SUCCESS;
}

/*
 * Slots and live mappings of an lcore.
 */

static bool
slot_take(struct stress_lcore *lc, unsigned int *slot)
{
	if (lc->nb_free == 0)
		return false;
	*slot = lc->free_slot[--lc->nb_free];
	return true;
}

static void
slot_put(struct stress_lcore *lc, unsigned int slot)
{
	lc->free_slot[lc->nb_free++] = slot;
}

static uint8_t *
slot_va(const struct stress_lcore *lc, unsigned int slot)
{
	return lc->arena + (size_t)slot * SLOT_SIZE;
}

static void
live_drop(struct stress_lcore *lc, unsigned int i)
{
	slot_put(lc, lc->live[i].slot);
	lc->live[i] = lc->live[--lc->nb_live];
}

/*
 * Streaming operations, on either lcore.
 */

static int
op_map(struct stress_lcore *lc)
{
	struct stress_map *m = &lc->live[lc->nb_live];
	size_t off;

	if (lc->nb_live == LIVE_MAX || !slot_take(lc, &m->slot))
		return TEST_SUCCESS;
	m->sd = rnd_dev();
	m->dir = rnd_dir();
	m->len = rnd_len(SLOT_SIZE);
	off = rnd(SLOT_SIZE - m->len + 1);
	m->va = slot_va(lc, m->slot) + off;
	pattern_fill(m->va, m->len, next_seed(lc));
	m->iova = rte_dmamap_map_single(m->sd->id, m->va, m->len, m->dir);
	lc->ops[OP_MAP]++;
	if (m->iova == RTE_BAD_IOVA) {
		slot_put(lc, m->slot);
		return check_refusal(lc, m->sd, m->va, m->len, rte_errno);
	}
	lc->nb_live++;
	return check_mapping(lc, m->sd, m->va, m->len, m->iova, m->dir);
}

/* Unmap a live mapping; what the device wrote must then be the CPU's. */
static int
unmap_live(struct stress_lcore *lc, unsigned int i)
{
	struct stress_map *m = &lc->live[i];
	uint64_t seed = next_seed(lc);
	int ret;

	if (check_placement(m->sd, m->va, m->len, m->iova, m->dir) != TEST_SUCCESS)
		return TEST_FAILED;
	if (m->dir != RTE_DMAMAP_TO_DEVICE &&
			device_writes(lc, m->sd, m->iova, m->len, seed) != TEST_SUCCESS)
		return TEST_FAILED;
	ret = rte_dmamap_unmap_single(m->sd->id, m->iova, m->len, m->dir);
	TEST_ASSERT_SUCCESS(ret, "%s: unmap of IOVA 0x%" PRIx64 "+%zu",
		m->sd->name, m->iova, m->len);
	TEST_ASSERT(m->dir == RTE_DMAMAP_TO_DEVICE ||
		pattern_ok(lc, m->va, m->len, seed), "%s: device data of IOVA 0x%"
		PRIx64 " not at %p after unmap", m->sd->name, m->iova, m->va);
	live_drop(lc, i);
	lc->ops[OP_UNMAP]++;
	return TEST_SUCCESS;
}

static int
op_unmap(struct stress_lcore *lc)
{
	if (lc->nb_live == 0)
		return TEST_SUCCESS;
	return unmap_live(lc, rnd(lc->nb_live));
}

/* The CPU wrote part of a mapping and gives it to the device. */
static int
sync_to_device(struct stress_lcore *lc, const struct stress_map *m,
		size_t off, size_t len)
{
	pattern_fill(m->va + off, len, next_seed(lc));
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_device(m->sd->id, m->iova + off,
		len, m->dir), "%s: sync for device", m->sd->name);
	if (!dev_reads(m->sd, m->dir))
		return TEST_SUCCESS;
	return check_device_reads(lc, m->sd, m->va, m->iova, m->len);
}

/* The device wrote part of a mapping and the CPU takes it back. */
static int
sync_to_cpu(struct stress_lcore *lc, const struct stress_map *m, size_t off,
		size_t len)
{
	uint64_t seed = next_seed(lc);

	if (device_writes(lc, m->sd, m->iova + off, len, seed) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(m->sd->id, m->iova + off,
		len, m->dir), "%s: sync for cpu", m->sd->name);
	TEST_ASSERT(pattern_ok(lc, m->va + off, len, seed), "%s: device data "
		"of IOVA 0x%" PRIx64 "+%zu not at %p after sync", m->sd->name,
		m->iova + off, len, m->va + off);
	return TEST_SUCCESS;
}

/* Sync part of a live mapping, in a direction its own allows. */
static int
op_sync(struct stress_lcore *lc)
{
	const struct stress_map *m;
	size_t off, len;

	if (lc->nb_live == 0)
		return TEST_SUCCESS;
	m = &lc->live[rnd(lc->nb_live)];
	off = rnd(2) ? 0 : rnd(m->len);
	len = off == 0 && rnd(2) ? m->len : 1 + rnd(m->len - off);
	lc->ops[OP_SYNC]++;
	if (m->dir == RTE_DMAMAP_TO_DEVICE ||
			(m->dir == RTE_DMAMAP_BIDIRECTIONAL && rnd(2)))
		return sync_to_device(lc, m, off, len);
	return sync_to_cpu(lc, m, off, len);
}

/*
 * Segments in one slot, each starting on a cache line of its own, some
 * back to back so the library can merge them.
 */
static unsigned int
sg_build(struct stress_lcore *lc, uint8_t *base, struct rte_dmamap_sge *sg,
		uint64_t *seeds)
{
	unsigned int n = 2 + rnd(SG_MAX - 1), i;
	size_t pos = 0, room;

	for (i = 0; i < n; i++) {
		room = SLOT_SIZE - pos;
		if (room < 128)
			break;
		sg[i].va = base + pos;
		sg[i].len = rnd(4) == 0 ? RTE_ALIGN_CEIL(rnd_len(room / 2), 64) :
			rnd_len(room / 2);
		seeds[i] = next_seed(lc);
		pattern_fill(sg[i].va, sg[i].len, seeds[i]);
		pos += RTE_ALIGN_CEIL(sg[i].len, 64) + (rnd(2) ? 0 : 64 * rnd(8));
	}
	return i;
}

static int
sg_check(struct stress_lcore *lc, const struct stress_dev *sd,
		const struct rte_dmamap_sge *sg, unsigned int n, int nb_dma,
		enum rte_dmamap_dir dir)
{
	uint64_t len = 0, dma_len = 0;
	unsigned int i;

	TEST_ASSERT(nb_dma >= 1 && nb_dma <= (int)n, "%s: %d DMA segments for "
		"%u", sd->name, nb_dma, n);
	TEST_ASSERT_EQUAL(sg[0].dma_len != 0, 1, "%s: first segment merged",
		sd->name);
	for (i = 0; i < n; i++) {
		len += sg[i].len;
		dma_len += sg[i].dma_len;
		if (check_mapping(lc, sd, sg[i].va, sg[i].len, sg[i].iova,
				dir) != TEST_SUCCESS)
			return TEST_FAILED;
	}
	TEST_ASSERT_EQUAL(len, dma_len, "%s: DMA lengths", sd->name);
	return TEST_SUCCESS;
}

static int
sg_unmap(struct stress_lcore *lc, const struct stress_dev *sd,
		struct rte_dmamap_sge *sg, unsigned int n, enum rte_dmamap_dir dir)
{
	uint64_t seeds[SG_MAX];
	unsigned int i;

	for (i = 0; i < n && dir != RTE_DMAMAP_TO_DEVICE; i++) {
		seeds[i] = next_seed(lc);
		if (device_writes(lc, sd, sg[i].iova, sg[i].len, seeds[i]) !=
				TEST_SUCCESS)
			return TEST_FAILED;
	}
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_sg(sd->id, sg, n, dir),
		"%s: unmap_sg", sd->name);
	for (i = 0; i < n && dir != RTE_DMAMAP_TO_DEVICE; i++)
		TEST_ASSERT(pattern_ok(lc, sg[i].va, sg[i].len, seeds[i]),
			"%s: segment %u: device data not at %p after unmap_sg",
			sd->name, i, sg[i].va);
	return TEST_SUCCESS;
}

/* One of the segments explains the refusal. */
static int
sg_refused(struct stress_lcore *lc, const struct stress_dev *sd,
		const struct rte_dmamap_sge *sg, unsigned int n, int err)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (refusal_expected(sd, sg[i].va, sg[i].len, -err))
			break;
	TEST_ASSERT(i < n, "%s: map_sg of %u segments refused: %s", sd->name,
		n, strerror(-err));
	lc->refused[sd - soak.dev]++;
	return TEST_SUCCESS;
}

static int
op_sg(struct stress_lcore *lc)
{
	struct rte_dmamap_sge sg[SG_MAX] = { 0 };
	struct stress_dev *sd = rnd_dev();
	enum rte_dmamap_dir dir = rnd_dir();
	uint64_t seeds[SG_MAX];
	unsigned int slot, n;
	int ret;

	if (!slot_take(lc, &slot))
		return TEST_SUCCESS;
	n = sg_build(lc, slot_va(lc, slot), sg, seeds);
	ret = rte_dmamap_map_sg(sd->id, sg, n, dir);
	lc->ops[OP_SG]++;
	if (ret < 0)
		ret = sg_refused(lc, sd, sg, n, ret);
	else if (sg_check(lc, sd, sg, n, ret, dir) != TEST_SUCCESS)
		ret = TEST_FAILED;
	else
		ret = sg_unmap(lc, sd, sg, n, dir);
	slot_put(lc, slot);
	return ret;
}

/*
 * Two-step: a range reserved, linked in pieces, synced once, checked,
 * partly unlinked and linked again, then destroyed or unlinked and freed.
 */

struct twostep {
	struct stress_dev *sd;
	struct rte_dmamap_iova_state st;
	uint8_t *va;
	size_t size;
	enum rte_dmamap_dir dir;
	size_t cut[5];        /* piece boundaries, cut[0] = 0, last = size */
	unsigned int nb_pieces;
};

/*
 * Pieces: every link but the first starts on a granule boundary, every
 * link but the last ends on one.
 */
static void
twostep_cuts(struct twostep *t)
{
	size_t g = t->st.granule, o = (uintptr_t)t->va & (g - 1);
	size_t nb_k = (t->size + o - 1) / g, c;
	unsigned int i, j, want = rnd(4);

	t->nb_pieces = 0;
	for (i = 0; i < want && nb_k > 0; i++) {
		c = (1 + rnd(nb_k)) * g - o;
		/* Insert in order, once. */
		for (j = t->nb_pieces; j > 0 && t->cut[j] > c; j--)
			t->cut[j + 1] = t->cut[j];
		if (j > 0 && t->cut[j] == c) {
			for (j++; j <= t->nb_pieces; j++)
				t->cut[j] = t->cut[j + 1];
			continue;
		}
		t->cut[j + 1] = c;
		t->nb_pieces++;
	}
	t->cut[0] = 0;
	t->cut[++t->nb_pieces] = t->size;
}

static int
twostep_link(struct twostep *t, unsigned int piece)
{
	size_t off = t->cut[piece], len = t->cut[piece + 1] - off;

	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(t->sd->id, &t->st, t->va + off,
		off, len, t->dir), "%s: link [0x%zx, +0x%zx) of a range of 0x%zx",
		t->sd->name, off, len, t->size);
	return TEST_SUCCESS;
}

static int
twostep_check(struct stress_lcore *lc, struct twostep *t, size_t off)
{
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(t->sd->id, &t->st, off,
		t->size - off), "%s: iova sync", t->sd->name);
	return check_mapping(lc, t->sd, t->va + off, t->size - off,
		t->st.addr + off, t->dir);
}

/*
 * Unlink the last piece and link it again. Not on the lazy test domain:
 * there a relink before the next flush is by design, and the test backend
 * would count it as a map of stale IOVA, which must stay 0 for streaming.
 */
static int
twostep_relink(struct stress_lcore *lc, struct twostep *t)
{
	unsigned int last = t->nb_pieces - 1;
	size_t off = t->cut[last];

	if (t->sd == &soak.dev[SD_LAZY] || rnd(2))
		return TEST_SUCCESS;
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_unlink(t->sd->id, &t->st, off,
		t->size - off, t->dir), "%s: unlink", t->sd->name);
	if (twostep_link(t, last) != TEST_SUCCESS)
		return TEST_FAILED;
	lc->ops[OP_RELINK]++;
	return twostep_check(lc, t, off);
}

/* Let the device write, end the range, and find the data in memory. */
static int
twostep_end(struct stress_lcore *lc, struct twostep *t)
{
	uint64_t seed = next_seed(lc);
	unsigned int i;

	if (t->dir != RTE_DMAMAP_TO_DEVICE &&
			device_writes(lc, t->sd, t->st.addr, t->size, seed) !=
			TEST_SUCCESS)
		return TEST_FAILED;
	if (rnd(2)) {
		TEST_ASSERT_SUCCESS(rte_dmamap_iova_destroy(t->sd->id, &t->st,
			t->size, t->dir), "%s: destroy", t->sd->name);
	} else {
		for (i = 0; i < t->nb_pieces; i++)
			TEST_ASSERT_SUCCESS(rte_dmamap_iova_unlink(t->sd->id,
				&t->st, t->cut[i], t->cut[i + 1] - t->cut[i],
				t->dir), "%s: unlink piece %u", t->sd->name, i);
		TEST_ASSERT_SUCCESS(rte_dmamap_iova_free(t->sd->id, &t->st),
			"%s: free", t->sd->name);
	}
	TEST_ASSERT(t->dir == RTE_DMAMAP_TO_DEVICE ||
		pattern_ok(lc, t->va, t->size, seed), "%s: device data not in "
		"memory after the range ended", t->sd->name);
	return TEST_SUCCESS;
}

static int
twostep_run(struct stress_lcore *lc, struct twostep *t)
{
	unsigned int i;

	twostep_cuts(t);
	for (i = 0; i < t->nb_pieces; i++)
		if (twostep_link(t, i) != TEST_SUCCESS)
			return TEST_FAILED;
	if (twostep_check(lc, t, 0) != TEST_SUCCESS ||
			twostep_relink(lc, t) != TEST_SUCCESS)
		return TEST_FAILED;
	return twostep_end(lc, t);
}

static int
op_twostep(struct stress_lcore *lc)
{
	struct twostep t = { .sd = rnd_dev(), .dir = rnd_dir() };
	unsigned int slot;
	bool reserved;
	int ret;

	if (!slot_take(lc, &slot))
		return TEST_SUCCESS;
	t.va = slot_va(lc, slot) + rnd(PAGE);
	t.size = 1 + rnd(SLOT_SIZE - PAGE);
	pattern_fill(t.va, t.size, next_seed(lc));
	reserved = rte_dmamap_iova_try_alloc(t.sd->id, &t.st, t.va, t.size);
	lc->ops[OP_TWOSTEP]++;
	if (!reserved) {
		slot_put(lc, slot);
		/* Without a domain the caller falls back to streaming. */
		TEST_ASSERT(t.sd->dom == NULL && rte_errno == 0, "%s: try_alloc: "
			"%s", t.sd->name, strerror(rte_errno));
		return TEST_SUCCESS;
	}
	TEST_ASSERT(t.sd->dom != NULL, "%s: a range without a domain", t.sd->name);
	ret = twostep_run(lc, &t);
	slot_put(lc, slot);
	return ret;
}

/*
 * Allocation: coherent, or non-coherent with syncs.
 */

static int
alloc_check(struct stress_lcore *lc, const struct stress_dev *sd, uint8_t *va,
		rte_iova_t iova, size_t size, bool coherent)
{
	enum rte_dmamap_dir dir = RTE_DMAMAP_BIDIRECTIONAL;
	uint64_t seed = next_seed(lc);

	if (check_placement(sd, va, size, iova, dir) != TEST_SUCCESS)
		return TEST_FAILED;
	pattern_fill(va, size, next_seed(lc));
	TEST_ASSERT(coherent || rte_dmamap_sync_for_device(sd->id, iova, size,
		dir) == 0, "%s: sync for device", sd->name);
	if (check_device_reads(lc, sd, va, iova, size) != TEST_SUCCESS ||
			device_writes(lc, sd, iova, size, seed) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT(coherent || rte_dmamap_sync_for_cpu(sd->id, iova, size,
		dir) == 0, "%s: sync for cpu", sd->name);
	TEST_ASSERT(pattern_ok(lc, va, size, seed), "%s: %scoherent memory %p: "
		"device data not seen", sd->name, coherent ? "" : "non-", va);
	return TEST_SUCCESS;
}

static int
op_alloc(struct stress_lcore *lc)
{
	struct stress_dev *sd = rnd_dev();
	size_t size = 1 + rnd(64 * 1024);
	bool coherent = rnd(2);
	rte_iova_t iova;
	uint8_t *va;
	int ret;

	va = coherent ? rte_dmamap_alloc_coherent(sd->id, size, &iova) :
		rte_dmamap_alloc_noncoherent(sd->id, size, &iova,
			RTE_DMAMAP_BIDIRECTIONAL);
	lc->ops[OP_ALLOC]++;
	if (va == NULL) {
		/* Hugepages are shared with other programs: they may run out. */
		TEST_ASSERT(rte_errno == ENOMEM, "%s: allocation of %zu: %s",
			sd->name, size, strerror(rte_errno));
		lc->refused[sd - soak.dev]++;
		__atomic_fetch_add(&soak.nomem, 1, __ATOMIC_RELAXED);
		return TEST_SUCCESS;
	}
	ret = alloc_check(lc, sd, va, iova, size, coherent);
	if (coherent)
		TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(sd->id, size, va,
			iova), "%s: free", sd->name);
	else
		TEST_ASSERT_SUCCESS(rte_dmamap_free_noncoherent(sd->id, size, va,
			iova, RTE_DMAMAP_BIDIRECTIONAL), "%s: free", sd->name);
	return ret;
}

/*
 * Umem frames: every device the pool is attached to reaches each frame
 * at the address the pool gives.
 */

static int
umem_frame_check(const struct rte_dmamap_umem *umem, void *frame)
{
	const struct stress_dev *sd;
	rte_iova_t iova;
	unsigned int i;

	for (i = 0; i < SD_MAX; i++) {
		sd = &soak.dev[i];
		if (!sd->present || !sd->umem)
			continue;
		iova = rte_dmamap_umem_iova(umem, sd->id, frame);
		if (check_placement(sd, frame, UMEM_FRAME, iova,
				RTE_DMAMAP_BIDIRECTIONAL) != TEST_SUCCESS)
			return TEST_FAILED;
		TEST_ASSERT(rte_dmamap_umem_iova2addr(umem, sd->id, iova) == frame,
			"%s: umem IOVA 0x%" PRIx64 " back to %p", sd->name, iova,
			frame);
	}
	return TEST_SUCCESS;
}

static int
op_umem(struct stress_lcore *lc)
{
	unsigned int n, i;

	lc->ops[OP_UMEM]++;
	if (lc->nb_frames > 0 && (lc->nb_frames == FRAMES_HELD_MAX || rnd(2))) {
		n = 1 + rnd(lc->nb_frames);
		lc->nb_frames -= n;
		rte_dmamap_umem_free_bulk(soak.umem, &lc->frames[lc->nb_frames], n);
		return TEST_SUCCESS;
	}
	n = 1 + rnd(RTE_MIN(FRAMES_BULK_MAX, FRAMES_HELD_MAX - lc->nb_frames));
	if (rte_dmamap_umem_alloc_bulk(soak.umem, &lc->frames[lc->nb_frames], n) < 0)
		return TEST_SUCCESS;  /* the other lcore holds the rest */
	for (i = 0; i < n; i++)
		if (umem_frame_check(soak.umem, lc->frames[lc->nb_frames + i]) !=
				TEST_SUCCESS)
			return TEST_FAILED;
	lc->nb_frames += n;
	return TEST_SUCCESS;
}

/*
 * NIC forwarding, on the worker lcore: frames go from port 0 to port 1 over
 * the cable, are forwarded back by port 1, and must arrive whole.
 */

static struct rte_mbuf *
nic_frame(uint16_t len, uint64_t seed)
{
	static const uint8_t hdr[14] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0, 0, 0, 0x50, 0x4b, NIC_ETHERTYPE >> 8, NIC_ETHERTYPE & 0xff,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(soak.nic.mp);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	pattern_fill(p, len, seed);
	memcpy(p, hdr, sizeof(hdr));
	return m;
}

static bool
nic_frame_ok(struct stress_lcore *lc, const struct rte_mbuf *m, uint16_t len,
		uint64_t seed)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->pkt_len != len || m->nb_segs != 1)
		return false;
	pattern_fill(lc->expect, len, seed);
	return memcmp(p + 14, lc->expect + 14, len - 14) == 0;
}

/* Send n frames on one port, receive them on the other, in order. */
static int
nic_hop(struct stress_lcore *lc, uint16_t from, uint16_t to,
		struct rte_mbuf **m, unsigned int n, const uint16_t *len,
		const uint64_t *seed)
{
	unsigned int sent = 0, got = 0, polls, i;

	for (polls = 0; sent < n && polls < NIC_POLLS; polls++)
		sent += rte_eth_tx_burst(from, 0, m + sent, n - sent);
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	TEST_ASSERT_EQUAL(sent, n, "NIC port %u sent", from);
	for (polls = 0; got < n && polls < NIC_POLLS; polls++)
		got += rte_eth_rx_burst(to, 0, m + got, n - got);
	for (i = 0; i < got; i++)
		if (!nic_frame_ok(lc, m[i], len[i], seed[i]))
			break;
	if (i < got || got < n)
		rte_pktmbuf_free_bulk(m, got);
	TEST_ASSERT_EQUAL(got, n, "NIC port %u received", to);
	TEST_ASSERT_EQUAL(i, got, "NIC frame %u of %u differs", i, got);
	return TEST_SUCCESS;
}

static int
op_nic(struct stress_lcore *lc)
{
	struct rte_mbuf *m[NIC_BURST];
	uint16_t len[NIC_BURST];
	uint64_t seed[NIC_BURST];
	unsigned int n = 1 + rnd(NIC_BURST), i;

	if (!soak.nic.on)
		return TEST_SUCCESS;
	for (i = 0; i < n; i++) {
		len[i] = 60 + rnd(RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN - 60 + 1);
		seed[i] = next_seed(lc);
		m[i] = nic_frame(len[i], seed[i]);
		if (m[i] == NULL) {
			rte_pktmbuf_free_bulk(m, i);
			TEST_ASSERT(false, "no mbuf for the NIC");
		}
	}
	lc->ops[OP_NIC]++;
	if (nic_hop(lc, soak.nic.port[0], soak.nic.port[1], m, n, len, seed) !=
			TEST_SUCCESS ||
			nic_hop(lc, soak.nic.port[1], soak.nic.port[0], m, n, len,
			seed) != TEST_SUCCESS)
		return TEST_FAILED;
	rte_pktmbuf_free_bulk(m, n);
	soak.nic.sent += n;
	soak.nic.received += n;
	return TEST_SUCCESS;
}

/*
 * Tasks of the main lcore.
 */

/* Map a few pieces of memory that just came in on random devices. */
static int
hotplug_map_pieces(struct stress_lcore *lc, uint8_t *p, size_t size)
{
	struct stress_dev *sd;
	rte_iova_t iova;
	unsigned int i;
	uint8_t *va;
	size_t len;

	for (i = 0; i < 3; i++) {
		sd = rnd_dev();
		len = rnd_len(SLOT_SIZE);
		va = p + rnd(size - len + 1);
		pattern_fill(va, len, next_seed(lc));
		iova = rte_dmamap_map_single(sd->id, va, len, RTE_DMAMAP_TO_DEVICE);
		if (iova == RTE_BAD_IOVA) {
			if (check_refusal(lc, sd, va, len, rte_errno) != TEST_SUCCESS)
				return TEST_FAILED;
			continue;
		}
		if (check_mapping(lc, sd, va, len, iova, RTE_DMAMAP_TO_DEVICE) !=
				TEST_SUCCESS)
			return TEST_FAILED;
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(sd->id, iova, len,
			RTE_DMAMAP_TO_DEVICE), "%s: unmap", sd->name);
	}
	return TEST_SUCCESS;
}

/* Every hugepage of new memory is mirrored at its own IOVA. */
static int
hotplug_mirrored(const uint8_t *p, size_t size)
{
	const struct rte_memseg *ms;
	uintptr_t a = (uintptr_t)p;

	while (a < (uintptr_t)p + size) {
		ms = rte_mem_virt2memseg((void *)a, NULL);
		TEST_ASSERT_NOT_NULL(ms, "no memseg at 0x%" PRIxPTR, a);
		TEST_ASSERT_EQUAL(test_backend_translate(soak.mirror, ms->iova),
			ms->iova, "hotplugged page %p not mirrored", ms->addr);
		a = ms->addr_64 + ms->len;
	}
	return TEST_SUCCESS;
}

/*
 * Allocate tens of MiB so EAL adds hugepages (memory events), use them,
 * free them so EAL gives the pages back, while the worker maps its own.
 */
static int
task_hotplug(struct stress_lcore *lc)
{
	size_t size = HOTPLUG_MIN + RTE_ALIGN_FLOOR(rnd(HOTPLUG_MAX - HOTPLUG_MIN),
		2 * MIB);
	unsigned int before = eal_pages(), after;
	uint8_t *p;
	int ret;

	p = rte_malloc("soak_hotplug", size, PAGE);
	if (p == NULL) {
		soak.nomem++;  /* hugepages are shared: not an error */
		return TEST_SUCCESS;
	}
	after = eal_pages();
	soak.hotplug_grew += after > before;
	ret = hotplug_mirrored(p, size);
	if (ret == TEST_SUCCESS)
		ret = hotplug_map_pieces(lc, p, size);
	rte_free(p);
	soak.hotplug_shrank += eal_pages() < after;
	lc->ops[OP_HOTPLUG]++;
	return ret;
}

static struct stress_dev *
rnd_domain_dev(void)
{
	struct stress_dev *sd;

	do {
		sd = rnd_dev();
	} while (sd->dom == NULL);
	return sd;
}

/* A memzone mapped for a domain device as one region, then unmapped. */
static int
task_region(struct stress_lcore *lc)
{
	struct stress_dev *sd = rnd_domain_dev();
	struct rte_dmamap_region region;
	const struct rte_memzone *mz;
	int ret;

	mz = rte_memzone_reserve_aligned("soak_region", REGION_SIZE,
		SOCKET_ID_ANY, 0, PAGE);
	if (mz == NULL) {
		soak.nomem++;
		return TEST_SUCCESS;
	}
	pattern_fill(mz->addr, mz->len, next_seed(lc));
	ret = rte_dmamap_memzone_map(sd->id, mz, RTE_DMAMAP_TO_DEVICE, &region);
	if (ret == 0 && !region.direct)
		ret = check_mapping(lc, sd, mz->addr, mz->len, region.iova,
			RTE_DMAMAP_TO_DEVICE);
	if (ret == 0)
		ret = rte_dmamap_region_unmap(sd->id, &region, RTE_DMAMAP_TO_DEVICE);
	rte_memzone_free(mz);
	lc->ops[OP_REGION]++;
	TEST_ASSERT_SUCCESS(ret, "%s: memzone region", sd->name);
	return TEST_SUCCESS;
}

/* Map and unmap a few buffers of the spare buffer on a device. */
static int
tmp_dev_traffic(struct stress_lcore *lc, struct stress_dev *sd)
{
	unsigned int i;
	rte_iova_t iova;
	size_t len;

	for (i = 0; i < 8; i++) {
		len = rnd_len(TMP_BUF_SIZE);
		pattern_fill(soak.tmp_buf, len, next_seed(lc));
		iova = rte_dmamap_map_single(sd->id, soak.tmp_buf, len,
			RTE_DMAMAP_TO_DEVICE);
		TEST_ASSERT(iova != RTE_BAD_IOVA, "%s: map: %s", sd->name,
			strerror(rte_errno));
		if (check_mapping(lc, sd, soak.tmp_buf, len, iova,
				RTE_DMAMAP_TO_DEVICE) != TEST_SUCCESS)
			return TEST_FAILED;
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(sd->id, iova, len,
			RTE_DMAMAP_TO_DEVICE), "%s: unmap", sd->name);
	}
	return TEST_SUCCESS;
}

static int
tmp_dev_attach(struct stress_dev *sd, struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 40,
		.flags = RTE_DMAMAP_F_DEBUG,
		.bypass = RTE_DMAMAP_BYPASS_NEVER,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};
	int id = rte_dmamap_attach(test_device(sd->name), &conf);

	TEST_ASSERT(id >= 0, "attach %s: %s", sd->name, strerror(-id));
	sd->id = id;
	sd->dom = dom;
	sd->test_dom = true;
	return TEST_SUCCESS;
}

/* The backend of the domain just destroyed had nothing left mapped. */
static int
tmp_domain_released(void)
{
	struct test_backend_stats st;
	char name[RTE_DMAMAP_NAME_LEN];

	TEST_ASSERT_SUCCESS(test_backend_last_released(name, &st), "released");
	TEST_ASSERT(strcmp(name, "soak_tmp") == 0, "last released: %s", name);
	TEST_ASSERT_EQUAL(st.ranges, 0, "soak_tmp: ranges left at destroy");
	return TEST_SUCCESS;
}

/*
 * A device attached, used and detached while the others work: alone in a
 * domain of its own (created and destroyed with it), or sharing the strict
 * domain with the strict device.
 */
static int
task_attach(struct stress_lcore *lc)
{
	struct stress_dev sd = { .name = "soak_tmp", .present = true };
	struct rte_dmamap_domain *dom = soak.dev[SD_STRICT].dom;
	bool own = rnd(2);
	int ret;

	if (own) {
		dom = test_backend_domain_create("soak_tmp", APERTURE_START,
			APERTURE_LAST, rnd(2) ? RTE_DMAMAP_FLUSH_LAZY :
			RTE_DMAMAP_FLUSH_STRICT, 0, 0);
		TEST_ASSERT_NOT_NULL(dom, "domain: %s", rte_strerror(rte_errno));
	}
	ret = tmp_dev_attach(&sd, dom);
	if (ret == TEST_SUCCESS) {
		ret = tmp_dev_traffic(lc, &sd);
		TEST_ASSERT_SUCCESS(rte_dmamap_detach(sd.id), "detach");
	}
	lc->ops[OP_ATTACH]++;
	if (!own)
		return ret;
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_destroy(dom), "destroy");
	return ret == TEST_SUCCESS ? tmp_domain_released() : ret;
}

/* A second pool, attached to two devices, used, detached, destroyed. */
static int
task_umem_cycle(struct stress_lcore *lc)
{
	struct rte_dmamap_umem_conf conf = {
		.name = "soak_umem_tmp",
		.frame_size = 4096,
		.nb_frames = UMEM_TMP_FRAMES,
		.socket_id = SOCKET_ID_ANY,
	};
	int16_t a = soak.dev[SD_LAZY].id, b = soak.dev[SD_EMU_STRICT].id;
	struct rte_dmamap_umem *um = rte_dmamap_umem_create(&conf);
	void *f[16];
	int ret;

	if (um == NULL && rte_errno == ENOMEM) {
		soak.nomem++;
		return TEST_SUCCESS;
	}
	TEST_ASSERT_NOT_NULL(um, "umem: %s", rte_strerror(rte_errno));
	ret = rte_dmamap_umem_attach(um, a);
	if (ret == 0)
		ret = rte_dmamap_umem_attach(um, b);
	if (ret == 0 && rte_dmamap_umem_alloc_bulk(um, f, RTE_DIM(f)) == 0) {
		TEST_ASSERT_EQUAL(test_backend_translate(soak.dev[SD_LAZY].dom,
			rte_dmamap_umem_iova(um, a, f[7])), rte_dmamap_virt2iova(f[7]),
			"umem frame through the lazy domain");
		rte_dmamap_umem_free_bulk(um, f, RTE_DIM(f));
	}
	TEST_ASSERT_SUCCESS(ret, "umem attach: %s", strerror(-ret));
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, b), "umem detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(um, a), "umem detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_destroy(um), "umem destroy");
	lc->ops[OP_UMEM_CYCLE]++;
	return TEST_SUCCESS;
}

/*
 * Telemetry, asked through the process's socket as a client would: the
 * handlers run on the telemetry thread while both lcores map.
 */

static void
tel_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char info[1024];

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/dpdk_telemetry.v2",
		rte_eal_get_runtime_dir());
	soak.tel_sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (soak.tel_sock < 0)
		return;
	if (connect(soak.tel_sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
			read(soak.tel_sock, info, sizeof(info)) <= 0) {
		printf("telemetry socket %s: not available, not queried\n",
			addr.sun_path);
		close(soak.tel_sock);
		soak.tel_sock = -1;
	}
}

static int
tel_query(const char *cmd)
{
	static char reply[TEL_REPLY_MAX];
	ssize_t n;

	TEST_ASSERT(write(soak.tel_sock, cmd, strlen(cmd)) >= 0, "send %s", cmd);
	n = read(soak.tel_sock, reply, sizeof(reply) - 1);
	TEST_ASSERT(n > 0, "no reply to %s", cmd);
	reply[n] = '\0';
	TEST_ASSERT(strncmp(reply, "{\"/dmamap/", 10) == 0 &&
		strstr(reply, "null") == NULL, "%s: %s", cmd, reply);
	return TEST_SUCCESS;
}

static int
task_telemetry(struct stress_lcore *lc)
{
	static const char * const cmds[] = { "stats", "info", "mappings" };
	const struct stress_dev *sd;
	char cmd[64];

	if (soak.tel_sock < 0)
		return TEST_SUCCESS;
	if (tel_query("/dmamap/list") != TEST_SUCCESS)
		return TEST_FAILED;
	do {
		sd = rnd_dev();
	} while (!sd->debug);
	snprintf(cmd, sizeof(cmd), "/dmamap/%s,%d", cmds[rnd(RTE_DIM(cmds))],
		sd->id);
	lc->ops[OP_TELEMETRY]++;
	return tel_query(cmd);
}

/* Flush the lazy domains and read every device's counters meanwhile. */
static int
task_flush(struct stress_lcore *lc)
{
	struct rte_dmamap_stats st;
	unsigned int i;

	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(soak.dev[SD_LAZY].dom),
		"flush lazy");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(soak.dev[SD_EMU_LAZY].dom),
		"flush emu lazy");
	for (i = 0; i < SD_MAX; i++)
		if (soak.dev[i].present)
			TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(soak.dev[i].id, &st),
				"stats of %s", soak.dev[i].name);
	lc->ops[OP_FLUSH]++;
	return TEST_SUCCESS;
}

static int
main_task(struct stress_lcore *lc)
{
	static int (* const tasks[])(struct stress_lcore *lc) = {
		task_hotplug, task_attach, task_hotplug, task_umem_cycle,
		task_hotplug, task_telemetry, task_hotplug, task_region,
		task_hotplug, task_flush,
	};
	uint64_t now = test_now_ns();

	if (now < lc->next_main)
		return TEST_SUCCESS;
	lc->next_main = now + MAIN_PERIOD_NS;
	return tasks[lc->task++ % RTE_DIM(tasks)](lc);
}

/*
 * The loop of each lcore.
 */

/* Operations of both lcores so far (the worker's read as they change). */
static uint64_t
ops_total(void)
{
	uint64_t total = 0;
	unsigned int i, op;

	for (i = 0; i < RTE_DIM(soak.lc); i++)
		for (op = 0; op < OP_MAX; op++)
			total += soak.lc[i].ops[op];
	return total;
}

static void
progress(struct stress_lcore *lc)
{
	uint64_t now = test_now_ns();

	if (!lc->main || now < lc->next_progress)
		return;
	lc->next_progress = now + PROGRESS_NS;
	printf("soak: %.0f s, %" PRIu64 " operations, %" PRIu64 " hotplug "
		"cycles, %" PRIu64 " NIC frames\n", (now - soak.start_ns) / 1e9,
		ops_total(), soak.lc[0].ops[OP_HOTPLUG], soak.nic.received);
	fflush(stdout);
}

static int
stress_step(struct stress_lcore *lc)
{
	uint64_t r = rnd(100);

	if (r < 26)
		return op_map(lc);
	if (r < 48 || lc->nb_live == LIVE_MAX)
		return op_unmap(lc);
	if (r < 62)
		return op_sync(lc);
	if (r < 70)
		return op_sg(lc);
	if (r < 78)
		return op_twostep(lc);
	if (r < 82)
		return op_alloc(lc);
	if (r < 92)
		return op_umem(lc);
	return lc->main ? op_map(lc) : op_nic(lc);
}

/* Unmap what is still mapped, give frames back. */
static int
stress_drain(struct stress_lcore *lc)
{
	int ret = TEST_SUCCESS;

	while (lc->nb_live > 0)
		if (unmap_live(lc, lc->nb_live - 1) != TEST_SUCCESS) {
			ret = TEST_FAILED;
			live_drop(lc, lc->nb_live - 1);
		}
	rte_dmamap_umem_free_bulk(soak.umem, lc->frames, lc->nb_frames);
	lc->nb_frames = 0;
	return ret;
}

static int
stress_lcore(void *arg)
{
	struct stress_lcore *lc = arg;
	int ret = TEST_SUCCESS;

	while (ret == TEST_SUCCESS && !stress_stopping()) {
		ret = stress_step(lc);
		if (ret == TEST_SUCCESS && lc->main)
			ret = main_task(lc);
		progress(lc);
	}
	if (ret != TEST_SUCCESS) {
		printf("soak: lcore %u failed, stopping\n", lc->lcore);
		__atomic_store_n(&soak.stop, 1, __ATOMIC_RELAXED);
	}
	if (stress_drain(lc) != TEST_SUCCESS)
		ret = TEST_FAILED;
	lc->result = ret;
	return ret;
}

/* Run both lcores for ns nanoseconds. */
static int
stress_run(uint64_t ns)
{
	unsigned int i;

	soak.stop = 0;
	soak.start_ns = test_now_ns();
	soak.deadline_ns = soak.start_ns + ns;
	for (i = 0; i < RTE_DIM(soak.lc); i++) {
		soak.lc[i].next_main = 0;
		soak.lc[i].next_progress = soak.start_ns + PROGRESS_NS;
	}
	if (rte_eal_remote_launch(stress_lcore, &soak.lc[1], soak.worker) != 0)
		return TEST_FAILED;
	stress_lcore(&soak.lc[0]);
	rte_eal_wait_lcore(soak.worker);
	return soak.lc[0].result == TEST_SUCCESS &&
		soak.lc[1].result == TEST_SUCCESS ? TEST_SUCCESS : TEST_FAILED;
}

/*
 * Building and tearing down.
 */

static int
dev_attach(struct stress_dev *sd, const char *name, unsigned int bits,
		uint32_t flags, struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.flags = flags,
		.bypass = dom != NULL ? RTE_DMAMAP_BYPASS_NEVER :
			RTE_DMAMAP_BYPASS_AUTO,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};
	int id = rte_dmamap_attach(test_device(name), &conf);

	TEST_ASSERT(id >= 0, "attach %s: %s", name, strerror(-id));
	snprintf(sd->name, sizeof(sd->name), "%s", name);
	sd->id = id;
	sd->present = true;
	sd->debug = flags & RTE_DMAMAP_F_DEBUG;
	sd->dom = dom;
	sd->test_dom = dom != NULL;
	return TEST_SUCCESS;
}

static int
dev_domain(struct stress_dev *sd, const char *name,
		enum rte_dmamap_flush_policy flush)
{
	struct rte_dmamap_domain *dom;

	dom = test_backend_domain_create(name, APERTURE_START, APERTURE_LAST,
		flush, 0, 0);
	TEST_ASSERT_NOT_NULL(dom, "domain %s: %s", name, rte_strerror(rte_errno));
	if (dev_attach(sd, name, 40, RTE_DMAMAP_F_DEBUG, dom) == TEST_SUCCESS)
		return TEST_SUCCESS;
	rte_dmamap_domain_destroy(dom);
	return TEST_FAILED;
}

/* The short-mask device, with the debug checker like the others. */
static int
dev_bounce(struct stress_dev *sd)
{
	struct rte_dmamap_info info;
	unsigned int bits;
	int id;

	rte_dmamap_debug_set_default(true);
	id = test_attach_short_mask("soak_bounce", BOUNCE_SIZE, &bits);
	rte_dmamap_debug_set_default(false);
	if (id == -ENOMEM) {
		printf("no bounce pool fits under a 40-bit mask here: the "
			"bounce device is left out\n");
		return TEST_SUCCESS;
	}
	TEST_ASSERT(id >= 0, "attach soak_bounce: %s", strerror(-id));
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(id, &info), "info");
	TEST_ASSERT(info.bounce_size > 0, "soak_bounce has no bounce pool");
	snprintf(sd->name, sizeof(sd->name), "soak_bounce");
	sd->id = id;
	sd->present = true;
	sd->debug = true;
	sd->bounce_iova = info.bounce_iova;
	sd->bounce_size = info.bounce_size;
	return TEST_SUCCESS;
}

static int
dev_emu(struct stress_dev *sd, const char *args, bool noncoherent)
{
	char devargs[128];

	snprintf(sd->name, sizeof(sd->name), "stress%u", soak.round * 2 +
		(noncoherent ? 0 : 1));
	snprintf(devargs, sizeof(devargs), "emu:%s,type=test,dma_debug=1,%s",
		sd->name, args);
	TEST_ASSERT_SUCCESS(rte_dev_probe(devargs), "probe %s", devargs);
	sd->emu = rte_emu_device_get(sd->name);
	TEST_ASSERT_NOT_NULL(sd->emu, "emu device %s", sd->name);
	sd->id = sd->emu->dmamap_id;
	sd->dom = rte_bus_emu_domain(sd->name);
	TEST_ASSERT_NOT_NULL(sd->dom, "domain of %s", sd->name);
	sd->present = true;
	sd->debug = true;
	sd->noncoherent = noncoherent;
	return TEST_SUCCESS;
}

static int
build_devices(void)
{
	struct stress_dev *d = soak.dev;

	if (dev_attach(&d[SD_DIRECT], "soak_direct", 64, 0, NULL) ||
			dev_attach(&d[SD_DIRECT_DBG], "soak_direct_dbg", 64,
				RTE_DMAMAP_F_DEBUG, NULL) ||
			dev_bounce(&d[SD_BOUNCE]) ||
			dev_domain(&d[SD_STRICT], "soak_strict",
				RTE_DMAMAP_FLUSH_STRICT) ||
			dev_domain(&d[SD_LAZY], "soak_lazy", RTE_DMAMAP_FLUSH_LAZY) ||
			dev_emu(&d[SD_EMU_LAZY], "iommu=lazy,coherent=0", true) ||
			dev_emu(&d[SD_EMU_STRICT], "iommu=strict", false))
		return TEST_FAILED;
	return TEST_SUCCESS;
}

static int
build_umem(void)
{
	static const enum stress_kind users[] = {
		SD_DIRECT, SD_DIRECT_DBG, SD_STRICT, SD_LAZY, SD_EMU_STRICT,
	};
	struct rte_dmamap_umem_conf conf = {
		.name = "soak_umem",
		.frame_size = UMEM_FRAME,
		.nb_frames = UMEM_FRAMES,
		.cache_size = 32,
		.socket_id = SOCKET_ID_ANY,
	};
	unsigned int i;

	soak.umem = rte_dmamap_umem_create(&conf);
	TEST_ASSERT_NOT_NULL(soak.umem, "umem: %s", rte_strerror(rte_errno));
	for (i = 0; i < RTE_DIM(users); i++) {
		TEST_ASSERT_SUCCESS(rte_dmamap_umem_attach(soak.umem,
			soak.dev[users[i]].id), "umem attach %s",
			soak.dev[users[i]].name);
		soak.dev[users[i]].umem = true;
	}
	return TEST_SUCCESS;
}

static int
build_mirror(void)
{
	soak.mirror = test_backend_domain_create("soak_mirror", MIRROR_START,
		MIRROR_LAST, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	TEST_ASSERT_NOT_NULL(soak.mirror, "mirror domain: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_mirror_eal(soak.mirror),
		"mirror EAL memory");
	return TEST_SUCCESS;
}

static int
build_lcore(struct stress_lcore *lc, unsigned int lcore, bool is_main)
{
	unsigned int i;

	memset(lc, 0, sizeof(*lc));
	lc->lcore = lcore;
	lc->main = is_main;
	lc->arena = rte_malloc("soak_arena", (size_t)NB_SLOTS * SLOT_SIZE, PAGE);
	lc->scratch = malloc(SLOT_SIZE);
	lc->expect = malloc(SLOT_SIZE);
	TEST_ASSERT(lc->arena != NULL && lc->scratch != NULL &&
		lc->expect != NULL, "no memory for lcore %u", lcore);
	for (i = 0; i < NB_SLOTS; i++)
		slot_put(lc, i);
	return TEST_SUCCESS;
}

/*
 * The NIC hook: two emu NICs cabled back to back, mapping each packet
 * through the library (dma=stream), one behind a lazy non-coherent IOMMU,
 * the other behind a strict one, both with the debug checker.
 */

static int
nic_port(const char *name, const char *args, uint16_t *pid)
{
	static const struct rte_eth_conf conf;
	char devargs[256];
	int ret;

	snprintf(devargs, sizeof(devargs), "emu:%s,type=nic,dma=stream,"
		"dma_debug=1,%s", name, args);
	ret = rte_dev_probe(devargs);
	if (ret < 0)
		return ret;
	if (rte_eth_dev_get_port_by_name(name, pid) != 0)
		return -ENODEV;
	ret = rte_eth_dev_configure(*pid, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(*pid, 0, NIC_RING, SOCKET_ID_ANY,
			NULL, soak.nic.mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(*pid, 0, NIC_RING, SOCKET_ID_ANY, NULL);
	if (ret == 0)
		ret = rte_eth_promiscuous_enable(*pid);
	return ret == 0 ? rte_eth_dev_start(*pid) : ret;
}

static void
nic_remove(void)
{
	static const char * const names[] = { "soak_nic0", "soak_nic1" };
	unsigned int i;
	uint16_t pid;

	for (i = 0; i < RTE_DIM(names); i++)
		if (rte_eth_dev_get_port_by_name(names[i], &pid) == 0) {
			rte_eth_dev_stop(pid);
			rte_eal_hotplug_remove("emu", names[i]);
		}
	rte_mempool_free(soak.nic.mp);
	soak.nic.mp = NULL;
	soak.nic.on = false;
}

static int
build_nic(void)
{
	const char *env = getenv("DMAMAP_STRESS_NIC");
	int ret;

	memset(&soak.nic, 0, sizeof(soak.nic));
	if (env != NULL && strcmp(env, "0") == 0)
		return TEST_SUCCESS;
	soak.nic.required = env != NULL && strcmp(env, "1") == 0;
	soak.nic.mp = rte_pktmbuf_pool_create("soak_nic_mp", NIC_MBUFS, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(soak.nic.mp, "NIC mbufs");
	ret = nic_port("soak_nic0", "peer=soak_nic1,iommu=lazy,coherent=0",
		&soak.nic.port[0]);
	if (ret == 0)
		ret = nic_port("soak_nic1", "peer=soak_nic0,iommu=strict",
			&soak.nic.port[1]);
	soak.nic.on = ret == 0;
	if (ret == 0)
		return TEST_SUCCESS;
	nic_remove();
	printf("NIC forwarding hook: emu NICs not available (%s): running "
		"without them\n", strerror(-ret));
	TEST_ASSERT(!soak.nic.required, "DMAMAP_STRESS_NIC=1 needs the NICs");
	return TEST_SUCCESS;
}

static int
soak_build(void)
{
	unsigned int i;

	memset(soak.dev, 0, sizeof(soak.dev));
	for (i = 0; i < SD_MAX; i++)
		soak.dev[i].id = -1;
	soak.up = true;
	soak.tmp_buf = rte_malloc("soak_tmp_buf", TMP_BUF_SIZE, PAGE);
	TEST_ASSERT_NOT_NULL(soak.tmp_buf, "spare buffer");
	if (build_lcore(&soak.lc[0], rte_lcore_id(), true) ||
			build_lcore(&soak.lc[1], soak.worker, false) ||
			build_devices() || build_umem() || build_mirror() ||
			build_nic())
		return TEST_FAILED;
	tel_connect();
	return TEST_SUCCESS;
}

static void
teardown_umem(void)
{
	unsigned int i;

	if (soak.umem == NULL)
		return;
	for (i = 0; i < SD_MAX; i++)
		if (soak.dev[i].umem) {
			rte_dmamap_umem_detach(soak.umem, soak.dev[i].id);
			soak.dev[i].umem = false;
		}
	rte_dmamap_umem_destroy(soak.umem);
	soak.umem = NULL;
}

static void
teardown_dev(struct stress_dev *sd)
{
	if (!sd->present)
		return;
	if (sd->emu != NULL) {
		rte_dev_remove(&sd->emu->device);
	} else {
		rte_dmamap_detach(sd->id);
		if (sd->test_dom)
			rte_dmamap_domain_destroy(sd->dom);
	}
	memset(sd, 0, sizeof(*sd));
}

static void
soak_teardown(void)
{
	unsigned int i;

	if (!soak.up)
		return;
	if (soak.tel_sock >= 0)
		close(soak.tel_sock);
	soak.tel_sock = -1;
	nic_remove();
	teardown_umem();
	for (i = 0; i < SD_MAX; i++)
		teardown_dev(&soak.dev[i]);
	if (soak.mirror != NULL)
		rte_dmamap_domain_destroy(soak.mirror);
	soak.mirror = NULL;
	for (i = 0; i < RTE_DIM(soak.lc); i++) {
		rte_free(soak.lc[i].arena);
		free(soak.lc[i].scratch);
		free(soak.lc[i].expect);
		memset(&soak.lc[i], 0, sizeof(soak.lc[i]));
	}
	rte_free(soak.tmp_buf);
	soak.tmp_buf = NULL;
	soak.round++;
	soak.up = false;
}

/*
 * Suite.
 */

static uint64_t
stress_seconds(void)
{
	const char *s = getenv("DMAMAP_STRESS_SECONDS");
	char *end;
	unsigned long v;

	if (s == NULL || s[0] == '\0')
		return STRESS_SECONDS_DEFAULT;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0) {
		printf("DMAMAP_STRESS_SECONDS=%s is not a number of seconds: "
			"using %d\n", s, STRESS_SECONDS_DEFAULT);
		return STRESS_SECONDS_DEFAULT;
	}
	return v;
}

/*
 * A short first run creates what lives as long as the process (the
 * library's registries, the bus's shadow memory); what there is after it
 * is what there must be at the end.
 */
static int
suite_setup(void)
{
	soak.worker = rte_get_next_lcore(-1, 1, 0);
	if (soak.worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs two lcores (-l 0-1)");
	if (soak_build() != TEST_SUCCESS || stress_run(WARMUP_NS) != TEST_SUCCESS) {
		soak_teardown();
		printf("warm-up run failed\n");
		return TEST_FAILED;
	}
	soak_teardown();
	soak.base_memzones = test_memzone_count();
	soak.base_pages = eal_pages();
	soak.hotplug_grew = 0;
	soak.hotplug_shrank = 0;
	soak.nomem = 0;
	if (soak_build() != TEST_SUCCESS) {
		soak_teardown();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	soak_teardown();
}

static void
print_ops(void)
{
	unsigned int op;

	for (op = 0; op < OP_MAX; op++)
		printf("  %-16s %12" PRIu64 " %12" PRIu64 "\n",
			stress_op_names[op], soak.lc[0].ops[op], soak.lc[1].ops[op]);
	printf("  hotplug: pages added %" PRIu64 " times, given back %" PRIu64
		" times; out of hugepages %" PRIu64 " times\n", soak.hotplug_grew,
		soak.hotplug_shrank, soak.nomem);
}

/* Whether an operation ran; those of absent parts need not. */
static bool
op_expected(unsigned int op)
{
	if (op == OP_NIC)
		return soak.nic.on;
	if (op == OP_TELEMETRY)
		return soak.tel_sock >= 0;
	return true;
}

static int
test_soak_run(void)
{
	uint64_t seconds = stress_seconds();
	unsigned int op;
	int ret;

	printf("soak: %" PRIu64 " s on lcores %u and %u, NIC %s\n", seconds,
		rte_lcore_id(), soak.worker, soak.nic.on ? "forwarding" : "off");
	ret = stress_run(seconds * SEC);
	soak.ran = true;
	printf("  %-16s %12s %12s\n", "operation", "main lcore", "worker");
	print_ops();
	printf("soak closing count: %" PRIu64 " operations in %.0f s, %" PRIu64
		" hotplug cycles, %" PRIu64 " NIC frames, %s\n", ops_total(),
		(test_now_ns() - soak.start_ns) / 1e9, soak.lc[0].ops[OP_HOTPLUG],
		soak.nic.received, ret == TEST_SUCCESS ? "no failure" : "FAILED");
	TEST_ASSERT_SUCCESS(ret, "an lcore failed");
	for (op = 0; op < OP_MAX; op++)
		TEST_ASSERT(!op_expected(op) ||
			soak.lc[0].ops[op] + soak.lc[1].ops[op] > 0,
			"no %s in the whole run", stress_op_names[op]);
	return TEST_SUCCESS;
}

/* Cases after the run check what it left; they need it to have run. */
static int
after_run(void)
{
	if (!soak.ran || !soak.up)
		TEST_SKIP("the run did not happen");
	return TEST_SUCCESS;
}

static int
nic_faults(const char *name)
{
	struct rte_bus_emu_fault_stats fs;

	TEST_ASSERT_SUCCESS(rte_bus_emu_fault_stats_get(name, &fs), "%s", name);
	TEST_ASSERT_EQUAL(fs.total, 0, "%s: DMA faults", name);
	return TEST_SUCCESS;
}

static int
test_soak_nic_forwarded(void)
{
	struct rte_eth_stats st;
	unsigned int i;

	if (!soak.nic.on)
		TEST_SKIP("NIC forwarding hook off (DMAMAP_STRESS_NIC or no driver)");
	TEST_ASSERT(soak.nic.received > 0, "no frame forwarded");
	TEST_ASSERT_EQUAL(soak.nic.sent, soak.nic.received, "frames lost");
	for (i = 0; i < 2; i++) {
		TEST_ASSERT_SUCCESS(rte_eth_stats_get(soak.nic.port[i], &st),
			"stats");
		TEST_ASSERT_EQUAL(st.ierrors + st.oerrors + st.imissed +
			st.rx_nombuf, 0, "port %u errors", soak.nic.port[i]);
	}
	if (nic_faults("soak_nic0") != TEST_SUCCESS ||
			nic_faults("soak_nic1") != TEST_SUCCESS)
		return TEST_FAILED;
	nic_remove();
	return TEST_SUCCESS;
}

/* Every frame back in the pool; detached from every device, destroyed. */
static int
test_soak_umem_returned(void)
{
	unsigned int i;

	TEST_ASSERT_EQUAL(rte_dmamap_umem_avail_count(soak.umem), UMEM_FRAMES,
		"frames not back in the pool");
	for (i = 0; i < SD_MAX; i++) {
		if (!soak.dev[i].umem)
			continue;
		TEST_ASSERT_SUCCESS(rte_dmamap_umem_detach(soak.umem,
			soak.dev[i].id), "detach %s", soak.dev[i].name);
		soak.dev[i].umem = false;
	}
	TEST_ASSERT_SUCCESS(rte_dmamap_umem_destroy(soak.umem), "destroy");
	soak.umem = NULL;
	return TEST_SUCCESS;
}

static uint64_t
refusals(unsigned int kind)
{
	return soak.lc[0].refused[kind] + soak.lc[1].refused[kind];
}

static unsigned int
debug_live(const struct stress_dev *sd)
{
	char name[RTE_MEMZONE_NAMESIZE];
	struct dmamap_debug *dbg;

	snprintf(name, sizeof(name), "dmamap_dbg%d", sd->id);
	dbg = dmamap_debug_lookup(name);
	return dbg == NULL ? UINT32_MAX : dmamap_debug_live(dbg);
}

static unsigned int
bounce_used(const struct stress_dev *sd)
{
	char name[RTE_MEMZONE_NAMESIZE];
	struct dmamap_bounce_pool *pool;

	snprintf(name, sizeof(name), "dmamap_bnc%d", sd->id);
	pool = dmamap_bounce_lookup(name);
	return pool == NULL ? UINT32_MAX : dmamap_bounce_used(pool);
}

/* Every map unmapped, every refusal the one the test saw, nothing held. */
static int
test_soak_no_leaks(void)
{
	struct rte_dmamap_stats st;
	const struct stress_dev *sd;
	unsigned int i;

	for (i = 0; i < SD_MAX; i++) {
		sd = &soak.dev[i];
		if (!sd->present)
			continue;
		TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(sd->id, &st), "stats");
		printf("  %-10s maps %10" PRIu64 " direct %10" PRIu64 " domain %9"
			PRIu64 " bounced %8" PRIu64 " syncs %9" PRIu64 " links %8"
			PRIu64 " refused %5" PRIu64 "\n", stress_kind_names[i], st.maps,
			st.direct, st.domain, st.bounced, st.syncs, st.links, st.errors);
		TEST_ASSERT_EQUAL(st.maps, st.unmaps, "%s: maps", sd->name);
		TEST_ASSERT_EQUAL(st.errors, refusals(i), "%s: errors", sd->name);
		TEST_ASSERT(!sd->debug || debug_live(sd) == 0, "%s: %u mappings "
			"live", sd->name, debug_live(sd));
		TEST_ASSERT(sd->bounce_size == 0 || bounce_used(sd) == 0,
			"%s: %u bounce slots used", sd->name, bounce_used(sd));
	}
	return TEST_SUCCESS;
}

static int
test_soak_no_debug_errors(void)
{
	struct rte_dmamap_stats st;
	unsigned int i;

	for (i = 0; i < SD_MAX; i++) {
		if (!soak.dev[i].present)
			continue;
		TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(soak.dev[i].id, &st),
			"stats");
		TEST_ASSERT_EQUAL(st.debug_errors, 0, "%s: DMA-API misuse found",
			soak.dev[i].name);
	}
	return TEST_SUCCESS;
}

static int
domain_clean(const struct stress_dev *sd)
{
	struct rte_dmamap_domain_stats ds;

	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(sd->dom), "%s: flush",
		sd->name);
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(sd->dom, &ds), "stats");
	TEST_ASSERT_EQUAL(ds.mapped_bytes, 0, "%s: bytes still mapped", sd->name);
	TEST_ASSERT_EQUAL(ds.iova_allocs, ds.iova_frees, "%s: IOVA ranges",
		sd->name);
	TEST_ASSERT_EQUAL(ds.fq_queued, 0, "%s: flush queue", sd->name);
	TEST_ASSERT_EQUAL(ds.map_errors, 0, "%s: backend map errors", sd->name);
	return TEST_SUCCESS;
}

static int
test_backend_clean(const struct stress_dev *sd)
{
	struct test_backend_stats tb;

	TEST_ASSERT_SUCCESS(test_backend_stats_get(sd->dom, &tb), "stats");
	TEST_ASSERT_EQUAL(tb.ranges, 0, "%s: backend ranges", sd->name);
	TEST_ASSERT_EQUAL(tb.stale_maps, 0, "%s: IOVA reused before its flush",
		sd->name);
	TEST_ASSERT_EQUAL(tb.refused, 0, "%s: backend refused calls", sd->name);
	return TEST_SUCCESS;
}

static int
emu_clean(const struct stress_dev *sd)
{
	struct rte_bus_emu_iommu_info info;

	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_info_get(sd->name, &info), "info");
	TEST_ASSERT_EQUAL(info.mapped_bytes, 0, "%s: page tables not empty",
		sd->name);
	return TEST_SUCCESS;
}

/* Domains empty after a flush, IOVA all returned, backends agree. */
static int
test_soak_domains_clean(void)
{
	const struct stress_dev *sd;
	unsigned int i;
	int ret = TEST_SUCCESS;

	for (i = 0; i < SD_MAX && ret == TEST_SUCCESS; i++) {
		sd = &soak.dev[i];
		if (!sd->present || sd->dom == NULL)
			continue;
		ret = domain_clean(sd);
		if (ret == TEST_SUCCESS)
			ret = sd->test_dom ? test_backend_clean(sd) : emu_clean(sd);
	}
	return ret;
}

static int
test_soak_emu_no_faults(void)
{
	struct rte_bus_emu_fault_stats fs;
	unsigned int i;

	for (i = SD_EMU_LAZY; i <= SD_EMU_STRICT; i++) {
		TEST_ASSERT_SUCCESS(rte_bus_emu_fault_stats_get(soak.dev[i].name,
			&fs), "%s", soak.dev[i].name);
		TEST_ASSERT_EQUAL(fs.total, 0, "%s: DMA faults", soak.dev[i].name);
	}
	return TEST_SUCCESS;
}

/* Hotplug happened, and the mirror followed it: all EAL memory, no more. */
static int
test_soak_hotplug_mirrored(void)
{
	struct rte_dmamap_domain_stats ds;
	uint64_t bytes = 0;

	TEST_ASSERT(soak.lc[0].ops[OP_HOTPLUG] > 0, "no hotplug cycle");
	TEST_ASSERT(soak.hotplug_grew > 0 && soak.hotplug_shrank > 0,
		"EAL never added (%" PRIu64 ") or never gave back (%" PRIu64
		") hugepages", soak.hotplug_grew, soak.hotplug_shrank);
	rte_memseg_walk(sum_bytes, &bytes);
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(soak.mirror, &ds),
		"stats");
	TEST_ASSERT_EQUAL(ds.mapped_bytes, bytes, "mirror and EAL memory differ");
	return TEST_SUCCESS;
}

/* Everything gone: memzones and hugepages as before the run. */
static int
test_soak_teardown_clean(void)
{
	unsigned int mz, pages;

	soak_teardown();
	mz = test_memzone_count();
	pages = eal_pages();
	printf("  memzones %u (before %u), hugepages %u (before %u)\n", mz,
		soak.base_memzones, pages, soak.base_pages);
	TEST_ASSERT_EQUAL(mz, soak.base_memzones, "memzones leaked");
	TEST_ASSERT_EQUAL(pages, soak.base_pages, "hugepages kept");
	return TEST_SUCCESS;
}

static struct unit_test_suite stress_suite = {
	.suite_name = "dmamap stress",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_soak_run),
		TEST_CASE_ST(after_run, NULL, test_soak_nic_forwarded),
		TEST_CASE_ST(after_run, NULL, test_soak_umem_returned),
		TEST_CASE_ST(after_run, NULL, test_soak_no_leaks),
		TEST_CASE_ST(after_run, NULL, test_soak_no_debug_errors),
		TEST_CASE_ST(after_run, NULL, test_soak_domains_clean),
		TEST_CASE_ST(after_run, NULL, test_soak_emu_no_faults),
		TEST_CASE_ST(after_run, NULL, test_soak_hotplug_mirrored),
		TEST_CASE_ST(after_run, NULL, test_soak_teardown_clean),
		TEST_CASES_END(),
	},
};

static int
test_dmamap_stress(void)
{
	return unit_test_suite_runner(&stress_suite);
}

REGISTER_TEST_COMMAND(dmamap_stress_autotest, test_dmamap_stress);
