"""The ``customs-course hub ...`` commands (argparse only here; each stage is imported lazily)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path


def _start(args: argparse.Namespace) -> int:
    from customs_course.hub.start import HubOptions, start_hub

    options = HubOptions(
        roster=args.roster, data_dir=args.data_dir, instructor=args.instructor,
        course=args.course, ip=args.ip, port=args.port, proxy=args.proxy,
        python=args.python, create_users=args.create_users, mem_limit=args.mem_limit,
        cpu_limit=args.cpu_limit,
        cull_idle_seconds=args.cull_idle_seconds,
    )
    start_hub(options)  # does not return: the process becomes JupyterHub
    return 0


def _stop(args: argparse.Namespace) -> int:
    from customs_course.hub.datadir import HubData
    from customs_course.hub.lifecycle import stop_class

    print(stop_class(HubData(args.data_dir.resolve())).line())
    return 0


def due_date(text: str) -> datetime:
    """argparse type: a due date in UTC, ``2026-12-01 17:00`` or ISO 8601."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time: write it as 2026-12-01 17:00 (UTC)") from None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _release(args: argparse.Namespace) -> int:
    from customs_course.hub.exchange import hub_data, release_assignment

    data = hub_data(args.data_dir)
    release_assignment(args.assignment, data, due=args.due, course_root=args.course_root)
    due = f", due {args.due:%Y-%m-%d %H:%M} UTC" if args.due else ", no due date"
    print(f"{args.assignment} released to the learners through {data.exchange}{due}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from customs_course.hub.exchange import hub_data, release_feedback

    released = release_feedback(args.assignment, hub_data(args.data_dir),
                                course_root=args.course_root)
    print(f"{args.assignment}: feedback released to {len(released)} learner(s): "
          f"{', '.join(released) or 'none'}; each fetches their own in the Assignment List")
    return 0


def add_hub_group(groups) -> None:
    """Add the ``hub`` group to the CLI's subparsers ``groups``."""
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data-dir", type=Path, default=None,
                      help="the hub's data folder (default: $CUSTOMS_HUB_DATA, set on the hub)")
    data.add_argument("--course-root", type=Path, default=None,
                      help="the instructor's course root (default: <data dir>/course)")
    hub = groups.add_parser("hub", help="a class hub on one server (JupyterHub + nbgrader)")
    cmds = hub.add_subparsers(dest="command", required=True)

    start = cmds.add_parser("start", help="start JupyterHub for a roster (as root)")
    start.add_argument("--roster", type=Path, required=True, help="CSV with a student_id column")
    start.add_argument("--data-dir", type=Path, default=Path("hub-data"),
                       help="folder for the hub's database, exchange and gradebook "
                       "(default: ./hub-data); back it up")
    start.add_argument("--instructor", default="instructor",
                       help="system user of the instructor, the hub's admin (default: instructor)")
    start.add_argument("--course", type=Path, default=Path.cwd(),
                       help="the course's folder, with solutions/, exercises/, modules/ and "
                       "node_modules/ (default: the current folder)")
    start.add_argument("--ip", default="127.0.0.1",
                       help="address to listen on (0.0.0.0 for the whole network; put TLS in "
                       "front, see the guide)")
    start.add_argument("--port", type=int, default=8000)
    start.add_argument("--proxy", type=Path, default=None,
                       help="configurable-http-proxy binary (default: node_modules/.bin/)")
    start.add_argument("--python", type=Path, default=None,
                       help="the Python that runs the users' servers, which every user must be "
                       "able to run (default: this one)")
    start.add_argument("--create-users", action="store_true",
                       help="create the missing system users (useradd, private homes)")
    start.add_argument("--mem-limit", default="2G",
                       help="memory of each process of a user's server (prlimit; default 2G)")
    start.add_argument("--cpu-limit", type=float, default=1.0,
                       help="CPUs advertised to each server (not enforced on one server)")
    start.add_argument("--cull-idle-seconds", type=int, default=3600,
                       help="stop a server idle this long (default 3600)")
    start.set_defaults(func=_start)

    stop = cmds.add_parser("stop", help="end the class: stop the hub, every learner's server "
                           "and the proxy (as root); to restart, stop the hub process only")
    stop.add_argument("--data-dir", type=Path, default=Path("hub-data"),
                      help="the data folder given to `hub start` (default: ./hub-data)")
    stop.set_defaults(func=_stop)

    release = cmds.add_parser("release", parents=[data],
                              help="release an assignment to the learners (the exchange)")
    release.add_argument("assignment")
    release.add_argument("--due", type=due_date, default=None,
                         help="due date, UTC (2026-12-01 17:00): later submissions are late")
    release.set_defaults(func=_release)

    feedback = cmds.add_parser("feedback", parents=[data],
                               help="write the feedback pages and release them to each learner")
    feedback.add_argument("assignment")
    feedback.set_defaults(func=_feedback)
