"""The dialog engine: one neutral event in, one rendered screen out.

The engine is built from an explicit tuple of flows (bot/dialogs/flows/__init__.py) joined
into its routes: their screens, button actions, text and location answers and commands. It
resolves the person, loads their dialog state, dispatches, turns a
refusal into its message above the current screen, and never lets an error escape as
silence or a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot import metrics
from bot.dialogs import actions, typed
from bot.dialogs.actions import Action, FindTyped
from bot.dialogs.context import Ctx, Policy
from bot.dialogs.events import Event
from bot.dialogs.flow import Flow, Routes
from bot.dialogs.guards import clean, teen_may, unavailable
from bot.dialogs.screen import Rendered, Screen, T, render
from bot.dialogs.screens import Screens
from bot.dialogs.signing import Signer
from bot.dialogs.state import DialogState, StateStore
from bot.i18n import Translator, money, pick_language
from core.errors import DomainError
from core.port import Core

logger = logging.getLogger(__name__)

PUBLIC = "*"  # buttons in notices and broadcasts, the same for every recipient
MAX_INPUT = 1000  # longer free text is refused with a message, never processed
# (a screen may declare a longer limit of its own: flow.text(..., longest=...))
MONEY_PARAMS = frozenset({"available", "share", "amount", "price", "reserve", "copay"})


# what a staff action whose role was revoked is answered with
STAFF_REFUSALS = frozenset(
    {"not_allowed", "application_not_found", "certificate_not_awaiting", "broadcast_not_found"}
)


def _known(name: str) -> Screens | None:
    """The screen a state names, if it still exists (a state outlives a deploy)."""
    try:
        return Screens(name)
    except ValueError:
        return None


@dataclass
class Reply:
    screen: Rendered
    edit: bool  # a button was pressed: replace that message rather than add one
    toast: str | None = None  # a short answer to the press itself (callback answer)


@dataclass(slots=True)
class _Late:
    """Set when the person has been answered for an event still being handled."""

    passed: bool = False


class Engine:
    """Implements the Ctx's ``Manager`` protocol."""

    def __init__(
        self,
        flows: Iterable[Flow],
        core: Core,
        states: StateStore,
        translator: Translator,
        signer: Signer,
        default_language: str = "ru",
        timezone: str = "Europe/Moscow",
        deadline: float = 1.5,
        linger: float = 30.0,
        policy: Policy | None = None,
    ) -> None:
        # a screen, action, input or command two flows both declare is refused here
        self.routes = Routes.build(flows)
        self.timezone = timezone
        self.policy = policy or Policy()
        self.core = core
        self.states = states
        self.t = translator
        self.signer = signer
        self.default_language = default_language
        # a person is answered within this many seconds, if only to say "try again":
        # a blackholed database or Redis must not hold them (and their next messages)
        self.deadline = deadline
        self.linger = linger
        self._lingering: set[asyncio.Task[Reply]] = set()
        self._metrics: dict[str, tuple[Any, Any]] = {}

    async def handle(self, event: Event) -> Reply:
        """Always a reply, within the deadline: the screen, a refusal above the current
        screen, "temporarily unavailable", or an apology and the menu."""
        event = clean(event)
        # its own task: past the deadline the person is answered and the work goes on by
        # itself. It is not cancelled there: a statement cancelled midway costs its
        # connection (closed, opened again, its statements prepared again), which under a
        # storm is more work for everyone and turned slow answers into more slow answers;
        # a hung statement ends at the database's statement limit. What ends late keeps
        # no dialog state (the person may have moved on), and what still runs after
        # ``linger`` seconds is cancelled.
        late = _Late()
        loop = asyncio.get_running_loop()
        # woken by whichever comes first, the answer or the deadline (what asyncio.wait
        # does, without its sets and per-call callbacks); the step wakes it itself as it
        # ends, not from a done callback of its task: one turn of the loop fewer per
        # update (issue 30)
        woken = loop.create_future()
        task = asyncio.create_task(self._answering(event, late, woken))

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        timer = loop.call_later(self.deadline, wake)
        try:
            await woken
        finally:
            timer.cancel()
        if task.done():
            return task.result()
        late.passed = True
        stop = asyncio.get_running_loop().call_later(self.linger, task.cancel)
        self._lingering.add(task)
        task.add_done_callback(self._lingering.discard)
        task.add_done_callback(lambda _: stop.cancel())
        self._overdue(event)
        # what was pressed may still be finishing (its transaction commits after this
        # answer): say so, so the person looks before doing it again
        return self._apology(event, "error-slow")

    async def handle_here(self, event: Event, late: Callable[[Reply], object]) -> Reply | None:
        """``handle``, the step run in the caller's own task: no task of its own (issue 30:
        the task, its future and the turns of the loop it costs were 60-120 µs of an
        update), for a caller that can answer the person and give their turn back from a
        timer. Past the deadline ``late`` is called, from that timer, with the same
        apology ``handle`` returns then; the work goes on here as it would in its task
        (not cut off midway, keeping no dialog state) and None is returned when it ends.
        What still runs after ``linger`` seconds is cancelled, and the caller's task with
        it. The step never changes tasks: what captures the current task on the way (an
        ``asyncio.timeout`` in asyncpg's connect) keeps the right one."""
        event = clean(event)
        flag = _Late()
        loop = asyncio.get_running_loop()
        caller = asyncio.current_task()
        stop: list[asyncio.TimerHandle] = []

        def overdue() -> None:
            flag.passed = True
            if caller is not None:
                stop.append(loop.call_later(self.linger, caller.cancel))
            self._overdue(event)
            late(self._apology(event, "error-slow"))

        timer = loop.call_at(loop.time() + self.deadline, overdue)
        try:
            reply = await self._handle(event, flag)
        finally:
            timer.cancel()
            for handle in stop:
                handle.cancel()
        return None if flag.passed else reply

    def _overdue(self, event: Event) -> None:
        metrics.ERRORS.labels(event.platform).inc()
        logger.warning("no answer within %.1f s to a %s event", self.deadline, event.kind)

    async def _answering(self, event: Event, late: _Late, woken: asyncio.Future[None]) -> Reply:
        try:
            return await self._handle(event, late)
        finally:
            # the task's result is set as this step ends, before the waiter runs again
            if not woken.done():
                woken.set_result(None)

    def _apology(self, event: Event, key: str) -> Reply:
        lang = pick_language(event.language_code) if event.language_code else "ru"
        screen = Screen([T(key)], name="error")
        return Reply(render(screen, lang, self.t, lambda a: a), edit=False)

    async def _handle(self, event: Event, late: _Late | None = None) -> Reply:
        started = time.perf_counter()
        try:
            state, parent_id = await self._state(event)
        except Exception as exc:
            # the database or Redis is down: say so, keep nothing
            metrics.ERRORS.labels(event.platform).inc()
            logger.warning("no dialog state for a %s event: %s", event.kind, type(exc).__name__)
            return self._apology(
                event, "error-unavailable" if unavailable(exc) else "error-internal"
            )
        ctx = Ctx(self, event, parent_id, state)
        toast = None
        try:
            try:
                screen = await self._dispatch(ctx)
            except DomainError as exc:
                if exc.code == "parent_not_found" and "pid" in state.data:
                    # the family was merged into another (an account link): find it again
                    state.data.pop("pid")
                    state.data.pop("me", None)
                    state, parent_id = await self._state(event, state)
                    ctx = Ctx(self, event, parent_id, state)
                    screen = await self._dispatch(ctx)
                else:
                    screen = await self._current(ctx, self._after_refusal(ctx, exc))
        except DomainError as exc:
            screen = await self._current(ctx, self._after_refusal(ctx, exc))
        except Exception as exc:
            metrics.ERRORS.labels(event.platform).inc()
            if unavailable(exc):
                logger.warning("%s event on screen %s: %s", event.kind, state.screen, exc)
                return self._apology(event, "error-unavailable")
            # never a traceback to the person; the log names no personal data
            logger.exception("handler failed: %s event on screen %s", event.kind, state.screen)
            screen = await self._safe_menu(ctx)
        first = screen.parts[0] if screen.parts else None
        if event.kind == "button" and isinstance(first, T) and first.key == "stale-button":
            toast = self.t(ctx.lang, "stale-button-toast")
        ctx.keep_flows()
        if late is not None and late.passed:
            # answered already ("it may have gone through"): the state of a later event
            # is not overwritten with this one's
            return self._apology(event, "error-slow")
        try:
            await self.states.set(event.user_key, ctx.state)
        except Exception as exc:
            logger.warning("dialog state not saved: %s", type(exc).__name__)
        you = ctx.you  # a child of 14+ reads ты
        rendered = render(
            screen, ctx.lang, self.t, lambda a: self.signer.sign(event.user_key, a), you
        )
        elapsed = time.perf_counter() - started
        counted = self._metrics.get(event.platform)
        if counted is None:  # labels() takes a lock and builds a key each call
            counted = (
                metrics.UPDATES.labels(event.platform),
                metrics.LATENCY.labels(event.platform),
            )
            self._metrics[event.platform] = counted
        counted[0].inc()
        counted[1].observe(elapsed)
        return Reply(rendered, edit=event.kind == "button", toast=toast)

    async def _state(
        self, event: Event, known: DialogState | None = None
    ) -> tuple[DialogState, int]:
        state = known or await self.states.get(event.user_key)
        if state is not None and "pid" in state.data:
            return state, int(state.data["pid"])
        lang = pick_language(event.language_code) if event.language_code else self.default_language
        person = await self.core.family.resolve(event.platform, event.user_id, lang)
        state = state or DialogState(screen="start", lang=person.language)
        state.data["pid"] = person.parent_id
        if person.teen is not None:
            state.data["teen"] = person.teen
        return state, person.parent_id

    async def forget(self, *user_keys: str) -> None:
        """Drop these people's dialog states (a family's other messengers, after its data
        were erased or its accounts joined)."""
        try:
            await self.states.delete(*user_keys)
        except Exception as exc:
            logger.warning("dialog states not deleted: %s", type(exc).__name__)

    async def _dispatch(self, ctx: Ctx) -> Screen:
        event = ctx.event
        if event.kind == "command":
            name, _, arg = event.text.partition(" ")
            handler = self.routes.commands.get(name.lower())
            if handler is None:
                return await self._current(ctx, T("unknown-command"))
            teen_may(ctx.teen, await self._teen_allowed(ctx, name.lower()))
            return await handler(ctx, arg.strip())
        if event.kind == "button":
            act = self._action(event)
            found = self.routes.actions.get(type(act)) if act is not None else None
            if act is None or found is None:
                return await self._current(ctx, T("stale-button"))
            handler, on = found
            if on is not None and ctx.state.screen not in on:
                return await self._current(ctx, T("stale-button"))
            teen_may(ctx.teen, await self._teen_allowed(ctx, type(act)))
            return await handler(ctx, act)
        if event.kind == "location":
            here = _known(ctx.state.screen)
            on_location = self.routes.locations.get(here) if here is not None else None
            if on_location is None or event.lat is None or event.lon is None:
                return await self._current(ctx, T("unexpected-location"))
            return await on_location(ctx, event.lat, event.lon)
        text = event.text.strip()
        here = _known(ctx.state.screen)
        longest = self.routes.text_limits.get(here, MAX_INPUT) if here is not None else MAX_INPUT
        if len(text) > longest:
            return await self._current(ctx, T("input-too-long", {"max": longest}))
        handler = self.routes.texts.get(here) if here is not None else None
        if handler is not None and text:
            return await handler(ctx, text)
        return await typed.unexpected(ctx, text, FindTyped in self.routes.actions)

    async def _teen_allowed(self, ctx: Ctx, key: type[Action] | str) -> bool:
        """Whether a child's own account may use this command or button: theirs, or of a
        flow declared ``alone`` while the family has no parent's account (read only then)."""
        if ctx.teen is None or key in self.routes.teen:
            return True
        return key in self.routes.alone and await ctx.core.family.teen_alone(ctx.parent_id)

    def _action(self, event: Event) -> Action | None:
        """The typed action of a pressed button, or None when its payload is not one this
        person was given (or a public one), or does not unpack into its class."""
        packed = self.signer.verify(event.user_key, event.payload)
        if packed is not None:
            return actions.parse(packed)
        public = self.signer.verify(PUBLIC, event.payload)
        act = actions.parse(public) if public is not None else None
        return act if act is not None and act.PUBLIC else None

    async def build(self, ctx: Ctx, name: Screens) -> Screen:
        return await self.routes.screens[name](ctx)

    async def current(self, ctx: Ctx, *notice: T) -> Screen:
        return await self._current(ctx, *notice)

    async def _current(self, ctx: Ctx, *notice: T) -> Screen:
        """The screen the person is on, shown again under a notice."""
        screen = ctx.state.screen
        name = Screens(screen) if screen in self.routes.screens else Screens.MENU
        try:
            return await ctx.show(name, *notice)
        except DomainError as exc:
            # the screen itself can no longer be built (its child was deleted …)
            return await ctx.show(Screens.MENU, *notice, self._refusal(ctx, exc))

    async def _safe_menu(self, ctx: Ctx) -> Screen:
        try:
            return await ctx.show(Screens.MENU, T("error-internal"))
        except Exception:
            logger.exception("menu failed too")
            return Screen([T("error-internal")], name="error")

    def _after_refusal(self, ctx: Ctx, exc: DomainError) -> T:
        """A refusal of a staff action may mean the role was revoked since the menu was
        built: the person's kept view (their roles) is read again, so the screen and menu
        shown under the refusal no longer offer what the role gave."""
        if exc.code in STAFF_REFUSALS:
            ctx.forget_parent()
        return self._refusal(ctx, exc)

    def _refusal(self, ctx: Ctx, exc: DomainError) -> T:
        params = {
            k: money(v, ctx.lang) if k in MONEY_PARAMS and isinstance(v, int) else v
            for k, v in exc.params.items()
        }
        return T(exc.code, params)
