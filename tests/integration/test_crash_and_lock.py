"""Ingest under kill -9, two writers at once, and readers during a write.

These run real `assistant ingest` processes over twenty long articles made from the bundled
corpus's sentences and check the index from a fresh process each time, as a user's next
command would see it.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import CORPUS, ROOT

pytestmark = pytest.mark.integration

ASSISTANT = [sys.executable, "-m", "assistant.cli"]

CHECK = r"""
import json, sys
from assistant import Assistant
from assistant.lexical import LexicalIndex, saved_at
bot = Assistant(index_dir=sys.argv[1])
if not bot.store.exists():  # killed before the collection was made
    print(json.dumps({"built": False}))
    sys.exit(0)
saved = LexicalIndex.load(saved_at(bot.store, bot.settings.lexical_server_cache_dir), bot.store.write_stamp())
bm25_ids = None if saved is None else sorted(saved.chunk_ids.astype(str).tolist())
records = bot.store.articles()
data = bot.store.rows()
positions = {}
for m in data["metadatas"]:
    positions.setdefault(m["doc_id"], []).append(int(m["position"]))
print(json.dumps({
    "count": bot.store.count(),
    "ids": len(data["ids"]), "unique_ids": len(set(data["ids"])),
    "articles": {d: [r.expected_chunks, r.stored_chunks] for d, r in records.items()},
    "positions_ok": all(sorted(p) == list(range(len(p))) for p in positions.values()),
    "manifest": bot.store.manifest,
    "chunk_ids": sorted(data["ids"]),
    "bm25_ids": bm25_ids,
}))
"""


@pytest.fixture(scope="module")
def bench_slice(tmp_path_factory) -> Path:
    """Twenty long articles as JSON Lines (a few hundred chunks): the bundled corpus's sentences,
    drawn in a different order for each, so that each is an article of its own."""
    from assistant.text import split_sentences

    sentences = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        sentences += [text[a:b] for a, b in split_sentences(text) if len(text[a:b].split()) >= 6]
    out = tmp_path_factory.mktemp("bench") / "slice.jsonl"
    with out.open("w", encoding="utf-8") as dst:
        for i in range(20):
            rng = random.Random(i)
            drawn = [rng.choice(sentences) for _ in range(110)]
            paragraphs = [f"Dispatch {i} from the desk, filed on day {i + 1} of the month."]
            paragraphs += [" ".join(drawn[k : k + 5]) for k in range(0, len(drawn), 5)]
            record = {"id": f"a{i:02d}", "title": f"Dispatch {i}", "published_at": f"2023-01-{i + 1:02d}", "text": "\n\n".join(paragraphs)}
            dst.write(json.dumps(record) + "\n")
    return out


def check(index: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHECK, str(index)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_consistent(state: dict, expected: set[str] | None = None) -> None:
    assert state["ids"] == state["unique_ids"] == state["count"]  # no duplicate chunk
    assert state["positions_ok"]  # each article's chunks are 0..n-1, once each
    # Every stored article is whole: an interrupted write never leaves half an article.
    assert all(expected_n == stored for expected_n, stored in state["articles"].values()), state["articles"]
    assert sum(stored for _, stored in state["articles"].values()) == state["count"]  # no orphan chunk
    if expected is not None:
        assert set(state["articles"]) == expected
    assert "all-MiniLM-L6-v2" in state["manifest"]["embed_model"] and state["manifest"]["schema"] == 1


def assert_all_parts_agree(state: dict) -> None:
    """The saved BM25 index holds exactly the store's chunks, as of its last write, and the
    manifest records the store's counts and no unfinished write."""
    assert state["bm25_ids"] == state["chunk_ids"], (len(state["bm25_ids"] or []), len(state["chunk_ids"]))
    assert state["manifest"].get("writing", "") == ""
    assert (state["manifest"]["articles"], state["manifest"]["chunks"]) == (len(state["articles"]), state["count"])


