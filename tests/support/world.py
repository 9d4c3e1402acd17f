"""Builders for integration tests: a municipality, a catalogue, a parent with a child."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.catalogue import catalogue_import, municipalities_import
from core.certificates import certificates, confirmations
from core.enrolment import concluding, decisions
from core.enrolment.decisions import Decision
from core.family import children, parents
from core.rules.enrolment import AppStatus
from core.staff import roles
from core.storage.db import Database
from core.storage.models import Application, Municipality

MUNIS = (
    "code,name,region,school_year,funded_quota,nominal_rub,budget_programs_limit\n"
    "town,Город,Регион,2026,{quota},{nominal},{limit}\n"
    "village,Село,Регион,2026,5,10000,2\n"
)
HEADER = ",".join(catalogue_import.CATALOGUE_COLUMNS)


def catalogue_row(
    n: int,
    *,
    register: str = "certified",
    price: int | str = 1000,
    seats: int = 10,
    ages: tuple[int, int] = (5, 17),
    months: tuple[int, int] = (9, 5),
    art: bool = False,
    direction: str = "technical",
    muni: str = "town",
    name: str | None = None,
    schedule: str = "Пн 15:00",
) -> str:
    return (
        f"prov{1 if not art else 2},Провайдер {'ДШИ' if art else 'ДДТ'},{'да' if art else 'нет'},"
        f"p{n},{name or f'Программа {n}'},Описание {n},{muni},ул. Ленина 1,48.79,132.92,"
        f"{direction},{register},{ages[0]},{ages[1]},{price},{months[0]},{months[1]},"
        f"g{n},Группа {n},{chr(34) + schedule + chr(34) if ',' in schedule else schedule},{seats}"
    )


async def setup_region(
    db: Database, *, quota: int = 10, nominal: int = 12000, limit: int = 2, rows: list[str]
) -> None:
    async with db.uow() as uow:
        report = await municipalities_import.import_municipalities(
            uow, MUNIS.format(quota=quota, nominal=nominal, limit=limit)
        )
        assert report.ok, report.errors
        report = await catalogue_import.import_catalogue(
            uow, HEADER + "\n" + "\n".join(rows) + "\n"
        )
        assert report.ok, report.errors
        await uow.commit()


async def parent_with_child(
    db: Database,
    external: str = "1",
    *,
    born: date = date(2016, 3, 5),
    muni_id: int = 1,
    certificate: str | None = "funded",
    platform: str = "tg",
) -> tuple[int, int]:
    async with db.uow() as uow:
        parent = await parents.get_or_create(uow, platform, external)
        await parents.give_consent(uow, parent.id)
        child_id = await children.add(
            uow,
            parent.id,
            children.ChildInput(_surname(external), "Мария", None, born, None, muni_id),
        )
        if certificate:
            cert_id = await certificates.issue(uow, parent.id, child_id)
            if certificate != "awaiting":
                code = await uow.session.scalar(
                    select(Municipality.code).where(Municipality.id == muni_id)
                )
                staff = await confirmer(uow, code or "town")
                await confirmations.confirm(uow, staff, cert_id)
        if certificate == "funded":
            await certificates.request_funding(uow, parent.id, child_id)
        await uow.commit()
        return parent.id, child_id


async def confirmer(uow, municipality_code: str = "town") -> int:  # type: ignore[no-untyped-def]
    """A МОЦ's staff member of the whole region, who checked the documents."""
    return await roles.grant(
        uow, "tg:990000", "confirmer", municipality_code=municipality_code, region_wide=True
    )


def _surname(external: str) -> str:
    """Every family's child a different child (one child is registered once): family "1"
    keeps the plain surname the texts in tests expect."""
    if external == "1":
        return "Иванова"
    letters = "".join("абвгдежзик"[int(d)] if d.isdigit() else "х" for d in external)
    return f"Иванова-{letters}"


async def group_id(db: Database, external: str) -> int:
    from sqlalchemy import select

    from core.storage.models import Group

    async with db.uow() as uow:
        return int(await uow.session.scalar(select(Group.id).where(Group.external_id == external)))


CONTRACT_TEXT = "ДОГОВОР-ОФЕРТА (как показан семье)"


async def accept_contract(uow, staff: int, app_id: int, *, paper: bool = False) -> Decision:  # type: ignore[no-untyped-def]
    """The provider accepts the application and the contract is concluded: the family
    accepts the offer in the chat (the text it was shown), or with ``paper`` the provider
    records it signed on paper. The money is blocked at the conclusion: its figures are
    returned (``done`` False: not covered, the offer stays open)."""
    status = await uow.session.scalar(select(Application.status).where(Application.id == app_id))
    if status == AppStatus.SUBMITTED.value:
        await decisions.provider_decide(uow, staff, app_id, AppStatus.ACCEPTED)
    if paper:
        return await concluding.sign_paper(uow, staff, app_id)
    family = await uow.session.scalar(
        select(Application.parent_id).where(Application.id == app_id)
    )
    return await concluding.accept(uow, family, app_id, CONTRACT_TEXT, "tg:family")
