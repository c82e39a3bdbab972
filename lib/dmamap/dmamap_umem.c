/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The umem pool (rte_dmamap_umem.h) and its mempool ops driver.
 *
 * A pool's state is one memzone ("UM_<name>"): the fast-path structure, the
 * slow-path state behind it, the per-lcore ownership counters and the
 * per-lcore frame caches. Free frames sit in an rte_ring ("UR_<name>")
 * behind the caches. The frames are one virtually contiguous area: a
 * memzone the pool reserves ("UD_<name>"), user memory, or the memory a
 * mempool is populated with.
 *
 * Unlike the kernel's xsk buffer pool, which maps each page on its own and
 * must reject frames that straddle pages whose DMA addresses do not follow,
 * a pool is mapped for a device behind a domain as one IOVA range, so every
 * frame is contiguous for it. A device that goes direct uses EAL IOVAs;
 * unaligned frames are laid out in 2 MiB blocks none of them crosses, so
 * they are contiguous on hugepages even when the hugepages are not.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_reciprocal.h>
#include <rte_ring.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "dmamap_private.h"
#include "rte_dmamap_umem.h"

#define UMEM_MZ_FMT "UM_%s"       /* state */
#define UMEM_MEM_FMT "UD_%s"      /* frames the pool reserved */
#define UMEM_FREE_FMT "UR_%s"     /* free frames behind the caches */
#define UMEM_RING_FMT "UQ_%s"     /* a fill or completion ring */
#define UMEM_BLOCK RTE_DMAMAP_UMEM_BLOCK_SIZE
#define UMEM_RING_MAX (UINT32_C(1) << 31)
#define UMEM_REFCNT_MAX UINT16_MAX
/* Frames enqueued to the free ring per call while filling it. */
#define UMEM_FILL_BURST 64

/* Slow-path state of one device's attachment. */
struct umem_dev {
	char name[64];
	uint32_t refcnt;
	uint32_t nb_rings;
	bool in_domain;
	struct rte_dmamap_iova_state state;
};

/* Slow-path state of a pool, behind the fast-path structure. */
struct umem_priv {
	char name[RTE_DMAMAP_UMEM_NAMESIZE];
	uint32_t flags;
	int socket_id;
	uint32_t cache_size;
	uint32_t ring_size;
	uint32_t capacity;      /* frames the pool is made for */
	bool user_mem;
	struct rte_mempool *mp; /* the mempool whose memory this is */
	const struct rte_memzone *mz;     /* this state */
	const struct rte_memzone *mem_mz; /* frames the pool reserved */
	uintptr_t mem_end;      /* end of the memory a mempool gave so far */
	rte_spinlock_t lock;    /* attachments and rings */
	unsigned int nb_devs;
	unsigned int nb_rings;
	struct umem_dev dev[RTE_DMAMAP_MAX_DEVS];
};

/* Slow-path state of a ring, after its slots. */
struct umem_ring_priv {
	char name[RTE_DMAMAP_UMEM_NAMESIZE];
	const struct rte_memzone *mz;
};

/* A run of frames contiguous both in VA and in EAL IOVA. */
struct umem_run {
	uintptr_t va;
	rte_iova_t iova;
	size_t len;
};

typedef int (*umem_run_fn)(const struct umem_run *run, void *arg);

static struct umem_priv *
umem_priv(const struct rte_dmamap_umem *umem)
{
	return umem->priv;
}

static const char *
umem_name(const struct rte_dmamap_umem *umem)
{
	return umem_priv(umem)->name;
}

static bool
umem_aligned(uint32_t flags)
{
	return !(flags & RTE_DMAMAP_UMEM_F_UNALIGNED);
}

/*
 * Frame layout. Aligned frames follow each other from va. Unaligned ones
 * fill 2 MiB blocks from blk_base, frames_per_blk per block, the tail of
 * each block unused; slot0 is the first frame's place in its block.
 */

static void
umem_layout_init(struct rte_dmamap_umem *umem, uint32_t frame_size,
		uint32_t flags)
{
	umem->frame_size = frame_size;
	umem->frames_per_blk = (uint32_t)(UMEM_BLOCK / frame_size);
	umem->frame_shift = umem_aligned(flags) ? rte_log2_u32(frame_size) : 0;
	umem->div_frame = rte_reciprocal_value(frame_size);
	umem->div_blk = rte_reciprocal_value(umem->frames_per_blk);
}

/* Place the first frame at or after start. */
static void
umem_layout_start(struct rte_dmamap_umem *umem, uintptr_t start)
{
	uintptr_t base;
	uint32_t slot;

	if (umem->frame_shift != 0) {
		umem->va = RTE_ALIGN_CEIL(start, (uintptr_t)umem->frame_size);
		umem->blk_base = umem->va;
		umem->slot0 = 0;
		return;
	}
	base = RTE_ALIGN_FLOOR(start, (uintptr_t)UMEM_BLOCK);
	slot = (uint32_t)((start - base + umem->frame_size - 1) / umem->frame_size);
	if (slot >= umem->frames_per_blk) {
		base += UMEM_BLOCK;
		slot = 0;
	}
	umem->blk_base = base;
	umem->slot0 = slot;
	umem->va = base + (uintptr_t)slot * umem->frame_size;
}

/* Start of frame idx, whether or not it exists yet. */
static uintptr_t
umem_slot_addr(const struct rte_dmamap_umem *umem, uint32_t idx)
{
	uint32_t slot, blk;

	if (umem->frame_shift != 0)
		return umem->va + ((uintptr_t)idx << umem->frame_shift);
	slot = idx + umem->slot0;
	blk = slot / umem->frames_per_blk;
	return umem->blk_base + (uintptr_t)blk * UMEM_BLOCK +
		(uintptr_t)(slot % umem->frames_per_blk) * umem->frame_size;
}

/* Frames that fit between the first frame and end. */
static uint64_t
umem_layout_fit(const struct rte_dmamap_umem *umem, uintptr_t end)
{
	uint64_t off, slots;

	if (end < umem->va + umem->frame_size)
		return 0;
	if (umem->frame_shift != 0)
		return (end - umem->va) >> umem->frame_shift;
	off = end - umem->blk_base;
	slots = (off / UMEM_BLOCK) * umem->frames_per_blk +
		RTE_MIN((off % UMEM_BLOCK) / umem->frame_size,
			(uint64_t)umem->frames_per_blk);
	return slots - umem->slot0;
}

/* Bytes n frames take from a block-aligned (or frame-aligned) start. */
static size_t
umem_layout_span(uint32_t frame_size, uint32_t flags, uint32_t n)
{
	uint32_t per_blk = (uint32_t)(UMEM_BLOCK / frame_size);

	if (umem_aligned(flags))
		return (size_t)n * frame_size;
	return (size_t)((n - 1) / per_blk) * UMEM_BLOCK +
		(size_t)((n - 1) % per_blk + 1) * frame_size;
}

