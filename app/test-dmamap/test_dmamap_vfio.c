/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * VFIO backend. The bookkeeping (table of mapped ranges, parsing of the
 * IOMMU information, choice of the aperture) is tested everywhere; the
 * ioctl path needs /dev/vfio with a type1 IOMMU and a device bound to
 * vfio-pci, and skips with the reason otherwise.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_random.h>
#include <rte_vfio.h>

#include "dmamap_private.h"
#include "rte_dmamap_vfio.h"
#include "test.h"


#define KB(n) ((uint64_t)(n) << 10)
#define MB(n) ((uint64_t)(n) << 20)
#define GB(n) ((uint64_t)(n) << 30)
#define TABLE_CAP 2048
#define MODEL_OPS 20000
#define VFIO_PCI_DRIVER_DIR "/sys/bus/pci/drivers/vfio-pci"

static struct dmamap_vfio_table *table;

static int
table_setup(void)
{
	table = malloc(dmamap_vfio_table_size(TABLE_CAP));
	TEST_ASSERT_NOT_NULL(table, "no memory");
	dmamap_vfio_table_init(table, TABLE_CAP);
	return TEST_SUCCESS;
}

static void
table_teardown(void)
{
	free(table);
	table = NULL;
}

static rte_iova_t
lookup(rte_iova_t iova)
{
	rte_iova_t target;

	return dmamap_vfio_table_lookup(table, iova, &target) == 0 ?
		target : RTE_BAD_IOVA;
}

/*
 * Table of mapped ranges.
 */

static int
test_table_add_lookup(void)
{
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1), KB(16), GB(3)),
		"add");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), 1, "count");
	TEST_ASSERT_EQUAL(lookup(MB(1)), GB(3), "first byte");
	TEST_ASSERT_EQUAL(lookup(MB(1) + KB(16) - 1), GB(3) + KB(16) - 1,
		"last byte");
	TEST_ASSERT_EQUAL(lookup(MB(1) + KB(16)), RTE_BAD_IOVA, "past the end");
	TEST_ASSERT_EQUAL(lookup(MB(1) - 1), RTE_BAD_IOVA, "before the start");
	return TEST_SUCCESS;
}

static int
test_table_overlap(void)
{
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1), MB(1), 0), "add");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, MB(1), KB(4), 0),
		-EEXIST, "same start");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, MB(1) - KB(4), KB(8), 0),
		-EEXIST, "across the start");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, MB(2) - KB(4), KB(8), 0),
		-EEXIST, "across the end");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, 0, MB(4), 0), -EEXIST,
		"around");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(2), KB(4), 0),
		"adjacent after");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1) - KB(4), KB(4), 0),
		"adjacent before");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), 3, "count");
	return TEST_SUCCESS;
}

static int
test_table_invalid(void)
{
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, MB(1), 0, 0), -EINVAL,
		"empty range");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_add(table, UINT64_MAX - KB(4) + 1,
		KB(8), 0), -EINVAL, "range past 2^64");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, UINT64_MAX - KB(4) + 1,
		KB(4), 0), "range ending at 2^64 - 1");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table,
		UINT64_MAX - KB(4) + 1, KB(4)), 1, "unmap at the top");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), 1, "count");
	return TEST_SUCCESS;
}

/* Three ranges end to end at 1 MiB: 16K, 4K, 64K. */
static int
add_three(void)
{
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1), KB(16), GB(1)),
		"A");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1) + KB(16), KB(4),
		GB(2)), "B");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_add(table, MB(1) + KB(20),
		KB(64), GB(3)), "C");
	return TEST_SUCCESS;
}

static int
test_table_exact_unmap(void)
{
	TEST_ASSERT_SUCCESS(add_three(), "setup");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(16)),
		1, "A alone");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(20)),
		2, "A and B");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(84)),
		3, "all three");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_del(table, MB(1) + KB(16), KB(68)),
		2, "B and C removed");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), 1, "count");
	TEST_ASSERT_EQUAL(lookup(MB(1) + KB(20)), RTE_BAD_IOVA, "C still there");
	TEST_ASSERT_EQUAL(lookup(MB(1) + KB(4)), GB(1) + KB(4), "A lost");
	return TEST_SUCCESS;
}

