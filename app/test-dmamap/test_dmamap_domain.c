/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * IOMMU domains through the test backend: registries, creation rules, the
 * mapping record (overlaps, partial unmaps, max_mappings), strict and lazy
 * flushing as the backend sees it, flush-and-retry, backend failures,
 * destroy, the EAL memory mirror and a secondary process.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dmamap_private.h"
#include "test.h"
#include "test_backend.h"

#define G DMAMAP_PAGE_4K
/* Apertures far above any memory, so IOVAs never look like EAL's. */
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LAST (APERTURE + (UINT64_C(1) << 32) - 1)
/* A made-up target: the domain layer never looks at memory. */
#define TARGET (UINT64_C(1) << 36)
#define MP_DOMAIN "dom_mp"
#define MP_IOVA (APERTURE + 0x100000)
#define MP_SECONDARY_IOVA (APERTURE + 0x200000)

static struct rte_dmamap_domain *dom;

static int
strict_setup(void)
{
	dom = test_backend_domain_create("dom_strict", APERTURE, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static int
lazy_setup(void)
{
	dom = test_backend_domain_create("dom_lazy", APERTURE, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_LAZY, 8, 0);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

/* Lazy over four granules: every allocation past them needs a flush. */
static int
tiny_lazy_setup(void)
{
	dom = test_backend_domain_create("dom_tiny", APERTURE,
		APERTURE + 4 * G - 1, RTE_DMAMAP_FLUSH_LAZY, 64, 0);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static int
tiny_strict_setup(void)
{
	dom = test_backend_domain_create("dom_tiny", APERTURE,
		APERTURE + 4 * G - 1, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static int
limited_setup(void)
{
	dom = test_backend_domain_create("dom_limited", APERTURE, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_STRICT, 0, 3);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static void
dom_teardown(void)
{
	if (dom != NULL)
		rte_dmamap_domain_destroy(dom);
	dom = NULL;
}

static struct test_backend_stats
tb_stats(void)
{
	struct test_backend_stats st;

	memset(&st, 0xff, sizeof(st));
	test_backend_stats_get(dom, &st);
	return st;
}

static struct rte_dmamap_domain_stats
dom_stats(void)
{
	struct rte_dmamap_domain_stats st;

	memset(&st, 0xff, sizeof(st));
	rte_dmamap_domain_stats_get(dom, &st);
	return st;
}

/* One streaming-like cycle: allocate, map, unmap, free; the IOVA used. */
static rte_iova_t
cycle(size_t len)
{
	rte_iova_t iova = dmamap_domain_iova_alloc(dom, len, G, UINT64_MAX);

	if (iova == RTE_BAD_IOVA ||
			dmamap_domain_map(dom, iova, NULL, TARGET, len,
				RTE_DMAMAP_PROT_READ) < 0 ||
			dmamap_domain_unmap(dom, iova, len, false) < 0)
		return RTE_BAD_IOVA;
	dmamap_domain_iova_free(dom, iova, len);
	return iova;
}

/*
 * Registries.
 */

static int
bad_map(struct rte_dmamap_domain *d, rte_iova_t iova, const void *va,
		rte_iova_t target, size_t len, uint32_t prot)
{
	RTE_SET_USED(d);
	RTE_SET_USED(iova);
	RTE_SET_USED(va);
	RTE_SET_USED(target);
	RTE_SET_USED(len);
	RTE_SET_USED(prot);
	return -EIO;
}

static int
bad_unmap(struct rte_dmamap_domain *d, rte_iova_t iova, size_t len)
{
	RTE_SET_USED(d);
	RTE_SET_USED(iova);
	RTE_SET_USED(len);
	return -EIO;
}

static int
bad_translate(struct rte_dmamap_domain *d, rte_iova_t iova, rte_iova_t *target)
{
	RTE_SET_USED(d);
	RTE_SET_USED(iova);
	RTE_SET_USED(target);
	return -ENOENT;
}

static int
test_ops_register(void)
{
	struct rte_dmamap_domain_ops ops = { .name = "no_unmap", .map = bad_map };
	struct rte_dmamap_domain_ops dup = {
		.name = TEST_BACKEND_NAME,
		.map = bad_map,
		.unmap = bad_unmap,
		.translate = bad_translate,
	};

	TEST_ASSERT_EQUAL(rte_dmamap_domain_ops_register(NULL), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_ops_register(&ops), -EINVAL,
		"no unmap or translate");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_ops_register(&dup), -EEXIST,
		"name of the test backend");
	dup.name = "a_name_of_thirty_two_characters_";
	TEST_ASSERT_EQUAL(rte_dmamap_domain_ops_register(&dup), -EINVAL,
		"name too long");
	return TEST_SUCCESS;
}

static void
noop_for_device(int16_t dev_id, const void *va, rte_iova_t iova, size_t len,
		int dir)
{
	RTE_SET_USED(dev_id);
	RTE_SET_USED(va);
	RTE_SET_USED(iova);
	RTE_SET_USED(len);
	RTE_SET_USED(dir);
}

static void
noop_cache(int16_t dev_id, void *va, rte_iova_t iova, size_t len, int dir)
{
	noop_for_device(dev_id, va, iova, len, dir);
}

static int
test_cache_ops_register(void)
{
	static const struct rte_dmamap_cache_ops ops = {
		.name = "test_domain_cache",
		.for_device = noop_for_device,
		.for_cpu = noop_cache,
	};
	struct rte_dmamap_cache_ops half = { .name = "half", .for_cpu = noop_cache };

	if (dmamap_cache_ops_find(ops.name) == NULL)
		TEST_ASSERT_SUCCESS(rte_dmamap_cache_ops_register(&ops), "register");
	TEST_ASSERT(dmamap_cache_ops_find(ops.name) == &ops, "found by name");
	TEST_ASSERT_NULL(dmamap_cache_ops_find("unknown_cache_ops"), "unknown");
	TEST_ASSERT_NULL(dmamap_cache_ops_find(NULL), "NULL name");
	TEST_ASSERT_EQUAL(rte_dmamap_cache_ops_register(&ops), -EEXIST, "twice");
	TEST_ASSERT_EQUAL(rte_dmamap_cache_ops_register(&half), -EINVAL,
		"no for_device");
	TEST_ASSERT_EQUAL(rte_dmamap_cache_ops_register(NULL), -EINVAL, "NULL");
	return TEST_SUCCESS;
}

/*
 * Creation, lookup, destroy.
 */

static struct rte_dmamap_domain_conf
good_conf(void)
{
	struct rte_dmamap_domain_conf conf = {
		.name = "dom_conf",
		.backend = TEST_BACKEND_NAME,
		.aperture_start = APERTURE,
		.aperture_last = APERTURE_LAST,
		.pgsize_bitmap = TEST_BACKEND_PGSIZES,
		.socket_id = SOCKET_ID_ANY,
	};

	return conf;
}

static int
create_fails(struct rte_dmamap_domain_conf *conf, int err)
{
	rte_errno = 0;
	if (rte_dmamap_domain_create(conf) != NULL || rte_errno != err)
		return -1;
	return 0;
}

static int
test_create_errors(void)
{
	struct rte_dmamap_domain_conf c;

	TEST_ASSERT_SUCCESS(create_fails(NULL, EINVAL), "NULL conf");
	c = good_conf(); c.name = NULL;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "NULL name");
	c = good_conf(); c.name = "a_name_of_thirty_two_characters_";
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "name too long");
	c = good_conf(); c.backend = "no_such_backend";
	TEST_ASSERT_SUCCESS(create_fails(&c, ENOENT), "unknown backend");
	c = good_conf(); c.pgsize_bitmap = 0;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "no page size");
	c = good_conf(); c.pgsize_bitmap = RTE_BIT64(11) | RTE_BIT64(12);
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "2 KiB granule");
	c = good_conf(); c.aperture_last = c.aperture_start - 1;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "empty aperture");
	c = good_conf(); c.aperture_start += 0x800;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "unaligned aperture");
	c = good_conf(); c.flush = (enum rte_dmamap_flush_policy)7;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "bad flush policy");
	c = good_conf(); c.fq_size = 1u << 20;
	TEST_ASSERT_SUCCESS(create_fails(&c, EINVAL), "huge flush queue");
	return TEST_SUCCESS;
}

