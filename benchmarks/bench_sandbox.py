"""Print the grading sandbox's cost per submission against unsandboxed grading, in one run.

Usage::

    .venv/bin/python benchmarks/bench_sandbox.py [--students 12] [--assignment ID] [--workers 1]
        [--repeat 1]

Every mode grades the same simulated class (correct, partial, wrong and untouched submissions)
on its own fresh course copy in a temporary folder (roster imported, submissions collected),
each in a fresh process, as the instructor would type it, so only autograding is timed:

- ``nbgrader``: plain ``nbgrader autograde --force`` with the course's configuration: one
  student after the other, the notebook executed by nbgrader's ``Execute`` inside nbgrader's
  own process, no sandbox, no probes. This is the unsandboxed baseline.
- ``off`` and ``bwrap``: ``customs-course grade autograde --sandbox MODE --force`` (that is
  ``autograde(..., workers=W, force=True, progress=False, sandbox=MODE)``): the notebook, with
  integrity probe cells added, runs in the runner subprocess, with rlimits only (``off``) or
  in bubblewrap namespaces (``bwrap``, skipped with a note where bubblewrap cannot run).

Why plain nbgrader rather than executing each notebook in-process: both baseline and sandbox
runs then do the whole of autograding (restore the locked cells, execute, score, save to the
gradebook), so they compare like with like and their gradebooks give the scores to compare.
An in-process ``Execute`` loop would charge all of that work to the sandbox. The overhead is
per submission of worker time (wall time x workers / submissions; with ``--workers 1``, wall
time per submission); it includes the pool's start-up, spread over the class. Peak RSS is that
of the largest process of each run, the kernels included (``os.wait4``). ``--repeat`` runs
each mode several times, alternating, and shows the median run: on a busy machine single
runs vary by a second or more per submission.

To show where the time of each sandboxed submission goes, the sandbox modes run with
``--verbose`` and a second table gives the median of each sandbox phase that the grader logs
(how long ahead the sandbox started, the runner's start and imports, the kernel's start, how
long the worker waited for that kernel, the notebook's execution, answer to sandbox stopped).
A third table times one correct submission in this
process, median of three: nbgrader's ``Execute``, the same with the probe cells added, then
``SandboxedExecute`` in each mode (runner start and imports, kernel start, probe checks).
The script exits 1 if any mode gives a student a different score.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from bench_autograde import prepare, scores, simulated_class
from nbgrader.preprocessors import Execute

from customs_course.grading.integrity import add_probes
from customs_course.grading.sandbox import bwrap_problem
from customs_course.grading.sandboxed_execute import SandboxedExecute
from customs_course.grading.simulate import build_submission

PHASES = re.compile(r"sandbox phases \(s\): (\{.*\})")


def run(command: list[str], cwd: Path) -> tuple[float, float, list[dict]]:
    """Run ``command`` in a fresh process; return its wall time, peak RSS (MiB) and phases.

    The peak is that of the largest process among it and the descendants it waited for.
    The phases are the sandbox phases of each submission that ``--verbose`` logs.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # unlike wait(), also gives its rusage
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        if process.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{text[-4000:]}")
    phases = [ast.literal_eval(found) for found in PHASES.findall(text)]
    return seconds, usage.ru_maxrss / 1024, phases  # ru_maxrss is in KiB on Linux


def print_phases(timings: dict[str, list]) -> None:
    """The median of each sandbox phase per submission, over every run of each mode."""
    names = ("started_ahead_by", "runner_start", "kernel_start", "waited_for_kernel",
             "execute", "answer_to_stopped", "run")
    print("\nsandbox phases per submission, median s (from --verbose; runner_start and "
          "kernel_start overlap the previous student's scoring, waited_for_kernel does not):")
    print(f"  {'mode':<9}" + "".join(f"{name:>19}" for name in names))
    for mode, runs in timings.items():
        phases = [p for _, _, each in runs for p in each]
        if not phases:
            continue
        medians = [statistics.median(p[n] for p in phases if n in p) if any(n in p for p in
                   phases) else float("nan") for n in names]
        print(f"  {mode:<9}" + "".join(f"{m:>19.2f}" for m in medians))


def correct_submission(root: Path, assignment: str) -> str:
    """A correct submission of the assignment's (first) notebook, as JSON text."""
    from customs_course.grading.course import GradingCourse
    from customs_course.grading.layout import generate_release, source_notebooks

    course = GradingCourse.open(root)
    source = nbformat.read(source_notebooks(course, assignment)[0], as_version=4)
    with tempfile.TemporaryDirectory() as release_dir:
        [path] = generate_release(course, assignment, Path(release_dir), record=False)
        release = nbformat.read(path, as_version=4)
    return build_submission("correct", source, release).decode()


