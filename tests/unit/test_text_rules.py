from __future__ import annotations

import pytest

from core.errors import DomainError
from core.rules.text import REASON_MAX, clean_reason


def test_a_reason_is_folded_to_single_spaces():
    assert clean_reason("  Фамилия\n в  свидетельстве\tиная ") == "Фамилия в свидетельстве иная"


def test_a_long_reason_is_cut_at_the_limit():
    assert clean_reason("а" * (REASON_MAX + 40)) == "а" * REASON_MAX
    assert len(clean_reason("слово " * 200)) == REASON_MAX


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_a_blank_reason_is_refused_with_the_default_code(blank):
    with pytest.raises(DomainError) as caught:
        clean_reason(blank)
    assert caught.value.code == "reason_required"


def test_a_blank_reason_is_refused_with_the_code_the_caller_names():
    with pytest.raises(DomainError) as caught:
        clean_reason(" ", "correction_reason_required")
    assert caught.value.code == "correction_reason_required"