static int
test_table_partial_unmap_refused(void)
{
	TEST_ASSERT_SUCCESS(add_three(), "setup");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(8)),
		-EINVAL, "half of A");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1) + KB(4),
		KB(12)), -EINVAL, "inside A");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(24)),
		-EINVAL, "A, B and part of C");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1) - KB(4),
		KB(20)), -EINVAL, "from before A");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(4), KB(4)),
		-EINVAL, "nothing mapped");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_del(table, MB(1) + KB(16), KB(4)),
		1, "remove B");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_check_unmap(table, MB(1), KB(84)),
		-EINVAL, "A and C around a hole");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), 2, "count");
	return TEST_SUCCESS;
}

static int
test_table_capacity(void)
{
	struct dmamap_vfio_table *t = malloc(dmamap_vfio_table_size(8));
	unsigned int i;
	int ret = TEST_FAILED;

	TEST_ASSERT_NOT_NULL(t, "no memory");
	dmamap_vfio_table_init(t, 8);
	for (i = 0; i < 8; i++)
		if (dmamap_vfio_table_add(t, i * MB(1), KB(4), 0) != 0)
			goto out;
	if (dmamap_vfio_table_add(t, GB(1), KB(4), 0) != -ENOSPC ||
			dmamap_vfio_table_del(t, MB(3), KB(4)) != 1 ||
			dmamap_vfio_table_add(t, GB(1), KB(4), 0) != 0 ||
			dmamap_vfio_table_count(t) != 8)
		goto out;
	ret = TEST_SUCCESS;
out:
	free(t);
	TEST_ASSERT_SUCCESS(ret, "8 entries, full at the ninth, reusable");
	return TEST_SUCCESS;
}

static int
test_table_first(void)
{
	rte_iova_t iova;
	uint64_t len;

	TEST_ASSERT_EQUAL(dmamap_vfio_table_first(table, &iova, &len), -ENOENT,
		"empty table");
	TEST_ASSERT_SUCCESS(add_three(), "setup");
	TEST_ASSERT_SUCCESS(dmamap_vfio_table_first(table, &iova, &len), "first");
	TEST_ASSERT_EQUAL(iova, MB(1), "lowest start");
	TEST_ASSERT_EQUAL(len, KB(16), "its length");
	return TEST_SUCCESS;
}

/* Random adds, removals and lookups agree with a plain list. */
struct model {
	rte_iova_t iova[TABLE_CAP];
	uint64_t len[TABLE_CAP];
	unsigned int nb;
};

static bool
model_overlaps(const struct model *m, rte_iova_t iova, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < m->nb; i++)
		if (iova < m->iova[i] + m->len[i] && m->iova[i] < iova + len)
			return true;
	return false;
}

static bool
model_step_add(struct model *m)
{
	rte_iova_t iova = rte_rand_max(MB(64) / KB(4)) * KB(4);
	uint64_t len = (1 + rte_rand_max(16)) * KB(4);
	int want = model_overlaps(m, iova, len) ? -EEXIST :
		m->nb == TABLE_CAP ? -ENOSPC : 0;

	if (dmamap_vfio_table_add(table, iova, len, iova + GB(1)) != want)
		return false;
	if (want == 0) {
		m->iova[m->nb] = iova;
		m->len[m->nb++] = len;
	}
	return true;
}

static bool
model_step_del(struct model *m)
{
	unsigned int i = rte_rand_max(m->nb);
	rte_iova_t iova = m->iova[i];
	uint64_t len = m->len[i];

	m->iova[i] = m->iova[--m->nb];
	m->len[i] = m->len[m->nb];
	return dmamap_vfio_table_check_unmap(table, iova, len) == 1 &&
		dmamap_vfio_table_del(table, iova, len) == 1;
}

