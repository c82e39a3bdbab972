#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the figures of a DMAMAP_PERF_JSON file as one table, medians per
metric, with the ratios the targets are stated in.

usage: perf-table.py RESULTS.jsonl"""
import json
import statistics
import sys

RATIOS = [
    ("translate: memseg path / ours", "translate_memseg_ns", "translate_ns"),
    ("translate: rte_mem_virt2iova / ours", "translate_virt2iova_ns", "translate_ns"),
    ("map_sg of 32 / 32 single maps", "map_sg32_ns", "map_single32_ns"),
    ("bounce 2 KiB / memcpy", "bounce_2k_gbps", "memcpy_2k_gbps"),
    ("bounce 64 KiB / memcpy", "bounce_64k_gbps", "memcpy_64k_gbps"),
    ("IOVA alloc: uncached / cached", "iova_alloc_free_nocache_ns", "iova_alloc_free_ns"),
    ("1 GiB: streaming flushes / batched", "stream_1g_flushes", "link_1g_flushes"),
    ("umem / mempool per object", "umem_alloc_free_ns", "mempool_get_put_ns"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    vals, units, tests = {}, {}, {}
    with open(sys.argv[1]) as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            vals.setdefault(o["metric"], []).append(float(o["value"]))
            units[o["metric"]] = o.get("unit", "")
            tests[o["metric"]] = o.get("test", "")
    med = {k: statistics.median(v) for k, v in vals.items()}
    print(f"{'test':<28} {'metric':<36} {'median':>14} unit  (runs)")
    for k in sorted(med, key=lambda m: (tests[m], m)):
        print(f"{tests[k]:<28} {k:<36} {med[k]:>14.3f} {units[k]:<5} ({len(vals[k])})")
    print()
    for text, a, b in RATIOS:
        if a in med and b in med and med[b] != 0:
            print(f"{text:<44} {med[a] / med[b]:>10.2f}")


if __name__ == "__main__":
    main()
