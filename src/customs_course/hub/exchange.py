"""nbgrader's exchange on the class hub: release, collect into the course's intake, feedback.

- :func:`release_assignment` records the assignment and its due date in the gradebook and
  releases the committed student version (``exercises/<id>/``) to the exchange's outbound.
- :func:`collect_from_exchange` feeds the exchange's inbound to the same intake as a zip
  (:func:`customs_course.grading.intake.collect_submissions`: links refused, sizes capped, every
  file archived), after vetting each submission folder: nbgrader names it
  ``<student>+<assignment>+<time>+<random>``, and a learner could name a folder after another
  learner, so a folder is accepted only when the system user named in it owns it. The time in
  ``timestamp.txt`` is kept, so autograde marks late submissions against the due date; of two
  submissions, the newer one is graded and both are archived. A learner owns their submission
  folder and could rewrite it, and its timestamp, after the deadline: a folder with a file
  changed (its ctime, which no user can set) more than :data:`CHANGE_TOLERANCE` seconds after
  the time it claims is refused (they may submit again, which is then late).
- A submission nbgrader's submit did not finish is not collected. Submit copies the notebooks
  into the inbound, then writes ``timestamp.txt``, then ``submission_secret.txt``; on a full disk
  (ENOSPC) it stops where the disk filled and leaves the folder as it was: a truncated notebook,
  an empty or missing timestamp or secret. Such a folder is reported by student with what to
  do, the student's earlier complete submission stays the one graded, nothing is deleted.
  A collect that fills the course's own disk stops with a message; it only reads the exchange,
  and run again once there is room it completes what was missing.
- :func:`release_feedback` writes the course's sanitised feedback pages, then releases them with
  nbgrader's ``release_feedback``: each page is named by a hash of the submission's secret, which
  only the submitting learner holds, so each learner fetches their own and no one else's.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.intake import CollectReport, collect_submissions, read_timestamp
from customs_course.grading.unpack import TIMESTAMP_FILE, Candidate, Refused, printable
from customs_course.hub.datadir import HubData

SECRET_FILE = "submission_secret.txt"  # written by nbgrader's submit since 0.9
SECRET = re.compile(r"[0-9a-f]{16,256}")
HUB_DATA_ENV = "CUSTOMS_HUB_DATA"  # set in every hub server's environment
NOTEBOOK_CHECK_BYTES = 64 << 20  # a bigger notebook is left to the intake's size caps
CHANGE_TOLERANCE = 300  # seconds between nbgrader's timestamp and its last write of the folder


def hub_data(data_dir: Path | str | None) -> HubData:
    """The hub's data folder: ``data_dir``, or $CUSTOMS_HUB_DATA in a hub terminal."""
    chosen = data_dir or os.environ.get(HUB_DATA_ENV)
    if not chosen:
        raise GradingError(
            "No hub data folder: pass --data-dir (the folder given to `customs-course hub "
            f"start`), or run the command in a terminal of the hub, where ${HUB_DATA_ENV} is set."
        )
    data = HubData(Path(chosen).resolve())
    if not (data.course_exchange / "inbound").is_dir():
        raise GradingError(
            f"{data.root} holds no exchange (no {data.course_exchange / 'inbound'}): is it the "
            "data folder of `customs-course hub start`?"
        )
    return data


def exchange_config(course: GradingCourse, data: HubData):
    return course.nbgrader_config(Exchange={"root": str(data.exchange)})


def release_assignment(
    assignment: str, data: HubData, *, due: datetime | None, course_root: Path | None = None
) -> None:
    """Record ``assignment`` (and its due date, UTC) and release it to the exchange."""
    from customs_course.grading.layout import prepare_assignment

    course = GradingCourse.open(course_root or data.course)
    prepare_assignment(course, assignment)
    if not (course.root / "exercises" / assignment).is_dir():
        raise GradingError(
            f"No student version {course.root / 'exercises' / assignment}: generate it "
            "(customs-course assignments generate) and copy it there."
        )
    with course.gradebook() as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=due)
    config = exchange_config(course, data)
    config.ExchangeReleaseAssignment.force = True  # a new due date or a corrected version
    result = course.api(config).release_assignment(assignment)
    if not result["success"]:
        raise GradingError(f"nbgrader could not release {assignment}: {result.get('error', '')}"
                           f"{result.get('log', '')}")


@dataclass(frozen=True)
class InboundFolder:
    """A submission folder of nbgrader's inbound, as named and owned."""

    name: str
    student: str
    assignment: str


def parse_folder(name: str) -> InboundFolder | None:
    """``<student>+<assignment>+<time>[+<random>]``, or None when the name is not nbgrader's."""
    parts = name.split("+")
    if len(parts) not in (3, 4) or not all(parts[:3]):
        return None
    return InboundFolder(name, parts[0], parts[1])


