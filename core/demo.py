"""A realistic demo region (Еврейская автономная область, concept 003 of the sources),
built through the same CSV imports an operator uses, so the demo exercises the real path."""

from __future__ import annotations

import csv
import io
import random

from sqlalchemy import func, select

from core import port
from core.accounting import month_close
from core.catalogue.catalogue_import import CATALOGUE_COLUMNS, import_catalogue
from core.catalogue.municipalities_import import (
    CHILDREN_COLUMNS,
    MUNICIPALITY_COLUMNS,
    OFFICE_COLUMNS,
    import_municipalities,
)
from core.errors import DomainError
from core.rules.calendar import school_year_of
from core.rules.import_cells import ImportReport
from core.storage.db import Database, UnitOfWork
from core.storage.models import Program, Provider

REGION = "Еврейская автономная область"
# code, name, (lat, lon) of the centre, funded quota, yearly nominal in roubles
MUNICIPALITIES = (
    ("birobidzhan", "г. Биробиджан", (48.7946, 132.9218), 900, 24000),
    ("birobidzhansky", "Биробиджанский район", (48.6650, 132.9750), 150, 18000),
    ("leninsky", "Ленинский район", (47.9280, 132.6250), 180, 18000),
    ("obluchensky", "Облученский район", (49.0050, 131.0530), 200, 18000),
    ("oktyabrsky", "Октябрьский район", (47.7010, 131.1000), 120, 18000),
    ("smidovichsky", "Смидовичский район", (48.6040, 133.8260), 160, 18000),
)
# children aged 5–17 living there (the reports' coverage): made-up round figures of the
# demo, in proportion to the region's towns, not statistics
CHILDREN_5_17 = {
    "birobidzhan": 11000,
    "birobidzhansky": 1900,
    "leninsky": 2300,
    "obluchensky": 3000,
    "oktyabrsky": 1300,
    "smidovichsky": 2700,
}
STREETS = (
    "ул. Шолом-Алейхема",
    "пр. 60-летия СССР",
    "ул. Ленина",
    "ул. Пионерская",
    "ул. Советская",
    "ул. Школьная",
    "ул. Октябрьская",
    "ул. Калинина",
)
# direction: (program names, typical ages)
PROGRAMS = {
    "technical": (
        (
            "Робототехника LEGO",
            "Юный программист",
            "3D-моделирование",
            "Авиамоделирование",
            "Радиоэлектроника",
            "Основы Python",
        ),
        (7, 17),
    ),
    "science": (
        (
            "Юный эколог",
            "Занимательная химия",
            "Мир под микроскопом",
            "Астрономия",
            "Опыты и эксперименты",
        ),
        (6, 16),
    ),
    "sports": (
        (
            "Футбол",
            "Вольная борьба",
            "Шахматы",
            "Плавание",
            "Лыжные гонки",
            "Дзюдо",
            "Настольный теннис",
        ),
        (5, 17),
    ),
    "arts": (
        (
            "Вокальная студия «Ёлочка»",
            "Изостудия «Палитра»",
            "Хореография",
            "Театральная студия",
            "Гитара",
            "Декоративно-прикладное творчество",
        ),
        (5, 17),
    ),
    "tourism": (
        ("Юный турист", "Краеведение Приамурья", "Спортивное ориентирование", "Школьный музей"),
        (8, 17),
    ),
    "social": (
        (
            "Английский язык",
            "Юный журналист",
            "Волонтёры",
            "Основы финансовой грамотности",
            "Подготовка к школе «Умка»",
        ),
        (5, 17),
    ),
}
PROVIDERS = (
    ("ddt", "МБУ ДО «Дом детского творчества»", False),
    ("dyussh", "МБУ ДО «Детско-юношеская спортивная школа»", False),
    ("syut", "МБУ ДО «Станция юных техников»", False),
    ("ip", "ИП Самойлова Е. В. (студия развития)", False),
    ("dshi", "МБУ ДО «Детская школа искусств»", True),
)
# who teaches a group (made up): chosen by the group's number, not drawn, so the rest of
# the demo stays what the seed makes it
TEACHERS = (
    "Соколова Анна Викторовна",
    "Петров Игорь Николаевич",
    "Ким Елена Сергеевна",
    "Гольдман Марк Аронович",
    "Кузнецова Ольга Дмитриевна",
    "Васильев Денис Андреевич",
    "Лебедева Татьяна Юрьевна",
)
DAYS = ("Пн, Ср 15:00–16:30", "Вт, Чт 16:00–17:30", "Сб 10:00–12:00", "Пн, Пт 17:00–18:30")


