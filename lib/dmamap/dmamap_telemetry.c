/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Telemetry commands of rte_dmamap:
 *   /dmamap/list            ids of the attached devices
 *   /dmamap/info,<id>       what the library decided for a device
 *   /dmamap/stats,<id>      the device's counters
 *   /dmamap/mappings,<id>   live mappings and misuse counts of a device the
 *                           debug checker tracks
 * Handlers only read: devices through the public API, mappings through the
 * device's debug tracker. They run in telemetry's thread, beside the
 * application's: each reads a device through dmamap_dev_read(), which
 * keeps a concurrent detach from freeing the device's objects (its debug
 * tracker, domain, bounce pool) under it.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "dmamap_private.h"

/* Mappings listed at most, so a reply fits telemetry's 16 KiB output. */
#define TELEMETRY_MAPPINGS_MAX 128

static const struct {
	const char *name;
	size_t offset;
} telemetry_stats_fields[] = {
	{ "maps", offsetof(struct rte_dmamap_stats, maps) },
	{ "unmaps", offsetof(struct rte_dmamap_stats, unmaps) },
	{ "direct", offsetof(struct rte_dmamap_stats, direct) },
	{ "domain", offsetof(struct rte_dmamap_stats, domain) },
	{ "bounced", offsetof(struct rte_dmamap_stats, bounced) },
	{ "bounce_bytes", offsetof(struct rte_dmamap_stats, bounce_bytes) },
	{ "syncs", offsetof(struct rte_dmamap_stats, syncs) },
	{ "allocs", offsetof(struct rte_dmamap_stats, allocs) },
	{ "links", offsetof(struct rte_dmamap_stats, links) },
	{ "errors", offsetof(struct rte_dmamap_stats, errors) },
	{ "debug_errors", offsetof(struct rte_dmamap_stats, debug_errors) },
};

static const char *
telemetry_bypass_name(enum rte_dmamap_bypass bypass)
{
	switch (bypass) {
	case RTE_DMAMAP_BYPASS_AUTO:
		return "auto";
	case RTE_DMAMAP_BYPASS_NEVER:
		return "never";
	case RTE_DMAMAP_BYPASS_FORCE:
		return "force";
	}
	return "invalid";
}

static const char *
telemetry_dir_name(enum rte_dmamap_dir dir)
{
	switch (dir) {
	case RTE_DMAMAP_BIDIRECTIONAL:
		return "bidirectional";
	case RTE_DMAMAP_TO_DEVICE:
		return "to_device";
	case RTE_DMAMAP_FROM_DEVICE:
		return "from_device";
	}
	return "invalid";
}

static const char *
telemetry_type_name(enum dmamap_debug_type type)
{
	switch (type) {
	case DMAMAP_DEBUG_SINGLE:
		return "single";
	case DMAMAP_DEBUG_SG:
		return "sg";
	case DMAMAP_DEBUG_COHERENT:
		return "coherent";
	case DMAMAP_DEBUG_NONCOHERENT:
		return "noncoherent";
	case DMAMAP_DEBUG_LINK:
		return "link";
	}
	return "invalid";
}

/* The id a command names: digits only, of an attached device. */
static int
telemetry_dev_id(const char *cmd, const char *params, int16_t *dev_id)
{
	unsigned long id;
	char *end = NULL;

	if (params == NULL || params[0] == '\0') {
		DMAMAP_LOG(WARNING, "%s: a device id is required", cmd);
		return -EINVAL;
	}
	/* strtoul() alone would take signs and leading blanks. */
	errno = 0;
	id = isdigit((unsigned char)params[0]) ? strtoul(params, &end, 10) : ULONG_MAX;
	if (errno != 0 || id >= RTE_DMAMAP_MAX_DEVS || *end != '\0') {
		DMAMAP_LOG(WARNING, "%s: bad device id '%s'", cmd, params);
		return -EINVAL;
	}
	if (!rte_dmamap_is_valid((int16_t)id)) {
		DMAMAP_LOG(WARNING, "%s: no device %lu", cmd, id);
		return -EINVAL;
	}
	*dev_id = (int16_t)id;
	return 0;
}

static int
telemetry_list(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	int16_t id;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (id = 0; id < RTE_DMAMAP_MAX_DEVS; id++)
		if (rte_dmamap_is_valid(id))
			rte_tel_data_add_array_int(d, id);
	return 0;
}

static int
telemetry_info_get(struct dmamap_dev *dev, void *info)
{
	return rte_dmamap_info_get(dev->dev_id, info);
}

static int
telemetry_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dmamap_info info;
	int16_t id;
	int ret;

	ret = telemetry_dev_id(cmd, params, &id);
	if (ret == 0)
		ret = dmamap_dev_read(id, telemetry_info_get, &info);
	if (ret < 0)
		return ret;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", info.name);
	rte_tel_data_add_dict_int(d, "mask_bits", info.mask_bits);
	rte_tel_data_add_dict_u64(d, "mask", info.mask);
	rte_tel_data_add_dict_u64(d, "flags", info.flags);
	rte_tel_data_add_dict_string(d, "bypass",
		telemetry_bypass_name(info.bypass));
	rte_tel_data_add_dict_u64(d, "direct_limit", info.direct_limit);
	rte_tel_data_add_dict_string(d, "domain", info.domain);
	rte_tel_data_add_dict_u64(d, "bounce_iova", info.bounce_iova);
	rte_tel_data_add_dict_u64(d, "bounce_size", info.bounce_size);
	return 0;
}

