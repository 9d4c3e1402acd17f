"""Each messenger's limits on a screen's files, checked before anything is uploaded."""

from __future__ import annotations

import struct

import pytest

from bot.dialogs.screen import Attachment, Data, Screen, render
from bot.handlers import uploads
from bot.handlers.uploads import MAX, MB, TELEGRAM, VK, check, image_size
from bot.i18n import LANGUAGES, translator
from tests.support.uploads import png as real_png


def png(width: int, height: int) -> bytes:
    return real_png(width, height, pixels=False)  # the checks read the header only


def picture(data: bytes, name: str = "chart.png"):  # type: ignore[no-untyped-def]
    return render(
        Screen([], files=(Attachment("picture", name, data),)), "ru", translator(), str
    ).files[0]


def document(size: int, name: str = "report.xlsx"):  # type: ignore[no-untyped-def]
    return render(
        Screen([], files=(Attachment("document", name, b"x" * size),)), "ru", translator(), str
    ).files[0]


def jpeg(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, then a baseline frame header (SOF0) of that size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_sizes_read_from_headers():
    assert image_size(png(1600, 900)) == ("png", 1600, 900)
    assert image_size(jpeg(640, 480)) == ("jpeg", 640, 480)
    assert image_size(b"GIF89a" + struct.pack("<HH", 30, 20) + b"\0" * 10) == ("gif", 30, 20)
    assert image_size(b"%PDF-1.7 not a picture") is None
    assert image_size(b"\x89PNG\r\n\x1a\n") is None  # a header cut short


@pytest.mark.parametrize(
    ("limits", "width", "height", "ok"),
    [
        (TELEGRAM, 5000, 5000, True),  # 10000 in total: at the limit
        (TELEGRAM, 5001, 5000, False),
        (TELEGRAM, 2000, 100, True),  # ratio 20
        (TELEGRAM, 2001, 100, False),
        (VK, 7000, 7000, True),  # 14000 in total
        (VK, 7001, 7000, False),
        (VK, 100, 2001, False),  # 1:20 at most, either way round
        (MAX, 7680, 7680, True),  # each side up to 7680, no ratio stated
        (MAX, 7681, 10, False),
        (MAX, 7000, 10, True),
    ],
)
def test_picture_shape(limits, width, height, ok):
    refusal = check(picture(png(width, height)), limits)
    assert (refusal is None) is ok
    if not ok:
        assert refusal is not None and refusal.key == "file-bad-shape"
        assert refusal.params["width"] == str(width) and refusal.params["height"] == str(height)


@pytest.mark.parametrize(
    ("limits", "picture_limit", "document_limit"),
    [(TELEGRAM, 10, 50), (VK, 50, 200), (MAX, 50, 4000)],
)
def test_sizes_at_and_over_the_limit(limits, picture_limit, document_limit):
    at = png(100, 100)
    at += b"\0" * (picture_limit * MB - len(at))
    assert check(picture(at), limits) is None
    over = check(picture(at + b"\0"), limits)
    assert over is not None and over.key == "file-too-big"
    assert over.params["limit"] == picture_limit and over.params["size"] == f"{picture_limit}.1"
    if document_limit <= 200:  # 4 GB is not made in memory
        assert check(document(document_limit * MB), limits) is None
        refused = check(document(document_limit * MB + 1), limits)
        assert refused is not None and refused.key == "file-too-big"


def test_what_is_not_a_picture_and_an_empty_file():
    refused = check(picture(b"%PDF-1.7 not a picture", "chart.pdf"), TELEGRAM)
    assert refused is not None and refused.key == "file-not-picture"
    empty = check(document(0), VK)
    assert empty is not None and empty.key == "file-empty"
    # a document is any bytes at all
    assert check(document(10), MAX) is None


def test_a_long_caption_goes_apart():
    assert not uploads.caption_apart("а" * 1024, TELEGRAM)
    assert uploads.caption_apart("а" * 1025, TELEGRAM)
    assert uploads.caption_apart("😀" * 513, TELEGRAM)  # UTF-16: 1026 units
    assert not uploads.caption_apart("а" * 4096, VK)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_refusal_reads_in_every_language(lang):
    t = translator()
    cases = [
        check(picture(png(100, 100) + b"\0" * 11 * MB), TELEGRAM),
        check(picture(png(9000, 100)), MAX),
        check(picture(b"not a picture"), VK),
        check(document(0), VK),
        uploads.failed(document(5), MAX),
    ]
    for refusal in cases:
        assert refusal is not None
        text = refusal.text(t, lang)
        assert "chart.png" in text or "report.xlsx" in text
        assert "{" not in text and refusal.key not in text
    for key in ("file-saved", "file-not-saved"):
        assert t.has(lang, key)


def test_a_screen_renders_its_files_with_captions():
    screen = Screen(
        [Data("Отчёт")],
        files=(
            Attachment("picture", "chart.png", png(10, 10), caption=Data("Охват")),
            Attachment("document", "report.xlsx", b"PK"),
        ),
    )
    rendered = render(screen, "en", translator(), str)
    assert [(f.kind, f.filename, f.caption) for f in rendered.files] == [
        ("picture", "chart.png", "Охват"),
        ("document", "report.xlsx", ""),
    ]
    assert rendered.lang == "en" and rendered.text == "Отчёт"
    with pytest.raises(ValueError, match="picture or a document"):
        Attachment("video", "clip.mp4", b"x")
