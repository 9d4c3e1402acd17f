"""Parents: identities per platform, consent to personal-data processing, withdrawal."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError
from core.storage import locks
from core.storage.db import UnitOfWork
from core.storage.fast import hot
from core.storage.models import (
    Identity,
    Parent,
    Role,
)

logger = logging.getLogger(__name__)

CONSENT_VERSION = "2026-09"
# a platform is an opaque key its surface registers ("tg", "vk", "max", …): the core
# only checks its shape and never branches on it
PLATFORM_KEY = re.compile(r"[a-z][a-z0-9]{1,7}")


def valid_platform(platform: str) -> bool:
    return PLATFORM_KEY.fullmatch(platform) is not None


@dataclass(frozen=True, slots=True)
class ParentView:
    id: int
    language: str
    consent: bool
    consent_at: datetime | None
    consent_version: str | None
    withdrawn_at: datetime | None
    announcements: bool
    roles: tuple[str, ...]


async def get_or_create(
    uow: UnitOfWork, platform: str, external_id: str, language: str = "ru"
) -> Parent:
    if not valid_platform(platform):
        raise ValueError("not a platform key")
    parent = await uow.session.scalar(
        select(Parent)
        .join(Identity, Identity.parent_id == Parent.id)
        .where(Identity.platform == platform, Identity.external_id == external_id)
    )
    if parent is not None:
        return parent
    try:
        # two first messages of one person at once (two replicas): one identity wins, the
        # other transaction finds it
        async with uow.session.begin_nested():
            parent = Parent(language=language, created_at=uow.now, announcements=True)
            uow.session.add(parent)
            await uow.session.flush()
            uow.session.add(
                Identity(parent_id=parent.id, platform=platform, external_id=external_id)
            )
            await uow.session.flush()
    except IntegrityError:
        found = await uow.session.scalar(
            select(Parent)
            .join(Identity, Identity.parent_id == Parent.id)
            .where(Identity.platform == platform, Identity.external_id == external_id)
        )
        if found is None:
            raise
        return found
    logger.info("new parent %s on %s", parent.id, platform)
    return parent


async def resolve(
    uow: UnitOfWork, platform: str, external_id: str, language: str = "ru"
) -> tuple[Parent, int | None]:
    """The family of this account, and the child it acts for when it is a child's own
    account (a child of 14 or more); None for a parent's account."""
    parent = await get_or_create(uow, platform, external_id, language)
    return parent, await acting_child(uow, platform, external_id)


# a child's own account may have chosen a language of its own
# built once with its parameters bound by name: a statement built per call has its cache
# key walked on every execution (each person's first event of a day reads it)
_KNOWN = (
    select(
        Parent.id,
        func.coalesce(Identity.language, Parent.language),
        Identity.child_id,
        Identity.unreachable_at.is_not(None),
    )
    .join(Identity, Identity.parent_id == Parent.id)
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    )
)


@dataclass(frozen=True, slots=True)
class Known:
    parent_id: int
    language: str
    teen: int | None  # the child a child's own account acts for
    unreachable: bool  # marked so by a refused send: the person is writing again


async def known(uow: UnitOfWork, platform: str, external_id: str) -> Known | None:
    """An account already known: its family, the family's language, the child it acts for
    and whether it is marked unreachable, in one read (what most first events of a day
    need); None for a new person."""
    if not valid_platform(platform):
        raise ValueError("not a platform key")
    row = (await uow.core(_KNOWN, {"platform": platform, "external_id": external_id})).first()
    return Known(row[0], row[1], row[2], bool(row[3])) if row is not None else None


async def acting_child(uow: UnitOfWork, platform: str, external_id: str) -> int | None:
    return await uow.session.scalar(
        select(Identity.child_id).where(
            Identity.platform == platform, Identity.external_id == external_id
        )
    )


# the parent and their roles in one statement (a row per role; one row with no role)
_VIEW = (
    select(
        Parent.language,
        Parent.consent_at,
        Parent.consent_version,
        Parent.consent_withdrawn_at,
        Parent.announcements,
        Role.role,
    )
    .outerjoin(Role, Role.parent_id == Parent.id)
    .where(Parent.id == bindparam("pid"))
)


