#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# The VFIO integration suite: boots a QEMU guest (TCG) with an emulated
# IOMMU per scenario and runs vfio-guest-test in it against e1000e and
# virtio-net NICs bound to vfio-pci, then checks what the guest reported:
# checks, packet counts and the IOMMU faults the guest kernel logged.
#
# usage: run.sh [-C BUILD_DIR] [--program PATH] [--packets N] [--keep]
#               [--steps REGEX] [SCENARIO...]
# Scenarios: intel (VT-d, 48-bit), intel-aw39 (VT-d, 39-bit), amd (AMD-Vi),
# amd-negative (AMD-Vi negative controls, faults taken from QEMU's trace).
# Default: all of them, one after the other.
# Exit: 0 all passed, 1 a check failed, 77 skipped (reason printed: QEMU or a
# Debian package cannot be had).

set -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
prog=
packets=30000
only=
keep=0
scenarios=()

# Guest PCI addresses: an e1000e pair on QEMU hub 0, a virtio-net pair on
# hub 1; what one port of a pair sends, the other receives.
E0=0000:00:10.0
E1=0000:00:11.0
V0=0000:00:12.0
V1=0000:00:13.0
NIC_ARGS="-netdev hubport,id=h0p0,hubid=0 -netdev hubport,id=h0p1,hubid=0
	-device e1000e,netdev=h0p0,addr=0x10 -device e1000e,netdev=h0p1,addr=0x11
	-netdev hubport,id=h1p0,hubid=1 -netdev hubport,id=h1p1,hubid=1
	-device virtio-net-pci,netdev=h1p0,addr=0x12,disable-legacy=on,iommu_platform=on
	-device virtio-net-pci,netdev=h1p1,addr=0x13,disable-legacy=on,iommu_platform=on"
EAL="-l 0 -n 1 --file-prefix=vt --log-level=lib.dmamap:info"
BOOT_SECS=120

usage() {
	sed -n '/^# usage/,/^# Debian/p' "$0" | sed 's/^# \{0,1\}//'
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	-C) build=$2; shift 2 ;;
	--program) prog=$2; shift 2 ;;
	--packets) packets=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--steps) only=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(intel intel-aw39 amd amd-negative)
build=$(cd "$build" 2>/dev/null && pwd) || {
	echo "error: build directory missing: run meson setup and ninja first" >&2
	exit 1
}
[ -n "$prog" ] || prog=$build/vfio-tests/vfio-guest-test
if [ ! -x "$prog" ]; then
	echo "error: $prog not built: ninja -C $build" >&2
	exit 1
fi
cache=$build/vfio-guest

skip() {
	echo "SKIP: $*"
	exit 77
}

