/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * DMA-API debug checker: the classes of misuse the kernel's dma-debug
 * reports, for one device.
 *
 * Every live mapping of the device is one entry of a fixed pool. An entry
 * sits in two interval trees (treaps with the highest last byte of each
 * subtree kept in every node): one keyed by IOVA, to check unmaps and syncs,
 * one keyed by virtual address, to find writable mappings of the same
 * memory. A lookup costs O(log n) plus the mappings that overlap the query;
 * duplicates are normal (in direct mode two mappings of one buffer share
 * their IOVA) and are told apart by picking the entry that matches best.
 *
 * All state lives in one memzone with its own lock, so a secondary process
 * checks against the mappings the primary made, and the structures hold
 * indexes, never pointers. A small ring of recently unmapped ranges tells a
 * double unmap from an unmap of an address never mapped.
 *
 * When the pool is full a new mapping cannot be recorded. From then on a
 * missing or mismatching entry may be that mapping, so the checker stops
 * reporting unmap and sync misuse (as the kernel turns dma-debug off) but
 * keeps tracking what it has, so overlaps and leaks are still reported.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memzone.h>
#include <rte_random.h>
#include <rte_spinlock.h>

#include "dmamap_private.h"

/* Live mappings tracked per device; 64 bytes each. */
#define DEBUG_ENTRIES 65536
/* Recently unmapped ranges remembered to recognise double unmaps. */
#define DEBUG_RECENT 256
/* Leaks logged at ERR level at destroy; the rest at DEBUG level. */
#define DEBUG_LEAK_LOG_MAX 64

/* Index 0 of the pool is the empty tree. */
#define DEBUG_NIL 0

#define DEBUG_MZ_PREFIX "dmadbg_"
#define DEBUG_NAME_LEN 64

enum debug_index {
	DEBUG_BY_IOVA,
	DEBUG_BY_VA,
	DEBUG_NB_INDEX,
};

struct dmamap_debug_link {
	uint32_t left;
	uint32_t right;
	uint64_t max_last; /* highest last byte in this subtree */
};

struct dmamap_debug_entry {
	uint64_t va;
	rte_iova_t iova;
	uint64_t len;
	uint32_t prio;     /* treap heap order, random */
	uint8_t dir;
	uint8_t type;
	struct dmamap_debug_link link[DEBUG_NB_INDEX];
};

struct dmamap_debug_recent {
	rte_iova_t iova;
	uint64_t len;
};

struct dmamap_debug {
	char name[DEBUG_NAME_LEN];
	const struct rte_memzone *mz;
	rte_spinlock_t lock;
	uint32_t root[DEBUG_NB_INDEX];
	uint32_t free_head;  /* free entries chained through link[0].left */
	uint32_t nb_live;
	bool lossy;          /* a mapping was not recorded */
	uint64_t dropped;    /* mappings not recorded */
	uint32_t recent_next;
	struct dmamap_debug_recent recent[DEBUG_RECENT];
	uint64_t errors[DMAMAP_DEBUG_ERR_MAX];
	struct dmamap_debug_entry entries[DEBUG_ENTRIES + 1];
};

static const char * const debug_err_names[DMAMAP_DEBUG_ERR_MAX] = {
	[DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP] = "unknown_unmap",
	[DMAMAP_DEBUG_ERR_SIZE] = "size_mismatch",
	[DMAMAP_DEBUG_ERR_DIR] = "dir_mismatch",
	[DMAMAP_DEBUG_ERR_DOUBLE_UNMAP] = "double_unmap",
	[DMAMAP_DEBUG_ERR_TYPE] = "type_mismatch",
	[DMAMAP_DEBUG_ERR_SYNC_UNMAPPED] = "sync_unmapped",
	[DMAMAP_DEBUG_ERR_SYNC_RANGE] = "sync_range",
	[DMAMAP_DEBUG_ERR_SYNC_DIR] = "sync_dir",
	[DMAMAP_DEBUG_ERR_OVERLAP] = "overlap",
	[DMAMAP_DEBUG_ERR_LEAK] = "leak",
};

