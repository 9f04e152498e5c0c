"""A saved web page -> its article text and metadata, with trafilatura.

trafilatura finds the main text of real news pages (readability-style scoring with jusText
and its own fallbacks) and reads title, date (htmldate: meta tags, JSON-LD, `<time>`, the
URL, the text, publication date rather than last change), outlet, author and canonical
URL. Comments under an article are not the article: they are left out. What it returns is
the page's own text, paragraph by paragraph; the cleaning rules then drop furniture lines,
and that cleaned text is what is stored and quoted, so every citation maps back to it.
"""

from __future__ import annotations

from dataclasses import dataclass

# One paragraph per line in trafilatura's text; a blank line between paragraphs is how the
# other readers see them (and how the cleaning rules expect blocks).
_PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class Page:
    """What was read off one page; empty strings where the page does not say."""

    text: str
    title: str = ""
    published_at: str = ""
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()


def read_page(html: str | bytes, url: str = "") -> Page:
    """The article of `html` (text "" when the page has none)."""
    from copy import deepcopy

    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        return Page("")
    # Pages put lazy-loaded text in <noscript> too, so it is read; but a page whose only text is
    # there ("Enable JavaScript") is an app shell, not an article.
    noscript = " ".join(" ".join(e.text_content().split()) for e in tree.xpath("//noscript"))
    doc = trafilatura.bare_extraction(deepcopy(tree), url=url or None, with_metadata=True, include_comments=False)
    text = (doc.text or "") if doc is not None else ""
    if noscript and all(" ".join(line.split()) in noscript for line in text.splitlines()):
        text = ""
    if not text.strip():
        # A page trafilatura finds no article in (a short post, an odd template): its
        # baseline takes the paragraphs (or all text) of the body instead.
        _body, text, _length = trafilatura.baseline(tree)
        if noscript and all(" ".join(line.split()) in noscript for line in text.splitlines()):
            text = ""
    if doc is None:
        return Page(_paragraphs(text))
    return Page(
        text=_paragraphs(text),
        title=(doc.title or "").strip(),
        published_at=doc.date or "",
        source=(doc.sitename or "").strip(),
        url=(doc.url or "").strip(),
        authors=tuple(a.strip() for a in (doc.author or "").split(";") if a.strip()),
    )


def _paragraphs(text: str) -> str:
    return _PARAGRAPH_BREAK.join(line.strip() for line in text.splitlines() if line.strip())