# QEMU, cpio and Debian's tools on the host; installed when missing.
host_tools() {
	local missing=()
	command -v qemu-system-x86_64 > /dev/null || missing+=(qemu-system-x86)
	command -v cpio > /dev/null || missing+=(cpio)
	command -v busybox > /dev/null || missing+=(busybox-static)
	if [ ${#missing[@]} -gt 0 ]; then
		command -v apt-get > /dev/null ||
			skip "${missing[*]} missing and no apt-get to install them"
		[ "$(id -u)" = 0 ] || skip "${missing[*]} missing; install them as root"
		echo "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" ||
			skip "apt-get install ${missing[*]} failed"
	fi
	command -v qemu-system-x86_64 > /dev/null ||
		skip "qemu-system-x86_64 not found after installing qemu-system-x86"
	{ command -v dpkg-deb && command -v apt-get; } > /dev/null ||
		skip "the guest image is built from Debian packages: dpkg-deb and" \
			"apt-get are needed"
}

# Steps of a scenario: plan lines for the guest, expectations for the host.
plan=
expect=()

# step NAME KIND TIMEOUT EAL-ARGS... -- PROGRAM-ARGS...
# KIND: pass (all checks, no IOMMU fault), traffic (pass, and every phase of
# traffic has all frames sent, nearly all intact, none corrupt) or negative
# (traffic intact, then broken after the unlink, and IOMMU faults seen).
step() {
	local name=$1 kind=$2 limit=$3
	shift 3
	[[ -z $only || $name =~ $only ]] || return 0
	plan+="	run_step $name $limit /opt/dmamap/bin/vfio-guest-test $EAL $*"
	scn_limit=$((scn_limit + limit))
	plan+=" --packets $scn_packets"$'\n'
	expect+=("$name $kind")
}

# Forward steps of one NIC pair: EAL's IOVAs as the baseline, then the
# domain strict and lazy.
forward_steps() {
	local nic=$1 a=$2 b=$3
	step "$nic-eal" traffic 90 -a "$a" -a "$b" -- --step forward --map eal
	step "$nic-strict" traffic 90 -a "$a" -a "$b" -- --step forward \
		--flush strict
	step "$nic-lazy" traffic 90 -a "$a" -a "$b" -- --step forward --flush lazy
}

backend_steps() {
	local aw=$1
	step backend-strict pass 60 -a $E0 -a $E1 -- --step backend \
		--flush strict --aw-bits "$aw"
	step backend-lazy pass 60 -a $E0 -a $E1 -- --step backend \
		--flush lazy --aw-bits "$aw"
	step container pass 60 -a $E0 -- --step container --own-device $E1 \
		--flush strict --dma-limit 32
}

# What QEMU's IOMMU model reports as a DMA fault in its trace: VT-d's fault
# recording, or (AMD-Vi of QEMU 7.2 logs no event for a missing leaf entry)
# a translation that found no page.
VTD_FAULT_TRACE="-trace vtd_dmar_fault -trace pci_cfg_read"
VTD_FAULT_RE='^vtd_dmar_fault'
AMDVI_FAULT_TRACE="-trace amdvi_translation_result -trace pci_cfg_read"
AMDVI_FAULT_RE='^amdvi_translation_result .* hpa 0x0$'

scenario_intel() {
	IOMMU_ARGS="-device intel-iommu,intremap=on,caching-mode=on,aw-bits=48"
	KERNEL_ARGS="intel_iommu=on"
	TRACE_ARGS=$VTD_FAULT_TRACE
	FAULT_RE=$VTD_FAULT_RE
	backend_steps 48
	forward_steps e1000e $E0 $E1
	forward_steps virtio $V0 $V1
	# Negative controls last: they leave faults behind.
	step e1000e-negative negative 90 -a $E0 -a $E1 -- --step negative \
		--flush strict
	step virtio-negative negative 90 -a $V0 -a $V1 -- --step negative \
		--flush lazy
}

scenario_intel_aw39() {
	IOMMU_ARGS="-device intel-iommu,intremap=on,caching-mode=on,aw-bits=39"
	KERNEL_ARGS="intel_iommu=on"
	TRACE_ARGS=$VTD_FAULT_TRACE
	FAULT_RE=$VTD_FAULT_RE
	step backend-strict pass 60 -a $E0 -a $E1 -- --step backend \
		--flush strict --aw-bits 39
	step backend-pa pass 60 --iova-mode=pa -a $E0 -a $E1 -- \
		--step backend --flush strict --aw-bits 39
	step e1000e-strict traffic 90 -a $E0 -a $E1 -- --step forward \
		--flush strict
	step e1000e-pa-strict traffic 90 --iova-mode=pa -a $E0 -a $E1 -- \
		--step forward --flush strict
	step e1000e-pa-lazy traffic 90 --iova-mode=pa -a $E0 -a $E1 -- \
		--step forward --flush lazy
	step e1000e-pa-negative negative 90 --iova-mode=pa -a $E0 -a $E1 -- \
		--step negative --flush lazy
}

# AMD-Vi's page tables reach 64 bits: so does the container's valid range.
scenario_amd() {
	IOMMU_ARGS="-device amd-iommu,intremap=on"
	KERNEL_ARGS=""
	TRACE_ARGS=
	FAULT_RE=
	backend_steps 64
	forward_steps e1000e $E0 $E1
	forward_steps virtio $V0 $V1
}

# QEMU 7.2's AMD-Vi raises no event the guest could log for these faults;
# its trace of every translation shows them, too slow for the other steps.
scenario_amd_negative() {
	IOMMU_ARGS="-device amd-iommu,intremap=on"
	KERNEL_ARGS=""
	TRACE_ARGS=$AMDVI_FAULT_TRACE
	FAULT_RE=$AMDVI_FAULT_RE
	scn_packets=$((packets / 10 > 2000 ? packets / 10 : 2000))
	step e1000e-negative negative 90 -a $E0 -a $E1 -- --step negative \
		--flush lazy
	step virtio-negative negative 90 -a $V0 -a $V1 -- --step negative \
		--flush strict
}

# Our libraries the program needs (those ldd finds in the build tree).
own_libs() {
	ldd "$prog" | awk '/=> \// { print $3 }' | while read -r l; do
		case "$(readlink -f "$l")" in
		"$build"/*) echo "$l" ;;
		esac
	done
}

# initrd = cached base archive + this run's /init, plan, program, libraries.
make_initrd() {
	local dir=$1 stage l
	stage=$dir/stage
	rm -rf "$stage"
	mkdir -p "$stage/opt/dmamap/bin" "$stage/opt/dmamap/lib"
	install -m 755 "$here/guest-init.sh" "$stage/init"
	install -m 755 "$prog" "$stage/opt/dmamap/bin/vfio-guest-test"
	for l in $(own_libs); do
		cp -L "$l" "$stage/opt/dmamap/lib/"
	done
	{
		echo "NICS=\"$E0 $E1 $V0 $V1\""
		echo "plan_steps() {"
		printf '%s' "$plan"
		echo "}"
	} > "$stage/plan.sh"
	(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) > "$dir/app.cpio"
	cat "$cache/base.cpio" "$dir/app.cpio" > "$dir/initrd"
	rm -rf "$stage" "$dir/app.cpio"
}

# qboot starts a kernel seconds sooner than SeaBIOS under TCG.
firmware_args() {
	local f
	for f in /usr/share/qemu/qboot.rom /usr/share/qboot/bios.bin; do
		[ -f "$f" ] && echo "-bios $f" && return
	done
}

boot() {
	local dir=$1 limit=$2 kver
	kver=$(cat "$cache/kernel/current")
	# Argument lists split on purpose.
	# shellcheck disable=SC2046,SC2086
	timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg -cpu max -smp 2 \
		-m 2048 -M q35,kernel-irqchip=split $(firmware_args) \
		$IOMMU_ARGS $NIC_ARGS \
		-kernel "$cache/kernel/$kver/vmlinuz" -initrd "$dir/initrd" \
		-append "console=ttyS0 $KERNEL_ARGS hugepagesz=2M hugepages=128 panic=-1 quiet" \
		-display none -monitor none -no-reboot -nodefaults \
		$TRACE_ARGS $VFIO_TESTS_QEMU_ARGS \
		-serial "file:$dir/console.log" -serial "file:$dir/result.log" \
		> "$dir/qemu.log" 2>&1
}

# DMA faults in QEMU's trace: "outside=N after1=N after2=N ...", the faults
# seen while the k-th negative control's range was unlinked (between its
# marks, see vfio_guest_test.c) and all others.
qemu_fault_counts() {
	awk -v re="$FAULT_RE" '
		/^pci_cfg_read/ && / @0xf0 / { seg = ""; n++ }
		/^pci_cfg_read/ && / @0xf4 / { seg = n }
		/^pci_cfg_read/ && / @0xf8 / { seg = "" }
		$0 ~ re { if (seg != "") after[seg]++; else outside++ }
		END {
			printf "outside=%d", outside
			for (i = 1; i <= n; i++)
				printf " after%d=%d", i, after[i]
			print ""
		}' "$1"
}

# Value of key=N in the line on stdin.
kv() {
	sed -n "s/.* $1=\([0-9-]*\).*/\1/p"
}

fail_step() {
	echo "  FAIL $1: $2"
	failed_steps+=("$scenario/$1")
}

# Counts of a traffic step: every phase sent all frames, (nearly) all intact.
check_counts_traffic() {
	local name=$1 log=$2 line sent intact stale bad
	if [ "$(grep -c "^VFIOTEST OUT $name STAT " "$log")" -lt 2 ]; then
		fail_step "$name" "no traffic counted"
		return 1
	fi
	while read -r line; do
		sent=$(kv sent <<< "$line"); intact=$(kv intact <<< "$line")
		stale=$(kv stale <<< "$line"); bad=$(kv bad <<< "$line")
		if [ "$sent" != "$scn_packets" ] || [ "$bad" != 0 ] || [ "$stale" != 0 ] ||
				[ "$intact" -lt $((scn_packets - scn_packets / 10)) ]; then
			fail_step "$name" "frames: ${line#*STAT }"
			return 1
		fi
	done < <(grep "^VFIOTEST OUT $name STAT " "$log")
}

# Counts of a negative control: intact before the unlink, broken after.
check_counts_negative() {
	local name=$1 log=$2 before after sent_after
	before=$(grep "^VFIOTEST OUT $name STAT before " "$log" | kv intact |
		awk '{ s += $1 } END { print s + 0 }')
	after=$(grep "^VFIOTEST OUT $name STAT after " "$log" | kv intact |
		awk '{ s += $1 } END { print s + 0 }')
	sent_after=$(grep "^VFIOTEST OUT $name STAT after " "$log" | kv sent |
		awk '{ s += $1 } END { print s + 0 }')
	if [ "$before" -lt $((2 * (scn_packets - scn_packets / 10))) ]; then
		fail_step "$name" "traffic broken before the unlink ($before intact)"
		return 1
	fi
	if [ "$sent_after" -eq 0 ] || [ "$after" -gt $((sent_after / 10)) ]; then
		fail_step "$name" "$after of $sent_after frames intact after the unlink"
		return 1
	fi
}

check_step() {
	local name=$1 kind=$2 log=$3 st rc faults result
	st=$(grep "^VFIOTEST STEP $name " "$log")
	if [ -z "$st" ]; then
		fail_step "$name" "did not finish (guest hung, crashed or timed out)"
		return
	fi
	rc=$(kv rc <<< "$st"); faults=$(kv faults <<< "$st")
	result=$(grep "^VFIOTEST OUT $name RESULT " "$log" | awk '{ print $6 }')
	grep "^VFIOTEST OUT $name CHECK .* FAIL" "$log" | sed 's/^VFIOTEST OUT /    /'
	case "$kind" in
	pass|traffic)
		[ "$result" = PASS ] || { fail_step "$name" "result '${result:-none}', rc $rc"; return; }
		[ "$rc" = 0 ] || { fail_step "$name" "exit status $rc"; return; }
		[ "$faults" = 0 ] || { fail_step "$name" "$faults IOMMU fault lines in the guest log"; return; }
		[ "$kind" = pass ] || check_counts_traffic "$name" "$log" || return
		;;
	negative)
		[ "$result" = DETECTED ] || { fail_step "$name" "result '${result:-none}', rc $rc"; return; }
		check_counts_negative "$name" "$log" || return
		# The IOMMU's own record of the refused writes is the witness:
		# QEMU's trace where there is one. The guest kernel's log is
		# rate-limited and, after an earlier negative step, may show
		# none of a later step's faults.
		if [ -n "$FAULT_RE" ]; then
			nneg=$((nneg + 1))
			qf=$(kv "after$nneg" <<< " $qemu_faults")
			[ "${qf:-0}" -gt 0 ] ||
				{ fail_step "$name" "QEMU's IOMMU saw no DMA fault after the unlink"; return; }
			faults="$faults guest, ${qf} QEMU"
		elif [ "$faults" = 0 ]; then
			fail_step "$name" "the guest kernel logged no IOMMU fault after the unlink"
			return
		fi
		;;
	esac
	echo "  ok   $name ($(kv secs <<< "$st") s, $faults fault lines)"
}

