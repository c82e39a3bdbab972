/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The state every process shares, in one memzone: a record per device
 * (its devargs, dmamap id, domain, fault log) and the IOMMU groups. The
 * primary process creates devices and groups; secondary processes find the
 * devices here and drive the same "hardware".
 *
 * A group is one IOMMU domain: devices given the same group= share it, a
 * device without group= gets a domain of its own. The domain is created
 * with the first device and destroyed with the last.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>

#include "emu_private.h"

#define EMU_SHARED_MZ "bus_emu_shared"
#define EMU_MAX_GROUPS EMU_MAX_DEVS

struct emu_group {
	bool used;
	int group;                 /* devargs group, -1: a device's own */
	enum emu_iommu_mode mode;
	unsigned int window;
	unsigned int refcnt;
	char domain[RTE_DMAMAP_NAME_LEN];
};

struct emu_shared {
	rte_spinlock_t lock;
	uint32_t next_domain;      /* suffix of private domain names */
	struct emu_group groups[EMU_MAX_GROUPS];
	struct emu_dev_shared devs[EMU_MAX_DEVS];
};

static struct emu_shared *emu_shared;

int
emu_shared_init(void)
{
	const struct rte_memzone *mz;

	if (emu_shared != NULL)
		return 0;
	mz = rte_memzone_lookup(EMU_SHARED_MZ);
	if (mz == NULL && rte_eal_process_type() == RTE_PROC_PRIMARY) {
		mz = rte_memzone_reserve(EMU_SHARED_MZ, sizeof(*emu_shared),
			SOCKET_ID_ANY, 0);
		if (mz == NULL) {
			EMU_LOG(ERR, "cannot reserve the %s memzone: %s",
				EMU_SHARED_MZ, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		memset(mz->addr, 0, sizeof(*emu_shared));
		rte_spinlock_init(&((struct emu_shared *)mz->addr)->lock);
	}
	if (mz == NULL)
		return -ENOENT;
	emu_shared = mz->addr;
	return 0;
}

struct emu_dev_shared *
emu_shared_dev(unsigned int slot)
{
	if (emu_shared == NULL || slot >= EMU_MAX_DEVS ||
			!emu_shared->devs[slot].used)
		return NULL;
	return &emu_shared->devs[slot];
}

struct emu_dev_shared *
emu_shared_find(const char *name)
{
	unsigned int i;

	if (emu_shared == NULL)
		return NULL;
	for (i = 0; i < EMU_MAX_DEVS; i++)
		if (emu_shared->devs[i].used &&
				strcmp(emu_shared->devs[i].name, name) == 0)
			return &emu_shared->devs[i];
	return NULL;
}

struct emu_dev_shared *
emu_shared_by_name(const char *name)
{
	struct emu_dev_shared *sh;

	if (emu_shared_init() < 0)
		return NULL;
	sh = emu_shared_find(name);
	return sh != NULL && sh->ready ? sh : NULL;
}

struct emu_dev_shared *
emu_shared_alloc(const char *name, const struct emu_params *p)
{
	struct emu_dev_shared *sh = NULL;
	unsigned int i;

	rte_spinlock_lock(&emu_shared->lock);
	for (i = 0; i < EMU_MAX_DEVS && sh == NULL; i++)
		if (!emu_shared->devs[i].used)
			sh = &emu_shared->devs[i];
	if (sh != NULL) {
		memset(sh, 0, sizeof(*sh));
		sh->used = true;
		strlcpy(sh->name, name, sizeof(sh->name));
		sh->params = *p;
		sh->dmamap_id = -1;
		sh->group_slot = -1;
		emu_fault_reset(&sh->faults);
	}
	rte_spinlock_unlock(&emu_shared->lock);
	if (sh == NULL) {
		EMU_LOG(ERR, "%s: all %d emu device records are in use",
			name, EMU_MAX_DEVS);
		rte_errno = ENOSPC;
	}
	return sh;
}

void
emu_shared_free(struct emu_dev_shared *sh)
{
	rte_spinlock_lock(&emu_shared->lock);
	sh->ready = false;
	sh->used = false;
	rte_spinlock_unlock(&emu_shared->lock);
}

/*
 * Groups.
 */

static struct emu_group *
emu_group_find(int group)
{
	unsigned int i;

	if (group < 0)
		return NULL;
	for (i = 0; i < EMU_MAX_GROUPS; i++)
		if (emu_shared->groups[i].used &&
				emu_shared->groups[i].group == group)
			return &emu_shared->groups[i];
	return NULL;
}

static struct emu_group *
emu_group_slot_alloc(void)
{
	unsigned int i;

	for (i = 0; i < EMU_MAX_GROUPS; i++)
		if (!emu_shared->groups[i].used)
			return &emu_shared->groups[i];
	return NULL;
}

/* A device joins a group only on the group's terms. */
static int
emu_group_check(const struct emu_group *g, const struct emu_dev_shared *sh)
{
	const struct emu_params *p = &sh->params;

	if (g->mode != p->iommu || g->window != p->window) {
		EMU_LOG(ERR, "%s: group %d is iommu=%s,window=%u; the device asks iommu=%s,window=%u",
			sh->name, g->group, emu_iommu_mode_name(g->mode),
			g->window, emu_iommu_mode_name(p->iommu), p->window);
		return -EINVAL;
	}
	return 0;
}

static struct rte_dmamap_domain *
emu_domain_create(const struct emu_group *g, const struct emu_params *p)
{
	struct rte_dmamap_domain_conf conf = {
		.name = g->domain,
		.backend = EMU_IOMMU_BACKEND,
		.aperture_start = p->window ? UINT64_C(1) << p->window :
			EMU_PAGE_SIZE,
		.aperture_last = (UINT64_C(1) << EMU_IOVA_BITS) - 1,
		.pgsize_bitmap = EMU_PAGE_SIZE | EMU_PAGE_2M | EMU_PAGE_1G,
		.flush = p->iommu == EMU_IOMMU_LAZY ? RTE_DMAMAP_FLUSH_LAZY :
			RTE_DMAMAP_FLUSH_STRICT,
		.priv_size = emu_iommu_priv_size(p->pt_pages),
		.socket_id = p->numa_node,
	};
	struct rte_dmamap_domain *dom;
	int ret;

	dom = rte_dmamap_domain_create(&conf);
	if (dom == NULL) {
		EMU_LOG(ERR, "cannot create IOMMU domain %s: %s", g->domain,
			rte_strerror(rte_errno));
		return NULL;
	}
	ret = emu_iommu_setup(dom, p->pt_pages, conf.aperture_start,
		conf.aperture_last, p->iommu == EMU_IOMMU_LAZY);
	if (ret < 0) {
		EMU_LOG(ERR, "cannot set up IOMMU domain %s: %s", g->domain,
			strerror(-ret));
		rte_dmamap_domain_destroy(dom);
		rte_errno = -ret;
		return NULL;
	}
	return dom;
}

static struct emu_group *
emu_group_new(const struct emu_dev_shared *sh)
{
	struct emu_group *g = emu_group_slot_alloc();

	if (g == NULL) {
		EMU_LOG(ERR, "%s: all %d IOMMU groups are in use", sh->name,
			EMU_MAX_GROUPS);
		return NULL;
	}
	memset(g, 0, sizeof(*g));
	g->group = sh->params.group;
	g->mode = sh->params.iommu;
	g->window = sh->params.window;
	if (g->group >= 0)
		snprintf(g->domain, sizeof(g->domain), "emu_iommu_g%d", g->group);
	else
		snprintf(g->domain, sizeof(g->domain), "emu_iommu_d%u",
			emu_shared->next_domain++);
	return g;
}

struct rte_dmamap_domain *
emu_group_get(struct emu_dev_shared *sh)
{
	struct rte_dmamap_domain *dom = NULL;
	struct emu_group *g;

	g = emu_group_find(sh->params.group);
	if (g != NULL) {
		if (emu_group_check(g, sh) < 0) {
			rte_errno = EINVAL;
			return NULL;
		}
		dom = rte_dmamap_domain_lookup(g->domain);
		if (dom == NULL)
			EMU_LOG(ERR, "%s: domain %s of group %d is gone",
				sh->name, g->domain, g->group);
	} else {
		g = emu_group_new(sh);
		if (g == NULL) {
			rte_errno = ENOSPC;
			return NULL;
		}
		dom = emu_domain_create(g, &sh->params);
		g->used = dom != NULL;
	}
	if (dom == NULL)
		return NULL;
	g->refcnt++;
	sh->group_slot = g - emu_shared->groups;
	strlcpy(sh->domain, g->domain, sizeof(sh->domain));
	return dom;
}

void
emu_group_put(struct emu_dev_shared *sh)
{
	struct rte_dmamap_domain *dom;
	struct emu_group *g;
	int ret;

	if (sh->group_slot < 0)
		return;
	g = &emu_shared->groups[sh->group_slot];
	sh->group_slot = -1;
	if (--g->refcnt > 0)
		return;
	dom = rte_dmamap_domain_lookup(g->domain);
	ret = dom == NULL ? -ENOENT : rte_dmamap_domain_destroy(dom);
	if (ret < 0) {
		/* Keep the group: a later device of it finds the domain. */
		EMU_LOG(ERR, "cannot destroy IOMMU domain %s: %s", g->domain,
			strerror(-ret));
		return;
	}
	g->used = false;
}
