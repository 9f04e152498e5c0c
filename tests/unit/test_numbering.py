"""Sources numbered by article: one number an article, its quotes lettered under it, every
quote kept verbatim with its offsets, the text's markers rewritten to match."""

from hypothesis import given
from hypothesis import strategies as st

from assistant.citations import article_numbers, by_article, sources_of
from assistant.types import Answer, ArticleInfo, Change, Citation, Disagreement, TimelineEvent, VersionChanges


def quote(n: int, doc: str, text: str | None = None, **kw) -> Citation:
    text = text or f"quote {n} of {doc}"
    base = dict(
        number=n,
        doc_id=doc,
        title=f"Title {doc}",
        source="Wire",
        url="",
        published_at="2021-02-26",
        quote=text,
        start=10 * n,
        end=10 * n + len(text),
        score=0.5,
    )
    return Citation(**{**base, **kw})


def test_quotes_of_one_article_share_its_number_and_are_lettered():
    cits = [quote(1, "a"), quote(2, "b"), quote(3, "a"), quote(4, "c"), quote(5, "a")]
    answer = by_article(Answer("q", "One [1]. Two [2]. Three [3]. Four [4]. Five [5].", False, cits))
    assert [(c.number, c.label) for c in answer.citations] == [(1, "1a"), (2, "2"), (1, "1b"), (3, "3"), (1, "1c")]
    assert answer.text == "One [1a]. Two [2]. Three [1b]. Four [3]. Five [1c]."
    # Quotes, offsets and order are untouched.
    assert [(c.quote, c.start, c.end, c.doc_id) for c in answer.citations] == [(c.quote, c.start, c.end, c.doc_id) for c in cits]


def test_a_marker_naming_every_quote_of_an_article_names_the_article():
    cits = [quote(1, "a"), quote(2, "a"), quote(3, "b")]
    text = "Biden ordered it [1]. They condemned it [2, 3].\n\nSources published: 26 February 2021 [1, 2, 3]."
    answer = by_article(Answer("q", text, False, cits))
    assert answer.text == "Biden ordered it [1a]. They condemned it [1b, 2].\n\nSources published: 26 February 2021 [1, 2]."


def test_grouping_lists_each_article_once_with_its_quotes_in_order():
    answer = by_article(Answer("q", "x [1] y [2] z [3]", False, [quote(1, "a"), quote(2, "b"), quote(3, "a")]))
    sources = sources_of(answer.citations)
    assert [(s.number, s.doc_id, [q.label for q in s.quotes]) for s in sources] == [(1, "a", ["1a", "1b"]), (2, "b", ["2"])]
    assert sources[0].outlet == "Wire" and sources[0].title == "Title a"


def test_numbering_twice_changes_nothing_and_foreign_markers_stay():
    answer = Answer("q", "x [1] y [2] and a bracket [9] of the article", False, [quote(1, "a"), quote(2, "a")])
    once = by_article(answer)
    assert by_article(once) == once
    assert once.text == "x [1a] y [1b] and a bracket [9] of the article"


def test_nested_citations_follow_the_numbering():
    a, b, a2 = quote(1, "a"), quote(2, "b"), quote(3, "a", "more")
    timeline = [TimelineEvent("2021-02-25", "stated", b), TimelineEvent("2021-02-26", "published", a)]
    disagreements = [Disagreement("differ", a, b, ["31"], ["37"])]
    info = ArticleInfo("a", "Title a", "2021-02-26", "Wire", "", "a", True, 3)
    changes = [VersionChanges(older=info, newer=info, changes=[Change("changed", old=a, new=a2)])]
    answer = Answer("q", "x [1] y [2] z [3]", False, [a, b, a2], timeline=timeline, disagreements=disagreements, changes=changes)
    out = by_article(answer)
    assert [e.citation.label for e in out.timeline] == ["2", "1a"]
    assert (out.disagreements[0].first.label, out.disagreements[0].second.label) == ("1a", "2")
    assert (out.changes[0].changes[0].old.label, out.changes[0].changes[0].new.label) == ("1a", "1b")


def test_a_refusal_keeps_its_closest_coverage_numbered_one_per_article():
    refused = Answer("q", "The articles do not cover this.", True, closest=[quote(1, "a"), quote(2, "b")])
    out = by_article(refused)
    assert [(c.number, c.label) for c in out.closest] == [(1, "1"), (2, "2")] and out.text == refused.text


@given(st.lists(st.sampled_from("abcde"), min_size=1, max_size=30))
def test_every_quote_keeps_its_place_and_every_marker_maps_to_one_article(docs):
    cits = [quote(i, d) for i, d in enumerate(docs, 1)]
    text = " ".join(f"s{i} [{i}]." for i in range(1, len(cits) + 1))
    out = by_article(Answer("q", text, False, cits))
    numbers = article_numbers(cits)
    # Articles are numbered 1..n in the order first cited, one number each.
    firsts = list(dict.fromkeys(docs))
    assert {c.doc_id: c.number for c in out.citations} == {d: firsts.index(d) + 1 for d in firsts}
    assert len({c.label for c in out.citations}) == len(cits)
    assert [c.quote for c in out.citations] == [c.quote for c in cits]
    # Each sentence's marker is now its quote's label.
    assert out.text == " ".join(f"s{i} [{numbers[i][1]}]." for i in range(1, len(cits) + 1))
