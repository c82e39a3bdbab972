/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The VFIO backend: a domain over a VFIO type1 container.
 *
 * Every range the library maps is one VFIO_IOMMU_MAP_DMA, unmapped by one
 * VFIO_IOMMU_UNMAP_DMA that covers exactly the ranges mapped before. EAL's
 * rte_vfio_container_dma_map() is not used: it keeps at most 256 user
 * mappings per process and its own copy of them; this backend keeps its
 * table in the domain's shared state instead, so every process sees it.
 *
 * The table is bookkeeping only: pure functions over the table decide
 * whether a map or an unmap is acceptable (no overlap, unmap of whole
 * mapped ranges only, capacity) before any ioctl runs, and answer
 * translations. Mapped ranges are nodes of a range tree (dmamap_rtree.c)
 * in the table, so each operation is O(log n) however many mappings are
 * live.
 *
 * The container's file descriptor belongs to the process that created the
 * domain. Other processes use EAL's descriptor of the default container
 * (which EAL shares with secondary processes), or duplicate the creator's
 * descriptor of another container with pidfd_getfd().
 *
 * EAL maps its own memory into the default container at IOVAs equal to
 * the memory's EAL IOVAs. A domain over that container takes its aperture
 * where EAL memory can never be: away from every memseg list's span in
 * IOVA-as-VA mode, above the end of RAM in physical mode.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_spinlock.h>
#include <rte_vfio.h>

#include "dmamap_private.h"
#include "rte_dmamap_vfio.h"

#define VFIO_CONTAINER_DEV "/dev/vfio/vfio"
/* The kernel's default dma_entry_limit, used when it reports none. */
#define VFIO_TABLE_DEFAULT 65535u
#define VFIO_TABLE_MAX 65535u
#define VFIO_RANGES_MAX 64
/* Aperture width assumed when the kernel reports no valid IOVA ranges. */
#define VFIO_DEFAULT_APERTURE_BITS 39
/* Processes other than the creator using non-default containers. */
#define VFIO_BORROWED_MAX 32

/*
 * Table of mapped ranges, in shared memory: the target of each range by
 * its node's index, then the tree of the ranges.
 */
struct dmamap_vfio_table {
	uint32_t capacity;
	rte_iova_t target[];
};

/* Backend state of a domain (its priv), followed by the table. */
struct vfio_priv {
	int owner_fd;
	pid_t owner_pid;
	bool default_container;
	uint32_t dma_avail;
	rte_spinlock_t lock;
};

/* Per process: descriptors duplicated from the creating process. */
struct vfio_borrowed {
	const struct vfio_priv *priv;
	int fd;
};
static struct vfio_borrowed vfio_borrowed[VFIO_BORROWED_MAX];
static pthread_mutex_t vfio_borrowed_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Table: pure bookkeeping, no system calls. Callers serialize.
 */

static inline struct dmamap_rtree *
vfio_ranges(const struct dmamap_vfio_table *t)
{
	return (struct dmamap_rtree *)(uintptr_t)&t->target[t->capacity + 1];
}

size_t
dmamap_vfio_table_size(uint32_t capacity)
{
	return sizeof(struct dmamap_vfio_table) +
		((size_t)capacity + 1) * sizeof(rte_iova_t) +
		dmamap_rtree_size(capacity);
}

void
dmamap_vfio_table_init(struct dmamap_vfio_table *t, uint32_t capacity)
{
	memset(t, 0, dmamap_vfio_table_size(capacity));
	t->capacity = capacity;
	dmamap_rtree_init(vfio_ranges(t), capacity);
}

uint32_t
dmamap_vfio_table_count(const struct dmamap_vfio_table *t)
{
	return vfio_ranges(t)->count;
}

/* The lowest range meeting [iova, last], or NIL. */
static inline uint32_t
tfind(const struct dmamap_vfio_table *t, rte_iova_t iova, rte_iova_t last)
{
	return dmamap_rtree_find(vfio_ranges(t), iova, last);
}

