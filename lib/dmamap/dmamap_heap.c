/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The PA=VA hugepage heap.
 *
 * Pages come from one hugetlbfs file. Each is allocated, mapped anywhere to
 * read its physical address from /proc/self/pagemap, then mapped again at
 * VA = PA + K, K being 0 (identity) or one constant (offset) for the whole
 * heap. Physically contiguous pages are then virtually contiguous too; each
 * run of them is one chunk added to a named malloc heap, with IOVA = PA in
 * IOVA-PA mode and IOVA = VA in IOVA-VA mode. The IOVA of heap memory is
 * thus VA - K (IOVA-PA) or VA, for every byte of it: one range compare
 * replaces the table lookup.
 *
 * Address space: the heap reserves (PROT_NONE, MAP_FIXED_NOREPLACE) the
 * virtual range matching the whole of physical RAM, at the identity when
 * that range is free, else in the first free gap above EAL's own memory
 * (where, as for EAL's memseg lists, secondary processes find it free
 * too). Every page the heap will ever get then has its place, growth never
 * collides, and nothing foreign sits between chunks, so the range compare
 * cannot claim memory that is not the heap's. Secondary processes reserve
 * the same range. EAL reserves its memseg lists from 4 GiB upward by
 * default, which overlaps RAM on any machine with more than 4 GiB: the
 * identity needs EAL's --base-virtaddr above the top of RAM (the INFO log
 * names the value).
 *
 * Everything a secondary process needs to map the same pages at the same
 * addresses lives in the "dmamap_heap" memzone. The file is named like
 * EAL's own page files (<prefix>map_...) and held with a shared lock by
 * every process using it: a starting primary, which removes the unlocked
 * page files it finds, leaves it alone while it is used and cleans it up
 * after a crash.
 */

/* MAP_FIXED_NOREPLACE */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <mntent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dmamap_private.h"
#include "rte_dmamap_heap.h"

#define HEAP_MZ "dmamap_heap"
#define HEAP_MAGIC UINT64_C(0x7061766168656170) /* "pavaheap" */
/* EAL's malloc heap names, as long as the name in the heap info. */
#define HEAP_NAME_LEN RTE_SIZEOF_FIELD(struct rte_dmamap_heap_info, name)
#define HEAP_PAGE_SIZE DMAMAP_PAGE_2M
/* Up to 4 GiB of 2 MiB pages; chunks are runs of contiguous pages. */
#define HEAP_PAGES_MAX 2048
#define HEAP_CHUNKS_MAX 64
/*
 * The kernel hands hugepages out in no useful order. Taking up to this many
 * pages more than asked and keeping the longest physically contiguous runs
 * makes far fewer chunks (memseg lists, of which EAL has few).
 */
#define HEAP_PROBE_EXTRA 128
/* K keeps the low 30 bits of PA in VA: 1 GiB pages stay aligned. */
#define HEAP_K_ALIGN DMAMAP_PAGE_1G
/* Room left below an offset reservation for EAL's later hinted maps. */
#define HEAP_EAL_SLACK DMAMAP_PAGE_1G
#define HEAP_VA_LIMIT (UINT64_C(1) << 47)

struct heap_page {
	uint64_t file_off;
	rte_iova_t pa;
	bool used;
};

/* A run of physically contiguous pages: one external memseg list. */
struct heap_chunk {
	uint64_t serial;   /* order of addition; 0: free slot */
	uintptr_t va;
	size_t len;
	uint32_t first;    /* pages[first .. first + nb_pages) */
	uint32_t nb_pages;
	bool grown;        /* added by rte_dmamap_heap_grow() */
	bool added;        /* in the malloc heap */
	bool xlate_own;    /* added to the tables here, not by an event */
};

/* The shared record, in the "dmamap_heap" memzone. */
struct dmamap_heap {
	uint64_t magic;
	char name[HEAP_NAME_LEN];
	char path[PATH_MAX];
	int socket_id;
	enum rte_dmamap_heap_mode mode;
	uint64_t offset;       /* K = VA - PA */
	uint64_t iova_offset;  /* VA - IOVA: K in IOVA-PA mode, 0 in IOVA-VA */
	size_t page_size;
	uintptr_t resv_start;  /* the primary's reservation */
	size_t resv_len;
	uint64_t file_end;     /* next file offset to allocate */
	uint64_t next_serial;
	size_t size;
	/* The published range, read locklessly: odd seq while written. */
	uint32_t seq;
	uintptr_t va_start;
	uintptr_t va_end;
	struct heap_chunk chunks[HEAP_CHUNKS_MAX];
	struct heap_page pages[HEAP_PAGES_MAX];
};

/* Pages being added by one create or grow, sorted by physical address. */
struct heap_batch {
	uint32_t nb;
	uint64_t file_off;     /* file range of the batch */
	uint64_t file_len;
	struct heap_page *pages;
};

/* A run of physically contiguous pages of a batch. */
struct heap_run {
	uint32_t first;
	uint32_t len;
};

/* A chunk this (secondary) process has mapped. */
struct heap_local_chunk {
	uint64_t serial;
	uintptr_t va;
	size_t len;
};

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
/* The record, while this process uses the heap (read by the fast path). */
static struct dmamap_heap *heap_rec;
static int heap_fd = -1;
/* A secondary holds the primary's reservation once attached. */
static bool heap_resv_held;
/* The primary's file, removed at exit if the heap was not destroyed. */
static char heap_path[PATH_MAX];
static struct heap_local_chunk heap_local[HEAP_CHUNKS_MAX];

/*
 * Test hooks (not in dmamap_private.h): other places to find hugetlbfs and
 * physical addresses, and a smaller hugepage pool, so the error paths can
 * be exercised on a machine that has everything.
 */
void dmamap_heap_test_paths(const char *hugedir, const char *pagemap);
void dmamap_heap_test_page_limit(unsigned int pages);
static char heap_test_hugedir[PATH_MAX];
static char heap_test_pagemap[PATH_MAX];
static unsigned int heap_test_page_limit;

void
dmamap_heap_test_paths(const char *hugedir, const char *pagemap)
{
	snprintf(heap_test_hugedir, sizeof(heap_test_hugedir), "%s",
		hugedir == NULL ? "" : hugedir);
	snprintf(heap_test_pagemap, sizeof(heap_test_pagemap), "%s",
		pagemap == NULL ? "" : pagemap);
}

void
dmamap_heap_test_page_limit(unsigned int pages)
{
	heap_test_page_limit = pages;
}

/*
 * The published range.
 */

static void
heap_publish(struct dmamap_heap *h)
{
	uintptr_t start = UINTPTR_MAX, end = 0;
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++) {
		if (h->chunks[i].serial == 0)
			continue;
		start = RTE_MIN(start, h->chunks[i].va);
		end = RTE_MAX(end, h->chunks[i].va + h->chunks[i].len);
	}
	if (end == 0)
		start = 0;
	__atomic_fetch_add(&h->seq, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&h->va_start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&h->va_end, end, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->seq, 1, __ATOMIC_RELEASE);
}

