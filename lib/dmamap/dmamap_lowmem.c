/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Memory under a DMA mask.
 *
 * A device whose mask cannot reach the memory EAL gives (a 32-bit device in
 * a machine whose hugepages sit above 4 GiB, or any device in IOVA-VA mode
 * where EAL memory lives above 4 GiB of virtual space) needs some memory it
 * can reach: for its bounce pool and for coherent allocations. The order of
 * attempts:
 *
 * 1. an IOVA-contiguous EAL memzone, kept when its IOVA range fits;
 * 2. memory placed here:
 *    - IOVA-PA: 2 MiB hugepages taken one by one from a hugetlbfs file until
 *      enough of them lie under the mask and are physically contiguous (one
 *      page is enough for 2 MiB or less), then mapped in physical order at
 *      one virtual address;
 *    - IOVA-VA: a hugetlbfs file (or a /dev/shm file without hugepages)
 *      mapped at a low virtual address under the mask, its IOVA being its VA.
 *    The area is registered with EAL as external memory, so EAL's own
 *    translations agree with ours, and added to the translation tables.
 *
 * Everything a secondary process needs to map the same memory at the same
 * address is recorded in a memzone named after the area. The hugetlbfs file
 * is held with a shared lock by every process using it: EAL removes unlocked
 * files that look like its own ("*map_*") when a primary process starts.
 */

/* fallocate(), MAP_FIXED_NOREPLACE */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dmamap_private.h"
#include "rte_dmamap_heap.h"

#define LOWMEM_MAGIC UINT64_C(0x6c6f776d656d3031) /* "lowmem01" */

/*
 * Probing in IOVA-PA mode holds the hugepages it looked at until it is
 * done, so the kernel cannot hand the same rejected page back. Beyond the
 * pages needed it looks at this many more: the hugepage pool is shared.
 */
#define LOWMEM_PROBE_EXTRA 128

/* Virtual addresses tried first: clear of the program and its heap. */
#define LOWMEM_VA_FLOOR DMAMAP_PAGE_1G
#define LOWMEM_VA_MAX ((UINT64_C(1) << 47) - 1)
#define LOWMEM_PLACE_RETRIES 16
#define LOWMEM_PATH_MAX 256

enum lowmem_kind {
	LOWMEM_MEMZONE = 1, /* data in the record's memzone */
	LOWMEM_FILE,        /* data in a file mapped by every process */
};

/* A run of file pages mapped at consecutive virtual addresses. */
struct lowmem_piece {
	uint64_t file_off;
	uint64_t len;
};

/* The record, at the start of the memzone named after the area. */
struct dmamap_lowmem {
	uint64_t magic;
	enum lowmem_kind kind;
	char name[RTE_MEMZONE_NAMESIZE];
	char path[LOWMEM_PATH_MAX];
	const struct rte_memzone *mz;
	void *va;
	rte_iova_t iova;
	size_t size;      /* bytes asked for */
	size_t len;       /* bytes mapped and registered, pages whole */
	size_t pgsz;
	pid_t owner;      /* process that placed it */
	uint32_t nb_pieces;
	struct lowmem_piece pieces[];
};

/* Memzone data starts on the page after the record. */
#define LOWMEM_MZ_HDR RTE_ALIGN_CEIL(sizeof(struct dmamap_lowmem), DMAMAP_PAGE_4K)

/* What this process holds of an area placed in a file. */
struct lowmem_local {
	LIST_ENTRY(lowmem_local) next;
	struct dmamap_lowmem *lm;
	int fd;
};

static LIST_HEAD(, lowmem_local) lowmem_locals =
	LIST_HEAD_INITIALIZER(lowmem_locals);
static pthread_mutex_t lowmem_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Test hook (not in dmamap_private.h): skip EAL memzones so the placement
 * paths can be exercised on machines where EAL memory happens to fit.
 */
void dmamap_lowmem_eal_disable(bool disable);
static bool lowmem_eal_disabled;

void
dmamap_lowmem_eal_disable(bool disable)
{
	lowmem_eal_disabled = disable;
}

static bool
lowmem_fits(rte_iova_t iova, size_t len, rte_iova_t mask)
{
	return iova != RTE_BAD_IOVA && iova <= mask && len - 1 <= mask - iova;
}

