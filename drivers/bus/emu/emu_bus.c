/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The emu bus: devices from devargs, matched to drivers by class.
 *
 * Scan builds the device list from the devargs of the bus (EAL runs it
 * before memory exists, so it only parses); a devargs string that does not
 * parse, or repeats a name, creates no device and is marked blocked, so
 * later scans (one per hotplug) skip it. Probe, in the primary process,
 * attaches each device to lib/dmamap (mask, coherence, IOMMU domain of its
 * group) and calls the driver; a device whose probe fails is dropped.
 * Secondary processes create no hardware: they find the primary's devices
 * in the shared table and probe their drivers on the same state.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_devargs.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_kvargs.h>
#include <rte_memory.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>
#include <rte_tailq.h>

#include <bus_driver.h>
#include <dev_driver.h>

#include "emu_private.h"

RTE_LOG_REGISTER(emu_logtype, bus.emu, NOTICE);

static struct rte_bus emu_bus;

static TAILQ_HEAD(, rte_emu_device) emu_devices =
	TAILQ_HEAD_INITIALIZER(emu_devices);
/* Devices whose hotplug failed: EAL still reads them after plug returns. */
static TAILQ_HEAD(, rte_emu_device) emu_dead =
	TAILQ_HEAD_INITIALIZER(emu_dead);
static TAILQ_HEAD(, rte_emu_driver) emu_drivers =
	TAILQ_HEAD_INITIALIZER(emu_drivers);
/* Recursive: a driver may look devices up while it is probed. */
static rte_spinlock_recursive_t emu_lock = RTE_SPINLOCK_RECURSIVE_INITIALIZER;
/* Set by the first probe: memory exists, later scans are hotplug. */
static bool emu_probed;

/*
 * Drivers.
 */

void
rte_emu_register(struct rte_emu_driver *driver)
{
	TAILQ_INSERT_TAIL(&emu_drivers, driver, next);
}

void
rte_emu_unregister(struct rte_emu_driver *driver)
{
	TAILQ_REMOVE(&emu_drivers, driver, next);
}

static struct rte_emu_driver *
emu_driver_find(const char *type)
{
	struct rte_emu_driver *drv;

	TAILQ_FOREACH(drv, &emu_drivers, next)
		if (drv->type != NULL && strcmp(drv->type, type) == 0)
			return drv;
	return NULL;
}

static struct rte_emu_driver *
emu_driver_of(struct emu_device *dev)
{
	if (dev->pub.device.driver == NULL)
		return NULL;
	return container_of(dev->pub.device.driver, struct rte_emu_driver,
		driver);
}

/*
 * Device list.
 */

static struct emu_device *
emu_find(const char *name)
{
	struct rte_emu_device *d;

	TAILQ_FOREACH(d, &emu_devices, next)
		if (strcmp(d->name, name) == 0)
			return emu_dev(d);
	return NULL;
}

struct rte_emu_device *
rte_emu_device_get(const char *name)
{
	struct emu_device *dev;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	rte_spinlock_recursive_lock(&emu_lock);
	dev = emu_find(name);
	rte_spinlock_recursive_unlock(&emu_lock);
	if (dev == NULL) {
		rte_errno = ENODEV;
		return NULL;
	}
	return &dev->pub;
}

int
emu_dev_foreach(int (*fn)(struct emu_device *dev, void *arg), void *arg)
{
	struct rte_emu_device *d;
	int ret = 0;

	rte_spinlock_recursive_lock(&emu_lock);
	TAILQ_FOREACH(d, &emu_devices, next) {
		ret = fn(emu_dev(d), arg);
		if (ret != 0)
			break;
	}
	rte_spinlock_recursive_unlock(&emu_lock);
	return ret;
}

static struct emu_device *
emu_dev_alloc(const char *name, const struct emu_params *p,
		struct rte_devargs *devargs)
{
	struct emu_device *dev = calloc(1, sizeof(*dev));

