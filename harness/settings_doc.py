"""The settings reference in docs/settings.md, written from the fields of `Settings`' sections
(name, default, description), one table per section, so it cannot drift from the code.

    python -m harness.settings_doc           # rewrite the table in docs/settings.md
    python -m harness.settings_doc --check   # exit 1 when the table is out of date

tests/unit/test_readme.py runs the check.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from assistant.settings import SECTIONS
from harness.paths import ROOT

DOC = ROOT / "docs" / "settings.md"
BEGIN = "<!-- settings table: written by `python -m harness.settings_doc`; edit the descriptions in assistant/settings.py -->"
END = "<!-- end of the settings table -->"
_CACHE = "news-assistant"


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        # Machine-specific paths, written the same way everywhere.
        value = Path(field.default_factory())  # type: ignore[call-arg]
        if value.is_relative_to(ROOT):
            return f"`(project)/{value.relative_to(ROOT)}`"
        if _CACHE in value.parts:
            return f"`~/.cache/{'/'.join(value.parts[value.parts.index(_CACHE) :])}`"
        return f"`{value}`"
    if field.default is None:
        return "unset"
    if isinstance(field.default, SecretStr):
        return "(secret)"
    return f"`{field.default}`"


def table() -> str:
    """A heading and a Markdown table per section of `Settings`, each setting in the order its section declares them."""
    parts = []
    for name, section in SECTIONS.items():
        rows = [
            f"### {name.capitalize()} (`{section.__name__}`, `settings.{name}`)",
            "",
            " ".join((section.__doc__ or "").split()),
            "",
            "| variable | default | meaning |",
            "|---|---|---|",
        ]
        for field_name, field in section.model_fields.items():
            description = (field.description or "").replace("|", "\\|")
            rows.append(f"| `ASSISTANT_{field_name.upper()}` | {_default(field)} | {description} |")
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


def rendered(doc: str) -> str:
    """`doc` with the text between its markers replaced by the current table."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest or END not in rest:
        raise ValueError(f"{DOC} lacks the markers {BEGIN!r} … {END!r}")
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    doc = DOC.read_text(encoding="utf-8")
    new = rendered(doc)
    if "--check" in argv:
        if new != doc:
            print(f"{DOC} is out of date: run `python -m harness.settings_doc`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
