"""Many parents at once, straight into the tables (the services are tested elsewhere)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert

from core.storage.db import Database
from core.storage.models import Child, Identity, Parent

NOW = datetime(2026, 10, 5, 12, 0)


async def add_parents(
    db: Database,
    count: int,
    *,
    platform_of=lambda n: "tg",
    first: int = 100_000,
    municipality_id: int = 1,
) -> list[tuple[int, str, str]]:
    """(parent id, platform, external id) for ``count`` consenting parents, each with a child."""
    async with db.uow() as uow:
        rows = []
        for n in range(count):
            result = await uow.session.execute(
                insert(Parent).values(
                    language="ru",
                    created_at=NOW,
                    consent_at=NOW,
                    consent_version="t",
                    announcements=True,
                )
            )
            pid = result.inserted_primary_key[0]
            platform = platform_of(n)
            external = str(first + n)
            rows.append((pid, platform, external))
        await uow.session.execute(
            insert(Identity),
            [{"parent_id": p, "platform": pl, "external_id": e} for p, pl, e in rows],
        )
        await uow.session.execute(
            insert(Child),
            [
                {
                    "parent_id": p,
                    "surname": "Тестов",
                    "name": "Тест",
                    "birth_date": date(2016, 1, 1),
                    "municipality_id": municipality_id,
                    "created_at": NOW,
                }
                for p, _, _ in rows
            ],
        )
        await uow.commit()
    return rows
