"""Answers as text for people: Markdown for the chat, HTML for its sources panel, plain text
for the terminal. Article text is always escaped: it is data, never markup."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from assistant.citations import dated, reach
from assistant.templates import Templates
from assistant.text import CITATION_MARKER
from assistant.types import Answer, ArticleInfo, Citation, VersionChanges


def _date(c: Citation) -> str:
    return c.published_at or "date unknown"


def citation_line(c: Citation, templates: Templates) -> str:
    """One citation: number, headline (or document id), date, source and the verbatim quote."""
    return templates.citation.substitute(
        number=c.number,
        title=c.title or c.doc_id,
        date=_date(c),
        source=f" — {c.source}" if c.source else "",
        reach=f" — {reach(c)}" if reach(c) else "",
        quote=c.quote.replace("\n", " "),
    )


def closest_line(c: Citation) -> str:
    """A passage offered as the nearest coverage of a question the articles do not answer."""
    return f"{c.title or c.doc_id} ({_date(c)}{', ' + c.source if c.source else ''}): “{c.quote}”"


def to_markdown(answer: Answer, templates: Templates) -> str:
    """The answer followed by its numbered sources, quotes included."""
    if answer.refused or not answer.citations:
        return answer.text
    lines = [answer.text, "", "**Sources**", ""]
    lines += [f"- {citation_line(c, templates)}" for c in answer.citations]
    return "\n".join(lines)


def to_terminal(answer: Answer, templates: Templates) -> str:
    """The answer and its sources as plain text (Markdown emphasis removed)."""
    reworded = _reworded(answer, templates)
    notes = [n for n in (answer.notice, reworded) if n]
    notes += [f"left out (not backed by its source): {u}" for u in answer.unsupported]
    if answer.refused or not answer.citations:
        closest = [f"  - {closest_line(c)}" for c in answer.closest]
        return "\n".join([answer.text, *notes, *(["Closest coverage:", *closest] if closest else [])])
    lines = [answer.text, *notes, ""]
    for c in answer.citations:
        lines.append(citation_line(c, templates).replace("**", "").replace("*", ""))
        lines.append(f"    {c.doc_id} characters {c.start}-{c.end}" + (f"  {c.url}" if c.url else ""))
    return "\n".join(lines)


# --- the web chat -------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}()#+!|~>-])")


def escape_markdown(text: str) -> str:
    """`text` shown literally by a Markdown renderer that also accepts HTML."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("[", r"\[").replace("]", r"\]")


def chat_markdown(answer: Answer, templates: Templates) -> str:
    """An answer for the chat window: its text with `[n]` markers, then a short list of sources.

    A refusal is a block quote, so it never looks like an answer. The quotes themselves
    go to the sources panel (`sources_panel`).
    """
    notes = _notes(answer, templates)
    if answer.refused or not answer.citations:
        text = escape_markdown(answer.text)
        quoted = "\n".join("> " + line if line else ">" for line in text.split("\n"))
        if answer.closest:
            quoted += "\n\n**Closest coverage:**\n" + "\n".join(
                f"- *{escape_markdown(c.title or c.doc_id)}* — {_date(c)}" + (f" — {escape_markdown(c.source)}" if c.source else "") for c in answer.closest
            )
        return quoted + ("\n\n" + notes if notes else "")
    # The `[n]` markers stay plain text (so the copy button copies readable text); the
    # page's script turns them into links to the sources panel. Everything else is escaped.
    pieces, cursor = [], 0
    for m in CITATION_MARKER.finditer(answer.text):
        pieces.append(escape_markdown(answer.text[cursor : m.start()]) + m.group(0))
        cursor = m.end()
    text = "".join(pieces) + escape_markdown(answer.text[cursor:])
    lines = [text, ""]
    for c in answer.citations:
        line = templates.chat_source.substitute(
            number=c.number,
            title=escape_markdown(c.title or c.doc_id),
            date=_date(c),
            source=f" — {escape_markdown(c.source)}" if c.source else "",
            reach=f" — {escape_markdown(reach(c))}" if reach(c) else "",
        )
        lines.append(line + "  ")  # two spaces: a Markdown line break
    if notes:
        lines += ["", notes]
    return "\n".join(lines).rstrip()


