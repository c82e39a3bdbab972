#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# Soak: build (devtools/build.sh) and run the stress suite (stress-tests:
# dmamap_stress_autotest in IOVA-PA and IOVA-VA mode) for a number of
# minutes per mode; exits non-zero when the build or a run fails, after the
# closing count.
#
#   devtools/soak.sh [minutes]       (default: 10, per mode)
#
# Environment:
#   DMAMAP_SOAK_BUILD   an existing build directory to use instead of
#                       build/ (then built with ninja, devtools/build.sh
#                       is not run)
#   DMAMAP_STRESS_NIC   0: leave the emu NICs out; 1: require them. Set to 1
#                       here when the build has the net_emu driver.
#
# A run needs two lcores and about 300 MiB of 2 MiB hugepages; its output
# (progress every 10 s, the operations each lcore did, what the checks at
# the end found) is in <build>/meson-logs/testlog-soak.txt.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
minutes=${1:-10}
build=${DMAMAP_SOAK_BUILD:-build}
suite=stress-tests
say() { printf 'soak: %s\n' "$*"; }
cd "$top" || exit 1

case $minutes in
''|*[!0-9]*|0) say "usage: $0 [minutes > 0]"; exit 2 ;;
esac

if [ -z "${DMAMAP_SOAK_BUILD:-}" ]; then
	bash devtools/build.sh || { say "build failed"; exit 1; }
else
	ninja -C "$build" || { say "build of $build failed"; exit 1; }
fi
if ! meson test -C "$build" --list 2>/dev/null | grep -q "$suite /"; then
	say "no $suite in $build: reconfigure it (meson setup --reconfigure)"
	exit 1
fi

seconds=$((minutes * 60))
# The suite's timeout is 3600 s per run: scale it to the run's length plus
# set-up and the checks at the end.
multiplier=$(((seconds + 600 + 3599) / 3600))
export DMAMAP_STRESS_SECONDS=$seconds
if [ -z "${DMAMAP_STRESS_NIC:-}" ] &&
		ls "$build"/drivers/net/emu/librte_net_emu.so* >/dev/null 2>&1; then
	export DMAMAP_STRESS_NIC=1
fi
say "$minutes min per IOVA mode, NIC ${DMAMAP_STRESS_NIC:-if available}," \
	"build $build"

rc=0
rm -f "$build"/meson-logs/testlog-soak*
meson test -C "$build" --suite "$suite" --num-processes 1 \
	--timeout-multiplier "$multiplier" --logbase testlog-soak \
	--print-errorlogs --verbose || rc=1
# EAL leaves its hugepage files behind at exit: give the pages back.
awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts | while read -r dir; do
	for f in "$dir"/dmamap_stress_pamap_* "$dir"/dmamap_stress_vamap_*; do
		[ -e "$f" ] || continue
		fuser "$f" >/dev/null 2>&1 || rm -f "$f"
	done
done
log=$build/meson-logs/testlog-soak.json
[ -f "$log" ] || { say "no test log"; exit 1; }
grep -h "soak closing count" "${log%.json}.txt"
python3 devtools/test-summary.py "$log" "$suite" || rc=1
exit $rc
