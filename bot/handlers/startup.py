"""Set-up calls of a messenger (Telegram's setMyCommands, getMe, setWebhook; MAX's
subscriptions), retried when the platform refuses them for a moment.

Any method may be answered 429 (Telegram with ``retry_after``), a 5xx or a dropped
connection, set-up calls included; one of those at start must not stop the bot. A call is
tried again after the wait the platform asks for (or a growing pause) until it succeeds,
``SETUP_ATTEMPTS`` tries or ``SETUP_WITHIN_S`` seconds have passed; then its last error is
raised, and the runner decides (``bot/runners.py``: under ``run`` the other messengers
and the worker go on, and this one is started again later).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

SETUP_ATTEMPTS = 8
SETUP_WITHIN_S = 120.0  # a retry_after past this is not waited for: the runner takes over
FIRST_PAUSE_S = 1.0
MAX_PAUSE_S = 15.0

# an error → None if it is not transient (raised at once), else the seconds the platform
# asks to wait (Telegram's retry_after), 0 when it names none (a growing pause then)
Transient = Callable[[BaseException], float | None]


async def setup_call(name: str, call: Callable[[], Awaitable[T]], transient: Transient) -> T:
    """``call()`` until it succeeds, retrying what ``transient`` accepts within the bound."""
    started = time.monotonic()
    pause = FIRST_PAUSE_S
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except Exception as exc:
            asked = transient(exc)
            if asked is None:
                raise
            wait = asked if asked > 0 else pause
            pause = min(pause * 2, MAX_PAUSE_S)
            spent = time.monotonic() - started
            if attempt >= SETUP_ATTEMPTS or spent + wait > SETUP_WITHIN_S:
                logger.error(
                    "%s refused %d times in %.0f s (%s): giving up", name, attempt, spent, exc
                )
                raise
            logger.warning(
                "%s refused (%s): trying again in %.1f s (%d of %d)",
                name,
                type(exc).__name__,
                wait,
                attempt,
                SETUP_ATTEMPTS,
            )
            await asyncio.sleep(wait)
