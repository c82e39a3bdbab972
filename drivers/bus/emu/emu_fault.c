/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fault logs: each device keeps its last RTE_BUS_EMU_FAULT_LOG_SIZE faults
 * and counts all of them, in its shared record, so any process reads them.
 * Telemetry: /bus_emu/list, /bus_emu/faults[,<device>], /bus_emu/iotlb,<device>.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "emu_private.h"

/* Faults logged at ERR per device before the log goes quiet. */
#define EMU_FAULT_LOUD 32

static const char * const emu_fault_names[RTE_BUS_EMU_FAULT_MAX] = {
	[RTE_BUS_EMU_FAULT_NOT_PRESENT] = "not_present",
	[RTE_BUS_EMU_FAULT_PERMISSION] = "permission",
	[RTE_BUS_EMU_FAULT_APERTURE] = "aperture",
	[RTE_BUS_EMU_FAULT_MASK] = "dma_mask",
	[RTE_BUS_EMU_FAULT_NO_MEMORY] = "no_memory",
};

const char *
rte_bus_emu_fault_reason_name(enum rte_bus_emu_fault_reason reason)
{
	if ((unsigned int)reason >= RTE_BUS_EMU_FAULT_MAX)
		return NULL;
	return emu_fault_names[reason];
}

static const char *
emu_access_name(uint32_t access)
{
	return access & RTE_EMU_DMA_WRITE ? "write" : "read";
}

static void
emu_fault_say(const struct emu_dev_shared *sh, const struct rte_bus_emu_fault *f,
		uint64_t n)
{
	if (n > EMU_FAULT_LOUD)
		return;
	EMU_LOG(ERR, "%s: DMA %s fault: IOVA 0x%" PRIx64 " len %u (at 0x%" PRIx64
		"): %s%s", sh->name, emu_access_name(f->access), f->iova, f->len,
		f->fault_iova, emu_fault_names[f->reason],
		n == EMU_FAULT_LOUD ? "; further faults are counted, not logged" : "");
}

void
emu_fault_record(struct emu_dev_shared *sh, rte_iova_t iova, size_t len,
		uint32_t access, rte_iova_t fault_iova,
		enum rte_bus_emu_fault_reason reason)
{
	struct emu_fault_log *log = &sh->faults;
	struct rte_bus_emu_fault *f, rec;
	uint64_t n;

	rec.iova = iova;
	rec.len = len > UINT32_MAX ? UINT32_MAX : len;
	rec.access = access;
	rec.reason = reason;
	rec.fault_iova = fault_iova;
	rte_spinlock_lock(&log->lock);
	rec.seq = ++log->seq;
	f = &log->rec[(rec.seq - 1) % RTE_BUS_EMU_FAULT_LOG_SIZE];
	*f = rec;
	log->reason[reason]++;
	n = log->seq - log->cleared;
	rte_spinlock_unlock(&log->lock);
	emu_fault_say(sh, &rec, n);
}

void
emu_fault_reset(struct emu_fault_log *log)
{
	memset(log, 0, sizeof(*log));
	rte_spinlock_init(&log->lock);
}

static int
emu_fault_log_of(const char *dev_name, struct emu_fault_log **log)
{
	struct emu_dev_shared *sh;

	if (dev_name == NULL)
		return -EINVAL;
	sh = emu_shared_by_name(dev_name);
	if (sh == NULL)
		return -ENODEV;
	*log = &sh->faults;
	return 0;
}

int
rte_bus_emu_fault_read(const char *dev_name, struct rte_bus_emu_fault *faults,
		unsigned int n)
{
	struct emu_fault_log *log;
	uint64_t first, seq;
	unsigned int i = 0;
	int ret;

	if (faults == NULL && n > 0)
		return -EINVAL;
	ret = emu_fault_log_of(dev_name, &log);
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&log->lock);
	first = log->cleared + 1;
	if (log->seq >= RTE_BUS_EMU_FAULT_LOG_SIZE &&
			first < log->seq - RTE_BUS_EMU_FAULT_LOG_SIZE + 1)
		first = log->seq - RTE_BUS_EMU_FAULT_LOG_SIZE + 1;
	if (log->seq >= n && first < log->seq - n + 1)
		first = log->seq - n + 1;
	for (seq = first; seq <= log->seq; seq++)
		faults[i++] = log->rec[(seq - 1) % RTE_BUS_EMU_FAULT_LOG_SIZE];
	rte_spinlock_unlock(&log->lock);
	return i;
}

int
rte_bus_emu_fault_stats_get(const char *dev_name,
		struct rte_bus_emu_fault_stats *stats)
{
	struct emu_fault_log *log;
	uint64_t total;
	int ret;