static int
test_create_lookup_destroy(void)
{
	struct rte_dmamap_domain_conf c = good_conf();
	struct rte_dmamap_domain_stats st;
	struct rte_dmamap_domain *d;

	dom = test_backend_domain_create_conf(&c, 64);
	TEST_ASSERT_NOT_NULL(dom, "create: %s", rte_strerror(rte_errno));
	TEST_ASSERT(rte_dmamap_domain_lookup("dom_conf") == dom, "lookup");
	TEST_ASSERT(strcmp(rte_dmamap_domain_name(dom), "dom_conf") == 0, "name");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_granule(dom), G, "granule");
	TEST_ASSERT_NOT_NULL(rte_dmamap_domain_priv(dom), "priv");
	TEST_ASSERT_EQUAL(dmamap_domain_aperture_start(dom), APERTURE, "start");
	TEST_ASSERT_EQUAL(dmamap_domain_aperture_last(dom), APERTURE_LAST, "last");
	TEST_ASSERT(!dmamap_domain_is_lazy(dom), "strict by default");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_stats_get(dom, &st), "stats");
	TEST_ASSERT_EQUAL(st.maps + st.iova_allocs + st.mapped_bytes, 0, "zero");
	TEST_ASSERT_SUCCESS(create_fails(&c, EEXIST), "name taken");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_destroy(dom), "destroy");
	d = dom;
	dom = NULL;
	TEST_ASSERT_NULL(rte_dmamap_domain_lookup("dom_conf"), "lookup after");
	TEST_ASSERT_EQUAL(rte_errno, ENOENT, "ENOENT");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_destroy(d), -EINVAL, "destroy twice");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_destroy(NULL), -EINVAL, "NULL");
	dom = test_backend_domain_create_conf(&c, 64);
	TEST_ASSERT_NOT_NULL(dom, "name free again");
	return TEST_SUCCESS;
}

