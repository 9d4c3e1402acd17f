"""MAX through the maxapi library: long polling with the marker or a webhook
subscription (handler.py), its answers (replies.py) and presses (presses.py), keyboards
within MAX's limits (keyboard.py), notices in sender.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers import Platform
from bot.handlers.max.settings import MaxSettings

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.notify.pacing import Pace
    from bot.notify.senders import Sender


def _configured(settings: Settings) -> bool:
    return MaxSettings.of(settings).bot_token is not None


def _problem(settings: Settings) -> str | None:
    own = MaxSettings.of(settings)
    if own.bot_token is None:
        return "cli-need-max"
    if own.webhook_url is not None and not own.webhook_secret_ok:
        return "cli-need-max-webhook-secret"
    return None


async def _serve(app: App) -> None:
    from bot.handlers.max.handler import run

    await run(app)


def _sender(app: App, pace: Pace) -> Sender:
    from bot import metrics
    from bot.handlers.max.api import MaxApi, make_bot
    from bot.handlers.max.sender import MaxSender

    s = MaxSettings.of(app.settings)
    assert s.bot_token is not None
    base = str(s.api_base) if s.api_base else None
    bot = make_bot(s.bot_token.get_secret_value(), base)
    return MaxSender(MaxApi(bot, pace, s.rate, s.chat_rate), metrics=metrics)


PLATFORM = Platform(
    key="max",
    settings=MaxSettings,
    command="max",
    title="MAX",
    configured=_configured,
    problem=_problem,
    serve=_serve,
    sender=_sender,
)
