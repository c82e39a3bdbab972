/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The emu bus: devargs and hotplug, the software IOMMU (page tables,
 * permissions, faults, IOTLB, strict and lazy flushing), the DMA engine,
 * the non-coherence model, secondary processes and a driver's misuse.
 *
 * Devices are hotplugged with rte_dev_probe("emu:...") and bound to the
 * "test" driver registered below; each case removes what it created.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include <bus_driver.h>
#include <bus_emu_driver.h>
#include <rte_bus_emu.h>

#include "test.h"

#define PAGE_4K (UINT64_C(1) << 12)
#define PAGE_2M (UINT64_C(1) << 21)
#define PAGE_1G (UINT64_C(1) << 30)
/* IOVAs the raw page-table tests use: far above what the library hands out. */
#define RAW_IOVA (UINT64_C(1) << 40)
/* Targets no memory sits at: the page-table tests only walk them. */
#define FAKE_TARGET (UINT64_C(1) << 44)
#define BUF_SIZE (4 * PAGE_4K)
#define BUF_MZ "test_bus_emu_buf"
#define SEC_MZ "test_bus_emu_sec"

/*
 * The test driver: binds type=test devices, accepts the keys "tag" and
 * "fail" (fail=1 refuses the probe), and counts its calls.
 */

#define TEST_DEVS_MAX 16

static struct rte_emu_device *test_devs[TEST_DEVS_MAX];
static unsigned int test_probes, test_removes;
static char test_last_args[128];

static int
test_drv_probe(struct rte_emu_device *dev)
{
	unsigned int i;

	snprintf(test_last_args, sizeof(test_last_args), "%s", dev->args);
	if (dev->kvargs != NULL && rte_kvargs_get(dev->kvargs, "fail") != NULL)
		return -EIO;
	for (i = 0; i < TEST_DEVS_MAX; i++) {
		if (test_devs[i] == NULL) {
			test_devs[i] = dev;
			test_probes++;
			return 0;
		}
	}
	return -ENOSPC;
}

static int
test_drv_remove(struct rte_emu_device *dev)
{
	unsigned int i;

	for (i = 0; i < TEST_DEVS_MAX; i++)
		if (test_devs[i] == dev)
			test_devs[i] = NULL;
	test_removes++;
	return 0;
}

static const char * const test_drv_params[] = { "tag", "fail", NULL };

static struct rte_emu_driver test_drv = {
	.type = "test",
	.probe = test_drv_probe,
	.remove = test_drv_remove,
	.params = test_drv_params,
};

RTE_PMD_REGISTER_EMU(emu_test, test_drv);

/*
 * Helpers.
 */

static struct rte_emu_device *
dev_add(const char *devargs)
{
	/* "emu:<name>,..." */
	size_t n = strcspn(devargs + 4, ",");
	char name[RTE_DEV_NAME_MAX_LEN];

	if (rte_dev_probe(devargs) < 0 || n >= sizeof(name))
		return NULL;
	memcpy(name, devargs + 4, n);
	name[n] = '\0';
	return rte_emu_device_get(name);
}

static int
dev_del(struct rte_emu_device *dev)
{
	return rte_dev_remove(&dev->device);
}

static void
remove_all(void)
{
	unsigned int i;

	for (i = 0; i < TEST_DEVS_MAX; i++)
		if (test_devs[i] != NULL)
			rte_dev_remove(&test_devs[i]->device);
}

static unsigned int
nb_devs(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < TEST_DEVS_MAX; i++)
		n += test_devs[i] != NULL;
	return n;
}

static const struct rte_memzone *
buf_zone(const char *name, size_t size, size_t align)
{
	const struct rte_memzone *mz = rte_memzone_lookup(name);

	if (mz == NULL)
		mz = rte_memzone_reserve_aligned(name, size, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG, align);
	return mz;
}

static void *
buf_get(void)
{
	const struct rte_memzone *mz = buf_zone(BUF_MZ, BUF_SIZE, PAGE_4K);

	return mz == NULL ? NULL : mz->addr;
}

static uint64_t
faults_of(const char *name, enum rte_bus_emu_fault_reason reason)
{
	struct rte_bus_emu_fault_stats st;

	if (rte_bus_emu_fault_stats_get(name, &st) < 0)
		return UINT64_MAX;
	return st.reason[reason];
}

static int
last_fault(const char *name, struct rte_bus_emu_fault *f)
{
	struct rte_bus_emu_fault recs[RTE_BUS_EMU_FAULT_LOG_SIZE];
	int n = rte_bus_emu_fault_read(name, recs, RTE_DIM(recs));

	if (n <= 0)
		return -ENOENT;
	*f = recs[n - 1];
	return 0;
}

static struct rte_bus_emu_iommu_info
iommu_info(const char *name)
{
	struct rte_bus_emu_iommu_info info;

	memset(&info, 0xff, sizeof(info));
	rte_bus_emu_iommu_info_get(name, &info);
	return info;
}

static struct rte_bus_emu_iotlb_stats
iotlb_stats(const char *name)
{
	struct rte_bus_emu_iotlb_stats st;

	memset(&st, 0xff, sizeof(st));
	rte_bus_emu_iotlb_stats_get(name, &st);
	return st;
}

/* The device's IOMMU domain, with the page tables empty but the root. */
static struct rte_dmamap_domain *
pt_domain(const char *devargs, const char *name)
{
	if (dev_add(devargs) == NULL)
		return NULL;
	return rte_bus_emu_domain(name);
}

/*
 * Devargs, probe, remove.
 */

static int
test_devargs_errors(void)
{
	static const char * const bad[] = {
		"emu:e0,type=test,dma_mask=11", "emu:e0,type=test,dma_mask=65",
		"emu:e0,type=test,dma_mask=4O", "emu:e0,type=test,dma_mask=",
		"emu:e0,type=test,dma_mask", "emu:e0,type=test,dma_mask=-1",
		"emu:e0,type=test,iommu=maybe", "emu:e0,type=test,coherent=2",
		"emu:e0,type=test,iommu=strict,group=x",
		"emu:e0,type=test,iommu=strict,group=-3",
		"emu:e0,type=test,numa_node=4096", "emu:e0,type=test,bypass=auto",
		"emu:e0,type=test,iommu=lazy,bypass=sometimes",
		"emu:e0,type=test,group=1", "emu:e0,type=test,window=40",
		"emu:e0,type=test,iommu=strict,window=5",
		"emu:e0,type=test,iommu=strict,pt_pages=1",
		"emu:e0,type=", "emu:e0,type=a+b", "emu:e0,type=nosuchdriver",
		"emu:e0,type=test,dma_mask=40,dma_mask=48",
		"emu:e0,type=test,colour=blue", "emu:e0,type=test,dma_debug=yes",
		"emu:e0,type=test,fail=1",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT(rte_dev_probe(bad[i]) < 0, "accepted: %s", bad[i]);
		TEST_ASSERT_NULL(rte_emu_device_get("e0"), "device left by %s", bad[i]);
		TEST_ASSERT_EQUAL(rte_dmamap_get_dev_id("e0"), -ENODEV,
			"dmamap context left by %s", bad[i]);
	}
	TEST_ASSERT_EQUAL(nb_devs(), 0, "a refused device was probed");
	return TEST_SUCCESS;
}

static int
test_devargs_bad_names(void)
{
	TEST_ASSERT(rte_dev_probe("emu:,type=test") < 0, "empty name");
	TEST_ASSERT(rte_dev_probe("emu:a b,type=test") < 0, "name with a space");
	TEST_ASSERT(rte_dev_probe("emu:dma_mask=40") < 0, "key as a name");
	TEST_ASSERT_EQUAL(nb_devs(), 0, "a device was created");
	return TEST_SUCCESS;
}

