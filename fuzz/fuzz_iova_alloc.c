/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the IOVA allocator (dmamap_private.h). An input chooses a
 * geometry (granule, aperture, magazines or not) and a sequence of
 * allocations (size, alignment, limit), frees (of live ranges, and bad
 * frees the range allocator must refuse) and cache purges, checked against
 * a bitmap of the aperture:
 * - a range is inside the aperture, at or below its limit, aligned, and
 *   overlaps no live range;
 * - a failure is EINVAL for a bad request, else ENOSPC, and ENOSPC only
 *   when, caches purged, the bitmap has no free fit for the request;
 * - after everything is freed and the caches purged, nothing is in use and
 *   the whole aperture can be allocated as one range.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "dmamap_private.h"
#include "fuzz_common.h"

#define PAGES_MAX 2048u
#define LIVE_MAX 256u

struct range {
	rte_iova_t iova;
	size_t size;      /* as asked */
	uint64_t len;     /* as the allocator rounds it */
};

static struct {
	struct dmamap_iovad *iovad;
	rte_iova_t start;
	rte_iova_t last;
	uint64_t granule;
	unsigned int shift;
	uint64_t pages;
	uint64_t cache_max;   /* largest rounded size, 0: no magazines */
	uint8_t used[PAGES_MAX];
	struct range live[LIVE_MAX];
	unsigned int nb_live;
} m;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	return 0;
}

/* The allocator's rounding: granules, then a power of two when cached. */
static uint64_t
model_round(size_t size)
{
	uint64_t len = RTE_ALIGN_CEIL((uint64_t)size, m.granule);

	if (len <= m.cache_max)
		len = rte_align64pow2(len);
	return len;
}

static uint64_t
model_align(uint64_t len, size_t align)
{
	uint64_t al = RTE_MAX((uint64_t)align, m.granule);

	return len <= m.cache_max ? RTE_MAX(al, len) : al;
}

static void
mark(rte_iova_t iova, uint64_t len, uint8_t v)
{
	uint64_t p;

	for (p = (iova - m.start) >> m.shift;
			p < ((iova - m.start + len) >> m.shift); p++)
		m.used[p] = v;
}

/* Whether a free, aligned run of len bytes lies wholly at or below limit. */
static bool
model_fits(uint64_t len, uint64_t align, rte_iova_t limit)
{
	static uint32_t busy[PAGES_MAX + 1]; /* busy pages before p */
	uint64_t n = len >> m.shift, p;
	rte_iova_t iova;

	if (n == 0 || n > m.pages)
		return false;
	for (p = 0; p < m.pages; p++)
		busy[p + 1] = busy[p] + m.used[p];
	for (p = 0; p + n <= m.pages; p++) {
		iova = m.start + (p << m.shift);
		if ((iova & (align - 1)) == 0 && iova + len - 1 <= limit &&
				busy[p + n] == busy[p])
			return true;
	}
	return false;
}

static bool
request_valid(size_t size, size_t align)
{
	return size != 0 && size - 1 <= m.last - m.start &&
		(align == 0 || rte_is_power_of_2(align));
}

static void
check_range(rte_iova_t iova, size_t size, uint64_t len, size_t align,
		rte_iova_t limit)
{
	uint64_t p;

	FUZZ_CHECK(iova >= m.start && iova + len - 1 <= m.last,
		"IOVA 0x%" PRIx64 "+0x%" PRIx64 " outside [0x%" PRIx64 ", 0x%"
		PRIx64 "]", iova, len, m.start, m.last);
	FUZZ_CHECK(iova + size - 1 <= limit, "IOVA 0x%" PRIx64 "+0x%zx above "
		"the limit 0x%" PRIx64, iova, size, limit);
	FUZZ_CHECK((iova & (RTE_MAX((uint64_t)align, m.granule) - 1)) == 0,
		"IOVA 0x%" PRIx64 " not aligned to 0x%zx", iova, align);
	for (p = (iova - m.start) >> m.shift;
			p < (iova - m.start + len) >> m.shift; p++)
		FUZZ_CHECK(!m.used[p], "IOVA 0x%" PRIx64 "+0x%" PRIx64 " overlaps "
			"a live range at page %" PRIu64, iova, len, p);
}

