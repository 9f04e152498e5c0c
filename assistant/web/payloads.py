"""The request and response shapes the API faces share (REST, MCP), so an answer travels
the same way whichever face asked for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.citations import by_article, sources_of
from assistant.errors import InvalidQuestion
from assistant.settings import ServingSettings
from assistant.templates import Templates
from assistant.types import Answer, ArticleSource, Passage
from assistant.web.render import to_markdown


class QuestionBody(BaseModel):
    """A question and what narrows it: the same arguments as `Assistant.answer`."""

    model_config = ConfigDict(extra="forbid")

    # The limits are stated in the schema but checked by the assistant, so that a bad
    # question gets the same message as from the CLI.
    question: str = Field(
        description="The question, in words.",
        json_schema_extra={"minLength": 1, "pattern": "[^\\W_]"},
    )
    history: list[str] = Field(default_factory=list, description="Earlier questions of the conversation, oldest first (for follow-ups).")
    as_of: str | None = Field(default=None, description="A date (YYYY-MM-DD or words): answer as the news stood then; later articles are hidden.")
    since: str | None = Field(default=None, description="Only articles published on or after this date.")
    until: str | None = Field(default=None, description="Only articles published on or before this date.")
    sources: list[str] | None = Field(default=None, description="Only articles from these outlets.")
    # Strict: JSON `true` is not the number 1, nor "3" the number 3.
    k: int | None = Field(default=None, strict=True, description="Passages to use (default: the `top_k` setting).")


class AnswerOut(BaseModel):
    answer: Answer = Field(
        description="The answer as `Answer.to_dict()`, sources numbered by article: text with [n] / [na] markers, each citation "
        'with its article\'s `number`, its quote\'s `label` ("1", or "1a", "1b" for an article\'s several quotes), the verbatim quote and its offsets.'
    )
    markdown: str = Field(description="The answer followed by its sources, one per article with its quotes under it, as the chat shows it.")
    sources: list[ArticleSource] = Field(
        default_factory=list,
        description="The cited articles, numbered as in the text: title (`title_derived` when made from its text), outlet, date, url, and its quotes.",
    )


class PassagesOut(BaseModel):
    passages: list[Passage] = Field(description="Best first, each with its article's metadata and its offsets in the article text.")


def answer_out(answer: Answer, templates: Templates) -> AnswerOut:
    grouped = by_article(answer)
    return AnswerOut(answer=grouped, markdown=to_markdown(grouped, templates), sources=sources_of(grouped.citations))


def _valid_text(value: Any, field: str, limit: int | None) -> str:
    if not isinstance(value, str):
        raise InvalidQuestion(f"`{field}` must be text, not {type(value).__name__}.")
    if limit is not None and len(value) > limit:
        raise InvalidQuestion(f"`{field}` is {len(value)} characters long; the limit is {limit}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidQuestion(
            f"`{field}` is not valid Unicode: it holds a lone surrogate ({value[exc.start]!r}) at character {exc.start}; send UTF-8 text."
        ) from None
    return value


def check_request(
    settings: ServingSettings,
    question: Any = None,
    history: Sequence[Any] | None = None,
    as_of: Any = None,
    since: Any = None,
    until: Any = None,
    sources: Sequence[Any] | None = None,
) -> None:
    """Every text a client sends, against its limit (settings `max_question_chars`,
    `max_history_items`, `max_field_chars`, `max_sources`) and for valid Unicode: an
    InvalidQuestion (400) names the field and the limit before any work is done."""
    if question is not None:
        # The question's own checks (empty, no words) are the assistant's; its length is
        # counted here too, as the assistant counts it, so nothing huge gets further.
        text = _valid_text(question, "question", None)
        if len(text.strip()) > settings.max_question_chars:
            raise InvalidQuestion(f"The question is {len(text.strip())} characters long; the limit is {settings.max_question_chars}. Ask something shorter.")
    if history is not None:
        if len(history) > settings.max_history_items:
            raise InvalidQuestion(f"`history` holds {len(history)} questions; the limit is {settings.max_history_items} (send the latest ones).")
        for i, item in enumerate(history):
            _valid_text(item, f"history[{i}]", settings.max_question_chars)
    for name, value in (("as_of", as_of), ("since", since), ("until", until)):
        if value is not None:
            _valid_text(value, name, settings.max_field_chars)
    if sources is not None:
        if isinstance(sources, str):
            sources = [sources]
        if len(sources) > settings.max_sources:
            raise InvalidQuestion(f"`sources` names {len(sources)} outlets; the limit is {settings.max_sources}.")
        for i, item in enumerate(sources):
            _valid_text(item, f"sources[{i}]", settings.max_field_chars)
