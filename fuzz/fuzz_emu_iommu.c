/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the emu bus's software IOMMU page tables, programmed
 * directly (rte_bus_emu_iommu_map / unmap / walk) with ranges of mixed
 * alignment, so 4 KiB, 2 MiB and 1 GiB leaves mix and large leaves get
 * split. A model keeps the leaves the tables must hold (the largest leaf
 * that IOVA, target and length allow, as documented; a cut leaf becomes
 * 512 of the next size) and checks after every call:
 * - map: -EINVAL for a bad range, -EEXIST over a mapping, -ENOMEM exactly
 *   when the tables of the result do not fit the pool; nothing changes on
 *   error;
 * - unmap: -ENOENT unless wholly mapped, -ENOMEM only when the splits need
 *   more free pages than there are;
 * - walks give the model's target, leaf size and protection, and nothing
 *   where nothing is mapped; the leaf counts, mapped bytes and page-table
 *   pages in use are the model's.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap_domain.h>

#include "emu_private.h"
#include "fuzz_common.h"

#define K4 (UINT64_C(1) << 12)
#define M2 (UINT64_C(1) << 21)
#define G1 (UINT64_C(1) << 30)
#define LEAVES_MAX 20000u

struct leaf {
	rte_iova_t iova;
	uint64_t size;
	rte_iova_t target;
	uint32_t prot;
};

static struct {
	const char *name;
	const char *devargs;
	struct rte_dmamap_domain *dom;
	struct rte_bus_emu_iommu_info info;
} doms[] = {
	{ "fzi0", "emu:fzi0,type=fuzz,iommu=strict,pt_pages=256", NULL, { 0 } },
	{ "fzi1", "emu:fzi1,type=fuzz,iommu=lazy,pt_pages=16", NULL, { 0 } },
};

static struct {
	unsigned int dom;
	unsigned int nb;
	struct leaf *l;      /* sorted by IOVA */
	struct leaf *tmp;
} m;

