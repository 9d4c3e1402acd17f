"""A button press on Telegram: answered (its progress bar stopped) within ``ACK_WITHIN``
whether its screen is ready or not (by webhook, in the webhook's response when its step
is saved by then: ``PressAnswer``), and answered past the engine's deadline while its step
goes on in the update's own task (``late_answer``)."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
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


class WebhookResponse(Protocol):
    """The response of the webhook request an update came with, written once."""

    async def send(self, body: dict[str, object]) -> bool:
        """Writes ``body`` (a Bot API call) as the response now; False if it was written
        already."""
        ...


# the response of the webhook request being handled (bot/handlers/telegram/webhook.py);
# None in long polling
RESPONSE: ContextVar[WebhookResponse | None] = ContextVar("tg_webhook_response", default=None)


class Late(Protocol):
    """Sends an apology past the deadline (``late_answer``), after ``first`` if given."""

    def __call__(self, apology: Reply, first: asyncio.Future[None] | None = None) -> None: ...


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

    def late(apology: Reply, first: asyncio.Future[None] | None = None) -> None:
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


class PressAnswer:
    """A press's answer, given once: by ``give`` with the screen's toast, or by the timer
    past ``ACK_WITHIN`` without one, whichever comes first.

    When the update came by webhook (``RESPONSE``), ``give`` puts the answer into the
    webhook's own response, which Telegram carries out as a call of its own ("Making
    requests when getting updates", Bot API): the press costs no HTTP call of the bot's
    (issue 30: 0.4 ms of a replica's CPU for each press in the opening-day storm, besides
    the call's share of Telegram's side). Telegram says nothing of such a call's outcome;
    a press's answer is the one call whose outcome the bot does not need (a refused answer
    is only logged, ``answer_press``)."""

    __slots__ = ("_callback", "_early", "_timer")

    def __init__(self, callback: CallbackQuery) -> None:
        self._callback = callback
        self._early: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = asyncio.get_running_loop().call_later(
            ACK_WITHIN, self.now
        )

    def now(self) -> asyncio.Future[None]:
        """Answered at once, without a toast (the timer's; the deadline's), if not yet."""
        if self._early is None:
            self.stop()
            task = asyncio.ensure_future(answer_press(self._callback, None))
            _EARLY.add(task)
            task.add_done_callback(_EARLY.discard)
            self._early = task
        return self._early

    def stop(self) -> None:
        """The timer stopped (a step that failed: its press is not answered by the bot)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def give(self, toast: str | None) -> None:
        """The answer with ``toast``; where the timer answered first, once that answer has
        gone (the screen goes after the answer)."""
        if self._early is not None:
            await self._early
            return
        self.stop()
        self._early = asyncio.get_running_loop().create_future()  # given: once
        self._early.set_result(None)
        response = RESPONSE.get()
        body: dict[str, object] = {
            "method": "answerCallbackQuery",
            "callback_query_id": self._callback.id,
        }
        if toast:
            body["text"] = toast
        if response is not None and await response.send(body):
            return
        await answer_press(self._callback, toast)


async def handle_press(
    engine: Engine, event: Event, callback: CallbackQuery, late: Late | None = None
) -> tuple[Reply | None, PressAnswer]:
    """The press's screen, and its answer (``PressAnswer``), which the caller gives once the
    person's turn is given back (their step saved: the webhook's response says the update
    was handled), unless the timer has given it already: a person sees their press taken
    within ``ACK_WITHIN`` however long the screen takes to build (a busy database) or to
    send (the reply queue, which the answer never joins). Answered early, the press gets
    no toast: the screen itself says what a toast would have (a stale button's notice
    heads it). A timer, not a task: most screens are ready well before it (issue 30).

    With ``late``, the step runs in this task (``Engine.handle_here``): past the deadline
    the press is answered if it was not yet, ``late`` sends the apology after that
    answer, and None is returned for the screen (nothing more to send)."""
    answer = PressAnswer(callback)
    try:
        if late is None:
            reply: Reply | None = await engine.handle(event)
        else:

            def overdue(apology: Reply) -> None:
                late(apology, answer.now())

            reply = await engine.handle_here(event, overdue)
    except BaseException:
        answer.stop()
        raise
    if reply is not None and RESPONSE.get() is None:
        await answer.give(reply.toast)  # long polling: at once, whatever the chat's line
    return reply, answer