static const char *
debug_dir_name(unsigned int dir)
{
	static const char * const names[] = {
		[RTE_DMAMAP_BIDIRECTIONAL] = "bidirectional",
		[RTE_DMAMAP_TO_DEVICE] = "to_device",
		[RTE_DMAMAP_FROM_DEVICE] = "from_device",
	};

	return dir < RTE_DIM(names) ? names[dir] : "invalid";
}

static const char *
debug_type_name(unsigned int type)
{
	static const char * const names[] = {
		[DMAMAP_DEBUG_SINGLE] = "single",
		[DMAMAP_DEBUG_SG] = "sg",
		[DMAMAP_DEBUG_COHERENT] = "coherent",
		[DMAMAP_DEBUG_NONCOHERENT] = "noncoherent",
		[DMAMAP_DEBUG_LINK] = "link",
	};

	return type < RTE_DIM(names) ? names[type] : "invalid";
}

const char *
dmamap_debug_err_name(enum dmamap_debug_err err)
{
	if ((unsigned int)err >= DMAMAP_DEBUG_ERR_MAX)
		return "invalid";
	return debug_err_names[err];
}

static void
debug_count(struct dmamap_debug *dbg, enum dmamap_debug_err err)
{
	__atomic_fetch_add(&dbg->errors[err], 1, __ATOMIC_RELAXED);
}

/* A device may write the memory: the CPU could read stale data from it. */
static bool
debug_dir_writable(unsigned int dir)
{
	return dir != RTE_DMAMAP_TO_DEVICE;
}

/*
 * Interval trees.
 */

static uint64_t
debug_start(const struct dmamap_debug_entry *e, int t)
{
	return t == DEBUG_BY_IOVA ? e->iova : e->va;
}

static uint64_t
debug_last(const struct dmamap_debug_entry *e, int t)
{
	return debug_start(e, t) + e->len - 1;
}

static struct dmamap_debug_link *
debug_link(struct dmamap_debug *dbg, uint32_t n, int t)
{
	return &dbg->entries[n].link[t];
}

static void
debug_update(struct dmamap_debug *dbg, uint32_t n, int t)
{
	struct dmamap_debug_link *l = debug_link(dbg, n, t);
	uint64_t max = debug_last(&dbg->entries[n], t);

	if (l->left != DEBUG_NIL)
		max = RTE_MAX(max, debug_link(dbg, l->left, t)->max_last);
	if (l->right != DEBUG_NIL)
		max = RTE_MAX(max, debug_link(dbg, l->right, t)->max_last);
	l->max_last = max;
}

/* Keys are (start, index), so duplicates of start still order totally. */
static bool
debug_key_less(const struct dmamap_debug *dbg, uint32_t n, int t,
		uint64_t start, uint32_t idx)
{
	uint64_t s = debug_start(&dbg->entries[n], t);

	return s < start || (s == start && n < idx);
}

/* Split tree n into keys below (start, idx) and the others. */
static void
debug_split(struct dmamap_debug *dbg, uint32_t n, int t, uint64_t start,
		uint32_t idx, uint32_t *below, uint32_t *above)
{
	struct dmamap_debug_link *l;

	if (n == DEBUG_NIL) {
		*below = DEBUG_NIL;
		*above = DEBUG_NIL;
		return;
	}
	l = debug_link(dbg, n, t);
	if (debug_key_less(dbg, n, t, start, idx)) {
		debug_split(dbg, l->right, t, start, idx, &l->right, above);
		*below = n;
	} else {
		debug_split(dbg, l->left, t, start, idx, below, &l->left);
		*above = n;
	}
	debug_update(dbg, n, t);
}

/* Join two trees, every key of a below every key of b. */
static uint32_t
debug_merge(struct dmamap_debug *dbg, uint32_t a, uint32_t b, int t)
{
	if (a == DEBUG_NIL)
		return b;
	if (b == DEBUG_NIL)
		return a;
	if (dbg->entries[a].prio > dbg->entries[b].prio) {
		debug_link(dbg, a, t)->right =
			debug_merge(dbg, debug_link(dbg, a, t)->right, b, t);
		debug_update(dbg, a, t);
		return a;
	}
	debug_link(dbg, b, t)->left =
		debug_merge(dbg, a, debug_link(dbg, b, t)->left, t);
	debug_update(dbg, b, t);
	return b;
}

