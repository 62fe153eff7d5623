"""Benchmark of the declarations generator: rows per second and peak memory.

Not a test: run it by hand on the course machine (2 cores) and compare with the target,
1 million declaration lines in under 10 seconds with under 1 GiB peak memory, time growing
linearly with the number of rows::

    PYTHONPATH=src python benchmarks/bench_datasets.py            # 1, 5 and 10 million
    PYTHONPATH=src python benchmarks/bench_datasets.py 1000000    # chosen sizes

Each size runs in a fresh Python process, so that its peak resident memory (``ru_maxrss``)
is its own; "peak" counts everything (Python, pandas, the shared world), "above baseline"
only what generation added after the imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, resource, time
from customs_course.datasets import make_declarations
from customs_course.datasets._world import get_world
get_world()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
frame = make_declarations({n}, random_state=2022)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rows": len(frame), "seconds": seconds, "peak_kib": peak, "base_kib": base,
                  "frame_bytes": int(frame.memory_usage(deep=True).sum())}}))
"""
TARGET_SECONDS_PER_MILLION = 10.0
TARGET_PEAK_GIB_PER_MILLION = 1.0


def measure(n_rows: int) -> dict:
    """Generate ``n_rows`` declaration lines in a child process and return its figures."""
    out = subprocess.run([sys.executable, "-c", CHILD.format(n=n_rows)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    sizes = [int(a.replace("_", "")) for a in argv] or [1_000_000, 5_000_000, 10_000_000]
    print(f"{'rows':>12} {'seconds':>8} {'rows/s':>12} {'s per M':>8} "
          f"{'peak GiB':>9} {'above base':>10} {'frame GiB':>9}")
    results = []
    for n in sizes:
        r = measure(n)
        results.append(r)
        gib = 1024 * 1024
        print(f"{r['rows']:>12,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>12,.0f} "
              f"{r['seconds'] / n * 1e6:>8.2f} {r['peak_kib'] / gib:>9.2f} "
              f"{(r['peak_kib'] - r['base_kib']) / gib:>10.2f} {r['frame_bytes'] / 2**30:>9.2f}")
    one = [r for r in results if r["rows"] == 1_000_000]
    if one:
        ok = (one[0]["seconds"] < TARGET_SECONDS_PER_MILLION
              and one[0]["peak_kib"] / 1024 / 1024 < TARGET_PEAK_GIB_PER_MILLION)
        print(f"target for 1 million lines (< {TARGET_SECONDS_PER_MILLION:.0f} s, "
              f"< {TARGET_PEAK_GIB_PER_MILLION:.0f} GiB peak): {'met' if ok else 'NOT met'}")
    if len(results) > 1:
        per_m = [r["seconds"] / r["rows"] * 1e6 for r in results]
        print(f"seconds per million rows from smallest to largest: "
              f"{', '.join(f'{x:.2f}' for x in per_m)} (linear growth keeps these close)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
