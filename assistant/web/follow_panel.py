"""The chat's "Followed sources" panel, `GET /api/new` and the MCP tool `whats_new`: the
faces of `assistant.follow`, kept apart from the other panels and routes so that wiring
them in is one line each (`app.build_ui`, `app.web_app`, `mcp_server.build_server`)."""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.
import datetime as dt
import html
import logging
import threading
from typing import Annotated, Any

import gradio as gr
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from assistant.errors import AssistantError, InvalidQuestion
from assistant.follow.follower import follower_for
from assistant.follow.state import last_visit, parse_time
from assistant.follow.whatsnew import NewArticle, moment_text, new_articles, whats_new
from assistant.pipeline import Assistant
from assistant.web.http import auth_check, documented_errors
from assistant.web.payloads import AnswerOut, answer_out

log = logging.getLogger(__name__)

_HEADERS = ["Source", "Kind", "Last fetch", "New", "Articles", "Errors"]


def _cell(text: str) -> str:
    return html.escape(text or "").replace("|", "&#124;")


def sources_table(assistant: Assistant) -> str:
    """The followed sources as a Markdown table (last fetch, new articles, errors)."""
    sources = follower_for(assistant).sources()
    if not sources:
        return "*No source is followed yet. Add a feed, a sitemap or a site's page above.*"
    rows = ["| " + " | ".join(_HEADERS) + " |", "|" + "---|" * len(_HEADERS)]
    for s in sources:
        errors = f"{len(s.last_errors)}: {s.last_errors[0]}" if s.last_errors else "—"
        rows.append(
            f"| {_cell(s.url)} | {_cell(s.kind)} | {_cell(moment_text(parse_time(s.last_fetch)) if s.last_fetch else 'not yet')} | {s.last_new} | {s.articles} | {_cell(errors[:300])} |"
        )
    return "\n".join(rows)


class FollowPanel:
    """Followed sources: the table, add and remove a source, fetch now, and add one article by URL."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        with gr.Accordion("Followed sources", open=False, elem_id="follow"):
            self.table = gr.Markdown(sources_table(assistant), elem_id="follow-sources")
            with gr.Row(equal_height=True):
                self.url = gr.Textbox(label="Feed, sitemap or site URL", placeholder="https://example.org/rss.xml", max_lines=1, scale=4, elem_id="follow-url")
                self.add = gr.Button("Follow", size="sm", scale=1, elem_id="follow-add")
                self.remove = gr.Button("Stop following", size="sm", scale=1, elem_id="follow-remove")
            self.fetch = gr.Button("Fetch now", size="sm", elem_id="follow-fetch")
            with gr.Row(equal_height=True):
                self.article = gr.Textbox(label="Add one article by URL", placeholder="https://example.org/news/story.html", max_lines=1, scale=4)
                self.add_article = gr.Button("Add article", size="sm", scale=1, elem_id="follow-add-article")
            self.status = gr.Markdown(elem_id="follow-status")
            self.timer = gr.Timer(assistant.settings.follow_panel_refresh_seconds)

    def bind(self) -> None:
        private: dict[str, Any] = {"api_visibility": "private"}
        outputs = [self.table, self.status, self.url]
        self.add.click(self.on_add, [self.url], outputs, concurrency_limit=1, **private)
        self.url.submit(self.on_add, [self.url], outputs, concurrency_limit=1, **private)
        self.remove.click(self.on_remove, [self.url], outputs, **private)
        self.fetch.click(self.on_fetch, None, [self.table, self.status], concurrency_limit=1, **private)
        self.add_article.click(self.on_article, [self.article], [self.table, self.status, self.article], concurrency_limit=1, **private)
        # Background fetches (`serve --follow`) show up without a reload.
        self.timer.tick(self.refresh, None, [self.table], queue=False, **private)

    def refresh(self) -> str:
        return sources_table(self.assistant)

    def on_add(self, url: str) -> dict:
        try:
            source = follower_for(self.assistant).add(url)
        except AssistantError as exc:
            return {self.status: f"**Not followed.** {html.escape(str(exc))}"}
        via = f" through its feed {html.escape(source.feed_url)}" if source.feed_url != source.url else ""
        return {
            self.table: self.refresh(),
            self.status: f"Following {html.escape(source.url)}{via} ({source.kind}). Press **Fetch now** or wait for the next fetch.",
            self.url: "",
        }

    def on_remove(self, url: str) -> dict:
        try:
            source = follower_for(self.assistant).remove(url)
        except AssistantError as exc:
            return {self.status: f"**Not removed.** {html.escape(str(exc))}"}
        return {self.table: self.refresh(), self.status: f"No longer following {html.escape(source.url)}.", self.url: ""}

    def on_fetch(self) -> dict:
        try:
            report = follower_for(self.assistant).run()
        except AssistantError as exc:
            return {self.status: f"**Fetch failed.** {html.escape(str(exc))}"}
        lines = [f"**Fetched:** {html.escape(report.summary().splitlines()[0])}"]
        lines += [f"- {html.escape(e)}" for e in report.errors[:10]]
        return {self.table: self.refresh(), self.status: "\n".join(lines)}

    def on_article(self, url: str) -> dict:
        try:
            result = follower_for(self.assistant).add_article(url)
        except AssistantError as exc:
            return {self.status: f"**Not added.** {html.escape(str(exc))}"}
        if result.new or result.revised:
            said = (
                f"Added {html.escape(url)}"
                + (" as a new version of its story" if result.revised else "")
                + f" (`{html.escape((result.new + result.revised)[0])}`)."
            )
        else:
            said = f"{html.escape(url)} is already in the index, unchanged."
        return {self.table: self.refresh(), self.status: said, self.article: ""}


def follow_panel(assistant: Assistant) -> FollowPanel:
    """Build the panel where it is called (inside the page's layout) and wire its events."""
    panel = FollowPanel(assistant)
    panel.bind()
    return panel


# --- REST and MCP -------------------------------------------------------------------------


class NewOut(BaseModel):
    since: str = Field(description="The moment the answer counts from (UTC).")
    articles: list[NewArticle] = Field(description="The new articles, newest first.")
    answer: AnswerOut = Field(description="Their key facts grouped by story, each cited; stories with a new version say what changed.")


def _since(value: str | None, assistant: Assistant) -> tuple[dt.datetime, str]:
    settings = assistant.settings
    if value:
        try:
            moment = parse_time(value.strip())
        except ValueError as exc:
            raise InvalidQuestion(f"Could not read since {value!r}: give a date or date-time like 2026-03-01 or 2026-03-01T08:00:00Z.") from exc
        return moment, moment_text(moment)
    visit = last_visit(settings)
    if visit is not None:
        return visit, f"the last visit ({moment_text(visit)})"
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.follow_new_days)
    return moment, moment_text(moment)


