"""Prometheus metrics. Labels name platforms and results, never people."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("pfdo_updates_total", "Updates handled by the dialog engine", ["platform"])
ERRORS = Counter("pfdo_handler_errors_total", "Updates whose handler failed", ["platform"])
LATENCY = Histogram(
    "pfdo_update_seconds",
    "Time to handle one update (dialog, database, screen)",
    ["platform"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
OUTBOX_DEPTH = Gauge("pfdo_outbox_pending", "Outbox rows waiting for delivery")
MESSAGES = Counter("pfdo_messages_total", "Notices sent by the worker", ["platform", "result"])