static inline const struct dmamap_rtree_node *
tnode(const struct dmamap_vfio_table *t, uint32_t x)
{
	return dmamap_rtree_node(vfio_ranges(t), x);
}

static bool
range_valid(rte_iova_t iova, uint64_t len)
{
	return len != 0 && iova + (len - 1) >= iova;
}

int
dmamap_vfio_table_add(struct dmamap_vfio_table *t, rte_iova_t iova,
		uint64_t len, rte_iova_t target)
{
	uint32_t x;

	if (!range_valid(iova, len))
		return -EINVAL;
	if (tfind(t, iova, iova + len - 1) != DMAMAP_RTREE_NIL)
		return -EEXIST;
	x = dmamap_rtree_insert(vfio_ranges(t), iova, iova + len - 1);
	if (x == DMAMAP_RTREE_NIL)
		return -ENOSPC;
	t->target[x] = target;
	return 0;
}

/*
 * Whether [iova, +len) is exactly a run of mapped ranges, end to end: the
 * number of ranges, or -EINVAL (nothing there, a range cut, or a hole).
 */
int
dmamap_vfio_table_check_unmap(const struct dmamap_vfio_table *t,
		rte_iova_t iova, uint64_t len)
{
	rte_iova_t last = iova + len - 1, next = iova;
	const struct dmamap_rtree_node *n;
	uint32_t x;
	int count = 0;

	if (!range_valid(iova, len))
		return -EINVAL;
	for (;;) {
		x = tfind(t, next, next);
		if (x == DMAMAP_RTREE_NIL)
			return -EINVAL;
		n = tnode(t, x);
		if (n->start != next || n->last > last)
			return -EINVAL;
		count++;
		if (n->last == last)
			return count;
		next = n->last + 1;
	}
}

/* Forget the ranges wholly inside [iova, +len); how many went. */
unsigned int
dmamap_vfio_table_del(struct dmamap_vfio_table *t, rte_iova_t iova,
		uint64_t len)
{
	rte_iova_t last = iova + len - 1, cur = iova, end;
	const struct dmamap_rtree_node *n;
	unsigned int count = 0;
	uint32_t x;

	if (!range_valid(iova, len))
		return 0;
	while ((x = tfind(t, cur, last)) != DMAMAP_RTREE_NIL) {
		n = tnode(t, x);
		end = n->last;
		if (end > last)
			break;
		if (n->start >= iova) {
			dmamap_rtree_remove(vfio_ranges(t), x);
			count++;
		}
		if (end == last)
			break;
		cur = end + 1;
	}
	return count;
}

int
dmamap_vfio_table_lookup(const struct dmamap_vfio_table *t, rte_iova_t iova,
		rte_iova_t *target)
{
	uint32_t x = tfind(t, iova, iova);

	if (x == DMAMAP_RTREE_NIL)
		return -ENOENT;
	*target = t->target[x] + (iova - tnode(t, x)->start);
	return 0;
}

/* The lowest mapped range, -ENOENT when none. */
int
dmamap_vfio_table_first(const struct dmamap_vfio_table *t, rte_iova_t *iova,
		uint64_t *len)
{
	uint32_t x = tfind(t, 0, UINT64_MAX);

	if (x == DMAMAP_RTREE_NIL)
		return -ENOENT;
	*iova = tnode(t, x)->start;
	*len = tnode(t, x)->last - tnode(t, x)->start + 1;
	return 0;
}

/*
 * IOMMU information: parsing and the choice of aperture, no system calls.
 */

static int
info_cap_ranges(const struct vfio_info_cap_header *hdr, size_t room,
		rte_iova_t *ranges, unsigned int *nb_ranges)
{
	const struct vfio_iommu_type1_info_cap_iova_range *cap =
		(const void *)hdr;
	unsigned int i, n;

	if (room < sizeof(*cap) ||
			(room - sizeof(*cap)) / sizeof(cap->iova_ranges[0]) <
			cap->nr_iovas)
		return -EINVAL;
	n = RTE_MIN(cap->nr_iovas, *nb_ranges);
	for (i = 0; i < n; i++) {
		ranges[2 * i] = cap->iova_ranges[i].start;
		ranges[2 * i + 1] = cap->iova_ranges[i].end;
	}
	*nb_ranges = n;
	return 0;
}

