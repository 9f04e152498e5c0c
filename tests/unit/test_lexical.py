import numpy as np

from assistant.lexical import LexicalIndex, chunk_terms
from assistant.store import Scope, StoredChunk


def chunk(doc: str, text: str, day: int = 1, source: str = "AP", position: int = 0, title: str = "") -> StoredChunk:
    return StoredChunk(f"{doc}::{position}", text, {"doc_id": doc, "day": day, "source": source, "title": title, "position": position})


CHUNKS = [
    chunk("flood", "The flood in Riverton killed 12 people on Tuesday.", day=10, title="Riverton flood"),
    chunk("strikes", "Joe Biden ordered the strikes on Iran-backed groups in Syria.", day=12, source="Reuters"),
    chunk("refugees", "A flood of refugees reached the border.", day=20),
    chunk("football", "The Buffalo Bills beat the Bengals.", day=21, source="Reuters"),
]


def test_bm25_ranks_by_terms_and_reads_document_frequencies():
    index = LexicalIndex.build(CHUNKS, "1:a")
    hits = index.search("How many died in the Riverton flood?", 10)
    assert [cid for cid, _ in hits] == ["flood::0", "refugees::0"]  # only chunks with a query term score
    assert hits[0][1] > hits[1][1] > 0
    assert index.document_frequency("flood") == 2 and index.document_frequency("riverton") == 1
    assert index.document_frequency("nowhere") == 0
    assert index.search("nothing matches this", 5) == [] and index.search("", 5) == []
    assert index.newest_day() == 21 and len(index) == 4


def test_headline_is_indexed_with_the_text():
    assert "riverton" in chunk_terms(CHUNKS[0]) and "flood" in chunk_terms(chunk("d", "Water rose.", title="Flood"))


def test_scope_masks_days_and_outlets():
    index = LexicalIndex.build(CHUNKS, "1:a")
    assert [cid for cid, _ in index.search("flood", 10, Scope(until=15))] == ["flood::0"]
    assert [cid for cid, _ in index.search("flood", 10, Scope(since=15))] == ["refugees::0"]
    assert [cid for cid, _ in index.search("Bills Biden", 10, Scope(sources=frozenset({"Reuters"})))] in (
        ["football::0", "strikes::0"],
        ["strikes::0", "football::0"],
    )
    assert index.search("flood", 10, Scope(until=0)) == []
    mask = index.mask(Scope(until=15))
    assert mask.dtype == np.float32 and mask.tolist() == [1.0, 1.0, 0.0, 0.0]


def test_saved_index_is_read_only_for_its_write_stamp(tmp_path):
    where = tmp_path / "lexical"
    LexicalIndex.build(CHUNKS, "3:abc").save(where)
    assert LexicalIndex.saved_stamp(where) == "3:abc"
    assert LexicalIndex.load(where, "4:def") is None  # the store has moved on: rebuild
    loaded = LexicalIndex.load(where, "3:abc")
    assert isinstance(loaded.days, np.memmap)  # mapped, not read into memory
    assert loaded.search("Riverton flood", 3) == LexicalIndex.build(CHUNKS, "x").search("Riverton flood", 3)
    (where / "meta.json").unlink()
    assert LexicalIndex.load(where, "3:abc") is None  # an unfinished save is never read


def test_update_equals_a_fresh_build(tmp_path):
    where = tmp_path / "lexical"
    LexicalIndex.build(CHUNKS, "1:a").save(where)
    saved = LexicalIndex.load(where, "1:a", postings=True)
    changed = chunk("flood", "The Riverton flood toll rose to 14 on Wednesday.", day=11)
    added = chunk("storm", "A storm followed the flood.", day=13)
    updated = saved.updated(["flood", "football"], [changed, added], "2:b")
    fresh = LexicalIndex.build([CHUNKS[1], CHUNKS[2], changed, added], "2:b")
    for query in ("Riverton flood toll", "storm", "Bills", "refugees border"):
        assert [c for c, _ in updated.search(query, 10)] == [c for c, _ in fresh.search(query, 10)]
        assert np.allclose([s for _, s in updated.search(query, 10)], [s for _, s in fresh.search(query, 10)])
    assert updated.document_frequency("bill") == 0 and updated.document_frequency("flood") == fresh.document_frequency("flood") == 3
    updated.save(where)
    assert LexicalIndex.load(where, "2:b").search("storm", 2) == fresh.search("storm", 2)


def test_empty_store_has_an_empty_index(tmp_path):
    index = LexicalIndex.build([], "1:a")
    assert index.search("anything", 5) == [] and index.newest_day() == -1 and index.document_frequency("x") == 0
    index.save(tmp_path / "lexical")
    assert LexicalIndex.load(tmp_path / "lexical", "1:a").search("anything", 5) == []


def test_the_score_matrix_is_the_one_bm25s_builds():
    from types import SimpleNamespace

    import bm25s

    from assistant.lexical import Postings, score_matrix

    docs = [[0, 1, 1, 2], [2, 3], [0, 0, 0, 4, 5, 1], [5]]
    postings = Postings(np.array([t for d in docs for t in d], dtype=np.int32), np.cumsum([0] + [len(d) for d in docs]))
    vocab = {**{f"t{i}": i for i in range(6)}, "": 6}  # as LexicalIndex hands it over: with bm25s's empty term
    reference = bm25s.BM25()
    reference.index(SimpleNamespace(ids=docs, vocab=vocab), show_progress=False)
    ours = score_matrix(postings, len(vocab), reference.k1, reference.b)
    for key in ("indptr", "indices"):
        assert np.array_equal(ours[key], reference.scores[key]), key
    assert np.allclose(ours["data"], reference.scores["data"], rtol=1e-5)
    assert ours["num_docs"] == reference.scores["num_docs"]
