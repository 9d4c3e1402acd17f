"""Children, certificates and the funding queue: one pass over each table, grouped by
municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, distinct, func, select

from core.reports.figures import Coverage, Queue
from core.rules.enrolment import AppStatus, CertStatus
from core.storage.db import UnitOfWork
from core.storage.models import Application, Certificate, Child, Municipality

# a child holds an active certificate while it is one of these (учёта, or queued for
# funding, or funded); awaiting and rejected are not yet confirmed, closed is over
CERTIFIED = (CertStatus.ACCOUNTING.value, CertStatus.QUEUED.value, CertStatus.FUNDED.value)


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    code: str
    name: str
    period: str
    children_5_17: int | None
    counted_year: int | None


async def places(uow: UnitOfWork, municipality_id: int | None) -> list[Place]:
    query = select(
        Municipality.id,
        Municipality.code,
        Municipality.name,
        Municipality.funding_period,
        Municipality.children_5_17,
        Municipality.children_5_17_year,
    ).order_by(Municipality.name, Municipality.id)
    if municipality_id is not None:
        query = query.where(Municipality.id == municipality_id)
    return [Place(*row) for row in (await uow.session.execute(query)).all()]


def _scoped(query: Any, column: Any, municipality_id: int | None) -> Any:
    return query if municipality_id is None else query.where(column == municipality_id)


def _count_if(condition: Any) -> Any:
    # SUM(CASE …) rather than COUNT(*) FILTER: one spelling on both databases
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def coverage_and_queue(
    uow: UnitOfWork, scope: list[Place], municipality_id: int | None
) -> tuple[tuple[Coverage, ...], tuple[Queue, ...]]:
    s = uow.session
    registered = dict(
        (
            await s.execute(
                _scoped(
                    select(Child.municipality_id, func.count()).group_by(Child.municipality_id),
                    Child.municipality_id,
                    municipality_id,
                )
            )
        ).all()
    )
    certs = {
        row[0]: row[1:]
        for row in (
            await s.execute(
                _scoped(
                    select(
                        Certificate.municipality_id,
                        _count_if(Certificate.status.in_(CERTIFIED)),
                        _count_if(Certificate.status == CertStatus.FUNDED.value),
                        _count_if(Certificate.status == CertStatus.QUEUED.value),
                        func.min(
                            case(
                                (
                                    Certificate.status == CertStatus.QUEUED.value,
                                    Certificate.funding_requested_at,
                                ),
                                else_=None,
                            )
                        ),
                    ).group_by(Certificate.municipality_id),
                    Certificate.municipality_id,
                    municipality_id,
                )
            )
        ).all()
    }
    # a child is counted once however many programs it studies in; by the child's own
    # municipality (where it lives), not the program's
    enrolled = dict(
        (
            await s.execute(
                _scoped(
                    select(Child.municipality_id, func.count(distinct(Application.child_id)))
                    .join(Child, Child.id == Application.child_id)
                    .where(Application.status == AppStatus.ENROLLED.value)
                    .group_by(Child.municipality_id),
                    Child.municipality_id,
                    municipality_id,
                )
            )
        ).all()
    )
    coverage, queues = [], []
    for p in scope:
        certified, funded, queued, oldest = certs.get(p.id, (0, 0, 0, None))
        coverage.append(
            Coverage(
                p.id,
                p.code,
                p.name,
                p.children_5_17,
                p.counted_year,
                int(registered.get(p.id, 0)),
                int(certified),
                int(funded),
                int(enrolled.get(p.id, 0)),
            )
        )
        queues.append(Queue(p.id, int(queued), _naive(oldest), _days(uow.now, oldest)))
    coverage.append(_total(coverage))
    queues.append(_queue_total(uow.now, queues))
    return tuple(coverage), tuple(queues)


def _naive(value: datetime | str | None) -> datetime | None:
    # SQLite hands MIN() over a DateTime column back as text
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _days(now: datetime, oldest: datetime | str | None) -> int | None:
    since = _naive(oldest)
    return None if since is None else max(0, (now - since).days)


def _total(rows: list[Coverage]) -> Coverage:
    known = [r.children_5_17 for r in rows]
    # the region's share only when every municipality's children are counted: a sum of
    # some would overstate it
    children = sum(k for k in known if k is not None) if None not in known and known else None
    years = [r.counted_year for r in rows if r.counted_year is not None]
    return Coverage(
        None,
        None,
        "",
        children,
        max(years) if years and children is not None else None,
        sum(r.registered for r in rows),
        sum(r.certified for r in rows),
        sum(r.funded for r in rows),
        sum(r.enrolled for r in rows),
    )


def _queue_total(now: datetime, rows: list[Queue]) -> Queue:
    oldest = min((r.oldest_request for r in rows if r.oldest_request is not None), default=None)
    return Queue(None, sum(r.length for r in rows), oldest, _days(now, oldest))