	if (stats == NULL)
		return -EINVAL;
	ret = emu_fault_log_of(dev_name, &log);
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&log->lock);
	total = log->seq - log->cleared;
	stats->total = total;
	memcpy(stats->reason, log->reason, sizeof(stats->reason));
	stats->lost = total > RTE_BUS_EMU_FAULT_LOG_SIZE ?
		total - RTE_BUS_EMU_FAULT_LOG_SIZE : 0;
	rte_spinlock_unlock(&log->lock);
	return 0;
}

int
rte_bus_emu_fault_clear(const char *dev_name)
{
	struct emu_fault_log *log;
	int ret;

	ret = emu_fault_log_of(dev_name, &log);
	if (ret < 0)
		return ret;
	rte_spinlock_lock(&log->lock);
	log->cleared = log->seq;
	memset(log->reason, 0, sizeof(log->reason));
	rte_spinlock_unlock(&log->lock);
	return 0;
}

/*
 * Telemetry.
 */

static void
emu_tel_fault_string(char *buf, size_t size, const struct rte_bus_emu_fault *f)
{
	snprintf(buf, size, "#%" PRIu64 " %s iova=0x%" PRIx64 " len=%u at=0x%"
		PRIx64 " %s", f->seq, emu_access_name(f->access), f->iova,
		f->len, f->fault_iova, emu_fault_names[f->reason]);
}

static int
emu_tel_faults_one(const char *name, struct rte_tel_data *d)
{
	struct rte_bus_emu_fault recs[RTE_BUS_EMU_FAULT_LOG_SIZE];
	struct rte_bus_emu_fault_stats st;
	char line[RTE_TEL_MAX_STRING_LEN];
	struct rte_tel_data *arr;
	int i, n;

	if (rte_bus_emu_fault_stats_get(name, &st) < 0)
		return -EINVAL;
	n = rte_bus_emu_fault_read(name, recs, RTE_DIM(recs));
	arr = rte_tel_data_alloc();
	if (arr == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "total", st.total);
	for (i = 0; i < RTE_BUS_EMU_FAULT_MAX; i++)
		rte_tel_data_add_dict_u64(d, emu_fault_names[i], st.reason[i]);
	rte_tel_data_add_dict_u64(d, "lost", st.lost);
	rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
	for (i = 0; i < n; i++) {
		emu_tel_fault_string(line, sizeof(line), &recs[i]);
		rte_tel_data_add_array_string(arr, line);
	}
	rte_tel_data_add_dict_container(d, "records", arr, 0);
	return 0;
}

static int
emu_tel_fault_total(struct emu_device *dev, void *arg)
{
	struct rte_tel_data *d = arg;

	if (dev->hw.shared != NULL)
		rte_tel_data_add_dict_u64(d, dev->pub.name,
			dev->hw.shared->faults.seq - dev->hw.shared->faults.cleared);
	return 0;
}

static int
emu_tel_faults(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	if (params != NULL && params[0] != '\0')
		return emu_tel_faults_one(params, d);
	rte_tel_data_start_dict(d);
	return emu_dev_foreach(emu_tel_fault_total, d);
}

static int
emu_tel_list_one(struct emu_device *dev, void *arg)
{
	rte_tel_data_add_array_string(arg, dev->pub.name);
	return 0;
}

static int
emu_tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	return emu_dev_foreach(emu_tel_list_one, d);
}

static int
emu_tel_iotlb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_bus_emu_iotlb_stats st;
	struct rte_bus_emu_iommu_info info;

	RTE_SET_USED(cmd);
	if (params == NULL || rte_bus_emu_iotlb_stats_get(params, &st) < 0 ||
			rte_bus_emu_iommu_info_get(params, &info) < 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "hits", st.hits);
	rte_tel_data_add_dict_u64(d, "misses", st.misses);
	rte_tel_data_add_dict_u64(d, "flushes", st.flushes);
	rte_tel_data_add_dict_u64(d, "invalidated", st.invalidated);
	rte_tel_data_add_dict_u64(d, "evictions", st.evictions);
	rte_tel_data_add_dict_u64(d, "entries", st.entries);
	rte_tel_data_add_dict_u64(d, "pt_pages", info.pt_pages);
	rte_tel_data_add_dict_u64(d, "pt_bytes", info.pt_bytes);
	rte_tel_data_add_dict_u64(d, "mapped_bytes", info.mapped_bytes);
	return 0;
}

RTE_INIT(emu_telemetry_register)
{
	rte_telemetry_register_cmd("/bus_emu/list", emu_tel_list,
		"List the emu bus devices. Takes no parameters");
	rte_telemetry_register_cmd("/bus_emu/faults", emu_tel_faults,
		"Fault counts of all emu devices, or counters and last faults of one. Parameters: [device name]");
	rte_telemetry_register_cmd("/bus_emu/iotlb", emu_tel_iotlb,
		"IOTLB and page-table state of an emu device's IOMMU domain. Parameters: device name");
}