static int
test_probe_remove(void)
{
	struct rte_emu_device *dev;
	struct rte_dmamap_info info;
	unsigned int probes = test_probes, removes = test_removes;

	dev = dev_add("emu:p0,type=test,dma_mask=40,iommu=strict,numa_node=0");
	TEST_ASSERT_NOT_NULL(dev, "probe failed");
	TEST_ASSERT_EQUAL(test_probes, probes + 1, "driver not probed once");
	TEST_ASSERT(rte_dmamap_is_valid(dev->dmamap_id), "no dmamap context");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev->dmamap_id, &info), "info");
	TEST_ASSERT_EQUAL(info.mask_bits, 40, "mask");
	TEST_ASSERT(info.domain[0] != '\0', "strict IOMMU without a domain");
	TEST_ASSERT_EQUAL(info.direct_limit, 0, "bypass is never by default");
	TEST_ASSERT_EQUAL(dev->device.numa_node, 0, "numa_node");
	TEST_ASSERT_SUCCESS(dev_del(dev), "remove");
	TEST_ASSERT_EQUAL(test_removes, removes + 1, "driver not removed once");
	TEST_ASSERT_EQUAL(rte_dmamap_get_dev_id("p0"), -ENODEV, "context left");
	TEST_ASSERT_NULL(rte_emu_device_get("p0"), "device left");
	return TEST_SUCCESS;
}

static int
test_probe_defaults(void)
{
	struct rte_emu_device *dev = dev_add("emu:p1,type=test");
	struct rte_dmamap_info info;

	TEST_ASSERT_NOT_NULL(dev, "probe failed");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev->dmamap_id, &info), "info");
	TEST_ASSERT_EQUAL(info.mask_bits, 64, "default mask");
	TEST_ASSERT_EQUAL(info.domain[0], '\0', "IOMMU is off by default");
	TEST_ASSERT_EQUAL(info.flags & RTE_DMAMAP_F_NONCOHERENT, 0, "coherent");
	TEST_ASSERT(dev->coherent, "coherent flag of the device");
	TEST_ASSERT_EQUAL(strcmp(dev->args, ""), 0, "driver args: %s", dev->args);
	TEST_ASSERT_NULL(dev->kvargs, "kvargs without driver keys");
	TEST_ASSERT_NULL(rte_bus_emu_domain("p1"), "domain without IOMMU");
	TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "errno of domain lookup");
	return TEST_SUCCESS;
}

static int
test_driver_args(void)
{
	struct rte_dmamap_info info;
	struct rte_emu_device *dev;

	dev = dev_add("emu:p2,tag=blue,type=test,coherent=0,dma_debug=1");
	TEST_ASSERT_NOT_NULL(dev, "probe failed");
	TEST_ASSERT_EQUAL(strcmp(dev->args, "tag=blue"), 0, "args: %s", dev->args);
	TEST_ASSERT_EQUAL(strcmp(test_last_args, "tag=blue"), 0, "driver saw %s",
		test_last_args);
	TEST_ASSERT_NOT_NULL(dev->kvargs, "no kvargs");
	TEST_ASSERT_EQUAL(strcmp(rte_kvargs_get(dev->kvargs, "tag"), "blue"), 0,
		"tag value");
	TEST_ASSERT(!dev->coherent, "coherent=0 ignored");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev->dmamap_id, &info), "info");
	TEST_ASSERT_EQUAL(info.flags, RTE_DMAMAP_F_NONCOHERENT | RTE_DMAMAP_F_DEBUG,
		"flags");
	return TEST_SUCCESS;
}

static int
test_duplicate_name(void)
{
	struct rte_emu_device *dev = dev_add("emu:p3,type=test,dma_mask=48");
	struct rte_dmamap_info info;
	unsigned int probes = test_probes;

	TEST_ASSERT_NOT_NULL(dev, "probe failed");
	rte_dev_probe("emu:p3,type=test,dma_mask=32");
	TEST_ASSERT_EQUAL(test_probes, probes, "second device probed");
	TEST_ASSERT(rte_emu_device_get("p3") == dev, "device replaced");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev->dmamap_id, &info), "info");
	TEST_ASSERT_EQUAL(info.mask_bits, 48, "first device's mask changed");
	TEST_ASSERT_EQUAL(nb_devs(), 1, "device count");
	return TEST_SUCCESS;
}

static int
test_others_unaffected(void)
{
	struct rte_emu_device *a = dev_add("emu:p4,type=test");

	TEST_ASSERT_NOT_NULL(a, "probe failed");
	TEST_ASSERT(rte_dev_probe("emu:p5,type=test,iommu=on") < 0, "bad accepted");
	TEST_ASSERT(rte_emu_device_get("p4") == a, "good device lost");
	TEST_ASSERT(rte_dmamap_is_valid(a->dmamap_id), "good device detached");
	TEST_ASSERT_NOT_NULL(dev_add("emu:p5,type=test,iommu=strict"),
		"name refused after a bad attempt");
	TEST_ASSERT_EQUAL(nb_devs(), 2, "device count");
	return TEST_SUCCESS;
}

static int
test_groups(void)
{
	struct rte_dmamap_domain *d1, *d2;

	TEST_ASSERT_NOT_NULL(dev_add("emu:g1,type=test,iommu=lazy,group=7"), "g1");
	TEST_ASSERT_NOT_NULL(dev_add("emu:g2,type=test,iommu=lazy,group=7"), "g2");
	d1 = rte_bus_emu_domain("g1");
	d2 = rte_bus_emu_domain("g2");
	TEST_ASSERT(d1 != NULL && d1 == d2, "group members in different domains");
	TEST_ASSERT_NULL(dev_add("emu:g3,type=test,iommu=strict,group=7"),
		"strict device joined a lazy group");
	TEST_ASSERT_NOT_NULL(dev_add("emu:g4,type=test,iommu=lazy"), "g4");
	TEST_ASSERT(rte_bus_emu_domain("g4") != d1, "own-group device shares");
	remove_all();
	TEST_ASSERT_NULL(rte_dmamap_domain_lookup("emu_iommu_g7"),
		"domain outlived its group");
	return TEST_SUCCESS;
}

static int
test_iommu_class(void)
{
	struct rte_bus *bus = rte_bus_find_by_name("emu");

	TEST_ASSERT_NOT_NULL(bus, "no emu bus");
	TEST_ASSERT_NOT_NULL(dev_add("emu:c0,type=test"), "c0");
	TEST_ASSERT_EQUAL(bus->get_iommu_class(), RTE_IOVA_DC, "IOMMU off");
	TEST_ASSERT_NOT_NULL(dev_add("emu:c1,type=test,iommu=passthrough"), "c1");
	TEST_ASSERT_EQUAL(bus->get_iommu_class(), RTE_IOVA_DC, "passthrough");
	TEST_ASSERT_NOT_NULL(dev_add("emu:c2,type=test,iommu=strict"), "c2");
	TEST_ASSERT_EQUAL(bus->get_iommu_class(), RTE_IOVA_VA, "IOMMU on");
	return TEST_SUCCESS;
}

/*
 * Page tables.
 */

static int
walk_is(struct rte_dmamap_domain *dom, rte_iova_t iova, rte_iova_t target,
		size_t page_size, uint32_t prot)
{
	struct rte_bus_emu_pte pte;

	if (rte_bus_emu_iommu_walk(dom, iova, &pte) != 0)
		return -ENOENT;
	return pte.target == target && pte.page_size == page_size &&
		pte.prot == prot ? 0 : -EINVAL;
}