int
dmamap_heap_range(uintptr_t *va_start, uintptr_t *va_end, uint64_t *offset)
{
	struct dmamap_heap *h = __atomic_load_n(&heap_rec, __ATOMIC_ACQUIRE);
	uintptr_t start, end;
	uint32_t seq;

	/* A secondary keeps the record after the primary destroyed it. */
	if (h == NULL || h->magic != HEAP_MAGIC)
		return -ENOENT;
	do {
		seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		start = __atomic_load_n(&h->va_start, __ATOMIC_RELAXED);
		end = __atomic_load_n(&h->va_end, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&h->seq, __ATOMIC_RELAXED));
	if (start == end)
		return -ENOENT;
	*va_start = start;
	*va_end = end;
	*offset = h->iova_offset;
	return 0;
}

/*
 * Where things are.
 */

/* Any hugetlbfs mount of this page size. */
static int
heap_mount_dir(char dir[PATH_MAX])
{
	struct mntent *m;
	FILE *f;
	int ret = -ENOENT;

	f = setmntent("/proc/mounts", "r");
	if (f == NULL)
		return -ENOENT;
	while ((m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "hugetlbfs") == 0 &&
				dmamap_hugefile_is_mount(m->mnt_dir, HEAP_PAGE_SIZE)) {
			snprintf(dir, PATH_MAX, "%s", m->mnt_dir);
			ret = 0;
			break;
		}
	}
	endmntent(f);
	return ret;
}

/* The mount EAL uses, else the first of the page size. */
static int
heap_hugedir(char dir[PATH_MAX])
{
	if (heap_test_hugedir[0] != '\0') {
		snprintf(dir, PATH_MAX, "%s", heap_test_hugedir);
		return dmamap_hugefile_is_mount(dir, HEAP_PAGE_SIZE) ? 0 : -ENOENT;
	}
	if (dmamap_hugefile_eal_dir(dir, HEAP_PAGE_SIZE) == 0)
		return 0;
	return heap_mount_dir(dir);
}

/* Runs of blanks to one space: maps lines are padded. */
static void
heap_squeeze(char *s)
{
	char *start = s, *out = s;

	for (; *s != '\0'; s++)
		if (*s != ' ' || out == start || out[-1] != ' ')
			*out++ = *s;
	*out = '\0';
}

/* The first mapping of this process that overlaps [start, end), if any. */
static bool
heap_find_mapping(uintptr_t start, uintptr_t end, char *desc, size_t size)
{
	uintptr_t s, e;
	char *line = NULL;
	size_t line_len = 0;
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return false;
	while (!found && getline(&line, &line_len, f) > 0) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &s, &e) != 2 ||
				e <= start || s >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		heap_squeeze(line);
		snprintf(desc, size, "%s", line);
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}

/*
 * The file.
 */

static int
heap_file_open(struct dmamap_heap *h)
{
	char dir[PATH_MAX];
	int fd;

	if (heap_hugedir(dir) < 0) {
		DMAMAP_LOG(ERR, "heap %s: no hugetlbfs mount of %zu kB pages",
			h->name, h->page_size >> 10);
		return -ENOMEM;
	}
	if (dmamap_hugefile_path(h->path, sizeof(h->path), dir, "map_paheap_",
			h->name) < 0) {
		DMAMAP_LOG(ERR, "heap %s: path too long in %s", h->name, dir);
		return -EINVAL;
	}
	fd = dmamap_hugefile_create(h->path);
	if (fd < 0)
		DMAMAP_LOG(ERR, "heap %s: cannot create %s: %s", h->name,
			h->path, strerror(-fd));
	else
		snprintf(heap_path, sizeof(heap_path), "%s", h->path);
	return fd;
}

/*
 * Physical addresses.
 */

static int
heap_pagemap_open(void)
{
	int fd = dmamap_pagemap_open(heap_test_pagemap[0] != '\0' ?
		heap_test_pagemap : NULL);

	return fd < 0 ? -EPERM : fd;
}

/* Allocate the file page at off and read where it lives. */
static int
heap_page_pa(int fd, int pagemap, uint64_t off, size_t pgsz, rte_iova_t *pa)
{
	int ret = dmamap_hugefile_alloc(fd, off, pgsz);

	return ret < 0 ? ret : dmamap_hugefile_page_pa(fd, pagemap, off, pgsz, pa);
}

static int
heap_page_cmp(const void *a, const void *b)
{
	const struct heap_page *pa = a, *pb = b;

	return pa->pa < pb->pa ? -1 : pa->pa > pb->pa;
}

static void
heap_probe_error(const struct dmamap_heap *h, int ret, uint32_t i, uint32_t n)
{
	if (ret == -ENOMEM)
		DMAMAP_LOG(ERR, "heap %s: no free hugepages: got %u of %u pages "
			"of %zu kB", h->name, i, n, h->page_size >> 10);
	else if (ret == -EPERM)
		DMAMAP_LOG(ERR, "heap %s: physical addresses are hidden "
			"(/proc/self/pagemap needs CAP_SYS_ADMIN)", h->name);
	else
		DMAMAP_LOG(ERR, "heap %s: cannot allocate a hugepage: %s",
			h->name, strerror(-ret));
}

/*
 * Allocate n pages, then up to extra more while the pool has them, at the
 * end of the file, and learn where they live.
 */
static int
heap_probe_pages(const struct dmamap_heap *h, int fd, struct heap_batch *b,
		uint32_t n, uint32_t extra)
{
	int pagemap, ret = 0;
	uint32_t i;

	pagemap = heap_pagemap_open();
	if (pagemap < 0)
		return pagemap;
	for (i = 0; i < n + extra; i++) {
		b->pages[i].file_off = b->file_off + (uint64_t)i * h->page_size;
		ret = heap_test_page_limit != 0 && i >= heap_test_page_limit ?
			-ENOMEM : heap_page_pa(fd, pagemap, b->pages[i].file_off,
				h->page_size, &b->pages[i].pa);
		if (ret < 0) {
			/* Its allocation may have worked, its mapping not. */
			dmamap_hugefile_release(fd, b->pages[i].file_off, h->page_size);
			break;
		}
	}
	close(pagemap);
	if (i < n)
		heap_probe_error(h, ret, i, n);
	b->nb = i;
	return i < n ? ret : 0;
}

static int
heap_run_cmp(const void *a, const void *b)
{
	const struct heap_run *ra = a, *rb = b;

	return ra->len > rb->len ? -1 : ra->len < rb->len;
}

/* The runs of the sorted batch, longest first; their count. */
static uint32_t
heap_batch_runs(const struct dmamap_heap *h, const struct heap_batch *b,
		struct heap_run *runs)
{
	uint32_t i, nb_runs = 0;

	for (i = 0; i < b->nb; i++) {
		if (i == 0 || b->pages[i].pa != b->pages[i - 1].pa + h->page_size)
			runs[nb_runs++].first = i;
		runs[nb_runs - 1].len = i + 1 - runs[nb_runs - 1].first;
	}
	qsort(runs, nb_runs, sizeof(*runs), heap_run_cmp);
	return nb_runs;
}

/*
 * Keep n pages of the batch in the fewest runs (the longest ones), still
 * sorted; give the others back.
 */
