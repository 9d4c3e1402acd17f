"""Log formatting that keeps personal data out: an exception is logged with its type and
where it was raised, never its message (a validation error repeats the input it refused:
a child's name, a СНИЛС)."""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def safe_exception(ei: ExcInfo) -> str:
    kind, _, tb = ei
    frames = "".join(traceback.format_tb(tb))
    return f"Traceback (most recent call last):\n{frames}{kind.__name__} (message withheld)"


class SafeFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:  # type: ignore[override]
        return safe_exception(ei)
