"""The Gradio chat app: a thin shell around `Assistant.answer`."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.render import to_markdown

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who ordered the strikes on militia facilities in eastern Syria?",
    "What did Russia say about the US strikes?",
    "Who is Igor Konashenkov?",
]


def _text_of(content: Any) -> str:
    # Gradio hands message content as a string, a {"text": ...} dict, or a list of parts.
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, (list, tuple)):
        return " ".join(_text_of(part) for part in content)
    return ""


def user_questions(history: list[Any] | None) -> list[str]:
    """The earlier user questions of a Gradio chat history, oldest first."""
    out = []
    for message in history or []:
        if isinstance(message, dict) and message.get("role") == "user":
            text = _text_of(message.get("content")).strip()
            if text:
                out.append(text)
    return out


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The chat page: questions in, answers with numbered, dated, verbatim sources out."""

    def respond(message: str, history: list[Any], as_of: str) -> str:
        try:
            answer = assistant.answer(message, history=user_questions(history), as_of=(as_of or "").strip() or None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        except Exception as exc:  # shown as one line; the trace goes to the log
            log.exception("answer failed")
            raise gr.Error(f"Something went wrong while answering: {exc}") from exc
        return to_markdown(answer, assistant.templates)

    def answer_json(question: str, as_of: str = "") -> dict:
        try:
            return assistant.answer(question, as_of=(as_of or "").strip() or None).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc

    try:
        stats = assistant.stats()
        about = f"{stats['articles']} articles ({stats['stories']} stories), published {stats['oldest'] or '?'} to {stats['newest'] or '?'}."
    except AssistantError:
        about = "No articles indexed yet: run `assistant ingest PATH`."

    with gr.Blocks(title="News assistant") as demo:
        gr.Markdown(f"## News assistant\nAnswers only from the indexed articles, every sentence cited. {about}")
        as_of = gr.Textbox(label="As of (YYYY-MM-DD): ignore articles published later", placeholder="optional", max_lines=1, render=False)
        gr.ChatInterface(
            respond,
            chatbot=gr.Chatbot(label="Chat", height=520),
            textbox=gr.Textbox(placeholder="Ask about the news…", label="Question", submit_btn=True),
            additional_inputs=[as_of],
            additional_inputs_accordion="Date filter",
            examples=[[e, ""] for e in EXAMPLES],
            api_name="chat",
        )
        gr.api(answer_json, api_name="answer")
    return demo


def main(assistant: Assistant | None = None) -> None:
    """Build the index from the bundled corpus on first run, then serve the chat."""
    assistant = assistant or Assistant()
    if not assistant.store.exists():
        print(f"Building the index at {assistant.store.location} from {assistant.settings.corpus_dir} (first run)…", flush=True)
        report = assistant.ingest([assistant.settings.corpus_dir], progress=True)
        print(report.summary(), flush=True)
    demo = build_ui(assistant)
    print(f"Chat on http://{assistant.settings.host}:{assistant.settings.port}", flush=True)
    demo.queue(default_concurrency_limit=2).launch(server_name=assistant.settings.host, server_port=assistant.settings.port, show_error=True)