static int
heap_batch_select(const struct dmamap_heap *h, int fd, struct heap_batch *b,
		uint32_t n)
{
	struct heap_run *runs = calloc(b->nb, sizeof(*runs));
	uint32_t r, i, left = n, nb_runs;

	if (runs == NULL)
		return -ENOMEM;
	nb_runs = heap_batch_runs(h, b, runs);
	for (r = 0; r < nb_runs; r++) {
		for (i = runs[r].first; i < runs[r].first + runs[r].len; i++) {
			b->pages[i].used = left > 0;
			left -= left > 0;
		}
	}
	free(runs);
	for (i = 0, r = 0; i < b->nb; i++) {
		if (!b->pages[i].used) {
			dmamap_hugefile_release(fd, b->pages[i].file_off, h->page_size);
			continue;
		}
		b->pages[r] = b->pages[i];
		b->pages[r++].used = false;
	}
	b->nb = n;
	return 0;
}

/*
 * Allocate n pages at the end of the file and learn their physical
 * addresses, sorted; nothing is kept on error.
 */
static int
heap_probe(struct dmamap_heap *h, int fd, uint32_t n, struct heap_batch *b)
{
	uint32_t extra = RTE_MIN(n, (uint32_t)HEAP_PROBE_EXTRA);
	int ret;

	b->pages = calloc(n + extra, sizeof(*b->pages));
	if (b->pages == NULL)
		return -ENOMEM;
	b->file_off = h->file_end;
	b->file_len = (uint64_t)(n + extra) * h->page_size;
	ret = heap_probe_pages(h, fd, b, n, extra);
	if (ret == 0) {
		qsort(b->pages, b->nb, sizeof(*b->pages), heap_page_cmp);
		ret = heap_batch_select(h, fd, b, n);
	}
	if (ret < 0) {
		dmamap_hugefile_release(fd, b->file_off, b->file_len);
		free(b->pages);
		b->pages = NULL;
		return ret;
	}
	return 0;
}

/*
 * Address space.
 */

/* Physical RAM, from the top-level "System RAM" ranges of /proc/iomem. */
static int
heap_ram_range(uint64_t *lo, uint64_t *hi)
{
	uint64_t s, e;
	char *line = NULL;
	size_t line_len = 0;
	FILE *f;

	*lo = UINT64_MAX;
	*hi = 0;
	f = fopen("/proc/iomem", "r");
	if (f == NULL)
		return -ENOENT;
	while (getline(&line, &line_len, f) > 0) {
		if (line[0] == ' ' || strstr(line, "System RAM") == NULL ||
				sscanf(line, "%" SCNx64 "-%" SCNx64, &s, &e) != 2)
			continue;
		*lo = RTE_MIN(*lo, s);
		*hi = RTE_MAX(*hi, e + 1);
	}
	free(line);
	fclose(f);
	/* Addresses show as zeros to those who may not see them. */
	return *hi > *lo + 1 ? 0 : -ENOENT;
}

/* The physical range to reserve: all RAM, at least the batch. */
static void
heap_phys_span(const struct dmamap_heap *h, const struct heap_batch *b,
		uint64_t *lo, uint64_t *hi)
{
	uint64_t first = b->pages[0].pa;
	uint64_t last = b->pages[b->nb - 1].pa + h->page_size;

	if (heap_ram_range(lo, hi) < 0) {
		DMAMAP_LOG(INFO, "heap %s: /proc/iomem unreadable: growth "
			"limited to [0x%" PRIx64 ", 0x%" PRIx64 ")", h->name,
			first, last);
		*lo = first;
		*hi = last;
	}
	*lo = RTE_ALIGN_FLOOR(RTE_MIN(*lo, first), h->page_size);
	*hi = RTE_ALIGN_CEIL(RTE_MAX(*hi, last), h->page_size);
}

static void *
heap_reserve_at(uintptr_t addr, size_t len, int flags)
{
	return mmap((void *)addr, len, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | flags, -1, 0);
}

/* Identity: the physical range itself must be free here. */
static bool
heap_reserve_identity(struct dmamap_heap *h, uint64_t lo, uint64_t hi,
		rte_iova_t first_pa)
{
	/* Page 0 cannot be mapped: RAM there is left out. */
	uint64_t start = RTE_MAX(lo, (uint64_t)h->page_size);
	char desc[256];
	void *p;

	if (hi > HEAP_VA_LIMIT || first_pa < start) {
		DMAMAP_LOG(INFO, "heap %s: physical range [0x%" PRIx64 ", 0x%"
			PRIx64 ") cannot be mapped at its own address",
			h->name, lo, hi);
		return false;
	}
	p = heap_reserve_at(start, hi - start, MAP_FIXED_NOREPLACE);
	if (p == (void *)start) {
		h->resv_start = start;
		h->resv_len = hi - start;
		return true;
	}
	if (p != MAP_FAILED) /* a kernel that takes the flag as a hint */
		munmap(p, hi - start);
	if (errno != EEXIST) {
		DMAMAP_LOG(INFO, "heap %s: cannot reserve VA [0x%" PRIx64 ", 0x%"
			PRIx64 ") of physical memory: %s", h->name, start, hi,
			strerror(errno));
		return false;
	}
	if (!heap_find_mapping(start, hi, desc, sizeof(desc)))
		snprintf(desc, sizeof(desc), "a mapping");
	DMAMAP_LOG(INFO, "heap %s: VA [0x%" PRIx64 ", 0x%" PRIx64 ") of "
		"physical memory is taken by %s; EAL option --base-virtaddr=0x%"
		PRIx64 " or higher leaves it free", h->name, start, hi, desc,
		rte_align64pow2(hi));
	return false;
}

/*
 * A free aligned area of len bytes: above EAL's memory when there is room,
 * else where the kernel finds some. 0 when the address space is full.
 */
static uintptr_t
heap_reserve_area(size_t len)
{
	uintptr_t gap, start;
	void *p;

	gap = dmamap_hugefile_va_gap(rte_eal_get_baseaddr(), len +
		HEAP_EAL_SLACK + HEAP_K_ALIGN, HEAP_K_ALIGN, HEAP_VA_LIMIT - 1);
	if (gap != 0) {
		start = gap + HEAP_EAL_SLACK;
		p = heap_reserve_at(start, len, MAP_FIXED_NOREPLACE);
		if (p == (void *)start)
			return start;
		if (p != MAP_FAILED)
			munmap(p, len);
	}
	p = heap_reserve_at(0, len + HEAP_K_ALIGN, 0);
	if (p == MAP_FAILED)
		return 0;
	start = RTE_ALIGN_CEIL((uintptr_t)p, HEAP_K_ALIGN);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	munmap((void *)(start + len), (uintptr_t)p + HEAP_K_ALIGN - start);
	return start;
}

/* Offset: K a multiple of HEAP_K_ALIGN. */
static int
heap_reserve_offset(struct dmamap_heap *h, uint64_t lo, uint64_t hi)
{
	uint64_t lo1 = RTE_ALIGN_FLOOR(lo, HEAP_K_ALIGN);
	uintptr_t start;

	start = heap_reserve_area(hi - lo1);
	if (start == 0) {
		DMAMAP_LOG(ERR, "heap %s: address space exhausted: no room for "
			"%" PRIu64 " MiB of reservation: %s", h->name,
			(hi - lo1) >> 20, strerror(errno));
		return -ENOMEM;
	}
	h->offset = start - lo1;
	h->resv_start = start + (lo - lo1);
	h->resv_len = hi - lo;
	if (lo > lo1)
		munmap((void *)start, lo - lo1);
	return 0;
}