def _version_name(info: ArticleInfo) -> str:
    return f"{dated(info.published_at)}{' — ' + escape_markdown(info.source) if info.source else ''} — `{html.escape(info.doc_id)}`"


def _side(c: Citation) -> str:
    return f"“{escape_markdown(c.quote)}” <small>({html.escape(c.doc_id)}, characters {c.start}–{c.end})</small>"


def versions_markdown(versions: list[ArticleInfo], story: list[VersionChanges]) -> str:
    """The sources panel's versions view: a story's versions by date, then every change
    from each version to the next, each side quoted with its article and offsets."""
    lines = ["**Versions of this story**, oldest first:", ""]
    lines += [f"{n}. {_version_name(v)}" + (" (latest)" if v.latest else "") for n, v in enumerate(versions, 1)]
    for pair in story:
        counts = ", ".join(f"{n} {kind}" for kind, n in pair.counts().items() if n) or "no sentence changed"
        lines += ["", f"**{_version_name(pair.older)} → {_version_name(pair.newer)}**: {counts}", ""]
        for change in pair.changes:
            if change.kind == "added":
                lines.append(f"- *added*: {_side(change.new)}")
            elif change.kind == "removed":
                lines.append(f"- *removed*: {_side(change.old)}")
            else:
                what = (
                    f"{escape_markdown(', '.join(change.old_items) or '—')} → {escape_markdown(', '.join(change.new_items) or '—')}"
                    if change.kind == "changed"
                    else "wording"
                )
                lines.append(f"- *{change.kind}* ({what}): {_side(change.old)} now reads {_side(change.new)}")
    return "\n".join(lines)


def _reworded(answer: Answer, templates: Templates) -> str:
    """The line saying an answer was found only with the question reworded ("" if it was not)."""
    return templates.reworded.substitute(question=answer.reworded_question) if answer.reworded_question and not answer.refused else ""


def _notes(answer: Answer, templates: Templates) -> str:
    """What the reader should know about how the answer was made, in italics."""
    notes = []
    if answer.notice:
        notes.append(answer.notice)
    reworded = _reworded(answer, templates)
    if reworded:
        notes.append(reworded)
    if answer.unsupported and not answer.refused:
        n = len(answer.unsupported)
        notes.append(
            f"The reading model's answer was left out: not backed by the {'sentences' if n != 1 else 'sentence'} it cited. These quotes answer instead."
        )
    return " ".join(f"*{escape_markdown(x)}*" for x in notes)


@dataclass(frozen=True)
class Context:
    """A quote inside the paragraph around it: `before + quote + after`, trimmed to size."""

    before: str
    quote: str
    after: str


def context_around(article_text: str, quote: str, max_chars: int) -> Context:
    """The paragraph of `article_text` holding `quote`, cut to about `max_chars` around it.

    The quote is verbatim, so it is found as is; if it is not (the article changed since
    the answer), the quote is shown alone.
    """
    at = article_text.find(quote) if quote else -1
    if at < 0:
        return Context("", quote, "")
    end = at + len(quote)
    # Paragraphs are blank-line separated; texts without blank lines put one per line.
    sep = "\n\n" if "\n\n" in article_text else "\n"
    start_par = article_text.rfind(sep, 0, at)
    start_par = 0 if start_par < 0 else start_par + len(sep)
    end_par = article_text.find(sep, end)
    end_par = len(article_text) if end_par < 0 else end_par
    room = max(0, max_chars - len(quote)) // 2
    before = article_text[max(start_par, at - room) : at]
    after = article_text[end : min(end_par, end + room)]
    # Cut at word boundaries and say so, rather than showing half words.
    if at - room > start_par:
        before = "…" + before[before.find(" ") + 1 :] if " " in before else "…" + before
    if end + room < end_par:
        after = after[: after.rfind(" ")] + "…" if " " in after else after + "…"
    return Context(before.lstrip("\n"), quote, after.rstrip("\n"))


