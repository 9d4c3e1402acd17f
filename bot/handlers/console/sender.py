"""Notices in the terminal: printed as they are delivered, their button numbered after the
screen's, so typing its number presses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from bot.notify.senders import Outgoing
from core.outbox.delivery import Outcome


@dataclass
class Terminal:
    """What the terminal chat shows: where it writes, and the payloads of the buttons on
    screen (a notice's button is added after the screen's)."""

    out: TextIO
    payloads: list[str] = field(default_factory=list)
    expect: str | None = None  # what the screen on display expects typed

    def show_buttons(self, rows: list[list[tuple[str, str]]]) -> None:
        for row in rows:
            cells = []
            for label, payload in row:
                self.payloads.append(payload)
                cells.append(f"[{len(self.payloads)}] {label}")
            self.out.write("  ".join(cells) + "\n")


class ConsoleSender:
    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    async def send(self, items: list[Outgoing], outcome: Outcome) -> None:
        out = self.terminal.out
        for item in items:
            out.write("\n🔔 " + item.text + "\n")
            if item.button is not None:
                self.terminal.show_buttons([[item.button]])
            outcome.delivered.append(item.row_id)
        out.flush()

    async def close(self) -> None:
        pass
