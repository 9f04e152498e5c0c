"""The assistant as a Model Context Protocol server (`assistant mcp`, stdio), so agents and
editors that speak MCP can search the articles, get cited answers and read an article.

Tools return structured data (the same shapes as the REST API) and, as text, JSON of it;
the assistant's errors come back as tool errors with the CLI's messages. Stdout carries
the protocol: everything else the assistant says goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from io import TextIOWrapper
from typing import Annotated, Any, TypeVar

import anyio
import mcp_types as types
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import BaseModel, Field

from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.types import ArticleDetail, VersionChanges
from assistant.web.payloads import AnswerOut, PassagesOut, answer_out, check_request

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
    settings = assistant.settings

    @server.tool()
    def search_articles(
        query: Annotated[str, Field(description="What to look for, in words.")],
        k: Annotated[int | None, Field(strict=True, description="Passages to return (default: the top_k setting).")] = None,
        as_of: _Date = None,
        since: _Date = None,
        until: _Date = None,
        sources: Annotated[list[str] | None, Field(description="Only these outlets.")] = None,
    ) -> PassagesOut:
        """The passages of the indexed articles that best match `query`, best first, each with its article's title, date, outlet and offsets."""
        _run(lambda: check_request(settings, query, None, as_of, since, until, sources))
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
        _run(lambda: check_request(settings, question, history, as_of, since, until, sources))
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
    """Serve MCP over stdin/stdout until the client closes them. A line that is not a
    JSON-RPC message (not JSON, cut short, nested too deeply, invalid Unicode) is answered
    with a JSON-RPC error at once, instead of being dropped while the client waits."""
    server = build_server(assistant)
    anyio.run(_serve_checked, server)


async def _serve_checked(server: MCPServer) -> None:
    lines = _CheckedLines(anyio.wrap_file(_Unowned(sys.stdin.buffer, encoding="utf-8", errors="replace")))
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
        lines.replies = write_stream
        lines.ready.set()
        low = server._lowlevel_server  # what MCPServer.run_stdio_async runs, with checked lines
        await low.run(read_stream, write_stream, low.create_initialization_options())


class _Unowned(TextIOWrapper):
    """A text layer over stdin whose close leaves stdin open."""

    def close(self) -> None:
        with suppress(ValueError):
            self.detach()


class _CheckedLines:
    """The client's lines, each checked before the MCP session sees it."""

    def __init__(self, stdin: Any) -> None:
        self.stdin = stdin
        self.replies: Any = None
        self.ready = anyio.Event()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self.stdin:
            if not line.strip():
                continue
            problem = rpc_problem(line)
            if problem is None:
                yield line
                continue
            await self.ready.wait()
            ident, code, message = problem
            error = types.JSONRPCError(jsonrpc="2.0", id=ident, error=types.ErrorData(code=code, message=message))
            await self.replies.send(SessionMessage(error))


def rpc_problem(line: str) -> tuple[str | int | None, int, str] | None:
    """(request id or None, JSON-RPC error code, message) for a line that is not a valid
    JSON-RPC message, or None when it is one."""
    try:
        data = json.loads(line)
    except RecursionError:
        return None, types.PARSE_ERROR, "Parse error: the JSON is nested too deeply."
    except ValueError as exc:
        return None, types.PARSE_ERROR, f"Parse error: not valid JSON ({exc})."
    ident = data.get("id") if isinstance(data, dict) else None
    ident = ident if isinstance(ident, (str, int)) and not isinstance(ident, bool) else None
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return ident, types.INVALID_REQUEST, f"Invalid request: a string holds a lone surrogate ({exc.object[exc.start]!r}); send valid Unicode."
    except RecursionError:
        return ident, types.PARSE_ERROR, "Parse error: the JSON is nested too deeply."
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except Exception as exc:  # pydantic's ValidationError, or its parser's own limits
        first = str(exc).splitlines()[0][:200]
        return ident, types.INVALID_REQUEST, f"Invalid request: not a JSON-RPC 2.0 message ({first})."
    return None
