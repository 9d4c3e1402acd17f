"""The long-running commands: run, console, telegram, vk, worker."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.app import build
from bot.cli import operator_text
from bot.config import Settings
from core.services import demo

logger = logging.getLogger(__name__)


@click.command("console")
def console_cmd() -> None:
    """Chat with the bot in this terminal (demo data is loaded into an empty database)."""
    settings: Settings = click.get_current_context().obj
    asyncio.run(_console(settings))


async def _console(settings: Settings) -> None:
    from bot.handlers import console

    app = await build(settings, seed_if_empty=True)
    if app.seeded:
        # the demo's person is also the МОЦ's staff, so the whole walk can be tried alone:
        # /confirm confirms the child's data as a confirmer would
        await app.db.run(demo.make_demo_confirmer, "console", console.USER)
    try:
        await console.run(app)
    finally:
        await app.close()


@click.command("telegram")
def telegram_cmd() -> None:
    """Run the Telegram bot (long polling, or webhook when TELEGRAM_WEBHOOK_URL is set).

    Only the chat: deliveries come from `worker` (or from `run`, which includes it)."""
    settings: Settings = click.get_current_context().obj
    if settings.telegram_bot_token is None:
        raise click.ClickException(operator_text("cli-need-telegram"))
    asyncio.run(
        _surfaces(settings.model_copy(update={"worker_enabled": False}), telegram=True, vk=False)
    )


@click.command("vk")
def vk_cmd() -> None:
    """Run the VK community bot (Bots Long Poll). Deliveries come from `worker`."""
    settings: Settings = click.get_current_context().obj
    if settings.vk_group_token is None or settings.vk_group_id is None:
        raise click.ClickException(operator_text("cli-need-vk"))
    asyncio.run(
        _surfaces(settings.model_copy(update={"worker_enabled": False}), telegram=False, vk=True)
    )


@click.command("worker")
def worker_cmd() -> None:
    """Deliver notices and announcements from the outbox (Telegram and/or VK)."""
    settings: Settings = click.get_current_context().obj
    if settings.telegram_bot_token is None and settings.vk_group_token is None:
        raise click.ClickException(operator_text("cli-need-a-token"))
    asyncio.run(_worker(settings))


async def _worker(settings: Settings) -> None:
    from bot.notify.build import build_worker, close_worker

    app = await build(settings)
    health = await _health(app)
    worker = build_worker(app)
    try:
        await worker.run()
    finally:
        await close_worker(worker)
        if health is not None:
            await health.cleanup()
        await app.close()


async def _health(app):  # type: ignore[no-untyped-def]
    """The health and metrics server of a process that has no web server of its own."""
    if app.settings.health_port is None:
        return None
    from bot import health

    return await health.serve(app, "0.0.0.0", app.settings.health_port)


@click.command("run")
def run_cmd() -> None:
    """Every surface whose token is set; with no token, the terminal chat on demo data."""
    settings: Settings = click.get_current_context().obj
    telegram = settings.telegram_bot_token is not None
    vk = settings.vk_group_token is not None
    if not (telegram or vk):
        asyncio.run(_console(settings))
        return
    asyncio.run(_surfaces(settings, telegram=telegram, vk=vk))


async def _surfaces(settings: Settings, *, telegram: bool, vk: bool) -> None:
    from bot.handlers import telegram as tg
    from bot.handlers import telegram_webhook as tg_webhook
    from bot.handlers import vk as vk_surface

    if vk and settings.vk_group_id is None:
        raise click.ClickException(operator_text("cli-need-vk"))
    if telegram and settings.telegram_webhook_url is not None and not settings.webhook_secret_ok:
        raise click.ClickException(operator_text("cli-need-webhook-secret"))
    app = await build(settings)
    health = await _health(app)  # /metrics lives here, never on the webhook's port
    worker = None
    try:
        tasks = []
        if telegram and settings.telegram_webhook_url is not None:
            tasks.append(asyncio.create_task(tg_webhook.run_webhook(app)))
        elif telegram:
            tasks.append(asyncio.create_task(tg.run_polling(app)))
        if vk:
            tasks.append(asyncio.create_task(vk_surface.run(app)))
        if settings.worker_enabled:
            from bot.notify.build import build_worker

            worker = build_worker(app)
            tasks.append(asyncio.create_task(worker.run()))
        await asyncio.gather(*tasks)
    except tg_webhook.ReplicaConflict:
        raise click.ClickException(operator_text("cli-webhook-replica")) from None
    finally:
        if worker is not None:
            from bot.notify.build import close_worker

            await close_worker(worker)
        if health is not None:
            await health.cleanup()
        await app.close()


RUNNERS = (run_cmd, console_cmd, telegram_cmd, vk_cmd, worker_cmd)