static struct lowmem_local *
lowmem_local_find(const struct dmamap_lowmem *lm)
{
	struct lowmem_local *l;

	LIST_FOREACH(l, &lowmem_locals, next)
		if (l->lm == lm)
			return l;
	return NULL;
}

/*
 * Names and paths.
 */

static int
lowmem_args_check(const char *name, rte_iova_t mask, size_t size)
{
	if (name == NULL || name[0] == '\0' ||
			strnlen(name, RTE_MEMZONE_NAMESIZE) == RTE_MEMZONE_NAMESIZE) {
		DMAMAP_LOG(ERR, "name missing or longer than %d characters",
			RTE_MEMZONE_NAMESIZE - 1);
		return -EINVAL;
	}
	/* A mask, or any last reachable IOVA, past the first 4 KiB page. */
	if (mask < DMAMAP_PAGE_4K - 1) {
		DMAMAP_LOG(ERR, "%s: bad mask 0x%" PRIx64, name, mask);
		return -EINVAL;
	}
	if (size == 0 || size > mask) {
		DMAMAP_LOG(ERR, "%s: size %zu does not fit a mask of 0x%" PRIx64,
			name, size, mask);
		return -EINVAL;
	}
	return 0;
}

/* The file of an area: <dir>/<EAL file prefix>_lowmem_<name>. */
static int
lowmem_path(struct dmamap_lowmem *lm, const char *dir)
{
	return dmamap_hugefile_path(lm->path, sizeof(lm->path), dir, "_lowmem_",
		lm->name);
}

/* The hugetlbfs mount EAL uses for 2 MiB pages, else /dev/hugepages. */
static int
lowmem_hugedir(char dir[PATH_MAX])
{
	if (dmamap_hugefile_eal_dir(dir, DMAMAP_PAGE_2M) == 0)
		return 0;
	snprintf(dir, PATH_MAX, "/dev/hugepages");
	return dmamap_hugefile_is_mount(dir, DMAMAP_PAGE_2M) ? 0 : -ENOENT;
}

/*
 * Virtual address space.
 */

static void
lowmem_unmap_pieces(const struct dmamap_lowmem *lm, uint32_t count)
{
	uint8_t *va = lm->va;
	uint32_t i;

	for (i = 0; i < count; i++) {
		munmap(va, lm->pieces[i].len);
		va += lm->pieces[i].len;
	}
}

/*
 * Map every piece of the file at lm->va onward, never over an existing
 * mapping. Returns -EEXIST when something already sits there.
 */
static int
lowmem_map_pieces(const struct dmamap_lowmem *lm, int fd)
{
	uint8_t *va = lm->va;
	uint32_t i;
	void *p;
	int ret;

	for (i = 0; i < lm->nb_pieces; i++) {
		p = mmap(va, lm->pieces[i].len, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_POPULATE, fd,
			lm->pieces[i].file_off);
		if (p != va) {
			ret = p == MAP_FAILED ? -errno : -EEXIST;
			if (p != MAP_FAILED)
				munmap(p, lm->pieces[i].len);
			lowmem_unmap_pieces(lm, i);
			return ret;
		}
		va += lm->pieces[i].len;
	}
	return 0;
}

/*
 * Map the pieces at the lowest free address in [floor, limit]; lm->va is
 * set on success. A race with another thread mapping the same gap shows as
 * -EEXIST: look again above it.
 */
static int
lowmem_map_low(struct dmamap_lowmem *lm, int fd, uint64_t limit)
{
	uintptr_t floors[] = { LOWMEM_VA_FLOOR, DMAMAP_PAGE_2M };
	uintptr_t addr, floor;
	unsigned int i, tries;
	int ret = -ENOMEM;

	for (i = 0; i < RTE_DIM(floors); i++) {
		floor = floors[i];
		for (tries = 0; tries < LOWMEM_PLACE_RETRIES; tries++) {
			addr = dmamap_hugefile_va_gap(floor, lm->len,
				DMAMAP_PAGE_2M, limit);
			if (addr == 0)
				break;
			lm->va = (void *)addr;
			ret = lowmem_map_pieces(lm, fd);
			if (ret != -EEXIST)
				return ret;
			floor = addr + DMAMAP_PAGE_2M;
		}
	}
	lm->va = NULL;
	return ret == -EEXIST ? -ENOMEM : ret;
}

/*
 * IOVA-VA mode: a file mapped low, IOVA = VA.
 */

