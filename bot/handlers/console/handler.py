"""The terminal chat: the same dialogs, buttons numbered so typing the number presses it.

Only translation lives here: a typed line becomes a command, a press, a location or text.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.dialogs.events import Event
from bot.dialogs.screen import Rendered
from bot.handlers.console import demo
from bot.handlers.console.demo import DemoClock
from bot.handlers.console.sender import ConsoleSender, Terminal
from bot.handlers.console.settings import ConsoleSettings
from bot.i18n import translator
from core.rules.numbers import is_id

PLATFORM = "console"
USER = "local"
LOCATION = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def show(screen: Rendered, terminal: Terminal) -> None:
    """Print a screen; its buttons are numbered from 1 (a notice's come after them)."""
    out = terminal.out
    out.write("\n" + screen.text + "\n")
    if screen.venue is not None:  # a map location: what a messenger would pin on its map
        v = screen.venue
        out.write(f"📍 {v.title}\n   {v.address}\n   {v.latitude:.5f}, {v.longitude:.5f}\n")
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


class Shelf:
    """Where the terminal keeps a screen's files: the directory set (CONSOLE_FILES_DIR), or
    one made in the system's temporary directory on the first file of the run."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder

    def save(self, filename: str, data: bytes) -> Path:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="pfdo-files-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        # the name only, never a path of the flow's making; a second file of the same name
        # is numbered, the first is never overwritten
        name = Path(filename.replace("\\", "/")).name.lstrip(".") or "file"
        stem, suffix = Path(name).stem, Path(name).suffix
        target = self.folder / name
        number = 1
        while True:
            try:
                with target.open("xb") as out:
                    out.write(data)
                return target.resolve()
            except FileExistsError:
                number += 1
                target = self.folder / f"{stem}-{number}{suffix}"


def save_files(screen: Rendered, terminal: Terminal, shelf: Shelf) -> None:
    """A screen's files saved, each path printed (with its caption, if any)."""
    t = translator()
    lang = screen.lang or "ru"
    for file in screen.files:
        if file.caption:
            terminal.out.write(file.caption + "\n")
        try:
            path = shelf.save(file.filename, file.data)
        except OSError as exc:  # a directory not writable, a full disk: said, not a crash
            reason = exc.strerror or type(exc).__name__
            text = t(lang, "file-not-saved", name=file.filename, reason=reason)
        else:
            text = t(lang, "file-saved", name=file.filename, path=str(path))
        terminal.out.write(text + "\n")
    terminal.out.flush()


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
    shelf = Shelf(ConsoleSettings.of(app.settings).files_dir)
    worker = build_worker(app, senders={PLATFORM: ConsoleSender(terminal)})
    clock = clock or DemoClock()

    async def answer(event: Event) -> None:
        reply = await app.engine.handle(event)
        if reply.toast:
            stdout.write(f"({reply.toast})\n")
        show(reply.screen, terminal)
        save_files(reply.screen, terminal, shelf)
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
