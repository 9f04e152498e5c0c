import pytest
from pydantic import ValidationError

from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.templates import REQUIRED, load_templates, packaged_prompts


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
    for name in REQUIRED:
        (tmp_path / name).write_text((packaged_prompts() / name).read_text())
    (tmp_path / "sources.txt").write_text("Published $when.")
    with pytest.raises(AssistantError, match="sources.txt.*missing \\['dates'\\].*unknown \\['when'\\]"):
        load_templates(tmp_path)
    (tmp_path / "sources.txt").write_text("Published $dates.")
    (tmp_path / "refusal.txt").unlink()
    with pytest.raises(AssistantError, match="refusal.txt"):
        load_templates(tmp_path)


def test_a_prompts_folder_of_ones_own_overrides_the_packaged_templates(tmp_path):
    for name in REQUIRED:
        (tmp_path / name).write_text((packaged_prompts() / name).read_text())
    (tmp_path / "refusal.txt").write_text("Nothing in the archive about that$window.")
    templates = load_templates(Settings(prompts_dir=tmp_path).prompts_dir)
    assert templates.refusal.substitute(window="") == "Nothing in the archive about that."
    assert load_templates().refusal.substitute(window="").startswith("The indexed articles do not cover this")


def test_auto_embedding_runtime_follows_the_cpu(tmp_path, monkeypatch):
    from assistant import embedding

    with_amx, without = tmp_path / "amx", tmp_path / "plain"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n")
    without.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n")
    assert embedding.cpu_has_amx(with_amx) and not embedding.cpu_has_amx(without)
    assert not embedding.cpu_has_amx(tmp_path / "missing")
    monkeypatch.setattr(embedding, "cpu_has_amx", lambda: True)
    assert embedding.choose_runtime("auto") == "bf16" and embedding.choose_runtime("torch") == "torch"
    monkeypatch.setattr(embedding, "cpu_has_amx", lambda: False)
    assert embedding.choose_runtime("auto") == "onnx-int8"
    assert embedding.runtime_of("m@bf16") == "bf16" and embedding.runtime_of("m@onnx-int8") == "onnx-int8" and embedding.runtime_of("m") == "torch"
