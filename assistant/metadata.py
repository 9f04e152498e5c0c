"""What an article is called and who published it, when its file does not say.

A source needs a name a person can read: an article without a title gets one from its own
text (its headline line where the text has one, else its first sentence cut at a word
boundary), kept apart from the real title and marked as derived, so it is shown as such and
never searched or read as a headline; an article whose metadata (the readers pass in the
page's) and URL name no outlet gets the one its text's own signature names where that is
unambiguous, else none ("outlet unknown" is the interfaces' wording). That outlet is what
the index lists and filters by, but the reading model is shown only the stated one.

`describe` is called once per article by ingest, with the file's raw text (the signature
lines are page furniture that cleaning drops); `shorten` cuts a derived title to the
`derived_title_chars` setting when the indexer stores it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from urllib.parse import urlsplit

from assistant.cleaning import is_headline
from assistant.text import split_sentences
from assistant.types import Article

# Bumped when the rules below change: it is folded into the content hash, so the next
# `assistant ingest` rewrites the articles' metadata (their vectors are reused).
RULES_VERSION = "1"

# A wire dateline names its agency: "MOSCOW (Reuters) -", "WASHINGTON (AP) —".
_DATELINE = re.compile(r"\A\s*[A-Z][A-Za-z .'’-]{1,40}?(?:,\s*[A-Za-z .]{2,30})?\s*\((?P<outlet>[A-Z][A-Za-z&.'’ -]{1,30})\)\s*[-–—]\s")
# A credit or copyright line of the page names its publisher: "© 2021 Sputnik", "Copyright 2021 The Associated Press".
_COPYRIGHT = re.compile(
    r"^\s*(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?(?:by\s+)?(?P<outlet>[A-Z][A-Za-z&.'’ -]{1,40}?)[\s.,]*(?:all rights reserved\.?)?\s*$",
    re.I | re.M,
)
# Page furniture that only one outlet's pages carry, every line of a set present together:
# a fact about those pages (seen in the bundled corpus), not a guess from the story's words.
# One set alone is not enough where two outlets' sets match: then the outlet stays unknown.
SIGNATURES: dict[str, tuple[tuple[str, ...], ...]] = {
    "Sputnik": ((r"Listen Live", r"Get short URL"), (r"Get short URL", r"Community standards\s*Discussion")),
    "VICE News": ((r"This story is over \d+ years old\.?",),),
}
# Each signature is a whole line of the page.
_LINE = {outlet: [[re.compile(rf"^\s*{p}\s*$", re.M) for p in group] for group in groups] for outlet, groups in SIGNATURES.items()}
_ELLIPSIS = "…"


def outlet_of_url(url: str) -> str:
    """The site an article came from: `https://www.bbc.co.uk/x` -> `bbc.co.uk` ("" without one)."""
    try:
        host = urlsplit((url or "").strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def outlet_of_text(raw: str) -> str:
    """The outlet the text names as its own, where only one is named: a wire dateline, a
    copyright line, or one outlet's page furniture ("" when none or several match)."""
    found: set[str] = set()
    dateline = _DATELINE.match(raw)
    if dateline:
        found.add(dateline.group("outlet").strip())
    found.update(" ".join(m.group("outlet").split()) for m in _COPYRIGHT.finditer(raw) if m.group("outlet").strip())
    for outlet, groups in _LINE.items():
        if any(all(p.search(raw) for p in group) for group in groups):
            found.add(outlet)
    return found.pop() if len(found) == 1 else ""


def title_from_text(text: str) -> str:
    """A readable title from an article's cleaned text: its first line when that is a
    headline (Title Case, no sentence punctuation), else its first sentence, whole."""
    first_line = text.strip().split("\n", 1)[0].strip()
    if first_line and is_headline(first_line) and not first_line.endswith((".", "!", "?")) and len(text.strip()) > len(first_line):
        return first_line
    for start, end in split_sentences(text):
        sentence = " ".join(text[start:end].split())
        if sentence:
            return sentence
    return ""


def shorten(title: str, max_chars: int) -> str:
    """`title` cut at the last word boundary within `max_chars`, with "…" when cut."""
    if len(title) <= max_chars:
        return title
    cut = title[: max_chars - len(_ELLIPSIS) + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else cut[: max_chars - len(_ELLIPSIS)]
    return cut.rstrip(" ,;:-–—") + _ELLIPSIS


def describe(article: Article, raw: str) -> Article:
    """`article` with the outlet its text names (its own signature in `raw`) where neither
    its metadata nor its URL gave one, and a derived title where it has no title of its own.

    Both are kept apart from `source` and `title`, which the reading model is shown: a
    1.5B model's answers swing with any change to its prompt (measured: a new outlet name
    there turned an answered question into a dropped one), and these are for people."""
    source = "" if article.source else (outlet_of_url(article.url) or outlet_of_text(raw))
    derived = "" if article.title else title_from_text(article.text)
    stamp = hashlib.sha256(f"{article.content_hash}\x00{RULES_VERSION}\x00{source}\x00{derived}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return replace(article, derived_source=source, derived_title=derived, content_hash=stamp)


def shortened(article: Article, max_chars: int) -> Article:
    """`article` with its derived title cut to `max_chars` (for storing)."""
    return replace(article, derived_title=shorten(article.derived_title, max_chars)) if article.derived_title else article
