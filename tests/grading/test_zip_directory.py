"""Is a zip's table of contents measured before anything parses it, and too large a one refused?

``zipfile.ZipFile`` builds an object per entry as it opens a file: a hostile upload of empty
entries would exhaust the instructor's memory before the cap on entries could be checked.
These tests also pin the private ``zipfile`` function that ``zip_directory`` relies on.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from customs_course.grading import unpack as unpack_module
from customs_course.grading.unpack import CENTRAL_BYTES_PER_ENTRY, Collect, Refused, unpack
from customs_course.grading.zip_directory import central_directory_bytes

CENTRAL_HEADER = 46  # fixed part of a central directory entry (APPNOTE 4.3.12)


def write_zip(path, names, comment=b""):
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"")
        archive.comment = comment
    return path


def expected_size(path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(CENTRAL_HEADER + len(i.filename.encode()) + len(i.extra) + len(i.comment)
                   for i in archive.infolist())


@pytest.mark.parametrize("count", [1, 70_000], ids=["plain", "zip64 end record"])
def test_is_the_central_directory_measured_exactly(tmp_path, count):
    path = write_zip(tmp_path / "a.zip", [f"{i}.txt" for i in range(count)], comment=b"x" * 300)
    assert central_directory_bytes(path) == expected_size(path)
    with path.open("rb") as handle:  # a handle is left where it was
        handle.seek(7)
        assert central_directory_bytes(handle) == expected_size(path)
        assert handle.tell() == 7


def test_has_something_without_an_end_record_no_size():
    assert central_directory_bytes(io.BytesIO(b"not a zip at all" * 100)) is None


def test_is_an_oversized_table_of_contents_refused_before_zipfile_opens_it(
    tmp_path, monkeypatch
):
    limits = Collect(max_entries=3)
    names = [f"s{i:02d}_problem1.ipynb" for i in range(120)]
    upload = write_zip(tmp_path / "upload.zip", names)
    assert expected_size(upload) > 3 * CENTRAL_BYTES_PER_ENTRY

    def never(*args, **kwargs):
        raise AssertionError("ZipFile parsed a table of contents that should have been refused")

    monkeypatch.setattr(unpack_module.zipfile, "ZipFile", never)
    (tmp_path / "spool").mkdir()
    with pytest.raises(Refused, match="list of contents alone"):
        unpack(upload, tmp_path / "spool", limits=limits)


def test_is_a_directory_exactly_at_the_bound_opened_and_one_byte_over_refused(
    tmp_path, monkeypatch
):
    upload = write_zip(tmp_path / "upload.zip", [f"s{i:02d}_problem1.ipynb" for i in range(4)])
    size = expected_size(upload)
    monkeypatch.setattr(unpack_module, "CENTRAL_BYTES_PER_ENTRY", 1)  # the bound is max_entries
    (tmp_path / "spool").mkdir()
    found = unpack(upload, tmp_path / "spool", limits=Collect(max_entries=size))
    assert len(found.candidates) == 4
    with pytest.raises(Refused, match="list of contents alone"):
        unpack(upload, tmp_path / "spool", limits=Collect(max_entries=size - 1))


def test_is_a_small_directory_with_too_many_entries_refused_by_count(tmp_path):
    upload = write_zip(tmp_path / "upload.zip", [f"s{i:02d}_problem1.ipynb" for i in range(4)])
    (tmp_path / "spool").mkdir()
    with pytest.raises(Refused, match="4 entries, over the cap of 3"):
        unpack(upload, tmp_path / "spool", limits=Collect(max_entries=3))
    assert len(unpack(upload, tmp_path / "spool", limits=Collect(max_entries=4)).candidates) == 4