static int
test_pt_page_sizes(void)
{
	struct rte_dmamap_domain *dom = pt_domain("emu:t0,type=test,iommu=strict", "t0");
	const uint32_t rw = RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE;

	TEST_ASSERT_NOT_NULL(dom, "no domain");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		PAGE_1G + PAGE_2M + PAGE_4K, rw), "map");
	TEST_ASSERT_SUCCESS(walk_is(dom, RAW_IOVA + 5, FAKE_TARGET + 5, PAGE_1G, rw), "1G");
	TEST_ASSERT_SUCCESS(walk_is(dom, RAW_IOVA + PAGE_1G + 9,
		FAKE_TARGET + PAGE_1G + 9, PAGE_2M, rw), "2M");
	TEST_ASSERT_SUCCESS(walk_is(dom, RAW_IOVA + PAGE_1G + PAGE_2M,
		FAKE_TARGET + PAGE_1G + PAGE_2M, PAGE_4K, rw), "4K");
	TEST_ASSERT_EQUAL(iommu_info("t0").leaves_1g, 1, "1G leaves");
	TEST_ASSERT_EQUAL(iommu_info("t0").leaves_2m, 1, "2M leaves");
	TEST_ASSERT_EQUAL(iommu_info("t0").leaves_4k, 1, "4K leaves");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, RAW_IOVA,
		PAGE_1G + PAGE_2M + PAGE_4K), "unmap");
	TEST_ASSERT_EQUAL(iommu_info("t0").pt_pages, 1, "tables left but the root");
	TEST_ASSERT_EQUAL(iommu_info("t0").mapped_bytes, 0, "bytes left");
	return TEST_SUCCESS;
}

static int
test_pt_alignment_limits_leaves(void)
{
	struct rte_dmamap_domain *dom = pt_domain("emu:t1,type=test,iommu=strict", "t1");

	TEST_ASSERT_NOT_NULL(dom, "no domain");
	/* The target is only 4 KiB aligned: no large leaf may be used. */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		FAKE_TARGET + PAGE_4K, PAGE_2M, RTE_DMAMAP_PROT_READ), "map");
	TEST_ASSERT_EQUAL(iommu_info("t1").leaves_4k, 512, "4K leaves");
	TEST_ASSERT_EQUAL(iommu_info("t1").leaves_2m, 0, "2M leaf on unaligned target");
	/* The IOVA is 2 MiB aligned but 1 GiB is not: 2 MiB leaves. */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA + PAGE_2M,
		FAKE_TARGET + PAGE_2M, PAGE_1G, RTE_DMAMAP_PROT_READ), "map 1G");
	TEST_ASSERT_EQUAL(iommu_info("t1").leaves_2m, 512, "2M leaves");
	TEST_ASSERT_EQUAL(iommu_info("t1").leaves_1g, 0, "1G leaf on unaligned IOVA");
	TEST_ASSERT_SUCCESS(walk_is(dom, RAW_IOVA + PAGE_1G + PAGE_2M - 1,
		FAKE_TARGET + PAGE_1G + PAGE_2M - 1, PAGE_2M, RTE_DMAMAP_PROT_READ),
		"last byte");
	return TEST_SUCCESS;
}

static int
test_pt_boundaries(void)
{
	struct rte_dmamap_domain *dom = pt_domain("emu:t2,type=test,iommu=strict", "t2");
	rte_iova_t iova = RAW_IOVA + PAGE_1G - 2 * PAGE_4K;
	unsigned int i;

	TEST_ASSERT_NOT_NULL(dom, "no domain");
	/* Four pages across a 1 GiB (and 2 MiB, 512 GiB-table) boundary. */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, iova, FAKE_TARGET,
		4 * PAGE_4K, RTE_DMAMAP_PROT_WRITE), "map");
	for (i = 0; i < 4; i++)
		TEST_ASSERT_SUCCESS(walk_is(dom, iova + i * PAGE_4K + 7,
			FAKE_TARGET + i * PAGE_4K + 7, PAGE_4K,
			RTE_DMAMAP_PROT_WRITE), "page %u", i);
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_walk(dom, iova - 1, &(struct rte_bus_emu_pte){0}),
		-ENOENT, "page before");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_walk(dom, iova + 4 * PAGE_4K,
		&(struct rte_bus_emu_pte){0}), -ENOENT, "page after");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, iova, 4 * PAGE_4K), "unmap");
	TEST_ASSERT_EQUAL(iommu_info("t2").pt_pages, 1, "tables left but the root");
	return TEST_SUCCESS;
}

static int
test_pt_split(void)
{
	struct rte_dmamap_domain *dom = pt_domain("emu:t3,type=test,iommu=strict", "t3");
	const uint32_t r = RTE_DMAMAP_PROT_READ;
	rte_iova_t hole = RAW_IOVA + 3 * PAGE_2M + 5 * PAGE_4K;

	TEST_ASSERT_NOT_NULL(dom, "no domain");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		PAGE_1G, r), "map");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, hole, PAGE_4K), "unmap");
	TEST_ASSERT_EQUAL(iommu_info("t3").leaves_1g, 0, "1G leaf kept");
	TEST_ASSERT_EQUAL(iommu_info("t3").leaves_2m, 511, "2M leaves");
	TEST_ASSERT_EQUAL(iommu_info("t3").leaves_4k, 511, "4K leaves");
	TEST_ASSERT_EQUAL(iommu_info("t3").mapped_bytes, PAGE_1G - PAGE_4K, "bytes");
	TEST_ASSERT_EQUAL(walk_is(dom, hole, 0, 0, 0), -ENOENT, "hole mapped");
	TEST_ASSERT_SUCCESS(walk_is(dom, hole + PAGE_4K, FAKE_TARGET + (hole -
		RAW_IOVA) + PAGE_4K, PAGE_4K, r), "after the hole");
	TEST_ASSERT_SUCCESS(walk_is(dom, RAW_IOVA + PAGE_2M, FAKE_TARGET + PAGE_2M,
		PAGE_2M, r), "other 2M");
	return TEST_SUCCESS;
}

static int
test_pt_errors(void)
{
	struct rte_dmamap_domain *dom = pt_domain("emu:t4,type=test,iommu=strict", "t4");
	const uint32_t r = RTE_DMAMAP_PROT_READ;

	TEST_ASSERT_NOT_NULL(dom, "no domain");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		2 * PAGE_4K, r), "map");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, RAW_IOVA - PAGE_4K,
		FAKE_TARGET, 2 * PAGE_4K, r), -EEXIST, "overlap");
	TEST_ASSERT_EQUAL(iommu_info("t4").leaves_4k, 2, "refused map left pages");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, RAW_IOVA + 100, FAKE_TARGET,
		PAGE_4K, r), -EINVAL, "unaligned IOVA");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, UINT64_C(1) << 48,
		FAKE_TARGET, PAGE_4K, r), -EINVAL, "beyond the aperture");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, 0, FAKE_TARGET, PAGE_4K, r),
		-EINVAL, "below the aperture");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, RAW_IOVA + PAGE_1G,
		FAKE_TARGET, PAGE_4K, 0), -EINVAL, "no permission");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_unmap(dom, RAW_IOVA, 3 * PAGE_4K),
		-ENOENT, "unmap beyond the mapping");
	TEST_ASSERT_EQUAL(iommu_info("t4").leaves_4k, 2, "refused unmap changed pages");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(NULL, RAW_IOVA, FAKE_TARGET,
		PAGE_4K, r), -EINVAL, "NULL domain");
	return TEST_SUCCESS;
}

static int
test_pt_pool_exhausted(void)
{
	struct rte_dmamap_domain *dom;
	struct rte_bus_emu_iommu_info before;

	dom = pt_domain("emu:t5,type=test,iommu=strict,pt_pages=16", "t5");
	TEST_ASSERT_NOT_NULL(dom, "no domain");
	before = iommu_info("t5");
	/* 64 MiB of 4 KiB leaves needs 32 leaf tables. */
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET + PAGE_4K,
		64 * PAGE_2M, RTE_DMAMAP_PROT_READ), -ENOMEM, "pool of 16 pages");
	TEST_ASSERT_EQUAL(iommu_info("t5").pt_pages, before.pt_pages, "pages leaked");
	TEST_ASSERT_EQUAL(iommu_info("t5").mapped_bytes, 0, "partial map left");
	TEST_ASSERT_EQUAL(iommu_info("t5").pt_pages_max, 16, "pool size");
	return TEST_SUCCESS;
}

