#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_dmamap authors
#
# What each DMA mapping mode costs in stock dpdk-testpmd: io forwarding of
# 64-byte packets on one forwarding core between two emu NIC ports cabled
# back to back, for each mapping mode (bypass, premap, stream) and IOMMU
# mode (off, strict, lazy), next to DPDK's own software ports measured in
# the same run: net_memif (a server and a client port in one process, copy
# mode), net_ring and net_null. --tx-first puts one burst per port on the
# wire; io forwarding then keeps it circulating.
#
#   devtools/bench-testpmd.sh [options]
#     --short         one run of 3 s per configuration (the README's form)
#     --runs N        runs per configuration (default 3)
#     --seconds S     length of a run (default 6)
#     --build DIR     build directory (default build; built when missing)
#     --out FILE      results table (default DIR/bench-testpmd.txt)
#     --json FILE     one JSON object per configuration
#     --png FILE      bar chart (default: the results file with .png)
#     --only REGEX    configurations whose name matches
#
# A run's rate is the median of testpmd's per-second samples (both ports'
# Rx-pps added) after the first two; a configuration's rate is the median
# over its runs, which go round all configurations in turn. Ratios are to emu bypass without an IOMMU. bypass behind
# an IOMMU uses the bus's 1:1 window (bypass=auto,window=47): without it
# the driver refuses dma=bypass, as the device reaches no memory directly.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
runs=3
secs=6
build=
out=
json=
png=
only=.
while [ $# -gt 0 ]; do
	case $1 in
	--short) runs=1; secs=3 ;;
	--runs) runs=$2; shift ;;
	--seconds) secs=$2; shift ;;
	--build) build=$2; shift ;;
	--out) out=$2; shift ;;
	--json) json=$2; shift ;;
	--png) png=$2; shift ;;
	--only) only=$2; shift ;;
	-h|--help) sed -n '3,28p' "$0"; exit 0 ;;
	*) echo "bench-testpmd: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
