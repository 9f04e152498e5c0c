"""The int8 ONNX and bf16 runtimes of the embedding model beside the fp32 one: close
vectors, never mixed in one index, and the same text embedded once."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from assistant import Assistant
from assistant.embedding import Embedder, choose_runtime
from assistant.settings import Settings
from tests.paths import CORPUS, ROOT

pytestmark = pytest.mark.integration

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def test_int8_vectors_point_where_the_fp32_ones_do():
    settings = Settings()
    texts = [(CORPUS / f).read_text()[:1200] for f in sorted(p.name for p in CORPUS.glob("*.txt"))] + ["Who ordered the strikes?"]
    int8 = Embedder(settings.embed_model, runtime="onnx-int8", cache_dir=settings.embed_cache_dir).embed(texts)
    fp32 = Embedder(settings.embed_model, runtime="torch").embed(texts)
    assert int8.shape == fp32.shape and np.allclose(np.linalg.norm(int8, axis=1), 1, atol=1e-4)
    cosines = (int8 * fp32).sum(axis=1)
    assert cosines.min() > 0.97, cosines
    # Ranking what is near what is kept: each text is nearest to itself across runtimes.
    assert (np.argmax(int8 @ fp32.T, axis=1) == np.arange(len(texts))).all()


def test_bf16_vectors_are_the_fp32_ones_and_questions_need_no_torch(tmp_path):
    settings = Settings()
    texts = [(CORPUS / f).read_text()[:1200] for f in sorted(p.name for p in CORPUS.glob("*.txt"))]
    bf16 = Embedder(settings.embed_model, runtime="bf16", cache_dir=settings.embed_cache_dir)
    fp32 = Embedder(settings.embed_model, runtime="torch")
    stored, reference = bf16.embed(texts), fp32.embed(texts)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1, atol=1e-5)
    assert (stored * reference).sum(axis=1).min() > 0.999
    # A question is embedded by the fp32 ONNX export, at the fp32 model's place.
    assert float(bf16.embed_query(QUESTION) @ fp32.embed_query(QUESTION)) > 0.9999

    bot = Assistant(index_dir=tmp_path / "index", llm="extractive", embed_runtime="bf16")
    bot.ingest([CORPUS], progress=False)
    assert bot.store.manifest["embed_model"].endswith("@bf16")
    # A new process answers from the bf16 index without importing PyTorch.
    script = (
        "import sys\n"
        "from assistant import Assistant\n"
        f"answer = Assistant(index_dir={str(tmp_path / 'index')!r}, llm='extractive').answer({QUESTION!r})\n"
        "print('Biden' in answer.text, 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["True", "False"], done.stderr[-2000:]


def test_an_fp32_index_keeps_working_until_it_is_rebuilt(tmp_path, caplog):
    old = Assistant(index_dir=tmp_path / "index", llm="extractive", embed_runtime="torch")
    old.ingest([CORPUS], progress=False)
    assert old.store.manifest["embed_model"] == "sentence-transformers/all-MiniLM-L6-v2"

    bot = Assistant(index_dir=tmp_path / "index", llm="extractive")  # the default runtime: auto
    assert bot.settings.embed_runtime == "auto"
    answer = bot.answer(QUESTION)
    assert "Biden" in answer.text and bot.embedder.runtime == "torch"
    assert "ingest --rebuild" in caplog.text
    assert bot.ingest([CORPUS], progress=False).chunks_embedded == 0  # extended with its own runtime

    rebuilt = Assistant(index_dir=tmp_path / "index", llm="extractive")
    report = rebuilt.ingest([CORPUS], rebuild=True, progress=False)
    runtime = choose_runtime("auto")
    assert report.chunks_embedded > 0 and rebuilt.store.manifest["embed_model"].endswith(f"@{runtime}")
    assert "Biden" in rebuilt.answer(QUESTION).text and rebuilt.embedder.runtime == runtime


def test_the_same_text_is_embedded_once(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    bot = Assistant(index_dir=tmp_path / "index", llm="extractive")
    first = bot.ingest([corpus], progress=False)
    # A syndicated copy under another name: its chunks reuse the stored vectors.
    shutil.copy(corpus / "001_5618d79fe3bfd785.txt", corpus / "copy_of_001.txt")
    second = bot.ingest([corpus], progress=False)
    assert second.added == ["copy_of_001"] and second.chunks_embedded == 0 and second.chunks_reused > 0
    assert first.chunks_reused == 0
    stored = bot.store.vectors_for([])
    assert stored == {}
    copies = [p for p in bot.retrieve(QUESTION, k=10) if p.doc_id in ("copy_of_001", "001_5618d79fe3bfd785")]
    assert copies  # the copy is searchable like the original


def _pieces(n: int) -> list[str]:
    text = " ".join((CORPUS / f).read_text() for f in sorted(p.name for p in CORPUS.glob("*.txt")))
    step = (len(text) - 700) // n
    return [text[i * step : i * step + 700] for i in range(n)]


def test_a_long_ingest_compiles_the_bf16_model_to_the_same_vectors(caplog):
    settings = Settings()
    texts = _pieces(2 * settings.embed_batch_size + 1)  # its last batch holds one text
    eager = Embedder(settings.embed_model, runtime="bf16", cache_dir=settings.embed_cache_dir).embed(texts)
    bf16 = Embedder(settings.embed_model, runtime="bf16", cache_dir=settings.embed_cache_dir, compile_min_chunks=len(texts))
    bf16.expect(len(texts) - 1)  # too short a run to repay compiling
    bf16.embed(texts[:3])
    assert "compiling" not in caplog.text
    bf16.expect(len(texts))
    with caplog.at_level("INFO", logger="assistant.embedding"):
        compiled = bf16.embed(texts)
    assert "compiling the bf16 embedding model" in caplog.text and "failed" not in caplog.text
    assert np.allclose(np.linalg.norm(compiled, axis=1), 1, atol=1e-5)
    assert (compiled * eager).sum(axis=1).min() > 0.9995  # the fused kernels round bf16 differently


def test_without_a_compiler_a_long_ingest_embeds_uncompiled(tmp_path):
    script = (
        "import logging, numpy as np\n"
        "from assistant.embedding import Embedder\n"
        "from assistant.settings import Settings\n"
        "from tests.integration.test_embedding import _pieces\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "s = Settings()\n"
        "texts = _pieces(40)\n"
        "e = Embedder(s.embed_model, runtime='bf16', cache_dir=s.embed_cache_dir, compile_min_chunks=1)\n"
        "e.expect(len(texts))\n"
        "v = e.embed(texts)\n"
        "print(v.shape, bool(np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)))\n"
    )
    # A compiler that is not there, and an empty compile cache so that nothing compiled before is reused.
    env = {**os.environ, "CXX": str(tmp_path / "no-such-compiler"), "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert done.stdout.split() == ["(40,", "384)", "True"], done.stderr[-3000:]
    assert "compiling the embedding model failed" in done.stderr
