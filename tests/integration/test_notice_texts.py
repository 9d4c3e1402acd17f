"""Every kind of notice the core writes renders, in every language, from what is stored,
with a translator that fails on a missing key or parameter."""

from __future__ import annotations

from sqlalchemy import select

from bot.i18n import LANGUAGES
from bot.notify.render import Renderer
from core.enrolment import contracts, enrolment, waiting_list
from core.outbox.delivery import Claimed
from core.outbox.outbox import KINDS
from core.storage.models import Program
from core.usecases.jobs import NoticeFacts
from tests.support.wording import wording_problems
from tests.support.world import catalogue_row, group_id, parent_with_child, setup_region
from tests.unit.test_screens import StrictTranslator

STATUSES = ("awaiting", "rejected", "accounting", "queued", "funded", "closed", "restored")


async def test_every_notice_renders(db):
    await setup_region(db, rows=[catalogue_row(1, seats=1), catalogue_row(2, name="Шахматы")])
    parent, child = await parent_with_child(db)
    async with db.reader() as uow:
        program = await uow.session.scalar(select(Program.id).where(Program.external_id == "p1"))
    # a seat held for a family of the waiting list (the notice reads the application)
    g = await group_id(db, "g1")
    seated = await db.run(enrolment.apply, parent, child, g)
    other, other_child = await parent_with_child(db, "2")
    offered = await db.run(enrolment.apply, other, other_child, g)
    await db.run(enrolment.cancel, parent, seated)
    app = {"application_id": 1, "child_id": child, "program_id": program}
    rows = [
        ("application_status", {**app, "status": s, "reason": "Группа набрана"})
        for s in (
            "submitted",
            "accepted",
            "enrolled",
            "finished",
            "cancelled",
            "rejected",
            "waiting",
            "offered",
        )
    ]
    rows.append(("application_status", {**app, "status": "expired"}))
    rows.append(
        ("application_status", {**app, "status": "expired", "reason": waiting_list.OFFER_LAPSED})
    )
    rows.append(
        ("application_status", {**app, "status": "expired", "reason": contracts.LAPSED_REASON})
    )
    rows.append(("seat_offered", {"application_id": offered}))
    rows += [
        ("certificate_status", {"child_id": child, "status": s, "reason": "Не совпадает"})
        for s in (*STATUSES, "linked", "corrected", "correction_refused")
    ]
    # a typo the МОЦ corrected at the desk, each field
    rows += [
        ("certificate_status", {"child_id": child, "status": "amended", "field": f})
        for f in ("surname", "name", "patronymic", "birth_date", "snils")
    ]
    # a link refused: no child in the family to name
    rows.append(
        ("certificate_status", {"child_id": None, "status": "link_refused", "reason": "Нет"})
    )
    rows += [
        ("application_not_covered", {**app, "needed": 800_000, "available": 300_000}),
        ("share_changed", {**app, "share": 60_000, "copay": 40_000}),
        ("teen_linked", {"child_id": child}),
        ("rate_invite", app),
        ("seat_free", {"program_id": program}),
        ("data_erased", {"children": 2}),
        ("dispute", {"outcome": "moved", "child_id": child}),
        ("dispute", {"outcome": "removed", "child_id": child}),
        ("dispute", {"outcome": "rejected", "reason": "Документы не подтверждают"}),
    ]
    left = {"application_id": 1, "program_id": program, "group_id": g, "number": "01-0000001-8"}
    rows += [
        (
            "child_left",
            {
                **left,
                "child_id": None if why in ("withdrawn", "removed") else child,
                "applied": "2026-10-05",
                "why": why,
                "last_day": "2026-11-20" if why != "cancelled" else None,
            },
        )
        for why in ("left", "cancelled", "withdrawn", "removed")
    ]
    rows += [
        (
            "contract_event",
            {
                "application_id": 1,
                "program_id": program,
                "group_id": g,
                "child_id": child,
                "event": e,
            },
        )
        for e in ("concluded", "paper", "lapsed")
    ]
    rows += [
        ("topup", {}),
        ("expiry", {}),
    ]
    covered = {kind for kind, _ in rows}
    # debits and broadcasts are rendered from the ledger and the announcement (other tests);
    # the month's notices to staff and operators from a closed month's ledger
    # (test_provider_month.py: every language, this strict translator, the wording)
    from_ledger = {"debits", "broadcast", "provider_month", "month_closed"}
    assert covered | from_ledger == KINDS
    renderer = Renderer(StrictTranslator(), low_balance=100_000)
    async with db.reader() as uow:
        for n, (kind, payload) in enumerate(rows):
            row = Claimed(n, parent, kind, 2026, payload, 0)
            for lang in LANGUAGES:
                notice = await renderer.render(NoticeFacts(uow), row, lang)
                assert notice is not None and notice.text.strip(), (kind, payload, lang)
                assert "{" not in notice.text, (kind, notice.text)
                assert wording_problems(notice.text, lang) == [], (kind, lang)


async def test_an_answer_says_what_to_do_next(db):
    """Accepted: where to come, what to bring, the certificate's number; enrolled: the
    group's schedule and how the money goes; rejected: similar programs with seats, and a
    button that finds them."""
    from bot.dialogs.actions import FindSimilar, parse
    from core.certificates import certificates

    await setup_region(
        db, rows=[catalogue_row(1), catalogue_row(2, name="Шахматы"), catalogue_row(3, seats=0)]
    )
    parent, child = await parent_with_child(db)
    async with db.reader() as uow:
        program = await uow.session.scalar(select(Program.id).where(Program.external_id == "p1"))
        number = (await certificates.view(uow, parent, child)).number
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    payload = {"application_id": app, "child_id": child, "program_id": program}
    renderer = Renderer(StrictTranslator(), low_balance=100_000)

    async def text(status, lang="ru"):
        row = Claimed(1, parent, "application_status", None, {**payload, "status": status}, 0)
        async with db.reader() as uow:
            return await renderer.render(NoticeFacts(uow), row, lang)

    accepted = (await text("accepted")).text
    assert "ул. Ленина 1" in accepted and number in accepted
    assert "свидетельство о рождении" in accepted
    assert "Пн 15:00" in (await text("enrolled")).text
    rejected = await text("rejected")
    # the other program of the direction with seats; not the refused one, not a full one
    assert "«Шахматы» — 10 свободных мест" in rejected.text
    assert "Программа 1" not in rejected.text.split("\n\n", 1)[1]
    assert "Программа 3" not in rejected.text
    label, packed = rejected.action
    assert label == "btn-find-similar"
    assert parse(packed) == FindSimilar(program)
    assert "free seats" in (await text("rejected", "en")).text
