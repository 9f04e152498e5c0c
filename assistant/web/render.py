"""Answers as text for people: Markdown for the chat, HTML for its sources panel, plain text
for the terminal. Article text is always escaped: it is data, never markup."""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass

from assistant.citations import by_article, dated, human_date, outlet, reach, sources_of
from assistant.templates import Templates
from assistant.types import Answer, ArticleInfo, ArticleSource, Citation, VersionChanges

UNKNOWN_OUTLET = "outlet unknown"
DERIVED_NOTE = "untitled: title from its text"
# A marker as the faces write it, numbered by article: "[2]", "[1b]", "[1, 2b]".
ARTICLE_MARKER = re.compile(r"\[(\d+[a-z]*(?:\s*,\s*\d+[a-z]*)*)\]")


def _date(c: Citation | ArticleSource) -> str:
    return human_date(c.published_at) if c.published_at else "date unknown"


def _outlet(c: Citation | ArticleSource) -> str:
    name = c.outlet if isinstance(c, ArticleSource) else outlet(c.source, c.url)
    return name or UNKNOWN_OUTLET


def _title(c: Citation | ArticleSource) -> str:
    return c.title or c.doc_id


def citation_line(c: Citation | ArticleSource, templates: Templates) -> str:
    """One source, numbered by article: number, title (marked when made from its text),
    date, outlet and how widely its first quote was reported."""
    first = c.quotes[0] if isinstance(c, ArticleSource) else c
    return templates.chat_source.substitute(
        number=c.number,
        title=_title(c),
        date=_date(c),
        source=f" — {_outlet(c)}",
        reach="".join(f" — {x}" for x in ([reach(first)] if reach(first) else []) + ([DERIVED_NOTE] if c.title_derived else [])),
    )


def quote_line(c: Citation, several: bool) -> str:
    """One quote under its article: its label when the article has several, the quote verbatim."""
    label = f"**{c.label or c.number}** " if several else ""
    return f"{label}“{c.quote.replace(chr(10), ' ')}”"


def closest_line(c: Citation) -> str:
    """A passage offered as the nearest coverage of a question the articles do not answer."""
    return f"[{c.label or c.number}] {_title(c)} ({_date(c)}, {_outlet(c)}): “{c.quote}”"


def to_markdown(answer: Answer, templates: Templates) -> str:
    """The answer, what was read into it, and its sources by article, each quote under its
    article (REST, MCP and the OpenAI-compatible replies)."""
    answer = by_article(answer)
    notes = [f"*{n}*" for n in _note_lines(answer, templates)]
    if answer.refused or not answer.citations:
        closest = [f"- {closest_line(c)}" for c in answer.closest]
        return "\n\n".join([answer.text, *notes, *(["**Closest coverage**\n\n" + "\n".join(closest)] if closest else [])])
    lines = [answer.text, *(["", *notes] if notes else []), "", "**Sources**", ""]
    for src in sources_of(answer.citations):
        lines.append(f"- {citation_line(src, templates)}")
        lines += [f"  - {quote_line(c, len(src.quotes) > 1)}" for c in src.quotes]
    return "\n".join(lines)


def to_terminal(answer: Answer, templates: Templates) -> str:
    """The answer and its sources by article as plain text (Markdown emphasis removed)."""
    answer = by_article(answer)
    notes = _note_lines(answer, templates)
    notes += [f"left out (not backed by its source): {u}" for u in answer.unsupported]
    if answer.refused or not answer.citations:
        closest = [f"  - {closest_line(c)}" for c in answer.closest]
        return "\n".join([answer.text, *notes, *(["Closest coverage:", *closest] if closest else [])])
    lines = [answer.text, *notes, ""]
    for src in sources_of(answer.citations):
        lines.append(citation_line(src, templates).replace("**", "").replace("*", "") + (f"  {src.url}" if src.url else ""))
        for c in src.quotes:
            lines.append("    " + quote_line(c, len(src.quotes) > 1).replace("**", ""))
            lines.append(f"      {c.doc_id} characters {c.start}-{c.end}")
    return "\n".join(lines)


# --- the web chat -------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}()#+!|~>-])")


def escape_markdown(text: str) -> str:
    """`text` shown literally by a Markdown renderer that also accepts HTML."""
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("[", r"\[").replace("]", r"\]")