static bool
model_step_lookup(const struct model *m)
{
	rte_iova_t iova = rte_rand_max(MB(64)), want = RTE_BAD_IOVA;
	unsigned int i;

	for (i = 0; i < m->nb; i++)
		if (iova >= m->iova[i] && iova - m->iova[i] < m->len[i])
			want = iova + GB(1);
	return lookup(iova) == want;
}

static int
test_table_model(void)
{
	struct model *m = calloc(1, sizeof(*m));
	unsigned int i, bad = 0;

	TEST_ASSERT_NOT_NULL(m, "no memory");
	for (i = 0; i < MODEL_OPS; i++) {
		if (m->nb > 0 && rte_rand_max(3) == 0)
			bad += !model_step_del(m);
		else
			bad += !model_step_add(m);
		bad += !model_step_lookup(m);
	}
	i = m->nb;
	free(m);
	TEST_ASSERT_EQUAL(bad, 0, "operations disagreeing with the model");
	TEST_ASSERT_EQUAL(dmamap_vfio_table_count(table), i, "count");
	return TEST_SUCCESS;
}

/*
 * IOMMU information and aperture.
 */

struct info_spec {
	bool caps;
	unsigned int nr_ranges;
	const rte_iova_t *ranges;
	bool dma_avail;
	uint32_t avail;
};

/* Build a VFIO_IOMMU_GET_INFO answer as the kernel lays it out. */
static size_t
info_build(uint8_t *buf, size_t room, const struct info_spec *spec)
{
	struct vfio_iommu_type1_info *info = (void *)buf;
	struct vfio_iommu_type1_info_cap_iova_range *r;
	struct vfio_iommu_type1_info_dma_avail *d;
	size_t off = RTE_ALIGN_CEIL(sizeof(*info), 8);
	unsigned int i;

	memset(buf, 0, room);
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = KB(4) | MB(2) | GB(1);
	if (spec->caps) {
		info->flags |= VFIO_IOMMU_INFO_CAPS;
		info->cap_offset = off;
		r = (void *)(buf + off);
		r->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
		r->nr_iovas = spec->nr_ranges;
		for (i = 0; i < spec->nr_ranges; i++) {
			r->iova_ranges[i].start = spec->ranges[2 * i];
			r->iova_ranges[i].end = spec->ranges[2 * i + 1];
		}
		off += RTE_ALIGN_CEIL(sizeof(*r) + i * sizeof(r->iova_ranges[0]), 8);
		if (spec->dma_avail) {
			r->header.next = off;
			d = (void *)(buf + off);
			d->header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
			d->avail = spec->avail;
			off += RTE_ALIGN_CEIL(sizeof(*d), 8);
		}
	}
	info->argsz = off;
	return off;
}

/* The ranges VT-d reports: all but the interrupt window, 48 bits. */
static const rte_iova_t vtd_ranges[] = {
	0, 0xfedfffff, 0xfef00000, (UINT64_C(1) << 48) - 1,
};

static int
test_info_parse(void)
{
	struct info_spec spec = { true, 2, vtd_ranges, true, 65000 };
	uint64_t buf[64], pgsizes;
	rte_iova_t ranges[8];
	unsigned int nb = 4;
	uint32_t avail;
	size_t len = info_build((uint8_t *)buf, sizeof(buf), &spec);

	TEST_ASSERT_SUCCESS(dmamap_vfio_info_parse(buf, len, &pgsizes, ranges,
		&nb, &avail), "parse");
	TEST_ASSERT_EQUAL(pgsizes, KB(4) | MB(2) | GB(1), "page sizes");
	TEST_ASSERT_EQUAL(nb, 2, "number of ranges");
	TEST_ASSERT_EQUAL(ranges[2], 0xfef00000, "second range start");
	TEST_ASSERT_EQUAL(ranges[3], (UINT64_C(1) << 48) - 1, "second range end");
	TEST_ASSERT_EQUAL(avail, 65000, "mappings available");
	return TEST_SUCCESS;
}