/* One 4 KiB map in each of the n 2 MiB ranges after base: n leaf tables. */
static int
pt_fill_tables_at(struct rte_dmamap_domain *dom, rte_iova_t base,
		unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 1; i <= n; i++) {
		ret = rte_bus_emu_iommu_map(dom, base + i * PAGE_2M,
			FAKE_TARGET, PAGE_4K, RTE_DMAMAP_PROT_READ);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
pt_fill_tables(struct rte_dmamap_domain *dom, unsigned int n)
{
	return pt_fill_tables_at(dom, RAW_IOVA, n);
}

/* A hole cut in a large leaf costs one page, whose two ends are one leaf. */
static int
test_pt_split_last_page(void)
{
	struct rte_dmamap_domain *dom;

	dom = pt_domain("emu:t6,type=test,iommu=strict,pt_pages=16", "t6");
	TEST_ASSERT_NOT_NULL(dom, "no domain");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		PAGE_2M, RTE_DMAMAP_PROT_READ), "map 2M");
	/* Root, level 3 and level 2 tables, then one leaf table each. */
	TEST_ASSERT_SUCCESS(pt_fill_tables(dom, 12), "fill the pool");
	TEST_ASSERT_EQUAL(iommu_info("t6").pt_pages, 15, "one page left");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, RAW_IOVA + 5 * PAGE_4K,
		PAGE_4K), "4K hole with one free page");
	TEST_ASSERT_EQUAL(iommu_info("t6").pt_pages, 16, "pages");
	TEST_ASSERT_EQUAL(iommu_info("t6").leaves_2m, 0, "2M leaf kept");
	TEST_ASSERT_EQUAL(iommu_info("t6").leaves_4k, 12 + 511, "4K leaves");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_unmap(dom, RAW_IOVA + 13 * PAGE_2M,
		PAGE_4K), -ENOENT, "nothing mapped there");
	return TEST_SUCCESS;
}

/* A split whose two ends fall in other 2 MiB leaves of a 1 GiB leaf. */
static int
test_pt_split_1g_two_ends(void)
{
	struct rte_dmamap_domain *dom;

	dom = pt_domain("emu:t7,type=test,iommu=strict,pt_pages=16", "t7");
	TEST_ASSERT_NOT_NULL(dom, "no domain");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		PAGE_1G, RTE_DMAMAP_PROT_READ), "map 1G");
	/* Root and level 3 in use, then levels 2 and 1 of another 1 GiB and
	 * ten more leaf tables: two pages left.
	 */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA + 2 * PAGE_1G,
		FAKE_TARGET, PAGE_4K, RTE_DMAMAP_PROT_READ), "level 2 and 1");
	TEST_ASSERT_SUCCESS(pt_fill_tables_at(dom, RAW_IOVA + 2 * PAGE_1G, 10),
		"fill the pool");
	TEST_ASSERT_EQUAL(iommu_info("t7").pt_pages, 14, "two pages left");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_unmap(dom, RAW_IOVA + PAGE_4K,
		PAGE_2M), -ENOMEM, "three pages needed");
	TEST_ASSERT_EQUAL(iommu_info("t7").leaves_1g, 1, "refused unmap split");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, RAW_IOVA + PAGE_4K,
		PAGE_4K), "two pages: 1G and 2M splits");
	TEST_ASSERT_EQUAL(iommu_info("t7").pt_pages, 16, "pages");
	return TEST_SUCCESS;
}

/*
 * Faults and permissions through the engine.
 */

static int
test_permissions(void)
{
	struct rte_emu_device *dev = dev_add("emu:f0,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("f0");
	uint8_t *buf = buf_get(), b[16];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map R");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA + PAGE_4K,
		rte_dmamap_virt2iova(buf + PAGE_4K), PAGE_4K,
		RTE_DMAMAP_PROT_WRITE), "map W");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, sizeof(b)), "read R");
	TEST_ASSERT_EQUAL(rte_emu_dma_write(dev, RAW_IOVA, b, sizeof(b)), -EFAULT,
		"write to a read-only page");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, RAW_IOVA + PAGE_4K, b, 8), "write W");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, RAW_IOVA + PAGE_4K, b, 8), -EFAULT,
		"read of a write-only page");
	TEST_ASSERT_NULL(rte_emu_dma_translate(dev, RAW_IOVA, 8,
		RTE_EMU_DMA_READ | RTE_EMU_DMA_WRITE), "translate RW of R page");
	TEST_ASSERT_EQUAL(faults_of("f0", RTE_BUS_EMU_FAULT_PERMISSION), 3,
		"permission faults");
	return TEST_SUCCESS;
}

static int
fault_is(const char *name, rte_iova_t iova, uint32_t access,
		enum rte_bus_emu_fault_reason reason)
{
	struct rte_bus_emu_fault f;

	if (last_fault(name, &f) < 0)
		return -ENOENT;
	return f.iova == iova && f.access == access && f.reason == reason ?
		0 : -EINVAL;
}

static int
test_fault_reasons(void)
{
	struct rte_emu_device *dev = dev_add("emu:f1,type=test,iommu=strict,dma_mask=46");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("f1");
	uint8_t b[64];

	TEST_ASSERT(dev != NULL && dom != NULL, "setup");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, RAW_IOVA, b, 64), -EFAULT, "unmapped");
	TEST_ASSERT_SUCCESS(fault_is("f1", RAW_IOVA, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_NOT_PRESENT), "not-present record");
	TEST_ASSERT_EQUAL(rte_emu_dma_write(dev, UINT64_C(1) << 46, b, 64), -EFAULT,
		"beyond the mask");
	TEST_ASSERT_SUCCESS(fault_is("f1", UINT64_C(1) << 46, RTE_EMU_DMA_WRITE,
		RTE_BUS_EMU_FAULT_MASK), "mask record");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, 64, b, 64), -EFAULT, "below aperture");
	TEST_ASSERT_SUCCESS(fault_is("f1", 64, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_APERTURE), "aperture record");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA, FAKE_TARGET,
		PAGE_4K, RTE_DMAMAP_PROT_READ), "map to no memory");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, RAW_IOVA, b, 64), -EFAULT, "no memory");
	TEST_ASSERT_SUCCESS(fault_is("f1", RAW_IOVA, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_NO_MEMORY), "no-memory record");
	return TEST_SUCCESS;
}

static int
test_fault_aperture_64bit(void)
{
	struct rte_emu_device *dev = dev_add("emu:f2,type=test,iommu=lazy");
	struct rte_emu_device *pt = dev_add("emu:f3,type=test,iommu=passthrough");
	uint8_t b[8];

	TEST_ASSERT(dev != NULL && pt != NULL, "setup");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, UINT64_C(1) << 50, b, 8), -EFAULT,
		"beyond 48 bits");
	TEST_ASSERT_SUCCESS(fault_is("f2", UINT64_C(1) << 50, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_APERTURE), "aperture record");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(pt, UINT64_C(1) << 50, b, 8), -EFAULT,
		"passthrough beyond 48 bits");
	TEST_ASSERT_SUCCESS(fault_is("f3", UINT64_C(1) << 50, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_APERTURE), "passthrough aperture record");
	return TEST_SUCCESS;
}

static int
test_fault_touches_nothing(void)
{
	struct rte_emu_device *dev = dev_add("emu:f4,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("f4");
	uint8_t *buf = buf_get(), b[2 * 64];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	memset(buf, 0x11, PAGE_4K);
	memset(b, 0x22, sizeof(b));
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_WRITE), "map");
	/* Half in the mapped page, half in the unmapped one after it. */
	TEST_ASSERT_EQUAL(rte_emu_dma_write(dev, RAW_IOVA + PAGE_4K - 64, b,
		sizeof(b)), -EFAULT, "write across into nothing");
	TEST_ASSERT_EQUAL(buf[PAGE_4K - 64], 0x11, "faulting write wrote");
	TEST_ASSERT_SUCCESS(fault_is("f4", RAW_IOVA + PAGE_4K - 64,
		RTE_EMU_DMA_WRITE, RTE_BUS_EMU_FAULT_NOT_PRESENT), "record");
	return TEST_SUCCESS;
}

