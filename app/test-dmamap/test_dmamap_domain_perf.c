/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Cost of domain mappings, measured through the public API on devices
 * attached to a strict and a lazy test domain, against a device without a
 * domain (direct: the baseline of the same run):
 * - a streaming map + unmap pair of 4 KiB and 64 KiB, and the same through
 *   the emu bus's software IOMMU (the domain its NIC uses), on emu devices
 *   bound to the test driver of test_bus_emu.c;
 * - 1 GiB of 2 MiB pages made visible to a device and taken back, by the
 *   two-step API (link, one sync, unlink) and by the streaming API (one map
 *   per page, then one unmap per page), with the flushes each issues.
 * Figures are medians of several repetitions.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include <bus_emu_driver.h>
#include <rte_bus_emu.h>

#include "test.h"
#include "test_backend.h"

#define PERF_TEST "dmamap_domain_perf"
#define REPS 5
/*
 * Pairs are timed in short batches and the median batch is kept: on a
 * shared machine a batch that the scheduler interrupts is an outlier, not
 * a shift of the whole figure.
 */
#define PAIR_BATCHES 41
#define PAIRS 2000
#define APERTURE (UINT64_C(1) << 44)
#define APERTURE_LAST (APERTURE + (UINT64_C(64) << 30) - 1)
#define PAGE_2M (UINT64_C(2) << 20)
#define LEN_1G (UINT64_C(1) << 30)
#define PAGES_1G (LEN_1G / PAGE_2M)
/* Made-up IOVAs of the 1 GiB area: contiguous, as hugepages in VA mode. */
#define AREA_IOVA (UINT64_C(1) << 46)

/* Emu devices: "type=test" is the driver test_bus_emu.c registers. */
#define EMU_STRICT "dmperf_emu_strict"
#define EMU_LAZY "dmperf_emu_lazy"
#define EMU_ARGS ",type=test,bypass=never,iommu="

static struct rte_dmamap_domain *strict_dom, *lazy_dom;
static int16_t dev_strict = -1, dev_lazy = -1, dev_direct = -1;
static int16_t dev_emu_strict = -1, dev_emu_lazy = -1;

static int16_t
attach(const char *name, struct rte_dmamap_domain *dom)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.bypass = dom != NULL ? RTE_DMAMAP_BYPASS_NEVER :
			RTE_DMAMAP_BYPASS_AUTO,
		.domain = dom,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

/* Probe an emu device with its own IOMMU domain; its dmamap id or -1. */
static int16_t
emu_probe(const char *name, const char *iommu)
{
	struct rte_emu_device *edev;
	char devargs[128];

	snprintf(devargs, sizeof(devargs), "emu:%s" EMU_ARGS "%s", name, iommu);
	if (rte_dev_probe(devargs) < 0) {
		printf("  no emu device %s: %s\n", devargs, rte_strerror(rte_errno));
		return -1;
	}
	edev = rte_emu_device_get(name);
	return edev == NULL ? -1 : edev->dmamap_id;
}

static void
emu_remove(const char *name)
{
	struct rte_emu_device *edev = rte_emu_device_get(name);

	if (edev != NULL)
		rte_dev_remove(&edev->device);
}

static int
perf_setup(void)
{
	strict_dom = test_backend_domain_create("perf_strict", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_STRICT, 0, 0);
	lazy_dom = test_backend_domain_create("perf_lazy", APERTURE,
		APERTURE_LAST, RTE_DMAMAP_FLUSH_LAZY, 0, 0);
	if (strict_dom == NULL || lazy_dom == NULL)
		return TEST_FAILED;
	dev_strict = attach("perf_strict", strict_dom);
	dev_lazy = attach("perf_lazy", lazy_dom);
	dev_direct = attach("perf_direct", NULL);
	/* The emu figures are extra: a build without them still measures. */
	dev_emu_strict = emu_probe(EMU_STRICT, "strict");
	dev_emu_lazy = emu_probe(EMU_LAZY, "lazy");
	return dev_strict < 0 || dev_lazy < 0 || dev_direct < 0 ?
		TEST_FAILED : TEST_SUCCESS;
}

static void
perf_teardown(void)
{
	if (dev_strict >= 0)
		rte_dmamap_detach(dev_strict);
	if (dev_lazy >= 0)
		rte_dmamap_detach(dev_lazy);
	if (dev_direct >= 0)
		rte_dmamap_detach(dev_direct);
	emu_remove(EMU_STRICT);
	emu_remove(EMU_LAZY);
	rte_dmamap_domain_destroy(strict_dom);
	rte_dmamap_domain_destroy(lazy_dom);
}

static uint64_t
backend_flushes(struct rte_dmamap_domain *dom)
{
	struct test_backend_stats st = { 0 };

	test_backend_stats_get(dom, &st);
	return st.flushes;
}

/*
 * Streaming pairs.
 */

