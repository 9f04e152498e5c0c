"""Passages -> an answer written by a language model, with every sentence's citation checked.

The model sees numbered passages (article text as data between `<<<` and `>>>`) and is
asked to cite `[n]` after each sentence. Nothing it writes is trusted: each sentence must
cite a source that was given, and that source must contain the sentence's numbers, names
and most of its key terms (`support.support`). Sentences that fail are dropped and listed
in `Answer.unsupported`; an answer with no supported sentence is a refusal. Each citation
quotes, verbatim and with offsets, the sentence of the cited passage that backs the claim.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import replace

from assistant.answer import refusal_text, sources_line, split_sentences
from assistant.templates import Templates
from assistant.settings import Settings
from assistant.support import key_items, support
from assistant.types import Answer, Citation, Passage, Progress

log = logging.getLogger(__name__)

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-Z0-9])")
# Text in an article that speaks to an assistant rather than to readers.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:instructions?|rules|prompts?|guidelines)\b"
    r"|\b(?:system prompt|you are now|as an ai\b|reply only with|respond only with|answer only with)",
    re.IGNORECASE,
)
_DELIMITERS = re.compile(r"<<<|>>>")
REMOVED = "[text addressed to an AI assistant removed]"


def neutralize(text: str) -> str:
    """Article text made safe to show a model: instruction-like sentences replaced, and the
    `<<<`/`>>>` marks that fence each source removed, so an article cannot close its fence."""
    out = []
    for a, b in split_sentences(text):
        sentence = text[a:b]
        out.append((a, b, REMOVED if _INSTRUCTION.search(sentence) else sentence))
    pieces, cursor = [], 0
    for a, b, sentence in out:
        pieces.append(text[cursor:a] + sentence)
        cursor = b
    pieces.append(text[cursor:])
    return _DELIMITERS.sub(" ", "".join(pieces))


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    stop = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: stop + 1] if stop > limit // 2 else cut.rsplit(" ", 1)[0]) + " …"


def written_sentences(text: str) -> list[tuple[str, list[int]]]:
    """A model's answer as (sentence without markers, cited numbers), in order."""
    flat = " ".join(text.split())
    # "… strikes. [1]" and "… strikes [1]." both mean sentence + citation.
    flat = _MARKERS_AFTER_STOP.sub(lambda m: m.group(2) + m.group(1), flat)
    out = []
    for piece in _SENTENCE_BREAK.split(flat):
        numbers = [int(n) for group in _MARKERS.findall(piece) for n in group.split(",")]
        sentence = _MARKERS.sub("", piece).strip()
        if sentence:
            out.append((sentence, list(dict.fromkeys(numbers))))
    return out