static int
lowmem_file_size(int fd, size_t len, bool huge)
{
	int ret;

	/* Allocate every page now: a page missing later would be SIGBUS. */
	if (huge)
		ret = fallocate(fd, 0, 0, len) == 0 ? 0 : errno;
	else
		ret = posix_fallocate(fd, 0, len);
	return -ret;
}

static int
lowmem_place_va_file(struct dmamap_lowmem *lm, rte_iova_t mask, bool huge)
{
	int fd, ret;

	lm->pgsz = huge ? DMAMAP_PAGE_2M : DMAMAP_PAGE_4K;
	lm->len = RTE_ALIGN_CEIL(lm->size, lm->pgsz);
	lm->nb_pieces = 1;
	lm->pieces[0].file_off = 0;
	lm->pieces[0].len = lm->len;
	fd = dmamap_hugefile_create(lm->path);
	if (fd < 0)
		return fd;
	ret = lowmem_file_size(fd, lm->len, huge);
	if (ret == 0)
		ret = lowmem_map_low(lm, fd, RTE_MIN(mask, LOWMEM_VA_MAX));
	if (ret < 0) {
		unlink(lm->path);
		close(fd);
		return ret;
	}
	lm->iova = (uintptr_t)lm->va;
	return fd;
}

static int
lowmem_place_va(struct dmamap_lowmem *lm, rte_iova_t mask)
{
	char dir[PATH_MAX];
	int ret;

	if (rte_eal_has_hugepages() && lowmem_hugedir(dir) == 0) {
		ret = lowmem_path(lm, dir);
		if (ret == 0)
			ret = lowmem_place_va_file(lm, mask, true);
		if (ret >= 0)
			return ret;
		DMAMAP_LOG(INFO, "%s: no hugepages under 0x%" PRIx64 " (%s), "
			"trying /dev/shm", lm->name, mask, strerror(-ret));
	}
	ret = lowmem_path(lm, "/dev/shm");
	if (ret < 0)
		return ret;
	return lowmem_place_va_file(lm, mask, false);
}

/*
 * IOVA-PA mode: hugepages whose physical addresses fit.
 */

struct lowmem_page {
	uint64_t file_off;
	rte_iova_t pa;
};

struct lowmem_probe {
	int fd;
	int pagemap;
	rte_iova_t mask;
	uint32_t need;           /* pages */
	uint32_t nb_pages;       /* pages allocated in the file */
	uint32_t nb_fit;         /* pages under the mask, sorted by pa */
	struct lowmem_page *fit;
	uint32_t first;          /* chosen run: fit[first .. first + need) */
};

/*
 * Insert a page that fits into the sorted list; true when it completes a
 * physically contiguous run of the pages needed.
 */
static bool
lowmem_probe_insert(struct lowmem_probe *pr, const struct lowmem_page *pg)
{
	uint32_t i = pr->nb_fit, lo, hi;

	while (i > 0 && pr->fit[i - 1].pa > pg->pa) {
		pr->fit[i] = pr->fit[i - 1];
		i--;
	}
	pr->fit[i] = *pg;
	pr->nb_fit++;
	for (lo = i; lo > 0 && pr->fit[lo - 1].pa + DMAMAP_PAGE_2M == pr->fit[lo].pa;)
		lo--;
	for (hi = i; hi + 1 < pr->nb_fit &&
			pr->fit[hi].pa + DMAMAP_PAGE_2M == pr->fit[hi + 1].pa;)
		hi++;
	if (hi - lo + 1 < pr->need)
		return false;
	/* Any window of the run containing the new page will do. */
	pr->first = RTE_MAX(lo, i + 1 >= pr->need ? i + 1 - pr->need : 0);
	return true;
}

static int
lowmem_probe_run(struct lowmem_probe *pr)
{
	uint32_t budget = pr->need + LOWMEM_PROBE_EXTRA;
	struct lowmem_page pg;
	int ret;

	while (pr->nb_pages < budget) {
		pg.file_off = (uint64_t)pr->nb_pages * DMAMAP_PAGE_2M;
		/* No free hugepage left: the allocation fails. */
		if (dmamap_hugefile_alloc(pr->fd, pg.file_off, DMAMAP_PAGE_2M) < 0)
			break;
		pr->nb_pages++;
		ret = dmamap_hugefile_page_pa(pr->fd, pr->pagemap, pg.file_off,
			DMAMAP_PAGE_2M, &pg.pa);
		if (ret < 0)
			return ret;
		if (lowmem_fits(pg.pa, DMAMAP_PAGE_2M, pr->mask) &&
				lowmem_probe_insert(pr, &pg))
			return 0;
	}
	return -ENOMEM;
}

