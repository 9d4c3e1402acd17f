"""What the engine checks before and around a flow: the text a person typed, what a child's
own account may do, and whether a failure means the database or Redis is out of reach (as
opposed to a mistake of ours)."""

from __future__ import annotations

import dataclasses

from bot.dialogs.events import Event
from bot.dialogs.flow import Flow
from core.errors import DomainError

# C0 controls and DEL, but not tab and newline: NUL in text is refused by PostgreSQL, the
# rest are never meant as text
CONTROLS = dict.fromkeys(c for c in [*range(32), 127] if c not in (9, 10))


def clean(event: Event) -> Event:
    """What a person typed, without control characters (a NUL in a search reaches SQL)."""
    if event.text and not event.text.isprintable():
        return dataclasses.replace(event, text=event.text.translate(CONTROLS))
    return event


# what a child's own account (14+) may do: the flows declared with teen=True (search, apply
# for themselves, their applications and balance, help), and these commands and buttons of
# the others (the menu, help and language); everything else is the parent's
TEEN_NAMES = frozenset({"menu", "help", "lang", "language", "cancel", "start", "prog"})


def teen_may(teen: int | None, name: str, flow: Flow) -> None:
    """Refuse a child's own account a command or button of a flow not theirs."""
    if teen is None or name in TEEN_NAMES:
        return
    if not flow.teen:
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
