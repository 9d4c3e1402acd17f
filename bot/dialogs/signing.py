"""Button payloads signed for the person they were shown to.

A payload is `action~sig`, sig = 8 url-safe characters of HMAC-SHA256(secret, user|action).
A forged payload, or one pressed by someone it was not shown to (a forwarded message, a
group chat), fails the check. Telegram allows 64 bytes of callback data: actions are short.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_PAYLOAD = 64
SIG_LEN = 8


class Signer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _sig(self, user: str, action: str) -> str:
        digest = hmac.new(self._secret, f"{user}|{action}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:SIG_LEN]

    def sign(self, user: str, action: str) -> str:
        payload = f"{action}~{self._sig(user, action)}"
        if len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"button action too long: {action[:20]}…")
        return payload

    def verify(self, user: str, payload: str) -> str | None:
        """The action, or None when the payload is not one we gave this user."""
        if not payload or len(payload.encode()) > MAX_PAYLOAD or "~" not in payload:
            return None
        action, _, sig = payload.rpartition("~")
        # bytes: compare_digest refuses a str with non-ASCII characters (a forged payload)
        if not hmac.compare_digest(sig.encode(), self._sig(user, action).encode()):
            return None
        return action
