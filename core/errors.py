"""Domain errors: a code that is also the locale key of the message a person reads."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused an action. ``code`` is stable and doubles as the locale key."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        # params may hold names or numbers a person typed: never put them in a repr
        return f"DomainError({self.code!r})"


# Every refusal code the core raises; tests check each has a locale message.
CODES = frozenset(
    {
        "consent_required",
        "parent_not_found",
        "child_not_found",
        "name_invalid",
        "phone_invalid",
        "end_date_invalid",
        "end_date_format",
        "birth_date_invalid",
        "birth_date_in_future",
        "snils_invalid",
        "snils_checksum",
        "child_registered_elsewhere",
        "dispute_no_match",
        "dispute_already_open",
        "dispute_not_open",
        "dispute_same_family",
        "dispute_family_gone",
        "dispute_child_in_family",
        "child_already_registered",
        "municipality_not_found",
        "stats_not_allowed",
        "age_out_of_range",
        "certificate_exists",
        "teen_too_young",
        "teen_not_allowed",
        "certificate_not_confirmed",
        "certificate_not_awaiting",
        "certificate_not_found",
        "certificate_closed",
        "certificate_already_funded",
        "certificate_already_queued",
        "municipality_year_not_set",
        "program_not_found",
        "group_not_found",
        "program_age_mismatch",
        "no_free_seats",
        "offer_gone",
        "already_applied",
        "certificate_required",
        "funded_certificate_required",
        "certificate_exhausted",
        "budget_limit_reached",
        "program_finished",
        "applications_open_later",
        "review_too_long",
        "review_invalid",
        "review_too_early",
        "review_stars",
        "review_not_found",
        "quote_changed",
        "application_not_found",
        "application_bad_status",
        "reason_required",
        "not_allowed",
        "month_invalid",
        "month_not_ended",
        "month_previous_open",
        "year_months_open",
        "year_invalid",
        "identity_invalid",
        "provider_not_found",
        "link_code_invalid",
        "broadcast_text_length",
        "broadcast_time_past",
        "broadcast_audience_invalid",
        "broadcast_not_found",
        "broadcast_finished",
        "broadcast_time_invalid",
    }
)
