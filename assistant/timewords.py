"""Time words in a question bound what is evidence.

"What happened this week?" asked as of 5 January is about the articles of the days before
5 January, not about a year-old report the retriever ranks first. `evidence_window`
reads the question's time words against its reference day (the as-of date, else the
newest article's) and gives the publication days an answer may draw on:

- "today", "tonight", "yesterday", "this week", "past week", "last week", "this weekend",
  "last weekend", "this month", "last month", "this year", "recently", "lately";
- a day, a month or a year the question names with its year ("on 20 February 2021", "in
  March 2021", "in 2024"), read by `dates.question_time`: reports from then on.

Every window ends at the reference day, and is widened by `slack_days` before its start:
news of an event is often published a day or two after it, and "this week" is read
loosely. Words that name no calendar time ("before the election") bound nothing here.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.dates import question_time

# Phrase -> days before the reference day that it reaches back.
_RELATIVE = (
    (re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", re.I), 1),
    (re.compile(r"\byesterday\b", re.I), 2),
    (re.compile(r"\b(?:this|past) week\b|\bin the (?:past|last) (?:seven|7) days\b", re.I), 7),
    (re.compile(r"\bthis weekend\b", re.I), 4),
    (re.compile(r"\blast weekend\b", re.I), 9),
    (re.compile(r"\blast week\b", re.I), 14),
    (re.compile(r"\b(?:this|past) month\b", re.I), 31),
)
_RECENTLY = re.compile(r"\b(?:recently|lately|these days|nowadays)\b", re.I)
_LAST_MONTH = re.compile(r"\blast month\b", re.I)
_THIS_YEAR = re.compile(r"\bthis year\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def evidence_window(question: str, reference: dt.date | None, slack_days: int, recent_days: int) -> tuple[dt.date, dt.date] | None:
    """(first, last) publication day an answer to `question` may draw on, or None when the
    question names no time (or there is no reference day to read it against)."""
    if reference is None:
        return None
    slack = dt.timedelta(days=slack_days)
    for pattern, days in _RELATIVE:
        if pattern.search(question):
            return reference - dt.timedelta(days=days) - slack, reference
    if _LAST_MONTH.search(question):
        first_this = reference.replace(day=1)
        first_last = (first_this - dt.timedelta(days=1)).replace(day=1)
        return first_last - slack, min(reference, first_this + slack)
    if _THIS_YEAR.search(question):
        return reference.replace(month=1, day=1) - slack, reference
    if _RECENTLY.search(question):
        return reference - dt.timedelta(days=recent_days) - slack, reference
    # A day or month with its year says when the event was: reports of it come from then on
    # (a later article may look back on it). Without a year ("on April 14") it is unsure
    # which year is meant, so it only steers retrieval (`dates.question_time`).
    if _YEAR.search(question):
        said = question_time(question, reference)
        if said.since is not None:
            since = said.since - slack
            return (since, reference) if since <= reference else (reference, reference)
    return None