def owner_name(path: Path) -> str | None:
    try:
        return pwd.getpwuid(path.lstat().st_uid).pw_name
    except (KeyError, OSError):
        return None


def changed_after_submission(folder: Path) -> str | None:
    """Why ``folder`` was changed after the time its timestamp.txt claims, or None."""
    from datetime import UTC

    from nbgrader.utils import parse_utc

    try:
        claimed = parse_utc(_read_small(folder / TIMESTAMP_FILE).decode("ascii").strip())
    except (OSError, UnicodeDecodeError, ValueError, OverflowError, TypeError):
        return None  # no readable time: the intake says so, and nothing can be late
    latest = max(os.lstat(os.path.join(here, name)).st_ctime
                 for here, dirs, files in os.walk(folder) for name in [*dirs, *files, "."])
    if latest <= claimed.replace(tzinfo=UTC).timestamp() + CHANGE_TOLERANCE:
        return None
    changed = datetime.fromtimestamp(latest, UTC)
    return (f"changed on {changed:%Y-%m-%d %H:%M:%S} UTC, after the time it claims "
            f"({claimed:%Y-%m-%d %H:%M:%S} UTC): not collected; the learner may submit again")


def unfinished(folder: Path) -> str | None:
    """Why nbgrader's submit did not finish writing ``folder`` (a full disk...), or None."""
    from nbgrader.utils import parse_utc

    try:
        parse_utc(_read_small(folder / TIMESTAMP_FILE).decode("ascii").strip())
    except (OSError, UnicodeDecodeError, ValueError, OverflowError, TypeError):
        return "its timestamp.txt is missing, empty or unreadable"
    try:
        secret = _read_small(folder / SECRET_FILE).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        secret = ""
    if not SECRET.fullmatch(secret):
        return f"its {SECRET_FILE}, which nbgrader writes last, is missing or empty"
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(here) / name
            if name.endswith(".ipynb") and not name.startswith(".") and path.is_file() \
                    and not path.is_symlink() and path.stat().st_size <= NOTEBOOK_CHECK_BYTES:
                try:
                    json.loads(_read_small(path, NOTEBOOK_CHECK_BYTES))
                except (OSError, ValueError):
                    return f"{path.relative_to(folder)} is truncated or unreadable"
    return None


class Screen:
    """``screen(label)`` for the intake: skip other assignments, refuse forged and unfinished
    submission folders (kept in :attr:`incomplete`: folder name, student, why)."""

    def __init__(self, inbound: Path, assignment: str, roster: set[str], check_changes=True):
        self.inbound, self.assignment, self.roster = inbound, assignment, roster
        self.check_changes = check_changes
        self.verdicts: dict[str, str | None] = {}
        self.incomplete: list[tuple[str, str, str]] = []

    def verdict(self, top: str) -> str | None:
        if top not in self.verdicts:
            self.verdicts[top] = self._judge(top)
        return self.verdicts[top]

    def _judge(self, top: str) -> str | None:
        folder = parse_folder(top)
        if folder is None:
            return "not a submission folder of nbgrader's exchange: not collected"
        if folder.assignment != self.assignment:
            return ""  # another assignment's submission: not this collect's business
        if folder.student not in self.roster:
            return f"named after {folder.student!r}, who is not on the roster: not collected"
        owner = owner_name(self.inbound / top)
        if owner != folder.student:
            return (f"named after {folder.student} but written by {owner or 'an unknown user'}: "
                    "a forged submission, not collected")
        why = unfinished(self.inbound / top)
        if why:
            self.incomplete.append((top, folder.student, why))
            return f"an incomplete submission of {folder.student} ({why}): not collected"
        return changed_after_submission(self.inbound / top) if self.check_changes else None

    def __call__(self, label: str) -> str | None:
        return self.verdict(PurePosixPath(label).parts[0])


def make_screen(inbound: Path, assignment: str, roster: set[str], *, check_changes=True):
    """``screen(label)`` for the intake: skip other assignments, refuse forged, unfinished and
    rewritten submission folders (:class:`Screen`)."""
    return Screen(inbound, assignment, roster, check_changes)


@dataclass
class ExchangeCollect:
    """What :func:`collect_from_exchange` did: the intake's report and the kept secrets."""

    report: CollectReport
    secrets: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # a line per unfinished submission

    def lines(self) -> list[str]:
        return [*self.report.lines(), *self.incomplete,
                f"  feedback can be released to {len(self.secrets)} student(s) "
                "(their submission secret is kept)"]


