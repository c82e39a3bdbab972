#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# Build the guest image of the VFIO integration suite from Debian's packages:
#   <cache>/kernel/vmlinuz-<ver> and the vfio modules (linux-image-*-amd64),
#   <cache>/base.cpio: static busybox, glibc and the DPDK runtime libraries and
#   PMDs the guest program needs, unpacked from the .debs of the versions the
#   host has installed (taken from /var/cache/apt/archives or apt-get download).
# Both are cached; they are rebuilt only when a package version changes.
#
# usage: build-image.sh CACHE_DIR GUEST_PROGRAM BUILD_ROOT
# (libraries of the program found under BUILD_ROOT are the project's own: the
# runner ships them with the program, not here)
# exit: 0 built or cached, 77 a package cannot be had (reason printed), 1 error.

set -e -o pipefail

cache=$1
prog=$2
build_root=$(readlink -f "$3")
if [ -z "$cache" ] || [ ! -x "$prog" ] || [ ! -d "$build_root" ]; then
	echo "usage: $0 CACHE_DIR GUEST_PROGRAM BUILD_ROOT" >&2
	exit 1
fi

arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
pmd_dir=/usr/lib/$multiarch/dpdk/pmds-23.0
# PMDs the guest loads: PCI bus, virtio's vdev dependency, the ring mempool
# driver, and the two NIC drivers under test.
pmds="librte_bus_pci librte_bus_vdev librte_mempool_ring librte_net_e1000
	librte_net_virtio"
# Packages wanted besides the shared-library closure: the shell, and the
# unwinder glibc loads for pthread_cancel().
extra_pkgs="busybox-static libgcc-s1"
vfio_modules="virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_iommu_type1
	drivers/vfio/vfio_virqfd drivers/vfio/pci/vfio-pci-core
	drivers/vfio/pci/vfio-pci"

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

log() {
	echo "[vfio-guest] $*" >&2
}

mkdir -p "$cache/debs"

apt_ready() {
	local policy
	policy=$(apt-cache policy linux-image-amd64 2>/dev/null) || return 1
	[[ $policy =~ Candidate:\ [0-9] ]]
}

ensure_apt_lists() {
	apt_ready && return 0
	log "apt package lists empty: apt-get update"
	apt-get update -qq >&2 || true
	apt_ready || skip "no apt package lists (apt-get update failed): cannot" \
		"find Debian's linux-image-amd64"
}

