/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

/*
 * The /dmamap/... telemetry commands, asked the way a client asks them:
 * through this process's telemetry socket, replies read as JSON.
 */

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "rte_dmamap.h"
#include "test.h"

#define REPLY_MAX (16 * 1024 + 256)
#define BUF_SIZE (64 * 1024)

static int sock = -1;
static int16_t dbg_id = -1;   /* a device with the debug checker */
static int16_t plain_id = -1; /* one without */
static uint8_t *buf;
static char reply[REPLY_MAX];

/*
 * Telemetry client.
 */

/* A connection to this process's telemetry socket in *fd. */
static int
tel_open(int *fd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char info[1024];

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/dpdk_telemetry.v2",
		rte_eal_get_runtime_dir());
	if (access(addr.sun_path, F_OK) != 0)
		return -ENOENT;
	*fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (*fd < 0)
		return -errno;
	if (connect(*fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
			read(*fd, info, sizeof(info)) <= 0) {
		close(*fd);
		*fd = -1;
		return -EIO;
	}
	return 0;
}

static int
tel_connect(void)
{
	return tel_open(&sock);
}

/* Send a command on fd; the reply lands in out. Returns its length. */
static int
tel_ask(int fd, const char *cmd, char *out, size_t size)
{
	ssize_t n;

	if (write(fd, cmd, strlen(cmd)) < 0)
		return -1;
	n = read(fd, out, size - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}

static int
tel_query(const char *cmd)
{
	return tel_ask(sock, cmd, reply, sizeof(reply));
}

/* The JSON value after "key": in the reply, or NULL. */
static const char *
json_value(const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(reply, pat);
	return p == NULL ? NULL : p + strlen(pat);
}

static int
json_u64(const char *key, uint64_t *val)
{
	const char *p = json_value(key);
	char *end;

	if (p == NULL || *p < '0' || *p > '9')
		return -1;
	*val = strtoull(p, &end, 10);
	return (*end == ',' || *end == '}' || *end == ']') ? 0 : -1;
}

static int
json_str(const char *key, char *out, size_t size)
{
	const char *p = json_value(key);
	const char *end;

	if (p == NULL || *p != '"')
		return -1;
	end = strchr(p + 1, '"');
	if (end == NULL || (size_t)(end - p - 1) >= size)
		return -1;
	memcpy(out, p + 1, end - p - 1);
	out[end - p - 1] = '\0';
	return 0;
}

/* Number of elements of array key, and whether val is one of them. */
static int
json_array_u64(const char *key, uint64_t val, bool *found)
{
	const char *p = json_value(key);
	char *end;
	int n = 0;

	*found = false;
	if (p == NULL || *p != '[')
		return -1;
	for (p++; *p != ']'; p = end + (*end == ',')) {
		if (strtoull(p, &end, 10) == val)
			*found = true;
		if (end == p)
			return -1;
		n++;
	}
	return n;
}

/* Whether the command was refused: telemetry then answers null. */
static bool
tel_refused(const char *cmd)
{
	char expect[128];

	snprintf(expect, sizeof(expect), "{\"%.*s\":null}",
		(int)strcspn(cmd, ","), cmd);
	return tel_query(cmd) > 0 && strcmp(reply, expect) == 0;
}

static int
tel_get(const char *fmt, int16_t id)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), fmt, id);
	TEST_ASSERT(tel_query(cmd) > 0, "no reply to %s", cmd);
	TEST_ASSERT(strstr(reply, ":null}") == NULL, "%s refused: %s", cmd,
		reply);
	return TEST_SUCCESS;
}

/*
 * Setup.
 */

static int
attach(const char *name, uint32_t flags, int16_t *id)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 48,
		.flags = flags,
		.socket_id = SOCKET_ID_ANY,
	};
	int ret = rte_dmamap_attach(test_device(name), &conf);

	TEST_ASSERT(ret >= 0, "attach %s: %d", name, ret);
	*id = ret;
	return TEST_SUCCESS;
}

