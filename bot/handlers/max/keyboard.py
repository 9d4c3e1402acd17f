"""MAX inline keyboards within MAX's limits (dev.max.ru, «Клавиатура в сообщениях»): at
most 210 buttons in 30 rows, 7 a row, 3 a row of link or location buttons. A screen's row
that is wider is carried over to the next row; a screen never has more rows than fit (the
engine keeps screens to 10), so nothing is cut."""

from __future__ import annotations

from maxapi.types.attachments import Attachments
from maxapi.types.attachments.buttons import CallbackButton, LinkButton, RequestGeoLocationButton
from maxapi.utils.inline_keyboard import InlineKeyboardBuilder

from bot.dialogs.screen import RButton

MAX_ROWS = 30
MAX_PER_ROW = 7
MAX_WIDE_PER_ROW = 3  # link, open_app, request_geo_location, request_contact
MAX_BUTTONS = 210
MAX_PAYLOAD = 256  # a callback button's payload (the maxapi library's documented bound)


def fit(rows: list[list[RButton]]) -> list[list[RButton]]:
    """Rows split so each holds what MAX allows."""
    out: list[list[RButton]] = []
    for row in rows:
        width = MAX_WIDE_PER_ROW if any(b.kind != "callback" for b in row) else MAX_PER_ROW
        out.extend(row[i : i + width] for i in range(0, len(row), width))
    if len(out) > MAX_ROWS or sum(map(len, out)) > MAX_BUTTONS:
        raise ValueError("a screen larger than a MAX keyboard")
    return out


def _button(b: RButton) -> CallbackButton | LinkButton | RequestGeoLocationButton:
    if b.kind == "url" and b.url:
        return LinkButton(text=b.label, url=b.url)
    if b.kind == "location":
        return RequestGeoLocationButton(text=b.label, quick=False)
    return CallbackButton(text=b.label, payload=b.payload)


def keyboard(rows: list[list[RButton]]) -> list[Attachments]:
    """The message's attachments: one inline keyboard, or none for a screen without
    buttons."""
    fitted = fit(rows)
    if not fitted:
        return []
    builder = InlineKeyboardBuilder()
    for row in fitted:
        builder.row(*(_button(b) for b in row))
    markup: Attachments = builder.as_markup()
    return [markup]
