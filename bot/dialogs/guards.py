"""What the engine checks before and around a flow: the text a person typed, what a child's
own account may do, and whether a failure means the database or Redis is out of reach (as
opposed to a mistake of ours)."""

from __future__ import annotations

import dataclasses

from bot.dialogs.events import Event
from core.errors import DomainError

# C0 controls and DEL, but not tab and newline: NUL in text is refused by PostgreSQL, the
# rest are never meant as text
CONTROLS = dict.fromkeys(c for c in [*range(32), 127] if c not in (9, 10))


def clean(event: Event) -> Event:
    """What a person typed, without control characters (a NUL in a search reaches SQL)."""
    if event.text and not event.text.isprintable():
        return dataclasses.replace(event, text=event.text.translate(CONTROLS))
    return event


def teen_may(teen: int | None, allowed: bool) -> None:
    """Refuse a child's own account (14+) a command or button not theirs: theirs are the
    flows declared with ``teen=True`` (search, their applications and balance, help) and
    the few of other flows declared so (the menu, the language); a child registered alone
    also those of the flows declared ``alone=True`` (/privacy: the engine asks the core
    whether the family has a parent's account yet); the rest is the parent's, or staff's."""
    if teen is not None and not allowed:
        raise DomainError("teen_not_allowed")


def unavailable(exc: BaseException) -> bool:
    """The database or Redis cannot be reached (as opposed to a mistake in our code)."""
    import redis.exceptions
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        OSError
        | TimeoutError
        | OperationalError
        | InterfaceError
        | PoolTimeout
        | redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError,
    )
