/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Memory under a mask and bounce pools (dmamap_lowmem.c, dmamap_bounce.c).
 *
 * The "device side" of a bounce mapping is the pool memory at the IOVA the
 * map returned, reached through the translation table as a device model
 * would; the "CPU side" is the original buffer. Each case writes one side
 * and checks what the other side holds after map, sync and unmap.
 */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dmamap_private.h"
#include "rte_dmamap.h"
#include "test.h"

/* Test hook of dmamap_lowmem.c: place memory without trying EAL memzones. */
void dmamap_lowmem_eal_disable(bool disable);

#define LM_NAME "bnc_lm"
#define POOL_NAME "bnc_pool"
#define MP_LM_NAME "bnc_mp_lm"
#define MP_POOL_NAME "bnc_mp_pool"
#define MP_LM_SIZE (6 << 20)
#define MP_MASK RTE_LEN2MASK(34, rte_iova_t)
#define POOL_SIZE (1 << 20)
#define SLOT DMAMAP_BOUNCE_SLOT
#define NB_SLOTS (POOL_SIZE / SLOT)
#define BUF_SIZE (POOL_SIZE + SLOT)

static struct dmamap_bounce_pool *pool;
static rte_iova_t pool_mask;
static uint8_t *buf;

/*
 * Helpers.
 */

static void
fill(void *p, size_t len, uint8_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* Whether p holds what fill(p, len, seed) wrote. */
static bool
filled(const void *p, size_t len, uint8_t seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

/* The seed fill() used for byte off of a buffer filled with seed. */
static uint8_t
seed_at(uint8_t seed, size_t off)
{
	return (uint8_t)(seed + off * 7);
}

/* The device's view of a bounce IOVA: the pool memory there. */
static uint8_t *
dev_side(rte_iova_t iova)
{
	return rte_dmamap_iova2virt(iova);
}

/* Files of this process's areas: <prefix>_lowmem_* in hugetlbfs or shm. */
static unsigned int
count_lowmem_files(const char *dir)
{
	const char *prefix = strrchr(rte_eal_get_runtime_dir(), '/') + 1;
	char start[128];
	struct dirent *d;
	unsigned int n = 0;
	DIR *dp;

	snprintf(start, sizeof(start), "%s_lowmem_", prefix);
	dp = opendir(dir);
	if (dp == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL)
		n += strncmp(d->d_name, start, strlen(start)) == 0;
	closedir(dp);
	return n;
}

static unsigned int
lowmem_files(void)
{
	return count_lowmem_files("/dev/hugepages") +
		count_lowmem_files("/dev/shm");
}

/*
 * Every page of the area (IOVA is contiguous inside a 4 KiB page): EAL and
 * the table agree with the area's IOVA, both directions, under the mask.
 */
static int
check_under_mask(struct dmamap_lowmem *lm, rte_iova_t mask)
{
	uint8_t *va = dmamap_lowmem_va(lm);
	rte_iova_t iova = dmamap_lowmem_iova(lm);
	size_t off, size = dmamap_lowmem_size(lm);

	TEST_ASSERT(iova + size - 1 <= mask, "area ends above the mask");
	for (off = 0; off < size; off += DMAMAP_PAGE_4K) {
		TEST_ASSERT_EQUAL(rte_mem_virt2iova(va + off), iova + off,
			"EAL IOVA at offset 0x%zx", off);
		TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + off), iova + off,
			"table IOVA at offset 0x%zx", off);
		TEST_ASSERT(rte_dmamap_iova2virt(iova + off) == va + off,
			"table VA at offset 0x%zx", off);
	}
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(va + size - 1), iova + size - 1,
		"table IOVA of the last byte");
	fill(va, size, 3);
	TEST_ASSERT(filled(va, size, 3), "area does not keep data");
	return TEST_SUCCESS;
}

