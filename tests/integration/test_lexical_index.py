"""The saved BM25 index with the real Chroma store: written by ingest, read by answering."""

import shutil

import pytest

from assistant import Assistant
from assistant.lexical import LexicalIndex, saved_at
from assistant.store import ChunkStore
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

QUESTIONS = ["Who ordered the strikes on militia facilities in eastern Syria?", "What will the Kremlin host talks on?", "NATO troops Iraq expansion"]


def _rankings(index: LexicalIndex) -> list[list[str]]:
    return [[cid for cid, _ in index.search(q, 20)] for q in QUESTIONS]


def test_ingest_saves_it_answering_maps_it_and_updates_keep_it_exact(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    bot = Assistant(index_dir=tmp_path / "idx", llm="extractive")
    bot.ingest([corpus], progress=False)
    where = saved_at(bot.store, bot.settings.lexical_server_cache_dir)
    assert LexicalIndex.saved_stamp(where) == bot.store.write_stamp() != ""

    # A new process answers from the saved index without reading every chunk back.
    def no_full_read(self):
        raise AssertionError("the saved BM25 index should have been used")

    with monkeypatch.context() as m:
        m.setattr(ChunkStore, "all_chunks", no_full_read)
        fresh = Assistant(index_dir=tmp_path / "idx", llm="extractive")
        ans = fresh.answer(QUESTIONS[0])
        assert not ans.refused and "Biden" in ans.text.split(" [1]")[0]

        # An update and a removal are applied to the saved index, not rebuilt from the store.
        path = corpus / "002_c7242acd748ee215.txt"
        path.write_text(path.read_text() + "\n\nThe Kremlin added on Wednesday that it would host talks on the Zorblax accord next month.\n")
        (corpus / "004_105bb92411439867.txt").unlink()
        report = fresh.ingest([corpus], prune=True, progress=False)
        assert report.updated == ["002_c7242acd748ee215"] and report.removed == ["004_105bb92411439867"]
        assert "Zorblax" in fresh.answer(QUESTIONS[1]).text

    stamp = fresh.store.write_stamp()
    updated = LexicalIndex.load(where, stamp)
    rebuilt = LexicalIndex.build(fresh.store.all_chunks(), stamp)
    assert len(updated) == len(rebuilt) == fresh.stats()["chunks"]
    assert _rankings(updated) == _rankings(rebuilt)
    assert not any(cid.startswith("004_") for cid in updated.chunk_ids.astype(str))


def test_a_missing_or_stale_saved_index_is_rebuilt_and_saved(tmp_path):
    bot = Assistant(index_dir=tmp_path / "idx", llm="extractive")
    bot.ingest([CORPUS], progress=False)
    where = saved_at(bot.store, bot.settings.lexical_server_cache_dir)
    shutil.rmtree(where)
    again = Assistant(index_dir=tmp_path / "idx", llm="extractive")
    assert not again.answer(QUESTIONS[0]).refused
    assert LexicalIndex.saved_stamp(where) == again.store.write_stamp()

    # Written by an older ingest (another stamp): never read, rebuilt.
    (where / "meta.json").write_text('{"format": 1, "stamp": "0:old", "chunks": 1}')
    third = Assistant(index_dir=tmp_path / "idx", llm="extractive")
    assert not third.answer(QUESTIONS[0]).refused
    assert LexicalIndex.saved_stamp(where) == third.store.write_stamp()


def test_ingest_that_cannot_save_it_still_stores_and_answers(tmp_path, caplog):
    bot = Assistant(index_dir=tmp_path / "idx", llm="extractive")
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "lexical").write_text("not a folder")  # saving fails as on a read-only disk
    report = bot.ingest([CORPUS], progress=False)
    assert len(report.added) == 5
    assert "cannot save the BM25 index" in caplog.text
    assert not bot.answer(QUESTIONS[0]).refused  # built in memory instead