static void
suite_teardown(void)
{
	if (dbg_id >= 0)
		rte_dmamap_detach(dbg_id);
	if (plain_id >= 0)
		rte_dmamap_detach(plain_id);
	dbg_id = plain_id = -1;
	rte_free(buf);
	buf = NULL;
	if (sock >= 0)
		close(sock);
	sock = -1;
}

static int
suite_setup(void)
{
	int ret = tel_connect();

	if (ret == -ENOENT)
		TEST_SKIP("telemetry is off (no socket in %s)",
			rte_eal_get_runtime_dir());
	TEST_ASSERT_SUCCESS(ret, "cannot connect to the telemetry socket");
	buf = rte_malloc(NULL, BUF_SIZE, 4096);
	TEST_ASSERT_NOT_NULL(buf, "no memory");
	if (attach("test_tel_dbg", RTE_DMAMAP_F_DEBUG, &dbg_id) != TEST_SUCCESS ||
			attach("test_tel_plain", 0, &plain_id) != TEST_SUCCESS) {
		suite_teardown();
		return TEST_FAILED;
	}
	return TEST_SUCCESS;
}

/*
 * Cases.
 */

static int
test_list(void)
{
	bool found;

	TEST_ASSERT(tel_query("/dmamap/list") > 0, "no reply");
	TEST_ASSERT_EQUAL(json_array_u64("/dmamap/list", dbg_id, &found),
		rte_dmamap_count(), "ids listed: %s", reply);
	TEST_ASSERT(found, "debugged device missing: %s", reply);
	json_array_u64("/dmamap/list", plain_id, &found);
	TEST_ASSERT(found, "plain device missing: %s", reply);
	/* A parameter is ignored, as by DPDK's list commands. */
	TEST_ASSERT(!tel_refused("/dmamap/list,7"), "list with a parameter");
	return TEST_SUCCESS;
}

static int
test_info(void)
{
	struct rte_dmamap_info info;
	char str[64];
	uint64_t v;

	TEST_ASSERT_SUCCESS(rte_dmamap_info_get(dbg_id, &info), "info_get");
	if (tel_get("/dmamap/info,%d", dbg_id) != TEST_SUCCESS)
		return TEST_FAILED;
	TEST_ASSERT(json_str("name", str, sizeof(str)) == 0 &&
		strcmp(str, "test_tel_dbg") == 0, "name: %s", reply);
	TEST_ASSERT(json_u64("mask_bits", &v) == 0 && v == 48, "mask_bits");
	TEST_ASSERT(json_u64("mask", &v) == 0 && v == (UINT64_C(1) << 48) - 1,
		"mask: %s", reply);
	TEST_ASSERT(json_u64("flags", &v) == 0 && (v & RTE_DMAMAP_F_DEBUG),
		"flags: %s", reply);
	TEST_ASSERT(json_str("bypass", str, sizeof(str)) == 0 &&
		strcmp(str, "auto") == 0, "bypass: %s", reply);
	TEST_ASSERT(json_u64("direct_limit", &v) == 0 && v == info.direct_limit,
		"direct_limit: %s", reply);
	TEST_ASSERT(json_str("domain", str, sizeof(str)) == 0 &&
		strcmp(str, info.domain) == 0, "domain: %s", reply);
	TEST_ASSERT(json_u64("bounce_iova", &v) == 0 && v == info.bounce_iova,
		"bounce_iova: %s", reply);
	TEST_ASSERT(json_u64("bounce_size", &v) == 0 && v == info.bounce_size,
		"bounce_size: %s", reply);
	return TEST_SUCCESS;
}

static int
test_stats(void)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
#define FIELD(f) { #f, offsetof(struct rte_dmamap_stats, f) }
		FIELD(maps), FIELD(unmaps), FIELD(direct), FIELD(domain),
		FIELD(bounced), FIELD(bounce_bytes), FIELD(syncs), FIELD(allocs),
		FIELD(links), FIELD(errors), FIELD(debug_errors),
