"""The request and response shapes the API faces share (REST, MCP), so an answer travels
the same way whichever face asked for it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from assistant.citations import by_article, sources_of
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
    k: int | None = Field(default=None, description="Passages to use (default: the `top_k` setting).")


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
