"""Programs and groups by direction, and the organisations: one pass over programs with
their groups, one over applications, grouped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, distinct, func, select

from core.reports.figures import DirectionRow, OrganisationRow
from core.rules.enrolment import AppStatus
from core.storage.db import UnitOfWork
from core.storage.models import Application, Group, Program, Provider

# the contract is concluded when the provider accepts (the money is blocked then)
CONTRACTED = (AppStatus.ACCEPTED.value, AppStatus.ENROLLED.value)


def _in_scope(query: Any, municipality_id: int | None) -> Any:
    return (
        query
        if municipality_id is None
        else query.where(Program.municipality_id == municipality_id)
    )


async def directions(uow: UnitOfWork, municipality_id: int | None) -> tuple[DirectionRow, ...]:
    query = _in_scope(
        select(
            Program.direction,
            func.count(distinct(Program.id)),
            func.count(Group.id),
            func.coalesce(func.sum(Group.seats), 0),
            func.coalesce(func.sum(Group.taken), 0),
            func.coalesce(func.sum(Group.waiting), 0),
        )
        .select_from(Program)
        .outerjoin(Group, Group.program_id == Program.id)
        .where(Program.active.is_(True))
        .group_by(Program.direction)
        .order_by(Program.direction),
        municipality_id,
    )
    return tuple(
        DirectionRow(d, int(p), int(g), int(s), int(t), int(w))
        for d, p, g, s, t, w in (await uow.session.execute(query)).all()
    )


async def organisations(
    uow: UnitOfWork, municipality_id: int | None
) -> tuple[OrganisationRow, ...]:
    """Each provider with a program in scope: its programs and seats there, its contracts
    and the children studying with it there."""
    offer = _in_scope(
        select(
            Program.provider_id,
            func.count(distinct(Program.id)),
            func.coalesce(func.sum(Group.seats), 0),
        )
        .select_from(Program)
        .outerjoin(Group, Group.program_id == Program.id)
        .where(Program.active.is_(True))
        .group_by(Program.provider_id),
        municipality_id,
    )
    studying = Application.status == AppStatus.ENROLLED.value
    demand = _in_scope(
        select(
            Program.provider_id,
            func.coalesce(func.sum(case((Application.status.in_(CONTRACTED), 1), else_=0)), 0),
            func.count(distinct(case((studying, Application.child_id), else_=None))),
        )
        .join(Program, Program.id == Application.program_id)
        .where(Application.status.in_(CONTRACTED))
        .group_by(Program.provider_id),
        municipality_id,
    )
    s = uow.session
    offered = {row[0]: row[1:] for row in (await s.execute(offer)).all()}
    taken = {row[0]: row[1:] for row in (await s.execute(demand)).all()}
    ids = sorted(offered.keys() | taken.keys())
    names = (
        dict(
            (await s.execute(select(Provider.id, Provider.name).where(Provider.id.in_(ids)))).all()
        )
        if ids
        else {}
    )
    rows = []
    for pid in ids:
        programs, seats = offered.get(pid, (0, 0))
        contracts, pupils = taken.get(pid, (0, 0))
        rows.append(
            OrganisationRow(
                pid, names[pid], int(programs), int(seats), int(contracts), int(pupils)
            )
        )
    # the largest first: where the children are
    rows.sort(key=lambda r: (-r.pupils, -r.contracts, r.name, r.provider_id))
    return tuple(rows)
