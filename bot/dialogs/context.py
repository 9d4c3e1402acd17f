"""What a flow handler sees of one event: the person, their dialog state, the core's use cases
(``ctx.core``: the port, never the database or its units of work).

The Ctx knows the engine only as ``Manager``, the protocol below that the engine
implements (in the manner of aiogram_dialog's DialogManager protocol): the context imports
neither the engine nor the flows, so neither circle can form."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.dialogs.events import Event
from bot.dialogs.flowstate import DRAFTS, ENGINE_KEYS, TYPED, FlowState
from bot.dialogs.screen import Piece, Screen, T, piece
from bot.dialogs.screens import Screens
from bot.dialogs.state import DialogState
from bot.i18n import ADULT, TEEN, Translator, money
from core.errors import DomainError
from core.port import ChildView, Core, ParentView

S = TypeVar("S", bound=FlowState)
# the key of the draft of a child of 14+ registering themselves (flows/teen_own.py)
SELF_REGISTERING = "teen-self"


@dataclass(frozen=True, slots=True)
class Policy:
    """What the privacy policy names from the deployment's settings: the operator of the
    personal data and how long what is kept is kept."""

    operator_name: str = ""
    operator_address: str = ""
    operator_contact: str = ""
    state_hours: int = 6  # a dialog and whatever was typed in it (STATE_TTL_S)
    expiry_days: int = 10  # an unanswered application ends, and its phone goes


class Manager(Protocol):
    """What a Ctx asks of the engine that made it (bot/dialogs/engine.py implements it)."""

    core: Core
    policy: Policy
    timezone: str
    t: Translator

    async def build(self, ctx: Ctx, name: Screens) -> Screen:
        """Screen ``name`` built by the flow that declares it."""
        ...

    async def current(self, ctx: Ctx, *notice: T) -> Screen: ...

    async def forget(self, *user_keys: str) -> None: ...


@dataclass
class Ctx:
    """What a flow handler sees: the person, their state, the core's use cases."""

    engine: Manager
    event: Event
    parent_id: int
    state: DialogState
    _parent: ParentView | None = None
    _flows: dict[str, FlowState] = field(default_factory=dict)
    # what a step read for the screen it moves to, within this one event (a quote read
    # with the choice of the child): the screen takes it instead of reading it again
    read_ahead: dict[str, Any] = field(default_factory=dict)

    async def parent(self) -> ParentView:
        """The person's consent, language and roles. Kept with the dialog state for
        PARENT_TTL_S (no unit of work per event for them): the person's own changes drop it
        at once (forget_parent), a withdrawal or a merge from another messenger deletes
        the whole state, and a role an operator grants or revokes shows in the menus
        within PARENT_TTL_S (the core checks roles itself on every staff action). A
        child's own account has none of the family's staff roles."""
        if self._parent is None:
            kept = self.data.get("me")
            if isinstance(kept, dict) and 0 <= time.time() - kept.get("at", 0) < PARENT_TTL_S:
                view = _view_loads(kept)
            else:
                view = await self.core.family.view(self.parent_id)
                self.data["me"] = _view_dumps(view)
            self._parent = replace(view, roles=()) if self.teen is not None else view
        return self._parent

    @property
    def teen(self) -> int | None:
        """The child this account acts for (a child of 14+ with an account of their own),
        or None for a parent's account."""
        value = self.data.get("teen")
        return int(value) if value is not None else None

    @property
    def you(self) -> str:
        """Who reads: ты for a child's own account, and for a child of 14+ registering
        themselves (their draft, SELF_REGISTERING, exists); Вы for everyone else."""
        registering = SELF_REGISTERING in self._flows or SELF_REGISTERING in self.data
        return TEEN if self.teen is not None or registering else ADULT

    @property
    def core(self) -> Core:
        """The use cases of the core, by area (``core.port``)."""
        return self.engine.core

    async def children(self) -> list[ChildView]:
        """The family's children this account may act for: all, or the child themselves."""
        return await self.core.family.children(self.parent_id, self.teen)

    def flow(self, kind: type[S]) -> S:
        """The flow's own state (see bot/dialogs/flowstate.py): kept with the person's
        dialog state, written back when the event is handled."""
        found = self._flows.get(kind.KEY)
        if isinstance(found, kind):
            return found
        state = kind.load(self.data.get(kind.KEY))
        self._flows[kind.KEY] = state
        return state

    def begin(self, kind: type[S]) -> S:
        """A flow starts: its state fresh, every other flow's draft dropped (contexts —
        the open card, list or page — stay for "back")."""
        for key in [k for k in (*self._flows, *self.data) if k in DRAFTS and k != kind.KEY]:
            self._flows.pop(key, None)
            self.data.pop(key, None)
        self.end_flow(kind)
        return self.flow(kind)

    def started(self, kind: type[S]) -> S:
        """The flow's state, which a step further in the flow needs begun: a button of a
        flow that was never started (or was ended) is a stale button."""
        if not self.has_flow(kind):
            raise DomainError("stale-button")
        return self.flow(kind)

    def has_flow(self, kind: type[FlowState]) -> bool:
        """Whether the flow's state exists (a draft was started)."""
        return kind.KEY in self._flows or kind.KEY in self.data

    def end_flow(self, kind: type[FlowState]) -> None:
        self._flows.pop(kind.KEY, None)
        self.data.pop(kind.KEY, None)

    def keep_flows(self) -> None:
        """Write the flows' states into the dialog state (the engine, before saving it)."""
        for key, state in self._flows.items():
            self.data[key] = state.dump()

    def become(self, parent_id: int, *, teen: int | None = None) -> None:
        """The person is now of this family (an account link), as a child's own account
        when ``teen``: every flow's data and the cached view go."""
        self.parent_id = parent_id
        self.drop_flows()
        self.forget_parent()
        self.data["pid"] = parent_id
        self.data.pop("teen", None)
        if teen is not None:
            self.data["teen"] = teen

    def offer_typed(self, text: str) -> None:
        """Words typed where a button was expected, kept for the search offered for them."""
        self.data[TYPED] = text

    def take_typed(self) -> str | None:
        typed = self.data.pop(TYPED, None)
        return typed if isinstance(typed, str) else None

    def drop_flows(self) -> None:
        """Forget every flow's data (a draft, a search, a pending application); what the
        engine keeps about the person stays."""
        for key in [k for k in self.data if k not in ENGINE_KEYS]:
            del self.data[key]
        self._flows.clear()

    def forget_parent(self) -> None:
        """After a change of consent, language or announcements: read it again."""
        self._parent = None
        self.data.pop("me", None)

    @property
    def lang(self) -> str:
        return self.state.lang

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    async def show(self, name: Screens, *notice: T) -> Screen:
        """Move to screen ``name`` and build it; ``notice`` pieces go above it."""
        previous = self.state.screen
        self.state.screen = name
        try:
            screen = await self.engine.build(self, name)
        except BaseException:
            # a screen that cannot be built is not where the person is
            self.state.screen = previous
            raise
        screen.name = name
        if notice:
            screen.parts = [*notice, *screen.parts]
        return screen

    def money(self, kopecks: int) -> str:
        return money(kopecks, self.lang)

    def words(self, *parts: Piece) -> str:
        """Pieces exactly as a screen shows them to the person (their language, paragraphs
        apart): a contract's text is accepted as shown."""
        you = self.you
        shown = (piece(self.engine.t, self.lang, p, you) for p in parts)
        return "\n\n".join(s for s in shown if s)

    def local_time(self, at: datetime) -> str:
        """A stored (naive UTC) moment as the region's clock shows it: 05.12 09:30."""
        local = at.replace(tzinfo=UTC).astimezone(self.zone)
        return local.strftime("%d.%m %H:%M")

    @property
    def policy(self) -> Policy:
        """What the privacy policy names from the deployment's settings."""
        return self.engine.policy

    @property
    def zone(self) -> ZoneInfo:
        """The region's time zone (its date decides ages; times typed are read in it)."""
        return ZoneInfo(self.engine.timezone)

    def today(self) -> date:
        """The region's date (the clock the core's use cases see)."""
        return self.core.today()

    async def current(self, *notice: T) -> Screen:
        """The screen the person is on, again, under ``notice``."""
        return await self.engine.current(self, *notice)

    async def forget_accounts(self, *user_keys: str) -> None:
        """Drop the dialog states of these accounts (a family's other messengers after its
        data were erased, a child's own account with the child)."""
        await self.engine.forget(*user_keys)


PARENT_TTL_S = 300


def _view_dumps(view: ParentView) -> dict[str, Any]:
    raw = asdict(view)
    for name in ("consent_at", "withdrawn_at"):
        if raw[name] is not None:
            raw[name] = raw[name].isoformat()
    return {**raw, "roles": list(view.roles), "at": time.time()}


def _view_loads(raw: dict[str, Any]) -> ParentView:
    fields = {k: v for k, v in raw.items() if k != "at"}
    for name in ("consent_at", "withdrawn_at"):
        if fields.get(name) is not None:
            fields[name] = datetime.fromisoformat(fields[name])
    return ParentView(**{**fields, "roles": tuple(fields["roles"])})
