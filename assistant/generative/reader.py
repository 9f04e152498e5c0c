"""Ranked sentences -> a short answer read by a language model, checked before anyone sees it.

The model does not see whole passages. It sees a few numbered excerpts: the sentences the
extractive ranker put first, each with its neighbours, under its article's title, outlet
and date. That keeps the prompt to a few hundred tokens, which a 1.5 B model on two cores
reads in seconds, while the fixed instructions before it stay in the model's cache.

It is asked for one short sentence that starts with the answer and cites an excerpt, or
for the refusal sentence when no excerpt answers. Nothing it writes is trusted: the names
and numbers it adds to the question must stand verbatim in the excerpt it cites (a name
is rewritten to the excerpt's full form), and the quote shown under the answer is the
excerpt's sentence that holds them (`support.check_short_answer`). An answer that fails
is dropped and the quoted (extractive) answer stands; a refusal offers the closest
coverage instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace

from assistant.citations import cite, closest_coverage, refusal_text
from assistant.compose import write
from assistant.generative.reuse import ExcerptMemory, follow_up_order
from assistant.intent import asked_role, expected_type, has_type, is_yes_no
from assistant.settings import ReaderSettings, Settings
from assistant.support import answer_items, check_short_answer, has_role, name_runs, numbers_in, titled_names
from assistant.templates import Templates
from assistant.text import CITATION_MARKER, STOPWORDS, marker_numbers, split_sentences, strip_markers
from assistant.types import Answer, Citation, Layout, Passage

log = logging.getLogger(__name__)

_MARKERS_AFTER_STOP = re.compile(rf"([.!?])((?:{CITATION_MARKER.pattern})+)")
# Text in an article that speaks to an assistant rather than to readers. Passages reach the reader with
# such lines, in any wording, already blanked by the retriever's guard (assistant/injection.py); this one
# phrase pattern stays only as a last check for passages built elsewhere.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:instructions?|rules|prompts?|guidelines)\b"
    r"|\b(?:system prompt|you are now|as an ai\b|reply only with|respond only with|answer only with)",
    re.IGNORECASE,
)


def written_sentences(text: str) -> list[tuple[str, list[int]]]:
    """A model's reply as (sentence without markers, cited numbers), in order."""
    flat = " ".join(text.split())
    # "… strikes. [1]" and "… strikes [1]." both mean sentence + citation.
    flat = _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), flat)
    out = []
    for a, b in split_sentences(flat):
        piece = flat[a:b]
        numbers = [n for group in CITATION_MARKER.findall(piece) for n in marker_numbers(group)]
        sentence = strip_markers(piece).strip()
        if sentence:
            out.append((sentence, list(dict.fromkeys(numbers))))
    return out


_VERDICT = re.compile(r"^\s*(yes|no)\b[\s,.;:!–—-]*", re.IGNORECASE)


def split_verdict(sentence: str) -> tuple[str, str]:
    """("Yes" or "No", the reason) of a reply to a yes-or-no question, ("", sentence) when it
    gives no verdict: the reason is checked as any answer; the verdict is the model's reading of it."""
    m = _VERDICT.match(sentence)
    if not m or not sentence[m.end() :].strip():
        return "", sentence
    reason = sentence[m.end() :].strip()
    return m.group(1).capitalize(), reason[:1].upper() + reason[1:]


def with_verdict(verdict: str, reason: str) -> str:
    """ "Yes, the Pentagon said …" and "No, Russia denied …": a first word that is not a name goes lower case."""
    if not verdict:
        return reason
    first = reason.split(" ", 1)[0]
    return f"{verdict}, {reason[:1].lower() + reason[1:] if first.lower() in STOPWORDS else reason}"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", strip_markers(text).lower())


def is_model_refusal(written: str, templates: Templates) -> bool:
    """Whether the model replied with the refusal it was told to give (markers, quotes, case
    and a trailing word or two of its own aside: "The articles do not cover this question [1].")."""
    said, told = _words(written), _words(templates.llm_refusal.substitute())
    return bool(told) and said[: len(told)] == told and len(said) <= len(told) + 3


