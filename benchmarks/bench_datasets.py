"""Benchmark of the declarations generator: time and peak memory, streamed to Parquet.

Not a test: run it by hand on the course machine (2 cores). Targets (issue 13): 1 million lines
in under 10 seconds, and a 100 million line edition in under 2 GiB of memory, written in chunks
(:func:`customs_course.datasets.declarations.write_declarations`)::

    PYTHONPATH=src python benchmarks/bench_datasets.py              # 1 and 10 million
    PYTHONPATH=src python benchmarks/bench_datasets.py --100m       # and 100 million (GBs)
    PYTHONPATH=src python benchmarks/bench_datasets.py 2000000      # chosen sizes

Each size runs in a fresh Python process, so that its peak resident memory (``ru_maxrss``) is its
own; "peak" counts everything (Python, pandas, the shared world). The file goes to a temporary
folder (``--dir`` to choose one with room: 100 million lines take about 4 GB) and is deleted.
Timings depend on the machine's load: read ``load`` (1-minute load average) next to them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = """
import json, os, resource, time
from customs_course.datasets._world import get_world
from customs_course.datasets.declarations import write_declarations
get_world()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
rows = write_declarations({path!r}, {n}, random_state=2022)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rows": rows, "seconds": seconds, "peak_kib": peak, "base_kib": base,
                  "file_bytes": os.path.getsize({path!r})}}))
"""
TARGET_SECONDS_PER_MILLION = 10.0
TARGET_PEAK_GIB = 2.0


def measure(n_rows: int, folder: str) -> dict:
    """Write ``n_rows`` declaration lines in a child process and return its figures."""
    path = os.path.join(folder, f"declarations_{n_rows}.parquet")
    try:
        out = subprocess.run([sys.executable, "-c", CHILD.format(n=n_rows, path=path)],
                             check=True, capture_output=True, text=True)
    finally:
        if os.path.exists(path):
            os.unlink(path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help="numbers of lines (default 1 and 10 million)")
    parser.add_argument("--100m", dest="hundred", action="store_true",
                        help="also 100 million lines (minutes, about 4 GB of disk)")
    parser.add_argument("--dir", default=None, help="folder for the temporary files")
    args = parser.parse_args(argv)
    sizes = [int(a.replace("_", "")) for a in args.sizes] or [1_000_000, 10_000_000]
    if args.hundred:
        sizes.append(100_000_000)
    print(f"{'rows':>12} {'seconds':>8} {'s per M':>8} {'peak GiB':>9} {'above base':>10} "
          f"{'file GiB':>9} {'load':>5}")
    gib = 1024 * 1024
    ok = True
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for n in sizes:
            r = measure(n, folder)
            per_m = r["seconds"] / n * 1e6
            print(f"{r['rows']:>12,} {r['seconds']:>8.1f} {per_m:>8.2f} "
                  f"{r['peak_kib'] / gib:>9.2f} {(r['peak_kib'] - r['base_kib']) / gib:>10.2f} "
                  f"{r['file_bytes'] / 2**30:>9.2f} {os.getloadavg()[0]:>5.1f}")
            ok &= r["peak_kib"] / gib < TARGET_PEAK_GIB
            if n == 1_000_000:
                ok &= r["seconds"] < TARGET_SECONDS_PER_MILLION
    print(f"targets (1 million lines < {TARGET_SECONDS_PER_MILLION:.0f} s, every size < "
          f"{TARGET_PEAK_GIB:.0f} GiB peak): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