/* Whether n sorts before m in tree t. */
static bool
debug_before(const struct dmamap_debug *dbg, uint32_t n, uint32_t m, int t)
{
	return debug_key_less(dbg, n, t, debug_start(&dbg->entries[m], t), m);
}

/*
 * Insert n in the subtree at root; returns the new subtree root. Descends
 * while the nodes have higher priority, then splits what is below n.
 */
static uint32_t
debug_insert_at(struct dmamap_debug *dbg, uint32_t root, uint32_t n, int t)
{
	struct dmamap_debug_link *l;

	if (root == DEBUG_NIL)
		return n;
	if (dbg->entries[n].prio > dbg->entries[root].prio) {
		l = debug_link(dbg, n, t);
		debug_split(dbg, root, t, debug_start(&dbg->entries[n], t), n,
			&l->left, &l->right);
		debug_update(dbg, n, t);
		return n;
	}
	l = debug_link(dbg, root, t);
	if (debug_before(dbg, n, root, t))
		l->left = debug_insert_at(dbg, l->left, n, t);
	else
		l->right = debug_insert_at(dbg, l->right, n, t);
	debug_update(dbg, root, t);
	return root;
}

/* Remove n from the subtree at root; returns the new subtree root. */
static uint32_t
debug_remove_at(struct dmamap_debug *dbg, uint32_t root, uint32_t n, int t)
{
	struct dmamap_debug_link *l;

	RTE_ASSERT(root != DEBUG_NIL);
	l = debug_link(dbg, root, t);
	if (root == n)
		return debug_merge(dbg, l->left, l->right, t);
	if (debug_before(dbg, n, root, t))
		l->left = debug_remove_at(dbg, l->left, n, t);
	else
		l->right = debug_remove_at(dbg, l->right, n, t);
	debug_update(dbg, root, t);
	return root;
}

static void
debug_tree_insert(struct dmamap_debug *dbg, uint32_t n, int t)
{
	debug_link(dbg, n, t)->left = DEBUG_NIL;
	debug_link(dbg, n, t)->right = DEBUG_NIL;
	debug_update(dbg, n, t);
	dbg->root[t] = debug_insert_at(dbg, dbg->root[t], n, t);
}

static void
debug_tree_remove(struct dmamap_debug *dbg, uint32_t n, int t)
{
	dbg->root[t] = debug_remove_at(dbg, dbg->root[t], n, t);
}

typedef int (*debug_visit_t)(struct dmamap_debug *dbg, uint32_t n, void *arg);

/*
 * Call fn, in key order, for each entry of tree n overlapping
 * [first, last]; stop at the first nonzero return and give it back.
 */
static int
debug_visit(struct dmamap_debug *dbg, uint32_t n, int t, uint64_t first,
		uint64_t last, debug_visit_t fn, void *arg)
{
	const struct dmamap_debug_entry *e;
	int ret;

	while (n != DEBUG_NIL) {
		e = &dbg->entries[n];
		if (e->link[t].max_last < first)
			return 0;
		ret = debug_visit(dbg, e->link[t].left, t, first, last, fn, arg);
		if (ret != 0)
			return ret;
		if (debug_start(e, t) > last)
			return 0;
		if (debug_last(e, t) >= first) {
			ret = fn(dbg, n, arg);
			if (ret != 0)
				return ret;
		}
		n = e->link[t].right;
	}
	return 0;
}

/*
 * Entry pool.
 */

static uint32_t
debug_entry_get(struct dmamap_debug *dbg)
{
	uint32_t n = dbg->free_head;

	if (n != DEBUG_NIL) {
		dbg->free_head = dbg->entries[n].link[0].left;
		__atomic_fetch_add(&dbg->nb_live, 1, __ATOMIC_RELAXED);
	}
	return n;
}

