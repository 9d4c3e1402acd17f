"""A staff account's command menu in Telegram (the list under "/"): the worker's round sets
the chat's own list (the parents' commands and its roles', in its language) when a role is
granted, sets it again when the roles or the language change, deletes it when the last
role is revoked (the bot's default list shows again), and sets nothing when nothing
changed. A 429 ends the round and a refusal skips the account, each with nothing recorded,
so the next round tries again. A child's own account in a staff family and an account
found unreachable get none. Checked against the stand-in's lists, resolved as Telegram
resolves them for a private chat. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.dialogs.commands import PARENT_COMMANDS
from bot.handlers.telegram.handler import make_bot
from bot.handlers.telegram.menus import set_commands
from bot.handlers.telegram.sender import TelegramSender
from bot.i18n import translator
from bot.notify.command_lists import fingerprint
from bot.notify.pacing import LocalPace
from bot.notify.senders import Limits
from bot.notify.worker import Worker
from core.family import children, parents
from core.staff import command_lists, roles
from core.storage.models import Identity, Parent
from core.usecases.jobs import Jobs
from tests.support.tg_server import FakeTelegram
from tests.support.world import catalogue_row, parent_with_child, setup_region

STAFF, PARENT = 100, 200


@pytest.fixture
async def desk(db):  # type: ignore[no-untyped-def]
    """The stand-in Bot API with the bot's default lists set, the town with a coordinator
    (STAFF) and a parent (PARENT), and a worker sending through Telegram: (tg, worker)."""
    tg = FakeTelegram()
    await tg.start()
    await setup_region(db, rows=[catalogue_row(1)])
    await parent_with_child(db, str(PARENT), certificate=None)
    async with db.uow() as uow:
        await roles.grant(uow, f"tg:{STAFF}", "coordinator", municipality_code="town")
        await uow.commit()
    sender = TelegramSender(make_bot(tg.token, tg.base), LocalPace(), Limits())
    worker = Worker(Jobs(db), translator(), None, {"tg": sender})  # type: ignore[arg-type]
    await set_commands(sender.bot)  # what the bot sets at start
    yield tg, worker
    await sender.close()
    await tg.stop()


async def _listed(db, external: int) -> str | None:  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        return await uow.session.scalar(
            select(Identity.commands).where(
                Identity.platform == "tg", Identity.external_id == str(external)
            )
        )


async def test_a_staff_menu_follows_the_roles_and_the_language(db, desk):
    tg, worker = desk
    assert tg.menu(STAFF, "ru") == list(PARENT_COMMANDS)  # before the round: the default
    assert await worker.menus() == 1
    coordinator = [*PARENT_COMMANDS, "broadcast", "reviews", "stats"]
    assert tg.menu(STAFF, "ru") == coordinator
    assert tg.menu(STAFF, "en") == coordinator  # the chat's own, whatever the app's
    own = tg.scoped[(f"chat:{STAFF}", "")]
    t = translator()
    assert [c["description"] for c in own] == [t("ru", f"cmd-{c}") for c in coordinator]
    assert own[-2]["description"] == "Отзывы о кружках"
    assert tg.menu(PARENT, "ru") == list(PARENT_COMMANDS)  # a parent keeps the default
    assert await _listed(db, PARENT) is None

    calls = len(tg.calls)
    assert await worker.menus() == 0  # nothing changed: nothing sent
    assert tg.calls[calls:] == []

    # a second role: its commands join, each once
    async with db.uow() as uow:
        await roles.grant(uow, f"tg:{STAFF}", "confirmer", municipality_code="town")
        await uow.commit()
    assert await worker.menus() == 1
    assert tg.menu(STAFF, "ru") == [*coordinator, "confirm"]

    # the family's language changes: the list is set again, in English
    async with db.uow() as uow:
        await uow.session.execute(
            update(Parent)
            .where(
                Parent.id
                == select(Identity.parent_id)
                .where(Identity.external_id == str(STAFF))
                .scalar_subquery()
            )
            .values(language="en")
        )
        await uow.commit()
    assert await worker.menus() == 1
    described = {c["command"]: c["description"] for c in tg.scoped[(f"chat:{STAFF}", "")]}
    assert described["reviews"] == "Reviews of programs"
    assert described["menu"] == t("en", "cmd-menu")

    # every role revoked: the chat's list deleted, the default shows again
    async with db.uow() as uow:
        await roles.revoke(uow, f"tg:{STAFF}", "coordinator")
        await roles.revoke(uow, f"tg:{STAFF}", "confirmer")
        await uow.commit()
    assert await worker.menus() == 1
    assert (f"chat:{STAFF}", "") not in tg.scoped
    assert tg.menu(STAFF, "ru") == list(PARENT_COMMANDS)
    assert await _listed(db, STAFF) is None
    calls = len(tg.calls)
    assert await worker.menus() == 0
    assert tg.calls[calls:] == []


async def test_a_refused_menu_is_set_by_a_later_round(db, desk):
    tg, worker = desk
    async with db.uow() as uow:
        await roles.grant(uow, "tg:300", "provider", provider_external_id="prov1")
        await uow.commit()
    # 429: the round ends, nothing recorded
    tg.refuse["setmycommands"] = [429]
    assert await worker.menus() == 0
    assert await _listed(db, STAFF) is None and await _listed(db, 300) is None
    assert (f"chat:{STAFF}", "") not in tg.scoped

    # no chat with the bot (400): that account is skipped, the others set
    tg.unknown_chats.add(STAFF)
    assert await worker.menus() == 1
    assert tg.menu(300, "ru") == [*PARENT_COMMANDS, "queue", "attendance"]
    assert await _listed(db, STAFF) is None

    # the person starts the bot: the next round sets theirs
    tg.unknown_chats.clear()
    assert await worker.menus() == 1
    assert tg.menu(STAFF, "ru")[-3:] == ["broadcast", "reviews", "stats"]
    assert await _listed(db, STAFF) is not None


async def test_no_menu_for_a_childs_own_account_nor_an_unreachable_one(db, desk):
    tg, worker = desk
    async with db.uow() as uow:
        staff_family = await uow.session.scalar(
            select(Identity.parent_id).where(Identity.external_id == str(STAFF))
        )
        await parents.give_consent(uow, staff_family)
        child_id = await children.add(
            uow,
            staff_family,
            children.ChildInput("Петрова", "Анна", None, date(2011, 2, 3), None, 1),
        )
        # the coordinator's child of 14+, with an account of their own in the family
        uow.session.add(
            Identity(parent_id=staff_family, platform="tg", external_id="400", child_id=child_id)
        )
        await roles.grant(uow, "tg:500", "provider", provider_external_id="prov1")
        await uow.session.execute(
            update(Identity).where(Identity.external_id == "500").values(unreachable_at=uow.now)
        )
        await uow.commit()
    found = {a.external_id: a for a in await Jobs(db).menus("tg")}
    assert found["400"].roles == frozenset() and "500" not in found
    assert found[str(STAFF)].roles == {"coordinator"}
    assert await worker.menus() == 1
    assert tg.menu(400, "ru") == list(PARENT_COMMANDS)
    assert tg.menu(500, "ru") == list(PARENT_COMMANDS)
    assert await _listed(db, 400) is None and await _listed(db, 500) is None


async def test_a_record_is_kept_only_over_the_one_it_was_read_with(db):
    """Two rounds at once (two workers): the second's record, read before the first
    recorded, changes nothing; the next round reads the list as it stands."""
    await setup_region(db, rows=[catalogue_row(1)])
    async with db.uow() as uow:
        await roles.grant(uow, f"tg:{STAFF}", "coordinator", municipality_code="town")
        await uow.commit()
    (account,) = await Jobs(db).menus("tg")
    listed = fingerprint([("menu", "Главное меню")])
    assert await Jobs(db).menu_set(account.identity_id, None, listed)
    assert not await Jobs(db).menu_set(account.identity_id, None, "stale")
    assert not await Jobs(db).menu_set(account.identity_id, "other", None)
    assert await _listed(db, STAFF) == listed
    async with db.uow() as uow:
        assert await command_lists.record(uow, account.identity_id, listed, None)
        await uow.commit()
    assert await _listed(db, STAFF) is None


async def test_the_worker_sets_the_menus_in_its_housekeeping_as_the_readme_says(db, desk):
    """The README promises a staff menu "within 5 minutes of a grant": the worker's round
    runs in its housekeeping, which comes every 300 s, starting at once."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "within 5 minutes of a grant" in " ".join(readme.split())
    tg, worker = desk
    assert worker.housekeeping_s == 300
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(200):
            if (f"chat:{STAFF}", "") in tg.scoped:
                break
            await asyncio.sleep(0.02)
        assert tg.menu(STAFF, "ru")[-3:] == ["broadcast", "reviews", "stats"]
    finally:
        stop.set()
        await running