static int
fz_probe(struct rte_emu_device *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static int
fz_remove(struct rte_emu_device *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static struct rte_emu_driver fz_drv = {
	.type = "fuzz",
	.probe = fz_probe,
	.remove = fz_remove,
};

RTE_PMD_REGISTER_EMU(emu_fuzz_iommu, fz_drv);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int i;

	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	for (i = 0; i < RTE_DIM(doms); i++) {
		FUZZ_CHECK(rte_dev_probe(doms[i].devargs) == 0, "%s", doms[i].devargs);
		doms[i].dom = rte_bus_emu_domain(doms[i].name);
		FUZZ_CHECK(doms[i].dom != NULL, "no domain for %s", doms[i].name);
		FUZZ_CHECK(rte_bus_emu_iommu_info_get(doms[i].name,
			&doms[i].info) == 0, "info");
	}
	m.l = calloc(LEAVES_MAX, sizeof(*m.l));
	m.tmp = calloc(LEAVES_MAX, sizeof(*m.tmp));
	FUZZ_CHECK(m.l != NULL && m.tmp != NULL, "no memory for the model");
	return 0;
}

/*
 * The model.
 */

static unsigned int
level_of(uint64_t size)
{
	return size == G1 ? 3 : size == M2 ? 2 : 1;
}

/* First leaf ending above iova. */
static unsigned int
model_search(rte_iova_t iova)
{
	unsigned int lo = 0, hi = m.nb, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m.l[mid].iova + m.l[mid].size - 1 < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct leaf *
model_find(rte_iova_t iova)
{
	unsigned int i = model_search(iova);

	return i < m.nb && m.l[i].iova <= iova ? &m.l[i] : NULL;
}

static bool
model_any(rte_iova_t iova, uint64_t len)
{
	unsigned int i = model_search(iova);

	return i < m.nb && m.l[i].iova <= iova + len - 1;
}

/* Page-table pages the leaves need: root, and one table per region used. */
static unsigned int
model_pages(const struct leaf *l, unsigned int nb)
{
	unsigned int pages = 1, i;
	uint64_t l3 = UINT64_MAX, l2 = UINT64_MAX, l1 = UINT64_MAX;

	for (i = 0; i < nb; i++) {
		if (l[i].iova >> 39 != l3) {
			l3 = l[i].iova >> 39;
			pages++;
		}
		if (l[i].size < G1 && l[i].iova >> 30 != l2) {
			l2 = l[i].iova >> 30;
			pages++;
		}
		if (l[i].size == K4 && l[i].iova >> 21 != l1) {
			l1 = l[i].iova >> 21;
			pages++;
		}
	}
	return pages;
}

/* Largest leaf iova, target and the length left allow. */
static uint64_t
leaf_size(rte_iova_t iova, rte_iova_t target, uint64_t left)
{
	if (((iova | target) & (G1 - 1)) == 0 && left >= G1)
		return G1;
	if (((iova | target) & (M2 - 1)) == 0 && left >= M2)
		return M2;
	return K4;
}

/*
 * New leaf set into m.tmp: old leaves with those of the map inserted, up
 * to the first that overlaps a mapping (then *overlap is set): the map
 * sets leaves in order, so that is what it reaches before failing.
 */
static int
model_map(rte_iova_t iova, rte_iova_t target, uint64_t len, uint32_t prot,
		unsigned int *nb, bool *overlap)
{
	unsigned int at = model_search(iova), n = 0, i;
	uint64_t done = 0, size;

	*overlap = false;
	for (i = 0; i < at; i++)
		m.tmp[n++] = m.l[i];
	while (done < len) {
		if (n + (m.nb - at) >= LEAVES_MAX)
			return -E2BIG;
		size = leaf_size(iova + done, target + done, len - done);
		if (model_any(iova + done, size)) {
			*overlap = true;
			break;
		}
		m.tmp[n++] = (struct leaf){ iova + done, size, target + done, prot };
		done += size;
	}
	for (i = at; i < m.nb; i++)
		m.tmp[n++] = m.l[i];
	*nb = n;
	return 0;
}

/*
 * What is left of leaf l once [iova, end) is unmapped, appended to m.tmp:
 * a cut leaf is split (one page-table page) into 512 of the next size,
 * each of which is kept, dropped or cut in turn.
 */
static int
model_keep(const struct leaf *l, rte_iova_t iova, rte_iova_t end,
		unsigned int *n, unsigned int *nsplits)
{
	uint64_t child = l->size == G1 ? M2 : K4;
	struct leaf c;
	int ret;

	if (l->iova + l->size <= iova || l->iova >= end) {
		if (*n >= LEAVES_MAX)
			return -E2BIG;
		m.tmp[(*n)++] = *l;
		return 0;
	}
	if (l->iova >= iova && l->iova + l->size <= end)
		return 0;
	(*nsplits)++;
	for (c = *l, c.size = child; c.iova < l->iova + l->size;
			c.iova += child, c.target += child) {
		ret = model_keep(&c, iova, end, n, nsplits);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Leaves after an unmap of [iova, end), into m.tmp, in order. */
static int
model_unmap(rte_iova_t iova, rte_iova_t end, unsigned int *nb,
		unsigned int *nsplits)
{
	unsigned int i, n = 0;
	int ret;

	*nsplits = 0;
	for (i = 0; i < m.nb; i++) {
		ret = model_keep(&m.l[i], iova, end, &n, nsplits);
		if (ret < 0)
			return ret;
	}
	*nb = n;
	return 0;
}

static void
model_commit(unsigned int nb)
{
	struct leaf *t = m.l;

	m.l = m.tmp;
	m.tmp = t;
	m.nb = nb;
}

/*
 * Checks.
 */

static struct rte_dmamap_domain *
dom(void)
{
	return doms[m.dom].dom;
}

static void
check_walk(rte_iova_t iova)
{
	const struct leaf *l = model_find(iova);
	struct rte_bus_emu_pte pte;
	int ret;

	ret = rte_bus_emu_iommu_walk(dom(), iova, &pte);
	if (l == NULL) {
		FUZZ_CHECK(ret == -ENOENT, "walk of unmapped 0x%" PRIx64 ": %d",
			iova, ret);
		return;
	}
	FUZZ_CHECK(ret == 0, "walk of 0x%" PRIx64 ": %d", iova, ret);
	FUZZ_CHECK(pte.target == l->target + (iova - l->iova) &&
		pte.page_size == l->size && pte.prot == l->prot,
		"walk of 0x%" PRIx64 ": target 0x%" PRIx64 " size 0x%zx prot %u,"
		" model 0x%" PRIx64 " 0x%" PRIx64 " %u", iova, pte.target,
		pte.page_size, pte.prot, l->target + (iova - l->iova), l->size,
		l->prot);
}

static void
check_state(void)
{
	struct rte_bus_emu_iommu_info info;
	uint64_t n[3] = { 0 }, bytes = 0;
	unsigned int i;

	FUZZ_CHECK(rte_bus_emu_iommu_info_get(doms[m.dom].name, &info) == 0, "");
	for (i = 0; i < m.nb; i++) {
		n[level_of(m.l[i].size) - 1]++;
		bytes += m.l[i].size;
	}
	FUZZ_CHECK(info.leaves_4k == n[0] && info.leaves_2m == n[1] &&
		info.leaves_1g == n[2] && info.mapped_bytes == bytes,
		"leaves %" PRIu64 "/%" PRIu64 "/%" PRIu64 " bytes 0x%" PRIx64
		", model %" PRIu64 "/%" PRIu64 "/%" PRIu64 " 0x%" PRIx64,
		info.leaves_4k, info.leaves_2m, info.leaves_1g,
		info.mapped_bytes, n[0], n[1], n[2], bytes);
	FUZZ_CHECK(info.pt_pages == model_pages(m.l, m.nb), "%u page-table "
		"pages in use, model %u", info.pt_pages, model_pages(m.l, m.nb));
}

/* Walk the edges of a range and a few points inside. */
static void
check_range(struct fuzz_input *in, rte_iova_t iova, uint64_t len)
{
	unsigned int i;

	check_walk(iova);
	check_walk(iova + len - 1);
	if (iova >= K4)
		check_walk(iova - 1);
	check_walk(iova + len);
	for (i = 0; i < 4; i++)
		check_walk(iova + fuzz_u64(in) % len);
	check_state();
}

/*
 * Operations.
 */

static const uint64_t units[] = { K4, M2, G1 };
static const rte_iova_t bases[] = {
	0, G1, UINT64_C(1) << 39, (UINT64_C(1) << 39) - G1,
	(UINT64_C(1) << 48) - 4 * G1, UINT64_C(7) << 36,
};

static rte_iova_t
pick_iova(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);

	return bases[sel % RTE_DIM(bases)] + (fuzz_u8(in) % 8) * units[sel / 64 % 3] +
		(sel & 0x20 ? (fuzz_u16(in) % 1024) * K4 : 0);
}

static uint64_t
pick_len(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);
	uint64_t len = (1 + fuzz_u8(in) % 4) * units[sel % 3];

	if (sel & 0x10)
		len += (fuzz_u16(in) % 1024) * K4;
	if (sel & 0x20)
		len = fuzz_u64(in) % (UINT64_C(1) << 32);
	return len;
}

static bool
map_valid(rte_iova_t iova, rte_iova_t target, uint64_t len, uint32_t prot)
{
	const struct rte_bus_emu_iommu_info *a = &doms[m.dom].info;

	return len != 0 && ((iova | len | target) & (K4 - 1)) == 0 &&
		iova + len - 1 >= iova && iova >= a->aperture_start &&
		iova + len - 1 <= a->aperture_last && target + len > target &&
		target + len <= (UINT64_C(1) << 52) && prot != 0 && prot <= 3;
}

static void
op_map(struct fuzz_input *in)
{
	rte_iova_t iova = pick_iova(in);
	rte_iova_t target = (fuzz_u8(in) & 1) ? iova : pick_iova(in) +
		(fuzz_u8(in) % 4) * (UINT64_C(1) << 46);
	uint64_t len = pick_len(in);
	uint32_t prot = fuzz_u8(in) % 5;
	unsigned int nb = 0;
	bool overlap;
	int ret, want;

	if (fuzz_u8(in) == 0)
		iova += 1 + fuzz_below(in, K4 - 1);
	if (!map_valid(iova, target, len, prot))
		want = -EINVAL;
	else if (model_map(iova, target, len, prot, &nb, &overlap) < 0)
		return;
	else if (model_pages(m.tmp, nb) > doms[m.dom].info.pt_pages_max)
		want = -ENOMEM;
	else
		want = overlap ? -EEXIST : 0;
	FUZZ_TRACE("map 0x%" PRIx64 " -> 0x%" PRIx64 " len 0x%" PRIx64
		" prot %u: model %d", iova, target, len, prot, want);
	ret = rte_bus_emu_iommu_map(dom(), iova, target, len, prot);
	FUZZ_CHECK(ret == want, "map 0x%" PRIx64 " -> 0x%" PRIx64 " len 0x%"
		PRIx64 ": %d, model %d", iova, target, len, ret, want);
	if (ret == 0)
		model_commit(nb);
	check_range(in, iova, len == 0 ? 1 : len);
}

static void
op_unmap(struct fuzz_input *in)
{
	const struct rte_bus_emu_iommu_info *a = &doms[m.dom].info;
	struct rte_bus_emu_iommu_info info;
	rte_iova_t iova;
	uint64_t len, free_pages;
	unsigned int nb = 0, nsplits = 0, i;
	bool whole = true;
	int ret, want;

	/* Mostly a piece of what is mapped. */
	if (m.nb > 0 && (fuzz_u8(in) & 3) != 0) {
		i = fuzz_below(in, m.nb);
		iova = m.l[i].iova + RTE_ALIGN_FLOOR(fuzz_u64(in) % m.l[i].size, K4);
		len = RTE_ALIGN_CEIL(1 + fuzz_u64(in) % (4 * m.l[i].size), K4);
	} else {
		iova = pick_iova(in);
		len = pick_len(in);
	}
	FUZZ_CHECK(rte_bus_emu_iommu_info_get(doms[m.dom].name, &info) == 0, "");
	free_pages = info.pt_pages_max - info.pt_pages;
	if (len == 0 || ((iova | len) & (K4 - 1)) != 0 || iova + len - 1 < iova ||
			iova < a->aperture_start || iova + len - 1 > a->aperture_last) {
		want = -EINVAL;
	} else {
		for (rte_iova_t p = iova; p < iova + len && whole;) {
			const struct leaf *l = model_find(p);

			if (l == NULL)
				whole = false;
			else
				p = l->iova + l->size;
		}
		if (!whole)
			want = -ENOENT;
		else if (model_unmap(iova, iova + len, &nb, &nsplits) < 0)
			return;
		else
			want = nsplits > free_pages ? -ENOMEM : 0;
	}
	FUZZ_TRACE("unmap 0x%" PRIx64 " len 0x%" PRIx64 ": model %d (%u splits,"
		" %" PRIu64 " free)", iova, len, want, nsplits, free_pages);
	ret = rte_bus_emu_iommu_unmap(dom(), iova, len);
	FUZZ_CHECK(ret == want, "unmap 0x%" PRIx64 " len 0x%" PRIx64 ": %d, "
		"model %d (%u splits, %" PRIu64 " free pages)", iova, len, ret,
		want, nsplits, free_pages);
	if (ret == 0)
		model_commit(nb);
	check_range(in, iova, len == 0 ? 1 : len);
}

static void
clear_all(void)
{
	while (m.nb > 0) {
		FUZZ_CHECK(rte_bus_emu_iommu_unmap(dom(), m.l[m.nb - 1].iova,
			m.l[m.nb - 1].size) == 0, "unmap of a whole leaf");
		m.nb--;
	}
	check_state();
	FUZZ_CHECK(rte_bus_emu_iommu_flush(dom(), 0, 0) == 0, "flush");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;

	fuzz_input_init(&in, data, size);
	m.dom = fuzz_u8(&in) % RTE_DIM(doms);
	m.nb = 0;
	while (!fuzz_input_done(&in)) {
		switch (fuzz_u8(&in) % 3) {
		case 0:
		case 1:
			op_map(&in);
			break;
		default:
			op_unmap(&in);
			break;
		}
	}
	clear_all();
	return 0;
}