static int
test_fault_log(void)
{
	struct rte_emu_device *dev = dev_add("emu:f5,type=test,iommu=strict");
	struct rte_bus_emu_fault recs[RTE_BUS_EMU_FAULT_LOG_SIZE + 8];
	struct rte_bus_emu_fault_stats st;
	unsigned int i;
	uint8_t b;

	TEST_ASSERT_NOT_NULL(dev, "setup");
	for (i = 0; i < RTE_BUS_EMU_FAULT_LOG_SIZE + 6; i++)
		rte_emu_dma_read(dev, RAW_IOVA + i * PAGE_4K, &b, 1);
	TEST_ASSERT_SUCCESS(rte_bus_emu_fault_stats_get("f5", &st), "stats");
	TEST_ASSERT_EQUAL(st.total, RTE_BUS_EMU_FAULT_LOG_SIZE + 6, "total");
	TEST_ASSERT_EQUAL(st.lost, 6, "lost");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read("f5", recs, RTE_DIM(recs)),
		RTE_BUS_EMU_FAULT_LOG_SIZE, "records kept");
	TEST_ASSERT_EQUAL(recs[0].seq, 7, "oldest record");
	TEST_ASSERT_EQUAL(recs[0].iova, RAW_IOVA + 6 * PAGE_4K, "oldest IOVA");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read("f5", recs, 2), 2, "read 2");
	TEST_ASSERT_EQUAL(recs[1].seq, RTE_BUS_EMU_FAULT_LOG_SIZE + 6, "newest last");
	TEST_ASSERT_SUCCESS(rte_bus_emu_fault_clear("f5"), "clear");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read("f5", recs, RTE_DIM(recs)), 0,
		"records after clear");
	return TEST_SUCCESS;
}

static int
test_fault_api_errors(void)
{
	struct rte_bus_emu_fault_stats st;
	struct rte_bus_emu_fault f;

	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read(NULL, &f, 1), -EINVAL, "NULL name");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read("nosuch", &f, 1), -ENODEV, "unknown");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_read("nosuch", NULL, 1), -EINVAL, "NULL out");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_stats_get("nosuch", &st), -ENODEV, "stats");
	TEST_ASSERT_EQUAL(rte_bus_emu_fault_clear("nosuch"), -ENODEV, "clear");
	TEST_ASSERT_NOT_NULL(dev_add("emu:f6,type=test"), "setup");
	TEST_ASSERT_EQUAL(rte_bus_emu_iotlb_stats_get("f6",
		&(struct rte_bus_emu_iotlb_stats){0}), -ENOTSUP, "IOTLB without IOMMU");
	TEST_ASSERT_EQUAL(rte_bus_emu_iommu_info_get("f6",
		&(struct rte_bus_emu_iommu_info){0}), -ENOTSUP, "tables without IOMMU");
	TEST_ASSERT_NULL(rte_bus_emu_fault_reason_name(RTE_BUS_EMU_FAULT_MAX), "name");
	TEST_ASSERT_EQUAL(strcmp(rte_bus_emu_fault_reason_name(
		RTE_BUS_EMU_FAULT_MASK), "dma_mask"), 0, "mask reason name");
	return TEST_SUCCESS;
}

/*
 * IOTLB, strict and lazy flushing.
 */

static int
test_iotlb_hit_miss_flush(void)
{
	struct rte_emu_device *dev = dev_add("emu:i0,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("i0");
	uint8_t *buf = buf_get(), b[8];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iotlb_stats_reset("i0"), "reset");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 8), "read 1");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA + 8, b, 8), "read 2");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").misses, 1, "misses");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").hits, 1, "hits");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").entries, 1, "entries");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_flush(dom, RAW_IOVA + PAGE_4K,
		PAGE_4K), "flush another page");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").invalidated, 0, "wrong entry dropped");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_flush(dom, RAW_IOVA, PAGE_4K), "flush");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").invalidated, 1, "entry kept");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 8), "read 3");
	TEST_ASSERT_EQUAL(iotlb_stats("i0").misses, 2, "miss after flush");
	return TEST_SUCCESS;
}

static int
test_iotlb_stale_until_flush(void)
{
	struct rte_emu_device *dev = dev_add("emu:i1,type=test,iommu=lazy");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("i1");
	uint8_t *buf = buf_get(), b[8];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 8), "cache it");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, RAW_IOVA, PAGE_4K), "unmap");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 8),
		"stale IOTLB entry must still translate");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_flush(dom, 0, 0), "flush all");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, RAW_IOVA, b, 8), -EFAULT,
		"translated after the flush");
	return TEST_SUCCESS;
}

static int
test_iotlb_eviction(void)
{
	struct rte_emu_device *dev = dev_add("emu:i2,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("i2");
	struct rte_bus_emu_iotlb_stats st;
	uint8_t *buf = buf_get(), b;
	unsigned int i;

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	for (i = 0; i < 512; i++)
		TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA + i * PAGE_4K,
			rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map");
	for (i = 0; i < 512; i++)
		TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA + i * PAGE_4K,
			&b, 1), "read %u", i);
	st = iotlb_stats("i2");
	TEST_ASSERT_EQUAL(st.misses, 512, "misses");
	TEST_ASSERT_EQUAL(st.entries, st.capacity, "IOTLB not full");
	TEST_ASSERT_EQUAL(st.evictions, 512 - st.capacity, "evictions");
	return TEST_SUCCESS;
}

/*
 * The device's own IOTLB of a domain (lockless, per thread) forgets at
 * each flush: an IOVA mapped again elsewhere reaches the new page.
 */
static int
test_iotlb_remap_after_flush(void)
{
	struct rte_emu_device *dev = dev_add("emu:i3,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("i3");
	uint8_t *buf = buf_get(), b[8];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	memcpy(buf, "first!", 7);
	memcpy(buf + PAGE_4K, "again!", 7);
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 7), "read 1");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 7), "read 2");
	TEST_ASSERT_EQUAL(iotlb_stats("i3").hits, 1, "second read a hit");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_unmap(dom, RAW_IOVA, PAGE_4K), "unmap");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_flush(dom, RAW_IOVA, PAGE_4K), "flush");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf + PAGE_4K), PAGE_4K,
		RTE_DMAMAP_PROT_READ), "map again");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 7), "read 3");
	TEST_ASSERT_EQUAL(memcmp(b, "again!", 7), 0, "old page reached");
	TEST_ASSERT_NULL(rte_emu_dma_translate(dev, RAW_IOVA, 8,
		RTE_EMU_DMA_WRITE), "write through a read-only page");
	return TEST_SUCCESS;
}

/* A bulk translation gives every entry its err, 0 where translated. */
static int
test_translate_bulk_err(void)
{
	struct rte_emu_device *dev = dev_add("emu:i4,type=test,iommu=strict");
	struct rte_emu_device *off = dev_add("emu:i5,type=test");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("i4");
	uint8_t *buf = buf_get();
	rte_iova_t iova[2];
	uint32_t len[2] = { 64, 64 };
	void *host[2];
	int err[2] = { -1, -1 };

	TEST_ASSERT(dev != NULL && off != NULL && buf != NULL, "setup");
	iova[0] = iova[1] = rte_dmamap_virt2iova(buf);
	TEST_ASSERT_EQUAL(rte_emu_dma_translate_bulk(off, iova, len, 2,
		RTE_EMU_DMA_READ, host, err), 2, "direct");
	TEST_ASSERT(err[0] == 0 && err[1] == 0, "direct err %d %d", err[0], err[1]);
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map");
	iova[0] = RAW_IOVA;
	iova[1] = RAW_IOVA + PAGE_4K;
	err[0] = err[1] = -1;
	TEST_ASSERT_EQUAL(rte_emu_dma_translate_bulk(dev, iova, len, 2,
		RTE_EMU_DMA_READ, host, err), 1, "one mapped");
	TEST_ASSERT(err[0] == 0 && host[0] == buf, "mapped entry");
	TEST_ASSERT(err[1] == EFAULT && host[1] == NULL, "unmapped entry");
	return TEST_SUCCESS;
}

