"""Shared fixtures: isolated settings, and one real index of the bundled corpus per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.paths import CORPUS
from tests.processes import free_port, start, stop


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path_factory):
    """No test reads the developer's ASSISTANT_* variables or writes the project's index/."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path_factory.mktemp("default-index")))
    # The quoted answers unless a test asks for the reading model (tests/integration/test_reader.py).
    monkeypatch.setenv("ASSISTANT_LLM", "extractive")


@pytest.fixture(scope="session")
def corpus_copy(tmp_path_factory) -> Path:
    """The bundled articles in a scratch folder tests may change."""
    target = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def built_assistant(tmp_path_factory):
    """A real index (real MiniLM, real Chroma on disk) of corpus/, built once."""
    from assistant import Assistant

    index = tmp_path_factory.mktemp("index")
    bot = Assistant(index_dir=index, llm="extractive")
    report = bot.ingest([CORPUS], progress=False)
    assert len(report.added) == 5
    return bot


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server (a real one) serving the installed reading model on 127.0.0.1."""
    import sys

    from assistant.generative.llm import local_model_path
    from assistant.settings import Settings

    gguf = local_model_path(Settings())  # raises, saying how to install it, when it is missing
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    proc = start(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(gguf),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--model_alias",
            "local-model",
        ],
        f"{url}/models",
        tmp_path_factory.mktemp("llm-server") / "server.log",
        env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"},
        timeout=180,
    )
    yield url
    stop(proc)
