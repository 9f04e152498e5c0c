"""Question -> Answer, as a short list of named steps over one retriever snapshot:

1. `request`: check the question and its filters; read it against the conversation
   (`conversation.resolve`: "he", "them", "and in 2024?"); judge what it asks for
   (`intent.read_intent`: a timeline, what changed, a fact...); bound the evidence by its
   time words (`timewords.evidence_window`: "this week", "in 2024").
2. route: "what changed" and timelines have their own answers (`_changes`, `_timeline`);
   they fall back to 3 when the coverage has nothing of the kind.
3. `_search`: retrieve, preferring the story in focus of a follow-up.
4. rank the sentences and quote the best (`answer.Extractor`), or refuse.
5. `_reword`: a refused question is searched again in a news report's words.
6. `_read`: the reading model's short answer, checked (`generative.reader`).
7. `_finish`: disagreements between reports, the reports of each citation, and the
   conversation state after this turn (`Answer.conversation`).

The `Answerer` reads the index only through the retriever it is handed (the `Assistant`
keeps that one current as the index changes), takes one retriever per question so that a
refresh never mixes two indexes in one answer, and never writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from assistant.changes import changes_text, story_changes, topic_of, wants_latest
from assistant.citations import dated
from assistant.compose import rendered, write
from assistant.conversation import Reading, extend, names_in, resolve, turn_of
from assistant.dates import day_number, parse_user_date, question_time, since_day
from assistant.disagreements import with_disagreements
from assistant.errors import InvalidQuestion
from assistant.generative.reuse import ExcerptMemory
from assistant.intent import Intent, intent_reader, read_intent, topic_words
from assistant.preview import best_sentence
from assistant.retrieve import Retriever, Scope, TimePreference
from assistant.settings import Settings
from assistant.templates import Templates
from assistant.text import split_sentences, strip_markers
from assistant.timeline import timeline_events, timeline_text, timeline_title, timeline_topic
from assistant.timewords import evidence_window
from assistant.types import Answer, Conversation, Layout, Passage, Progress

log = logging.getLogger(__name__)


def confirmed_by_reader(refusal: Answer, read: Answer) -> Answer:
    """The answer to a question the refusal rule passed only in other words: the model's
    checked answer, or `refusal` (the first search's) when the model declined or its answer
    was dropped. Found only in other words, and no answer read there either: two signs
    that the articles do not cover it. A model that failed says nothing either way."""
    if read.reading in ("declined", "dropped"):
        return replace(refusal, reading=read.reading, unsupported=read.unsupported, seconds=read.seconds)
    return read


@dataclass(frozen=True)
class Request:
    """A checked question with everything the steps need: how it was read, what it asks
    for, its scope (the evidence window of its time words included) and the conversation
    it was asked in."""

    question: str
    reading: Reading
    intent: Intent
    as_of: dt.date | None
    scope: Scope
    prefer: TimePreference
    reference: dt.date | None = None  # the day its time words are read against
    conversation: Conversation | None = None
    earlier: tuple[str, ...] = ()  # the earlier questions as sent: the reader's prompt memory is keyed by them

    @property
    def standalone(self) -> str:
        return self.reading.standalone


def as_conversation(value: Any) -> Conversation | None:
    """A `Conversation` from itself, its `to_dict()` form or None; InvalidQuestion otherwise."""
    if value is None or isinstance(value, Conversation):
        return value
    try:
        return Conversation.from_dict(value)
    except ValueError as exc:
        raise InvalidQuestion(f"`conversation` is not a conversation state ({exc}): pass back an answer's `conversation` unchanged.") from exc


class Answerer:
    """Answers questions from the passages of `retriever()` (called once per question, so a
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
        # Conversation states by (earlier questions, filters): a face that passes only the
        # questions (the chat, REST, OpenAI, MCP) finds the state its last answer left.
        self._conversations: OrderedDict[tuple, Conversation] = OrderedDict()
        self._conversations_lock = threading.Lock()

    # --- checking the request ------------------------------------------------------------

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

    def _check_k(self, k: Any) -> int | None:
        if k is None:
            return None
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.settings.candidates:
            raise InvalidQuestion(f"`k` (passages to use) must be a whole number from 1 to {self.settings.candidates}, not {k!r}.")
        return k

    @staticmethod
    def _history(history: Sequence[str] | None) -> list[str]:
        return [h.strip() for h in (history or []) if isinstance(h, str) and h.strip()]

    def _reference_day(self, as_of: dt.date | None, retriever: Retriever) -> dt.date | None:
        """The day a question's dates are read against: its as-of day, else the newest article's."""
        if as_of is not None:
            return as_of
        newest = retriever.newest_day()
        return dt.date(1970, 1, 1) + dt.timedelta(days=newest) if newest >= 0 else None

    def _preference(self, question: str, as_of: dt.date | None, reference: dt.date | None) -> TimePreference:
        said = question_time(question, reference)
        return TimePreference(
            reference_day=day_number(reference.isoformat()) if reference else None,
            # An as-of date means "as the news stood then": the days before it matter most.
            recent=said.recent or as_of is not None,
            since=day_number(said.since.isoformat()) if said.since else None,
            until=day_number(said.until.isoformat()) if said.until else None,
        )

    def _bounded(self, scope: Scope, standalone: str, reference: dt.date | None) -> Scope:
        """`scope` narrowed to the evidence window of the question's time words."""
        if not self.settings.question_time_bounds:
            return scope
        window = evidence_window(standalone, reference, self.settings.question_time_slack_days, self.settings.recent_days)
        if window is None:
            return scope
        since, until = day_number(window[0].isoformat()), day_number(window[1].isoformat())
        since = max(since, scope.since) if scope.since is not None else since
        until = min(until, scope.until) if scope.until is not None else until
        return replace(scope, since=since, until=max(until, since))

    def request(
        self,
        question: Any,
        history: Sequence[str] | None,
        as_of: Any,
        since: Any,
        until: Any,
        sources: Any,
        conversation: Any = None,
        retriever: Retriever | None = None,
    ) -> Request:
        """Step 1: the checked question, read against the conversation, with its intent and scope."""
        question = self.check_question(question)
        as_of_d, scope = self._scope(as_of, since, until, sources)
        retriever = retriever or self._retriever()
        reference = self._reference_day(as_of_d, retriever)
        state = as_conversation(conversation)
        if state is None and history:
            state = self._state_from(self._history(history), as_of_d, scope, reference, retriever)
        reading = resolve(question, state)
        reading = self._model_reading(reading, state)
        intent = read_intent(reading.standalone, self._intents(retriever))
        bounded = self._bounded(scope, reading.standalone, reference)
        return Request(
            question,
            reading,
            intent,
            as_of_d,
            bounded,
            self._preference(reading.standalone, as_of_d, reference),
            reference,
            state,
            tuple(self._history(history)),
        )

    def _intents(self, retriever: Retriever):
        if not self.settings.intent_by_meaning:
            return None
        return intent_reader(retriever.embedder.embed_unstored, self.settings.intent_min_similarity, self.settings.intent_margin)

    def _model_reading(self, reading: Reading, state: Conversation | None) -> Reading:
        """With `conversation_model_rewrite`, a follow-up the rules could only tie to the
        topic in focus is rewritten by the model, told what the conversation established
        (its questions and the names their answers gave); the rewrite is checked
        (`condense_with_llm`: no name or number the conversation did not give), else the
        rules' reading stands."""
        if not (self.settings.conversation_model_rewrite and state and reading.how == "topic" and self.settings.llm != "extractive"):
            return reading
        from assistant.generative.llm import LLMUnavailable
        from assistant.generative.reader import condense_with_llm

        told = [f"{t.read_as} (answer named: {', '.join(t.names[:3])})" if t.names else t.read_as for t in state.turns]
        try:
            rewritten = condense_with_llm(self.llm, self.templates, reading.question, told, self.settings.max_question_chars, self._llm_run_lock)
        except LLMUnavailable as exc:
            log.warning("%s; follow-ups are resolved by rules", exc)
            return reading
        return replace(reading, standalone=rewritten, how="model") if rewritten else reading

    # --- the conversation state --------------------------------------------------------------

    def _state_key(self, questions: Sequence[str], as_of: dt.date | None, scope: Scope) -> tuple:
        return (tuple(questions[-self.settings.conversation_turns :]), as_of, scope.since, scope.until, scope.sources)

    def _state_from(self, history: list[str], as_of: dt.date | None, scope: Scope, reference: dt.date | None, retriever: Retriever) -> Conversation | None:
        """The state the earlier questions left: remembered from their answers when this
        process gave them, else rebuilt by reading each again (quoted answers, no model)."""
        if not history:
            return None
        key = self._state_key(history, as_of, scope)
        with self._conversations_lock:
            known = self._conversations.get(key)
        if known is not None:
            return known
        state: Conversation | None = None
        extractor = self._extractor(retriever)
        for question in history[-self.settings.conversation_turns :]:
            reading = resolve(question, state)
            bounded = self._bounded(scope, reading.standalone, reference)
            passages = self._search_passages(reading, bounded, None, self._preference(reading.standalone, as_of, reference), retriever)
            answer = extractor.answer(question, reading.standalone, passages, as_of)
            state = self._next_state(state, reading, "factoid", answer, passages, retriever)
        self._remember(key, state)
        return state

    def _remember(self, key: tuple, state: Conversation | None) -> None:
        if state is None:
            return
        with self._conversations_lock:
            self._conversations[key] = state
            self._conversations.move_to_end(key)
            while len(self._conversations) > self.settings.conversation_cache:
                self._conversations.popitem(last=False)

    def _next_state(
        self, state: Conversation | None, reading: Reading, kind: str, answer: Answer, passages: list[Passage], retriever: Retriever
    ) -> Conversation:
        """The conversation after `answer`: its cited articles and the names its first sentence gives."""
        cited = [] if answer.refused else answer.citations
        story_of = {p.doc_id: p.story_id for p in passages}
        story_ids = []
        for c in cited:
            story = story_of.get(c.doc_id)
            if story is None:
                chunks = retriever.article(c.doc_id)
                story = chunks[0].metadata.get("story_id", c.doc_id) if chunks else c.doc_id
            story_ids.append(story)
        first = ""
        if not answer.refused:
            text = strip_markers(answer.text.split("\n\n")[0])
            spans = split_sentences(text)
            first = text[spans[0][0] : spans[0][1]] if spans else text
        names, people = self._names(first)
        # The people the question named count too: "Who is Igor Konashenkov?" is about him,
        # whatever else its answer names.
        people += [n for n in self._names(re_capitalised(reading.standalone))[1] if n not in people]
        turn = turn_of(reading, kind, names, people, [c.doc_id for c in cited], story_ids, [c.title for c in cited])
        return extend(state, turn, reading, self.settings.conversation_turns)

    def _names(self, sentence: str) -> tuple[list[str], list[str]]:
        """(names, people) of an answer's sentence: spaCy's entities when the tagger is
        installed, else capitalised names (people then unknown: all names may be)."""
        if not sentence:
            return [], []
        from assistant.entities import tagger_for

        tagged = tagger_for(self.settings.ner_model, self.settings.entity_cache_size).entities([sentence])
        if tagged is None:
            found = names_in(sentence)
            return found, found
        kept = [(text, label) for text, label in tagged[0] if label in ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT")]
        return [t for t, _ in kept], [t for t, label in kept if label == "PERSON"]

    # --- the reading model ---------------------------------------------------------------------

    @property
    def llm(self):
        """The reading model, loaded on first use (None for extractive)."""
        if self.settings.llm == "extractive":
            return None
        with self._llm_load_lock:
            if self._llm is None:
                from assistant.generative.llm import make_llm

                self._llm = make_llm(self.settings.reader)
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

    # --- the public calls ----------------------------------------------------------------------

    def retrieve(
        self,
        question: str,
        history: Sequence[str] | None = None,
        as_of: Any = None,
        since: Any = None,
        until: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        conversation: Any = None,
    ) -> list[Passage]:
        """The passages an answer to `question` would be drawn from."""
        retriever = self._retriever()
        req = self.request(question, history, as_of, since, until, sources, conversation, retriever)
        return self._search(req, retriever, self._check_k(k))

    def answer(
        self,
        question: str,
        history: Sequence[str] | None = None,
        as_of: Any = None,
        since: Any = None,
        until: Any = None,
        k: int | None = None,
        sources: Sequence[str] | None = None,
        conversation: Any = None,
    ) -> Answer:
        """Answer `question` from the index, citing a verbatim passage for every sentence.

        `history` lists the earlier user questions of the conversation, oldest first, and
        `conversation` is the state the previous answer returned (`Answer.conversation`, or
        its `to_dict()`); either lets a follow-up ("What did he say?") be read against what
        the conversation was about. `as_of` (a date) hides articles published after it, as
        do `until`; `since` hides older ones; `sources` (outlet names) keeps only articles
        from those outlets.
        """
        *_, result = self.stream(question, history, as_of, since, until, k, sources, conversation)
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
        conversation: Any = None,
    ) -> Iterator[Progress | Answer]:
        """`answer`, step by step: `Progress` items as the work goes on, then the `Answer`.

        Bad input raises before anything is yielded.
        """
        # The cheap checks first, so a bad question is reported before a missing index.
        self.check_question(question)
        self._scope(as_of, since, until, sources)
        as_conversation(conversation)
        k = self._check_k(k)
        started = time.perf_counter()
        retriever = self._retriever()
        req = self.request(question, history, as_of, since, until, sources, conversation, retriever)
        passages: list[Passage] = []
        for event in self._steps(req, retriever, k, started):
            if isinstance(event, Progress) and event.stage == "reading":
                passages = event.passages
            if isinstance(event, Answer):
                answer = self._finish(event, req, retriever, passages)
                self._remember(
                    self._state_key([*self._history(history), req.question], req.as_of, self._scope(as_of, since, until, sources)[1]), answer.conversation
                )
                yield answer
            elif event.answer is not None:
                yield replace(event, answer=_with_reports(event.answer, retriever))
            else:
                yield event

    # --- the steps -------------------------------------------------------------------------------

    def _steps(self, req: Request, retriever: Retriever, k: int | None, started: float) -> Iterator[Progress | Answer]:
        self.load_llm_in_background()
        # --- follow: "what's new (since ...)" is answered from the new articles (assistant/follow/whatsnew.py) ---
        from assistant.follow.whatsnew import answer_whats_new, asks_whats_new

        if asks_whats_new(req.question):
            yield Progress("searching", self.templates.progress_searching.substitute(question=req.question))
            yield answer_whats_new(req.question, retriever, self.settings, self.templates)
            return
        # --- end follow ---
        if req.intent.kind == "changes":
            changes = yield from self._changes(req, retriever, k, started)
            if changes is not None:
                yield changes
                return
        if req.intent.kind == "timeline":
            timeline = yield from self._timeline(req, retriever, started)
            if timeline is not None:
                yield timeline
                return
        yield Progress("searching", self.templates.progress_searching.substitute(question=req.standalone))
        passages = self._search(req, retriever, k)
        found = time.perf_counter()
        yield self._reading(passages)
        extractor = self._extractor(retriever)
        ranking = extractor.rank(req.standalone, passages)
        extractive = extractor.answer(req.question, req.standalone, passages, req.as_of, ranking=ranking)
        extractive = replace(extractive, seconds={"retrieve": round(found - started, 3), "extract": round(time.perf_counter() - found, 3)})
        refusal = None  # the first search's refusal, while a rewording's answer awaits the model
        if extractive.refused and self.settings.llm != "extractive" and self.settings.reader_reword:
            reworded = yield from self._reword(req, retriever, extractor, k, passages)
            if reworded is not None and not reworded[1].refused:
                refusal = replace(extractive, reworded_question=reworded[1].reworded_question)
                ranking, extractive = reworded[0], replace(reworded[1], seconds={**extractive.seconds, **reworded[1].seconds})
            elif reworded is not None:
                extractive = replace(extractive, reworded_question=reworded[1].reworded_question)
        if self.settings.llm == "extractive" or not ranking.sentences or (extractive.refused and not self._judged_by_reader(req, extractor, passages)):
            yield extractive
            return
        yield from self._read(req, ranking, extractive, refusal)

    def _judged_by_reader(self, req: Request, extractor: Any, passages: list[Passage]) -> bool:
        """Whether the model reads a question the refusal rule refused: the rule counts
        words, and a question in other words than the articles' is refused by it. The model
        judges the meaning (it answers from an excerpt in its fixed form, or gives the
        refusal sentence) and its answer is checked as any other; the refusal stands unless
        it holds. Not read: a question whose names or numbers no passage holds (those have
        no synonyms: it is about something the articles do not report)."""
        if self.settings.reader_when_refused:
            return True
        if not self.settings.reader_judges_refusals:
            return False
        unfound = extractor.unfound(req.standalone, passages)
        log.debug("refused %r; names and numbers no passage holds: %s", req.standalone, unfound)
        return not unfound

    def _extractor(self, retriever: Retriever):
        from assistant.answer import Extractor
        from assistant.entities import tagger_for

        return Extractor(
            self.settings.ranking,
            self.templates,
            retriever.sentence_vectors,  # the injection guard's vectors of these sentences (assistant/injection.py)
            retriever.idf,
            tagger_for(self.settings.ner_model, self.settings.entity_cache_size).entities,
        )

    def _search(self, req: Request, retriever: Retriever, k: int | None) -> list[Passage]:
        return self._search_passages(req.reading, req.scope, k, req.prefer, retriever)

    def _search_passages(self, reading: Reading, scope: Scope, k: int | None, prefer: TimePreference, retriever: Retriever) -> list[Passage]:
        """Step 3: the passages for a reading; a follow-up's search goes wider and puts the
        passages of the story in focus first (weighted by `focus_weight`)."""
        focus = reading.focus
        k = k or self.settings.top_k
        if focus is None or not (focus.story_ids or focus.doc_ids) or self.settings.focus_weight <= 0:
            return retriever.retrieve(reading.standalone, scope, k, prefer)
        wide = retriever.retrieve(reading.standalone, scope, k * self.settings.focus_widen, prefer)
        stories, docs = set(focus.story_ids), set(focus.doc_ids)

        def weight(p: Passage) -> float:
            return p.score * (1.0 + self.settings.focus_weight) if (p.story_id in stories or p.doc_id in docs) else p.score

        return sorted(wide, key=lambda p: -weight(p))[:k]

    def _read(self, req: Request, ranking: Any, extractive: Answer, refusal: Answer | None) -> Iterator[Progress | Answer]:
        """Step 6: the model's checked short answer (the quoted answer shown meanwhile)."""
        from assistant.generative.llm import LLMUnavailable
        from assistant.generative.reader import Reader

        try:
            llm = self.llm
        except LLMUnavailable as exc:
            yield replace(extractive, notice=f"{exc} This answer quotes the articles instead.")
            return
        # The quoted answer is shown at once; the model's checked answer replaces it. Not so for
        # a rewording's quotes: they stand only if the model answers from them (below).
        preview = best_sentence(extractive, self.templates) if refusal is None and not extractive.refused else None
        yield Progress("checking", self.templates.progress_checking.substitute(), answer=preview)
        reader = Reader(self.settings, self.templates, llm, self.settings.llm, self._llm_run_lock, self._excerpt_memory)
        answer = reader.read(req.question, req.standalone, ranking.sentences, req.as_of, extractive, req.earlier)
        yield answer if refusal is None else confirmed_by_reader(refusal, answer)

    def _finish(self, answer: Answer, req: Request, retriever: Retriever, passages: list[Passage]) -> Answer:
        """Step 7: disagreements, each citation's reports, and the conversation after it."""
        if not (answer.changes or answer.timeline):
            # The cited articles' other versions too: retrieval keeps one of near-identical copies.
            versions = [v for doc in dict.fromkeys(c.doc_id for c in answer.citations) for v in retriever.other_versions(doc)]
            answer = rendered(with_disagreements(answer, passages + versions, self.settings.news), self.templates)
        answer = _with_reports(answer, retriever)
        kind = "changes" if answer.changes else "timeline" if answer.timeline else req.intent.kind
        conversation = self._next_state(req.conversation, req.reading, kind, answer, passages, retriever)
        return replace(
            answer,
            read_as=req.standalone if req.reading.rewritten else "",
            intent=kind,
            conversation=conversation,
        )

    def _reword(self, req: Request, retriever: Retriever, extractor: Any, k: int | None, passages: list[Passage]) -> Iterator[Progress]:
        """Step 5: a refused question searched again in a news report's words, as the model
        rewords it ("halted funding" -> "suspended funding"). The refusal rule judges the new
        passages as it judged the first ones, so a question the articles do not cover stays
        refused. Returns the new (ranking, extractive answer), or None when the model gave no
        usable rewording.

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
        reading = replace(req.reading, standalone=reworded)
        found = self._search_passages(reading, req.scope, k, self._preference(reworded, req.as_of, req.reference), retriever)
        yield self._reading(found)
        ranking = extractor.rank(reworded, found)
        if extractor.uncovered(reworded, found) < extractor.uncovered(req.standalone, passages):
            extractive = extractor.answer(req.question, reworded, found, req.as_of, ranking=ranking)
        else:
            extractive = extractor.refusal(req.question, reworded, ranking.sentences, req.as_of)
        log.debug("reworded %r as %r: %s", req.standalone, reworded, "refused" if extractive.refused else "answered")
        seconds = {"reword": round(time.perf_counter() - started, 3)}
        return ranking, replace(extractive, standalone_question=req.standalone, reworded_question=reworded, seconds=seconds)

    def _changes(self, req: Request, retriever: Retriever, k: int | None, started: float) -> Iterator[Progress | Answer]:
        """A question about how a story changed: the story in focus of a follow-up ("what
        changed since?"), else the story of the best passage for its topic, compared version
        by version. Returns None (after its progress) when nothing matches, so the question
        is answered as any other."""
        topic = topic_of(req.standalone)
        yield Progress("searching", self.templates.progress_searching.substitute(question=topic))
        focus = req.reading.focus
        if focus is not None and focus.story_ids:
            story, top = focus.story_ids[0], None
        else:
            passages = retriever.retrieve(topic, req.scope, k, self._preference(topic, req.as_of, req.reference))
            if not passages:
                return None
            yield self._reading(passages)
            story, top = passages[0].story_id, passages[0]
        # The older versions are what the question compares with, whatever its `since`.
        versions = retriever.story_versions(story, replace(req.scope, since=None))
        as_of = req.as_of.isoformat() if req.as_of else ""
        seconds = {"retrieve": round(time.perf_counter() - started, 3)}
        if len(versions) < 2:
            if not versions:
                return None
            info = versions[0][0]
            title, date = (top.title or top.doc_id, top.published_at) if top is not None else (info.title or info.doc_id, info.published_at)
            one = self.templates.one_version.substitute(title=title, date=dated(date))
            return Answer(req.question, one, False, standalone_question=req.standalone, as_of=as_of, seconds=seconds)
        story_diff = story_changes(versions, self.settings.news, since=since_day(req.standalone, req.reference), latest_only=wants_latest(req.standalone))
        body, citations = changes_text(story_diff, self.templates, self.settings.news)
        layout = Layout(body=body)
        seconds["changes"] = round(time.perf_counter() - started - seconds["retrieve"], 3)
        text = write(layout, citations, self.templates)
        return Answer(req.question, text, False, citations, req.standalone, as_of, changes=story_diff, seconds=seconds, layout=layout)

    def _timeline(self, req: Request, retriever: Retriever, started: float) -> Iterator[Progress | Answer]:
        """ "Timeline of X": the dated events of the coverage of X, oldest first, nothing
        after `as_of`. Returns None (after its progress) when the coverage names no event,
        so the question is answered as any other."""
        # A timeline asked in the fixed phrasings names its topic after them; one asked in any
        # other words is about what is left when the words that ask for a timeline are gone.
        topic = timeline_topic(req.standalone) if req.intent.judged_by == "rules" else topic_words(req.standalone, "timeline")
        focus = req.reading.focus
        if focus is not None and req.reading.how == "topic":
            # "Give me a timeline of it": of what the thread is about, by its names when it has them.
            topic = " ".join(names_in(focus.topic)) or focus.topic or topic
        yield Progress("searching", self.templates.progress_searching.substitute(question=topic))
        reading = replace(req.reading, standalone=topic)
        passages = self._search_passages(reading, req.scope, self.settings.timeline_passages, self._preference(topic, req.as_of, req.reference), retriever)
        yield self._reading(passages)
        events = timeline_events(topic, passages, self.settings, retriever.idf, since=since_day(req.standalone, req.reference), until=req.as_of)
        if not events:
            return None
        body, citations = timeline_text(timeline_title(req.standalone) if req.intent.judged_by == "rules" else topic, events, self.templates)
        layout = Layout(body=body)
        as_of = req.as_of.isoformat() if req.as_of else ""
        seconds = {"retrieve": round(time.perf_counter() - started, 3)}
        return Answer(
            req.question, write(layout, citations, self.templates), False, citations, req.standalone, as_of, timeline=events, seconds=seconds, layout=layout
        )

    def _reading(self, passages: list[Passage]) -> Progress:
        days = sorted(p.published_at for p in passages if p.published_at)
        message = self.templates.progress_reading.substitute(
            passages=len(passages),
            articles=len({p.doc_id for p in passages}),
            dates=f" published {days[0]} to {days[-1]}" if days else "",
        )
        return Progress("reading", message, passages=passages)


def re_capitalised(question: str) -> str:
    """A question with its follow-up context left out, as the entity tagger reads it best."""
    return question.split(" (", 1)[0]


def _with_reports(answer: Answer, retriever: Retriever) -> Answer:
    """The answer with each citation's reports: the articles of its story that carry the
    same passage (versions, reprints by other outlets), first report first."""
    if not answer.citations:
        return answer
    citations = [replace(c, reports=retriever.reports(c.doc_id, c.quote)) for c in answer.citations]
    extractive = _with_reports(answer.extractive, retriever) if answer.extractive is not None else None
    return replace(answer, citations=citations, extractive=extractive)
