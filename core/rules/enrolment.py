"""Who may apply where. Pure: the service gathers the facts, this decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import DomainError
from core.rules.catalog import BUDGET_REGISTERS, Register


class AppStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ENROLLED = "enrolled"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"  # the provider did not answer in time


ACTIVE_STATUSES = frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.ENROLLED})

# who may move an application from which status to which
TRANSITIONS: dict[tuple[AppStatus, str], frozenset[AppStatus]] = {
    (AppStatus.CANCELLED, "parent"): frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED}),
    (AppStatus.FINISHED, "parent"): frozenset({AppStatus.ENROLLED}),
    (AppStatus.ACCEPTED, "provider"): frozenset({AppStatus.SUBMITTED}),
    (AppStatus.REJECTED, "provider"): frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED}),
    (AppStatus.ENROLLED, "provider"): frozenset({AppStatus.ACCEPTED}),
    (AppStatus.FINISHED, "provider"): frozenset({AppStatus.ENROLLED}),
}


def check_transition(current: AppStatus, target: AppStatus, actor: str) -> None:
    allowed = TRANSITIONS.get((target, actor))
    if allowed is None:
        raise DomainError("not_allowed")
    if current not in allowed:
        raise DomainError("application_bad_status", status=current.value)


class CertStatus(StrEnum):
    ACCOUNTING = "accounting"  # учёта
    QUEUED = "queued"  # asked for funding, waiting for a place in the quota
    FUNDED = "funded"  # персонифицированного финансирования
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ApplyFacts:
    child_age: int
    age_min: int
    age_max: int
    register: Register
    art_school: bool
    certificate_status: CertStatus | None
    free_seats: int
    has_active_same_program: bool
    active_budget_programs: int
    budget_limit: int | None  # None: the municipality has not set its year
    months_left: int


def check_apply(f: ApplyFacts) -> None:
    """Each refusal has its own code, checked in the order a parent would fix them."""
    if not f.age_min <= f.child_age <= f.age_max:
        raise DomainError("program_age_mismatch", age=f.child_age, min=f.age_min, max=f.age_max)
    if f.months_left <= 0:
        raise DomainError("program_finished")
    if f.has_active_same_program:
        raise DomainError("already_applied")
    if f.free_seats <= 0:
        raise DomainError("no_free_seats")
    if f.art_school:
        return  # children's art schools are outside the certificate system
    if f.certificate_status in (None, CertStatus.CLOSED):
        raise DomainError("certificate_required")
    if f.register == Register.CERTIFIED:
        if f.certificate_status != CertStatus.FUNDED:
            raise DomainError("funded_certificate_required")
    elif f.register in BUDGET_REGISTERS:
        if f.budget_limit is None:  # never a silent default: the municipality decides
            raise DomainError("municipality_year_not_set")
        if f.active_budget_programs >= f.budget_limit:
            raise DomainError("budget_limit_reached", limit=f.budget_limit)