/* Choose the mode and K once, for the life of the heap. */
static int
heap_reserve(struct dmamap_heap *h, const struct heap_batch *b)
{
	uint64_t lo, hi;

	heap_phys_span(h, b, &lo, &hi);
	if (heap_reserve_identity(h, lo, hi, b->pages[0].pa)) {
		h->mode = RTE_DMAMAP_HEAP_IDENTITY;
		h->offset = 0;
	} else {
		h->mode = RTE_DMAMAP_HEAP_OFFSET;
		if (heap_reserve_offset(h, lo, hi) < 0)
			return -ENOMEM;
	}
	h->iova_offset = rte_eal_iova_mode() == RTE_IOVA_PA ? h->offset : 0;
	return 0;
}

static bool
heap_in_reservation(const struct dmamap_heap *h, uintptr_t va, size_t len)
{
	return va >= h->resv_start && va - h->resv_start <= h->resv_len &&
		len <= h->resv_len - (va - h->resv_start);
}

/*
 * Pages at their place.
 */

/* Put the reservation back over [va, va + len): the pages go. */
static void
heap_unplace(uintptr_t va, size_t len)
{
	if (heap_reserve_at(va, len, MAP_FIXED) == MAP_FAILED)
		munmap((void *)va, len);
}

static int
heap_place_page(const struct dmamap_heap *h, int fd, const struct heap_page *pg)
{
	uintptr_t va = pg->pa + h->offset;
	void *p;

	if (!heap_in_reservation(h, va, h->page_size)) {
		DMAMAP_LOG(ERR, "heap %s: page at PA 0x%" PRIx64 " lies outside "
			"the reserved VA [0x%" PRIxPTR ", +0x%zx)", h->name,
			pg->pa, h->resv_start, h->resv_len);
		return -ENOMEM;
	}
	/* Our own reservation is there: replace it. */
	p = mmap((void *)va, h->page_size, PROT_READ | PROT_WRITE,
		MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, pg->file_off);
	if (p != (void *)va) {
		DMAMAP_LOG(ERR, "heap %s: cannot map page at 0x%" PRIxPTR ": %s",
			h->name, va, strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

static int
heap_place_batch(const struct dmamap_heap *h, int fd, const struct heap_batch *b)
{
	uint32_t i, j;
	int ret = 0;

	for (i = 0; i < b->nb; i++) {
		ret = heap_place_page(h, fd, &b->pages[i]);
		if (ret < 0)
			break;
	}
	if (i == b->nb)
		return 0;
	/* A failed MAP_FIXED may have unmapped the place: reserve it again. */
	for (j = 0; j <= i; j++)
		if (heap_in_reservation(h, b->pages[j].pa + h->offset, h->page_size))
			heap_unplace(b->pages[j].pa + h->offset, h->page_size);
	return ret;
}

/*
 * Domains that mirror EAL memory.
 *
 * A domain that mirrors EAL memory (rte_dmamap_domain_mirror_eal()) gives
 * a device behind it the addresses EAL gives the memory, through the
 * IOMMU. The mirror leaves external memory out, so the heap links itself:
 * each chunk is one mapping at IOVA = its EAL IOVA (the VA in IOVA-VA
 * mode), made before the chunk enters the malloc heap and undone after it
 * left it, and flushed. The domain itself tells what is linked (its
 * translation of the chunk's first byte): the heap keeps no list that
 * could go stale, links only what is missing and unlinks only what is
 * there, whatever order creation, growth, shrink and mirroring came in.
 *
 * Domains are found by their state memzones ("dmamap_dom<gen>"), checked
 * through the registry by name; a domain mirrors EAL memory when an EAL
 * page outside its aperture translates to itself.
 */

#define HEAP_DOM_MZ_PREFIX "dmamap_dom"
#define HEAP_DOMS_MAX 64

struct heap_doms {
	rte_iova_t eal_iova;   /* an EAL page's IOVA; RTE_BAD_IOVA: none */
	unsigned int nb;
	struct rte_dmamap_domain *dom[HEAP_DOMS_MAX];
};

/* The mirroring domains, found at the start of each heap operation. */
static struct heap_doms heap_doms;

static int
heap_eal_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	if (msl->external || ms->iova == RTE_BAD_IOVA)
		return 0;
	*(rte_iova_t *)arg = ms->iova;
	return 1;
}

static bool
heap_in_aperture(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	return iova <= dmamap_domain_aperture_last(dom) &&
		iova + len - 1 >= dmamap_domain_aperture_start(dom);
}

static bool
heap_dom_mirrors(struct rte_dmamap_domain *dom, rte_iova_t eal_iova)
{
	return !heap_in_aperture(dom, eal_iova, 1) &&
		rte_dmamap_domain_translate(dom, eal_iova) == eal_iova;
}

/* A domain's state memzone: keep the domain if the registry knows it. */
static void
heap_dom_found(const struct rte_memzone *mz, void *arg)
{
	size_t plen = strlen(HEAP_DOM_MZ_PREFIX);
	struct heap_doms *d = arg;
	struct rte_dmamap_domain *dom = mz->addr;
	const char *name;

	if (strncmp(mz->name, HEAP_DOM_MZ_PREFIX, plen) != 0 ||
			mz->name[plen] == '\0' ||
			strspn(mz->name + plen, "0123456789") !=
			strlen(mz->name + plen) || d->nb == HEAP_DOMS_MAX)
		return;
	name = rte_dmamap_domain_name(dom);
	if (name != NULL && rte_dmamap_domain_lookup(name) == dom)
		d->dom[d->nb++] = dom;
}

/*
 * Find the domains mirroring EAL memory now (none without EAL memory). The
 * backends are asked after the walk, which holds the memzone lock.
 */
static void
heap_doms_find(void)
{
	unsigned int i, n = 0;

	heap_doms.nb = 0;
	heap_doms.eal_iova = RTE_BAD_IOVA;
	rte_memseg_walk(heap_eal_page, &heap_doms.eal_iova);
	if (heap_doms.eal_iova == RTE_BAD_IOVA)
		return;
	rte_memzone_walk(heap_dom_found, &heap_doms);
	for (i = 0; i < heap_doms.nb; i++)
		if (heap_dom_mirrors(heap_doms.dom[i], heap_doms.eal_iova))
			heap_doms.dom[n++] = heap_doms.dom[i];
	heap_doms.nb = n;
}

static bool
heap_dom_linked(struct rte_dmamap_domain *dom, rte_iova_t iova)
{
	return rte_dmamap_domain_translate(dom, iova) == iova;
}

/* Link [va, +len) into dom unless it is there: 1 when mapped here. */
static int
heap_dom_link(const struct dmamap_heap *h, struct rte_dmamap_domain *dom,
		uintptr_t va, size_t len)
{
	rte_iova_t iova = va - h->iova_offset;
	int ret;

	if (heap_dom_linked(dom, iova))
		return 0;
	if (heap_in_aperture(dom, iova, len)) {
		DMAMAP_LOG(ERR, "heap %s: IOVA [0x%" PRIx64 ", +0x%zx) lies in "
			"the aperture of domain %s", h->name, iova, len,
			rte_dmamap_domain_name(dom));
		return -EINVAL;
	}
	ret = dmamap_domain_map(dom, iova, (const void *)va, iova, len,
		RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot link IOVA 0x%" PRIx64 " len 0x%zx"
			" into domain %s: %s", h->name, iova, len,
			rte_dmamap_domain_name(dom), strerror(-ret));
		return ret;
	}
	dmamap_domain_flush_range(dom, iova, len);
	return 1;
}

/* Unlink [va, +len) from dom if it is there; flushed before return. */
static void
heap_dom_unlink(const struct dmamap_heap *h, struct rte_dmamap_domain *dom,
		uintptr_t va, size_t len)
{
	rte_iova_t iova = va - h->iova_offset;

	if (!heap_dom_linked(dom, iova))
		return;
	if (dmamap_domain_unmap(dom, iova, len, true) < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot unlink IOVA 0x%" PRIx64 " len "
			"0x%zx from domain %s", h->name, iova, len,
			rte_dmamap_domain_name(dom));
		return;
	}
	dmamap_domain_flush_range(dom, iova, len);
}