static bool
lowmem_probe_chosen(const struct lowmem_probe *pr, uint64_t off)
{
	uint32_t i;

	for (i = pr->first; i < pr->first + pr->need; i++)
		if (pr->fit[i].file_off == off)
			return true;
	return false;
}

/* Give back every probed page that is not part of the chosen run. */
static void
lowmem_probe_release(const struct lowmem_probe *pr, bool keep_chosen)
{
	uint64_t off;
	uint32_t i;

	for (i = 0; i < pr->nb_pages; i++) {
		off = (uint64_t)i * DMAMAP_PAGE_2M;
		if (keep_chosen && lowmem_probe_chosen(pr, off))
			continue;
		dmamap_hugefile_release(pr->fd, off, DMAMAP_PAGE_2M);
	}
}

/* Record the chosen pages in physical order, merging file neighbours. */
static void
lowmem_probe_pieces(const struct lowmem_probe *pr, struct dmamap_lowmem *lm)
{
	const struct lowmem_page *pg = &pr->fit[pr->first];
	struct lowmem_piece *last = NULL;
	uint32_t i;

	lm->nb_pieces = 0;
	for (i = 0; i < pr->need; i++) {
		if (last != NULL && last->file_off + last->len == pg[i].file_off) {
			last->len += DMAMAP_PAGE_2M;
			continue;
		}
		last = &lm->pieces[lm->nb_pieces++];
		last->file_off = pg[i].file_off;
		last->len = DMAMAP_PAGE_2M;
	}
	lm->iova = pg[0].pa;
}

static int
lowmem_probe_pages(struct dmamap_lowmem *lm, struct lowmem_probe *pr)
{
	int ret;

	pr->fit = calloc(pr->need + LOWMEM_PROBE_EXTRA, sizeof(*pr->fit));
	pr->pagemap = dmamap_pagemap_open(NULL);
	if (pr->fit == NULL || pr->pagemap < 0) {
		ret = pr->fit == NULL ? -ENOMEM : pr->pagemap;
		goto out;
	}
	ret = lowmem_probe_run(pr);
	if (ret == 0)
		lowmem_probe_pieces(pr, lm);
	lowmem_probe_release(pr, ret == 0);
	if (ret == -EPERM)
		DMAMAP_LOG(ERR, "%s: cannot read physical addresses from "
			"/proc/self/pagemap", lm->name);
	else if (ret < 0)
		DMAMAP_LOG(INFO, "%s: %u hugepages looked at, no %u contiguous "
			"under 0x%" PRIx64, lm->name, pr->nb_pages, pr->need,
			pr->mask);
out:
	if (pr->pagemap >= 0)
		close(pr->pagemap);
	free(pr->fit);
	return ret;
}

static int
lowmem_place_pa(struct dmamap_lowmem *lm, rte_iova_t mask)
{
	struct lowmem_probe pr = { .mask = mask, .pagemap = -1 };
	char dir[PATH_MAX];
	int ret;

	if (!rte_eal_has_hugepages() || lowmem_hugedir(dir) < 0) {
		DMAMAP_LOG(ERR, "%s: IOVA-PA mode without a 2 MiB hugetlbfs mount",
			lm->name);
		return -ENOMEM;
	}
	ret = lowmem_path(lm, dir);
	if (ret < 0)
		return ret;
	lm->pgsz = DMAMAP_PAGE_2M;
	lm->len = RTE_ALIGN_CEIL(lm->size, DMAMAP_PAGE_2M);
	pr.need = lm->len / DMAMAP_PAGE_2M;
	pr.fd = dmamap_hugefile_create(lm->path);
	if (pr.fd < 0)
		return pr.fd;
	ret = lowmem_probe_pages(lm, &pr);
	if (ret == 0)
		ret = lowmem_map_low(lm, pr.fd, LOWMEM_VA_MAX);
	if (ret < 0) {
		unlink(lm->path);
		close(pr.fd);
		return ret;
	}
	return pr.fd;
}

/*
 * Registration with EAL and the translation tables.
 */