/* Map a buffer with the library, let the device read it, unmap it. */
static int
map_read_unmap(struct rte_emu_device *dev, uint8_t *buf, rte_iova_t *iova)
{
	uint8_t b[8];

	*iova = rte_dmamap_map_single(dev->dmamap_id, buf, PAGE_4K,
		RTE_DMAMAP_TO_DEVICE);
	if (*iova == RTE_BAD_IOVA)
		return -ENOMEM;
	if (rte_emu_dma_read(dev, *iova, b, sizeof(b)) != 0)
		return -EFAULT;
	return rte_dmamap_unmap_single(dev->dmamap_id, *iova, PAGE_4K,
		RTE_DMAMAP_TO_DEVICE);
}

static int
test_strict_never_stale(void)
{
	struct rte_emu_device *dev = dev_add("emu:s0,type=test,iommu=strict");
	uint8_t *buf = buf_get(), b[8];
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	TEST_ASSERT_SUCCESS(map_read_unmap(dev, buf, &iova), "map, read, unmap");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, iova, b, sizeof(b)), -EFAULT,
		"strict domain: reached after unmap");
	TEST_ASSERT_EQUAL(faults_of("s0", RTE_BUS_EMU_FAULT_NOT_PRESENT), 1,
		"fault not logged");
	return TEST_SUCCESS;
}

static int
test_lazy_stale_until_flush(void)
{
	struct rte_emu_device *dev = dev_add("emu:s1,type=test,iommu=lazy");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("s1");
	uint8_t *buf = buf_get(), b[8];
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	TEST_ASSERT_SUCCESS(map_read_unmap(dev, buf, &iova), "map, read, unmap");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, b, sizeof(b)),
		"lazy domain: stale entry gone before the flush");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(dom), "flush");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, iova, b, sizeof(b)), -EFAULT,
		"lazy domain: reached after the flush");
	return TEST_SUCCESS;
}

/*
 * The engine.
 */

static void
fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static int
test_engine_direct(void)
{
	struct rte_emu_device *dev = dev_add("emu:d0,type=test");
	uint8_t *buf = buf_get(), b[BUF_SIZE];
	rte_iova_t iova = rte_dmamap_virt2iova(buf);

	TEST_ASSERT(dev != NULL && buf != NULL && iova != RTE_BAD_IOVA, "setup");
	fill(b, sizeof(b), 3);
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova + 5, b, BUF_SIZE - 5), "write");
	TEST_ASSERT_EQUAL(memcmp(buf + 5, b, BUF_SIZE - 5), 0, "CPU view");
	fill(buf, BUF_SIZE, 9);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, b, BUF_SIZE), "read");
	TEST_ASSERT_EQUAL(memcmp(buf, b, BUF_SIZE), 0, "device view");
	TEST_ASSERT(rte_emu_dma_translate(dev, iova + 100, BUF_SIZE - 100,
		RTE_EMU_DMA_READ) == buf + 100, "translate");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, iova, b, 0), -EINVAL, "len 0");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, UINT64_MAX - 3, b, 8), -EINVAL, "wrap");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(NULL, iova, b, 8), -EINVAL, "NULL device");
	return TEST_SUCCESS;
}

static int
test_engine_mask_direct(void)
{
	struct rte_emu_device *dev = dev_add("emu:d1,type=test,dma_mask=48");
	uint8_t b[8];

	TEST_ASSERT_NOT_NULL(dev, "setup");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, UINT64_C(1) << 48, b, 8), -EFAULT,
		"beyond a 48-bit mask");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, (UINT64_C(1) << 48) - 4, b, 8),
		-EFAULT, "straddling the mask");
	TEST_ASSERT_SUCCESS(fault_is("d1", (UINT64_C(1) << 48) - 4,
		RTE_EMU_DMA_READ, RTE_BUS_EMU_FAULT_MASK), "record");
	TEST_ASSERT_EQUAL(faults_of("d1", RTE_BUS_EMU_FAULT_MASK), 2, "mask faults");
	return TEST_SUCCESS;
}

static int
test_engine_across_pages(void)
{
	struct rte_emu_device *dev = dev_add("emu:d2,type=test,iommu=strict");
	uint8_t *buf = buf_get(), b[BUF_SIZE];
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	iova = rte_dmamap_map_single(dev->dmamap_id, buf, BUF_SIZE,
		RTE_DMAMAP_BIDIRECTIONAL);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	fill(b, sizeof(b), 1);
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova + 3, b, BUF_SIZE - 6), "write");
	TEST_ASSERT_EQUAL(memcmp(buf + 3, b, BUF_SIZE - 6), 0, "CPU view");
	fill(buf, BUF_SIZE, 77);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova + PAGE_4K - 1, b, PAGE_4K + 2),
		"read across a page boundary");
	TEST_ASSERT_EQUAL(memcmp(buf + PAGE_4K - 1, b, PAGE_4K + 2), 0, "data");
	TEST_ASSERT(rte_emu_dma_translate(dev, iova + 1, BUF_SIZE - 1,
		RTE_EMU_DMA_WRITE) == buf + 1, "translate across pages");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, iova - 1, b, BUF_SIZE), -EFAULT,
		"one byte before the mapping");
	TEST_ASSERT_SUCCESS(fault_is("d2", iova - 1, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_NOT_PRESENT), "record");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev->dmamap_id, iova, BUF_SIZE,
		RTE_DMAMAP_BIDIRECTIONAL), "unmap");
	return TEST_SUCCESS;
}

static int
test_engine_across_mappings(void)
{
	struct rte_emu_device *dev = dev_add("emu:d3,type=test,iommu=strict");
	struct rte_dmamap_domain *dom = rte_bus_emu_domain("d3");
	uint8_t *buf = buf_get(), b[2 * 16];

	TEST_ASSERT(dev != NULL && dom != NULL && buf != NULL, "setup");
	/* Two adjacent IOVA pages on two pages of memory in reverse order. */
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA,
		rte_dmamap_virt2iova(buf + 2 * PAGE_4K), PAGE_4K,
		RTE_DMAMAP_PROT_READ), "map 1");
	TEST_ASSERT_SUCCESS(rte_bus_emu_iommu_map(dom, RAW_IOVA + PAGE_4K,
		rte_dmamap_virt2iova(buf), PAGE_4K, RTE_DMAMAP_PROT_READ), "map 2");
	fill(buf, BUF_SIZE, 5);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA + PAGE_4K - 16, b,
		sizeof(b)), "read across mappings");
	TEST_ASSERT_EQUAL(memcmp(b, buf + 3 * PAGE_4K - 16, 16), 0, "first part");
	TEST_ASSERT_EQUAL(memcmp(b + 16, buf, 16), 0, "second part");
	TEST_ASSERT_NULL(rte_emu_dma_translate(dev, RAW_IOVA + PAGE_4K - 16, 32,
		RTE_EMU_DMA_READ), "translate of a discontiguous range");
	TEST_ASSERT_EQUAL(rte_errno, ERANGE, "errno");
	TEST_ASSERT(rte_emu_dma_translate(dev, RAW_IOVA + PAGE_4K, 16,
		RTE_EMU_DMA_READ) == buf, "translate inside the second mapping");
	return TEST_SUCCESS;
}

/* Smallest window (in bits) that holds the buffer, or 0 when none can. */
static unsigned int
window_bits(const uint8_t *buf)
{
	rte_iova_t last = rte_dmamap_virt2iova(buf) + BUF_SIZE - 1;
	unsigned int bits = 64 - __builtin_clzll(last);

	return bits < 12 ? 12 : bits <= 47 ? bits : 0;
}

