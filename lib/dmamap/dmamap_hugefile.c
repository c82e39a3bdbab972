/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Hugepage files of the library's own.
 *
 * The PA=VA heap and memory under a mask both take hugepages from a file
 * they create in the hugetlbfs mount EAL uses. The file is named after
 * EAL's file prefix and held with a shared lock by every process using it:
 * a starting primary removes the unlocked files that look like its own, so
 * the lock keeps a live file and lets a dead process's file be cleaned up.
 * Both need the physical address of the pages they get, which the kernel
 * tells through /proc/self/pagemap to a process with CAP_SYS_ADMIN.
 */

/* fallocate() and its flags */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "dmamap_private.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

#define PAGEMAP_SELF "/proc/self/pagemap"
/* A pagemap entry: present bit, and the page frame number below bit 55. */
#define PAGEMAP_PRESENT (UINT64_C(1) << 63)
#define PAGEMAP_PFN_MASK ((UINT64_C(1) << 55) - 1)

/*
 * The mount.
 */

bool
dmamap_hugefile_is_mount(const char *dir, size_t pgsz)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && st.f_type == HUGETLBFS_MAGIC &&
		(uint64_t)st.f_bsize == pgsz;
}

struct hugefile_walk {
	char *dir;
	size_t pgsz;
};

/* The directory of EAL's own page files, when it has some of this size. */
static int
hugefile_eal_dir_walk(const struct rte_memseg_list *msl,
		const struct rte_memseg *ms, void *arg)
{
	struct hugefile_walk *w = arg;
	char link[32], target[PATH_MAX];
	char *slash;
	ssize_t n;
	int fd;

	if (msl->external || msl->page_sz != w->pgsz)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	slash = strrchr(target, '/');
	if (slash == NULL || slash == target)
		return 0;
	*slash = '\0';
	snprintf(w->dir, PATH_MAX, "%s", target);
	return 1;
}

int
dmamap_hugefile_eal_dir(char *dir, size_t pgsz)
{
	struct hugefile_walk w = { .dir = dir, .pgsz = pgsz };

	dir[0] = '\0';
	if (rte_memseg_walk(hugefile_eal_dir_walk, &w) > 0 &&
			dmamap_hugefile_is_mount(dir, pgsz))
		return 0;
	return -ENOENT;
}

/*
 * The file.
 */

/* EAL's file prefix: the last part of its runtime directory. */
static const char *
hugefile_prefix(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	const char *slash = strrchr(dir, '/');

	return slash == NULL ? dir : slash + 1;
}

int
dmamap_hugefile_path(char *path, size_t size, const char *dir,
		const char *infix, const char *name)
{
	int n;

	n = snprintf(path, size, "%s/%s%s%s", dir, hugefile_prefix(), infix,
		name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int
dmamap_hugefile_create(const char *path)
{
	int fd, tries, ret;

	for (tries = 0; tries < 2; tries++) {
		fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return -errno;
		/* A file nobody holds was left by a process that died. */
		fd = open(path, O_RDWR);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			close(fd);
			return -EEXIST;
		}
		unlink(path);
		close(fd);
		fd = -EEXIST;
	}
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_SH) != 0) {
		ret = -errno;
		unlink(path);
		close(fd);
		return ret;
	}
	return fd;
}

int
dmamap_hugefile_open(const char *path)
{
	int fd, ret;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_SH) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int
dmamap_hugefile_alloc(int fd, uint64_t off, uint64_t len)
{
	if (fallocate(fd, 0, off, len) != 0)
		return errno == ENOSPC ? -ENOMEM : -errno;
	return 0;
}

void
dmamap_hugefile_release(int fd, uint64_t off, uint64_t len)
{
	if (len != 0 && fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			off, len) != 0)
		DMAMAP_LOG(WARNING, "cannot release file pages at 0x%" PRIx64
			": %s", off, strerror(errno));
}

/*
 * Physical addresses.
 */

int
dmamap_pagemap_open(const char *path)
{
	int fd;

	if (path == NULL)
		path = PAGEMAP_SELF;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fd = -errno;
		DMAMAP_LOG(ERR, "cannot open %s: %s", path, strerror(-fd));
	}
	return fd;
}

/* The physical address of the page mapped at va; -EPERM when unknown. */
static int
pagemap_pa(int pagemap, const void *va, rte_iova_t *pa)
{
	uint64_t entry = 0;

	if (pread(pagemap, &entry, sizeof(entry),
			((uintptr_t)va / DMAMAP_PAGE_4K) * sizeof(entry)) !=
			sizeof(entry))
		entry = 0;
	/* Without CAP_SYS_ADMIN the kernel reports frame number 0. */
	if (!(entry & PAGEMAP_PRESENT) || (entry & PAGEMAP_PFN_MASK) == 0)
		return -EPERM;
	*pa = (entry & PAGEMAP_PFN_MASK) * DMAMAP_PAGE_4K;
	return 0;
}

int
dmamap_hugefile_page_pa(int fd, int pagemap, uint64_t off, size_t pgsz,
		rte_iova_t *pa)
{
	void *va;
	int ret;

	va = mmap(NULL, pgsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		fd, off);
	if (va == MAP_FAILED)
		return -ENOMEM;
	/* Fault it in here too: a page not present has no frame to report. */
	*(volatile uint8_t *)va = 0;
	ret = pagemap_pa(pagemap, va, pa);
	munmap(va, pgsz);
	return ret;
}

/*
 * Address space.
 */

uintptr_t
dmamap_hugefile_va_gap(uintptr_t floor, size_t len, size_t align,
		uint64_t last)
{
	uintptr_t addr = RTE_ALIGN_CEIL(floor, align), start, end;
	char *line = NULL;
	size_t line_len = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return 0;
	/* The lines come in address order. */
	while (getline(&line, &line_len, f) > 0) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &start, &end) != 2 ||
				end <= addr)
			continue;
		if (start >= addr + len)
			break;
		addr = RTE_ALIGN_CEIL(end, align);
	}
	free(line);
	fclose(f);
	if (addr + len - 1 > last || addr + len < addr)
		return 0;
	return addr;
}
