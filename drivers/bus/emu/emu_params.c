/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Devargs of emu devices. One string carries the bus's keys and the
 * driver's: the bus checks and takes its own and passes the others on, in
 * their order, to the driver matched by type.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>
#include <rte_memory.h>
#include <rte_string_fns.h>

#include "emu_private.h"

#define EMU_KEY_TYPE "type"
#define EMU_KEY_DMA_MASK "dma_mask"
#define EMU_KEY_IOMMU "iommu"
#define EMU_KEY_COHERENT "coherent"
#define EMU_KEY_GROUP "group"
#define EMU_KEY_NUMA_NODE "numa_node"
#define EMU_KEY_BYPASS "bypass"
#define EMU_KEY_WINDOW "window"
#define EMU_KEY_PT_PAGES "pt_pages"
#define EMU_KEY_DMA_DEBUG "dma_debug"

#define EMU_GROUP_MAX 1023
#define EMU_TYPE_DEFAULT "nic"

struct emu_key {
	const char *name;
	int (*parse)(const char *dev, const char *value, struct emu_params *p);
};

static const char * const emu_iommu_names[] = {
	[EMU_IOMMU_OFF] = "off",
	[EMU_IOMMU_STRICT] = "strict",
	[EMU_IOMMU_LAZY] = "lazy",
	[EMU_IOMMU_PASSTHROUGH] = "passthrough",
};

static const char * const emu_bypass_names[] = {
	[RTE_DMAMAP_BYPASS_AUTO] = "auto",
	[RTE_DMAMAP_BYPASS_NEVER] = "never",
	[RTE_DMAMAP_BYPASS_FORCE] = "force",
};

const char *
emu_iommu_mode_name(enum emu_iommu_mode mode)
{
	if ((unsigned int)mode >= RTE_DIM(emu_iommu_names))
		return "?";
	return emu_iommu_names[mode];
}

static bool
emu_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

bool
emu_name_valid(const char *name)
{
	size_t i;

	if (name == NULL || name[0] == '\0' ||
			strlen(name) >= RTE_DEV_NAME_MAX_LEN)
		return false;
	for (i = 0; name[i] != '\0'; i++)
		if (!emu_name_char((unsigned char)name[i]))
			return false;
	return true;
}

/* A decimal or 0x number in [min, max], nothing else. */
static int
emu_parse_ulong(const char *value, unsigned long min, unsigned long max,
		unsigned long *out)
{
	unsigned long v;
	char *end;

	if (value[0] == '\0' || value[0] == '-' || value[0] == '+' ||
			isspace((unsigned char)value[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Index of value in names[], or -1. */
static int
emu_parse_word(const char *value, const char * const names[], unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	return -1;
}

static int
emu_key_type(const char *dev, const char *value, struct emu_params *p)
{
	if (!emu_name_valid(value) || strlen(value) >= sizeof(p->type)) {
		EMU_LOG(ERR, "%s: type=%s: expected a class name of up to %zu letters, digits, '_', '-', '.'",
			dev, value, sizeof(p->type) - 1);
		return -EINVAL;
	}
	strlcpy(p->type, value, sizeof(p->type));
	return 0;
}

static int
emu_key_dma_mask(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, RTE_DMAMAP_MASK_BITS_MIN,
			RTE_DMAMAP_MASK_BITS_MAX, &v) < 0) {
		EMU_LOG(ERR, "%s: dma_mask=%s: expected a number of bits, %u..%u",
			dev, value, RTE_DMAMAP_MASK_BITS_MIN,
			RTE_DMAMAP_MASK_BITS_MAX);
		return -EINVAL;
	}
	p->mask_bits = v;
	return 0;
}

static int
emu_key_iommu(const char *dev, const char *value, struct emu_params *p)
{
	int i = emu_parse_word(value, emu_iommu_names, RTE_DIM(emu_iommu_names));

	if (i < 0) {
		EMU_LOG(ERR, "%s: iommu=%s: expected off, strict, lazy or passthrough",
			dev, value);
		return -EINVAL;
	}
	p->iommu = i;
	return 0;
}

static int
emu_key_coherent(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, 0, 1, &v) < 0) {
		EMU_LOG(ERR, "%s: coherent=%s: expected 0 or 1", dev, value);
		return -EINVAL;
	}
	p->coherent = v == 1;
	return 0;
}

static int
emu_key_dma_debug(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, 0, 1, &v) < 0) {
		EMU_LOG(ERR, "%s: dma_debug=%s: expected 0 or 1", dev, value);
		return -EINVAL;
	}
	p->debug = v == 1;
	return 0;
}

