/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the emu bus devargs: the input, as text, is what follows
 * "emu:" in an EAL -a argument. It goes through the bus's parser
 * (emu_params_parse) and through a hotplug of the device
 * (rte_dev_probe), checked against each other:
 * - the parser is deterministic, and what it accepts lies in the ranges
 *   the keys document; the driver's part holds no bus key;
 * - a probe succeeds only when the name is valid, the parser accepts the
 *   arguments, the type is the fuzz driver's and the driver knows every
 *   key left; it fails only then or for want of a resource (memory under a
 *   narrow mask, a NUMA node without memory, a large page-table pool);
 * - a probed device has the parsed settings and hands its driver exactly
 *   the driver's part; after its removal (or a failed probe) no memzone,
 *   no EAL heap memory and no dmamap context is left behind.
 */

#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "emu_private.h"
#include "fuzz_common.h"

#define ARGS_MAX 600

static const char * const fz_drv_keys[] = { "tag", "fail", NULL };
static struct rte_emu_device *fz_probed;
static char fz_probed_args[EMU_ARGS_LEN];

static int
fz_drv_probe(struct rte_emu_device *dev)
{
	if (dev->kvargs != NULL && rte_kvargs_count(dev->kvargs, "fail") > 0)
		return -EIO;
	fz_probed = dev;
	snprintf(fz_probed_args, sizeof(fz_probed_args), "%s", dev->args);
	return 0;
}

static int
fz_drv_remove(struct rte_emu_device *dev)
{
	FUZZ_CHECK(dev == fz_probed, "remove of a device not probed");
	fz_probed = NULL;
	return 0;
}

static struct rte_emu_driver fz_drv = {
	.type = "fuzz",
	.probe = fz_drv_probe,
	.remove = fz_drv_remove,
	.params = fz_drv_keys,
};

RTE_PMD_REGISTER_EMU(emu_fuzz, fz_drv);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Registries and tables made by the first device of each kind stay for
 * the life of the process: make them before counting memzones.
 */
