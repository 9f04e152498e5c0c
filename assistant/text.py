"""Small text utilities shared by retrieval, answering and evaluation."""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom whose why will with would you your yours yourself yourselves said says say according mr mrs ms
    one new week weeks this year years recently latest last today yesterday tuesday wednesday thursday friday saturday
    sunday monday since s t""".split()
)
QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())


def normalize_answer(text: str) -> str:
    """Lower case, punctuation to spaces, white space collapsed (the gold-set comparison)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether `text` contains one of `answers`, ignoring case and punctuation."""
    haystack = f" {normalize_answer(text)} "
    return any(normalize_answer(a) and f" {normalize_answer(a)} " in haystack for a in answers)


def tokens(text: str) -> list[str]:
    """Word tokens, keeping abbreviations and numbers ("U.S.", "4,000" -> "4", "000")."""
    return [t.strip(".'’") for t in _TOKEN.findall(text) if t.strip(".'’")]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer, installed with the BM25 retriever

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased tokens that carry meaning (no stop or question words)."""
    return [stem(t) for t in tokens(text) if t.lower() not in STOPWORDS and t.lower() not in QUESTION_WORDS]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
