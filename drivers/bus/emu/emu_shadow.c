/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The non-coherence model.
 *
 * A non-coherent device does not snoop the CPU's caches: it sees memory
 * (here: the shadow), not what the CPU sees (the process's memory). The
 * two views meet only through cache maintenance, which lib/dmamap performs
 * with the "emu" cache operations registered here on map, unmap and sync,
 * as the kernel does on such platforms:
 *
 * - for_device (write back): the cache lines of the range are copied from
 *   the CPU's view into the shadow, which the device sees from then on;
 * - for_cpu (invalidate): what the device wrote into those lines is copied
 *   into the CPU's view (FROM_DEVICE, BIDIRECTIONAL) and the lines leave
 *   the shadow;
 * - set_uncached (coherent allocations): the lines leave the shadow, so
 *   device and CPU share them.
 *
 * Lines the cache operations never took over are coherent: the device
 * reads and writes the CPU's view directly (descriptor rings and other
 * memory allocated coherent, which is never synced). So a driver that
 * forgets sync_for_device has its device read the data of the last sync,
 * and one that forgets sync_for_cpu reads its own stale copy: the failure
 * real non-coherent hardware shows, but every time.
 *
 * Storage: 4 KiB shadow pages keyed by the host virtual page, in an
 * open-addressing hash in one memzone (EAL memory has the same address in
 * every process), created with the first non-coherent device; a page is
 * dropped when its last line leaves the shadow. One lock.
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>

#include "emu_private.h"

#define EMU_SHADOW_MZ "bus_emu_shadow"
#define EMU_SHADOW_PAGES 4096
#define EMU_SHADOW_SLOTS (2 * EMU_SHADOW_PAGES) /* load factor <= 1/2 */
#define EMU_LINE 64
#define EMU_LINES (EMU_PAGE_SIZE / EMU_LINE)
#define EMU_SLOT_NONE UINT32_MAX

struct emu_shadow_slot {
	uint64_t key;     /* host page number + 1; 0: empty */
	uint64_t lines;   /* bit n: line n is in the shadow */
	uint32_t page;    /* index of the shadow page */
};

struct emu_shadow {
	uint8_t pages[EMU_SHADOW_PAGES][EMU_PAGE_SIZE];
	rte_spinlock_t lock;
	uint32_t nb_free;
	uint64_t overflows;   /* lines left coherent: no page free */
	uint32_t free[EMU_SHADOW_PAGES];
	struct emu_shadow_slot slots[EMU_SHADOW_SLOTS];
};

static struct emu_shadow *emu_shadow;

int
emu_shadow_init(void)
{
	const struct rte_memzone *mz;
	struct emu_shadow *s;
	uint32_t i;

	if (emu_shadow != NULL)
		return 0;
	mz = rte_memzone_lookup(EMU_SHADOW_MZ);
	if (mz == NULL && rte_eal_process_type() == RTE_PROC_PRIMARY) {
		mz = rte_memzone_reserve_aligned(EMU_SHADOW_MZ, sizeof(*s),
			SOCKET_ID_ANY, 0, EMU_PAGE_SIZE);
		if (mz == NULL) {
			EMU_LOG(ERR, "cannot reserve %zu bytes for the shadow memory: %s",
				sizeof(*s), rte_strerror(rte_errno));
			return -ENOMEM;
		}
		s = mz->addr;
		memset(s->slots, 0, sizeof(s->slots));
		rte_spinlock_init(&s->lock);
		s->overflows = 0;
		for (i = 0; i < EMU_SHADOW_PAGES; i++)
			s->free[i] = i;
		s->nb_free = EMU_SHADOW_PAGES;
	}
	if (mz == NULL)
		return -ENOENT;
	emu_shadow = mz->addr;
	return 0;
}

/* The shadow, found lazily in processes that did not create it. */
static struct emu_shadow *
emu_shadow_get(void)
{
	if (emu_shadow == NULL && rte_memzone_lookup(EMU_SHADOW_MZ) != NULL)
		emu_shadow_init();
	return emu_shadow;
}

/*
 * Hash of shadow pages: linear probing, deletion by backward shift so no
 * tombstones accumulate.
 */

static inline uint32_t
emu_slot_home(uint64_t key)
{
	return (key * UINT64_C(0x9e3779b97f4a7c15)) >> 51 & (EMU_SHADOW_SLOTS - 1);
}