/* Allocate under a mask, check, free, check nothing is left. */
static int
lowmem_cycle(rte_iova_t mask, size_t size, bool placed)
{
	unsigned int files = lowmem_files();
	struct dmamap_lowmem *lm;
	void *va;

	dmamap_lowmem_eal_disable(placed);
	lm = dmamap_lowmem_alloc(LM_NAME, mask, size, SOCKET_ID_ANY);
	dmamap_lowmem_eal_disable(false);
	if (lm == NULL && rte_errno == ENOMEM && rte_eal_iova_mode() == RTE_IOVA_PA)
		TEST_SKIP("no hugepage with a physical address under 0x%" PRIx64
			" on this machine", mask);
	TEST_ASSERT_NOT_NULL(lm, "alloc under 0x%" PRIx64 ": %s", mask,
		rte_strerror(rte_errno));
	printf("  %zu bytes under 0x%" PRIx64 ": va %p iova 0x%" PRIx64 "\n",
		size, mask, dmamap_lowmem_va(lm), dmamap_lowmem_iova(lm));
	va = dmamap_lowmem_va(lm);
	if (check_under_mask(lm, mask) != TEST_SUCCESS) {
		dmamap_lowmem_free(lm);
		return TEST_FAILED;
	}
	dmamap_lowmem_free(lm);
	TEST_ASSERT_NULL(rte_memzone_lookup(LM_NAME), "record memzone left");
	TEST_ASSERT_EQUAL(lowmem_files(), files, "file left behind");
	if (placed)
		TEST_ASSERT_NULL(rte_mem_virt2memseg_list(va), "EAL still knows it");
	return TEST_SUCCESS;
}

/*
 * Memory under a mask.
 */

static int
test_lowmem_mask32(void)
{
	return lowmem_cycle(RTE_LEN2MASK(32, rte_iova_t), 8 << 20, false);
}

static int
test_lowmem_mask33(void)
{
	return lowmem_cycle(RTE_LEN2MASK(33, rte_iova_t), 8 << 20, false);
}

static int
test_lowmem_mask34(void)
{
	return lowmem_cycle(RTE_LEN2MASK(34, rte_iova_t), 1 << 20, false);
}

/* Placed by the library itself: hugepages by physical address, or low VA. */
static int
test_lowmem_placed(void)
{
	return lowmem_cycle(RTE_LEN2MASK(34, rte_iova_t), 6 << 20, true);
}

static int
test_lowmem_placed_mask32(void)
{
	return lowmem_cycle(RTE_LEN2MASK(32, rte_iova_t), 100 << 10, true);
}

/* The area is registered with EAL as external memory while it lives. */
static int
test_lowmem_placed_external(void)
{
	const struct rte_memseg_list *msl;
	struct dmamap_lowmem *lm;

	dmamap_lowmem_eal_disable(true);
	lm = dmamap_lowmem_alloc(LM_NAME, MP_MASK, 3 << 20, SOCKET_ID_ANY);
	dmamap_lowmem_eal_disable(false);
	TEST_ASSERT_NOT_NULL(lm, "alloc: %s", rte_strerror(rte_errno));
	msl = rte_mem_virt2memseg_list(dmamap_lowmem_va(lm));
	TEST_ASSERT(msl != NULL && msl->external, "not external memory of EAL");
	TEST_ASSERT(rte_mem_iova2virt(dmamap_lowmem_iova(lm)) ==
		dmamap_lowmem_va(lm), "EAL reverse lookup");
	TEST_ASSERT_EQUAL(lowmem_files(), 1, "one file while allocated");
	TEST_ASSERT(dmamap_lowmem_lookup(LM_NAME) == lm, "lookup in the owner");
	dmamap_lowmem_free(lm);
	TEST_ASSERT_EQUAL(lowmem_files(), 0, "file removed");
	return TEST_SUCCESS;
}

/* Nothing fits under 4 MiB once the first 2 MiB are excluded. */
static int
test_lowmem_nothing_fits(void)
{
	unsigned int files = lowmem_files();
	struct dmamap_lowmem *lm;

	lm = dmamap_lowmem_alloc(LM_NAME, RTE_LEN2MASK(22, rte_iova_t),
		3 << 20, SOCKET_ID_ANY);
	TEST_ASSERT_NULL(lm, "placed 3 MiB under 4 MiB at %p",
		lm == NULL ? NULL : dmamap_lowmem_va(lm));
	TEST_ASSERT_EQUAL(rte_errno, ENOMEM, "rte_errno");
	TEST_ASSERT_NULL(rte_memzone_lookup(LM_NAME), "record memzone left");
	TEST_ASSERT_EQUAL(lowmem_files(), files, "file left behind");
	return TEST_SUCCESS;
}

