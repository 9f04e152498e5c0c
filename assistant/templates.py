"""Load the answer templates and check their placeholders once.

The templates are edited in one place, the top-level `prompts/` folder of the checkout. The
wheel ships that folder as the package `assistant.prompts` (a setuptools package-dir mapping,
no second copy), so an installed wheel finds them wherever it runs; a `prompts_dir` setting
points at a folder of one's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from assistant.errors import AssistantError

REQUIRED = {
    "answer.txt": {"sentences", "sources"},
    "read_answer.txt": {"answer", "quotes", "sources"},
    "sources.txt": {"dates"},
    "refusal.txt": {"window"},
    "citation.md": {"number", "title", "date", "source", "reach", "quote"},
    "chat_source.md": {"number", "title", "date", "source", "reach"},
    "progress_searching.txt": {"question"},
    "progress_reading.txt": {"passages", "articles", "dates"},
    "progress_checking.txt": set(),
    "llm_system.txt": {"refusal"},
    "llm_refusal.txt": set(),
    "reader_declined.txt": set(),
    "llm_answer.txt": {"sources", "question", "date"},
    "llm_article.txt": {"title", "source", "date"},
    "llm_source.txt": {"number", "text"},
    "llm_condense.txt": {"history", "question"},
    "llm_reword.txt": {"question", "missing"},
    "progress_rewording.txt": set(),
    "reworded.txt": {"question"},
    "changes.txt": {"title", "older", "newer", "counts"},
    "change_added.txt": {"new", "new_ref"},
    "change_removed.txt": {"old", "old_ref"},
    "change_edited.txt": {"old", "old_ref", "new", "new_ref", "differs"},
    "changes_more.txt": {"count", "doc_id"},
    "one_version.txt": {"title", "date"},
    "timeline.txt": {"topic", "count"},
    "timeline_event.txt": {"day", "event", "ref"},
    "disagreement.txt": {"values"},
    "superseded.txt": {"new", "new_ref", "newer_date", "old", "old_ref", "older_date"},
}


@dataclass(frozen=True)
class Templates:
    answer: Template
    read_answer: Template
    sources: Template
    refusal: Template
    citation: Template
    chat_source: Template
    progress_searching: Template
    progress_reading: Template
    progress_checking: Template
    llm_system: Template
    llm_refusal: Template
    reader_declined: Template
    llm_answer: Template
    llm_article: Template
    llm_source: Template
    llm_condense: Template
    llm_reword: Template
    progress_rewording: Template
    reworded: Template
    changes: Template
    change_added: Template
    change_removed: Template
    change_edited: Template
    changes_more: Template
    one_version: Template
    timeline: Template
    timeline_event: Template
    disagreement: Template
    superseded: Template


def _placeholders(template: Template) -> set[str]:
    return {m.group("named") or m.group("braced") for m in template.pattern.finditer(template.template) if m.group("named") or m.group("braced")}


# A checkout reads its own prompts/: run from its folder nothing maps `assistant.prompts`, and
# an editable install (`pip install -e .`) cannot import it either (tried: setuptools' editable
# finder maps only the top-level package).
_CHECKOUT_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def packaged_prompts() -> Traversable:
    """The folder of templates that comes with the code: the checkout's `prompts/`, or the
    `assistant.prompts` package data of an installed wheel."""
    if (_CHECKOUT_PROMPTS.parent / "pyproject.toml").is_file() and _CHECKOUT_PROMPTS.is_dir():
        return _CHECKOUT_PROMPTS
    return files("assistant.prompts")


def load_templates(folder: Path | None = None) -> Templates:
    """Read every template from `folder` (default: the packaged ones); raise naming the file
    and the missing or unknown placeholder."""
    base: Path | Traversable = Path(folder) if folder is not None else packaged_prompts()
    loaded: dict[str, Template] = {}
    for name, needed in REQUIRED.items():
        path = base / name
        try:
            template = Template(path.read_text(encoding="utf-8").strip("\n"))
        except OSError as exc:
            hint = (
                "Point ASSISTANT_PROMPTS_DIR at a folder holding every template" if folder is not None else "The installed package is incomplete: reinstall it"
            )
            raise AssistantError(f"Cannot read prompt template {path}: {exc.strerror or exc}. {hint}.") from exc
        found = _placeholders(template)
        if needed - found or found - needed:
            raise AssistantError(
                f"Prompt template {path} must use exactly the placeholders {sorted(needed)}; "
                f"missing {sorted(needed - found)}, unknown {sorted(found - needed)}."
            )
        loaded[name.split(".")[0]] = template
    return Templates(**loaded)
