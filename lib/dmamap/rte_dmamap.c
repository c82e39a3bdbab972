/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Devices: attach, detach, lookup, counters. The records of attached
 * devices live in one memzone shared by all processes; each process keeps
 * its own fast-path objects, filled from the records.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_memzone.h>
#include <rte_rwlock.h>

#include "dmamap_private.h"

RTE_LOG_REGISTER(dmamap_logtype, lib.dmamap, NOTICE);

#define DMAMAP_DEVS_MZ "dmamap_devs"
/* Masks narrower than this may not reach all memory: such devices get a
 * bounce pool when nothing else (a domain) translates for them.
 */
#define DMAMAP_BOUNCE_BELOW_BITS 48

struct dmamap_shared {
	bool debug_default;
	/* Readers outside the attach path (telemetry, in any process) hold
	 * it shared while they use a device; detach takes it exclusive to
	 * retire the device, so nothing it frees is still being read.
	 */
	rte_rwlock_t devs_lock;
	struct dmamap_dev devs[RTE_DMAMAP_MAX_DEVS];
};

struct rte_dmamap_fp_object rte_dmamap_fp_objs[RTE_DMAMAP_MAX_DEVS];
struct rte_dmamap_identity rte_dmamap_identity;

static struct dmamap_shared *dmamap_shared;
/* Attach and detach run in the primary only; this orders them. */
static pthread_mutex_t dmamap_attach_lock = PTHREAD_MUTEX_INITIALIZER;
/* Per-process: cache operations of each device. */
static const struct rte_dmamap_cache_ops *dmamap_dev_cache_ops[RTE_DMAMAP_MAX_DEVS];