def _reports_html(c: Citation) -> str:
    """A card's line on the other articles carrying its passage, the first report first:
    copies are listed under the cited source, not as sources of their own."""
    if not reach(c):
        return ""
    items = "".join(
        f"<li>{html.escape(r.outlet or 'outlet unknown')} · {html.escape(r.published_at or 'date unknown')} · {html.escape(r.doc_id)}</li>" for r in c.reports
    )
    return f'<details class="src-reports"><summary>{html.escape(reach(c))}</summary><ul>{items}</ul></details>'


def sources_panel(turns: list[tuple[Answer, dict[str, Context]]], placeholder: str) -> str:
    """HTML for the sources panel: every answer of the conversation, the newest shown.

    Each citation is a card with id `src-<turn>-<n>` (turns count from 1), holding the
    article's title, outlet, date and url and the quote highlighted in its paragraph;
    the page's script shows the card of a clicked `[n]`.
    """
    if not turns:
        return f'<div class="src-panel"><p class="src-empty">{html.escape(placeholder)}</p></div>'
    parts = ['<div class="src-panel">']
    for turn, (answer, contexts) in enumerate(turns, start=1):
        shown = " shown" if turn == len(turns) else ""
        parts.append(f'<section class="src-turn{shown}" id="src-turn-{turn}">')
        parts.append(f'<h3 class="src-question">Sources for: {html.escape(answer.question)}</h3>')
        if not answer.citations:
            why = answer.notice or "the articles do not cover this question."
            parts.append(f'<p class="src-empty">No sources: {html.escape(why)}</p>')
            if answer.closest:
                parts.append('<h4 class="src-closest">Closest coverage</h4>')
        for c in answer.citations or answer.closest:
            ctx = contexts.get(f"{c.number}", Context("", c.quote, ""))
            meta = " · ".join(html.escape(x) for x in (c.source, c.published_at or "date unknown") if x)
            link = (
                f'<a class="src-url" href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener noreferrer">{html.escape(c.url)}</a>'
                if c.url.startswith(("http://", "https://"))
                else ""
            )
            parts.append(
                f'<article class="src-card" id="src-{turn}-{c.number}">'
                f'<div class="src-head"><span class="src-num">[{c.number}]</span> <span class="src-title">{html.escape(c.title or c.doc_id)}</span></div>'
                f'<div class="src-meta">{meta}</div>{link}{_reports_html(c)}'
                f'<p class="src-context">{html.escape(ctx.before)}<mark>{html.escape(ctx.quote)}</mark>{html.escape(ctx.after)}</p>'
                f'<div class="src-offsets">{html.escape(c.doc_id)}, characters {c.start}–{c.end}</div>'
                "</article>"
            )
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


# --- exported conversations ------------------------------------------------------------


def conversation_markdown(answers: list[Answer], templates: Templates, exported_at: str) -> str:
    """A conversation as one Markdown document: each question, its answer and its sources
    (quotes, articles, dates and offsets), in the order asked."""
    lines = ["# News assistant conversation", "", f"Exported {exported_at}.", ""]
    for i, answer in enumerate(answers, 1):
        lines += [f"## {i}. {answer.question}", ""]
        if answer.standalone_question and answer.standalone_question != answer.question:
            lines += [f"*Read as: {answer.standalone_question}*", ""]
        reworded = _reworded(answer, templates)
        if reworded:
            lines += [f"*{reworded}*", ""]
        lines += [answer.text, ""]
        if answer.notice:
            lines += [f"*{answer.notice}*", ""]
        if answer.citations:
            lines += ["**Sources**", ""]
            for c in answer.citations:
                lines.append(f"- {citation_line(c, templates)}")
                lines.append(f"  `{c.doc_id}`, characters {c.start}–{c.end}" + (f", <{c.url}>" if c.url else ""))
            lines.append("")
        elif answer.closest:
            lines += ["**Closest coverage**", ""]
            lines += [f"- {closest_line(c)}" for c in answer.closest]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(answers: list[Answer], exported_at: str) -> str:
    """A conversation as JSON: `{"exported_at", "turns": [Answer.to_dict(), ...]}`."""
    return json.dumps({"exported_at": exported_at, "turns": [a.to_dict() for a in answers]}, ensure_ascii=False, indent=2)