static void
op_alloc(struct fuzz_input *in)
{
	size_t size, align;
	rte_iova_t limit, iova;
	uint64_t len;
	uint8_t sel = fuzz_u8(in);

	size = (sel & 3) == 0 ? fuzz_u64(in) :
		1 + fuzz_below(in, (uint32_t)RTE_MIN((m.pages << m.shift) >>
			((sel >> 2) & 7), (uint64_t)UINT32_MAX));
	align = (sel & 0x20) ? (size_t)1 << fuzz_below(in, 32) :
		(sel & 0x40) ? fuzz_u32(in) : 0;
	limit = (sel & 0x80) ? m.start + fuzz_below(in,
		(uint32_t)RTE_MIN(m.last - m.start + 1, (uint64_t)UINT32_MAX)) :
		((sel & 0x10) ? fuzz_u64(in) : m.last);
	if (m.nb_live == LIVE_MAX)
		return;
	FUZZ_TRACE("alloc 0x%zx align 0x%zx limit 0x%" PRIx64, size, align, limit);
	rte_errno = 0;
	iova = dmamap_iova_alloc(m.iovad, size, align, limit);
	if (!request_valid(size, align)) {
		FUZZ_CHECK(iova == RTE_BAD_IOVA && rte_errno == EINVAL,
			"bad request 0x%zx/0x%zx: IOVA 0x%" PRIx64 " errno %d",
			size, align, iova, rte_errno);
		return;
	}
	len = model_round(size);
	if (iova == RTE_BAD_IOVA) {
		FUZZ_CHECK(rte_errno == ENOSPC, "errno %d", rte_errno);
		/* Ranges may wait in magazines: purged, a retry must use a
		 * fit if there is one (the domain layer retries so).
		 */
		dmamap_iovad_purge_caches(m.iovad);
		iova = dmamap_iova_alloc(m.iovad, size, align, limit);
	}
	if (iova == RTE_BAD_IOVA) {
		FUZZ_CHECK(rte_errno == ENOSPC, "errno %d", rte_errno);
		FUZZ_CHECK(!model_fits(len, model_align(len, align), limit),
			"ENOSPC for 0x%zx (0x%" PRIx64 ") aligned 0x%zx below 0x%"
			PRIx64 " with room free", size, len, align, limit);
		return;
	}
	check_range(iova, size, len, align, limit);
	mark(iova, len, 1);
	m.live[m.nb_live++] = (struct range){ iova, size, len };
}

static void
op_free(struct fuzz_input *in)
{
	unsigned int i;
	struct range r;

	if (m.nb_live == 0)
		return;
	i = fuzz_below(in, m.nb_live);
	r = m.live[i];
	FUZZ_TRACE("free 0x%" PRIx64 " 0x%zx", r.iova, r.size);
	dmamap_iova_free(m.iovad, r.iova, r.size);
	mark(r.iova, r.len, 0);
	m.live[i] = m.live[--m.nb_live];
}

/* Whether (iova, size) frees a live range, so it is not a bad free. */
static bool
frees_live(rte_iova_t iova, size_t size)
{
	unsigned int i;

	for (i = 0; i < m.nb_live; i++)
		if (m.live[i].iova == iova && m.live[i].len == model_round(size))
			return true;
	return false;
}

/*
 * A free of something not allocated. Sizes the magazines take are not
 * checked on the fast path (as in the kernel), so bad frees are tried only
 * with sizes that go to the range allocator, which must refuse them.
 */
static void
op_bad_free(struct fuzz_input *in)
{
	rte_iova_t iova = m.start + fuzz_below(in, (uint32_t)RTE_MIN(m.pages <<
		m.shift, (uint64_t)UINT32_MAX));
	size_t size = 1 + fuzz_below(in, (uint32_t)RTE_MIN(m.pages << m.shift,
		(uint64_t)UINT32_MAX));
	uint64_t used = dmamap_iovad_used(m.iovad);

	if (fuzz_u8(in) & 1)
		iova = RTE_ALIGN_FLOOR(iova, m.granule);
	if (model_round(size) <= m.cache_max || frees_live(iova, size))
		return;
	FUZZ_TRACE("bad free 0x%" PRIx64 " 0x%zx", iova, size);
	dmamap_iova_free(m.iovad, iova, size);
	FUZZ_CHECK(dmamap_iovad_used(m.iovad) == used, "bad free of 0x%" PRIx64
		"+0x%zx changed the bytes in use", iova, size);
}

