"""vk_api as this package uses it: the client for a community token (20 requests/s, a
moment's wait on error 6), sent to VK_API_BASE when it is set, and the random_ids of the
answers, stable across retries."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import requests
import vk_api

logger = logging.getLogger(__name__)

API_VERSION = "5.199"
VK_HOSTS = ("https://api.vk.ru", "https://api.vk.com")
TOO_MANY_REQUESTS = 6
CANT_SEND = 901


class RedirectSession(requests.Session):
    """vk_api posts to a fixed host; this sends those requests to VK_API_BASE instead."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any):
        text = url.decode() if isinstance(url, bytes) else url
        verb = method.decode() if isinstance(method, bytes) else method
        for host in VK_HOSTS:
            if text.startswith(host):
                text = self.base + text[len(host) :]
                break
        return super().request(verb, text, *args, **kwargs)


def _wait_and_retry(error: vk_api.exceptions.ApiError) -> Any:
    """Error 6, too many requests: wait a moment and send the same request again."""
    logger.warning("VK error 6 (too many requests): waiting before a retry")
    time.sleep(1.0)
    return error.try_method()


def make_vk(token: str, api_base: str | None = None) -> vk_api.VkApi:
    session = RedirectSession(api_base) if api_base else requests.Session()
    vk = vk_api.VkApi(token=token, session=session, api_version=API_VERSION)
    vk.RPS_DELAY = 1 / 20  # a community token may make 20 requests a second
    vk.error_handlers[TOO_MANY_REQUESTS] = _wait_and_retry
    return vk


def random_id(*parts: object) -> int:
    """Stable for the same message to the same peer in answer to the same event. From the
    negative half of VK's int32: the positive half is the notices' counter (outbox
    send_id), so an answer never takes a notice's number or the other way round."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return -(int.from_bytes(digest[:4], "big") & 0x7FFFFFFF) - 1


def part_random_id(base: int, index: int) -> int:
    """The random_id of part ``index`` of a text sent as several messages, from the id
    the whole would have had (``base``): the first part keeps it, so a text that fits one
    message is sent exactly as before; each further part has its own, the same on every
    retry, so a retry resends only the parts VK has not seen."""
    return base if index == 0 else random_id("part", base, index)
