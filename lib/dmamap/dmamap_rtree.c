/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Range tree: disjoint ranges [start, last] in an AVL tree keyed by start,
 * for the IOVA allocator (allocated ranges, in granules) and the VFIO
 * backend (mapped ranges, in bytes).
 *
 * The nodes come from a fixed pool that follows the header, and link to
 * each other by index, 0 standing for none: a tree inside a memzone is
 * valid in every process, whatever address maps it there, and taking or
 * giving back a node never allocates. Node 0 stays all zeros, so a missing
 * child's height and gap read as 0 without a test.
 *
 * Each node also summarizes its subtree: lowest start, highest last and
 * the largest hole between two of its ranges. Rotations recompute it in
 * O(1), so keeping it costs nothing in order, and the search for free room
 * below a limit skips every subtree without room: O(log n) with tens of
 * thousands of ranges. Insertion and removal recurse down one path and
 * rebalance on the way back up; an AVL tree of 65536 nodes is at most 22
 * levels deep.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "dmamap_private.h"

#define NIL DMAMAP_RTREE_NIL

/*
 * The helpers take the node array rather than the tree: its base then
 * stays in a register down the recursion, and an update costs fewer
 * instructions than when every access goes through the header.
 */

static inline uint32_t
rheight(const struct dmamap_rtree_node *nd, uint32_t x)
{
	return nd[x].height;
}

/*
 * Recompute a node's height and subtree summary from its children's. All
 * loads come before the stores: a store to n could alias a child for all
 * the compiler knows, and would make it load the child again.
 */
static void
rnode_update(struct dmamap_rtree_node *nd, uint32_t x)
{
	struct dmamap_rtree_node *n = &nd[x];
	const struct dmamap_rtree_node *l = &nd[n->left];
	const struct dmamap_rtree_node *r = &nd[n->right];
	uint64_t gap = RTE_MAX(l->max_gap, r->max_gap);
	uint64_t min_start = n->start, max_last = n->last;
	uint32_t height = 1 + RTE_MAX(l->height, r->height);

	if (n->left != NIL) {
		min_start = l->min_start;
		gap = RTE_MAX(gap, n->start - l->max_last - 1);
	}
	if (n->right != NIL) {
		max_last = r->max_last;
		gap = RTE_MAX(gap, r->min_start - n->last - 1);
	}
	n->min_start = min_start;
	n->max_last = max_last;
	n->max_gap = gap;
	n->height = height;
}

static uint32_t
rrotate_right(struct dmamap_rtree_node *nd, uint32_t x)
{
	uint32_t y = nd[x].left;

	nd[x].left = nd[y].right;
	nd[y].right = x;
	rnode_update(nd, x);
	rnode_update(nd, y);
	return y;
}

static uint32_t
rrotate_left(struct dmamap_rtree_node *nd, uint32_t x)
{
	uint32_t y = nd[x].right;

	nd[x].right = nd[y].left;
	nd[y].left = x;
	rnode_update(nd, x);
	rnode_update(nd, y);
	return y;
}

/* Restore the AVL balance at x (children balanced); the new subtree root. */
static uint32_t
rbalance(struct dmamap_rtree_node *nd, uint32_t x)
{
	struct dmamap_rtree_node *n = &nd[x];
	int64_t bf = (int64_t)rheight(nd, n->left) - rheight(nd, n->right);
	const struct dmamap_rtree_node *c;

	if (bf > 1) {
		c = &nd[n->left];
		if (rheight(nd, c->left) < rheight(nd, c->right))
			n->left = rrotate_left(nd, n->left);
		return rrotate_right(nd, x);
	}
	if (bf < -1) {
		c = &nd[n->right];
		if (rheight(nd, c->right) < rheight(nd, c->left))
			n->right = rrotate_right(nd, n->right);
		return rrotate_left(nd, x);
	}
	rnode_update(nd, x);
	return x;
}

static uint32_t
rinsert(struct dmamap_rtree_node *nd, uint32_t x, uint32_t nw)
{
	struct dmamap_rtree_node *n;

	if (x == NIL)
		return nw;
	n = &nd[x];
	if (nd[nw].start < n->start)
		n->left = rinsert(nd, n->left, nw);
	else
		n->right = rinsert(nd, n->right, nw);
	return rbalance(nd, x);
}

static uint32_t
rremove_min(struct dmamap_rtree_node *nd, uint32_t x, uint32_t *min)
{
	struct dmamap_rtree_node *n = &nd[x];

	if (n->left == NIL) {
		*min = x;
		return n->right;
	}
	n->left = rremove_min(nd, n->left, min);
	return rbalance(nd, x);
}

