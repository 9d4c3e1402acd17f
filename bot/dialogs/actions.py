"""A button's action: a small frozen dataclass with a short prefix, packed into the
button's payload and unpacked by the engine (after the signature is checked) before any
handler runs, in the manner of aiogram's CallbackData.

    @action("child-remove-yes")
    class RemoveChild(Action):
        child_id: int

    Button(T("btn-remove-yes"), RemoveChild(child.id))    # "child-remove-yes:5~<signature>"

    @flow.action(RemoveChild, on=("child-remove-confirm",))
    async def remove(ctx: Ctx, act: RemoveChild) -> Screen: ...

Fields are ``int`` (0 to PostgreSQL's integer maximum), ``bool`` or ``str``; a ``str``
field holds at most ``STR_MAX`` characters without ``:``. When a class is defined its
longest packing with the signature is checked against the 64 bytes Telegram allows, so a
too-long action fails at import, not at a person's press. A payload that does not unpack
into its class (a field missing or of the wrong kind) is a stale button: the handler
never sees it.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Self, TypeVar, dataclass_transform

from bot.dialogs.signing import MAX_PAYLOAD, SIG_LEN
from core.rules.numbers import ID_MAX

PREFIX = re.compile(r"[a-z][a-z0-9-]{0,15}")
INT_DIGITS = 10  # row ids (PostgreSQL's integer) and page numbers
STR_MAX = 24
SEP = ":"


class Action:
    """The base of every button action (see the module's docstring)."""

    PREFIX: ClassVar[str] = ""
    # screens (their names) the button can be pressed on; None: anywhere
    ON: ClassVar[frozenset[str] | None] = None
    # shown in notices and announcements, the same for every recipient: checked with the
    # public signature (only what anyone may see, or what checks the person itself)
    PUBLIC: ClassVar[bool] = False
    _FIELDS: ClassVar[tuple[tuple[str, type], ...]] = ()
    _REQUIRED: ClassVar[int] = 0

    def pack(self) -> str:
        parts = [self.PREFIX]
        for name, kind in self._FIELDS:
            value = getattr(self, name)
            if kind is bool:
                parts.append("1" if value else "0")
            elif kind is int:
                if not isinstance(value, int) or not 0 <= value <= ID_MAX:
                    raise ValueError(f"{self.PREFIX}.{name}: an int from 0 to {ID_MAX}")
                parts.append(str(value))
            else:
                text = str(value)
                if SEP in text or "~" in text or len(text) > STR_MAX:
                    raise ValueError(f"{self.PREFIX}.{name}: a short text without ':'")
                parts.append(text)
        return SEP.join(parts)

    @classmethod
    def unpack(cls, args: list[str]) -> Self | None:
        """The action, or None; trailing fields with a default may be left out."""
        if len(args) > len(cls._FIELDS) or len(args) < cls._REQUIRED:
            return None
        values: dict[str, Any] = {}
        for raw, (name, kind) in zip(args, cls._FIELDS, strict=False):
            if kind is bool:
                if raw not in ("0", "1"):
                    return None
                values[name] = raw == "1"
            elif kind is int:
                if not (raw.isascii() and raw.isdigit()) or len(raw) > INT_DIGITS:
                    return None
                if int(raw) > ID_MAX:
                    return None
                values[name] = int(raw)
            else:
                if len(raw) > STR_MAX:
                    return None
                values[name] = raw
        return cls(**values)


ACTIONS: dict[str, type[Action]] = {}
A = TypeVar("A", bound=type[Action])


def _longest(kind: type) -> int:
    return {bool: 1, int: INT_DIGITS}.get(kind, STR_MAX)


@dataclass_transform(frozen_default=True)
def action(
    prefix: str, *, on: tuple[str, ...] | None = None, public: bool = False
) -> Callable[[A], A]:
    """Make the class a frozen dataclass and register it under ``prefix``."""

    def deco(cls: A) -> A:
        if not PREFIX.fullmatch(prefix):
            raise TypeError(f"action prefix {prefix!r}: a-z, 0-9 and '-', at most 16")
        if prefix in ACTIONS and ACTIONS[prefix].__qualname__ != cls.__qualname__:
            raise TypeError(f"action prefix {prefix!r} is taken by {ACTIONS[prefix].__name__}")
        made: Any = dataclasses.dataclass(frozen=True, slots=True)(cls)
        hints = typing.get_type_hints(made)
        fields = []
        for f in dataclasses.fields(made):
            kind = hints[f.name]
            if kind not in (int, bool, str):
                raise TypeError(f"{cls.__name__}.{f.name}: int, bool or str only")
            fields.append((f.name, kind))
        longest = len(prefix) + sum(1 + _longest(k) for _, k in fields) + 1 + SIG_LEN
        if longest > MAX_PAYLOAD:
            raise TypeError(f"{cls.__name__} may pack to {longest} bytes, over {MAX_PAYLOAD}")
        made.PREFIX = prefix
        made.ON = frozenset(on) if on is not None else None
        made.PUBLIC = public
        made._FIELDS = tuple(fields)
        made._REQUIRED = sum(
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            for f in dataclasses.fields(made)
        )
        ACTIONS[prefix] = made
        return typing.cast(A, made)

    return deco


def parse(packed: str) -> Action | None:
    """The action a verified payload names, or None when it names none or does not fit."""
    prefix, *args = packed.split(SEP)
    cls = ACTIONS.get(prefix)
    return cls.unpack(args) if cls is not None else None


# --- actions the engine and the notices use (the flows that handle them register it) ----


@action("find")
class FindTyped(Action):
    """Search for the words typed where a button was expected (the engine offers it)."""


@action("prog", public=True)
class OpenProgram(Action):
    """A program's card: in search results, and on announcements' buttons."""

    program_id: int


@action("offer", public=True)
class TakeSeat(Action):
    """Take the seat held for an application (the notice's button finds only its family's)."""

    application_id: int


@action("menu")
class OpenMenu(Action):
    pass


# --- the flows' entry points: the menu's buttons and other flows' ways in -----------------


@action("children")
class OpenChildren(Action):
    pass


@action("child")
class OpenChild(Action):
    child_id: int


@action("search")
class OpenSearch(Action):
    pass


@action("contract", public=True)
class OpenContract(Action):
    """An application's contract (the offer's notice finds only its family's)."""

    application_id: int


@action("apps")
class OpenApplications(Action):
    pass


@action("app")
class OpenApplication(Action):
    application_id: int


@action("rate")
class RateProgram(Action):
    """From an application's card: rate its program (after a month of studies)."""

    application_id: int


@action("reviews")
class OpenReviews(Action):
    """A coordinator's reviews to moderate (from the menu)."""

    page: int = 0


@action("balance")
class OpenBalance(Action):
    pass


@action("privacy")
class OpenPrivacy(Action):
    pass


@action("help")
class OpenHelp(Action):
    pass


@action("link")
class OpenLink(Action):
    pass


@action("lang")
class SwitchLanguage(Action):
    pass


@action("consent")
class GiveConsent(Action):
    pass


@action("clink")
class OpenCertificateLink(Action):
    pass


@action("similar", public=True)
class FindSimilar(Action):
    """From a refusal's notice: programs like this one (its direction and municipality)
    with free seats."""

    program_id: int


@action("pq")
class OpenProviderQueue(Action):
    pass


@action("att")
class OpenAttendance(Action):
    """The provider's attendance (табель): the groups to mark."""


@action("pm", public=True)  # in the month's notice; the core checks the role
class OpenProviderMonth(Action):
    """What the provider's organisations are owed for a closed month (0: the latest)."""

    month: int = 0


@action("cq")
class OpenConfirmQueue(Action):
    page: int = 0


@action("dsp")
class OpenDisputes(Action):
    """The registration disputes of the confirmer's municipalities (a page of them)."""

    page: int = 0


@action("bc")
class StartBroadcast(Action):
    pass


@action("bcr")
class OpenLastBroadcast(Action):
    pass


@action("bch")
class OpenBroadcasts(Action):
    """The coordinator's history of announcements, a page of it."""

    page: int = 0


@action("stats")
class OpenStats(Action):
    """The figures of the person's scope, with their charts and tables as files."""


@action("card")
class BackToCard(Action):
    """Back to the program card the person came from (kept in their state)."""


@action("apply")
class ApplyToGroup(Action):
    """Apply to a group (from a program's card)."""

    group_id: int


@action("apply-now")
class ApplyNow(Action):
    """Apply from a card that carries the quote of its only group: the child and the
    monthly price and share the card showed (terms changed since are shown again, as the
    quote's own button does: quote_changed)."""

    group_id: int
    child_id: int
    share: int
    price: int


@action("apply-card-phone")
class PhoneFromCard(Action):
    """From such a card: give the provider a phone first (then the quote, to apply)."""

    group_id: int
    child_id: int


@action("teen-invite")
class InviteTeen(Action):
    """A one-time code for a child of 14 or more (from the child's card)."""

    child_id: int