static int
info_cap_dma_avail(const struct vfio_info_cap_header *hdr, size_t room,
		uint32_t *dma_avail)
{
	const struct vfio_iommu_type1_info_dma_avail *cap = (const void *)hdr;

	if (room < sizeof(*cap))
		return -EINVAL;
	*dma_avail = cap->avail;
	return 0;
}

/* Walk the capability chain; offsets must grow, so a loop cannot hang. */
static int
info_caps_parse(const uint8_t *buf, size_t len, uint32_t off,
		rte_iova_t *ranges, unsigned int *nb_ranges, uint32_t *dma_avail)
{
	const struct vfio_info_cap_header *hdr;
	bool have_ranges = false;
	int ret = 0;

	while (off != 0 && ret == 0) {
		if (off < sizeof(struct vfio_iommu_type1_info) ||
				off > len - sizeof(*hdr))
			return -EINVAL;
		hdr = (const void *)(buf + off);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			ret = info_cap_ranges(hdr, len - off, ranges, nb_ranges);
			have_ranges = true;
		} else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			ret = info_cap_dma_avail(hdr, len - off, dma_avail);
		}
		if (hdr->next != 0 && hdr->next <= off)
			return -EINVAL;
		off = hdr->next;
	}
	if (ret == 0 && !have_ranges)
		*nb_ranges = 0;
	return ret;
}

/*
 * Parse a VFIO_IOMMU_GET_INFO answer: page sizes, valid IOVA ranges as
 * (start, last) pairs (at most *nb_ranges; a default width when the kernel
 * gives none) and the mappings still available (UINT32_MAX when not
 * reported).
 */
int
dmamap_vfio_info_parse(const void *buf, size_t len, uint64_t *pgsizes,
		rte_iova_t *ranges, unsigned int *nb_ranges, uint32_t *dma_avail)
{
	const struct vfio_iommu_type1_info *info = buf;
	int ret = 0;

	if (buf == NULL || len < sizeof(*info) || info->argsz > len ||
			!(info->flags & VFIO_IOMMU_INFO_PGSIZES) ||
			info->iova_pgsizes == 0 || *nb_ranges == 0)
		return -EINVAL;
	*pgsizes = info->iova_pgsizes;
	*dma_avail = UINT32_MAX;
	if (info->flags & VFIO_IOMMU_INFO_CAPS)
		ret = info_caps_parse(buf, info->argsz, info->cap_offset,
			ranges, nb_ranges, dma_avail);
	else
		*nb_ranges = 0;
	if (ret == 0 && *nb_ranges == 0) {
		ranges[0] = 0;
		ranges[1] = (UINT64_C(1) << VFIO_DEFAULT_APERTURE_BITS) - 1;
		*nb_ranges = 1;
	}
	return ret;
}

/* Keep [s, l] as the best piece if it is the largest so far. */
static void
aperture_consider(rte_iova_t s, rte_iova_t l, uint64_t granule,
		rte_iova_t *best_s, rte_iova_t *best_l, bool *found)
{
	rte_iova_t as = RTE_ALIGN_CEIL(s, granule);
	rte_iova_t al = l - ((l + 1) & (granule - 1));

	if (as < s || as > al || al > l)
		return;
	if (*found && al - as <= *best_l - *best_s)
		return;
	*best_s = as;
	*best_l = al;
	*found = true;
}

