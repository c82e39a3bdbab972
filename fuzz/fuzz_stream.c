/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the streaming API: an input is a sequence of map_single,
 * unmap_single, sync, map_sg and unmap_sg calls (and, on debugged devices,
 * misuses) with sizes, offsets, directions and devices taken from the
 * input, checked against a model:
 * - a map takes the path the device's configuration implies (direct,
 *   domain, bounce, or an error) and fails only with the errno the model
 *   expects (ENOSPC only where space can run out);
 * - every live mapping translates back to its memory: the EAL IOVA itself
 *   when direct, the backend's translation when through a domain, a bounce
 *   slot holding the buffer's data when bounced; no two live domain or
 *   bounce mappings share IOVA;
 * - bounce data moves as the kernel's swiotlb moves it (in at map and
 *   sync_for_device, back at sync_for_cpu and unmap for FROM_DEVICE and
 *   BIDIRECTIONAL);
 * - at the end of an input, after unmapping what is live, nothing stays
 *   mapped or allocated.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include <dev_driver.h>

#include "dmamap_private.h"
#include "fuzz_backend.h"
#include "fuzz_common.h"
#include "fuzz_mem.h"

#define G 4096u
#define LIVE_MAX 48
#define SG_MAX 8
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LEN (UINT64_C(256) << 20)
#define TINY_APERTURE (UINT64_C(1) << 45)
#define TINY_LEN (UINT64_C(64) << 10)

enum path { PATH_DIRECT, PATH_DOMAIN, PATH_BOUNCE, PATH_ERROR };

struct fz_dom {
	const char *name;
	rte_iova_t start;
	uint64_t len;
	enum rte_dmamap_flush_policy flush;
	struct rte_dmamap_domain *dom;
};

static struct fz_dom doms[] = {
	{ "fz_strict", APERTURE, APERTURE_LEN, RTE_DMAMAP_FLUSH_STRICT, NULL },
	{ "fz_lazy", APERTURE, APERTURE_LEN, RTE_DMAMAP_FLUSH_LAZY, NULL },
	{ "fz_tiny", TINY_APERTURE, TINY_LEN, RTE_DMAMAP_FLUSH_STRICT, NULL },
};

struct fz_dev {
	const char *name;
	unsigned int mask_bits;
	uint32_t flags;
	enum rte_dmamap_bypass bypass;
	rte_iova_t bypass_limit;
	int dom;              /* index in doms[], -1: none */
	size_t bounce_size;
	struct rte_device rdev;
	int16_t id;
	struct rte_dmamap_info info;
	unsigned int bounce_live;  /* live bounced buffers */
};

#define NC RTE_DMAMAP_F_NONCOHERENT
#define DBG RTE_DMAMAP_F_DEBUG

static struct fz_dev devs[] = {
	{ "fz_direct", 64, 0, RTE_DMAMAP_BYPASS_AUTO, 0, -1, 0 },
	{ "fz_bounce", 32, 0, RTE_DMAMAP_BYPASS_AUTO, 0, -1, 64 << 10 },
	{ "fz_never", 48, 0, RTE_DMAMAP_BYPASS_NEVER, 0, 0, 0 },
	{ "fz_auto", 64, 0, RTE_DMAMAP_BYPASS_AUTO, UINT64_C(1) << 32, 1, 0 },
	{ "fz_debug_nc", 64, DBG | NC, RTE_DMAMAP_BYPASS_AUTO, 0, -1, 0 },
	{ "fz_tiny", 64, DBG, RTE_DMAMAP_BYPASS_NEVER, 0, 2, 0 },
	{ "fz_force", 32, NC, RTE_DMAMAP_BYPASS_FORCE, 0, 0, 32 << 10 },
	{ "fz_bounce_dbg", 32, DBG, RTE_DMAMAP_BYPASS_AUTO, 0, -1, 32 << 10 },
	{ "fz_never_nc", 46, NC, RTE_DMAMAP_BYPASS_NEVER, 0, 0, 0 },
};

struct live {
	bool used;
	bool sg;
	struct fz_dev *dev;
	enum rte_dmamap_dir dir;
	/* single */
	uint8_t *va;
	size_t len;
	rte_iova_t iova;
	enum path path;
	/* sg */
	unsigned int n;
	struct rte_dmamap_sge sge[SG_MAX];
	enum path seg_path[SG_MAX];
};

