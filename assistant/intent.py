"""What a question asks: the kind of answer (a person, an amount, a date...) and the kind of
reply (a timeline, what changed, a plain fact, an explanation, a list, a comparison).

The answer type is read from the question's grammar (`expected_type`: "how many" wants a
number, "which spokeswoman" a person). The reply kind (`Intent.kind`) is judged on
meaning: the question is compared, by the project's MiniLM embeddings, with example
questions of each kind written for this module (`EXAMPLES`), so "walk me through how the
strikes unfolded" is a timeline as much as "timeline of the strikes". The fixed phrasings of
`timeline.asks_for_timeline` and `changes.asks_for_changes` decide when no embedder is
given and still count when the embeddings are unsure. `benchmarks/intent.py` measures
both on phrasings and on the dev benchmark's questions (all plain facts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.text import DATE_WORD as _DATEISH
from assistant.text import MONTH, STOPWORDS, content_terms, split_sentences, stem, tokens
from assistant.text import QUANTITY as _NUMBER

_NAME = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+(?:al-|bin\s+|de\s+|van\s+)?[A-Z][a-zA-Z'’-]+)*")


_PERSON_NOUNS = (
    r"person|man|woman|leader|official|president|minister|spokes\w+|"
    r"player|actor|actress|singer|ceo|politician|senator|governor|judge|chief|secretary|general|commander|author|"
    r"rapper|star|coach|founder|journalist|lawmaker|mayor|prince|princess|king|queen|pope|candidate|celebrity|celebrities|"
    r"athlete|quarterback|musician|artist|comedian|host|astronaut|billionaire|influencer|director|producer|activist|"
    r"golfer|driver|pitcher|entrepreneur|executive|chancellor|ambassador|heir|rival|nominee"
)
_PERSON_NOUN = re.compile(r"\b(?:which|what)(?:\s+[\w-]+){0,3}?\s+(" + _PERSON_NOUNS + r")s?\b")
# Words for anyone at all: they describe no one in particular.
_ANYONE = frozenset("person man woman star celebrity celebrities".split())


_WHICH = r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,3}?"
_ORG_NOUN = re.compile(
    _WHICH + r"(?:team|company|companies|airline|firm|agency|network|brand|organi[sz]ation|party|group|club|band|"
    r"university|college|school|bank|retailer|chain|automaker|carrier|league|newspaper|studio|startup|manufacturer|"
    r"union|channel|platform|outlet|magazine|service|restaurant|store|corporation|giant|maker|franchise)s?\b"
)
_PLACE_NOUN = re.compile(
    _WHICH + r"(?:country|countries|city|cities|state|town|region|province|nation|island|continent|county|capital|place|"
    r"location|village|neighbo[u]?rhood|port|territory|border|airport|stadium|venue)s?\b"
)
_WORK_NOUN = re.compile(
    _WHICH + r"(?:film|movie|show|series|song|album|book|novel|memoir|play|musical|remake|sequel|documentary|video game|"
    r"game|title|app|drama|sitcom|single|painting|opera)s?\b"
)
# A question word left in place at the end ("The rocket launched from where?", "She has
# served since when?"): the grammar of an echo question, whatever came before it.
_IN_SITU = re.compile(r"\b(who|whom|when|where)\s*[?.!]*\s*$")
_MONTH_ASK = re.compile(r"\b(?:which|what|in which|in what)\s+month\b")
_DATE_NOUN = re.compile(_WHICH + r"(?:day|date|year|month|time|season|decade|century|weekday)s?\b")
_NUMBER_ASK = re.compile(
    r"\bhow (?:many|much|long|old|far|often|tall|big|large)\b|\bwhat (?:number|percentage|percent|share|amount|price|age|cost|rate|score)\b"
)
# spaCy entity labels that can answer each kind of question.
TYPE_LABELS = {
    "person": {"PERSON", "ORG", "NORP"},
    "org": {"ORG", "PERSON", "PRODUCT", "WORK_OF_ART", "FAC"},
    "place": {"GPE", "LOC", "FAC", "NORP"},
    "date": {"DATE", "TIME", "EVENT"},
    "month": {"DATE"},
    "work": {"WORK_OF_ART", "PRODUCT", "ORG", "EVENT"},
    "number": {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL", "DATE", "TIME"},
}


def expected_type(question: str) -> str:
    """The kind of answer the question asks for: person, org, work (a film, a book), number,
    month, date, place or other."""
    q = question.lower().strip()
    if _NUMBER_ASK.search(q):
        return "number"
    in_situ = _IN_SITU.search(q)
    if in_situ:
        return {"who": "person", "whom": "person", "when": "date", "where": "place"}[in_situ.group(1)]
    if (
        re.match(r"^(?:who|whom|whose)\b", q)
        or re.search(r"\b(?:who|whom|whose)\s+(?:is|was|were|are|did|does|has|had|will|won|led)\b", q)
        or re.search(_PERSON_NOUN, q)
    ):
        return "person"
    if re.search(_ORG_NOUN, q):
        return "org"
    if re.search(_WORK_NOUN, q):
        return "work"
    if _MONTH_ASK.search(q):
        return "month"
    if re.match(r"^when\b", q) or re.search(r"\bwhen (?:did|does|will|was|is)\b", q) or re.search(_DATE_NOUN, q):
        return "date"
    if re.match(r"^where\b", q) or re.search(r"\bwhere (?:did|does|will|was|is|are|were)\b", q) or re.search(_PLACE_NOUN, q):
        return "place"
    return "other"


def asked_role(question: str) -> str | None:
    """The role of the person a question asks for, as it words it ("Which Russian
    spokeswoman said…" -> "spokeswoman"), or None."""
    m = _PERSON_NOUN.search(question.lower())
    if m is None or m.group(1) in _ANYONE:
        return None
    return m.group(1)


def focus_clause(question: str) -> str:
    """The sentence of a question that asks (holds the question word), without its premise."""
    question = re.sub(r"\s*\([^()]*\)\s*$", "", question.strip()) or question.strip()  # a follow-up's added topic
    parts = [question[a:b] for a, b in split_sentences(question)]
    asking = [p for p in parts if re.search(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", p, re.I)]
    return (asking or parts or [question])[-1]


def has_type(sentence: str, kind: str, question: str) -> bool:
    """Whether `sentence` holds something of `kind` that the question does not already say."""
    asked = {t.lower() for t in tokens(question)}
    if kind == "number":
        return any(m.group(0).lower() not in asked for m in _NUMBER.finditer(sentence))
    if kind == "month":
        return any(m.group(0).lower().rstrip(".") not in asked for m in MONTH.finditer(sentence))
    if kind == "date":
        return any(m.group(0).lower() not in asked for m in _DATEISH.finditer(sentence))
    if kind == "work":
        return bool(re.search(r"[\"“‘'][A-Z][^\"”’]{1,80}[\"”’']", sentence)) or has_type(sentence, "org", question)
    if kind in ("person", "place", "org"):
        # People are written with at least two capitalised words ("Joe Biden",
        # "President Biden"); places often with one ("Syria").
        least = 2 if kind == "person" else 1
        for m in _NAME.finditer(sentence):
            words = [w for w in m.group(0).split() if w.lower() not in STOPWORDS]
            new = [w for w in words if w.lower() not in asked]
            if len(words) >= least and new and (m.start() > 0 or len(words) > 1):
                return True
        return False
    return True


YES_NO = re.compile(r"^(?:is|are|was|were|did|does|do|can|could|has|have|had|will|would|should)\b", re.I)


def is_yes_no(question: str) -> bool:
    """Whether the asking clause opens with an auxiliary ("Did Russia condemn the strikes?")."""
    return bool(YES_NO.match(focus_clause(question).strip()))


# Example questions of each reply kind, topics left vague so that the asking, not the
# subject, is compared. Plain facts ("factoid") are what a question is when no other kind
# is close enough; their examples keep borderline wordings ("When did ... happen?") there.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "timeline": (
        "Give me a timeline of the events.",
        "Timeline of the story.",
        "What is the chronology of what happened?",
        "How did the situation unfold over time?",
        "Walk me through what happened, in order.",
        "What happened step by step, from the start?",
        "What are the key dates of this story?",
        "How has this developed since it began?",
        "Sequence of events, oldest first.",
        "List the events in the order they happened.",
    ),
    "changes": (
        "What changed in the latest version of the article?",
        "How was the report updated?",
        "What is new since the first version of the story?",
        "What changed since then?",
        "What did the update add to the story?",
        "How does the newer version differ from the older one?",
        "Was the article revised, and how?",
        "Any updates to that story since?",
    ),
    "explanation": (
        "Why did it happen?",
        "Why did they do that?",
        "What was the reason for the decision?",
        "Explain what caused it.",
        "How does this work?",
        "What led to this?",
        "What is the background to this story?",
    ),
    "list": (
        "Which countries were involved?",
        "List all the people who were mentioned.",
        "Name every group that took part.",
        "What are all the places that were hit?",
        "Which companies were affected?",
    ),
    "comparison": (
        "How does this compare with the previous one?",
        "What is the difference between the two?",
        "Compare the two reports.",
        "Which one is bigger, the first or the second?",
        "How do the two accounts differ?",
    ),
    "factoid": (
        "Who ordered it?",
        "When did it happen?",
        "Where did it take place?",
        "How many people were there?",
        "What did the spokesperson say?",
        "Which group claimed responsibility?",
        "What is the name of the person?",
        "How much did it cost?",
        "Who won the award?",
        "What did the company announce?",
        "Who said it?",
        "What happened at the event?",
    ),
}
KINDS = tuple(EXAMPLES)


@dataclass(frozen=True)
class Intent:
    """What a question asks for: `kind` of reply, `answer_type` of its answer (person,
    org, work, number, month, date, place or other), whether it asks yes or no, and who
    judged the kind: "embedding", "rules" (a fixed phrasing) or "default"."""

    kind: str = "factoid"
    answer_type: str = "other"
    yes_no: bool = False
    judged_by: str = "default"
    similarity: float = 0.0


def frame(question: str) -> str:
    """The question with its names and numbers put as "it": what is asked, not about whom.
    "Timeline of the US strikes in Syria" and "timeline of the Brexit talks" then read alike."""
    words = tokens(question)
    out = []
    for i, word in enumerate(words):
        named = i > 0 and word[:1].isupper() and word.lower() not in STOPWORDS
        if named or any(ch.isdigit() for ch in word):
            if not out or out[-1] != "it":
                out.append("it")
            continue
        out.append(word)
    return " ".join(out)


class IntentReader:
    """Judges a question's reply kind by meaning: the embedding of its frame against the
    example questions. `embed` returns unit vectors (the answering embedder's `embed_unstored`)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], min_similarity: float, margin: float) -> None:
        self.embed = embed
        self.min_similarity = min_similarity
        self.margin = margin
        labels = [k for k in KINDS for _ in EXAMPLES[k]]
        self._labels = labels
        self._examples = embed([q for k in KINDS for q in EXAMPLES[k]])

    def kind(self, question: str) -> tuple[str, float]:
        """(reply kind, its similarity); "factoid" when no other kind is close enough or clearly ahead."""
        vector = self.embed([frame(question)])[0]
        sims = self._examples @ vector
        best: dict[str, float] = {}
        for label, sim in zip(self._labels, sims):
            best[label] = max(best.get(label, -1.0), float(sim))
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        top, top_sim = ranked[0]
        factoid = best.get("factoid", -1.0)
        if top == "factoid" or top_sim < self.min_similarity or top_sim - factoid < self.margin:
            return "factoid", factoid
        return top, top_sim


def by_rules(question: str) -> str:
    """The reply kind the fixed phrasings recognise ("timeline of", "what changed in the
    latest version"), else "factoid"."""
    from assistant.changes import asks_for_changes
    from assistant.timeline import asks_for_timeline

    if asks_for_changes(question):
        return "changes"
    if asks_for_timeline(question):
        return "timeline"
    return "factoid"


def read_intent(question: str, reader: IntentReader | None = None) -> Intent:
    """The question's `Intent`: the rules' kind when a fixed phrasing names it, else the
    embeddings' judgement (when `reader` is given), else a plain fact."""
    answer_type, yes_no = expected_type(question), is_yes_no(question)
    ruled = by_rules(question)
    if ruled != "factoid":
        return Intent(ruled, answer_type, yes_no, "rules", 1.0)
    if reader is None:
        return Intent("factoid", answer_type, yes_no, "default")
    kind, sim = reader.kind(question)
    return Intent(kind, answer_type, yes_no, "embedding", round(sim, 4))


@lru_cache(maxsize=8)
def intent_reader(embed: Callable[[list[str]], np.ndarray], min_similarity: float, margin: float) -> IntentReader:
    """One `IntentReader` per embedder and thresholds (the examples are embedded once)."""
    return IntentReader(embed, min_similarity, margin)


def topic_words(question: str, kind: str) -> str:
    """The question without the words that ask for `kind` (those of its example questions,
    "walk me through … unfolded, in order"): what a timeline or a comparison is about."""
    asking = {t for example in EXAMPLES.get(kind, ()) for t in content_terms(example)}
    kept = [w for w in tokens(question) if w.lower() not in STOPWORDS and stem(w) not in asking]
    return " ".join(kept) or question
