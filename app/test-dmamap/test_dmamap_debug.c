/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The DMA-API debug checker: each misuse class on the checker itself (every
 * refused call must leave the tracked mappings as they were), duplicates,
 * a full tracker, leaks, a secondary process, then misuse through the
 * public API of a debugged device.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_random.h>

#include "dmamap_private.h"
#include "rte_dmamap.h"
#include "test.h"

#define DBG_NAME "test_dbg"
#define DBG_MP_NAME "test_dbg_mp"
#define DBG_DEV_NAME "test_dbg_dev"

/* Addresses the checker only records: no memory behind them. */
#define VA0 UINT64_C(0x7f0000000000)
#define IOVA0 UINT64_C(0x100000)
#define PG 4096

static struct dmamap_debug *dbg;

static const void *
va_at(uint64_t off)
{
	return (const void *)(uintptr_t)(VA0 + off);
}

static int
dbg_setup(void)
{
	dbg = dmamap_debug_create(DBG_NAME, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(dbg, "cannot create a tracker: %s",
		rte_strerror(rte_errno));
	return TEST_SUCCESS;
}

static void
dbg_teardown(void)
{
	if (dbg != NULL)
		dmamap_debug_destroy(dbg);
	dbg = NULL;
}

static uint64_t
total_errors(void)
{
	uint64_t sum = 0;
	int e;

	for (e = 0; e < DMAMAP_DEBUG_ERR_MAX; e++)
		sum += dmamap_debug_errors(dbg, e);
	return sum;
}

/* n errors counted, all of class err. */
static int
check_only_error(enum dmamap_debug_err err, uint64_t n)
{
	TEST_ASSERT_EQUAL(dmamap_debug_errors(dbg, err), n, "class %s",
		dmamap_debug_err_name(err));
	TEST_ASSERT_EQUAL(total_errors(), n, "other classes counted");
	return TEST_SUCCESS;
}

static int
map_one(uint64_t off, rte_iova_t iova, size_t len, enum rte_dmamap_dir dir,
		enum dmamap_debug_type type)
{
	return dmamap_debug_map(dbg, va_at(off), iova, len, dir, type);
}

static int
unmap_one(rte_iova_t iova, size_t len, enum rte_dmamap_dir dir,
		enum dmamap_debug_type type)
{
	return dmamap_debug_unmap(dbg, iova, len, dir, type);
}

/*
 * The checker's own interface.
 */

static int
test_create_lookup(void)
{
	static const char long_name[] =
		"a_device_name_much_longer_than_a_memzone_name";
	struct dmamap_debug *d;

	TEST_ASSERT(dmamap_debug_lookup(DBG_NAME) == dbg, "lookup");
	TEST_ASSERT_NULL(dmamap_debug_create(DBG_NAME, SOCKET_ID_ANY),
		"created twice");
	TEST_ASSERT_NULL(dmamap_debug_lookup("test_dbg_none"), "unknown name");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "errno of an unknown name");
	TEST_ASSERT_NULL(dmamap_debug_create(NULL, SOCKET_ID_ANY), "NULL name");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "errno of a NULL name");
	d = dmamap_debug_create(long_name, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(d, "long name");
	TEST_ASSERT(dmamap_debug_lookup(long_name) == d, "lookup of a long name");
	TEST_ASSERT_EQUAL(dmamap_debug_destroy(d), 0, "no leaks");
	TEST_ASSERT_NULL(dmamap_debug_lookup(long_name), "found after destroy");
	return TEST_SUCCESS;
}

static int
test_err_names(void)
{
	TEST_ASSERT(strcmp(dmamap_debug_err_name(DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP),
		"unknown_unmap") == 0, "unknown_unmap");
	TEST_ASSERT(strcmp(dmamap_debug_err_name(DMAMAP_DEBUG_ERR_SYNC_DIR),
		"sync_dir") == 0, "sync_dir");
	TEST_ASSERT(strcmp(dmamap_debug_err_name(DMAMAP_DEBUG_ERR_LEAK),
		"leak") == 0, "leak");
	TEST_ASSERT(strcmp(dmamap_debug_err_name(DMAMAP_DEBUG_ERR_MAX),
		"invalid") == 0, "name of no class");
	TEST_ASSERT_EQUAL(dmamap_debug_errors(dbg, DMAMAP_DEBUG_ERR_MAX), 0,
		"count of no class");
	return TEST_SUCCESS;
}