static void
debug_entry_put(struct dmamap_debug *dbg, uint32_t n)
{
	dbg->entries[n].link[0].left = dbg->free_head;
	dbg->free_head = n;
	__atomic_fetch_sub(&dbg->nb_live, 1, __ATOMIC_RELAXED);
}

static void
debug_record(struct dmamap_debug *dbg, uint32_t n)
{
	int t;

	for (t = 0; t < DEBUG_NB_INDEX; t++)
		debug_tree_insert(dbg, n, t);
}

static void
debug_forget(struct dmamap_debug *dbg, uint32_t n)
{
	int t;

	for (t = 0; t < DEBUG_NB_INDEX; t++)
		debug_tree_remove(dbg, n, t);
	debug_entry_put(dbg, n);
}

static void
debug_recent_add(struct dmamap_debug *dbg, rte_iova_t iova, uint64_t len)
{
	struct dmamap_debug_recent *r;

	r = &dbg->recent[dbg->recent_next++ % DEBUG_RECENT];
	r->iova = iova;
	r->len = len;
}

/* The most recent unmap of a range starting at iova, or NULL. */
static const struct dmamap_debug_recent *
debug_recent_find(const struct dmamap_debug *dbg, rte_iova_t iova)
{
	const struct dmamap_debug_recent *r;
	unsigned int i, n = RTE_MIN(dbg->recent_next, (uint32_t)DEBUG_RECENT);

	for (i = 1; i <= n; i++) {
		r = &dbg->recent[(dbg->recent_next - i) % DEBUG_RECENT];
		if (r->iova == iova)
			return r;
	}
	return NULL;
}

/*
 * Create, find, destroy.
 */

/* Memzone names are short: a long name keeps its start and gets a hash. */
static void
debug_mz_name(const char *name, char *mz_name, size_t size)
{
	const size_t prefix = sizeof(DEBUG_MZ_PREFIX) - 1, suffix = 9; /* _%08x */
	size_t len = strlen(name), i;
	uint32_t hash = 2166136261u; /* FNV-1a */

	if (prefix + len < size) {
		snprintf(mz_name, size, DEBUG_MZ_PREFIX "%s", name);
		return;
	}
	for (i = 0; i < len; i++)
		hash = (hash ^ (uint8_t)name[i]) * 16777619u;
	snprintf(mz_name, size, DEBUG_MZ_PREFIX "%.*s_%08x",
		(int)(size - 1 - prefix - suffix), name, hash);
}

static bool
debug_name_valid(const char *name)
{
	if (name == NULL || name[0] == '\0' ||
			strnlen(name, DEBUG_NAME_LEN) == DEBUG_NAME_LEN) {
		DMAMAP_LOG(ERR, "invalid debug tracker name");
		return false;
	}
	return true;
}

static void
debug_init(struct dmamap_debug *dbg, const char *name,
		const struct rte_memzone *mz)
{
	uint32_t i;

	memset(dbg, 0, offsetof(struct dmamap_debug, entries));
	snprintf(dbg->name, sizeof(dbg->name), "%s", name);
	dbg->mz = mz;
	rte_spinlock_init(&dbg->lock);
	memset(&dbg->entries[DEBUG_NIL], 0, sizeof(dbg->entries[DEBUG_NIL]));
	for (i = 1; i <= DEBUG_ENTRIES; i++)
		dbg->entries[i].link[0].left = i < DEBUG_ENTRIES ? i + 1 : DEBUG_NIL;
	dbg->free_head = 1;
}

struct dmamap_debug *
dmamap_debug_create(const char *name, int socket_id)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	if (!debug_name_valid(name)) {
		rte_errno = EINVAL;
		return NULL;
	}
	debug_mz_name(name, mz_name, sizeof(mz_name));
	mz = dmamap_memzone_reserve(mz_name, sizeof(struct dmamap_debug), socket_id,
		0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		DMAMAP_LOG(ERR, "%s: cannot reserve %zu bytes for debug tracking: %s",
			name, sizeof(struct dmamap_debug), rte_strerror(rte_errno));
		return NULL;
	}
	debug_init(mz->addr, name, mz);
	return mz->addr;
}

