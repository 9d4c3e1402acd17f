"""What the stand-in servers share to take uploads as the platforms do: the multipart parts
they received, and the size of a picture read from its own header (PNG, GIF), so a stand-in
checks dimensions without trusting what the client says."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MB = 1_000_000  # the platforms say "MB"; the stricter reading is taken


@dataclass
class Upload:
    """One file a stand-in received: its multipart field, name, type and bytes."""

    field: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    width: int | None = None
    height: int | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def picture(self) -> tuple[int, int] | None:
        shape = picture_size(self.data)
        if shape is not None:
            self.width, self.height = shape
        return shape


def picture_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (its IHDR chunk, CRC checked) or GIF; None for anything
    else: the stand-ins take only those two as pictures."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 33 and data[12:16] == b"IHDR":
        (length,) = struct.unpack(">I", data[8:12])
        if length != 13:
            return None
        (crc,) = struct.unpack(">I", data[29:33])
        if zlib.crc32(data[12:29]) != crc:
            return None
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    return None


async def read_form(request: web.Request) -> tuple[dict[str, Any], list[Upload]]:
    """A multipart/form-data (or urlencoded, or JSON) body: its plain fields and its files."""
    if request.content_type == "application/json":
        return await request.json(), []
    form = await request.post()
    values: dict[str, Any] = {}
    files: list[Upload] = []
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files.append(Upload(key, value.filename, value.content_type, value.file.read()))
        else:
            values[key] = value
    return values, files


def _black(width: int, height: int) -> bytes:
    """The compressed rows of a black RGB picture, made row by row (a 7680×7680 one is
    177 MB raw)."""
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * width)  # filter byte, then the pixels
    out = [packer.compress(row) for _ in range(height)]
    return b"".join(out) + packer.flush()


def png(width: int, height: int, *, pad: int = 0, pixels: bool = True) -> bytes:
    """A real PNG of that size, black (its rows compress to almost nothing), and ``pad``
    bytes of a private chunk (ancillary: viewers skip it) to make it as large as a test
    needs. ``pixels=False``: the header only, for checks that read no further (fast at any
    size; not a picture a viewer could show)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    extra = chunk(b"prVt", b"\0" * pad) if pad else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", _black(width, height) if pixels else zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
