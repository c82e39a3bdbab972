/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"

#define BUF_SIZE 8192

static int16_t dev64 = -1, dev32 = -1;
/* The device with a short mask: 32 bits, or as few above as this machine
 * can place a bounce pool under (IOVA-PA mode needs low physical pages).
 */
static rte_iova_t short_mask;
static const struct rte_memzone *buf_mz;
static uint8_t *buf;

static int
attach(const char *name, unsigned int bits, uint32_t flags, size_t bounce_size)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.flags = flags,
		.bounce_size = bounce_size,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

/*
 * The test buffer: IOVA-contiguous (so the direct path serves it in IOVA-PA
 * mode too) and, where this machine has such memory, beyond the short mask,
 * so the short-mask device must bounce it. In IOVA-PA mode that depends on
 * where the hugepages are: try a few and keep the highest.
 */
static const struct rte_memzone *
reserve_above(rte_iova_t mask)
{
	const struct rte_memzone *mz[32], *best = NULL;
	char name[32];
	unsigned int i, n;

	for (n = 0; n < RTE_DIM(mz); n++) {
		snprintf(name, sizeof(name), "stream_buf%u", n);
		mz[n] = rte_memzone_reserve_aligned(name, 2 << 20, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG | RTE_MEMZONE_2MB, 2 << 20);
		if (mz[n] == NULL)
			mz[n] = rte_memzone_reserve_aligned(name, BUF_SIZE,
				SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 4096);
		if (mz[n] == NULL)
			break;
		if (best == NULL || mz[n]->iova > best->iova)
			best = mz[n];
		if (best->iova > mask)
			break;
	}
	for (i = 0; i < n && i < RTE_DIM(mz); i++)
		if (mz[i] != best)
			rte_memzone_free(mz[i]);
	return best;
}

static int
stream_setup(void)
{
	unsigned int short_bits;

	dev64 = attach("stream64", 64, 0, 0);
	dev32 = test_attach_short_mask("stream32", 256 << 10, &short_bits);
	short_mask = (UINT64_C(1) << short_bits) - 1;
	buf_mz = reserve_above(short_mask);
	buf = buf_mz != NULL ? buf_mz->addr : NULL;
	if (buf == NULL || dev64 < 0 || dev32 < 0) {
		printf("setup: buf %p dev64 %d dev32 %d\n", buf, dev64, dev32);
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
stream_teardown(void)
{
	rte_dmamap_detach(dev64);
	rte_dmamap_detach(dev32);
	rte_memzone_free(buf_mz);
}

static int
test_direct_is_eal_iova(void)
{
	size_t lens[] = { 1, 64, 2048, 4096, BUF_SIZE - 100 };
	unsigned int i;
	rte_iova_t iova;

	for (i = 0; i < RTE_DIM(lens); i++) {
		iova = rte_dmamap_map_single(dev64, buf + 50, lens[i],
			RTE_DMAMAP_BIDIRECTIONAL);
		TEST_ASSERT_EQUAL(iova, rte_mem_virt2iova(buf + 50), "len %zu", lens[i]);
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev64, iova, lens[i],
			RTE_DMAMAP_BIDIRECTIONAL), "unmap len %zu", lens[i]);
	}
	TEST_ASSERT(!rte_dmamap_need_unmap(dev64), "coherent direct device needs unmap");
	TEST_ASSERT(!rte_dmamap_need_sync(dev64, rte_mem_virt2iova(buf)),
		"coherent direct device needs sync");
	return TEST_SUCCESS;
}

