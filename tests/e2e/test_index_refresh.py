"""A running chat sees articles that another process ingests into its index, without a restart."""

import os
import subprocess
import sys
import time

import pytest

from tests import processes
from tests.e2e.helpers import start_app

pytestmark = pytest.mark.e2e

ARTICLE = """Harbour town opens the Velmora tidal bridge
date 2024-05-14

The town of Kestrel Bay opened the Velmora tidal bridge on Tuesday, after four years of building.
Engineer Anika Solberg designed the bridge, which rises with the tide and carries 9,000 cars a day.
The mayor, Tomas Brennick, said the bridge would end the ferry queues that have split the town for decades.
"""
QUESTION = "Who designed the Velmora tidal bridge?"


def test_chat_answers_about_an_article_another_process_ingested(tmp_path):
    from gradio_client import Client

    proc, url, _ = start_app(tmp_path)
    try:
        client = Client(url, verbose=False)
        before = client.predict(QUESTION, api_name="/answer")
        assert before["refused"], before["text"]

        folder = tmp_path / "new-articles"
        folder.mkdir()
        (folder / "velmora.txt").write_text(ARTICLE, encoding="utf-8")
        env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
        ingested = subprocess.run(
            [sys.executable, "-m", "assistant.cli", "ingest", "--quiet", str(folder)], capture_output=True, text=True, env=env, timeout=300
        )
        assert ingested.returncode == 0 and "added 1" in ingested.stdout, ingested.stderr

        # The server looks for changes every couple of seconds and rebuilds in the background;
        # meanwhile it keeps answering (from the old view) rather than making anyone wait.
        deadline, answers = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = client.predict(QUESTION, api_name="/answer")
            answers.append((round(time.perf_counter() - started, 2), answer["refused"]))
            if not answer["refused"]:
                break
            time.sleep(1)
        assert not answer["refused"], f"still refused after 60 s: {answers}"
        assert "Anika Solberg" in answer["text"]
        assert any(c["doc_id"].startswith("velmora") for c in answer["citations"]), answer["citations"]
        # Dense retrieval sees the new vectors too, not only the keyword index.
        by_meaning = client.predict("Which town got a bridge that rises with the tide?", api_name="/answer")
        assert any(c["doc_id"].startswith("velmora") for c in by_meaning["citations"]), by_meaning["text"]
        assert max(seconds for seconds, _ in answers) < 30, answers
    finally:
        processes.stop(proc)
