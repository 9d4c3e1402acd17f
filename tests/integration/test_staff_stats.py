"""/stats' use case on both databases: the scope comes from the person's roles (a
coordinator's or confirmer's municipality, the region for an operator or a region-wide
role), anyone else is refused, and every read — a refusal too — is in the audit trail as
the operator's ``report`` is, ids only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.family import parents
from core.staff import roles
from core.storage.models import AuditRecord, Municipality
from core.usecases.staff import Staff
from tests.support.world import catalogue_row, parent_with_child, setup_region


async def _reports(db) -> list[AuditRecord]:
    async with db.reader() as uow:
        return list(
            await uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "report").order_by(AuditRecord.id)
            )
        )


async def _muni(db, code: str) -> int:
    async with db.reader() as uow:
        found = await uow.session.scalar(select(Municipality.id).where(Municipality.code == code))
    assert found is not None
    return found


@pytest.fixture
async def region(db):
    await setup_region(db, rows=[catalogue_row(1, price=1000, seats=5)])
    await parent_with_child(db, "1", muni_id=await _muni(db, "town"))
    await parent_with_child(db, "2", muni_id=await _muni(db, "village"))
    await parent_with_child(db, "3", muni_id=await _muni(db, "village"))
    return db


async def test_a_parent_is_refused_and_the_refusal_recorded(region):
    db = region
    parent, _ = await parent_with_child(db, "9")
    provider = await db.run(roles.grant, "tg:700", "provider", provider_external_id="prov1")
    for who in (parent, provider):
        with pytest.raises(DomainError) as refused:
            await Staff(db).stats(who)
        assert refused.value.code == "stats_not_allowed"
    trail = await _reports(db)
    assert [(r.actor, r.outcome, r.municipality_id) for r in trail] == [
        (f"staff:{parent}", "stats_not_allowed", None),
        (f"staff:{provider}", "stats_not_allowed", None),
    ]


@pytest.mark.parametrize("role", ["coordinator", "confirmer"])
async def test_a_municipal_role_reads_its_municipality(region, role):
    db = region
    village = await _muni(db, "village")
    staff = await db.run(roles.grant, "tg:800", role, municipality_code="village")
    found = await Staff(db).stats(staff)
    assert found.municipality_id == village
    assert found.total.registered == 2  # the village's two children, not the town's
    assert [c.code for c in found.coverage] == ["village", None]  # and its total
    (record,) = await _reports(db)
    assert (record.actor, record.outcome, record.municipality_id, record.detail) == (
        f"staff:{staff}",
        "ok",
        village,
        "chat",
    )
    assert record.accounts == "tg:800"


@pytest.mark.parametrize(
    ("role", "code", "wide"),
    [("operator", None, False), ("confirmer", "town", True), ("coordinator", "town", True)],
)
async def test_the_operator_and_a_region_wide_role_read_the_region(region, role, code, wide):
    db = region
    staff = await db.run(roles.grant, "max:801", role, municipality_code=code, region_wide=wide)
    found = await Staff(db).stats(staff)
    assert found.municipality_id is None
    assert found.total.registered == 3
    assert {c.code for c in found.coverage} == {"town", "village", None}
    (record,) = await _reports(db)
    assert (record.actor, record.outcome, record.municipality_id) == (f"staff:{staff}", "ok", None)


async def test_a_revoked_role_reads_nothing_more(region):
    db = region
    staff = await db.run(roles.grant, "tg:802", "coordinator", municipality_code="town")
    await Staff(db).stats(staff)
    await db.run(roles.revoke, "tg:802", "coordinator")
    with pytest.raises(DomainError):
        await Staff(db).stats(staff)
    assert [r.outcome for r in await _reports(db)] == ["ok", "stats_not_allowed"]


async def test_several_municipalities_read_the_first_granted(region):
    db = region
    staff = await db.run(roles.grant, "tg:803", "confirmer", municipality_code="village")
    await db.run(roles.grant, "tg:803", "coordinator", municipality_code="town")
    found = await Staff(db).stats(staff)
    assert found.municipality_id == await _muni(db, "village")
    async with db.reader() as uow:
        view = await parents.view(uow, staff)
    assert set(view.roles) == {"confirmer", "coordinator"}