/*
 * Configuration.
 */

static int
umem_conf_frames_check(const struct rte_dmamap_umem_conf *conf)
{
	if (conf->frame_size < RTE_DMAMAP_UMEM_FRAME_MIN ||
			conf->frame_size > RTE_DMAMAP_UMEM_FRAME_MAX ||
			(umem_aligned(conf->flags) &&
			 !rte_is_power_of_2(conf->frame_size))) {
		DMAMAP_LOG(ERR, "umem %s: frame size %u: %s mode takes %u .. %u%s",
			conf->name, conf->frame_size,
			umem_aligned(conf->flags) ? "aligned" : "unaligned",
			RTE_DMAMAP_UMEM_FRAME_MIN, RTE_DMAMAP_UMEM_FRAME_MAX,
			umem_aligned(conf->flags) ? ", a power of two" : "");
		return -EINVAL;
	}
	if (conf->headroom >= conf->frame_size) {
		DMAMAP_LOG(ERR, "umem %s: headroom %u leaves no room in frames "
			"of %u bytes", conf->name, conf->headroom,
			conf->frame_size);
		return -EINVAL;
	}
	return 0;
}

static int
umem_conf_misc_check(const struct rte_dmamap_umem_conf *conf)
{
	if (conf->flags & ~RTE_DMAMAP_UMEM_F_UNALIGNED) {
		DMAMAP_LOG(ERR, "umem %s: unknown flags 0x%x", conf->name,
			conf->flags & ~RTE_DMAMAP_UMEM_F_UNALIGNED);
		return -EINVAL;
	}
	if (conf->ring_size != 0 && (!rte_is_power_of_2(conf->ring_size) ||
			conf->ring_size > UMEM_RING_MAX)) {
		DMAMAP_LOG(ERR, "umem %s: ring size %u is not a power of two up "
			"to 2^31", conf->name, conf->ring_size);
		return -EINVAL;
	}
	if (conf->socket_id != SOCKET_ID_ANY &&
			(conf->socket_id < 0 || conf->socket_id >= RTE_MAX_NUMA_NODES)) {
		DMAMAP_LOG(ERR, "umem %s: bad socket %d", conf->name,
			conf->socket_id);
		return -EINVAL;
	}
	if (conf->cache_size > RTE_DMAMAP_UMEM_CACHE_MAX) {
		DMAMAP_LOG(ERR, "umem %s: cache of %u frames, at most %u",
			conf->name, conf->cache_size, RTE_DMAMAP_UMEM_CACHE_MAX);
		return -EINVAL;
	}
	return 0;
}

static int
umem_conf_mem_check(const struct rte_dmamap_umem_conf *conf)
{
	if ((conf->user_mem == NULL) != (conf->user_mem_len == 0)) {
		DMAMAP_LOG(ERR, "umem %s: user memory %p of %zu bytes",
			conf->name, conf->user_mem, conf->user_mem_len);
		return -EINVAL;
	}
	if (conf->user_mem != NULL && umem_aligned(conf->flags) &&
			((uintptr_t)conf->user_mem & (conf->frame_size - 1)) != 0) {
		DMAMAP_LOG(ERR, "umem %s: user memory %p is not aligned to the "
			"frame size %u (aligned mode)", conf->name,
			conf->user_mem, conf->frame_size);
		return -EINVAL;
	}
	if (conf->user_mem == NULL && conf->nb_frames == 0) {
		DMAMAP_LOG(ERR, "umem %s: no frames", conf->name);
		return -EINVAL;
	}
	return 0;
}

