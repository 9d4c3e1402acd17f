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


KEPT = 20_000  # signatures remembered: a screen's buttons are mostly the ones shown before


class Signer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        # the key's padding and the inner and outer hashes' first blocks, done once: each
        # signature copies them (hmac.new does them again every time)
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)
        # a person's menu is signed again on every screen that leads back to it, and a
        # press checks a signature made a moment before: each HMAC is computed once while
        # it is remembered (the same user|action always gives the same signature)
        self._known: dict[str, str] = {}

    def _sig(self, user: str, action: str) -> str:
        message = f"{user}|{action}"
        known = self._known.get(message)
        if known is not None:
            return known
        mac = self._keyed.copy()
        mac.update(message.encode())
        digest = mac.digest()
        sig = base64.urlsafe_b64encode(digest).decode()[:SIG_LEN]
        if len(self._known) >= KEPT:
            self._known.clear()
        self._known[message] = sig
        return sig

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
