"""Load the answer templates from `prompts/` and check their placeholders once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from assistant.errors import AssistantError

REQUIRED = {
    "answer.txt": {"sentences", "sources"},
    "sources.txt": {"dates"},
    "refusal.txt": {"window"},
    "citation.md": {"number", "title", "date", "source", "quote"},
    "chat_source.md": {"number", "title", "date", "source"},
    "progress_searching.txt": {"question"},
    "progress_reading.txt": {"passages", "articles", "dates"},
    "llm_system.txt": set(),
    "llm_answer.txt": {"sources", "question", "date"},
    "llm_source.txt": {"number", "title", "source", "date", "text"},
    "llm_condense.txt": {"history", "question"},
}


@dataclass(frozen=True)
class Templates:
    answer: Template
    sources: Template
    refusal: Template
    citation: Template
    chat_source: Template
    progress_searching: Template
    progress_reading: Template
    llm_system: Template
    llm_answer: Template
    llm_source: Template
    llm_condense: Template


def _placeholders(template: Template) -> set[str]:
    return {m.group("named") or m.group("braced") for m in template.pattern.finditer(template.template) if m.group("named") or m.group("braced")}


def load_templates(folder: Path) -> Templates:
    """Read every template; raise naming the file and the missing or unknown placeholder."""
    loaded: dict[str, Template] = {}
    for name, needed in REQUIRED.items():
        path = Path(folder) / name
        try:
            template = Template(path.read_text(encoding="utf-8").strip("\n"))
        except OSError as exc:
            raise AssistantError(f"Cannot read prompt template {path}: {exc.strerror}. Set ASSISTANT_PROMPTS_DIR to the prompts/ folder.") from exc
        found = _placeholders(template)
        if needed - found or found - needed:
            raise AssistantError(
                f"Prompt template {path} must use exactly the placeholders {sorted(needed)}; "
                f"missing {sorted(needed - found)}, unknown {sorted(found - needed)}."
            )
        loaded[name.split(".")[0]] = template
    return Templates(**loaded)
