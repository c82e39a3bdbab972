/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * Multi-process: the primary attaches devices and maps memory; a secondary
 * finds the devices by name and maps, translates and counts through the
 * same state.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dev_driver.h>
#include <rte_dmamap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "test.h"

#define MP_MZ "dmamap_mp_test"
#define MP_LEN 2048

struct mp_shared {
	uint8_t *buf;
	rte_iova_t buf_iova;
	rte_iova_t bounce_iova; /* a live bounce mapping of buf for dev32 */
};

static rte_iova_t short_mask;

static int
mp_attach(const char *name, unsigned int bits)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = bits,
		.bounce_size = 256 << 10,
		.socket_id = SOCKET_ID_ANY,
	};

	return rte_dmamap_attach(test_device(name), &conf);
}

static int
mp_secondary_checks(struct mp_shared *sh)
{
	int id64 = rte_dmamap_get_dev_id("mp64"), id32 = rte_dmamap_get_dev_id("mp32");
	struct rte_dmamap_stats stats;
	rte_iova_t iova;

	TEST_ASSERT(id64 >= 0 && id32 >= 0, "devices not found: %d %d", id64, id32);
	TEST_ASSERT_EQUAL(rte_dmamap_virt2iova(sh->buf), sh->buf_iova, "translation");
	TEST_ASSERT_EQUAL(rte_dmamap_iova2virt(sh->buf_iova), sh->buf, "reverse");
	iova = rte_dmamap_map_single(id64, sh->buf, MP_LEN, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(iova, sh->buf_iova, "direct map in the secondary");
	TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id64, iova, MP_LEN,
		RTE_DMAMAP_TO_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(id64, &stats), "stats");
	TEST_ASSERT_EQUAL(stats.maps, 2, "the primary's and this map");
	TEST_ASSERT_EQUAL(rte_dmamap_attach(test_device("mp_sec"), NULL),
		-E_RTE_SECONDARY, "attach from a secondary");
	if (sh->bounce_iova == 0)
		return TEST_SUCCESS;
	/* The primary's bounce mapping: the secondary copies it back. */
	memset(rte_dmamap_iova2virt(sh->bounce_iova), 0x77, MP_LEN);
	TEST_ASSERT_SUCCESS(rte_dmamap_sync_for_cpu(id32, sh->bounce_iova, MP_LEN,
		RTE_DMAMAP_BIDIRECTIONAL), "sync of the primary's bounce mapping");
	TEST_ASSERT_EQUAL(sh->buf[7], 0x77, "bounce copy-out in the secondary");
	return TEST_SUCCESS;
}

static int
test_dmamap_mp_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(MP_MZ);

	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		TEST_SKIP("runs as the secondary of dmamap_mp_autotest");
	TEST_ASSERT_NOT_NULL(mz, "primary's memzone not found");
	return mp_secondary_checks(mz->addr);
}

REGISTER_TEST_COMMAND(dmamap_mp_secondary_autotest, test_dmamap_mp_secondary);

static int
mp_primary(struct mp_shared *sh, int16_t id64, int16_t id32)
{
	int ret;

	sh->buf_iova = rte_dmamap_map_single(id64, sh->buf, MP_LEN,
		RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT_EQUAL(sh->buf_iova, rte_mem_virt2iova(sh->buf), "direct map");
	if (sh->buf_iova + MP_LEN - 1 > short_mask) {
		sh->bounce_iova = rte_dmamap_map_single(id32, sh->buf, MP_LEN,
			RTE_DMAMAP_BIDIRECTIONAL);
		TEST_ASSERT_NOT_EQUAL(sh->bounce_iova, RTE_BAD_IOVA, "bounce map");
	} else {
		printf("buffer under the short mask: no bounce case\n");
	}
	ret = test_run_secondary("dmamap_mp_secondary_autotest");
	TEST_ASSERT_EQUAL(ret, 0, "secondary process failed");
	if (sh->bounce_iova != 0)
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(id32, sh->bounce_iova,
			MP_LEN, RTE_DMAMAP_BIDIRECTIONAL), "unmap the bounce mapping");
	return TEST_SUCCESS;
}

/*
 * First use of the library by two threads at once, in a fresh primary
 * process: both set up the shared device table, one creating it, the
 * other finding it; both attach.
 */
#define FU_RUNS 3