static int
test_lowmem_bad_args(void)
{
	rte_iova_t m32 = RTE_LEN2MASK(32, rte_iova_t);
	struct dmamap_lowmem *lm;

	TEST_ASSERT(dmamap_lowmem_alloc(NULL, m32, 4096, -1) == NULL &&
		rte_errno == EINVAL, "NULL name");
	TEST_ASSERT(dmamap_lowmem_alloc("", m32, 4096, -1) == NULL &&
		rte_errno == EINVAL, "empty name");
	TEST_ASSERT(dmamap_lowmem_alloc("a_name_longer_than_a_memzone_name",
		m32, 4096, -1) == NULL && rte_errno == EINVAL, "long name");
	TEST_ASSERT(dmamap_lowmem_alloc(LM_NAME, m32, 0, -1) == NULL &&
		rte_errno == EINVAL, "size 0");
	TEST_ASSERT(dmamap_lowmem_alloc(LM_NAME, 1023, 512, -1) == NULL &&
		rte_errno == EINVAL, "mask below a page");
	TEST_ASSERT(dmamap_lowmem_alloc(LM_NAME, 0xfffff, 2 << 20, -1) == NULL &&
		rte_errno == EINVAL, "size beyond the mask");
	lm = dmamap_lowmem_alloc(LM_NAME, RTE_LEN2MASK(40, rte_iova_t), 4096, -1);
	TEST_ASSERT_NOT_NULL(lm, "alloc: %s", rte_strerror(rte_errno));
	TEST_ASSERT(dmamap_lowmem_alloc(LM_NAME, m32, 4096, -1) == NULL &&
		rte_errno == EEXIST, "name taken");
	dmamap_lowmem_free(lm);
	TEST_ASSERT(dmamap_lowmem_lookup(LM_NAME) == NULL && rte_errno == ENOENT,
		"lookup after free");
	return TEST_SUCCESS;
}

/*
 * Secondary process: it maps the primary's area and pool at the same
 * addresses and uses them.
 */

static int
mp_child_lowmem(void)
{
	struct dmamap_lowmem *lm = dmamap_lowmem_lookup(MP_LM_NAME);
	uint8_t *va;

	TEST_ASSERT_NOT_NULL(lm, "lookup: %s", rte_strerror(rte_errno));
	va = dmamap_lowmem_va(lm);
	TEST_ASSERT(filled(va, MP_LM_SIZE / 2, 11), "primary's data");
	if (check_under_mask(lm, MP_MASK) != TEST_SUCCESS)
		return TEST_FAILED;
	fill(va + MP_LM_SIZE / 2, MP_LM_SIZE / 2, 12);
	/* Drops this process's mapping only. */
	dmamap_lowmem_free(lm);
	TEST_ASSERT_NOT_NULL(rte_memzone_lookup(MP_LM_NAME), "freed for all");
	return TEST_SUCCESS;
}

static int
mp_child_pool(void)
{
	struct dmamap_bounce_pool *p = dmamap_bounce_lookup(MP_POOL_NAME);
	static uint8_t data[3 * SLOT];
	unsigned int used;
	rte_iova_t iova;

	TEST_ASSERT_NOT_NULL(p, "lookup: %s", rte_strerror(rte_errno));
	used = dmamap_bounce_used(p);
	TEST_ASSERT_EQUAL(used, 1, "the primary's mapping");
	fill(data, sizeof(data), 21);
	iova = dmamap_bounce_map(p, data, sizeof(data), RTE_DMAMAP_BIDIRECTIONAL);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map: %s",
		rte_strerror(rte_errno));
	TEST_ASSERT(filled(dev_side(iova), sizeof(data), 21), "copied in");
	fill(dev_side(iova), sizeof(data), 22);
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(p, iova, sizeof(data),
		RTE_DMAMAP_BIDIRECTIONAL), "unmap");
	TEST_ASSERT(filled(data, sizeof(data), 22), "copied out");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(p), used, "slots freed");
	return TEST_SUCCESS;
}

static int
test_bounce_mp_child(void)
{
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs in a secondary process of dmamap_bounce_autotest");
	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "translation tables");
	if (mp_child_lowmem() != TEST_SUCCESS || mp_child_pool() != TEST_SUCCESS)
		return TEST_FAILED;
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_bounce_mp_child, test_bounce_mp_child);

/* With the area's address taken here, the lookup must fail and say so. */
static int
test_bounce_mp_busy_child(void)
{
	const char *env = getenv("BNC_MP_VA");
	void *va, *p;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY || env == NULL)
		TEST_SKIP("runs in a secondary process of dmamap_bounce_autotest");
	va = (void *)(uintptr_t)strtoull(env, NULL, 16);
	p = mmap(va, DMAMAP_PAGE_4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		MAP_FIXED_NOREPLACE, -1, 0);
	TEST_ASSERT(p == va, "cannot take %p here", va);
	TEST_ASSERT_NULL(dmamap_lowmem_lookup(MP_LM_NAME), "mapped over %p", va);
	TEST_ASSERT_EQUAL(rte_errno, EEXIST, "rte_errno");
	munmap(p, DMAMAP_PAGE_4K);
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_bounce_mp_busy_child, test_bounce_mp_busy_child);

