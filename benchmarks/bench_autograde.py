"""Autograde 40 synthetic submissions with plain ``nbgrader autograde`` and with the parallel
``customs-course grade autograde``, in one run, and print both times and their ratio.

Usage::

    .venv/bin/python benchmarks/bench_autograde.py [--students 40] [--assignment ID] [--check]

Both runs start from identical course copies in a temporary folder (roster imported,
submissions collected, assignment recorded in the gradebook), so only autograding is timed,
each as the instructor would type it (a fresh process). The class mixes correct, partial,
wrong and untouched submissions (no timeouts, which would only measure the timeout). The
script also checks that both runs give every student the same scores, and prints the
per-submission overhead beyond the notebook's own execution, measured with nbclient alone
(kernel start included). ``--check`` exits 1 when the speed-up is below the 1.6x target.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from customs_course.grading.course import GradingCourse
from customs_course.grading.intake import collect_submissions
from customs_course.grading.roster import import_roster
from customs_course.grading.simulate import build_submission, simulate_class
from customs_course.paths import repo_root

TARGET = 1.6
MIX = ("correct", "partial", "wrong", "untouched")


def simulated_class(tmp: Path, assignment: str, n_students: int):
    """Simulate a class of ``assignment`` from a course source copied under ``tmp``."""
    (tmp / "source" / "solutions").mkdir(parents=True)
    shutil.copytree(
        repo_root() / "solutions" / assignment, tmp / "source" / "solutions" / assignment
    )
    return simulate_class(
        assignment, tmp / "class", course_root=tmp / "source", scenarios=MIX,
        n_students=n_students,
    )


def prepare(root: Path, assignment: str, class_dir: Path) -> None:
    """A course copy with the roster imported and the submissions collected."""
    shutil.copytree(repo_root() / "solutions" / assignment, root / "solutions" / assignment)
    (root / "grading").mkdir(parents=True)
    # plain nbgrader reads this file from the current folder; it puts the course root above it
    shutil.copy(repo_root() / "grading" / "nbgrader_config.py", root / "grading")
    import_roster(class_dir / "roster.csv", course_root=root)
    collect_submissions(assignment, class_dir / "submissions.zip", course_root=root)


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command``; return its wall time and the CPU time of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def scores(root: Path, assignment: str) -> dict[str, list]:
    course = GradingCourse.open(root)
    with course.gradebook() as gradebook:
        return {
            s.student.id: sorted((g.name, g.auto_score) for nb in s.notebooks for g in nb.grades)
            for s in gradebook.find_assignment(assignment).submissions
        }


def execution_seconds(root: Path, assignment: str, repeats: int = 3) -> float:
    """Median time to execute a correct submission with nbclient alone, kernel start included."""
    from customs_course.grading.layout import generate_release, source_notebooks

    course = GradingCourse.open(root)
    source = nbformat.read(source_notebooks(course, assignment)[0], as_version=4)
    with tempfile.TemporaryDirectory() as release_dir:
        [path] = generate_release(course, assignment, Path(release_dir), record=False)
        release = nbformat.read(path, as_version=4)
    solved = build_submission("correct", source, release).decode()
    times = []
    for _ in range(repeats):
        notebook = nbformat.reads(solved, as_version=4)
        start = time.perf_counter()
        NotebookClient(
            notebook, timeout=120, allow_errors=True, resources={"metadata": {"path": str(root)}}
        ).execute()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="level2_first_look")
    parser.add_argument("--workers", type=int, default=None, help="default: number of cores")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; medians shown")
    parser.add_argument("--check", action="store_true", help=f"exit 1 below {TARGET}x")
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        simulated = simulated_class(tmp, args.assignment, args.students)
        for name in ("plain", "parallel"):
            prepare(tmp / name, args.assignment, simulated.roster.parent)
        execution = execution_seconds(tmp / "plain", args.assignment)
        plain_cmd = [str(bin_dir / "nbgrader"), "autograde", args.assignment, "--force"]
        command = [
            str(bin_dir / "customs-course"),
            "grade",
            "autograde",
            args.assignment,
            "--course-root",
            str(tmp / "parallel"),
            "--no-progress",
            "--force",
        ]
        if args.workers:
            command += ["--workers", str(args.workers)]
        plain_runs, parallel_runs = [], []
        for _ in range(args.repeat):  # alternate, so that a busy spell hits both
            plain_runs.append(timed(plain_cmd, cwd=tmp / "plain" / "grading"))
            parallel_runs.append(timed(command, cwd=tmp))
        plain, plain_cpu = sorted(plain_runs)[len(plain_runs) // 2]  # the median run (by wall)
        parallel, parallel_cpu = sorted(parallel_runs)[len(parallel_runs) // 2]
        from customs_course.grading.autograde import default_workers

        workers = args.workers or default_workers()
        plain_scores = scores(tmp / "plain", args.assignment)
        parallel_scores = scores(tmp / "parallel", args.assignment)
        same = plain_scores == parallel_scores
        for student in sorted(set(plain_scores) | set(parallel_scores)):
            if plain_scores.get(student) != parallel_scores.get(student):
                print(f"  {student}: plain {plain_scores.get(student)}, "
                      f"ours {parallel_scores.get(student)}")
    n = args.students
    ratio = plain / parallel
    runs = f" (median of {args.repeat} runs each)" if args.repeat > 1 else ""
    print(f"{n} submissions of {args.assignment}, {default_workers()} cores{runs}")
    print(f"notebook execution alone (nbclient, kernel start included): {execution:.2f} s")
    print(
        f"plain nbgrader autograde : {plain:6.1f} s wall, {plain_cpu:6.1f} s CPU; "
        f"{plain / n:.2f} s per submission = {plain / n - execution:+.2f} s beyond execution"
    )
    print(
        f"customs-course autograde : {parallel:6.1f} s wall, {parallel_cpu:6.1f} s CPU; "
        f"{parallel / n:.2f} s per submission, {workers} workers = {parallel * workers / n:.2f}"
        f" s of worker time each = {parallel * workers / n - execution:+.2f} s beyond execution"
    )
    print(f"speed-up: {ratio:.2f}x (target {TARGET}x: {'met' if ratio >= TARGET else 'NOT met'})")
    print(f"same scores for every student in both runs: {'yes' if same else 'NO'}")
    if not same:
        return 1
    return 1 if args.check and ratio < TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