static int
test_map_unmap(void)
{
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map");
	TEST_ASSERT_SUCCESS(map_one(PG, IOVA0 + PG, 100, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SG), "map sg");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 2, "live");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + PG, 100, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SG), "unmap sg");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "live after unmap");
	return check_only_error(DMAMAP_DEBUG_ERR_LEAK, 0);
}

static int
test_bad_args(void)
{
	TEST_ASSERT_EQUAL(dmamap_debug_map(NULL, va_at(0), IOVA0, PG,
		RTE_DMAMAP_TO_DEVICE, DMAMAP_DEBUG_SINGLE), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(map_one(0, IOVA0, 0, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "zero length");
	TEST_ASSERT_EQUAL(map_one(0, IOVA0, PG, 3, DMAMAP_DEBUG_SINGLE),
		-EINVAL, "bad direction");
	TEST_ASSERT_EQUAL(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE, 9),
		-EINVAL, "bad type");
	TEST_ASSERT_EQUAL(map_one(0, UINT64_MAX - 10, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "IOVA range wraps");
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0, 0, RTE_DMAMAP_TO_DEVICE,
		true), -EINVAL, "sync of zero length");
	TEST_ASSERT_EQUAL(dmamap_debug_walk(dbg, NULL, NULL), -EINVAL,
		"walk without callback");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "recorded");
	/* Bad arguments are errors of the caller, not misuse classes. */
	return check_only_error(DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP, 0);
}

/*
 * Misuse classes. Each case starts with one FROM_DEVICE buffer mapped and
 * ends checking it is tracked as it was.
 */

static int
map_base(void)
{
	return map_one(0, IOVA0, PG, RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SINGLE);
}

static int
misuse_setup(void)
{
	if (dbg_setup() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_SUCCESS(map_base(), "map");
	return TEST_SUCCESS;
}

static int
check_intact(void)
{
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 1, "live mappings changed");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0, PG,
		RTE_DMAMAP_FROM_DEVICE, true), "sync of the mapping");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "live after unmap");
	return TEST_SUCCESS;
}

static int
test_unknown_unmap(void)
{
	TEST_ASSERT_EQUAL(unmap_one(IOVA0 + 16 * PG, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "never mapped");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0 + 64, PG - 64, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "inside a mapping");
	if (check_only_error(DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_size_mismatch(void)
{
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG / 2, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "shorter");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, 2 * PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "longer");
	if (check_only_error(DMAMAP_DEBUG_ERR_SIZE, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_dir_mismatch(void)
{
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "to_device");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_BIDIRECTIONAL,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "bidirectional");
	if (check_only_error(DMAMAP_DEBUG_ERR_DIR, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_type_mismatch(void)
{
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SG), -EINVAL, "unmap_sg of a single mapping");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_COHERENT), -EINVAL, "free_coherent of it");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_LINK), -EINVAL, "unlink of it");
	if (check_only_error(DMAMAP_DEBUG_ERR_TYPE, 3) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_several_mismatches(void)
{
	/* One call wrong in three ways is counted in each class. */
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_NONCOHERENT), -EINVAL, "unmap");
	TEST_ASSERT_EQUAL(dmamap_debug_errors(dbg, DMAMAP_DEBUG_ERR_SIZE), 1,
		"size");
	TEST_ASSERT_EQUAL(dmamap_debug_errors(dbg, DMAMAP_DEBUG_ERR_DIR), 1,
		"dir");
	TEST_ASSERT_EQUAL(dmamap_debug_errors(dbg, DMAMAP_DEBUG_ERR_TYPE), 1,
		"type");
	TEST_ASSERT_EQUAL(total_errors(), 3, "other classes");
	return check_intact();
}