static int
umem_conf_check(const struct rte_dmamap_umem_conf *conf)
{
	int ret;

	if (conf == NULL || conf->name == NULL || conf->name[0] == '\0') {
		DMAMAP_LOG(ERR, "NULL umem configuration or name");
		return -EINVAL;
	}
	if (strnlen(conf->name, RTE_DMAMAP_UMEM_NAMESIZE) >=
			RTE_DMAMAP_UMEM_NAMESIZE) {
		DMAMAP_LOG(ERR, "umem name %s is longer than %d", conf->name,
			RTE_DMAMAP_UMEM_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	ret = umem_conf_misc_check(conf);
	if (ret == 0)
		ret = umem_conf_frames_check(conf);
	if (ret == 0)
		ret = umem_conf_mem_check(conf);
	return ret;
}

/* Frames of a configuration; 0 (logged) when they do not fit. */
static uint32_t
umem_conf_nb_frames(const struct rte_dmamap_umem_conf *conf)
{
	struct rte_dmamap_umem l;
	uint64_t fit;

	if (conf->user_mem == NULL)
		return conf->nb_frames;
	memset(&l, 0, sizeof(l));
	umem_layout_init(&l, conf->frame_size, conf->flags);
	umem_layout_start(&l, (uintptr_t)conf->user_mem);
	fit = umem_layout_fit(&l, (uintptr_t)conf->user_mem + conf->user_mem_len);
	if (fit == 0 || fit < conf->nb_frames) {
		DMAMAP_LOG(ERR, "umem %s: user memory of %zu bytes holds %" PRIu64
			" frames of %u bytes, %u asked", conf->name,
			conf->user_mem_len, fit, conf->frame_size, conf->nb_frames);
		return 0;
	}
	return conf->nb_frames != 0 ? conf->nb_frames :
		(uint32_t)RTE_MIN(fit, (uint64_t)RTE_RING_SZ_MASK);
}

static int
umem_count_check(const struct rte_dmamap_umem_conf *conf, uint32_t nb)
{
	if (nb > RTE_RING_SZ_MASK) {
		DMAMAP_LOG(ERR, "umem %s: %u frames, at most %u", conf->name, nb,
			RTE_RING_SZ_MASK);
		return -EINVAL;
	}
	if ((uint64_t)conf->cache_size * 3 / 2 > nb) {
		DMAMAP_LOG(ERR, "umem %s: a cache of %u frames flushes beyond the "
			"pool's %u frames", conf->name, conf->cache_size, nb);
		return -EINVAL;
	}
	return 0;
}

/*
 * State.
 */

static size_t
umem_cache_stride(uint32_t cache_size)
{
	uint32_t slots = cache_size * 3 / 2 + cache_size;

	return RTE_ALIGN_CEIL(sizeof(struct __rte_dmamap_umem_cache) +
		slots * sizeof(void *), (size_t)RTE_CACHE_LINE_SIZE);
}

/* Offsets of the parts of the state memzone. */
struct umem_layout_mz {
	size_t priv;
	size_t held;
	size_t caches;
	size_t total;
};

static void
umem_mz_layout(uint32_t cache_size, struct umem_layout_mz *l)
{
	l->priv = RTE_ALIGN_CEIL(sizeof(struct rte_dmamap_umem),
		(size_t)RTE_CACHE_LINE_SIZE);
	l->held = RTE_ALIGN_CEIL(l->priv + sizeof(struct umem_priv),
		(size_t)RTE_CACHE_LINE_SIZE);
	l->caches = l->held + (RTE_MAX_LCORE + 1) *
		sizeof(struct __rte_dmamap_umem_held);
	l->total = l->caches + (cache_size == 0 ? 0 :
		RTE_MAX_LCORE * umem_cache_stride(cache_size));
}

static void
umem_caches_init(struct rte_dmamap_umem *umem, uint32_t cache_size)
{
	struct __rte_dmamap_umem_cache *c;
	unsigned int i;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		c = RTE_PTR_ADD(umem->caches, (size_t)i * umem->cache_stride);
		c->size = cache_size;
		c->flushthresh = cache_size * 3 / 2;
		c->len = 0;
	}
}

static void
umem_state_fill(struct rte_dmamap_umem *umem, const struct rte_memzone *mz,
		const struct rte_dmamap_umem_conf *conf, uint32_t nb, uint32_t hoff)
{
	struct umem_layout_mz l;
	struct umem_priv *p;

	umem_mz_layout(conf->cache_size, &l);
	memset(mz->addr, 0, l.total);
	umem_layout_init(umem, conf->frame_size, conf->flags);
	umem->headroom = conf->headroom;
	umem->hoff = hoff;
	umem->priv = RTE_PTR_ADD(umem, l.priv);
	umem->held = RTE_PTR_ADD(umem, l.held);
	if (conf->cache_size != 0) {
		umem->caches = RTE_PTR_ADD(umem, l.caches);
		umem->cache_stride = umem_cache_stride(conf->cache_size);
		umem_caches_init(umem, conf->cache_size);
	}
	p = umem->priv;
	strlcpy(p->name, conf->name, sizeof(p->name));
	p->flags = conf->flags;
	p->socket_id = conf->socket_id;
	p->cache_size = conf->cache_size;
	p->ring_size = conf->ring_size != 0 ? conf->ring_size :
		RTE_DMAMAP_UMEM_RING_DEFAULT;
	p->capacity = nb;
	p->user_mem = conf->user_mem != NULL;
	p->mz = mz;
	rte_spinlock_init(&p->lock);
}

/*
 * Reserve the state of a pool of nb frames (no memory yet): the memzone and
 * the free ring. NULL with rte_errno on failure.
 */
static struct rte_dmamap_umem *
umem_state_create(const struct rte_dmamap_umem_conf *conf, uint32_t nb,
		uint32_t hoff)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct rte_dmamap_umem *umem;
	struct umem_layout_mz l;
	struct rte_ring *r;

	umem_mz_layout(conf->cache_size, &l);
	snprintf(name, sizeof(name), UMEM_MZ_FMT, conf->name);
	mz = rte_memzone_reserve_aligned(name, l.total, conf->socket_id, 0,
		RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "umem %s: cannot reserve its state: %s",
			conf->name, rte_strerror(rte_errno));
		return NULL;
	}
	umem = mz->addr;
	umem_state_fill(umem, mz, conf, nb, hoff);
	snprintf(name, sizeof(name), UMEM_FREE_FMT, conf->name);
	r = rte_ring_create(name, nb, conf->socket_id, RING_F_EXACT_SZ);
	if (r == NULL) {
		DMAMAP_LOG(ERR, "umem %s: cannot create its ring of %u frames: %s",
			conf->name, nb, rte_strerror(rte_errno));
		rte_memzone_free(mz);
		rte_errno = rte_errno == EEXIST ? EEXIST : ENOMEM;
		return NULL;
	}
	umem->ring = r;
	return umem;
}

static void
umem_state_free(struct rte_dmamap_umem *umem)
{
	struct umem_priv *p = umem_priv(umem);

	rte_ring_free(umem->ring);
	if (p->mem_mz != NULL)
		rte_memzone_free(p->mem_mz);
	rte_memzone_free(p->mz);
}

/*
 * Memory.
 */

/* Reserve the frames' memzone: IOVA-contiguous when EAL can, so a device
 * going direct gets one offset for every frame.
 */
static const struct rte_memzone *
umem_mem_reserve(const struct rte_dmamap_umem_conf *conf, size_t len)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	size_t align = umem_aligned(conf->flags) ?
		RTE_MAX((size_t)conf->frame_size, (size_t)DMAMAP_PAGE_4K) :
		(size_t)UMEM_BLOCK;

	snprintf(name, sizeof(name), UMEM_MEM_FMT, conf->name);
	mz = rte_memzone_reserve_aligned(name, len, conf->socket_id,
		RTE_MEMZONE_IOVA_CONTIG, align);
	if (mz == NULL && rte_errno == ENOMEM)
		mz = rte_memzone_reserve_aligned(name, len, conf->socket_id, 0,
			align);
	if (mz == NULL)
		DMAMAP_LOG(ERR, "umem %s: no memory for %u frames (%zu bytes) on "
			"socket %d: %s", conf->name, conf->nb_frames, len,
			conf->socket_id, rte_strerror(rte_errno));
	return mz;
}

/* Whether every 4 KiB page of [va, va + len) is known to the table. */
static bool
umem_mem_known(uintptr_t va, size_t len)
{
	uintptr_t p;

	for (p = RTE_ALIGN_FLOOR(va, DMAMAP_PAGE_4K); p < va + len;
			p += DMAMAP_PAGE_4K)
		if (rte_dmamap_virt2iova((void *)RTE_MAX(p, va)) == RTE_BAD_IOVA)
			return false;
	return true;
}

/* Give the pool its memory; 0 or a negative errno (logged). */
static int
umem_mem_setup(struct rte_dmamap_umem *umem,
		const struct rte_dmamap_umem_conf *conf, uint32_t nb)
{
	struct umem_priv *p = umem_priv(umem);
	size_t len = umem_layout_span(conf->frame_size, conf->flags, nb);
	uintptr_t start = (uintptr_t)conf->user_mem;

	if (conf->user_mem == NULL) {
		p->mem_mz = umem_mem_reserve(conf, len);
		if (p->mem_mz == NULL)
			return -ENOMEM;
		start = (uintptr_t)p->mem_mz->addr;
	}
	umem_layout_start(umem, start);
	umem->len = umem_slot_addr(umem, nb - 1) + umem->frame_size - umem->va;
	if (conf->user_mem != NULL && !umem_mem_known(umem->va, umem->len)) {
		DMAMAP_LOG(ERR, "umem %s: user memory %p of %zu bytes is neither "
			"EAL memory nor registered external memory", conf->name,
			conf->user_mem, conf->user_mem_len);
		return -ENOENT;
	}
	return 0;
}

