"""Answers as text for people: the chat UI (Markdown) and the terminal."""

from __future__ import annotations

from assistant.prompts import Templates
from assistant.types import Answer, Citation


def _date(c: Citation) -> str:
    return c.published_at or "date unknown"


def citation_line(c: Citation, templates: Templates) -> str:
    """One citation: number, headline (or document id), date, source and the verbatim quote."""
    return templates.citation.substitute(
        number=c.number, title=c.title or c.doc_id, date=_date(c),
        source=f" — {c.source}" if c.source else "", quote=c.quote.replace("\n", " "),
    )


def to_markdown(answer: Answer, templates: Templates) -> str:
    """The answer followed by its numbered sources, for the chat window."""
    if answer.refused or not answer.citations:
        return answer.text
    lines = [answer.text, "", "**Sources**", ""]
    lines += [f"- {citation_line(c, templates)}" for c in answer.citations]
    return "\n".join(lines)


def to_terminal(answer: Answer, templates: Templates) -> str:
    """The answer and its sources as plain text (Markdown emphasis removed)."""
    if answer.refused or not answer.citations:
        return answer.text
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(citation_line(c, templates).replace("**", "").replace("*", ""))
        lines.append(f"    {c.doc_id} characters {c.start}-{c.end}" + (f"  {c.url}" if c.url else ""))
    return "\n".join(lines)
