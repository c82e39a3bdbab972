/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_dmamap.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "test.h"

static int16_t dev_id = -1;

static struct rte_dmamap_conf
conf_of(unsigned int bits)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.socket_id = SOCKET_ID_ANY,
	};

	return conf;
}

static void
detach_all(void)
{
	int16_t i;

	for (i = 0; i < RTE_DMAMAP_MAX_DEVS; i++)
		if (rte_dmamap_is_valid(i))
			rte_dmamap_detach(i);
	dev_id = -1;
}

static int
test_attach_detach(void)
{
	struct rte_dmamap_conf conf = conf_of(64);
	struct rte_dmamap_info info;

	dev_id = rte_dmamap_attach(test_device("dev_a"), &conf);
	TEST_ASSERT(dev_id >= 0, "attach failed: %d", dev_id);
	TEST_ASSERT(rte_dmamap_is_valid(dev_id), "id not valid after attach");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 1, "count");
	TEST_ASSERT_EQUAL(rte_dmamap_get_dev_id("dev_a"), dev_id, "lookup by name");
	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev_id, &info), "info");
	TEST_ASSERT_EQUAL(info.mask, UINT64_MAX, "64-bit mask");
	TEST_ASSERT_EQUAL(info.direct_limit, UINT64_MAX, "no domain: direct to the mask");
	TEST_ASSERT(strcmp(info.name, "dev_a") == 0, "name %s", info.name);
	TEST_ASSERT_EQUAL(info.bounce_size, 0, "64-bit device needs no bounce pool");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(dev_id), "detach");
	TEST_ASSERT(!rte_dmamap_is_valid(dev_id), "id still valid after detach");
	TEST_ASSERT_EQUAL(rte_dmamap_get_dev_id("dev_a"), -ENODEV, "lookup after detach");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 0, "count after detach");
	return TEST_SUCCESS;
}

static int
test_attach_bad_config(void)
{
	struct rte_dmamap_conf conf = conf_of(64);
	struct rte_device *dev = test_device("dev_bad");

	TEST_ASSERT_EQUAL(rte_dmamap_attach(NULL, &conf), -EINVAL, "NULL device");
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, NULL), -EINVAL, "NULL conf");
	conf.mask_bits = 11;
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "11-bit mask");
	conf.mask_bits = 65;
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "65-bit mask");
	conf = conf_of(64);
	conf.flags = RTE_BIT32(31);
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "unknown flag");
	conf = conf_of(64);
	conf.bypass = RTE_DMAMAP_BYPASS_NEVER;
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "never without domain");
	conf = conf_of(64);
	conf.bypass = 7;
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "unknown bypass");
	conf = conf_of(64);
	conf.cache_ops = "no_such_ops";
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EINVAL, "unknown cache ops");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 0, "a refused attach left a context");
	return TEST_SUCCESS;
}

static int
test_attach_twice(void)
{
	struct rte_dmamap_conf conf = conf_of(48);
	struct rte_device *dev = test_device("dev_twice");

	dev_id = rte_dmamap_attach(dev, &conf);
	TEST_ASSERT(dev_id >= 0, "attach failed: %d", dev_id);
	TEST_ASSERT_EQUAL(rte_dmamap_attach(dev, &conf), -EEXIST, "second attach");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 1, "count after refused attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(dev_id), "detach");
	TEST_ASSERT_EQUAL(rte_dmamap_detach(dev_id), -EINVAL, "second detach");
	dev_id = -1;
	return TEST_SUCCESS;
}

static int
test_attach_all_slots(void)
{
	struct rte_dmamap_conf conf = conf_of(64);
	char name[32];
	int i, ret;

	for (i = 0; i < RTE_DMAMAP_MAX_DEVS; i++) {
		snprintf(name, sizeof(name), "dev_slot%d", i);
		ret = rte_dmamap_attach(test_device(name), &conf);
		TEST_ASSERT(ret >= 0, "attach %d failed: %d", i, ret);
	}
	ret = rte_dmamap_attach(test_device("dev_one_too_many"), &conf);
	TEST_ASSERT_EQUAL(ret, -ENOSPC, "attach beyond RTE_DMAMAP_MAX_DEVS");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), RTE_DMAMAP_MAX_DEVS, "count");
	detach_all();
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 0, "count after detaching all");
	return TEST_SUCCESS;
}