/* Nanoseconds per map + unmap pair; negative when a map failed. */
static double
pair_ns(int16_t dev, void *va, size_t len)
{
	uint64_t start = test_now_ns();
	rte_iova_t iova;
	unsigned int i;

	for (i = 0; i < PAIRS; i++) {
		iova = rte_dmamap_map_single(dev, va, len, RTE_DMAMAP_TO_DEVICE);
		if (iova == RTE_BAD_IOVA ||
				rte_dmamap_unmap_single(dev, iova, len,
					RTE_DMAMAP_TO_DEVICE) < 0)
			return -1;
	}
	return (double)(test_now_ns() - start) / PAIRS;
}

/*
 * The path a device's map takes: through dom (the domain translates the
 * IOVA to the buffer) or, without one, direct.
 */
static int
check_path(int16_t dev, struct rte_dmamap_domain *dom, void *va, size_t len)
{
	rte_iova_t iova = rte_dmamap_map_single(dev, va, len, RTE_DMAMAP_TO_DEVICE);
	rte_iova_t target = RTE_BAD_IOVA;

	TEST_ASSERT(iova != RTE_BAD_IOVA, "map: %s", rte_strerror(rte_errno));
	if (dom != NULL)
		target = rte_dmamap_domain_translate(dom, iova);
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev, iova, len,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	if (dom != NULL)
		TEST_ASSERT_EQUAL(target, rte_dmamap_virt2iova(va),
			"domain IOVA 0x%" PRIx64 " expected, got 0x%" PRIx64
			" (no translation)", iova, iova);
	else
		TEST_ASSERT_EQUAL(iova, rte_dmamap_virt2iova(va), "direct IOVA");
	return TEST_SUCCESS;
}

static int
measure_pairs(const char *policy, int16_t dev, struct rte_dmamap_domain *dom,
		void *va, size_t len, double *out)
{
	double v[PAIR_BATCHES];
	char metric[64];
	unsigned int r;

	TEST_ASSERT_SUCCESS(check_path(dev, dom, va, len), "%s path", policy);
	for (r = 0; r < PAIR_BATCHES; r++) {
		v[r] = pair_ns(dev, va, len);
		TEST_ASSERT(v[r] >= 0, "%s map failed", policy);
	}
	*out = test_median(v, PAIR_BATCHES);
	snprintf(metric, sizeof(metric), "domain_map_unmap_%s_%zuk_ns", policy,
		len >> 10);
	perf_report(PERF_TEST, metric, *out, "ns");
	return TEST_SUCCESS;
}

/* Pairs through the emu software IOMMU, strict and lazy, against direct. */
static int
measure_emu_pairs(void *va, size_t len, double direct)
{
	double strict, lazy;

	if (dev_emu_strict < 0 || dev_emu_lazy < 0) {
		printf("  no emu devices: emu figures skipped\n");
		return TEST_SUCCESS;
	}
	TEST_ASSERT_SUCCESS(measure_pairs("emu_strict", dev_emu_strict,
		rte_bus_emu_domain(EMU_STRICT), va, len, &strict), "emu strict");
	TEST_ASSERT_SUCCESS(measure_pairs("emu_lazy", dev_emu_lazy,
		rte_bus_emu_domain(EMU_LAZY), va, len, &lazy), "emu lazy");
	printf("  %zu KiB emu: strict %.1fx, lazy %.1fx the direct pair\n",
		len >> 10, strict / direct, lazy / direct);
	return TEST_SUCCESS;
}

static int
test_stream_pairs(void)
{
	const size_t lens[] = { 4096, 65536 };
	double strict, lazy, direct;
	unsigned int i;
	void *buf;
	int ret = TEST_SUCCESS;

	buf = rte_malloc("domain_perf", 65536, 65536);
	TEST_ASSERT_NOT_NULL(buf, "buffer");
	for (i = 0; i < RTE_DIM(lens) && ret == TEST_SUCCESS; i++) {
		ret = measure_pairs("direct", dev_direct, NULL, buf, lens[i],
			&direct);
		if (ret == TEST_SUCCESS)
			ret = measure_pairs("strict", dev_strict, strict_dom, buf,
				lens[i], &strict);
		if (ret == TEST_SUCCESS)
			ret = measure_pairs("lazy", dev_lazy, lazy_dom, buf,
				lens[i], &lazy);
		if (ret == TEST_SUCCESS)
			printf("  %zu KiB: strict %.1fx, lazy %.1fx the direct pair\n",
				lens[i] >> 10, strict / direct, lazy / direct);
		if (ret == TEST_SUCCESS)
			ret = measure_emu_pairs(buf, lens[i], direct);
	}
	rte_free(buf);
	return ret;
}

/*
 * 1 GiB: two-step against streaming.
 */