/* Put every frame in the free ring. */
static void
umem_frames_publish(struct rte_dmamap_umem *umem, uint32_t nb)
{
	void *burst[UMEM_FILL_BURST];
	uint32_t idx, n, i;

	for (idx = 0; idx < nb; idx += n) {
		n = RTE_MIN(nb - idx, (uint32_t)UMEM_FILL_BURST);
		for (i = 0; i < n; i++)
			burst[i] = (void *)(umem_slot_addr(umem, idx + i) +
				umem->hoff);
		rte_ring_enqueue_bulk(umem->ring, burst, n, NULL);
	}
	umem->nb_frames = nb;
}

static struct rte_dmamap_umem *
umem_create(const struct rte_dmamap_umem_conf *conf)
{
	struct rte_dmamap_umem *umem;
	uint32_t nb = 0;
	int ret;

	ret = umem_conf_check(conf);
	if (ret == 0) {
		nb = umem_conf_nb_frames(conf);
		ret = nb == 0 ? -EINVAL : umem_count_check(conf, nb);
	}
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	umem = umem_state_create(conf, nb, 0);
	if (umem == NULL)
		return NULL;
	ret = umem_mem_setup(umem, conf, nb);
	if (ret < 0) {
		umem_state_free(umem);
		rte_errno = -ret;
		return NULL;
	}
	umem_frames_publish(umem, nb);
	return umem;
}

struct rte_dmamap_umem *
rte_dmamap_umem_create(const struct rte_dmamap_umem_conf *conf)
{
	struct rte_dmamap_umem *umem;

	/* Direct devices translate through the table: build it now. */
	if (dmamap_xlate_init() < 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	umem = umem_create(conf);
	if (umem != NULL)
		DMAMAP_LOG(DEBUG, "umem %s: %u frames of %u bytes at %p",
			conf->name, umem->nb_frames, umem->frame_size,
			(void *)umem->va);
	return umem;
}

struct rte_dmamap_umem *
rte_dmamap_umem_lookup(const char *name)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "NULL umem name");
		rte_errno = EINVAL;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), UMEM_MZ_FMT, name);
	mz = rte_memzone_lookup(mz_name);
	if (mz == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	if (dmamap_xlate_init() < 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	return mz->addr;
}

int
rte_dmamap_umem_destroy(struct rte_dmamap_umem *umem)
{
	struct umem_priv *p;
	int ret = 0;

	if (umem == NULL)
		return 0;
	p = umem_priv(umem);
	if (p->mp != NULL) {
		DMAMAP_LOG(ERR, "umem %s belongs to a mempool: free the mempool",
			p->name);
		return -EINVAL;
	}
	rte_spinlock_lock(&p->lock);
	if (p->nb_devs != 0 || p->nb_rings != 0) {
		DMAMAP_LOG(ERR, "umem %s: %u devices attached, %u rings: not "
			"destroyed", p->name, p->nb_devs, p->nb_rings);
		ret = -EBUSY;
	}
	rte_spinlock_unlock(&p->lock);
	if (ret == 0)
		umem_state_free(umem);
	return ret;
}

int
rte_dmamap_umem_info_get(const struct rte_dmamap_umem *umem,
		struct rte_dmamap_umem_info *info)
{
	const struct umem_priv *p;

	if (umem == NULL || info == NULL) {
		DMAMAP_LOG(ERR, "NULL umem or info");
		return -EINVAL;
	}
	p = umem_priv(umem);
	memset(info, 0, sizeof(*info));
	strlcpy(info->name, p->name, sizeof(info->name));
	info->va = (void *)umem->va;
	info->len = umem->len;
	info->frame_size = umem->frame_size;
	info->nb_frames = umem->nb_frames;
	info->headroom = umem->headroom;
	info->flags = p->flags;
	info->socket_id = p->socket_id;
	info->cache_size = p->cache_size;
	info->ring_size = p->ring_size;
	info->frame_offset = umem->hoff;
	info->nb_devs = p->nb_devs;
	info->nb_rings = p->nb_rings;
	info->user_mem = p->user_mem;
	info->mempool = p->mp != NULL;
	return 0;
}

unsigned int
rte_dmamap_umem_avail_count(const struct rte_dmamap_umem *umem)
{
	const struct __rte_dmamap_umem_cache *c;
	unsigned int n, i;

	if (umem == NULL)
		return 0;
	n = rte_ring_count(umem->ring);
	for (i = 0; umem->caches != NULL && i < RTE_MAX_LCORE; i++) {
		c = RTE_PTR_ADD(umem->caches, (size_t)i * umem->cache_stride);
		n += __atomic_load_n(&c->len, __ATOMIC_RELAXED);
	}
	return n;
}

/*
 * Devices.
 */

int
__rte_dmamap_umem_bad_dev(const struct rte_dmamap_umem *umem, int16_t dev_id)
{
	DMAMAP_LOG(ERR, "umem %s: device %d is not attached",
		umem != NULL ? umem_name(umem) : "(null)", dev_id);
	return -EINVAL;
}

/* Frames the device owns now, summed over the lcores. */
static int64_t
umem_held(const struct rte_dmamap_umem *umem, int16_t dev_id)
{
	int64_t sum = 0;
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		sum += __atomic_load_n(&umem->held[i].n[dev_id], __ATOMIC_RELAXED);
	return sum;
}

static void
umem_held_clear(struct rte_dmamap_umem *umem, int16_t dev_id)
{
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		__atomic_store_n(&umem->held[i].n[dev_id], 0, __ATOMIC_RELAXED);
}

/*
 * EAL IOVA of a frame when it is IOVA-contiguous; RTE_BAD_IOVA with *err
 * -ENOENT (unknown memory) or -EXDEV (a break inside the frame).
 */
static rte_iova_t
umem_frame_iova(uintptr_t va, size_t len, int *err)
{
	rte_iova_t first = rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, va);
	uintptr_t p;

	*err = -ENOENT;
	if (first == RTE_BAD_IOVA)
		return RTE_BAD_IOVA;
	for (p = RTE_ALIGN_FLOOR(va, DMAMAP_PAGE_4K) + DMAMAP_PAGE_4K;
			p < va + len; p += DMAMAP_PAGE_4K) {
		if (rte_dmamap_xlate_lookup(rte_dmamap_xlate_va, p) !=
				first + (p - va)) {
			*err = -EXDEV;
			return RTE_BAD_IOVA;
		}
	}
	return first;
}

/*
 * Call fn on each run of frames contiguous in VA and EAL IOVA. A frame
 * that is unknown or not contiguous stops the walk with -ENOENT or -EXDEV.
 */
