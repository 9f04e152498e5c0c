"""The assistant as a Model Context Protocol server (`assistant mcp`, stdio), so agents and
editors that speak MCP can search the articles, get cited answers and read an article.

Tools return structured data (the same shapes as the REST API) and, as text, JSON of it;
the assistant's errors come back as tool errors with the CLI's messages. Stdout carries
the protocol: everything else the assistant says goes to stderr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.types import ArticleDetail, VersionChanges
from assistant.web.payloads import AnswerOut, PassagesOut, answer_out

INSTRUCTIONS = (
    "Answers questions from an index of news articles. Every sentence of an answer is cited to a verbatim "
    "passage ([n] markers match `citations`); a refusal means the articles do not cover the question. "
    'Use `search_articles` for passages, `answer_question` for a cited answer (it also answers "what changed in the '
    'latest version of…" and "timeline of…"), `get_article` for a whole article and the versions of its story, '
    "`story_changes` for what changed between those versions."
)

T = TypeVar("T")


class ChangesOut(BaseModel):
    changes: list[VersionChanges] = Field(description="From each version of the story to the next, oldest first; empty for a story of one version.")


_Date = Annotated[str | None, Field(description="A date, YYYY-MM-DD or in words.")]


def _run(call: Callable[[], T]) -> T:
    try:
        return call()
    except AssistantError as exc:
        raise ToolError(str(exc)) from exc


def build_server(assistant: Assistant) -> MCPServer:
    server = MCPServer("news-assistant", instructions=INSTRUCTIONS, version="1")

    @server.tool()
    def search_articles(
        query: Annotated[str, Field(description="What to look for, in words.")],
        k: Annotated[int | None, Field(description="Passages to return (default: the top_k setting).")] = None,
        as_of: _Date = None,
        since: _Date = None,
        until: _Date = None,
        sources: Annotated[list[str] | None, Field(description="Only these outlets.")] = None,
    ) -> PassagesOut:
        """The passages of the indexed articles that best match `query`, best first, each with its article's title, date, outlet and offsets."""
        return PassagesOut(passages=_run(lambda: assistant.retrieve(query, as_of=as_of, since=since, until=until, k=k, sources=sources)))

    @server.tool()
    def answer_question(
        question: Annotated[str, Field(description="The question, in words.")],
        history: Annotated[list[str] | None, Field(description="Earlier questions of the conversation, oldest first.")] = None,
        as_of: Annotated[str | None, Field(description="Answer as the news stood on this date; later articles are hidden.")] = None,
        since: _Date = None,
        until: _Date = None,
        sources: Annotated[list[str] | None, Field(description="Only these outlets.")] = None,
    ) -> AnswerOut:
        """A short answer from the articles with [n] citations to verbatim quotes (article, date, character offsets), or a refusal when the articles do not cover it. `markdown` is the answer with its source list."""
        answer = _run(lambda: assistant.answer(question, history=history, as_of=as_of, since=since, until=until, sources=sources))
        return answer_out(answer, assistant.templates)

    @server.tool()
    def get_article(doc_id: Annotated[str, Field(description="An article's id, as in a citation's or passage's `doc_id`.")]) -> ArticleDetail:
        """One indexed article: its metadata, its cleaned text (citation offsets point into it) and the versions of its story, oldest first."""
        return _run(lambda: assistant.article(doc_id))

    @server.tool()
    def story_changes(
        doc_id: Annotated[str, Field(description="An article's id; its story's versions are compared.")],
        against: Annotated[str | None, Field(description="Compare with this other version only.")] = None,
        since: _Date = None,
    ) -> ChangesOut:
        """What changed between the versions of an article's story: sentences added, removed, changed (a number, day or name replaced) and reworded, each side cited to its version with offsets."""
        return ChangesOut(changes=_run(lambda: assistant.changes(doc_id, against=against, since=since)))

    from assistant.web.follow_panel import register_mcp

    register_mcp(server, assistant)  # the `whats_new` tool (assistant/web/follow_panel.py)
    return server


def serve_stdio(assistant: Assistant) -> None:
    """Serve MCP over stdin/stdout until the client closes them."""
    build_server(assistant).run("stdio")
