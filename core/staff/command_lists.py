"""Which accounts' command menus in their messenger must change, and what each was last
set to: a staff account's menu lists its roles' commands beside a parent's, and loses them
when its last role goes. The operator grants and revokes roles from another process, so
the worker reconciles (bot/notify/command_lists.py): it reads these accounts, sets the
menus whose list differs from the one recorded, and records each one it set.

What is recorded is a fingerprint of the list set (``identities.commands``; NULL: the
messenger's default, the parents' list). A fingerprint is recorded only over the one it was
read with, so a round that raced another round, or a grant, records nothing stale: the
next round sees the difference and sets the list again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select, update

from core.storage.db import UnitOfWork
from core.storage.models import Identity, Parent, Role


@dataclass(frozen=True, slots=True)
class MenuAccount:
    """One account whose menu holds a role's commands or must: ``roles`` empty once none is
    left (a child's own account never has the family's); ``listed`` the fingerprint of the
    list last set, None for the messenger's default."""

    identity_id: int
    external_id: str
    roles: frozenset[str]
    language: str
    listed: str | None


async def accounts(uow: UnitOfWork, platform: str) -> list[MenuAccount]:
    """The platform's reachable accounts of families holding a role, and those whose menu
    was set before (to be reset when no role is left): two indexed reads (the roles are
    few; ix_identities_commands holds only the accounts whose menu was set), not a scan of
    every family's account."""
    columns = (
        Identity.id,
        Identity.external_id,
        Identity.commands,
        Identity.child_id,
        func.coalesce(Identity.language, Parent.language),
    )
    reachable = (Identity.platform == platform, Identity.unreachable_at.is_(None))
    staff = (
        await uow.session.execute(
            select(*columns, Role.role)
            .select_from(Role)
            .join(Identity, Identity.parent_id == Role.parent_id)
            .join(Parent, Parent.id == Identity.parent_id)
            .where(*reachable)
        )
    ).all()
    listed = (
        await uow.session.execute(
            select(*columns, literal(None))
            .join(Parent, Parent.id == Identity.parent_id)
            .where(*reachable, Identity.commands.is_not(None))
        )
    ).all()
    roles: dict[int, set[str]] = {}
    rows: dict[int, tuple[str, str | None, str]] = {}
    for identity_id, external, fingerprint, child_id, language, role in (*staff, *listed):
        held = roles.setdefault(identity_id, set())
        if role is not None and child_id is None:  # a child's own account has none
            held.add(role)
        rows[identity_id] = (external, fingerprint, language)
    return [
        MenuAccount(i, rows[i][0], frozenset(roles[i]), rows[i][2], rows[i][1])
        for i in sorted(rows)
    ]


async def record(uow: UnitOfWork, identity_id: int, seen: str | None, listed: str | None) -> bool:
    """Record that the account's menu now lists ``listed``, if its record is still ``seen``
    (what the list was set from). Whether it was recorded."""
    query = update(Identity).where(Identity.id == identity_id)
    query = query.where(Identity.commands.is_(None) if seen is None else Identity.commands == seen)
    result = await uow.session.execute(
        query.values(commands=listed), execution_options={"synchronize_session": False}
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
