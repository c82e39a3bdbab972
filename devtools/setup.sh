#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Prepare a Debian bookworm machine to build and test rte_dmamap.
# Idempotent; run as root. Each step says what it did; the script exits
# non-zero naming the first step that failed.
#
#   devtools/setup.sh [--no-hugepages]
#
# Steps:
#  1. install the Debian packages the build and the tests need;
#  2. fetch DPDK's driver SDK headers (bus_driver.h, dev_driver.h,
#     ethdev_driver.h), which Debian does not install, from the source
#     package of the exact installed DPDK version into build/sdk/include
#     (skipped when the installed DPDK ships them);
#  3. reserve 2 MiB hugepages and mount hugetlbfs if it is not mounted.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
sdk_dir=$top/build/sdk
hugepages_wanted=${DMAMAP_HUGEPAGES:-1280}
do_hugepages=1
[ "${1:-}" = "--no-hugepages" ] && do_hugepages=0

packages="build-essential pkg-config meson ninja-build python3 python3-pyelftools
	libdpdk-dev dpdk dpdk-dev libpcap-dev dpkg-dev
	clang libclang-rt-dev llvm cppcheck clang-tidy"
sdk_headers="lib/eal/include/bus_driver.h lib/eal/include/dev_driver.h
	lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, reserves hugepages)"

install_packages() {
	local missing=""
	for p in $packages; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		say "packages: all present"
		return 0
	fi
	say "packages: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update"
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		die "apt-get install$missing"
}

# Add deb-src twins of the configured deb entries: deb822 stanzas of
# *.sources files into one .sources file, one-line entries of
# sources.list(.d/*.list) into one .list file.
enable_deb_src() {
	local d=/etc/apt/sources.list.d f
	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list $d/; then
		return 0
	fi
	say "sdk: enabling deb-src entries ($d/dmamap-src.*)"
	for f in $d/*.sources; do
		[ -f "$f" ] && [ "${f##*/}" != dmamap-src.sources ] || continue
		sed 's/^Types: deb$/Types: deb-src/' "$f"
		echo
	done > $d/dmamap-src.sources.new
	for f in /etc/apt/sources.list $d/*.list; do
		[ -f "$f" ] && [ "${f##*/}" != dmamap-src.list ] || continue
		sed -n 's/^deb /deb-src /p' "$f"
	done > $d/dmamap-src.list.new
	for f in sources list; do
		if [ -s $d/dmamap-src.$f.new ]; then
			mv $d/dmamap-src.$f.new $d/dmamap-src.$f
		else
			rm -f $d/dmamap-src.$f.new
		fi
	done
	apt-get update -qq || die "apt-get update (deb-src)"
}

fetch_sdk_headers() {
	local incdir version h
	incdir=$(pkg-config --variable=includedir libdpdk)/dpdk
	if [ -f "$incdir/bus_driver.h" ] && [ -f "$incdir/ethdev_driver.h" ]; then
		say "sdk: installed DPDK ships the driver headers ($incdir)"
		rm -rf "$sdk_dir/include"
		return 0
	fi
	version=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	if [ -f "$sdk_dir/include/.version" ] &&
			[ "$(cat "$sdk_dir/include/.version")" = "$version" ]; then
		say "sdk: driver headers of dpdk $version present in $sdk_dir/include"
		return 0
	fi
	enable_deb_src
	say "sdk: fetching source package dpdk=$version"
	rm -rf "$sdk_dir"
	mkdir -p "$sdk_dir/src" "$sdk_dir/include"
	(cd "$sdk_dir/src" && apt-get source -qq "dpdk=$version" >/dev/null 2>&1) ||
		die "apt-get source dpdk=$version (is a deb-src entry reachable?)"
	local srcdir
	srcdir=$(find "$sdk_dir/src" -maxdepth 1 -mindepth 1 -type d -name 'dpdk*' | head -n 1)
	[ -n "$srcdir" ] || die "source package dpdk=$version did not unpack"
	for h in $sdk_headers; do
		cp "$srcdir/$h" "$sdk_dir/include/" || die "header $h missing in dpdk $version"
	done
	echo "$version" > "$sdk_dir/include/.version"
	rm -rf "$sdk_dir/src"
	say "sdk: driver headers of dpdk $version in $sdk_dir/include"
}

reserve_hugepages() {
	local nr_file=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	local have
	[ -w "$nr_file" ] || die "hugepages: $nr_file not writable (2 MiB pages unsupported?)"
	have=$(cat "$nr_file")
	if [ "$have" -lt "$hugepages_wanted" ]; then
		echo "$hugepages_wanted" > "$nr_file"
		have=$(cat "$nr_file")
	fi
	if [ "$have" -lt "$hugepages_wanted" ]; then
		say "hugepages: only $have of $hugepages_wanted 2 MiB pages could be reserved"
	else
		say "hugepages: $have 2 MiB pages reserved"
	fi
	if ! grep -qs ' hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages || die "hugepages: mount hugetlbfs"
		say "hugepages: mounted hugetlbfs on /dev/hugepages"
	fi
	[ "$have" -gt 0 ] || die "hugepages: none could be reserved"
	release_stale_hugepage_files
}

# Hugepage files left by processes that died hold their pages. DPDK (and
# this library) keep a lock on every file in use: a file nobody locks is
# stale.
release_stale_hugepage_files() {
	local mnt f n=0
	for mnt in $(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts); do
		for f in "$mnt"/*; do
			[ -f "$f" ] || continue
			if flock -n -x "$f" true 2>/dev/null; then
				rm -f "$f" && n=$((n + 1))
			fi
		done
	done
	[ "$n" -eq 0 ] || say "hugepages: removed $n stale hugepage files"
	say "hugepages: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) free"
}

install_packages
fetch_sdk_headers
if [ "$do_hugepages" = 1 ]; then
	reserve_hugepages
fi
say "done"
