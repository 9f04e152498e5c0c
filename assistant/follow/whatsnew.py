""" "What's new": the articles that reached the index (or were published) since a time,
their key facts grouped by story, newest first, each cited; and for a story that got a new
version, what changed (`assistant.changes`).

"Since" comes from the question ("since Monday", "since 3 March", "today", "since my last
visit"), else the last visit, else `follow_new_days` ago. An article counts as new when a
followed source brought it in since then (the state's arrivals, exact to the second) or
when it was published on or after that day. A topic ("about the strikes") keeps the
articles holding enough of its key terms (IDF-weighted, the answer's own `min_term_coverage`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, replace
from string import Template
from typing import Annotated

from pydantic import Field

from assistant.changes import changes_text, story_changes
from assistant.citations import cite, dated, human_date
from assistant.compose import write
from assistant.dates import normalize_date, question_time, since_day
from assistant.follow.state import Arrival, FollowState, last_visit, parse_time, record_visit
from assistant.retrieve import Retriever, joined_passage
from assistant.settings import Settings
from assistant.templates import Templates, packaged_prompts
from assistant.text import MONTH, content_terms, split_sentences, tokens
from assistant.types import Answer, Citation, Layout, Passage

log = logging.getLogger(__name__)

# --- recognising the question (kept in one small function so answer routing can call it) ---

_ASKS_NEW = re.compile(
    r"\bwhat(?:'s|’s| is| has been)? (?:new|the latest)\b|\bany(?:thing)? new\b|\bany news\b|\blatest news\b|\bnews since\b"
    r"|\bwhat (?:has )?(?:come in|arrived)\b",
    re.I,
)
# "What is new in the story about X?": how one story's versions differ, which `assistant.changes` answers.
_ONE_STORY = re.compile(r"\b(?:story|report|article|piece|versions?|revisions?)\b", re.I)
_LAST_VISIT = re.compile(r"\bsince (?:my |our )?last (?:visit|time|check|session)\b|\bsince I (?:last )?(?:asked|checked|visited|looked|was here)\b", re.I)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SINCE_WEEKDAY = re.compile(r"\bsince (?:last )?(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_SINCE_ISO = re.compile(r"\bsince (\d{4}-\d{2}-\d{2})\b", re.I)
_SINCE_YESTERDAY = re.compile(r"\bsince yesterday\b", re.I)
_TODAY = re.compile(r"\btoday\b", re.I)
# Words that ask for news rather than say what about: left out of the topic.
_ASKING = re.compile(
    r"\b(?:what(?:'s|’s)?|is|has|have|been|new|the|latest|any(?:thing)?|news|since|my|our|last|visit|time|check|session|i|asked|checked|"
    r"visited|looked|was|here|about|on|in|with|for|of|come|arrived|today|yesterday|this|week|month|there|" + "|".join(_WEEKDAYS) + r")\b",
    re.I,
)
_NUMBERS = re.compile(r"\b\d[\d-]*(?:st|nd|rd|th)?\b")


def asks_whats_new(question: str) -> bool:
    """Does the question ask what news arrived ("what's new about the strikes since Monday?",
    "anything new since my last visit?"), rather than how one story's versions differ?"""
    return bool(_ASKS_NEW.search(question)) and not _ONE_STORY.search(question)


def new_topic(question: str) -> str:
    """What the question asks news about ("the strikes"), "" when it asks for everything."""
    rest = " ".join(_ASKING.sub(" ", MONTH.sub(" ", _NUMBERS.sub(" ", question))).split()).strip(" ?.,:!")
    return rest if content_terms(rest) else ""


