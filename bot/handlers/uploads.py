"""A screen's files within each messenger's limits, checked before anything is uploaded.

A file over a limit is not sent: the person reads why instead (a locale key with its
figures), and nothing reaches the platform to be refused there. The figures are the
platforms' documented ones; where a documentation says "MB" without saying which, the
smaller (10**6 bytes) is taken, so a file accepted here is never one the platform refuses
for its size.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from bot.dialogs.screen import RFile
from bot.i18n import Translator

MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Limits:
    platform: str  # shown to the person: "Telegram", "VK", "MAX"
    picture_bytes: int
    document_bytes: int
    sides_sum: int | None = None  # width + height at most
    side: int | None = None  # each of width and height at most
    ratio: float | None = None  # the longer side over the shorter at most
    caption: int | None = None  # a caption longer than this goes as a message of its own


# sendPhoto: "The photo must be at most 10 MB in size. The photo's width and height must
# not exceed 10000 in total. Width and height ratio must be at most 20."; sendDocument:
# "Bots can currently send files of any type of up to 50 MB in size"; caption "0-1024
# characters after entities parsing" (core.telegram.org/bots/api)
TELEGRAM = Limits("Telegram", 10 * MB, 50 * MB, sides_sum=10_000, ratio=20, caption=1024)
# photos.getMessagesUploadServer: JPG, PNG, GIF; "сумма высоты и ширины не более 14000 px,
# файл объёмом не более 50 МБ, соотношение сторон не менее 1:20"; documents: "не более
# 200 МБ" (dev.vk.com/ru/api/upload); a message's text is kept under 4096 (split.py)
VK = Limits("VK", 50 * MB, 200 * MB, sides_sum=14_000, ratio=20, caption=4096)
# POST /uploads: image "до 50 МБ, ≤7680×7680 px", file "до 4 ГБ" (dev.max.ru/docs-api,
# as maxapi's utils/upload_limits.py quotes it); NewMessageBody.text below 4000 (split.py)
MAX = Limits("MAX", 50 * MB, 4000 * MB, side=7680, caption=3999)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a file is not sent: a locale key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, t: Translator, lang: str) -> str:
        return t(lang or "ru", self.key, **self.params)


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG, JPEG or GIF from its header; None for anything
    else or a header that does not hold together."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


# the JPEG markers that start a frame and carry its size (SOF0-SOF15 but DHT, JPG, DAC)
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "jpeg", width, height
        if length < 2:
            return None
        i += 2 + length
    return None


def _mb(size: int) -> str:
    """Megabytes with one decimal, rounded up, so "over 10" never reads "10.0"."""
    tenths = -(-size * 10 // MB)
    return f"{tenths // 10}.{tenths % 10}" if tenths % 10 else str(tenths // 10)


def check(file: RFile, limits: Limits) -> Refusal | None:
    """None when ``file`` may go to that platform, else why not."""
    base = {"name": file.filename, "platform": limits.platform}
    size = len(file.data)
    if size == 0:
        return Refusal("file-empty", base)
    cap = limits.picture_bytes if file.kind == "picture" else limits.document_bytes
    if size > cap:
        return Refusal("file-too-big", base | {"size": _mb(size), "limit": cap // MB})
    if file.kind != "picture":
        return None
    shape = image_size(file.data)
    if shape is None:
        return Refusal("file-not-picture", base)
    _, width, height = shape
    too_long = (limits.sides_sum is not None and width + height > limits.sides_sum) or (
        limits.side is not None and max(width, height) > limits.side
    )
    narrow = (
        width == 0
        or height == 0
        or (limits.ratio is not None and max(width, height) / min(width, height) > limits.ratio)
    )
    if too_long or narrow:
        # as text: a picture's size reads 2100×100, not with a thousands separator
        return Refusal("file-bad-shape", base | {"width": str(width), "height": str(height)})
    return None


def failed(file: RFile, limits: Limits) -> Refusal:
    """The platform refused or lost a file the checks let through."""
    return Refusal("file-failed", {"name": file.filename, "platform": limits.platform})


def caption_apart(caption: str, limits: Limits) -> bool:
    """Whether a caption is too long to go with its file (it is then sent before it)."""
    return limits.caption is not None and len(caption.encode("utf-16-le")) // 2 > limits.caption