static int
emu_key_group(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, 0, EMU_GROUP_MAX, &v) < 0) {
		EMU_LOG(ERR, "%s: group=%s: expected a number, 0..%u",
			dev, value, EMU_GROUP_MAX);
		return -EINVAL;
	}
	p->group = v;
	return 0;
}

static int
emu_key_numa_node(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (strcmp(value, "-1") == 0) {
		p->numa_node = SOCKET_ID_ANY;
		return 0;
	}
	if (emu_parse_ulong(value, 0, RTE_MAX_NUMA_NODES - 1, &v) < 0) {
		EMU_LOG(ERR, "%s: numa_node=%s: expected -1 or 0..%d",
			dev, value, RTE_MAX_NUMA_NODES - 1);
		return -EINVAL;
	}
	p->numa_node = v;
	return 0;
}

static int
emu_key_bypass(const char *dev, const char *value, struct emu_params *p)
{
	int i = emu_parse_word(value, emu_bypass_names, RTE_DIM(emu_bypass_names));

	if (i < 0) {
		EMU_LOG(ERR, "%s: bypass=%s: expected auto, never or force",
			dev, value);
		return -EINVAL;
	}
	p->bypass = i;
	return 0;
}

static int
emu_key_window(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, 0, EMU_IOVA_BITS - 1, &v) < 0 ||
			(v != 0 && v < EMU_PAGE_SHIFT)) {
		EMU_LOG(ERR, "%s: window=%s: expected 0 or %u..%u bits",
			dev, value, EMU_PAGE_SHIFT, EMU_IOVA_BITS - 1);
		return -EINVAL;
	}
	p->window = v;
	return 0;
}

static int
emu_key_pt_pages(const char *dev, const char *value, struct emu_params *p)
{
	unsigned long v;

	if (emu_parse_ulong(value, EMU_PT_PAGES_MIN, EMU_PT_PAGES_MAX, &v) < 0) {
		EMU_LOG(ERR, "%s: pt_pages=%s: expected %u..%u pages",
			dev, value, EMU_PT_PAGES_MIN, EMU_PT_PAGES_MAX);
		return -EINVAL;
	}
	p->pt_pages = v;
	return 0;
}

static const struct emu_key emu_keys[] = {
	{ EMU_KEY_TYPE, emu_key_type },
	{ EMU_KEY_DMA_MASK, emu_key_dma_mask },
	{ EMU_KEY_IOMMU, emu_key_iommu },
	{ EMU_KEY_COHERENT, emu_key_coherent },
	{ EMU_KEY_GROUP, emu_key_group },
	{ EMU_KEY_NUMA_NODE, emu_key_numa_node },
	{ EMU_KEY_BYPASS, emu_key_bypass },
	{ EMU_KEY_WINDOW, emu_key_window },
	{ EMU_KEY_PT_PAGES, emu_key_pt_pages },
	{ EMU_KEY_DMA_DEBUG, emu_key_dma_debug },
};

static void
emu_params_default(struct emu_params *p)
{
	memset(p, 0, sizeof(*p));
	strlcpy(p->type, EMU_TYPE_DEFAULT, sizeof(p->type));
	p->mask_bits = RTE_DMAMAP_MASK_BITS_MAX;
	p->iommu = EMU_IOMMU_OFF;
	p->coherent = true;
	p->group = -1;
	p->numa_node = SOCKET_ID_ANY;
	p->bypass = RTE_DMAMAP_BYPASS_NEVER;
	p->pt_pages = EMU_PT_PAGES_DEFAULT;
}

