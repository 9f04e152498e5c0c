"""Do two reports give different values for the same thing?

Precision first: a false "reports differ" is worse than a missed one. Two sentences from
different articles conflict only when they say the same thing in nearly the same words
(`conflict_min_similarity` of their words, in order) and every place where they differ is a
short run holding a number on both sides: "12 people died" against "14 people died". Not a
disagreement: a differing day or month (the two speak of different times: a weekly rate for
another week), a figure relative to a report's own date ("a year ago", "last week") in
reports of different days, a differing name (another subject: another theatre's prices), a
question (a heading, not a report), or one figure written two ways ("1970s" and "70s",
"4,000" and "4000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from assistant.citations import cite
from assistant.settings import NewsSettings
from assistant.support import numbers_in
from assistant.text import NUMBER, is_calendar_word, split_sentences
from assistant.types import Answer, Citation, Disagreement, Passage

_WORD = re.compile(rf"\$?{NUMBER}%?s?|[\w'’-]+")
# Time said relative to the report's own day: the same words mean other days in other reports.
_RELATIVE_TIME = re.compile(
    r"\b(?:ago|yesterday|today|tonight|last (?:week|month|year|night)|this (?:week|month|year)|the (?:week|month|year|day) before|"
    r"previous (?:week|month|year)|so far|to date|currently|now)\b",
    re.I,
)


@dataclass(frozen=True)
class Conflict:
    """The values each sentence gives where the two differ: ("12",) against ("14",)."""

    first: tuple[str, ...]
    second: tuple[str, ...]


def words(sentence: str) -> list[str]:
    """The sentence's words as compared: numbers whole ("4,000" as "4000"), case kept."""
    return [w.replace(",", "") for w in _WORD.findall(sentence)]


def _is_number(word: str) -> bool:
    return bool(numbers_in(word))


def _same_figure(mine: list[str], theirs: list[str]) -> bool:
    """One figure written two ways: "19,1875" and "19 1875", "1970s" and "70s"."""
    a, b = "".join(mine).rstrip("s"), "".join(theirs).rstrip("s")
    return a == b or (min(len(a), len(b)) >= 2 and (a.endswith(b) or b.endswith(a)))


def conflict(first: str, second: str, settings: NewsSettings, *, same_day: bool = True) -> Conflict | None:
    """The figures `first` and `second` disagree on, or None. `same_day` says whether the two
    reports were published on the same day (relative times then mean the same day)."""
    if first.rstrip().endswith("?") or second.rstrip().endswith("?"):
        return None
    if not same_day and (_RELATIVE_TIME.search(first) or _RELATIVE_TIME.search(second)):
        return None
    a, b = words(first), words(second)
    if not a or not b:
        return None
    matcher = SequenceMatcher(None, [w.lower() for w in a], [w.lower() for w in b], autojunk=False)
    if matcher.ratio() < settings.conflict_min_similarity:
        return None
    mine: list[str] = []
    theirs: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = a[i1:i2], b[j1:j2]
        if tag == "equal":
            continue
        if any(is_calendar_word(w.lower()) for w in old + new):
            return None  # another day or month: the reports speak of different times
        if any(w[:1].isupper() for w in old + new):
            return None  # another name: another subject
        if not any(map(_is_number, old + new)):
            continue  # other words reworded around the same figures
        if tag != "replace" or not any(map(_is_number, old)) or not any(map(_is_number, new)):
            return None  # a figure only one side has: nothing to set against it
        if max(len(old), len(new)) > settings.conflict_max_words:
            return None  # a rewrite that happens to hold numbers, not one figure against another
        mine += [w for w in old if _is_number(w)]
        theirs += [w for w in new if _is_number(w)]
    if not mine or _same_figure(mine, theirs):
        return None
    return Conflict(tuple(mine), tuple(theirs))


def with_disagreements(answer: Answer, passages: list[Passage], settings: NewsSettings) -> Answer:
    """The answer with a `Disagreement` for each cited passage whose figure another retrieved
    report gives differently, that report cited too; where a newer version of the same story
    corrects the figure, the newer wins and the older is superseded. Its text is not touched:
    `compose.rendered` writes it, a note for each disagreement ("Reports differ: 12 [1] (…),
    14 [4] (…)") above the sources line."""
    if answer.refused or not answer.citations or not passages:
        return answer
    story_of = {p.doc_id: p.story_id for p in passages}
    sentences = [(p, a, b) for p in passages for a, b in split_sentences(p.text)]
    found: list[Disagreement] = []
    extra: list[Citation] = []
    taken: set[tuple[str, int]] = set()
    for cited in answer.citations:
        for passage, a, b in sentences:
            if passage.doc_id == cited.doc_id or (passage.doc_id, passage.start + a) in taken:
                continue
            hit = conflict(cited.quote, passage.text[a:b], settings, same_day=cited.published_at == passage.published_at)
            if hit is None:
                continue
            taken.add((passage.doc_id, passage.start + a))
            other = cite(len(answer.citations) + len(extra) + 1, passage, a, b, passage.score)
            extra.append(other)
            if story_of.get(cited.doc_id) == passage.story_id and cited.published_at and passage.published_at and cited.published_at != passage.published_at:
                (older, old_values), (newer, new_values) = sorted(((cited, hit.first), (other, hit.second)), key=lambda e: e[0].published_at)
                found.append(Disagreement("superseded", older, newer, list(old_values), list(new_values)))
            else:
                found.append(Disagreement("differ", cited, other, list(hit.first), list(hit.second)))
            break  # one other report per cited passage
    if not found:
        return answer
    # Parts, not text: the answer's text is written from them (assistant/compose.py), the
    # notes above the sources line, which then names the new citations' dates too.
    return replace(answer, citations=answer.citations + extra, disagreements=found)