/* Consider the pieces of [s, l] outside the exclusions (sorted by start). */
static void
aperture_cut(rte_iova_t s, rte_iova_t l, const rte_iova_t *excl,
		unsigned int nb_excl, uint64_t granule, rte_iova_t *best_s,
		rte_iova_t *best_l, bool *found)
{
	rte_iova_t cur = s;
	unsigned int i;

	for (i = 0; i < nb_excl && excl[2 * i] <= l; i++) {
		if (excl[2 * i + 1] < cur)
			continue;
		if (excl[2 * i] > cur)
			aperture_consider(cur, excl[2 * i] - 1, granule, best_s,
				best_l, found);
		if (excl[2 * i + 1] >= l)
			return;
		cur = excl[2 * i + 1] + 1;
	}
	aperture_consider(cur, l, granule, best_s, best_l, found);
}

/*
 * The largest granule-aligned piece of the valid ranges that no exclusion
 * touches; both are (start, last) pairs, exclusions sorted by start.
 * -ENOSPC when there is none.
 */
int
dmamap_vfio_aperture_pick(const rte_iova_t *ranges,
		unsigned int nb_ranges, const rte_iova_t *excl,
		unsigned int nb_excl, uint64_t granule, rte_iova_t *start,
		rte_iova_t *last)
{
	bool found = false;
	unsigned int i;

	if (granule == 0 || (granule & (granule - 1)) != 0)
		return -EINVAL;
	for (i = 0; i < nb_ranges; i++)
		if (ranges[2 * i] <= ranges[2 * i + 1])
			aperture_cut(ranges[2 * i], ranges[2 * i + 1], excl,
				nb_excl, granule, start, last, &found);
	return found ? 0 : -ENOSPC;
}

/*
 * Container descriptors.
 */

static struct dmamap_vfio_table *
vfio_table(struct vfio_priv *p)
{
	return (struct dmamap_vfio_table *)(p + 1);
}

#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
static int
vfio_fd_duplicate(pid_t pid, int fd)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int dup;

	if (pidfd < 0)
		return -errno;
	dup = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (dup < 0)
		dup = -errno;
	close(pidfd);
	return dup;
}
#else
static int
vfio_fd_duplicate(pid_t pid, int fd)
{
	return -ENOSYS;
}
#endif

/* This process's copy of the creator's descriptor, duplicated once. */
static int
vfio_fd_borrow(const struct vfio_priv *p)
{
	int i, fd = -ENOSPC;

	pthread_mutex_lock(&vfio_borrowed_lock);
	for (i = 0; i < VFIO_BORROWED_MAX; i++)
		if (vfio_borrowed[i].priv == p) {
			fd = vfio_borrowed[i].fd;
			goto out;
		}
	for (i = 0; i < VFIO_BORROWED_MAX; i++)
		if (vfio_borrowed[i].priv == NULL) {
			fd = vfio_fd_duplicate(p->owner_pid, p->owner_fd);
			if (fd >= 0)
				vfio_borrowed[i] = (struct vfio_borrowed){ p, fd };
			break;
		}
out:
	pthread_mutex_unlock(&vfio_borrowed_lock);
	if (fd < 0)
		DMAMAP_LOG(ERR, "cannot use the VFIO container of process %d: %s",
			(int)p->owner_pid, strerror(-fd));
	return fd;
}

static void
vfio_fd_forget(const struct vfio_priv *p)
{
	int i;

	pthread_mutex_lock(&vfio_borrowed_lock);
	for (i = 0; i < VFIO_BORROWED_MAX; i++)
		if (vfio_borrowed[i].priv == p) {
			close(vfio_borrowed[i].fd);
			vfio_borrowed[i].priv = NULL;
		}
	pthread_mutex_unlock(&vfio_borrowed_lock);
}

/* The container's descriptor in this process, or a negative errno. */
static int
vfio_container_fd(const struct vfio_priv *p)
{
	int fd;

	if (p->owner_pid == getpid())
		return p->owner_fd;
	if (!p->default_container)
		return vfio_fd_borrow(p);
	fd = rte_vfio_get_container_fd();
	if (fd < 0) {
		DMAMAP_LOG(ERR, "EAL's VFIO container is not open in this process");
		return -ENODEV;
	}
	return fd;
}

/*
 * Backend operations: check the table, then one ioctl.
 */