/* Unlink the node starting at start, present in subtree x. */
static uint32_t
rremove(struct dmamap_rtree_node *nd, uint32_t x, uint64_t start)
{
	struct dmamap_rtree_node *n = &nd[x];
	uint32_t min, right;

	if (start < n->start) {
		n->left = rremove(nd, n->left, start);
	} else if (start > n->start) {
		n->right = rremove(nd, n->right, start);
	} else {
		if (n->left == NIL || n->right == NIL)
			return n->left == NIL ? n->right : n->left;
		right = rremove_min(nd, n->right, &min);
		nd[min].left = n->left;
		nd[min].right = right;
		return rbalance(nd, min);
	}
	return rbalance(nd, x);
}

size_t
dmamap_rtree_size(uint32_t capacity)
{
	return sizeof(struct dmamap_rtree) +
		((size_t)capacity + 1) * sizeof(struct dmamap_rtree_node);
}

/* Chain every node but NIL on the free list; insertion fills the rest. */
void
dmamap_rtree_init(struct dmamap_rtree *t, uint32_t capacity)
{
	uint32_t i;

	*t = (struct dmamap_rtree){
		.capacity = capacity,
		.free_node = capacity > 0 ? 1 : NIL,
	};
	t->nodes[NIL] = (struct dmamap_rtree_node){ 0 };
	for (i = 1; i <= capacity; i++)
		t->nodes[i].left = i < capacity ? i + 1 : NIL;
}

uint32_t
dmamap_rtree_insert(struct dmamap_rtree *t, uint64_t start, uint64_t last)
{
	uint32_t x = t->free_node;
	struct dmamap_rtree_node *n = &t->nodes[x];

	if (x == NIL)
		return NIL;
	t->free_node = n->left;
	n->start = start;
	n->last = last;
	n->left = NIL;
	n->right = NIL;
	rnode_update(t->nodes, x);
	t->root = rinsert(t->nodes, t->root, x);
	t->count++;
	return x;
}

void
dmamap_rtree_remove(struct dmamap_rtree *t, uint32_t x)
{
	t->root = rremove(t->nodes, t->root, t->nodes[x].start);
	t->nodes[x].left = t->free_node;
	t->free_node = x;
	t->count--;
}

uint32_t
dmamap_rtree_find(const struct dmamap_rtree *t, uint64_t start, uint64_t last)
{
	uint32_t x = t->root, best = NIL;
	const struct dmamap_rtree_node *n;

	while (x != NIL) {
		n = &t->nodes[x];
		if (n->last < start) {
			x = n->right;
			continue;
		}
		/* n holds start: every lower range ends before it. */
		if (n->start <= start)
			return x;
		if (n->start <= last)
			best = x;
		x = n->left;
	}
	return best;
}

/*
 * Search for free room.
 */

/* Highest fit in the free hole [lo, hi). */
static uint64_t
rfit_hole(const struct dmamap_rtree_fit *f, uint64_t lo, uint64_t hi)
{
	uint64_t top = RTE_MIN(hi, f->end);
	uint64_t s;

	if (top < lo || top - lo < f->size)
		return DMAMAP_RTREE_NO_FIT;
	s = (top - f->size) & ~f->align_mask;
	return s >= lo ? s : DMAMAP_RTREE_NO_FIT;
}

/* Whether the region [lo, hi) of n's subtree has a hole of the size. */
static bool
rsubtree_may_fit(const struct dmamap_rtree_node *n,
		const struct dmamap_rtree_fit *f, uint64_t lo, uint64_t hi)
{
	if (lo >= f->end || f->end - lo < f->size)
		return false;
	return n->max_gap >= f->size || n->min_start - lo >= f->size ||
		hi - n->max_last - 1 >= f->size;
}

/* Highest fit in the region [lo, hi) that subtree x covers. */
static uint64_t
rfit(const struct dmamap_rtree_node *nd, const struct dmamap_rtree_fit *f,
		uint32_t x, uint64_t lo, uint64_t hi)
{
	const struct dmamap_rtree_node *n = &nd[x];
	uint64_t s;

	if (x == NIL)
		return rfit_hole(f, lo, hi);
	if (!rsubtree_may_fit(n, f, lo, hi))
		return DMAMAP_RTREE_NO_FIT;
	s = rfit(nd, f, n->right, n->last + 1, hi);
	if (s != DMAMAP_RTREE_NO_FIT)
		return s;
	return rfit(nd, f, n->left, lo, n->start);
}

uint64_t
dmamap_rtree_fit(const struct dmamap_rtree *t, const struct dmamap_rtree_fit *f,
		uint64_t lo, uint64_t hi)
{
	return rfit(t->nodes, f, t->root, lo, hi);
}