static int
test_double_unmap(void)
{
	if (check_intact() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "again");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "again, other length");
	if (check_only_error(DMAMAP_DEBUG_ERR_DOUBLE_UNMAP, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	/* Mapped anew, the IOVA unmaps cleanly once more. */
	TEST_ASSERT_SUCCESS(map_base(), "map again");
	return check_intact();
}

static int
test_sync_unmapped(void)
{
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0 + 16 * PG, 64,
		RTE_DMAMAP_FROM_DEVICE, true), -EINVAL, "never mapped");
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0 - 128, 64,
		RTE_DMAMAP_FROM_DEVICE, false), -EINVAL, "just before");
	if (check_only_error(DMAMAP_DEBUG_ERR_SYNC_UNMAPPED, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	if (check_intact() != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0, PG,
		RTE_DMAMAP_FROM_DEVICE, true), -EINVAL, "after unmap");
	return check_only_error(DMAMAP_DEBUG_ERR_SYNC_UNMAPPED, 3);
}

static int
test_sync_range(void)
{
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0 + 64, 128,
		RTE_DMAMAP_FROM_DEVICE, true), "part of the mapping");
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0 + PG - 64, 128,
		RTE_DMAMAP_FROM_DEVICE, true), -EINVAL, "beyond the end");
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0 - 64, 128,
		RTE_DMAMAP_FROM_DEVICE, false), -EINVAL, "before the start");
	if (check_only_error(DMAMAP_DEBUG_ERR_SYNC_RANGE, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_sync_dir(void)
{
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		true), -EINVAL, "to_device sync of a from_device map");
	TEST_ASSERT_EQUAL(dmamap_debug_sync(dbg, IOVA0, 64,
		RTE_DMAMAP_BIDIRECTIONAL, false), -EINVAL,
		"bidirectional sync of a from_device map");
	/* Posting a receive buffer to the device again is right. */
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0, PG,
		RTE_DMAMAP_FROM_DEVICE, false), "sync_for_device");
	if (check_only_error(DMAMAP_DEBUG_ERR_SYNC_DIR, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	return check_intact();
}

static int
test_sync_dir_allowed(void)
{
	TEST_ASSERT_SUCCESS(map_one(PG, IOVA0 + PG, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map to_device");
	TEST_ASSERT_SUCCESS(map_one(2 * PG, IOVA0 + 2 * PG, PG,
		RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_SINGLE), "map bidir");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0 + PG, PG,
		RTE_DMAMAP_TO_DEVICE, true), "to_device for cpu");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0 + PG, PG,
		RTE_DMAMAP_TO_DEVICE, false), "to_device for device");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0 + 2 * PG, 8,
		RTE_DMAMAP_FROM_DEVICE, true), "bidir as from_device");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(dbg, IOVA0 + 2 * PG, 8,
		RTE_DMAMAP_TO_DEVICE, false), "bidir as to_device");
	TEST_ASSERT_EQUAL(total_errors(), 0, "errors counted");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 2, "live");
	return TEST_SUCCESS;
}

static int
test_overlap(void)
{
	TEST_ASSERT_EQUAL(map_one(PG / 2, IOVA0 + 8 * PG, PG,
		RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SINGLE), -EEXIST,
		"from_device over from_device");
	TEST_ASSERT_EQUAL(map_one(PG - 1, IOVA0 + 16 * PG, 2,
		RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_SG), -EEXIST,
		"bidirectional over two");
	TEST_ASSERT_SUCCESS(map_one(64, IOVA0 + 24 * PG, 64,
		RTE_DMAMAP_TO_DEVICE, DMAMAP_DEBUG_SINGLE), "to_device over them");
	TEST_ASSERT_SUCCESS(map_one(2 * PG, IOVA0 + 32 * PG, PG,
		RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SINGLE), "next to them");
	if (check_only_error(DMAMAP_DEBUG_ERR_OVERLAP, 2) != TEST_SUCCESS)
		return TEST_FAILED;
	/* Reported, and recorded all the same: each unmaps. */
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 5, "live");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + 8 * PG, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap the first overlap");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + 16 * PG, 2,
		RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_SG), "unmap the second");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + 24 * PG, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap the third");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + 32 * PG, PG,
		RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SINGLE), "unmap the fourth");
	return check_intact();
}

