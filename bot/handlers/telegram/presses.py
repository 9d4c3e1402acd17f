"""A button press on Telegram: answered (its progress bar stopped) within ``ACK_WITHIN``
whether its screen is ready or not, and answered past the engine's deadline while its step
goes on in the update's own task (``late_answer``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import CallbackQuery

from bot.dialogs.engine import Engine, Reply
from bot.dialogs.events import Event
from bot.handlers.telegram.order import InFlight, Release
from bot.handlers.telegram.replies import Replies

logger = logging.getLogger(__name__)


async def answer_press(callback: CallbackQuery, toast: str | None) -> None:
    """Stop the press's progress bar ("the client will display a progress bar until you
    call answerCallbackQuery", Bot API). Not a message: no chat's pacing holds it, and
    Telegram states no budget for it. Telegram refuses an answer that comes late ("query
    is too old and response timeout expired or query ID is invalid", about 15 s after the
    press) and may refuse it otherwise: the screen goes all the same, the action behind the
    press having been saved already."""
    try:
        await callback.answer(toast)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.info("a button press was not answered (%s): its screen goes anyway", exc)


ACK_WITHIN = 0.25  # seconds: a press's progress bar stops by then, its screen ready or not


_EARLY: set[asyncio.Task[None]] = set()  # presses answered before their screen was ready
_LATE: set[asyncio.Task[None]] = set()  # apologies sent past the deadline (handle_here)


class Late(Protocol):
    """Sends an apology past the deadline (``late_answer``), after ``first`` if given."""

    def __call__(self, apology: Reply, first: asyncio.Task[None] | None = None) -> None: ...


def late_answer(
    replies: Replies,
    chat_id: int,
    release: Release,
    in_flight: InFlight | None,
) -> Late:
    """What answers a person past the engine's deadline while their step goes on in the
    update's task (``Engine.handle_here``): a task of its own, made only then, that takes
    the chat's next place, gives the person's turn back (their next messages are not held
    behind a hung one) and sends the apology, after the press's answer when there is one.
    Counted among the updates in hand, so that a stop lets it finish."""

    def late(apology: Reply, first: asyncio.Task[None] | None = None) -> None:
        async def send() -> None:
            if first is not None:
                await first  # the press's answer, then its screen
            async with replies.order.place(chat_id, release):
                await replies.deliver(chat_id, apology)

        task = asyncio.ensure_future(send())
        _LATE.add(task)
        task.add_done_callback(_LATE.discard)
        if in_flight is not None:
            in_flight.tasks.add(task)
            task.add_done_callback(in_flight.tasks.discard)

    return late


async def handle_press(
    engine: Engine, event: Event, callback: CallbackQuery, late: Late | None = None
) -> Reply | None:
    """The press's screen, the press answered as soon as the screen is known or after
    ``ACK_WITHIN``, whichever comes first: a person sees their press taken within a second
    however long the screen takes to build (a busy database) or to send (the reply queue,
    which the answer never joins). Answered early, the press gets no toast: the screen
    itself says what a toast would have (a stale button's notice heads it). A timer, not
    a task: most screens are ready well before it (issue 30).

    With ``late``, the step runs in this task (``Engine.handle_here``): past the deadline
    the press is answered if it was not yet, ``late`` sends the apology after that
    answer, and None is returned (nothing more to send)."""
    early: list[asyncio.Task[None]] = []

    def answer_early() -> None:
        task = asyncio.ensure_future(answer_press(callback, None))
        _EARLY.add(task)
        task.add_done_callback(_EARLY.discard)
        early.append(task)

    timer = asyncio.get_running_loop().call_later(ACK_WITHIN, answer_early)
    try:
        if late is None:
            reply: Reply | None = await engine.handle(event)
        else:

            def overdue(apology: Reply) -> None:
                timer.cancel()
                if not early:
                    answer_early()
                late(apology, early[0])

            reply = await engine.handle_here(event, overdue)
    finally:
        timer.cancel()
    if reply is None:
        return None
    if early:
        await early[0]  # the screen goes after the answer
    else:
        await answer_press(callback, reply.toast)
    return reply
