"""Server mode: a real `chroma run` on 127.0.0.1, started and stopped by the test."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, StoreUnavailable
from tests.conftest import CORPUS, free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb

    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("chroma run did not start")
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, tmp_path):
    bot = Assistant(index_dir=tmp_path / "unused", chroma_url=chroma_server)
    report = bot.ingest([CORPUS], progress=False)
    assert len(report.added) == 5
    assert not (tmp_path / "unused").exists()  # nothing written locally in server mode
    ans = bot.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    assert "Biden" in ans.text.split(" [1]")[0]
    # A second client (another machine, in real use) sees the same index.
    other = Assistant(chroma_url=chroma_server)
    assert other.stats()["articles"] == 5 and other.stats()["stories"] == 4
    assert other.ingest([CORPUS], progress=False).chunks_embedded == 0


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="chroma run"):
        Assistant(chroma_url=f"http://127.0.0.1:{free_port()}")