static int
test_overlap_read_only(void)
{
	/* Memory the device only reads may be mapped any number of times. */
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "to_device");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0 + PG, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "to_device again");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0 + 2 * PG, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), "from_device over to_device");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0 + 3 * PG, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "to_device over from_device");
	TEST_ASSERT_EQUAL(total_errors(), 0, "errors counted");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 4, "live");
	return TEST_SUCCESS;
}

static int
test_same_iova(void)
{
	/* Directly mapped, one buffer mapped twice has one IOVA: each unmap
	 * must find its own mapping whatever the order.
	 */
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map a head");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SG), "map as sg");
	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map from_device");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap the head");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap from_device");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SG), "unmap sg");
	TEST_ASSERT_EQUAL(unmap_one(IOVA0, 64, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "the head again");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap the last");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "live");
	return check_only_error(DMAMAP_DEBUG_ERR_SIZE, 1);
}

/*
 * Walk.
 */

#define WALK_N 100

struct walk_ctx {
	unsigned int n;
	unsigned int stop_at;
	rte_iova_t last;
	bool ordered;
	bool fields;
};

static int
walk_cb(const void *va, rte_iova_t iova, size_t len, enum rte_dmamap_dir dir,
		enum dmamap_debug_type type, void *arg)
{
	struct walk_ctx *ctx = arg;
	uint64_t i = (iova - IOVA0) / PG;

	if (ctx->n > 0 && iova <= ctx->last)
		ctx->ordered = false;
	if (va != va_at(i * PG) || len != 100 + i || (uint64_t)dir != i % 3 ||
			(uint64_t)type != i % 5)
		ctx->fields = false;
	ctx->last = iova;
	ctx->n++;
	return ctx->n == ctx->stop_at ? 7 : 0;
}

static int
test_walk(void)
{
	struct walk_ctx ctx = { .ordered = true, .fields = true };
	unsigned int i, k;

	/* Map in an order unrelated to the IOVAs: 37 is prime to WALK_N. */
	for (k = 0; k < WALK_N; k++) {
		i = (k * 37) % WALK_N;
		TEST_ASSERT_SUCCESS(map_one(i * PG, IOVA0 + i * PG, 100 + i,
			i % 3, i % 5), "map %u", i);
	}
	TEST_ASSERT_SUCCESS(dmamap_debug_walk(dbg, walk_cb, &ctx), "walk");
	TEST_ASSERT_EQUAL(ctx.n, WALK_N, "mappings walked");
	TEST_ASSERT(ctx.ordered, "not in IOVA order");
	TEST_ASSERT(ctx.fields, "fields differ from the maps");
	ctx = (struct walk_ctx){ .stop_at = 5, .ordered = true, .fields = true };
	TEST_ASSERT_EQUAL(dmamap_debug_walk(dbg, walk_cb, &ctx), 7, "stop value");
	TEST_ASSERT_EQUAL(ctx.n, 5, "walked after the stop");
	return TEST_SUCCESS;
}

/*
 * Random correct use, with duplicates: never a report, always the right
 * count. Slots share IOVAs (as direct mappings of one buffer do) but not
 * virtual addresses.
 */

#define STRESS_SLOTS 512
#define STRESS_STEPS 40000

struct stress_slot {
	bool mapped;
	rte_iova_t iova;
	size_t len;
	enum rte_dmamap_dir dir;
	enum dmamap_debug_type type;
};

