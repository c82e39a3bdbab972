#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# Build the libFuzzer targets of fuzz/ into build-fuzz/ (clang, ASan,
# UBSan) and run each for a while from its seed corpus; exits non-zero
# when a target crashes (or its build fails), after a closing count.
#
#   devtools/fuzz.sh [-t seconds] [target ...]   (default: 60 s, all targets)
#
# All targets: every fuzz/fuzz_*.c defining LLVMFuzzerTestOneInput.
#
# Each run first replays the seed corpus fuzz/corpus/<target>/ (which holds
# a regression input for every crash found so far), then mutates, with the
# dictionary fuzz/<target>.dict when there is one. New
# inputs go to build-fuzz/corpus/<target>/, crashes to
# build-fuzz/artifacts/<target>/; rerun one with
#   build-fuzz/fuzz/<target> <crash file>        (FUZZ_TRACE=1 to trace it)
#
# Environment: DMAMAP_FUZZ_BUILD (default build-fuzz), DMAMAP_FUZZ_ARGS
# (more libFuzzer options, e.g. -jobs=2).

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${DMAMAP_FUZZ_BUILD:-build-fuzz}
secs=60
say() { printf 'fuzz: %s\n' "$*"; }

while getopts "t:" opt; do
	case $opt in
	t) secs=$OPTARG ;;
	*) echo "usage: $0 [-t seconds] [target ...]"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cd "$top" || exit 1
# Every target: each fuzz/fuzz_*.c that defines the fuzzer's entry point.
all=$(grep -l '^LLVMFuzzerTestOneInput' fuzz/fuzz_*.c | sed 's|^fuzz/||; s|\.c$||')
targets=${*:-$all}

need_clang() {
	local rt

	rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
	[ -n "$rt" ] && [ -f "$rt" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		say "clang with libFuzzer missing: apt-get install clang libclang-rt-14-dev"
		exit 1
	fi
	say "installing clang and libclang-rt-14-dev"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends clang libclang-rt-14-dev >/dev/null ||
		{ say "apt-get install failed"; exit 1; }
}

# The libraries get the fuzzer's coverage instrumentation too
# (-fsanitize=fuzzer-no-link); only the targets link libFuzzer.
configure() {
	local opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
		-Dwerror=true -Dbuildtype=debugoptimized
		-Dc_args=-fsanitize=fuzzer-no-link)

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

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allow_user_segv_handler=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=0
ran=0
for t in $targets; do
	bin=$build/fuzz/$t
	if [ ! -x "$bin" ]; then
		say "$t: not built (its component may be missing)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
	log=$build/fuzz-$t.log
	dict=()
	[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
	say "$t: $secs s"
	# shellcheck disable=SC2086 # DMAMAP_FUZZ_ARGS is a list of options
	"$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
		"${dict[@]}" ${DMAMAP_FUZZ_ARGS:-} "$build/corpus/$t" \
		"fuzz/corpus/$t" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	ran=$((ran + 1))
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		say "$t: FAILED (exit $rc), log $log"
		grep -a -E "fuzz check failed|ERROR: |runtime error|SUMMARY|Test unit written|deadly signal" \
			"$log" | head -20
	else
		say "$t: ok, ${execs:-?} executions"
	fi
done
say "$ran targets run, $failed failed"
[ $failed -eq 0 ]
