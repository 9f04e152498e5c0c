from assistant.retrieve import Retriever, Scope, TimePreference
from assistant.settings import RetrievalSettings, Settings
from assistant.store import ArticleRecord, StoredChunk


def test_date_window_and_undated_articles():
    w = Scope(since=10, until=20)
    assert w.admits(10) and w.admits(20) and not w.admits(21) and not w.admits(9)
    assert Scope(until=20).admits(-1)  # undated cannot be shown to be later
    assert not Scope(since=10).admits(-1)  # nor to be newer


def test_time_preference_favours_recent_and_named_dates():
    s = RetrievalSettings()  # the one section it reads
    recent = TimePreference(reference_day=100, recent=True)
    assert recent.boost(100, s) > recent.boost(93, s) > recent.boost(50, s) > 1.0
    assert recent.boost(-1, s) == 1.0
    named = TimePreference(since=10, until=20)
    assert named.boost(15, s) == 1.0 + s.question_date_weight and named.boost(30, s) == 1.0
    assert TimePreference().boost(15, s) == 1.0


def test_scope_keeps_only_the_chosen_outlets():
    scope = Scope(sources=frozenset({"Reuters"}))
    assert scope.narrowed and not Scope().narrowed
    assert scope.admits_chunk({"day": 5, "source": "Reuters"})
    assert not scope.admits_chunk({"day": 5, "source": "AP"})
    assert not scope.admits_chunk({"day": 5})  # an article without an outlet is not from the chosen ones
    assert Scope().admits_chunk({"day": 5})


class _OneStoryStore:
    """A store holding one story of many reprints of one sentence (what `Retriever.reports` reads)."""

    def __init__(self, copies: int) -> None:
        text = "The harbour authority said the lighthouse will be restored."
        self.members = []
        for i in range(copies):
            doc = f"copy{i}"
            chunk = StoredChunk(
                f"{doc}:0", text, {"doc_id": doc, "story_id": "story", "start": 0, "source": f"Outlet {i}", "published_at": f"2023-03-{i + 1:02d}"}
            )
            record = ArticleRecord(doc, "", "", 1, 1, f"2023-03-{i + 1:02d}", "", "", 0, len(text), "story", i == 0)
            self.members.append((record, [chunk]))

    def article_chunks(self, doc_id: str) -> list[StoredChunk]:
        return next(chunks for record, chunks in self.members if record.doc_id == doc_id)

    def story_versions(self, story_id: str):
        return self.members


def test_reports_keep_their_text_cache_bounded():
    retriever = Retriever(_OneStoryStore(copies=6), embedder=None, settings=Settings(retriever_cache_articles=3))
    reports = retriever.reports("copy0", "the lighthouse  will be RESTORED")
    assert [r.doc_id for r in reports] == [f"copy{i}" for i in range(6)]  # every copy, first report first
    assert max(retriever.cache_sizes.values()) <= 3
