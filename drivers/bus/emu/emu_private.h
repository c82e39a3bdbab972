/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef EMU_PRIVATE_H
#define EMU_PRIVATE_H

/*
 * Interfaces between the parts of the emu bus:
 *   emu_params.c   devargs of a device
 *   emu_shared.c   shared device table, IOMMU groups and their domains
 *   emu_iommu.c    software IOMMU: page tables, IOTLBs, domain backend
 *   emu_fault.c    fault logs, telemetry
 *   emu_shadow.c   non-coherence model: the device's view of memory
 *   emu_engine.c   device DMA engine
 *   emu_bus.c      the bus: scan, probe, hotplug, drivers
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include <rte_dmamap.h>
#include <rte_dmamap_domain.h>

#include "bus_emu_driver.h"
#include "rte_bus_emu.h"

extern int emu_logtype;
#define RTE_LOGTYPE_EMU emu_logtype

#define EMU_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, emu_logtype, "EMU: %s(): " fmt "\n", \
		__func__, ## __VA_ARGS__)

#define EMU_BUS_NAME "emu"
#define EMU_MAX_DEVS RTE_DMAMAP_MAX_DEVS
#define EMU_ARGS_LEN 512

#define EMU_PAGE_SHIFT 12
#define EMU_PAGE_SIZE (UINT64_C(1) << EMU_PAGE_SHIFT)
#define EMU_PAGE_2M (UINT64_C(1) << 21)
#define EMU_PAGE_1G (UINT64_C(1) << 30)

/* Width of the IOVA space the 4-level page tables translate. */
#define EMU_IOVA_BITS 48
#define EMU_PT_PAGES_DEFAULT 1024
#define EMU_PT_PAGES_MIN 16
#define EMU_PT_PAGES_MAX (1U << 20)

/* Name of the domain backend and of the cache maintenance operations. */
#define EMU_IOMMU_BACKEND "emu_iommu"
#define EMU_CACHE_OPS "emu"

enum emu_iommu_mode {
	EMU_IOMMU_OFF = 0,
	EMU_IOMMU_STRICT,
	EMU_IOMMU_LAZY,
	EMU_IOMMU_PASSTHROUGH,
};

static inline bool
emu_iommu_mode_has_domain(enum emu_iommu_mode mode)
{
	return mode == EMU_IOMMU_STRICT || mode == EMU_IOMMU_LAZY;
}

/*
 * Devargs of a device (emu_params.c).
 */
struct emu_params {
	char type[RTE_EMU_TYPE_LEN];
	unsigned int mask_bits;
	enum emu_iommu_mode iommu;
	bool coherent;
	bool debug;              /* lib/dmamap's DMA-API debug checker */
	int group;               /* -1: a group of its own */
	int numa_node;           /* SOCKET_ID_ANY when not given */
	enum rte_dmamap_bypass bypass;
	unsigned int window;     /* bits of the 1:1 window, 0: none */
	unsigned int pt_pages;   /* page-table pool of its domain */
	char drv_args[EMU_ARGS_LEN]; /* what the bus does not know */
};

/* Parse a device's devargs; logs the problem and returns -EINVAL. */
int emu_params_parse(const char *name, const char *args, struct emu_params *p);
/* Whether a device name is one the bus accepts. */
bool emu_name_valid(const char *name);
/* Check the driver's keys against its list; logs the unknown key. */
int emu_params_check_driver(const char *name, const struct rte_kvargs *kv,
		const char * const *valid);
const char *emu_iommu_mode_name(enum emu_iommu_mode mode);

/*
 * Fault log of a device (emu_fault.c), in its shared record.
 */
struct emu_fault_log {
	rte_spinlock_t lock;
	uint64_t seq;          /* faults recorded since creation */
	uint64_t cleared;      /* seq at the last clear */
	uint64_t reason[RTE_BUS_EMU_FAULT_MAX];
	struct rte_bus_emu_fault rec[RTE_BUS_EMU_FAULT_LOG_SIZE];
};

