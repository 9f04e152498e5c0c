"""Shared fixtures: isolated settings, and one real index of the bundled corpus per session."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = CORPUS / "gold.jsonl"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch, tmp_path_factory):
    """No test reads the developer's ASSISTANT_* variables or writes the project's index/."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path_factory.mktemp("default-index")))


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
    bot = Assistant(index_dir=index)
    report = bot.ingest([CORPUS], progress=False)
    assert len(report.added) == 5
    return bot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
