"""The words for an application's status, the same in a flow's list and in a notice."""

from __future__ import annotations

from core.port import CONTRACT_LAPSED, OFFER_LAPSED
from core.rules.enrolment import AppStatus


def status_key(status: str, reason: object = None) -> str:
    """The locale key of an application's status (a held seat not taken has its own)."""
    if status == AppStatus.EXPIRED.value and reason == OFFER_LAPSED:
        return "status-offer-lapsed"
    if status == AppStatus.EXPIRED.value and reason == CONTRACT_LAPSED:
        return "status-contract-lapsed"
    return f"status-{status}"