static int
test_bad_arguments(void)
{
	uint8_t stack[64];

	rte_errno = 0;
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(dev64, NULL, 64, RTE_DMAMAP_TO_DEVICE),
		RTE_BAD_IOVA, "NULL va");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "NULL va errno");
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(dev64, buf, 0, RTE_DMAMAP_TO_DEVICE),
		RTE_BAD_IOVA, "len 0");
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(dev64, buf, 64, 3), RTE_BAD_IOVA,
		"direction 3");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "direction errno");
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(dev64, stack, sizeof(stack),
		RTE_DMAMAP_TO_DEVICE), RTE_BAD_IOVA, "stack memory");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "stack memory errno");
	TEST_ASSERT(rte_dmamap_mapping_error(dev64, RTE_BAD_IOVA), "mapping_error");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev64, 0x1000, 0, RTE_DMAMAP_TO_DEVICE),
		-EINVAL, "unmap len 0");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev64, 0x1000, 64, 5), -EINVAL,
		"unmap direction 5");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_cpu(dev64, 0x1000, 0,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "sync len 0");
	return TEST_SUCCESS;
}

/* The device's view of a mapping: the memory at its IOVA. */
static uint8_t *
device_view(rte_iova_t iova)
{
	return rte_dmamap_iova2virt(iova);
}

static int
skip_unless_beyond_short_mask(void)
{
	if (rte_mem_virt2iova(buf) + BUF_SIZE <= short_mask) {
		printf("buffer IOVA 0x%" PRIx64 " is under the short mask 0x%"
			PRIx64 ": reached directly\n", rte_mem_virt2iova(buf),
			short_mask);
		return TEST_SKIPPED;
	}
	return TEST_SUCCESS;
}

static int
test_bounce_to_device(void)
{
	rte_iova_t iova;

	if (skip_unless_beyond_short_mask() != TEST_SUCCESS)
		TEST_SKIP("no memory beyond the mask");
	memset(buf, 0xaa, 2048);
	iova = rte_dmamap_map_single(dev32, buf, 2048, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT(iova + 2047 <= short_mask, "IOVA 0x%" PRIx64 " beyond mask", iova);
	TEST_ASSERT_EQUAL(device_view(iova)[100], 0xaa, "map copies in");
	memset(buf, 0xbb, 2048);
	TEST_ASSERT_EQUAL(device_view(iova)[100], 0xaa, "device sees CPU write early");
	TEST_ASSERT(rte_dmamap_need_sync(dev32, iova), "bounce needs sync");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_device(dev32, iova, 2048,
		RTE_DMAMAP_TO_DEVICE), "sync_for_device");
	TEST_ASSERT_EQUAL(device_view(iova)[100], 0xbb, "sync_for_device copies in");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev32, iova, 2048,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	return TEST_SUCCESS;
}

static int
test_bounce_from_device(void)
{
	struct rte_dmamap_stats stats;
	rte_iova_t iova;

	if (skip_unless_beyond_short_mask() != TEST_SUCCESS)
		TEST_SKIP("no memory beyond the mask");
	rte_dmamap_stats_reset(dev32);
	memset(buf, 0, 4096);
	iova = rte_dmamap_map_single(dev32, buf, 4096, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map: %s", rte_strerror(rte_errno));
	memset(device_view(iova), 0xcc, 4096);
	TEST_ASSERT_EQUAL(buf[4000], 0, "CPU sees device write before sync");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(dev32, iova, 4096,
		RTE_DMAMAP_FROM_DEVICE), "sync_for_cpu");
	TEST_ASSERT_EQUAL(buf[4000], 0xcc, "sync_for_cpu copies out");
	memset(device_view(iova), 0xdd, 4096);
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev32, iova, 4096,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(buf[10], 0xdd, "unmap copies out");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(dev32, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.bounced, 1, "bounced");
	TEST_ASSERT_EQUAL(stats.bounce_bytes, 4096, "bounce_bytes");
	return TEST_SUCCESS;
}