static int
dmamap_shared_init(void)
{
	const struct rte_memzone *mz;

	if (__atomic_load_n(&dmamap_shared, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	if (rte_eal_process_type() == RTE_PROC_PRIMARY) {
		/* Reserve first: a lookup then a reserve lets two threads
		 * both miss the zone, and the loser's reserve fail. The one
		 * whose reserve made the zone sets it up.
		 */
		mz = rte_memzone_reserve(DMAMAP_DEVS_MZ,
			sizeof(struct dmamap_shared), SOCKET_ID_ANY, 0);
		if (mz == NULL && rte_errno == EEXIST)
			mz = rte_memzone_lookup(DMAMAP_DEVS_MZ);
		else if (mz != NULL && getenv("RTE_DMAMAP_DEBUG") != NULL &&
				strcmp(getenv("RTE_DMAMAP_DEBUG"), "0") != 0)
			((struct dmamap_shared *)mz->addr)->debug_default = true;
	} else {
		mz = rte_memzone_lookup(DMAMAP_DEVS_MZ);
	}
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "cannot %s memzone %s: %s",
			rte_eal_process_type() == RTE_PROC_PRIMARY ?
			"reserve" : "find", DMAMAP_DEVS_MZ,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	__atomic_store_n(&dmamap_shared, mz->addr, __ATOMIC_RELEASE);
	return 0;
}

/* Everything the slow paths need: the shared records and the tables. */
static int
dmamap_init(void)
{
	int ret;

	ret = dmamap_shared_init();
	if (ret < 0)
		return ret;
	return dmamap_xlate_init();
}

static bool
dmamap_dev_id_valid(int16_t dev_id)
{
	return dev_id >= 0 && dev_id < RTE_DMAMAP_MAX_DEVS &&
		dmamap_shared != NULL && dmamap_shared->devs[dev_id].attached;
}

/* Fill this process's fast-path object from a device record. */
static void
dmamap_fp_setup(struct dmamap_dev *dev)
{
	struct rte_dmamap_fp_object *fp = &rte_dmamap_fp_objs[dev->dev_id];
	/* A direct limit of 0 means none: IOVA 0 is not direct either. */
	bool plain = !(dev->flags & RTE_DMAMAP_F_NONCOHERENT) &&
		dev->debug == NULL && dev->direct_limit != 0;

	fp->inline_direct = 0;
	fp->sync_free = 0;
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	fp->direct_limit = dev->direct_limit;
	fp->bounce_iova = dev->bounce != NULL ? dmamap_bounce_pool_iova(dev->bounce) : 0;
	fp->bounce_len = dev->bounce != NULL ? dmamap_bounce_pool_size(dev->bounce) : 0;
	fp->stats = dev->stats;
	dmamap_dev_cache_ops[dev->dev_id] = dev->cache_ops[0] != '\0' ?
		dmamap_cache_ops_find(dev->cache_ops) : NULL;
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	fp->inline_direct = plain;
	fp->sync_free = plain;
}

static void
dmamap_fp_clear(int16_t dev_id)
{
	struct rte_dmamap_fp_object *fp = &rte_dmamap_fp_objs[dev_id];

	fp->inline_direct = 0;
	fp->sync_free = 0;
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	fp->direct_limit = 0;
	fp->bounce_iova = 0;
	fp->bounce_len = 0;
	dmamap_dev_cache_ops[dev_id] = NULL;
}

/* Map what the primary placed for the device in this process, then fill
 * the fast-path object.
 */
static int
dmamap_secondary_setup(struct dmamap_dev *dev)
{
	char name[RTE_MEMZONE_NAMESIZE];

	if (rte_eal_process_type() != RTE_PROC_PRIMARY && dev->bounce != NULL) {
		snprintf(name, sizeof(name), "dmamap_bnc%d", dev->dev_id);
		if (dmamap_bounce_lookup(name) != dev->bounce) {
			DMAMAP_LOG(ERR, "%s: cannot map the bounce pool in this process",
				dev->name);
			rte_errno = ENOMEM;
			return -ENOMEM;
		}
	}
	dmamap_fp_setup(dev);
	return 0;
}

struct dmamap_dev *
dmamap_dev_get(int16_t dev_id)
{
	struct dmamap_dev *dev;

	if (dmamap_init() < 0 || !dmamap_dev_id_valid(dev_id)) {
		DMAMAP_LOG(ERR, "no attached device with dmamap id %d", dev_id);
		rte_errno = EINVAL;
		return NULL;
	}
	dev = &dmamap_shared->devs[dev_id];
	/* A secondary process meets the device here first. */
	if (rte_dmamap_fp_objs[dev_id].stats != dev->stats &&
			dmamap_secondary_setup(dev) < 0)
		return NULL;
	return dev;
}

void
dmamap_dev_count(struct dmamap_dev *dev, size_t field_offset, uint64_t n)
{
	unsigned int lcore = rte_lcore_id();
	uint64_t *counter;

	if (lcore < RTE_MAX_LCORE) {
		counter = RTE_PTR_ADD(&dev->stats[lcore], field_offset);
		*counter += n;
		return;
	}
	counter = RTE_PTR_ADD(&dev->stats[RTE_MAX_LCORE], field_offset);
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

void
dmamap_dev_cache_sync(struct dmamap_dev *dev, void *va, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, bool for_cpu)
{
	const struct rte_dmamap_cache_ops *ops = dmamap_dev_cache_ops[dev->dev_id];

	if (!(dev->flags & RTE_DMAMAP_F_NONCOHERENT))
		return;
	if (ops == NULL) {
		/* The device wrote nothing the CPU must see in a TO_DEVICE
		 * buffer; the platform's ops still learn of it below.
		 */
		if (for_cpu && dir != RTE_DMAMAP_TO_DEVICE)
			rte_rmb();
		else if (!for_cpu)
			rte_wmb();
		return;
	}
	if (for_cpu)
		ops->for_cpu(dev->dev_id, va, iova, len, dir);
	else
		ops->for_device(dev->dev_id, va, iova, len, dir);
}

/*
 * Attach.
 */

static int
dmamap_conf_check(struct rte_device *rdev, const struct rte_dmamap_conf *conf)
{
	const uint32_t known = RTE_DMAMAP_F_NONCOHERENT | RTE_DMAMAP_F_DEBUG |
		RTE_DMAMAP_F_NO_BOUNCE;

	if (rdev == NULL || conf == NULL || rte_dev_name(rdev) == NULL) {
		DMAMAP_LOG(ERR, "NULL device or configuration");
		return -EINVAL;
	}
	if (strlen(rte_dev_name(rdev)) >= sizeof(((struct dmamap_dev *)0)->name)) {
		DMAMAP_LOG(ERR, "device name %s too long", rte_dev_name(rdev));
		return -EINVAL;
	}
	if (conf->mask_bits < RTE_DMAMAP_MASK_BITS_MIN ||
			conf->mask_bits > RTE_DMAMAP_MASK_BITS_MAX) {
		DMAMAP_LOG(ERR, "%s: DMA mask of %u bits outside %u..%u",
			rte_dev_name(rdev), conf->mask_bits,
			RTE_DMAMAP_MASK_BITS_MIN, RTE_DMAMAP_MASK_BITS_MAX);
		return -EINVAL;
	}
	if (conf->flags & ~known) {
		DMAMAP_LOG(ERR, "%s: unknown flags 0x%x", rte_dev_name(rdev),
			conf->flags & ~known);
		return -EINVAL;
	}
	if ((unsigned int)conf->bypass > RTE_DMAMAP_BYPASS_FORCE) {
		DMAMAP_LOG(ERR, "%s: unknown bypass policy %d",
			rte_dev_name(rdev), conf->bypass);
		return -EINVAL;
	}
	if (conf->bypass == RTE_DMAMAP_BYPASS_NEVER && conf->domain == NULL) {
		DMAMAP_LOG(ERR, "%s: bypass never needs a domain", rte_dev_name(rdev));
		return -EINVAL;
	}
	if (conf->cache_ops != NULL && dmamap_cache_ops_find(conf->cache_ops) == NULL) {
		DMAMAP_LOG(ERR, "%s: no cache operations named %s",
			rte_dev_name(rdev), conf->cache_ops);
		return -EINVAL;
	}
	return 0;
}

static rte_iova_t
dmamap_mask_of(unsigned int bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/*
 * The last IOVA a device reaches without translation. Without a domain (or
 * forced to bypass it) that is its mask. With a domain it is the end of the
 * 1:1 window below the translated aperture: the window must not overlap the
 * aperture, or an IOVA could mean either.
 */
static int
dmamap_direct_limit(const struct dmamap_dev *dev, rte_iova_t *limit)
{
	rte_iova_t window;

	if (dev->domain == NULL || dev->bypass == RTE_DMAMAP_BYPASS_FORCE) {
		*limit = dev->mask;
		return 0;
	}
	if (dev->bypass == RTE_DMAMAP_BYPASS_NEVER) {
		*limit = 0;
		return 0;
	}
	window = dev->bypass_limit != 0 ? dev->bypass_limit :
		dmamap_domain_aperture_start(dev->domain);
	if (window > dmamap_domain_aperture_start(dev->domain)) {
		DMAMAP_LOG(ERR, "%s: bypass window limit 0x%" PRIx64
			" overlaps the aperture of domain %s (from 0x%" PRIx64 ")",
			dev->name, window, rte_dmamap_domain_name(dev->domain),
			dmamap_domain_aperture_start(dev->domain));
		return -EINVAL;
	}
	*limit = window == 0 ? 0 : RTE_MIN(dev->mask, window - 1);
	return 0;
}

static bool
dmamap_dev_wants_bounce(const struct dmamap_dev *dev)
{
	if (dev->flags & RTE_DMAMAP_F_NO_BOUNCE)
		return false;
	if (dev->domain != NULL && dev->bypass != RTE_DMAMAP_BYPASS_FORCE)
		return false;
	return dev->mask_bits < DMAMAP_BOUNCE_BELOW_BITS;
}

static int
dmamap_dev_resources(struct dmamap_dev *dev, const struct rte_dmamap_conf *conf)
{
	char name[RTE_MEMZONE_NAMESIZE];

	if (dmamap_dev_wants_bounce(dev)) {
		snprintf(name, sizeof(name), "dmamap_bnc%d", dev->dev_id);
		dev->bounce = dmamap_bounce_create(name, dev->mask,
			conf->bounce_size != 0 ? conf->bounce_size :
			DMAMAP_BOUNCE_DEFAULT_SIZE, dev->socket_id);
		if (dev->bounce == NULL) {
			DMAMAP_LOG(ERR, "%s: no bounce pool can be placed under "
				"its %u-bit mask", dev->name, dev->mask_bits);
			return -ENOMEM;
		}
	}
	if ((dev->flags & RTE_DMAMAP_F_DEBUG) || dmamap_shared->debug_default) {
		snprintf(name, sizeof(name), "dmamap_dbg%d", dev->dev_id);
		dev->debug = dmamap_debug_create(name, dev->socket_id);
		if (dev->debug == NULL) {
			DMAMAP_LOG(ERR, "%s: cannot create the debug checker",
				dev->name);
			if (dev->bounce != NULL)
				dmamap_bounce_destroy(dev->bounce);
			dev->bounce = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static void
dmamap_dev_fill(struct dmamap_dev *dev, int16_t dev_id, const char *name,
		const struct rte_dmamap_conf *conf)
{
	memset(dev, 0, offsetof(struct dmamap_dev, stats));
	memset(dev->stats, 0, sizeof(dev->stats));
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->dev_id = dev_id;
	dev->mask_bits = conf->mask_bits;
	dev->mask = dmamap_mask_of(conf->mask_bits);
	dev->flags = conf->flags;
	dev->bypass = conf->bypass;
	dev->bypass_limit = conf->bypass_limit;
	dev->socket_id = conf->socket_id;
	dev->domain = conf->domain;
	if (conf->cache_ops != NULL)
		snprintf(dev->cache_ops, sizeof(dev->cache_ops), "%s",
			conf->cache_ops);
}

static int
dmamap_find_slot(const char *name)
{
	int i, free_slot = -ENOSPC;

	for (i = 0; i < RTE_DMAMAP_MAX_DEVS; i++) {
		if (!dmamap_shared->devs[i].attached) {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcmp(dmamap_shared->devs[i].name, name) == 0) {
			DMAMAP_LOG(ERR, "%s already has a DMA context (id %d)",
				name, i);
			return -EEXIST;
		}
	}
	if (free_slot < 0)
		DMAMAP_LOG(ERR, "%s: all %d DMA contexts in use", name,
			RTE_DMAMAP_MAX_DEVS);
	return free_slot;
}

static int
dmamap_attach_locked(const char *name, const struct rte_dmamap_conf *conf)
{
	struct dmamap_dev *dev;
	int id, ret;

	id = dmamap_find_slot(name);
	if (id < 0)
		return id;
	dev = &dmamap_shared->devs[id];
	dmamap_dev_fill(dev, id, name, conf);
	ret = dmamap_direct_limit(dev, &dev->direct_limit);
	if (ret == 0)
		ret = dmamap_dev_resources(dev, conf);
	if (ret < 0)
		return ret;
	if (dev->domain != NULL)
		dmamap_domain_get(dev->domain);
	dmamap_fp_setup(dev);
	__atomic_store_n(&dev->attached, true, __ATOMIC_RELEASE);
	DMAMAP_LOG(INFO, "%s: id %d, %u-bit mask, %scoherent, direct up to 0x%"
		PRIx64 "%s%s%s", name, id, dev->mask_bits,
		dev->flags & RTE_DMAMAP_F_NONCOHERENT ? "non-" : "",
		dev->direct_limit, dev->domain != NULL ? ", domain " : "",
		dev->domain != NULL ? rte_dmamap_domain_name(dev->domain) : "",
		dev->bounce != NULL ? ", bounce pool" : "");
	return id;
}

int
rte_dmamap_attach(struct rte_device *rdev, const struct rte_dmamap_conf *conf)
{
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(ERR, "attach is for the primary process");
		return -E_RTE_SECONDARY;
	}
	ret = dmamap_conf_check(rdev, conf);
	if (ret < 0)
		return ret;
	ret = dmamap_init();
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&dmamap_attach_lock);
	ret = dmamap_attach_locked(rte_dev_name(rdev), conf);
	pthread_mutex_unlock(&dmamap_attach_lock);
	return ret;
}

static void
dmamap_dev_release(struct dmamap_dev *dev)
{
	unsigned int leaks, used;

	if (dev->debug != NULL) {
		leaks = dmamap_debug_destroy(dev->debug);
		if (leaks > 0)
			DMAMAP_LOG(WARNING, "%s: %u mappings leaked at detach",
				dev->name, leaks);
		dev->debug = NULL;
	}
	dmamap_alloc_release(dev);
	if (dev->bounce != NULL) {
		used = dmamap_bounce_used(dev->bounce);
		if (used > 0)
			DMAMAP_LOG(WARNING, "%s: %u bounce slots still mapped at detach",
				dev->name, used);
		dmamap_bounce_destroy(dev->bounce);
		dev->bounce = NULL;
	}
	if (dev->domain != NULL)
		dmamap_domain_put(dev->domain);
	dev->domain = NULL;
}

int
rte_dmamap_detach(int16_t dev_id)
{
	struct dmamap_dev *dev;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		DMAMAP_LOG(ERR, "detach is for the primary process");
		return -E_RTE_SECONDARY;
	}
	pthread_mutex_lock(&dmamap_attach_lock);
	dev = dmamap_dev_get(dev_id);
	if (dev == NULL) {
		pthread_mutex_unlock(&dmamap_attach_lock);
		return -EINVAL;
	}
	/* Once readers are out, none can find the device again. */
	rte_rwlock_write_lock(&dmamap_shared->devs_lock);
	dmamap_fp_clear(dev_id);
	__atomic_store_n(&dev->attached, false, __ATOMIC_RELEASE);
	rte_rwlock_write_unlock(&dmamap_shared->devs_lock);
	dmamap_dev_release(dev);
	pthread_mutex_unlock(&dmamap_attach_lock);
	DMAMAP_LOG(INFO, "%s: detached (id %d)", dev->name, dev_id);
	return 0;
}

/*
 * Run fn on an attached device, which stays attached until fn returns: a
 * concurrent detach waits. fn must not attach or detach. Returns what fn
 * returns; -EINVAL when no device has the id.
 * (Internal interface of the telemetry commands.)
 */
int
dmamap_dev_read(int16_t dev_id, int (*fn)(struct dmamap_dev *dev, void *arg),
		void *arg)
{
	struct dmamap_dev *dev;
	int ret;

	if (dmamap_shared_init() < 0)
		return -EINVAL;
	rte_rwlock_read_lock(&dmamap_shared->devs_lock);
	dev = dmamap_dev_get(dev_id);
	ret = dev == NULL ? -EINVAL : fn(dev, arg);
	rte_rwlock_read_unlock(&dmamap_shared->devs_lock);
	return ret;
}

int
rte_dmamap_get_dev_id(const char *name)
{
	int i;

	if (name == NULL) {
		DMAMAP_LOG(ERR, "NULL device name");
		return -EINVAL;
	}
	if (dmamap_init() < 0)
		return -ENODEV;
	for (i = 0; i < RTE_DMAMAP_MAX_DEVS; i++)
		if (dmamap_shared->devs[i].attached &&
				strcmp(dmamap_shared->devs[i].name, name) == 0) {
			dmamap_dev_get(i);
			return i;
		}
	return -ENODEV;
}

unsigned int
rte_dmamap_count(void)
{
	unsigned int i, n = 0;

	if (dmamap_shared_init() < 0)
		return 0;
	for (i = 0; i < RTE_DMAMAP_MAX_DEVS; i++)
		n += dmamap_shared->devs[i].attached;
	return n;
}

bool
rte_dmamap_is_valid(int16_t dev_id)
{
	return dmamap_shared_init() == 0 && dmamap_dev_id_valid(dev_id);
}

int
rte_dmamap_info_get(int16_t dev_id, struct rte_dmamap_info *info)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL)
		return -EINVAL;
	if (info == NULL) {
		DMAMAP_LOG(ERR, "NULL info");
		return -EINVAL;
	}
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", dev->name);
	info->mask_bits = dev->mask_bits;
	info->mask = dev->mask;
	info->flags = dev->flags | (dev->debug != NULL ? RTE_DMAMAP_F_DEBUG : 0);
	info->bypass = dev->bypass;
	info->direct_limit = dev->direct_limit;
	if (dev->domain != NULL)
		snprintf(info->domain, sizeof(info->domain), "%s",
			rte_dmamap_domain_name(dev->domain));
	if (dev->bounce != NULL) {
		info->bounce_iova = dmamap_bounce_pool_iova(dev->bounce);
		info->bounce_size = dmamap_bounce_pool_size(dev->bounce);
	}
	return 0;
}

int
rte_dmamap_stats_get(int16_t dev_id, struct rte_dmamap_stats *stats)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);
	const struct rte_dmamap_lcore_stats *s;
	unsigned int i;

	if (dev == NULL)
		return -EINVAL;
	if (stats == NULL) {
		DMAMAP_LOG(ERR, "NULL stats");
		return -EINVAL;
	}
	memset(stats, 0, sizeof(*stats));
	for (i = 0; i <= RTE_MAX_LCORE; i++) {
		s = &dev->stats[i];
		stats->maps += s->maps + s->direct_maps;
		stats->unmaps += s->unmaps + s->direct_unmaps;
		stats->direct += s->direct_maps;
		stats->domain += s->domain;
		stats->bounced += s->bounced;
		stats->bounce_bytes += s->bounce_bytes;
		stats->syncs += s->syncs;
		stats->allocs += s->allocs;
		stats->links += s->links;
		stats->errors += s->errors;
		stats->debug_errors += s->debug_errors;
	}
	return 0;
}

int
rte_dmamap_stats_reset(int16_t dev_id)
{
	struct dmamap_dev *dev = dmamap_dev_get(dev_id);

	if (dev == NULL)
		return -EINVAL;
	memset(dev->stats, 0, sizeof(dev->stats));
	return 0;
}

void
rte_dmamap_debug_set_default(bool on)
{
	if (dmamap_shared_init() == 0)
		dmamap_shared->debug_default = on;
}

void
dmamap_identity_refresh(void)
{
	uintptr_t start, end;
	uint64_t offset;

	/* Readers may be mid-lookup: close the range before moving it. */
	__atomic_store_n(&rte_dmamap_identity.len, 0, __ATOMIC_RELEASE);
	if (dmamap_heap_range(&start, &end, &offset) < 0)
		return;
	rte_dmamap_identity.start = start;
	rte_dmamap_identity.offset = offset;
	__atomic_store_n(&rte_dmamap_identity.len, end - start, __ATOMIC_RELEASE);
}
