"""Who may apply where. Pure: the service gathers the facts, this decides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import DomainError
from core.rules.catalogue import BUDGET_REGISTERS, Register


class AppStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ENROLLED = "enrolled"
    FINISHED = "finished"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"  # the provider did not answer in time, or a held seat not taken
    WAITING = "waiting"  # the group was full: in its waiting list, in order of arrival
    OFFERED = "offered"  # a seat freed and is held for this family until hold_until


ACTIVE_STATUSES = frozenset({AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.ENROLLED})
# a seat of the group is counted for these (an offered one is held)
HOLDS_SEAT = ACTIVE_STATUSES | {AppStatus.OFFERED}
# not yet over: a child has one of these per program at most
OPEN_STATUSES = HOLDS_SEAT | {AppStatus.WAITING}

# who may move an application from which status to which
TRANSITIONS: dict[tuple[AppStatus, str], frozenset[AppStatus]] = {
    (AppStatus.CANCELLED, "parent"): frozenset(
        {AppStatus.SUBMITTED, AppStatus.ACCEPTED, AppStatus.WAITING, AppStatus.OFFERED}
    ),
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
    AWAITING = "awaiting"  # requested in the chat; the МОЦ has not checked the documents
    REJECTED = "rejected"  # the МОЦ found the data wrong; the family fixes and asks again
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
    has_active_same_program: bool
    active_budget_programs: int  # in every budget register (art schools aside)
    budget_limit: int | None  # over all budget registers; None: not set
    months_left: int
    year_set: bool = True  # the municipality has set this school year
    active_same_register: int = 0  # in this program's register (art schools aside)
    register_limit: int | None = None  # for this program's register; None: not set


def check_apply(f: ApplyFacts) -> None:
    """Each refusal has its own code, checked in the order a parent would fix them."""
    if not f.age_min <= f.child_age <= f.age_max:
        raise DomainError("program_age_mismatch", age=f.child_age, min=f.age_min, max=f.age_max)
    if f.months_left <= 0:
        raise DomainError("program_finished")
    if f.has_active_same_program:
        raise DomainError("already_applied")
    # a full group is no refusal: the application joins its waiting list
    if f.art_school:
        return  # children's art schools are outside the certificate system
    if f.certificate_status in (None, CertStatus.CLOSED):
        raise DomainError("certificate_required")
    if f.certificate_status in (CertStatus.AWAITING, CertStatus.REJECTED):
        raise DomainError("certificate_not_confirmed")
    if f.register == Register.CERTIFIED:
        if f.certificate_status != CertStatus.FUNDED:
            raise DomainError("funded_certificate_required")
    elif f.register in BUDGET_REGISTERS:
        # never a silent default: the municipality decides, per register or over them all
        if not f.year_set or (f.budget_limit is None and f.register_limit is None):
            raise DomainError("municipality_year_not_set")
        if f.register_limit is not None and f.active_same_register >= f.register_limit:
            raise DomainError("budget_limit_reached", limit=f.register_limit)
        if f.budget_limit is not None and f.active_budget_programs >= f.budget_limit:
            raise DomainError("budget_limit_reached", limit=f.budget_limit)
