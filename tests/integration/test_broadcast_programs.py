"""An announcement's program is found by words, within the coordinator's municipality
(or the region, for a region-wide one); a program of another municipality is refused."""

from __future__ import annotations

import pytest

from core.broadcasts import broadcasts
from core.broadcasts.broadcasts import Audience
from core.errors import DomainError
from core.staff import roles
from core.storage.models import Program
from tests.support.world import catalogue_row, setup_region

TEXT = "Набор в кружки открыт!"


async def _program_id(db, external):
    from sqlalchemy import select

    async with db.reader() as uow:
        return await uow.session.scalar(select(Program.id).where(Program.external_id == external))


async def test_programs_of_the_coordinator_s_municipality_only(db):
    await setup_region(
        db,
        rows=[
            catalogue_row(1, name="Шахматы для начинающих"),
            catalogue_row(2, name="Шахматы для начинающих", muni="village"),
            catalogue_row(3, name="Робототехника"),
        ],
    )
    town = await db.run(roles.grant, "tg:1", "coordinator", municipality_code="town")
    region = await db.run(
        roles.grant, "tg:2", "coordinator", municipality_code="village", region_wide=True
    )
    ours, theirs = await _program_id(db, "p1"), await _program_id(db, "p2")
    async with db.reader() as uow:
        found = await broadcasts.programs(uow, town, "шахматы")
        everywhere = await broadcasts.programs(uow, region, "шахматы")
        none = await broadcasts.programs(uow, town, "кракозябра")
    assert [p.id for p in found] == [ours]
    assert sorted(p.id for p in everywhere) == sorted([ours, theirs])
    assert none == []
    audience = Audience(None, None, None, ())
    async with db.reader() as uow:
        muni = (await broadcasts.coordinator_scope(uow, town))[0]
    town_only = Audience(muni, None, None, ())
    # another municipality's program is not disclosed, whatever the button carried
    with pytest.raises(DomainError) as err:
        await db.run(broadcasts.create, town, TEXT, town_only, program_id=theirs)
    assert err.value.code == "program_not_found"
    assert await db.run(broadcasts.create, town, TEXT, town_only, program_id=ours)
    assert await db.run(broadcasts.create, region, TEXT, audience, program_id=ours)
    # somebody who is not a coordinator finds nothing
    with pytest.raises(DomainError):
        async with db.reader() as uow:
            await broadcasts.programs(uow, 99999, "шахматы")