/* Without capabilities: a default width, no mapping limit known. */
static int
test_info_parse_no_caps(void)
{
	struct info_spec spec = { false, 0, NULL, false, 0 };
	uint64_t buf[64], pgsizes;
	rte_iova_t ranges[8];
	unsigned int nb = 4;
	uint32_t avail;
	size_t len = info_build((uint8_t *)buf, sizeof(buf), &spec);

	TEST_ASSERT_SUCCESS(dmamap_vfio_info_parse(buf, len, &pgsizes, ranges,
		&nb, &avail), "parse");
	TEST_ASSERT_EQUAL(nb, 1, "one default range");
	TEST_ASSERT(ranges[0] == 0 && ranges[1] > GB(4), "default range "
		"[0x%" PRIx64 ", 0x%" PRIx64 "]", ranges[0], ranges[1]);
	TEST_ASSERT_EQUAL(avail, UINT32_MAX, "limit not reported");
	return TEST_SUCCESS;
}

static int
test_info_parse_invalid(void)
{
	struct info_spec spec = { true, 2, vtd_ranges, true, 1 };
	struct vfio_iommu_type1_info *info;
	uint64_t buf[64], pgsizes;
	rte_iova_t ranges[8];
	unsigned int nb = 4;
	uint32_t avail;
	size_t len = info_build((uint8_t *)buf, sizeof(buf), &spec);

	info = (void *)buf;
	TEST_ASSERT_EQUAL(dmamap_vfio_info_parse(buf, len - 8, &pgsizes, ranges,
		&nb, &avail), -EINVAL, "truncated answer");
	TEST_ASSERT_EQUAL(dmamap_vfio_info_parse(buf, 8, &pgsizes, ranges, &nb,
		&avail), -EINVAL, "shorter than the header");
	((struct vfio_info_cap_header *)((uint8_t *)buf +
		info->cap_offset))->next = info->cap_offset;
	TEST_ASSERT_EQUAL(dmamap_vfio_info_parse(buf, len, &pgsizes, ranges,
		&nb, &avail), -EINVAL, "capability chain looping");
	info_build((uint8_t *)buf, sizeof(buf), &spec);
	info->flags &= ~VFIO_IOMMU_INFO_PGSIZES;
	TEST_ASSERT_EQUAL(dmamap_vfio_info_parse(buf, len, &pgsizes, ranges,
		&nb, &avail), -EINVAL, "no page sizes");
	return TEST_SUCCESS;
}

static int
test_aperture_pick(void)
{
	rte_iova_t start, last;

	TEST_ASSERT_SUCCESS(dmamap_vfio_aperture_pick(vtd_ranges, 2, NULL, 0,
		KB(4), &start, &last), "VT-d ranges");
	TEST_ASSERT_EQUAL(start, 0xfef00000, "largest range start");
	TEST_ASSERT_EQUAL(last, (UINT64_C(1) << 48) - 1, "largest range end");
	return TEST_SUCCESS;
}

/* EAL memory in the IOVA space is kept out; the largest piece wins. */
static int
test_aperture_exclusions(void)
{
	static const rte_iova_t excl[] = {
		GB(4), GB(4) + GB(512) - 1,
		GB(600), GB(600) + MB(2) - 1,
		GB(1024), (UINT64_C(1) << 47) - 1,
	};
	rte_iova_t start, last;

	TEST_ASSERT_SUCCESS(dmamap_vfio_aperture_pick(vtd_ranges, 2, excl, 3,
		KB(4), &start, &last), "pick");
	TEST_ASSERT_EQUAL(start, UINT64_C(1) << 47, "start above EAL memory");
	TEST_ASSERT_EQUAL(last, (UINT64_C(1) << 48) - 1, "end of the range");
	return TEST_SUCCESS;
}

