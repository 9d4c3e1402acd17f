"""An exception in a log line keeps its type and where it was raised, never its message:
a validation error repeats the input it refused (a child's name, a СНИЛС)."""

from __future__ import annotations

import io
import logging

from bot.logs import SafeFormatter


def test_an_exception_s_message_never_reaches_the_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("test.safe")
    logger.addHandler(handler)
    logger.propagate = False
    personal = "Иванова Мария, СНИЛС 112-233-445 95"  # as a validation error would repeat
    try:
        raise ValueError(personal)
    except ValueError:
        logger.exception("update failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "update failed" in text
    assert "ValueError (message withheld)" in text
    assert "test_logs.py" in text  # where it was raised is kept
    assert "Иванова" not in text and "112-233" not in text