/* Link [va, +len) into every mirroring domain; on error, into none. */
static int
heap_link(const struct dmamap_heap *h, uintptr_t va, size_t len)
{
	bool mapped[HEAP_DOMS_MAX];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < heap_doms.nb && ret >= 0; i++) {
		ret = heap_dom_link(h, heap_doms.dom[i], va, len);
		mapped[i] = ret > 0;
	}
	if (ret >= 0)
		return 0;
	while (--i > 0)
		if (mapped[i - 1])
			heap_dom_unlink(h, heap_doms.dom[i - 1], va, len);
	return ret;
}

static void
heap_unlink(const struct dmamap_heap *h, uintptr_t va, size_t len)
{
	unsigned int i;

	for (i = 0; i < heap_doms.nb; i++)
		heap_dom_unlink(h, heap_doms.dom[i], va, len);
}

/* Link every chunk into dom (a domain that just started mirroring). */
static int
heap_link_dom(const struct dmamap_heap *h, struct rte_dmamap_domain *dom)
{
	unsigned int i;
	int ret;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++) {
		const struct heap_chunk *c = &h->chunks[i];

		if (c->serial == 0 || !c->added)
			continue;
		ret = heap_dom_link(h, dom, c->va, c->len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Link the heap into the mirroring domains that miss some of it. A failure
 * leaves what is linked linked (it is right, just not whole) and is logged.
 */
static int
heap_link_all(const struct dmamap_heap *h)
{
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < heap_doms.nb; i++) {
		r = heap_link_dom(h, heap_doms.dom[i]);
		ret = ret < 0 ? ret : r;
	}
	return ret;
}

/*
 * Chunks.
 */

/* First fit of n consecutive free page slots; HEAP_PAGES_MAX if none. */
static uint32_t
heap_page_slots(const struct dmamap_heap *h, uint32_t n)
{
	uint32_t i, run = 0;

	for (i = 0; i < HEAP_PAGES_MAX; i++) {
		run = h->pages[i].used ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return HEAP_PAGES_MAX;
}

static struct heap_chunk *
heap_chunk_slot(struct dmamap_heap *h)
{
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (h->chunks[i].serial == 0)
			return &h->chunks[i];
	return NULL;
}

/* Record pages [i, i + n) of the batch as a chunk. */
static struct heap_chunk *
heap_chunk_new(struct dmamap_heap *h, const struct heap_page *pages,
		uint32_t n, bool grown)
{
	struct heap_chunk *c = heap_chunk_slot(h);
	uint32_t first = heap_page_slots(h, n), k;

	if (c == NULL || first == HEAP_PAGES_MAX) {
		DMAMAP_LOG(ERR, "heap %s: more than %u chunks or %u pages: "
			"physical memory too scattered", h->name,
			HEAP_CHUNKS_MAX, HEAP_PAGES_MAX);
		return NULL;
	}
	for (k = 0; k < n; k++) {
		h->pages[first + k] = pages[k];
		h->pages[first + k].used = true;
	}
	c->va = pages[0].pa + h->offset;
	c->len = (size_t)n * h->page_size;
	c->first = first;
	c->nb_pages = n;
	c->grown = grown;
	c->added = false;
	c->serial = ++h->next_serial;
	return c;
}

/*
 * The tables learn new memory from EAL's memory events; without events
 * (legacy memory) they are told here. 1 when the range was added here.
 */
static int
heap_xlate_ensure(const struct dmamap_heap *h, uintptr_t va, size_t len)
{
	rte_iova_t iova = va - h->iova_offset;
	int ret;

	if (rte_dmamap_virt2iova((void *)va) == iova)
		return 0;
	ret = dmamap_xlate_add((void *)va, iova, len);
	if (ret < 0)
		DMAMAP_LOG(ERR, "heap %s: memory at 0x%" PRIxPTR " cannot be "
			"translated: %s", h->name, va, strerror(-ret));
	return ret < 0 ? ret : 1;
}

static int
heap_chunk_add(struct dmamap_heap *h, struct heap_chunk *c)
{
	rte_iova_t *iovas = calloc(c->nb_pages, sizeof(*iovas));
	uint32_t k;
	int ret;

	if (iovas == NULL)
		return -ENOMEM;
	for (k = 0; k < c->nb_pages; k++)
		iovas[k] = c->va + (uint64_t)k * h->page_size - h->iova_offset;
	/* Published first: memory event callbacks may ask for the range. */
	heap_publish(h);
	/* Devices behind a mirroring domain reach it before it is handed out. */
	ret = heap_link(h, c->va, c->len);
	if (ret < 0) {
		free(iovas);
		return ret;
	}
	ret = rte_malloc_heap_memory_add(h->name, (void *)c->va, c->len, iovas,
		c->nb_pages, h->page_size);
	free(iovas);
	if (ret < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot add 0x%zx bytes at 0x%" PRIxPTR
			": %s", h->name, c->len, c->va, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	c->added = true;
	h->size += c->len;
	DMAMAP_LOG(DEBUG, "heap %s: chunk VA 0x%" PRIxPTR " PA 0x%" PRIx64
		" %u pages", h->name, c->va, c->va - h->offset, c->nb_pages);
	ret = heap_xlate_ensure(h, c->va, c->len);
	if (ret < 0)
		return ret;
	c->xlate_own = ret > 0;
	return 0;
}

/* Forget a chunk and give its pages back; it is out of the malloc heap. */
static void
heap_chunk_drop(struct dmamap_heap *h, struct heap_chunk *c)
{
	uint32_t k;

	heap_unplace(c->va, c->len);
	for (k = 0; k < c->nb_pages; k++) {
		dmamap_hugefile_release(heap_fd, h->pages[c->first + k].file_off,
			h->page_size);
		h->pages[c->first + k].used = false;
	}
	if (c->added)
		h->size -= c->len;
	memset(c, 0, sizeof(*c));
	heap_publish(h);
}

static int
heap_chunk_remove(struct dmamap_heap *h, struct heap_chunk *c)
{
	if (c->added && rte_malloc_heap_memory_remove(h->name, (void *)c->va,
			c->len) < 0)
		return -rte_errno;
	/* Nothing is allocated from it: no device may reach it any more. */
	heap_unlink(h, c->va, c->len);
	if (c->xlate_own)
		dmamap_xlate_del((void *)c->va, c->len);
	heap_chunk_drop(h, c);
	return 0;
}

/* Add the batch as runs of physically contiguous pages. */
static int
heap_add_batch(struct dmamap_heap *h, const struct heap_batch *b, bool grown)
{
	struct heap_chunk *c;
	uint32_t i = 0, n;
	int ret;

	while (i < b->nb) {
		for (n = 1; i + n < b->nb && b->pages[i + n].pa ==
				b->pages[i + n - 1].pa + h->page_size; n++)
			;
		c = heap_chunk_new(h, &b->pages[i], n, grown);
		if (c == NULL)
			return -ENOMEM;
		ret = heap_chunk_add(h, c);
		if (ret < 0)
			return ret;
		i += n;
	}
	return 0;
}

static bool
heap_va_in_chunk(const struct dmamap_heap *h, uintptr_t va)
{
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (h->chunks[i].serial != 0 && va - h->chunks[i].va < h->chunks[i].len)
			return true;
	return false;
}

/*
 * Undo the chunks made after serial_before (a failed create or grow). A
 * chunk another thread allocated from already cannot go: it stays.
 */
static void
heap_undo_batch(struct dmamap_heap *h, const struct heap_batch *b,
		uint64_t serial_before)
{
	uintptr_t va;
	unsigned int i;
	uint32_t k;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (h->chunks[i].serial > serial_before &&
				heap_chunk_remove(h, &h->chunks[i]) < 0)
			DMAMAP_LOG(ERR, "heap %s: chunk at 0x%" PRIxPTR
				" in use: kept", h->name, h->chunks[i].va);
	/* Pages placed but in no chunk. */
	for (k = 0; k < b->nb; k++) {
		va = b->pages[k].pa + h->offset;
		if (heap_va_in_chunk(h, va))
			continue;
		heap_unplace(va, h->page_size);
		dmamap_hugefile_release(heap_fd, b->pages[k].file_off, h->page_size);
	}
}

/*
 * Map the batch, add it to the heap; on error nothing of it remains.
 */
static int
heap_take_batch(struct dmamap_heap *h, struct heap_batch *b, bool grown)
{
	uint64_t serial = h->next_serial;
	int ret;

	ret = heap_place_batch(h, heap_fd, b);
	if (ret < 0) {
		dmamap_hugefile_release(heap_fd, b->file_off, b->file_len);
		return ret;
	}
	/* Offsets of the batch are never reused, even if a chunk stays. */
	h->file_end = b->file_off + b->file_len;
	ret = heap_add_batch(h, b, grown);
	if (ret < 0)
		heap_undo_batch(h, b, serial);
	return ret;
}

/*
 * Create and destroy.
 */

static int
heap_args_check(const char *name, size_t size)
{
	if (name == NULL || name[0] == '\0' ||
			strnlen(name, HEAP_NAME_LEN) == HEAP_NAME_LEN) {
		DMAMAP_LOG(ERR, "heap name missing or longer than %zu characters",
			HEAP_NAME_LEN - 1);
		return -EINVAL;
	}
	if (size == 0 || size % HEAP_PAGE_SIZE != 0 ||
			size / HEAP_PAGE_SIZE > HEAP_PAGES_MAX) {
		DMAMAP_LOG(ERR, "heap %s: size 0x%zx must be a non-zero "
			"multiple of %" PRIu64 " kB, at most %u pages", name,
			size, HEAP_PAGE_SIZE >> 10, HEAP_PAGES_MAX);
		return -EINVAL;
	}
	return 0;
}

static struct dmamap_heap *
heap_record_new(const char *name)
{
	const struct rte_memzone *mz;
	struct dmamap_heap *h;

	mz = rte_memzone_reserve(HEAP_MZ, sizeof(*h), SOCKET_ID_ANY, 0);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "heap %s: cannot reserve memzone %s: %s", name,
			HEAP_MZ, rte_strerror(rte_errno));
		return NULL;
	}
	h = mz->addr;
	memset(h, 0, sizeof(*h));
	h->magic = HEAP_MAGIC;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->page_size = HEAP_PAGE_SIZE;
	h->socket_id = SOCKET_ID_ANY;
	return h;
}

/* Everything of a heap, whatever state a create reached. */
static void
heap_teardown(struct dmamap_heap *h)
{
	unsigned int i;

	__atomic_store_n(&heap_rec, NULL, __ATOMIC_RELEASE);
	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (h->chunks[i].serial != 0 &&
				heap_chunk_remove(h, &h->chunks[i]) < 0)
			DMAMAP_LOG(ERR, "heap %s: cannot remove chunk at 0x%"
				PRIxPTR ": %s", h->name, h->chunks[i].va,
				rte_strerror(rte_errno));
	if (h->socket_id != SOCKET_ID_ANY &&
			rte_malloc_heap_destroy(h->name) < 0)
		DMAMAP_LOG(ERR, "heap %s: cannot destroy malloc heap: %s",
			h->name, rte_strerror(rte_errno));
	if (h->resv_len != 0)
		munmap((void *)h->resv_start, h->resv_len);
	if (heap_fd >= 0) {
		unlink(h->path);
		close(heap_fd);
		heap_fd = -1;
		heap_path[0] = '\0';
	}
	h->magic = 0;
	rte_memzone_free(rte_memzone_lookup(HEAP_MZ));
}

static int
heap_malloc_heap_create(struct dmamap_heap *h)
{
	if (rte_malloc_heap_create(h->name) < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot create malloc heap: %s",
			h->name, rte_strerror(rte_errno));
		return rte_errno == EEXIST ? -EEXIST : -ENOMEM;
	}
	h->socket_id = rte_malloc_heap_get_socket(h->name);
	return 0;
}

