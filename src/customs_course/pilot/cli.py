"""`customs-course pilot ...`: the pilot kit's commands (argparse only; work imported lazily).

Exit codes: 0 done (warnings allowed), 1 blocking problems in the data, 2 a bad mapping, a
missing file or a refused overwrite.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_pilot_group"]


def _refused_overwrite(path: Path, force: bool, verb: str) -> bool:
    """Say so and return True when ``path`` exists and ``--force`` was not given."""
    if path.exists() and not force:
        print(f"error: {path} exists; choose another path, or add --force to {verb} it",
              file=sys.stderr)
        return True
    return False


def _template(args: argparse.Namespace) -> int:
    from customs_course.pilot.mapping import template_text

    path = Path(args.path)
    if _refused_overwrite(path, args.force, "overwrite"):
        return 2
    path.write_text(template_text(), encoding="utf-8")
    print(f"Mapping template written to {path}: fill in your column names, then run "
          f"`customs-course pilot check YOUR_FILE {path}`")
    return 0


def _check(args: argparse.Namespace) -> int:
    from customs_course.pilot.ingest import check_data, format_report

    result = check_data(args.data, args.mapping)
    print(format_report(result))
    return 1 if result.blocking else 0


def _map(args: argparse.Namespace) -> int:
    from customs_course.pilot.ingest import BlockingProblems, format_report, map_to_canonical

    out = Path(args.out)
    if _refused_overwrite(out, args.force, "replace"):
        return 2
    try:
        provenance = map_to_canonical(Path(args.data), Path(args.mapping), out)
    except BlockingProblems as exc:
        print(format_report(exc.result))
        print(f"Nothing written: {out} was not created.", file=sys.stderr)
        return 1
    record = out.with_name(f"{out.stem}.provenance.json")
    record.write_text(json.dumps(provenance, indent=2), encoding="utf-8")
    print(f"{provenance['rows_written']:,} lines written to {out} "
          f"({provenance['rows_dropped']:,} dropped, {len(provenance['problems'])} kinds of "
          f"problem: see `pilot check`); provenance (sha256 of file and mapping) in {record}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from customs_course.pilot.ingest import BlockingProblems, format_report, map_to_canonical
    from customs_course.pilot.run import PilotError, prepare_output, run_pilots

    out_dir = Path(args.out)
    canonical = out_dir / "declarations_canonical.parquet"
    try:  # refuse a folder in use before spending minutes on the mapping
        prepare_output(out_dir, force=args.force, canonical=canonical)
        provenance = map_to_canonical(Path(args.data), Path(args.mapping), canonical)
        report = run_pilots(canonical, out_dir, provenance, force=args.force)
    except BlockingProblems as exc:
        print(format_report(exc.result))
        return 1
    except PilotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Pilots run; report: {report}")
    return 0


def add_pilot_group(groups) -> None:
    """Add `pilot template|check|map|run` to the CLI's subparsers ``groups``."""
    pilot = groups.add_parser("pilot", help="pilot projects on your own declarations")
    commands = pilot.add_subparsers(dest="command", required=True)
    template = commands.add_parser("template", help="write the commented mapping template")
    template.add_argument("path", nargs="?", default="mapping.yml",
                          help="where to write it (default: mapping.yml)")
    template.add_argument("--force", action="store_true", help="overwrite an existing file")
    template.set_defaults(func=_template)
    for name, helptext, func in (
            ("check", "check a file against a mapping (nothing is changed)", _check),
            ("map", "write the file in the course's schema (Parquet)", _map),
            ("run", "map the file and run the pilots on it (notebooks and a report)", _run)):
        command = commands.add_parser(name, help=helptext)
        command.add_argument("data", help="your declarations file (CSV or Parquet)")
        command.add_argument("mapping", help="the mapping file (YAML; see `pilot template`)")
        if name != "check":
            command.add_argument("--out", required=True, help=(
                "the Parquet file to write" if name == "map" else "the folder to write into"))
            command.add_argument("--force", action="store_true",
                                 help="replace an earlier output")
        command.set_defaults(func=func)
