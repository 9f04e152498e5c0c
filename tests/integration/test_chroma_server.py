"""Server mode: a real `chroma run` on 127.0.0.1, started and stopped by the test."""

import shutil
import subprocess
import sys

import pytest

from assistant import Assistant, StoreUnavailable
from assistant.lexical import LexicalIndex, saved_at
from tests.paths import CORPUS, ROOT
from tests.processes import free_port, start_app, start_chroma, stop

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path):
    proc, url = start_chroma(tmp_path / "server-data", tmp_path / "chroma.log")
    yield url
    stop(proc)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, tmp_path):
    bot = Assistant(index_dir=tmp_path / "unused", chroma_url=chroma_server)
    report = bot.ingest([CORPUS], progress=False)
    assert len(report.added) == 5
    assert not (tmp_path / "unused").exists()  # nothing written locally in server mode
    # but the BM25 index, in this machine's cache, one folder per server
    saved = saved_at(bot.store, bot.settings.lexical_server_cache_dir)
    assert saved.is_relative_to(bot.settings.lexical_server_cache_dir)
    assert LexicalIndex.saved_stamp(saved) == bot.store.write_stamp()
    ans = bot.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    assert "Biden" in ans.text.split(" [1]")[0]
    # A second client (another machine, in real use) sees the same index.
    other = Assistant(chroma_url=chroma_server)
    assert other.stats()["articles"] == 5 and other.stats()["stories"] == 4
    assert other.ingest([CORPUS], progress=False).chunks_embedded == 0


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="chroma run"):
        Assistant(chroma_url=f"http://127.0.0.1:{free_port()}")


def test_server_mode_end_to_end_reingest_prune_and_two_app_processes(chroma_server, tmp_path):
    import json
    import os

    from gradio_client import Client

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    run = [sys.executable, "-m", "assistant.cli", "--chroma-url", chroma_server]
    first = subprocess.run([*run, "ingest", "--json", "--quiet", str(corpus)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    assert len(json.loads(first.stdout)["added"]) == 5

    # A changed file is re-embedded, a deleted one pruned, the rest left alone.
    changed = corpus / "002_c7242acd748ee215.txt"
    changed.write_text(changed.read_text() + "\n\nThe Kremlin later added that talks with Tehran would continue in Geneva.\n")
    (corpus / "004_105bb92411439867.txt").unlink()
    again = subprocess.run([*run, "ingest", "--json", "--quiet", "--prune", str(corpus)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    report = json.loads(again.stdout)
    assert report["updated"] == ["002_c7242acd748ee215"] and report["removed"] == ["004_105bb92411439867"]
    assert len(report["unchanged"]) == 3

    # Two chat processes share the one server: each answers from the same, updated index.
    procs, urls = [], []
    try:
        for i in range(2):
            env = {**os.environ, "ASSISTANT_CHROMA_URL": chroma_server, "ASSISTANT_INDEX_DIR": str(tmp_path / f"unused-{i}")}
            proc, url = start_app(env, tmp_path / f"app-{i}.log")
            procs.append(proc)
            urls.append(url)
        for url in urls:
            client = Client(url, verbose=False)
            assert "Geneva" in client.predict("Where would talks with Tehran continue?", api_name="/answer")["text"]
            assert "Biden" in client.predict("Who ordered the strikes on militia facilities in eastern Syria?", api_name="/answer")["text"]
            assert client.predict("What did Erdogan call on the international community to do about Idlib?", api_name="/answer")["refused"]
        assert not any((tmp_path / f"unused-{i}").exists() for i in range(2))
    finally:
        for proc in procs:
            stop(proc)