static void
heap_log_created(const struct dmamap_heap *h)
{
	unsigned int i, n = 0;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		n += h->chunks[i].serial != 0;
	if (h->mode == RTE_DMAMAP_HEAP_IDENTITY)
		DMAMAP_LOG(INFO, "heap %s: %zu MiB in %u chunks, socket %d, "
			"identity mapping: IOVA == VA == PA", h->name,
			h->size >> 20, n, h->socket_id);
	else
		DMAMAP_LOG(INFO, "heap %s: %zu MiB in %u chunks, socket %d, "
			"offset mapping: VA == PA + 0x%" PRIx64 ", IOVA == %s",
			h->name, h->size >> 20, n, h->socket_id, h->offset,
			h->iova_offset != 0 ? "VA - K (PA)" : "VA");
}

static int
heap_create_locked(struct dmamap_heap *h, size_t size)
{
	struct heap_batch b = { 0 };
	int ret;

	ret = heap_file_open(h);
	if (ret < 0)
		return ret;
	heap_fd = ret;
	ret = heap_probe(h, heap_fd, size / h->page_size, &b);
	if (ret == 0)
		ret = heap_reserve(h, &b);
	if (ret == 0)
		ret = heap_malloc_heap_create(h);
	if (ret == 0) {
		/* Visible before the first memory event. */
		__atomic_store_n(&heap_rec, h, __ATOMIC_RELEASE);
		ret = heap_take_batch(h, &b, false);
	}
	free(b.pages);
	return ret;
}