def new_since(assistant: Assistant, since: str | None = None, topic: str | None = None) -> NewOut:
    """What's new since `since` (default: the chat's last "what's new" visit, else `follow_new_days` ago), optionally about `topic`."""
    moment, said = _since(since, assistant)
    retriever = assistant.retriever
    topic = (topic or "").strip()
    articles = new_articles(retriever, assistant.settings, moment, topic)
    answer = whats_new(retriever, assistant.settings, assistant.templates, moment, said, topic)
    return NewOut(
        since=moment.isoformat(timespec="seconds"),
        articles=articles,
        answer=answer_out(answer, assistant.templates),
    )


def follow_router(assistant: Assistant, slots: threading.BoundedSemaphore) -> APIRouter:
    """`GET /api/new?since=&topic=`."""
    router = APIRouter(prefix="/api", tags=["follow"])
    guarded = [Depends(auth_check(assistant.settings))]

    @router.get("/new", dependencies=guarded, responses=documented_errors(400, 401, 503), summary="What's new since a time: new articles by story, cited")
    def new(
        since: Annotated[str | None, Query(description="A date or ISO date-time (UTC when no zone); default: the last visit.")] = None,
        topic: Annotated[str | None, Query(description="Only articles about this, in words.")] = None,
    ) -> NewOut:
        with slots:
            return new_since(assistant, since, topic)

    return router


def register_mcp(server: Any, assistant: Assistant) -> None:
    """The MCP tool `whats_new` on `server` (an `MCPServer`)."""
    from mcp.server.mcpserver.exceptions import ToolError

    @server.tool()
    def whats_new(
        since: Annotated[str | None, Field(description="A date or ISO date-time; default: the chat's last visit.")] = None,
        topic: Annotated[str | None, Field(description="Only articles about this.")] = None,
    ) -> NewOut:
        """The articles that arrived (followed feeds and sitemaps) or were published since a time, newest first, with their key facts grouped by story, each cited; stories that got a new version say what changed."""
        try:
            return new_since(assistant, since, topic)
        except AssistantError as exc:
            raise ToolError(str(exc)) from exc
