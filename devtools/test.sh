#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up, build (warnings are errors) and run the test stages; exits
# non-zero when a stage fails, after one closing line per stage. This is
# what CI (.ci/run) runs.
#
#   devtools/test.sh [stage ...]
#
# Stages (default: all of them, in this order):
#   fast-tests  functional tests (meson suite), build/
#   vfio-tests  the VFIO backend in QEMU guests (meson suite), build/
#   sanitize    fast-tests under ASan and UBSan (devtools/sanitize.sh)
#   fuzz        every libFuzzer target for a short run (devtools/fuzz.sh)
#   static      cppcheck and clang-tidy (devtools/static-check.sh), over
#               the fuzz build's files when there is one (fuzz/ included)
# Any other name is run as a meson suite of build/ (stress-tests, ...).
#
# Environment:
#   DMAMAP_FUZZ_SECONDS  seconds per fuzz target (default: 30)

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stages=${*:-fast-tests vfio-tests sanitize fuzz static}
fuzz_secs=${DMAMAP_FUZZ_SECONDS:-30}
fuzz_build=${DMAMAP_FUZZ_BUILD:-build-fuzz}
rc=0
summary=()

# Run one stage; record its result and duration for the closing lines.
stage() {
	local name=$1 t0 ok=ok
	shift

	echo "=== $name"
	t0=$(date +%s)
	"$@" || { ok=FAILED; rc=1; }
	summary+=("$(printf '%-12s %-7s %4d s' "$name" "$ok" $(($(date +%s) - t0)))")
}

suite() {
	local ret=0

	meson test -C build --suite "$1" --print-errorlogs --num-processes 2 ||
		ret=1
	python3 devtools/test-summary.py build/meson-logs/testlog.json "$1" ||
		ret=1
	return $ret
}

static() {
	if [ -f "$fuzz_build"/build.ninja ]; then
		DMAMAP_STATIC_BUILD=$fuzz_build devtools/static-check.sh
	else
		devtools/static-check.sh
	fi
}

bash devtools/build.sh -Dwerror=true || { echo "test: build failed"; exit 1; }
for s in $stages; do
	case $s in
	sanitize) stage "$s" devtools/sanitize.sh ;;
	fuzz) stage "$s" devtools/fuzz.sh -t "$fuzz_secs" ;;
	static) stage "$s" static ;;
	*) stage "$s" suite "$s" ;;
	esac
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $rc