static int
vfio_ioctl_map(int fd, rte_iova_t iova, const void *va, uint64_t len,
		uint32_t prot)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = ((prot & RTE_DMAMAP_PROT_READ) ? VFIO_DMA_MAP_FLAG_READ : 0) |
			((prot & RTE_DMAMAP_PROT_WRITE) ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uint64_t)(uintptr_t)va,
		.iova = iova,
		.size = len,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &map) == 0 ? 0 : -errno;
}

/* Unmap; *unmapped gets the bytes the kernel unmapped. */
static int
vfio_ioctl_unmap(int fd, rte_iova_t iova, uint64_t len, uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	if (ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0) {
		*unmapped = 0;
		return -errno;
	}
	*unmapped = unmap.size;
	return 0;
}

static void
vfio_map_error(const struct rte_dmamap_domain *dom, struct vfio_priv *p,
		rte_iova_t iova, uint64_t len, int ret)
{
	const struct dmamap_vfio_table *t = vfio_table(p);

	if (ret == -ENOSPC)
		DMAMAP_LOG(ERR, "%s: VFIO mapping limit reached with %u mappings "
			"(%u of the container's dma_entry_limit were free at "
			"creation): cannot map [0x%" PRIx64 ", +0x%" PRIx64 ")",
			rte_dmamap_domain_name(dom), dmamap_vfio_table_count(t),
			p->dma_avail,
			iova, len);
	else if (ret == -EEXIST)
		DMAMAP_LOG(ERR, "%s: [0x%" PRIx64 ", +0x%" PRIx64 ") overlaps a "
			"mapped range", rte_dmamap_domain_name(dom), iova, len);
	else
		DMAMAP_LOG(ERR, "%s: VFIO_IOMMU_MAP_DMA [0x%" PRIx64 ", +0x%"
			PRIx64 ") failed: %s", rte_dmamap_domain_name(dom), iova,
			len, strerror(-ret));
}

static int
vfio_map(struct rte_dmamap_domain *dom, rte_iova_t iova, const void *va,
		rte_iova_t target, size_t len, uint32_t prot)
{
	struct vfio_priv *p = rte_dmamap_domain_priv(dom);
	int fd, ret;

	if (prot == 0 || (prot & ~(RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE))) {
		DMAMAP_LOG(ERR, "%s: bad protection 0x%x",
			rte_dmamap_domain_name(dom), prot);
		return -EINVAL;
	}
	fd = vfio_container_fd(p);
	if (fd < 0)
		return -ENODEV;
	rte_spinlock_lock(&p->lock);
	ret = dmamap_vfio_table_add(vfio_table(p), iova, len, target);
	if (ret == 0) {
		ret = vfio_ioctl_map(fd, iova, va, len, prot);
		if (ret != 0)
			dmamap_vfio_table_del(vfio_table(p), iova, len);
	}
	rte_spinlock_unlock(&p->lock);
	if (ret != 0)
		vfio_map_error(dom, p, iova, len, ret);
	return ret;
}

/* After the ioctl: forget what the kernel unmapped, report the rest. */
static int
vfio_unmap_done(struct rte_dmamap_domain *dom, struct vfio_priv *p,
		rte_iova_t iova, uint64_t len, uint64_t unmapped, int ret)
{
	if (unmapped != 0)
		dmamap_vfio_table_del(vfio_table(p), iova, unmapped);
	if (ret == 0 && unmapped == len)
		return 0;
	DMAMAP_LOG(ERR, "%s: VFIO_IOMMU_UNMAP_DMA [0x%" PRIx64 ", +0x%" PRIx64
		") unmapped 0x%" PRIx64 " bytes: %s", rte_dmamap_domain_name(dom),
		iova, len, unmapped, ret != 0 ? strerror(-ret) : "short");
	return ret != 0 ? ret : -EIO;
}