static int
test_bounce_exhaustion(void)
{
	rte_iova_t iova[256];
	unsigned int n, i;

	if (skip_unless_beyond_short_mask() != TEST_SUCCESS)
		TEST_SKIP("no memory beyond the mask");
	for (n = 0; n < RTE_DIM(iova); n++) {
		iova[n] = rte_dmamap_map_single(dev32, buf, 2048, RTE_DMAMAP_TO_DEVICE);
		if (iova[n] == RTE_BAD_IOVA)
			break;
	}
	TEST_ASSERT(n < RTE_DIM(iova), "a 256 KiB pool took %u maps of 2 KiB", n);
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "exhaustion errno");
	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev32, iova[i], 2048,
			RTE_DMAMAP_TO_DEVICE), "unmap %u", i);
	iova[0] = rte_dmamap_map_single(dev32, buf, 2048, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova[0], RTE_BAD_IOVA, "map after the pool drained");
	return rte_dmamap_unmap_single(dev32, iova[0], 2048, RTE_DMAMAP_TO_DEVICE);
}

static int
test_unmap_of_unknown_iova(void)
{
	struct rte_dmamap_info info;

	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev32, &info), "info");
	/* Beyond the mask, and the device has no domain: never mapped. */
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev32, UINT64_C(1) << 40, 64,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "unmap beyond the mask");
	/* Inside the bounce pool but not a live mapping. */
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev32, info.bounce_iova + 4096, 64,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "unmap of a free bounce slot");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_cpu(dev32, info.bounce_iova + 4096, 64,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "sync of a free bounce slot");
	return TEST_SUCCESS;
}

static int
test_sg_merges_contiguous(void)
{
	struct rte_dmamap_sge sg[4];
	unsigned int i;
	int n;

	for (i = 0; i < RTE_DIM(sg); i++) {
		sg[i].va = buf + i * 512;
		sg[i].len = 512;
	}
	n = rte_dmamap_map_sg(dev64, sg, RTE_DIM(sg), RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(n, 1, "4 adjacent segments");
	TEST_ASSERT_EQUAL(sg[0].dma_len, 2048, "merged length");
	TEST_ASSERT_EQUAL(sg[0].iova, rte_mem_virt2iova(buf), "first IOVA");
	TEST_ASSERT_EQUAL(sg[3].dma_len, 0, "merged segment length");
	TEST_ASSERT_EQUAL(sg[3].iova, rte_mem_virt2iova(buf + 1536), "own IOVA");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_sg(dev64, sg, RTE_DIM(sg),
		RTE_DMAMAP_TO_DEVICE), "unmap_sg");
	sg[1].va = buf + 4096;
	n = rte_dmamap_map_sg(dev64, sg, 2, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(n, 2, "2 separate segments");
	return rte_dmamap_unmap_sg(dev64, sg, 2, RTE_DMAMAP_TO_DEVICE);
}

static int
test_sg_bad_arguments(void)
{
	struct rte_dmamap_sge sg[2] = {
		{ .va = NULL, .len = 64 },
		{ .va = NULL, .len = 64 },
	};
	uint8_t stack[64];

	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev64, NULL, 1, RTE_DMAMAP_TO_DEVICE),
		-EINVAL, "NULL list");
	sg[0].va = buf;
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev64, sg, 0, RTE_DMAMAP_TO_DEVICE),
		-EINVAL, "no entries");
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev64, sg, 2, RTE_DMAMAP_TO_DEVICE),
		-EINVAL, "NULL second segment");
	sg[1].va = stack;
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev64, sg, 2, RTE_DMAMAP_TO_DEVICE),
		-ENOENT, "stack segment");
	return TEST_SUCCESS;
}