async def view(uow: UnitOfWork, parent_id: int) -> ParentView:
    rows = (await uow.core(_VIEW, {"pid": parent_id})).all()
    if not rows:
        raise DomainError("parent_not_found")
    first = rows[0]
    return ParentView(
        id=parent_id,
        language=first.language,
        consent=first.consent_at is not None,
        consent_at=first.consent_at,
        consent_version=first.consent_version,
        withdrawn_at=first.consent_withdrawn_at,
        announcements=first.announcements,
        roles=tuple(sorted({r.role for r in rows if r.role is not None})),
    )


async def require_consent(uow: UnitOfWork, parent_id: int) -> Parent:
    parent = await uow.session.get(Parent, parent_id, populate_existing=True)
    if parent is None:
        raise DomainError("parent_not_found")
    if parent.consent_at is None:
        raise DomainError("consent_required")
    return parent


async def give_consent(uow: UnitOfWork, parent_id: int, version: str = CONSENT_VERSION) -> None:
    await locks.families(uow, parent_id)
    parent = await uow.session.get(Parent, parent_id, populate_existing=True)
    if parent is None:
        raise DomainError("parent_not_found")
    parent.consent_at = uow.now
    parent.consent_version = version
    await uow.session.flush()


async def set_language(
    uow: UnitOfWork, parent_id: int, language: str, child_id: int | None = None
) -> None:
    """The family's language (its notices and its parent's accounts); a child's own account
    (``child_id``) changes only its own, never the family's."""
    if child_id is not None:
        await uow.session.execute(
            update(Identity)
            .where(Identity.parent_id == parent_id, Identity.child_id == child_id)
            .values(language=language)
            .execution_options(synchronize_session=False)
        )
        return
    await uow.session.execute(
        update(Parent).where(Parent.id == parent_id).values(language=language)
    )


async def set_announcements(uow: UnitOfWork, parent_id: int, enabled: bool) -> None:
    await uow.session.execute(
        update(Parent).where(Parent.id == parent_id).values(announcements=enabled)
    )


async def accounts(uow: UnitOfWork, parent_id: int) -> list[str]:
    """The family's messenger accounts as "platform:id" (their dialog states are keyed so)."""
    rows = await uow.session.execute(
        select(Identity.platform, Identity.external_id).where(Identity.parent_id == parent_id)
    )
    return [f"{platform}:{external}" for platform, external in rows]


@dataclass(frozen=True, slots=True)
class NoticeChannels:
    platforms: tuple[str, ...]  # the messengers the parent has, first linked first
    current: str | None  # where notices go now


async def notice_channels(uow: UnitOfWork, parent_id: int) -> NoticeChannels:
    """The parent's own messengers (not a child's account) and the one notices go to: the
    chosen one, otherwise the first (the rule delivery follows)."""
    rows = await uow.session.execute(
        select(Identity.platform, Parent.notices_to)
        .join(Parent, Parent.id == Identity.parent_id)
        .where(Identity.parent_id == parent_id, Identity.child_id.is_(None))
        .order_by(Identity.id)
    )
    found = rows.all()
    platforms = tuple(dict.fromkeys(p for p, _ in found))
    chosen = found[0][1] if found else None
    current = chosen if chosen in platforms else (platforms[0] if platforms else None)
    return NoticeChannels(platforms, current)


async def choose_notices_to(uow: UnitOfWork, parent_id: int, platform: str) -> None:
    """Notices go to this messenger of the parent's from now on."""
    channels = await notice_channels(uow, parent_id)
    if platform not in channels.platforms:
        raise DomainError("stale-button")
    await uow.session.execute(
        update(Parent).where(Parent.id == parent_id).values(notices_to=platform)
    )


async def mark_unreachable(uow: UnitOfWork, platform: str, external_id: str) -> None:
    """The platform refuses to deliver to this person (blocked the bot, closed messages)."""
    await uow.session.execute(
        update(Identity)
        .where(Identity.platform == platform, Identity.external_id == external_id)
        .values(unreachable_at=uow.now)
    )


async def mark_reachable(uow: UnitOfWork, platform: str, external_id: str) -> None:
    """The person wrote from this account (unblocked the bot, allowed messages again):
    notices reach it again. Writes only where the mark is set."""
    await uow.session.execute(
        update(Identity)
        .where(
            Identity.platform == platform,
            Identity.external_id == external_id,
            Identity.unreachable_at.is_not(None),
        )
        .values(unreachable_at=None)
    )


# run by the short way on PostgreSQL (core/storage/fast.py): the opening-day storm's
for _hot in (_KNOWN, _VIEW):
    hot(_hot)