static int
test_aperture_granule(void)
{
	static const rte_iova_t odd[] = { 0x1800, 0x10fff, 0x20000, 0x20fff };
	static const rte_iova_t full[] = { 0, UINT64_MAX };
	static const rte_iova_t all[] = { 0, UINT64_MAX };
	rte_iova_t start, last;

	TEST_ASSERT_SUCCESS(dmamap_vfio_aperture_pick(odd, 2, NULL, 0, KB(4),
		&start, &last), "odd range");
	TEST_ASSERT(start == 0x2000 && last == 0x10fff, "[0x%" PRIx64 ", 0x%"
		PRIx64 "] not granule-aligned inside", start, last);
	TEST_ASSERT_SUCCESS(dmamap_vfio_aperture_pick(full, 1, NULL, 0, KB(4),
		&start, &last), "whole 64-bit space");
	TEST_ASSERT(start == 0 && last == UINT64_MAX, "whole space cut");
	TEST_ASSERT_EQUAL(dmamap_vfio_aperture_pick(odd, 1, NULL, 0, MB(1),
		&start, &last), -ENOSPC, "no granule fits");
	TEST_ASSERT_EQUAL(dmamap_vfio_aperture_pick(vtd_ranges, 2, all, 1,
		KB(4), &start, &last), -ENOSPC, "everything excluded");
	TEST_ASSERT_EQUAL(dmamap_vfio_aperture_pick(odd, 2, NULL, 0, 3000,
		&start, &last), -EINVAL, "granule not a power of two");
	return TEST_SUCCESS;
}

/*
 * The ioctl path.
 */

static int
test_create_invalid(void)
{
	TEST_ASSERT_NULL(rte_dmamap_vfio_domain_create(NULL,
		RTE_VFIO_DEFAULT_CONTAINER_FD, RTE_DMAMAP_FLUSH_STRICT),
		"no name accepted");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "wrong errno");
	TEST_ASSERT_NULL(rte_dmamap_vfio_domain_create("test_vfio_bad",
		STDIN_FILENO, RTE_DMAMAP_FLUSH_STRICT),
		"a container that is not one accepted");
	TEST_ASSERT_EQUAL(rte_errno, ENODEV, "wrong errno");
	return TEST_SUCCESS;
}

/* --no-pci: EAL's container has no group, so no IOMMU type. */
static int
test_create_default_container_unset(void)
{
	if (!rte_dmamap_vfio_available())
		TEST_SKIP("no /dev/vfio/vfio with a type1 IOMMU");
	if (rte_vfio_get_container_fd() < 0)
		TEST_SKIP("EAL's VFIO container is not open");
	TEST_ASSERT_NULL(rte_dmamap_vfio_domain_create("test_vfio_dflt",
		RTE_VFIO_DEFAULT_CONTAINER_FD, RTE_DMAMAP_FLUSH_STRICT),
		"domain over a container without IOMMU");
	TEST_ASSERT_EQUAL(rte_errno, ENODEV, "wrong errno");
	return TEST_SUCCESS;
}

/* A container of our own with the group of a device bound to vfio-pci. */
struct vfio_env {
	int container;
	int group_fd;
	struct rte_dmamap_domain *dom;
	const struct rte_memzone *mz;
};
static struct vfio_env env = { -1, -1, NULL, NULL };

static int
vfio_group_find(void)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *d;
	int group = -1;
	ssize_t n;
	DIR *dir;

	dir = opendir(VFIO_PCI_DRIVER_DIR);
	if (dir == NULL)
		return -1;
	while (group < 0 && (d = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), VFIO_PCI_DRIVER_DIR "/%s/iommu_group",
			d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		group = atoi(strrchr(link, '/') + 1);
	}
	closedir(dir);
	return group;
}