def _source_item(c: Citation | ArticleSource, templates: Templates) -> str:
    """A source in the chat's list: "[1] *Title* — 19 April 2021 — Sputnik", escaped."""
    first = c.quotes[0] if isinstance(c, ArticleSource) else c
    extra = [reach(first)] if reach(first) else []
    extra += [DERIVED_NOTE] if c.title_derived else []
    return templates.chat_source.substitute(
        number=c.label or c.number if isinstance(c, Citation) else c.number,
        title=escape_markdown(_title(c)),
        date=_date(c),
        source=f" — {escape_markdown(_outlet(c))}",
        reach="".join(f" — {escape_markdown(x)}" for x in extra),
    )


def chat_markdown(answer: Answer, templates: Templates) -> str:
    """An answer for the chat window: its text with markers numbered by article ("[1]",
    "[1b]"), what was read into it ("Read as: …", the as-of date), then its sources, one
    line an article.

    A refusal is a block quote, so it never looks like an answer; its closest coverage is
    listed with markers too, which open those articles in the sources panel. The quotes
    themselves go to the sources panel (`sources_panel`).
    """
    answer = by_article(answer)
    notes = _notes(answer, templates)
    if answer.refused or not answer.citations:
        text = escape_markdown(answer.text)
        quoted = "\n".join("> " + line if line else ">" for line in text.split("\n"))
        if notes:
            quoted += "\n\n" + notes
        if answer.closest:
            quoted += "\n\n**Closest coverage:**\n" + "\n".join(f"- {_source_item(c, templates)}" for c in answer.closest)
        return quoted
    # The markers stay plain text (so the copy button copies readable text); the page's
    # script turns them into links to the sources panel. Everything else is escaped.
    pieces, cursor = [], 0
    for m in ARTICLE_MARKER.finditer(answer.text):
        pieces.append(escape_markdown(answer.text[cursor : m.start()]) + m.group(0))
        cursor = m.end()
    text = "".join(pieces) + escape_markdown(answer.text[cursor:])
    lines = [text, ""]
    if notes:
        lines += [notes, ""]
    lines += [_source_item(src, templates) + "  " for src in sources_of(answer.citations)]  # two spaces: a Markdown line break
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


def _read_as(answer: Answer) -> str:
    """ "Read as: …" when the question was rewritten before it was searched (a follow-up
    made standalone); "" when it was read as asked. `Answer.read_as` is the answerer's own
    word on it; answers made before it existed carry only the standalone question."""
    standalone = " ".join((answer.read_as or answer.standalone_question).split())
    return f"Read as: {standalone}" if standalone and standalone != " ".join(answer.question.split()) else ""


def _as_of(answer: Answer) -> str:
    """The as-of date an answer (or refusal) was made under, said in words."""
    if not answer.as_of:
        return ""
    return f"As of {human_date(answer.as_of)}: only articles published up to that day were used."


def _note_lines(answer: Answer, templates: Templates) -> list[str]:
    """What the reader should know about how the answer was made, one plain line each."""
    notes = [n for n in (_read_as(answer), _reworded(answer, templates), _as_of(answer), answer.notice) if n]
    if answer.unsupported and not answer.refused:
        n = len(answer.unsupported)
        notes.append(
            f"The reading model's answer was left out: not backed by the {'sentences' if n != 1 else 'sentence'} it cited. These quotes answer instead."
        )
    return notes


def _notes(answer: Answer, templates: Templates) -> str:
    """The notes in italics, one line each (Markdown line breaks), with a class the page styles."""
    return "  \n".join(f"*{escape_markdown(x)}*" for x in _note_lines(answer, templates))


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


def _card_head(c: Citation | ArticleSource, turn: int) -> str:
    """An article card's opening: its number, title, outlet, date and url."""
    derived = f' <span class="src-derived">({html.escape(DERIVED_NOTE)})</span>' if c.title_derived else ""
    meta = " · ".join(html.escape(x) for x in (_outlet(c), _date(c)))
    link = (
        f'<a class="src-url" href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener noreferrer">{html.escape(c.url)}</a>'
        if c.url.startswith(("http://", "https://"))
        else ""
    )
    return (
        f'<article class="src-card" id="src-{turn}-{c.number}">'
        f'<div class="src-head"><span class="src-num">[{c.number}]</span> <span class="src-title">{html.escape(_title(c))}</span>{derived}</div>'
        f'<div class="src-meta">{meta}</div>{link}'
    )