static int
lowmem_xlate_add(const struct dmamap_lowmem *lm)
{
	int ret = dmamap_xlate_add(lm->va, lm->iova, lm->len);

	/* Tables that already hold the area, the same way, will do. */
	if (ret == -EEXIST && rte_dmamap_xlate_va != NULL &&
			rte_dmamap_xlate_lookup(rte_dmamap_xlate_va,
				(uintptr_t)lm->va) == lm->iova)
		return 0;
	return ret;
}

static int
lowmem_register(const struct dmamap_lowmem *lm)
{
	size_t i, n = lm->len / lm->pgsz;
	rte_iova_t *iovas;
	int ret;

	/* Tables built later would take the area from EAL's lists as well. */
	ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	iovas = malloc(n * sizeof(*iovas));
	if (iovas == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		iovas[i] = lm->iova + i * lm->pgsz;
	ret = rte_extmem_register(lm->va, lm->len, iovas, n, lm->pgsz);
	free(iovas);
	if (ret < 0) {
		ret = -rte_errno;
		DMAMAP_LOG(ERR, "%s: EAL refused external memory %p: %s",
			lm->name, lm->va, rte_strerror(-ret));
		return ret;
	}
	ret = lowmem_xlate_add(lm);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "%s: cannot add %p to the translation tables: %s",
			lm->name, lm->va, strerror(-ret));
		rte_extmem_unregister(lm->va, lm->len);
	}
	return ret;
}

/*
 * Allocation.
 */

/* Attempt 1: EAL memory, when the memzone EAL gives happens to fit. */
static struct dmamap_lowmem *
lowmem_try_memzone(const char *name, rte_iova_t mask, size_t size,
		int socket_id)
{
	const struct rte_memzone *mz;
	struct dmamap_lowmem *lm;

	if (lowmem_eal_disabled)
		return NULL;
	mz = dmamap_memzone_reserve(name, LOWMEM_MZ_HDR + size, socket_id,
		RTE_MEMZONE_IOVA_CONTIG, DMAMAP_PAGE_4K);
	if (mz == NULL)
		return NULL;
	if (!lowmem_fits(mz->iova + LOWMEM_MZ_HDR, size, mask)) {
		rte_memzone_free(mz);
		return NULL;
	}
	lm = mz->addr;
	memset(lm, 0, sizeof(*lm));
	lm->kind = LOWMEM_MEMZONE;
	snprintf(lm->name, sizeof(lm->name), "%s", name);
	lm->mz = mz;
	lm->va = RTE_PTR_ADD(mz->addr, LOWMEM_MZ_HDR);
	lm->iova = mz->iova + LOWMEM_MZ_HDR;
	lm->size = size;
	lm->len = size;
	lm->pgsz = mz->hugepage_sz;
	lm->owner = getpid();
	lm->magic = LOWMEM_MAGIC;
	return lm;
}

/*
 * Attempt 0: the PA=VA heap, whose low pages are low in both IOVA modes
 * (identity: IOVA = VA = PA). Malloc takes the first chunk that fits, so
 * each try that lands above the mask holds that place, and the next try
 * lands elsewhere.
 */
#define LOWMEM_HEAP_TRIES 16

static struct dmamap_lowmem *
lowmem_try_heap(const char *name, rte_iova_t mask, size_t size)
{
	const struct rte_memzone *held[LOWMEM_HEAP_TRIES];
	static uint32_t hold_seq;
	char hold_name[RTE_MEMZONE_NAMESIZE];
	struct rte_dmamap_heap_info info;
	struct dmamap_lowmem *lm = NULL;
	unsigned int n;

	if (rte_dmamap_heap_info_get(&info) < 0)
		return NULL;
	for (n = 0; n < LOWMEM_HEAP_TRIES; n++) {
		lm = lowmem_try_memzone(name, mask, size, info.socket_id);
		if (lm != NULL)
			break;
		snprintf(hold_name, sizeof(hold_name), "dmamap_lmhold%u",
			hold_seq++);
		held[n] = rte_memzone_reserve_aligned(hold_name, LOWMEM_MZ_HDR +
			size, info.socket_id, RTE_MEMZONE_IOVA_CONTIG,
			DMAMAP_PAGE_4K);
		if (held[n] == NULL)
			break;
	}
	/* held[0..n) are the places taken above the mask. */
	while (n-- > 0)
		rte_memzone_free(held[n]);
	return lm;
}

