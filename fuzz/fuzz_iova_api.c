/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the two-step API: iova_try_alloc, link, sync, unlink,
 * destroy and free on devices with and without a domain, checked against
 * a model of each reserved range (which granules are linked to what):
 * - try_alloc declines exactly when the device reaches the memory
 *   directly, fails only with the errno expected, and returns a range in
 *   the aperture and under the mask, aligned to its size, keeping the
 *   hint's offset in the granule, overlapping no live range and no range
 *   a lazy domain freed since its last flush;
 * - link follows the kernel's rules (first link at the hint's offset,
 *   others granule-aligned, only the last ending inside a granule) and
 *   refuses what overlaps a link; each linked granule translates to its
 *   memory, each unlinked one to nothing;
 * - unlink succeeds exactly when it cuts no backend mapping;
 * - destroy and free give everything back.
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

#include "fuzz_backend.h"
#include "fuzz_common.h"
#include "fuzz_mem.h"

#define G UINT64_C(4096)
#define RANGES_MAX 16
#define RANGE_MAX_SIZE (UINT64_C(1) << 20)
#define GRANULES_MAX (RANGE_MAX_SIZE / G + 2)
#define FREED_MAX 256
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LEN (UINT64_C(1) << 30)
#define TINY_APERTURE (UINT64_C(1) << 45)
#define TINY_LEN (UINT64_C(64) << 10)

struct fz_dom {
	const char *name;
	rte_iova_t start;
	uint64_t len;
	enum rte_dmamap_flush_policy flush;
	struct rte_dmamap_domain *dom;
	/* Ranges freed and not flushed since (lazy). */
	unsigned int nb_freed;
	struct { rte_iova_t base; uint64_t span; uint64_t flushes; } freed[FREED_MAX];
};

static struct fz_dom doms[] = {
	{ .name = "fz2_strict", .start = APERTURE, .len = APERTURE_LEN,
		.flush = RTE_DMAMAP_FLUSH_STRICT },
	{ .name = "fz2_lazy", .start = APERTURE, .len = APERTURE_LEN,
		.flush = RTE_DMAMAP_FLUSH_LAZY },
	{ .name = "fz2_tiny", .start = TINY_APERTURE, .len = TINY_LEN,
		.flush = RTE_DMAMAP_FLUSH_STRICT },
};

struct fz_dev {
	const char *name;
	unsigned int mask_bits;
	uint32_t flags;
	enum rte_dmamap_bypass bypass;
	rte_iova_t bypass_limit;
	int dom;
	struct rte_device rdev;
	int16_t id;
	struct rte_dmamap_info info;
};

static struct fz_dev devs[] = {
	{ "fz2_strict", 48, 0, RTE_DMAMAP_BYPASS_NEVER, 0, 0 },
	{ "fz2_lazy_nc", 64, RTE_DMAMAP_F_NONCOHERENT, RTE_DMAMAP_BYPASS_NEVER, 0, 1 },
	{ "fz2_auto", 64, 0, RTE_DMAMAP_BYPASS_AUTO, UINT64_C(1) << 32, 0 },
	{ "fz2_plain", 64, 0, RTE_DMAMAP_BYPASS_AUTO, 0, -1 },
	{ "fz2_tiny", 64, 0, RTE_DMAMAP_BYPASS_NEVER, 0, 2 },
	{ "fz2_force", 64, 0, RTE_DMAMAP_BYPASS_FORCE, 0, 1 },
};

struct range {
	bool used;
	struct fz_dev *dev;
	struct rte_dmamap_iova_state st;
	/* What each granule of the span is linked to: EAL IOVA or BAD. */
	rte_iova_t target[GRANULES_MAX];
};