def _quote_html(c: Citation, turn: int, ctx: Context, several: bool) -> str:
    """One quote of a card, highlighted in its paragraph; id `src-<turn>-<label>-quote`."""
    label = c.label or str(c.number)
    badge = f'<span class="src-label">{html.escape(label)}</span> ' if several else ""
    return (
        f'<div class="src-quote" id="src-{turn}-{html.escape(label)}-quote">{_reports_html(c)}'
        f'<p class="src-context">{badge}{html.escape(ctx.before)}<mark>{html.escape(ctx.quote)}</mark>{html.escape(ctx.after)}</p>'
        f'<div class="src-offsets">{html.escape(c.doc_id)}, characters {c.start}–{c.end}</div></div>'
    )


def sources_panel(turns: list[tuple[Answer, dict[str, Context]]], placeholder: str) -> str:
    """HTML for the sources panel: every answer of the conversation, the newest shown.

    Sources are numbered by article (`by_article`). Each article is a card with id
    `src-<turn>-<n>` (turns count from 1) holding its title, outlet, date and url, and under
    it each of its quotes (`src-<turn>-<label>-quote`, label "1" or "1a", "1b") highlighted in
    its paragraph; `contexts` are keyed by label. The page's script shows the card and
    the quote of a clicked marker. A refusal's closest coverage gets cards the same way.
    """
    if not turns:
        return f'<div class="src-panel"><p class="src-empty">{html.escape(placeholder)}</p></div>'
    parts = ['<div class="src-panel">']
    for turn, (answer, contexts) in enumerate(turns, start=1):
        answer = by_article(answer)
        shown = " shown" if turn == len(turns) else ""
        parts.append(f'<section class="src-turn{shown}" id="src-turn-{turn}">')
        parts.append(f'<h3 class="src-question">Sources for: {html.escape(answer.question)}</h3>')
        if not answer.citations:
            why = answer.notice or "the articles do not cover this question."
            parts.append(f'<p class="src-empty">No sources: {html.escape(why)}</p>')
            if answer.closest:
                parts.append('<h4 class="src-closest">Closest coverage</h4>')
        for src in sources_of(answer.citations or answer.closest):
            parts.append(_card_head(src, turn))
            for c in src.quotes:
                label = c.label or str(c.number)
                parts.append(_quote_html(c, turn, contexts.get(label, Context("", c.quote, "")), len(src.quotes) > 1))
            parts.append("</article>")
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


# --- exported conversations ------------------------------------------------------------


def conversation_markdown(answers: list[Answer], templates: Templates, exported_at: str) -> str:
    """A conversation as one Markdown document: each question, its answer and its sources
    by article (each quote under its article, with its offsets), in the order asked."""
    lines = ["# News assistant conversation", "", f"Exported {exported_at}.", ""]
    for i, answer in enumerate(answers, 1):
        answer = by_article(answer)
        lines += [f"## {i}. {answer.question}", "", answer.text, ""]
        lines += [line for note in _note_lines(answer, templates) for line in (f"*{note}*", "")]
        if answer.citations:
            lines += ["**Sources**", ""]
            for src in sources_of(answer.citations):
                lines.append(f"- {citation_line(src, templates)}" + (f", <{src.url}>" if src.url else ""))
                for c in src.quotes:
                    lines.append(f"  - {quote_line(c, len(src.quotes) > 1)} `{c.doc_id}`, characters {c.start}–{c.end}")
            lines.append("")
        elif answer.closest:
            lines += ["**Closest coverage**", ""]
            lines += [f"- {closest_line(c)}" for c in answer.closest]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(answers: list[Answer], exported_at: str) -> str:
    """A conversation as JSON: `{"exported_at", "turns": [...]}`, each turn the answer's
    `to_dict()` numbered by article (`by_article`) with its `sources` grouped by article."""
    turns = []
    for answer in answers:
        grouped = by_article(answer)
        turns.append({**grouped.to_dict(), "sources": [asdict(s) for s in sources_of(grouped.citations)]})
    return json.dumps({"exported_at": exported_at, "turns": turns}, ensure_ascii=False, indent=2)
