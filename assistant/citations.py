"""How a citation is built and how answers speak of their sources: one definition each,
used by the extractive answer, the reading model's answer and the refusals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from urllib.parse import urlparse

from assistant.templates import Templates
from assistant.types import Answer, ArticleSource, Citation, Passage


def cite(number: int, passage: Passage, start: int, end: int, score: float) -> Citation:
    """Citation `number` of `passage.text[start:end]`, with its offsets in the source text."""
    source_start, source_end = passage.source_span(start, end)
    return Citation(
        number=number,
        doc_id=passage.doc_id,
        title=passage.title or passage.derived_title,
        title_derived=not passage.title and bool(passage.derived_title),
        source=passage.source or passage.derived_source,
        url=passage.url,
        published_at=passage.published_at,
        quote=passage.text[start:end],
        start=source_start,
        end=source_end,
        score=round(score, 4),
    )


def outlet(source: str, url: str) -> str:
    """Who published an article: its `source`, else its URL's site ("apnews.com")."""
    if source:
        return source
    host = urlparse(url).hostname if url.startswith(("http://", "https://")) else None
    return host.removeprefix("www.") if host else ""


def reach(citation: Citation) -> str:
    """How widely the cited passage was reported: "reported by 3 outlets; first by AP,
    14 March 2023", or for one outlet's versions "in 2 versions; first on 26 February 2021";
    "" when only the cited article carries it."""
    if len(citation.reports) < 2:
        return ""
    first = citation.reports[0]
    when = f", {human_date(first.published_at)}" if first.published_at else ""
    outlets = citation.outlets
    if len(outlets) > 1:
        return f"reported by {len(outlets)} outlets; first by {first.outlet or first.doc_id}{when}"
    return f"in {len(citation.reports)} versions; first on {human_date(first.published_at)}" if first.published_at else f"in {len(citation.reports)} versions"


def human_date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d.strftime('%B')} {d.year}"


def dated(published_at: str, source: str = "") -> str:
    """When and by whom an article was published, as answers name it: "14 March 2023, CNN",
    "date unknown, CNN", "14 March 2023"."""
    when = human_date(published_at) if published_at else "date unknown"
    return f"{when}, {source}" if source else when


def sources_line(citations: list[Citation], templates: Templates) -> str:
    """When the cited articles were published: "Sources published: 19 April 2021 [1, 2]; date unknown [3]."."""
    dates = sorted({c.published_at for c in citations if c.published_at}, reverse=True)
    dated = [f"{human_date(d)} [{', '.join(str(c.number) for c in citations if c.published_at == d)}]" for d in dates]
    if any(not c.published_at for c in citations):
        dated.append(f"date unknown [{', '.join(str(c.number) for c in citations if not c.published_at)}]")
    return templates.sources.substitute(dates="; ".join(dated))


def refusal_text(templates: Templates, as_of: dt.date | None) -> str:
    """The refusal, naming the date window when the question was asked as of a date."""
    window = f" (in articles published up to {human_date(as_of.isoformat())})" if as_of else ""
    return templates.refusal.substitute(window=window)


def closest_coverage(spans: list[tuple[Passage, int, int, float]], limit: int) -> list[Citation]:
    """With a refusal: the best sentence of each of the nearest articles, best first, at most
    `limit`, so a reader sees what the index does hold. `spans` are (passage, start, end,
    score) of candidate sentences, best first."""
    out: list[Citation] = []
    seen: set[str] = set()
    for passage, start, end, score in spans:
        if passage.doc_id in seen:
            continue
        seen.add(passage.doc_id)
        out.append(cite(len(out) + 1, passage, start, end, score))
        if len(out) >= limit:
            break
    return out


# --- numbering by article ----------------------------------------------------------------

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def _letter(k: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa": the quote's place under its article."""
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def article_numbers(citations: list[Citation]) -> dict[int, tuple[int, str]]:
    """Quote number -> (article number, label): articles numbered in the order first cited,
    an article's quotes lettered in their order ("2a", "2b") when it has several."""
    articles: dict[str, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.number):
        articles.setdefault(c.doc_id, []).append(c)
    out: dict[int, tuple[int, str]] = {}
    for n, quotes in enumerate(articles.values(), 1):
        for k, c in enumerate(quotes):
            out[c.number] = (n, f"{n}{_letter(k)}" if len(quotes) > 1 else str(n))
    return out


def _relabel(text: str, numbers: dict[int, tuple[int, str]], quotes_of: dict[int, int]) -> str:
    """Rewrite the `[n]` / `[n, m]` markers of `text` with article labels. A marker naming
    every quote of an article names the article ("[1, 2]" of article 1's two quotes -> "[1]")."""

    def one(m: re.Match) -> str:
        cited = [int(x) for x in m.group(1).split(",")]
        if any(n not in numbers for n in cited):
            return m.group(0)  # not one of this answer's citations: left as written
        per_article: dict[int, list[str]] = {}
        for n in cited:
            article, label = numbers[n]
            per_article.setdefault(article, [])
            if label not in per_article[article]:
                per_article[article].append(label)
        labels = []
        for article, group in per_article.items():
            labels += [str(article)] if len(group) == quotes_of[article] else group
        return f"[{', '.join(labels)}]"

    return _MARKER.sub(one, text)


def by_article(answer: Answer) -> Answer:
    """`answer` with its sources numbered by article: each citation's `number` is its
    article's and its `label` names the quote, and the text's markers say the same
    ("[1b]", "[2]"). Quotes, offsets and order are unchanged. Closest coverage is one
    quote per article already: it gets labels. Applying it twice changes nothing."""
    if answer.citations and all(c.label for c in answer.citations):
        return answer
    numbers = article_numbers(answer.citations)
    quotes_of: dict[int, int] = {}
    for article, _ in numbers.values():
        quotes_of[article] = quotes_of.get(article, 0) + 1

    def renumber(c: Citation | None) -> Citation | None:
        if c is None or c.number not in numbers or c.label:
            return c
        article, label = numbers[c.number]
        return replace(c, number=article, label=label)

    changes = [replace(pair, changes=[replace(ch, old=renumber(ch.old), new=renumber(ch.new)) for ch in pair.changes]) for pair in answer.changes]
    return replace(
        answer,
        text=_relabel(answer.text, numbers, quotes_of),
        citations=[renumber(c) for c in answer.citations],
        closest=[c if c.label else replace(c, label=str(c.number)) for c in answer.closest],
        extractive=by_article(answer.extractive) if answer.extractive is not None else None,
        changes=changes,
        timeline=[replace(e, citation=renumber(e.citation)) for e in answer.timeline],
        disagreements=[replace(d, first=renumber(d.first), second=renumber(d.second)) for d in answer.disagreements],
    )


def sources_of(citations: list[Citation]) -> list[ArticleSource]:
    """Citations numbered by article (`by_article`), grouped: each article once, with its
    quotes under it in order."""
    out: dict[int, ArticleSource] = {}
    for c in citations:
        if c.number not in out:
            out[c.number] = ArticleSource(
                number=c.number,
                doc_id=c.doc_id,
                title=c.title,
                title_derived=c.title_derived,
                outlet=outlet(c.source, c.url),
                published_at=c.published_at,
                url=c.url,
                quotes=[],
            )
        out[c.number].quotes.append(c)
    return list(out.values())