int
rte_dmamap_heap_create(const char *name, size_t size)
{
	struct dmamap_heap *h;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	ret = heap_args_check(name, size);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&heap_lock);
	if (heap_rec != NULL || rte_malloc_heap_get_socket(name) >= 0) {
		DMAMAP_LOG(ERR, "heap %s: %s exists", name, heap_rec != NULL ?
			"a PA=VA heap" : "a malloc heap of that name");
		ret = -EEXIST;
		goto out;
	}
	/* The tables must follow the memory events of the heap. */
	ret = dmamap_xlate_init();
	if (ret < 0)
		goto out;
	heap_doms_find();
	h = heap_record_new(name);
	if (h == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = heap_create_locked(h, size);
	if (ret < 0)
		heap_teardown(h);
	else
		heap_log_created(h);
out:
	pthread_mutex_unlock(&heap_lock);
	/* The inline direct path recognises the heap by its range. */
	dmamap_identity_refresh();
	return ret;
}

static int
heap_busy(const struct dmamap_heap *h)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(h->socket_id, &st) < 0)
		return 0;
	return st.alloc_count;
}

int
rte_dmamap_heap_destroy(void)
{
	struct dmamap_heap *h;
	int ret = 0, busy;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	pthread_mutex_lock(&heap_lock);
	h = heap_rec;
	if (h == NULL) {
		ret = -ENOENT;
	} else {
		busy = heap_busy(h);
		if (busy > 0) {
			DMAMAP_LOG(ERR, "heap %s: %d allocations still live",
				h->name, busy);
			ret = -EBUSY;
		} else {
			DMAMAP_LOG(INFO, "heap %s: destroyed", h->name);
			heap_doms_find();
			heap_teardown(h);
		}
	}
	pthread_mutex_unlock(&heap_lock);
	/* The inline direct path recognises the heap by its range. */
	dmamap_identity_refresh();
	return ret;
}

/*
 * A primary that exits without destroying its heap still gives the pages
 * back once every process has unmapped them. EAL has unmapped the record
 * by now: only process memory is used.
 */
RTE_FINI(dmamap_heap_fini)
{
	if (heap_path[0] != '\0')
		unlink(heap_path);
}

/*
 * Growth and shrink.
 */

static int
heap_grow_locked(struct dmamap_heap *h, size_t size)
{
	struct heap_batch b = { 0 };
	int ret;

	ret = heap_probe(h, heap_fd, size / h->page_size, &b);
	if (ret < 0)
		return ret;
	ret = heap_take_batch(h, &b, true);
	free(b.pages);
	if (ret == 0)
		DMAMAP_LOG(INFO, "heap %s: grown by %zu MiB to %zu MiB", h->name,
			size >> 20, h->size >> 20);
	return ret;
}

int
rte_dmamap_heap_grow(size_t size)
{
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	pthread_mutex_lock(&heap_lock);
	if (heap_rec == NULL) {
		DMAMAP_LOG(ERR, "no PA=VA heap to grow");
		ret = -ENOENT;
	} else {
		ret = heap_args_check(heap_rec->name, size);
		heap_doms_find();
		if (ret == 0)
			ret = heap_grow_locked(heap_rec, size);
	}
	pthread_mutex_unlock(&heap_lock);
	/* The inline direct path recognises the heap by its range. */
	dmamap_identity_refresh();
	return ret;
}

/* The newest grown chunk older than serial that fits in budget, or NULL. */
static struct heap_chunk *
heap_shrink_candidate(struct dmamap_heap *h, uint64_t below, size_t budget)
{
	struct heap_chunk *best = NULL;
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++) {
		struct heap_chunk *c = &h->chunks[i];

		if (c->serial == 0 || !c->grown || c->serial >= below ||
				c->len > budget)
			continue;
		if (best == NULL || c->serial > best->serial)
			best = c;
	}
	return best;
}

static size_t
heap_shrink_locked(struct dmamap_heap *h, size_t size)
{
	uint64_t below = UINT64_MAX;
	struct heap_chunk *c;
	size_t removed = 0, len;

	while ((c = heap_shrink_candidate(h, below, size - removed)) != NULL) {
		below = c->serial;
		len = c->len;
		if (heap_chunk_remove(h, c) < 0) {
			DMAMAP_LOG(DEBUG, "heap %s: chunk at 0x%" PRIxPTR
				" in use: kept", h->name, c->va);
			continue;
		}
		removed += len;
	}
	return removed;
}

long
rte_dmamap_heap_shrink(size_t size)
{
	long ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -E_RTE_SECONDARY;
	pthread_mutex_lock(&heap_lock);
	if (heap_rec == NULL) {
		DMAMAP_LOG(ERR, "no PA=VA heap to shrink");
		ret = -ENOENT;
	} else {
		heap_doms_find();
		ret = heap_shrink_locked(heap_rec, size);
		if (ret > 0)
			DMAMAP_LOG(INFO, "heap %s: shrunk by %ld MiB to %zu MiB",
				heap_rec->name, ret >> 20, heap_rec->size >> 20);
	}
	pthread_mutex_unlock(&heap_lock);
	/* The inline direct path recognises the heap by its range. */
	dmamap_identity_refresh();
	return ret;
}

/*
 * Secondary processes.
 */

static struct heap_local_chunk *
heap_local_find(uint64_t serial)
{
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (heap_local[i].serial == serial)
			return &heap_local[i];
	return NULL;
}

static bool
heap_chunk_live(const struct dmamap_heap *h, uint64_t serial)
{
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++)
		if (h->chunks[i].serial == serial)
			return true;
	return false;
}

/* Let go of chunks the primary has removed since the last attach. */
static void
heap_local_prune(const struct dmamap_heap *h)
{
	unsigned int i;

	for (i = 0; i < HEAP_CHUNKS_MAX; i++) {
		struct heap_local_chunk *l = &heap_local[i];

		if (l->serial == 0 || heap_chunk_live(h, l->serial))
			continue;
		/* No event here: the primary removed it. */
		if (rte_dmamap_virt2iova((void *)l->va) != RTE_BAD_IOVA)
			dmamap_xlate_del((void *)l->va, l->len);
		heap_unplace(l->va, l->len);
		memset(l, 0, sizeof(*l));
	}
}

/*
 * Map a chunk's pages where the primary has them, in this process's copy
 * of the reservation, page tables filled: a device may reach them before
 * this process does.
 */
static int
heap_map_chunk(const struct dmamap_heap *h, const struct heap_chunk *c)
{
	uintptr_t va;
	uint32_t k;
	void *p;

	for (k = 0; k < c->nb_pages; k++) {
		va = c->va + (uint64_t)k * h->page_size;
		p = mmap((void *)va, h->page_size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_FIXED | MAP_POPULATE, heap_fd,
			h->pages[c->first + k].file_off);
		if (p != (void *)va) {
			DMAMAP_LOG(ERR, "heap %s: cannot map page at 0x%" PRIxPTR
				": %s", h->name, va, strerror(errno));
			heap_unplace(c->va, c->len);
			return -ENOMEM;
		}
	}
	return 0;
}