def execution_seconds(solved: str, root: Path, modes: list[str], repeats: int = 3) -> dict:
    """Median time to execute ``solved`` one way or another, kernel start included."""
    ways = {
        "nbgrader Execute": lambda nb: Execute(timeout=120).preprocess(nb, resources)[0],
        "Execute + probe cells": lambda nb: Execute(timeout=120).preprocess(
            add_probes(nb).notebook, resources
        )[0],
    }
    for mode in modes:  # a new preprocessor each time: its sandbox is chosen once, cached
        ways[f"SandboxedExecute {mode}"] = lambda nb, mode=mode: SandboxedExecute(
            sandbox_mode=mode, course_root=str(root), timeout=120
        ).preprocess(nb, resources)[0]
    resources = {"metadata": {"path": str(root)}}
    times: dict[str, list[float]] = {name: [] for name in ways}
    quiet, saved = os.open(os.devnull, os.O_WRONLY), os.dup(2)
    os.dup2(quiet, 2)  # the kernels started here inherit stderr: hide their start-up warnings
    try:
        for _ in range(repeats):  # alternate, as the grading runs do
            for name, execute in ways.items():
                notebook = nbformat.reads(solved, as_version=4)
                start = time.perf_counter()
                execute(notebook)
                times[name].append(time.perf_counter() - start)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--assignment", default="level2_first_look")
    parser.add_argument("--workers", type=int, default=1, help="autograde's workers")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode; medians shown")
    args = parser.parse_args(argv)
    n, workers = args.students, args.workers
    problem = bwrap_problem(0 if os.geteuid() == 0 else None)
    modes = ["off"] + ([] if problem else ["bwrap"])
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        tmp = Path(tmp)
        simulated = simulated_class(tmp, args.assignment, n)
        for mode in ["nbgrader", *modes]:
            prepare(tmp / mode, args.assignment, simulated.roster.parent)
        plain = [str(bin_dir / "nbgrader"), "autograde", args.assignment, "--force"]
        commands = {"nbgrader": (plain, tmp / "nbgrader" / "grading", 1)}
        for mode in modes:
            command = [str(bin_dir / "customs-course"), "grade", "autograde", args.assignment]
            command += ["--course-root", str(tmp / mode), "--workers", str(workers)]
            commands[mode] = (
                [*command, "--sandbox", mode, "--force", "--no-progress", "--verbose"],
                tmp,
                workers,
            )
        timings: dict[str, list] = {mode: [] for mode in commands}
        for _ in range(args.repeat):  # alternate, so that a busy spell hits every mode
            for mode, (command, cwd, _) in commands.items():
                timings[mode].append(run(command, cwd))
        # each mode: (wall seconds, peak RSS MiB) of its median run by wall time, and its workers
        runs = {m: (*sorted(t, key=lambda r: r[0])[len(t) // 2][:2], commands[m][2])
                for m, t in timings.items()}
        graded = {mode: scores(tmp / mode, args.assignment) for mode in runs}
        solved = correct_submission(tmp / "nbgrader", args.assignment)
        executions = execution_seconds(solved, tmp / "nbgrader", modes)

    note = f", median of {args.repeat} runs each" if args.repeat > 1 else ""
    print(f"{n} submissions of {args.assignment}, {os.cpu_count()} cores, uid {os.geteuid()}{note}")
    if problem:
        print(f"bwrap mode skipped: {problem}")
    header = ("mode", "workers", "total s", "s/sub", "worker s/sub", "overhead/sub", "", "RSS MiB")
    print("{:<9}{:>8}{:>9}{:>7}{:>13}{:>13}{:>7}{:>9}".format(*header))
    base = runs["nbgrader"][0] / n
    for mode, (seconds, rss, used) in runs.items():
        each = seconds * used / n  # worker time per submission
        row = f"{mode:<9}{used:>8}{seconds:>9.1f}{seconds / n:>7.2f}{each:>13.2f}"
        if mode == "nbgrader":
            print(f"{row}{'(baseline)':>13}{'':>7}{rss:>9.0f}")
        else:
            print(f"{row}{each - base:>+12.2f}s{each / base - 1:>+7.0%}{rss:>9.0f}")
    print_phases({mode: t for mode, t in timings.items() if mode != "nbgrader"})
    print("\none correct submission executed in this process (median of 3, kernel start included):")
    first = executions["nbgrader Execute"]
    for name, seconds in executions.items():
        print(f"  {name:<26}{seconds:6.2f} s {seconds - first:+6.2f} s")
    totals = {
        m: {s: sum(score or 0 for _, score in g) for s, g in by.items()} for m, by in graded.items()
    }
    same = all(graded[mode] == graded["nbgrader"] for mode in runs)
    print(f"\nsame scores for every student in every mode: {'yes' if same else 'NO'}")
    for mode in runs:
        print(f"  {mode:<9} total points of the class: {sum(totals[mode].values()):g}")
        differ = [s for s, g in graded["nbgrader"].items() if graded[mode].get(s) != g]
        if differ:
            print(f"    differs from nbgrader for {', '.join(sorted(differ))}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