/* Run the child while the primary holds an area and a pool mapping. */
static int
secondary_run(struct dmamap_lowmem *lm, struct dmamap_bounce_pool *p)
{
	static uint8_t data[SLOT];
	rte_iova_t iova;
	char va[32];
	int ret;

	fill(dmamap_lowmem_va(lm), MP_LM_SIZE / 2, 11);
	iova = dmamap_bounce_map(p, data, sizeof(data), RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	ret = test_run_secondary("dmamap_bounce_mp_child");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(p, iova, sizeof(data),
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(ret, TEST_SUCCESS, "secondary process failed");
	snprintf(va, sizeof(va), "%p", dmamap_lowmem_va(lm));
	setenv("BNC_MP_VA", va, 1);
	ret = test_run_secondary("dmamap_bounce_mp_busy_child");
	unsetenv("BNC_MP_VA");
	TEST_ASSERT_EQUAL(ret, TEST_SUCCESS, "secondary with the address taken");
	TEST_ASSERT(filled((uint8_t *)dmamap_lowmem_va(lm) + MP_LM_SIZE / 2,
		MP_LM_SIZE / 2, 12), "secondary's data");
	return TEST_SUCCESS;
}

static int
test_secondary(void)
{
	struct dmamap_bounce_pool *p;
	struct dmamap_lowmem *lm;
	int ret = TEST_FAILED;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("secondary processes need hugepage memory (--no-huge)");
	dmamap_lowmem_eal_disable(true);
	lm = dmamap_lowmem_alloc(MP_LM_NAME, MP_MASK, MP_LM_SIZE, SOCKET_ID_ANY);
	p = dmamap_bounce_create(MP_POOL_NAME, pool_mask, POOL_SIZE, SOCKET_ID_ANY);
	dmamap_lowmem_eal_disable(false);
	if (lm != NULL && p != NULL)
		ret = secondary_run(lm, p);
	else
		printf("alloc: %s\n", rte_strerror(rte_errno));
	dmamap_bounce_destroy(p);
	dmamap_lowmem_free(lm);
	TEST_ASSERT_EQUAL(lowmem_files(), 0, "files left behind");
	return ret;
}

/*
 * Bounce pools.
 */

static int
pool_setup(void)
{
	pool = dmamap_bounce_create(POOL_NAME, pool_mask, POOL_SIZE,
		SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(pool, "create: %s", rte_strerror(rte_errno));
	fill(buf, BUF_SIZE, 1);
	return TEST_SUCCESS;
}

static void
pool_teardown(void)
{
	dmamap_bounce_destroy(pool);
	pool = NULL;
}

static int
test_bounce_pool_placement(void)
{
	rte_iova_t iova = dmamap_bounce_pool_iova(pool);

	TEST_ASSERT_EQUAL(dmamap_bounce_pool_size(pool), POOL_SIZE, "size");
	TEST_ASSERT(iova + POOL_SIZE - 1 <= pool_mask, "pool above the mask");
	TEST_ASSERT_NOT_NULL(dev_side(iova), "pool unknown to the table");
	TEST_ASSERT(rte_mem_iova2virt(iova) == dev_side(iova), "EAL and table");
	TEST_ASSERT(dmamap_bounce_lookup(POOL_NAME) == pool, "lookup");
	TEST_ASSERT(dmamap_bounce_lookup("bnc_none") == NULL &&
		rte_errno == ENOENT, "lookup of an unknown pool");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "new pool in use");
	return TEST_SUCCESS;
}

static int
test_bounce_map_copies_in(void)
{
	rte_iova_t iova, base = dmamap_bounce_pool_iova(pool);

	iova = dmamap_bounce_map(pool, buf, 3000, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map: %s", rte_strerror(rte_errno));
	TEST_ASSERT(iova >= base && iova + 3000 <= base + POOL_SIZE, "in the pool");
	TEST_ASSERT_EQUAL((iova - base) % SLOT, 0, "slot aligned");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 2, "slots taken");
	TEST_ASSERT(filled(dev_side(iova), 3000, 1), "device sees the buffer");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 3000,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "slots freed");
	return TEST_SUCCESS;
}

/* FROM_DEVICE maps copy in too: nothing of an earlier user shows. */
static int
test_bounce_map_from_device_copies_in(void)
{
	rte_iova_t iova;
	unsigned int i;

	for (i = 0; i < NB_SLOTS; i++)
		fill(dev_side(dmamap_bounce_pool_iova(pool) + i * SLOT), SLOT, 99);
	iova = dmamap_bounce_map(pool, buf, SLOT, RTE_DMAMAP_FROM_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	TEST_ASSERT(filled(dev_side(iova), SLOT, 1), "stale pool data visible");
	fill(dev_side(iova), SLOT, 5);
	TEST_ASSERT(filled(buf, SLOT, 1), "buffer changed before unmap");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, SLOT,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT(filled(buf, SLOT, 5), "device data not copied out");
	return TEST_SUCCESS;
}

static int
test_bounce_to_device_sync(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_TO_DEVICE;
	rte_iova_t iova = dmamap_bounce_map(pool, buf, 5000, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	fill(buf, 5000, 2);
	TEST_ASSERT(filled(dev_side(iova), 5000, 1), "copied before the sync");
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, false), "sync");
	TEST_ASSERT(filled(dev_side(iova), 5000, 2), "sync for device: no copy");
	fill(dev_side(iova), 5000, 3);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, true), "sync");
	TEST_ASSERT(filled(buf, 5000, 2), "sync for CPU copied out");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 5000, dir), "unmap");
	TEST_ASSERT(filled(buf, 5000, 2), "unmap copied out");
	return TEST_SUCCESS;
}

