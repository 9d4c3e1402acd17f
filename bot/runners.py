"""The long-running commands: run, console, one per messenger (telegram, vk, max), worker."""

from __future__ import annotations

import asyncio
import logging

import click

from bot import handlers
from bot.app import build, settle_heap
from bot.config import Settings
from bot.handlers import Platform, Refused
from bot.handlers.cli import operator_text

logger = logging.getLogger(__name__)


@click.command("console")
def console_cmd() -> None:
    """Chat with the bot in this terminal (demo data is loaded into an empty database)."""
    settings: Settings = click.get_current_context().obj
    asyncio.run(_console(settings))


async def _console(settings: Settings) -> None:
    from bot.handlers.console import handler as console
    from bot.handlers.console.demo import DemoClock

    # the demo's own clock: from DEMO_TODAY if set, and "the month has ended" moves it
    clock = DemoClock(start=settings.demo_today, timezone=settings.timezone)
    app = await build(settings, seed_if_empty=True, clock=clock)
    if app.seeded:
        # the demo's person is also the МОЦ's staff, so the whole walk can be tried alone:
        # /confirm confirms the child's data as a confirmer would
        await app.demo.make_confirmer("console", console.USER)
    try:
        await console.run(app, clock=clock)
    finally:
        await app.close()


def _platform_cmd(platform: Platform) -> click.Command:
    @click.command(
        platform.command,
        help=f"Run the {platform.title} chat alone (deliveries come from `worker`, or `run`).",
    )
    def command() -> None:
        settings: Settings = click.get_current_context().obj
        problem = platform.problem(settings)
        if problem is not None:
            raise click.ClickException(operator_text(problem))
        asyncio.run(_surfaces(settings.model_copy(update={"worker_enabled": False}), [platform]))

    return command


@click.command("worker")
def worker_cmd() -> None:
    """Deliver notices and announcements from the outbox (Telegram and/or VK)."""
    settings: Settings = click.get_current_context().obj
    if not handlers.configured(settings):
        raise click.ClickException(operator_text("cli-need-a-token"))
    asyncio.run(_worker(settings))


async def _worker(settings: Settings) -> None:
    from bot.notify.build import build_worker, close_worker

    app = await build(settings)
    health = await _health(app)
    worker = build_worker(app)
    asyncio.get_running_loop().call_soon(settle_heap)
    try:
        await worker.run()
    finally:
        await close_worker(worker)
        if health is not None:
            await health.cleanup()
        await app.close()


async def _health(app):
    """The health and metrics server of a process that has no web server of its own."""
    if app.settings.health_port is None:
        return None
    from bot.handlers import health

    port = app.settings.health_port
    try:
        return await health.serve(app, "0.0.0.0", port)
    except OSError as exc:
        # most often a second process of the bot on this machine: say which setting
        await app.close()
        raise click.ClickException(
            operator_text("cli-health-port-busy", port=port, reason=exc.strerror or str(exc))
        ) from None


@click.command("run")
def run_cmd() -> None:
    """Every messenger whose token is set; with no token, the terminal chat on demo data."""
    settings: Settings = click.get_current_context().obj
    chosen = handlers.configured(settings)
    if not chosen:
        asyncio.run(_console(settings))
        return
    asyncio.run(_surfaces(settings, chosen))


async def _surfaces(settings: Settings, chosen: list[Platform]) -> None:
    for platform in chosen:
        problem = platform.problem(settings)
        if problem is not None:
            raise click.ClickException(operator_text(problem))
    app = await build(settings)
    await app.warm()
    health = await _health(app)  # /metrics lives here, never on a webhook's port
    worker = None
    alone = len(chosen) == 1 and not settings.worker_enabled
    try:
        tasks = [asyncio.create_task(_keep(p, app, alone=alone)) for p in chosen]
        if settings.worker_enabled:
            from bot.notify.build import build_worker

            worker = build_worker(app)
            tasks.append(asyncio.create_task(worker.run()))
        # runs after each task's first step (callbacks run in the order they were
        # scheduled), by which the surfaces have imported their modules and built their bots
        asyncio.get_running_loop().call_soon(settle_heap)
        await asyncio.gather(*tasks)
    except Refused as exc:
        raise click.ClickException(operator_text(exc.key)) from None
    finally:
        if worker is not None:
            from bot.notify.build import close_worker

            await close_worker(worker)
        if health is not None:
            await health.cleanup()
        await app.close()


RESTART_FIRST_S = 30.0
RESTART_MAX_S = 300.0


async def _keep(platform: Platform, app, *, alone: bool) -> None:
    """One messenger's serving. A messenger that stops (its platform still refusing after
    the set-up retries, a failure while serving) never takes the others or the worker with
    it: it is logged and started again after a pause (30 s, doubling to 5 min), for as
    long as the process runs: what refused at start is most often gone minutes later.
    Alone in its process (``python -m bot telegram``) it ends the process instead, with a
    message: the process manager restarts it. A configuration refusal always ends it."""
    delay = RESTART_FIRST_S
    while True:
        try:
            await platform.serve(app)
            return
        except Refused:
            raise
        except Exception as exc:
            if alone:
                logger.error("%s stopped: %s", platform.title, exc)
                raise click.ClickException(
                    operator_text("cli-platform-stopped", platform=platform.title, reason=str(exc))
                ) from exc
            logger.error(
                "%s stopped (%s: %s); the other messengers and the worker go on; it starts "
                "again in %.0f s",
                platform.title,
                type(exc).__name__,
                exc,
                delay,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, RESTART_MAX_S)


RUNNERS = (
    run_cmd,
    console_cmd,
    *(_platform_cmd(p) for p in handlers.all_platforms()),
    worker_cmd,
)