struct dmamap_debug *
dmamap_debug_lookup(const char *name)
{
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;

	if (!debug_name_valid(name)) {
		rte_errno = EINVAL;
		return NULL;
	}
	debug_mz_name(name, mz_name, sizeof(mz_name));
	mz = rte_memzone_lookup(mz_name);
	/* A long name shares its memzone name with others of the same hash. */
	if (mz == NULL || mz->len < sizeof(struct dmamap_debug) ||
			strcmp(((struct dmamap_debug *)mz->addr)->name, name) != 0) {
		DMAMAP_LOG(ERR, "%s: no debug tracker", name);
		rte_errno = ENOENT;
		return NULL;
	}
	return mz->addr;
}

static int
debug_report_leak(struct dmamap_debug *dbg, uint32_t n, void *arg)
{
	const struct dmamap_debug_entry *e = &dbg->entries[n];
	unsigned int *count = arg;
	uint32_t level = *count < DEBUG_LEAK_LOG_MAX ? RTE_LOG_ERR :
		RTE_LOG_DEBUG;

	rte_log(level, dmamap_logtype, "DMAMAP: %s: leak: va 0x%" PRIx64
		" iova 0x%" PRIx64 " len %" PRIu64 " dir %s type %s still mapped\n",
		dbg->name, e->va, e->iova, e->len, debug_dir_name(e->dir),
		debug_type_name(e->type));
	debug_count(dbg, DMAMAP_DEBUG_ERR_LEAK);
	(*count)++;
	return 0;
}

unsigned int
dmamap_debug_destroy(struct dmamap_debug *dbg)
{
	unsigned int count = 0;

	if (dbg == NULL)
		return 0;
	rte_spinlock_lock(&dbg->lock);
	debug_visit(dbg, dbg->root[DEBUG_BY_IOVA], DEBUG_BY_IOVA, 0, UINT64_MAX,
		debug_report_leak, &count);
	rte_spinlock_unlock(&dbg->lock);
	if (count > DEBUG_LEAK_LOG_MAX)
		DMAMAP_LOG(ERR, "%s: %u mappings leaked, %u logged at debug level",
			dbg->name, count, count - DEBUG_LEAK_LOG_MAX);
	if (dbg->dropped > 0)
		DMAMAP_LOG(WARNING, "%s: %" PRIu64 " mappings were never tracked "
			"(tracker full): leaks among them go unreported", dbg->name,
			dbg->dropped);
	rte_memzone_free(dbg->mz);
	return count;
}

/*
 * Map.
 */

static bool
debug_range_valid(uint64_t start, size_t len)
{
	return len != 0 && start + len - 1 >= start;
}

static bool
debug_args_valid(const struct dmamap_debug *dbg, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir)
{
	if (dbg == NULL || !debug_range_valid(iova, len) || !dmamap_dir_valid(dir)) {
		DMAMAP_LOG(ERR, "invalid arguments: iova 0x%" PRIx64 " len %zu dir %d",
			iova, len, (int)dir);
		return false;
	}
	return true;
}

static int
debug_find_writable(struct dmamap_debug *dbg, uint32_t n, void *arg)
{
	const struct dmamap_debug_entry *e = &dbg->entries[n];

	RTE_SET_USED(arg);
	if (e->va == 0 || !debug_dir_writable(e->dir))
		return 0;
	return (int)n;
}

/*
 * Two mappings through which the device may write the same memory are the
 * kernel's overlap class: a sync or unmap of one can undo what the device
 * wrote through the other. Mappings the device only reads may overlap
 * anything.
 */
