#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set the machine up (devtools/setup.sh) and build into build/.
#   devtools/build.sh [extra meson setup options]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash devtools/setup.sh
if [ ! -f build/build.ninja ]; then
	meson setup build "$@"
elif [ $# -gt 0 ]; then
	meson configure build "$@"
fi
ninja -C build