#undef FIELD
	};
	struct rte_dmamap_stats stats;
	rte_iova_t iova;
	unsigned int i;
	uint64_t v;

	for (i = 0; i < 3; i++) {
		iova = rte_dmamap_map_single(plain_id, buf, 256, RTE_DMAMAP_TO_DEVICE);
		TEST_ASSERT(iova != RTE_BAD_IOVA, "map: %d", rte_errno);
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(plain_id, iova, 256,
			RTE_DMAMAP_TO_DEVICE), "unmap");
	}
	TEST_ASSERT_SUCCESS(tel_get("/dmamap/stats,%d", plain_id), "stats");
	TEST_ASSERT_SUCCESS(rte_dmamap_stats_get(plain_id, &stats), "stats_get");
	for (i = 0; i < RTE_DIM(fields); i++) {
		TEST_ASSERT_SUCCESS(json_u64(fields[i].key, &v), "%s missing: %s",
			fields[i].key, reply);
		TEST_ASSERT_EQUAL(v, *(const uint64_t *)((const char *)&stats +
			fields[i].offset), "%s", fields[i].key);
	}
	TEST_ASSERT(stats.maps >= 3, "maps: %s", reply);
	/* A misuse on the debugged device shows in its stats. */
	TEST_ASSERT(rte_dmamap_unmap_single(dbg_id, 0x1000, 64,
		RTE_DMAMAP_TO_DEVICE) < 0, "unknown unmap accepted");
	TEST_ASSERT_SUCCESS(tel_get("/dmamap/stats,%d", dbg_id), "stats");
	TEST_ASSERT(json_u64("debug_errors", &v) == 0 && v >= 1,
		"debug_errors: %s", reply);
	return TEST_SUCCESS;
}