static uint32_t
emu_slot_find(struct emu_shadow *s, uint64_t key)
{
	uint32_t i = emu_slot_home(key);

	while (s->slots[i].key != 0) {
		if (s->slots[i].key == key)
			return i;
		i = (i + 1) & (EMU_SHADOW_SLOTS - 1);
	}
	return EMU_SLOT_NONE;
}

static uint32_t
emu_slot_insert(struct emu_shadow *s, uint64_t key)
{
	uint32_t i = emu_slot_home(key);

	if (s->nb_free == 0)
		return EMU_SLOT_NONE;
	while (s->slots[i].key != 0)
		i = (i + 1) & (EMU_SHADOW_SLOTS - 1);
	s->slots[i].key = key;
	s->slots[i].lines = 0;
	s->slots[i].page = s->free[--s->nb_free];
	return i;
}

/* Whether home h lies cyclically in (hole, i]: then i may not move. */
static inline bool
emu_slot_stays(uint32_t hole, uint32_t i, uint32_t h)
{
	if (hole <= i)
		return hole < h && h <= i;
	return hole < h || h <= i;
}

static void
emu_slot_remove(struct emu_shadow *s, uint32_t hole)
{
	uint32_t i = hole;

	s->free[s->nb_free++] = s->slots[hole].page;
	for (;;) {
		i = (i + 1) & (EMU_SHADOW_SLOTS - 1);
		if (s->slots[i].key == 0)
			break;
		if (emu_slot_stays(hole, i, emu_slot_home(s->slots[i].key)))
			continue;
		s->slots[hole] = s->slots[i];
		hole = i;
	}
	s->slots[hole].key = 0;
}

static inline uint64_t
emu_page_key(uintptr_t va)
{
	return (va >> EMU_PAGE_SHIFT) + 1;
}

/* Lines [first, last] of a page as a bit mask. */
static inline uint64_t
emu_line_mask(unsigned int first, unsigned int last)
{
	uint64_t upto = last == EMU_LINES - 1 ? UINT64_MAX :
		(UINT64_C(1) << (last + 1)) - 1;

	return upto & ~((UINT64_C(1) << first) - 1);
}

/*
 * Walk [va, va + len) page by page: fn gets the page's part as an offset
 * and length inside the page.
 */
static void
emu_shadow_walk(uintptr_t va, size_t len,
		void (*fn)(struct emu_shadow *s, uintptr_t page, size_t off,
			size_t n, void *arg), void *arg)
{
	struct emu_shadow *s = emu_shadow_get();
	uintptr_t page;
	size_t off, n;

	if (s == NULL)
		return;
	rte_spinlock_lock(&s->lock);
	while (len > 0) {
		page = va & ~(uintptr_t)(EMU_PAGE_SIZE - 1);
		off = va - page;
		n = RTE_MIN(len, EMU_PAGE_SIZE - off);
		fn(s, page, off, n, arg);
		va += n;
		len -= n;
	}
	rte_spinlock_unlock(&s->lock);
}

/*
 * Cache maintenance.
 */

static void
emu_shadow_clean_page(struct emu_shadow *s, uintptr_t page, size_t off,
		size_t n, void *arg)
{
	unsigned int first = off / EMU_LINE, last = (off + n - 1) / EMU_LINE;
	uint64_t key = emu_page_key(page);
	uint32_t slot;
	uint8_t *shadow;

	RTE_SET_USED(arg);
	slot = emu_slot_find(s, key);
	if (slot == EMU_SLOT_NONE)
		slot = emu_slot_insert(s, key);
	if (slot == EMU_SLOT_NONE) {
		if (s->overflows++ == 0)
			EMU_LOG(ERR, "shadow memory full (%u pages): lines stay coherent",
				EMU_SHADOW_PAGES);
		return;
	}
	/* Write-back works on whole lines, as the hardware's. */
	shadow = s->pages[s->slots[slot].page];
	memcpy(shadow + first * EMU_LINE, (void *)(page + first * EMU_LINE),
		(last - first + 1) * EMU_LINE);
	s->slots[slot].lines |= emu_line_mask(first, last);
}

