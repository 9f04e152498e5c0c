"""Watch folder: `assistant watch FOLDER` and `serve --watch FOLDER` keep the index in step
with the files, and a running app answers from the change without a restart."""

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from assistant import Assistant
from tests import processes
from tests.e2e.helpers import start_app
from tests.paths import CORPUS
from tests.processes import wait_for

pytestmark = pytest.mark.e2e

BRIDGE = (
    "---\ntitle: Springfield opens its river bridge\ndate: 2023-03-01\n---\nThe mayor of Springfield, Ann Lee, opened the Harbor Street bridge on Tuesday.\n"
)


WAIT_SECONDS = 90.0  # what a background fetch or sync may take here


def test_assistant_watch_follows_adds_changes_and_deletes(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(CORPUS / "000_42dd889af19354b1.txt", folder)
    index = tmp_path / "index"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}, "ASSISTANT_LLM": "extractive"}
    log = (tmp_path / "watch.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--index", str(index), "watch", str(folder)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        reader = Assistant(index_dir=index, llm="extractive")

        def ids():
            try:
                return {a.doc_id: a for a in reader.articles()}
            except Exception:
                return {}

        wait_for(lambda: "000_42dd889af19354b1" in ids(), "the first sync", WAIT_SECONDS)
        # Added: a new file, written the way editors and the chat's uploads do (temporary name, then rename).
        (folder / ".bridge.md.tmp").write_text(BRIDGE, encoding="utf-8")
        os.replace(folder / ".bridge.md.tmp", folder / "bridge.md")
        wait_for(lambda: "bridge" in ids(), "the added file", WAIT_SECONDS)
        assert ids()["bridge"].title == "Springfield opens its river bridge"
        # Changed.
        (folder / "bridge.md").write_text(BRIDGE.replace("Ann Lee", "Bo Chen"), encoding="utf-8")
        wait_for(lambda: "Bo Chen" in reader.article("bridge").text if "bridge" in ids() else False, "the changed file", WAIT_SECONDS)
        # Deleted.
        (folder / "bridge.md").unlink()
        wait_for(lambda: "bridge" not in ids() and ids(), "the deleted file", WAIT_SECONDS)
        assert set(ids()) == {"000_42dd889af19354b1"}
        # A file that is not an article is ignored, and the watch goes on.
        (folder / "notes.bin").write_bytes(b"\x00\x01")
        (folder / "again.md").write_text(BRIDGE, encoding="utf-8")
        wait_for(lambda: "again" in ids(), "a file after an ignored one", WAIT_SECONDS)
        assert proc.poll() is None
    finally:
        processes.stop(proc)
        log.close()
    assert "Traceback" not in (tmp_path / "watch.log").read_text()


def test_served_app_answers_from_a_file_dropped_into_its_watched_folder(tmp_path):
    watched = tmp_path / "inbox"
    watched.mkdir()
    proc, url, _ = start_app(tmp_path, "--watch", str(watched))
    try:
        api = url.rstrip("/") + "/api"
        question = {"question": "Who opened the Harbor Street bridge?"}
        assert httpx.post(f"{api}/answer", json=question, timeout=120).json()["answer"]["refused"]
        (watched / "bridge.md").write_text(BRIDGE, encoding="utf-8")

        def answered():
            answer = httpx.post(f"{api}/answer", json=question, timeout=120).json()["answer"]
            return answer if not answer["refused"] else None

        answer = wait_for(answered, "the app to answer from the new file", WAIT_SECONDS)
        assert "Ann Lee" in answer["text"] and answer["citations"][0]["doc_id"] == "bridge"
    finally:
        processes.stop(proc)
