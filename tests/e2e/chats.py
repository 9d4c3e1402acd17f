"""One person's chat in any messenger's stand-in, so a story is written once and told in
Telegram, VK and MAX through each real client library."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.notify.build import build_worker, close_worker
from core.rules.calendar import school_year_of
from tests.support.clock import FakeClock


class Chat:
    """say/press as a person of ``platform``; what the bot sent them (notices included)."""

    def __init__(self, h: Any, platform: str) -> None:
        self.h = h
        self.platform = platform
        self.server = {"tg": h.tg, "vk": h.vk, "max": h.max}[platform]

    async def say(self, user: int, text: str) -> Any:
        return await self.server.ask(self.server.message(user, text))

    async def press(self, user: int, shown: Any, label: str) -> Any:
        button = shown.button(label)
        if self.platform == "tg":
            return await self.server.ask(
                self.server.press(user, button["callback_data"], shown.message_id)
            )
        if self.platform == "vk":
            return await self.server.ask(self.server.press(user, button))
        return await self.server.ask(self.server.press(user, button["payload"]))

    def sent_to(self, user: int) -> list[Any]:
        who = {"tg": "chat_id", "vk": "peer_id", "max": "user_id"}[self.platform]
        return [s for s in self.server.sent if getattr(s, who) == user]

    def uploads(self, sent: list[Any]) -> list[tuple[str, str, bytes]]:
        """(kind, filename, bytes) of each file these messages carried, as the stand-in
        received its upload (vk_api names every upload file0.<ext>: the name is a title)."""
        found = []
        for s in sent:
            if self.platform == "tg":
                if s.file is not None:
                    kind = {"sendPhoto": "picture", "sendDocument": "document"}[s.method]
                    found.append((kind, s.file.filename, s.file.data))
            elif self.platform == "vk":
                for f in s.files:
                    kind = "document" if f.field == "file" else "picture"
                    found.append((kind, f.filename, f.data))
            else:
                kinds = [a["type"] for a in s.attachments if a["type"] in ("image", "file")]
                for kind, f in zip(kinds, s.files, strict=True):
                    name = {"image": "picture", "file": "document"}[kind]
                    found.append((name, f.filename, f.data))
        return found

    async def deliver(self) -> None:
        """The worker's steps until nothing is due: notices reach the stand-in."""
        worker = build_worker(self.h.app)
        try:
            while await worker.step():
                pass
        finally:
            await close_worker(worker)

    async def notice(self, user: int, part: str) -> Any:
        """The latest message to ``user`` containing ``part`` (after delivering what is due)."""
        await self.deliver()
        found = [s for s in self.sent_to(user) if part in s.text]
        assert found, (part, [s.text[:60] for s in self.sent_to(user)[-5:]])
        return found[-1]


def school_clock(h: Any, day: int = 16, month: int = 11) -> FakeClock:
    """The bot's clock set to a school-year day of the demo's year (09:00 in the region),
    whatever day the tests run: the stories need a month of classes to close."""
    year = school_year_of(h.app.db.today())
    local = datetime(year, month, day, 9, 0, tzinfo=ZoneInfo(h.app.settings.timezone))
    clock = FakeClock(local.astimezone(UTC).replace(tzinfo=None))
    h.app.db.clock = clock
    return clock


async def family(h: Any, platform: str, user: int, surname: str = "Иванова") -> int:
    """A family known to the bot, with a child (10 years old) whose funded certificate a
    МОЦ confirmed — set up in the core: the chat's own steps are tested elsewhere."""
    from core.certificates import certificates, confirmations
    from core.family import children, parents
    from core.staff import roles

    async def setup(uow):  # type: ignore[no-untyped-def]
        parent = await parents.get_or_create(uow, platform, str(user))
        await parents.give_consent(uow, parent.id)
        data = children.ChildInput(surname, "Мария", None, date(2016, 3, 5), None, 1)
        child = await children.add(uow, parent.id, data)
        cert = await certificates.issue(uow, parent.id, child)
        staff = await roles.grant(
            uow, f"{platform}:9999", "confirmer", municipality_code="birobidzhan", region_wide=True
        )
        await confirmations.confirm(uow, staff, cert)
        await certificates.request_funding(uow, parent.id, child)
        return parent.id

    return await h.app.db.run(setup)


async def paid_program(h: Any) -> tuple[int, str, str, str]:
    """A program of г. Биробиджан the certificate pays, open to a 10-year-old and running
    in November, with a group that has seats: (program id, its name, the group's name,
    its provider's external id)."""
    from core.storage.models import Group, Municipality, Program, Provider

    async with h.app.db.reader() as uow:
        row = (
            await uow.session.execute(
                select(Program.id, Program.name, Group.name, Provider.external_id)
                .join(Municipality, Municipality.id == Program.municipality_id)
                .join(Provider, Provider.id == Program.provider_id)
                .join(Group, Group.program_id == Program.id)
                .where(
                    Municipality.code == "birobidzhan",
                    Program.register == "certified",
                    Program.price > 0,
                    Program.age_min <= 10,
                    Program.age_max >= 10,
                    Program.start_month == 9,
                    Group.seats - Group.taken > 2,
                )
                .order_by(Program.id, Group.id)
                .limit(1)
            )
        ).one()
    return row[0], row[1], row[2], row[3]


async def first_of_one_group(h: Any, results: Any) -> str:
    """The number of the first paid result (the certificate pays a share) that may be
    applied to, with a free seat, whose program has one group: its card carries the quote
    and applies at once (card, apply: issue 30). Read from the catalogue: the results do
    not say how many groups."""
    import re

    from sqlalchemy import func

    from core.storage.models import Group, Program

    async with h.app.db.reader() as uow:
        rows = (
            await uow.session.execute(
                select(Program.name, func.count(Group.id))
                .join(Group, Group.program_id == Program.id)
                .group_by(Program.id)
            )
        ).all()
    groups: dict[str, set[int]] = {}
    for name, count in rows:
        groups.setdefault(name, set()).add(count)
    for line in results.text.split("\n"):
        found = re.match(r"(\d+)\. (.+?) — ", line)
        if not found or "⛔" in line or "Свободных мест нет" in line or "₽ в месяц" not in line:
            continue
        if groups.get(found[2]) == {1}:
            return found[1]
    raise AssertionError(results.text)
