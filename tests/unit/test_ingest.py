import gzip
import json

from assistant.ingest import load_articles
from tests.paths import CORPUS

BODY = "The Pentagon confirmed on Thursday that the United States had carried out strikes in eastern Syria."


def test_bundled_corpus_metadata():
    articles, skips = load_articles([CORPUS])
    by_id = {a.doc_id: a for a in articles}
    assert set(by_id) == {p.stem for p in CORPUS.glob("*.txt")}
    assert by_id["000_42dd889af19354b1"].published_at == "2021-02-26"
    assert by_id["001_5618d79fe3bfd785"].published_at == "2021-04-19"
    assert by_id["003_5a970465ad1a316b"].published_at == ""  # none given, none invented
    assert by_id["003_5a970465ad1a316b"].title.startswith("Russia says it will strike")
    assert by_id["000_42dd889af19354b1"].title == ""
    assert [s.where for s in skips] == [str(CORPUS / "gold.jsonl")]  # the question set is not an article file


def test_every_format(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "sub" / "b.md").write_text(f"---\ntitle: Front matter title\ndate: 2023-01-04\n---\n# Heading\n\n{BODY}\n")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page</title><meta property='og:site_name' content='Example News'>"
        "<meta property='article:published_time' content='2023-01-03T08:00:00Z'><link rel='canonical' href='https://ex.com/c'></head>"
        f"<body><nav>Home | World | Sport</nav><article><h1>Strikes in Syria</h1><p>{BODY}</p><script>var x=1;</script></article>"
        "<footer>Copyright Example News</footer></body></html>"
    )
    (tmp_path / "d.json").write_text(
        json.dumps([{"id": "d1", "title": "T1", "text": BODY, "published_at": "2023-01-02"}, {"id": "d2", "body": BODY, "date": "2023-01-01"}])
    )
    (tmp_path / "e.jsonl").write_text(
        json.dumps({"id": "e1", "text": BODY, "authors": ["A. Writer", "B. Writer"], "url": "https://ex.com/e1", "source": "ex.com"}) + "\n"
    )
    with gzip.open(tmp_path / "f.jsonl.gz", "wt") as f:
        f.write(json.dumps({"id": "f1", "text": BODY}) + "\n")
    articles, skips = load_articles([tmp_path])
    by_id = {a.doc_id: a for a in articles}
    assert set(by_id) == {"a", "sub/b", "c", "d1", "d2", "e1", "f1"}, skips
    assert by_id["sub/b"].title == "Front matter title" and by_id["sub/b"].published_at == "2023-01-04"
    assert by_id["c"].title == "Strikes in Syria" and by_id["c"].source == "Example News"
    assert by_id["c"].url == "https://ex.com/c" and by_id["c"].published_at == "2023-01-03"
    assert "Home" not in by_id["c"].text and "var x" not in by_id["c"].text
    assert by_id["d2"].published_at == "2023-01-01"
    assert by_id["e1"].authors == ("A. Writer", "B. Writer") and by_id["e1"].source == "ex.com"
    for a in articles:
        assert BODY in a.text


def test_bad_inputs_are_reported_and_skipped(tmp_path):
    (tmp_path / "good.txt").write_text(BODY)
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 not text")
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "mixed.jsonl").write_text(json.dumps({"id": "m1", "text": BODY}) + "\n{oops\n" + json.dumps({"id": "m2"}) + "\n")
    (tmp_path / "bad.jsonl.gz").write_bytes(b"not gzip at all")
    (tmp_path / "empty.txt").write_text("Listen Live\nAdvertisement\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    articles, skips = load_articles([tmp_path, tmp_path / "missing"])
    assert sorted(a.doc_id for a in articles) == ["good", "m1"]
    reasons = {s.where: s.reason for s in skips}
    assert "binary" in reasons[str(tmp_path / "binary.txt")]
    assert "invalid JSON" in reasons[str(tmp_path / "broken.json")]
    assert "invalid JSON" in reasons[f"{tmp_path / 'mixed.jsonl'}:2"]
    assert "text" in reasons[f"{tmp_path / 'mixed.jsonl'}:3"]
    assert "unreadable" in reasons[str(tmp_path / "bad.jsonl.gz")]
    assert "furniture" in reasons[str(tmp_path / "empty.txt")]
    assert "unsupported" in reasons[str(tmp_path / "image.png")]
    assert "no such file" in reasons[str(tmp_path / "missing")]


def test_duplicate_ids_keep_the_first(tmp_path):
    (tmp_path / "x.jsonl").write_text("".join(json.dumps({"id": "same", "text": BODY + f" Version {i}."}) + "\n" for i in range(2)))
    articles, skips = load_articles([tmp_path])
    assert len(articles) == 1 and "duplicate id" in skips[0].reason


def test_content_hash_changes_with_text_and_metadata(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text(BODY)
    h1 = load_articles([p])[0][0].content_hash
    p.write_text(BODY + " More was said later on Friday by the ministry.")
    h2 = load_articles([p])[0][0].content_hash
    assert h1 != h2


def test_outlet_falls_back_to_the_site_of_the_url():
    from assistant.ingest import make_article
    from assistant.metadata import outlet_of_url as outlet_of

    assert outlet_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert outlet_of("") == "" and outlet_of("not a url") == ""
    article = make_article("d", "Some prose that is long enough to keep as an article body.", url="https://apnews.com/a")
    assert article is not None and article.source == "apnews.com"
    named = make_article("d", "Some prose that is long enough to keep as an article body.", source="AP", url="https://apnews.com/a")
    assert named is not None and named.source == "AP"
