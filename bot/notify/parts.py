"""How far a notice sent as several messages got, so that its retry sends only the rest.

Telegram and MAX have nothing like VK's random_id: a message sent twice is shown twice.
A notice whose second part failed (a network error, MAX or Telegram down) goes back to
the outbox and is tried again a little later; without this its first part would be sent
again. The memory is this worker's: a retry claimed by another worker, or after a
restart, sends the notice whole again (one repeated part rather than a part lost: the
outbox promises at least once). Kept only for the text it was made for, so a notice
rendered differently on its retry (the family's language changed) is sent whole.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict


class PartsSent:
    def __init__(self, capacity: int = 10_000) -> None:
        self._done: OrderedDict[int, tuple[bytes, int]] = OrderedDict()
        self._capacity = capacity

    @staticmethod
    def _digest(parts: list[str]) -> bytes:
        return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).digest()

    def sent(self, row_id: int, parts: list[str]) -> int:
        """How many of ``parts`` (from the first) were sent already."""
        got = self._done.get(row_id)
        if got is None or got[0] != self._digest(parts):
            return 0
        return min(got[1], len(parts))

    def advance(self, row_id: int, parts: list[str], count: int) -> None:
        self._done[row_id] = (self._digest(parts), count)
        self._done.move_to_end(row_id)
        while len(self._done) > self._capacity:
            self._done.popitem(last=False)

    def forget(self, row_id: int) -> None:
        self._done.pop(row_id, None)
