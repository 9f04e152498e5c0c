"""The Gradio chat page: a shell around `Assistant.stream`, `Assistant.ingest` and the renderers.

One `Assistant` (one loaded model, one index) serves every browser tab; Gradio's queue
decides how many questions run at once. Each tab keeps its conversation (the chat
history and the answers behind the sources panel) in its own session state.
"""

from __future__ import annotations

import ctypes
import html
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import AssistantError
from assistant.ingest import SUPPORTED_SUFFIXES
from assistant.pipeline import Assistant
from assistant.types import Answer, Progress
from assistant.web.http import ApiFallback, BodyLimit, error_content, status_for
from assistant.web.openai_api import MODEL_ID, openai_router
from assistant.web.render import Context, chat_markdown, context_around, conversation_json, conversation_markdown, sources_panel
from assistant.web.rest_api import rest_router
from assistant.web.uploads import save_uploads, upload_dir

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
_M_ARENA_MAX = -8  # mallopt's parameter number for the arena cap, from glibc's malloc.h
EXAMPLES = [
    "Who ordered the strikes on militia facilities in eastern Syria?",
    "What did Russia say about the US strikes?",
    "Who is Igor Konashenkov?",
]
PANEL_PLACEHOLDER = "Sources of the answers appear here. Click a [n] marker in an answer to see its passage."

Turn = tuple[Answer, dict[str, Context]]
_API_PREFIXES = ("/api", "/v1")


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


def _lock() -> tuple[dict, dict]:
    return gr.update(interactive=False), gr.update(interactive=False)


def _unlock() -> tuple[dict, dict]:
    return gr.update(interactive=True), gr.update(interactive=True)


def _status(text: str) -> str:
    return f"*{html.escape(text)}*"


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
    return (
        f"**Index:** {stats['articles']} articles in {stats['stories']} stories{dates}"
        + (f" ({undated} undated)" if undated else "")
        + f"; {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}; {stats['chunks']} passages."
    ), outlets


def answer_slots(settings) -> threading.BoundedSemaphore:
    """How many answers are made at once across the chat, the REST and the OpenAI-compatible
    API (`chat_concurrency`: one per core); the rest wait their turn."""
    return threading.BoundedSemaphore(settings.chat_concurrency)