static int
stress_step(struct stress_slot *s, unsigned int i, unsigned int *live)
{
	size_t off, len;

	if (!s->mapped) {
		s->iova = IOVA0 + (i % 64) * 2 * PG + rte_rand_max(PG);
		s->len = 1 + rte_rand_max(PG);
		s->dir = rte_rand_max(3);
		s->type = rte_rand_max(5);
		(*live)++;
		s->mapped = true;
		return map_one((uint64_t)i * 2 * PG, s->iova, s->len, s->dir,
			s->type);
	}
	if (rte_rand_max(3) == 0) {
		off = rte_rand_max(s->len);
		len = 1 + rte_rand_max(s->len - off);
		return dmamap_debug_sync(dbg, s->iova + off, len, s->dir,
			rte_rand_max(2));
	}
	(*live)--;
	s->mapped = false;
	return unmap_one(s->iova, s->len, s->dir, s->type);
}

static int
test_stress(void)
{
	static struct stress_slot slots[STRESS_SLOTS];
	unsigned int step, i, live = 0;

	memset(slots, 0, sizeof(slots));
	for (step = 0; step < STRESS_STEPS; step++) {
		i = rte_rand_max(STRESS_SLOTS);
		TEST_ASSERT_SUCCESS(stress_step(&slots[i], i, &live),
			"step %u, slot %u", step, i);
	}
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), live, "live");
	TEST_ASSERT_EQUAL(total_errors(), 0, "errors counted");
	for (i = 0; i < STRESS_SLOTS; i++)
		if (slots[i].mapped)
			TEST_ASSERT_SUCCESS(unmap_one(slots[i].iova, slots[i].len,
				slots[i].dir, slots[i].type), "unmap slot %u", i);
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "live at the end");
	return TEST_SUCCESS;
}

/*
 * Capacity and leaks.
 */

/* Map distinct buffers until the tracker stops recording; its capacity. */
static unsigned int
fill_tracker(void)
{
	unsigned int i;

	for (i = 0; i < (1u << 22); i++) {
		if (map_one((uint64_t)i * PG, IOVA0 + (uint64_t)i * PG, PG,
				RTE_DMAMAP_TO_DEVICE, DMAMAP_DEBUG_SINGLE) != 0)
			return 0;
		if (dmamap_debug_live(dbg) == i)
			return i;
	}
	return 0;
}

static int
test_capacity_full(void)
{
	unsigned int cap = fill_tracker(), i;

	TEST_ASSERT(cap >= 1024, "capacity %u", cap);
	/* One more map is not recorded and is no error of the caller. */
	TEST_ASSERT_SUCCESS(map_one((uint64_t)(cap + 1) * PG,
		IOVA0 + (uint64_t)(cap + 1) * PG, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map beyond capacity");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), cap, "live beyond capacity");
	/* The unrecorded mappings unmap without a false report. */
	for (i = cap; i <= cap + 1; i++)
		TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + (uint64_t)i * PG, PG,
			RTE_DMAMAP_TO_DEVICE, DMAMAP_DEBUG_SINGLE), "unmap %u", i);
	for (i = 0; i < cap; i++)
		if (unmap_one(IOVA0 + (uint64_t)i * PG, PG, RTE_DMAMAP_TO_DEVICE,
				DMAMAP_DEBUG_SINGLE) != 0)
			TEST_ASSERT(false, "unmap %u", i);
	TEST_ASSERT_EQUAL(dmamap_debug_live(dbg), 0, "live at the end");
	TEST_ASSERT_EQUAL(total_errors(), 0, "errors counted");
	return TEST_SUCCESS;
}

