"""Webhook replicas as real `python -m bot telegram` processes, for the benchmarks that
drive them over loopback (webhook_bench, storm_bench)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket

import aiohttp

from tests.support.tg_server import FakeTelegram


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica_env(
    db_url: str, redis_url: str, tg: FakeTelegram, port: int, secret: str, **extra: str
) -> dict[str, str]:
    """The environment of one replica in webhook mode; ``extra``: more settings."""
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE": tg.base,
        "TELEGRAM_WEBHOOK_URL": "https://bench.example.org",
        "TELEGRAM_WEBHOOK_SECRET": secret,
        "TELEGRAM_WEBHOOK_HOST": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
        "HEALTH_PORT": str(free_port()),  # /metrics is off the webhook's port
        "LOG_LEVEL": "WARNING",
        # PostgreSQL refuses to start without the deployment's secrets: the same on every
        # replica, as a deployment's .env gives them
        "BOT_SECRET": "bench-buttons-secret-0123456789",
        "REGISTER_SECRET": "bench-register-secret-0123456789",
        **extra,
    }


async def wait_ready(port: int, tries: int = 300) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(tries):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"replica on {port} did not start")
