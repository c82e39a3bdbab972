#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
# shellcheck shell=dash
#
# /init of the VFIO test guest (busybox sh). Mounts what DPDK needs, loads
# the vfio modules, binds the NICs to vfio-pci, then runs the steps of
# /plan.sh. The kernel log goes to the console (ttyS0); results go to ttyS1
# as "VFIOTEST ..." lines, so the host never parses kernel noise:
#   VFIOTEST OUT <step> <line>      a line the step printed
#   VFIOTEST STEP <step> rc=<n> faults=<n> secs=<n>
#   VFIOTEST FAULT <step> <line>    an IOMMU fault the kernel logged
#   VFIOTEST DONE                   all steps ran; the guest powers off

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/opt/dmamap/lib:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu

RESULT=/dev/ttyS1
# IOMMU faults as intel-iommu and amd-iommu report them.
FAULT_RE='DMAR: \[DMA (Read|Write)|DMAR: .*[Ff]ault|AMD-Vi: .*IO_PAGE_FAULT|AMD-Vi: Event logged'

say() {
	echo "VFIOTEST $*" > $RESULT
	echo "VFIOTEST $*"
}

die() {
	say "ERROR $*"
	say DONE
	poweroff -f
}

mount_all() {
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	mkdir -p /dev/hugepages /dev/pts /tmp /run /var/run
	mount -t hugetlbfs -o pagesize=2M none /dev/hugepages
	mount -t tmpfs tmp /tmp
}

load_modules() {
	local m
	for m in irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core \
			vfio-pci; do
		insmod /lib/modules/$m.ko || die "insmod $m failed"
	done
}

# Bind every device of the plan's NICS list to vfio-pci.
bind_nics() {
	local d
	for d in $NICS; do
		[ -d "/sys/bus/pci/devices/$d" ] || die "no PCI device $d"
		echo vfio-pci > "/sys/bus/pci/devices/$d/driver_override"
		echo "$d" > /sys/bus/pci/drivers_probe
		[ "$(basename "$(readlink "/sys/bus/pci/devices/$d/driver")")" = vfio-pci ] ||
			die "$d is not bound to vfio-pci"
		say "INFO $d group $(basename "$(readlink "/sys/bus/pci/devices/$d/iommu_group")")"
	done
}

# run_step NAME TIMEOUT COMMAND...: run one test command with a time limit,
# report its output, exit status and the IOMMU faults it caused.
run_step() {
	local name=$1 limit=$2 rc t0 t1 n
	shift 2
	dmesg -c > /dev/null
	rm -f /dev/hugepages/*
	t0=$(cut -d. -f1 /proc/uptime)
	timeout -k 5 "$limit" "$@" > /tmp/out 2>&1
	rc=$?
	t1=$(cut -d. -f1 /proc/uptime)
	while IFS= read -r line; do
		say "OUT $name $line"
	done < /tmp/out
	dmesg > /tmp/dmesg
	n=$(grep -cE "$FAULT_RE" /tmp/dmesg)
	grep -E "$FAULT_RE" /tmp/dmesg | head -n 8 | while IFS= read -r line; do
		say "FAULT $name $line"
	done
	say "STEP $name rc=$rc faults=$n secs=$((t1 - t0))"
}

mount_all
say "BOOT $(uname -r) at $(cut -d' ' -f1 /proc/uptime) s: $(cat /proc/cmdline)"
# shellcheck source=/dev/null
. /plan.sh
load_modules
dmesg | grep -E 'DMAR: (Host address width|Intel|IOMMU)|AMD-Vi: (Found|Interrupt|IOMMU)|iommu: Default' |
	head -n 6 | while IFS= read -r line; do say "KLOG $line"; done
bind_nics
plan_steps
say DONE
sync
poweroff -f