static int
test_leaks(void)
{
	struct dmamap_debug *d = dbg;

	TEST_ASSERT_SUCCESS(map_one(0, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "map");
	TEST_ASSERT_SUCCESS(map_one(PG, IOVA0 + PG, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_COHERENT), "map");
	TEST_ASSERT_SUCCESS(map_one(2 * PG, IOVA0 + 2 * PG, 12,
		RTE_DMAMAP_BIDIRECTIONAL, DMAMAP_DEBUG_LINK), "map");
	TEST_ASSERT_SUCCESS(unmap_one(IOVA0 + PG, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_COHERENT), "unmap");
	dbg = NULL;
	TEST_ASSERT_EQUAL(dmamap_debug_destroy(d), 2, "leaks");
	TEST_ASSERT_NULL(dmamap_debug_lookup(DBG_NAME), "found after destroy");
	TEST_ASSERT_EQUAL(dmamap_debug_destroy(NULL), 0, "destroy NULL");
	return TEST_SUCCESS;
}

/*
 * Secondary process: it checks against the primary's mappings, and its
 * findings count in the same tracker.
 */

static int
test_secondary(void)
{
	struct dmamap_debug *d;
	int ret;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("secondary processes need hugepages");
	d = dmamap_debug_create(DBG_MP_NAME, SOCKET_ID_ANY);
	TEST_ASSERT_NOT_NULL(d, "create");
	if (dmamap_debug_map(d, va_at(0), IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
			DMAMAP_DEBUG_SINGLE) != 0 ||
			dmamap_debug_map(d, va_at(PG), IOVA0 + PG, PG,
			RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SG) != 0) {
		dmamap_debug_destroy(d);
		TEST_ASSERT(false, "map");
	}
	ret = test_run_secondary("dmamap_debug_mp_autotest");
	dbg = d; /* teardown destroys it */
	TEST_ASSERT_EQUAL(ret, TEST_SUCCESS, "secondary process");
	TEST_ASSERT_EQUAL(dmamap_debug_live(d), 1, "live after the secondary");
	TEST_ASSERT_SUCCESS(dmamap_debug_unmap(d, IOVA0, PG, RTE_DMAMAP_TO_DEVICE,
		DMAMAP_DEBUG_SINGLE), "unmap of the primary's mapping");
	return check_only_error(DMAMAP_DEBUG_ERR_DIR, 1);
}

static int
test_debug_mp(void)
{
	struct dmamap_debug *d;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("run by dmamap_debug_autotest in a secondary process");
	d = dmamap_debug_lookup(DBG_MP_NAME);
	TEST_ASSERT_NOT_NULL(d, "lookup");
	TEST_ASSERT_EQUAL(dmamap_debug_live(d), 2, "live");
	TEST_ASSERT_EQUAL(dmamap_debug_unmap(d, IOVA0, PG, RTE_DMAMAP_FROM_DEVICE,
		DMAMAP_DEBUG_SINGLE), -EINVAL, "direction mismatch");
	TEST_ASSERT_SUCCESS(dmamap_debug_sync(d, IOVA0 + PG, 64,
		RTE_DMAMAP_FROM_DEVICE, true), "sync");
	TEST_ASSERT_SUCCESS(dmamap_debug_unmap(d, IOVA0 + PG, PG,
		RTE_DMAMAP_FROM_DEVICE, DMAMAP_DEBUG_SG), "unmap");
	return TEST_SUCCESS;
}

/*
 * Through the public API: a device attached with RTE_DMAMAP_F_DEBUG.
 */

static int16_t dev_id = -1;
static uint8_t *buf;

static int
api_setup(void)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.flags = RTE_DMAMAP_F_DEBUG,
		.socket_id = SOCKET_ID_ANY,
	};
	int ret;

	ret = rte_dmamap_attach(test_device(DBG_DEV_NAME), &conf);
	TEST_ASSERT(ret >= 0, "attach: %d", ret);
	dev_id = ret;
	buf = rte_malloc(NULL, 4 * PG, PG);
	TEST_ASSERT_NOT_NULL(buf, "no memory");
	return TEST_SUCCESS;
}

static void
api_teardown(void)
{
	if (dev_id >= 0)
		rte_dmamap_detach(dev_id);
	dev_id = -1;
	rte_free(buf);
	buf = NULL;
}

static uint64_t
api_debug_errors(void)
{
	struct rte_dmamap_stats stats;

	if (rte_dmamap_stats_get(dev_id, &stats) != 0)
		return UINT64_MAX;
	return stats.debug_errors;
}

static uint64_t
api_class(enum dmamap_debug_err err)
{
	return dmamap_debug_errors(dmamap_dev_get(dev_id)->debug, err);
}

