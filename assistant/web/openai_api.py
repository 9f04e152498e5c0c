"""The assistant as an OpenAI-compatible chat model: `GET /v1/models`, `POST /v1/chat/completions`.

Any OpenAI client (the `openai` package, Open WebUI, editors) can ask it questions. The
reply's content is the answer people see in the chat, `[n]` markers and a Markdown source
list included, so plain clients show the sources too; sources are numbered by article
(`[1]`, or `[1a]`, `[1b]` for an article's several quotes). The citations also travel as
data in extra `citations` (number, label, doc id, title, date, url, quote, offsets) and
`sources` (the same, grouped by article) fields, on the response and on the last chunk of
a stream. Earlier user messages are the conversation
history; `as_of`, `since`, `until` and `sources` may be passed as extra body fields.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.citations import by_article, sources_of
from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.web.http import auth_check, documented_errors, error_content, status_for
from assistant.web.payloads import check_request
from assistant.web.render import to_markdown

MODEL_ID = "news-assistant"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            parts = [p.get("text") for p in self.content if p.get("type") == "text"]
            if any(not isinstance(t, str) for t in parts):
                raise OpenAIError(400, 'A text content part must be {"type": "text", "text": "<text>"}: its `text` is not a string.')
            return " ".join(parts)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    as_of: str | None = None
    since: str | None = None
    until: str | None = None
    sources: list[str] | None = None


class OpenAIError(Exception):
    """An error in the shape OpenAI clients read: {"error": {"message", "type", "code"}}."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


def error_response(exc: OpenAIError) -> JSONResponse:
    return JSONResponse(status_code=exc.status, content=error_content(exc.status, exc.message, exc.kind))


def citations_data(answer) -> list[dict[str, Any]]:
    return [asdict(c) for c in answer.citations]


def openai_router(assistant: Assistant, slots: threading.BoundedSemaphore) -> APIRouter:
    """The `/v1` routes over `assistant`, sharing its index, its model and the `slots` that
    bound how many answers are made at once with the chat and the REST API."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(auth_check(assistant.settings))], tags=["openai"])

    @router.get("/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "news-assistant"}]}

    def answer_for(body: ChatRequest):
        limits = assistant.settings
        if len(body.messages) > limits.max_messages:
            raise OpenAIError(400, f"The request holds {len(body.messages)} messages; the limit is {limits.max_messages}.")
        texts = [(m.role, m.text()) for m in body.messages]
        for i, (role, text) in enumerate(texts):
            if role != "user" and len(text) > limits.max_message_chars:
                raise OpenAIError(400, f"messages[{i}] ({role}) is {len(text)} characters long; the limit is {limits.max_message_chars}.")
        users = [text.strip() for role, text in texts if role == "user"]
        if not users or not users[-1]:
            raise OpenAIError(400, "The last message must be a user message with a question.")
        question, history = users[-1], [u for u in users[:-1] if u]
        # The latest questions are the history that matters; older ones are left out.
        history = history[-limits.max_history_items :]
        try:
            check_request(limits, question, history, body.as_of, body.since, body.until, body.sources)
            with slots:
                return assistant.answer(question, history=history, as_of=body.as_of, since=body.since, until=body.until, sources=body.sources)
        except AssistantError as exc:
            status = status_for(exc)
            raise OpenAIError(status, str(exc), "invalid_request_error" if status < 500 else "server_error") from exc

    @router.post("/chat/completions", responses=documented_errors(400, 401, 503))
    def chat_completions(body: ChatRequest):
        started = int(time.time())
        ident = f"chatcmpl-{uuid.uuid4().hex}"
        # Answered before anything is sent, so a bad question gets its status code, streaming or not.
        try:
            answer = answer_for(body)
        except OpenAIError as exc:
            return error_response(exc)
        answer = by_article(answer)  # sources numbered by article, in the content and in the data
        content = to_markdown(answer, assistant.templates)
        extra = {"citations": citations_data(answer), "sources": [asdict(s) for s in sources_of(answer.citations)], "refused": answer.refused}
        if not body.stream:
            return {
                "id": ident,
                "object": "chat.completion",
                "created": started,
                "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                **extra,
            }

        def chunk(delta: dict, finish: str | None = None, **more: Any) -> str:
            data = {"id": ident, "object": "chat.completion.chunk", "created": started, "model": MODEL_ID}
            data["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
            return f"data: {json.dumps({**data, **more}, ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            # Line by line, so a client shows the answer before its source list.
            lines = content.split("\n")
            for i, line in enumerate(lines):
                yield chunk({"content": line + ("\n" if i < len(lines) - 1 else "")})
            yield chunk({}, "stop", **extra)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return router
