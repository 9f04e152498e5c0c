"""Question + Passages -> Answer: extractive, cited, and willing to refuse.

No language model runs here. The passages are split into sentences; each sentence is
scored on meaning (embedding similarity to the question), on the question's key terms it
contains (weighted by how rare they are in the corpus), on whether its passage covers
the question, and on whether it holds the kind of thing the question asks for (a name
for "who", a number for "how many", a date for "when"). The best sentence comes first so
it answers on its own; supporting sentences follow, each with its `[n]`. Copies of one
sentence in several versions of a story are collapsed to the preferred version, so a
passage is never cited twice.

When the question's key terms are not in the passages, or no sentence scores well
enough, the answer is a refusal rather than the nearest unrelated sentence.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.citations import cite, closest_coverage, refusal_text, sources_line
from assistant.settings import Settings
from assistant.templates import Templates
from assistant.text import DATE_WORD as _DATEISH
from assistant.text import MONTH, QUESTION_WORDS, STOPWORDS, content_terms, jaccard, normalize_answer, split_sentences, stem, tokens
from assistant.text import QUANTITY as _NUMBER
from assistant.types import Answer, Passage

log = logging.getLogger(__name__)

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


@dataclass
class _Sentence:
    passage: Passage
    text: str
    start: int  # offsets in passage.text
    end: int
    terms: set[str]
    score: float = 0.0
    previous: set[str] = field(default_factory=set)  # terms of the sentence just before it


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
    question = question.strip()
    parts = [question[a:b] for a, b in split_sentences(question)]
    asking = [p for p in parts if re.search(r"\b(?:who|whom|whose|what|which|when|where|why|how)\b", p, re.I)]
    return (asking or parts or [question])[-1]


def _fits(text: str, label: str, kind: str) -> bool:
    """Whether an entity can answer a question of `kind` ("in which month" wants a month's name)."""
    labels = TYPE_LABELS.get(kind)
    if labels is not None and label not in labels:
        return False
    return kind != "month" or bool(MONTH.search(text))


def _new_entities(entities: list[tuple[str, str]], question: str) -> list[tuple[str, str]]:
    asked = {t.lower() for t in tokens(question)}
    out = []
    for text, label in entities:
        words = [w.lower() for w in tokens(text) if w.lower() not in STOPWORDS]
        if words and not all(w in asked for w in words):
            out.append((text, label))
    return out


def _entity_has_type(entities: list[tuple[str, str]], kind: str, question: str) -> bool:
    """Whether the sentence names an entity of the asked kind that the question does not already name."""
    return any(_fits(text, label, kind) for text, label in _new_entities(entities, question))


def type_match(entities: list[tuple[str, str]], kind: str, question: str) -> float:
    """1 when the sentence names something new of the asked kind, 0.5 for something new of
    another kind (the tagger's labels are not perfect), 0 when it only repeats the question."""
    new = _new_entities(entities, question)
    if not new:
        return 0.0
    return 1.0 if any(_fits(text, label, kind) for text, label in new) else 0.5


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


class Extractor:
    """Builds cited answers from passages. Pure: it is handed its models as functions."""

    def __init__(
        self,
        settings: Settings,
        templates: Templates,
        embed: Callable[[list[str]], np.ndarray],
        idf: Callable[[str], float],
        entities: Callable[[list[str]], list[list[tuple[str, str]]] | None] | None = None,
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.embed = embed
        self.idf = idf
        self.entities = entities

    # --- pieces ----------------------------------------------------------------------

    def _sentences(self, passages: list[Passage]) -> list[_Sentence]:
        out = []
        for p in passages:
            before: set[str] = set()
            end_before = -1
            for a, b in split_sentences(p.text):
                text = p.text[a:b]
                terms = set(content_terms(text))
                previous = before if end_before >= 0 and not p.text[end_before:a].strip() else set()
                before, end_before = terms, b
                if len(tokens(text)) < self.settings.min_sentence_words:
                    continue  # fragments ("Read more.") say nothing on their own
                out.append(_Sentence(p, text, a, b, terms, previous=previous))
        return out

    def _collapse_versions(self, sentences: list[_Sentence]) -> list[_Sentence]:
        """Keep one copy of each sentence that several versions (or copies) of a story share."""
        kept: list[_Sentence] = []
        for s in sorted(sentences, key=lambda s: (not s.passage.preferred, -(s.passage.score))):
            twin = next((k for k in kept if jaccard(k.terms, s.terms) >= self.settings.duplicate_sentence_jaccard), None)
            if twin is None:
                kept.append(s)
        return kept

    def _vote(self, sentences: list[_Sentence], tagged: list[list[tuple[str, str]]], kind: str, question: str) -> None:
        """Favour sentences naming the candidate answer that the best sentences agree on.

        News repeats its facts: when several relevant sentences, often from different
        articles, name the same new entity of the asked kind, that entity is probably the
        answer, and the sentence that names it should come first.
        """
        order = sorted(range(len(sentences)), key=lambda i: -sentences[i].score)[: self.settings.answer_vote_sentences]
        votes: dict[str, float] = {}
        names: dict[int, set[str]] = {}
        for i in range(len(sentences)):
            keys = {normalize_answer(text) for text, label in _new_entities(tagged[i], question) if _fits(text, label, kind)}
            names[i] = {k for k in keys if k}
        for i in order:
            for key in names[i]:
                votes[key] = votes.get(key, 0.0) + sentences[i].score
        # "Benedict XVI" and "Pope Benedict XVI" are one candidate.
        merged = {k: sum(v for other, v in votes.items() if k in other or other in k) for k in votes}
        if not merged:
            return
        top = max(merged.values())
        weight = self.settings.answer_vote_weight
        for i, sentence in enumerate(sentences):
            support = max((merged.get(k, 0.0) for k in names[i]), default=0.0) / top
            sentence.score *= (1.0 - weight) + weight * support

    def _key_terms(self, question: str) -> dict[str, float]:
        """Question terms weighted by rarity; the asking clause counts half again as much.

        Quiz-style questions open with a premise ("X died this week.") and then ask ("How
        old was she?"): sentences that only restate the premise are not answers.
        """
        terms = {t: self.idf(t) for t in content_terms(question)}
        focus = set(content_terms(focus_clause(question)))
        if focus and focus != set(terms):
            terms = {t: w * (self.settings.focus_clause_weight if t in focus else 1.0) for t, w in terms.items()}
        return {t: w for t, w in terms.items() if w > 0}

    @staticmethod
    def _coverage(key: dict[str, float], terms: set[str]) -> float:
        total = sum(key.values())
        return sum(w for t, w in key.items() if t in terms) / total if total else 0.0

    @staticmethod
    def _passage_terms(p: Passage) -> set[str]:
        """The content terms a passage offers a question, its title's included."""
        return set(content_terms(p.title + " " + p.text))

    def _lacking(self, standalone: str, passages: list[Passage]) -> set[str]:
        """The question's key terms that the passage covering the most of them leaves out
        (its title included); all of them when there is no passage."""
        key = self._key_terms(standalone).keys()
        return min((key - self._passage_terms(p) for p in passages), key=len, default=set(key))

    def uncovered(self, standalone: str, passages: list[Passage]) -> int:
        """How few of the question's key terms some passage leaves out (its title included)."""
        return len(self._lacking(standalone, passages))

    def missing_words(self, standalone: str, passages: list[Passage]) -> list[str]:
        """The question's common words, as written, that the passage covering it best leaves
        out ("authorised", "air raids": neighbours stay together): what a rewording has to
        say in other words. Names and numbers are not among them: no rewording can supply
        a name the articles lack."""
        if not passages:
            return []
        lacking = self._lacking(standalone, passages)
        phrases: list[str] = []
        run: list[str] = []
        for i, word in enumerate(tokens(standalone) + [""]):
            lower = word.lower()
            common = word and not (i > 0 and word[:1].isupper()) and not any(ch.isdigit() for ch in word)
            if common and lower not in STOPWORDS and lower not in QUESTION_WORDS and stem(word) in lacking:
                run.append(word)
                continue
            if run and " ".join(run) not in phrases:
                phrases.append(" ".join(run))
            run = []
        return phrases

    # --- the answer ------------------------------------------------------------------

    def rank(self, standalone: str, passages: list[Passage]) -> tuple[list[_Sentence], float, float]:
        """The passages' sentences, best answer first, with the question's best key-term
        coverage by a passage and its best similarity to a sentence (the refusal evidence)."""
        if not passages:
            return [], 0.0, 0.0
        key = self._key_terms(standalone)
        passage_terms = {p.chunk_id: self._passage_terms(p) for p in passages}
        best_cover = max(self._coverage(key, passage_terms[p.chunk_id]) for p in passages) if key else 1.0

        sentences = self._collapse_versions(self._sentences(passages))
        if not sentences:
            return [], best_cover, 0.0
        vectors = self.embed([standalone] + [s.text for s in sentences])
        sims = vectors[1:] @ vectors[0]
        kind = expected_type(standalone)
        asked = set(content_terms(standalone))
        tagged = self.entities([s.text for s in sentences]) if self.entities else None
        top_passage = max(p.score for p in passages) or 1.0
        c = self.settings
        for i, (s, sim) in enumerate(zip(sentences, sims)):
            lexical = self._coverage(key, s.terms)
            # The sentence before often names what this one is about ("... in Erbil. A militia claimed it.").
            context = self._coverage(key, s.terms | s.previous)
            if tagged is not None:
                typed = type_match(tagged[i], kind, standalone)
            else:
                typed = 1.0 if has_type(s.text, kind, standalone) else 0.0
            new_info = 1.0 if (s.terms - asked) else 0.0
            if s.text.rstrip(' "”’)').endswith("?"):
                new_info *= self.settings.question_sentence_factor  # a sentence that asks is a headline or a teaser, not an answer
            # A sentence without the kind of thing asked for cannot answer, however similar.
            # The passage's rank carries retrieval's evidence, recency included.
            prior = s.passage.score / top_passage
            relevance = (
                c.sentence_similarity_weight * max(sim, 0.0)
                + c.sentence_terms_weight * lexical
                + c.sentence_context_weight * context
                + c.sentence_rank_weight * prior
            )
            s.score = float(relevance * (1.0 - c.answer_type_weight * (1.0 - typed)) * (1.0 - c.new_info_weight * (1.0 - new_info)))

        # Voting needs a specific kind: for open questions the most repeated new name is
        # usually the premise's subject ("Jebb said ..."), not the answer.
        if tagged is not None and kind != "other" and self.settings.answer_vote_weight > 0:
            self._vote(sentences, tagged, kind, standalone)
        return sorted(sentences, key=lambda s: -s.score), best_cover, float(max(sims))

    def answer(
        self, question: str, standalone: str, passages: list[Passage], as_of: dt.date | None = None, ranking: tuple[list[_Sentence], float, float] | None = None
    ) -> Answer:
        """The extractive answer; `ranking` is `rank(standalone, passages)` when already made."""
        ranked, best_cover, best_sim = ranking if ranking is not None else self.rank(standalone, passages)
        evidence = {"term_coverage": round(best_cover, 4), "similarity": round(best_sim, 4), "best_score": round(ranked[0].score, 4) if ranked else 0.0}
        return replace(self._answer(question, standalone, ranked, best_cover, best_sim, as_of), evidence=evidence)

    def _answer(self, question: str, standalone: str, ranked: list[_Sentence], best_cover: float, best_sim: float, as_of: dt.date | None) -> Answer:
        refusal = self.refusal(question, standalone, ranked, as_of)
        if not ranked:
            return refusal
        best = ranked[0]
        log.debug("question=%r cover=%.3f sim=%.3f best=%.3f", standalone, best_cover, best_sim, best.score)
        # Refuse when neither the words nor the meaning of the question are found:
        # paraphrases miss the words but keep the meaning; off-corpus questions miss both.
        if best_cover < self.settings.min_term_coverage and best_sim < self.settings.min_similarity:
            return refusal
        if best.score < self.settings.min_sentence_score:
            return refusal
        chosen = [best]
        for s in ranked[1:]:
            if len(chosen) >= self.settings.max_answer_sentences or s.score < self.settings.support_ratio * best.score:
                break
            if any(jaccard(s.terms, c.terms) >= self.settings.same_quote_jaccard for c in chosen):
                continue  # says nearly the same thing as a sentence already quoted
            chosen.append(s)
        return self._compose(question, standalone, chosen, as_of)

    def _compose(self, question: str, standalone: str, chosen: list[_Sentence], as_of: dt.date | None) -> Answer:
        citations = [cite(i, s.passage, s.start, s.end, s.score) for i, s in enumerate(chosen, start=1)]
        parts = [f"{s.text} [{i}]" for i, s in enumerate(chosen, start=1)]
        text = self.templates.answer.substitute(sentences=" ".join(parts), sources=sources_line(citations, self.templates))
        return Answer(
            question=question, text=text, refused=False, citations=citations, standalone_question=standalone, as_of=as_of.isoformat() if as_of else ""
        )

    def refusal(self, question: str, standalone: str, ranked: list[_Sentence], as_of: dt.date | None) -> Answer:
        """The refusal, offering the nearest coverage the passages hold."""
        closest = closest_coverage([(s.passage, s.start, s.end, s.score) for s in ranked], self.settings.closest_articles)
        return Answer(
            question=question,
            text=refusal_text(self.templates, as_of),
            refused=True,
            standalone_question=standalone,
            as_of=as_of.isoformat() if as_of else "",
            closest=closest,
        )
