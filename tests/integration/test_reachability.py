"""An account a refused send marked unreachable is reachable again as soon as its person
writes: resolving the account lifts the mark, and only a marked account is written."""

from __future__ import annotations

from sqlalchemy import event, select

from core.family import parents
from core.storage.models import Identity
from core.usecases import UseCases


async def _mark(db, platform: str, user: str):  # type: ignore[no-untyped-def]
    async with db.reader() as uow:
        return await uow.session.scalar(
            select(Identity.unreachable_at).where(
                Identity.platform == platform, Identity.external_id == user
            )
        )


async def test_the_person_writing_lifts_the_mark_and_nothing_else_is_written(db):
    core = UseCases(db)
    first = await core.family.resolve("tg", "501", "ru")
    await core.family.resolve("vk", "501", "ru")  # another family's account, same number
    async with db.uow() as uow:
        await parents.mark_unreachable(uow, "tg", "501")
        await parents.mark_unreachable(uow, "vk", "501")
        await uow.commit()
    assert await _mark(db, "tg", "501") is not None

    writes: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    sync_engine = db.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        again = await core.family.resolve("tg", "501", "ru")
        assert again == first
        assert len(writes) == 1  # the mark lifted
        writes.clear()
        await core.family.resolve("tg", "501", "ru")
        assert writes == []  # not marked: a read only
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert await _mark(db, "tg", "501") is None
    assert await _mark(db, "vk", "501") is not None  # the other account stays marked
