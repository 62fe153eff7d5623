"""Command-line interface: ``customs-course <group> <command>``.

A thin layer over importable functions; each command imports its stage lazily so that
``customs-course --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path


def _datasets_build(args: argparse.Namespace) -> int:
    from customs_course.datasets import build_editions

    manifest = build_editions(editions=tuple(args.edition), formats=tuple(args.format))
    print(f"Sandbox datasets written; checksums in {manifest}")
    return 0


def _datasets_calibrate(args: argparse.Namespace) -> int:
    from customs_course.calibration import calibration_report

    report, passed = calibration_report(args.edition, args.data_dir, args.seeds)
    print(report)
    return 0 if passed else 1


def _assignments_generate(args: argparse.Namespace) -> int:
    from customs_course.assignments import generate_student_versions

    written = generate_student_versions(args.assignment or None)
    for path in written:
        print(f"student version: {path}")
    return 0


def _selfcheck_update(args: argparse.Namespace) -> int:
    from customs_course.selfcheck import update_hashes

    changed = update_hashes()
    print(f"updated {len(changed)} self-check hashes: {', '.join(changed) or 'none changed'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="customs-course", description="Tools of the Customs data analytics course."
    )
    groups = parser.add_subparsers(dest="group", required=True)

    datasets = groups.add_parser("datasets", help="sandbox datasets")
    datasets_cmds = datasets.add_subparsers(dest="command", required=True)
    build = datasets_cmds.add_parser("build", help="generate the standard editions")
    build.add_argument(
        "--edition",
        action="append",
        choices=["small", "medium", "large"],
        help="edition to build (repeatable; default: small and medium)",
    )
    build.add_argument(
        "--format",
        action="append",
        choices=["parquet", "csv"],
        help="file format (repeatable; default: parquet and csv)",
    )
    build.set_defaults(func=_datasets_build, edition=None, format=None)
    calibrate = datasets_cmds.add_parser(
        "calibrate", help="measure an edition against the targets of issue 13 (exit 1 if missed)"
    )
    calibrate.add_argument("--edition", choices=["small", "medium", "large"], default="medium")
    calibrate.add_argument("--data-dir", type=Path, default=None,
                           help="folder holding the datasets (default: the course's data folder)")
    calibrate.add_argument("--seeds", type=int, nargs="+", default=[], metavar="SEED",
                           help="also make tables of the edition's size with these seeds and "
                                "show each figure's range over them (about 20 s a seed for the "
                                "medium edition; only the edition itself is judged)")
    calibrate.set_defaults(func=_datasets_calibrate)

    assignments = groups.add_parser("assignments", help="graded assignments (nbgrader)")
    assignments_cmds = assignments.add_subparsers(dest="command", required=True)
    generate = assignments_cmds.add_parser(
        "generate", help="write the student versions in exercises/ from solutions/"
    )
    generate.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    generate.set_defaults(func=_assignments_generate)

    selfcheck = groups.add_parser("selfcheck", help="learners' self-check questions")
    selfcheck_cmds = selfcheck.add_subparsers(dest="command", required=True)
    update = selfcheck_cmds.add_parser(
        "update", help="recompute the stored answer hashes from grading/selfcheck/"
    )
    update.set_defaults(func=_selfcheck_update)

    from customs_course.grading.commands import add_grade_group  # argparse only: stays fast

    add_grade_group(groups)
    from customs_course.pilot.cli import add_pilot_group

    add_pilot_group(groups)

    from customs_course.kit import add_start_command  # argparse only: stays fast

    add_start_command(groups)

    from customs_course.hub.commands import add_hub_group  # argparse only: stays fast

    add_hub_group(groups)
    return parser


def configure_logging(verbose: bool) -> None:
    """Diagnostics of the course's code on stderr: warnings, or everything with --verbose."""
    logger = logging.getLogger("customs_course")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(getattr(args, "verbose", False))
    if getattr(args, "edition", None) is None and args.group == "datasets":
        args.edition = ["small", "medium"]
    if getattr(args, "format", None) is None and args.group == "datasets":
        args.format = ["parquet", "csv"]
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