static int
debug_check_overlap(struct dmamap_debug *dbg, const struct dmamap_debug_entry *e)
{
	const struct dmamap_debug_entry *o;
	int n;

	if (e->va == 0 || !debug_dir_writable(e->dir))
		return 0;
	n = debug_visit(dbg, dbg->root[DEBUG_BY_VA], DEBUG_BY_VA, e->va,
		debug_last(e, DEBUG_BY_VA), debug_find_writable, NULL);
	if (n == 0)
		return 0;
	o = &dbg->entries[n];
	DMAMAP_LOG(ERR, "%s: overlap: %s mapping of va 0x%" PRIx64 " len %" PRIu64
		" (iova 0x%" PRIx64 ") overlaps %s mapping of va 0x%" PRIx64
		" len %" PRIu64 " (iova 0x%" PRIx64 ")", dbg->name,
		debug_dir_name(e->dir), e->va, e->len, e->iova,
		debug_dir_name(o->dir), o->va, o->len, o->iova);
	debug_count(dbg, DMAMAP_DEBUG_ERR_OVERLAP);
	return -EEXIST;
}

static void
debug_full(struct dmamap_debug *dbg, rte_iova_t iova, size_t len)
{
	if (!dbg->lossy)
		DMAMAP_LOG(ERR, "%s: %u mappings tracked, cannot track iova 0x%"
			PRIx64 " len %zu: unmap and sync misuse no longer reported",
			dbg->name, dbg->nb_live, iova, len);
	dbg->lossy = true;
	dbg->dropped++;
}

/*
 * Returns 0; -EEXIST when the mapping overlaps a writable one, recorded all
 * the same (the kernel reports and continues, and so does the caller after
 * counting it); -EINVAL on bad arguments, nothing recorded. A full pool is
 * no misuse of the caller's: 0, and the mapping goes untracked.
 */
int
dmamap_debug_map(struct dmamap_debug *dbg, const void *va, rte_iova_t iova,
		size_t len, enum rte_dmamap_dir dir, enum dmamap_debug_type type)
{
	struct dmamap_debug_entry *e;
	uint32_t n;
	int ret;

	if (!debug_args_valid(dbg, iova, len, dir))
		return -EINVAL;
	if (!debug_range_valid((uintptr_t)va, len) ||
			(unsigned int)type > DMAMAP_DEBUG_LINK) {
		DMAMAP_LOG(ERR, "invalid va %p len %zu or type %d", va, len,
			(int)type);
		return -EINVAL;
	}
	rte_spinlock_lock(&dbg->lock);
	n = debug_entry_get(dbg);
	if (n == DEBUG_NIL) {
		debug_full(dbg, iova, len);
		rte_spinlock_unlock(&dbg->lock);
		return 0;
	}
	e = &dbg->entries[n];
	e->va = (uintptr_t)va;
	e->iova = iova;
	e->len = len;
	e->dir = dir;
	e->type = type;
	e->prio = (uint32_t)rte_rand();
	ret = debug_check_overlap(dbg, e);
	debug_record(dbg, n);
	rte_spinlock_unlock(&dbg->lock);
	return ret;
}

/*
 * Unmap.
 */

/* A query and the entry that matches it best so far. */
struct debug_match {
	rte_iova_t first;
	rte_iova_t last;
	enum rte_dmamap_dir dir;
	enum dmamap_debug_type type;
	uint32_t best;
	int score;
	uint32_t around; /* an entry around the query start */
};

/* Score of an entry for an unmap: each of length, direction, type matched. */
static int
debug_unmap_score(struct dmamap_debug *dbg, uint32_t n, void *arg)
{
	const struct dmamap_debug_entry *e = &dbg->entries[n];
	struct debug_match *m = arg;
	int score;

	if (e->iova != m->first) {
		m->around = n;
		return 0;
	}
	score = 1 + (e->len == m->last - m->first + 1) + (e->dir == m->dir) +
		(e->type == m->type);
	if (score > m->score) {
		m->best = n;
		m->score = score;
	}
	return score == 4;
}

static int
debug_unmap_missing(struct dmamap_debug *dbg, const struct debug_match *m)
{
	const struct dmamap_debug_recent *r = debug_recent_find(dbg, m->first);
	const struct dmamap_debug_entry *a = &dbg->entries[m->around];
	size_t len = m->last - m->first + 1;

	if (r != NULL) {
		DMAMAP_LOG(ERR, "%s: double_unmap: unmap of iova 0x%" PRIx64
			" len %zu, unmapped before (len %" PRIu64 ")", dbg->name,
			m->first, len, r->len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_DOUBLE_UNMAP);
	} else if (m->around != DEBUG_NIL) {
		DMAMAP_LOG(ERR, "%s: unknown_unmap: unmap of iova 0x%" PRIx64
			" len %zu, inside the mapping of iova 0x%" PRIx64
			" len %" PRIu64, dbg->name, m->first, len, a->iova, a->len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP);
	} else {
		DMAMAP_LOG(ERR, "%s: unknown_unmap: unmap of iova 0x%" PRIx64
			" len %zu, never mapped", dbg->name, m->first, len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_UNKNOWN_UNMAP);
	}
	return -EINVAL;
}

