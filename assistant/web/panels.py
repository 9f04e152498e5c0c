"""The chat page's panels: each builds its components and names them, so handlers update
components by name (a dict keyed by component) instead of by position in a tuple.

`ChatPage` wires the panels to one `Assistant`: the question flow, new chat, the
downloads, uploads and the corpus line. `assistant.web.app.build_ui` lays them out.
"""

from __future__ import annotations

import html
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.citations import by_article
from assistant.errors import AssistantError
from assistant.ingest import SUPPORTED_SUFFIXES, Limits
from assistant.pipeline import Assistant
from assistant.types import Answer, Progress
from assistant.web.payloads import check_request
from assistant.web.render import (
    Context,
    chat_markdown,
    context_around,
    conversation_json,
    conversation_markdown,
    escape_markdown,
    sources_panel,
    versions_markdown,
)
from assistant.web.uploads import save_uploads

log = logging.getLogger(__name__)

EXAMPLES = [
    "Who ordered the strikes on militia facilities in eastern Syria?",
    "What did Russia say about the US strikes?",
    "Who is Igor Konashenkov?",
]
PANEL_PLACEHOLDER = "Sources of the answers appear here. Click a [n] marker in an answer to see its passage."
WAITING = "Looking for your answer in the articles…"
VERSIONS_PLACEHOLDER = "Pick a cited article to see the versions of its story and what changed from each to the next."

Turn = tuple[Answer, dict[str, Context]]


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


def _alert(message: str) -> dict:
    return gr.update(value=f"**Could not answer.** {html.escape(message)}", visible=True)


def _no_alert() -> dict:
    return gr.update(value="", visible=False)


def _status(text: str) -> str:
    return f"*{html.escape(text)}*"


def _blank(text: str | None) -> str | None:
    return (text or "").strip() or None


def corpus_summary(assistant: Assistant) -> tuple[str, list[str]]:
    """One line about the index, and the outlets it holds (for the sources filter)."""
    try:
        stats = assistant.stats()
    except AssistantError as exc:
        return f"**No index yet.** {html.escape(str(exc))} Upload articles below to start one.", []
    if not stats["articles"]:
        return "**The index is empty.** Upload articles below, or run `assistant ingest PATH`.", []
    outlets = list(stats["sources"])
    dates = f", published {stats['oldest']} to {stats['newest']}" if stats["newest"] else ""
    undated = stats["articles"] - stats["dated_articles"]
    undescribed = stats.get("undescribed_articles", 0)
    return (
        f"**Index:** {stats['articles']} articles in {stats['stories']} stories{dates}"
        + (f" ({undated} undated)" if undated else "")
        + f"; {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}; {stats['chunks']} passages."
        + (
            f" {undescribed} article{'s were' if undescribed != 1 else ' was'} indexed before titles and outlets were derived from the text:"
            " run `assistant ingest` on the corpus folder again to add them."
            if undescribed
            else ""
        )
    ), outlets


class ChatPanel:
    """The conversation: the chat, the alert line, the question box, new chat and the downloads."""

    def __init__(self) -> None:
        # The conversation fills the window's height (chat.css sizes it); the page's script
        # follows new text unless the reader scrolled away, so Gradio's own scrolling is off.
        self.chatbot = gr.Chatbot(
            elem_id="chat",
            label="Chat",
            height="100%",
            autoscroll=False,
            buttons=["copy"],
            placeholder="Ask a question about the articles in the index.",
        )
        self.alert = gr.Markdown(visible=False, elem_id="alert")
        with gr.Row(equal_height=True):
            self.box = gr.Textbox(label="Question", placeholder="Ask about the news…", lines=1, max_lines=4, scale=5, autofocus=True, elem_id="question")
            self.ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
        with gr.Row():
            self.clear = gr.Button("New chat", size="sm")
            self.export_md = gr.DownloadButton("Download chat (Markdown)", size="sm", visible=False, elem_id="export-md")
            self.export_json = gr.DownloadButton("Download chat (JSON)", size="sm", visible=False, elem_id="export-json")
        gr.Examples(EXAMPLES, inputs=[self.box], label="Examples (bundled corpus)")
        self.turns = gr.State([])  # the answers behind the sources panel, one per assistant message
        # The question being answered: {"question", "shown"} ("shown": already in the chat).
        self.pending = gr.State({})

    @property
    def controls(self) -> list[gr.components.Component]:
        return [self.box, self.ask]