	if (dev == NULL) {
		EMU_LOG(ERR, "%s: no memory for the device", name);
		return NULL;
	}
	dev->params = *p;
	strlcpy(dev->pub.name, name, sizeof(dev->pub.name));
	strlcpy(dev->pub.type, p->type, sizeof(dev->pub.type));
	dev->pub.dmamap_id = -1;
	dev->pub.coherent = p->coherent;
	dev->pub.mask_bits = p->mask_bits;
	dev->pub.args = dev->params.drv_args;
	if (dev->params.drv_args[0] != '\0') {
		dev->pub.kvargs = rte_kvargs_parse(dev->params.drv_args, NULL);
		if (dev->pub.kvargs == NULL) {
			EMU_LOG(ERR, "%s: cannot parse driver arguments '%s'",
				name, dev->params.drv_args);
			free(dev);
			return NULL;
		}
	}
	/* The name is ours, not the devargs': they may go before we do. */
	dev->pub.device.name = dev->pub.name;
	dev->pub.device.bus = &emu_bus;
	dev->pub.device.numa_node = p->numa_node;
	dev->pub.device.devargs = devargs;
	return dev;
}

static void
emu_dev_free(struct emu_device *dev)
{
	rte_kvargs_free(dev->pub.kvargs);
	if (dev->own_devargs) {
		rte_devargs_reset(dev->pub.device.devargs);
		free(dev->pub.device.devargs);
	}
	free(dev);
}

static void
emu_dead_flush(void)
{
	struct rte_emu_device *d;

	while ((d = TAILQ_FIRST(&emu_dead)) != NULL) {
		TAILQ_REMOVE(&emu_dead, d, next);
		emu_dev_free(emu_dev(d));
	}
}

/*
 * Scan.
 */

/* Whether an earlier devargs of the bus has the same name. */
static bool
emu_devargs_repeated(const struct rte_devargs *da)
{
	struct rte_devargs *prev;

	RTE_EAL_DEVARGS_FOREACH(EMU_BUS_NAME, prev) {
		if (prev == da)
			return false;
		if (strcmp(prev->name, da->name) == 0)
			return true;
	}
	return false;
}

/* Refuse a devargs: no device, and no second look at the next scan. */
static void
emu_devargs_refuse(struct rte_devargs *da)
{
	EMU_LOG(ERR, "emu:%s: device not created", da->name);
	da->policy = RTE_DEV_BLOCKED;
}

static void
emu_scan_one(struct rte_devargs *da)
{
	struct emu_device *dev = emu_find(da->name);
	struct emu_params p;

	if (dev != NULL && dev->pub.device.devargs == da)
		return;
	if (dev != NULL || emu_devargs_repeated(da)) {
		EMU_LOG(ERR, "emu:%s: device name given more than once", da->name);
		emu_devargs_refuse(da);
		return;
	}
	if (!emu_name_valid(da->name)) {
		EMU_LOG(ERR, "emu:%s: bad device name (letters, digits, '_', '-', '.')",
			da->name);
		emu_devargs_refuse(da);
		return;
	}
	if (emu_params_parse(da->name, da->args, &p) < 0) {
		emu_devargs_refuse(da);
		return;
	}
	dev = emu_dev_alloc(da->name, &p, da);
	if (dev == NULL) {
		emu_devargs_refuse(da);
		return;
	}
	TAILQ_INSERT_TAIL(&emu_devices, &dev->pub, next);
}

/* The devargs of a name in this process's list, if any. */
static struct rte_devargs *
emu_devargs_find(const char *name)
{
	struct rte_devargs *da;

	RTE_EAL_DEVARGS_FOREACH(EMU_BUS_NAME, da)
		if (strcmp(da->name, name) == 0)
			return da;
	return NULL;
}

