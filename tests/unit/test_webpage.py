"""Saved web pages -> articles (trafilatura), and the cleaning rules for text cut out by markup."""

from assistant.cleaning import clean
from assistant.ingest import load_articles

STORY = (
    "Rescuers pulled 14 survivors from the rubble of the collapsed building on Tuesday, officials said. "
    "The search continued through the night as cranes lifted slabs of concrete from the site."
)
PAGE = f"""<html><head>
<title>Rescuers pull survivors from rubble | Example News</title>
<meta property="og:title" content="Rescuers pull survivors from rubble">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2023-02-07T09:30:00Z">
<meta name="author" content="Jane Reporter">
<link rel="canonical" href="https://news.example.com/2023/02/07/rescue">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Rescuers pull survivors from rubble</h1>
<p>{STORY}</p>
<h2>What comes next</h2>
<ul><li>Engineers will inspect nearby buildings</li><li>Schools stay closed until Friday</li></ul>
<p>Share this article</p>
<p>Sign up for our daily newsletter by email.</p>
<p>Tags: earthquake</p>
</article>
<footer>Copyright 2023 Example News. All rights reserved.</footer>
</body></html>"""


def test_a_news_page_gives_its_article_and_metadata(tmp_path):
    (tmp_path / "rescue.html").write_text(PAGE)
    (article,), skips = load_articles([tmp_path])
    assert skips == []
    assert STORY in article.text
    # Headings and list items are the article's own, though short and without a full stop.
    assert "What comes next" in article.text and "Schools stay closed until Friday" in article.text
    for furniture in ("Home", "Share this article", "newsletter", "Tags:", "All rights reserved"):
        assert furniture not in article.text, furniture
    assert article.title == "Rescuers pull survivors from rubble"
    assert article.published_at == "2023-02-07" and article.source == "Example News"
    assert article.url == "https://news.example.com/2023/02/07/rescue" and article.authors == ("Jane Reporter",)


def test_a_page_in_another_script_keeps_its_text(tmp_path):
    text = "在抗击新冠肺炎疫情的日子里，封在武汉的父母们总要万般无奈而又小心翼翼回应着孩子天真的追问。"
    (tmp_path / "zh.html").write_bytes(
        f"<html><head><meta charset='gb2312'><title>武汉</title></head><body><article><p>{text}</p><p>{text}</p></article></body></html>".encode("gb2312")
    )
    (article,), _ = load_articles([tmp_path])
    assert text in article.text  # decoded by the page's own charset, and not taken for furniture


def test_structured_cleaning_drops_only_lines_that_say_they_are_furniture():
    raw = "Key facts\n\n- 14 survivors\n\nLe puede interesar: otra noticia\n\nThe mayor in Congress (Photo: Jane Doe/Pool via REUTERS).\n\nThe search goes on."
    cleaned = clean(raw, structured=True)
    assert cleaned.text == "Key facts\n\n- 14 survivors\n\nThe search goes on."
    for seg in cleaned.segments:  # every kept piece is where it was
        assert raw[seg.source_start : seg.source_start + seg.length] == cleaned.text[seg.clean_start : seg.clean_start + seg.length]