static int
test_engine_bypass_window(void)
{
	uint8_t *buf = buf_get(), b[8];
	unsigned int bits = buf == NULL ? 0 : window_bits(buf);
	struct rte_dmamap_info info;
	struct rte_emu_device *dev;
	char args[96];

	if (bits == 0)
		TEST_SKIP("memory lies above any bypass window");
	snprintf(args, sizeof(args), "emu:d4,type=test,iommu=strict,bypass=auto,window=%u",
		bits);
	dev = dev_add(args);
	TEST_ASSERT_NOT_NULL(dev, "setup");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev->dmamap_id, &info), "info");
	TEST_ASSERT_EQUAL(info.direct_limit, (UINT64_C(1) << bits) - 1, "direct limit");
	memcpy(buf, "window!", 8);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, rte_dmamap_virt2iova(buf), b, 8),
		"read in the window");
	TEST_ASSERT_EQUAL(memcmp(b, "window!", 8), 0, "data");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, UINT64_C(1) << bits, b, 8), -EFAULT,
		"unmapped IOVA above the window");
	TEST_ASSERT_SUCCESS(fault_is("d4", UINT64_C(1) << bits, RTE_EMU_DMA_READ,
		RTE_BUS_EMU_FAULT_NOT_PRESENT), "record");
	return TEST_SUCCESS;
}

static int
test_engine_bypass_force(void)
{
	struct rte_emu_device *dev;
	uint8_t *buf = buf_get(), b[8];

	dev = dev_add("emu:d5,type=test,iommu=lazy,bypass=force");
	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	memcpy(buf, "forced!", 8);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, rte_dmamap_virt2iova(buf), b, 8),
		"direct read");
	TEST_ASSERT_EQUAL(memcmp(b, "forced!", 8), 0, "data");
	TEST_ASSERT_EQUAL(iotlb_stats("d5").misses + iotlb_stats("d5").hits, 0,
		"forced bypass went through the IOMMU");
	return TEST_SUCCESS;
}

static int
test_dev_dma_map(void)
{
	struct rte_emu_device *dev = dev_add("emu:d6,type=test,iommu=lazy");
	struct rte_emu_device *off = dev_add("emu:d7,type=test");
	uint8_t *buf = buf_get(), b[8];

	TEST_ASSERT(dev != NULL && off != NULL && buf != NULL, "setup");
	memcpy(buf, "devmap!", 8);
	TEST_ASSERT_SUCCESS(rte_dev_dma_map(&dev->device, buf, RAW_IOVA, PAGE_4K),
		"rte_dev_dma_map");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, RAW_IOVA, b, 8), "read");
	TEST_ASSERT_EQUAL(memcmp(b, "devmap!", 8), 0, "data");
	TEST_ASSERT(rte_dev_dma_map(&dev->device, buf, RAW_IOVA, PAGE_4K) < 0,
		"second map of the IOVA");
	TEST_ASSERT_SUCCESS(rte_dev_dma_unmap(&dev->device, buf, RAW_IOVA, PAGE_4K),
		"rte_dev_dma_unmap");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, RAW_IOVA, b, 8), -EFAULT,
		"reached after rte_dev_dma_unmap");
	TEST_ASSERT(rte_dev_dma_map(&off->device, buf, RAW_IOVA, PAGE_4K) < 0,
		"map without IOMMU");
	TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "errno without IOMMU");
	return TEST_SUCCESS;
}

/*
 * Non-coherence.
 */

static int
test_noncoherent_missing_sync_for_device(void)
{
	struct rte_emu_device *dev = dev_add("emu:n0,type=test,coherent=0");
	uint8_t *buf = buf_get(), b[8];
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	memcpy(buf, "first..", 8);
	iova = rte_dmamap_map_single(dev->dmamap_id, buf, 64, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	memcpy(buf, "second.", 8);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, b, 8), "read");
	TEST_ASSERT_EQUAL(memcmp(b, "first..", 8), 0,
		"device saw a CPU write made without sync_for_device");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_device(dev->dmamap_id, iova, 64,
		RTE_DMAMAP_TO_DEVICE), "sync");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, b, 8), "read");
	TEST_ASSERT_EQUAL(memcmp(b, "second.", 8), 0, "synced data not seen");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev->dmamap_id, iova, 64,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	return TEST_SUCCESS;
}

static int
test_noncoherent_missing_sync_for_cpu(void)
{
	struct rte_emu_device *dev = dev_add("emu:n1,type=test,coherent=0,iommu=strict");
	uint8_t *buf = buf_get();
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	memcpy(buf, "cpu....", 8);
	iova = rte_dmamap_map_single(dev->dmamap_id, buf, 64, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova, "device", 7), "write");
	TEST_ASSERT_EQUAL(memcmp(buf, "cpu....", 8), 0,
		"CPU saw a device write without sync_for_cpu");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(dev->dmamap_id, iova, 64,
		RTE_DMAMAP_FROM_DEVICE), "sync");
	TEST_ASSERT_EQUAL(memcmp(buf, "device", 7), 0, "synced data not seen");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova, "again!", 7), "write");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev->dmamap_id, iova, 64,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(memcmp(buf, "again!", 7), 0, "unmap did not sync");
	return TEST_SUCCESS;
}

static int
test_noncoherent_coherent_alloc(void)
{
	struct rte_emu_device *dev = dev_add("emu:n2,type=test,coherent=0");
	uint8_t *mem, b[8];
	rte_iova_t iova;

	TEST_ASSERT_NOT_NULL(dev, "setup");
	mem = rte_dmamap_alloc_coherent(dev->dmamap_id, PAGE_4K, &iova);
	TEST_ASSERT_NOT_NULL(mem, "alloc_coherent: %s", rte_strerror(rte_errno));
	memcpy(mem, "shared!", 8);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, b, 8), "read");
	TEST_ASSERT_EQUAL(memcmp(b, "shared!", 8), 0, "coherent memory not coherent");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova + 8, "device", 7), "write");
	TEST_ASSERT_EQUAL(memcmp(mem + 8, "device", 7), 0, "device write not seen");
	TEST_ASSERT_NULL(rte_emu_dma_translate(dev, iova, 8, RTE_EMU_DMA_READ),
		"translate on a non-coherent device");
	TEST_ASSERT_EQUAL(rte_errno, ENOTSUP, "errno");
	TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(dev->dmamap_id, PAGE_4K, mem,
		iova), "free");
	return TEST_SUCCESS;
}

/*
 * A driver's misuse: the device still writes to a buffer its driver
 * unmapped. Behind a strict IOMMU the write faults, is logged, and the
 * memory (already reused by the CPU) is untouched.
 */
static int
test_misuse_dma_after_unmap(void)
{
	struct rte_emu_device *dev = dev_add("emu:m0,type=test,iommu=strict");
	uint8_t *buf = buf_get();
	struct rte_bus_emu_fault f;
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL && buf != NULL, "setup");
	iova = rte_dmamap_map_single(dev->dmamap_id, buf, 2048, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, iova, "packet", 7), "DMA in time");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev->dmamap_id, iova, 2048,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	memcpy(buf, "reused", 7);
	TEST_ASSERT_EQUAL(rte_emu_dma_write(dev, iova, "late..", 7), -EFAULT,
		"late DMA reached memory");
	TEST_ASSERT_EQUAL(memcmp(buf, "reused", 7), 0, "late DMA corrupted memory");
	TEST_ASSERT_SUCCESS(last_fault("m0", &f), "no fault logged");
	TEST_ASSERT(f.iova == iova && f.access == RTE_EMU_DMA_WRITE &&
		f.reason == RTE_BUS_EMU_FAULT_NOT_PRESENT, "wrong record");
	return TEST_SUCCESS;
}

/*
 * The two-step API on the software IOMMU: a mempool linked as one range is
 * read by the device at region IOVAs; lazy unlink stays reachable until the
 * flush, then faults.
 */