static int
test_attach_refused_without_bounce_pool(void)
{
	struct rte_dmamap_conf conf = conf_of(12);

	/* Nothing can be placed under a 4 KiB mask. */
	TEST_ASSERT_EQUAL(rte_dmamap_attach(test_device("dev_12bit"), &conf), -ENOMEM,
		"12-bit device without a possible bounce pool");
	TEST_ASSERT_EQUAL(rte_dmamap_count(), 0, "a refused attach left a context");
	conf.flags = RTE_DMAMAP_F_NO_BOUNCE;
	dev_id = rte_dmamap_attach(test_device("dev_12bit"), &conf);
	TEST_ASSERT(dev_id >= 0, "12-bit device that does without bounce: %d", dev_id);
	return TEST_SUCCESS;
}

static int
test_bad_ids(void)
{
	struct rte_dmamap_stats stats;
	struct rte_dmamap_info info;
	char buf[64];

	TEST_ASSERT_EQUAL(rte_dmamap_info_get(-1, &info), -EINVAL, "info of -1");
	TEST_ASSERT_EQUAL(rte_dmamap_info_get(RTE_DMAMAP_MAX_DEVS, &info), -EINVAL,
		"info of MAX");
	TEST_ASSERT_EQUAL(rte_dmamap_stats_get(3, &stats), -EINVAL, "stats of unattached");
	TEST_ASSERT_EQUAL(rte_dmamap_stats_reset(3), -EINVAL, "reset of unattached");
	TEST_ASSERT_EQUAL(rte_dmamap_detach(-5), -EINVAL, "detach of -5");
	TEST_ASSERT_EQUAL(rte_dmamap_get_dev_id(NULL), -EINVAL, "NULL name");
	rte_errno = 0;
	TEST_ASSERT_EQUAL(rte_dmamap_map_single(9, buf, sizeof(buf),
		RTE_DMAMAP_TO_DEVICE), RTE_BAD_IOVA, "map on unattached id");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno of map on unattached id");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(-1, 0x1000, 64, RTE_DMAMAP_TO_DEVICE),
		-EINVAL, "unmap on id -1");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_cpu(70, 0x1000, 64, RTE_DMAMAP_FROM_DEVICE),
		-EINVAL, "sync on id 70");
	return TEST_SUCCESS;
}

static int
test_stats_count_and_reset(void)
{
	struct rte_dmamap_conf conf = conf_of(64);
	struct rte_dmamap_stats stats;
	void *buf = rte_malloc(NULL, 4096, 0);
	rte_iova_t iova;

	TEST_ASSERT_NOT_NULL(buf, "rte_malloc");
	dev_id = rte_dmamap_attach(test_device("dev_stats"), &conf);
	TEST_ASSERT(dev_id >= 0, "attach failed: %d", dev_id);
	iova = rte_dmamap_map_single(dev_id, buf, 2048, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_id, iova, 2048,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(dev_id, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.maps, 1, "maps");
	TEST_ASSERT_EQUAL(stats.direct, 1, "direct");
	TEST_ASSERT_EQUAL(stats.unmaps, 1, "unmaps");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_reset(dev_id), "reset");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(dev_id, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.maps + stats.unmaps + stats.direct, 0, "after reset");
	rte_free(buf);
	return TEST_SUCCESS;
}

static struct unit_test_suite dev_suite = {
	.suite_name = "dmamap device contexts",
	.unit_test_cases = {
		TEST_CASE_ST(NULL, detach_all, test_attach_detach),
		TEST_CASE_ST(NULL, detach_all, test_attach_bad_config),
		TEST_CASE_ST(NULL, detach_all, test_attach_twice),
		TEST_CASE_ST(NULL, detach_all, test_attach_all_slots),
		TEST_CASE_ST(NULL, detach_all, test_attach_refused_without_bounce_pool),
		TEST_CASE_ST(NULL, detach_all, test_bad_ids),
		TEST_CASE_ST(NULL, detach_all, test_stats_count_and_reset),
		TEST_CASES_END()
	}
};

static int
test_dmamap_dev(void)
{
	return unit_test_suite_runner(&dev_suite);
}

REGISTER_TEST_COMMAND(dmamap_dev_autotest, test_dmamap_dev);