static void
warm_up(void)
{
	static const char * const warm[] = {
		"emu:fzw0,type=fuzz",
		"emu:fzw1,type=fuzz,iommu=strict",
		"emu:fzw2,type=fuzz,iommu=lazy,group=1",
		"emu:fzw3,type=fuzz,dma_mask=32,coherent=0,dma_debug=1",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(warm); i++) {
		FUZZ_CHECK(rte_dev_probe(warm[i]) == 0, "probe %s", warm[i]);
		FUZZ_CHECK(rte_dev_remove(&fz_probed->device) == 0, "remove");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	warm_up();
	return 0;
}

static const char * const bus_keys[] = {
	"type", "dma_mask", "iommu", "coherent", "group", "numa_node",
	"bypass", "window", "pt_pages", "dma_debug",
};

/* Ranges the keys document, and a driver part free of bus keys. */
static void
check_params(const struct emu_params *p)
{
	struct rte_kvargs *kv;
	unsigned int i, j;

	FUZZ_CHECK(emu_name_valid(p->type), "type '%s'", p->type);
	FUZZ_CHECK(p->mask_bits >= RTE_DMAMAP_MASK_BITS_MIN &&
		p->mask_bits <= RTE_DMAMAP_MASK_BITS_MAX, "mask %u", p->mask_bits);
	FUZZ_CHECK((unsigned int)p->iommu <= EMU_IOMMU_PASSTHROUGH, "iommu");
	FUZZ_CHECK(p->group >= -1 && p->group <= 1023, "group %d", p->group);
	FUZZ_CHECK(p->numa_node == SOCKET_ID_ANY ||
		(p->numa_node >= 0 && p->numa_node < RTE_MAX_NUMA_NODES), "numa");
	FUZZ_CHECK((unsigned int)p->bypass <= RTE_DMAMAP_BYPASS_FORCE, "bypass");
	FUZZ_CHECK(p->window == 0 || (p->window >= 12 && p->window < 48),
		"window %u", p->window);
	FUZZ_CHECK(p->pt_pages >= EMU_PT_PAGES_MIN &&
		p->pt_pages <= EMU_PT_PAGES_MAX, "pt_pages %u", p->pt_pages);
	FUZZ_CHECK(memchr(p->drv_args, '\0', sizeof(p->drv_args)) != NULL,
		"driver arguments not terminated");
	if (p->drv_args[0] == '\0')
		return;
	/* The driver must see the pairs the bus passed on: a bus key
	 * appearing there escaped the bus's checks (id drv-args).
	 */
	if (fuzz_ignored("drv-args"))
		return;
	kv = rte_kvargs_parse(p->drv_args, NULL);
	FUZZ_CHECK(kv != NULL, "driver arguments '%s' do not parse", p->drv_args);
	for (i = 0; i < kv->count; i++)
		for (j = 0; j < RTE_DIM(bus_keys); j++)
			FUZZ_CHECK(strcmp(kv->pairs[i].key, bus_keys[j]) != 0,
				"bus key %s passed to the driver in '%s'",
				bus_keys[j], p->drv_args);
	rte_kvargs_free(kv);
}

/* Whether the driver part holds only the fuzz driver's keys, no "fail". */
static bool
driver_accepts(const struct emu_params *p)
{
	struct rte_kvargs *kv;
	bool ok = true;
	unsigned int i;

	if (p->drv_args[0] == '\0')
		return true;
	kv = rte_kvargs_parse(p->drv_args, NULL);
	if (kv == NULL)
		return false;
	for (i = 0; i < kv->count; i++)
		if (strcmp(kv->pairs[i].key, "tag") != 0)
			ok = false;
	rte_kvargs_free(kv);
	return ok;
}

/* A probe of valid devargs may still lack a resource. */
static bool
may_lack_resources(const struct emu_params *p)
{
	return p->mask_bits < 48 || p->pt_pages > 4096 ||
		(p->numa_node != SOCKET_ID_ANY && p->numa_node != 0) ||
		p->window != 0;
}

static void
check_device(const char *name, const struct emu_params *p)
{
	struct rte_emu_device *dev = rte_emu_device_get(name);
	bool domain = emu_iommu_mode_has_domain(p->iommu);

	FUZZ_CHECK(dev != NULL && dev == fz_probed, "probed device not found");
	FUZZ_CHECK(strcmp(dev->type, p->type) == 0 && dev->mask_bits ==
		p->mask_bits && dev->coherent == p->coherent, "settings differ");
	FUZZ_CHECK(strcmp(fz_probed_args, p->drv_args) == 0, "driver got '%s', "
		"parser gave '%s'", fz_probed_args, p->drv_args);
	FUZZ_CHECK(rte_dmamap_is_valid(dev->dmamap_id), "no dmamap context");
	FUZZ_CHECK((rte_bus_emu_domain(name) != NULL) == domain,
		"domain present: %d, iommu=%s", !domain,
		emu_iommu_mode_name(p->iommu));
}

static bool
params_equal(const struct emu_params *a, const struct emu_params *b)
{
	return strcmp(a->type, b->type) == 0 && a->mask_bits == b->mask_bits &&
		a->iommu == b->iommu && a->coherent == b->coherent &&
		a->debug == b->debug && a->group == b->group &&
		a->numa_node == b->numa_node && a->bypass == b->bypass &&
		a->window == b->window && a->pt_pages == b->pt_pages &&
		strcmp(a->drv_args, b->drv_args) == 0;
}

static int
split(const uint8_t *data, size_t size, char *buf, char **name, char **args)
{
	char *comma;

	if (size >= ARGS_MAX || memchr(data, '\0', size) != NULL)
		return -1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	*name = buf;
	comma = strchr(buf, ',');
	*args = comma == NULL ? buf + size : comma + 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[ARGS_MAX], devargs[ARGS_MAX + 8], name[ARGS_MAX];
	struct emu_params p, p2;
	struct fuzz_footprint before;
	char *n, *args;
	int ret, ret2;
	bool valid;

	if (split(data, size, buf, &n, &args) < 0)
		return 0;
	snprintf(devargs, sizeof(devargs), "emu:%s", buf);
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(n, ","), n);
	ret = emu_params_parse(name, args, &p);
	ret2 = emu_params_parse(name, args, &p2);
	FUZZ_CHECK(ret == ret2 && (ret != 0 || params_equal(&p, &p2)),
		"parser not deterministic");
	if (ret == 0)
		check_params(&p);
	valid = ret == 0 && emu_name_valid(name) &&
		strcmp(p.type, fz_drv.type) == 0 && driver_accepts(&p);
	fuzz_footprint_get(&before);
	FUZZ_TRACE("probe '%s': valid %d", devargs, valid);
	ret = rte_dev_probe(devargs);
	if (ret == 0) {
		FUZZ_CHECK(valid, "probe of '%s' succeeded", devargs);
		check_device(name, &p);
		FUZZ_CHECK(rte_dev_remove(&fz_probed->device) == 0, "remove");
	} else {
		FUZZ_CHECK(!valid || may_lack_resources(&p), "probe of '%s' "
			"failed: %d", devargs, ret);
	}
	FUZZ_CHECK(fz_probed == NULL, "device left after remove");
	fuzz_footprint_check(&before, devargs);
	return 0;
}