class FiltersPanel:
    """Date window, as-of date and outlets."""

    def __init__(self, outlets: list[str]) -> None:
        with gr.Accordion("Filters", open=False):
            with gr.Row():
                self.since = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
                self.until = gr.Textbox(label="Published until", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
                self.as_of = gr.Textbox(label="As of (ignore later articles)", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
            self.outlets = gr.Dropdown(choices=outlets, value=[], multiselect=True, label="Sources (outlets); none chosen = all")

    @property
    def inputs(self) -> list[gr.components.Component]:
        return [self.as_of, self.since, self.until, self.outlets]


class UploadPanel:
    """Files added to the index from the browser."""

    def __init__(self, settings) -> None:
        with gr.Accordion("Add articles", open=False):
            # No `file_types`: every file reaches the server, so one it cannot read gets its
            # reason in the summary below instead of only a passing toast.
            self.files = gr.File(label="Upload articles", file_count="multiple", type="filepath", elem_id="upload-files")
            gr.Markdown(
                f"Accepted: {', '.join(SUPPORTED_SUFFIXES)} (up to {settings.max_upload_mb:g} MB each). "
                "Uploaded files are kept with the corpus (in its `uploads/` folder) and added to the index.",
                elem_id="upload-help",
            )
            self.summary = gr.Markdown(elem_id="upload-summary")


class SourcesPanel:
    """The cited passages of every answer so far, opened from the [n] markers."""

    def __init__(self) -> None:
        gr.Markdown("### Sources")
        self.html = gr.HTML(sources_panel([], PANEL_PLACEHOLDER), elem_id="sources-panel")
        with gr.Accordion("Versions of a cited story", open=False, elem_id="versions"):
            self.article = gr.Dropdown(
                label="A cited article whose story has other versions", choices=[], value=None, interactive=True, elem_id="versions-article"
            )
            self.view = gr.Markdown(VERSIONS_PLACEHOLDER, elem_id="versions-view")


class ChatPage:
    """The handlers behind the panels, for one `Assistant` shared by every tab."""

    def __init__(self, assistant: Assistant, slots: threading.BoundedSemaphore) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.slots = slots
        # Gradio copies a file it is handed into its own cache; these copies only wait for that.
        self.exports = Path(tempfile.mkdtemp(prefix="news-assistant-exports-"))

    def bind(self, chat: ChatPanel, filters: FiltersPanel, sources: SourcesPanel, upload: UploadPanel, corpus: gr.Markdown) -> None:
        self.chat, self.filters, self.sources, self.upload, self.corpus = chat, filters, sources, upload, corpus

    def _contexts_for(self, answer: Answer) -> dict[str, Context]:
        """The paragraph around each quote of `answer` (numbered by article), by its label."""
        texts: dict[str, str] = {}
        out = {}
        for c in answer.citations or answer.closest:
            if c.doc_id not in texts:
                texts[c.doc_id] = self.assistant.article_text(c.doc_id)
            out[c.label or str(c.number)] = context_around(texts[c.doc_id], c.quote, self.settings.context_chars)
        return out

    def _panel(self, turns: list[Turn]) -> str:
        return sources_panel(turns, PANEL_PLACEHOLDER)

    # The outputs of `respond`, by name; a handler's dict updates only the components it names.
    @property
    def answer_outputs(self) -> list[gr.components.Component]:
        return [self.chat.chatbot, self.chat.turns, self.sources.html, self.chat.alert, self.chat.box]

    @property
    def answer_inputs(self) -> list[gr.components.Component]:
        return [self.chat.pending, self.chat.chatbot, self.chat.turns, *self.filters.inputs]

    @property
    def question_outputs(self) -> list[gr.components.Component]:
        return [self.chat.chatbot, self.chat.pending, self.chat.box, self.chat.ask, self.chat.alert]

    def show_question(self, message: str, history: list[Any]) -> dict:
        """Lock the question box and put the question in the chat at once, before it waits
        for a free answer slot and the search (a follow-up is rewritten first, which can
        take seconds). A blank one is left to `respond`, which says what is wrong."""
        chat = self.chat
        locked = {chat.box: gr.update(interactive=False), chat.ask: gr.update(interactive=False)}
        if not (message or "").strip():
            return {**locked, chat.pending: {"question": message or "", "shown": False}}
        shown = list(history or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": _status(WAITING)}]
        return {
            **locked,
            chat.chatbot: shown,
            chat.pending: {"question": message, "shown": True},
            chat.box: gr.update(value="", interactive=False),
            chat.alert: _no_alert(),
        }

    def respond(self, pending: dict, history: list[Any], turns: list[Turn], as_of: str, since: str, until: str, outlets: list[str] | None):
        message = str((pending or {}).get("question", ""))
        history = list(history or [])
        if (pending or {}).get("shown"):
            history = history[:-2]  # the question and its waiting line, shown by `show_question`
        with self.slots:  # shared with the APIs: one answer per core, whichever face asked
            yield from self._answer_turn(message, history, list(turns or []), as_of, since, until, outlets)

    def _answer_turn(self, message: str, history: list[Any], turns: list[Turn], as_of: str, since: str, until: str, outlets: list[str] | None):
        chat, panel = self.chat, self.sources.html
        try:
            events = self.assistant.stream(
                message,
                history=user_questions(history),
                as_of=_blank(as_of),
                since=_blank(since),
                until=_blank(until),
                sources=outlets or None,
            )
            first = next(events)  # bad input raises here, before the chat changes
        except AssistantError as exc:
            # The question leaves the chat and goes back into the box, with the reason.
            yield {chat.alert: _alert(str(exc)), chat.chatbot: history, chat.box: message}
            return
        except Exception as exc:  # shown as one line; the trace goes to the log
            log.exception("answer failed")
            yield {chat.alert: _alert(f"Something went wrong while answering: {exc}"), chat.chatbot: history, chat.box: message}
            return
        pending = history + [{"role": "user", "content": message}, {"role": "assistant", "content": _status(first.message)}]
        yield {chat.chatbot: pending, chat.alert: _no_alert(), chat.box: ""}
        try:
            for event in events:
                if isinstance(event, Progress) and event.answer is not None:
                    # The quoted answer, shown while the model reads; its sources are clickable already.
                    quoted = by_article(event.answer)
                    draft = turns + [(quoted, self._contexts_for(quoted))]
                    pending[-1] = {"role": "assistant", "content": chat_markdown(quoted, self.assistant.templates) + "\n\n" + _status(event.message)}
                    yield {chat.chatbot: pending, panel: self._panel(draft)}
                elif isinstance(event, Progress):
                    pending[-1] = {"role": "assistant", "content": _status(event.message)}
                    yield {chat.chatbot: pending}
                else:
                    event = by_article(event)  # sources numbered by article, as every face shows them
                    turns.append((event, self._contexts_for(event)))
                    pending[-1] = {"role": "assistant", "content": chat_markdown(event, self.assistant.templates)}
                    yield {chat.chatbot: pending, chat.turns: turns, panel: self._panel(turns)}
        except Exception as exc:
            log.exception("answer failed")
            # The question goes back into the box, the half-made turn leaves the chat.
            yield {chat.chatbot: history, chat.alert: _alert(f"Something went wrong while answering: {exc}"), chat.box: message}

    # --- the versions view of the sources panel ---------------------------------------

    def versioned_articles(self, turns: list[Turn]) -> dict:
        """The cited articles of the conversation whose story the index holds in several
        versions, newest answer first, for the versions view's list."""
        choices: list[tuple[str, str]] = []
        seen: set[str] = set()
        for answer, _ in reversed(turns or []):
            for c in answer.citations:
                if c.doc_id in seen:
                    continue
                seen.add(c.doc_id)
                try:
                    versions = self.assistant.article(c.doc_id).versions
                except AssistantError:
                    continue  # removed from the index since it was cited
                if len(versions) > 1:
                    when = c.published_at or "date unknown"
                    choices.append((f"{c.title or c.doc_id} ({when}, {len(versions)} versions)", c.doc_id))
        return {self.sources.article: gr.update(choices=choices, value=None)}

    def show_versions(self, doc_id: str | None) -> dict:
        view = self.sources.view
        if not doc_id:
            return {view: VERSIONS_PLACEHOLDER}
        try:
            versions = self.assistant.article(doc_id).versions
            story = self.assistant.changes(doc_id)
        except AssistantError as exc:
            return {view: f"*{escape_markdown(str(exc))}*"}
        return {view: versions_markdown(versions, story)}

    def new_chat(self) -> dict:
        chat = self.chat
        return {chat.chatbot: [], chat.turns: [], self.sources.html: self._panel([]), chat.alert: _no_alert(), chat.box: ""}

    def unlock(self) -> dict:
        return {control: gr.update(interactive=True) for control in self.chat.controls}

    @property
    def export_outputs(self) -> list[gr.components.Component]:
        return [self.chat.export_md, self.chat.export_json]

    def export_files(self, turns: list[Turn]) -> dict:
        """The conversation so far as conversation.md and conversation.json, for the download buttons."""
        md_button, json_button = self.export_outputs
        answers = [answer for answer, _ in turns or []]
        if not answers:
            return {md_button: gr.update(value=None, visible=False), json_button: gr.update(value=None, visible=False)}
        folder = Path(tempfile.mkdtemp(prefix="conversation-", dir=self.exports))
        _remove_older(self.exports, self.settings.export_keep_seconds)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        md, js = folder / "conversation.md", folder / "conversation.json"
        md.write_text(conversation_markdown(answers, self.assistant.templates, stamp), encoding="utf-8")
        js.write_text(conversation_json(answers, stamp), encoding="utf-8")
        return {md_button: gr.update(value=str(md), visible=True), json_button: gr.update(value=str(js), visible=True)}

    @property
    def upload_outputs(self) -> list[gr.components.Component]:
        return [self.upload.summary, self.corpus, self.filters.outlets, self.upload.files]

    def add_files(self, files: list[str] | None, progress=gr.Progress()) -> dict:
        if not files:
            return {}
        settings = self.settings
        saved = save_uploads(list(files), settings.corpus_dir, int(settings.max_upload_mb * 1_000_000), limits=Limits.of(settings))
        lines = []
        problems = [f"{name}: {why}" for name, why in saved.rejected]
        if saved.files:
            progress(0, desc="Reading the articles")
            try:
                report = self.assistant.ingest(
                    saved.files,
                    progress=False,
                    root=settings.corpus_dir,
                    on_progress=lambda done, total: progress((done, total), desc="Embedding passages", unit="passages"),
                )
            except AssistantError as exc:
                lines.append(f"**Nothing was added.** {html.escape(str(exc))}")
                problems.append(str(exc))
            except Exception as exc:
                log.exception("upload ingest failed")
                lines.append(f"**Nothing was added.** Ingest failed: {html.escape(str(exc))}")
                problems.append(f"ingest failed: {exc}")
            else:
                saved.drop_unused(set(report.added) | set(report.updated) | set(report.unchanged), report.skipped)
                lines.append(
                    f"**Added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
                    f"skipped {len(report.skipped)}** ({report.chunks_embedded} passages embedded in {report.seconds:.1f} s)."
                )
                lines += [f"- added `{doc}`" for doc in report.added] + [f"- updated `{doc}`" for doc in report.updated]
                lines += [f"- skipped {html.escape(Path(where).name)}: {html.escape(why)}" for where, why in report.skipped]
                problems += [f"{Path(where).name}: {why}" for where, why in report.skipped]
                if report.added or report.updated:
                    gr.Info(f"Added {len(report.added)} and updated {len(report.updated)} articles.")
        if not saved.files:  # every file was refused before it was saved (issue 33)
            lines.append("**Nothing was added.**")
        lines += [f"- rejected {html.escape(name)}: {html.escape(why)}" for name, why in saved.rejected]
        if problems:
            # The summary keeps the full list; the toast says at once that something was left out.
            gr.Warning(f"{len(problems)} not added: " + "; ".join(problems[: self.settings.upload_warning_items]))
        summary, outlets = corpus_summary(self.assistant)
        return {self.upload.summary: "\n".join(lines), self.corpus: summary, self.filters.outlets: gr.update(choices=outlets), self.upload.files: None}

    def refresh_corpus(self) -> dict:
        summary, outlets = corpus_summary(self.assistant)
        return {self.corpus: summary, self.filters.outlets: gr.update(choices=outlets)}

    def answer_api(
        self, question: str, as_of: str = "", since: str = "", until: str = "", sources: list[str] | None = None, history: list[str] | None = None
    ) -> dict:
        """Answer a question from the index: the same structure as `Answer.to_dict()`.

        `history` lists the earlier questions of the conversation, oldest first.
        """
        try:
            check_request(self.settings, question, history, _blank(as_of), _blank(since), _blank(until), sources)
            with self.slots:
                answer = self.assistant.answer(
                    question, history=history or None, as_of=_blank(as_of), since=_blank(since), until=_blank(until), sources=sources or None
                )
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        return by_article(answer).to_dict()


def _remove_older(root: Path, seconds: float) -> None:
    cutoff = time.time() - seconds
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