static int
test_mappings(void)
{
	rte_iova_t iova[3];
	uint64_t v, live;
	bool found;
	int i;

	for (i = 0; i < 3; i++) {
		iova[i] = rte_dmamap_map_single(dbg_id, buf + i * 4096, 100 + i,
			RTE_DMAMAP_FROM_DEVICE);
		TEST_ASSERT(iova[i] != RTE_BAD_IOVA, "map: %d", rte_errno);
	}
	TEST_ASSERT_SUCCESS(tel_get("/dmamap/mappings,%d", dbg_id), "mappings");
	TEST_ASSERT(json_u64("live", &live) == 0 && live == 3, "live: %s", reply);
	TEST_ASSERT(json_u64("listed", &v) == 0 && v == 3, "listed: %s", reply);
	for (i = 0; i < 3; i++) {
		TEST_ASSERT_EQUAL(json_array_u64("iova", iova[i], &found), 3,
			"iova column: %s", reply);
		TEST_ASSERT(found, "iova 0x%" PRIx64 " missing: %s", iova[i], reply);
		json_array_u64("va", (uintptr_t)(buf + i * 4096), &found);
		TEST_ASSERT(found, "va %d missing: %s", i, reply);
		json_array_u64("len", 100 + i, &found);
		TEST_ASSERT(found, "len %d missing: %s", 100 + i, reply);
	}
	TEST_ASSERT(strstr(reply, "\"dir\":[\"from_device\",\"from_device\","
		"\"from_device\"]") != NULL, "dir column: %s", reply);
	TEST_ASSERT(strstr(reply, "\"type\":[\"single\",\"single\",\"single\"]")
		!= NULL, "type column: %s", reply);
	for (i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(rte_dmamap_unmap_single(dbg_id, iova[i],
			100 + i, RTE_DMAMAP_FROM_DEVICE), "unmap");
	TEST_ASSERT_SUCCESS(tel_get("/dmamap/mappings,%d", dbg_id), "mappings");
	TEST_ASSERT(json_u64("live", &live) == 0 && live == 0, "live: %s", reply);
	TEST_ASSERT_EQUAL(json_array_u64("iova", 0, &found), 0, "%s", reply);
	return TEST_SUCCESS;
}

static int
test_mappings_errors(void)
{
	uint64_t before, after;

	TEST_ASSERT_SUCCESS(tel_get("/dmamap/mappings,%d", dbg_id), "mappings");
	TEST_ASSERT_SUCCESS(json_u64("double_unmap", &before), "%s", reply);
	TEST_ASSERT_SUCCESS(json_u64("leak", &after), "leak count: %s", reply);
	TEST_ASSERT(rte_dmamap_unmap_single(dbg_id, 0x2000, 64,
		RTE_DMAMAP_TO_DEVICE) < 0, "unknown unmap accepted");
	TEST_ASSERT(rte_dmamap_unmap_single(dbg_id, 0x2000, 64,
		RTE_DMAMAP_TO_DEVICE) < 0, "unknown unmap accepted");
	TEST_ASSERT_SUCCESS(tel_get("/dmamap/mappings,%d", dbg_id), "mappings");
	TEST_ASSERT_SUCCESS(json_u64("unknown_unmap", &after), "%s", reply);
	TEST_ASSERT(after >= 2, "unknown_unmap count: %s", reply);
	TEST_ASSERT_SUCCESS(json_u64("double_unmap", &after), "%s", reply);
	TEST_ASSERT_EQUAL(after, before, "double_unmap count changed: %s", reply);
	return TEST_SUCCESS;
}

static int
test_mappings_bounded(void)
{
	const unsigned int n = 200;
	rte_iova_t iova[200];
	char cmd[64];
	unsigned int i;
	uint64_t v;
	int len;

	/* Read-only mappings of one buffer: many, none a misuse. */
	for (i = 0; i < n; i++) {
		iova[i] = rte_dmamap_map_single(dbg_id, buf + i * 64, 64,
			RTE_DMAMAP_TO_DEVICE);
		TEST_ASSERT(iova[i] != RTE_BAD_IOVA, "map %u: %d", i, rte_errno);
	}
	snprintf(cmd, sizeof(cmd), "/dmamap/mappings,%d", dbg_id);
	len = tel_query(cmd);
	for (i = 0; i < n; i++)
		rte_dmamap_unmap_single(dbg_id, iova[i], 64, RTE_DMAMAP_TO_DEVICE);
	TEST_ASSERT(len > 0, "no reply to %s", cmd);
	TEST_ASSERT(len > 3 && strcmp(reply + len - 3, "]}}") == 0,
		"reply cut: ...%s", reply + (len > 64 ? len - 64 : 0));
	TEST_ASSERT(json_u64("live", &v) == 0 && v == n, "live");
	TEST_ASSERT(json_u64("listed", &v) == 0 && v < n && v > 0, "listed");
	return TEST_SUCCESS;
}

static int
test_mappings_debug_off(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "/dmamap/mappings,%d", plain_id);
	TEST_ASSERT(tel_refused(cmd), "mappings without the checker: %s", reply);
	return TEST_SUCCESS;
}

/*
 * /dmamap/mappings asked over and over, from a second connection, while
 * the device it names is attached with mappings and detached again: every
 * reply is whole or a refusal, and nothing the detach frees is read (a
 * sanitizer build reports any such read).
 */
#define RACE_ROUNDS 100
#define RACE_MAPS 64

struct race {
	int fd;
	int16_t id;
	volatile bool stop;
	unsigned int answered, refused, broken;
};

static void *
race_ask(void *arg)
{
	static char out[REPLY_MAX];
	struct race *r = arg;
	char cmd[64];
	int len;

	snprintf(cmd, sizeof(cmd), "/dmamap/mappings,%d", r->id);
	while (!r->stop) {
		len = tel_ask(r->fd, cmd, out, sizeof(out));
		if (len > 0 && strstr(out, ":null}") != NULL)
			r->refused++;
		else if (len > 3 && strcmp(out + len - 3, "]}}") == 0)
			r->answered++;
		else
			r->broken++;
	}
	return NULL;
}