def municipalities_csv(school_year: int, *, opens: str = "") -> str:
    """The region's settings for a school year; ``opens``: the day its applications open
    (the summer campaign), blank for none."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [*MUNICIPALITY_COLUMNS, *OFFICE_COLUMNS, *CHILDREN_COLUMNS, "applications_open"]
    )
    for code, name, _, quota, nominal in MUNICIPALITIES:
        # a made-up office, marked as such: where the demo family would bring documents
        office = (
            f"{name}, ул. Центральная, 1, каб. 5 (демо)",
            "Пн–Пт 9:00–17:00 (демо)",
            "+7 42622 0-00-00 (демо)",
        )
        children = (CHILDREN_5_17[code], school_year)
        writer.writerow(
            [code, name, REGION, school_year, quota, nominal, 2, *office, *children, opens]
        )
    return out.getvalue()


def catalogue_csv(seed: int = 2026) -> str:
    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CATALOGUE_COLUMNS, "online", "ovz", "teacher"])
    n = 0
    for code, muni_name, (lat, lon), *_ in MUNICIPALITIES:
        for direction, (names, (lo, hi)) in PROGRAMS.items():
            for name in rnd.sample(names, k=min(len(names), rnd.randint(3, 4))):
                n += 1
                pkey, pname, art = _provider_for(direction, rnd)
                register = rnd.choices(
                    ("certified", "significant", "preprofessional", "other"), (6, 2, 1, 1)
                )[0]
                if art:
                    register = "preprofessional"
                age_min = rnd.randint(lo, lo + 3)
                age_max = rnd.randint(max(age_min + 2, hi - 4), hi)
                price = (
                    0
                    if register != "certified"
                    else rnd.choice((1200, 1500, 1800, 2000, 2400, 2500, 3000, 3500))
                )
                start, end = rnd.choice(((9, 5), (9, 5), (10, 5), (9, 12), (1, 5)))
                street = rnd.choice(STREETS)
                for g in range(rnd.randint(1, 2)):
                    writer.writerow(
                        [
                            f"{code}-{pkey}",
                            f"{pname}, {muni_name}",
                            "да" if art else "нет",
                            f"demo-{n:04d}",
                            name,
                            f"{name}: занятия для детей {age_min}–{age_max} лет. "
                            f"{rnd.choice(('Опытные педагоги.', 'Группы до 15 человек.', 'Выступления и соревнования.', 'Всё необходимое выдаём.'))}",  # noqa: E501
                            code,
                            f"{muni_name}, {street}, {rnd.randint(1, 80)}",
                            f"{lat + rnd.uniform(-0.03, 0.03):.5f}",
                            f"{lon + rnd.uniform(-0.03, 0.03):.5f}",
                            direction,
                            register,
                            age_min,
                            age_max,
                            price,
                            start,
                            end,
                            f"demo-{n:04d}-{g + 1}",
                            f"Группа {g + 1}",
                            DAYS[(n + g) % len(DAYS)],
                            rnd.choice((1, 2, 8, 10, 12, 15)),
                            # some held online, some suitable for children with
                            # disabilities: every search filter finds something
                            "да" if n % 6 == 0 else "нет",
                            "да" if n % 4 == 1 else "нет",
                            TEACHERS[(n * 2 + g) % len(TEACHERS)],
                        ]
                    )
    return out.getvalue()


def _provider_for(direction: str, rnd: random.Random) -> tuple[str, str, bool]:
    if direction == "sports":
        return PROVIDERS[rnd.choice((1, 3))]
    if direction == "technical":
        return PROVIDERS[rnd.choice((2, 3, 0))]
    if direction == "arts":
        return PROVIDERS[rnd.choice((0, 4, 4))]
    return PROVIDERS[rnd.choice((0, 3))]


async def make_demo_confirmer(uow: UnitOfWork, platform: str, external_id: str) -> None:
    """The terminal demo's person confirms children's data too (region-wide)."""
    from core.family import parents
    from core.staff import roles

    parent = await parents.get_or_create(uow, platform, external_id)
    code = MUNICIPALITIES[0][0]
    await roles.grant_parent(uow, parent.id, "confirmer", municipality_code=code, region_wide=True)


DEMO_ROLES = ("provider", "coordinator")  # what the terminal's person may also act as


async def take_demo_role(uow: UnitOfWork, platform: str, external_id: str, role: str) -> int:
    """The terminal demo's person becomes staff of the demo's first town as well: of every
    organisation there (their groups' applications), or its coordinator (announcements).
    Returns how many roles that is. Only the terminal demo calls this."""
    from core.family import parents
    from core.staff import roles

    if role not in DEMO_ROLES:
        raise DomainError("not_allowed")
    parent = await parents.get_or_create(uow, platform, external_id)
    code = MUNICIPALITIES[0][0]
    if role == "coordinator":
        await roles.grant_parent(uow, parent.id, "coordinator", municipality_code=code)
        return 1
    providers = list(
        await uow.session.scalars(
            select(Provider.external_id)
            .where(Provider.external_id.like(f"{code}-%"))
            .order_by(Provider.external_id)
        )
    )
    for external in providers:
        await roles.grant_parent(uow, parent.id, "provider", provider_external_id=external)
    return len(providers)


async def seed_demo(uow: UnitOfWork) -> tuple[ImportReport, ImportReport]:
    year = school_year_of(uow.today)
    munis = await import_municipalities(uow, municipalities_csv(year))
    # the next school year's settings: its applications open on 1 June, so the summer
    # campaign can be tried (the demo's clock moved to the summer, DEMO_TODAY or /demo)
    await import_municipalities(uow, municipalities_csv(year + 1, opens=f"01.06.{year + 1}"))
    catalogue = await import_catalogue(uow, catalogue_csv())
    return munis, catalogue


async def _seed_if_empty(uow: UnitOfWork) -> bool:
    if await uow.session.scalar(select(func.count()).select_from(Program)):
        return False
    await seed_demo(uow)
    return True


class Demo:
    """``core.port.Demo`` over one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def seed_if_empty(self) -> bool:
        return await self.db.run(_seed_if_empty)

    async def make_confirmer(self, platform: str, external_id: str) -> None:
        await self.db.run(make_demo_confirmer, platform, external_id)

    async def take_role(self, platform: str, external_id: str, role: str) -> int:
        return await self.db.run(take_demo_role, platform, external_id, role)

    async def close_month(self, month: int) -> port.CloseResult:
        return await self.db.run(month_close.close_month, month)
