"""Remove page furniture from scraped news text, keeping every sentence verbatim.

The rules are about the *shape* of lines, not about particular sites: navigation and
widget labels are short lines that are not sentences; link lines start with a "Read:" /
"READ MORE:" style label; photo credits name an agency and a photographer; related
headlines and tag lists trail after the last sentence of the story. Whatever is kept is
copied byte for byte, and `Segment`s record where each kept run sits in the source, so
quotes can be located in the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.dates import find_date_in_line, is_date_line
from assistant.types import Segment

_WORD = re.compile(r"[A-Za-z0-9À-ÿ'’-]+")
_TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*$|[.!?…]\s*\*?$|[:;]$""")
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|updated)\s*:?\s+(\d{4}-\d{2}-\d{2})(?:[T ][\d:.+Z-]+)?\s+", re.I)

# Label words that introduce a link to another page rather than text of this one.
_LINK_LINE = re.compile(
    r"^(?:read(?:\s+more)?|see\s+(?:also|more)|related(?:\s+\w+)?|also\s+read|more\s+on\s+this|"
    r"watch(?:\s+more)?|listen|recommended|click\s+here|more|explainer|opinion|analysis)\s*[:|›»>–—-]\s*\S",
    re.I,
)
_AGE_NOTICE = re.compile(r"^this (?:story|article|post|video) is (?:over|more than) \w+ (?:years?|months?) old\.?$", re.I)
_CREDIT = re.compile(
    r"^(?:\(?(?:photo|image|picture|video|graphic|illustration|file photo)s?(?:\s+credit)?\s*(?::|/|by\b|courtesy\b))"
    r"|^[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)?\s+(?:Photo|Images?|Pictures?)\s*/"
    r"|^(?:AP|AFP|Reuters|EPA|Getty|Sputnik|TASS|Xinhua|Bloomberg|ANI|PA)\s*/\s*\S",
)
_CREDIT_TAIL = re.compile(r"(?:getty images|via getty|/ ?ap$|/ ?afp$|/ ?reuters$|shutterstock|\(photo:|photo credit)", re.I)
_UI_WORDS = re.compile(r"[a-z][A-Z][a-z]")  # "standardsDiscussion": widget labels glued together


@dataclass(frozen=True)
class Cleaned:
    """Cleaned text, where it came from, and what the furniture told us."""

    text: str
    segments: tuple[Segment, ...]
    title: str = ""
    published_at: str = ""


@dataclass
class _Line:
    start: int  # offsets of the stripped content in the source
    end: int
    text: str
    kind: str = "body"  # body | drop | blank | title


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def is_headline(text: str) -> bool:
    """Title Case: nearly every longer word capitalised, as headlines are and prose is not."""
    long_words = [w for w in _words(text) if len(w) >= 4 and w[0].isalpha()]
    if len(long_words) < 4 or len(_words(text)) > 20:
        return False
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return capitalised / len(long_words) >= 0.8


def is_sentence_line(text: str) -> bool:
    """A line that reads as prose: several words ending in sentence punctuation, or long."""
    n = len(_words(text))
    return ((n >= 6 and bool(_TERMINAL.search(text))) or n >= 25) and not is_headline(text)


def _is_tag_line(text: str) -> bool:
    parts = [p.strip() for p in text.split(",")]
    return len(parts) >= 4 and not _TERMINAL.search(text) and all(0 < len(_words(p)) <= 4 for p in parts)


def _is_furniture(text: str) -> bool:
    words = _words(text)
    if not words:
        return True  # punctuation, rules, bullets
    if _AGE_NOTICE.match(text) or _LINK_LINE.match(text) or _CREDIT.match(text):
        return True
    if len(words) <= 12 and _CREDIT_TAIL.search(text) and not is_sentence_line(text):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(words) <= 6 and letters and all(c.isupper() for c in letters):
        return True  # "DETAILS TO FOLLOW", "BREAKING", "ADVERTISEMENT"
    if len(words) <= 4 and not is_sentence_line(text):
        return True  # "Listen Live", "Get short URL", "FYI.", "Middle East", "Advertisement"
    if len(words) <= 6 and _UI_WORDS.search(text) and not _TERMINAL.search(text):
        return True
    return _is_tag_line(text)