static int
umem_walk_runs(const struct rte_dmamap_umem *umem, umem_run_fn fn, void *arg)
{
	struct umem_run run = { 0, 0, 0 };
	uintptr_t va;
	rte_iova_t iova;
	uint32_t idx;
	int ret;

	for (idx = 0; idx < umem->nb_frames; idx++) {
		va = umem_slot_addr(umem, idx);
		iova = umem_frame_iova(va, umem->frame_size, &ret);
		if (iova == RTE_BAD_IOVA) {
			DMAMAP_LOG(ERR, "umem %s: frame %u at 0x%" PRIxPTR " %s",
				umem_name(umem), idx, va, ret == -ENOENT ?
				"is unknown to the translation table" :
				"is not IOVA-contiguous");
			return ret;
		}
		if (run.len != 0 && va == run.va + run.len &&
				iova == run.iova + run.len) {
			run.len += umem->frame_size;
			continue;
		}
		if (run.len != 0 && (ret = fn(&run, arg)) < 0)
			return ret;
		run = (struct umem_run){ va, iova, umem->frame_size };
	}
	return fn(&run, arg);
}

/* What a direct device needs to reach the pool. */
struct umem_direct {
	const struct dmamap_dev *dev;
	const struct rte_dmamap_umem *umem;
	bool first;
	bool linear;
	int64_t delta;
};

static int
umem_direct_run(const struct umem_run *run, void *arg)
{
	struct umem_direct *d = arg;
	rte_iova_t last = run->iova + run->len - 1;

	if (d->dev->direct_limit == 0 || last > d->dev->direct_limit) {
		DMAMAP_LOG(ERR, "umem %s: %s reaches IOVAs up to 0x%" PRIx64
			" directly, frames at 0x%" PRIx64 "..0x%" PRIx64
			" are beyond", umem_name(d->umem), d->dev->name,
			d->dev->direct_limit, run->iova, last);
		return -ERANGE;
	}
	if (d->first)
		d->delta = (int64_t)(run->iova - run->va);
	d->linear = d->linear && (int64_t)(run->iova - run->va) == d->delta;
	d->first = false;
	return 0;
}

static int
umem_debug_map_run(const struct umem_run *run, void *arg)
{
	dmamap_debug_map(arg, (void *)run->va, run->iova, run->len,
		RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_LINK);
	return 0;
}

static int
umem_debug_unmap_run(const struct umem_run *run, void *arg)
{
	dmamap_debug_unmap(arg, run->iova, run->len, RTE_DMAMAP_BIDIRECTIONAL,
		DMAMAP_DEBUG_LINK);
	return 0;
}

/* Tell the device's debug checker about the pool's mapping, or forget it. */
static void
umem_debug_record(const struct rte_dmamap_umem *umem, int16_t dev_id,
		const struct umem_dev *d, bool map)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL || dev->debug == NULL)
		return;
	if (!d->in_domain) {
		umem_walk_runs(umem, map ? umem_debug_map_run :
			umem_debug_unmap_run, dev->debug);
	} else if (map) {
		dmamap_debug_map(dev->debug, (void *)umem->va, d->state.addr,
			umem->len, RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_LINK);
	} else {
		dmamap_debug_unmap(dev->debug, d->state.addr, umem->len,
			RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_LINK);
	}
}

/* One IOVA range for the whole pool: one link, one flush. */
static int
umem_map_domain(struct rte_dmamap_umem *umem, int16_t dev_id,
		struct umem_dev *d, struct __rte_dmamap_umem_att *att)
{
	struct rte_dmamap_iova_state *st = &d->state;
	int ret;

	ret = rte_dmamap_iova_link(dev_id, st, (void *)umem->va, 0, umem->len,
		RTE_DMAMAP_BIDIRECTIONAL);
	if (ret < 0) {
		rte_dmamap_iova_free(dev_id, st);
		return ret;
	}
	ret = rte_dmamap_iova_sync(dev_id, st, 0, umem->len);
	if (ret < 0) {
		rte_dmamap_iova_destroy(dev_id, st, umem->len,
			RTE_DMAMAP_BIDIRECTIONAL);
		return ret;
	}
	d->in_domain = true;
	att->mode = __RTE_DMAMAP_UMEM_LINEAR;
	att->delta = (int64_t)(st->addr - umem->va);
	return 0;
}

static int
umem_map_direct(struct rte_dmamap_umem *umem, const struct dmamap_dev *dev,
		struct __rte_dmamap_umem_att *att)
{
	struct umem_direct d = {
		.dev = dev, .umem = umem, .first = true, .linear = true,
	};
	int ret;

	ret = umem_walk_runs(umem, umem_direct_run, &d);
	if (ret < 0)
		return ret;
	att->mode = d.linear ? __RTE_DMAMAP_UMEM_LINEAR : __RTE_DMAMAP_UMEM_XLATE;
	att->delta = d.delta;
	return 0;
}

static bool
umem_dev_has_domain(const struct dmamap_dev *dev)
{
	return dev->domain != NULL && dev->bypass != RTE_DMAMAP_BYPASS_FORCE;
}

/*
 * Map the pool for a device: through its domain when the two-step API
 * reserves a range, else direct. A device of the bypass window that
 * reaches the first frame but not all of them gets a range for all.
 */
static int
umem_map(struct rte_dmamap_umem *umem, int16_t dev_id,
		const struct dmamap_dev *dev, struct umem_dev *d,
		struct __rte_dmamap_umem_att *att)
{
	int ret;

	if (rte_dmamap_virt2iova((void *)umem->va) == RTE_BAD_IOVA) {
		DMAMAP_LOG(ERR, "umem %s: memory at 0x%" PRIxPTR " is unknown to "
			"the translation table", umem_name(umem), umem->va);
		return -ENOENT;
	}
	if (rte_dmamap_iova_try_alloc(dev_id, &d->state, (void *)umem->va,
			umem->len))
		return umem_map_domain(umem, dev_id, d, att);
	if (rte_errno != 0)
		return -rte_errno;
	ret = umem_map_direct(umem, dev, att);
	if (ret != -ERANGE || !umem_dev_has_domain(dev))
		return ret;
	if (rte_dmamap_iova_try_alloc(dev_id, &d->state, NULL, umem->len))
		return umem_map_domain(umem, dev_id, d, att);
	return rte_errno != 0 ? -rte_errno : ret;
}

static void
umem_att_publish(struct rte_dmamap_umem *umem, int16_t dev_id,
		const struct __rte_dmamap_umem_att *att)
{
	struct __rte_dmamap_umem_att *a = &umem->att[dev_id];

	a->delta = att->delta;
	a->need_sync = att->need_sync;
	__atomic_store_n(&a->mode, att->mode, __ATOMIC_RELEASE);
}