static struct dmamap_lowmem *
lowmem_record_reserve(const char *name, size_t size)
{
	uint32_t max_pieces = RTE_ALIGN_CEIL(size, DMAMAP_PAGE_2M) / DMAMAP_PAGE_2M;
	const struct rte_memzone *mz;
	struct dmamap_lowmem *lm;

	mz = rte_memzone_reserve(name, sizeof(*lm) +
		max_pieces * sizeof(lm->pieces[0]), SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return NULL;
	lm = mz->addr;
	memset(lm, 0, sizeof(*lm));
	lm->kind = LOWMEM_FILE;
	snprintf(lm->name, sizeof(lm->name), "%s", name);
	lm->mz = mz;
	lm->size = size;
	lm->owner = getpid();
	return lm;
}

static void
lowmem_file_release(struct dmamap_lowmem *lm, int fd)
{
	lowmem_unmap_pieces(lm, lm->nb_pieces);
	unlink(lm->path);
	close(fd);
}

/* Attempt 2: place memory in a file; returns the file's descriptor. */
static int
lowmem_place(struct dmamap_lowmem *lm, rte_iova_t mask)
{
	int fd, ret;

	if (rte_eal_iova_mode() == RTE_IOVA_PA)
		fd = lowmem_place_pa(lm, mask);
	else
		fd = lowmem_place_va(lm, mask);
	if (fd < 0)
		return fd;
	ret = lowmem_register(lm);
	if (ret < 0) {
		lowmem_file_release(lm, fd);
		return ret;
	}
	return fd;
}

static struct dmamap_lowmem *
lowmem_alloc_file(const char *name, rte_iova_t mask, size_t size)
{
	struct lowmem_local *local;
	struct dmamap_lowmem *lm;
	int fd;

	local = calloc(1, sizeof(*local));
	lm = lowmem_record_reserve(name, size);
	if (local == NULL || lm == NULL) {
		rte_errno = local == NULL ? ENOMEM : rte_errno;
		DMAMAP_LOG(ERR, "%s: no memory for its record: %s", name,
			rte_strerror(rte_errno));
		goto fail;
	}
	fd = lowmem_place(lm, mask);
	if (fd < 0) {
		DMAMAP_LOG(ERR, "%s: cannot place %zu bytes under mask 0x%" PRIx64
			": %s", name, size, mask, strerror(-fd));
		rte_errno = ENOMEM;
		goto fail;
	}
	local->lm = lm;
	local->fd = fd;
	LIST_INSERT_HEAD(&lowmem_locals, local, next);
	lm->magic = LOWMEM_MAGIC;
	return lm;
fail:
	if (lm != NULL)
		rte_memzone_free(lm->mz);
	free(local);
	return NULL;
}

struct dmamap_lowmem *
dmamap_lowmem_alloc(const char *name, rte_iova_t mask, size_t size,
		int socket_id)
{
	struct dmamap_lowmem *lm;
	int ret;

	ret = lowmem_args_check(name, mask, size);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	if (rte_memzone_lookup(name) != NULL) {
		DMAMAP_LOG(ERR, "%s: a memzone of that name exists", name);
		rte_errno = EEXIST;
		return NULL;
	}
	pthread_mutex_lock(&lowmem_lock);
	lm = lowmem_try_heap(name, mask, size);
	if (lm == NULL)
		lm = lowmem_try_memzone(name, mask, size, socket_id);
	if (lm == NULL)
		lm = lowmem_alloc_file(name, mask, size);
	pthread_mutex_unlock(&lowmem_lock);
	if (lm != NULL)
		DMAMAP_LOG(DEBUG, "%s: %zu bytes at %p, IOVA 0x%" PRIx64 " (%s)",
			name, size, lm->va, lm->iova,
			lm->kind == LOWMEM_MEMZONE ? "memzone" : lm->path);
	return lm;
}

/*
 * Lookup from another process.
 */

static int
lowmem_attach(struct dmamap_lowmem *lm, int fd)
{
	int ret;

	ret = dmamap_xlate_init();
	if (ret < 0)
		return ret;
	ret = lowmem_map_pieces(lm, fd);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "%s: cannot map %s at %p (%s): %s", lm->name,
			lm->path, lm->va,
			ret == -EEXIST ? "address in use in this process" : "mmap",
			strerror(-ret));
		return ret;
	}
	if (rte_extmem_attach(lm->va, lm->len) < 0) {
		ret = -rte_errno;
		DMAMAP_LOG(ERR, "%s: cannot attach external memory %p: %s",
			lm->name, lm->va, rte_strerror(rte_errno));
		goto unmap;
	}
	ret = lowmem_xlate_add(lm);
	if (ret == 0)
		return 0;
	DMAMAP_LOG(ERR, "%s: cannot add %p to the translation tables: %s",
		lm->name, lm->va, strerror(-ret));
	rte_extmem_detach(lm->va, lm->len);