def _split_lines(raw: str) -> list[_Line]:
    lines = []
    pos = 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        lead = len(body) - len(body.lstrip())
        content = body.strip()
        start = pos + lead
        lines.append(_Line(start, start + len(content), content, "body" if content else "blank"))
        pos += len(piece)
    return _join_wrapped(raw, lines)


def _join_wrapped(raw: str, lines: list[_Line]) -> list[_Line]:
    # Hard-wrapped prose continues on a line that starts in lower case; judge the
    # whole logical line, or every wrapped line would look like a headline.
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == "body"
            and line.kind == "body"
            and not _TERMINAL.search(prev.text)
            and (line.text[:1].islower() or prev.text.endswith((",", "-", "–")))
        ):
            prev.end = line.end
            prev.text = raw[prev.start : prev.end]
        else:
            out.append(line)
    return out


def clean(raw: str, known_title: str = "") -> Cleaned:
    """Clean one article's raw text. Never rewrites a sentence; only drops lines.

    With `known_title` (from metadata) a header line repeating it is dropped and no other
    header line is taken for the headline.
    """
    lines = _split_lines(raw)
    published = ""

    # A "date 2021-02-26 First sentence..." prefix carries metadata glued to the text.
    for line in lines:
        if line.kind == "blank":
            continue
        m = _DATE_PREFIX.match(line.text)
        if m:
            published = m.group(1)
            cut = m.end()
            line.start += cut
            line.text = line.text[cut:]
        break

    sentence_idx = [i for i, ln in enumerate(lines) if ln.kind == "body" and is_sentence_line(ln.text) and not _is_furniture(ln.text)]
    first_body = sentence_idx[0] if sentence_idx else len(lines)
    last_body = sentence_idx[-1] if sentence_idx else -1
    title = ""
    known = _words(known_title.lower())

    for i, line in enumerate(lines):
        if line.kind == "blank":
            continue
        text = line.text
        if i < first_body:
            # Header: dates, section labels, the headline, share widgets.
            if is_date_line(text):
                published = published or find_date_in_line(text)
                line.kind = "drop"
            elif known and _words(text.lower()) == known:
                line.kind = "drop"
            elif not known and not title and len(_words(text)) >= 4 and not _is_furniture(text) and not _TERMINAL.search(text):
                title = text
                line.kind = "title"
            else:
                keep = len(_words(text)) >= 8 if known else is_sentence_line(text)
                line.kind = "body" if keep and not _is_furniture(text) else "drop"
        elif i > last_body:
            # Footer: related headlines, tag lists, widgets. Only prose survives.
            line.kind = "body" if is_sentence_line(text) and not _is_furniture(text) else "drop"
        elif is_date_line(text) or _is_furniture(text):
            line.kind = "drop"

    # Runs of headline-like lines inside the body are link lists, not prose.
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].kind == "body" and not is_sentence_line(lines[j].text):
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                lines[k].kind = "drop"
        i = max(j, i + 1)

    pieces: list[str] = []
    segments: list[Segment] = []
    offset = 0
    para: list[_Line] = []

    def flush() -> None:
        nonlocal offset
        if not para:
            return
        start, end = para[0].start, para[-1].end
        if pieces:
            pieces.append("\n\n")
            offset += 2
        pieces.append(raw[start:end])
        segments.append(Segment(offset, start, end - start))
        offset += end - start
        para.clear()

    for line in lines:
        if line.kind == "body":
            para.append(line)
        else:
            flush()
    flush()
    return Cleaned("".join(pieces), tuple(segments), title, published)