static int
test_bounce_from_device_sync(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_FROM_DEVICE;
	rte_iova_t iova = dmamap_bounce_map(pool, buf, 5000, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	fill(dev_side(iova), 5000, 2);
	TEST_ASSERT(filled(buf, 5000, 1), "copied out before the sync");
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, true), "sync");
	TEST_ASSERT(filled(buf, 5000, 2), "sync for CPU: no copy");
	fill(buf, 5000, 3);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, false), "sync");
	TEST_ASSERT(filled(dev_side(iova), 5000, 2), "sync for device copied in");
	fill(dev_side(iova), 5000, 4);
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 5000, dir), "unmap");
	TEST_ASSERT(filled(buf, 5000, 4), "unmap: no copy");
	return TEST_SUCCESS;
}

static int
test_bounce_bidirectional_sync(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_BIDIRECTIONAL;
	rte_iova_t iova = dmamap_bounce_map(pool, buf, 5000, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	TEST_ASSERT(filled(dev_side(iova), 5000, 1), "map: no copy");
	fill(dev_side(iova), 5000, 2);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, true), "sync");
	TEST_ASSERT(filled(buf, 5000, 2), "sync for CPU: no copy");
	fill(buf, 5000, 3);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova, 5000, dir, false), "sync");
	TEST_ASSERT(filled(dev_side(iova), 5000, 3), "sync for device: no copy");
	fill(dev_side(iova), 5000, 4);
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 5000, dir), "unmap");
	TEST_ASSERT(filled(buf, 5000, 4), "unmap: no copy");
	return TEST_SUCCESS;
}

/* A sync of part of a mapping moves that part only. */
static int
test_bounce_sync_subrange(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_BIDIRECTIONAL;
	const size_t len = 3 * SLOT + 100, off = 1000, part = 3000;
	rte_iova_t iova = dmamap_bounce_map(pool, buf, len, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	fill(dev_side(iova), len, 2);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova + off, part, dir, true),
		"sync for CPU of a part");
	TEST_ASSERT(filled(buf, off, 1), "before the part copied");
	TEST_ASSERT(filled(buf + off, part, seed_at(2, off)), "part not copied");
	TEST_ASSERT(filled(buf + off + part, len - off - part,
		seed_at(1, off + part)),
		"after the part copied");
	fill(buf, len, 5);
	TEST_ASSERT_SUCCESS(dmamap_bounce_sync(pool, iova + len - 10, 10, dir,
		false), "sync for device of the tail");
	TEST_ASSERT(filled(dev_side(iova), len - 10, 2), "before the tail copied");
	TEST_ASSERT(filled(dev_side(iova) + len - 10, 10, seed_at(5, len - 10)),
		"tail not copied");
	return dmamap_bounce_unmap(pool, iova, len, dir) == 0 ? TEST_SUCCESS :
		TEST_FAILED;
}

/* Map one slot each until the pool is full; return how many were mapped. */
static unsigned int
fill_pool(rte_iova_t *iovas)
{
	unsigned int n = 0;
	rte_iova_t iova;

	while (n <= NB_SLOTS) {
		iova = dmamap_bounce_map(pool, buf + n * 16, 16, RTE_DMAMAP_TO_DEVICE);
		if (iova == RTE_BAD_IOVA)
			break;
		iovas[n++] = iova;
	}
	return n;
}

