"""The real pipeline: packaged MiniLM, Chroma on disk, the bundled corpus."""

import json
import shutil
from dataclasses import replace

import pytest

from assistant import Assistant, IndexMismatch, IndexNotBuilt, InvalidDate, InvalidQuestion
from assistant.embedding import choose_runtime
from assistant.evaluation import judged, load_gold
from tests.paths import CORPUS, GOLD

pytestmark = pytest.mark.integration


def _source_text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")


def _assert_verbatim(answer):
    for c in answer.citations:
        assert _source_text(c.doc_id)[c.start : c.end] == c.quote, c


def test_biden_question_names_biden_with_verbatim_citations(built_assistant):
    ans = built_assistant.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    assert not ans.refused
    first_sentence = ans.text.split(" [1]")[0]
    assert "Biden" in first_sentence
    assert ans.citations and all(c.doc_id in ("000_42dd889af19354b1", "001_5618d79fe3bfd785") for c in ans.citations)
    _assert_verbatim(ans)
    for n in range(1, len(ans.citations) + 1):
        assert f"[{n}]" in ans.text
    payload = ans.to_dict()
    assert json.loads(json.dumps(payload))["citations"][0]["quote"] == ans.citations[0].quote


def test_no_passage_is_cited_twice_across_versions(built_assistant):
    ans = built_assistant.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    normalized = [" ".join(c.quote.lower().split()) for c in ans.citations]
    assert len(normalized) == len(set(normalized))
    # The sentence both versions share is cited from the newer, longer one.
    shared = "President Joe Biden is said to have personally ordered the strikes."
    assert all(c.doc_id == "001_5618d79fe3bfd785" for c in ans.citations if c.quote == shared)


def test_fact_only_in_the_updated_version_is_answerable(built_assistant):
    ans = built_assistant.answer("How many troops will NATO have in Iraq after its expansion?")
    assert not ans.refused and "4,000" in ans.text.split(" [1]")[0]
    assert ans.citations[0].doc_id == "001_5618d79fe3bfd785"
    _assert_verbatim(ans)


@pytest.mark.parametrize(
    "question", ["Who won the 2022 FIFA World Cup?", "What is the capital of France?", "How much did the price of Brent crude oil rise after the strikes?"]
)
def test_off_corpus_questions_are_refused(built_assistant, question):
    ans = built_assistant.answer(question)
    assert ans.refused and not ans.citations and "do not cover" in ans.text


def test_follow_up_is_resolved_without_an_llm(built_assistant):
    ans = built_assistant.answer("What did he threaten to do?", history=["Who is Igor Konashenkov?"])
    assert ans.standalone_question == "What did Igor Konashenkov threaten to do?"
    assert not ans.refused and "suppressed with all military means" in ans.text.split(" [1]")[0]
    _assert_verbatim(ans)


def test_as_of_hides_later_articles(built_assistant):
    ans = built_assistant.answer("What did Russia say about the US strikes in Syria?", as_of="2021-03-01")
    assert not ans.refused
    assert {c.doc_id for c in ans.citations} <= {"000_42dd889af19354b1", "003_5a970465ad1a316b"}
    later = built_assistant.answer("What did the Kremlin say about potential US strikes on Iranian interests?", as_of="2023-06-01")
    assert all(c.published_at <= "2023-06-01" for c in later.citations)
    passages = built_assistant.retrieve("Kremlin Peskov", since="2024-01-01")
    assert passages and {p.doc_id for p in passages} == {"002_c7242acd748ee215"}


def test_gold_set_accuracy(built_assistant):
    """The bundled gold set: a floor, so a regression in any stage shows here."""
    correct = 0
    rows = load_gold(GOLD)
    for row in rows:
        ans = built_assistant.answer(row.question, history=row.history, as_of=row.as_of)
        correct += judged(ans.text, ans.refused, row)[0]
        _assert_verbatim(ans)
    assert correct / len(rows) >= 0.85, correct


def test_bad_questions_get_messages(built_assistant):
    for bad in ["", "   ", "?!", "x" * 5000]:
        with pytest.raises(InvalidQuestion):
            built_assistant.answer(bad)
    with pytest.raises(InvalidQuestion):
        built_assistant.answer(None)
    with pytest.raises(InvalidDate):
        built_assistant.answer("Who ordered the strikes?", as_of="someday")


def test_stats(built_assistant):
    stats = built_assistant.stats()
    assert stats["articles"] == 5 and stats["stories"] == 4
    runtime = choose_runtime("auto")  # the default: bf16 where the CPU has AMX, else int8
    assert stats["embed_model"] == f"sentence-transformers/all-MiniLM-L6-v2@{runtime}"
    assert stats["chunks"] > 10


def test_ingest_is_incremental_and_idempotent(tmp_path, corpus_copy):
    bot = Assistant(index_dir=tmp_path / "idx")
    first = bot.ingest([corpus_copy], progress=False)
    assert len(first.added) == 5 and first.chunks_embedded > 0
    assert [w for w, _ in first.skipped] == [str(corpus_copy / "gold.jsonl")]
    second = bot.ingest([corpus_copy], progress=False)
    assert second.chunks_embedded == 0 and len(second.unchanged) == 5 and not second.added and not second.updated

    path = corpus_copy / "002_c7242acd748ee215.txt"
    path.write_text(path.read_text() + "\n\nThe Kremlin added on Wednesday that it would host talks on the Zorblax accord next month.\n")
    third = bot.ingest([corpus_copy], progress=False)
    assert third.updated == ["002_c7242acd748ee215"] and len(third.unchanged) == 4
    ans = bot.answer("What will the Kremlin host talks on?")
    assert "Zorblax" in ans.text

    (corpus_copy / "004_105bb92411439867.txt").unlink()
    kept = bot.ingest([corpus_copy], progress=False)
    assert not kept.removed and bot.stats()["articles"] == 5  # removal only on request
    pruned = bot.ingest([corpus_copy], prune=True, progress=False)
    assert pruned.removed == ["004_105bb92411439867"] and bot.stats()["articles"] == 4