def build_ui(assistant: Assistant, slots: threading.BoundedSemaphore | None = None) -> gr.Blocks:
    """The chat page: questions in, answers with clickable citations, sources beside them."""
    settings = assistant.settings
    slots = slots or answer_slots(settings)
    templates = assistant.templates

    def contexts_for(answer: Answer) -> dict[str, Context]:
        texts: dict[str, str] = {}
        out = {}
        for c in answer.citations or answer.closest:
            if c.doc_id not in texts:
                texts[c.doc_id] = assistant.article_text(c.doc_id)
            out[str(c.number)] = context_around(texts[c.doc_id], c.quote, settings.context_chars)
        return out

    def respond(message: str, history: list[Any], turns: list[Turn], as_of: str, since: str, until: str, outlets: list[str] | None):
        with slots:  # shared with the APIs: one answer per core, whichever face asked
            yield from answer_turn(message, list(history or []), list(turns or []), as_of, since, until, outlets)

    def answer_turn(message: str, history: list[Any], turns: list[Turn], as_of: str, since: str, until: str, outlets: list[str] | None):
        try:
            events = assistant.stream(
                message,
                history=user_questions(history),
                as_of=(as_of or "").strip() or None,
                since=(since or "").strip() or None,
                until=(until or "").strip() or None,
                sources=outlets or None,
            )
            first = next(events)  # bad input raises here, before the chat changes
        except AssistantError as exc:
            yield gr.skip(), gr.skip(), gr.skip(), _alert(str(exc)), gr.skip()
            return
        except Exception as exc:  # shown as one line; the trace goes to the log
            log.exception("answer failed")
            yield gr.skip(), gr.skip(), gr.skip(), _alert(f"Something went wrong while answering: {exc}"), gr.skip()
            return
        pending = history + [{"role": "user", "content": message}, {"role": "assistant", "content": _status(first.message)}]
        yield pending, gr.skip(), gr.skip(), _no_alert(), ""
        try:
            for event in events:
                if isinstance(event, Progress) and event.answer is not None:
                    # The quoted answer, shown while the model reads; its sources are clickable already.
                    draft = turns + [(event.answer, contexts_for(event.answer))]
                    pending[-1] = {"role": "assistant", "content": chat_markdown(event.answer, templates) + "\n\n" + _status(event.message)}
                    yield pending, gr.skip(), sources_panel(draft, PANEL_PLACEHOLDER), gr.skip(), gr.skip()
                elif isinstance(event, Progress):
                    pending[-1] = {"role": "assistant", "content": _status(event.message)}
                    yield pending, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                else:
                    turns.append((event, contexts_for(event)))
                    pending[-1] = {"role": "assistant", "content": chat_markdown(event, templates)}
                    yield pending, turns, sources_panel(turns, PANEL_PLACEHOLDER), gr.skip(), gr.skip()
        except Exception as exc:
            log.exception("answer failed")
            # The question goes back into the box, the half-made turn leaves the chat.
            yield history, gr.skip(), gr.skip(), _alert(f"Something went wrong while answering: {exc}"), message

    def new_chat():
        return [], [], sources_panel([], PANEL_PLACEHOLDER), _no_alert(), ""

    # Gradio copies a file it is handed into its own cache; these copies only wait for that.
    exports = Path(tempfile.mkdtemp(prefix="news-assistant-exports-"))

    def export_files(turns: list[Turn]):
        """The conversation so far as conversation.md and conversation.json, for the download buttons."""
        answers = [answer for answer, _ in turns or []]
        if not answers:
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        folder = Path(tempfile.mkdtemp(prefix="conversation-", dir=exports))
        _remove_older(exports, settings.export_keep_seconds)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        md, js = folder / "conversation.md", folder / "conversation.json"
        md.write_text(conversation_markdown(answers, templates, stamp), encoding="utf-8")
        js.write_text(conversation_json(answers, stamp), encoding="utf-8")
        return gr.update(value=str(md), visible=True), gr.update(value=str(js), visible=True)

    def add_files(files: list[str] | None, progress=gr.Progress()):
        if not files:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        saved = save_uploads(list(files), settings.corpus_dir, int(settings.max_upload_mb * 1_000_000))
        lines = []
        if saved.files:
            progress(0, desc="Reading the articles")
            try:
                report = assistant.ingest(
                    saved.files,
                    progress=False,
                    root=settings.corpus_dir,
                    on_progress=lambda done, total: progress((done, total), desc="Embedding passages", unit="passages"),
                )
            except AssistantError as exc:
                lines.append(f"**Nothing was added.** {html.escape(str(exc))}")
            except Exception as exc:
                log.exception("upload ingest failed")
                lines.append(f"**Nothing was added.** Ingest failed: {html.escape(str(exc))}")
            else:
                lines.append(
                    f"**Added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
                    f"skipped {len(report.skipped)}** ({report.chunks_embedded} passages embedded in {report.seconds:.1f} s)."
                )
                lines += [f"- added `{doc}`" for doc in report.added] + [f"- updated `{doc}`" for doc in report.updated]
                lines += [f"- skipped {html.escape(Path(where).name)}: {html.escape(why)}" for where, why in report.skipped]
        lines += [f"- rejected {html.escape(name)}: {html.escape(why)}" for name, why in saved.rejected]
        summary, outlets = corpus_summary(assistant)
        return "\n".join(lines), summary, gr.update(choices=outlets), None

    def refresh_corpus():
        summary, outlets = corpus_summary(assistant)
        return summary, gr.update(choices=outlets)

    def answer_api(
        question: str, as_of: str = "", since: str = "", until: str = "", sources: list[str] | None = None, history: list[str] | None = None
    ) -> dict:
        """Answer a question from the index: the same structure as `Answer.to_dict()`.

        `history` lists the earlier questions of the conversation, oldest first.
        """
        try:
            with slots:
                answer = assistant.answer(
                    question,
                    history=history or None,
                    as_of=(as_of or "").strip() or None,
                    since=(since or "").strip() or None,
                    until=(until or "").strip() or None,
                    sources=sources or None,
                )
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        return answer.to_dict()

    summary, outlets = corpus_summary(assistant)
    accepted = sorted({s.split(".")[-1] for s in SUPPORTED_SUFFIXES})
    with gr.Blocks(title="News assistant") as demo:
        gr.Markdown("## News assistant\nAnswers only from the indexed news articles; every sentence is cited to a verbatim passage.")
        corpus = gr.Markdown(summary, elem_id="corpus")
        turns = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height="62vh",
                    buttons=["copy"],
                    placeholder="Ask a question about the articles in the index.",
                )
                alert = gr.Markdown(visible=False, elem_id="alert")
                with gr.Row(equal_height=True):
                    box = gr.Textbox(label="Question", placeholder="Ask about the news…", lines=1, max_lines=4, scale=5, autofocus=True)
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                with gr.Row():
                    clear = gr.Button("New chat", size="sm")
                    export_md = gr.DownloadButton("Download chat (Markdown)", size="sm", visible=False, elem_id="export-md")
                    export_json = gr.DownloadButton("Download chat (JSON)", size="sm", visible=False, elem_id="export-json")
                gr.Examples(EXAMPLES, inputs=[box], label="Examples (bundled corpus)")
                with gr.Accordion("Filters", open=False):
                    with gr.Row():
                        since = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
                        until = gr.Textbox(label="Published until", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
                        as_of = gr.Textbox(label="As of (ignore later articles)", placeholder="YYYY-MM-DD", max_lines=1, min_width=120)
                    outlet_box = gr.Dropdown(choices=outlets, value=[], multiselect=True, label="Sources (outlets); none chosen = all")
                with gr.Accordion("Add articles", open=False):
                    files = gr.File(
                        label=f"Upload articles ({', '.join(accepted)}; up to {settings.max_upload_mb:g} MB each)",
                        file_count="multiple",
                        file_types=sorted(set(SUPPORTED_SUFFIXES)),
                        type="filepath",
                    )
                    gr.Markdown(f"Uploaded files are saved in `{upload_dir(settings.corpus_dir)}` and added to the index.")
                    upload_summary = gr.Markdown(elem_id="upload-summary")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                panel = gr.HTML(sources_panel([], PANEL_PLACEHOLDER), elem_id="sources-panel")

        inputs = [box, chatbot, turns, as_of, since, until, outlet_box]
        outputs = [chatbot, turns, panel, alert, box]
        # The question box is locked while an answer is made, and unlocked only once that
        # event has finished: a question sent in between would be dropped by Gradio.
        for trigger in (box.submit, ask.click):
            (
                trigger(_lock, None, [box, ask], api_visibility="private", queue=False)
                .then(respond, inputs, outputs, api_visibility="private", concurrency_id="answer")
                .then(_unlock, None, [box, ask], api_visibility="private", queue=False)
                .then(export_files, [turns], [export_md, export_json], api_visibility="private", queue=False)
            )
        for emptied in (clear.click, chatbot.clear):
            # The chat's own bin icon empties the chat too: the sources and the downloads go
            # with it, or the turns would no longer line up.
            emptied(new_chat, None, [chatbot, turns, panel, alert, box], api_visibility="private", queue=False).then(
                export_files, [turns], [export_md, export_json], api_visibility="private", queue=False
            )
        files.upload(add_files, [files], [upload_summary, corpus, outlet_box, files], api_visibility="private", concurrency_limit=1)
        demo.load(refresh_corpus, None, [corpus, outlet_box], api_visibility="private")
        gr.api(answer_api, api_name="answer", concurrency_id="answer")
    return demo


def _remove_older(root: Path, seconds: float) -> None:
    cutoff = time.time() - seconds
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def launch_options(assistant: Assistant) -> dict[str, Any]:
    """How `launch` is called: address, login, upload limit, the page's script and style."""
    s = assistant.settings
    auth = None
    if s.auth is not None:
        user, _, password = s.auth.get_secret_value().partition(":")
        auth = (user, password)
    return {
        "server_name": s.host,
        "server_port": s.port,
        "share": s.share,
        "auth": auth,
        "max_file_size": int(s.max_upload_mb * 1_000_000),
        "show_error": True,
        "js": (STATIC / "chat.js").read_text(encoding="utf-8"),
        "css": (STATIC / "chat.css").read_text(encoding="utf-8"),
        "footer_links": ["api"],
    }


def main(assistant: Assistant | None = None) -> None:
    """Build the index from the bundled corpus on first run, then serve the chat."""
    assistant = assistant or Assistant()
    if not assistant.store.exists():
        print(f"Building the index at {assistant.store.location} from {assistant.settings.corpus_dir} (first run)…", flush=True)
        report = assistant.ingest([assistant.settings.corpus_dir], progress=True)
        print(report.summary(), flush=True)
    serve(assistant)


def limit_malloc_arenas(arenas: int) -> None:
    """Cap glibc's malloc arenas. Gradio answers on a pool of threads, and glibc gives threads
    arenas of their own that each keep their high-water mark. A no-op off glibc."""
    if arenas <= 0:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        log.debug("mallopt unavailable; malloc arenas left as they are")


def trim_malloc_every(seconds: float) -> None:
    """Hand freed heap memory back to the system every `seconds` (0: never), from a daemon thread.

    Measured under load: the memory the server really uses stays near 310 MB of heap, but
    glibc keeps what answers free (fragmented, so it cannot shrink the heap by itself) and
    the resident size grew by ~0.7 MB an answer; `malloc_trim(0)` gave it back (1,450 ->
    916 MB). A no-op off glibc.
    """
    if seconds <= 0:
        return
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        log.debug("malloc_trim unavailable; freed memory stays with the process")
        return

    def loop() -> None:
        while True:
            time.sleep(seconds)
            trim(0)

    threading.Thread(target=loop, name="malloc-trim", daemon=True).start()


def serve(assistant: Assistant) -> None:
    """Serve the chat page for `assistant` until interrupted."""
    limit_malloc_arenas(assistant.settings.malloc_arenas)
    trim_malloc_every(assistant.settings.malloc_trim_seconds)
    assistant.watch_index()
    if assistant.settings.watch_dir is not None:
        from assistant.watch import FolderWatcher

        FolderWatcher(assistant, assistant.settings.watch_dir).start()
        print(f"Keeping the index in step with {assistant.settings.watch_dir}", flush=True)
    slots = answer_slots(assistant.settings)
    demo = build_ui(assistant, slots).queue(default_concurrency_limit=assistant.settings.chat_concurrency)
    options = launch_options(assistant)
    s = assistant.settings
    print(f"Chat on http://{s.host}:{s.port}" + (" (login required)" if options["auth"] else ""), flush=True)
    if s.share:
        # A share link tunnels Gradio's own server, which has no /v1 routes.
        log.warning("with share on, the OpenAI-compatible API is not served")
        demo.launch(**options)
        return
    import uvicorn

    print(f"REST API on http://{s.host}:{s.port}/api (OpenAPI at /docs); OpenAI-compatible API on /v1 (model {MODEL_ID!r})", flush=True)
    uvicorn.run(web_app(assistant, demo, options, slots), host=s.host, port=s.port, log_level="warning")


def web_app(assistant: Assistant, demo: gr.Blocks | None, options: dict[str, Any], slots: threading.BoundedSemaphore | None = None):
    """One FastAPI app: the REST API under /api, the OpenAI-compatible routes under /v1 and
    (unless `demo` is None) the chat at /, sharing `slots` (how many answers at once)."""
    slots = slots or answer_slots(assistant.settings)
    app = FastAPI(
        title="News assistant",
        version="1",
        description='Answers from the indexed news articles, every sentence cited to a verbatim passage. Errors are `{"error": {"message", "type", "code"}}`.',
    )
    app.include_router(rest_router(assistant, slots))
    app.include_router(openai_router(assistant, slots))

    @app.exception_handler(AssistantError)
    async def assistant_error(request, exc: AssistantError):
        status = status_for(exc)
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(error_content(status, str(exc), type(exc).__name__), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request, exc: RequestValidationError):
        return JSONResponse(error_content(400, validation_message(exc.errors()), "InvalidRequest"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, exc: StarletteHTTPException):
        return JSONResponse(error_content(exc.status_code, str(exc.detail), "HTTPError"), status_code=exc.status_code, headers=exc.headers)

    # The chat, mounted at /, would take every other request under /api and /v1 and answer
    # with its own page or 404: these get the API's 404 and 405 instead.
    app.add_middleware(ApiFallback, routes=list(app.routes), prefixes=_API_PREFIXES)
    app.add_middleware(BodyLimit, max_bytes=int(assistant.settings.max_request_mb * 1_000_000), prefixes=_API_PREFIXES)
    if demo is None:
        return app
    mounted = {k: options[k] for k in ("auth", "max_file_size", "show_error", "js", "css", "footer_links")}
    return gr.mount_gradio_app(app, demo, path="", server_name=options["server_name"], server_port=options["server_port"], **mounted)


def validation_message(errors: list[dict[str, Any]]) -> str:
    """FastAPI's validation errors as one sentence a person can act on."""
    parts = []
    for err in errors[:5]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "The request is not valid: " + "; ".join(parts) + "."