static int
test_public_errors(void)
{
	struct rte_dmamap_domain_stats st;

	TEST_ASSERT_NULL(rte_dmamap_domain_lookup(NULL), "lookup NULL");
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "EINVAL");
	TEST_ASSERT_NULL(rte_dmamap_domain_priv(NULL), "priv NULL");
	TEST_ASSERT_NULL(rte_dmamap_domain_name(NULL), "name NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_granule(NULL), 0, "granule NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_flush(NULL), -EINVAL, "flush NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_stats_get(NULL, &st), -EINVAL, "stats");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_stats_get(dom, NULL), -EINVAL, "NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(NULL, APERTURE),
		RTE_BAD_IOVA, "translate NULL");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE),
		RTE_BAD_IOVA, "translate unmapped");
	return TEST_SUCCESS;
}

/*
 * The mapping record.
 */

static int
test_map_translate(void)
{
	struct test_backend_stats st;
	uint32_t prot = 0;
	rte_iova_t target;

	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET, 3 * G,
		RTE_DMAMAP_PROT_WRITE), "map");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE + G + 5),
		TARGET + G + 5, "translate inside");
	TEST_ASSERT_SUCCESS(test_backend_lookup(dom, APERTURE + 2 * G, &target,
		&prot), "backend lookup");
	TEST_ASSERT_EQUAL(prot, RTE_DMAMAP_PROT_WRITE, "prot kept");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE + 3 * G),
		RTE_BAD_IOVA, "past the end");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 3 * G, "mapped bytes");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, 3 * G, false),
		"unmap");
	st = tb_stats();
	TEST_ASSERT_EQUAL(st.maps, 1, "one map");
	TEST_ASSERT_EQUAL(st.unmaps, 1, "one unmap");
	TEST_ASSERT_EQUAL(st.flushes, 1, "strict: one flush");
	TEST_ASSERT_EQUAL(st.ranges, 0, "nothing left");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 0, "mapped bytes");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE),
		RTE_BAD_IOVA, "gone");
	return TEST_SUCCESS;
}

static int
test_map_refused(void)
{
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 1, NULL, TARGET, G, 0),
		-EINVAL, "unaligned IOVA");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE, NULL, TARGET + 8, G, 0),
		-EINVAL, "unaligned target");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G + 1, 0),
		-EINVAL, "partial granule");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE, NULL, TARGET, 0, 0),
		-EINVAL, "empty");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + G, NULL, TARGET,
		2 * G, 0), "map");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE, NULL, TARGET, 2 * G, 0),
		-EEXIST, "overlap below");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 2 * G, NULL, TARGET,
		G, 0), -EEXIST, "overlap inside");
	TEST_ASSERT_EQUAL(tb_stats().maps, 1, "the backend saw one map only");
	TEST_ASSERT_EQUAL(tb_stats().refused, 0, "and refused nothing");
	return TEST_SUCCESS;
}

static int
test_unmap_whole_mappings(void)
{
	int i;

	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 4 * i * G,
			NULL, TARGET, 2 * G, 0), "map %d", i);
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE, G, false), -EINVAL,
		"half a mapping");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + G, 4 * G, false),
		-EINVAL, "cuts two mappings");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + 2 * G, 2 * G, false),
		-EINVAL, "nothing mapped there");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE, 0, false), -EINVAL,
		"empty");
	TEST_ASSERT_EQUAL(tb_stats().unmaps, 0, "backend saw no bad unmap");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE), TARGET,
		"first still mapped");
	/* Gaps are fine: one unmap takes the last two mappings. */
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE + 2 * G, 8 * G,
		false), "two mappings and gaps");
	TEST_ASSERT_EQUAL(tb_stats().unmaps, 1, "in one backend call");
	TEST_ASSERT_EQUAL(tb_stats().ranges, 1, "one left");
	return TEST_SUCCESS;
}

