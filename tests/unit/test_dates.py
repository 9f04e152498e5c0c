import datetime as dt

import pytest

from assistant.dates import day_number, find_date_in_line, is_date_line, normalize_date, parse_user_date
from assistant.errors import InvalidDate


@pytest.mark.parametrize(
    "line, iso",
    [
        ("20:04 GMT19 April 2021", "2021-04-19"),
        ("08:21 GMT13 June 2021", "2021-06-13"),
        ("Published 10:03 AM EST, Thu January 5, 2023", "2023-01-05"),
        ("2023-02-28", "2023-02-28"),
        ("Updated: 3 Mar. 2023", "2023-03-03"),
    ],
)
def test_header_dates(line, iso):
    assert find_date_in_line(line) == iso
    assert is_date_line(line)


def test_a_sentence_with_a_date_is_not_a_date_line():
    assert not is_date_line("On April 14, 2018 the United States launched over 100 missiles on Syria.")


def test_metadata_dates():
    assert normalize_date("2023-01-05T10:00:00Z") == "2023-01-05"
    assert normalize_date("Jan 5, 2023") == "2023-01-05"
    assert normalize_date("") == ""
    assert normalize_date("not a date at all") == ""


def test_user_dates():
    assert parse_user_date("2023-01-05") == dt.date(2023, 1, 5)
    assert parse_user_date(None) is None
    with pytest.raises(InvalidDate, match="as_of"):
        parse_user_date("soonish", "as_of")


def test_day_numbers_order_and_unknown():
    assert day_number("1970-01-02") == 1
    assert day_number("") == -1
    assert day_number("2023-01-05") < day_number("2023-01-06")


REF = dt.date(2023, 3, 2)


@pytest.mark.parametrize(
    "question, since, until, recent",
    [
        ("What happened in January 2024?", dt.date(2024, 1, 1), dt.date(2024, 2, 7), False),
        ("What happened on 20 February?", dt.date(2023, 2, 19), dt.date(2023, 2, 27), False),
        ("Who did he meet on February 20, 2021?", dt.date(2021, 2, 19), dt.date(2021, 2, 27), False),
        ("What did Russia say in December?", dt.date(2022, 12, 1), dt.date(2023, 1, 7), False),  # the latest December before the reference
        ("Who won last week?", dt.date(2023, 2, 16), REF, True),
        ("Which pope was laid to rest this week?", None, None, True),
        ("Will they meet in May?", None, None, False),  # "may" is too often a verb to read as a month
        ("Who ordered the strikes?", None, None, False),
    ],
)
def test_dates_written_in_questions(question, since, until, recent):
    from assistant.dates import question_time

    said = question_time(question, REF)
    assert (said.since, said.until, said.recent) == (since, until, recent)