/*
 * Shared record of a device (emu_shared.c), in the "bus_emu_shared"
 * memzone: what every process needs to drive the device.
 */
struct emu_dev_shared {
	bool used;
	bool ready;               /* probed: secondaries may attach */
	char name[RTE_DEV_NAME_MAX_LEN];
	struct emu_params params;
	int16_t dmamap_id;
	int group_slot;           /* -1 without domain */
	rte_iova_t mask;
	rte_iova_t direct_limit;  /* last IOVA reached directly, 0: none */
	char domain[RTE_DMAMAP_NAME_LEN];
	struct emu_fault_log faults;
};

struct emu_iommu;

/* What the engine needs of a device, per process. */
struct emu_dev_hw {
	struct emu_dev_shared *shared;
	struct rte_dmamap_domain *domain;
	struct emu_iommu *iommu;     /* NULL: no translation */
	rte_iova_t mask;
	rte_iova_t direct_limit;     /* with a domain: untranslated up to here */
	rte_iova_t aperture_last;    /* passthrough: identity up to here */
	bool aperture_check;
	bool coherent;
};

/* A device: the driver's view and the bus's. */
struct emu_device {
	struct rte_emu_device pub;
	struct emu_params params;
	struct emu_dev_hw hw;
	bool own_devargs;            /* devargs allocated by the bus */
};

static inline struct emu_device *
emu_dev(struct rte_emu_device *dev)
{
	return container_of(dev, struct emu_device, pub);
}

/* Shared table (emu_shared.c). */
int emu_shared_init(void);               /* primary: create; else lookup */
struct emu_dev_shared *emu_shared_dev(unsigned int slot);
struct emu_dev_shared *emu_shared_find(const char *name);
/* Primary: take a record for a device; -ENOSPC when full. */
struct emu_dev_shared *emu_shared_alloc(const char *name,
		const struct emu_params *p);
void emu_shared_free(struct emu_dev_shared *sh);
/* Primary: get (create) the domain of a device's group, take a reference. */
struct rte_dmamap_domain *emu_group_get(struct emu_dev_shared *sh);
void emu_group_put(struct emu_dev_shared *sh);

/*
 * Software IOMMU (emu_iommu.c). The state of a domain lives in the domain's
 * private area (shared memory): page-table pool, IOTLB, counters, lock.
 */
size_t emu_iommu_priv_size(unsigned int pt_pages);
int emu_iommu_setup(struct rte_dmamap_domain *dom, unsigned int pt_pages,
		rte_iova_t aperture_start, rte_iova_t aperture_last, bool lazy);
/* The IOMMU of an emu domain, or NULL (rte_errno EINVAL). */
struct emu_iommu *emu_iommu_of(struct rte_dmamap_domain *dom);
int emu_iommu_map(struct emu_iommu *mmu, rte_iova_t iova, rte_iova_t target,
		size_t len, uint32_t prot);
int emu_iommu_unmap(struct emu_iommu *mmu, rte_iova_t iova, size_t len);
int emu_iommu_flush(struct emu_iommu *mmu, rte_iova_t iova, size_t len);
int emu_iommu_walk(struct emu_iommu *mmu, rte_iova_t iova,
		struct rte_bus_emu_pte *pte);
void emu_iommu_info(struct emu_iommu *mmu, struct rte_bus_emu_iommu_info *info);
void emu_iommu_iotlb_stats(struct emu_iommu *mmu,
		struct rte_bus_emu_iotlb_stats *st);
void emu_iommu_iotlb_reset(struct emu_iommu *mmu);

/* Device-side translation, under the IOMMU's lock. */
void emu_iommu_lock(struct emu_iommu *mmu);
void emu_iommu_unlock(struct emu_iommu *mmu);

struct emu_xlate {
	rte_iova_t target;  /* translation of the IOVA asked */
	uint64_t avail;     /* bytes from there to the end of the leaf */
	uint32_t prot;      /* RTE_DMAMAP_PROT_* of the leaf */
	enum rte_bus_emu_fault_reason reason; /* when it failed */
};