def test_interrupted_ingest_leaves_a_usable_index_and_resumes(tmp_path, monkeypatch):
    # Groups of about one article, so the third write comes after two whole articles.
    bot = Assistant(index_dir=tmp_path / "idx", embed_batch_size=4, embed_group_chunks=1)
    from assistant.store import ChunkStore

    real = ChunkStore.replace_articles
    calls = {"n": 0}

    def flaky(self, items):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-ingest
        return real(self, items)

    monkeypatch.setattr(ChunkStore, "replace_articles", flaky)
    with pytest.raises(KeyboardInterrupt):
        bot.ingest([CORPUS], progress=False)
    monkeypatch.setattr(ChunkStore, "replace_articles", real)

    reopened = Assistant(index_dir=tmp_path / "idx")
    assert reopened.stats()["articles"] == 2
    assert not reopened.answer("Who ordered the strikes on militia facilities in eastern Syria?").refused
    resumed = reopened.ingest([CORPUS], progress=False)
    assert len(resumed.unchanged) == 2 and len(resumed.added) == 3
    assert reopened.stats()["articles"] == 5 and reopened.stats()["stories"] == 4


def test_missing_index_and_model_mismatch(tmp_path):
    with pytest.raises(IndexNotBuilt, match="assistant ingest"):
        Assistant(index_dir=tmp_path / "nothing").answer("Who ordered the strikes?")
    shutil.copytree(CORPUS, tmp_path / "c", ignore=shutil.ignore_patterns("00[1-4]*", "gold.jsonl"))
    Assistant(index_dir=tmp_path / "idx").ingest([tmp_path / "c"], progress=False)
    # Another sentence-transformers folder: here, a copy of the packaged model under another name.
    from assistant.embedding import resolve_model

    other = tmp_path / "other-model"
    shutil.copytree(resolve_model("all-MiniLM-L6-v2")[1], other)
    with pytest.raises(IndexMismatch, match="embed_model"):
        Assistant(index_dir=tmp_path / "idx", embed_model=str(other)).answer("Who ordered the strikes?")
    with pytest.raises(IndexMismatch, match="chunk_tokens"):
        Assistant(index_dir=tmp_path / "idx", chunk_tokens=120).ingest([tmp_path / "c"], progress=False)


def test_stream_reports_progress_then_the_same_answer(built_assistant):
    from assistant.types import Answer, Progress

    question = "Who ordered the strikes on militia facilities in eastern Syria?"
    events = list(built_assistant.stream(question))
    assert [type(e) for e in events] == [Progress, Progress, Answer]
    assert [e.stage for e in events[:2]] == ["searching", "reading"]
    assert "passages from" in events[1].message
    # The same answer as `answer()`, apart from how long each stage took.
    assert replace(events[-1], seconds={}) == replace(built_assistant.answer(question), seconds={})
    assert set(events[-1].seconds) == {"retrieve", "extract"}


def test_filters_are_checked_before_anything_runs(built_assistant):
    from assistant.errors import InvalidQuestion

    with pytest.raises(InvalidQuestion, match="date range is empty"):
        next(built_assistant.stream("Who is Igor Konashenkov?", since="2024-02-01", as_of="2024-01-01"))
    with pytest.raises(InvalidQuestion, match="list of outlet names"):
        built_assistant.answer("Who is Igor Konashenkov?", sources=[3])
    # Outlets the index does not hold leave nothing to answer from.
    assert built_assistant.answer("Who is Igor Konashenkov?", sources=["Nobody"]).refused


def test_articles_and_one_article_with_its_versions(built_assistant):
    from assistant import UnknownArticle

    listed = built_assistant.articles()
    assert len(listed) == 5
    dated = [a.published_at for a in listed if a.published_at]
    assert dated == sorted(dated, reverse=True) and listed[-1].published_at == ""  # newest first, undated last
    assert [a.doc_id for a in built_assistant.articles(offset=1, limit=2)] == [a.doc_id for a in listed[1:3]]
    detail = built_assistant.article("000_42dd889af19354b1")
    assert [v.doc_id for v in detail.versions] == ["000_42dd889af19354b1", "001_5618d79fe3bfd785"]
    assert not detail.article.latest and detail.versions[1].latest  # the newer version is preferred
    assert detail.article.story_id == detail.versions[1].story_id
    assert detail.text == built_assistant.article_text("000_42dd889af19354b1") and "Biden" in detail.text
    with pytest.raises(UnknownArticle, match="No article with id 'missing'"):
        built_assistant.article("missing")
    with pytest.raises(InvalidQuestion, match="must not be negative"):
        built_assistant.articles(offset=-1)


@pytest.mark.parametrize("k", [0, -3, 41, 2.5, True, "5"])
def test_k_out_of_range_is_refused_with_a_message(built_assistant, k):
    with pytest.raises(InvalidQuestion, match="`k`"):
        built_assistant.answer("Who ordered the strikes?", k=k)
    with pytest.raises(InvalidQuestion, match="`k`"):
        built_assistant.retrieve("Who ordered the strikes?", k=k)
