"""The OpenAI-compatible face of the running app, called with the real `openai` client."""

import openai
import pytest

from tests.paths import CORPUS

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def client(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url.rstrip("/") + "/v1", api_key=key, max_retries=0, timeout=120)


def test_models_and_a_cited_answer(app):
    url, _ = app
    c = client(url)
    assert [m.id for m in c.models.list().data] == ["news-assistant"]
    reply = c.chat.completions.create(model="news-assistant", messages=[{"role": "user", "content": QUESTION}])
    content = reply.choices[0].message.content
    assert "Biden" in content and "[1]" in content and "**Sources**" in content  # plain clients show the sources
    citations = reply.model_extra["citations"]
    assert citations and reply.model_extra["refused"] is False
    for c_ in citations:
        source = (CORPUS / f"{c_['doc_id']}.txt").read_text(encoding="utf-8")
        assert source[c_["start"] : c_["end"]] == c_["quote"]  # verbatim, at its offsets
        assert f"[{c_['number']}]" in content and f"[{c_['label']}]" in content  # its article in the list, its quote in the text
    # Numbered by article: one source an article, each quote under it.
    sources = reply.model_extra["sources"]
    assert [s["number"] for s in sources] == list(range(1, len(sources) + 1)) and len({s["doc_id"] for s in sources}) == len(sources)
    assert content.count("- [1] ") == 1 and all(f"- [{s['number']}] *{s['title']}*" in content for s in sources)


def test_streaming_gives_the_same_answer_and_its_citations_last(app):
    url, _ = app
    c = client(url)
    plain = c.chat.completions.create(model="news-assistant", messages=[{"role": "user", "content": QUESTION}])
    chunks = list(c.chat.completions.create(model="news-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True))
    streamed = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert streamed == plain.choices[0].message.content
    assert len(chunks) > 3 and chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == plain.model_extra["citations"]


def test_a_conversation_and_extra_fields(app):
    url, _ = app
    c = client(url)
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Who is Igor Konashenkov?"},
        {"role": "assistant", "content": "A spokesman."},
        {"role": "user", "content": "What did he threaten to do?"},
    ]
    reply = c.chat.completions.create(model="news-assistant", messages=messages)
    assert "suppressed" in reply.choices[0].message.content
    # as_of hides what was published later: nothing about the April 2021 strikes before them.
    early = c.chat.completions.create(model="news-assistant", messages=[{"role": "user", "content": QUESTION}], extra_body={"as_of": "2020-01-01"})
    assert all(cit["published_at"] <= "2020-01-01" for cit in early.model_extra["citations"] if cit["published_at"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"messages": [{"role": "user", "content": QUESTION}], "as_of": "not a date"}, "as_of"),
        ({"messages": [{"role": "user", "content": "   "}]}, "question"),
        ({"messages": [{"role": "assistant", "content": "hello"}]}, "user message"),
    ],
)
def test_bad_requests_get_400_with_the_reason(app, body, words):
    url, _ = app
    c = client(url)
    extra = {k: v for k, v in body.items() if k != "messages"}
    with pytest.raises(openai.BadRequestError) as caught:
        c.chat.completions.create(model="news-assistant", messages=body["messages"], extra_body=extra or None)
    assert caught.value.status_code == 400 and words in str(caught.value)