static int
test_api_debug_on(void)
{
	struct rte_dmamap_info info;

	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dev_id, &info), "info");
	TEST_ASSERT(info.flags & RTE_DMAMAP_F_DEBUG, "debug flag");
	TEST_ASSERT_NOT_NULL(dmamap_dev_get(dev_id)->debug, "no tracker");
	TEST_ASSERT(rte_dmamap_need_unmap(dev_id), "unmaps must be seen");
	return TEST_SUCCESS;
}

static int
test_api_unmap_misuse(void)
{
	rte_iova_t iova = rte_dmamap_map_single(dev_id, buf, PG,
		RTE_DMAMAP_FROM_DEVICE);

	TEST_ASSERT(iova != RTE_BAD_IOVA, "map: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, iova, PG / 2,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "size mismatch");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, iova, PG,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "direction mismatch");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, iova + PG, PG,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "unknown");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_id, iova, PG,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, iova, PG,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "double unmap");
	TEST_ASSERT_EQUAL(api_debug_errors(), 4, "stats.debug_errors");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_SIZE), 1, "size");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_DIR), 1, "dir");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP), 1, "unknown");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_DOUBLE_UNMAP), 1, "double");
	return TEST_SUCCESS;
}

static int
test_api_sync_misuse(void)
{
	rte_iova_t iova = rte_dmamap_map_single(dev_id, buf, PG,
		RTE_DMAMAP_TO_DEVICE);

	TEST_ASSERT(iova != RTE_BAD_IOVA, "map: %d", rte_errno);
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_device(dev_id, iova, 64,
		RTE_DMAMAP_TO_DEVICE), "sync");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_cpu(dev_id, iova, 64,
		RTE_DMAMAP_FROM_DEVICE), -EINVAL, "wrong direction");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_device(dev_id, iova + PG - 8, 64,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "beyond the mapping");
	TEST_ASSERT_EQUAL(rte_dmamap_sync_for_device(dev_id, iova + 2 * PG, 64,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "unmapped");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_id, iova, PG,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_EQUAL(api_debug_errors(), 3, "stats.debug_errors");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_SYNC_DIR), 1, "dir");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_SYNC_RANGE), 1, "range");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_SYNC_UNMAPPED), 1,
		"unmapped");
	return TEST_SUCCESS;
}

static int
test_api_overlap(void)
{
	rte_iova_t a, b;

	a = rte_dmamap_map_single(dev_id, buf, PG, RTE_DMAMAP_FROM_DEVICE);
	b = rte_dmamap_map_single(dev_id, buf + 64, 128, RTE_DMAMAP_FROM_DEVICE);
	/* Reported, not refused. */
	TEST_ASSERT(a != RTE_BAD_IOVA && b != RTE_BAD_IOVA, "maps");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_OVERLAP), 1, "overlap");
	TEST_ASSERT_EQUAL(api_debug_errors(), 1, "stats.debug_errors");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_id, b, 128,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_id, a, PG,
		RTE_DMAMAP_FROM_DEVICE), "unmap");
	return TEST_SUCCESS;
}

static int
test_api_type_misuse(void)
{
	rte_iova_t iova;
	void *va = rte_dmamap_alloc_coherent(dev_id, PG, &iova);

	TEST_ASSERT_NOT_NULL(va, "alloc_coherent: %d", rte_errno);
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, iova, PG,
		RTE_DMAMAP_BIDIRECTIONAL), -EINVAL, "unmap of coherent memory");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_TYPE), 1, "type");
	TEST_ASSERT_SUCCESS(rte_dmamap_free_coherent(dev_id, PG, va, iova),
		"free_coherent");
	TEST_ASSERT_EQUAL(api_debug_errors(), 1, "stats.debug_errors");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dmamap_dev_get(dev_id)->debug), 0,
		"live");
	return TEST_SUCCESS;
}