/* First attachment of a device: map, decide syncs, publish. */
static int
umem_attach_first(struct rte_dmamap_umem *umem, int16_t dev_id,
		struct dmamap_dev *dev, struct umem_dev *d)
{
	struct __rte_dmamap_umem_att att = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = umem_map(umem, dev_id, dev, d, &att);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "umem %s: cannot map for %s: %s", umem_name(umem),
			dev->name, rte_strerror(-ret));
		memset(d, 0, sizeof(*d));
		return ret;
	}
	att.need_sync = rte_dmamap_need_sync(dev_id, __rte_dmamap_umem_iova(&att,
		umem->va));
	strlcpy(d->name, dev->name, sizeof(d->name));
	d->refcnt = 1;
	umem_held_clear(umem, dev_id);
	umem_debug_record(umem, dev_id, d, true);
	umem_att_publish(umem, dev_id, &att);
	umem_priv(umem)->nb_devs++;
	return 0;
}

static int
umem_attach_check(struct rte_dmamap_umem *umem, struct dmamap_dev **dev,
		int16_t dev_id)
{
	if (umem == NULL) {
		DMAMAP_LOG(ERR, "NULL umem");
		return -EINVAL;
	}
	*dev = dmamap_dev_get(dev_id);
	if (*dev == NULL)
		return -EINVAL;
	if (umem->nb_frames == 0 || umem->nb_frames != umem_priv(umem)->capacity) {
		DMAMAP_LOG(ERR, "umem %s: %u of its %u frames are there yet",
			umem_name(umem), umem->nb_frames, umem_priv(umem)->capacity);
		return -EINVAL;
	}
	return 0;
}

int
rte_dmamap_umem_attach(struct rte_dmamap_umem *umem, int16_t dev_id)
{
	struct dmamap_dev *dev;
	struct umem_priv *p;
	struct umem_dev *d;
	int ret;

	ret = umem_attach_check(umem, &dev, dev_id);
	if (ret < 0)
		return ret;
	p = umem_priv(umem);
	d = &p->dev[dev_id];
	rte_spinlock_lock(&p->lock);
	if (d->refcnt >= UMEM_REFCNT_MAX) {
		DMAMAP_LOG(ERR, "umem %s: %s attached %u times", p->name,
			dev->name, d->refcnt);
		ret = -EOVERFLOW;
	} else if (d->refcnt > 0) {
		d->refcnt++;
	} else {
		ret = umem_attach_first(umem, dev_id, dev, d);
	}
	rte_spinlock_unlock(&p->lock);
	return ret;
}

/* Whether the last attachment may go; logs why not. */
static int
umem_detach_check(const struct rte_dmamap_umem *umem, int16_t dev_id,
		const struct umem_dev *d)
{
	int64_t held = umem_held(umem, dev_id);

	if (held > 0 || d->nb_rings > 0) {
		DMAMAP_LOG(ERR, "umem %s: %s owns %" PRId64 " frames (in its fill "
			"rings or posted to it) and has %u rings: not detached",
			umem_name(umem), d->name, held, d->nb_rings);
		return -EBUSY;
	}
	if (held < 0)
		DMAMAP_LOG(WARNING, "umem %s: %s gave back %" PRId64 " frames more "
			"than it took", umem_name(umem), d->name, -held);
	return 0;
}

/* Unmap the pool from the device; a device gone from the library has
 * nothing left to unmap.
 */
static int
umem_unmap(struct rte_dmamap_umem *umem, int16_t dev_id, struct umem_dev *d)
{
	int ret;

	if (!rte_dmamap_is_valid(dev_id)) {
		DMAMAP_LOG(WARNING, "umem %s: %s was detached from the library "
			"before the pool", umem_name(umem), d->name);
		return 0;
	}
	umem_debug_record(umem, dev_id, d, false);
	if (!d->in_domain)
		return 0;
	ret = rte_dmamap_iova_destroy(dev_id, &d->state, umem->len,
		RTE_DMAMAP_BIDIRECTIONAL);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "umem %s: cannot unmap from %s: %s",
			umem_name(umem), d->name, rte_strerror(-ret));
		umem_debug_record(umem, dev_id, d, true);
		return -EIO;
	}
	return 0;
}

static int
umem_detach_last(struct rte_dmamap_umem *umem, int16_t dev_id,
		struct umem_dev *d)
{
	struct __rte_dmamap_umem_att *a = &umem->att[dev_id];
	uint8_t mode = a->mode;
	int ret;

	ret = umem_detach_check(umem, dev_id, d);
	if (ret < 0)
		return ret;
	/* Stop handing out IOVAs before they go away. */
	__atomic_store_n(&a->mode, __RTE_DMAMAP_UMEM_NONE, __ATOMIC_RELEASE);
	ret = umem_unmap(umem, dev_id, d);
	if (ret < 0) {
		__atomic_store_n(&a->mode, mode, __ATOMIC_RELEASE);
		return ret;
	}
	memset(a, 0, sizeof(*a));
	memset(d, 0, sizeof(*d));
	umem_held_clear(umem, dev_id);
	umem_priv(umem)->nb_devs--;
	return 0;
}

static struct umem_dev *
umem_dev_of(const struct rte_dmamap_umem *umem, int16_t dev_id)
{
	struct umem_dev *d;

	if (umem == NULL || (uint16_t)dev_id >= RTE_DMAMAP_MAX_DEVS) {
		DMAMAP_LOG(ERR, "NULL umem or bad device id %d", dev_id);
		return NULL;
	}
	d = &umem_priv(umem)->dev[dev_id];
	if (d->refcnt == 0) {
		DMAMAP_LOG(ERR, "umem %s: device %d is not attached",
			umem_name(umem), dev_id);
		return NULL;
	}
	return d;
}

int
rte_dmamap_umem_detach(struct rte_dmamap_umem *umem, int16_t dev_id)
{
	struct umem_priv *p;
	struct umem_dev *d;
	int ret = 0;

	if (umem_dev_of(umem, dev_id) == NULL)
		return -EINVAL;
	p = umem_priv(umem);
	rte_spinlock_lock(&p->lock);
	d = &p->dev[dev_id];
	if (d->refcnt == 0)
		ret = __rte_dmamap_umem_bad_dev(umem, dev_id);
	else if (d->refcnt > 1)
		d->refcnt--;
	else
		ret = umem_detach_last(umem, dev_id, d);
	rte_spinlock_unlock(&p->lock);
	return ret;
}

int
rte_dmamap_umem_dev_info_get(const struct rte_dmamap_umem *umem,
		int16_t dev_id, struct rte_dmamap_umem_dev_info *info)
{
	const struct __rte_dmamap_umem_att *a;
	const struct umem_dev *d = umem_dev_of(umem, dev_id);

	if (d == NULL || info == NULL) {
		if (d != NULL)
			DMAMAP_LOG(ERR, "NULL info");
		return -EINVAL;
	}
	a = &umem->att[dev_id];
	memset(info, 0, sizeof(*info));
	info->refcnt = d->refcnt;
	info->in_domain = d->in_domain;
	info->linear = a->mode == __RTE_DMAMAP_UMEM_LINEAR;
	info->need_sync = a->need_sync;
	info->iova = __rte_dmamap_umem_iova(a, umem->va);
	info->outstanding = umem_held(umem, dev_id);
	info->nb_rings = d->nb_rings;
	return 0;
}

