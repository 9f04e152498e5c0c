"""Question -> Answer: checks the request, condenses a follow-up, retrieves, ranks the
sentences and (unless extractive) has the reading model write a checked short answer.

The `Answerer` reads the index only through the retriever it is handed (the `Assistant`
keeps that one current as the index changes); it never writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.changes import asks_for_changes, changes_text, story_changes, topic_of, wants_latest
from assistant.citations import dated, sources_line
from assistant.condense import condense
from assistant.dates import day_number, parse_user_date, question_time, since_day
from assistant.disagreements import with_disagreements
from assistant.errors import InvalidQuestion
from assistant.generative.reuse import ExcerptMemory
from assistant.preview import best_sentence
from assistant.retrieve import Retriever, Scope, TimePreference
from assistant.settings import Settings
from assistant.templates import Templates
from assistant.timeline import asks_for_timeline, timeline_events, timeline_text, timeline_title, timeline_topic
from assistant.types import Answer, Passage, Progress

log = logging.getLogger(__name__)


def confirmed_by_reader(refusal: Answer, read: Answer) -> Answer:
    """The answer to a question the refusal rule passed only in other words: the model's
    checked answer, or `refusal` (the first search's) when the model declined or its answer
    was dropped. Found only in other words, and no answer read there either: two signs
    that the articles do not cover it. A model that failed says nothing either way."""
    if read.reading in ("declined", "dropped"):
        return replace(refusal, reading=read.reading, unsupported=read.unsupported, seconds=read.seconds)
    return read


class Answerer:
    """Answers questions from the passages of `retriever()` (called per question, so a
    retriever rebuilt after an ingest is used from the next question on)."""

    def __init__(self, settings: Settings, templates: Templates, retriever: Callable[[], Retriever]) -> None:
        self.settings = settings
        self.templates = templates
        self._retriever = retriever
        self._llm = None
        self._llm_load_lock = threading.Lock()
        self._llm_lock = threading.Lock()
        # What each conversation's last prompt showed the model, for its follow-ups to start with.
        self._excerpt_memory = ExcerptMemory(settings.reader_conversations)
        self._llm_loading: threading.Thread | None = None

    @staticmethod
    def _scope(as_of: Any, since: Any, until: Any, sources: Any) -> tuple[dt.date | None, Scope]:
        as_of_d = parse_user_date(as_of, "as_of")
        since_d = parse_user_date(since, "since")
        until_d = parse_user_date(until, "until")
        upper = min(d for d in (as_of_d, until_d) if d) if (as_of_d or until_d) else None
        if since_d and upper and since_d > upper:
            raise InvalidQuestion(
                f"The date range is empty: since {since_d.isoformat()} is after {'as_of' if upper == as_of_d else 'until'} {upper.isoformat()}."
            )
        if isinstance(sources, str):
            sources = [sources]
        if sources is not None and not (isinstance(sources, (list, tuple, set, frozenset)) and all(isinstance(x, str) for x in sources)):
            raise InvalidQuestion("`sources` must be a list of outlet names.")
        return as_of_d, Scope(
            since=day_number(since_d.isoformat()) if since_d else None,
            until=day_number(upper.isoformat()) if upper else None,
            sources=frozenset(x.strip() for x in sources or () if x.strip()),
        )

    def check_question(self, question: Any) -> str:
        if not isinstance(question, str):
            raise InvalidQuestion(f"The question must be text, not {type(question).__name__}.")
        question = question.strip()
        if not question:
            raise InvalidQuestion("The question is empty: ask something about the news articles.")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestion(f"The question is {len(question)} characters long; the limit is {self.settings.max_question_chars}. Ask something shorter.")
        if not any(ch.isalnum() for ch in question):
            raise InvalidQuestion("The question has no words in it: ask something about the news articles.")
        return question

    def _reference_day(self, as_of: dt.date | None) -> dt.date | None:
        """The day a question's dates are read against: its as-of day, else the newest article's."""
        if as_of is not None:
            return as_of
        newest = self._retriever().newest_day()
        return dt.date(1970, 1, 1) + dt.timedelta(days=newest) if newest >= 0 else None

    def _preference(self, question: str, as_of: dt.date | None) -> TimePreference:
        reference = self._reference_day(as_of)
        said = question_time(question, reference)
        return TimePreference(
            reference_day=day_number(reference.isoformat()) if reference else None,
            # An as-of date means "as the news stood then": the days before it matter most.
            recent=said.recent or as_of is not None,
            since=day_number(said.since.isoformat()) if said.since else None,
            until=day_number(said.until.isoformat()) if said.until else None,
        )

    @property
    def llm(self):
        """The reading model, loaded on first use (None for extractive)."""
        if self.settings.llm == "extractive":
            return None
        with self._llm_load_lock:
            if self._llm is None:
                from assistant.generative.llm import make_llm

                self._llm = make_llm(self.settings)
            return self._llm

    def load_llm_in_background(self) -> None:
        """Start loading the reading model in a thread of its own, so that a new process's
        first question is searched and ranked while the model loads (a failure is reported
        when the model is used)."""
        if self.settings.llm == "extractive" or self._llm is not None or self._llm_loading is not None:
            return

        def load() -> None:
            try:
                _ = self.llm
            except Exception as exc:  # LLMUnavailable and the like: raised again where the model is needed
                log.debug("the reading model did not load in the background: %s", exc)

        self._llm_loading = threading.Thread(target=load, name="load-reading-model", daemon=True)
        self._llm_loading.start()

    @property
    def _llm_run_lock(self) -> threading.Lock | None:
        # An in-process model holds one conversation state: one prompt at a time.
        return self._llm_lock if self.settings.llm == "local" else None

    def _standalone(self, question: str, history: list[str]) -> tuple[str, str]:
        """(standalone form, the rules' form when it differs or ""): the model's rewrite is
        tried first, the rules' rewrite answers when the model's finds nothing."""
        ruled = condense(question, history)
        if history and self.settings.llm != "extractive":
            from assistant.generative.llm import LLMUnavailable
            from assistant.generative.reader import condense_with_llm

            try:
                rewritten = condense_with_llm(self.llm, self.templates, question, history, self.settings.max_question_chars, self._llm_run_lock)
            except LLMUnavailable as exc:
                log.warning("%s; follow-ups are resolved by rules", exc)
                rewritten = None
            if rewritten:
                return rewritten, ruled if ruled.strip().lower() != rewritten.strip().lower() else ""
        return ruled, ""

    def _check_k(self, k: Any) -> int | None:
        if k is None:
            return None
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.settings.candidates:
            raise InvalidQuestion(f"`k` (passages to use) must be a whole number from 1 to {self.settings.candidates}, not {k!r}.")
        return k

    def request(self, question: Any, history: Sequence[str] | None, as_of: Any, since: Any, until: Any, sources: Any) -> _Request:
        question = self.check_question(question)
        as_of_d, scope = self._scope(as_of, since, until, sources)
        standalone, ruled = self._standalone(question, [h for h in (history or []) if isinstance(h, str)])
        return _Request(question, standalone, as_of_d, scope, self._preference(standalone, as_of_d), ruled)

    def retrieve(
        self,
        question: str,
        history: Sequence[str] | None = None,
        as_of: Any = None,
        since: Any = None,
        until: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Passage]:
        """The passages an answer to `question` would be drawn from."""
        req = self.request(question, history, as_of, since, until, sources)
        return self._retriever().retrieve(req.standalone, req.scope, self._check_k(k), req.prefer)

    def answer(
        self,
        question: str,
        history: Sequence[str] | None = None,
        as_of: Any = None,
        since: Any = None,
        until: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """Answer `question` from the index, citing a verbatim passage for every sentence.

        `history` lists the earlier user questions of the conversation, oldest first;
        `as_of` (a date) hides articles published after it, as do `until`; `since` hides older
        ones; `sources` (outlet names) keeps only articles from those outlets.
        """
        *_, result = self.stream(question, history, as_of, since, until, k, sources)
        assert isinstance(result, Answer)
        return result

    def stream(
        self,
        question: str,
        history: Sequence[str] | None = None,
        as_of: Any = None,
        since: Any = None,
        until: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[Progress | Answer]:
        """`answer`, step by step: `Progress` items as the work goes on, then the `Answer`.

        Bad input raises before anything is yielded.
        """
        retriever = None
        passages: list[Passage] = []
        for event in self._steps(question, history, as_of, since, until, k, sources):
            # Taken after the first step, so a bad question is reported before a missing index.
            if retriever is None:
                retriever = self._retriever()
            if isinstance(event, Progress) and event.stage == "reading":
                passages = event.passages
            if isinstance(event, Answer):
                if not (event.changes or event.timeline):
                    # The cited articles' other versions too: retrieval keeps one of near-identical copies.
                    versions = [v for doc in dict.fromkeys(c.doc_id for c in event.citations) for v in retriever.other_versions(doc)]
                    event = with_disagreements(event, passages + versions, self.settings, self.templates)
                yield _with_reports(event, retriever)
            elif event.answer is not None:
                yield replace(event, answer=_with_reports(event.answer, retriever))
            else:
                yield event

    def _steps(
        self,
        question: str,
        history: Sequence[str] | None,
        as_of: Any,
        since: Any,
        until: Any,
        k: int | None,
        sources: Sequence[str] | None,
    ) -> Iterator[Progress | Answer]:
        started = time.perf_counter()
        req = self.request(question, history, as_of, since, until, sources)
        self.load_llm_in_background()
        k = self._check_k(k)
        retriever = self._retriever()
        # --- follow: "what's new (since ...)" is answered from the new articles (assistant/follow/whatsnew.py) ---
        from assistant.follow.whatsnew import answer_whats_new, asks_whats_new

        if asks_whats_new(req.question):
            yield Progress("searching", self.templates.progress_searching.substitute(question=req.question))
            yield answer_whats_new(req.question, retriever, self.settings, self.templates)
            return
        # --- end follow ---
        if asks_for_changes(req.standalone):
            changes = yield from self._changes(req, retriever, k, started)
            if changes is not None:
                yield changes
                return
        if asks_for_timeline(req.standalone):
            timeline = yield from self._timeline(req, retriever, started)
            if timeline is not None:
                yield timeline
                return
        yield Progress("searching", self.templates.progress_searching.substitute(question=req.standalone))
        passages = retriever.retrieve(req.standalone, req.scope, k, req.prefer)
        found = time.perf_counter()
        yield self._reading(passages)
        from assistant.answer import Extractor
        from assistant.entities import tagger_for

        extractor = Extractor(
            self.settings,
            self.templates,
            retriever.sentence_vectors,  # the injection guard's vectors of these sentences (assistant/injection.py)
            retriever.idf,
            tagger_for(self.settings.ner_model, self.settings.entity_cache_size).entities,
        )
        while True:
            ranking = extractor.rank(req.standalone, passages)
            extractive = extractor.answer(req.question, req.standalone, passages, req.as_of, ranking=ranking)
            if not (extractive.refused and req.ruled):
                break
            # The model's rewrite of a follow-up found nothing: the rules' rewrite gets its turn.
            req = replace(req, standalone=req.ruled, prefer=self._preference(req.ruled, req.as_of), ruled="")
            passages = retriever.retrieve(req.standalone, req.scope, k, req.prefer)
            yield self._reading(passages)
        extractive = replace(extractive, seconds={"retrieve": round(found - started, 3), "extract": round(time.perf_counter() - found, 3)})
        refusal = None  # the first search's refusal, while a rewording's answer awaits the model
        if extractive.refused and self.settings.llm != "extractive" and self.settings.reader_reword:
            reworded = yield from self._reword(req, retriever, extractor, k, passages)
            if reworded is not None and not reworded[1].refused:
                refusal = replace(extractive, reworded_question=reworded[1].reworded_question)
                ranking, extractive = reworded[0], replace(reworded[1], seconds={**extractive.seconds, **reworded[1].seconds})
            elif reworded is not None:
                extractive = replace(extractive, reworded_question=reworded[1].reworded_question)
        if self.settings.llm == "extractive" or not ranking[0] or (extractive.refused and not self.settings.reader_when_refused):
            yield extractive
            return
        from assistant.generative.llm import LLMUnavailable
        from assistant.generative.reader import Reader

        try:
            llm = self.llm
        except LLMUnavailable as exc:
            yield replace(extractive, notice=f"{exc} This answer quotes the articles instead.")
            return
        # The quoted answer is shown at once; the model's checked answer replaces it. Not so for
        # a rewording's quotes: they stand only if the model answers from them (below).
        preview = best_sentence(extractive, self.templates) if refusal is None else None
        yield Progress("checking", self.templates.progress_checking.substitute(), answer=preview)
        reader = Reader(self.settings, self.templates, llm, self.settings.llm, self._llm_run_lock, self._excerpt_memory)
        earlier = [h for h in history or [] if isinstance(h, str)]
        answer = reader.read(req.question, req.standalone, ranking[0], req.as_of, extractive, earlier)
        yield answer if refusal is None else confirmed_by_reader(refusal, answer)

    def _reword(self, req: _Request, retriever: Retriever, extractor: Any, k: int | None, passages: list[Passage]) -> Iterator[Progress]:
        """A refused question searched again in a news report's words, as the model rewords it
        ("halted funding" -> "suspended funding"). The refusal rule judges the new passages
        as it judged the first ones, so a question the articles do not cover stays refused.
        Returns the new (ranking, extractive answer), or None when the model gave no usable
        rewording.

        A rewording counts only when it leaves fewer of its key terms missing from the best
        passage than the question left (of the first `passages`): it has put some word the
        articles lack into their words. A rewording that only adds words the articles have
        ("the population of the city of Damascus") would pass the rule without answering."""
        from assistant.generative.llm import LLMUnavailable
        from assistant.generative.reader import reword_with_llm

        started = time.perf_counter()
        missing = extractor.missing_words(req.standalone, passages)
        if not missing:
            return None  # only names or numbers are missing: no wording supplies those
        try:
            llm = self.llm
        except LLMUnavailable:
            return None  # the refusal stands; the missing model is reported where it would have read
        yield Progress("searching", self.templates.progress_rewording.substitute())
        reworded = reword_with_llm(llm, self.templates, req.standalone, missing, self.settings.max_question_chars, self._llm_run_lock)
        if not reworded:
            return None
        yield Progress("searching", self.templates.progress_searching.substitute(question=reworded))
        found = retriever.retrieve(reworded, req.scope, k, self._preference(reworded, req.as_of))
        yield self._reading(found)
        ranking = extractor.rank(reworded, found)
        if extractor.uncovered(reworded, found) < extractor.uncovered(req.standalone, passages):
            extractive = extractor.answer(req.question, reworded, found, req.as_of, ranking=ranking)
        else:
            extractive = extractor.refusal(req.question, reworded, ranking[0], req.as_of)
        log.debug("reworded %r as %r: %s", req.standalone, reworded, "refused" if extractive.refused else "answered")
        seconds = {"reword": round(time.perf_counter() - started, 3)}
        return ranking, replace(extractive, standalone_question=req.standalone, reworded_question=reworded, seconds=seconds)

    def _changes(self, req: _Request, retriever: Retriever, k: int | None, started: float) -> Iterator[Progress | Answer]:
        """A question about how a story changed: the story of the best passage for its topic,
        compared version by version. Returns None (after its progress) when nothing matches,
        so the question is answered as any other."""
        topic = topic_of(req.standalone)
        yield Progress("searching", self.templates.progress_searching.substitute(question=topic))
        passages = retriever.retrieve(topic, req.scope, k, self._preference(topic, req.as_of))
        if not passages:
            return None
        yield self._reading(passages)
        # The older versions are what the question compares with, whatever its `since`.
        versions = retriever.story_versions(passages[0].story_id, replace(req.scope, since=None))
        as_of = req.as_of.isoformat() if req.as_of else ""
        seconds = {"retrieve": round(time.perf_counter() - started, 3)}
        if len(versions) < 2:
            top = passages[0]
            one = self.templates.one_version.substitute(title=top.title or top.doc_id, date=dated(top.published_at))
            return None if not versions else Answer(req.question, one, False, standalone_question=req.standalone, as_of=as_of, seconds=seconds)
        story = story_changes(
            versions, self.settings, since=since_day(req.standalone, self._reference_day(req.as_of)), latest_only=wants_latest(req.standalone)
        )
        text, citations = changes_text(story, self.templates, self.settings)
        if citations:
            text += "\n\n" + sources_line(citations, self.templates)
        seconds["changes"] = round(time.perf_counter() - started - seconds["retrieve"], 3)
        return Answer(req.question, text, False, citations, req.standalone, as_of, changes=story, seconds=seconds)

    def _timeline(self, req: _Request, retriever: Retriever, started: float) -> Iterator[Progress | Answer]:
        """ "Timeline of X": the dated events of the coverage of X, oldest first, nothing
        after `as_of`. Returns None (after its progress) when the coverage names no event,
        so the question is answered as any other."""
        topic = timeline_topic(req.standalone)
        yield Progress("searching", self.templates.progress_searching.substitute(question=topic))
        passages = retriever.retrieve(topic, req.scope, self.settings.timeline_passages, self._preference(topic, req.as_of))
        yield self._reading(passages)
        events = timeline_events(
            topic, passages, self.settings, retriever.idf, since=since_day(req.standalone, self._reference_day(req.as_of)), until=req.as_of
        )
        if not events:
            return None
        text, citations = timeline_text(timeline_title(req.standalone), events, self.templates)
        text += "\n\n" + sources_line(citations, self.templates)
        as_of = req.as_of.isoformat() if req.as_of else ""
        seconds = {"retrieve": round(time.perf_counter() - started, 3)}
        return Answer(req.question, text, False, citations, req.standalone, as_of, timeline=events, seconds=seconds)

    def _reading(self, passages: list[Passage]) -> Progress:
        days = sorted(p.published_at for p in passages if p.published_at)
        message = self.templates.progress_reading.substitute(
            passages=len(passages),
            articles=len({p.doc_id for p in passages}),
            dates=f" published {days[0]} to {days[-1]}" if days else "",
        )
        return Progress("reading", message, passages=passages)


def _with_reports(answer: Answer, retriever: Retriever) -> Answer:
    """The answer with each citation's reports: the articles of its story that carry the
    same passage (versions, reprints by other outlets), first report first."""
    if not answer.citations:
        return answer
    citations = [replace(c, reports=retriever.reports(c.doc_id, c.quote)) for c in answer.citations]
    extractive = _with_reports(answer.extractive, retriever) if answer.extractive is not None else None
    return replace(answer, citations=citations, extractive=extractive)


@dataclass(frozen=True)
class _Request:
    """A checked question with everything retrieval needs."""

    question: str
    standalone: str
    as_of: dt.date | None
    scope: Scope
    prefer: TimePreference
    # The rules' standalone form of a follow-up when the model wrote another one.
    ruled: str = ""
