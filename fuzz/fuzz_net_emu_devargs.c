/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Fuzz target of the emu NIC's devargs: the input, as text, follows
 * "emu:fznic,type=nic," in a hotplug of the device (rte_dev_probe), so the
 * emu bus splits it and net_emu parses its part (peer, loopback, pcap_rx,
 * pcap_tx, dma, mac; iface is left out: it opens the machine's
 * interfaces). Files the input names live in a scratch directory, the
 * working directory while an input runs, emptied after it; inputs with
 * '/' are skipped so no other file is touched.
 * Checks:
 * - a probe fails when the bus refuses the arguments, or the driver's part
 *   holds an unknown or repeated key, an empty value, a dma other than
 *   bypass|premap|stream|umem, a loopback other than 0|1, a mac that is not a
 *   unicast address, two wires, or peer naming the port itself;
 * - a probe of plain valid arguments (no file, no peer) succeeds unless a
 *   resource may lack (as fuzz_emu_devargs judges the bus's part);
 * - a probed port starts, passes a frame when looped back, stops and goes
 *   away; after it (or a failed probe) no port, memzone, EAL heap memory
 *   or dmamap context is left behind.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmamap.h>
#include <rte_ether.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "emu_private.h"
#include "fuzz_common.h"

#define FZ_PORT "fznic"
#define ARGS_MAX 512
#define FZ_RING 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *fz_pool;
static char fz_dir[64];
static int fz_cwd = -1;  /* the fuzzer's own working directory */

static const char * const nic_keys[] = {
	"peer", "loopback", "pcap_rx", "pcap_tx", "dma", "mac", "iface",
};

/* Empty the scratch directory. */
static void
scratch_clean(void)
{
	struct dirent *e;
	DIR *d = opendir(fz_dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static void
scratch_remove(void)
{
	scratch_clean();
	rmdir(fz_dir);
}

static void
warm_up(void)
{
	static const char * const warm[] = {
		"emu:" FZ_PORT ",type=nic,loopback=1",
		"emu:" FZ_PORT ",type=nic,loopback=1,iommu=strict",
		"emu:" FZ_PORT ",type=nic,loopback=1,iommu=lazy,dma=stream",
		"emu:" FZ_PORT ",type=nic,loopback=1,coherent=0,dma_debug=1",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(warm); i++) {
		FUZZ_CHECK(rte_dev_probe(warm[i]) == 0, "probe %s", warm[i]);
		FUZZ_CHECK(rte_eal_hotplug_remove("emu", FZ_PORT) == 0, "remove");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	fuzz_eal_init((*argv)[0], NULL);
	fz_pool = rte_pktmbuf_pool_create("fz_nic_pool", 2 * FZ_RING, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	FUZZ_CHECK(fz_pool != NULL, "mbuf pool");
	snprintf(fz_dir, sizeof(fz_dir), "/tmp/fuzz_net_emu_devargs.XXXXXX");
	FUZZ_CHECK(mkdtemp(fz_dir) != NULL, "scratch directory: %s",
		strerror(errno));
	fz_cwd = open(".", O_RDONLY | O_DIRECTORY);
	FUZZ_CHECK(fz_cwd >= 0, "working directory: %s", strerror(errno));
	atexit(scratch_remove);
	warm_up();
	return 0;
}

static bool
nic_key(const char *key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(nic_keys); i++)
		if (strcmp(key, nic_keys[i]) == 0)
			return true;
	return false;
}

static bool
one_of(const char *v, const char * const *list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(v, list[i]) == 0)
			return true;
	return false;
}

static bool
mac_ok(const char *v)
{
	struct rte_ether_addr a;

	return rte_ether_unformat_addr(v, &a) == 0 &&
		rte_is_unicast_ether_addr(&a) && !rte_is_zero_ether_addr(&a);
}

/* What the driver's part asks, as far as the checks need it. */
struct nic_args {
	bool refused;    /* a probe must fail */
	bool plain;      /* no file, no peer: a probe must succeed */
	bool loopback;
	bool bypass;     /* dma=bypass: a start may find no direct window */
	bool umem;       /* dma=umem: a plain mbuf pool is refused */
};

/* One pair of the driver's part; wires counts the wires given. */
static void
nic_pair(const char *key, const char *v, struct nic_args *a,
		unsigned int *wires)
{
	static const char * const dmas[] = { "bypass", "premap", "stream",
		"umem" };
	static const char * const bools[] = { "0", "1" };

	if (!nic_key(key) || v == NULL || v[0] == '\0') {
		a->refused = true;
		return;
	}
	if (strcmp(key, "dma") == 0 && !one_of(v, dmas, RTE_DIM(dmas)))
		a->refused = true;
	if (strcmp(key, "loopback") == 0 && !one_of(v, bools, RTE_DIM(bools)))
		a->refused = true;
	if (strcmp(key, "mac") == 0 && !mac_ok(v))
		a->refused = true;
	if (strcmp(key, "peer") == 0 && strcmp(v, FZ_PORT) == 0)
		a->refused = true;
	if (strcmp(key, "loopback") == 0 && strcmp(v, "1") == 0) {
		a->loopback = true;
		(*wires)++;
	}
	if (strcmp(key, "peer") == 0 || strcmp(key, "iface") == 0)
		(*wires)++;
	if (strcmp(key, "dma") == 0 && strcmp(v, "bypass") == 0)
		a->bypass = true;
	if (strcmp(key, "dma") == 0 && strcmp(v, "umem") == 0)
		a->umem = true;
	if (strcmp(key, "peer") == 0 || strncmp(key, "pcap_", 5) == 0)
		a->plain = false;
}

static void
nic_args_of(const char *drv_args, struct nic_args *a)
{
	unsigned int i, j, wires = 0, pcap = 0;
	struct rte_kvargs *kv;

	a->refused = false;
	a->plain = true;
	a->loopback = false;
	a->bypass = false;
	a->umem = false;
	kv = rte_kvargs_parse(drv_args, NULL);
	if (kv == NULL) {
		a->refused = drv_args[0] != '\0';
		return;
	}
	for (i = 0; i < kv->count; i++) {
		nic_pair(kv->pairs[i].key, kv->pairs[i].value, a, &wires);
		pcap += strncmp(kv->pairs[i].key, "pcap_", 5) == 0;
		for (j = 0; j < i; j++)
			if (strcmp(kv->pairs[i].key, kv->pairs[j].key) == 0)
				a->refused = true;
	}
	rte_kvargs_free(kv);
	if (wires + (pcap > 0) > 1)
		a->refused = true;
}

/* The bus's part may lack a resource, as fuzz_emu_devargs judges it. */
static bool
may_lack_resources(const struct emu_params *p)
{
	return p->mask_bits < 48 || p->pt_pages > 4096 ||
		(p->numa_node != SOCKET_ID_ANY && p->numa_node != 0) ||
		p->window != 0;
}

/* What a port given the arguments must do once probed. */
struct nic_expect {
	bool loopback;     /* a frame sent comes back */
	bool may_refuse;   /* queue setup or start may fail: dma=bypass may
			    * find no direct window, a short mask may not
			    * reach the rings or the pool
			    */
	bool umem;         /* the plain pool is refused at RX queue setup */
};

/* A port starts, or refuses as expected; looped back, a frame comes back. */
static void
exercise(uint16_t pid, const struct nic_expect *e)
{
	struct rte_eth_conf conf = { .rxmode = { .mtu = RTE_ETHER_MTU } };
	struct rte_ether_hdr *eh;
	struct rte_mbuf *m;
	unsigned int polls;
	uint16_t n = 0;

	FUZZ_CHECK(rte_eth_dev_configure(pid, 1, 1, &conf) == 0, "configure");
	if (e->umem) {
		FUZZ_CHECK(rte_eth_rx_queue_setup(pid, 0, FZ_RING, SOCKET_ID_ANY,
			NULL, fz_pool) != 0, "dma=umem took a plain pool");
		return;
	}
	if (rte_eth_rx_queue_setup(pid, 0, FZ_RING, SOCKET_ID_ANY, NULL,
			fz_pool) != 0) {
		FUZZ_CHECK(e->may_refuse, "rx queue");
		return;
	}
	if (rte_eth_tx_queue_setup(pid, 0, FZ_RING, SOCKET_ID_ANY, NULL) != 0) {
		FUZZ_CHECK(e->may_refuse, "tx queue");
		return;
	}
	if (rte_eth_dev_start(pid) != 0) {
		FUZZ_CHECK(e->may_refuse, "start");
		return;
	}
	m = rte_pktmbuf_alloc(fz_pool);
	FUZZ_CHECK(m != NULL && rte_pktmbuf_append(m, 64) != NULL, "mbuf");
	memset(rte_pktmbuf_mtod(m, void *), 0x5a, 64);
	/* To the port itself, which a looped frame must reach. */
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	FUZZ_CHECK(rte_eth_macaddr_get(pid, &eh->dst_addr) == 0, "mac");
	if (rte_eth_tx_burst(pid, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
	else if (e->loopback) {
		for (polls = 0; n == 0 && polls < 1000; polls++)
			n = rte_eth_rx_burst(pid, 0, &m, 1);
		FUZZ_CHECK(n == 1 && m->pkt_len == 64, "looped frame");
		rte_pktmbuf_free(m);
	}
	FUZZ_CHECK(rte_eth_dev_stop(pid) == 0, "stop");
}

/* The expected outcome from the bus's parser and the driver's keys. */
static void
judge(const char *args, bool *must_fail, bool *must_pass,
		struct nic_expect *e)
{
	struct nic_args a;
	struct emu_params p;

	*must_fail = emu_params_parse(FZ_PORT, args, &p) != 0;
	*must_pass = false;
	memset(e, 0, sizeof(*e));
	if (*must_fail)
		return;
	nic_args_of(p.drv_args, &a);
	*must_fail = a.refused;
	*must_pass = !a.refused && a.plain && !may_lack_resources(&p) &&
		strcmp(p.type, "nic") == 0;
	e->loopback = a.loopback;
	e->may_refuse = a.bypass || p.mask_bits < 48;
	e->umem = a.umem;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char args[ARGS_MAX], devargs[ARGS_MAX + 32];
	struct fuzz_footprint before;
	struct nic_expect expect;
	bool must_fail, must_pass;
	uint16_t pid;
	int ret;

	if (size >= ARGS_MAX || memchr(data, '\0', size) != NULL ||
			memchr(data, '/', size) != NULL)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	if (strstr(args, "iface") != NULL)
		return 0;
	snprintf(args, sizeof(args), "type=nic%s%.*s", size > 0 ? "," : "",
		(int)size, (const char *)data);
	snprintf(devargs, sizeof(devargs), "emu:" FZ_PORT ",%s", args);
	judge(args, &must_fail, &must_pass, &expect);
	fuzz_footprint_get(&before);
	FUZZ_TRACE("probe '%s': must fail %d, must pass %d", devargs, must_fail,
		must_pass);
	FUZZ_CHECK(chdir(fz_dir) == 0, "chdir %s", fz_dir);
	ret = rte_dev_probe(devargs);
	FUZZ_CHECK(ret != 0 || !must_fail, "probe of '%s' succeeded", devargs);
	FUZZ_CHECK(ret == 0 || !must_pass, "probe of '%s' failed: %d", devargs,
		ret);
	if (ret == 0) {
		FUZZ_CHECK(rte_eth_dev_get_port_by_name(FZ_PORT, &pid) == 0,
			"no port after the probe of '%s'", devargs);
		exercise(pid, &expect);
		FUZZ_CHECK(rte_eal_hotplug_remove("emu", FZ_PORT) == 0, "remove");
	}
	FUZZ_CHECK(fchdir(fz_cwd) == 0, "back to the working directory");
	scratch_clean();
	FUZZ_CHECK(rte_eth_dev_count_avail() == 0, "port left behind");
	fuzz_footprint_check(&before, devargs);
	return 0;
}