static int
test_max_mappings(void)
{
	int i;

	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + i * G, NULL,
			TARGET, G, 0), "map %d", i);
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 3 * G, NULL, TARGET,
		G, 0), -ENOSPC, "fourth mapping");
	TEST_ASSERT_EQUAL(tb_stats().maps, 3, "backend not called");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, G, false), "unmap");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 3 * G, NULL, TARGET,
		G, 0), "room again");
	/* One range of three mappings counts three. */
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, 4 * G, false),
		"unmap all");
	TEST_ASSERT_EQUAL(tb_stats().ranges, 0, "empty");
	return TEST_SUCCESS;
}

/* n one-granule mappings, one granule apart, each to its own target. */
static int
map_spread(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 2 * i * G,
			NULL, TARGET + i * G, G, 0), "map %u", i);
	for (i = 0; i < n; i += 7)
		TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom,
			APERTURE + 2 * i * G), TARGET + i * G, "translate %u", i);
	return TEST_SUCCESS;
}

/* Unmap the odd ones of map_spread(n) one by one, then the rest at once. */
static int
unmap_spread(unsigned int n)
{
	unsigned int i;

	for (i = 1; i < n; i += 2)
		TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE + 2 * i * G,
			G, false), "unmap %u", i);
	TEST_ASSERT_EQUAL(tb_stats().ranges, n / 2, "half left");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, 2 * n * G, false),
		"the rest at once");
	TEST_ASSERT_EQUAL(tb_stats().ranges, 0, "empty");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 0, "nothing mapped");
	return TEST_SUCCESS;
}

/* The record grows past its first size (1024 nodes) and keeps working. */
static int
test_many_mappings(void)
{
	TEST_ASSERT_SUCCESS(map_spread(3000), "3000 mappings");
	return unmap_spread(3000);
}

/*
 * Small mappings (up to four granules) live in a page index, larger ones
 * in a treap: overlaps and ranges across the two.
 */
static int
test_small_large_overlaps(void)
{
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 8 * G, NULL,
		TARGET, 8 * G, 0), "large");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET,
		2 * G, 0), "small");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 12 * G, NULL, TARGET,
		G, 0), -EEXIST, "small inside the large");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 7 * G, NULL, TARGET,
		2 * G, 0), -EEXIST, "small across the large's start");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + G, NULL, TARGET,
		G, 0), -EEXIST, "small on the small's second granule");
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE - 4 * G, NULL, TARGET,
		6 * G, 0), -EEXIST, "large over the small");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 2 * G, NULL, TARGET,
		6 * G, 0), "large in the gap");
	TEST_ASSERT_EQUAL(tb_stats().maps, 3, "backend saw the good maps only");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, 16 * G, false),
		"all three at once");
	TEST_ASSERT_EQUAL(tb_stats().ranges, 0, "empty");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 0, "bytes");
	return TEST_SUCCESS;
}

static int
test_small_cut_refused(void)
{
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 2 * G, NULL,
		TARGET, 3 * G, 0), "small");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + 3 * G, G, false),
		-EINVAL, "its middle granule");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE, 3 * G, false),
		-EINVAL, "its start only");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + 4 * G, 4 * G, false),
		-EINVAL, "its end only");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + 2 * G, 2 * G, false),
		-EINVAL, "shorter than it");
	TEST_ASSERT_EQUAL(tb_stats().unmaps, 0, "backend saw no bad unmap");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE + 2 * G, 3 * G,
		false), "exact");
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE + 2 * G, 3 * G,
		false), -EINVAL, "twice");
	return TEST_SUCCESS;
}

/*
 * More small mappings than the page index takes: the rest go to the treap;
 * unmapping them all at once covers more granules than index slots, so the
 * range scans the index.
 */
static int
test_small_overflow(void)
{
	const unsigned int n = 9000;

	TEST_ASSERT_SUCCESS(map_spread(n), "%u mappings", n);
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE + 2 * (n - 1) * G,
		NULL, TARGET, G, 0), -EEXIST, "overflowed mapping twice");
	return unmap_spread(n);
}

/* The treap grows past its first size (1024 nodes) and keeps working. */
static int
test_many_large_mappings(void)
{
	const unsigned int n = 1500;
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 16 * i * G,
			NULL, TARGET, 8 * G, 0), "map %u", i);
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom,
		APERTURE + 16 * (n - 1) * G + G), TARGET + G, "translate");
	for (i = 0; i < n; i += 2)
		TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE + 16 * i * G,
			8 * G, false), "unmap %u", i);
	TEST_ASSERT_EQUAL(tb_stats().ranges, n / 2, "half left");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, 16 * n * G, false),
		"the rest at once");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 0, "nothing mapped");
	return TEST_SUCCESS;
}

