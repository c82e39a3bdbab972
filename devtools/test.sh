#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up, build and run the test suites; exits non-zero when a test fails.
#   devtools/test.sh [suite ...]     (default: fast-tests vfio-tests)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash devtools/build.sh || { echo "test: build failed"; exit 1; }
suites=${*:-fast-tests vfio-tests}
rc=0
for s in $suites; do
	echo "=== meson test --suite $s"
	meson test -C build --suite "$s" --print-errorlogs --num-processes 2 || rc=1
	python3 devtools/test-summary.py build/meson-logs/testlog.json "$s" || rc=1
done
exit $rc
