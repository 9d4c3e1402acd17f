"""The terminal chat: the same dialogs, buttons numbered so typing the number presses it.

Only translation lives here: a typed line becomes a command, a press, a location or text.
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TextIO

from bot.app import App
from bot.dialogs.events import Event
from bot.dialogs.screen import Rendered
from core.rules.numbers import is_id

USER = "local"
LOCATION = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def show(screen: Rendered, out: TextIO) -> list[str]:
    """Print a screen; return the payloads in the order they are numbered."""
    out.write("\n" + screen.text + "\n")
    payloads: list[str] = []
    for row in screen.rows:
        cells = []
        for button in row:
            if button.kind == "location":
                cells.append(f"[{button.label}: 48.79, 132.92]")
                continue
            payloads.append(button.payload)
            cells.append(f"[{len(payloads)}] {button.label}")
        out.write("  ".join(cells) + "\n")
    out.flush()
    return payloads


def to_event(line: str, payloads: list[str], expect: str | None) -> Event:
    line = line.rstrip("\n")
    stripped = line.strip()
    if is_id(stripped) and 1 <= int(stripped) <= len(payloads):
        return Event("console", USER, "button", payload=payloads[int(stripped) - 1])
    if stripped.startswith("/"):
        return Event("console", USER, "command", text=stripped[1:])
    match = LOCATION.match(stripped)
    if expect == "location" and match:
        return Event("console", USER, "location", lat=float(match[1]), lon=float(match[2]))
    return Event("console", USER, "text", text=line)


async def run(app: App, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    loop = asyncio.get_running_loop()
    reply = await app.engine.handle(Event("console", USER, "command", text="start"))
    payloads = show(reply.screen, stdout)
    expect = reply.screen.expect
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:  # end of input
            stdout.write("\n")
            return
        if not line.strip():
            continue
        reply = await app.engine.handle(to_event(line, payloads, expect))
        if reply.toast:
            stdout.write(f"({reply.toast})\n")
        payloads = show(reply.screen, stdout)
        expect = reply.screen.expect
