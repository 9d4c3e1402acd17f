"""`/demo` in the terminal chat: the demo's staff roles to act as, and the end of the month
(the demo's clock moves to the 1st of the next month and the month is closed), so one
terminal shows the whole story — apply, accept as the organisation, close the month, the
debit notice. A messenger never sees any of it: only the terminal surface handles it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import App
from bot.i18n import money, translator
from bot.words import Month
from core.errors import DomainError
from core.rules.calendar import month_bounds, month_of
from core.storage.db import utcnow

CHOICES = ("provider", "coordinator", "month")


class DemoClock:
    """The real clock, moved forward by the demo's "the month has ended"."""

    def __init__(
        self,
        now: Callable[[], datetime] = utcnow,
        *,
        start: date | None = None,
        timezone: str = "Europe/Moscow",
    ) -> None:
        self.real = now
        self.offset = timedelta(0)
        if start is not None:  # the demo begins that day, 09:00 in the region
            local = datetime(start.year, start.month, start.day, 9, 0, tzinfo=ZoneInfo(timezone))
            self.offset = local.astimezone(UTC).replace(tzinfo=None) - now()

    def __call__(self) -> datetime:
        return self.real() + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = max(self.offset, moment - self.real())


async def handle(app: App, clock: DemoClock, platform: str, user: str, arg: str) -> str:
    """The text to print for `/demo` or `/demo N`."""
    t = translator()
    lang = app.settings.default_language
    arg = arg.strip()
    if not arg.isascii() or not arg.isdigit() or not 1 <= int(arg) <= len(CHOICES):
        lines = [t(lang, "demo-title")]
        lines += [t(lang, f"demo-choice-{c}", n=str(n)) for n, c in enumerate(CHOICES, start=1)]
        lines.append(t(lang, "demo-confirmer"))
        return "\n".join(lines)
    choice = CHOICES[int(arg) - 1]
    if choice != "month":
        count = await app.demo.take_role(platform, user, choice)
        # the person's cached roles go with their dialog state: the menu shows the new ones
        await app.engine.forget(f"{platform}:{user}")
        return t(lang, f"demo-became-{choice}", count=count)
    # the month ends: the clock moves to the 1st of the next month, 09:00 in the region
    month = month_of(app.db.today())
    first, _ = month_bounds(month + 1)
    local = datetime(first.year, first.month, 1, 9, 0, tzinfo=app.db.zone)
    clock.move_to(local.astimezone(UTC).replace(tzinfo=None))
    try:
        done = await app.demo.close_month(month)
    except DomainError as exc:
        return t(lang, exc.code, **exc.params)
    return t(
        lang,
        "demo-month-closed",
        month=Month(month),
        today=app.db.today().strftime("%d.%m.%Y"),
        debits=done.debits,
        amount=money(done.debited, lang),
    )
