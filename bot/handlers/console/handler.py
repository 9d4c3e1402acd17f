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
from bot.handlers.console import demo
from bot.handlers.console.demo import DemoClock
from bot.handlers.console.sender import ConsoleSender, Terminal
from core.rules.numbers import is_id

PLATFORM = "console"
USER = "local"
LOCATION = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def show(screen: Rendered, terminal: Terminal) -> None:
    """Print a screen; its buttons are numbered from 1 (a notice's come after them)."""
    out = terminal.out
    out.write("\n" + screen.text + "\n")
    terminal.payloads = []
    for row in screen.rows:
        cells = []
        for button in row:
            if button.kind == "location":
                cells.append(f"[{button.label}: 48.79, 132.92]")
                continue
            terminal.payloads.append(button.payload)
            cells.append(f"[{len(terminal.payloads)}] {button.label}")
        out.write("  ".join(cells) + "\n")
    out.flush()


def to_event(line: str, payloads: list[str], expect: str | None) -> Event:
    line = line.rstrip("\n")
    stripped = line.strip()
    if is_id(stripped) and 1 <= int(stripped) <= len(payloads):
        return Event(PLATFORM, USER, "button", payload=payloads[int(stripped) - 1])
    if stripped.startswith("/"):
        return Event(PLATFORM, USER, "command", text=stripped[1:])
    match = LOCATION.match(stripped)
    if expect == "location" and match:
        return Event(PLATFORM, USER, "location", lat=float(match[1]), lon=float(match[2]))
    return Event(PLATFORM, USER, "text", text=line)


async def run(
    app: App,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    clock: DemoClock | None = None,
) -> None:
    """The chat; after each answer the person's notices are delivered here and printed (the
    worker's step, run until the outbox has nothing due)."""
    from bot.notify.build import build_worker

    loop = asyncio.get_running_loop()
    terminal = Terminal(stdout)
    worker = build_worker(app, senders={PLATFORM: ConsoleSender(terminal)})
    clock = clock or DemoClock()

    async def answer(event: Event) -> None:
        reply = await app.engine.handle(event)
        if reply.toast:
            stdout.write(f"({reply.toast})\n")
        show(reply.screen, terminal)
        terminal.expect = reply.screen.expect
        while await worker.step():  # the notices this caused, printed below the screen
            pass

    await answer(Event(PLATFORM, USER, "command", text="start"))
    while True:
        stdout.write("> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:  # end of input
            stdout.write("\n")
            return
        if not line.strip():
            continue
        name, _, arg = line.strip().partition(" ")
        if name.lower() == "/demo":
            stdout.write("\n" + await demo.handle(app, clock, PLATFORM, USER, arg) + "\n")
            while await worker.step():
                pass
            continue
        await answer(to_event(line, terminal.payloads, terminal.expect))
