"""A button press on VK (message_event): answered first (VK shows a spinner until then),
then its screen; ◀ ▶ of a paged screen answered by the adapter itself."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
import vk_api

from bot.dialogs.engine import Engine, Reply
from bot.dialogs.events import Event
from bot.handlers.vk.replies import PAGE_ACTION, Replies

logger = logging.getLogger(__name__)


async def handle_press(engine: Engine, replies: Replies, obj: dict[str, Any]) -> None:
    """Answer the press first (VK shows a spinner until then), then the screen."""
    user, peer = str(obj.get("user_id")), int(obj.get("peer_id", 0))
    payload = str(read_payload(obj.get("payload")).get("a", ""))
    action = engine.signer.verify(f"vk:{user}", payload)
    if action and action.startswith(f"{PAGE_ACTION}:") and user in replies.pages:
        await answer_press(replies, obj, None)
        await replies.show_page(peer, user, int(action.split(":")[1]), obj.get("event_id"))
        return
    reply: Reply = await engine.handle(
        Event(kind="button", platform="vk", user_id=user, payload=payload)
    )
    await answer_press(replies, obj, reply.toast)
    await replies.send(peer, user, reply.screen, cause=f"e{obj.get('event_id')}")


async def answer_press(replies: Replies, obj: dict[str, Any], toast: str | None) -> None:
    values: dict[str, Any] = {
        "event_id": obj.get("event_id"),
        "user_id": obj.get("user_id"),
        "peer_id": obj.get("peer_id"),
    }
    if toast:
        values["event_data"] = json.dumps(
            {"type": "show_snackbar", "text": toast[:90]}, ensure_ascii=False
        )
    # a refused or failed answer (an event_id VK no longer knows, the network) must
    # not stop the screen: the action behind the press was saved already
    try:
        await replies.call("messages.sendMessageEventAnswer", **values)
    except vk_api.exceptions.ApiError as exc:
        logger.info("VK event answer refused: %s", exc.code)
    except (requests.RequestException, vk_api.exceptions.VkApiError) as exc:
        logger.info("VK event answer failed: %s", type(exc).__name__)


def read_payload(raw: Any) -> dict[str, Any]:
    """A button's payload as VK gives it (an object, or its JSON), {} if it is neither."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}
