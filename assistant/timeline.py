"""A story's timeline: dated events from the articles about it, each event once, cited to
its earliest report, in date order.

An event is a sentence of a retrieved passage about the topic. Its day is the one the
sentence states ("on 20 February"), else the one it names relative to its article's date
("on Thursday", "yesterday"), else — for the sentence of each article that speaks most of
the topic — the article's publication date. Reports of one event in several articles
(versions, reprints, follow-ups retelling it) are one event, cited to the earliest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from assistant.citations import cite, human_date
from assistant.dates import day_of_sentence
from assistant.settings import Settings
from assistant.templates import Templates
from assistant.text import content_terms, jaccard, split_sentences, topic_words
from assistant.types import Citation, Passage, TimelineEvent

_ASKS = re.compile(
    r"\b(?:time\s?line|chronology)\s+(?:of|for|on)\b|\bhow\s+(?:did|has|have)\b.{1,80}\b(?:develop|unfold|evolve|progress)(?:ed)?\b"
    r"|\bwhat\s+(?:has\s+)?happened\s+(?:with|to|in|at|on)\b.{1,80}\bsince\b",
    re.I,
)
_ASKING = re.compile(
    r"\b(?:give|show|make|me|a|the|time\s?line|chronology|of|for|on|how|did|has|have|develop(?:ed)?|unfold(?:ed)?|evolve[sd]?|"
    r"progress(?:ed)?|what|happened|with|to|in|at|since|story|events?)\b",
    re.I,
)


def asks_for_timeline(question: str) -> bool:
    """ "Timeline of X", "how did X develop", "what happened with X since <date>"."""
    return bool(_ASKS.search(question))


def timeline_topic(question: str) -> str:
    """The question without its asking words and dates, for searching the coverage."""
    return topic_words(question, _ASKING)


_TITLES = (
    re.compile(r"\b(?:time\s?line|chronology)\s+(?:of|for|on)\s+(.+)", re.I),
    re.compile(r"\bhow\s+(?:did|has|have)\s+(.+?)\s+(?:develop|unfold|evolve|progress)", re.I),
    re.compile(r"\bwhat\s+(?:has\s+)?happened\s+(?:with|to|in|at|on)\s+(.+)", re.I),
)


def timeline_title(question: str) -> str:
    """What the timeline is of, in the question's own words ("the US strikes in Syria")."""
    for pattern in _TITLES:
        m = pattern.search(question)
        if m:
            return m.group(1).strip(" ?.!")
    return question.strip(" ?.!")


def _published(passage: Passage) -> dt.date | None:
    return dt.date.fromisoformat(passage.published_at) if passage.published_at else None


def timeline_events(
    topic: str,
    passages: list[Passage],
    settings: Settings,
    idf: Callable[[str], float],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[TimelineEvent]:
    """The events of `passages` about `topic`, oldest first, at most `timeline_events`;
    `idf(term)` weighs the topic's words."""
    wanted = set(content_terms(topic))
    # Rare words name the story ("Idlib"), common ones ("situation") do not: shares weigh by idf.
    weight = {t: idf(t) for t in wanted}
    total = sum(weight.values())
    candidates: list[tuple[dt.date, str, Passage, int, int, set[str]]] = []
    best_of_article: dict[str, tuple[float, tuple]] = {}
    for passage in passages:
        published = _published(passage)
        for a, b in split_sentences(passage.text):
            sentence = passage.text[a:b]
            terms = set(content_terms(sentence))
            share = sum(weight[t] for t in terms & wanted) / total if total else 0.0
            if share < settings.timeline_min_coverage:
                continue
            day, how = day_of_sentence(sentence, published)
            if day is None:
                # Undated sentences stand for their article's own report, once per article.
                if published is not None and share > best_of_article.get(passage.doc_id, (-1.0, ()))[0]:
                    best_of_article[passage.doc_id] = (share, (published, "published", passage, a, b, terms))
                continue
            if published is not None and day > published:
                continue  # a plan or a forecast, not an event yet
            candidates.append((day, how, passage, a, b, terms))
    # An article's own date stands for it only when none of its sentences names a day.
    dated_docs = {c[2].doc_id for c in candidates}
    candidates += [entry for doc, (_, entry) in best_of_article.items() if doc not in dated_docs]
    candidates = [c for c in candidates if (since is None or c[0] >= since) and (until is None or c[0] <= until)]
    # The earliest report of each event first, so a later retelling folds into it.
    candidates.sort(key=lambda c: (c[2].published_at or "9999", c[0], c[2].doc_id, c[3]))
    kept: list[tuple[dt.date, str, Passage, int, int, set[str]]] = []
    for c in candidates:
        if any(jaccard(c[5], k[5]) >= settings.duplicate_sentence_jaccard for k in kept):
            continue
        kept.append(c)
    kept.sort(key=lambda c: (c[0], c[2].published_at or "", c[3]))
    kept = kept[-settings.timeline_events :]  # the latest events when there are more
    return [TimelineEvent(day.isoformat(), how, cite(n, p, a, b, 1.0)) for n, (day, how, p, a, b, _) in enumerate(kept, 1)]


def timeline_text(topic: str, events: list[TimelineEvent], templates: Templates) -> tuple[str, list[Citation]]:
    """The written timeline: a head line, then one dated line per event with its `[n]`."""
    lines = [templates.timeline.substitute(topic=topic, count=len(events))]
    for e in events:
        how = "" if e.dated_by == "stated" else " (the report's date)" if e.dated_by == "published" else ""
        lines.append(templates.timeline_event.substitute(day=human_date(e.day) + how, event=e.citation.quote, ref=f"[{e.citation.number}]"))
    return "\n".join(lines), [e.citation for e in events]
