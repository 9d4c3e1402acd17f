"""Liveness, readiness and /metrics for every process (a small aiohttp app)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bot.app import App

logger = logging.getLogger(__name__)


def add_routes(web_app: web.Application, app: App, *, metrics: bool = True) -> None:
    async def live(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def ready(_: web.Request) -> web.Response:
        checks: dict[str, str] = {}
        try:
            async with app.db.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
        if app.redis is not None:
            try:
                await asyncio.wait_for(app.redis.ping(), 3)  # type: ignore[attr-defined]
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = type(exc).__name__
        ok = all(v == "ok" for v in checks.values())
        return web.json_response(
            {"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503
        )

    async def exposition(_: web.Request) -> web.Response:
        body = generate_latest()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app.router.add_get("/healthz", live)
    web_app.router.add_get("/readyz", ready)
    if metrics:
        web_app.router.add_get("/metrics", exposition)


async def serve(app: App, host: str, port: int) -> web.AppRunner:
    web_app = web.Application()
    add_routes(web_app, app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("health and metrics on port %s", port)
    return runner