def new_since(question: str, settings: Settings, now: dt.datetime | None = None) -> tuple[dt.datetime, str]:
    """(since, how to say it) for a what's-new question; `now` defaults to the clock."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.date()
    visit = last_visit(settings)
    if _LAST_VISIT.search(question):
        if visit is not None:
            return visit, f"your last visit ({moment_text(visit)})"
        since = now - dt.timedelta(days=settings.follow_new_days)
        return since, f"{moment_text(since)} (this is your first visit)"
    day: dt.date | None = None
    m = _SINCE_WEEKDAY.search(question)
    if m:
        back = (today.weekday() - _WEEKDAYS.index(m.group(1).lower())) % 7
        day = today - dt.timedelta(days=back)
    elif m := _SINCE_ISO.search(question):
        day = dt.date.fromisoformat(normalize_date(m.group(1)) or today.isoformat())
    elif _SINCE_YESTERDAY.search(question):
        day = today - dt.timedelta(days=1)
    elif _TODAY.search(question):
        day = today
    else:
        day = since_day(question, today) or question_time(question, today).since
    if day is not None:
        return dt.datetime.combine(day, dt.time(), dt.UTC), human_date(day.isoformat())
    if visit is not None:
        return visit, f"your last visit ({moment_text(visit)})"
    since = now - dt.timedelta(days=settings.follow_new_days)
    return since, moment_text(since)


def moment_text(moment: dt.datetime) -> str:
    return f"{human_date(moment.date().isoformat())}, {moment.strftime('%H:%M')} UTC"


# --- the answer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewArticle:
    """One new article: when it arrived (or was published) and whether it is a new version.
    Also the shape `GET /api/new` and the MCP tool `whats_new` return (the descriptions are
    their schema's)."""

    doc_id: str
    title: str
    published_at: str
    source: str
    url: str
    story_id: str
    # "" when it reached the index otherwise (its publication date counts).
    arrived_at: Annotated[str, Field(description="When a followed source brought it in (UTC); empty when it was published since then but came otherwise.")]
    revision: Annotated[bool, Field(description="A new version of a page fetched before.")]


def _templates(settings: Settings) -> dict[str, Template]:
    out = {}
    for name in ("whats_new", "whats_new_story", "whats_new_version", "whats_new_none"):
        own = settings.prompts_dir / f"{name}.txt" if settings.prompts_dir else None
        path = own if own is not None and own.is_file() else packaged_prompts() / f"{name}.txt"
        out[name] = Template(path.read_text(encoding="utf-8").strip("\n"))
    return out


def new_articles(retriever: Retriever, settings: Settings, since: dt.datetime, topic: str = "") -> list[NewArticle]:
    """The articles new since `since` (arrived, or published on or after its day), newest
    first; with `topic`, only those holding enough of its key terms."""
    arrivals: dict[str, Arrival] = {}
    for a in FollowState(settings).arrived_since(since):
        arrivals.setdefault(a.doc_id, a)  # newest first: the latest arrival of each article
    records = retriever.store.articles()
    # Publication dates are days: a day counts whole when `since` is its midnight, else from the next day on
    # (what arrived later on the day of the last visit is in the arrivals, to the second).
    first_day = since.date() if since.timetz().replace(tzinfo=None) == dt.time() else since.date() + dt.timedelta(days=1)
    day = first_day.isoformat()
    wanted = {d for d in arrivals if d in records} | {d for d, r in records.items() if r.published_at and r.published_at >= day}
    terms = _weighted_terms(topic, retriever) if topic else {}
    out = []
    for doc_id in wanted:
        r = records[doc_id]
        if terms and _coverage(terms, retriever, doc_id) < settings.min_term_coverage:
            continue
        a = arrivals.get(doc_id)
        out.append(NewArticle(doc_id, r.title, r.published_at, r.source, r.url, r.story_id, a.at if a else "", bool(a and a.revision)))
    out.sort(key=lambda n: (max(n.arrived_at[:10], n.published_at), n.arrived_at, n.published_at, n.doc_id), reverse=True)
    return out


def _weighted_terms(topic: str, retriever: Retriever) -> dict[str, float]:
    return {t: retriever.idf(t) for t in set(content_terms(topic))}


def _coverage(terms: dict[str, float], retriever: Retriever, doc_id: str) -> float:
    chunks = retriever.article(doc_id)
    have = set(content_terms(" ".join(c.text for c in chunks) + " " + (chunks[0].metadata.get("title", "") if chunks else "")))
    total = sum(terms.values()) or 1.0
    return sum(w for t, w in terms.items() if t in have) / total


def _key_sentences(passage: Passage, topic_terms: set[str], settings: Settings) -> list[tuple[int, int]]:
    """The article's key sentences: its lead (news puts the facts first) or, with a topic,
    the sentences that name most of it (earliest first on ties); in text order."""
    spans = [(a, b) for a, b in split_sentences(passage.text) if len(tokens(passage.text[a:b])) >= settings.min_sentence_words]
    title = " ".join(passage.title.split()).lower()
    spans = [(a, b) for a, b in spans if " ".join(passage.text[a:b].split()).lower() != title]
    if topic_terms:
        scored = sorted(spans, key=lambda s: (-len(topic_terms & set(content_terms(passage.text[s[0] : s[1]]))), s[0]))
        return sorted(scored[: settings.follow_new_facts])
    return spans[: settings.follow_new_facts]


def whats_new(
    retriever: Retriever, settings: Settings, templates: Templates, since: dt.datetime, since_text: str, topic: str = "", question: str = ""
) -> Answer:
    """The cited answer: each story's newest new article with its key sentences, newest story
    first; a story that got a new version also says what changed from the version before."""
    started = time.perf_counter()
    text_of = _templates(settings)
    articles = new_articles(retriever, settings, since, topic)
    stories: dict[str, list[NewArticle]] = {}
    for article in articles:
        stories.setdefault(article.story_id, []).append(article)
    shown = list(stories.items())[: settings.follow_new_stories]
    question = question or f"What's new since {since_text}?"
    if not shown:
        about = f" about {topic}" if topic else ""
        return Answer(question, text_of["whats_new_none"].substitute(topic=about, since=since_text), False, standalone_question=question)
    citations: list[Citation] = []
    parts = [text_of["whats_new"].substitute(since=since_text, count=_count(len(articles), len(stories)))]
    topic_terms = set(content_terms(topic))
    every_change = settings.with_overrides(changes_shown=max(1, settings.follow_new_changes))
    all_changes = []
    for story_id, members in shown:
        newest = members[0]
        chunks = retriever.article(newest.doc_id)
        if not chunks:
            continue
        passage = joined_passage(chunks[0], chunks, 1.0)
        facts = []
        for a, b in _key_sentences(passage, topic_terms, settings):
            citations.append(cite(len(citations) + 1, passage, a, b, 1.0))
            facts.append(f"- {passage.text[a:b].strip()} [{len(citations)}]")
        versions = retriever.story_versions(story_id)
        is_version = len(versions) > 1 and any(v[0].doc_id != newest.doc_id for v in versions)
        version_note = " — a new version of this story" if is_version and (newest.revision or _not_first(versions, newest.doc_id)) else ""
        block = text_of["whats_new_story"].substitute(title=newest.title or newest.doc_id, date=_arrival(newest), version=version_note, facts="\n".join(facts))
        if version_note and settings.follow_new_changes > 0:
            story = story_changes(versions, settings, latest_only=True)
            if story and story[0].changes:
                changed, cited = changes_text(story, templates, every_change)
                changed = _renumber(changed, len(citations))
                citations += [replace(c, number=c.number + len(citations)) for c in cited]
                block += "\n" + text_of["whats_new_version"].substitute(changes=changed)
                all_changes += story
        parts.append(block)
    layout = Layout(body="\n\n".join(parts))
    return Answer(
        question,
        write(layout, citations, templates),
        False,
        citations,
        standalone_question=question,
        changes=all_changes,
        seconds={"whats_new": round(time.perf_counter() - started, 3)},
        layout=layout,
    )


def _count(articles: int, stories: int) -> str:
    return f"{articles} article{'s' if articles != 1 else ''} in {stories} stor{'ies' if stories != 1 else 'y'}"


def _arrival(article: NewArticle) -> str:
    published = dated(article.published_at, article.source)
    if article.arrived_at:
        return f"{published}; fetched {moment_text(parse_time(article.arrived_at))}"
    return published


def _not_first(versions, doc_id: str) -> bool:
    ordered = sorted(versions, key=lambda v: (v[0].published_at or "", v[0].doc_id))
    return ordered[0][0].doc_id != doc_id


def _renumber(text: str, offset: int) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + offset}]", text) if offset else text


# --- the hook for the answer path --------------------------------------------------------


def answer_whats_new(question: str, retriever: Retriever, settings: Settings, templates: Templates, now: dt.datetime | None = None) -> Answer | None:
    """The answer to a what's-new question (and this visit remembered), or None for any other question."""
    if not asks_whats_new(question):
        return None
    since, since_text = new_since(question, settings, now)
    answer = whats_new(retriever, settings, templates, since, since_text, new_topic(question), question)
    try:
        record_visit(settings, now)
    except OSError as exc:  # a read-only corpus folder: answered all the same, the visit is not remembered
        log.warning("cannot remember this visit in %s: %s", settings.follow_dir or settings.corpus_dir, exc)
    return answer