/*
 * Backend failures.
 */

static int
test_backend_map_failure(void)
{
	test_backend_fail(dom, TEST_BACKEND_MAP, 1);
	TEST_ASSERT_EQUAL(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G, 0),
		-EIO, "failed map");
	TEST_ASSERT_EQUAL(dom_stats().map_errors, 1, "counted");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, 0, "nothing mapped");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G, 0),
		"the range was not kept");
	return TEST_SUCCESS;
}

static int
test_backend_unmap_flush_failure(void)
{
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G, 0),
		"map");
	test_backend_fail(dom, TEST_BACKEND_UNMAP, 1);
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE, G, false), -EIO,
		"failed unmap");
	TEST_ASSERT_EQUAL(dom_stats().mapped_bytes, G, "still recorded");
	test_backend_fail(dom, TEST_BACKEND_FLUSH, 1);
	TEST_ASSERT_EQUAL(dmamap_domain_unmap(dom, APERTURE, G, false), -EIO,
		"unmapped, flush failed");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, APERTURE), RTE_BAD_IOVA,
		"unmapped");
	test_backend_fail(dom, TEST_BACKEND_FLUSH, 1);
	TEST_ASSERT_EQUAL(rte_dmamap_domain_flush(dom), -EIO, "flush fails");
	return TEST_SUCCESS;
}

/*
 * Flush policies.
 */

static int
test_strict_flush_per_unmap(void)
{
	const unsigned int n = 10;
	struct test_backend_stats st;
	unsigned int i;

	for (i = 0; i < n; i++)
		TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "cycle %u", i);
	st = tb_stats();
	TEST_ASSERT_EQUAL(st.flushes, n, "one flush per unmap");
	TEST_ASSERT_EQUAL(st.full_flushes, 0, "each of its own range");
	TEST_ASSERT_EQUAL(st.stale_maps, 0, "no IOVA mapped before its flush");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 0, "no flush queue");
	TEST_ASSERT_EQUAL(dom_stats().iova_frees, n, "frees counted");
	return TEST_SUCCESS;
}

/* Strict frees at once: one free granule of aperture serves every cycle. */
static int
test_strict_frees_at_once(void)
{
	rte_iova_t iova[4];
	int i;

	for (i = 0; i < 4; i++) {
		iova[i] = dmamap_domain_iova_alloc(dom, G, G, UINT64_MAX);
		TEST_ASSERT(iova[i] != RTE_BAD_IOVA, "alloc %d", i);
	}
	rte_errno = 0;
	TEST_ASSERT_EQUAL(dmamap_domain_iova_alloc(dom, G, G, UINT64_MAX),
		RTE_BAD_IOVA, "aperture full");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "ENOSPC");
	dmamap_domain_iova_free(dom, iova[1], G);
	TEST_ASSERT_EQUAL(cycle(G), iova[1], "the freed granule");
	TEST_ASSERT_EQUAL(cycle(G), iova[1], "again at once");
	TEST_ASSERT_EQUAL(tb_stats().full_flushes, 0, "no flush needed for it");
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 0, "flushed before reuse");
	return TEST_SUCCESS;
}

static int
test_lazy_no_flush_until_drain(void)
{
	rte_iova_t first, next;

	first = cycle(G);
	TEST_ASSERT(first != RTE_BAD_IOVA, "cycle");
	TEST_ASSERT_EQUAL(tb_stats().flushes, 0, "lazy unmap does not flush");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 1, "IOVA queued");
	next = cycle(G);
	TEST_ASSERT(next != RTE_BAD_IOVA && next != first,
		"queued IOVA not reused before a flush");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(dom), "flush");
	TEST_ASSERT_EQUAL(tb_stats().full_flushes, 1, "one flush for the queue");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 0, "queue drained");
	TEST_ASSERT_EQUAL(tb_stats().stale, 0, "nothing stale after the flush");
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 0, "no early reuse");
	return TEST_SUCCESS;
}

/* The backend sees an IOVA mapped again before a flush: the model works. */
static int
test_stale_model(void)
{
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G, 0),
		"map");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, G, true),
		"unmap, no flush");
	TEST_ASSERT_EQUAL(tb_stats().flushes, 0, "no_flush honoured");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE, NULL, TARGET, G, 0),
		"map again");
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 1, "early reuse seen");
	TEST_ASSERT_SUCCESS(dmamap_domain_flush_range(dom, APERTURE, G), "flush");
	TEST_ASSERT_EQUAL(tb_stats().stale, 0, "flushed");
	TEST_ASSERT_SUCCESS(dmamap_domain_unmap(dom, APERTURE, G, false), "unmap");
	return TEST_SUCCESS;
}

