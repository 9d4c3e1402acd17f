"""VK through vk_api: Bots Long Poll (handler.py), its answers (replies.py) and presses
(presses.py), keyboards within VK's limits (keyboard.py), notices in sender.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.handlers import Platform
from bot.handlers.vk.settings import VkSettings

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings
    from bot.notify.pacing import Pace
    from bot.notify.senders import Sender


def _configured(settings: Settings) -> bool:
    return VkSettings.of(settings).group_token is not None


def _problem(settings: Settings) -> str | None:
    own = VkSettings.of(settings)
    if own.group_token is None or own.group_id is None:
        return "cli-need-vk"
    return None


async def _serve(app: App) -> None:
    from bot.handlers.vk.handler import run

    await run(app)


def _sender(app: App, pace: Pace) -> Sender:
    from bot import metrics
    from bot.handlers.vk.api import make_vk
    from bot.handlers.vk.sender import StoredIds, VkSender
    from bot.notify.senders import Limits

    s = VkSettings.of(app.settings)
    assert s.group_token is not None and s.group_id is not None
    base = str(s.api_base) if s.api_base else None
    vk = make_vk(s.group_token.get_secret_value(), base)
    ids = StoredIds(app.db, s.group_id)
    return VkSender(vk, pace, Limits(vk_per_second=s.rate), metrics, ids=ids)


PLATFORM = Platform(
    key="vk",
    settings=VkSettings,
    command="vk",
    title="VK",
    configured=_configured,
    problem=_problem,
    serve=_serve,
    sender=_sender,
)
