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

from assistant.citations import cite, closest_coverage, refusal_text
from assistant.compose import write
from assistant.intent import TYPE_LABELS, expected_type, focus_clause, has_type
from assistant.settings import RankingSettings
from assistant.support import name_runs, numbers_in
from assistant.templates import Templates
from assistant.text import MONTH, QUESTION_WORDS, STOPWORDS, content_terms, jaccard, normalize_answer, split_sentences, stem, tokens
from assistant.types import Answer, Layout, Passage

log = logging.getLogger(__name__)

# The topic a resolved follow-up carries at its end, in parentheses (`conversation.resolve`).
FOLLOW_UP_CONTEXT = re.compile(r"\s*\([^()]*\)\s*$")


def _word_forms(word: str) -> list[str]:
    """A word lower-cased without its dots, then its hyphenated parts: "U.S.-backed" ->
    ["us-backed", "us", "backed"]."""
    flat = word.lower().replace(".", "")
    parts = [p for p in flat.split("-") if p]
    return [flat] + (parts if len(parts) > 1 else [])


@dataclass
class RankedSentence:
    """A sentence of a retrieved passage and its score as an answer (higher is better)."""

    passage: Passage
    text: str
    start: int  # offsets in passage.text
    end: int
    terms: set[str]
    score: float = 0.0
    previous: set[str] = field(default_factory=set)  # terms of the sentence just before it


@dataclass(frozen=True)
class Ranking:
    """The passages' sentences, best answer first, with the refusal rule's evidence: the
    question's best key-term coverage by a passage and its best similarity to a sentence."""

    sentences: list[RankedSentence] = field(default_factory=list)
    term_coverage: float = 0.0
    similarity: float = 0.0

    @property
    def best(self) -> RankedSentence | None:
        return self.sentences[0] if self.sentences else None


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


def type_match(entities: list[tuple[str, str]], kind: str, question: str) -> float:
    """1 when the sentence names something new of the asked kind, 0.5 for something new of
    another kind (the tagger's labels are not perfect), 0 when it only repeats the question."""
    new = _new_entities(entities, question)
    if not new:
        return 0.0
    return 1.0 if any(_fits(text, label, kind) for text, label in new) else 0.5


