"""Is collect safe on a hostile upload: links, zip bombs, lying zips, escapes, bad timestamps?"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import struct
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import pytest
from course_helpers import answered_ps1

from customs_course.cli import main
from customs_course.grading.course import GradingCourse, GradingError
from customs_course.grading.intake import collect_submissions
from customs_course.grading.unpack import MB, Refused, printable, spool

IDS = ["s01", "s02", "s03", "s04", "s05", "s06"]
MiB = 1 << 20


@pytest.fixture
def course(rostered_ps1):
    return rostered_ps1


@pytest.fixture
def grading(course):
    return GradingCourse.open(course)


def submitted(grading, student: str) -> list[str]:
    folder = grading.submission_dir(student, "ps1")
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def archived_hashes(grading) -> set[str]:
    originals = grading.intake("ps1") / "originals"
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in originals.rglob("*") if p.is_file()}


def refusals(report) -> dict[str, str]:
    return dict(report.refused)


def bytes_written(grading) -> int:
    folders = [grading.intake("ps1"), grading.folder("submitted")]
    return sum(p.stat().st_size for f in folders for p in f.rglob("*") if p.is_file())


# --- links and special files ---------------------------------------------------------------


def test_are_links_fifos_and_hard_links_in_a_folder_refused_and_never_followed(
    course, grading, tmp_path, nb
):
    instructor = tmp_path / "instructor"
    instructor.mkdir()
    secret = instructor / "problem1.ipynb"
    secret.write_bytes(answered_ps1(nb, "the instructor's solution"))
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "s01_problem1.ipynb").write_bytes(answered_ps1(nb, "honest"))
    (upload / "s02_problem1.ipynb").symlink_to(secret)
    (upload / "s03").symlink_to(instructor, target_is_directory=True)
    os.mkfifo(upload / "s04_problem1.ipynb")
    os.link(secret, upload / "s05_problem1.ipynb")
    (upload / "s06_problem1.ipynb").symlink_to(tmp_path / "nowhere.ipynb")  # dangling

    report = collect_submissions("ps1", upload, course_root=course)

    assert [s for s, _ in report.new] == ["s01"]
    why = refusals(report)
    assert "symbolic link" in why["s02_problem1.ipynb"]
    assert "symbolic link to a folder" in why["s03"]
    assert "fifo" in why["s04_problem1.ipynb"]
    assert "hard link" in why["s05_problem1.ipynb"]
    assert "symbolic link" in why["s06_problem1.ipynb"]
    assert hashlib.sha256(secret.read_bytes()).hexdigest() not in archived_hashes(grading)
    assert all(submitted(grading, s) == [] for s in ["s02", "s03", "s04", "s05", "s06"])
    assert any(line.startswith("  refused: s02_problem1.ipynb: ") for line in report.lines())


def test_are_link_and_device_entries_of_a_zip_refused(course, grading, tmp_path, nb):
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as z:
        z.writestr("s01/problem1.ipynb", answered_ps1(nb, "honest"))
        for name, kind in [
            ("s02/problem1.ipynb", stat.S_IFLNK),
            ("s03/problem1.ipynb", stat.S_IFIFO),
        ]:
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix
            info.external_attr = (kind | 0o777) << 16
            z.writestr(info, "../../solutions/ps1/problem1.ipynb")

    report = collect_submissions("ps1", upload, course_root=course)

    assert [s for s, _ in report.new] == ["s01"]
    assert "symbolic link" in refusals(report)["s02/problem1.ipynb"]
    assert "not a plain file" in refusals(report)["s03/problem1.ipynb"]
    assert submitted(grading, "s02") == submitted(grading, "s03") == []


# --- sizes -----------------------------------------------------------------------------------


def zeros_zip(path: Path, entries: list[tuple[str, bytes | int]]) -> Path:
    """Write a deflated zip; an int entry is that many zero bytes, written in 1 MiB chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries:
            if isinstance(content, bytes):
                z.writestr(name, content)
                continue
            with z.open(name, "w") as out:
                for start in range(0, content, MiB):
                    out.write(bytes(min(MiB, content - start)))
    return path


def lie_about_size(path: Path, declared: int) -> None:
    """Make the zip's last entry declare ``declared`` bytes, in its local and central headers."""
    data = bytearray(path.read_bytes())
    last = zipfile.ZipFile(path).infolist()[-1]
    struct.pack_into("<I", data, last.header_offset + 22, declared)
    struct.pack_into("<I", data, data.rindex(b"PK\x01\x02") + 24, declared)
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(path).infolist()[-1].file_size == declared