static int
debug_unmap_check(struct dmamap_debug *dbg, const struct debug_match *m)
{
	const struct dmamap_debug_entry *e = &dbg->entries[m->best];
	size_t len = m->last - m->first + 1;

	if (e->len != len) {
		DMAMAP_LOG(ERR, "%s: size_mismatch: unmap of iova 0x%" PRIx64
			" len %zu, mapped with len %" PRIu64, dbg->name, e->iova,
			len, e->len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_SIZE);
	}
	if (e->dir != m->dir) {
		DMAMAP_LOG(ERR, "%s: dir_mismatch: unmap of iova 0x%" PRIx64
			" as %s, mapped %s", dbg->name, e->iova,
			debug_dir_name(m->dir), debug_dir_name(e->dir));
		debug_count(dbg, DMAMAP_DEBUG_ERR_DIR);
	}
	if (e->type != m->type) {
		DMAMAP_LOG(ERR, "%s: type_mismatch: %s release of iova 0x%" PRIx64
			", mapped as %s", dbg->name, debug_type_name(m->type),
			e->iova, debug_type_name(e->type));
		debug_count(dbg, DMAMAP_DEBUG_ERR_TYPE);
	}
	return -EINVAL;
}

int
dmamap_debug_unmap(struct dmamap_debug *dbg, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type)
{
	struct debug_match m = {
		.first = iova, .last = iova + len - 1, .dir = dir, .type = type,
	};
	int ret;

	if (!debug_args_valid(dbg, iova, len, dir))
		return -EINVAL;
	rte_spinlock_lock(&dbg->lock);
	debug_visit(dbg, dbg->root[DEBUG_BY_IOVA], DEBUG_BY_IOVA, iova, iova,
		debug_unmap_score, &m);
	if (m.score == 4) {
		debug_forget(dbg, m.best);
		debug_recent_add(dbg, iova, len);
		ret = 0;
	} else if (dbg->lossy) {
		ret = 0; /* may be a mapping that was not recorded */
	} else if (m.best == DEBUG_NIL) {
		ret = debug_unmap_missing(dbg, &m);
	} else {
		ret = debug_unmap_check(dbg, &m);
	}
	rte_spinlock_unlock(&dbg->lock);
	return ret;
}

/*
 * Sync.
 */

/* Score of an entry for a sync: it holds the range (2), direction fits (1). */
static int
debug_sync_score(struct dmamap_debug *dbg, uint32_t n, void *arg)
{
	const struct dmamap_debug_entry *e = &dbg->entries[n];
	struct debug_match *m = arg;
	int score = 1;

	if (e->iova <= m->first && debug_last(e, DEBUG_BY_IOVA) >= m->last)
		score += 2;
	if (e->dir == RTE_DMAMAP_BIDIRECTIONAL || e->dir == m->dir)
		score += 1;
	if (score > m->score) {
		m->best = n;
		m->score = score;
	}
	return score == 4;
}

static const char *
debug_sync_name(bool for_cpu)
{
	return for_cpu ? "sync_for_cpu" : "sync_for_device";
}

/*
 * As the kernel: a sync names the direction of the map, unless the map
 * was bidirectional. Syncing a TO_DEVICE mapping for the CPU (to write it
 * again) or a FROM_DEVICE one for the device (to post it again) is fine.
 */