static int
test_api_sg_misuse(void)
{
	struct rte_dmamap_sge sg[2] = {
		{ .va = buf, .len = 256 },
		{ .va = buf + 2 * PG, .len = 512 },
	};
	int n = rte_dmamap_map_sg(dev_id, sg, 2, RTE_DMAMAP_TO_DEVICE);

	TEST_ASSERT(n >= 1, "map_sg: %d", n);
	TEST_ASSERT_EQUAL(rte_dmamap_unmap_single(dev_id, sg[0].iova, 256,
		RTE_DMAMAP_TO_DEVICE), -EINVAL, "unmap_single of an sg mapping");
	TEST_ASSERT_EQUAL(api_class(DMAMAP_DEBUG_ERR_TYPE), 1, "type");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_sg(dev_id, sg, 2,
		RTE_DMAMAP_TO_DEVICE), "unmap_sg");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dmamap_dev_get(dev_id)->debug), 0,
		"live");
	return TEST_SUCCESS;
}

static int
test_api_leak_at_detach(void)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.flags = RTE_DMAMAP_F_DEBUG,
		.socket_id = SOCKET_ID_ANY,
	};
	rte_iova_t iova;
	int ret;

	iova = rte_dmamap_map_single(dev_id, buf, PG, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(iova != RTE_BAD_IOVA, "map");
	TEST_ASSERT_EQUAL(dmamap_debug_live(dmamap_dev_get(dev_id)->debug), 1,
		"live");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(dev_id), "detach with a leak");
	dev_id = -1;
	/* The leak went with the old context: a new one starts empty. */
	ret = rte_dmamap_attach(test_device(DBG_DEV_NAME), &conf);
	TEST_ASSERT(ret >= 0, "attach again: %d", ret);
	dev_id = ret;
	TEST_ASSERT_EQUAL(dmamap_debug_live(dmamap_dev_get(dev_id)->debug), 0,
		"live after attaching again");
	TEST_ASSERT_EQUAL(api_debug_errors(), 0, "stats.debug_errors");
	return TEST_SUCCESS;
}

static struct unit_test_suite debug_suite = {
	.suite_name = "dmamap debug checker",
	.unit_test_cases = {
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_create_lookup),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_err_names),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_map_unmap),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_bad_args),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_unknown_unmap),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_size_mismatch),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_dir_mismatch),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_type_mismatch),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_several_mismatches),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_double_unmap),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_sync_unmapped),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_sync_range),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_sync_dir),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_sync_dir_allowed),
		TEST_CASE_ST(misuse_setup, dbg_teardown, test_overlap),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_overlap_read_only),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_same_iova),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_walk),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_stress),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_capacity_full),
		TEST_CASE_ST(dbg_setup, dbg_teardown, test_leaks),
		TEST_CASE_ST(NULL, dbg_teardown, test_secondary),
		TEST_CASE_ST(api_setup, api_teardown, test_api_debug_on),
		TEST_CASE_ST(api_setup, api_teardown, test_api_unmap_misuse),
		TEST_CASE_ST(api_setup, api_teardown, test_api_sync_misuse),
		TEST_CASE_ST(api_setup, api_teardown, test_api_overlap),
		TEST_CASE_ST(api_setup, api_teardown, test_api_type_misuse),
		TEST_CASE_ST(api_setup, api_teardown, test_api_sg_misuse),
		TEST_CASE_ST(api_setup, api_teardown, test_api_leak_at_detach),
		TEST_CASES_END()
	}
};

static int
test_dmamap_debug(void)
{
	return unit_test_suite_runner(&debug_suite);
}

static struct unit_test_suite debug_mp_suite = {
	.suite_name = "dmamap debug checker, secondary process",
	.unit_test_cases = {
		TEST_CASE(test_debug_mp),
		TEST_CASES_END()
	}
};

static int
test_dmamap_debug_mp(void)
{
	return unit_test_suite_runner(&debug_mp_suite);
}

REGISTER_TEST_COMMAND(dmamap_debug_autotest, test_dmamap_debug);
REGISTER_TEST_COMMAND(dmamap_debug_mp_autotest, test_dmamap_debug_mp);