def collect_measured(course, upload, **kwargs):
    """Collect ``upload`` and return the report and the peak of Python's allocations."""
    collect_submissions("ps1", upload.parent / "empty", course_root=course)  # nbgrader set-up
    tracemalloc.start()
    try:
        report = collect_submissions("ps1", upload, course_root=course, **kwargs)
        return report, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def empty(tmp_path):
    (tmp_path / "empty").mkdir()


def test_are_zip_bombs_and_lying_zips_refused_with_little_memory_and_nothing_big_written(
    course, grading, tmp_path, nb, empty
):
    inner = zeros_zip(tmp_path / "s05.zip", [("problem1.ipynb", 15 * MB)])
    upload = zeros_zip(
        tmp_path / "upload.zip",
        [
            ("s01_problem1.ipynb", answered_ps1(nb, "honest")),
            ("s02_problem1.ipynb", 100 * MiB),  # declares 100 MiB: over the 20 MB file cap
            ("s03_problem1.ipynb", 15 * MB),  # under the cap, but compressed ~1000 to 1
            ("s05.zip", inner.read_bytes()),  # a bomb inside a nested zip
            ("s04_problem1.ipynb", 100 * MiB),  # declares 1000 bytes (below)
        ],
    )
    lie_about_size(upload, 1000)
    assert upload.stat().st_size < 2 * MB

    report, peak = collect_measured(course, upload)

    assert [s for s, _ in report.new] == ["s01"]
    why = refusals(report)
    assert (
        "over the per-file cap of 20 MB (c.Collect.max_entry_mb or --max-entry-mb)"
        in why["s02_problem1.ipynb"]
    )
    assert "zip bomb" in why["s03_problem1.ipynb"]
    assert "zip bomb" in why["s05.zip/problem1.ipynb"]
    assert "damaged zip entry" in why["s04_problem1.ipynb"]
    assert peak < 40 * MB, f"peak of Python allocations {peak / MB:.0f} MB"
    assert bytes_written(grading) < 1 * MB
    assert not list(grading.intake("ps1").glob(".spool-*"))  # the spool is cleaned up


def test_does_a_file_stop_being_read_past_its_cap_whatever_it_declared(tmp_path):
    class Endless(io.RawIOBase):
        reads = 0

        def readinto(self, buffer):
            self.reads += 1
            buffer[:] = bytes(len(buffer))
            return len(buffer)

    endless = Endless()
    with pytest.raises(Refused, match="more than 3.0 MB when read"):
        spool(endless, tmp_path, (3 * MB, "a cap"))
    assert endless.reads <= 4  # 1 MiB chunks: the cap plus one chunk at most
    assert list(tmp_path.iterdir()) == []  # the partial copy is deleted
    path, sha, size = spool(io.BytesIO(bytes(3 * MB)), tmp_path, (3 * MB, "a cap"))
    assert size == 3 * MB and path.stat().st_size == 3 * MB  # exactly the cap is accepted
    assert sha == hashlib.sha256(bytes(3 * MB)).hexdigest()


def test_are_the_caps_per_file_per_student_and_in_total_applied_at_their_boundary(
    course, grading, tmp_path
):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "s01_problem1.ipynb").write_bytes(b"a" * 500_000)  # exactly the file cap
    (upload / "s02_problem1.ipynb").write_bytes(b"b" * 500_001)  # one byte over it
    (upload / "s03_problem1.ipynb").write_bytes(b"c" * 400_000)
    (upload / "s03_problem1_v2.ipynb").write_bytes(b"d" * 400_000)  # s03 past 0.7 MB
    (upload / "s04_problem1.ipynb").write_bytes(b"e" * 400_001)  # 1 byte past the total cap
    caps = {"max_entry_mb": 0.5, "max_student_mb": 0.7, "max_total_mb": 1.3}

    report = collect_submissions("ps1", upload, course_root=course, caps=caps)

    assert sorted(s for s, _ in report.new) == ["s01", "s03"]
    why = refusals(report)
    assert "over the per-file cap of 0.5 MB" in why["s02_problem1.ipynb"]
    assert "what is left of s03's per-student cap of 0.7 MB" in why["s03_problem1_v2.ipynb"]
    assert "what is left of the total cap per collect of 1.3 MB" in why["s04_problem1.ipynb"]
    assert submitted(grading, "s01") == ["problem1.ipynb"]


def test_do_the_caps_come_from_the_nbgrader_configuration_and_the_command_line(
    course, tmp_path, capsys
):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "s01_problem1.ipynb").write_bytes(b"a" * 200_000)
    (course / "grading" / "nbgrader_config.py").write_text("c.Collect.max_entry_mb = 0.1\n")
    report = collect_submissions("ps1", upload, course_root=course)
    assert "per-file cap of 0.1 MB" in refusals(report)["s01_problem1.ipynb"]
    args = ["grade", "collect", "ps1", str(upload), "--course-root", str(course)]
    assert main([*args, "--max-entry-mb", "0.3"]) == 0
    assert "1 new" in capsys.readouterr().out