static int
debug_sync_check(struct dmamap_debug *dbg, const struct debug_match *m,
		bool for_cpu)
{
	const struct dmamap_debug_entry *e = &dbg->entries[m->best];
	size_t len = m->last - m->first + 1;

	if (m->best == DEBUG_NIL) {
		DMAMAP_LOG(ERR, "%s: sync_unmapped: %s of iova 0x%" PRIx64
			" len %zu: nothing mapped there", dbg->name,
			debug_sync_name(for_cpu), m->first, len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_SYNC_UNMAPPED);
		return -EINVAL;
	}
	if (m->score < 3) {
		DMAMAP_LOG(ERR, "%s: sync_range: %s of iova 0x%" PRIx64
			" len %zu goes beyond the mapping of iova 0x%" PRIx64
			" len %" PRIu64, dbg->name, debug_sync_name(for_cpu),
			m->first, len, e->iova, e->len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_SYNC_RANGE);
	}
	if (m->score % 2 == 1) {
		DMAMAP_LOG(ERR, "%s: sync_dir: %s of iova 0x%" PRIx64 " as %s on"
			" a %s mapping of iova 0x%" PRIx64 " len %" PRIu64,
			dbg->name, debug_sync_name(for_cpu), m->first,
			debug_dir_name(m->dir), debug_dir_name(e->dir), e->iova,
			e->len);
		debug_count(dbg, DMAMAP_DEBUG_ERR_SYNC_DIR);
	}
	return -EINVAL;
}

int
dmamap_debug_sync(struct dmamap_debug *dbg, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, bool for_cpu)
{
	struct debug_match m = {
		.first = iova, .last = iova + len - 1, .dir = dir,
	};
	int ret = 0;

	if (!debug_args_valid(dbg, iova, len, dir))
		return -EINVAL;
	rte_spinlock_lock(&dbg->lock);
	debug_visit(dbg, dbg->root[DEBUG_BY_IOVA], DEBUG_BY_IOVA, m.first, m.last,
		debug_sync_score, &m);
	if (m.score != 4 && !dbg->lossy)
		ret = debug_sync_check(dbg, &m, for_cpu);
	rte_spinlock_unlock(&dbg->lock);
	return ret;
}

/*
 * Queries.
 */

uint64_t
dmamap_debug_errors(const struct dmamap_debug *dbg, enum dmamap_debug_err err)
{
	if (dbg == NULL || (unsigned int)err >= DMAMAP_DEBUG_ERR_MAX)
		return 0;
	return __atomic_load_n(&dbg->errors[err], __ATOMIC_RELAXED);
}

unsigned int
dmamap_debug_live(const struct dmamap_debug *dbg)
{
	if (dbg == NULL)
		return 0;
	return __atomic_load_n(&dbg->nb_live, __ATOMIC_RELAXED);
}

struct debug_walk_ctx {
	int (*fn)(const void *va, rte_iova_t iova, size_t len,
		enum rte_dmamap_dir dir, enum dmamap_debug_type type, void *arg);
	void *arg;
};

static int
debug_walk_one(struct dmamap_debug *dbg, uint32_t n, void *arg)
{
	const struct dmamap_debug_entry *e = &dbg->entries[n];
	struct debug_walk_ctx *ctx = arg;

	return ctx->fn((const void *)(uintptr_t)e->va, e->iova, e->len,
		(enum rte_dmamap_dir)e->dir, (enum dmamap_debug_type)e->type,
		ctx->arg);
}

int
dmamap_debug_walk(struct dmamap_debug *dbg,
		int (*fn)(const void *va, rte_iova_t iova, size_t len,
			enum rte_dmamap_dir dir, enum dmamap_debug_type type,
			void *arg),
		void *arg)
{
	struct debug_walk_ctx ctx = { .fn = fn, .arg = arg };
	int ret;

	if (dbg == NULL || fn == NULL) {
		DMAMAP_LOG(ERR, "NULL tracker or callback");
		return -EINVAL;
	}
	rte_spinlock_lock(&dbg->lock);
	ret = debug_visit(dbg, dbg->root[DEBUG_BY_IOVA], DEBUG_BY_IOVA, 0,
		UINT64_MAX, debug_walk_one, &ctx);
	rte_spinlock_unlock(&dbg->lock);
	return ret;
}