@dataclass(frozen=True)
class Excerpt:
    """A numbered excerpt shown to the model: `passage.text[start:end]`, whole sentences."""

    number: int
    passage: Passage
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]

    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of its sentences, in passage offsets."""
        return [(self.start + a, self.start + b) for a, b in split_sentences(self.text)]


def select_excerpts(ranked: list, settings: ReaderSettings, question: str = "") -> list[Excerpt]:
    """The best-ranked sentences with their neighbours, as at most `reader_excerpts` excerpts.

    A sentence inside an excerpt already chosen adds nothing; the sentence before comes
    first (it often names who "he" or "the company" is), then the one after, while the
    excerpt fits `reader_excerpt_chars`. A ranked sentence often sets the scene and its
    neighbour names the answer ("The Pentagon confirmed the strikes. President Joe Biden
    ordered them."): when the ranked sentence names nothing of the kind `question` asks for
    and a neighbour does, that neighbour may take the excerpt to `reader_answer_excerpt_chars`.
    Sentences that speak to an AI are never shown.
    """
    kind = expected_type(question) if question else "other"
    spans_of: dict[str, list[tuple[int, int]]] = {}
    chosen: list[Excerpt] = []
    for s in ranked:
        if len(chosen) >= settings.reader_excerpts:
            break
        p = s.passage
        if INSTRUCTION.search(s.text) or any(e.passage.chunk_id == p.chunk_id and e.start <= s.start and s.end <= e.end for e in chosen):
            continue
        spans = spans_of.setdefault(p.chunk_id, split_sentences(p.text))
        at = next((i for i, (a, b) in enumerate(spans) if a <= s.start < b), None)
        if at is None:
            continue
        lo = hi = at
        typed = kind != "other" and has_type(s.text, kind, question)
        neighbours = [(j, p.text[spans[j][0] : spans[j][1]]) for j in (at - 1, at + 1) if 0 <= j < len(spans)]
        names_answer = {j for j, text in neighbours if kind != "other" and not typed and has_type(text, kind, question)}
        for j, text in sorted(neighbours, key=lambda n: n[0] not in names_answer):
            if not INSTRUCTION.search(text):
                a, b = min(spans[lo][0], spans[j][0]), max(spans[hi][1], spans[j][1])
                if b - a <= (settings.reader_answer_excerpt_chars if j in names_answer else settings.reader_excerpt_chars):
                    lo, hi = min(lo, j), max(hi, j)
        start, end = spans[lo][0], spans[hi][1]
        # A neighbour already shown elsewhere is shown once: trim overlaps with earlier excerpts.
        for e in chosen:
            if e.passage.chunk_id == p.chunk_id and e.start < end and start < e.end:
                start, end = s.start, s.end
        chosen.append(Excerpt(len(chosen) + 1, p, start, end, s.score))
    return _by_article(chosen)


def _by_article(excerpts: list[Excerpt]) -> list[Excerpt]:
    """The excerpts grouped by article, the article of the best one first, and numbered in
    that order: each article's title, outlet and date are then written once in the prompt
    (about a fifth of its tokens when several excerpts share an article)."""
    groups: dict[str, list[Excerpt]] = {}
    for e in excerpts:
        groups.setdefault(e.passage.doc_id, []).append(e)
    ordered = [e for group in groups.values() for e in group]
    return [replace(e, number=i + 1) for i, e in enumerate(ordered)]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


class Reader:
    """Short answers from one llama-index LLM (the in-process GGUF model or an OpenAI-compatible server)."""

    def __init__(
        self, settings: Settings, templates: Templates, llm, backend: str, lock: threading.Lock | None = None, memory: ExcerptMemory | None = None
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.llm = llm
        self.backend = backend
        # An in-process model runs one prompt at a time; a server queues on its own.
        self.lock = lock
        # The excerpts of each conversation's last prompt, which a follow-up's prompt starts with.
        self.memory = memory

    def arrange(self, excerpts: list[Excerpt], ranked: list, question: str, history: Sequence[str]) -> list[Excerpt]:
        """The excerpts in the order the model reads them: a follow-up's start with those of
        the conversation's last prompt (`reuse.follow_up_order`), which the model has read
        already. Remembers them for the conversation's next question."""
        if self.memory is None:
            return excerpts
        if history:
            s = self.settings
            excerpts = follow_up_order(excerpts, self.memory.previous(history), ranked, s.reader_follow_up_excerpts, s.reader_follow_up_new_excerpts)
        self.memory.remember([*history, question], excerpts)
        return excerpts

    def messages(self, question: str, excerpts: list[Excerpt], as_of: dt.date | None) -> list:
        from assistant.generative.llm import ChatMessage, MessageRole

        parts = []
        for i, e in enumerate(excerpts):
            if i == 0 or e.passage.doc_id != excerpts[i - 1].passage.doc_id:
                parts.append(
                    self.templates.llm_article.substitute(
                        title=_clip(" ".join((e.passage.title or e.passage.doc_id).split()), self.settings.reader_title_chars),
                        source=e.passage.source or "unknown outlet",
                        date=e.passage.published_at or "date unknown",
                    )
                )
            parts.append(self.templates.llm_source.substitute(number=e.number, text=" ".join(e.text.split())))
        shown = "\n".join(parts)
        newest = max((e.passage.published_at for e in excerpts if e.passage.published_at), default="")
        date = as_of.isoformat() if as_of else (newest or "unknown")
        return [
            # The system message is the same for every question, so the model keeps it cached.
            ChatMessage(role=MessageRole.SYSTEM, content=self.templates.llm_system.substitute(refusal=self.templates.llm_refusal.substitute())),
            ChatMessage(role=MessageRole.USER, content=self.templates.llm_answer.substitute(sources=shown, question=question, date=date)),
        ]

    def read(self, question: str, standalone: str, ranked: list, as_of: dt.date | None, extractive: Answer, history: Sequence[str] = ()) -> Answer:
        """The checked short answer, or `extractive` (with the reason) when the model fails or its answer does not hold.

        `history`: the conversation's earlier questions, oldest first (a follow-up's prompt starts as the last one did)."""
        excerpts = select_excerpts(ranked, self.settings.reader, standalone)
        if not excerpts:
            return extractive
        excerpts = self.arrange(excerpts, ranked, question, history)
        started = time.perf_counter()
        try:
            with self.lock or nullcontext():
                reply = self.llm.chat(self.messages(standalone, excerpts, as_of)).message.content or ""
        except Exception as exc:  # connection refused, timeout, server error: all the same to a user
            log.warning("language model failed: %s", exc)
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            return replace(
                extractive,
                extractive=extractive,
                reading="failed",
                notice=f"The language model could not answer ({reason}); this answer quotes the articles instead.",
            )
        seconds = {**extractive.seconds, "read": round(time.perf_counter() - started, 3)}
        log.debug("reader reply %r", reply)
        answer = self.check(reply, question, standalone, excerpts, as_of, extractive, ranked)
        return replace(answer, seconds=seconds, reworded_question=extractive.reworded_question)

    def check(
        self, reply: str, question: str, standalone: str, excerpts: list[Excerpt], as_of: dt.date | None, extractive: Answer, ranked: list | None = None
    ) -> Answer:
        """Turn the model's reply into the answer people see, keeping only what the excerpts back."""
        base = dict(
            question=question,
            standalone_question=standalone,
            as_of=as_of.isoformat() if as_of else "",
            backend=self.backend,
            extractive=extractive,
            evidence=extractive.evidence,
        )
        spans = [(s.passage, s.start, s.end, s.score) for s in ranked] if ranked else [(e.passage, e.start, e.end, e.score) for e in excerpts]
        if is_model_refusal(reply, self.templates):
            if not extractive.refused and not self.settings.reader_decline_refuses:
                # A small model says "not covered" too readily: where the ranker found sentences
                # that pass the refusal rule, they answer, and the user is told the model found no short answer.
                return replace(extractive, extractive=extractive, reading="declined", notice=self.templates.reader_declined.substitute())
            # The model did as told and the ranker agrees (or, with `reader_decline_refuses`, the
            # model's reading of the excerpts' meaning decides): a refusal offering the closest coverage.
            return Answer(
                text=refusal_text(self.templates, as_of),
                refused=True,
                reading="declined",
                closest=closest_coverage(spans, self.settings.closest_articles),
                **base,
            )
        written = written_sentences(reply)
        if not written:
            return replace(extractive, extractive=extractive, reading="dropped", unsupported=["(the model wrote nothing)"])
        sentence, numbers = written[0]
        # "Did Russia condemn the strikes?" -> "Yes, Russia strongly condemned them [1]": the
        # reason must hold like any answer; the verdict goes in front of it, as the model wrote it.
        verdict, sentence = split_verdict(sentence) if is_yes_no(standalone) else ("", sentence)
        # After "Yes" the reason may say again what was asked ("Yes, Biden ordered the
        # strikes"): then all of it, names included, must be the excerpt's, not only what it adds.
        asked = "" if verdict == "Yes" else standalone
        by_number = {e.number: e for e in excerpts}
        # The excerpts it cites first; if it cited none that holds the answer, any excerpt that does.
        order = [by_number[n] for n in numbers if n in by_number] + [e for e in excerpts if e.number not in numbers]
        why = "it cites no excerpt" if not numbers else f"cites [{', '.join(map(str, numbers))}]"
        ranked_first = extractive.citations[0].quote if extractive.citations and not extractive.refused else ""
        kind = expected_type(standalone)
        # "Which spokeswoman…": the answer must be someone the excerpts give that title, where they give it to anyone.
        role = asked_role(standalone)
        titled = {n for e in excerpts for n in titled_names(role, e.text)} if role else set()
        for excerpt in order:
            ok, reason, fixed = check_short_answer(
                sentence, excerpt.text, asked, self.settings.llm_min_support, ranked_first, context=excerpt.passage.text, kind=kind
            )
            if ok and titled and not has_role(fixed, standalone, role, titled):
                ok, reason = False, f"the excerpts call {', '.join(sorted(titled))} the {role}"
            if ok:
                quote = self._quote(fixed, asked, excerpt)
                if quote is not None:
                    return self._compose(with_verdict(verdict, fixed), excerpt, quote, extractive, as_of, base)
                reason = "no one sentence of the excerpt holds it"
            if excerpt.number in numbers:
                why = reason
        dropped = f"{sentence} ({why})"
        if extractive.refused:
            return Answer(text=extractive.text, refused=True, closest=extractive.closest, unsupported=[dropped], reading="dropped", **base)
        # An answer that is not the kind of thing asked (no amount for "how much"): the user is
        # told the model found no short answer, and the quotes say what the articles do say.
        wrong_kind = why.startswith(("it gives no", "it names no"))
        notice = self.templates.reader_declined.substitute() if wrong_kind else extractive.notice
        return replace(extractive, extractive=extractive, reading="dropped", unsupported=[dropped], notice=notice)

    @staticmethod
    def _quote(answer: str, question: str, excerpt: Excerpt) -> tuple[int, int] | None:
        """The fewest neighbouring sentences of the excerpt holding every name and number the
        answer adds to the question: the quote that shows it is so."""
        names, numbers = answer_items(answer, question)
        sentences = excerpt.sentences()
        text = excerpt.passage.text
        best = None
        for i in range(len(sentences)):
            for j in range(i, len(sentences)):
                span = text[sentences[i][0] : sentences[j][1]]
                if all(n.lower() in span.lower() for n in names) and numbers <= numbers_in(span):
                    if best is None or j - i < best[1] - best[0]:
                        best = (i, j)
                    break
        if best is None:
            return None
        return sentences[best[0]][0], sentences[best[1]][1]

    def _compose(self, short: str, excerpt: Excerpt, quote: tuple[int, int], extractive: Answer, as_of: dt.date | None, base: dict) -> Answer:
        citations: list[Citation] = [cite(1, excerpt.passage, quote[0], quote[1], excerpt.score)]
        quotes = [f"“{citations[0].quote}” [1]"]
        # Then the quoted answer's best other sentences, as further evidence.
        for c in extractive.citations:
            if len(citations) > self.settings.reader_more_quotes:
                break
            if c.doc_id == citations[0].doc_id and c.start < citations[0].end and citations[0].start < c.end:
                continue
            citations.append(replace(c, number=len(citations) + 1))
            quotes.append(f"“{c.quote}” [{len(citations)}]")
        short = short.rstrip(" .") + " [1]."
        layout = Layout("read_answer", {"answer": short, "quotes": " ".join(quotes)})
        return Answer(text=write(layout, citations, self.templates), refused=False, citations=citations, reading="answered", layout=layout, **base)


def rewrite_with_llm(llm, prompt: str, original: str, limit: int, lock: threading.Lock | None = None, prefix: str = "") -> str | None:
    """The one question the model writes for `prompt` (the first line of its reply, without
    quotes or a leading `prefix` label such as "Rewritten question:"), or None when the model
    fails, writes nothing usable, something longer than `limit` or only `original` again."""
    from assistant.generative.llm import ChatMessage, MessageRole

    try:
        with lock or nullcontext():
            reply = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content or ""
    except Exception as exc:
        log.warning("language model failed to rewrite the question: %s", exc)
        return None
    lines = [line.strip().strip('"“”').strip() for line in reply.strip().splitlines() if line.strip()]
    rewritten = re.sub(rf"^(?:{prefix})\s*:\s*", "", lines[0], flags=re.IGNORECASE) if lines and prefix else (lines[0] if lines else "")
    if not rewritten or len(rewritten) > limit or not any(ch.isalpha() for ch in rewritten):
        return None
    if _plain(rewritten) == _plain(original):
        return None
    return rewritten


def condense_with_llm(llm, templates: Templates, question: str, history: list[str], limit: int, lock: threading.Lock | None = None) -> str | None:
    """A standalone version of a follow-up, written by the model; None if it gives nothing
    usable or names someone or some number that neither the question nor `history` (the
    conversation's earlier questions and what their answers named) does."""
    prompt = templates.llm_condense.substitute(history="\n".join(f"- {h}" for h in history), question=question)
    rewritten = rewrite_with_llm(llm, prompt, question, limit, lock, prefix="rewritten question|question")
    if rewritten is None or adds_facts(rewritten, " ".join([question, *history])):
        return None
    return rewritten


def _plain(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace(".", ""))) + " "