static int
telemetry_stats_get(struct dmamap_dev *dev, void *stats)
{
	return rte_dmamap_stats_get(dev->dev_id, stats);
}

static int
telemetry_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dmamap_stats stats;
	unsigned int i;
	int16_t id;
	int ret;

	/* A counter added to the struct must be added to the table. */
	RTE_BUILD_BUG_ON(RTE_DIM(telemetry_stats_fields) * sizeof(uint64_t) !=
		sizeof(struct rte_dmamap_stats));
	ret = telemetry_dev_id(cmd, params, &id);
	if (ret == 0)
		ret = dmamap_dev_read(id, telemetry_stats_get, &stats);
	if (ret < 0)
		return ret;
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(telemetry_stats_fields); i++)
		rte_tel_data_add_dict_u64(d, telemetry_stats_fields[i].name,
			*(const uint64_t *)((const char *)&stats +
			telemetry_stats_fields[i].offset));
	return 0;
}

/* Columns of the mappings reply, one array each. */
enum telemetry_col {
	COL_IOVA,
	COL_VA,
	COL_LEN,
	COL_DIR,
	COL_TYPE,
	COL_MAX,
};

static const char * const telemetry_col_names[COL_MAX] = {
	"iova", "va", "len", "dir", "type",
};

struct telemetry_mappings {
	struct rte_tel_data *col[COL_MAX];
	unsigned int listed;
};

static void
telemetry_cols_free(struct telemetry_mappings *m)
{
	int c;

	for (c = 0; c < COL_MAX; c++)
		rte_tel_data_free(m->col[c]);
}

static int
telemetry_cols_alloc(struct telemetry_mappings *m)
{
	int c;

	for (c = 0; c < COL_MAX; c++) {
		m->col[c] = rte_tel_data_alloc();
		if (m->col[c] == NULL) {
			telemetry_cols_free(m);
			return -ENOMEM;
		}
		rte_tel_data_start_array(m->col[c], c < COL_DIR ?
			RTE_TEL_U64_VAL : RTE_TEL_STRING_VAL);
	}
	return 0;
}

/* Called under the tracker's lock: fills arrays, nothing more. */
static int
telemetry_add_mapping(const void *va, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type, void *arg)
{
	struct telemetry_mappings *m = arg;

	rte_tel_data_add_array_u64(m->col[COL_IOVA], iova);
	rte_tel_data_add_array_u64(m->col[COL_VA], (uintptr_t)va);
	rte_tel_data_add_array_u64(m->col[COL_LEN], len);
	rte_tel_data_add_array_string(m->col[COL_DIR], telemetry_dir_name(dir));
	rte_tel_data_add_array_string(m->col[COL_TYPE], telemetry_type_name(type));
	return ++m->listed == TELEMETRY_MAPPINGS_MAX;
}

struct telemetry_mappings_req {
	const char *cmd;
	struct rte_tel_data *d;
};

/* The reply, built while the device cannot be detached. */
static int
telemetry_mappings_of(struct dmamap_dev *dev, void *arg)
{
	struct telemetry_mappings_req *req = arg;
	struct telemetry_mappings m = { .listed = 0 };
	struct dmamap_debug *dbg = dev->debug;
	struct rte_tel_data *d = req->d;
	int c, e;

	if (dbg == NULL) {
		DMAMAP_LOG(WARNING, "%s: the debug checker is off for %s",
			req->cmd, dev->name);
		return -EINVAL;
	}
	if (telemetry_cols_alloc(&m) < 0)
		return -ENOMEM;
	dmamap_debug_walk(dbg, telemetry_add_mapping, &m);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "live", dmamap_debug_live(dbg));
	rte_tel_data_add_dict_u64(d, "listed", m.listed);
	for (e = 0; e < DMAMAP_DEBUG_ERR_MAX; e++)
		rte_tel_data_add_dict_u64(d, dmamap_debug_err_name(e),
			dmamap_debug_errors(dbg, e));
	for (c = 0; c < COL_MAX; c++)
		if (rte_tel_data_add_dict_container(d, telemetry_col_names[c],
				m.col[c], 0) < 0)
			rte_tel_data_free(m.col[c]);
	return 0;
}

static int
telemetry_mappings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct telemetry_mappings_req req = { .cmd = cmd, .d = d };
	int16_t id;

	if (telemetry_dev_id(cmd, params, &id) < 0)
		return -EINVAL;
	return dmamap_dev_read(id, telemetry_mappings_of, &req);
}

RTE_INIT(dmamap_telemetry_init)
{
	rte_telemetry_register_cmd("/dmamap/list", telemetry_list,
		"Returns the ids of devices with a DMA context. No parameters.");
	rte_telemetry_register_cmd("/dmamap/info", telemetry_info,
		"Returns the DMA configuration of a device. Parameters: int dev_id");
	rte_telemetry_register_cmd("/dmamap/stats", telemetry_stats,
		"Returns the DMA mapping counters of a device. Parameters: int dev_id");
	rte_telemetry_register_cmd("/dmamap/mappings", telemetry_mappings,
		"Returns the live mappings and misuse counts of a device the "
		"debug checker tracks (at most 128 listed). Parameters: int dev_id");
}
