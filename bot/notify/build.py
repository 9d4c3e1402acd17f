"""The worker and its senders: one per configured messenger."""

from __future__ import annotations

from bot import handlers
from bot.app import App
from bot.i18n import translator
from bot.notify.pacing import Pace
from bot.notify.senders import Sender
from bot.notify.worker import Worker
from core.usecases.jobs import Jobs


def build_worker(
    app: App, pace: Pace | None = None, senders: dict[str, Sender] | None = None
) -> Worker:
    """A worker sending through every configured messenger (or through ``senders``)."""
    s = app.settings
    pace = pace or app.pace
    if senders is None:
        senders = {p.key: p.sender(app, pace) for p in handlers.configured(s)}
    return Worker(
        Jobs(app.db),
        translator(),
        app.engine.signer,
        senders,
        low_balance=s.low_balance_rub * 100,
        lease_s=s.worker_lease_s,
        expiry_days=s.application_expiry_days,
        timezone=s.timezone,
        forget=app.engine.forget,
        auto_close=s.auto_close_month,
    )


async def close_worker(worker: Worker) -> None:
    for sender in worker.senders.values():
        await sender.close()
