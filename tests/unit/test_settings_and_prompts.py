import pytest
from pydantic import ValidationError

from assistant.errors import AssistantError
from assistant.prompts import load_templates
from assistant.settings import Settings


def test_environment_and_overrides(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    s = Settings()
    assert s.top_k == 9
    assert s.with_overrides(top_k=3, host=None).top_k == 3


def test_invalid_values_fail_early():
    with pytest.raises(ValidationError, match="chunk_overlap"):
        Settings(chunk_tokens=100, chunk_overlap=100)
    with pytest.raises(ValidationError, match="special tokens"):
        Settings(chunk_tokens=300)
    with pytest.raises(ValidationError):
        Settings(top_k=0)


def test_templates_load_and_are_checked(tmp_path):
    templates = load_templates(Settings().prompts_dir)
    assert "$" not in templates.refusal.substitute(window="")
    for name in ("answer.txt", "sources.txt", "refusal.txt", "citation.md"):
        (tmp_path / name).write_text((Settings().prompts_dir / name).read_text())
    (tmp_path / "sources.txt").write_text("Published $when.")
    with pytest.raises(AssistantError, match="sources.txt.*missing \\['dates'\\].*unknown \\['when'\\]"):
        load_templates(tmp_path)
    (tmp_path / "sources.txt").write_text("Published $dates.")
    (tmp_path / "refusal.txt").unlink()
    with pytest.raises(AssistantError, match="refusal.txt"):
        load_templates(tmp_path)