if ! [[ $runs =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] || [ "$secs" -lt 3 ]; then
	echo "bench-testpmd: --runs needs a count, --seconds at least 3" >&2
	exit 2
fi

if [ -z "$build" ]; then
	# Set-up is idempotent and also reserves hugepages after a reboot.
	build=$top/build
	bash "$top/devtools/build.sh" >/dev/null ||
		{ echo "bench-testpmd: set-up or build failed (run devtools/build.sh)" >&2; exit 1; }
fi
build=$(cd "$build" && pwd) || exit 1
if [ ! -f "$build/drivers/net/emu/librte_net_emu.so" ]; then
	echo "bench-testpmd: no $build/drivers/net/emu/librte_net_emu.so" >&2
	exit 1
fi
command -v dpdk-testpmd >/dev/null ||
	{ echo "bench-testpmd: dpdk-testpmd not found (apt-get install dpdk)" >&2; exit 1; }
out=${out:-$build/bench-testpmd.txt}
png=${png:-${out%.txt}.png}

# EAL refuses plugins below a world-writable directory: load the driver by
# its name from the library path.
export LD_LIBRARY_PATH=$build/drivers/net/emu:$build/drivers/bus/emu:$build/lib/dmamap${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
prefix=bench_testpmd_$$
sock=/run/bench-testpmd-$$.sock
raw=$(mktemp)
log=$(mktemp)
trap 'rm -f "$raw" "$log" "$sock"; rm -rf /dev/hugepages/${prefix}* /var/run/dpdk/${prefix}*' EXIT

# name and EAL arguments of each configuration
configs=()
for dma in bypass premap stream; do
	for iommu in off strict lazy; do
		bus="iommu=$iommu"
		[ $dma = bypass ] && [ $iommu != off ] && bus="$bus,bypass=auto,window=47"
		configs+=("emu-$dma-iommu_$iommu|-d librte_net_emu.so \
-a emu:bench0,type=nic,peer=bench1,dma=$dma,$bus \
-a emu:bench1,type=nic,peer=bench0,dma=$dma,$bus")
	done
done
# testpmd's mbufs on the PA=VA heap (mempool driver dmamap_heap); EAL's own
# memory above physical addresses, so the heap maps VA == PA == IOVA.
configs+=("emu-bypass-identity|-d librte_net_emu.so --base-virtaddr=0x800000000 \
--mbuf-pool-ops-name dmamap_heap \
-a emu:bench0,type=nic,peer=bench1,dma=bypass,iommu=off \
-a emu:bench1,type=nic,peer=bench0,dma=bypass,iommu=off")
# dma=umem: testpmd's mbuf pool gets the umem mempool ops from EAL.
for iommu in off strict lazy; do
	configs+=("emu-umem-iommu_$iommu|-d librte_net_emu.so --mbuf-pool-ops-name dmamap_umem \
-a emu:bench0,type=nic,peer=bench1,dma=umem,iommu=$iommu \
-a emu:bench1,type=nic,peer=bench0,dma=umem,iommu=$iommu")
done
configs+=("memif|--vdev=net_memif0,role=server,socket=$sock \
--vdev=net_memif1,role=client,socket=$sock")
configs+=("ring|--vdev=net_ring0 --vdev=net_ring1")
configs+=("null|--vdev=net_null0 --vdev=net_null1")

# One run: print the median of the per-second forwarding rates, in pps.
run_one() {
	# shellcheck disable=SC2086
	timeout -s INT -k 10 $((secs + 1)) dpdk-testpmd -l 0-1 --no-pci \
		--in-memory --file-prefix "$prefix" $1 -- \
		--stats-period 1 --forward-mode=io --tx-first --nb-cores=1 \
		--burst=32 --txpkts=64 --total-num-mbufs=16384 \
		</dev/null >"$log" 2>&1
	rm -f "$sock"
	awk '/Rx-pps:/ { s += $2; if (++p == 2) { print s; s = 0; p = 0 } }' "$log" |
		tail -n +3 | sort -n | awk '{ v[NR] = $1 } END {
			if (NR == 0) { print 0; exit }
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs go round the configurations, so a change in the machine's load
# touches every configuration alike.
echo "testpmd io forwarding, 64-byte packets, 1 forwarding core: $runs run(s) of ${secs} s per configuration"
for ((r = 1; r <= runs; r++)); do
	for c in "${configs[@]}"; do
		name=${c%%|*}
		[[ $name =~ $only ]] || continue
		pps=$(run_one "${c#*|}")
		printf '  run %d  %-24s %9.3f Mpps\n' "$r" "$name" \
			"$(awk -v p="$pps" 'BEGIN { print p / 1e6 }')"
		echo "$name $pps" >>"$raw"
		if [ "${pps%.*}" = 0 ]; then
			echo "  $name: no traffic; testpmd said:" >&2
			grep -iE 'error|fail|emu|refus' "$log" | head -5 >&2
		fi
	done
done

RAW=$raw OUT=$out JSON=$json PNG=$png python3 - <<'EOF'
import json, os, statistics, struct, zlib

rows = {}
for line in open(os.environ["RAW"]):
    name, pps = line.split()
    rows.setdefault(name, []).append(float(pps) / 1e6)
if not rows:
    raise SystemExit("bench-testpmd: no configuration ran")
mpps = {n: statistics.median(v) for n, v in rows.items()}
base = mpps.get("emu-bypass-iommu_off", 0)

lines = ["%-24s %10s %10s  %s" % ("configuration", "Mpps", "vs bypass", "runs (Mpps)")]
for name, v in rows.items():
    ratio = "%9.1f%%" % (100 * mpps[name] / base) if base else "%10s" % "-"
    lines.append("%-24s %10.3f %s  %s" % (name, mpps[name], ratio,
                 " ".join("%.3f" % x for x in v)))
table = "\n".join(lines) + "\n"
print("\n" + table, end="")
with open(os.environ["OUT"], "w") as f:
    f.write("# testpmd io forwarding, 64-byte packets, one forwarding core;\n"
            "# median Mpps of both ports together, ratio to emu bypass (iommu off)\n")
    f.write(table)
print("table written to %s" % os.environ["OUT"])
if os.environ.get("JSON"):
    with open(os.environ["JSON"], "w") as f:
        for name, v in rows.items():
            f.write(json.dumps({"config": name, "mpps": round(mpps[name], 4),
                                "runs": [round(x, 4) for x in v]}) + "\n")
    print("JSON written to %s" % os.environ["JSON"])

# A bar chart as a PNG, drawn here so that no plotting package is needed.
FONT = {  # 3x5 glyphs, rows top down, 3 bits each
    "A": "010101111101101", "B": "110101110101110", "C": "011100100100011",
    "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111",
    "K": "101101110101101", "L": "100100100100111", "M": "101111111101101",
    "N": "110101101101101", "O": "010101101101010", "P": "110101110100100",
    "R": "110101110101101", "S": "011100010001110", "T": "111010010010010",
    "U": "101101101101111", "Y": "101101010010010", "Z": "111001010100111",
    "0": "111101101101111", "1": "010110010010111", "2": "110001010100111",
    "3": "110001010001110", "4": "101101111001001", "5": "111100110001110",
    "6": "011100111101111", "7": "111001010010010", "8": "111101111101111",
    "9": "111101111001110", ".": "000000000000010", "-": "000000111000000",
    "_": "000000000000111", "%": "101001010100101", " ": "000000000000000",
    "(": "010100100100010", ")": "010001001001010", "/": "001001010100100",
    "V": "101101101101010", "X": "101101010101101", "W": "101101111111101",
}
S = 2  # pixels per font dot
W, BAR0, ROW = 760, 230, 22
H = 30 + ROW * len(rows)
img = [[(255, 255, 255)] * W for _ in range(H)]

def text(x, y, s, color=(0, 0, 0)):
    for ch in s.upper():
        g = FONT.get(ch, FONT[" "])
        for i, bit in enumerate(g):
            if bit == "1":
                for dy in range(S):
                    for dx in range(S):
                        img[y + (i // 3) * S + dy][x + (i % 3) * S + dx] = color
        x += 4 * S

# Scale to the emu ports and memif; faster baselines run off the chart.
top_v = max([v for n, v in mpps.items() if n not in ("ring", "null")] or
            list(mpps.values())) * 1.15 or 1
text(10, 8, "TESTPMD IO FWD 64B  MPPS (MEDIAN)")
for r, name in enumerate(rows):
    y = 26 + r * ROW
    text(10, y + 3, name)
    full = W - BAR0 - 90
    width = min(int(full * mpps[name] / top_v), full)
    color = (70, 110, 180) if name.startswith("emu") else (150, 150, 150)
    for yy in range(y, y + ROW - 6):
        for xx in range(BAR0, BAR0 + max(width, 1)):
            img[yy][xx] = color
    clipped = mpps[name] > top_v
    text(BAR0 + width + 6, y + 3, ("%.2f" % mpps[name]) + (" -" if clipped else ""))

def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

raw_px = b"".join(b"\0" + bytes(v for px in row for v in px) for row in img)
with open(os.environ["PNG"], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n")
    f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)))
    f.write(chunk(b"IDAT", zlib.compress(raw_px, 9)))
    f.write(chunk(b"IEND", b""))
print("chart written to %s" % os.environ["PNG"])
EOF