static struct range ranges[RANGES_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
attach_all(void)
{
	struct rte_dmamap_conf conf;
	unsigned int i;

	for (i = 0; i < RTE_DIM(doms); i++) {
		/* A lazy domain relinks before the flush by design. */
		doms[i].dom = fuzz_domain_create(doms[i].name, doms[i].start,
			doms[i].start + doms[i].len - 1, doms[i].flush, 16, 8192,
			doms[i].flush == RTE_DMAMAP_FLUSH_STRICT);
		FUZZ_CHECK(doms[i].dom != NULL, "domain %s", doms[i].name);
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
		conf.socket_id = SOCKET_ID_ANY;
		d->id = rte_dmamap_attach(&d->rdev, &conf);
		FUZZ_CHECK(d->id >= 0, "attach %s: %d", d->name, d->id);
		FUZZ_CHECK(rte_dmamap_info_get(d->id, &d->info) == 0, "info");
	}
}

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
 * Model.
 */

static struct rte_dmamap_domain *
dev_dom(const struct fz_dev *d)
{
	return doms[d->dom].dom;
}

static rte_iova_t
dev_mask(const struct fz_dev *d)
{
	return d->mask_bits == 64 ? UINT64_MAX : RTE_BIT64(d->mask_bits) - 1;
}

static rte_iova_t
range_base(const struct range *r)
{
	return r->st.addr - r->st.__offset;
}

static uint64_t
range_granules(const struct range *r)
{
	return RTE_ALIGN_CEIL(r->st.size + r->st.__offset, G) / G;
}

/* Whether try_alloc must decline: the device reaches the memory directly. */
static bool
goes_direct(const struct fz_dev *d, const void *hint, size_t size)
{
	rte_iova_t iova = fuzz_mem_iova(hint);

	if (d->dom < 0 || d->bypass == RTE_DMAMAP_BYPASS_FORCE)
		return true;
	if (d->bypass != RTE_DMAMAP_BYPASS_AUTO || d->info.direct_limit == 0)
		return false;
	if (hint == NULL)
		return fuzz_mem_max_iova() <= d->info.direct_limit;
	return iova + size - 1 >= iova && iova + size - 1 <= d->info.direct_limit;
}

static bool
dom_has_ranges(int dom)
{
	unsigned int i;

	for (i = 0; i < RANGES_MAX; i++)
		if (ranges[i].used && ranges[i].dev->dom == dom)
			return true;
	return false;
}

static bool
overlap(rte_iova_t a, uint64_t alen, rte_iova_t b, uint64_t blen)
{
	return a <= b + blen - 1 && b <= a + alen - 1;
}

/* A new range shares no IOVA with live ranges or unflushed freed ones. */
static void
check_new_range(const struct range *r)
{
	struct fz_dom *fd = &doms[r->dev->dom];
	uint64_t span = range_granules(r) * G, flushes;
	unsigned int i;

	flushes = fuzz_domain_full_flushes(fd->dom);
	for (i = 0; i < RANGES_MAX; i++) {
		const struct range *o = &ranges[i];

		if (o == r || !o->used || o->dev->dom != r->dev->dom)
			continue;
		FUZZ_CHECK(!overlap(range_base(o), range_granules(o) * G,
			range_base(r), span), "ranges 0x%" PRIx64 " and 0x%"
			PRIx64 " overlap", range_base(o), range_base(r));
	}
	for (i = 0; i < fd->nb_freed; i++)
		FUZZ_CHECK(fd->freed[i].flushes < flushes ||
			!overlap(fd->freed[i].base, fd->freed[i].span,
				range_base(r), span), "%s: range 0x%" PRIx64
			" reuses IOVA freed at 0x%" PRIx64 " before a flush",
			fd->name, range_base(r), fd->freed[i].base);
}

/* Remember a freed range of a lazy domain until the next full flush. */
static void
note_freed(const struct range *r, rte_iova_t base, uint64_t span)
{
	struct fz_dom *fd = &doms[r->dev->dom];
	uint64_t flushes = fuzz_domain_full_flushes(fd->dom);
	unsigned int i = 0;

	if (fd->flush != RTE_DMAMAP_FLUSH_LAZY)
		return;
	while (i < fd->nb_freed) {
		if (fd->freed[i].flushes < flushes)
			fd->freed[i] = fd->freed[--fd->nb_freed];
		else
			i++;
	}
	if (fd->nb_freed < FREED_MAX)
		fd->freed[fd->nb_freed++] = (typeof(fd->freed[0])){
			base, span, flushes };
}

/* Every granule of the span translates as the model says. */
static void
check_range(const struct range *r)
{
	rte_iova_t base = range_base(r), target;
	uint64_t i;
	int ret;

	for (i = 0; i < range_granules(r); i++) {
		ret = fuzz_domain_lookup(dev_dom(r->dev), base + i * G, &target,
			NULL);
		if (r->target[i] == RTE_BAD_IOVA)
			FUZZ_CHECK(ret == -ENOENT, "%s: granule %" PRIu64 " of "
				"range 0x%" PRIx64 " mapped, not linked",
				r->dev->name, i, base);
		else
			FUZZ_CHECK(ret == 0 && target == r->target[i], "%s: granule"
				" %" PRIu64 " of range 0x%" PRIx64 " translates to 0x%"
				PRIx64 " (%d), linked to 0x%" PRIx64, r->dev->name,
				i, base, target, ret, r->target[i]);
	}
}

/*
 * Operations.
 */

static struct range *
pick_range(struct fuzz_input *in, bool used)
{
	unsigned int start = fuzz_below(in, RANGES_MAX), i;

	for (i = 0; i < RANGES_MAX; i++)
		if (ranges[(start + i) % RANGES_MAX].used == used)
			return &ranges[(start + i) % RANGES_MAX];
	return NULL;
}

static uint8_t *
pick_va(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	enum fuzz_arena a = sel < 140 ? FUZZ_ARENA_EAL : sel < 250 ?
		FUZZ_ARENA_EXT : FUZZ_ARENA_UNKNOWN;

	return fuzz_arena_base(a) + fuzz_below(in, fuzz_arena_size(a));
}

static void
check_alloc(const struct fz_dev *d, struct range *r, const void *hint)
{
	uint64_t span = range_granules(r) * G;
	rte_iova_t base = range_base(r);
	uint64_t align = RTE_MIN(rte_align64prevpow2(span), UINT64_C(1) << 30);

	FUZZ_CHECK(r->st.granule == G, "granule 0x%zx", r->st.granule);
	FUZZ_CHECK(r->st.__offset == (hint == NULL ? 0 :
		fuzz_mem_iova(hint) & (G - 1)), "offset in the granule not kept");
	FUZZ_CHECK(base >= doms[d->dom].start && base + span - 1 <=
		doms[d->dom].start + doms[d->dom].len - 1 &&
		base + span - 1 <= dev_mask(d), "%s: range 0x%" PRIx64 "+0x%"
		PRIx64 " outside the aperture or the mask", d->name, base, span);
	FUZZ_CHECK((base & (align - 1)) == 0, "range 0x%" PRIx64 " of 0x%"
		PRIx64 " not aligned to its size", base, span);
	check_new_range(r);
}

static void
op_try_alloc(struct fuzz_input *in)
{
	struct range *r = pick_range(in, false);
	struct fz_dev *d = &devs[fuzz_below(in, RTE_DIM(devs))];
	uint8_t sel = fuzz_u8(in);
	size_t size = (sel & 7) == 0 ? 0 : 1 + fuzz_below(in, (sel & 8) ?
		4 * G : RANGE_MAX_SIZE - G);
	const uint8_t *hint = (sel & 0x30) == 0 ? NULL : pick_va(in);
	bool ok, unknown = hint != NULL && fuzz_mem_iova(hint) == RTE_BAD_IOVA;
	uint64_t i;

	if (r == NULL)
		return;
	FUZZ_TRACE("try_alloc %s hint %p size 0x%zx", d->name,
		(const void *)hint, size);
	rte_errno = -1;
	ok = rte_dmamap_iova_try_alloc(d->id, &r->st, hint, size);
	if (size == 0 || unknown) {
		FUZZ_CHECK(!ok && rte_errno == EINVAL, "size 0 or unknown hint: "
			"%d errno %d", ok, rte_errno);
		return;
	}
	if (goes_direct(d, hint, size)) {
		FUZZ_CHECK(!ok && rte_errno == 0, "%s: direct memory: %d errno %d",
			d->name, ok, rte_errno);
		return;
	}
	if (!ok) {
		FUZZ_CHECK(rte_errno == ENOSPC && d->dom == 2 &&
			(dom_has_ranges(2) || size + G > TINY_LEN), "%s: try_alloc "
			"of 0x%zx failed: errno %d", d->name, size, rte_errno);
		return;
	}
	FUZZ_CHECK(r->st.size == size, "size 0x%zx", r->st.size);
	r->used = true;
	r->dev = d;
	for (i = 0; i < GRANULES_MAX; i++)
		r->target[i] = RTE_BAD_IOVA;
	check_alloc(d, r, hint);
	check_range(r);
}

/*
 * A link of the range: mostly one that follows the rules (granule-aligned
 * pieces of memory at the right offset), sometimes anything.
 */
static void
pick_link(struct fuzz_input *in, const struct range *r, const uint8_t **va,
		size_t *off, size_t *len)
{
	uint64_t ng = range_granules(r), g0 = fuzz_below(in, ng);
	uint64_t n = 1 + fuzz_below(in, ng - g0);
	size_t o0 = r->st.__offset;
	uint8_t sel = fuzz_u8(in);
	uint8_t *p = pick_va(in);

	*off = g0 == 0 ? 0 : g0 * G - o0;
	*len = RTE_MIN(n * G - (g0 == 0 ? o0 : 0), r->st.size - *off);
	/* At the offset in its page the link must have (VA and IOVA agree). */
	p = RTE_PTR_ALIGN_FLOOR(p, G) + (g0 == 0 ? o0 : 0);
	if (sel & 1)
		*off = fuzz_below(in, r->st.size + 2);
	if (sel & 2)
		*len = fuzz_below(in, r->st.size + 2);
	if (sel & 4)
		p += fuzz_below(in, G);
	*va = p;
}

static bool
in_one_arena(const uint8_t *va, size_t len)
{
	unsigned int a;

	for (a = 0; a < FUZZ_ARENA_MAX; a++)
		if (va >= fuzz_arena_base(a) && len <= fuzz_arena_size(a) &&
				(size_t)(va - fuzz_arena_base(a)) <=
				fuzz_arena_size(a) - len)
			return true;
	return false;
}

/*
 * What the library must answer to a link, by the model's rules; 1 when
 * the model cannot tell (the link is not made).
 */
static int
link_expect(const struct range *r, const uint8_t *va, size_t off, size_t len,
		enum rte_dmamap_dir dir, uint64_t *first, uint64_t *count)
{
	size_t o0 = r->st.__offset, start = o0 + off, pad;
	uint64_t i;

	if ((unsigned int)dir > RTE_DMAMAP_FROM_DEVICE || len == 0 ||
			off > r->st.size || len > r->st.size - off)
		return -EINVAL;
	if (!in_one_arena(va, 1))
		return 1;
	if (fuzz_mem_iova(va) == RTE_BAD_IOVA)
		return -ENOENT;
	pad = fuzz_mem_iova(va) & (G - 1);
	if (off == 0 ? pad != o0 : (pad != 0 || (start & (G - 1)) != 0))
		return -EINVAL;
	if (((start + len) & (G - 1)) != 0 && off + len != r->st.size)
		return -EINVAL;
	/* Whole granules of memory in one arena, or the model cannot tell. */
	if (!in_one_arena(va - pad, RTE_ALIGN_CEIL(len + pad, G)))
		return 1;
	*first = (start - pad) / G;
	*count = RTE_ALIGN_CEIL(len + pad, G) / G;
	for (i = *first; i < *first + *count; i++)
		if (r->target[i] != RTE_BAD_IOVA)
			return -EINVAL;
	return 0;
}

static void
op_link(struct fuzz_input *in)
{
	struct range *r = pick_range(in, true);
	enum rte_dmamap_dir dir = fuzz_u8(in) % 4;
	uint64_t first = 0, count = 0, i;
	const uint8_t *va, *page;
	size_t off, len;
	int ret, want;

	if (r == NULL)
		return;
	pick_link(in, r, &va, &off, &len);
	FUZZ_TRACE("link %s range 0x%" PRIx64 " va %p off 0x%zx len 0x%zx dir %d",
		r->dev->name, r->st.addr, (const void *)va, off, len, dir);
	want = link_expect(r, va, off, len, dir, &first, &count);
	if (want > 0)
		return;
	ret = rte_dmamap_iova_link(r->dev->id, &r->st, va, off, len, dir);
	FUZZ_CHECK(ret == want, "%s: link of %p at 0x%zx+0x%zx: %d, model %d",
		r->dev->name, (const void *)va, off, len, ret, want);
	/* The EXT arena is discontiguous: translate page by page. */
	page = RTE_PTR_ALIGN_FLOOR(va, G);
	for (i = 0; ret == 0 && i < count; i++)
		r->target[first + i] = fuzz_mem_iova(page + i * G);
	check_range(r);
}

static void
op_sync(struct fuzz_input *in)
{
	struct range *r = pick_range(in, true);
	size_t off, len;
	int ret;

	if (r == NULL)
		return;
	off = fuzz_below(in, r->st.size + 1);
	len = fuzz_below(in, r->st.size + 1);
	ret = rte_dmamap_iova_sync(r->dev->id, &r->st, off, len);
	FUZZ_CHECK(ret == (len == 0 || off + len > r->st.size ? -EINVAL : 0),
		"sync 0x%zx+0x%zx of 0x%zx: %d", off, len, r->st.size, ret);
}

static void
op_unlink(struct fuzz_input *in)
{
	struct range *r = pick_range(in, true);
	enum rte_dmamap_dir dir = fuzz_u8(in) % 4;
	rte_iova_t start;
	size_t off, len, blen;
	uint64_t i;
	int ret, want;

	if (r == NULL)
		return;
	off = fuzz_below(in, r->st.size + 1);
	len = fuzz_below(in, r->st.size + 1);
	if (fuzz_u8(in) & 1) {  /* granule bounds, more often whole links */
		off = RTE_ALIGN_FLOOR(off + r->st.__offset, G);
		off = off < r->st.__offset ? 0 : off - r->st.__offset;
	}
	start = RTE_ALIGN_FLOOR(r->st.addr + off, G);
	blen = RTE_ALIGN_CEIL(r->st.addr + off + len, G) - start;
	if ((unsigned int)dir > RTE_DMAMAP_FROM_DEVICE || len == 0 ||
			off > r->st.size || len > r->st.size - off)
		want = -EINVAL;
	else
		want = fuzz_domain_whole(dev_dom(r->dev), start, blen) ? 0 : -EINVAL;
	FUZZ_TRACE("unlink %s range 0x%" PRIx64 " off 0x%zx len 0x%zx",
		r->dev->name, r->st.addr, off, len);
	ret = rte_dmamap_iova_unlink(r->dev->id, &r->st, off, len, dir);
	FUZZ_CHECK(ret == want, "%s: unlink 0x%zx+0x%zx: %d, model %d",
		r->dev->name, off, len, ret, want);
	if (ret == 0)
		for (i = (start - range_base(r)) / G;
				i < (start + blen - range_base(r)) / G; i++)
			r->target[i] = RTE_BAD_IOVA;
	check_range(r);
}

/* Bytes to destroy with: up to the end of the last linked granule. */
static size_t
linked_len(const struct range *r)
{
	uint64_t i, last = 0;
	bool any = false;

	for (i = 0; i < range_granules(r); i++)
		if (r->target[i] != RTE_BAD_IOVA) {
			last = i;
			any = true;
		}
	if (!any)
		return 0;
	return RTE_MIN((last + 1) * G - r->st.__offset, r->st.size);
}

static void
range_gone(struct range *r, rte_iova_t base, uint64_t span)
{
	rte_iova_t target;
	uint64_t i;

	for (i = 0; i < span; i += G)
		FUZZ_CHECK(fuzz_domain_lookup(dev_dom(r->dev), base + i, &target,
			NULL) == -ENOENT, "IOVA 0x%" PRIx64 " mapped after destroy",
			base + i);
	FUZZ_CHECK(r->st.size == 0 && r->st.addr == 0, "state not cleared");
	r->used = false;
}

static void
op_destroy(struct fuzz_input *in)
{
	struct range *r = pick_range(in, true);
	rte_iova_t base;
	uint64_t span;
	size_t len;
	int ret;

	if (r == NULL)
		return;
	base = range_base(r);
	span = range_granules(r) * G;
	len = linked_len(r);
	if (fuzz_u8(in) == 0) {
		ret = rte_dmamap_iova_destroy(r->dev->id, &r->st, r->st.size + 1, 0);
		FUZZ_CHECK(ret == -EINVAL, "destroy past the end: %d", ret);
		check_range(r);
		return;
	}
	FUZZ_TRACE("destroy %s range 0x%" PRIx64 " mapped 0x%zx", r->dev->name,
		r->st.addr, len);
	if (len == 0 && (fuzz_u8(in) & 1))
		ret = rte_dmamap_iova_free(r->dev->id, &r->st);
	else
		ret = rte_dmamap_iova_destroy(r->dev->id, &r->st, len,
			RTE_DMAMAP_BIDIRECTIONAL);
	FUZZ_CHECK(ret == 0, "%s: destroy/free of 0x%zx linked: %d",
		r->dev->name, len, ret);
	note_freed(r, base, span);
	range_gone(r, base, span);
}

static void
drain(void)
{
	struct rte_dmamap_domain_stats ds;
	unsigned int i;

	for (i = 0; i < RANGES_MAX; i++) {
		struct range *r = &ranges[i];
		rte_iova_t base = range_base(r);
		uint64_t span = range_granules(r) * G;

		if (!r->used)
			continue;
		check_range(r);
		FUZZ_CHECK(rte_dmamap_iova_destroy(r->dev->id, &r->st,
			linked_len(r), 0) == 0, "final destroy");
		note_freed(r, base, span);
		range_gone(r, base, span);
	}
	for (i = 0; i < RTE_DIM(doms); i++) {
		FUZZ_CHECK(rte_dmamap_domain_flush(doms[i].dom) == 0, "flush");
		FUZZ_CHECK(fuzz_domain_ranges(doms[i].dom) == 0, "%s: %u mappings "
			"left", doms[i].name, fuzz_domain_ranges(doms[i].dom));
		FUZZ_CHECK(rte_dmamap_domain_stats_get(doms[i].dom, &ds) == 0, "");
		FUZZ_CHECK(ds.mapped_bytes == 0 && ds.fq_queued == 0 &&
			ds.iova_allocs == ds.iova_frees, "%s: %" PRIu64 " bytes, %"
			PRIu64 " queued, %" PRIu64 " allocs, %" PRIu64 " frees",
			doms[i].name, ds.mapped_bytes, ds.fq_queued,
			ds.iova_allocs, ds.iova_frees);
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
			op_try_alloc(&in);
			break;
		case 2:
		case 3:
		case 4:
			op_link(&in);
			break;
		case 5:
			op_unlink(&in);
			break;
		case 6:
			op_sync(&in);
			break;
		default:
			op_destroy(&in);
			break;
		}
	}
	drain();
	return 0;
}
