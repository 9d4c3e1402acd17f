"""The unit of work rolls back unless committed; repositories never commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.family import parents
from core.storage.models import Parent


async def _parents(db) -> int:
    async with db.reader() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Parent)))


async def test_uncommitted_work_is_rolled_back(db):
    async with db.uow() as uow:
        await parents.get_or_create(uow, "tg", "1")
    assert await _parents(db) == 0


async def _fail_midway(db) -> None:
    async with db.uow() as uow:
        await parents.get_or_create(uow, "tg", "1")
        raise RuntimeError("boom")


async def test_work_is_rolled_back_on_error(db):
    with pytest.raises(RuntimeError):
        await _fail_midway(db)
    assert await _parents(db) == 0


async def test_committed_work_stays(db):
    async with db.uow() as uow:
        await parents.get_or_create(uow, "tg", "1")
        await uow.commit()
    assert await _parents(db) == 1
