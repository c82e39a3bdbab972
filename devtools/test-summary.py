#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print one closing line 'N passed, N failed, N skipped' for a meson test run.

usage: test-summary.py build/meson-logs/testlog.json SUITE
Exit 1 when a test failed or the suite has no test."""
import json
import sys


def main():
    path, suite = sys.argv[1], sys.argv[2]
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            # "project:suite / test" (meson >= 1.0 names a test so).
            name = r.get("name", "")
            if name.split(" / ")[0].split(":")[-1] != suite:
                continue
            res = r.get("result")
            if res == "OK":
                counts["passed"] += 1
            elif res == "SKIP":
                counts["skipped"] += 1
            else:
                counts["failed"] += 1
    print(f"{suite}: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped")
    total = sum(counts.values())
    sys.exit(1 if counts["failed"] or total == 0 else 0)


if __name__ == "__main__":
    main()
