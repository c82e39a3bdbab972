#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up, build, run the benchmarks (meson suite perf-tests) and print one
# table of their figures. Figures are appended to build/perf.jsonl (or to
# $DMAMAP_PERF_JSON), one JSON object per figure.
#   devtools/bench.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash devtools/build.sh >/dev/null || { echo "bench: build failed (run devtools/build.sh)"; exit 1; }
export DMAMAP_PERF_JSON=${DMAMAP_PERF_JSON:-$top/build/perf.jsonl}
rm -f "$DMAMAP_PERF_JSON"
rc=0
meson test -C build --suite perf-tests --num-processes 1 --print-errorlogs || rc=1
echo
python3 devtools/perf-table.py "$DMAMAP_PERF_JSON"
exit $rc