/* Append "key[=value]" to the driver's string. */
static int
emu_drv_args_add(const char *dev, struct emu_params *p,
		const struct rte_kvargs_pair *kv)
{
	size_t used = strlen(p->drv_args);
	int n;

	n = snprintf(p->drv_args + used, sizeof(p->drv_args) - used,
		"%s%s%s%s", used == 0 ? "" : ",", kv->key,
		kv->value == NULL ? "" : "=",
		kv->value == NULL ? "" : kv->value);
	if (n < 0 || (size_t)n >= sizeof(p->drv_args) - used) {
		p->drv_args[used] = '\0';
		EMU_LOG(ERR, "%s: driver arguments longer than %d characters",
			dev, EMU_ARGS_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

/*
 * A driver pair travels on as "key=value" text the driver parses again, so
 * it must read back as the same one pair: a plain key, and a value with no
 * ',' outside balanced brackets (rte_kvargs keeps lists in '[...]').
 */
static bool
emu_drv_pair_plain(const struct rte_kvargs_pair *kv)
{
	const char *c;
	int depth = 0;

	if (!emu_name_valid(kv->key))
		return false;
	for (c = kv->value; c != NULL && *c != '\0'; c++) {
		if (*c == '[')
			depth++;
		else if (*c == ']' && --depth < 0)
			return false;
		else if ((*c == ',' || *c == '=') && depth == 0)
			return false;
	}
	return depth == 0;
}

/* Handle one pair: a bus key (once, with a value) or a driver key. */
static int
emu_params_pair(const char *dev, const struct rte_kvargs_pair *kv,
		uint32_t *seen, struct emu_params *p)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(emu_keys); i++) {
		if (strcmp(kv->key, emu_keys[i].name) != 0)
			continue;
		if (*seen & RTE_BIT32(i)) {
			EMU_LOG(ERR, "%s: key '%s' given twice", dev, kv->key);
			return -EINVAL;
		}
		*seen |= RTE_BIT32(i);
		if (kv->value == NULL || kv->value[0] == '\0') {
			EMU_LOG(ERR, "%s: key '%s' needs a value", dev, kv->key);
			return -EINVAL;
		}
		return emu_keys[i].parse(dev, kv->value, p);
	}
	if (!emu_drv_pair_plain(kv)) {
		EMU_LOG(ERR, "%s: malformed argument '%s=%s'", dev, kv->key,
			kv->value == NULL ? "" : kv->value);
		return -EINVAL;
	}
	return emu_drv_args_add(dev, p, kv);
}

static bool
emu_key_seen(uint32_t seen, const char *key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(emu_keys); i++)
		if (strcmp(emu_keys[i].name, key) == 0)
			return (seen & RTE_BIT32(i)) != 0;
	return false;
}

/* Keys that only mean something with an IOMMU domain. */
static int
emu_params_check(const char *dev, uint32_t seen, struct emu_params *p)
{
	static const char * const domain_keys[] = {
		EMU_KEY_BYPASS, EMU_KEY_GROUP, EMU_KEY_WINDOW, EMU_KEY_PT_PAGES,
	};
	unsigned int i;

	if (emu_iommu_mode_has_domain(p->iommu))
		return 0;
	for (i = 0; i < RTE_DIM(domain_keys); i++) {
		if (!emu_key_seen(seen, domain_keys[i]))
			continue;
		EMU_LOG(ERR, "%s: %s needs iommu=strict or iommu=lazy, not iommu=%s",
			dev, domain_keys[i], emu_iommu_mode_name(p->iommu));
		return -EINVAL;
	}
	/* Without a domain the library decides direct or bounce by mask. */
	p->bypass = RTE_DMAMAP_BYPASS_AUTO;
	return 0;
}

int
emu_params_parse(const char *name, const char *args, struct emu_params *p)
{
	struct rte_kvargs *kv = NULL;
	uint32_t seen = 0;
	unsigned int i;
	int ret = 0;

	emu_params_default(p);
	if (args != NULL && args[0] != '\0') {
		kv = rte_kvargs_parse(args, NULL);
		if (kv == NULL) {
			EMU_LOG(ERR, "%s: cannot parse arguments '%s' (at most %d key=value pairs)",
				name, args, RTE_KVARGS_MAX);
			return -EINVAL;
		}
	}
	for (i = 0; kv != NULL && i < kv->count && ret == 0; i++)
		ret = emu_params_pair(name, &kv->pairs[i], &seen, p);
	rte_kvargs_free(kv);
	if (ret == 0)
		ret = emu_params_check(name, seen, p);
	return ret;
}

static bool
emu_key_known(const char *key, const char * const *valid)
{
	for (; *valid != NULL; valid++)
		if (strcmp(key, *valid) == 0)
			return true;
	return false;
}

int
emu_params_check_driver(const char *name, const struct rte_kvargs *kv,
		const char * const *valid)
{
	unsigned int i;

	if (kv == NULL || valid == NULL)
		return 0;
	for (i = 0; i < kv->count; i++) {
		if (emu_key_known(kv->pairs[i].key, valid))
			continue;
		EMU_LOG(ERR, "%s: unknown key '%s' (neither a bus key nor one of the driver's)",
			name, kv->pairs[i].key);
		return -EINVAL;
	}
	return 0;
}