class Writer:
    """Generative answers from one llama-index LLM."""

    def __init__(self, settings: Settings, templates: Templates, llm, backend: str) -> None:
        self.settings = settings
        self.templates = templates
        self.llm = llm
        self.backend = backend

    def shown(self, passages: list[Passage]) -> list[str]:
        """The text of each passage as the model sees it (and as the checker checks it)."""
        return [_clip(neutralize(p.text), self.settings.llm_passage_chars) for p in passages]

    def messages(self, question: str, passages: list[Passage], as_of: dt.date | None) -> list:
        from llama_index.core.llms import ChatMessage, MessageRole

        texts = self.shown(passages)
        sources = "\n\n".join(
            self.templates.llm_source.substitute(
                number=i, title=_DELIMITERS.sub(" ", p.title or p.doc_id), source=p.source or "unknown outlet",
                date=p.published_at or "date unknown", text=text,
            )
            for i, (p, text) in enumerate(zip(passages, texts), start=1)
        )
        newest = max((p.published_at for p in passages if p.published_at), default="")
        date = as_of.isoformat() if as_of else (newest or "an unknown date")
        return [
            ChatMessage(role=MessageRole.SYSTEM, content=self.templates.llm_system.substitute(refusal=self.templates.llm_refusal.substitute())),
            ChatMessage(role=MessageRole.USER, content=self.templates.llm_answer.substitute(sources=sources, question=question, date=date)),
        ]

    def stream(self, question: str, standalone: str, passages: list[Passage], as_of: dt.date | None, fallback: Answer) -> Iterator[Progress | Answer]:
        """Progress with the text written so far, then the checked Answer. If the model
        fails, the extractive `fallback` with a notice saying why."""
        written = ""
        try:
            for chunk in self.llm.stream_chat(self.messages(standalone, passages, as_of)):
                written += chunk.delta or ""
                yield Progress("writing", "Writing the answer…", text=written)
        except Exception as exc:  # connection refused, timeout, server error: all the same to a user
            log.warning("language model failed: %s", exc)
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            yield replace(fallback, notice=f"The language model could not answer ({reason}); this answer quotes the articles instead.")
            return
        yield self.check(written, question, standalone, passages, as_of)

    def check(self, written: str, question: str, standalone: str, passages: list[Passage], as_of: dt.date | None) -> Answer:
        """Keep the written sentences their citations back; cite the passage sentence that backs each."""
        base = dict(question=question, standalone_question=standalone, as_of=as_of.isoformat() if as_of else "", backend=self.backend)
        if is_model_refusal(written, self.templates):
            # The model did as told: the articles do not answer. That is a plain refusal, not a failed check.
            return Answer(text=self._refusal(as_of), refused=True, **base)
        shown = self.shown(passages)
        citations: list[Citation] = []
        number_of: dict[tuple[int, int], int] = {}  # (passage, sentence start) -> citation number
        kept: list[str] = []
        unsupported: list[str] = []
        for sentence, numbers in written_sentences(written):
            if not numbers:
                unsupported.append(f"{sentence} (no citation)")
                continue
            bad = [n for n in numbers if not 1 <= n <= len(passages)]
            if bad:
                unsupported.append(f"{sentence} (cites [{', '.join(map(str, bad))}], which was not given)")
                continue
            ok, why = support(sentence, " ".join(shown[n - 1] for n in numbers), self.settings.llm_min_support)
            if not ok:
                unsupported.append(f"{sentence} ({why})")
                continue
            marks = []
            for n in numbers:
                quote = self._quote(sentence, passages[n - 1])
                if quote is None:
                    continue
                key = (n, quote[0])
                if key not in number_of:
                    p = passages[n - 1]
                    start, end = p.source_span(*quote)
                    number_of[key] = len(citations) + 1
                    citations.append(Citation(
                        number=number_of[key], doc_id=p.doc_id, title=p.title, source=p.source, url=p.url,
                        published_at=p.published_at, quote=p.text[quote[0]:quote[1]], start=start, end=end, score=round(p.score, 4),
                    ))
                marks.append(number_of[key])
            if not marks:
                unsupported.append(f"{sentence} (no sentence of the cited passage backs it)")
                continue
            kept.append(f"{sentence} [{', '.join(map(str, sorted(set(marks))))}]")
        if not kept:
            return Answer(text=self._refusal(as_of), refused=True, unsupported=unsupported,
                          notice="The language model's answer was not backed by the articles, so it is not shown." if unsupported else "", **base)
        text = self.templates.answer.substitute(sentences=" ".join(kept), sources=sources_line(citations, self.templates))
        return Answer(text=text, refused=False, citations=citations, unsupported=unsupported, **base)

    def _refusal(self, as_of: dt.date | None) -> str:
        return refusal_text(self.templates, as_of)

    def _quote(self, sentence: str, passage: Passage) -> tuple[int, int] | None:
        """The passage sentence sharing most key terms with `sentence` (instruction-like ones excluded)."""
        want = key_items(sentence)
        best, best_overlap = None, 0
        for a, b in split_sentences(passage.text):
            text = passage.text[a:b]
            if _INSTRUCTION.search(text):
                continue
            overlap = len(want & key_items(text))
            if overlap > best_overlap:
                best, best_overlap = (a, b), overlap
        return best


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _MARKERS.sub(" ", text).lower())


def is_model_refusal(written: str, templates: Templates) -> bool:
    """Whether the model answered with the refusal it was told to give (markers, quotes,
    case and a trailing word or two of its own aside: "The articles do not cover this question [1].")."""
    said, told = _words(written), _words(templates.llm_refusal.substitute())
    return bool(told) and said[: len(told)] == told and len(said) <= len(told) + 3


def condense_with_llm(llm, templates: Templates, question: str, history: list[str], limit: int) -> str | None:
    """A standalone version of a follow-up, written by the model; None if it gives nothing usable."""
    from llama_index.core.llms import ChatMessage, MessageRole

    prompt = templates.llm_condense.substitute(history="\n".join(f"- {h}" for h in history), question=question)
    try:
        reply = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content or ""
    except Exception as exc:
        log.warning("language model failed to condense the question: %s", exc)
        return None
    lines = [line.strip().strip('"“”') for line in reply.strip().splitlines() if line.strip()]
    rewritten = lines[0] if lines else ""
    if not rewritten or len(rewritten) > limit or not any(ch.isalpha() for ch in rewritten):
        return None
    return rewritten