static int
heap_attach_chunk(const struct dmamap_heap *h, const struct heap_chunk *c)
{
	struct heap_local_chunk *l = heap_local_find(0);
	int ret;

	if (l == NULL)
		return -ENOMEM;
	ret = heap_map_chunk(h, c);
	if (ret < 0)
		return ret;
	if (rte_malloc_heap_memory_attach(h->name, (void *)c->va, c->len) < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot attach 0x%zx bytes at 0x%"
			PRIxPTR ": %s", h->name, c->len, c->va,
			rte_strerror(rte_errno));
		heap_unplace(c->va, c->len);
		return -ENOMEM;
	}
	/* Kept even if the tables cannot learn it (logged): EAL has it now. */
	heap_xlate_ensure(h, c->va, c->len);
	l->serial = c->serial;
	l->va = c->va;
	l->len = c->len;
	return 0;
}

/* Undo an attach of this call: EAL's event makes the tables forget it. */
static void
heap_detach_chunk(const struct dmamap_heap *h, struct heap_local_chunk *l)
{
	if (rte_malloc_heap_memory_detach(h->name, (void *)l->va, l->len) < 0)
		DMAMAP_LOG(ERR, "heap %s: cannot detach 0x%" PRIxPTR ": %s",
			h->name, l->va, rte_strerror(rte_errno));
	if (rte_dmamap_virt2iova((void *)l->va) != RTE_BAD_IOVA)
		dmamap_xlate_del((void *)l->va, l->len);
	heap_unplace(l->va, l->len);
	memset(l, 0, sizeof(*l));
}

/* Map every chunk not mapped yet; all of them, or none of this call. */
static int
heap_attach_chunks(const struct dmamap_heap *h)
{
	uint64_t done[HEAP_CHUNKS_MAX];
	unsigned int i, n = 0;
	int ret = 0;

	heap_local_prune(h);
	for (i = 0; i < HEAP_CHUNKS_MAX && ret == 0; i++) {
		const struct heap_chunk *c = &h->chunks[i];

		if (c->serial == 0 || !c->added || heap_local_find(c->serial) != NULL)
			continue;
		ret = heap_attach_chunk(h, c);
		if (ret == 0)
			done[n++] = c->serial;
	}
	if (ret < 0)
		while (n > 0)
			heap_detach_chunk(h, heap_local_find(done[--n]));
	return ret;
}

/*
 * The primary's reservation, here too: the range compare must find
 * nothing foreign between the chunks in this process either.
 */
static int
heap_attach_reserve(const struct dmamap_heap *h)
{
	char desc[256];
	void *p;

	if (heap_resv_held)
		return 0;
	p = heap_reserve_at(h->resv_start, h->resv_len, MAP_FIXED_NOREPLACE);
	if (p == (void *)h->resv_start) {
		heap_resv_held = true;
		return 0;
	}
	if (p != MAP_FAILED)
		munmap(p, h->resv_len);
	if (!heap_find_mapping(h->resv_start, h->resv_start + h->resv_len,
			desc, sizeof(desc)))
		snprintf(desc, sizeof(desc), "%s", strerror(errno));
	DMAMAP_LOG(ERR, "heap %s: VA [0x%" PRIxPTR ", +0x%zx) of the heap is in "
		"use in this process: %s", h->name, h->resv_start, h->resv_len,
		desc);
	return -EBUSY;
}

static int
heap_attach_open(const struct dmamap_heap *h)
{
	int fd;

	if (heap_fd >= 0)
		return 0;
	fd = dmamap_hugefile_open(h->path);
	if (fd < 0) {
		DMAMAP_LOG(ERR, "heap %s: cannot open %s: %s", h->name, h->path,
			strerror(-fd));
		return -ENOENT;
	}
	heap_fd = fd;
	return 0;
}

/* A first attach that failed holds nothing. */
static void
heap_attach_release(const struct dmamap_heap *h)
{
	if (heap_resv_held) {
		munmap((void *)h->resv_start, h->resv_len);
		heap_resv_held = false;
	}
	if (heap_fd >= 0) {
		close(heap_fd);
		heap_fd = -1;
	}
}

static int
heap_attach_locked(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(HEAP_MZ);
	struct dmamap_heap *h;
	int ret;

	if (mz == NULL || ((struct dmamap_heap *)mz->addr)->magic != HEAP_MAGIC) {
		DMAMAP_LOG(ERR, "no PA=VA heap to attach to");
		return -ENOENT;
	}
	h = mz->addr;
	ret = dmamap_xlate_init();
	if (ret == 0)
		ret = heap_attach_open(h);
	if (ret == 0)
		ret = heap_attach_reserve(h);
	if (ret == 0)
		ret = heap_attach_chunks(h);
	if (ret == 0)
		__atomic_store_n(&heap_rec, h, __ATOMIC_RELEASE);
	else if (heap_rec == NULL)
		heap_attach_release(h);
	return ret;
}

/* The primary: link the heap into domains that started mirroring since. */
static int
heap_relink_locked(void)
{
	if (heap_rec == NULL)
		return -ENOENT;
	heap_doms_find();
	return heap_link_all(heap_rec);
}

/*
 * rte_dmamap_domain_mirror_eal() calls this once dom mirrors EAL memory:
 * the heap joins the mirror.
 */
int
dmamap_heap_mirror_link(struct rte_dmamap_domain *dom)
{
	int ret = 0;

	if (rte_dmamap_domain_name(dom) == NULL)
		return -EINVAL;
	pthread_mutex_lock(&heap_lock);
	if (heap_rec != NULL && heap_rec->magic == HEAP_MAGIC)
		ret = heap_link_dom(heap_rec, dom);
	pthread_mutex_unlock(&heap_lock);
	return ret;
}

int
rte_dmamap_heap_attach(void)
{
	int ret;

	pthread_mutex_lock(&heap_lock);
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		ret = heap_relink_locked();
	else
		ret = heap_attach_locked();
	pthread_mutex_unlock(&heap_lock);
	/* The inline direct path recognises the heap by its range. */
	dmamap_identity_refresh();
	return ret;
}

/*
 * Information.
 */

int
rte_dmamap_heap_info_get(struct rte_dmamap_heap_info *info)
{
	const struct dmamap_heap *h;
	int ret = 0;

	if (info == NULL)
		return -EINVAL;
	pthread_mutex_lock(&heap_lock);
	h = heap_rec;
	if (h == NULL || h->magic != HEAP_MAGIC) {
		ret = -ENOENT;
	} else {
		memset(info, 0, sizeof(*info));
		snprintf(info->name, sizeof(info->name), "%s", h->name);
		info->socket_id = h->socket_id;
		info->mode = h->mode;
		info->offset = h->offset;
		info->page_size = h->page_size;
		info->size = h->size;
		info->va_start = h->va_start;
		info->va_end = h->va_end;
	}
	pthread_mutex_unlock(&heap_lock);
	return ret;
}
