"""The Gradio chat page: a shell around `Assistant.stream`, `Assistant.ingest` and the renderers.

One `Assistant` (one loaded model, one index) serves every browser tab; Gradio's queue
decides how many questions run at once. Each tab keeps its conversation (the chat
history and the answers behind the sources panel) in its own session state.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.web.follow_panel import follow_panel, follow_router
from assistant.web.http import ApiFallback, BodyLimit, LoginThrottle, error_content, failed_logins, protect_docs, status_for
from assistant.web.malloc import limit_malloc_arenas, trim_malloc_every
from assistant.web.openai_api import MODEL_ID, openai_router
from assistant.web.panels import ChatPage, ChatPanel, FiltersPanel, SourcesPanel, UploadPanel, corpus_summary
from assistant.web.rest_api import rest_router

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
_API_PREFIXES = ("/api", "/v1")


def answer_slots(settings) -> threading.BoundedSemaphore:
    """How many answers are made at once across the chat, the REST and the OpenAI-compatible
    API (`chat_concurrency`: one per core); the rest wait their turn."""
    return threading.BoundedSemaphore(settings.chat_concurrency)


def build_ui(assistant: Assistant, slots: threading.BoundedSemaphore | None = None) -> gr.Blocks:
    """The chat page: questions in, answers with clickable citations, sources beside them."""
    page = ChatPage(assistant, slots or answer_slots(assistant.settings))
    summary, outlets = corpus_summary(assistant)
    with gr.Blocks(title="News assistant") as demo:
        gr.Markdown("## News assistant\nAnswers only from the indexed news articles; every sentence is cited to a verbatim passage.", elem_id="masthead")
        corpus = gr.Markdown(summary, elem_id="corpus")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, min_width=320, elem_id="chat-column"):
                chat = ChatPanel()
                filters = FiltersPanel(outlets)
                upload = UploadPanel(assistant.settings)
                follow_panel(assistant)  # assistant/web/follow_panel.py: followed sources
            with gr.Column(scale=2, min_width=300, elem_id="sources-column"):
                sources = SourcesPanel()
        page.bind(chat, filters, sources, upload, corpus)
        private = {"api_visibility": "private"}
        # The question box is locked while an answer is made, and unlocked only once that
        # event has finished: a question sent in between would be dropped by Gradio. The
        # question shows in the chat at once (not queued), before the answer waits its turn.
        for trigger in (chat.box.submit, chat.ask.click):
            (
                trigger(page.show_question, [chat.box, chat.chatbot], page.question_outputs, queue=False, **private)
                .then(page.respond, page.answer_inputs, page.answer_outputs, concurrency_id="answer", **private)
                .then(page.unlock, None, chat.controls, queue=False, **private)
                .then(page.export_files, [chat.turns], page.export_outputs, queue=False, **private)
                .then(page.versioned_articles, [chat.turns], [sources.article], queue=False, **private)
            )
        for emptied in (chat.clear.click, chat.chatbot.clear):
            # The chat's own bin icon empties the chat too: the sources and the downloads go
            # with it, or the turns would no longer line up.
            emptied(page.new_chat, None, page.answer_outputs, queue=False, **private).then(
                page.export_files, [chat.turns], page.export_outputs, queue=False, **private
            ).then(page.versioned_articles, [chat.turns], [sources.article], queue=False, **private)
        sources.article.change(page.show_versions, [sources.article], [sources.view], queue=False, **private)
        upload.files.upload(page.add_files, [upload.files], page.upload_outputs, concurrency_limit=1, **private)
        demo.load(page.refresh_corpus, None, [corpus, filters.outlets], **private)
        gr.api(page.answer_api, api_name="answer", concurrency_id="answer")
    return demo


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


def serve(assistant: Assistant) -> None:
    """Serve the chat page for `assistant` until interrupted."""
    limit_malloc_arenas(assistant.settings.malloc_arenas)
    trim_malloc_every(assistant.settings.malloc_trim_seconds)
    assistant.watch_index()
    if assistant.settings.watch_dir is not None:
        from assistant.watch import FolderWatcher

        FolderWatcher(assistant, assistant.settings.watch_dir).start()
        print(f"Keeping the index in step with {assistant.settings.watch_dir}", flush=True)
    if assistant.settings.follow:  # `serve --follow`: fetch the followed sources in the background (assistant/follow)
        from assistant.follow.schedule import start_following

        start_following(assistant)
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
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    protect_docs(app, assistant.settings)  # the API's description needs the login too
    app.include_router(rest_router(assistant, slots))
    app.include_router(openai_router(assistant, slots))
    app.include_router(follow_router(assistant, slots))  # GET /api/new (assistant/web/follow_panel.py)

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
    app.add_middleware(LoginThrottle, limiter=failed_logins(assistant.settings))
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
