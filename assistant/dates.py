"""Reading dates: in scraped headers, in metadata fields and in user arguments."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

from assistant.errors import InvalidDate

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE_PATTERNS = [
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(rf"(?<![\d])(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?,?\s+(\d{{4}})\b", re.I),
    re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I),
]
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]\.?M\.?|GMT|UTC|[ECMP][SD]T|BST|CET|MSK)?", re.I)
_DATE_WORDS = re.compile(
    rf"^(?:{_MONTHS}|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"gmt|utc|am|pm|[ecmp][sd]t|bst|cet|msk|published|updated|posted|last|on|at|by|date)[.,:]*$",
    re.I,
)


def _month_number(name: str) -> int:
    return dateparser.parse(f"1 {name[:3]} 2000").month


def find_date_in_line(text: str) -> str:
    """The first calendar date written in `text`, as YYYY-MM-DD, or ""."""
    # A clock glued to a date ("20:04 GMT19 April 2021") hides the day's word boundary.
    text = _CLOCK.sub(" ", text)
    found: list[tuple[int, str]] = []
    for i, pattern in enumerate(_DATE_PATTERNS):
        m = pattern.search(text)
        if not m:
            continue
        try:
            if i == 0:
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            elif i == 1:
                d, mo, y = int(m.group(1)), _month_number(m.group(2)), int(m.group(3))
            else:
                mo, d, y = _month_number(m.group(1)), int(m.group(2)), int(m.group(3))
            found.append((m.start(), dt.date(y, mo, d).isoformat()))
        except ValueError:
            continue
    return min(found)[1] if found else ""


def is_date_line(text: str) -> bool:
    """A line that holds a date and nothing else but clock times and date words."""
    if not find_date_in_line(text):
        return False
    rest = _CLOCK.sub(" ", text)
    for pattern in _DATE_PATTERNS:
        rest = pattern.sub(" ", rest)
    tokens = [t for t in re.split(r"[\s|,•·]+", rest) if t.strip("-–—:()")]
    return all(_DATE_WORDS.match(t) or t.isdigit() for t in tokens) and len(tokens) <= 6


def normalize_date(value: object) -> str:
    """A metadata date (ISO string, datetime, '2023-01-05T10:00Z', 'Jan 5, 2023') as YYYY-MM-DD, or ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return ""
    found = find_date_in_line(text)
    if found:
        return found
    try:
        return dateparser.parse(text).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return ""


def parse_user_date(value: object, name: str = "date") -> dt.date | None:
    """A date given by a user (as_of, since, until); raises InvalidDate with the bad value."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normalize_date(value)
    if not text:
        raise InvalidDate(f"Could not read {name} {value!r}: give a date like 2023-01-05.")
    return dt.date.fromisoformat(text)


def day_number(iso: str) -> int:
    """Days since 1970-01-01 for an ISO date; -1 when unknown (sorts before every real date)."""
    if not iso:
        return -1
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days