/*
 * Fill and completion rings.
 */

static int
umem_ring_check(const struct rte_dmamap_umem *umem, const char *name,
		enum rte_dmamap_umem_ring_type type, uint32_t size)
{
	if (umem == NULL || name == NULL || name[0] == '\0') {
		DMAMAP_LOG(ERR, "NULL umem or ring name");
		return -EINVAL;
	}
	if (strnlen(name, RTE_DMAMAP_UMEM_NAMESIZE) >= RTE_DMAMAP_UMEM_NAMESIZE) {
		DMAMAP_LOG(ERR, "umem ring name %s is longer than %d", name,
			RTE_DMAMAP_UMEM_NAMESIZE - 1);
		return -ENAMETOOLONG;
	}
	if ((unsigned int)type > RTE_DMAMAP_UMEM_RING_COMP) {
		DMAMAP_LOG(ERR, "umem ring %s: unknown type %d", name, (int)type);
		return -EINVAL;
	}
	if (!rte_is_power_of_2(size) || size > UMEM_RING_MAX) {
		DMAMAP_LOG(ERR, "umem ring %s: size %u is not a power of two up "
			"to 2^31", name, size);
		return -EINVAL;
	}
	return 0;
}

static struct rte_dmamap_umem_ring *
umem_ring_reserve(struct rte_dmamap_umem *umem, const char *name,
		int16_t dev_id, enum rte_dmamap_umem_ring_type type, uint32_t size)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct rte_dmamap_umem_ring *ring;
	struct umem_ring_priv *rp;
	size_t len = sizeof(*ring) + (size_t)size * sizeof(void *);

	snprintf(mz_name, sizeof(mz_name), UMEM_RING_FMT, name);
	mz = rte_memzone_reserve_aligned(mz_name, len + sizeof(*rp),
		umem_priv(umem)->socket_id, 0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "umem ring %s: cannot reserve %zu bytes: %s", name,
			len, rte_strerror(rte_errno));
		return NULL;
	}
	ring = mz->addr;
	memset(ring, 0, sizeof(*ring));
	ring->size = size;
	ring->mask = size - 1;
	ring->type = type;
	ring->dev_id = dev_id;
	ring->umem = umem;
	rp = RTE_PTR_ADD(ring, len);
	strlcpy(rp->name, name, sizeof(rp->name));
	rp->mz = mz;
	ring->priv = rp;
	return ring;
}

/* Count a new ring of the device; false when the device went meanwhile. */
static bool
umem_ring_register(struct rte_dmamap_umem *umem, int16_t dev_id)
{
	struct umem_priv *p = umem_priv(umem);
	struct umem_dev *d = &p->dev[dev_id];
	bool attached;

	rte_spinlock_lock(&p->lock);
	attached = d->refcnt > 0;
	if (attached) {
		d->nb_rings++;
		p->nb_rings++;
	}
	rte_spinlock_unlock(&p->lock);
	return attached;
}

struct rte_dmamap_umem_ring *
rte_dmamap_umem_ring_create(struct rte_dmamap_umem *umem, const char *name,
		int16_t dev_id, enum rte_dmamap_umem_ring_type type, uint32_t size)
{
	struct rte_dmamap_umem_ring *ring;
	int ret;

	if (umem != NULL && size == 0)
		size = umem_priv(umem)->ring_size;
	ret = umem_ring_check(umem, name, type, size);
	if (ret == 0 && umem_dev_of(umem, dev_id) == NULL)
		ret = -EINVAL;
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	ring = umem_ring_reserve(umem, name, dev_id, type, size);
	if (ring != NULL && !umem_ring_register(umem, dev_id)) {
		DMAMAP_LOG(ERR, "umem %s: device %d detached while ring %s was "
			"made", umem_name(umem), dev_id, name);
		rte_memzone_free(((struct umem_ring_priv *)ring->priv)->mz);
		rte_errno = EINVAL;
		return NULL;
	}
	return ring;
}

struct rte_dmamap_umem_ring *
rte_dmamap_umem_ring_lookup(const char *name)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "NULL umem ring name");
		rte_errno = EINVAL;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), UMEM_RING_FMT, name);
	mz = rte_memzone_lookup(mz_name);
	if (mz == NULL) {
		rte_errno = ENOENT;
		return NULL;
	}
	return mz->addr;
}

/* Give the frames still in a ring back to the pool. */
static void
umem_ring_drain(struct rte_dmamap_umem_ring *ring)
{
	uint32_t n = ring->prod_tail - ring->cons_tail, i;
	void *f;

	for (i = 0; i < n; i++) {
		f = ring->addrs[(ring->cons_tail + i) & ring->mask];
		rte_ring_enqueue_bulk(ring->umem->ring, &f, 1, NULL);
	}
	if (ring->type == RTE_DMAMAP_UMEM_RING_FILL && n > 0)
		__rte_dmamap_umem_held_add(ring->umem, ring->dev_id, -(int64_t)n);
	ring->cons_tail = ring->prod_tail;
}

int
rte_dmamap_umem_ring_free(struct rte_dmamap_umem_ring *ring)
{
	struct umem_priv *p;

	if (ring == NULL)
		return 0;
	p = umem_priv(ring->umem);
	umem_ring_drain(ring);
	rte_spinlock_lock(&p->lock);
	p->dev[ring->dev_id].nb_rings--;
	p->nb_rings--;
	rte_spinlock_unlock(&p->lock);
	rte_memzone_free(((struct umem_ring_priv *)ring->priv)->mz);
	return 0;
}

/*
 * The mempool ops driver. Each object is one frame: the object header at
 * the frame's start, the object after it, so the pool hands out object
 * addresses (frame + header size). The umem is made in alloc (state and
 * free ring, no memory) and receives the memory the mempool populates
 * with, which must be one virtually contiguous area; populate puts each
 * new object in the pool's free ring.
 * The mempool cache plays the per-lcore cache: the umem has none.
 */

static struct rte_dmamap_umem *
umem_of_mp(const struct rte_mempool *mp)
{
	return mp->pool_data;
}

/* Frame size and mode of a mempool's umem: one object per frame. */
static int
umem_mp_frame(const struct rte_mempool *mp, uint32_t *frame_size,
		uint32_t *flags)
{
	size_t obj = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;

	if (obj > RTE_DMAMAP_UMEM_FRAME_MAX) {
		DMAMAP_LOG(ERR, "mempool %s: objects of %zu bytes exceed the umem's "
			"largest frame (%u)", mp->name, obj,
			RTE_DMAMAP_UMEM_FRAME_MAX);
		return -EINVAL;
	}
	*frame_size = (uint32_t)RTE_MAX(obj, (size_t)RTE_DMAMAP_UMEM_FRAME_MIN);
	*flags = rte_is_power_of_2(*frame_size) ? 0 : RTE_DMAMAP_UMEM_F_UNALIGNED;
	return 0;
}