static int
test_bounce_exhaustion(void)
{
	static rte_iova_t iovas[NB_SLOTS + 1];
	unsigned int i, n = fill_pool(iovas);

	TEST_ASSERT_EQUAL(n, NB_SLOTS, "mappings before the pool is full");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "rte_errno when full");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), NB_SLOTS, "used");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iovas[7], 16,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	iovas[7] = dmamap_bounce_map(pool, buf, 16, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_NOT_EQUAL(iovas[7], RTE_BAD_IOVA, "no recovery after unmap");
	for (i = 0; i < n; i += 2)
		dmamap_bounce_unmap(pool, iovas[i], 16, RTE_DMAMAP_TO_DEVICE);
	/* Half the pool is free, but no two free slots are neighbours. */
	TEST_ASSERT_EQUAL(dmamap_bounce_map(pool, buf, SLOT + 1,
		RTE_DMAMAP_TO_DEVICE), RTE_BAD_IOVA, "fragmented pool");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "rte_errno when fragmented");
	for (i = 1; i < n; i += 2)
		dmamap_bounce_unmap(pool, iovas[i], 16, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "used after unmapping all");
	return TEST_SUCCESS;
}

/* The whole pool, then a mapping spanning half of it at any position. */
static int
test_bounce_large(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_BIDIRECTIONAL;
	const size_t half = POOL_SIZE / 2 + 1;
	rte_iova_t iova, small;

	iova = dmamap_bounce_map(pool, buf, POOL_SIZE, dir);
	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map of the whole pool");
	TEST_ASSERT(filled(dev_side(iova), POOL_SIZE, 1), "copied in");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, POOL_SIZE, dir), "unmap");
	small = dmamap_bounce_map(pool, buf, 100, dir);
	iova = dmamap_bounce_map(pool, buf + SLOT, half, dir);
	TEST_ASSERT(small != RTE_BAD_IOVA && iova != RTE_BAD_IOVA, "maps");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 1 + half / SLOT + 1, "used");
	fill(dev_side(iova), half, 8);
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, half, dir), "unmap");
	TEST_ASSERT(filled(buf + SLOT, half, 8), "copied out");
	TEST_ASSERT(filled(buf, 100, 1), "neighbour's buffer touched");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, small, 100, dir), "unmap");
	return TEST_SUCCESS;
}

static int
test_bounce_bad_map(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_TO_DEVICE;

	TEST_ASSERT(dmamap_bounce_map(pool, buf, 0, dir) == RTE_BAD_IOVA &&
		rte_errno == EINVAL, "len 0");
	TEST_ASSERT(dmamap_bounce_map(pool, buf, POOL_SIZE + 1, dir) ==
		RTE_BAD_IOVA && rte_errno == EINVAL, "len above the pool size");
	TEST_ASSERT(dmamap_bounce_map(pool, NULL, 64, dir) == RTE_BAD_IOVA &&
		rte_errno == EINVAL, "NULL buffer");
	TEST_ASSERT(dmamap_bounce_map(pool, buf, 64, (enum rte_dmamap_dir)3) ==
		RTE_BAD_IOVA && rte_errno == EINVAL, "bad direction");
	TEST_ASSERT(dmamap_bounce_map(NULL, buf, 64, dir) == RTE_BAD_IOVA &&
		rte_errno == EINVAL, "NULL pool");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "slots taken");
	return TEST_SUCCESS;
}

/* Refused unmaps leave the mapping as it was: it still copies back. */
static int
test_bounce_bad_unmap(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_FROM_DEVICE;
	rte_iova_t base = dmamap_bounce_pool_iova(pool);
	rte_iova_t iova = dmamap_bounce_map(pool, buf, 2 * SLOT, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	fill(dev_side(iova), 2 * SLOT, 6);
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, base - SLOT, SLOT, dir),
		-EINVAL, "below the pool");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, base + POOL_SIZE, SLOT, dir),
		-EINVAL, "above the pool");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, iova + SLOT, SLOT, dir),
		-EINVAL, "middle of a mapping");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, iova + 8, 2 * SLOT - 8, dir),
		-EINVAL, "inside a slot");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, iova, SLOT, dir), -EINVAL,
		"other length");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, iova, 2 * SLOT,
		(enum rte_dmamap_dir)7), -EINVAL, "bad direction");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 2, "slots freed by a refusal");
	TEST_ASSERT(filled(buf, 2 * SLOT, 1), "refused unmap copied out");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 2 * SLOT, dir), "unmap");
	TEST_ASSERT(filled(buf, 2 * SLOT, 6), "copied out");
	TEST_ASSERT_EQUAL(dmamap_bounce_unmap(pool, iova, 2 * SLOT, dir), -EINVAL,
		"double unmap");
	return TEST_SUCCESS;
}

