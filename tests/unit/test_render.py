from assistant.citations import by_article
from assistant.templates import load_templates
from assistant.types import Answer, Citation
from assistant.web.render import chat_markdown, context_around, escape_markdown, sources_panel

TEMPLATES = load_templates()  # the packaged templates: no settings are read at import time


def citation(n: int, quote: str, **kw) -> Citation:
    base = dict(
        number=n,
        doc_id=f"doc{n}",
        title=f"Title {n}",
        source="Wire",
        url="https://example.org/a",
        published_at="2024-01-02",
        quote=quote,
        start=0,
        end=len(quote),
        score=1.0,
    )
    return Citation(**{**base, **kw})


def test_chat_markdown_keeps_markers_and_escapes_article_text():
    answer = Answer("q", "Prices *fell* <b>5%</b> [1] and rose [2]", False, [citation(1, "Prices fell"), citation(2, "and rose", title="A_b <script>")])
    md = chat_markdown(answer, TEMPLATES)
    assert "[1]" in md and "[2]" in md and r"\[1\]" not in md
    assert r"\*fell\*" in md and "&lt;b&gt;" in md and "<b>" not in md
    assert "&lt;script&gt;" in md and r"A\_b" in md
    assert "Wire" in md and "2 January 2024" in md


def test_refusal_is_a_block_quote():
    md = chat_markdown(Answer("q", "The articles do not cover this.\nTry again.", True), TEMPLATES)
    assert all(line.startswith(">") for line in md.splitlines())


def test_escape_markdown_leaves_plain_words_alone():
    assert escape_markdown("plain words 2024") == "plain words 2024"


def test_context_is_the_paragraph_around_the_quote():
    text = "First paragraph.\n\nBefore the quote. The quote itself. After it.\n\nNext paragraph."
    ctx = context_around(text, "The quote itself.", 500)
    assert (ctx.before, ctx.quote, ctx.after) == ("Before the quote. ", "The quote itself.", " After it.")
    # Long paragraphs are cut at word boundaries, marked with an ellipsis.
    long = " ".join(f"word{i}" for i in range(200)) + " QUOTE " + " ".join(f"more{i}" for i in range(200))
    ctx = context_around(long, "QUOTE", 100)
    assert ctx.before.startswith("…") and ctx.after.endswith("…")
    assert len(ctx.before) + len(ctx.after) <= 110
    assert not ctx.before[1:].startswith("ord")  # no half words
    # A quote that is not in the text is shown alone.
    assert context_around("other text", "missing", 100) == context_around("", "missing", 100)


def test_sources_panel_cards_per_turn_newest_shown_and_escaped():
    a1 = Answer("first?", "x [1]", False, [citation(1, "x")])
    a2 = Answer("second <i>?", "y [1] z [2]", False, [citation(1, "y"), citation(2, "z", url="javascript:alert(1)")])
    out = sources_panel([(a1, {}), (a2, {"2": context_around("before z after", "z", 100)})], "empty")
    assert 'id="src-1-1"' in out and 'id="src-2-1"' in out and 'id="src-2-2"' in out
    assert '<section class="src-turn" id="src-turn-1">' in out and '<section class="src-turn shown" id="src-turn-2">' in out
    assert "second &lt;i&gt;?" in out and "<i>" not in out
    assert "before <mark>z</mark> after" in out
    assert "javascript:" not in out  # only http(s) links become links
    assert "empty" in sources_panel([], "empty")


def test_exported_conversation_lists_each_question_answer_and_source():
    import json

    from assistant.web.render import conversation_json, conversation_markdown

    first = Answer("Who ordered it?", "Biden ordered it. [1]", False, [citation(1, "Biden ordered the strikes.", start=10, end=36)])
    follow = Answer(
        "And then?", "Russia condemned it. [1]", False, [citation(1, "Russia condemned it.")], standalone_question="What happened after the strikes?"
    )
    refused = Answer("Who won the cup?", "The indexed articles do not cover this.", True, closest=[citation(1, "A cup final was played.")])
    md = conversation_markdown([first, follow, refused], TEMPLATES, "2026-12-03 10:00:00 UTC")
    assert md.index("## 1. Who ordered it?") < md.index("## 2. And then?") < md.index("## 3. Who won the cup?")
    assert "*Read as: What happened after the strikes?*" in md
    assert "Biden ordered the strikes." in md and "`doc1`, characters 10–36" in md and "<https://example.org/a>" in md
    assert "**Closest coverage**" in md and "A cup final was played." in md
    data = json.loads(conversation_json([first, follow, refused], "2026-12-03 10:00:00 UTC"))
    assert data["exported_at"] == "2026-12-03 10:00:00 UTC"
    # Each turn is the answer numbered by article, with its sources grouped by article.
    assert [{k: v for k, v in t.items() if k != "sources"} for t in data["turns"]] == [by_article(a).to_dict() for a in (first, follow, refused)]
    assert data["turns"][0]["sources"][0]["quotes"][0]["quote"] == "Biden ordered the strikes." and data["turns"][2]["sources"] == []