/* Many cycles over four granules: reuse all the time, never early. */
static int
test_lazy_never_reuses_early(void)
{
	unsigned int i;

	for (i = 0; i < 200; i++)
		TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "cycle %u", i);
	TEST_ASSERT(tb_stats().full_flushes >= 200 / 4 - 1, "%" PRIu64
		" flushes", tb_stats().full_flushes);
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 0, "no early reuse");
	TEST_ASSERT_EQUAL(tb_stats().stale_untracked, 0, "all tracked");
	return TEST_SUCCESS;
}

/* A full queue (8 entries) is flushed by the free that finds it full. */
static int
test_lazy_queue_full(void)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "cycle %u", i);
	TEST_ASSERT_EQUAL(tb_stats().flushes, 0, "queue not full yet");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 8, "eight queued");
	TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "ninth cycle");
	TEST_ASSERT_EQUAL(tb_stats().full_flushes, 1, "one flush");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 1, "the ninth waits");
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 0, "no early reuse");
	return TEST_SUCCESS;
}

/* Four granules: the fifth allocation flushes the queue and retries. */
static int
test_lazy_flush_and_retry(void)
{
	rte_iova_t seen[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		seen[i] = cycle(G);
		TEST_ASSERT(seen[i] != RTE_BAD_IOVA, "cycle %u", i);
	}
	TEST_ASSERT_EQUAL(tb_stats().flushes, 0, "no flush yet");
	TEST_ASSERT(seen[0] != seen[1] && seen[1] != seen[2] && seen[2] != seen[3]
		&& seen[0] != seen[3], "four different IOVAs while queued");
	TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "fifth cycle reuses");
	TEST_ASSERT_EQUAL(tb_stats().full_flushes, 1, "after one flush");
	TEST_ASSERT_EQUAL(tb_stats().stale_maps, 0, "reuse came after the flush");
	TEST_ASSERT_EQUAL(dom_stats().iova_allocs, 5, "five allocations");
	return TEST_SUCCESS;
}

/* A flush that fails frees nothing; the next one does. */
static int
test_lazy_flush_failure_keeps_queue(void)
{
	TEST_ASSERT(cycle(G) != RTE_BAD_IOVA, "cycle");
	test_backend_fail(dom, TEST_BACKEND_FLUSH, 1);
	TEST_ASSERT_EQUAL(rte_dmamap_domain_flush(dom), -EIO, "failed flush");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 1, "still queued");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_flush(dom), "flush");
	TEST_ASSERT_EQUAL(dom_stats().fq_queued, 0, "drained");
	return TEST_SUCCESS;
}

/*
 * Destroy.
 */

static int
test_destroy_unmaps_everything(void)
{
	struct test_backend_stats st;
	char name[RTE_DMAMAP_NAME_LEN];
	int i;

	for (i = 0; i < 5; i++)
		TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, APERTURE + 2 * i * G,
			NULL, TARGET, G, 0), "map %d", i);
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_destroy(dom), "destroy");
	dom = NULL;
	TEST_ASSERT_SUCCESS(test_backend_last_released(name, &st), "released");
	TEST_ASSERT(strcmp(name, "dom_strict") == 0, "released %s", name);
	TEST_ASSERT_EQUAL(st.ranges, 0, "nothing left mapped");
	TEST_ASSERT_EQUAL(st.unmaps, 5, "one unmap per mapping");
	TEST_ASSERT_EQUAL(st.full_flushes, 1, "and one flush");
	return TEST_SUCCESS;
}

static int
test_destroy_busy(void)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = RTE_DMAMAP_BYPASS_NEVER,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};
	int id;

	id = rte_dmamap_attach(test_device("dom_user"), &conf);
	TEST_ASSERT(id >= 0, "attach: %d", id);
	TEST_ASSERT_EQUAL(rte_dmamap_domain_destroy(dom), -EBUSY, "in use");
	TEST_ASSERT(rte_dmamap_domain_lookup("dom_strict") == dom, "still there");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(id), "detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_domain_destroy(dom), "destroy");
	dom = NULL;
	return TEST_SUCCESS;
}

/*
 * EAL memory mirror.
 */

struct mirror_check {
	struct rte_dmamap_domain *dom;
	unsigned int pages;
	unsigned int bad;
};