static struct live lives[LIVE_MAX];

/*
 * Devices and domains, once per process.
 */

static void
attach_all(void)
{
	struct rte_dmamap_conf conf;
	unsigned int i;

	for (i = 0; i < RTE_DIM(doms); i++) {
		doms[i].dom = fuzz_domain_create(doms[i].name, doms[i].start,
			doms[i].start + doms[i].len - 1, doms[i].flush, 16, 8192,
			true);
		FUZZ_CHECK(doms[i].dom != NULL, "domain %s: %s", doms[i].name,
			rte_strerror(rte_errno));
	}
	for (i = 0; i < RTE_DIM(devs); i++) {
		struct fz_dev *d = &devs[i];

		d->rdev.name = d->name;
		d->rdev.numa_node = SOCKET_ID_ANY;
		memset(&conf, 0, sizeof(conf));
		conf.mask_bits = d->mask_bits;
		conf.flags = d->flags;
		conf.bypass = d->bypass;
		conf.bypass_limit = d->bypass_limit;
		conf.domain = d->dom >= 0 ? doms[d->dom].dom : NULL;
		conf.bounce_size = d->bounce_size;
		conf.socket_id = SOCKET_ID_ANY;
		d->id = rte_dmamap_attach(&d->rdev, &conf);
		FUZZ_CHECK(d->id >= 0, "attach %s: %d", d->name, d->id);
		FUZZ_CHECK(rte_dmamap_info_get(d->id, &d->info) == 0, "info");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	fuzz_mem_init();
	attach_all();
	return 0;
}

/*
 * The model.
 */

static bool
uses_domain(const struct fz_dev *d)
{
	return d->dom >= 0 && d->bypass != RTE_DMAMAP_BYPASS_FORCE;
}

static struct rte_dmamap_domain *
dev_dom(const struct fz_dev *d)
{
	return d->dom >= 0 ? doms[d->dom].dom : NULL;
}

static rte_iova_t
dev_mask(const struct fz_dev *d)
{
	return d->mask_bits == 64 ? UINT64_MAX : RTE_BIT64(d->mask_bits) - 1;
}

/* The path the model expects for a buffer of known memory. */
static enum path
expect_path(const struct fz_dev *d, const void *va, size_t len)
{
	rte_iova_t iova;

	if (fuzz_mem_contig(va, len, &iova) && d->info.direct_limit != 0 &&
			iova + len - 1 <= d->info.direct_limit)
		return PATH_DIRECT;
	if (uses_domain(d))
		return PATH_DOMAIN;
	if (d->info.bounce_size != 0)
		return PATH_BOUNCE;
	return PATH_ERROR;
}

static bool
dev_debug(const struct fz_dev *d)
{
	return d->flags & RTE_DMAMAP_F_DEBUG;
}

static bool
dom_live(int dom)
{
	unsigned int i;

	for (i = 0; i < LIVE_MAX; i++)
		if (lives[i].used && lives[i].dev->dom == dom &&
				uses_domain(lives[i].dev))
			return true;
	return false;
}

/* Whether a failed map with errno err is one the model accepts. */
static bool
map_error_expected(const struct fz_dev *d, enum path p, size_t len, int err)
{
	switch (p) {
	case PATH_DOMAIN:
		/* Only the tiny aperture can fill up. */
		return err == ENOSPC && d->dom == 2 &&
			(dom_live(2) || len + 2 * G > TINY_LEN);
	case PATH_BOUNCE:
		if (len > d->info.bounce_size)
			return err == EINVAL || err == ENOSPC;
		return err == ENOSPC && d->bounce_live > 0;
	case PATH_ERROR:
		return err == ERANGE;
	default:
		return false;
	}
}

/* An IOVA range of a live mapping that must be exclusive. */
static bool
iova_clash(const struct fz_dev *d, enum path p, rte_iova_t iova, size_t len,
		const struct live *self)
{
	unsigned int i, k;
	rte_iova_t a, b;

	if (p == PATH_DIRECT)
		return false;
	a = RTE_ALIGN_FLOOR(iova, p == PATH_DOMAIN ? G : 1);
	b = iova + len - 1;
	for (i = 0; i < LIVE_MAX; i++) {
		const struct live *l = &lives[i];

		if (!l->used || l == self)
			continue;
		if (p == PATH_BOUNCE && l->dev != d)
			continue;
		if (p == PATH_DOMAIN && (l->dev->dom != d->dom ||
				!uses_domain(l->dev)))
			continue;
		for (k = 0; k < (l->sg ? l->n : 1); k++) {
			rte_iova_t li = l->sg ? l->sge[k].iova : l->iova;
			size_t ll = l->sg ? l->sge[k].len : l->len;
			enum path lp = l->sg ? l->seg_path[k] : l->path;

			if (lp != p)
				continue;
			if (p == PATH_DOMAIN)
				li = RTE_ALIGN_FLOOR(li, G);
			if (li <= b && a <= li + ll - 1)
				return true;
		}
	}
	return false;
}

static uint32_t
dir_prot(enum rte_dmamap_dir dir)
{
	return dir == RTE_DMAMAP_TO_DEVICE ? RTE_DMAMAP_PROT_READ :
		dir == RTE_DMAMAP_FROM_DEVICE ? RTE_DMAMAP_PROT_WRITE :
		RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE;
}

/* Offset in a buffer at va of the page after the one holding va + off. */
static size_t
next_page(const uint8_t *va, size_t off)
{
	uintptr_t p = (uintptr_t)va + off;

	return RTE_ALIGN_FLOOR(p + G, G) - (uintptr_t)va;
}

/* Every page of a domain mapping translates to the buffer's memory. */
static void
check_domain_xlate(const struct fz_dev *d, rte_iova_t iova, const uint8_t *va,
		size_t len, enum rte_dmamap_dir dir)
{
	rte_iova_t target;
	uint32_t prot;
	size_t off;

	FUZZ_CHECK((iova & (G - 1)) == ((uintptr_t)va & (G - 1)),
		"offset in the page not kept: IOVA 0x%" PRIx64 " va %p", iova,
		(const void *)va);
	FUZZ_CHECK(iova >= doms[d->dom].start && iova + len - 1 <=
		doms[d->dom].start + doms[d->dom].len - 1 &&
		iova + len - 1 <= dev_mask(d), "%s: IOVA 0x%" PRIx64 "+0x%zx "
		"outside the aperture or the mask", d->name, iova, len);
	for (off = 0; off < len; off = next_page(va, off)) {
		FUZZ_CHECK(fuzz_domain_lookup(dev_dom(d), iova + off, &target,
			&prot) == 0, "%s: IOVA 0x%" PRIx64 " not mapped", d->name,
			iova + off);
		FUZZ_CHECK(target == fuzz_mem_iova(va + off), "%s: IOVA 0x%"
			PRIx64 " translates to 0x%" PRIx64 ", memory is at 0x%"
			PRIx64, d->name, iova + off, target,
			fuzz_mem_iova(va + off));
		FUZZ_CHECK(prot == dir_prot(dir), "%s: prot 0x%x for dir %d",
			d->name, prot, dir);
		FUZZ_CHECK(rte_dmamap_domain_translate(dev_dom(d), iova + off) ==
			target, "domain translate disagrees");
	}
}

/* Check a mapping the library returned against the path expected. */
static void
check_mapping(const struct fz_dev *d, enum path p, rte_iova_t iova,
		uint8_t *va, size_t len, enum rte_dmamap_dir dir,
		const struct live *self, bool data)
{
	rte_iova_t mem;
	void *slot;

	switch (p) {
	case PATH_DIRECT:
		fuzz_mem_contig(va, len, &mem);
		FUZZ_CHECK(iova == mem, "%s: direct map of %p gave 0x%" PRIx64
			", memory is at 0x%" PRIx64, d->name, (void *)va, iova, mem);
		FUZZ_CHECK(rte_dmamap_iova2virt(iova) == va, "%s: IOVA 0x%"
			PRIx64 " does not translate back to %p", d->name, iova,
			(void *)va);
		break;
	case PATH_DOMAIN:
		check_domain_xlate(d, iova, va, len, dir);
		break;
	case PATH_BOUNCE:
		FUZZ_CHECK(iova >= d->info.bounce_iova && iova + len - 1 <=
			d->info.bounce_iova + d->info.bounce_size - 1 &&
			iova + len - 1 <= dev_mask(d), "%s: bounce IOVA 0x%"
			PRIx64 "+0x%zx outside the pool or the mask", d->name,
			iova, len);
		slot = rte_dmamap_iova2virt(iova);
		FUZZ_CHECK(slot != NULL, "bounce slot 0x%" PRIx64 " unknown", iova);
		FUZZ_CHECK(!data || memcmp(slot, va, len) == 0, "%s: bounce "
			"slot of %p+%zu does not hold its data", d->name,
			(void *)va, len);
		break;
	default:
		FUZZ_CHECK(false, "mapping on the error path");
	}
	FUZZ_CHECK(!iova_clash(d, p, iova, len, self), "%s: IOVA 0x%" PRIx64
		"+0x%zx shared with another live mapping", d->name, iova, len);
}

/*
 * Operations.
 */

struct buf {
	uint8_t *va;
	size_t len;
	enum fuzz_arena arena;
};

static void
pick_buf(struct fuzz_input *in, struct buf *b)
{
	uint8_t sel = fuzz_u8(in);
	size_t size, off, max;

	b->arena = sel < 150 ? FUZZ_ARENA_EAL : sel < 245 ? FUZZ_ARENA_EXT :
		FUZZ_ARENA_UNKNOWN;
	size = fuzz_arena_size(b->arena);
	off = fuzz_below(in, size);
	max = size - off;
	switch (fuzz_u8(in) & 3) {
	case 0:
		b->len = 1 + fuzz_below(in, RTE_MIN(max, (size_t)256));
		break;
	case 1:
		b->len = 1 + fuzz_below(in, RTE_MIN(max, (size_t)3 * G));
		break;
	case 2:
		b->len = 1 + fuzz_below(in, RTE_MIN(max, (size_t)64 << 10));
		break;
	default:
		b->len = 1 + fuzz_below(in, max);
		break;
	}
	b->va = fuzz_arena_base(b->arena) + off;
}

static enum rte_dmamap_dir
pick_dir(struct fuzz_input *in)
{
	return fuzz_u8(in) % 3;
}

static struct fz_dev *
pick_dev(struct fuzz_input *in)
{
	return &devs[fuzz_below(in, RTE_DIM(devs))];
}

static struct live *
free_slot(void)
{
	unsigned int i;

	for (i = 0; i < LIVE_MAX; i++)
		if (!lives[i].used)
			return &lives[i];
	return NULL;
}

static struct live *
pick_live(struct fuzz_input *in)
{
	unsigned int start = fuzz_below(in, LIVE_MAX), i;

	for (i = 0; i < LIVE_MAX; i++)
		if (lives[(start + i) % LIVE_MAX].used)
			return &lives[(start + i) % LIVE_MAX];
	return NULL;
}

static void
op_map(struct fuzz_input *in)
{
	struct live *l = free_slot();
	struct fz_dev *d = pick_dev(in);
	enum rte_dmamap_dir dir = pick_dir(in);
	enum path p;
	rte_iova_t iova;
	struct buf b;

	pick_buf(in, &b);
	if (l == NULL)
		return;
	FUZZ_TRACE("map %s %p+%zu dir %d", d->name, (void *)b.va, b.len, dir);
	rte_errno = 0;
	iova = rte_dmamap_map_single(d->id, b.va, b.len, dir);
	if (!fuzz_mem_known(b.va, b.len)) {
		FUZZ_CHECK(iova == RTE_BAD_IOVA && rte_errno == ENOENT,
			"%s: map of unknown memory: IOVA 0x%" PRIx64 " errno %d",
			d->name, iova, rte_errno);
		return;
	}
	p = expect_path(d, b.va, b.len);
	if (iova == RTE_BAD_IOVA) {
		FUZZ_CHECK(map_error_expected(d, p, b.len, rte_errno),
			"%s: map of %p+%zu (path %d) failed with errno %d",
			d->name, (void *)b.va, b.len, p, rte_errno);
		return;
	}
	FUZZ_CHECK(p != PATH_ERROR, "%s: map of %p+%zu succeeded, ERANGE "
		"expected", d->name, (void *)b.va, b.len);
	check_mapping(d, p, iova, b.va, b.len, dir, NULL, true);
	*l = (struct live){ .used = true, .dev = d, .dir = dir, .va = b.va,
		.len = b.len, .iova = iova, .path = p };
	if (p == PATH_BOUNCE)
		d->bounce_live++;
}

/* What the device writes before an unmap or a sync for the CPU. */
static void
device_writes(enum path p, rte_iova_t iova, size_t len, uint8_t pattern)
{
	if (p == PATH_BOUNCE)
		memset(rte_dmamap_iova2virt(iova), pattern, len);
}

static bool
all_equal(const uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool
dir_from_device(enum rte_dmamap_dir dir)
{
	return dir != RTE_DMAMAP_TO_DEVICE;
}

static void
live_release(struct live *l)
{
	unsigned int k;

	if (!l->sg && l->path == PATH_BOUNCE)
		l->dev->bounce_live--;
	for (k = 0; l->sg && k < l->n; k++)
		if (l->seg_path[k] == PATH_BOUNCE)
			l->dev->bounce_live--;
	l->used = false;
}

static void
check_unmapped(const struct fz_dev *d, enum path p, rte_iova_t iova)
{
	rte_iova_t target;

	if (p == PATH_DOMAIN)
		FUZZ_CHECK(fuzz_domain_lookup(dev_dom(d), iova, &target, NULL) ==
			-ENOENT, "%s: IOVA 0x%" PRIx64 " still mapped after unmap",
			d->name, iova);
}

static void
op_unmap(struct fuzz_input *in)
{
	struct live *l = pick_live(in);
	uint8_t pattern = fuzz_u8(in);
	int ret;

	if (l == NULL || l->sg)
		return;
	FUZZ_TRACE("unmap %s 0x%" PRIx64 "+%zu dir %d", l->dev->name, l->iova,
		l->len, l->dir);
	device_writes(l->path, l->iova, l->len, pattern);
	ret = rte_dmamap_unmap_single(l->dev->id, l->iova, l->len, l->dir);
	FUZZ_CHECK(ret == 0, "%s: unmap of 0x%" PRIx64 "+%zu: %d", l->dev->name,
		l->iova, l->len, ret);
	if (l->path == PATH_BOUNCE && dir_from_device(l->dir))
		FUZZ_CHECK(all_equal(l->va, l->len, pattern),
			"%s: unmap did not copy the device's data back",
			l->dev->name);
	check_unmapped(l->dev, l->path, l->iova);
	live_release(l);
}

/* Sync part of a single mapping in its own direction. */
static void
op_sync(struct fuzz_input *in)
{
	struct live *l = pick_live(in);
	size_t off, len;
	uint8_t pattern = fuzz_u8(in);
	bool for_cpu = fuzz_u8(in) & 1;
	void *slot;
	int ret;

	if (l == NULL || l->sg)
		return;
	off = fuzz_below(in, l->len);
	len = 1 + fuzz_below(in, l->len - off);
	FUZZ_TRACE("sync_for_%s %s 0x%" PRIx64 "+%zu", for_cpu ? "cpu" : "device",
		l->dev->name, l->iova + off, len);
	if (for_cpu) {
		device_writes(l->path, l->iova + off, len, pattern);
		ret = rte_dmamap_sync_for_cpu(l->dev->id, l->iova + off, len, l->dir);
	} else {
		memset(l->va + off, pattern, len);
		ret = rte_dmamap_sync_for_device(l->dev->id, l->iova + off, len,
			l->dir);
	}
	FUZZ_CHECK(ret == 0, "%s: sync of 0x%" PRIx64 "+%zu of a live mapping: %d",
		l->dev->name, l->iova + off, len, ret);
	if (l->path != PATH_BOUNCE)
		return;
	slot = rte_dmamap_iova2virt(l->iova + off);
	if (for_cpu && dir_from_device(l->dir))
		FUZZ_CHECK(memcmp(slot, l->va + off, len) == 0,
			"%s: sync_for_cpu did not copy the device's data",
			l->dev->name);
	if (!for_cpu && l->dir != RTE_DMAMAP_FROM_DEVICE)
		FUZZ_CHECK(memcmp(slot, l->va + off, len) == 0,
			"%s: sync_for_device did not copy the CPU's data",
			l->dev->name);
}

/* Whether another live mapping of the device has IOVA in [a, b]. */
static bool
iova_shared(const struct live *self, rte_iova_t a, rte_iova_t b)
{
	unsigned int i, k;

	for (i = 0; i < LIVE_MAX; i++) {
		const struct live *l = &lives[i];

		if (!l->used || l == self || l->dev != self->dev)
			continue;
		for (k = 0; k < (l->sg ? l->n : 1); k++) {
			rte_iova_t li = l->sg ? l->sge[k].iova : l->iova;
			size_t ll = l->sg ? l->sge[k].len : l->len;

			if (li <= b && a <= li + ll - 1)
				return true;
		}
	}
	return false;
}

/*
 * Misuses the debug checker must refuse, leaving the mapping intact; not
 * tried where another mapping of the device could make them legal.
 */
static void
op_misuse(struct fuzz_input *in)
{
	struct live *l = pick_live(in);
	uint8_t kind = fuzz_u8(in) % 4;
	size_t len;
	int ret = 0;

	if (l == NULL || l->sg || !dev_debug(l->dev) ||
			iova_shared(l, l->iova, l->iova + l->len + 4096))
		return;
	FUZZ_TRACE("misuse %u on %s 0x%" PRIx64 "+%zu", kind, l->dev->name,
		l->iova, l->len);
	switch (kind) {
	case 0: /* another size */
		len = l->len + 1 + fuzz_below(in, 4096);
		ret = rte_dmamap_unmap_single(l->dev->id, l->iova, len, l->dir);
		break;
	case 1: /* another direction */
		ret = rte_dmamap_unmap_single(l->dev->id, l->iova, l->len,
			(l->dir + 1 + fuzz_below(in, 2)) % 3);
		break;
	case 2: /* an IOVA inside the mapping */
		if (l->len < 2)
			return;
		ret = rte_dmamap_unmap_single(l->dev->id, l->iova + 1, l->len - 1,
			l->dir);
		break;
	default: /* a sync running past the mapping */
		ret = rte_dmamap_sync_for_cpu(l->dev->id, l->iova, l->len + 1 +
			fuzz_below(in, 4096), l->dir);
		break;
	}
	FUZZ_CHECK(ret == -EINVAL, "%s: misuse %u accepted: %d", l->dev->name,
		kind, ret);
	check_mapping(l->dev, l->path, l->iova, l->va, l->len, l->dir, l, false);
}

/* Whether the map_sg of these segments goes through the domain. */
static bool
sg_expect_domain(const struct fz_dev *d, const struct rte_dmamap_sge *sg,
		unsigned int n)
{
	unsigned int i;

	if (!uses_domain(d))
		return false;
	for (i = 0; i < n; i++)
		if (expect_path(d, sg[i].va, sg[i].len) != PATH_DIRECT)
			return true;
	return false;
}

/* Merging: lengths add up, merged segments follow their leader. */
static void
check_sg_merge(const struct rte_dmamap_sge *sg, unsigned int n, int count)
{
	unsigned int i, lead = 0, leads = 0;
	uint64_t sum = 0, pos = 0;

	for (i = 0; i < n; i++) {
		if (sg[i].dma_len != 0) {
			FUZZ_CHECK(i == 0 || pos == sg[lead].dma_len,
				"segment %u: DMA segment %u holds 0x%" PRIx64
				" of 0x%x bytes", i, lead, pos, sg[lead].dma_len);
			lead = i;
			leads++;
			pos = 0;
			sum += sg[i].dma_len;
		} else {
			FUZZ_CHECK(i > 0 && sg[i].iova == sg[lead].iova + pos,
				"merged segment %u at 0x%" PRIx64 ", not after its"
				" leader", i, sg[i].iova);
		}
		pos += sg[i].len;
	}
	FUZZ_CHECK(pos == sg[lead].dma_len, "last DMA segment length");
	FUZZ_CHECK((int)leads == count, "%d DMA segments returned, %u found",
		count, leads);
	for (i = 0, pos = 0; i < n; i++)
		pos += sg[i].len;
	FUZZ_CHECK(sum == pos, "DMA lengths add to 0x%" PRIx64 " of 0x%" PRIx64,
		sum, pos);
}

static bool
sg_error_expected(const struct fz_dev *d, const struct rte_dmamap_sge *sg,
		unsigned int n, bool domain, int err)
{
	unsigned int i;
	size_t total = 0;
	enum path p;

	if (domain) {
		/* All segments are looked up before anything is mapped. */
		for (i = 0; i < n; i++)
			if (!fuzz_mem_known(sg[i].va, sg[i].len))
				return err == ENOENT;
		for (i = 0; i < n; i++)
			total += sg[i].len + 2 * G;
		return map_error_expected(d, PATH_DOMAIN, total, err);
	}
	/* Segment by segment: the first failing segment gives the errno. */
	for (i = 0; i < n; i++) {
		if (!fuzz_mem_known(sg[i].va, sg[i].len))
			return err == ENOENT;
		p = expect_path(d, sg[i].va, sg[i].len);
		if (p == PATH_ERROR)
			return err == ERANGE;
		if (p == PATH_BOUNCE && (err == ENOSPC || err == EINVAL))
			return true;
	}
	return false;
}

/* Segments of one list through a domain or a pool share no IOVA. */
static void
check_sg_disjoint(const struct live *l)
{
	unsigned int i, j;
	rte_iova_t a, b;

	for (i = 0; i < l->n; i++) {
		if (l->seg_path[i] == PATH_DIRECT)
			continue;
		for (j = i + 1; j < l->n; j++) {
			if (l->seg_path[j] != l->seg_path[i])
				continue;
			a = l->sge[i].iova;
			b = l->sge[j].iova;
			if (l->seg_path[i] == PATH_DOMAIN) {
				a = RTE_ALIGN_FLOOR(a, G);
				b = RTE_ALIGN_FLOOR(b, G);
			}
			FUZZ_CHECK(a > l->sge[j].iova + l->sge[j].len - 1 ||
				b > l->sge[i].iova + l->sge[i].len - 1,
				"segments %u and %u share IOVA", i, j);
		}
	}
}

static void
op_map_sg(struct fuzz_input *in)
{
	struct live *l = free_slot();
	struct fz_dev *d = pick_dev(in);
	enum rte_dmamap_dir dir = pick_dir(in);
	unsigned int n = 1 + fuzz_below(in, SG_MAX), i;
	struct rte_dmamap_sge sg[SG_MAX];
	struct buf b;
	bool domain;
	int ret;

	for (i = 0; i < n; i++) {
		pick_buf(in, &b);
		if (b.arena == FUZZ_ARENA_UNKNOWN && fuzz_u8(in) != 0)
			b.arena = FUZZ_ARENA_EAL;
		b.len = RTE_MIN(b.len, (size_t)UINT32_MAX);
		sg[i] = (struct rte_dmamap_sge){ .va = b.va, .len = b.len };
	}
	if (l == NULL)
		return;
	FUZZ_TRACE("map_sg %s %u segments dir %d", d->name, n, dir);
	for (i = 0; i < n; i++)
		FUZZ_TRACE("  %p+%u", sg[i].va, sg[i].len);
	domain = sg_expect_domain(d, sg, n);
	ret = rte_dmamap_map_sg(d->id, sg, n, dir);
	if (ret < 0) {
		FUZZ_CHECK(sg_error_expected(d, sg, n, domain, -ret),
			"%s: map_sg of %u segments failed: %d", d->name, n, ret);
		return;
	}
	check_sg_merge(sg, n, ret);
	*l = (struct live){ .used = true, .sg = true, .dev = d, .dir = dir,
		.n = n };
	memcpy(l->sge, sg, sizeof(sg));
	for (i = 0; i < n; i++) {
		l->seg_path[i] = domain ? PATH_DOMAIN :
			expect_path(d, sg[i].va, sg[i].len);
		FUZZ_CHECK(l->seg_path[i] != PATH_ERROR, "segment %u mapped", i);
		check_mapping(d, l->seg_path[i], sg[i].iova, sg[i].va, sg[i].len,
			dir, l, true);
		if (l->seg_path[i] == PATH_BOUNCE)
			d->bounce_live++;
	}
	check_sg_disjoint(l);
}

static void
op_unmap_sg(struct fuzz_input *in)
{
	struct live *l = pick_live(in);
	uint8_t pattern = fuzz_u8(in);
	unsigned int i;
	int ret;

	if (l == NULL || !l->sg)
		return;
	FUZZ_TRACE("unmap_sg %s %u segments", l->dev->name, l->n);
	for (i = 0; i < l->n; i++)
		device_writes(l->seg_path[i], l->sge[i].iova, l->sge[i].len,
			pattern);
	ret = rte_dmamap_unmap_sg(l->dev->id, l->sge, l->n, l->dir);
	FUZZ_CHECK(ret == 0, "%s: unmap_sg: %d", l->dev->name, ret);
	for (i = 0; i < l->n; i++) {
		if (l->seg_path[i] == PATH_BOUNCE && dir_from_device(l->dir))
			FUZZ_CHECK(all_equal(l->sge[i].va, l->sge[i].len,
				pattern), "%s: unmap_sg did not copy segment %u "
				"back", l->dev->name, i);
		check_unmapped(l->dev, l->seg_path[i], l->sge[i].iova);
	}
	live_release(l);
}

/* Everything live is unmapped; then nothing is left anywhere. */
static void
drain(void)
{
	struct rte_dmamap_domain_stats ds;
	unsigned int i;
	int ret;

	for (i = 0; i < LIVE_MAX; i++) {
		struct live *l = &lives[i];

		if (!l->used)
			continue;
		ret = l->sg ? rte_dmamap_unmap_sg(l->dev->id, l->sge, l->n, l->dir) :
			rte_dmamap_unmap_single(l->dev->id, l->iova, l->len, l->dir);
		FUZZ_CHECK(ret == 0, "%s: final unmap: %d", l->dev->name, ret);
		live_release(l);
	}
	for (i = 0; i < RTE_DIM(doms); i++) {
		FUZZ_CHECK(rte_dmamap_domain_flush(doms[i].dom) == 0, "flush");
		FUZZ_CHECK(fuzz_domain_ranges(doms[i].dom) == 0, "domain %s: %u "
			"mappings left", doms[i].name,
			fuzz_domain_ranges(doms[i].dom));
		FUZZ_CHECK(rte_dmamap_domain_stats_get(doms[i].dom, &ds) == 0, "");
		FUZZ_CHECK(ds.mapped_bytes == 0 && ds.fq_queued == 0 &&
			ds.iova_allocs == ds.iova_frees, "domain %s: %" PRIu64
			" bytes mapped, %" PRIu64 " queued, %" PRIu64 " allocs, %"
			PRIu64 " frees", doms[i].name, ds.mapped_bytes,
			ds.fq_queued, ds.iova_allocs, ds.iova_frees);
	}
	for (i = 0; i < RTE_DIM(devs); i++) {
		struct dmamap_dev *dev = dmamap_dev_get(devs[i].id);

		FUZZ_CHECK(devs[i].bounce_live == 0, "model bounce count");
		FUZZ_CHECK(dev->bounce == NULL || dmamap_bounce_used(dev->bounce) == 0,
			"%s: %u bounce slots left", devs[i].name,
			dmamap_bounce_used(dev->bounce));
		FUZZ_CHECK(dev->debug == NULL || dmamap_debug_live(dev->debug) == 0,
			"%s: debug checker tracks %u mappings", devs[i].name,
			dmamap_debug_live(dev->debug));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;

	fuzz_input_init(&in, data, size);
	while (!fuzz_input_done(&in)) {
		switch (fuzz_u8(&in) % 8) {
		case 0:
		case 1:
			op_map(&in);
			break;
		case 2:
			op_unmap(&in);
			break;
		case 3:
			op_sync(&in);
			break;
		case 4:
			op_map_sg(&in);
			break;
		case 5:
			op_unmap_sg(&in);
			break;
		case 6:
			op_misuse(&in);
			break;
		default:
			op_unmap(&in);
			break;
		}
	}
	drain();
	return 0;
}