def assistant_check(index: Path, *args: str) -> tuple[int, dict]:
    done = subprocess.run([*ASSISTANT, "--index", str(index), "check", "--json", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    return done.returncode, json.loads(done.stdout)


def ingest(index: Path, *paths: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [*ASSISTANT, "--index", str(index), "ingest", "--quiet", *map(str, paths)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def test_kill_9_at_random_moments_then_rerun_leaves_a_complete_index(tmp_path, bench_slice):
    ids = {json.loads(line)["id"] for line in bench_slice.read_text().splitlines()}
    index = tmp_path / "index"
    rng = random.Random()
    seed = rng.randrange(10**6)
    rng.seed(seed)
    kills = []
    for _ in range(3):
        proc = ingest(index, bench_slice)
        moment = rng.uniform(4.0, 20.0)
        try:
            proc.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills.append(round(moment, 1))
        if index.exists() and (index / "chroma").exists():
            state = check(index)  # usable after every kill, whatever was written so far
            if state.get("built", True):
                assert_consistent(state)
    final = ingest(index, bench_slice)
    out, err = final.communicate(timeout=900)
    assert final.returncode == 0, f"seed {seed}, kills at {kills} s: {err[-2000:]}"
    state = check(index)
    assert_consistent(state, ids)
    assert_all_parts_agree(state)
    assert assistant_check(index)[0] == 0
    # And a further run has nothing left to do.
    again = subprocess.run(
        [*ASSISTANT, "--index", str(index), "ingest", "--quiet", "--json", str(bench_slice)], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    report = json.loads(again.stdout)
    assert report["chunks_embedded"] == 0 and len(report["unchanged"]) == len(ids), (seed, kills)


def _store_bytes(index: Path) -> int:
    return sum(p.stat().st_size for p in (index / "chroma").rglob("*") if p.is_file())


def test_kill_9_mid_write_then_rerun_completes_the_bm25_index_and_the_manifest(tmp_path, bench_slice):
    """Issue 33: articles stored by an ingest killed before it saved the BM25 index were
    "unchanged" for the next run and never reached keyword search. Killed once its first
    articles are in the store, the next ingest must leave store, BM25 and manifest agreeing."""
    index = tmp_path / "index"
    first = subprocess.run([*ASSISTANT, "--index", str(index), "ingest", "--quiet", str(CORPUS)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    assert_all_parts_agree(check(index))
    size = _store_bytes(index)
    proc = ingest(index, bench_slice)
    deadline = time.monotonic() + 300
    # The store grows by a group of chunks' vectors (256 x 384 floats): articles of this run are written.
    while _store_bytes(index) <= size + 200_000:
        assert proc.poll() is None and time.monotonic() < deadline, "the ingest ended before it wrote"
        time.sleep(0.1)
    time.sleep(random.uniform(0.0, 2.0))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    state = check(index)
    assert_consistent(state)
    if 5 < len(state["articles"]) < 25:  # killed after its first write, before the end (the usual case)
        code, found = assistant_check(index)
        assert code == 1 and not found["ok"], found
    final = subprocess.run([*ASSISTANT, "--index", str(index), "ingest", "--quiet", str(bench_slice)], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert final.returncode == 0, final.stderr[-2000:]
    state = check(index)
    assert_consistent(state)
    assert len(state["articles"]) == 25
    assert_all_parts_agree(state)
    code, found = assistant_check(index)
    assert code == 0 and found["ok"] and found["bm25_chunks"] == found["store_chunks"] == state["count"], found


def test_check_repair_makes_bm25_and_manifest_agree_with_the_store(tmp_path):
    index = tmp_path / "index"
    first = subprocess.run([*ASSISTANT, "--index", str(index), "ingest", "--quiet", str(CORPUS)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    # Damage two parts: the saved BM25 index goes, the manifest says an ingest is unfinished.
    import shutil

    shutil.rmtree(index / "lexical")
    code = f"from assistant import Assistant; Assistant(index_dir={str(index)!r}).store.mark_writing()"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=300)
    code, found = assistant_check(index)
    assert code == 1 and any("did not finish" in p for p in found["problems"]) and any("no saved BM25" in p for p in found["problems"])
    code, found = assistant_check(index, "--repair")
    assert code == 0 and found["ok"] and found["repaired"], found
    assert_all_parts_agree(check(index))


def test_a_second_ingest_is_refused_while_one_runs_and_readers_keep_answering(tmp_path, bench_slice):
    index = tmp_path / "index"
    first = subprocess.run([*ASSISTANT, "--index", str(index), "ingest", "--quiet", str(CORPUS)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr

    writer = ingest(index, bench_slice)
    lock = index / "ingest.lock"
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text().startswith("pid")):
        assert writer.poll() is None and time.monotonic() < deadline, writer.stderr.read() if writer.poll() is not None else "no lock"
        time.sleep(0.2)

    second = subprocess.run([*ASSISTANT, "--index", str(index), "ingest", "--quiet", str(CORPUS)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert second.returncode == 1
    assert f"Another ingest (pid {writer.pid}" in second.stderr and "wait for it to finish" in second.stderr

    # A reader in another process answers from a consistent index while the write goes on.
    answers = 0
    while writer.poll() is None:
        asked = subprocess.run(
            [*ASSISTANT, "--index", str(index), "ask", "--json", "Who ordered the strikes on militia facilities in eastern Syria?"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        if writer.poll() is not None and answers:
            break
        assert asked.returncode == 0, asked.stderr[-2000:]
        assert "Biden" in json.loads(asked.stdout)["text"]
        answers += 1
    assert writer.wait() == 0, writer.stderr.read()
    assert answers >= 1
    state = check(index)
    assert_consistent(state)
    assert len(state["articles"]) == 5 + 20
    assert lock.read_text() == ""  # released, and no stale holder named
