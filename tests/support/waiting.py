"""Waiting, in a stand-in server, for the bot to have sent enough messages."""

from __future__ import annotations

import asyncio
import time
from typing import Any


class SentLog:
    """A list of what the bot sent, and a condition to wait on as it grows."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self._changed = asyncio.Condition()

    async def wait_sent(self, count: int, within: float = 10) -> list[Any]:
        """Until at least ``count`` messages were sent in total, or fail after ``within`` s."""
        deadline = time.monotonic() + within
        async with self._changed:
            while len(self.sent) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"bot sent {len(self.sent)} messages, wanted {count}")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    continue
        return self.sent

    async def ask(self, coro, within: float = 10) -> Any:  # type: ignore[no-untyped-def]
        """Do something as the user and return the bot's next message."""
        before = len(self.sent)
        await coro
        await self.wait_sent(before + 1, within)
        return self.sent[before]
