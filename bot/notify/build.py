"""The worker and its senders, built from settings."""

from __future__ import annotations

from bot.app import App
from bot.handlers.telegram import make_bot
from bot.handlers.vk import make_vk
from bot.i18n import translator
from bot.notify.pacing import Pace
from bot.notify.senders import Limits, Sender, TelegramSender, VkSender
from bot.notify.worker import Worker


def build_worker(app: App, pace: Pace | None = None) -> Worker:
    from bot import metrics

    s = app.settings
    pace = pace or app.pace
    limits = Limits(s.telegram_rate, s.telegram_chat_rate, s.vk_rate)
    senders: dict[str, Sender] = {}
    if s.telegram_bot_token is not None:
        base = str(s.telegram_api_base) if s.telegram_api_base else None
        bot = make_bot(s.telegram_bot_token.get_secret_value(), base)
        senders["tg"] = TelegramSender(bot, pace, limits, metrics)
    if s.vk_group_token is not None:
        base = str(s.vk_api_base) if s.vk_api_base else None
        senders["vk"] = VkSender(
            make_vk(s.vk_group_token.get_secret_value(), base), pace, limits, metrics
        )
    return Worker(
        app.db,
        translator(),
        app.engine.signer,
        senders,
        low_balance=s.low_balance_rub * 100,
        lease_s=s.worker_lease_s,
        expiry_days=s.application_expiry_days,
        timezone=s.timezone,
    )


async def close_worker(worker: Worker) -> None:
    for sender in worker.senders.values():
        bot = getattr(sender, "bot", None)
        if bot is not None:
            await bot.session.close()