/* 1 GiB of address space registered as 2 MiB pages; never touched. */
static void *
area_alloc(void)
{
	rte_iova_t iovas[PAGES_1G];
	unsigned int i;
	void *area, *va;

	area = mmap(NULL, LEN_1G + PAGE_2M, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	va = RTE_PTR_ALIGN_CEIL(area, PAGE_2M);
	if (va != area)
		munmap(area, RTE_PTR_DIFF(va, area));
	munmap(RTE_PTR_ADD(va, LEN_1G), PAGE_2M - RTE_PTR_DIFF(va, area));
	for (i = 0; i < PAGES_1G; i++)
		iovas[i] = AREA_IOVA + i * PAGE_2M;
	if (rte_dmamap_extmem_register(va, LEN_1G, iovas, PAGES_1G, PAGE_2M) < 0) {
		munmap(va, LEN_1G);
		return NULL;
	}
	return va;
}

static void
area_free(void *va)
{
	rte_dmamap_extmem_unregister(va, LEN_1G);
	munmap(va, LEN_1G);
}

/* Link 1 GiB, sync once, unlink: ns, backend maps and flushes. */
static int
link_1g(void *va, struct rte_dmamap_iova_state *st, double *ns,
		struct test_backend_stats *tb)
{
	uint64_t start;

	test_backend_stats_reset(strict_dom);
	start = test_now_ns();
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_link(dev_strict, st, va, 0, LEN_1G,
		RTE_DMAMAP_BIDIRECTIONAL), "link");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_sync(dev_strict, st, 0, LEN_1G),
		"sync");
	TEST_ASSERT_SUCCESS(rte_dmamap_iova_unlink(dev_strict, st, 0, LEN_1G,
		RTE_DMAMAP_BIDIRECTIONAL), "unlink");
	*ns = test_now_ns() - start;
	return test_backend_stats_get(strict_dom, tb);
}

/* Map 1 GiB a 2 MiB page at a time, then unmap each: ns and flushes. */
static int
stream_1g(void *va, rte_iova_t *iovas, double *ns, uint64_t *flushes)
{
	uint64_t start, f0 = backend_flushes(strict_dom);
	unsigned int i;

	start = test_now_ns();
	for (i = 0; i < PAGES_1G; i++) {
		iovas[i] = rte_dmamap_map_single(dev_strict,
			RTE_PTR_ADD(va, i * PAGE_2M), PAGE_2M,
			RTE_DMAMAP_BIDIRECTIONAL);
		TEST_ASSERT(iovas[i] != RTE_BAD_IOVA, "map page %u", i);
	}
	for (i = 0; i < PAGES_1G; i++)
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dev_strict, iovas[i],
			PAGE_2M, RTE_DMAMAP_BIDIRECTIONAL), "unmap page %u", i);
	*ns = test_now_ns() - start;
	*flushes = backend_flushes(strict_dom) - f0;
	return TEST_SUCCESS;
}

static int
run_1g(void *va, rte_iova_t *iovas)
{
	double link_ns[REPS], stream_ns[REPS];
	struct rte_dmamap_iova_state st;
	struct test_backend_stats tb;
	uint64_t stream_flushes = 0;
	unsigned int r;

	TEST_ASSERT(rte_dmamap_iova_try_alloc(dev_strict, &st, va, LEN_1G),
		"reserve 1 GiB: %s", rte_strerror(rte_errno));
	for (r = 0; r < REPS; r++) {
		if (link_1g(va, &st, &link_ns[r], &tb) != TEST_SUCCESS) {
			rte_dmamap_iova_free(dev_strict, &st);
			return TEST_FAILED;
		}
	}
	rte_dmamap_iova_free(dev_strict, &st);
	for (r = 0; r < REPS; r++)
		TEST_ASSERT_SUCCESS(stream_1g(va, iovas, &stream_ns[r],
			&stream_flushes), "stream");
	perf_report(PERF_TEST, "link_1g_ns", test_median(link_ns, REPS), "ns");
	perf_report(PERF_TEST, "link_1g_flushes", tb.flushes, "flushes");
	perf_report(PERF_TEST, "link_1g_backend_maps", tb.maps, "maps");
	perf_report(PERF_TEST, "stream_1g_ns", test_median(stream_ns, REPS), "ns");
	perf_report(PERF_TEST, "stream_1g_flushes", stream_flushes, "flushes");
	printf("  1 GiB: two-step %.1fx faster, %.0fx fewer flushes\n",
		test_median(stream_ns, REPS) / test_median(link_ns, REPS),
		(double)stream_flushes / tb.flushes);
	TEST_ASSERT(stream_flushes >= 100 * tb.flushes,
		"batched path must flush at least 100x less: %" PRIu64 " vs %"
		PRIu64, tb.flushes, stream_flushes);
	return TEST_SUCCESS;
}

static int
test_1g(void)
{
	rte_iova_t *iovas;
	void *va;
	int ret;

	va = area_alloc();
	if (va == NULL)
		TEST_SKIP("cannot register 1 GiB of external memory");
	iovas = calloc(PAGES_1G, sizeof(*iovas));
	ret = iovas == NULL ? TEST_FAILED : run_1g(va, iovas);
	free(iovas);
	area_free(va);
	return ret;
}

static struct unit_test_suite domain_perf_suite = {
	.suite_name = "dmamap domain perf",
	.setup = perf_setup,
	.teardown = perf_teardown,
	.unit_test_cases = {
		TEST_CASE(test_stream_pairs),
		TEST_CASE(test_1g),
		TEST_CASES_END()
	},
};

static int
test_dmamap_domain_perf(void)
{
	return unit_test_suite_runner(&domain_perf_suite);
}

REGISTER_TEST_COMMAND(dmamap_domain_perf_autotest, test_dmamap_domain_perf);