static int
vfio_container_setup(int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	env.container = rte_vfio_container_create();
	TEST_ASSERT(env.container >= 0, "cannot create a container");
	env.group_fd = rte_vfio_container_group_bind(env.container, group);
	TEST_ASSERT(env.group_fd >= 0, "cannot open group %d", group);
	TEST_ASSERT_SUCCESS(ioctl(env.group_fd, VFIO_GROUP_GET_STATUS, &status),
		"group status");
	TEST_ASSERT(status.flags & VFIO_GROUP_FLAGS_VIABLE,
		"group %d not viable: bind all its devices to vfio-pci", group);
	TEST_ASSERT_SUCCESS(ioctl(env.group_fd, VFIO_GROUP_SET_CONTAINER,
		&env.container), "attach group %d: %s", group, strerror(errno));
	if (ioctl(env.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) != 0)
		TEST_ASSERT_SUCCESS(ioctl(env.container, VFIO_SET_IOMMU,
			VFIO_TYPE1_IOMMU), "set IOMMU: %s", strerror(errno));
	return TEST_SUCCESS;
}

static void
vfio_teardown(void)
{
	if (env.dom != NULL)
		rte_dmamap_domain_destroy(env.dom);
	rte_memzone_free(env.mz);
	if (env.container >= 0)
		rte_vfio_container_destroy(env.container);
	env = (struct vfio_env){ -1, -1, NULL, NULL };
}

static int
vfio_setup(void)
{
	int group;

	if (!rte_dmamap_vfio_available())
		TEST_SKIP("no /dev/vfio/vfio with a type1 IOMMU");
	group = vfio_group_find();
	if (group < 0)
		TEST_SKIP("no device bound to vfio-pci");
	if (vfio_container_setup(group) != TEST_SUCCESS) {
		vfio_teardown();
		return TEST_FAILED;
	}
	env.dom = rte_dmamap_vfio_domain_create("test_vfio_dom", env.container,
		RTE_DMAMAP_FLUSH_STRICT);
	env.mz = rte_memzone_reserve_aligned("test_vfio_mz", MB(2),
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, MB(2));
	if (env.dom == NULL || env.mz == NULL) {
		printf("domain or memory: %s\n", rte_strerror(rte_errno));
		vfio_teardown();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static rte_iova_t
map_mz(size_t offset, size_t len)
{
	rte_iova_t iova = dmamap_domain_iova_alloc(env.dom, len, 0, UINT64_MAX);

	if (iova == RTE_BAD_IOVA ||
			dmamap_domain_map(env.dom, iova,
				(const uint8_t *)env.mz->addr + offset,
				env.mz->iova + offset, len,
				RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE) != 0)
		return RTE_BAD_IOVA;
	return iova;
}

static int
test_vfio_map_unmap(void)
{
	rte_iova_t iova = map_mz(KB(64), KB(64));

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(env.dom, iova + 0x123),
		env.mz->iova + KB(64) + 0x123, "translation");
	TEST_ASSERT_FAIL(dmamap_domain_unmap(env.dom, iova, KB(32), false),
		"half of a mapping unmapped");
	TEST_ASSERT_NOT_EQUAL(rte_dmamap_domain_translate(env.dom, iova),
		RTE_BAD_IOVA, "refused unmap changed the mapping");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(env.dom, iova, KB(64), false),
		"unmap");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(env.dom, iova),
		RTE_BAD_IOVA, "still mapped");
	dmamap_domain_iova_free(env.dom, iova, KB(64));
	return TEST_SUCCESS;
}

/* Two ranges mapped apart, unmapped together by one call. */
static int
test_vfio_unmap_two(void)
{
	rte_iova_t iova = dmamap_domain_iova_alloc(env.dom, KB(64), 0,
		UINT64_MAX);
	uint32_t rw = RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE;

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "IOVA");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(env.dom, iova, env.mz->addr,
		env.mz->iova, KB(32), rw), "first half");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(env.dom, iova + KB(32),
		(const uint8_t *)env.mz->addr + MB(1), env.mz->iova + MB(1),
		KB(32), rw), "second half");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(env.dom, iova + KB(40)),
		env.mz->iova + MB(1) + KB(8), "second half translation");
	TEST_ASSERT_FAIL(dmamap_domain_map(env.dom, iova, env.mz->addr,
		env.mz->iova, KB(4), rw), "overlapping map accepted");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(env.dom, iova, KB(64), false),
		"unmap both");
	dmamap_domain_iova_free(env.dom, iova, KB(64));
	return TEST_SUCCESS;
}

