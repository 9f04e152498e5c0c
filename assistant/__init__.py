"""Offline question answering over news articles, with every claim cited to an exact passage.

from assistant import Assistant
bot = Assistant(index_dir="index")
bot.ingest(["corpus/"])
print(bot.answer("Who ordered the strikes?").text)
"""

from __future__ import annotations

import os

# Before any ML or UI library is imported: nothing may reach a model hub or phone home.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_name, _value)

from assistant.errors import (  # noqa: E402
    AssistantError,
    CorpusError,
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexNotBuilt,
    InvalidDate,
    InvalidQuestion,
    ModelMissing,
    RequestTooLarge,
    StoreUnavailable,
    UnknownArticle,
)
from assistant.pipeline import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.types import Answer, Article, ArticleDetail, ArticleInfo, Chunk, Citation, IngestReport, Passage, Progress  # noqa: E402

__all__ = [
    "Answer",
    "Article",
    "ArticleDetail",
    "ArticleInfo",
    "Assistant",
    "AssistantError",
    "Chunk",
    "Citation",
    "CorpusError",
    "IndexBusy",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotBuilt",
    "IngestReport",
    "InvalidDate",
    "InvalidQuestion",
    "ModelMissing",
    "Passage",
    "Progress",
    "RequestTooLarge",
    "Settings",
    "StoreUnavailable",
    "UnknownArticle",
    "answer",
    "evaluate",
]

_default: Assistant | None = None


def evaluate(gold, assistant: Assistant | None = None, **kwargs):
    """Score `assistant` (default: the default index) on a gold file or rows; see `assistant.evaluation`."""
    from assistant.evaluation import evaluate as _evaluate

    return _evaluate(gold, assistant, **kwargs)


def answer(question: str, **kwargs) -> Answer:
    """Answer `question` from the default index (settings from `ASSISTANT_*` variables)."""
    global _default
    if _default is None:
        _default = Assistant()
    return _default.answer(question, **kwargs)