static int
vfio_unmap(struct rte_dmamap_domain *dom, rte_iova_t iova, size_t len)
{
	struct vfio_priv *p = rte_dmamap_domain_priv(dom);
	uint64_t unmapped;
	int fd, ret;

	fd = vfio_container_fd(p);
	if (fd < 0)
		return -ENODEV;
	rte_spinlock_lock(&p->lock);
	ret = dmamap_vfio_table_check_unmap(vfio_table(p), iova, len);
	if (ret > 0) {
		ret = vfio_ioctl_unmap(fd, iova, len, &unmapped);
		ret = vfio_unmap_done(dom, p, iova, len, unmapped, ret);
	} else {
		DMAMAP_LOG(ERR, "%s: unmap [0x%" PRIx64 ", +0x%zx) does not match "
			"mapped ranges exactly", rte_dmamap_domain_name(dom),
			iova, len);
	}
	rte_spinlock_unlock(&p->lock);
	return ret;
}

static int
vfio_translate(struct rte_dmamap_domain *dom, rte_iova_t iova,
		rte_iova_t *target)
{
	struct vfio_priv *p = rte_dmamap_domain_priv(dom);
	int ret;

	rte_spinlock_lock(&p->lock);
	ret = dmamap_vfio_table_lookup(vfio_table(p), iova, target);
	rte_spinlock_unlock(&p->lock);
	return ret;
}

/* Unmap what is left, one range at a time, and drop borrowed descriptors. */
static void
vfio_release(struct rte_dmamap_domain *dom)
{
	struct vfio_priv *p = rte_dmamap_domain_priv(dom);
	unsigned int left = 0;
	rte_iova_t iova;
	uint64_t len;

	while (dmamap_vfio_table_first(vfio_table(p), &iova, &len) == 0) {
		if (vfio_unmap(dom, iova, len) != 0)
			dmamap_vfio_table_del(vfio_table(p), iova, len);
		left++;
	}
	if (left != 0)
		DMAMAP_LOG(WARNING, "%s: %u VFIO mappings left at release",
			rte_dmamap_domain_name(dom), left);
	vfio_fd_forget(p);
}

static const struct rte_dmamap_domain_ops vfio_ops = {
	.name = RTE_DMAMAP_VFIO_BACKEND,
	.map = vfio_map,
	.unmap = vfio_unmap,
	/* Type1 unmaps flush the IOTLB before they return. */
	.flush = NULL,
	.translate = vfio_translate,
	.release = vfio_release,
};

RTE_INIT(dmamap_vfio_register)
{
	rte_dmamap_domain_ops_register(&vfio_ops);
}

/*
 * Availability and domain creation.
 */

static bool
vfio_type1(int fd)
{
	return ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ||
		ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0;
}