/* Mappings still available in the test's container (kernel's count). */
static uint32_t
container_dma_avail(void)
{
	uint64_t buf[512], pgsizes;
	struct vfio_iommu_type1_info *info = (void *)buf;
	rte_iova_t ranges[2 * 16];
	unsigned int nb = 16;
	uint32_t avail;

	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(env.container, VFIO_IOMMU_GET_INFO, info) != 0 ||
			dmamap_vfio_info_parse(buf, sizeof(buf), &pgsizes, ranges,
				&nb, &avail) != 0)
		return 0;
	return avail;
}

/* The kernel's mapping limit shows as a failed map, then recovers. */
static int
test_vfio_mapping_limit(void)
{
	uint32_t avail = container_dma_avail(), n = 0;
	rte_iova_t base;

	if (avail == UINT32_MAX || avail > 8192)
		TEST_SKIP("dma_entry_limit leaves %u mappings: too many to "
			"exhaust here", avail);
	base = dmamap_domain_iova_alloc(env.dom, (avail + 1) * KB(4), 0,
		UINT64_MAX);
	TEST_ASSERT_NOT_EQUAL(base, RTE_BAD_IOVA, "IOVA for the mappings");
	while (n <= avail && dmamap_domain_map(env.dom, base + n * KB(4),
			env.mz->addr, env.mz->iova, KB(4), RTE_DMAMAP_PROT_READ) == 0)
		n++;
	TEST_ASSERT_EQUAL(n, avail, "mappings before the limit");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(env.dom, base, n * KB(4), false),
		"unmap all");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(env.dom, base, env.mz->addr,
		env.mz->iova, KB(4), RTE_DMAMAP_PROT_READ), "map after the limit");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(env.dom, base, KB(4), false),
		"unmap");
	dmamap_domain_iova_free(env.dom, base, (avail + 1) * KB(4));
	return TEST_SUCCESS;
}

static struct unit_test_suite vfio_suite = {
	.suite_name = "dmamap VFIO backend",
	.unit_test_cases = {
		TEST_CASE_ST(table_setup, table_teardown, test_table_add_lookup),
		TEST_CASE_ST(table_setup, table_teardown, test_table_overlap),
		TEST_CASE_ST(table_setup, table_teardown, test_table_invalid),
		TEST_CASE_ST(table_setup, table_teardown, test_table_exact_unmap),
		TEST_CASE_ST(table_setup, table_teardown,
			test_table_partial_unmap_refused),
		TEST_CASE(test_table_capacity),
		TEST_CASE_ST(table_setup, table_teardown, test_table_first),
		TEST_CASE_ST(table_setup, table_teardown, test_table_model),
		TEST_CASE(test_info_parse),
		TEST_CASE(test_info_parse_no_caps),
		TEST_CASE(test_info_parse_invalid),
		TEST_CASE(test_aperture_pick),
		TEST_CASE(test_aperture_exclusions),
		TEST_CASE(test_aperture_granule),
		TEST_CASE(test_create_invalid),
		TEST_CASE(test_create_default_container_unset),
		TEST_CASE_ST(vfio_setup, vfio_teardown, test_vfio_map_unmap),
		TEST_CASE_ST(vfio_setup, vfio_teardown, test_vfio_unmap_two),
		TEST_CASE_ST(vfio_setup, vfio_teardown, test_vfio_mapping_limit),
		TEST_CASES_END()
	}
};

static int
test_dmamap_vfio(void)
{
	return unit_test_suite_runner(&vfio_suite);
}

REGISTER_TEST_COMMAND(dmamap_vfio_autotest, test_dmamap_vfio);