static void
emu_shadow_inval_page(struct emu_shadow *s, uintptr_t page, size_t off,
		size_t n, void *arg)
{
	unsigned int first = off / EMU_LINE, last = (off + n - 1) / EMU_LINE;
	const bool *copy = arg;
	struct emu_shadow_slot *sl;
	uint32_t slot;
	unsigned int l;
	size_t a, b;

	slot = emu_slot_find(s, emu_page_key(page));
	if (slot == EMU_SLOT_NONE)
		return;
	sl = &s->slots[slot];
	for (l = first; l <= last; l++) {
		if (!(sl->lines & RTE_BIT64(l)))
			continue;
		/* Only the bytes asked: the rest of the line is the CPU's. */
		a = RTE_MAX(off, (size_t)l * EMU_LINE);
		b = RTE_MIN(off + n, (size_t)(l + 1) * EMU_LINE);
		if (*copy)
			memcpy((void *)(page + a), s->pages[sl->page] + a, b - a);
		sl->lines &= ~RTE_BIT64(l);
	}
	if (sl->lines == 0)
		emu_slot_remove(s, slot);
}

static void
emu_cache_for_device(int16_t dev_id, const void *va, rte_iova_t iova,
		size_t len, int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	RTE_SET_USED(dir);
	if (va != NULL && len > 0)
		emu_shadow_walk((uintptr_t)va, len, emu_shadow_clean_page, NULL);
}

static void
emu_cache_for_cpu(int16_t dev_id, void *va, rte_iova_t iova, size_t len,
		int dir)
{
	/* The device wrote nothing the CPU must see in a TO_DEVICE buffer. */
	bool copy = dir != RTE_DMAMAP_TO_DEVICE;

	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	if (va != NULL && len > 0)
		emu_shadow_walk((uintptr_t)va, len, emu_shadow_inval_page, &copy);
}

/*
 * Coherent allocations of a non-coherent device are mapped uncached: CPU
 * and device see the same bytes. Here: the lines leave the shadow (what
 * it held is stale for memory just allocated or just freed).
 */
static void
emu_cache_set_uncached(int16_t dev_id, void *va, rte_iova_t iova, size_t len,
		bool uncached)
{
	bool copy = false;

	RTE_SET_USED(dev_id);
	RTE_SET_USED(iova);
	RTE_SET_USED(uncached);
	if (va != NULL && len > 0)
		emu_shadow_walk((uintptr_t)va, len, emu_shadow_inval_page, &copy);
}

static const struct rte_dmamap_cache_ops emu_cache_ops = {
	.name = EMU_CACHE_OPS,
	.for_device = emu_cache_for_device,
	.for_cpu = emu_cache_for_cpu,
	.set_uncached = emu_cache_set_uncached,
};

RTE_INIT(emu_cache_ops_register)
{
	int ret = rte_dmamap_cache_ops_register(&emu_cache_ops);

	if (ret < 0)
		EMU_LOG(ERR, "cannot register the %s cache operations: %s",
			EMU_CACHE_OPS, strerror(-ret));
}

/*
 * Device accesses: line by line, the shadow where it holds the line,
 * the CPU's view elsewhere.
 */

struct emu_dev_access {
	uint8_t *buf;
	bool write;
};

static void
emu_shadow_access_page(struct emu_shadow *s, uintptr_t page, size_t off,
		size_t n, void *arg)
{
	struct emu_dev_access *acc = arg;
	uint8_t *mem = (uint8_t *)page, *src, *dst;
	uint64_t lines = 0;
	uint32_t slot;
	size_t a, b;

	slot = emu_slot_find(s, emu_page_key(page));
	if (slot != EMU_SLOT_NONE) {
		lines = s->slots[slot].lines;
		mem = s->pages[s->slots[slot].page];
	}
	for (a = off; a < off + n; a = b) {
		b = RTE_MIN(off + n, RTE_ALIGN_FLOOR(a, EMU_LINE) + EMU_LINE);
		src = (lines & RTE_BIT64(a / EMU_LINE)) ? mem : (uint8_t *)page;
		dst = acc->buf + (a - off);
		if (acc->write)
			memcpy(src + a, dst, b - a);
		else
			memcpy(dst, src + a, b - a);
	}
	acc->buf += n;
}

void
emu_shadow_dev_read(const void *host, void *buf, size_t len)
{
	struct emu_dev_access acc = { .buf = buf, .write = false };

	if (emu_shadow_get() == NULL) {
		memcpy(buf, host, len);
		return;
	}
	emu_shadow_walk((uintptr_t)host, len, emu_shadow_access_page, &acc);
}

void
emu_shadow_dev_write(void *host, const void *buf, size_t len)
{
	struct emu_dev_access acc = {
		.buf = (uint8_t *)(uintptr_t)buf,
		.write = true,
	};

	if (emu_shadow_get() == NULL) {
		memcpy(host, buf, len);
		return;
	}
	emu_shadow_walk((uintptr_t)host, len, emu_shadow_access_page, &acc);
}