static int
test_sg_bounce_rolls_back(void)
{
	struct rte_dmamap_sge sg[64];
	struct rte_dmamap_info info;
	unsigned int i;

	if (skip_unless_beyond_short_mask() != TEST_SUCCESS)
		TEST_SKIP("no memory beyond the mask");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev32, &info), "info");
	/* 64 x 8 KiB = 512 KiB: more than the 256 KiB pool. */
	for (i = 0; i < RTE_DIM(sg); i++) {
		sg[i].va = buf;
		sg[i].len = BUF_SIZE;
	}
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev32, sg, RTE_DIM(sg),
		RTE_DMAMAP_TO_DEVICE), -ENOSPC, "list larger than the pool");
	sg[0].len = 2048;
	TEST_ASSERT_EQUAL(rte_dmamap_map_sg(dev32, sg, 1, RTE_DMAMAP_TO_DEVICE), 1,
		"pool usable after the refused list");
	TEST_ASSERT(sg[0].iova - info.bounce_iova < info.bounce_size, "bounced");
	return rte_dmamap_unmap_sg(dev32, sg, 1, RTE_DMAMAP_TO_DEVICE);
}

/* Pages whose IOVAs are out of order in the middle: a buffer over all three
 * is not IOVA-contiguous even though its last byte follows its first.
 */
static int
test_noncontiguous_middle_page(void)
{
	const size_t pg = 4096;
	uint8_t *ext = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rte_iova_t base = UINT64_C(0x7000000000);
	rte_iova_t iovas[3] = { base, base + 5 * pg, base + 2 * pg };
	rte_iova_t iova;

	TEST_ASSERT(ext != MAP_FAILED, "mmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_register(ext, 3 * pg, iovas, 3, pg),
		"register");
	rte_errno = 0;
	iova = rte_dmamap_map_single(dev64, ext + 100, 2 * pg + 100,
		RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, RTE_BAD_IOVA, "mapped at 0x%" PRIx64, iova);
	TEST_ASSERT_EQUAL(rte_errno, ERANGE, "no way to reach it");
	iova = rte_dmamap_map_single(dev64, ext + pg - 10, 20, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, RTE_BAD_IOVA, "two pages not contiguous");
	iova = rte_dmamap_map_single(dev64, ext + 2 * pg + 8, 64, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, base + 2 * pg + 8, "one page maps directly");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev64, iova, 64,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_extmem_unregister(ext, 3 * pg), "unregister");
	munmap(ext, 3 * pg);
	return TEST_SUCCESS;
}

static int
test_noncoherent_needs_sync(void)
{
	int16_t id = attach("stream_nc", 64, RTE_DMAMAP_F_NONCOHERENT, 0);
	rte_iova_t iova;

	TEST_ASSERT(id >= 0, "attach: %d", id);
	iova = rte_dmamap_map_single(id, buf, 2048, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_EQUAL(iova, rte_mem_virt2iova(buf), "direct IOVA");
	TEST_ASSERT(rte_dmamap_need_sync(id, iova), "non-coherent needs sync");
	TEST_ASSERT(rte_dmamap_need_unmap(id), "non-coherent needs unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(id, iova, 2048,
		RTE_DMAMAP_FROM_DEVICE), "sync_for_cpu");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id, iova, 2048,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	return rte_dmamap_detach(id);
}

static struct unit_test_suite stream_suite = {
	.suite_name = "dmamap streaming mappings",
	.setup = stream_setup,
	.teardown = stream_teardown,
	.unit_test_cases = {
		TEST_CASE(test_direct_is_eal_iova),
		TEST_CASE(test_bad_arguments),
		TEST_CASE(test_bounce_to_device),
		TEST_CASE(test_bounce_from_device),
		TEST_CASE(test_bounce_exhaustion),
		TEST_CASE(test_unmap_of_unknown_iova),
		TEST_CASE(test_sg_merges_contiguous),
		TEST_CASE(test_sg_bad_arguments),
		TEST_CASE(test_sg_bounce_rolls_back),
		TEST_CASE(test_noncontiguous_middle_page),
		TEST_CASE(test_noncoherent_needs_sync),
		TEST_CASES_END()
	}
};

static int
test_dmamap_stream(void)
{
	return unit_test_suite_runner(&stream_suite);
}

REGISTER_TEST_COMMAND(dmamap_stream_autotest, test_dmamap_stream);