static volatile int fu_go;
static struct rte_device fu_devs[2] = {
	{ .name = "mp_fu0", .numa_node = SOCKET_ID_ANY },
	{ .name = "mp_fu1", .numa_node = SOCKET_ID_ANY },
};
static int fu_ids[2];

static int
fu_attach(void *arg)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 64,
		.socket_id = SOCKET_ID_ANY,
	};
	int i = (int)(uintptr_t)arg;

	__atomic_fetch_add(&fu_go, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&fu_go, __ATOMIC_ACQUIRE) < 2)
		;
	fu_ids[i] = rte_dmamap_attach(&fu_devs[i], &conf);
	return 0;
}

static int
test_dmamap_mp_first_use(void)
{
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("runs as a fresh primary of dmamap_mp_autotest");
	if (worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore (-l 0-1)");
	TEST_ASSERT_EQUAL(rte_eal_remote_launch(fu_attach, (void *)1, worker),
		0, "launch");
	fu_attach((void *)0);
	rte_eal_wait_lcore(worker);
	TEST_ASSERT(fu_ids[0] >= 0 && fu_ids[1] >= 0 && fu_ids[0] != fu_ids[1],
		"concurrent first attaches: %d %d", fu_ids[0], fu_ids[1]);
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(fu_ids[0]), "detach");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(fu_ids[1]), "detach");
	return TEST_SUCCESS;
}

REGISTER_TEST_COMMAND(dmamap_mp_first_use_autotest, test_dmamap_mp_first_use);

/* This process's arguments, from /proc/self/cmdline, into argv[]. */
static int
fu_args(char *buf, size_t size, char **argv, int max)
{
	int fd = open("/proc/self/cmdline", O_RDONLY), argc = 0;
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = buf; p < buf + n && argc < max - 1; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	return argc;
}

/* Run dmamap_mp_first_use_autotest in a new primary with its own files. */
static int
fu_run(void)
{
	char buf[4096], prefix[128], *argv[64];
	int argc = fu_args(buf, sizeof(buf), argv, RTE_DIM(argv) - 1), i, status;
	pid_t pid;

	if (argc < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "--file-prefix=mp_first_use");
	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], "--file-prefix=", 14) == 0) {
			snprintf(prefix, sizeof(prefix), "%s_fu", argv[i]);
			argv[i] = prefix;
		}
	if (strcmp(prefix, "--file-prefix=mp_first_use") == 0) {
		argv[argc++] = prefix;
		argv[argc] = NULL;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("DPDK_TEST", "dmamap_mp_first_use_autotest", 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
test_dmamap_mp(void)
{
	const struct rte_memzone *mz, *buf_mz;
	int16_t id64, id32;
	unsigned int bits;
	int i, ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		TEST_SKIP("the primary part");
	if (!rte_eal_has_hugepages())
		TEST_SKIP("no secondary process without hugepages (--no-huge)");
	mz = rte_memzone_reserve(MP_MZ, sizeof(struct mp_shared), SOCKET_ID_ANY, 0);
	buf_mz = rte_memzone_reserve_aligned("dmamap_mp_buf", MP_LEN, SOCKET_ID_ANY,
		RTE_MEMZONE_IOVA_CONTIG, 4096);
	TEST_ASSERT(mz != NULL && buf_mz != NULL, "memzones");
	memset(mz->addr, 0, sizeof(struct mp_shared));
	((struct mp_shared *)mz->addr)->buf = buf_mz->addr;
	id64 = mp_attach("mp64", 64);
	id32 = test_attach_short_mask("mp32", 256 << 10, &bits);
	short_mask = (UINT64_C(1) << bits) - 1;
	TEST_ASSERT(id64 >= 0 && id32 >= 0, "attach: %d %d", id64, id32);
	ret = mp_primary(mz->addr, id64, id32);
	rte_dmamap_detach(id64);
	rte_dmamap_detach(id32);
	rte_memzone_free(buf_mz);
	rte_memzone_free(mz);
	for (i = 0; i < FU_RUNS && ret == TEST_SUCCESS; i++)
		TEST_ASSERT_EQUAL(fu_run(), 0, "run %d of concurrent first "
			"attaches in a fresh primary failed", i);
	return ret;
}

REGISTER_TEST_COMMAND(dmamap_mp_autotest, test_dmamap_mp);
