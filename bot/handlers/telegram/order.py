"""The order of a person's answers on Telegram: a chat's line (its answers leave in the
order their events were handled, though the person's turn is given back before they are
sent), and the updates in hand that a stop lets finish (InFlight)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)


Release = Callable[[], Awaitable[Any]] | None


class InFlight:
    """The updates being handled now (counted by ``PerUserOrder``). aiogram handles each
    polled update in a task of its own and does not wait for them when polling stops; a
    stop waits for them here so that an answer half-way is sent and only then the bot's
    HTTP session closes (an answer sent after the close would open a session that nobody
    closes)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def drain(self, grace: float) -> None:
        """Let the updates in hand finish for up to ``grace`` seconds, then cancel the rest
        (their unit of work rolls back, so nothing is half-written) and wait for them."""
        pending = self.tasks - {asyncio.current_task()}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            logger.warning("%d updates were still in hand after %s s: cancelled", len(late), grace)
            await asyncio.gather(*late, return_exceptions=True)


class SendOrder:
    """One chat's answers leave in the order their events were handled, though the
    person's turn is given back before they are sent: each answer takes its place in the
    chat's line at once (while the turn is still held) and waits there for the one before
    it. In one process; across replicas the person's turn alone orders the handling."""

    def __init__(self) -> None:
        self._tails: dict[int, asyncio.Future[None]] = {}

    def place(self, chat_id: int, release: Callable[[], Awaitable[Any]] | None = None) -> _Place:
        """``async with order.place(chat, release):`` the chat's next place, the person's
        turn given back once it is taken, entered when the answer before it has left."""
        return _Place(self._tails, chat_id, release)

    def __len__(self) -> int:
        return len(self._tails)


class _Place:
    """A place in a chat's line (``SendOrder.place``): a plain async context manager, not
    a generator's (issue 30: a few µs of every update)."""

    __slots__ = ("_chat", "_mine", "_release", "_tails")

    def __init__(
        self,
        tails: dict[int, asyncio.Future[None]],
        chat_id: int,
        release: Callable[[], Awaitable[Any]] | None,
    ) -> None:
        self._tails = tails
        self._chat = chat_id
        self._release = release
        self._mine: asyncio.Future[None] | None = None

    async def __aenter__(self) -> None:
        tails, chat = self._tails, self._chat
        before = tails.get(chat)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._mine = tails[chat] = mine
        try:
            if self._release is not None:
                await self._release()
            if before is not None and not before.done():
                await asyncio.wait({before})  # never cancels the one before
        except BaseException:
            self._leave()
            raise

    async def __aexit__(self, *_: object) -> None:
        self._leave()

    def _leave(self) -> None:
        mine = self._mine
        if mine is None or mine.done():
            return
        mine.set_result(None)
        if self._tails.get(self._chat) is mine:
            del self._tails[self._chat]
