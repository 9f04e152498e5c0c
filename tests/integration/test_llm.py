"""Generative backends against real models: llama-cpp-python's OpenAI-compatible server and the
in-process GGUF runtime, both serving the packaged SmolLM2-135M-Instruct."""

import pytest

from assistant import Answer, Assistant
from assistant.types import Progress
from tests.conftest import CORPUS

pytestmark = pytest.mark.integration

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def assert_checked(answer: Answer) -> None:
    """Whatever the model wrote, what is shown is backed: verbatim quotes at their offsets."""
    for c in answer.citations:
        source = (CORPUS / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        assert source[c.start:c.end] == c.quote
    if not answer.refused:
        body = answer.text.split("\n\n")[0]
        assert all(f"[{c.number}]" in body for c in answer.citations)


def test_openai_compatible_server_streams_and_every_kept_sentence_is_checked(built_assistant, llm_server):
    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="openai", llm_url=llm_server, llm_model="smollm2", llm_max_tokens=128)
    events = list(bot.stream(QUESTION))
    writing = [e for e in events if isinstance(e, Progress) and e.stage == "writing"]
    assert len(writing) > 3 and writing[-1].text.startswith(writing[0].text)  # streamed, piece by piece
    final = events[-1]
    assert isinstance(final, Answer) and final.backend == "openai" and not final.notice.startswith("The language model could not")
    assert_checked(final)
    assert final.refused or final.citations


def test_the_stream_itself_through_llama_index(llm_server):
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(model="smollm2", api_base=llm_server, api_key="none", is_chat_model=True, max_tokens=32, temperature=0)
    deltas = [c.delta for c in llm.stream_chat([ChatMessage(role="user", content="Name three colours.")])]
    assert len([d for d in deltas if d]) > 2


def test_follow_up_is_condensed_by_the_model_or_by_rules(built_assistant, llm_server):
    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="openai", llm_url=llm_server, llm_max_tokens=128)
    answer = bot.answer("What did he threaten to do?", history=["Who is Igor Konashenkov?"])
    assert answer.standalone_question and answer.standalone_question != ""
    assert_checked(answer)


def test_unreachable_server_gives_the_extractive_answer_with_a_notice(built_assistant):
    from tests.conftest import free_port

    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="openai", llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5)
    answer = bot.answer(QUESTION)
    assert not answer.refused and "Biden" in answer.text
    assert answer.backend == "extractive" and "could not answer" in answer.notice


def test_local_gguf_backend(built_assistant):
    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="local", llm_max_tokens=96)
    final = list(bot.stream(QUESTION))[-1]
    assert final.backend == "local" and not final.notice.startswith("The language model could not")
    assert_checked(final)