def collect_from_exchange(
    assignment: str, data: HubData, *, course_root: Path | None = None,
    caps: dict[str, float] | None = None, check_changes: bool = True,
) -> ExchangeCollect:
    """Collect every submission of ``assignment`` from the hub's exchange into the intake.

    ``check_changes=False`` accepts folders changed after their submission time: only after
    restoring the exchange from a backup, which gives every file the time of the restore.
    """
    course = GradingCourse.open(course_root or data.course)
    inbound = data.course_exchange / "inbound"
    roster = set(course.student_ids())
    screen = make_screen(inbound, assignment, roster, check_changes=check_changes)
    try:
        report = collect_submissions(assignment, inbound, course_root=course.root, caps=caps,
                                     screen=screen)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise GradingError(
            f"The disk of the course folder {course.root} is full ({error.strerror}) while "
            f"collecting {assignment}. Nothing in the exchange was changed or removed, and each "
            "submission collected so far is complete; free some space (df -h "
            f"{course.root}) and run the same command again: it collects the rest."
        ) from None
    for entry in sorted(os.listdir(inbound)):  # unfinished folders with no file at all
        screen.verdict(entry)
    result = ExchangeCollect(report, incomplete=incomplete_lines(course, assignment, screen))
    for student, when in sorted(report.timestamps.items()):
        if _keep_secret(course, inbound, assignment, student, when):
            result.secrets.append(student)
    return result


def incomplete_lines(course: GradingCourse, assignment: str, screen: Screen) -> list[str]:
    """A line per unfinished submission: whose, why, what is graded instead, what to do."""
    lines = []
    for top, student, why in sorted(screen.incomplete, key=lambda item: (item[1], item[0])):
        kept = sorted(course.submission_dir(student, assignment).glob("*.ipynb"))
        instead = (f"{student}'s earlier complete submission stays the one graded" if kept else
                   f"{student} has no complete submission collected")
        lines.append(
            f"  incomplete submission of {student}: {printable(top)}: {why}; nbgrader's submit "
            f"stopped before it finished (a full disk?). Not collected and not deleted: "
            f"{instead}. Ask {student} to submit again once the exchange's disk has room "
            "(df -h on the data folder)."
        )
    return lines


def _read_small(path: Path, limit: int = 1024) -> bytes:
    """Read a file a learner wrote: never through a link, at most ``limit`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not os.path.isfile(path) or os.fstat(fd).st_nlink > 1:
            raise OSError("not a plain file")
        return handle.read(limit + 1)


def _keep_secret(course, inbound: Path, assignment: str, student: str, when: datetime) -> bool:
    """Copy the secret of the submission whose time was kept, beside the collected notebook."""
    for folder in sorted(inbound.glob(f"{student}+{assignment}+*")):
        try:
            raw = _read_small(folder / TIMESTAMP_FILE)
            item = Candidate(TIMESTAMP_FILE, folder / TIMESTAMP_FILE, "", len(raw), 0.0)
            if read_timestamp(item, student) != when or owner_name(folder) != student:
                continue
            secret = _read_small(folder / SECRET_FILE).decode("ascii").strip()
        except (OSError, UnicodeDecodeError, Refused):
            continue
        if not SECRET.fullmatch(secret):
            return False
        target = course.submission_dir(student, assignment) / SECRET_FILE
        if target.exists():
            os.chmod(target, 0o644)
        target.write_text(secret, encoding="ascii")
        os.chmod(target, 0o444)
        return True
    return False


def release_feedback(
    assignment: str, data: HubData, *, course_root: Path | None = None
) -> list[str]:
    """Write the feedback pages and release them through the exchange; return the students.

    Only students whose submission came through the exchange (its secret was kept) get their
    page released; the others' pages stay in ``grading/feedback/`` for the instructor to send.
    """
    import shutil

    from customs_course.grading.feedback import generate_feedback

    course = GradingCourse.open(course_root or data.course)
    generate_feedback(assignment, course_root=course.root)
    released, withheld = [], []
    for student in course.student_ids():
        pages = course.folder("feedback") / student / assignment
        submitted = course.submission_dir(student, assignment)
        if not pages.is_dir():
            continue
        if not (submitted / SECRET_FILE).is_file() or not (submitted / TIMESTAMP_FILE).is_file():
            withheld.append(student)
            continue
        for name in (SECRET_FILE, TIMESTAMP_FILE):
            target = pages / name
            if target.exists():
                os.chmod(target, 0o644)
            shutil.copyfile(submitted / name, target)
        released.append(student)
    if not released:
        return []
    config = exchange_config(course, data)
    config.CourseDirectory.student_id_exclude = ",".join(withheld)
    result = course.api(config).release_feedback(assignment)
    if not result["success"]:
        raise GradingError(f"nbgrader could not release the feedback of {assignment}: "
                           f"{printable(str(result.get('error', '')))}{result.get('log', '')}")
    return released
