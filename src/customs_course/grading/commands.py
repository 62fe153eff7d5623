"""The ``customs-course grade ...`` commands: a thin layer over the grading stages.

Only argparse is imported here; each command imports its stage when it runs, so that
``customs-course --help`` stays fast. Errors the instructor can fix are ``GradingError``
(a ``ValueError``), which the main CLI prints as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _import_roster(args: argparse.Namespace) -> int:
    from customs_course.grading.roster import import_roster

    students = import_roster(args.roster, course_root=args.course_root)
    print(f"{len(students)} students recorded in the gradebook from {args.roster}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from customs_course.grading.intake import collect_submissions

    caps = {k: v for k, v in vars(args).items() if k.startswith("max_") and v is not None}
    if args.from_exchange:
        return _collect_from_exchange(args, caps)
    if args.source is None:
        raise ValueError("Pass the folder or zip of submissions, or --from-exchange on a hub.")
    report = collect_submissions(
        args.assignment, args.source, course_root=args.course_root, caps=caps
    )
    print("\n".join(report.lines()))
    return 0


def _collect_from_exchange(args: argparse.Namespace, caps: dict) -> int:
    from customs_course.hub.exchange import collect_from_exchange, hub_data

    if args.source is not None:
        raise ValueError("Pass either a folder or zip of submissions or --from-exchange, not both.")
    collected = collect_from_exchange(
        args.assignment, hub_data(args.data_dir), course_root=args.course_root, caps=caps,
        check_changes=not args.accept_changed_submissions,
    )
    print("\n".join(collected.lines()))
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from customs_course.grading.autograde import autograde

    try:
        report = autograde(
            args.assignment,
            course_root=args.course_root,
            workers=args.workers,
            timeout=args.timeout,
            force=args.force,
            students=args.student or None,
            progress=not args.no_progress,
            sandbox=args.sandbox,
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: every student finished so far is saved; run the same command "
            "again to grade the rest",
            file=sys.stderr,
        )
        return 130
    counts = ", ".join(f"{n} {status}" for status, n in sorted(report.counts().items()))
    print(
        f"{args.assignment}: {len(report.outcomes)} graded now ({counts or 'none'}), "
        f"{len(report.skipped)} unchanged since their last grading, "
        f"{report.workers} workers, sandbox {report.sandbox}, {report.seconds:.1f} s"
    )
    for outcome in report.outcomes:
        if outcome.reason:
            print(f"  {outcome.student}: {outcome.status}: {outcome.reason}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from customs_course.grading.feedback import generate_feedback

    pages = generate_feedback(
        args.assignment, course_root=args.course_root, students=args.student or None
    )
    folders = sorted({str(page.parents[2]) for page in pages})
    print(f"{len(pages)} feedback pages written under {', '.join(folders)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from customs_course.grading.export import export_grades

    export = export_grades(args.assignment, course_root=args.course_root, out_dir=args.out)
    print(export.text)
    print(f"grades: {export.grades}\nsummary: {export.summary} and {export.questions}")
    print(f"plot: {export.plot}")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from customs_course.grading.simulate import simulate_class

    simulated = simulate_class(
        args.assignment, args.out_dir, course_root=args.course_root, n_students=args.students
    )
    print(f"roster: {simulated.roster}\nsubmissions: {simulated.folder} and {simulated.zip}")
    print(f"what each student did: {simulated.roster.parent / 'scenarios.csv'}")
    return 0


def positive_seconds(text: str) -> float:
    """argparse type: a number of seconds above 0 (fractions allowed)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 (for example 20 or 0.5)"
        )
    return seconds


def add_grade_group(groups) -> None:
    """Add the ``grade`` group to the CLI's subparsers ``groups``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--course-root",
        type=Path,
        default=None,
        help="folder holding solutions/ and grading/ (default: this checkout)",
    )
    common.add_argument(
        "--verbose", "-v", action="store_true",
        help="log what the grader does (workers, sandboxes, each student's time) on stderr",
    )
    grade = groups.add_parser(
        "grade", help="grade submissions (nbgrader): roster, collect, autograde, feedback, export"
    )
    cmds = grade.add_subparsers(dest="command", required=True)

    roster = cmds.add_parser("import-roster", parents=[common], help="record the class roster")
    roster.add_argument("roster", type=Path, help="CSV file with a student_id column")
    roster.set_defaults(func=_import_roster)

    collect = cmds.add_parser(
        "collect", parents=[common], help="archive a folder or zip of submissions"
    )
    collect.add_argument("assignment", help="assignment id, e.g. level2_first_look")
    collect.add_argument("source", type=Path, nargs="?", default=None,
                         help="folder or .zip as the LMS or inbox gave it")
    collect.add_argument(
        "--from-exchange", action="store_true",
        help="collect from the class hub's nbgrader exchange instead (course root: "
        "<data dir>/course unless --course-root)",
    )
    collect.add_argument(
        "--accept-changed-submissions", action="store_true",
        help="with --from-exchange: also collect submissions changed after the time they claim "
        "(only after restoring the exchange from a backup, which changes every file's time)",
    )
    collect.add_argument("--data-dir", type=Path, default=None,
                         help="with --from-exchange: the hub's data folder (default: "
                         "$CUSTOMS_HUB_DATA, set in the hub's terminals)")
    for cap, what in (("entry", "each file"), ("student", "each student"), ("total", "the run")):
        collect.add_argument(
            f"--max-{cap}-mb",
            type=float,
            default=None,
            help=f"size cap of {what}, MB (default: c.Collect.max_{cap}_mb, see grading/README.md)",
        )
    collect.set_defaults(func=_collect)

    auto = cmds.add_parser(
        "autograde", parents=[common], help="autograde every student, in parallel, resumably"
    )
    auto.add_argument("assignment")
    auto.add_argument("--workers", type=int, default=None, help="parallel workers (default: cores)")
    auto.add_argument(
        "--timeout", type=positive_seconds, default=None,
        help="per-cell timeout in seconds, fractions allowed (default: the nbgrader "
        "configuration's ExecutePreprocessor.timeout, 120 in this course)",
    )
    auto.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    auto.add_argument("--student", action="append", help="grade only this student (repeatable)")
    auto.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    auto.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "off"),
        default=None,
        help="where student code runs: auto or bwrap (bubblewrap; without a working "
        "bubblewrap grading is refused; auto is the default, or c.Sandbox.mode of the nbgrader "
        "configuration) or off (NO isolation, resource limits only: only when asked for)",
    )
    auto.set_defaults(func=_autograde)

    feedback = cmds.add_parser("feedback", parents=[common], help="write HTML feedback")
    feedback.add_argument("assignment")
    feedback.add_argument("--student", action="append", help="only this student (repeatable)")
    feedback.set_defaults(func=_feedback)

    export = cmds.add_parser(
        "export", parents=[common], help="grades CSV for the LMS, summary table and plot"
    )
    export.add_argument("assignment")
    export.add_argument("--out", type=Path, default=None, help="default: grading/exports/<id>/")
    export.set_defaults(func=_export)

    simulate = cmds.add_parser(
        "simulate", parents=[common], help="write a simulated class to try the workflow on"
    )
    simulate.add_argument("assignment")
    simulate.add_argument("out_dir", type=Path, help="folder for roster.csv and submissions")
    simulate.add_argument("--students", type=int, default=None, help="default: one per case")
    simulate.set_defaults(func=_simulate)
