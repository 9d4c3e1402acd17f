"""The operator's commands (``core.port.Operator``) over one database: each an audited act
of the operator, in the unit of work of what it does (an import, applied a chunk at a
time, is audited in one of its own after its chunks)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeVar

from core import demo, port
from core.accounting import month_close, new_year, payments
from core.audit import audit
from core.catalogue import catalogue_import, municipalities_import
from core.enrolment import concluding
from core.errors import DomainError
from core.register import register_import
from core.reports import report as reports
from core.rules.calendar import month_label
from core.staff import roles
from core.storage.db import Database, UnitOfWork
from core.storage.migrate import upgrade
from core.usecases import jobs

T = TypeVar("T")
R = TypeVar("R", bound=port.ImportReport)


def migrate(database_url: str) -> None:
    """Bring the database schema to the latest version (alembic upgrade head)."""
    upgrade(database_url)


@asynccontextmanager
async def connect(
    database_url: str, *, timezone: str, register_secret: bytes, actor: str
) -> AsyncIterator[port.Operator]:
    """The operator's commands over the database at ``database_url``, acting as ``actor``."""
    db = Database(database_url, timezone=timezone, register_secret=register_secret)
    try:
        yield Operator(db, actor)
    finally:
        await db.dispose()


def _imported(report: port.ImportReport) -> tuple[str, str | None]:
    counts = f"created:{report.created} updated:{report.updated} errors:{len(report.errors)}"
    return ("ok" if not report.errors else "with-errors"), counts


class Operator:
    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor

    async def _audited(
        self,
        name: str,
        action: Callable[[UnitOfWork], Awaitable[T]],
        outcome: Callable[[T], tuple[str, str | None]],
        *,
        detail: str | None = None,
    ) -> T:
        """``action`` and its audit record in one unit of work; a refusal is recorded too
        (in a unit of work of its own, the action's being rolled back), then raised."""
        actor = self.actor

        async def go(uow: UnitOfWork) -> T:
            result = await action(uow)
            what, more = outcome(result)
            await audit.record(
                uow, actor, name, outcome=what, detail=" ".join(p for p in (detail, more) if p)
            )
            return result

        async def refused(uow: UnitOfWork, code: str) -> None:
            await audit.record(uow, actor, name, outcome=code, detail=detail)

        try:
            return await self.db.run(go)
        except DomainError as exc:
            await self.db.run(refused, exc.code)
            raise

    async def _chunked(self, name: str, work: Awaitable[R], *, detail: str) -> R:
        """An import applied in chunks (each its own unit of work), then its audit record
        in one of its own: what the chunks did is in it whether the import ended well or
        not."""
        report = await work
        what, more = _imported(report)

        async def record(uow: UnitOfWork) -> None:
            await audit.record(uow, self.actor, name, outcome=what, detail=f"{detail} {more}")

        await self.db.run(record)
        return report

    async def seed_demo(self) -> tuple[port.ImportReport, port.ImportReport]:
        return await self.db.run(demo.seed_demo)

    async def import_catalogue(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> port.ImportReport:
        work = catalogue_import.import_catalogue_file(self.db, text, all_or_nothing=all_or_nothing)
        return await self._chunked("import-catalog", work, detail=detail)

    async def import_municipalities(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> port.ImportReport:
        work = municipalities_import.import_municipalities_file(
            self.db, text, all_or_nothing=all_or_nothing
        )
        return await self._chunked("import-municipalities", work, detail=detail)

    async def import_certificates(
        self, text: str, *, all_or_nothing: bool, detail: str
    ) -> port.RegisterReport:
        work = register_import.import_register(self.db, text, all_or_nothing=all_or_nothing)
        return await self._chunked("import-certificates", work, detail=detail)

    async def close_month(self, month: int, *, detail: str) -> port.CloseResult:
        return await self._audited(
            "close-month",
            lambda uow: month_close.close_month(uow, month),
            lambda r: (
                ("already-closed", None)
                if r.already_closed
                else ("ok", f"debits:{r.debits} kopecks:{r.debited} releases:{r.releases}")
            ),
            detail=detail,
        )

    async def open_year(
        self, year: int, *, close_missing: bool, calendar: bool
    ) -> port.YearResult:
        opener = new_year.open_funding_year if calendar else new_year.open_year
        return await self._audited(
            "open-year",
            lambda uow: opener(uow, year, close_missing=close_missing),
            lambda r: (
                ("already-open", None)
                if r.already_open
                else ("ok", f"expired:{r.expired} credited:{r.credited} granted:{r.granted}")
            ),
            detail=f"year:{year} " + ("calendar" if calendar else "school"),
        )

    async def grant_role(
        self,
        identity: str,
        role: str,
        *,
        municipality: str | None,
        provider: str | None,
        region_wide: bool,
    ) -> int:
        return await self.db.run(
            lambda uow: roles.grant(
                uow,
                identity,
                role,
                municipality_code=municipality,
                provider_external_id=provider,
                region_wide=region_wide,
                by=self.actor,
            )
        )

    async def revoke_role(
        self, identity: str, role: str, *, municipality: str | None, provider: str | None
    ) -> port.Revoked:
        return await self.db.run(
            lambda uow: roles.revoke(
                uow,
                identity,
                role,
                municipality_code=municipality,
                provider_external_id=provider,
                by=self.actor,
            )
        )

    async def roles(self) -> list[port.Holder]:
        return await self.db.read(roles.holders)

    async def audit_csv(
        self, since: datetime | None, until: datetime | None, municipality: str | None
    ) -> str:
        async def export(uow: UnitOfWork) -> str:
            muni_id = None
            if municipality is not None:
                muni_id = await audit.municipality_id(uow, municipality)
                if muni_id is None:
                    raise DomainError("municipality_not_found")
            found = await audit.rows(uow, since=since, until=until, municipality_id=muni_id)
            return audit.to_csv(found)

        return await self.db.read(export)

    async def expire_applications(self, days: int) -> int:
        return await jobs.expire_unanswered(self.db, days)

    async def expire_offers(self) -> int:
        return await jobs.expire_offers(self.db)

    async def lapse_contracts(self) -> int:
        return await concluding.lapse_offers(self.db)

    async def payments(self, month: int, *, fmt: str) -> list[port.PaymentLine]:
        return await self._audited(
            "payments",
            lambda uow: payments.register(uow, month),
            lambda r: (
                "ok",
                f"format:{fmt} contracts:{len(r)} kopecks:{sum(x.amount for x in r)}",
            ),
            detail=f"month:{month_label(month)}",
        )

    async def report(self, municipality: str | None, *, detail: str) -> port.Report:
        async def find(uow: UnitOfWork) -> port.Report:
            muni_id = None
            if municipality is not None:
                muni_id = await audit.municipality_id(uow, municipality)
                if muni_id is None:
                    raise DomainError("municipality_not_found")
            return await reports.build(uow, muni_id)

        async def record(uow: UnitOfWork, outcome: str, muni: int | None) -> None:
            await audit.record(
                uow, self.actor, "report", municipality=muni, outcome=outcome, detail=detail
            )

        try:
            found = await self.db.read(find)
        except DomainError as exc:
            await self.db.run(record, exc.code, None)
            raise
        # a read of personal-data aggregates is an operator's act: recorded before shown
        await self.db.run(record, "ok", found.municipality_id)
        return found
