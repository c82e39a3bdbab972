/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_memzone.h>

#include "test.h"

static int16_t dev64 = -1, dev32 = -1;
/* The device with a short mask: 32 bits, or as few above as this machine
 * can place a bounce pool under (IOVA-PA mode needs low physical pages).
 */
static rte_iova_t short_mask;

static int
attach(const char *name, unsigned int bits, uint32_t flags)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.flags = flags,
		.bounce_size = 64 << 10,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

static int
alloc_setup(void)
{
	unsigned int short_bits;

	dev64 = attach("alloc64", 64, 0);
	dev32 = test_attach_short_mask("alloc32", 64 << 10, &short_bits);
	short_mask = (UINT64_C(1) << short_bits) - 1;
	if (dev64 < 0 || dev32 < 0) {
		printf("attach: %d %d\n", dev64, dev32);
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

static void
alloc_teardown(void)
{
	rte_dmamap_detach(dev64);
	rte_dmamap_detach(dev32);
}

static int
test_coherent_direct(void)
{
	rte_iova_t iova = 0;
	uint8_t *va;

	va = rte_dmamap_alloc_coherent(dev64, 10000, &iova);
	TEST_ASSERT_NOT_NULL(va, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(iova, rte_dmamap_virt2iova(va), "device IOVA is EAL's");
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + 9999), iova + 9999,
		"IOVA-contiguous");
	memset(va, 0x5a, 10000);
	return rte_dmamap_free_coherent(dev64, 10000, va, iova);
}

static int
test_coherent_under_short_mask(void)
{
	size_t sizes[] = { 64, 4096, 100000, 1 << 20 };
	rte_iova_t iova;
	unsigned int i;
	void *va;

	for (i = 0; i < RTE_DIM(sizes); i++) {
		va = rte_dmamap_alloc_coherent(dev32, sizes[i], &iova);
		TEST_ASSERT_NOT_NULL(va, "size %zu: %s", sizes[i],
			rte_strerror(rte_errno));
		TEST_ASSERT(iova + sizes[i] - 1 <= short_mask,
			"size %zu at IOVA 0x%" PRIx64 " beyond the mask", sizes[i], iova);
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va), iova, "table agrees");
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(RTE_PTR_ADD(va, sizes[i] - 1)),
			iova + sizes[i] - 1, "IOVA-contiguous");
		memset(va, 0, sizes[i]);
		TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(dev32, sizes[i], va, iova),
			"free size %zu", sizes[i]);
	}
	return TEST_SUCCESS;
}

static int
test_noncoherent(void)
{
	int16_t id = attach("alloc_nc", 64, RTE_DMAMAP_F_NONCOHERENT);
	rte_iova_t iova;
	void *va;

	TEST_ASSERT(id >= 0, "attach: %d", id);
	va = rte_dmamap_alloc_noncoherent(id, 4096, &iova, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_NOT_NULL(va, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_dmamap_need_sync(id, iova), "non-coherent memory needs sync");
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(id, iova, 4096,
		RTE_DMAMAP_FROM_DEVICE), "sync_for_cpu");
	TEST_ASSERT_SUCCESS(rte_dmamap_free_noncoherent(id, 4096, va, iova,
		RTE_DMAMAP_FROM_DEVICE), "free");
	return rte_dmamap_detach(id);
}

static int
test_bad_alloc_arguments(void)
{
	rte_iova_t iova;

	rte_errno = 0;
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(dev64, 0, &iova), "size 0");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "size 0 errno");
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(dev64, 64, NULL), "NULL iova");
	TEST_ASSERT_NULL(rte_dmamap_alloc_noncoherent(dev64, 64, &iova, 4), "bad dir");
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(-1, 64, &iova), "bad id");
	TEST_ASSERT_NULL(rte_dmamap_alloc_coherent(dev64, SIZE_MAX, &iova), "SIZE_MAX");
	return TEST_SUCCESS;
}

static int
test_bad_free_leaves_allocation(void)
{
	rte_iova_t iova;
	int dummy;
	void *va;

	va = rte_dmamap_alloc_coherent(dev64, 4096, &iova);
	TEST_ASSERT_NOT_NULL(va, "alloc");
	TEST_ASSERT_EQUAL(rte_dmamap_free_coherent(dev64, 4096, &dummy, iova), -EINVAL,
		"free of unknown memory");
	TEST_ASSERT_EQUAL(rte_dmamap_free_coherent(dev64, 2048, va, iova), -EINVAL,
		"free with another size");
	TEST_ASSERT_EQUAL(rte_dmamap_free_coherent(dev64, 4096, va, iova + 64), -EINVAL,
		"free with another IOVA");
	TEST_ASSERT_EQUAL(rte_dmamap_free_noncoherent(dev64, 4096, va, iova,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "coherent memory freed as non-coherent");
	TEST_ASSERT_EQUAL(rte_dmamap_free_coherent(dev32, 4096, va, iova), -EINVAL,
		"free through another device");
	TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(dev64, 4096, va, iova),
		"the right free still works");
	TEST_ASSERT_EQUAL(rte_dmamap_free_coherent(dev64, 4096, va, iova), -EINVAL,
		"double free");
	return TEST_SUCCESS;
}

static int
test_detach_frees_allocations(void)
{
	unsigned int before = test_memzone_count();
	int16_t id = attach("alloc_leak", 64, 0);
	rte_iova_t iova;

	TEST_ASSERT(id >= 0, "attach: %d", id);
	TEST_ASSERT_NOT_NULL(rte_dmamap_alloc_coherent(id, 8192, &iova), "alloc");
	TEST_ASSERT_NOT_NULL(rte_dmamap_alloc_noncoherent(id, 8192, &iova,
		RTE_DMAMAP_TO_DEVICE), "alloc");
	TEST_ASSERT(test_memzone_count() > before, "allocations take memzones");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(id), "detach");
	TEST_ASSERT_EQUAL(test_memzone_count(), before, "detach released every allocation");
	return TEST_SUCCESS;
}

static struct unit_test_suite alloc_suite = {
	.suite_name = "dmamap allocation",
	.setup = alloc_setup,
	.teardown = alloc_teardown,
	.unit_test_cases = {
		TEST_CASE(test_coherent_direct),
		TEST_CASE(test_coherent_under_short_mask),
		TEST_CASE(test_noncoherent),
		TEST_CASE(test_bad_alloc_arguments),
		TEST_CASE(test_bad_free_leaves_allocation),
		TEST_CASE(test_detach_frees_allocations),
		TEST_CASES_END()
	}
};

static int
test_dmamap_alloc(void)
{
	return unit_test_suite_runner(&alloc_suite);
}

REGISTER_TEST_COMMAND(dmamap_alloc_autotest, test_dmamap_alloc);