# The .deb of package $1 at version $2 in $cache/debs, fetched when needed.
fetch_deb() {
	local pkg=$1 ver=$2 file f
	file="${pkg}_${ver/:/%3a}_"
	for f in "$cache/debs/$file"*.deb /var/cache/apt/archives/"$file"*.deb; do
		if [ -f "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	log "apt-get download $pkg=$ver"
	(cd "$cache/debs" &&
		apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
		skip "cannot download Debian package $pkg=$ver (no network or mirror?)"
	for f in "$cache/debs/$file"*.deb; do
		[ -f "$f" ] && echo "$f" && return 0
	done
	skip "apt-get download $pkg=$ver gave no .deb"
}

# Installed version of package $1 (pkg or pkg:arch).
pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

# Package owning file $1 (tries the usrmerge alias of the path too).
pkg_of_file() {
	local p=$1 alt out f
	case "$p" in
	/usr/*) alt=${p#/usr} ;;
	*) alt=/usr$p ;;
	esac
	for f in "$p" "$alt"; do
		out=$(dpkg -S "$f" 2>/dev/null | head -1) || true
		if [ -n "$out" ]; then
			out=${out%%:*}
			echo "${out%%,*}"
			return 0
		fi
	done
	return 1
}

# Every package providing a shared library the guest program or the PMDs
# need (ldd on the host, whose packages are the ones to ship).
closure_pkgs() {
	local files f dep
	files=$prog
	for f in $pmds; do
		[ -e "$pmd_dir/$f.so.23" ] ||
			skip "$pmd_dir/$f.so.23 missing: install Debian's DPDK runtime (dpdk)"
		files="$files $pmd_dir/$f.so.23"
	done
	for f in $files; do
		pkg_of_file "$(readlink -f "$f")" || true
		ldd "$f" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' |
		while read -r dep; do
			pkg_of_file "$(readlink -f "$dep")" ||
			pkg_of_file "$dep" ||
			case "$(readlink -f "$dep")" in
			"$build_root"/*) ;;
			*) echo "unowned-library:$dep" ;;
			esac
		done
	done
}

package_list() {
	local p v pkgs
	pkgs=$(closure_pkgs)
	# shellcheck disable=SC2086 # lists of words
	pkgs=$(printf '%s\n' $pkgs $extra_pkgs | sort -u)
	for p in $pkgs; do
		case "$p" in
		unowned-library:*)
			echo "error: ${p#unowned-library:} belongs to no Debian package" >&2
			exit 1 ;;
		esac
		v=$(pkg_version "$p:$arch") || v=$(pkg_version "$p") || true
		[ -n "$v" ] || skip "host package $p is not installed"
		echo "$p $v"
	done
}

kernel_package() {
	if [ -n "$VFIO_TESTS_KERNEL_PKG" ]; then
		echo "$VFIO_TESTS_KERNEL_PKG"
		return
	fi
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# vmlinuz and the vfio modules of Debian's current amd64 kernel.
build_kernel() {
	local pkg ver deb kver tmp m
	ensure_apt_lists
	pkg=$(kernel_package)
	[ -n "$pkg" ] || skip "no linux-image-*-amd64 package known to apt"
	kver=${pkg#linux-image-}
	if [ -f "$cache/kernel/$kver/stamp" ]; then
		echo "$kver" > "$cache/kernel/current"
		return 0
	fi
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		skip "$pkg has no candidate version"
	fi
	deb=$(fetch_deb "$pkg" "$ver")
	log "unpacking $(basename "$deb")"
	tmp=$(mktemp -d "$cache/kernel-tmp.XXXXXX")
	# Only the kernel and the vfio modules: unpacking all takes long.
	# shellcheck disable=SC2046 # one argument per module
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" \
		"./boot/vmlinuz-$kver" \
		$(for m in $vfio_modules; do echo "./lib/modules/$kver/kernel/$m.ko"; done)
	rm -rf "$cache/kernel/$kver"
	mkdir -p "$cache/kernel/$kver/modules"
	cp "$tmp/boot/vmlinuz-$kver" "$cache/kernel/$kver/vmlinuz"
	for m in $vfio_modules; do
		cp "$tmp/lib/modules/$kver/kernel/$m.ko" "$cache/kernel/$kver/modules/"
	done
	rm -rf "$tmp"
	# The kernel package is large; what the guest needs is kept above.
	case "$deb" in "$cache"/debs/*) rm -f "$deb" ;; esac
	echo "$pkg $ver" > "$cache/kernel/$kver/stamp"
	echo "$kver" > "$cache/kernel/current"
}

# Root file system with the runtime packages, as one cpio archive.
build_base() {
	local want root p v deb kver m
	want=$(package_list)
	kver=$(cat "$cache/kernel/current")
	want=$(printf '%s\nkernel %s\n' "$want" "$kver")
	if [ -f "$cache/base.cpio" ] && [ "$(cat "$cache/base.stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	log "building the guest root file system from $(echo "$want" | wc -l) packages"
	root=$cache/base
	rm -rf "$root"
	mkdir -p "$root"
	while read -r p v; do
		[ "$p" = kernel ] && continue
		deb=$(fetch_deb "$p" "$v")
		dpkg-deb -x "$deb" "$root"
	done <<< "$want"
	rm -rf "${root:?}/usr/share" "$root/usr/lib/$multiarch/gconv" "$root/etc/apt"
	mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" \
		"$root/run" "$root/tmp" "$root/var/run" "$root/lib/modules"
	# busybox-static installs /bin/busybox; give it its applet names.
	for p in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$p" ] || ln -s busybox "$root/bin/$p"
	done
	for m in "$cache/kernel/$kver/modules/"*.ko; do
		cp "$m" "$root/lib/modules/"
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$cache/base.cpio.tmp"
	mv "$cache/base.cpio.tmp" "$cache/base.cpio"
	echo "$want" > "$cache/base.stamp"
	rm -rf "$root"
}

exec 9> "$cache/lock"
flock 9
build_kernel
build_base