/* A secondary process's device for a record of the primary. */
static struct emu_device *
emu_secondary_dev(const struct emu_dev_shared *sh)
{
	struct rte_devargs *da = emu_devargs_find(sh->name);
	struct emu_device *dev;
	bool own = da == NULL;

	if (own) {
		da = calloc(1, sizeof(*da));
		if (da == NULL)
			return NULL;
		da->bus = &emu_bus;
		strlcpy(da->name, sh->name, sizeof(da->name));
		da->data = strdup(sh->params.drv_args);
		da->args = da->data;
	}
	dev = own && da->data == NULL ? NULL :
		emu_dev_alloc(sh->name, &sh->params, da);
	if (dev == NULL) {
		if (own) {
			rte_devargs_reset(da);
			free(da);
		}
		return NULL;
	}
	dev->own_devargs = own;
	return dev;
}

/* Secondary: take the devices the primary has probed. */
static void
emu_secondary_sync(void)
{
	struct emu_dev_shared *sh;
	struct emu_device *dev;
	unsigned int i;

	if (emu_shared_init() < 0)
		return;
	for (i = 0; i < EMU_MAX_DEVS; i++) {
		sh = emu_shared_dev(i);
		if (sh == NULL || !sh->ready || emu_find(sh->name) != NULL)
			continue;
		dev = emu_secondary_dev(sh);
		if (dev != NULL)
			TAILQ_INSERT_TAIL(&emu_devices, &dev->pub, next);
	}
}

static int
emu_scan(void)
{
	struct rte_devargs *da;

	rte_spinlock_recursive_lock(&emu_lock);
	emu_dead_flush();
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		/* Before the first probe the shared memory is not there. */
		if (emu_probed)
			emu_secondary_sync();
	} else {
		RTE_EAL_DEVARGS_FOREACH(EMU_BUS_NAME, da)
			if (da->policy != RTE_DEV_BLOCKED)
				emu_scan_one(da);
	}
	rte_spinlock_recursive_unlock(&emu_lock);
	return 0;
}

/*
 * Probe and remove.
 */