static int
test_bounce_bad_sync(void)
{
	const enum rte_dmamap_dir dir = RTE_DMAMAP_BIDIRECTIONAL;
	rte_iova_t base = dmamap_bounce_pool_iova(pool);
	rte_iova_t iova = dmamap_bounce_map(pool, buf, 3000, dir);

	TEST_ASSERT_NOT_EQUAL(iova, RTE_BAD_IOVA, "map");
	fill(dev_side(iova), 3000, 6);
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, base - 64, 64, dir, true),
		-EINVAL, "below the pool");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova + 2990, 11, dir, true),
		-EINVAL, "past the end of the mapping");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova + 3000, 1, dir, true),
		-EINVAL, "just after the mapping");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova + 2 * SLOT, 1, dir, true),
		-EINVAL, "free slot");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova, 0, dir, true),
		-EINVAL, "len 0");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova, 10,
		(enum rte_dmamap_dir)3, true), -EINVAL, "bad direction");
	TEST_ASSERT(filled(buf, 3000, 1), "refused sync copied out");
	TEST_ASSERT_SUCCESS(dmamap_bounce_unmap(pool, iova, 3000, dir), "unmap");
	TEST_ASSERT_EQUAL(dmamap_bounce_sync(pool, iova, 10, dir, true), -EINVAL,
		"sync after unmap");
	return TEST_SUCCESS;
}

/* Two lcores map, check and unmap at once; the lock keeps them apart. */
#define STRESS_ROUNDS 20000

static int
stress_worker(void *arg)
{
	uint8_t *mine = arg, seed = rte_lcore_id() * 40;
	size_t len;
	rte_iova_t iova;
	unsigned int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		len = 1 + (i * 2654435761u) % (4 * SLOT);
		fill(mine, len, seed + i);
		iova = dmamap_bounce_map(pool, mine, len, RTE_DMAMAP_BIDIRECTIONAL);
		if (iova == RTE_BAD_IOVA || !filled(dev_side(iova), len, seed + i))
			return -1;
		fill(dev_side(iova), len, seed + i + 1);
		if (dmamap_bounce_unmap(pool, iova, len, RTE_DMAMAP_BIDIRECTIONAL) ||
				!filled(mine, len, seed + i + 1))
			return -1;
	}
	return 0;
}

static int
test_bounce_two_lcores(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	int ret;

	if (worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs two lcores (-l 0-1)");
	rte_eal_remote_launch(stress_worker, buf + BUF_SIZE / 2, worker);
	ret = stress_worker(buf);
	TEST_ASSERT_SUCCESS(ret, "main lcore saw corrupted data");
	TEST_ASSERT_SUCCESS(rte_eal_wait_lcore(worker), "worker saw corrupted data");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "slots leaked");
	return TEST_SUCCESS;
}

/* One one-slot map and unmap on the worker: it keeps free slots. */
static int
worker_map_one(void *arg)
{
	rte_iova_t iova;

	iova = dmamap_bounce_map(pool, arg, 64, RTE_DMAMAP_TO_DEVICE);
	if (iova == RTE_BAD_IOVA)
		return -1;
	return dmamap_bounce_unmap(pool, iova, 64, RTE_DMAMAP_TO_DEVICE);
}

static int
run_on_worker(unsigned int worker)
{
	rte_eal_remote_launch(worker_map_one, buf + BUF_SIZE / 2, worker);
	return rte_eal_wait_lcore(worker);
}

/*
 * Free slots another lcore keeps make the pool look full; the map that
 * fails asks for them, and they are back after that lcore's next call.
 */
static int
test_bounce_exhaustion_other_lcore(void)
{
	static rte_iova_t iovas[NB_SLOTS + 1];
	unsigned int worker = rte_get_next_lcore(-1, 1, 0), n, more, i;

	if (worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs two lcores (-l 0-1)");
	TEST_ASSERT_SUCCESS(run_on_worker(worker), "worker map");
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "slots kept count as used");
	n = fill_pool(iovas);
	TEST_ASSERT(n < NB_SLOTS, "the worker kept no slot");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "rte_errno when full");
	TEST_ASSERT_SUCCESS(run_on_worker(worker), "worker map");
	more = fill_pool(iovas + n);
	TEST_ASSERT_EQUAL(n + more, NB_SLOTS, "slots not given back");
	for (i = 0; i < n + more; i++)
		dmamap_bounce_unmap(pool, iovas[i], 16, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(dmamap_bounce_used(pool), 0, "used after unmapping all");
	return TEST_SUCCESS;
}