class Extractor:
    """Builds cited answers from passages. Pure: it is handed its models as functions."""

    def __init__(
        self,
        settings: RankingSettings,
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

    def _sentences(self, passages: list[Passage]) -> list[RankedSentence]:
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
                out.append(RankedSentence(p, text, a, b, terms, previous=previous))
        return out

    def _collapse_versions(self, sentences: list[RankedSentence]) -> list[RankedSentence]:
        """Keep one copy of each sentence that several versions (or copies) of a story share."""
        kept: list[RankedSentence] = []
        for s in sorted(sentences, key=lambda s: (not s.passage.preferred, -(s.passage.score))):
            twin = next((k for k in kept if jaccard(k.terms, s.terms) >= self.settings.duplicate_sentence_jaccard), None)
            if twin is None:
                kept.append(s)
        return kept

    def vote(self, sentences: list[RankedSentence], tagged: list[list[tuple[str, str]]], kind: str, question: str) -> None:
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
        # A follow-up's added topic ("What did Russia say about them? (the strikes in Syria)")
        # says which story, not what is asked: its words weigh less than the question's own.
        context = FOLLOW_UP_CONTEXT.search(question)
        if context:
            own = set(content_terms(question[: context.start()]))
            terms = {t: w * (1.0 if t in own else self.settings.follow_up_context_weight) for t, w in terms.items()}
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

    def unfound(self, standalone: str, passages: list[Passage]) -> list[str]:
        """The names and numbers the question asks about that no passage holds.

        Common words have synonyms ("took credit for" for "claimed"), names and numbers do
        not: a question whose words the passages lack may still be answered there, one whose
        "China" or "2023" they lack is about something else. A name counts as found when
        each of its words is in a passage, a demonym as its country ("Russian" in a passage
        saying "Russia"); the topic a follow-up carries came from the articles and is not asked."""
        # Only what the asking sentence names: a quiz's premise ("Temperatures plunged to -80
        # degrees Fahrenheit. Which city…?") sets a scene the answering report may not repeat.
        own = focus_clause(standalone)
        texts = [p.title + " " + p.text for p in passages]
        # "U.S.-backed" and "al-Sham" are found as "US-backed" and "Sham".
        words = {part for t in texts for w in tokens(t) for part in _word_forms(w)}
        # A year is found in a passage's date too: reports seldom write their own year.
        numbers = set().union(*(numbers_in(t) for t in texts), {p.published_at[:4] for p in passages if p.published_at[:4].isdigit()})
        prefix = self.settings.name_prefix_letters

        def found_part(lower: str) -> bool:
            if lower in words or lower in STOPWORDS or lower in QUESTION_WORDS:
                return True
            start = stem(lower)[:prefix]
            return len(start) == prefix and any(w.startswith(start) for w in words)

        def found(word: str) -> bool:
            forms = _word_forms(word)
            return forms[0] in words or all(found_part(part) for part in forms[1:] or forms)

        starts = {a for a, _ in split_sentences(own)} | {0}
        missing = []
        for a, b in name_runs(own):
            # A sentence's first word is capitalised as a first word, not as a name.
            named = tokens(own[a:b])[1:] if a in starts or not own[:a].strip(" \"“'‘(") else tokens(own[a:b])
            if named and not all(found(w) for w in named):
                missing.append(" ".join(named))
        return missing + sorted(numbers_in(own) - numbers)

    # --- the answer ------------------------------------------------------------------

    def rank(self, standalone: str, passages: list[Passage]) -> Ranking:
        """The passages' sentences, best answer first, with the question's best key-term
        coverage by a passage and its best similarity to a sentence (the refusal evidence)."""
        if not passages:
            return Ranking()
        key = self._key_terms(standalone)
        passage_terms = {p.chunk_id: self._passage_terms(p) for p in passages}
        best_cover = max(self._coverage(key, passage_terms[p.chunk_id]) for p in passages) if key else 1.0

        sentences = self._collapse_versions(self._sentences(passages))
        if not sentences:
            return Ranking([], best_cover, 0.0)
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
            self.vote(sentences, tagged, kind, standalone)
        return Ranking(sorted(sentences, key=lambda s: -s.score), best_cover, float(max(sims)))

    def answer(self, question: str, standalone: str, passages: list[Passage], as_of: dt.date | None = None, ranking: Ranking | None = None) -> Answer:
        """The extractive answer; `ranking` is `rank(standalone, passages)` when already made."""
        ranking = ranking if ranking is not None else self.rank(standalone, passages)
        ranked, best_cover, best_sim = ranking.sentences, ranking.term_coverage, ranking.similarity
        evidence = {"term_coverage": round(best_cover, 4), "similarity": round(best_sim, 4), "best_score": round(ranked[0].score, 4) if ranked else 0.0}
        return replace(self._answer(question, standalone, ranked, best_cover, best_sim, as_of), evidence=evidence)

    def _answer(self, question: str, standalone: str, ranked: list[RankedSentence], best_cover: float, best_sim: float, as_of: dt.date | None) -> Answer:
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

    def _compose(self, question: str, standalone: str, chosen: list[RankedSentence], as_of: dt.date | None) -> Answer:
        citations = [cite(i, s.passage, s.start, s.end, s.score) for i, s in enumerate(chosen, start=1)]
        parts = [f"{s.text} [{i}]" for i, s in enumerate(chosen, start=1)]
        layout = Layout("answer", {"sentences": " ".join(parts)})
        return Answer(
            question=question,
            text=write(layout, citations, self.templates),
            refused=False,
            citations=citations,
            standalone_question=standalone,
            as_of=as_of.isoformat() if as_of else "",
            layout=layout,
        )

    def refusal(self, question: str, standalone: str, ranked: list[RankedSentence], as_of: dt.date | None) -> Answer:
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
