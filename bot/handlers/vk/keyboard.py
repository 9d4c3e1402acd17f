"""VK keyboards within VK's limits: at most 5 buttons a row, 6 rows and 10 buttons in an
inline keyboard, labels up to 40 characters. A longer screen is split into pages with
◀ ▶ buttons; nothing is cut silently."""

from __future__ import annotations

import json

from vk_api.keyboard import VkKeyboard, VkKeyboardColor

from bot.dialogs.screen import RButton

MAX_PER_ROW = 5
MAX_ROWS = 6
MAX_BUTTONS = 10
MAX_LABEL = 40


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def paginate(rows: list[list[RButton]]) -> list[list[list[RButton]]]:
    """Split rows into pages that fit, keeping rows together; room is left for ◀ ▶."""
    units: list[list[RButton]] = []
    for row in rows:
        for i in range(0, len(row), MAX_PER_ROW):
            units.append(row[i : i + MAX_PER_ROW])
    if len(units) <= MAX_ROWS and sum(len(u) for u in units) <= MAX_BUTTONS:
        return [units]
    pages: list[list[list[RButton]]] = [[]]
    for unit in units:
        page = pages[-1]
        # a nav row (at most 2 buttons) goes on every page of a paged screen
        if page and (
            len(page) + 1 > MAX_ROWS - 1 or sum(len(u) for u in page) + len(unit) > MAX_BUTTONS - 2
        ):
            pages.append([])
        pages[-1].append(unit)
    return pages


def inline_keyboard(rows: list[list[RButton]]) -> str:
    kb = VkKeyboard(inline=True)
    for n, row in enumerate(rows):
        if n:
            kb.add_line()
        for b in row:
            if b.kind == "url" and b.url:
                kb.add_openlink_button(_label(b.label), b.url)
            else:
                kb.add_callback_button(
                    _label(b.label), VkKeyboardColor.SECONDARY, {"a": b.payload}
                )
    return kb.get_keyboard()


def location_keyboard(rows: list[list[RButton]]) -> str:
    """A location request needs a regular keyboard; VK puts it alone on its row."""
    kb = VkKeyboard(one_time=True)
    first = True
    for row in rows:
        for b in row:
            if not first:
                kb.add_line()
            first = False
            if b.kind == "location":
                kb.add_location_button()
            else:
                kb.add_button(_label(b.label), VkKeyboardColor.SECONDARY, {"a": b.payload})
    return kb.get_keyboard()


def empty_keyboard() -> str:
    return json.dumps({"one_time": True, "buttons": []})
