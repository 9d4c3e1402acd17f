"""Staff are accountable (issue 24, item 5): every act of staff and of the operator is in an
append-only audit trail, ids only, that outlives a family's withdrawal; a role is revoked
and its holder's pending work stops at once; linking never moves a role; a child's own
account changes only its own language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from core.audit import audit
from core.broadcasts import broadcasts
from core.certificates import certificates, confirmations
from core.enrolment import decisions, enrolment
from core.errors import DomainError
from core.family import parents, teens
from core.register import linking
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.models import (
    AuditRecord,
    Broadcast,
    Child,
    Identity,
    Outbox,
    Parent,
    Role,
)
from core.usecases import family as family_cases
from tests.support.world import (
    accept_contract,
    catalogue_row,
    group_id,
    parent_with_child,
    setup_region,
)


async def _trail(db) -> list[AuditRecord]:
    async with db.reader() as uow:
        return list(await uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


async def _provider(db, external: str = "tg:700") -> int:
    return await db.run(roles.grant, external, "provider", provider_external_id="prov1")


async def _coordinator(db, external: str = "tg:800") -> int:
    return await db.run(roles.grant, external, "coordinator", municipality_code="town")


async def test_every_staff_act_is_recorded_with_ids_only(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000, seats=5)])
    parent, funded = await parent_with_child(db, "3")
    _, child = await parent_with_child(db, "1", certificate="awaiting")
    _, other = await parent_with_child(db, "2", certificate="awaiting")
    start = len(await _trail(db))
    confirmer = await db.run(
        roles.grant, "tg:990000", "confirmer", municipality_code="town", by="operator:anna"
    )
    async with db.reader() as uow:
        cert = await uow.session.scalar(
            select(certificates.Certificate.id).where(certificates.Certificate.child_id == child)
        )
        cert2 = await uow.session.scalar(
            select(certificates.Certificate.id).where(certificates.Certificate.child_id == other)
        )
    await db.run(confirmations.confirm, confirmer, cert)
    await db.run(confirmations.reject, confirmer, cert2, "СНИЛС 112-233-445 95 не совпадает")
    staff = await _provider(db)
    group = await group_id(db, "g1")
    app = await db.run(enrolment.apply, parent, funded, group)
    await db.run(accept_contract, staff, app)
    await db.run(decisions.provider_decide, staff, app, AppStatus.ENROLLED)
    await db.run(decisions.provider_finish, staff, app, date(2026, 10, 5))
    author = await _coordinator(db)
    sent = await db.run(broadcasts.create, author, "Набор в кружки открыт", broadcasts.Audience(1))
    later = await db.run(
        broadcasts.create,
        author,
        "Набор в кружки откроется завтра",
        broadcasts.Audience(1),
        at=db.clock() + timedelta(hours=3),
    )
    await db.run(broadcasts.cancel, author, later)

    trail = (await _trail(db))[start:]
    acts = [(r.actor, r.action, r.outcome) for r in trail]
    assert acts == [
        ("operator:anna", "grant", "ok"),
        (f"staff:{confirmer}", "confirm", "accounting"),
        (f"staff:{confirmer}", "reject", "ok"),
        ("operator", "grant", "ok"),
        (f"staff:{staff}", "accept", "ok"),
        (f"staff:{staff}", "enrol", "ok"),
        (f"staff:{staff}", "end-studies", "ok"),
        ("operator", "grant", "ok"),
        (f"staff:{author}", "announce", "sent"),
        (f"staff:{author}", "announce", "scheduled"),
        (f"staff:{author}", "cancel-announcement", "ok"),
    ]
    by_action = {r.action: r for r in trail}
    confirm = next(r for r in trail if r.action == "confirm")
    assert (confirm.child_id, confirm.certificate_id, confirm.municipality_id) == (child, cert, 1)
    assert confirm.accounts == "tg:990000"
    accept = by_action["accept"]
    assert (accept.application_id, accept.child_id, accept.municipality_id) == (app, funded, 1)
    assert by_action["end-studies"].detail == "last-day:2026-10-05"
    assert by_action["cancel-announcement"].detail == f"broadcast:{later}"
    assert next(r for r in trail if r.action == "announce").detail == f"broadcast:{sent}"
    # no personal data: not the rejection's reason (it quotes a СНИЛС), not a name
    for r in trail:
        row = " ".join(str(v) for v in vars(r).values())
        assert "11223344595" not in row and "112-233" not in row and "Иванова" not in row


async def test_the_trail_refuses_update_and_delete(db):
    await setup_region(db, rows=[catalogue_row(1)])
    await _provider(db)
    for statement in (
        update(AuditRecord).values(outcome="forged"),
        delete(AuditRecord),
    ):
        async with db.uow() as uow:
            with pytest.raises(DBAPIError):
                await uow.session.execute(statement)
    assert [r.outcome for r in await _trail(db)] == ["ok"]


async def test_the_trail_outlives_the_family_s_withdrawal(db):
    await setup_region(db, rows=[])
    parent, child = await parent_with_child(db, "1", certificate="accounting")
    await db.run(family_cases.withdraw_consent, parent)
    async with db.reader() as uow:
        assert await uow.session.get(Child, child) is None
    confirm = [r for r in await _trail(db) if r.action == "confirm"]
    assert [(r.child_id, r.municipality_id) for r in confirm] == [(child, 1)]


async def test_a_revoked_coordinator_s_scheduled_announcement_is_never_sent(db, clock):
    await setup_region(db, rows=[])
    await parent_with_child(db, "1")
    author = await _coordinator(db)
    at = clock() + timedelta(hours=2)
    scheduled = await db.run(
        broadcasts.create, author, "Завтра открывается набор", broadcasts.Audience(1), at=at
    )
    done = await db.run(roles.revoke, "tg:800", "coordinator", by="operator:anna")
    assert (done.roles, done.announcements) == (1, 1)
    clock.set(at + timedelta(minutes=1))
    assert await db.run(broadcasts.expand_due) == 0
    async with db.reader() as uow:
        b = await uow.session.get(Broadcast, scheduled)
        assert b is not None and b.status == "cancelled"
        rows = await uow.session.scalar(
            select(Outbox.id).where(Outbox.kind == "broadcast", Outbox.ref == scheduled)
        )
        assert rows is None
    with pytest.raises(DomainError) as err:  # and a screen still open does nothing
        await db.run(broadcasts.create, author, "Ещё одно объявление", broadcasts.Audience(1))
    assert err.value.code == "not_allowed"
    trail = [(r.actor, r.action, r.outcome, r.detail) for r in await _trail(db)][-2:]
    assert trail == [
        ("operator:anna", "revoke", "ok", f"parent:{author} role:coordinator"),
        (
            "operator:anna",
            "cancel-announcement",
            "revoked",
            f"broadcast:{scheduled} author:{author}",
        ),
    ]


async def test_an_announcement_still_going_out_stops_at_the_revocation(db):
    await setup_region(db, rows=[])
    await parent_with_child(db, "1")
    await parent_with_child(db, "2")
    author = await _coordinator(db)
    sending = await db.run(
        broadcasts.create, author, "Набор в кружки открыт", broadcasts.Audience(1)
    )
    await db.run(roles.revoke, "tg:800", "coordinator", municipality_code="town")
    async with db.reader() as uow:
        left = list(
            await uow.session.scalars(
                select(Outbox.status).where(Outbox.kind == "broadcast", Outbox.ref == sending)
            )
        )
    assert left == ["cancelled", "cancelled"]


async def test_a_role_deleted_by_hand_sends_nothing_either(db, clock):
    await setup_region(db, rows=[])
    await parent_with_child(db, "1")
    author = await _coordinator(db)
    at = clock() + timedelta(hours=2)
    scheduled = await db.run(
        broadcasts.create, author, "Завтра открывается набор", broadcasts.Audience(1), at=at
    )
    async with db.uow() as uow:
        await uow.session.execute(delete(Role).where(Role.parent_id == author))
        await uow.commit()
    clock.set(at + timedelta(minutes=1))
    assert await db.run(broadcasts.expand_due) == 0
    last = (await _trail(db))[-1]
    assert (last.actor, last.action, last.outcome) == (
        "system",
        "cancel-announcement",
        "author-no-role",
    )
    assert last.detail == f"broadcast:{scheduled} author:{author}"


async def test_a_revoked_provider_and_confirmer_can_do_nothing_more(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000, seats=5)])
    parent, child = await parent_with_child(db, "1")
    _, awaiting = await parent_with_child(db, "2", certificate="awaiting")
    staff = await _provider(db)
    app = await db.run(enrolment.apply, parent, child, await group_id(db, "g1"))
    with pytest.raises(DomainError) as err:
        await db.run(roles.revoke, "tg:700", "confirmer")
    assert err.value.code == "role_not_held"
    await db.run(roles.revoke, "tg:700", "provider")
    with pytest.raises(DomainError) as err:
        await db.run(accept_contract, staff, app)
    assert err.value.code == "application_not_found"
    await db.run(roles.revoke, "tg:990000", "confirmer")
    async with db.reader() as uow:
        confirmer = await uow.session.scalar(
            select(Identity.parent_id).where(Identity.external_id == "990000")
        )
        cert = await uow.session.scalar(
            select(certificates.Certificate.id).where(
                certificates.Certificate.child_id == awaiting
            )
        )
    with pytest.raises(DomainError) as err:
        await db.run(confirmations.confirm, confirmer, cert)
    assert err.value.code == "not_allowed"
    async with db.reader() as uow:
        assert await uow.session.scalar(select(Role.id)) is None


async def test_roles_lists_who_holds_what_since_when_and_by_whom(db, clock):
    await setup_region(db, rows=[catalogue_row(1)])
    await db.run(roles.grant, "vk:55", "coordinator", municipality_code="town", by="operator:anna")
    await db.run(roles.grant, "tg:700", "provider", provider_external_id="prov1")
    async with db.reader() as uow:
        found = await roles.holders(uow)
    assert [(h.role, h.accounts, h.municipality, h.provider, h.granted_by) for h in found] == [
        ("coordinator", "vk:55", "town", None, "operator:anna"),
        ("provider", "tg:700", None, "prov1", "operator"),
    ]
    assert all(h.granted_at == clock() for h in found)


async def test_linking_never_moves_a_staff_role(db):
    await setup_region(db, rows=[catalogue_row(1)])
    family, _ = await parent_with_child(db, "1")
    staff = await db.run(roles.grant, "vk:700", "provider", provider_external_id="prov1")
    # the staff member types a code a family shows them
    code = await db.run(linking.create_code, family)
    with pytest.raises(DomainError) as err:
        await db.run(linking.redeem, staff, "vk", code)
    assert err.value.code == "link_staff"
    # nor does a staff account show a code another person could type
    with pytest.raises(DomainError) as err:
        await db.run(linking.create_code, staff)
    assert err.value.code == "link_staff"
    # a code shown before the role was granted fails like any other
    stranger = (await db.run(parents.get_or_create, "tg", "4242")).id
    early = await db.run(linking.create_code, stranger)
    await db.run(roles.grant, "tg:4242", "provider", provider_external_id="prov1")
    newcomer = (await db.run(parents.get_or_create, "vk", "4343")).id
    assert await db.run(linking.redeem, newcomer, "vk", early) is None
    async with db.reader() as uow:
        holders = set(await uow.session.scalars(select(Role.parent_id)))
        assert await uow.session.get(Parent, staff) is not None
    assert {staff, stranger} <= holders
    assert family not in holders and newcomer not in holders


async def test_a_child_s_own_account_changes_only_its_own_language(db):
    await setup_region(db, rows=[])
    parent, _ = await parent_with_child(db, "1")
    from core.family import children

    teen = await db.run(
        children.add,
        parent,
        children.ChildInput("Иванов", "Глеб", None, date(2011, 9, 1), None, 1),
    )
    code = await db.run(teens.invite, parent, teen)
    own = (await db.run(parents.get_or_create, "vk", "5050")).id
    assert await db.run(linking.redeem, own, "vk", code) == parent
    await db.run(parents.set_language, parent, "en", teen)
    async with db.reader() as uow:
        family = await uow.session.get(Parent, parent)
        assert family is not None and family.language == "ru"
        known = await parents.known(uow, "vk", "5050")
        assert known is not None and known.language == "en"
        parent_known = await parents.known(uow, "tg", "1")
        assert parent_known is not None and parent_known.language == "ru"
        langs = dict(
            (await uow.session.execute(select(Identity.external_id, Identity.language))).all()
        )
    assert langs == {"1": None, "5050": "en", "990000": None}
    # the parent's own switch is the family's
    await db.run(parents.set_language, parent, "en")
    async with db.reader() as uow:
        switched = await parents.known(uow, "tg", "1")
        assert switched is not None and switched.language == "en"


async def test_record_refuses_an_unknown_action(db):
    async with db.uow() as uow:
        with pytest.raises(ValueError, match="not an audited action"):
            await audit.record(uow, "operator", "delete-everything")