static rte_iova_t
emu_mask(unsigned int bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* What the engine needs, from the shared record, in this process. */
static int
emu_hw_setup(struct emu_device *dev, struct emu_dev_shared *sh,
		struct rte_dmamap_domain *dom)
{
	struct emu_dev_hw *hw = &dev->hw;

	memset(hw, 0, sizeof(*hw));
	if (dom != NULL) {
		hw->iommu = emu_iommu_of(dom);
		if (hw->iommu == NULL) {
			EMU_LOG(ERR, "%s: domain %s is no emu IOMMU", sh->name,
				sh->domain);
			return -EINVAL;
		}
	}
	hw->shared = sh;
	hw->domain = dom;
	hw->mask = sh->mask;
	hw->direct_limit = sh->direct_limit;
	hw->coherent = sh->params.coherent;
	hw->aperture_check = sh->params.iommu == EMU_IOMMU_PASSTHROUGH;
	hw->aperture_last = (UINT64_C(1) << EMU_IOVA_BITS) - 1;
	dev->pub.dmamap_id = sh->dmamap_id;
	return 0;
}

static void
emu_dmamap_conf(const struct emu_params *p, struct rte_dmamap_domain *dom,
		struct rte_dmamap_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->mask_bits = p->mask_bits;
	conf->flags = (p->coherent ? 0 : RTE_DMAMAP_F_NONCOHERENT) |
		(p->debug ? RTE_DMAMAP_F_DEBUG : 0);
	conf->bypass = p->bypass;
	conf->domain = dom;
	conf->cache_ops = p->coherent ? NULL : EMU_CACHE_OPS;
	conf->socket_id = p->numa_node;
}

/* Primary: attach the device to lib/dmamap with its domain. */
static int
emu_attach(struct emu_device *dev, struct emu_dev_shared *sh)
{
	struct rte_dmamap_domain *dom = NULL;
	struct rte_dmamap_info info;
	struct rte_dmamap_conf conf;
	int id, ret;

	if (!sh->params.coherent && emu_shadow_init() < 0)
		return -ENOMEM;
	if (emu_iommu_mode_has_domain(sh->params.iommu)) {
		dom = emu_group_get(sh);
		if (dom == NULL)
			return -rte_errno;
	}
	emu_dmamap_conf(&sh->params, dom, &conf);
	id = rte_dmamap_attach(&dev->pub.device, &conf);
	if (id < 0) {
		EMU_LOG(ERR, "%s: cannot attach to dmamap: %s", sh->name,
			strerror(-id));
		emu_group_put(sh);
		return id;
	}
	sh->dmamap_id = id;
	sh->mask = emu_mask(sh->params.mask_bits);
	if (rte_dmamap_info_get(id, &info) == 0)
		sh->direct_limit = info.direct_limit;
	ret = emu_hw_setup(dev, sh, dom);
	if (ret < 0) {
		rte_dmamap_detach(id);
		emu_group_put(sh);
	}
	return ret;
}

static void
emu_detach(struct emu_device *dev)
{
	struct emu_dev_shared *sh = dev->hw.shared;
	int ret;

	ret = rte_dmamap_detach(sh->dmamap_id);
	if (ret < 0)
		EMU_LOG(ERR, "%s: dmamap detach failed: %s", sh->name,
			strerror(-ret));
	emu_group_put(sh);
	emu_shared_free(sh);
	memset(&dev->hw, 0, sizeof(dev->hw));
	dev->pub.dmamap_id = -1;
}

static struct rte_emu_driver *
emu_driver_match(struct emu_device *dev)
{
	struct rte_emu_driver *drv = emu_driver_find(dev->pub.type);

	if (drv == NULL) {
		EMU_LOG(ERR, "%s: no driver for type=%s", dev->pub.name,
			dev->pub.type);
		return NULL;
	}
	if (emu_params_check_driver(dev->pub.name, dev->pub.kvargs,
			drv->params) < 0)
		return NULL;
	return drv;
}

static int
emu_probe_primary(struct emu_device *dev, struct rte_emu_driver *drv)
{
	struct emu_dev_shared *sh;
	int ret;

	if (emu_shared_init() < 0)
		return -ENOMEM;
	sh = emu_shared_alloc(dev->pub.name, &dev->params);
	if (sh == NULL)
		return -ENOSPC;
	ret = emu_attach(dev, sh);
	if (ret < 0) {
		emu_shared_free(sh);
		return ret;
	}
	ret = drv->probe(&dev->pub);
	if (ret != 0) {
		EMU_LOG(ERR, "%s: driver %s probe failed: %d", dev->pub.name,
			drv->driver.name, ret);
		emu_detach(dev);
		return ret < 0 ? ret : -EIO;
	}
	sh->ready = true;
	return 0;
}

static int
emu_probe_secondary(struct emu_device *dev, struct rte_emu_driver *drv)
{
	struct emu_dev_shared *sh = emu_shared_by_name(dev->pub.name);
	struct rte_dmamap_domain *dom = NULL;
	int ret;

	if (sh == NULL)
		return -ENODEV;
	if (sh->domain[0] != '\0') {
		dom = rte_dmamap_domain_lookup(sh->domain);
		if (dom == NULL)
			return -ENOENT;
	}
	if (rte_dmamap_get_dev_id(sh->name) != sh->dmamap_id) {
		EMU_LOG(ERR, "%s: no dmamap context in this process", sh->name);
		return -ENODEV;
	}
	if (!sh->params.coherent && emu_shadow_init() < 0)
		return -ENOENT;
	ret = emu_hw_setup(dev, sh, dom);
	if (ret == 0)
		ret = drv->probe(&dev->pub);
	if (ret != 0)
		memset(&dev->hw, 0, sizeof(dev->hw));
	return ret;
}

static int
emu_probe_one(struct emu_device *dev)
{
	struct rte_emu_driver *drv;
	int ret;

	if (rte_dev_is_probed(&dev->pub.device)) {
		EMU_LOG(ERR, "%s: device already exists", dev->pub.name);
		return -EEXIST;
	}
	drv = emu_driver_match(dev);
	if (drv == NULL)
		return -ENOENT;
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		ret = emu_probe_primary(dev, drv);
	else
		ret = emu_probe_secondary(dev, drv);
	if (ret == 0)
		dev->pub.device.driver = &drv->driver;
	return ret;
}

static int
emu_remove_one(struct emu_device *dev)
{
	struct rte_emu_driver *drv = emu_driver_of(dev);
	int ret;

	if (drv == NULL)
		return 0;
	if (drv->remove != NULL) {
		ret = drv->remove(&dev->pub);
		if (ret != 0) {
			EMU_LOG(ERR, "%s: driver %s refused removal: %d",
				dev->pub.name, drv->driver.name, ret);
			return ret < 0 ? ret : -EBUSY;
		}
	}
	dev->pub.device.driver = NULL;
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		emu_detach(dev);
	else
		memset(&dev->hw, 0, sizeof(dev->hw));
	return 0;
}

static int
emu_probe(void)
{
	struct rte_emu_device *d, *tmp;
	int ret = 0;

	rte_spinlock_recursive_lock(&emu_lock);
	emu_probed = true;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		emu_secondary_sync();
	RTE_TAILQ_FOREACH_SAFE(d, &emu_devices, next, tmp) {
		if (rte_dev_is_probed(&d->device) || emu_probe_one(emu_dev(d)) == 0)
			continue;
		ret = -1;
		if (rte_eal_process_type() != RTE_PROC_PRIMARY)
			continue;
		emu_devargs_refuse(d->device.devargs);
		TAILQ_REMOVE(&emu_devices, d, next);
		emu_dev_free(emu_dev(d));
	}
	rte_spinlock_recursive_unlock(&emu_lock);
	return ret;
}

static int
emu_plug(struct rte_device *rdev)
{
	struct emu_device *dev = emu_dev(RTE_DEV_TO_EMU(rdev));
	int ret;

	rte_spinlock_recursive_lock(&emu_lock);
	ret = emu_probe_one(dev);
	if (ret != 0 && ret != -EEXIST && !rte_dev_is_probed(rdev) &&
			rte_eal_process_type() == RTE_PROC_PRIMARY) {
		/* No half-created device stays: EAL leaves it to the bus. */
		EMU_LOG(ERR, "emu:%s: device not created", dev->pub.name);
		TAILQ_REMOVE(&emu_devices, &dev->pub, next);
		rte_devargs_remove(dev->pub.device.devargs);
		dev->pub.device.devargs = NULL;
		TAILQ_INSERT_TAIL(&emu_dead, &dev->pub, next);
	}
	rte_spinlock_recursive_unlock(&emu_lock);
	return ret;
}

static int
emu_unplug(struct rte_device *rdev)
{
	struct emu_device *dev = emu_dev(RTE_DEV_TO_EMU(rdev));
	struct rte_devargs *da;
	int ret;

	rte_spinlock_recursive_lock(&emu_lock);
	ret = emu_remove_one(dev);
	if (ret == 0) {
		TAILQ_REMOVE(&emu_devices, &dev->pub, next);
		da = dev->pub.device.devargs;
		if (!dev->own_devargs && da != NULL)
			rte_devargs_remove(da);
		emu_dev_free(dev);
	}
	rte_spinlock_recursive_unlock(&emu_lock);
	return ret;
}

static int
emu_cleanup(void)
{
	struct rte_emu_device *d;
	int ret = 0;

	rte_spinlock_recursive_lock(&emu_lock);
	while ((d = TAILQ_FIRST(&emu_devices)) != NULL) {
		if (emu_remove_one(emu_dev(d)) != 0)
			ret = -1;
		TAILQ_REMOVE(&emu_devices, d, next);
		emu_dev_free(emu_dev(d));
	}
	emu_dead_flush();
	rte_spinlock_recursive_unlock(&emu_lock);
	return ret;
}

static struct rte_device *
emu_find_device(const struct rte_device *start, rte_dev_cmp_t cmp,
		const void *data)
{
	const struct rte_emu_device *estart;
	struct rte_emu_device *d;

	rte_spinlock_recursive_lock(&emu_lock);
	if (start != NULL) {
		estart = RTE_DEV_TO_EMU_CONST(start);
		d = TAILQ_NEXT(estart, next);
	} else {
		d = TAILQ_FIRST(&emu_devices);
	}
	while (d != NULL && cmp(&d->device, data) != 0)
		d = TAILQ_NEXT(d, next);
	rte_spinlock_recursive_unlock(&emu_lock);
	return d != NULL ? &d->device : NULL;
}

static int
emu_parse(const char *name, void *addr)
{
	/* An emu device is known by its name alone: nothing to write. */
	RTE_SET_USED(addr);
	return emu_name_valid(name) ? 0 : 1;
}

static int
emu_dev_match(const struct rte_device *dev, const void *kvlist)
{
	const char *name;

	if (kvlist == NULL)
		return 0;
	name = rte_kvargs_get(kvlist, "name");
	return name != NULL && strcmp(name, dev->name) != 0 ? -1 : 0;
}

static void *
emu_dev_iterate(const void *start, const char *str,
		const struct rte_dev_iterator *it)
{
	static const char * const keys[] = { "name", NULL };
	struct rte_kvargs *kvargs = NULL;
	struct rte_device *dev;

	RTE_SET_USED(it);
	if (str != NULL) {
		kvargs = rte_kvargs_parse(str, keys);
		if (kvargs == NULL) {
			EMU_LOG(ERR, "cannot parse device filter '%s'", str);
			rte_errno = EINVAL;
			return NULL;
		}
	}
	dev = emu_find_device(start, emu_dev_match, kvargs);
	rte_kvargs_free(kvargs);
	return dev;
}

/*
 * DMA map through the bus: rte_dev_dma_map() maps into the device's
 * domain at the IOVA the caller chooses, as VFIO maps into a container.
 */

static int
emu_dma_target(void *addr, size_t len, rte_iova_t *target)
{
	rte_iova_t first = rte_dmamap_virt2iova(addr);

	if (first == RTE_BAD_IOVA)
		first = rte_mem_virt2iova(addr);
	if (first == RTE_BAD_IOVA)
		return -ENOENT;
	if (rte_dmamap_virt2iova(RTE_PTR_ADD(addr, len - 1)) != first + len - 1 &&
			rte_mem_virt2iova(RTE_PTR_ADD(addr, len - 1)) !=
			first + len - 1)
		return -EINVAL;
	*target = first;
	return 0;
}

static struct emu_iommu *
emu_dma_iommu(struct rte_device *rdev, void *addr, uint64_t iova, size_t len)
{
	struct emu_device *dev = emu_dev(RTE_DEV_TO_EMU(rdev));

	if (dev->hw.iommu == NULL) {
		EMU_LOG(ERR, "%s: no IOMMU domain to map into", rdev->name);
		rte_errno = ENOTSUP;
		return NULL;
	}
	if ((((uintptr_t)addr | iova | len) & (EMU_PAGE_SIZE - 1)) != 0) {
		EMU_LOG(ERR, "%s: addr, IOVA and length must be 4 KiB aligned",
			rdev->name);
		rte_errno = EINVAL;
		return NULL;
	}
	return dev->hw.iommu;
}

static int
emu_dma_map(struct rte_device *rdev, void *addr, uint64_t iova, size_t len)
{
	struct emu_iommu *mmu = emu_dma_iommu(rdev, addr, iova, len);
	rte_iova_t target;
	int ret;

	if (mmu == NULL)
		return -1;
	ret = emu_dma_target(addr, len, &target);
	if (ret < 0) {
		EMU_LOG(ERR, "%s: %p len 0x%zx is not IOVA-contiguous known memory",
			rdev->name, addr, len);
		rte_errno = -ret;
		return -1;
	}
	emu_iommu_lock(mmu);
	ret = emu_iommu_map(mmu, iova, target, len,
		RTE_DMAMAP_PROT_READ | RTE_DMAMAP_PROT_WRITE);
	emu_iommu_unlock(mmu);
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	return 0;
}

static int
emu_dma_unmap(struct rte_device *rdev, void *addr, uint64_t iova, size_t len)
{
	struct emu_iommu *mmu = emu_dma_iommu(rdev, addr, iova, len);
	int ret;

	if (mmu == NULL)
		return -1;
	/* Synchronous, as VFIO's unmap: no stale IOTLB entry survives. */
	emu_iommu_lock(mmu);
	ret = emu_iommu_unmap(mmu, iova, len);
	if (ret == 0)
		emu_iommu_flush(mmu, iova, len);
	emu_iommu_unlock(mmu);
	if (ret < 0) {
		rte_errno = -ret;
		return -1;
	}
	return 0;
}

static enum rte_iova_mode
emu_get_iommu_class(void)
{
	struct rte_emu_device *d;
	enum rte_iova_mode mode = RTE_IOVA_DC;

	rte_spinlock_recursive_lock(&emu_lock);
	TAILQ_FOREACH(d, &emu_devices, next)
		if (emu_iommu_mode_has_domain(emu_dev(d)->params.iommu))
			mode = RTE_IOVA_VA;
	rte_spinlock_recursive_unlock(&emu_lock);
	return mode;
}

/*
 * Application calls that resolve a device's domain (rte_bus_emu.h).
 */

static struct emu_iommu *
emu_iommu_by_name(const char *dev_name, int *err)
{
	struct emu_dev_shared *sh;
	struct rte_dmamap_domain *dom;

	*err = -EINVAL;
	if (dev_name == NULL)
		return NULL;
	*err = -ENODEV;
	sh = emu_shared_by_name(dev_name);
	if (sh == NULL)
		return NULL;
	*err = -ENOTSUP;
	if (sh->domain[0] == '\0')
		return NULL;
	dom = rte_dmamap_domain_lookup(sh->domain);
	return dom == NULL ? NULL : emu_iommu_of(dom);
}

struct rte_dmamap_domain *
rte_bus_emu_domain(const char *dev_name)
{
	struct emu_dev_shared *sh;

	if (dev_name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	sh = emu_shared_by_name(dev_name);
	if (sh == NULL || sh->domain[0] == '\0') {
		rte_errno = sh == NULL ? ENODEV : ENOTSUP;
		return NULL;
	}
	return rte_dmamap_domain_lookup(sh->domain);
}

int
rte_bus_emu_iotlb_stats_get(const char *dev_name,
		struct rte_bus_emu_iotlb_stats *stats)
{
	struct emu_iommu *mmu;
	int err;

	if (stats == NULL)
		return -EINVAL;
	mmu = emu_iommu_by_name(dev_name, &err);
	if (mmu == NULL)
		return err;
	emu_iommu_lock(mmu);
	emu_iommu_iotlb_stats(mmu, stats);
	emu_iommu_unlock(mmu);
	return 0;
}

int
rte_bus_emu_iotlb_stats_reset(const char *dev_name)
{
	struct emu_iommu *mmu;
	int err;

	mmu = emu_iommu_by_name(dev_name, &err);
	if (mmu == NULL)
		return err;
	emu_iommu_lock(mmu);
	emu_iommu_iotlb_reset(mmu);
	emu_iommu_unlock(mmu);
	return 0;
}

int
rte_bus_emu_iommu_info_get(const char *dev_name,
		struct rte_bus_emu_iommu_info *info)
{
	struct emu_iommu *mmu;
	int err;

	if (info == NULL)
		return -EINVAL;
	mmu = emu_iommu_by_name(dev_name, &err);
	if (mmu == NULL)
		return err;
	emu_iommu_lock(mmu);
	emu_iommu_info(mmu, info);
	emu_iommu_unlock(mmu);
	return 0;
}

static struct rte_bus emu_bus = {
	.scan = emu_scan,
	.probe = emu_probe,
	.find_device = emu_find_device,
	.plug = emu_plug,
	.unplug = emu_unplug,
	.parse = emu_parse,
	.dma_map = emu_dma_map,
	.dma_unmap = emu_dma_unmap,
	.get_iommu_class = emu_get_iommu_class,
	.dev_iterate = emu_dev_iterate,
	.cleanup = emu_cleanup,
};

RTE_REGISTER_BUS(emu, emu_bus);