def test_is_a_zip_nested_one_level_collected_and_two_levels_refused(course, grading, tmp_path, nb):
    deepest = io.BytesIO()
    with zipfile.ZipFile(deepest, "w") as z:
        z.writestr("problem1.ipynb", answered_ps1(nb, "deep"))
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as z:
        z.writestr("inner.zip", deepest.getvalue())
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "s01.zip").write_bytes(deepest.getvalue())
    (upload / "s02.zip").write_bytes(middle.getvalue())
    (upload / "s03.zip").write_bytes(b"PK\x03\x04 not a zip")

    report = collect_submissions("ps1", upload, course_root=course)

    assert [s for s, _ in report.new] == ["s01"]
    assert "only one level of nesting" in refusals(report)["s02.zip/inner.zip"]
    assert "not a valid zip file" in refusals(report)["s03.zip"]


# --- names -----------------------------------------------------------------------------------

HOSTILE = [
    "s01_\x1b[2J\x1b]0;owned\x07problem1.ipynb",  # clear screen, set the terminal's title
    "s02_\u202ebnypi.1melborp.ipynb",  # right-to-left override
    "s01_problem1.ipynb",  # a second file of s01: the report names both
    "line\n  refused: x99_problem1.ipynb",  # a newline that would forge a report line
    "\x1b[31mnobody.ipynb",  # matches no student
]


def assert_printable(text: str) -> None:
    bad = [ch for ch in text if ch != "\n" and unicodedata.category(ch) in {"Cc", "Cf"}]
    assert not bad, f"raw control characters {bad!r} in {text!r}"


def test_are_control_characters_in_names_escaped_in_the_report_and_manifest(
    course, grading, tmp_path, nb, capsys
):
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for name in HOSTILE:
            z.writestr(name, answered_ps1(nb, name))
        z.writestr("s04\x1b[8m/notes.txt", b"ignored")
        link = zipfile.ZipInfo("s05\u202e/problem1.ipynb")
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")

    assert main(["grade", "collect", "ps1", str(upload), "--course-root", str(course)]) == 0
    out = capsys.readouterr().out

    assert_printable(out)
    lines = out.splitlines()
    assert len(lines) == 7, out  # the newline in a name forged no line
    assert not any(line.startswith("  refused: x99") for line in lines)
    assert "s01_\\x1b[2J\\x1b]0;owned\\x07problem1.ipynb" in out
    assert "ignored (not a notebook): s04\\x1b[8m/notes.txt" in out
    assert "refused: s05\\u202e/problem1.ipynb: a symbolic link" in out
    assert "not collected: \\x1b[31mnobody.ipynb" in out
    manifest = (grading.intake("ps1") / "manifest.jsonl").read_text().splitlines()
    files = {json.loads(line)["file"] for line in manifest}
    assert files == {printable(n) for n in HOSTILE} | {"s05\\u202e/problem1.ipynb"}
    for name in files:
        assert_printable(name)
    names = [p.name for p in (grading.intake("ps1") / "originals").rglob("*")]
    assert all(n.isascii() and n.isprintable() for n in names)


def test_are_folder_names_and_the_source_name_escaped(course, tmp_path, nb):
    upload = tmp_path / "up\x1b[2J"
    (upload / "s01\u202e").mkdir(parents=True)
    (upload / "s01\u202e" / "problem1.ipynb").write_bytes(answered_ps1(nb))
    report = collect_submissions("ps1", upload, course_root=course)
    assert report.new == [("s01", "s01\u202e/problem1.ipynb")]
    for line in report.lines():
        assert_printable(line)
    broken = tmp_path / "up\x1b[2J.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(GradingError) as raised:
        collect_submissions("ps1", broken, course_root=course)
    assert "up\\x1b[2J.zip: not a valid zip file" in str(raised.value)
    assert_printable(str(raised.value))


def test_does_printable_escape_what_a_terminal_would_act_on():
    assert (
        printable("a\x1b[1mb\u202ec\u200bd\r\n\x00\\")
        == "a\\x1b[1mb\\u202ec\\u200bd\\r\\n\\x00\\\\"
    )
    assert printable("Dôe, Jané_s01.ipynb") == "Dôe, Jané_s01.ipynb"  # letters stay letters
    assert printable("bad\udcff") == "bad\\udcff"  # an undecodable byte of a file name
