"""How a citation is built and how answers speak of their sources: one definition each,
used by the extractive answer, the reading model's answer and the refusals."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from assistant.templates import Templates
from assistant.types import Citation, Passage


def cite(number: int, passage: Passage, start: int, end: int, score: float) -> Citation:
    """Citation `number` of `passage.text[start:end]`, with its offsets in the source text."""
    source_start, source_end = passage.source_span(start, end)
    return Citation(
        number=number,
        doc_id=passage.doc_id,
        title=passage.title,
        source=passage.source,
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
