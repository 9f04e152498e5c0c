"""Small text utilities shared by retrieval, answering and evaluation."""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")

# Weekday names in calendar order (the index is `datetime.date.weekday()`).
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = frozenset(WEEKDAY_NAMES)
# Each month's name, then the shortenings news writes, longest first ("Sept.", "Sep."), in calendar order.
_MONTH_FORMS = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sept", "sep"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
MONTH_NAMES = tuple(forms[0] for forms in _MONTH_FORMS)
# Month names and their abbreviations, for patterns that need them inside a group.
MONTHS = "|".join(form for forms in _MONTH_FORMS for form in forms)
MONTH = re.compile(rf"\b(?:{MONTHS})\b\.?", re.I)

# A number written in digits ("4,000", "3.5"); compared without its thousands separators.
NUMBER = r"\d[\d,]*(?:\.\d+)?"
# Numbers news writes in words: the small ones by their value, the rest as words.
NUMBER_WORDS = {w: str(i) for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), start=1)}
SCALE_WORDS = ("dozen", "hundred", "thousand", "million", "billion")
# A quantity in digits or words ("12", "twelve", "dozens"): what "how many" asks for.
QUANTITY = re.compile(rf"\b{NUMBER}\b|\b(?:{'|'.join((*NUMBER_WORDS, *SCALE_WORDS))})s?\b", re.I)
# A word that dates something ("2021", "March", "Friday", "yesterday"): what "when" asks for.
DATE_WORD = re.compile(
    rf"\b(?:\d{{4}}|{'|'.join(MONTH_NAMES)}|{'|'.join(WEEKDAY_NAMES)}|yesterday|today|tonight|morning|night|week|month|year)\b",
    re.I,
)

STOPWORDS = (
    frozenset(
        """a about above after again against all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here hers
    herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what when where which
    while who whom whose why will with would you your yours yourself yourselves according mr mrs ms
    one new week weeks this year years recently latest last today yesterday since s t""".split()
    )
    | WEEKDAYS
)
QUESTION_WORDS = frozenset("who whom whose what which when where why how".split())


# A citation marker: "[2]" or "[1, 3]", with the white space before it.
CITATION_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")


def marker_numbers(marker: str) -> list[int]:
    """The numbers of one citation marker's text ("1, 3" -> [1, 3])."""
    return [int(n) for n in marker.split(",")]


def strip_markers(text: str) -> str:
    return CITATION_MARKER.sub("", text)


def is_calendar_word(word: str) -> bool:
    """A month's or a weekday's name ("March", "Sept", "Friday")."""
    return word.lower() in WEEKDAYS or MONTH.fullmatch(word) is not None


_SENTENCE_END = re.compile(r'(?<=[.!?…])["”’)\]]*\s+(?=["“‘(\[]?[A-Z0-9])')
_ABBREVIATIONS = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Sgt|Capt|Cmdr|Gov|Sen|Rep|St|Jr|Sr|No|vs|etc|Inc|Ltd|Co|Corp|U\.S|U\.K|U\.N|E\.U|"
    r"Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|[A-Z])\.$"
)


def is_abbreviation(word: str) -> bool:
    """Whether a word's final full stop belongs to it ("U.S.", "Mr.", "J.") rather than ending a sentence."""
    return _ABBREVIATIONS.search(word) is not None


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; paragraphs and line breaks always split."""
    spans = []
    for para in re.finditer(r"[^\n]+", text):
        begin = para.start()
        cursor = begin
        for m in _SENTENCE_END.finditer(para.group(0)):
            cut = para.start() + m.start()
            if is_abbreviation(text[cursor:cut]):
                continue
            spans.append((cursor, cut))
            cursor = para.start() + m.end()
        spans.append((cursor, para.end()))
    return [(a, b) for a, b in ((a, len(text[:b].rstrip()) if b else b) for a, b in spans) if text[a:b].strip()]


def normalize_answer(text: str) -> str:
    """Lower case, punctuation to spaces, white space collapsed (the gold-set comparison)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether `text` contains one of `answers`, ignoring case and punctuation (the benchmark's rule)."""
    haystack = normalize_answer(text)
    return any(normalize_answer(a) and normalize_answer(a) in haystack for a in answers)


def tokens(text: str) -> list[str]:
    """Word tokens, keeping abbreviations and numbers ("U.S.", "4,000" -> "4", "000")."""
    return [t.strip(".'’") for t in _TOKEN.findall(text) if t.strip(".'’")]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer, installed with the BM25 retriever

    return Stemmer.Stemmer("english")


# Irregular forms the stemmer cannot join to their verb; news leans on these verbs.
_IRREGULAR = {
    "said": "say",
    "says": "say",
    "told": "tell",
    "won": "win",
    "led": "lead",
    "held": "hold",
    "made": "make",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "went": "go",
    "gone": "go",
    "met": "meet",
    "left": "leave",
    "lost": "lose",
    "paid": "pay",
    "sold": "sell",
    "bought": "buy",
    "brought": "bring",
    "began": "begin",
    "begun": "begin",
    "came": "come",
    "became": "become",
    "chose": "choose",
    "chosen": "choose",
    "fell": "fall",
    "fallen": "fall",
    "found": "find",
    "got": "get",
    "grew": "grow",
    "grown": "grow",
    "hit": "hit",
    "kept": "keep",
    "knew": "know",
    "known": "know",
    "ran": "run",
    "saw": "see",
    "seen": "see",
    "sent": "send",
    "shot": "shoot",
    "spoke": "speak",
    "spoken": "speak",
    "stood": "stand",
    "struck": "strike",
    "thought": "think",
    "threw": "throw",
    "wrote": "write",
    "written": "write",
    "fought": "fight",
    "flew": "fly",
    "drove": "drive",
}


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    lower = word.lower()
    return _stemmer().stemWord(_IRREGULAR.get(lower, lower))


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased tokens that carry meaning (no stop or question words)."""
    return [stem(t) for t in tokens(text) if t.lower() not in STOPWORDS and t.lower() not in QUESTION_WORDS]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


_DAY_NUMBER = re.compile(r"\b\d+(?:st|nd|rd|th)?\b")


def topic_words(question: str, asking: re.Pattern) -> str:
    """A question without its `asking` words, numbers and month names: what it is about,
    for searching ("What changed since 26 February in the flood story?" -> "flood")."""
    rest = " ".join(asking.sub(" ", MONTH.sub(" ", _DAY_NUMBER.sub(" ", question))).split()).strip(" ?.,:")
    return rest or question
