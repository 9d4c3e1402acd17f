from __future__ import annotations

import dataclasses

import pytest

from core.errors import DomainError
from core.rules.catalogue import Register
from core.rules.enrolment import ApplyFacts, AppStatus, CertStatus, check_apply, check_transition

OK = ApplyFacts(
    child_age=10,
    age_min=7,
    age_max=12,
    register=Register.CERTIFIED,
    art_school=False,
    certificate_status=CertStatus.FUNDED,
    has_active_same_program=False,
    active_budget_programs=0,
    budget_limit=2,
    months_left=8,
)


def refuse(**changes):
    with pytest.raises(DomainError) as err:
        check_apply(dataclasses.replace(OK, **changes))
    return err.value.code


def test_all_clear():
    check_apply(OK)


def test_each_refusal_has_its_code():
    assert refuse(child_age=6) == "program_age_mismatch"
    assert refuse(child_age=13) == "program_age_mismatch"
    assert refuse(months_left=0) == "program_finished"
    assert refuse(has_active_same_program=True) == "already_applied"
    assert refuse(certificate_status=None) == "certificate_required"
    assert refuse(certificate_status=CertStatus.CLOSED) == "certificate_required"
    assert refuse(certificate_status=CertStatus.ACCOUNTING) == "funded_certificate_required"
    assert refuse(certificate_status=CertStatus.QUEUED) == "funded_certificate_required"
    assert (
        refuse(register=Register.SIGNIFICANT, active_budget_programs=2) == "budget_limit_reached"
    )


def test_budget_registers_take_any_certificate():
    for register in (Register.SIGNIFICANT, Register.PREPROFESSIONAL, Register.OTHER):
        check_apply(
            dataclasses.replace(OK, register=register, certificate_status=CertStatus.ACCOUNTING)
        )


def test_art_schools_need_no_certificate():
    check_apply(dataclasses.replace(OK, art_school=True, certificate_status=None))


def test_transitions():
    check_transition(AppStatus.SUBMITTED, AppStatus.CANCELLED, "parent")
    check_transition(AppStatus.SUBMITTED, AppStatus.ACCEPTED, "provider")
    check_transition(AppStatus.ACCEPTED, AppStatus.ENROLLED, "provider")
    check_transition(AppStatus.ENROLLED, AppStatus.FINISHED, "parent")
    with pytest.raises(DomainError) as err:
        check_transition(AppStatus.ENROLLED, AppStatus.CANCELLED, "parent")
    assert err.value.code == "application_bad_status"
    with pytest.raises(DomainError) as err:
        check_transition(AppStatus.SUBMITTED, AppStatus.ACCEPTED, "parent")
    assert err.value.code == "not_allowed"
