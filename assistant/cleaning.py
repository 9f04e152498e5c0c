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
# Calls to act on the page rather than text of the story: sign up, share, follow, log in, donate;
# and the page's legal lines. Only short lines: a paragraph that mentions a newsletter is prose.
_CALL_TO_ACT = re.compile(
    r"^\W*(?:share|tweet|follow us|like us)\b(?:\s+(?:this|on|via|the))?"
    r"|\b(?:sign(?:ing)?\s+up|subscribe|register)\b.{0,60}\b(?:newsletter|e-?mail|inbox|updates|daily|weekly|free)\b"
    r"|\b(?:newsletter|inbox|e-?mail)\b.{0,60}\b(?:sign(?:ing)?\s+up|subscribe)\b|\bsign up (?:here|now|today)\W*$"
    r"|\bletter to the editor\b"
    r"|\b(?:log(?:ged)?\s+in|sign\s+in)\s+to\s+(?:comment|post|reply)|\bleave\s+a\s+(?:comment|reply)\b|email address will not be published"
    r"|all rights reserved|^\W*(?:©|\(c\)\s*\d{4}|copyright\b)"
    r"|\bwe may (?:earn|receive|get) (?:a )?(?:commission|compensation)\b|\baffiliate links?\b"
    r"|\bsupport (?:our|independent) journalism\b|\bdonate (?:now|today)\b",
    re.I,
)
_SHORT_LINE_WORDS = 40
# A page's labels before a list of links, tags or share buttons, in the languages news sites
# most often use here (English, German, Spanish, French): "Tags: …", "Lesen Sie auch", "Temas".
_LABEL_LINE = re.compile(
    r"^\W*(?:tags?|tagged|categor(?:y|ies)|filed under|topics|keywords|"
    r"kategorien?|schlagw[öo]rter|themen|teilen(?: mit)?|lesen sie auch|mehr zum thema|weitere artikel|"
    r"temas|etiquetas|compartir|s[ií]guenos(?: en)?|le puede interesar|te puede interesar|lea tambi[ée]n|m[áa]s sobre|noticias relacionadas|"
    r"mots-cl[ée]s|partager|suivez-nous|lire aussi|[àa] lire aussi|voir aussi|sur le m[êe]me sujet)\b\s*(?::|$)",
    re.I,
)
# A caption's credit at its end: "… in Congress (Photo: Natacha Pisarenko/Pool via REUTERS)."
_CAPTION_CREDIT = re.compile(r"\((?:photo|foto|image|bild|picture|credit)s?\s*:[^)]*\)\W*$|\bvia (?:reuters|getty images|ap|afp)\)?\W*$", re.I)


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


def _names_itself_furniture(text: str, words: list[str]) -> bool:
    """An age notice, a link label, a photo credit: lines that say what they are."""
    if _AGE_NOTICE.match(text) or _LINK_LINE.match(text) or _CREDIT.match(text):
        return True
    return len(words) <= 12 and bool(_CREDIT_TAIL.search(text)) and not is_sentence_line(text)


def _is_furniture(text: str) -> bool:
    words = _words(text)
    if not words:
        return True  # punctuation, rules, bullets
    if _names_itself_furniture(text, words):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(words) <= 6 and letters and all(c.isupper() for c in letters):
        return True  # "DETAILS TO FOLLOW", "BREAKING", "ADVERTISEMENT"
    if len(words) <= 4 and not is_sentence_line(text):
        return True  # "Listen Live", "Get short URL", "FYI.", "Middle East", "Advertisement"
    if len(words) <= 6 and _UI_WORDS.search(text) and not _TERMINAL.search(text):
        return True
    return _is_tag_line(text)


def _is_page_furniture(text: str) -> bool:
    """Furniture known by what a line says, whatever its shape: what a page's own structure
    (paragraphs, headings, list items) keeps around an article."""
    words = _words(text)
    if _names_itself_furniture(text, words):
        return True
    if len(words) <= 12 and _LABEL_LINE.match(text):
        return True
    return len(words) <= _SHORT_LINE_WORDS and bool(_CALL_TO_ACT.search(text) or _CAPTION_CREDIT.search(text))


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


def clean(raw: str, known_title: str = "", structured: bool = False) -> Cleaned:
    """Clean one article's raw text. Never rewrites a sentence; only drops lines.

    With `known_title` (from metadata) a header line repeating it is dropped and no other
    header line is taken for the headline. `structured` text is an article already cut
    out of a page by its markup (headings, list items and table rows are the article's
    own): only lines that say they are furniture go, not lines that merely look short.
    """
    lines = _split_lines(raw)
    if structured:
        return _clean_structured(raw, lines, known_title)
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

    return _assemble(raw, lines, title, published)


def _clean_structured(raw: str, lines: list[_Line], known_title: str) -> Cleaned:
    known = _words(known_title.lower())
    seen_text = False
    for line in lines:
        if line.kind == "blank":
            continue
        if not any(c.isalnum() for c in line.text) or _is_page_furniture(line.text):
            line.kind = "drop"
        elif not seen_text and known and _words(line.text.lower()) == known:
            line.kind = "drop"  # the headline again, above the text
        else:
            seen_text = True
    return _assemble(raw, lines, "", "")


def _assemble(raw: str, lines: list[_Line], title: str, published: str) -> Cleaned:
    """The kept lines, verbatim, a blank line between paragraphs, with their segments."""
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