static void
check_used(void)
{
	uint64_t used = 0;
	unsigned int i;

	dmamap_iovad_purge_caches(m.iovad);
	for (i = 0; i < m.nb_live; i++)
		used += m.live[i].len;
	FUZZ_CHECK(dmamap_iovad_used(m.iovad) == used, "0x%" PRIx64 " bytes in "
		"use, the model has 0x%" PRIx64, dmamap_iovad_used(m.iovad), used);
}

/*
 * Geometry from the input: granules of 4 KiB to 2 MiB, and huge ones for
 * apertures up to 2^63 bytes; up to 2048 granules.
 */
static void
setup(struct fuzz_input *in)
{
	static const unsigned int shifts[] = { 12, 12, 13, 16, 21, 30, 52 };
	uint8_t sel = fuzz_u8(in);
	unsigned int n;

	memset(&m, 0, sizeof(m));
	m.shift = shifts[sel % RTE_DIM(shifts)];
	m.granule = UINT64_C(1) << m.shift;
	m.pages = 1 + fuzz_below(in, PAGES_MAX);
	m.start = (sel & 0x40) ? 0 : fuzz_u64(in) & ~(m.granule - 1);
	if (m.start > UINT64_MAX - (m.pages << m.shift) + 1)
		m.start = UINT64_MAX - (m.pages << m.shift) + 1;
	m.last = m.start + (m.pages << m.shift) - 1;
	if (sel & 0x80) {
		for (n = 0; n < 8 && (m.granule << n) <= DMAMAP_IOVA_CACHED_MAX; n++)
			;
		m.cache_max = n == 0 ? 0 : m.granule << (n - 1);
	}
	m.iovad = dmamap_iovad_create("fuzz_iovad", m.start, m.last, m.granule,
		m.cache_max != 0);
	FUZZ_CHECK(m.iovad != NULL, "create [0x%" PRIx64 ", 0x%" PRIx64 "] "
		"granule 0x%" PRIx64 ": %d", m.start, m.last, m.granule, rte_errno);
	FUZZ_TRACE("allocator [0x%" PRIx64 ", 0x%" PRIx64 "] granule 0x%" PRIx64
		" cached %d", m.start, m.last, m.granule, m.cache_max != 0);
}

/* Everything freed: the whole aperture is one free range again. */
static void
teardown(void)
{
	size_t all = m.last - m.start + 1;
	uint64_t len = model_round(all);
	rte_iova_t iova;

	while (m.nb_live > 0) {
		m.nb_live--;
		dmamap_iova_free(m.iovad, m.live[m.nb_live].iova,
			m.live[m.nb_live].size);
		mark(m.live[m.nb_live].iova, m.live[m.nb_live].len, 0);
	}
	check_used();
	iova = dmamap_iova_alloc(m.iovad, all, 0, m.last);
	if (model_fits(len, model_align(len, 0), m.last)) {
		FUZZ_CHECK(iova == m.start, "whole aperture after the frees: 0x%"
			PRIx64 " errno %d", iova, rte_errno);
		dmamap_iova_free(m.iovad, iova, all);
	} else {
		FUZZ_CHECK(iova == RTE_BAD_IOVA, "0x%" PRIx64 " rounded to 0x%"
			PRIx64 " cannot fit", (uint64_t)all, len);
	}
	FUZZ_CHECK(dmamap_iovad_used(m.iovad) == 0, "used after the last free");
	dmamap_iovad_destroy(m.iovad);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;

	fuzz_input_init(&in, data, size);
	setup(&in);
	while (!fuzz_input_done(&in)) {
		switch (fuzz_u8(&in) % 8) {
		case 0:
		case 1:
		case 2:
			op_alloc(&in);
			break;
		case 3:
		case 4:
			op_free(&in);
			break;
		case 5:
			op_bad_free(&in);
			break;
		case 6:
			check_used();
			break;
		default:
			dmamap_iovad_purge_caches(m.iovad);
			break;
		}
	}
	teardown();
	return 0;
}