static bool
vfio_probe(void)
{
	int fd = open(VFIO_CONTAINER_DEV, O_RDWR);
	bool ok;

	if (fd < 0) {
		DMAMAP_LOG(INFO, "no VFIO: cannot open %s: %s",
			VFIO_CONTAINER_DEV, strerror(errno));
		return false;
	}
	ok = ioctl(fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION && vfio_type1(fd);
	close(fd);
	if (!ok)
		DMAMAP_LOG(INFO, "VFIO has no type1 IOMMU here");
	return ok;
}

bool
rte_dmamap_vfio_available(void)
{
	static int available = -1;

	if (available < 0)
		available = vfio_probe();
	return available == 1;
}

/* VFIO_IOMMU_GET_INFO with room for the capabilities; free() the result. */
static struct vfio_iommu_type1_info *
vfio_info_read(int fd)
{
	struct vfio_iommu_type1_info *info = NULL, *bigger;
	uint32_t argsz = sizeof(*info);

	do {
		bigger = realloc(info, argsz);
		if (bigger == NULL) {
			free(info);
			return NULL;
		}
		info = bigger;
		memset(info, 0, argsz);
		info->argsz = argsz;
		if (ioctl(fd, VFIO_IOMMU_GET_INFO, info) != 0) {
			DMAMAP_LOG(ERR, "VFIO_IOMMU_GET_INFO failed: %s (is a "
				"group attached and the IOMMU type set?)",
				strerror(errno));
			free(info);
			return NULL;
		}
	} while (info->argsz > argsz && (argsz = info->argsz) != 0);
	return info;
}

/* Spans of the IOVA space EAL memory may take, to keep out of. */
struct vfio_excl {
	rte_iova_t *r;
	unsigned int nb;
	unsigned int room;
	bool va;
};

static int
excl_add(struct vfio_excl *x, rte_iova_t start, rte_iova_t last)
{
	rte_iova_t *r;

	if (x->nb == x->room) {
		r = realloc(x->r, (x->room * 2 + 16) * 2 * sizeof(*r));
		if (r == NULL)
			return -1;
		x->r = r;
		x->room = x->room * 2 + 16;
	}
	x->r[2 * x->nb] = start;
	x->r[2 * x->nb + 1] = last;
	x->nb++;
	return 0;
}

static int
excl_msl(const struct rte_memseg_list *msl, void *arg)
{
	struct vfio_excl *x = arg;

	if (!x->va || msl->external || msl->len == 0)
		return 0;
	return excl_add(x, (uintptr_t)msl->base_va,
		(uintptr_t)msl->base_va + msl->len - 1);
}

static int
excl_ms(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	if (ms->iova == RTE_BAD_IOVA || ms->len == 0)
		return 0;
	return excl_add(arg, ms->iova, ms->iova + ms->len - 1);
}

/* End of RAM from /proc/iomem (root sees addresses), 0 when unknown. */
static rte_iova_t
ram_end(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	uint64_t s, e, end = 0;
	char line[256], what[64];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (line[0] != ' ' && sscanf(line, "%" SCNx64 "-%" SCNx64
				" : %63[^\n]", &s, &e, what) == 3 &&
				strcmp(what, "System RAM") == 0)
			end = RTE_MAX(end, e + 1);
	fclose(f);
	return end;
}

static int
cmp_excl(const void *a, const void *b)
{
	rte_iova_t x = *(const rte_iova_t *)a;
	rte_iova_t y = *(const rte_iova_t *)b;

	return x < y ? -1 : x > y;
}

/* EAL's memory in the default container, sorted by start. */
static int
eal_exclusions(struct vfio_excl *x)
{
	rte_iova_t end;

	x->va = rte_eal_iova_mode() == RTE_IOVA_VA;
	if (rte_memseg_list_walk(excl_msl, x) != 0 ||
			rte_memseg_walk(excl_ms, x) != 0)
		return -ENOMEM;
	if (!x->va) {
		end = ram_end();
		if (end == 0)
			DMAMAP_LOG(WARNING, "end of RAM unknown: memory added later"
				" may collide with the domain's aperture");
		else if (excl_add(x, 0, end - 1) != 0)
			return -ENOMEM;
	}
	qsort(x->r, x->nb, 2 * sizeof(*x->r), cmp_excl);
	return 0;
}

struct vfio_geometry {
	uint64_t pgsizes;
	rte_iova_t start;
	rte_iova_t last;
	uint32_t dma_avail;
};

static int
vfio_aperture(int fd, bool default_container, struct vfio_geometry *g)
{
	rte_iova_t ranges[2 * VFIO_RANGES_MAX];
	unsigned int nb = VFIO_RANGES_MAX;
	struct vfio_excl x = { 0 };
	struct vfio_iommu_type1_info *info;
	int ret;

	info = vfio_info_read(fd);
	if (info == NULL)
		return -ENODEV;
	ret = dmamap_vfio_info_parse(info, info->argsz, &g->pgsizes, ranges,
		&nb, &g->dma_avail);
	free(info);
	if (ret != 0) {
		DMAMAP_LOG(ERR, "cannot parse the IOMMU information of the container");
		return -ENODEV;
	}
	if (g->dma_avail == 0) {
		DMAMAP_LOG(ERR, "the container has no mapping left");
		return -ENOSPC;
	}
	if (default_container && eal_exclusions(&x) != 0) {
		free(x.r);
		return -ENOMEM;
	}
	ret = dmamap_vfio_aperture_pick(ranges, nb, x.r, x.nb,
		UINT64_C(1) << rte_bsf64(g->pgsizes), &g->start, &g->last);
	free(x.r);
	if (ret != 0) {
		DMAMAP_LOG(ERR, "no IOVA range of the container is free of EAL memory");
		return -ENOSPC;
	}
	/* As the kernel's DMA layer: never hand out IOVA 0. */
	if (g->start == 0 && g->last >= 2 * (g->pgsizes & -g->pgsizes))
		g->start = g->pgsizes & -g->pgsizes;
	return 0;
}

/* Open the container of container_fd and check it has a type1 IOMMU. */
static int
vfio_container_resolve(int container_fd, bool *is_default)
{
	int fd = container_fd;

	*is_default = container_fd == RTE_VFIO_DEFAULT_CONTAINER_FD ||
		container_fd == rte_vfio_get_container_fd();
	if (container_fd == RTE_VFIO_DEFAULT_CONTAINER_FD)
		fd = rte_vfio_get_container_fd();
	if (fd < 0) {
		DMAMAP_LOG(ERR, "EAL's VFIO container is not set up (no device "
			"bound to vfio-pci was probed)");
		return -ENODEV;
	}
	if (!vfio_type1(fd)) {
		DMAMAP_LOG(ERR, "container %d has no type1 IOMMU: attach a "
			"group and set the IOMMU type first", fd);
		return -ENODEV;
	}
	return fd;
}

static struct rte_dmamap_domain *
vfio_domain_create(const char *name, int fd, bool is_default,
		const struct vfio_geometry *g, enum rte_dmamap_flush_policy flush)
{
	uint32_t capacity = RTE_MIN(g->dma_avail == UINT32_MAX ?
		VFIO_TABLE_DEFAULT : g->dma_avail, VFIO_TABLE_MAX);
	struct rte_dmamap_domain_conf conf = {
		.name = name,
		.backend = RTE_DMAMAP_VFIO_BACKEND,
		.aperture_start = g->start,
		.aperture_last = g->last,
		.pgsize_bitmap = g->pgsizes,
		.flush = flush,
		.max_mappings = capacity,
		.priv_size = sizeof(struct vfio_priv) +
			dmamap_vfio_table_size(capacity),
		.socket_id = SOCKET_ID_ANY,
	};
	struct rte_dmamap_domain *dom;
	struct vfio_priv *p;

	dom = rte_dmamap_domain_create(&conf);
	if (dom == NULL)
		return NULL;
	p = rte_dmamap_domain_priv(dom);
	p->owner_fd = fd;
	p->owner_pid = getpid();
	p->default_container = is_default;
	p->dma_avail = g->dma_avail;
	rte_spinlock_init(&p->lock);
	dmamap_vfio_table_init(vfio_table(p), capacity);
	return dom;
}

struct rte_dmamap_domain *
rte_dmamap_vfio_domain_create(const char *name, int container_fd,
		enum rte_dmamap_flush_policy flush)
{
	struct vfio_geometry g;
	struct rte_dmamap_domain *dom;
	bool is_default;
	int fd, ret;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "no domain name");
		rte_errno = EINVAL;
		return NULL;
	}
	if (!rte_dmamap_vfio_available()) {
		DMAMAP_LOG(ERR, "%s: no VFIO type1 IOMMU (%s missing or no IOMMU "
			"enabled)", name, VFIO_CONTAINER_DEV);
		rte_errno = ENODEV;
		return NULL;
	}
	fd = vfio_container_resolve(container_fd, &is_default);
	ret = fd < 0 ? fd : vfio_aperture(fd, is_default, &g);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	dom = vfio_domain_create(name, fd, is_default, &g, flush);
	if (dom != NULL)
		DMAMAP_LOG(INFO, "%s: VFIO domain, aperture [0x%" PRIx64 ", 0x%"
			PRIx64 "], page sizes 0x%" PRIx64 ", %u mappings", name,
			g.start, g.last, g.pgsizes, RTE_MIN(g.dma_avail,
			VFIO_TABLE_MAX));
	return dom;
}