run_scenario() {
	local dir=$cache/runs/$scenario fn e limit t0 rc nfail=${#failed_steps[@]}
	fn=scenario_${scenario//-/_}
	declare -F "$fn" > /dev/null || { echo "unknown scenario $scenario"; return 1; }
	plan=
	expect=()
	scn_packets=$packets
	scn_limit=$BOOT_SECS
	"$fn"
	mkdir -p "$dir"
	rm -f "$dir"/*.log
	make_initrd "$dir"
	limit=$scn_limit
	echo "scenario $scenario: ${#expect[@]} steps (QEMU time limit $limit s)"
	t0=$(date +%s)
	boot "$dir" "$limit"
	rc=$?
	echo "  guest ran $(($(date +%s) - t0)) s, QEMU exit status $rc"
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "  QEMU killed after $limit s"
	fi
	grep -q '^VFIOTEST ERROR' "$dir/result.log" 2> /dev/null &&
		grep '^VFIOTEST ERROR' "$dir/result.log"
	nneg=0
	qemu_faults=
	[ -z "$FAULT_RE" ] || qemu_faults=$(qemu_fault_counts "$dir/qemu.log")
	for e in "${expect[@]}"; do
		check_step "${e% *}" "${e#* }" "$dir/result.log"
	done
	if [ -n "$FAULT_RE" ] && [ "$(kv outside <<< " $qemu_faults")" != 0 ]; then
		fail_step qemu "QEMU's IOMMU saw DMA faults outside the negative" \
			"controls ($qemu_faults)"
	fi
	grep -q '^VFIOTEST DONE' "$dir/result.log" 2> /dev/null ||
		fail_step guest "did not reach the end of its plan"
	nfail=$((${#failed_steps[@]} - nfail))
	if [ $nfail -gt 0 ] || [ $keep = 1 ]; then
		echo "  logs: $dir/result.log, $dir/console.log, $dir/qemu.log"
		[ $nfail -gt 0 ] && tail -n 20 "$dir/console.log" | sed 's/^/  console: /'
	fi
	# The trace of the AMD-Vi run is large.
	[ $keep = 1 ] || [ $nfail -gt 0 ] || rm -f "$dir/qemu.log"
	[ $keep = 1 ] || rm -f "$dir/initrd"
}

host_tools
"$here/build-image.sh" "$cache" "$prog" "$build"
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "error: building the guest image failed"; exit 1; }

failed_steps=()
for scenario in "${scenarios[@]}"; do
	run_scenario
done
if [ ${#failed_steps[@]} -gt 0 ]; then
	echo "FAILED: ${failed_steps[*]}"
	exit 1
fi
echo "all scenarios passed: ${scenarios[*]}"
