#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# Build with AddressSanitizer and UndefinedBehaviorSanitizer (clang) into
# build-asan/ and run test suites under them; exits non-zero when the build
# or a test fails, after one closing count per suite.
#
#   devtools/sanitize.sh [suite ...]      (default: fast-tests)
#
# Environment:
#   DMAMAP_ASAN_BUILD   build directory (default: build-asan)
#   DMAMAP_ASAN_EAL     extra EAL arguments for every test run
#
# Each test runs through this script itself (meson test --wrapper), which
# adds the EAL options memory needs under ASan (see
# doc/guides/reliability.rst) and gives the run a file prefix of its own, so
# a sanitizer run never shares hugepage files with another build's tests.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
self=$top/devtools/$(basename "$0")

# ASan's shadow memory covers [0x7fff8000, 0x10007fff8000) on x86_64, which
# holds EAL's default base address (4 GiB): give EAL an address that is free.
# Hugepage memory goes at the start of ASan's high memory; --no-huge memory
# (one small area of -m bytes) goes below the shadow, where DPDK would put it
# without ASan: low addresses, hence low IOVAs in IOVA-as-VA mode.
asan_base_huge=0x100080000000
asan_base_nohuge=0x10000000

# Run one test command with the ASan EAL options: called by meson test as
#   sanitize.sh --wrap <program> <args...>
wrap() {
	local prog=$1 a base=$asan_base_huge
	local args=()

	shift
	for a in "$@"; do
		case $a in
		--no-huge) base=$asan_base_nohuge ;;
		--file-prefix=*) a=--file-prefix=asan_${a#--file-prefix=} ;;
		esac
		args+=("$a")
	done
	# shellcheck disable=SC2086 # DMAMAP_ASAN_EAL is a list of arguments
	exec "$prog" --base-virtaddr=$base ${DMAMAP_ASAN_EAL:-} "${args[@]}"
}

if [ "${1:-}" = "--wrap" ]; then
	shift
	wrap "$@"
fi

build=${DMAMAP_ASAN_BUILD:-build-asan}
suites=${*:-fast-tests}
say() { printf 'sanitize: %s\n' "$*"; }
cd "$top" || exit 1

# clang and its sanitizer runtimes (Debian: clang, libclang-rt-14-dev).
need_clang() {
	local rt

	rt=$(clang -print-file-name=libclang_rt.asan-x86_64.a 2>/dev/null)
	[ -n "$rt" ] && [ -f "$rt" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "clang with sanitizer runtimes missing: apt-get install clang libclang-rt-14-dev"
		exit 1
	fi
	say "installing clang and libclang-rt-14-dev"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends clang libclang-rt-14-dev >/dev/null ||
		{ say "apt-get install failed"; exit 1; }
}

configure() {
	local opts=(-Db_sanitize=address,undefined -Db_lundef=false
		-Dwerror=true -Dbuildtype=debug)

	[ -f build/sdk/include/bus_driver.h ] &&
		opts+=(-Ddpdk_sdk_include="$top"/build/sdk/include)
	if [ -f "$build"/build.ninja ]; then
		meson configure "$build" "${opts[@]}" >/dev/null
	else
		CC=clang meson setup "$build" "${opts[@]}" >/dev/null
	fi
}

need_clang
configure || { say "meson setup of $build failed"; exit 1; }
ninja -C "$build" || { say "build failed"; exit 1; }

# ASan: leaks are errors; EAL keeps its own SIGBUS handler for hugepage
# faults while it allocates pages.
# UBSan: any report fails the test, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allow_user_segv_handler=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
say "ASAN_OPTIONS=$ASAN_OPTIONS"
# Stock programs a test starts (dpdk-testpmd, dpdk-proc-info) load the
# instrumented drivers: they need the runtime preloaded, an EAL address
# clear of the shadow, and no leak check of the programs' own exits.
DMAMAP_TEST_CHILD_ENV="LD_PRELOAD=$(clang -print-file-name=libclang_rt.asan-x86_64.so) ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=1"
DMAMAP_TEST_CHILD_EAL=--base-virtaddr=$asan_base_huge
export DMAMAP_TEST_CHILD_ENV DMAMAP_TEST_CHILD_EAL
say "UBSAN_OPTIONS=$UBSAN_OPTIONS"

rc=0
for s in $suites; do
	say "meson test --suite $s under ASan+UBSan"
	rm -f "$build"/meson-logs/testlog-asan*
	meson test -C "$build" --suite "$s" --print-errorlogs --num-processes 2 \
		--logbase testlog-asan --wrapper "$self --wrap" || rc=1
	# meson names the logs after the log base and the wrapper.
	log=$(ls -t "$build"/meson-logs/testlog-asan*.json 2>/dev/null | head -1)
	[ -n "$log" ] || { say "no test log"; rc=1; continue; }
	say "sanitizer reports:"
	grep -ohE "ERROR: (AddressSanitizer|LeakSanitizer): [a-z-]+|[^ ]+: runtime error: [^']*" \
		"${log%.json}.txt" | sort | uniq -c | head -20
	python3 devtools/test-summary.py "$log" "$s" || rc=1
done
# Hugepage files a crashed test left behind (our file prefix only).
for d in $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts); do
	find "$d" -maxdepth 1 -name 'asan_*' -delete 2>/dev/null
done
exit $rc
