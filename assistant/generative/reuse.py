"""What the reading model already read, kept for the next question.

llama.cpp does not read again the tokens a prompt shares at its start with what it last
read (its key-value cache keeps them). Two things make a follow-up share the most:

- `PromptStates`: the model's state after each of its last prompts, kept in memory within a
  budget (`llm_state_cache_mb`), so a prompt continues from whichever of them starts like it
  even when another prompt ran in between (rewriting a follow-up into a standalone question
  is one; another conversation's question is another).
- `ExcerptMemory` and `follow_up_order`: a follow-up's prompt starts with the excerpts the
  conversation's last prompt started with, as long as the follow-up's search found their
  articles again, and then shows its own best new excerpts. The model then reads only what
  is new.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from assistant.settings import ReaderSettings

if TYPE_CHECKING:
    from assistant.generative.reader import Excerpt

log = logging.getLogger(__name__)


def conversation_key(questions: Sequence[str]) -> tuple[str, ...]:
    """A conversation as the questions asked in it, oldest first (spacing aside)."""
    return tuple(" ".join(q.split()) for q in questions)


class ExcerptMemory:
    """The excerpts of the last prompt of each of the most recent `size` conversations."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._shown: OrderedDict[tuple[str, ...], list[Excerpt]] = OrderedDict()
        self._lock = threading.Lock()

    def previous(self, history: Sequence[str]) -> list[Excerpt]:
        """The excerpts the prompt of the conversation's last question showed ([] if none is known)."""
        key = conversation_key(history)
        with self._lock:
            shown = self._shown.get(key, [])
            if shown:
                self._shown.move_to_end(key)
            return list(shown)

    def remember(self, questions: Sequence[str], excerpts: list[Excerpt]) -> None:
        """Keep `excerpts` as what the prompt of the last of `questions` showed."""
        if self.size <= 0 or not excerpts:
            return
        with self._lock:
            self._shown[conversation_key(questions)] = list(excerpts)
            self._shown.move_to_end(conversation_key(questions))
            while len(self._shown) > self.size:
                self._shown.popitem(last=False)


def _shown_in(e: Excerpt, others: list[Excerpt]) -> bool:
    """Whether one of `others` already shows all of `e`: a span of its passage around it, or
    its very words (overlapping chunks hold the same sentences). An excerpt that shares
    only a sentence with one of them is shown: its other sentences may be the answer."""
    words = " ".join(e.text.split())
    return any((o.passage.chunk_id == e.passage.chunk_id and o.start <= e.start and e.end <= o.end) or words in " ".join(o.text.split()) for o in others)


def follow_up_order(selected: list[Excerpt], previous: list[Excerpt], ranked: Sequence[Any], limit: int, own: int) -> list[Excerpt]:
    """A follow-up's excerpts in the order that shares the longest start with the last prompt.

    The last prompt's excerpts come first, in their order and with their numbers, while the
    follow-up's search found their articles again (an article it did not find ends the run:
    what follows in the last prompt would no longer be at the same place), leaving room for
    `own` excerpts; then the follow-up's own best excerpts that these do not already show,
    up to `limit` excerpts in all, in the order `selected` gives them. With nothing to carry,
    `selected` is returned as it is.
    """
    found = {s.passage.doc_id for s in ranked}
    carried: list[Excerpt] = []
    for e in previous[: max(0, limit - own)]:
        if e.passage.doc_id not in found:
            break
        carried.append(e)
    if not carried:
        return selected
    new = [e for e in selected if not _shown_in(e, carried)]
    best = set(sorted(range(len(new)), key=lambda i: -new[i].score)[: limit - len(carried)])
    new = [e for i, e in enumerate(new) if i in best]
    # The follow-up's own excerpts keep their grouping by article, numbered after the carried ones.
    return carried + [replace(e, number=len(carried) + i + 1) for i, e in enumerate(new)]


def _state_cache_class():
    from llama_cpp.llama_cache import LlamaRAMCache

    class PromptStates(LlamaRAMCache):
        """llama-cpp-python's in-memory prompt cache, counting all it holds in its budget."""

        @property
        def cache_size(self) -> int:
            return sum(s.llama_state_size + s.scores.nbytes + s.input_ids.nbytes for s in self.cache_state.values())

    return PromptStates


def attach_prompt_states(llm: Any, settings: ReaderSettings) -> None:
    """Give a `LocalLLM` a `PromptStates` cache of `llm_state_cache_mb` (0: none).

    Without `logits_all`, llama-cpp-python samples inside llama.cpp and never reads its
    `scores` buffer (`n_batch` rows of the vocabulary: 300 MB for Qwen2.5), but
    `save_state` copies it and `load_state` writes all of it: 0.5 s and 13 s measured on a
    loaded 2-core machine, for a prompt the cache was to save seconds on. The buffer is cut
    to the one row those two methods need, which also keeps 300 MB out of the process.
    """
    model = getattr(llm, "llama", None)
    if model is None or settings.llm_state_cache_mb <= 0:
        return
    if not getattr(model, "_logits_all", True):
        import numpy as np

        model.scores = np.zeros((1, model.n_vocab()), dtype=np.single)
    model.set_cache(_state_cache_class()(capacity_bytes=int(settings.llm_state_cache_mb * 2**20)))