static int
mirror_check_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms,
		void *arg)
{
	struct mirror_check *mc = arg;

	if (msl->external || ms->iova == RTE_BAD_IOVA)
		return 0;
	mc->pages++;
	if (test_backend_translate(mc->dom, ms->iova) != ms->iova ||
			test_backend_translate(mc->dom, ms->iova + ms->len - 1) !=
			ms->iova + ms->len - 1)
		mc->bad++;
	return 0;
}

static int
mirror_setup(void)
{
	dom = test_backend_domain_create("dom_mirror", UINT64_C(1) << 52,
		(UINT64_C(1) << 52) + (UINT64_C(1) << 30) - 1,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	return dom == NULL ? TEST_FAILED : TEST_SUCCESS;
}

static int
test_mirror_eal(void)
{
	struct mirror_check mc = { .dom = dom };
	struct test_backend_stats st;

	TEST_ASSERT_SUCCESS(rte_dmamap_domain_mirror_eal(dom), "mirror");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_mirror_eal(dom), -EEXIST, "twice");
	rte_memseg_walk(mirror_check_seg, &mc);
	TEST_ASSERT(mc.pages > 0, "EAL has memory");
	TEST_ASSERT_EQUAL(mc.bad, 0, "every page at IOVA = EAL IOVA");
	st = tb_stats();
	TEST_ASSERT(st.maps >= 1 && st.maps <= mc.pages, "%" PRIu64
		" maps for %u pages", st.maps, mc.pages);
	TEST_ASSERT_EQUAL(st.flushes, 1, "one flush for it all");
	return TEST_SUCCESS;
}

/* Hotplugged pages are mapped, one flush per event; freed pages unmapped. */
static int
test_mirror_hotplug(void)
{
	struct mirror_check before = { .dom = dom }, after = { .dom = dom };
	struct test_backend_stats st0, st1;
	const struct rte_memzone *mz;
	rte_iova_t middle;

	TEST_ASSERT_SUCCESS(rte_dmamap_domain_mirror_eal(dom), "mirror");
	rte_memseg_walk(mirror_check_seg, &before);
	st0 = tb_stats();
	mz = rte_memzone_reserve("dom_mirror_mz", 64 << 20, SOCKET_ID_ANY, 0);
	if (mz == NULL)
		TEST_SKIP("no 64 MiB of memory to hotplug");
	rte_memseg_walk(mirror_check_seg, &after);
	st1 = tb_stats();
	middle = rte_mem_virt2iova(RTE_PTR_ADD(mz->addr, 32 << 20));
	if (after.pages == before.pages) {
		rte_memzone_free(mz);
		TEST_SKIP("the memzone took no new pages (legacy memory?)");
	}
	TEST_ASSERT_EQUAL(after.bad, 0, "every page, new ones too, mirrored");
	TEST_ASSERT_EQUAL(st1.maps - st0.maps, after.pages - before.pages,
		"one map per hotplugged page");
	TEST_ASSERT(st1.flushes > st0.flushes && (st1.flushes - st0.flushes) * 2 <=
		st1.maps - st0.maps, "flushes batched per event: %" PRIu64
		" for %" PRIu64 " maps", st1.flushes - st0.flushes,
		st1.maps - st0.maps);
	rte_memzone_free(mz);
	TEST_ASSERT_EQUAL(test_backend_translate(dom, middle), RTE_BAD_IOVA,
		"freed pages unmapped");
	TEST_ASSERT(tb_stats().unmaps > 0 && tb_stats().refused == 0,
		"every unmap exact");
	return TEST_SUCCESS;
}

static int
test_mirror_refuses_aperture(void)
{
	struct rte_dmamap_domain *d;
	rte_iova_t top = RTE_ALIGN_CEIL(dmamap_xlate_max_iova(), G);

	d = test_backend_domain_create("dom_mirror_bad", 0, top + G - 1,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	TEST_ASSERT_NOT_NULL(d, "create");
	dom = d;
	TEST_ASSERT_EQUAL(rte_dmamap_domain_mirror_eal(d), -EINVAL,
		"memory inside the aperture");
	TEST_ASSERT_EQUAL(tb_stats().ranges, 0, "nothing left mapped");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_mirror_eal(NULL), -EINVAL, "NULL");
	return TEST_SUCCESS;
}

/*
 * Secondary process: find the domain, translate, map through it.
 */

static int
test_secondary(void)
{
	int ret;

	if (!rte_eal_has_hugepages())
		TEST_SKIP("secondary processes need hugepage memory to share");
	dom = test_backend_domain_create(MP_DOMAIN, APERTURE, APERTURE_LAST,
		RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	TEST_ASSERT_NOT_NULL(dom, "create");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(dom, MP_IOVA, NULL, TARGET, 2 * G,
		RTE_DMAMAP_PROT_READ), "map");
	ret = test_run_secondary("dmamap_domain_secondary");
	if (ret == TEST_SKIPPED)
		TEST_SKIP("secondary process could not start");
	TEST_ASSERT_EQUAL(ret, 0, "secondary failed");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(dom, MP_SECONDARY_IOVA),
		TARGET + G, "the secondary's mapping");
	TEST_ASSERT_EQUAL(tb_stats().maps, 2, "one backend table for both");
	return TEST_SUCCESS;
}

