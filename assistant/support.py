"""Is a sentence backed by a passage? A lexical check shared by the evaluator and the
generative backends: the passage must hold the sentence's numbers and names, and most of
its other key terms. It catches invented figures, names and unrelated claims; it is not
entailment (a negated sentence with the same words passes)."""

from __future__ import annotations

import re

from assistant.text import STOPWORDS, content_terms, stem, tokens

_NUMBER = re.compile(r"\d")


def numbers_in(text: str) -> set[str]:
    """Numbers as written, without thousands separators: "4,000" and "4000" match."""
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def names_in(sentence: str) -> set[str]:
    """Stems of capitalised words that are not the sentence's first word nor stop words."""
    words = tokens(sentence)
    return {stem(w) for i, w in enumerate(words) if i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS}


def key_items(sentence: str) -> set[str]:
    """Terms a supporting passage must contain: content words, numbers and names."""
    items = set(content_terms(sentence))
    items |= {t for t in tokens(sentence) if _NUMBER.search(t)}
    return items


def support(sentence: str, passage: str, min_share: float) -> tuple[bool, str]:
    """(supported, reason): every number and name of `sentence` is in `passage`, and at least
    `min_share` of its key terms are."""
    passage_terms = set(content_terms(passage))
    missing_numbers = numbers_in(sentence) - numbers_in(passage)
    if missing_numbers:
        return False, f"number not in the cited passage: {', '.join(sorted(missing_numbers))}"
    missing_names = names_in(sentence) - passage_terms
    if missing_names:
        return False, f"name not in the cited passage: {', '.join(sorted(missing_names))}"
    items = set(content_terms(sentence))
    if not items:
        return False, "no content words"
    share = len(items & passage_terms) / len(items)
    if share < min_share:
        return False, f"only {share:.0%} of its key terms are in the cited passage"
    return True, ""
