"""Time words of a question bound the evidence (`assistant.timewords`)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from assistant.timewords import evidence_window

REF = dt.date(2023, 3, 10)


def window(question: str, slack: int = 0, recent: int = 30):
    return evidence_window(question, REF, slack, recent)


def test_relative_words_reach_back_from_the_reference_day():
    assert window("What happened this week?") == (dt.date(2023, 3, 3), REF)
    assert window("What happened this week?", slack=3) == (dt.date(2023, 2, 28), REF)
    assert window("Who won yesterday?") == (dt.date(2023, 3, 8), REF)
    assert window("What did the airline do recently?", recent=21) == (dt.date(2023, 2, 17), REF)
    assert window("What happened this year?") == (dt.date(2023, 1, 1), REF)


def test_last_month_is_the_calendar_month_before():
    first, last = window("What did the Fed decide last month?")
    assert first == dt.date(2023, 2, 1) and last == dt.date(2023, 3, 1)


def test_a_named_year_or_month_is_a_window_that_never_passes_the_reference_day():
    assert window("Who won the election in 2022?") == (dt.date(2022, 1, 1), REF)
    first, last = window("What happened in January 2023?")
    assert first == dt.date(2023, 1, 1) and last <= REF
    first, last = window("What will happen in 2024?")
    assert last == REF and first <= last


def test_no_time_words_and_no_reference_bound_nothing():
    assert window("Who ordered the strikes?") is None
    assert window("What happened before the election?") is None  # names no calendar time
    assert evidence_window("What happened this week?", None, 3, 30) is None


@given(st.text(max_size=120), st.integers(0, 10), st.integers(1, 90))
def test_a_window_is_never_empty_nor_after_the_reference_day(question, slack, recent):
    found = evidence_window(question, REF, slack, recent)
    if found is not None:
        assert found[0] <= found[1] <= REF


def test_a_day_without_its_year_bounds_nothing_and_a_named_time_only_from_below():
    assert window("Which countries launched missiles on Syria on April 14?") is None
    assert window("Who was assassinated in Baghdad in January 2020?") == (dt.date(2020, 1, 1), REF)
