"""Telegram through aiogram 3: long polling, or a webhook replica behind a load balancer
(handler.py, webhook.py); notices in sender.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers import Platform
from bot.handlers.telegram.settings import TelegramSettings

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.notify.pacing import Pace
    from bot.notify.senders import Sender


def _configured(settings: Settings) -> bool:
    return TelegramSettings.of(settings).bot_token is not None


def _problem(settings: Settings) -> str | None:
    own = TelegramSettings.of(settings)
    if own.bot_token is None:
        return "cli-need-telegram"
    if own.webhook_url is not None and not own.webhook_secret_ok:
        return "cli-need-webhook-secret"
    return None


async def _serve(app: App) -> None:
    if TelegramSettings.of(app.settings).webhook_url is not None:
        from bot.handlers.telegram.webhook import run_webhook

        await run_webhook(app)
    else:
        from bot.handlers.telegram.handler import run_polling

        await run_polling(app)


def _sender(app: App, pace: Pace) -> Sender:
    from bot import metrics
    from bot.handlers.telegram.handler import make_bot
    from bot.handlers.telegram.sender import TelegramSender
    from bot.notify.senders import Limits

    s = TelegramSettings.of(app.settings)
    assert s.bot_token is not None
    base = str(s.api_base) if s.api_base else None
    bot = make_bot(s.bot_token.get_secret_value(), base)
    limits = Limits(tg_per_second=s.rate, tg_per_chat=s.chat_rate)
    return TelegramSender(bot, pace, limits, metrics)


PLATFORM = Platform(
    key="tg",
    settings=TelegramSettings,
    command="telegram",
    title="Telegram",
    configured=_configured,
    problem=_problem,
    serve=_serve,
    sender=_sender,
)
