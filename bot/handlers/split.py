"""A long text as several messages, each within a messenger's limit, cut where a reader
would: between paragraphs, else between lines, else between sentences, else between
words; inside a word only for a word longer than a whole message, and even then never
inside a character, an emoji sequence or a letter with its accents.

Lengths are counted in UTF-16 code units: Telegram's own unit (an emoji outside the Basic
Multilingual Plane counts 2), and never fewer than the characters VK and the maxapi
library count, so one count is safe for all three.
"""

from __future__ import annotations

import re
import unicodedata

# Telegram: "1-4096 characters after entities parsing" (core.telegram.org/bots/api#sendmessage),
# counted in UTF-16 code units like every length in the Bot API
TELEGRAM_TEXT = 4096
# VK documents 9000 for messages.send (dev.vk.com/method/messages.send); 4096 is kept so
# the same parts read the same everywhere (and the VK apps show longer ones cut up anyway)
VK_TEXT = 4096
# MAX: NewMessageBody.text maxLength 4000 (max-bot-api-schemas); the maxapi library
# refuses len(text) >= 4000 before any request (maxapi/methods/send_message.py)
MAX_TEXT = 3999

# where a text may be cut, the most natural first
_BOUNDARIES = (
    re.compile(r"\n[^\S\n]*\n\s*"),  # a blank line: between paragraphs
    re.compile(r"\n\s*"),  # between lines
    re.compile(r"(?<=[.!?…])\s+"),  # between sentences
    re.compile(r"\s+"),  # between words
)

_ZWJ = "\u200d"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """``text`` as parts of at most ``limit`` UTF-16 code units each, in order; a text that
    fits is returned as it is. The whitespace where a cut falls is dropped."""
    if limit < 2:
        raise ValueError("a limit of at least 2 (one emoji) is needed")
    if utf16_len(text) <= limit:
        return [text]
    parts = [p.strip() for p in _split(text, limit, 0)]
    return [p for p in parts if p] or [text.strip()[:limit]]


def _split(text: str, limit: int, level: int) -> list[str]:
    if utf16_len(text) <= limit:
        return [text]
    if level == len(_BOUNDARIES):
        return _cut(text, limit)
    # the text as (piece, the separator after it)
    pieces: list[tuple[str, str]] = []
    start = 0
    for m in _BOUNDARIES[level].finditer(text):
        if m.start() == 0:
            continue  # leading whitespace is no boundary
        pieces.append((text[start : m.start()], m.group()))
        start = m.end()
    pieces.append((text[start:], ""))
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    out: list[str] = []
    current, current_len, gap = "", 0, ""
    for piece, sep in pieces:
        size = utf16_len(piece)
        if size > limit:  # a piece too long alone is cut at the next finer boundary
            if current:
                out.append(current)
            out.extend(_split(piece, limit, level + 1))
            current, current_len, gap = "", 0, ""
            continue
        joined = current_len + utf16_len(gap) + size if current else size
        if current and joined > limit:
            out.append(current)
            current, current_len = piece, size
        else:
            current = current + gap + piece if current else piece
            current_len = joined
        gap = sep
    if current:
        out.append(current)
    return out


def _extends(prev: str, char: str) -> bool:
    """Whether ``char`` belongs to the same thing on screen as ``prev`` (no cut between)."""
    code = ord(char)
    return (
        prev == _ZWJ
        or char == _ZWJ
        or unicodedata.category(char) in ("Mn", "Me", "Mc")  # accents, keycaps
        or 0xFE00 <= code <= 0xFE0F  # variation selectors (emoji presentation)
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (flags of regions)
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF  # two of these make a country's flag


def _cut(text: str, limit: int) -> list[str]:
    """A word longer than ``limit``: cut between characters, never inside a sequence that
    shows as one (an emoji with its modifiers, a flag, a letter with its accents) unless
    that sequence alone is longer than the limit."""
    out: list[str] = []
    start, size, safe = 0, 0, 0  # safe: the last index a cut may fall before
    flag_open = False  # inside a pair of regional indicators
    for i, char in enumerate(text):
        if i > start:
            prev = text[i - 1]
            if not _extends(prev, char) and not (flag_open and _regional(char)):
                safe = i
        flag_open = _regional(char) and not flag_open
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            cut = safe if safe > start else i
            out.append(text[start:cut])
            start = cut
            size = utf16_len(text[start:i])
            safe = start
            if size + width > limit and i > start:
                # the sequence before this character is alone longer than the limit with
                # it (a family emoji and a skin tone in a small limit): cut it here too
                out.append(text[start:i])
                start, size, safe = i, 0, i
        size += width
    out.append(text[start:])
    return out
