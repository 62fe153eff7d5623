"""A progress bar on stderr, written with plain carriage-return updates (no dependency).

On a terminal the bar redraws one line; in a log file (not a terminal) it writes one line per
finished item instead, so that CI logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class ProgressBar:
    """Count finished items and draw ``[#####.....] 12/40 ...`` on ``stream``.

    Parameters
    ----------
    total : int
        Number of items.
    label : str, default "graded"
        Word after the count.
    stream : TextIO, optional
        Where to write (default: ``sys.stderr``).
    enabled : bool, default True
        False draws nothing.
    """

    width = 30

    def __init__(
        self,
        total: int,
        *,
        label: str = "graded",
        stream: TextIO | None = None,
        enabled: bool = True,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.done = 0
        self.timed = 0  # items that took time: the estimate of the time left uses only these
        self.flagged = 0
        self.start = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if self.enabled and self.tty:
            self._draw("")

    def _line(self) -> str:
        filled = self.width * self.done // self.total
        elapsed = time.monotonic() - self.start
        left = elapsed / self.timed * (self.total - self.done) if self.timed else 0.0
        eta = f", ~{_clock(left)} left" if self.timed and self.done < self.total else ""
        flagged = f", {self.flagged} flagged" if self.flagged else ""
        return (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
            f"{self.label}{flagged} ({_clock(elapsed)}{eta})"
        )

    def _draw(self, note: str) -> None:
        if self.tty:
            self.stream.write("\r" + self._line() + "\x1b[K")
        else:
            self.stream.write(f"{self._line()}  {note}\n")
        self.stream.flush()

    def advance(self, note: str = "", *, flagged: bool = False, timed: bool = True) -> None:
        """Count one finished item (``flagged`` when its outcome needs a look; ``timed=False``
        when it took no time, such as a missing submission)."""
        self.done += 1
        self.timed += int(timed)
        self.flagged += int(flagged)
        if self.enabled:
            self._draw(note)

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