static int
umem_mp_alloc(struct rte_mempool *mp)
{
	struct rte_dmamap_umem_conf conf = {
		.name = mp->name,
		.socket_id = mp->socket_id,
	};
	struct rte_dmamap_umem *umem;
	int ret;

	ret = umem_mp_frame(mp, &conf.frame_size, &conf.flags);
	if (ret < 0)
		return ret;
	if (dmamap_xlate_init() < 0)
		return -ENOMEM;
	umem = umem_state_create(&conf, mp->size, mp->header_size);
	if (umem == NULL)
		return -rte_errno;
	umem_priv(umem)->mp = mp;
	mp->pool_data = umem;
	return 0;
}

static void
umem_mp_release_devs(struct rte_dmamap_umem *umem)
{
	struct umem_priv *p = umem_priv(umem);
	int16_t id;

	for (id = 0; id < RTE_DMAMAP_MAX_DEVS; id++) {
		if (p->dev[id].refcnt == 0)
			continue;
		DMAMAP_LOG(ERR, "mempool %s freed while %s is attached to it: "
			"unmapped", p->name, p->dev[id].name);
		umem_unmap(umem, id, &p->dev[id]);
		memset(&umem->att[id], 0, sizeof(umem->att[id]));
	}
	if (p->nb_rings != 0)
		DMAMAP_LOG(ERR, "mempool %s freed with %u umem rings left",
			p->name, p->nb_rings);
}

static void
umem_mp_free(struct rte_mempool *mp)
{
	struct rte_dmamap_umem *umem = umem_of_mp(mp);

	if (umem == NULL)
		return;
	umem_mp_release_devs(umem);
	umem_state_free(umem);
	mp->pool_data = NULL;
}

static int
umem_mp_enqueue(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	return rte_ring_enqueue_bulk(umem_of_mp(mp)->ring, obj_table, n,
		NULL) == n ? 0 : -ENOBUFS;
}

static int
umem_mp_dequeue(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	return rte_ring_dequeue_bulk(umem_of_mp(mp)->ring, obj_table, n,
		NULL) == n ? 0 : -ENOBUFS;
}

static unsigned int
umem_mp_get_count(const struct rte_mempool *mp)
{
	return rte_ring_count(umem_of_mp(mp)->ring);
}

/*
 * Memory for obj_num frames in one area. A chunk smaller than the whole
 * is only of use if it follows the memory given before, which a second
 * memzone never does: the minimum is one block, where frames restart.
 */
static ssize_t
umem_mp_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num,
		uint32_t pg_shift, size_t *min_chunk_size, size_t *align)
{
	uint32_t frame_size, flags;
	size_t len;
	int ret;

	RTE_SET_USED(pg_shift);
	ret = umem_mp_frame(mp, &frame_size, &flags);
	if (ret < 0)
		return ret;
	len = umem_layout_span(frame_size, flags, RTE_MAX(obj_num, 1u));
	*align = umem_aligned(flags) ? frame_size : UMEM_BLOCK;
	*min_chunk_size = RTE_MIN(len, (size_t)UMEM_BLOCK);
	return (ssize_t)len;
}

/* Take [vaddr, vaddr + len) as more of the pool's memory; false when it
 * does not follow what the mempool gave before.
 */
static bool
umem_mp_take_mem(struct rte_dmamap_umem *umem, uintptr_t vaddr, size_t len)
{
	struct umem_priv *p = umem_priv(umem);

	if (p->mem_end == 0) {
		umem_layout_start(umem, vaddr);
	} else if (vaddr != p->mem_end) {
		DMAMAP_LOG(ERR, "mempool %s: memory at 0x%" PRIxPTR " does not "
			"follow its memory so far (ending at 0x%" PRIxPTR "): a "
			"umem is one virtually contiguous area", p->name, vaddr,
			p->mem_end);
		return false;
	}
	p->mem_end = vaddr + len;
	return true;
}

static int
umem_mp_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr,
		rte_iova_t iova, size_t len, rte_mempool_populate_obj_cb_t *obj_cb,
		void *obj_cb_arg)
{
	struct rte_dmamap_umem *umem = umem_of_mp(mp);
	struct umem_priv *p = umem_priv(umem);
	uintptr_t start = (uintptr_t)vaddr, f;
	rte_iova_t obj_iova;
	unsigned int n;
	void *obj;

	if (!umem_mp_take_mem(umem, start, len))
		return 0;
	for (n = 0; n < max_objs && umem->nb_frames < p->capacity; n++) {
		f = umem_slot_addr(umem, umem->nb_frames);
		if (f + umem->frame_size > p->mem_end)
			break;
		obj = (void *)(f + umem->hoff);
		obj_iova = iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : f >= start ?
			iova + ((uintptr_t)obj - start) : rte_dmamap_virt2iova(obj);
		umem->len = f + umem->frame_size - umem->va;
		umem->nb_frames++;
		obj_cb(mp, obj_cb_arg, obj, obj_iova);
		/* A populate op hands each new object to the pool itself. */
		rte_ring_enqueue_bulk(umem->ring, &obj, 1, NULL);
	}
	return (int)n;
}

static const struct rte_mempool_ops umem_mempool_ops = {
	.name = RTE_DMAMAP_UMEM_MEMPOOL_OPS,
	.alloc = umem_mp_alloc,
	.free = umem_mp_free,
	.enqueue = umem_mp_enqueue,
	.dequeue = umem_mp_dequeue,
	.get_count = umem_mp_get_count,
	.calc_mem_size = umem_mp_calc_mem_size,
	.populate = umem_mp_populate,
};

RTE_MEMPOOL_REGISTER_OPS(umem_mempool_ops);

struct rte_dmamap_umem *
rte_dmamap_umem_from_mempool(const struct rte_mempool *mp)
{
	const struct rte_mempool_ops *ops;

	if (mp == NULL) {
		DMAMAP_LOG(ERR, "NULL mempool");
		rte_errno = EINVAL;
		return NULL;
	}
	ops = rte_mempool_get_ops(mp->ops_index);
	if (strcmp(ops->name, RTE_DMAMAP_UMEM_MEMPOOL_OPS) != 0 ||
			mp->pool_data == NULL) {
		DMAMAP_LOG(ERR, "mempool %s is not a umem (ops %s)%s", mp->name,
			ops->name, mp->pool_data == NULL ? " or not populated" : "");
		rte_errno = EINVAL;
		return NULL;
	}
	return mp->pool_data;
}