def test_an_answer_found_by_the_reworded_question_says_so_everywhere():
    from assistant.web.render import conversation_markdown, to_terminal

    answer = Answer(
        "Who disclosed the notice?", "Sergei Lavrov disclosed it [1].", False, [citation(1, "Lavrov said")], reworded_question="Who revealed the warning?"
    )
    for shown in (chat_markdown(answer, TEMPLATES), to_terminal(answer, TEMPLATES), conversation_markdown([answer], TEMPLATES, "now")):
        assert "searching again" in shown and "Who revealed the warning?" in shown
    refused = Answer("Who disclosed the notice?", "The indexed articles do not cover this.", True, reworded_question="Who revealed the warning?")
    assert "searching again" not in chat_markdown(refused, TEMPLATES)


def test_sources_are_listed_by_article_with_each_quote_under_it():
    from assistant.web.render import to_markdown, to_terminal

    answer = Answer(
        "q",
        "One [1]. Two [2]. Three [3].",
        False,
        [citation(1, "first quote", doc_id="a"), citation(2, "second quote", doc_id="b", source="", url=""), citation(3, "third quote", doc_id="a")],
    )
    md = chat_markdown(answer, TEMPLATES)
    assert md.startswith("One [1a]. Two [2]. Three [1b].")
    assert md.count("[1] *Title 1*") == 1 and "[2] *Title 2* — 2 January 2024 — outlet unknown" in md
    rest = to_markdown(answer, TEMPLATES)
    assert "- [1] *Title 1* — 2 January 2024 — Wire\n  - **1a** “first quote”\n  - **1b** “third quote”" in rest
    assert "  - “second quote”" in rest
    assert "1b “third quote”" in to_terminal(answer, TEMPLATES)
    panel = sources_panel([(answer, {"1b": context_around("before third quote after", "third quote", 100)})], "")
    assert panel.count('class="src-card"') == 2 and 'id="src-1-1"' in panel and 'id="src-1-1b-quote"' in panel and 'id="src-1-2-quote"' in panel
    assert "before <mark>third quote</mark> after" in panel and "outlet unknown" in panel


def test_a_derived_title_is_marked_as_such():
    answer = Answer("q", "x [1]", False, [citation(1, "x", title="On Thursday night, the Pentagon…", title_derived=True)])
    assert "untitled: title from its text" in chat_markdown(answer, TEMPLATES)
    assert 'class="src-derived"' in sources_panel([(answer, {})], "")
    plain = Answer("q", "x [1]", False, [citation(1, "x")])
    assert "untitled" not in chat_markdown(plain, TEMPLATES) and "src-derived" not in sources_panel([(plain, {})], "")


def test_read_as_and_as_of_are_said_under_the_answer_and_the_refusal():
    from assistant.web.render import to_markdown

    follow = Answer("What did he threaten?", "He threatened it [1].", False, [citation(1, "x")], standalone_question="What did Igor Konashenkov threaten?")
    md = chat_markdown(follow, TEMPLATES)
    assert "*Read as: What did Igor Konashenkov threaten?*" in md and md.index("Read as") < md.index("*Title 1*")
    assert "Read as" not in chat_markdown(Answer("q", "x [1]", False, [citation(1, "x")], standalone_question="q"), TEMPLATES)
    dated = Answer("q", "x [1]", False, [citation(1, "x")], as_of="2021-03-01")
    refused = Answer("q", "The articles do not cover this.", True, as_of="2021-03-01")
    for shown in (chat_markdown(dated, TEMPLATES), chat_markdown(refused, TEMPLATES), to_markdown(dated, TEMPLATES), to_markdown(refused, TEMPLATES)):
        assert "As of 1 March 2021" in shown


def test_closest_coverage_of_a_refusal_has_markers_into_the_sources_panel():
    refused = Answer("q", "The articles do not cover this.", True, closest=[citation(1, "near", doc_id="a"), citation(2, "nearer", doc_id="b")])
    md = chat_markdown(refused, TEMPLATES)
    assert "**Closest coverage:**\n- [1] *Title 1*" in md and "- [2] *Title 2*" in md
    panel = sources_panel([(refused, {})], "")
    assert 'id="src-1-1"' in panel and 'id="src-1-2-quote"' in panel and "Closest coverage" in panel
