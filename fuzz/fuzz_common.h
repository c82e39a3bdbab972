/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The rte_dmamap authors
 */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/*
 * What every fuzz target shares: EAL started once per process, a reader
 * that turns the fuzzer's bytes into numbers (zeros once the input is
 * used up, so every input is a valid program), and the check that stops
 * the process when the library breaks a promise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Arguments EAL gets in every target, before the target's own. */
#define FUZZ_EAL_ARGS "--no-huge", "-m", "256", "--no-pci", "--no-shconf", \
	"-l", "0", "--base-virtaddr=0x10000000"

/*
 * Start EAL with FUZZ_EAL_ARGS and extra (NULL-terminated, may be NULL).
 * Logs are critical-only unless FUZZ_LOG is set in the environment.
 * Exits the process when EAL cannot start: nothing can be fuzzed then.
 */
void fuzz_eal_init(const char *prog, const char * const *extra);

/* What an operation must leave as it found it. */
struct fuzz_footprint {
	unsigned int memzones;
	size_t heap_bytes;          /* allocated from EAL's heaps, all sockets */
	unsigned int dmamap_devs;   /* attached dmamap contexts */
};

void fuzz_footprint_get(struct fuzz_footprint *fp);
/* Crash for the fuzzer when the footprint differs from before; what names
 * the operation in the message.
 */
void fuzz_footprint_check(const struct fuzz_footprint *before,
	const char *what);

/* Whether FUZZ_TRACE is set: targets then print each operation. */
extern bool fuzz_trace;

#define FUZZ_TRACE(fmt, ...) do { \
	if (fuzz_trace) \
		fprintf(stderr, fmt "\n", ##__VA_ARGS__); \
} while (0)

/* A broken promise: print where and why, then crash for the fuzzer. */
#define FUZZ_CHECK(cond, fmt, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz check failed at %s:%d: %s: " fmt "\n", \
			__FILE__, __LINE__, #cond, ##__VA_ARGS__); \
		abort(); \
	} \
} while (0)

/*
 * Whether the check named id is to be skipped: FUZZ_IGNORE lists ids,
 * comma-separated, so a known failure does not hide the next one while
 * its fix is pending.
 */
bool fuzz_ignored(const char *id);

struct fuzz_input {
	const uint8_t *p;
	size_t left;
};

static inline void
fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

static inline bool
fuzz_input_done(const struct fuzz_input *in)
{
	return in->left == 0;
}

static inline uint8_t
fuzz_u8(struct fuzz_input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t
fuzz_u16(struct fuzz_input *in)
{
	return fuzz_u8(in) | (uint16_t)fuzz_u8(in) << 8;
}

static inline uint32_t
fuzz_u32(struct fuzz_input *in)
{
	return fuzz_u16(in) | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t
fuzz_u64(struct fuzz_input *in)
{
	return fuzz_u32(in) | (uint64_t)fuzz_u32(in) << 32;
}

/* A number in [0, n); 0 for n == 0. */
static inline uint32_t
fuzz_below(struct fuzz_input *in, uint32_t n)
{
	return n == 0 ? 0 : fuzz_u32(in) % n;
}

#endif /* FUZZ_COMMON_H */
