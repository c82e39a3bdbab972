/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Multi-process: the primary attaches devices and maps memory; a secondary
 * finds the devices by name and maps, translates and counts through the
 * same state.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_dmamap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"

#define MP_MZ "dmamap_mp_test"
#define MP_LEN 2048

struct mp_shared {
	uint8_t *buf;
	rte_iova_t buf_iova;
	rte_iova_t bounce_iova; /* a live bounce mapping of buf for dev32 */
};

static rte_iova_t short_mask;

static int
mp_attach(const char *name, unsigned int bits)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.bounce_size = 256 << 10,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

static int
mp_secondary_checks(struct mp_shared *sh)
{
	int id64 = rte_dmamap_get_dev_id("mp64"), id32 = rte_dmamap_get_dev_id("mp32");
	struct rte_dmamap_stats stats;
	rte_iova_t iova;

	TEST_ASSERT(id64 >= 0 && id32 >= 0, "devices not found: %d %d", id64, id32);
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(sh->buf), sh->buf_iova, "translation");
	TEST_ASSERT_EQUAL(rte_dmamap_iova2virt(sh->buf_iova), sh->buf, "reverse");
	iova = rte_dmamap_map_single(id64, sh->buf, MP_LEN, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, sh->buf_iova, "direct map in the secondary");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id64, iova, MP_LEN,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(id64, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.maps, 2, "the primary's and this map");
	TEST_ASSERT_EQUAL(rte_dmamap_attach(test_device("mp_sec"), NULL),
		-E_RTE_SECONDARY, "attach from a secondary");
	if (sh->bounce_iova == 0)
		return TEST_SUCCESS;
	/* The primary's bounce mapping: the secondary copies it back. */
	memset(rte_dmamap_iova2virt(sh->bounce_iova), 0x77, MP_LEN);
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(id32, sh->bounce_iova, MP_LEN,
		RTE_DMAMAP_BIDIRECTIONAL), "sync of the primary's bounce mapping");
	TEST_ASSERT_EQUAL(sh->buf[7], 0x77, "bounce copy-out in the secondary");
	return TEST_SUCCESS;
}

static int
test_dmamap_mp_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MP_MZ);

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of dmamap_mp_autotest");
	TEST_ASSERT_NOT_NULL(mz, "primary's memzone not found");
	return mp_secondary_checks(mz->addr);
}

REGISTER_TEST_COMMAND(dmamap_mp_secondary_autotest, test_dmamap_mp_secondary);

static int
mp_primary(struct mp_shared *sh, int16_t id64, int16_t id32)
{
	int ret;

	sh->buf_iova = rte_dmamap_map_single(id64, sh->buf, MP_LEN,
		RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(sh->buf_iova, rte_mem_virt2iova(sh->buf), "direct map");
	if (sh->buf_iova + MP_LEN - 1 > short_mask) {
		sh->bounce_iova = rte_dmamap_map_single(id32, sh->buf, MP_LEN,
			RTE_DMAMAP_BIDIRECTIONAL);
		TEST_ASSERT_NOT_EQUAL(sh->bounce_iova, RTE_BAD_IOVA, "bounce map");
	} else {
		printf("buffer under the short mask: no bounce case\n");
	}
	ret = test_run_secondary("dmamap_mp_secondary_autotest");
	TEST_ASSERT_EQUAL(ret, 0, "secondary process failed");
	if (sh->bounce_iova != 0)
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id32, sh->bounce_iova,
			MP_LEN, RTE_DMAMAP_BIDIRECTIONAL), "unmap the bounce mapping");
	return TEST_SUCCESS;
}

static int
test_dmamap_mp(void)
{
	const struct rte_memzone *mz, *buf_mz;
	int16_t id64, id32;
	unsigned int bits;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("the primary part");
	if (!rte_eal_has_hugepages())
		TEST_SKIP("no secondary process without hugepages (--no-huge)");
	mz = rte_memzone_reserve(MP_MZ, sizeof(struct mp_shared), SOCKET_ID_ANY, 0);
	buf_mz = rte_memzone_reserve_aligned("dmamap_mp_buf", MP_LEN, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, 4096);
	TEST_ASSERT(mz != NULL && buf_mz != NULL, "memzones");
	memset(mz->addr, 0, sizeof(struct mp_shared));
	((struct mp_shared *)mz->addr)->buf = buf_mz->addr;
	id64 = mp_attach("mp64", 64);
	id32 = test_attach_short_mask("mp32", 256 << 10, &bits);
	short_mask = (UINT64_C(1) << bits) - 1;
	TEST_ASSERT(id64 >= 0 && id32 >= 0, "attach: %d %d", id64, id32);
	ret = mp_primary(mz->addr, id64, id32);
	rte_dmamap_detach(id64);
	rte_dmamap_detach(id32);
	rte_memzone_free(buf_mz);
	rte_memzone_free(mz);
	return ret;
}

REGISTER_TEST_COMMAND(dmamap_mp_autotest, test_dmamap_mp);
