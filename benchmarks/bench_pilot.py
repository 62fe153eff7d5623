"""Benchmark of the pilot kit at scale (issue 18 item 3): `pilot check` and `pilot map` on
sandbox declarations written in a foreign layout, time and peak memory.

Not a test: run it by hand on the course machine (2 cores, 24 GiB)::

    PYTHONPATH=src python benchmarks/bench_pilot.py              # 1 and 10 million lines
    PYTHONPATH=src python benchmarks/bench_pilot.py --50m        # and 50 million
    PYTHONPATH=src python benchmarks/bench_pilot.py 2000000      # chosen sizes
    PYTHONPATH=src python benchmarks/bench_pilot.py --format parquet
    PYTHONPATH=src python benchmarks/bench_pilot.py --pilots 10000000   # and the pilots' run

For each size it writes sandbox declarations (streamed,
:func:`customs_course.datasets.declarations.write_declarations`), then the same lines in the
foreign layout with its dirt (:func:`customs_course.pilot.foreign.write_foreign`: a semicolon
CSV with decimal commas by default), then runs `check` and `map` (and with ``--pilots``
:func:`~customs_course.pilot.run.run_pilots` on the mapped table) each in a fresh Python
process, so that its peak resident memory (``ru_maxrss``, DuckDB included) is its own. Files
go to a temporary folder (``--dir`` to choose one with room: 10 million lines take about 2 GB
as CSV) and are deleted unless ``--keep``. ``load`` is the 1-minute load average at the end
of the step: times are upper bounds of an idle machine's; ``CPU s`` is the process's user +
system time (both cores count), which the load changes less.

Figures on the course machine (2 cores, 23 GiB, idle; 1 December 2026; a semicolon CSV with
decimal commas and 0.1% of each kind of dirt; ``lines`` is what the step read or wrote; the
pilots step is ``--pilots``, no PDF)::

           lines   step  seconds  s per M   CPU s  peak GiB  load
       1,001,006  check     24.0    24.01    12.6      1.29   3.9
         999,039    map     26.1    26.13    17.1      1.32   3.6
         999,039 pilots     58.1    58.12    49.4      2.04   2.6
      10,009,991  check     74.4     7.44    87.1      1.45   1.2
       9,990,016    map    103.3    10.33   114.3      1.66   1.2
       9,990,016 pilots     54.5     5.45    59.3      2.41   1.2
      50,049,907  check    272.4     5.45   320.5      2.06   1.4
      49,950,254    map    452.6     9.05   501.7      2.09   1.3
      49,950,254 pilots     85.6     1.71   115.8      1.81   1.3

A year of 50 million lines is checked, mapped and piloted in 13.5 minutes, never above 2.5 GiB
(DuckDB is capped at 2 GB and spills beyond it; pandera sees 500,000 lines at a time; the
pilots fit their models on a sample of whole HS codes or importers above 1-2 million lines and
aggregate the rest in DuckDB). Writing the 50 million line input took 5.5 minutes and 6.3 GiB
of CSV (``--dir`` on a disk with room).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = """
import json, resource, time
from pathlib import Path
start = time.perf_counter()
{code}
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pilots' kernels
print(json.dumps({{"seconds": seconds,
                  "cpu": usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime,
                  "peak_gib": max(usage.ru_maxrss, kids.ru_maxrss) / 2**20, "rows": rows}}))
"""
CHECK = """
from customs_course.pilot.ingest import check_data
result = check_data({data!r}, {mapping!r})
rows = result.rows
assert not result.blocking, [p.kind for p in result.blocking]
"""
MAP = """
from customs_course.pilot.ingest import map_to_canonical
rows = map_to_canonical(Path({data!r}), Path({mapping!r}), Path({out!r}))["rows_written"]
"""
PILOTS = """
import pyarrow.parquet as pq
from customs_course.pilot.run import run_pilots
run_pilots(Path({out!r}), Path({out!r}).with_suffix(".pilots"), {{"input_file": "bench"}},
           pdf=False)
rows = pq.ParquetFile({out!r}).metadata.num_rows
"""


def run_step(code: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    done = subprocess.run([sys.executable, "-c", STEP.format(code=code)], env=env, check=True,
                          capture_output=True, text=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["load"] = os.getloadavg()[0]
    return figures


def prepare(folder: Path, n: int, suffix: str) -> tuple[Path, Path]:
    from customs_course.datasets.declarations import write_declarations
    from customs_course.pilot.foreign import write_foreign

    sandbox = folder / f"sandbox_{n}.parquet"
    start = time.perf_counter()
    write_declarations(sandbox, n, random_state=2022)
    made = time.perf_counter() - start
    table = write_foreign(sandbox, folder / f"foreign_{n}{suffix}", ledger=False)
    print(f"  ({n:,} sandbox lines in {made:.0f} s, foreign layout in "
          f"{time.perf_counter() - start - made:.0f} s: "
          f"{table.path.stat().st_size / 2**30:.2f} GiB)", flush=True)
    sandbox.unlink()
    return table.path, table.mapping


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int)
    parser.add_argument("--50m", dest="fifty", action="store_true",
                        help="add 50 million lines (about 10 GB of CSV, a long run)")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the files written")
    parser.add_argument("--pilots", action="store_true",
                        help="also run the four pilots on the mapped table (no PDF)")
    args = parser.parse_args()
    sizes = args.sizes or [1_000_000, 10_000_000] + ([50_000_000] if args.fifty else [])
    folder = Path(tempfile.mkdtemp(prefix="bench-pilot-", dir=args.dir))
    print(f"{'lines':>12} {'step':>6} {'seconds':>8} {'s per M':>8} {'CPU s':>7} "
          f"{'peak GiB':>9} {'load':>5}")
    try:
        for n in sizes:
            data, mapping = prepare(folder, n, f".{args.format}")
            out = folder / f"canonical_{n}.parquet"
            steps = [("check", CHECK), ("map", MAP)] + ([("pilots", PILOTS)] if args.pilots else [])
            for step, code in steps:
                f = run_step(code.format(data=str(data), mapping=str(mapping), out=str(out)))
                print(f"{f['rows']:>12,} {step:>6} {f['seconds']:>8.1f} "
                      f"{f['seconds'] / n * 1e6:>8.2f} {f['cpu']:>7.1f} {f['peak_gib']:>9.2f} "
                      f"{f['load']:>5.1f}", flush=True)
            if not args.keep:
                for path in (data, out):
                    path.unlink(missing_ok=True)
                shutil.rmtree(out.with_suffix(".pilots"), ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