unmap:
	lowmem_unmap_pieces(lm, lm->nb_pieces);
	return ret;
}

static int
lowmem_open_shared(struct dmamap_lowmem *lm)
{
	struct lowmem_local *local;
	int fd, ret;

	local = calloc(1, sizeof(*local));
	if (local == NULL)
		return -ENOMEM;
	fd = dmamap_hugefile_open(lm->path);
	if (fd < 0) {
		ret = fd;
		DMAMAP_LOG(ERR, "%s: cannot open %s: %s", lm->name, lm->path,
			strerror(-ret));
		goto fail;
	}
	ret = lowmem_attach(lm, fd);
	if (ret < 0)
		goto fail;
	local->lm = lm;
	local->fd = fd;
	LIST_INSERT_HEAD(&lowmem_locals, local, next);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(local);
	return ret;
}

struct dmamap_lowmem *
dmamap_lowmem_lookup(const char *name)
{
	const struct rte_memzone *mz;
	struct dmamap_lowmem *lm;
	int ret = 0;

	mz = name == NULL ? NULL : rte_memzone_lookup(name);
	lm = mz == NULL ? NULL : mz->addr;
	if (lm == NULL || mz->len < sizeof(*lm) || lm->magic != LOWMEM_MAGIC) {
		DMAMAP_LOG(ERR, "no memory under a mask named %s",
			name == NULL ? "(null)" : name);
		rte_errno = ENOENT;
		return NULL;
	}
	pthread_mutex_lock(&lowmem_lock);
	if (lm->kind == LOWMEM_FILE && lowmem_local_find(lm) == NULL)
		ret = lowmem_open_shared(lm);
	pthread_mutex_unlock(&lowmem_lock);
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	return lm;
}

/*
 * Free.
 */

/*
 * Drop what this process holds of an area in a file; the owner also
 * removes it from EAL and the file system for every process.
 */
static void
lowmem_release_file(struct dmamap_lowmem *lm, bool owner)
{
	struct lowmem_local *local = lowmem_local_find(lm);

	if (local != NULL)
		dmamap_xlate_del(lm->va, lm->len);
	if (owner) {
		if (rte_extmem_unregister(lm->va, lm->len) < 0)
			DMAMAP_LOG(ERR, "%s: EAL kept external memory %p: %s",
				lm->name, lm->va, rte_strerror(rte_errno));
		unlink(lm->path);
	} else if (local != NULL) {
		rte_extmem_detach(lm->va, lm->len);
	}
	if (local == NULL)
		return;
	lowmem_unmap_pieces(lm, lm->nb_pieces);
	close(local->fd);
	LIST_REMOVE(local, next);
	free(local);
}

/*
 * The process that placed the area (or the primary) frees it for all;
 * another process only drops its own mapping.
 */
void
dmamap_lowmem_free(struct dmamap_lowmem *lm)
{
	bool owner;

	if (lm == NULL || lm->magic != LOWMEM_MAGIC)
		return;
	owner = lm->owner == getpid() ||
		rte_eal_process_type() == RTE_PROC_PRIMARY;
	pthread_mutex_lock(&lowmem_lock);
	if (lm->kind == LOWMEM_FILE)
		lowmem_release_file(lm, owner);
	if (owner) {
		lm->magic = 0;
		rte_memzone_free(lm->mz);
	}
	pthread_mutex_unlock(&lowmem_lock);
}

void *
dmamap_lowmem_va(const struct dmamap_lowmem *lm)
{
	return lm->va;
}

rte_iova_t
dmamap_lowmem_iova(const struct dmamap_lowmem *lm)
{
	return lm->iova;
}

size_t
dmamap_lowmem_size(const struct dmamap_lowmem *lm)
{
	return lm->size;
}