static int
test_two_step_on_emu_iommu(void)
{
	struct rte_emu_device *dev = dev_add("emu:ts0,type=test,iommu=lazy");
	struct rte_dmamap_region region;
	struct rte_mempool *mp;
	uint8_t *obj, got[16];
	rte_iova_t iova;

	TEST_ASSERT(dev != NULL, "device");
	mp = rte_mempool_create("emu_ts_mp", 1024, 2048, 0, 0, NULL, NULL, NULL,
		NULL, SOCKET_ID_ANY, 0);
	TEST_ASSERT_NOT_NULL(mp, "mempool");
	TEST_ASSERT_SUCCESS(rte_mempool_get(mp, (void **)&obj), "object");
	memcpy(obj, "two-step object", 16);
	TEST_ASSERT_SUCCESS(rte_dmamap_mempool_map(dev->dmamap_id, mp,
		RTE_DMAMAP_BIDIRECTIONAL, &region), "premap");
	TEST_ASSERT(!region.direct, "behind the IOMMU the region is translated");
	iova = region.iova + RTE_PTR_DIFF(obj, region.va);
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, iova, got, 16), "device read");
	TEST_ASSERT_EQUAL(memcmp(got, "two-step object", 16), 0, "device sees the object");
	TEST_ASSERT_SUCCESS(rte_dmamap_region_unmap(dev->dmamap_id, &region,
		RTE_DMAMAP_BIDIRECTIONAL), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(rte_bus_emu_domain("ts0")),
		"flush");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, iova, got, 16), -EFAULT,
		"reachable after unmap and flush");
	rte_mempool_put(mp, obj);
	rte_mempool_free(mp);
	return TEST_SUCCESS;
}

/*
 * Secondary process.
 */

struct sec_info {
	char name[RTE_DEV_NAME_MAX_LEN];
	rte_iova_t iova;
	uint8_t pattern[64];
};

static int
test_secondary(void)
{
	struct rte_emu_device *dev = dev_add("emu:x0,type=test,iommu=lazy,coherent=0");
	const struct rte_memzone *mz = buf_zone(SEC_MZ, sizeof(struct sec_info), 64);
	uint8_t *buf = buf_get();
	struct sec_info *si;
	int ret;

	TEST_ASSERT(dev != NULL && mz != NULL && buf != NULL, "setup");
	si = mz->addr;
	snprintf(si->name, sizeof(si->name), "x0");
	fill(si->pattern, sizeof(si->pattern), 42);
	memcpy(buf, si->pattern, sizeof(si->pattern));
	si->iova = rte_dmamap_map_single(dev->dmamap_id, buf, PAGE_4K,
		RTE_DMAMAP_BIDIRECTIONAL);
	TEST_ASSERT(si->iova != RTE_BAD_IOVA, "map");
	ret = test_run_secondary("bus_emu_secondary");
	TEST_ASSERT_EQUAL(ret, 0, "secondary process failed");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(dev->dmamap_id, si->iova,
		PAGE_4K, RTE_DMAMAP_BIDIRECTIONAL), "sync");
	TEST_ASSERT_EQUAL(memcmp(buf + 64, "secondary", 10), 0,
		"secondary's DMA write not seen");
	TEST_ASSERT_EQUAL(faults_of("x0", RTE_BUS_EMU_FAULT_APERTURE), 1,
		"secondary's fault not in the shared log");
	return TEST_SUCCESS;
}

/* Run in the secondary: the device, its IOMMU and its shadow are shared. */
static int
secondary_main(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(SEC_MZ);
	struct rte_emu_device *dev;
	const struct sec_info *si;
	uint8_t b[64];

	TEST_ASSERT(rte_eal_process_type() == RTE_PROC_SECONDARY, "not secondary");
	TEST_ASSERT_NOT_NULL(mz, "no info from the primary");
	si = mz->addr;
	dev = rte_emu_device_get(si->name);
	TEST_ASSERT_NOT_NULL(dev, "device %s not found", si->name);
	TEST_ASSERT(rte_dmamap_is_valid(dev->dmamap_id), "no dmamap context");
	TEST_ASSERT_SUCCESS(rte_emu_dma_read(dev, si->iova, b, sizeof(b)), "read");
	TEST_ASSERT_EQUAL(memcmp(b, si->pattern, sizeof(b)), 0, "data");
	TEST_ASSERT_SUCCESS(rte_emu_dma_write(dev, si->iova + 64, "secondary", 10),
		"write");
	TEST_ASSERT_EQUAL(rte_emu_dma_read(dev, UINT64_C(1) << 50, b, 8), -EFAULT,
		"fault");
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	remove_all();
	rte_memzone_free(rte_memzone_lookup(BUF_MZ));
	rte_memzone_free(rte_memzone_lookup(SEC_MZ));
}

static struct unit_test_suite bus_emu_suite = {
	.suite_name = "emu bus",
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE_ST(NULL, remove_all, test_devargs_errors),
		TEST_CASE_ST(NULL, remove_all, test_devargs_bad_names),
		TEST_CASE_ST(NULL, remove_all, test_probe_remove),
		TEST_CASE_ST(NULL, remove_all, test_probe_defaults),
		TEST_CASE_ST(NULL, remove_all, test_driver_args),
		TEST_CASE_ST(NULL, remove_all, test_duplicate_name),
		TEST_CASE_ST(NULL, remove_all, test_others_unaffected),
		TEST_CASE_ST(NULL, remove_all, test_groups),
		TEST_CASE_ST(NULL, remove_all, test_iommu_class),
		TEST_CASE_ST(NULL, remove_all, test_pt_page_sizes),
		TEST_CASE_ST(NULL, remove_all, test_pt_alignment_limits_leaves),
		TEST_CASE_ST(NULL, remove_all, test_pt_boundaries),
		TEST_CASE_ST(NULL, remove_all, test_pt_split),
		TEST_CASE_ST(NULL, remove_all, test_pt_errors),
		TEST_CASE_ST(NULL, remove_all, test_pt_pool_exhausted),
		TEST_CASE_ST(NULL, remove_all, test_pt_split_last_page),
		TEST_CASE_ST(NULL, remove_all, test_pt_split_1g_two_ends),
		TEST_CASE_ST(NULL, remove_all, test_permissions),
		TEST_CASE_ST(NULL, remove_all, test_fault_reasons),
		TEST_CASE_ST(NULL, remove_all, test_fault_aperture_64bit),
		TEST_CASE_ST(NULL, remove_all, test_fault_touches_nothing),
		TEST_CASE_ST(NULL, remove_all, test_fault_log),
		TEST_CASE_ST(NULL, remove_all, test_fault_api_errors),
		TEST_CASE_ST(NULL, remove_all, test_iotlb_hit_miss_flush),
		TEST_CASE_ST(NULL, remove_all, test_iotlb_stale_until_flush),
		TEST_CASE_ST(NULL, remove_all, test_iotlb_eviction),
		TEST_CASE_ST(NULL, remove_all, test_iotlb_remap_after_flush),
		TEST_CASE_ST(NULL, remove_all, test_translate_bulk_err),
		TEST_CASE_ST(NULL, remove_all, test_strict_never_stale),
		TEST_CASE_ST(NULL, remove_all, test_lazy_stale_until_flush),
		TEST_CASE_ST(NULL, remove_all, test_engine_direct),
		TEST_CASE_ST(NULL, remove_all, test_engine_mask_direct),
		TEST_CASE_ST(NULL, remove_all, test_engine_across_pages),
		TEST_CASE_ST(NULL, remove_all, test_engine_across_mappings),
		TEST_CASE_ST(NULL, remove_all, test_engine_bypass_window),
		TEST_CASE_ST(NULL, remove_all, test_engine_bypass_force),
		TEST_CASE_ST(NULL, remove_all, test_dev_dma_map),
		TEST_CASE_ST(NULL, remove_all, test_noncoherent_missing_sync_for_device),
		TEST_CASE_ST(NULL, remove_all, test_noncoherent_missing_sync_for_cpu),
		TEST_CASE_ST(NULL, remove_all, test_noncoherent_coherent_alloc),
		TEST_CASE_ST(NULL, remove_all, test_misuse_dma_after_unmap),
		TEST_CASE_ST(NULL, remove_all, test_two_step_on_emu_iommu),
		TEST_CASE_ST(NULL, remove_all, test_secondary),
		TEST_CASES_END()
	},
};

static int
test_bus_emu(void)
{
	return unit_test_suite_runner(&bus_emu_suite);
}

REGISTER_TEST_COMMAND(bus_emu_autotest, test_bus_emu);
REGISTER_TEST_COMMAND(bus_emu_secondary, secondary_main);