static int
test_bounce_destroy_no_leak(void)
{
	unsigned int files = lowmem_files();
	struct dmamap_bounce_pool *p;

	dmamap_lowmem_eal_disable(true);
	p = dmamap_bounce_create("bnc_leak", pool_mask, 0, SOCKET_ID_ANY);
	dmamap_lowmem_eal_disable(false);
	TEST_ASSERT_NOT_NULL(p, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT_EQUAL(dmamap_bounce_pool_size(p), DMAMAP_BOUNCE_DEFAULT_SIZE,
		"size 0 gives the default");
	TEST_ASSERT_EQUAL(lowmem_files(), files + 1, "the pool's file");
	TEST_ASSERT(dmamap_bounce_create("bnc_leak", pool_mask, 0, -1) == NULL,
		"second pool of the same name");
	dmamap_bounce_destroy(p);
	TEST_ASSERT_NULL(rte_memzone_lookup("bnc_leak"), "state memzone left");
	TEST_ASSERT_NULL(rte_memzone_lookup("bnc_leak_lm"), "memory memzone left");
	TEST_ASSERT_EQUAL(lowmem_files(), files, "file left behind");
	return TEST_SUCCESS;
}

static int
test_bounce_create_bad_args(void)
{
	rte_iova_t m32 = RTE_LEN2MASK(32, rte_iova_t);

	TEST_ASSERT(dmamap_bounce_create(NULL, m32, 0, -1) == NULL &&
		rte_errno == EINVAL, "NULL name");
	TEST_ASSERT(dmamap_bounce_create("a_pool_name_of_29_characters_", m32, 0,
		-1) == NULL && rte_errno == EINVAL, "name too long for its memory");
	TEST_ASSERT(dmamap_bounce_create("bnc_bad", 0xffff, 1 << 20, -1) == NULL &&
		rte_errno == EINVAL, "pool larger than the mask reaches");
	TEST_ASSERT_NULL(rte_memzone_lookup("bnc_bad"), "state memzone left");
	return TEST_SUCCESS;
}

/*
 * Suite.
 */

/* A 32-bit pool where the machine has memory there, else a wider mask. */
static int
suite_setup(void)
{
	struct dmamap_bounce_pool *p;

	TEST_ASSERT_SUCCESS(dmamap_xlate_init(), "translation tables");
	buf = malloc(BUF_SIZE);
	TEST_ASSERT_NOT_NULL(buf, "no memory");
	pool_mask = RTE_LEN2MASK(32, rte_iova_t);
	p = dmamap_bounce_create(POOL_NAME, pool_mask, POOL_SIZE, SOCKET_ID_ANY);
	if (p == NULL) {
		pool_mask = RTE_LEN2MASK(36, rte_iova_t);
		printf("no memory under 4 GiB for a pool: pools use 36-bit masks\n");
	}
	dmamap_bounce_destroy(p);
	printf("IOVA mode %s, hugepages %s\n",
		rte_eal_iova_mode() == RTE_IOVA_PA ? "PA" : "VA",
		rte_eal_has_hugepages() ? "yes" : "no");
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	free(buf);
	buf = NULL;
}

static struct unit_test_suite bounce_suite = {
	.suite_name = "dmamap lowmem and bounce pools",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_lowmem_bad_args),
		TEST_CASE(test_lowmem_mask32),
		TEST_CASE(test_lowmem_mask33),
		TEST_CASE(test_lowmem_mask34),
		TEST_CASE(test_lowmem_placed),
		TEST_CASE(test_lowmem_placed_mask32),
		TEST_CASE(test_lowmem_placed_external),
		TEST_CASE(test_lowmem_nothing_fits),
		TEST_CASE(test_secondary),
		TEST_CASE(test_bounce_create_bad_args),
		TEST_CASE(test_bounce_destroy_no_leak),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_pool_placement),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_map_copies_in),
		TEST_CASE_ST(pool_setup, pool_teardown,
			test_bounce_map_from_device_copies_in),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_to_device_sync),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_from_device_sync),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_bidirectional_sync),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_sync_subrange),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_exhaustion),
		TEST_CASE_ST(pool_setup, pool_teardown,
			test_bounce_exhaustion_other_lcore),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_large),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_bad_map),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_bad_unmap),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_bad_sync),
		TEST_CASE_ST(pool_setup, pool_teardown, test_bounce_two_lcores),
		TEST_CASES_END()
	}
};

static int
test_dmamap_bounce(void)
{
	return unit_test_suite_runner(&bounce_suite);
}

REGISTER_TEST_COMMAND(dmamap_bounce_autotest, test_dmamap_bounce);
