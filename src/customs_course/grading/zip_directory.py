"""The size of a zip file's central directory, read before :class:`zipfile.ZipFile` parses it.

``ZipFile`` builds one ``ZipInfo`` object per entry of the central directory as it opens a
file, so a hostile upload of a few hundred MB made of empty entries (46 bytes each) would cost
the instructor's machine gigabytes before any cap on the number of entries could be checked.
The end-of-central-directory record says how large the directory is; reading it needs
``zipfile``'s private ``_EndRecData`` (which also follows ZIP64 records), kept to this module
and pinned by ``tests/grading/test_zip_directory.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import BinaryIO


def central_directory_bytes(handle: BinaryIO | Path) -> int | None:
    """The central directory's size in bytes, as the end record gives it (None: no end record,
    which ``ZipFile`` will then refuse as not a zip file)."""
    if isinstance(handle, Path):
        with handle.open("rb") as file:
            return central_directory_bytes(file)
    position = handle.tell()
    try:
        end = zipfile._EndRecData(handle)
    finally:
        handle.seek(position)
    return None if end is None else int(end[zipfile._ECD_SIZE])