/*
 * Translate one IOVA for an access, through the IOTLB (counted when
 * count), filling it on a miss. False on a fault, with x->reason.
 */
bool emu_iommu_xlate(struct emu_iommu *mmu, rte_iova_t iova, uint32_t access,
		bool count, struct emu_xlate *x);

/*
 * A thread's IOTLB of a domain (emu_iommu.c): the host address of each
 * 4 KiB page of IOVA the thread translated, tagged with the domain's
 * generation, which every flush bumps. Read and filled by its thread
 * alone: lookups take no lock.
 */
#define EMU_PTC_ENTRIES 2048

struct emu_ptc_entry {
	uint64_t tag;          /* IOVA >> EMU_PAGE_SHIFT */
	uint64_t gen;          /* the domain's generation when filled */
	uint8_t *host;         /* host address of the page */
	uint32_t prot;         /* RTE_DMAMAP_PROT_* */
};

struct emu_ptc {
	const struct emu_iommu *mmu;
	uint64_t uid;
	const uint64_t *gen;   /* the domain's generation */
	uint64_t *hits;        /* this lcore's hit counter in the domain */
	struct emu_ptc_entry e[EMU_PTC_ENTRIES];
};

/* The calling thread's IOTLB of a domain; NULL for a thread without an
 * lcore id (or out of memory): such threads take the locked path.
 */
struct emu_ptc *emu_iommu_ptc(struct emu_iommu *mmu);
/* Cache a translation the locked path gave (IOMMU lock held). */
void emu_ptc_fill(struct emu_ptc *c, rte_iova_t iova, uint8_t *host,
		uint32_t prot);

/* The domain's generation, read once for a run of lookups. */
static __rte_always_inline uint64_t
emu_ptc_gen(const struct emu_ptc *c)
{
	return __atomic_load_n(c->gen, __ATOMIC_ACQUIRE);
}

/*
 * Host address of iova for an access needing prot, and the bytes to the
 * end of its page; NULL on a miss. gen from emu_ptc_gen() at the start of
 * the run. The caller adds the hits to *c->hits.
 */
static __rte_always_inline uint8_t *
emu_ptc_lookup(const struct emu_ptc *c, uint64_t gen, rte_iova_t iova,
		uint32_t prot, size_t *avail)
{
	uint64_t tag = iova >> EMU_PAGE_SHIFT, off;
	const struct emu_ptc_entry *e = &c->e[tag & (EMU_PTC_ENTRIES - 1)];

	if (e->tag != tag || e->gen != gen || (e->prot & prot) != prot)
		return NULL;
	off = iova & (EMU_PAGE_SIZE - 1);
	*avail = EMU_PAGE_SIZE - off;
	return e->host + off;
}

/*
 * Fault log (emu_fault.c).
 */
void emu_fault_record(struct emu_dev_shared *sh, rte_iova_t iova, size_t len,
		uint32_t access, rte_iova_t fault_iova,
		enum rte_bus_emu_fault_reason reason);
void emu_fault_reset(struct emu_fault_log *log);

/*
 * Non-coherence model (emu_shadow.c): memory as non-coherent devices see
 * it, kept at cache-line granularity for the lines the cache operations
 * took over.
 */
int emu_shadow_init(void);  /* primary creates, others find it */
void emu_shadow_dev_read(const void *host, void *buf, size_t len);
void emu_shadow_dev_write(void *host, const void *buf, size_t len);

/*
 * Bus (emu_bus.c).
 */
/* Walk this process's devices under the bus lock; stop on nonzero. */
int emu_dev_foreach(int (*fn)(struct emu_device *dev, void *arg), void *arg);
/* The device record of a name, in this process: NULL when unknown. */
struct emu_dev_shared *emu_shared_by_name(const char *name);

#endif /* EMU_PRIVATE_H */