/* One round: attach at the id the other thread asks for, map, detach. */
static int
race_round(struct race *r)
{
	struct rte_dmamap_conf conf = {
		.mask_bits = 48,
		.flags = RTE_DMAMAP_F_DEBUG,
		.socket_id = SOCKET_ID_ANY,
	};
	int id = rte_dmamap_attach(test_device("test_tel_race"), &conf);
	unsigned int i;

	if (id != r->id) {
		if (id >= 0)
			rte_dmamap_detach(id);
		return -1;
	}
	/* Mappings left live on purpose: detach frees them with the
	 * tracker, the part a reader must not be walking then.
	 */
	for (i = 0; i < RACE_MAPS; i++)
		rte_dmamap_map_single(id, buf + i * 64, 64, RTE_DMAMAP_TO_DEVICE);
	return rte_dmamap_detach(id);
}

static int
test_mappings_vs_detach(void)
{
	struct race r = { .fd = -1 };
	pthread_t t;
	int i, ret = 0;

	r.id = rte_dmamap_get_dev_id("test_tel_race");
	TEST_ASSERT(r.id < 0, "race device attached already");
	TEST_ASSERT_SUCCESS(attach("test_tel_race", 0, &r.id), "attach");
	TEST_ASSERT_SUCCESS(rte_dmamap_detach(r.id), "detach");
	TEST_ASSERT_SUCCESS(tel_open(&r.fd), "second connection");
	if (pthread_create(&t, NULL, race_ask, &r) != 0) {
		close(r.fd);
		TEST_ASSERT(false, "thread");
	}
	for (i = 0; i < RACE_ROUNDS && ret == 0; i++)
		ret = race_round(&r);
	r.stop = true;
	pthread_join(t, NULL);
	close(r.fd);
	TEST_ASSERT_SUCCESS(ret, "round %d: attach at id %d, map, detach", i,
		r.id);
	printf("  %u replies, %u refusals while detached\n", r.answered,
		r.refused);
	TEST_ASSERT_EQUAL(r.broken, 0, "%u replies neither whole nor refused",
		r.broken);
	TEST_ASSERT(r.answered + r.refused > 0, "no reply at all");
	return TEST_SUCCESS;
}

static int
test_bad_params(void)
{
	static const char * const cmds[] = {
		"/dmamap/info", "/dmamap/info,", "/dmamap/info,abc",
		"/dmamap/info,-1", "/dmamap/info,+0", "/dmamap/info,1x",
		"/dmamap/info,0 ", "/dmamap/info,64", "/dmamap/info,65536",
		"/dmamap/info,99999999999999999999999", "/dmamap/info,63",
		"/dmamap/stats", "/dmamap/stats,x", "/dmamap/stats,63",
		"/dmamap/mappings", "/dmamap/mappings,y", "/dmamap/mappings,63",
	};
	unsigned int i;

	TEST_ASSERT(!rte_dmamap_is_valid(63), "device 63 attached");
	for (i = 0; i < RTE_DIM(cmds); i++)
		TEST_ASSERT(tel_refused(cmds[i]), "%s answered: %s", cmds[i], reply);
	return TEST_SUCCESS;
}

static struct unit_test_suite telemetry_suite = {
	.suite_name = "dmamap telemetry",
	.setup = suite_setup,
	.teardown = suite_teardown,
	.unit_test_cases = {
		TEST_CASE(test_list),
		TEST_CASE(test_info),
		TEST_CASE(test_stats),
		TEST_CASE(test_mappings),
		TEST_CASE(test_mappings_errors),
		TEST_CASE(test_mappings_bounded),
		TEST_CASE(test_mappings_debug_off),
		TEST_CASE(test_mappings_vs_detach),
		TEST_CASE(test_bad_params),
		TEST_CASES_END()
	}
};

static int
test_dmamap_telemetry(void)
{
	return unit_test_suite_runner(&telemetry_suite);
}

REGISTER_TEST_COMMAND(dmamap_telemetry_autotest, test_dmamap_telemetry);