def adds_facts(rewritten: str, question: str) -> bool:
    """Whether a rewording states a name or number the question does not: a rewording
    that answers ("Which president, Joe Biden, …") would find passages by its own guess."""
    if numbers_in(rewritten) - numbers_in(question):
        return True
    asked = _plain(question)
    for start, end in name_runs(rewritten):
        name = rewritten[start:end]
        if start == 0 and " " not in name:
            continue  # the sentence's first word, capitalised as any first word is
        initials = "".join(w[0] for w in name.split() if w[:1].isupper()).lower()
        if _plain(name) not in asked and not (len(initials) > 1 and f" {initials} " in asked):  # "United Nations" for "UN"
            return True
    return False


def reword_with_llm(llm, templates: Templates, question: str, missing: list[str], limit: int, lock: threading.Lock | None = None) -> str | None:
    """The question in the words a news report would use ("authorised the air raids" ->
    "ordered the airstrikes"), written by the model, which is told the question's `missing`
    words (those the articles found lack); None if it gives nothing usable, only repeats
    the question or adds a name or number of its own."""
    prompt = templates.llm_reword.substitute(question=question, missing=", ".join(f"“{m}”" for m in missing))
    rewritten = rewrite_with_llm(llm, prompt, question, limit, lock, prefix="rewritten question|question")
    if rewritten is None or adds_facts(rewritten, question):
        log.debug("rewording %r of %r not used", rewritten, question)
        return None
    return rewritten
