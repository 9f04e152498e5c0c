"""Reading dates: in scraped headers, in metadata fields and in user arguments."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dateparser

from assistant.errors import InvalidDate
from assistant.text import MONTHS, WEEKDAY_NAMES

_WEEKDAYS = "|".join(WEEKDAY_NAMES)
_WEEKDAY_ABBREVIATIONS = "|".join(day[:3] for day in WEEKDAY_NAMES)

_DATE_PATTERNS = [
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(rf"(?<![\d])(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})\.?,?\s+(\d{{4}})\b", re.I),
    re.compile(rf"\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I),
]
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]\.?M\.?|GMT|UTC|[ECMP][SD]T|BST|CET|MSK)?", re.I)
_DATE_WORDS = re.compile(
    rf"^(?:{MONTHS}|{_WEEKDAY_ABBREVIATIONS}|{_WEEKDAYS}|"
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
    shown = repr(value) if len(repr(value)) <= _SHOWN_CHARS else repr(value)[:_SHOWN_CHARS] + "…"
    raw = str(value).strip()
    # A user's date is stricter than a scraped one: an ISO date with a time must be a real
    # time, and a date in words must name its year ("-1" and "5" are not dates).
    iso = re.match(r"^\d{4}-\d{2}-\d{2}", raw)
    if iso and raw != iso.group(0):
        try:
            dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidDate(f"Could not read {name} {shown}: the time after the date is not valid; give a date like 2023-01-05.") from None
    text = normalize_date(value) if iso or re.search(r"(?<!\d)\d{4}(?!\d)", raw) else ""
    if not text:
        raise InvalidDate(f"Could not read {name} {shown}: give a date like 2023-01-05.")
    return dt.date.fromisoformat(text)


_SHOWN_CHARS = 60  # how much of an unreadable date an error message repeats


def day_number(iso: str) -> int:
    """Days since 1970-01-01 for an ISO date; -1 when unknown (sorts before every real date)."""
    if not iso:
        return -1
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


_Q_DAY_MONTH = re.compile(
    rf"\b(?:on|since|from)\s+(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTHS})|({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,?\s+(\d{{4}}))?", re.I
)
MONTHS_YEAR = re.compile(rf"\b(?:in|during|since|from|throughout)\s+(?:early\s+|late\s+|mid-?)?({MONTHS})\b(?:\s+(?:of\s+)?(\d{{4}}))?", re.I)
_Q_YEAR = re.compile(r"\b(?:in|during|throughout)\s+((?:19|20)\d{2})\b", re.I)
_Q_RELATIVE = {
    "today": (1, 0),
    "yesterday": (2, 0),
    "this week": (7, 0),
    "last week": (14, 0),
    "past week": (7, 0),
    "this weekend": (4, 0),
    "last weekend": (9, 0),
    "this month": (31, 0),
    "last month": (62, 0),
    "recently": (21, 0),
    "this year": (366, 0),
}


@dataclass(frozen=True)
class QuestionTime:
    """What a question says about time: a hard window, and whether it asks about "now"."""

    since: dt.date | None = None
    until: dt.date | None = None
    recent: bool = False  # "this week", "recently", "yesterday": favour the newest articles


def question_time(question: str, reference: dt.date | None) -> QuestionTime:
    """Dates written in a question ("in January 2024", "on 20 February", "last week"), read
    relative to `reference` (the as-of date, else the newest article date)."""
    q = question.lower()
    recent = any(phrase in q for phrase in _Q_RELATIVE)
    m = _Q_DAY_MONTH.search(question)
    if m:
        when = _day_of(m, reference)
        if when:
            # News of a day is published that day and in the days after it.
            return QuestionTime(when - dt.timedelta(days=1), when + dt.timedelta(days=7), recent)
    m = MONTHS_YEAR.search(question)
    if m and not re.match(r"may\b", m.group(1), re.I) or (m and m.group(2)):
        month = _month_number(m.group(1))
        year = int(m.group(2)) if m.group(2) else _year_before(reference, month, 1)
        start = dt.date(year, month, 1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) + dt.timedelta(days=6)
        return QuestionTime(start, end, recent)
    m = _Q_YEAR.search(question)
    if m:
        year = int(m.group(1))
        return QuestionTime(dt.date(year, 1, 1), dt.date(year + 1, 1, 7), recent)
    if reference:
        for phrase, (back, _) in _Q_RELATIVE.items():
            if phrase in q and phrase not in ("recently", "this week", "this year", "this month"):
                return QuestionTime(reference - dt.timedelta(days=back), reference, True)
    return QuestionTime(recent=recent)


def _day_of(m: re.Match, reference: dt.date | None) -> dt.date | None:
    day = int(m.group(1) or m.group(4))
    month = _month_number(m.group(2) or m.group(3))
    year = int(m.group(5)) if m.group(5) else _year_before(reference, month, day)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def since_day(question: str, reference: dt.date | None) -> dt.date | None:
    """The day of "since 26 February" ("since Feb 26, 2021") in a question, else None."""
    for m in _Q_DAY_MONTH.finditer(question):
        if m.group(0).lower().startswith("since"):
            return _day_of(m, reference)
    return None


def _year_before(reference: dt.date | None, month: int, day: int) -> int:
    """The year of the latest `month`/`day` not after `reference` (this year without one)."""
    if reference is None:
        return dt.date.today().year
    return reference.year if (month, day) <= (reference.month, reference.day) else reference.year - 1


def _nearest_year(published: dt.date | None, month: int, day: int) -> int:
    """The year that puts `month`/`day` nearest an article's date: "on Feb. 15" in an article of
    1 February is two weeks ahead (a plan), "on Dec. 20" in one of 5 January is last December."""
    if published is None:
        return dt.date.today().year

    def distance(year: int) -> int:
        try:
            return abs((dt.date(year, month, day) - published).days)
        except ValueError:  # 29 February in a common year
            return 10**6

    return min((published.year - 1, published.year, published.year + 1), key=distance)


_S_DAY_MONTH = re.compile(rf"(?<![\d])(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b(?:\.?,?\s+(\d{{4}}))?", re.I)
_S_MONTH_DAY = re.compile(rf"\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s+(\d{{4}}))?", re.I)
_S_WEEKDAY = re.compile(rf"\b(?:on|last|this|late|early)?\s*({_WEEKDAYS})\b", re.I)
_S_RELATIVE = re.compile(r"\b(yesterday|today|tonight|this morning|this afternoon|this evening)\b", re.I)
_WEEKDAY_NUMBER = {d: i for i, d in enumerate(WEEKDAY_NAMES)}
# A sentence about what is to come: its weekday is the next one, not the last.
_AHEAD = re.compile(
    r"\b(?:will|won't|shall|is|are) (?:set|scheduled|expected|due|slated|poised) to\b|\b(?:will|won't|shall|going to|plans? to|"
    r"scheduled|upcoming|deadline|next)\b",
    re.I,
)
# A weekday right after a verb of saying or a past tense ("said Saturday", "announced Monday").
_SAID_BEFORE = re.compile(r"\b(?:said|says|told|wrote|\w+ed)\s*$", re.I)


def day_of_sentence(sentence: str, published: dt.date | None) -> tuple[dt.date | None, str]:
    """The day a sentence says its event happened, read against the article's own date:
    (day, how). `how` is "stated" ("on 20 February", "Feb. 20, 2023"; without a year, the
    one nearest the article's date, which may lie after it), "relative" ("on Thursday",
    "yesterday": the latest such day up to the publication date, or the next one in a
    sentence about what is to come, "will speak on Tuesday") or "" when it names no day (the
    caller may fall back to the publication date). A stated day wins over a weekday beside
    it ("at 2 a.m., Sunday, March 12")."""
    found: list[tuple[int, dt.date, str]] = []
    for pattern, day_group, month_group in ((_S_DAY_MONTH, 1, 2), (_S_MONTH_DAY, 2, 1)):
        for m in pattern.finditer(sentence):
            if month_group == 1 and re.fullmatch(r"may", m.group(1), re.I) and not m.group(3):
                continue  # "may 20 people…": the verb, not the month
            day, month = int(m.group(day_group)), _month_number(m.group(month_group))
            year = int(m.group(3)) if m.group(3) else _nearest_year(published, month, day)
            try:
                found.append((m.start(), dt.date(year, month, day), "stated"))
            except ValueError:
                continue
    if published is not None and not found:
        ahead = _AHEAD.search(sentence) is not None
        for m in _S_WEEKDAY.finditer(sentence):
            weekday = _WEEKDAY_NUMBER[m.group(1).lower()]
            # "said Saturday that she will…": the weekday dates the saying, which is past.
            if ahead and not _SAID_BEFORE.search(sentence[: m.start()]):
                found.append((m.start(), published + dt.timedelta(days=(weekday - published.weekday()) % 7 or 7), "relative"))
            else:
                found.append((m.start(), published - dt.timedelta(days=(published.weekday() - weekday) % 7), "relative"))
        for m in _S_RELATIVE.finditer(sentence):
            found.append((m.start(), published - dt.timedelta(days=1 if m.group(1).lower() == "yesterday" else 0), "relative"))
    if not found:
        return None, ""
    _, day, how = min(found, key=lambda f: f[0])
    return day, how
