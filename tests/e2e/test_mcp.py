"""`assistant mcp`: the MCP server over stdio, driven by the official MCP SDK's own client."""

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from mcp import Client, StdioServerParameters

from assistant.citations import by_article
from tests.paths import CORPUS

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def call(index, *calls: tuple[str, dict]) -> tuple[list[str], list]:
    """Start `assistant mcp` on `index`, list its tools and make `calls`, in one session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant.cli", "--index", str(index), "--llm", "extractive", "mcp"], env=env)

    async def session():
        async with Client(params, read_timeout_seconds=300) as client:
            tools = await client.list_tools()
            results = [await client.call_tool(name, args) for name, args in calls]
            return [t.name for t in tools.tools], results, {t.name: t for t in tools.tools}

    # In a thread of its own: Playwright's sync API may hold this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        names, results, tools = pool.submit(asyncio.run, session()).result()
    assert tools["answer_question"].input_schema["required"] == ["question"]
    assert tools["answer_question"].output_schema is not None  # structured results, described
    return names, results


def test_tools_answer_search_and_read_with_citations(built_assistant):
    index = built_assistant.settings.index_dir
    names, (answered, searched, article, changed, follow, timeline) = call(
        index,
        ("answer_question", {"question": QUESTION}),
        ("search_articles", {"query": "What did Russia say about the US strikes?", "k": 3}),
        ("get_article", {"doc_id": "001_5618d79fe3bfd785"}),
        ("story_changes", {"doc_id": "001_5618d79fe3bfd785"}),
        ("answer_question", {"question": "What did he threaten to do?", "history": ["Who is Igor Konashenkov?"]}),
        ("answer_question", {"question": "How did that story unfold, step by step?", "history": [QUESTION]}),
    )
    assert names == ["search_articles", "answer_question", "get_article", "story_changes", "whats_new"]

    assert not answered.is_error
    answer = answered.structured_content["answer"]
    expected = by_article(built_assistant.answer(QUESTION))  # sources numbered by article, as every face shows them
    assert answer["text"] == expected.text and "Biden" in answer["text"]
    for c in answer["citations"]:
        source = (CORPUS / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert source[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['label']}]" in answer["text"]
    sources = answered.structured_content["sources"]
    assert [s["number"] for s in sources] == list(range(1, len(sources) + 1)) and len({s["doc_id"] for s in sources}) == len(sources)
    assert {s["outlet"] for s in sources} <= {"Sputnik", ""} and all(s["title"] and s["title_derived"] for s in sources)
    assert "**Sources**" in answered.structured_content["markdown"]
    assert "Biden" in answered.content[0].text  # clients that read only text see it too

    # A follow-up is read against the conversation, and says how it was read.
    followed = follow.structured_content["answer"]
    assert "Konashenkov" in followed["read_as"] and "suppressed" in followed["text"]
    # A timeline asked in other words, as a later turn, is a timeline of the story in focus.
    told = timeline.structured_content["answer"]
    assert told["intent"] == "timeline" and told["timeline"] and "2021" in told["text"]

    passages = searched.structured_content["passages"]
    assert any("Zakharova" in p["text"] for p in passages)
    assert [p["doc_id"] for p in passages] == [p.doc_id for p in built_assistant.retrieve("What did Russia say about the US strikes?", k=3)]

    detail = article.structured_content
    assert detail["article"]["doc_id"] == "001_5618d79fe3bfd785" and "Biden" in detail["text"]
    assert [v["doc_id"] for v in detail["versions"]] == ["000_42dd889af19354b1", "001_5618d79fe3bfd785"]

    (pair,) = changed.structured_content["changes"]
    assert (pair["older"]["doc_id"], pair["newer"]["doc_id"]) == ("000_42dd889af19354b1", "001_5618d79fe3bfd785")
    assert any(c["kind"] == "added" and "Lavrov revealed" in c["new"]["quote"] for c in pair["changes"])


def test_bad_calls_are_tool_errors_with_the_cli_messages(built_assistant):
    _, (empty, unknown, bad_date) = call(
        built_assistant.settings.index_dir,
        ("answer_question", {"question": "  "}),
        ("get_article", {"doc_id": "nope"}),
        ("search_articles", {"query": "strikes", "as_of": "someday"}),
    )
    assert empty.is_error and "The question is empty" in empty.content[0].text
    assert unknown.is_error and "No article with id 'nope'" in unknown.content[0].text
    assert bad_date.is_error and "as_of" in bad_date.content[0].text