static int
secondary_main(void)
{
	struct rte_dmamap_domain_conf conf = good_conf();
	struct rte_dmamap_domain *d;

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("run by dmamap_domain_autotest only");
	d = rte_dmamap_domain_lookup(MP_DOMAIN);
	TEST_ASSERT_NOT_NULL(d, "lookup in the secondary");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_translate(d, MP_IOVA + G + 1),
		TARGET + G + 1, "translate");
	TEST_ASSERT_NULL(rte_dmamap_domain_create(&conf), "create refused");
	TEST_ASSERT_EQUAL(rte_errno, E_RTE_SECONDARY, "E_RTE_SECONDARY");
	TEST_ASSERT_EQUAL(rte_dmamap_domain_destroy(d), -E_RTE_SECONDARY,
		"destroy refused");
	TEST_ASSERT_SUCCESS(dmamap_domain_map(d, MP_SECONDARY_IOVA, NULL,
		TARGET + G, G, RTE_DMAMAP_PROT_READ), "map from the secondary");
	return TEST_SUCCESS;
}

static struct unit_test_suite domain_suite = {
	.suite_name = "dmamap domain autotest",
	.unit_test_cases = {
		TEST_CASE(test_ops_register),
		TEST_CASE(test_cache_ops_register),
		TEST_CASE(test_create_errors),
		TEST_CASE_ST(NULL, dom_teardown, test_create_lookup_destroy),
		TEST_CASE_ST(strict_setup, dom_teardown, test_public_errors),
		TEST_CASE_ST(strict_setup, dom_teardown, test_map_translate),
		TEST_CASE_ST(strict_setup, dom_teardown, test_map_refused),
		TEST_CASE_ST(strict_setup, dom_teardown, test_small_large_overlaps),
		TEST_CASE_ST(strict_setup, dom_teardown, test_small_cut_refused),
		TEST_CASE_ST(strict_setup, dom_teardown, test_small_overflow),
		TEST_CASE_ST(strict_setup, dom_teardown, test_many_large_mappings),
		TEST_CASE_ST(strict_setup, dom_teardown, test_unmap_whole_mappings),
		TEST_CASE_ST(limited_setup, dom_teardown, test_max_mappings),
		TEST_CASE_ST(strict_setup, dom_teardown, test_many_mappings),
		TEST_CASE_ST(strict_setup, dom_teardown, test_backend_map_failure),
		TEST_CASE_ST(strict_setup, dom_teardown,
			test_backend_unmap_flush_failure),
		TEST_CASE_ST(strict_setup, dom_teardown, test_strict_flush_per_unmap),
		TEST_CASE_ST(tiny_strict_setup, dom_teardown,
			test_strict_frees_at_once),
		TEST_CASE_ST(lazy_setup, dom_teardown, test_lazy_no_flush_until_drain),
		TEST_CASE_ST(lazy_setup, dom_teardown, test_lazy_queue_full),
		TEST_CASE_ST(tiny_lazy_setup, dom_teardown, test_lazy_flush_and_retry),
		TEST_CASE_ST(tiny_lazy_setup, dom_teardown,
			test_lazy_never_reuses_early),
		TEST_CASE_ST(strict_setup, dom_teardown, test_stale_model),
		TEST_CASE_ST(lazy_setup, dom_teardown,
			test_lazy_flush_failure_keeps_queue),
		TEST_CASE_ST(strict_setup, dom_teardown,
			test_destroy_unmaps_everything),
		TEST_CASE_ST(strict_setup, dom_teardown, test_destroy_busy),
		TEST_CASE_ST(mirror_setup, dom_teardown, test_mirror_eal),
		TEST_CASE_ST(mirror_setup, dom_teardown, test_mirror_hotplug),
		TEST_CASE_ST(NULL, dom_teardown, test_mirror_refuses_aperture),
		TEST_CASE_ST(NULL, dom_teardown, test_secondary),
		TEST_CASES_END()
	},
};

static int
test_dmamap_domain(void)
{
	return unit_test_suite_runner(&domain_suite);
}

REGISTER_TEST_COMMAND(dmamap_domain_autotest, test_dmamap_domain);
REGISTER_TEST_COMMAND(dmamap_domain_secondary, secondary_main);
