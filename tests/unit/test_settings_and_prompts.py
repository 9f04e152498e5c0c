import pytest
from pydantic import ValidationError

from assistant.errors import AssistantError
from assistant.settings import SECTIONS, NewsSettings, RetrievalSettings, Settings
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


def test_every_setting_belongs_to_exactly_one_section():
    owners: dict[str, list[str]] = {}
    for name, section in SECTIONS.items():
        for field in section.model_fields:
            owners.setdefault(field, []).append(name)
    assert set(owners) == set(Settings.model_fields), "a field of Settings is in no section, or a section's field is not in Settings"
    shared = {field: names for field, names in owners.items() if len(names) > 1}
    assert not shared, f"fields declared in more than one section: {shared}"
    for name, section in SECTIONS.items():
        assert isinstance(getattr(Settings(), name), section)


def test_environment_variables_of_every_section_still_load(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")  # retrieval
    monkeypatch.setenv("ASSISTANT_CONFLICT_MAX_WORDS", "5")  # news
    monkeypatch.setenv("ASSISTANT_LLM", "extractive")  # reader
    monkeypatch.setenv("ASSISTANT_PORT", "8123")  # serving
    monkeypatch.setenv("ASSISTANT_FOLLOW_RETRIES", "4")  # following
    monkeypatch.setenv("ASSISTANT_CHUNK_TOKENS", "150")  # ingest
    s = Settings(min_similarity=0.5)
    assert (s.top_k, s.conflict_max_words, s.llm, s.port, s.follow_retries, s.chunk_tokens, s.min_similarity) == (9, 5, "extractive", 8123, 4, 150, 0.5)
    assert (s.retrieval.top_k, s.news.conflict_max_words, s.reader.llm, s.serving.port, s.following.follow_retries) == (9, 5, "extractive", 8123, 4)
    assert (s.ingest.chunk_tokens, s.ranking.min_similarity) == (150, 0.5)
    with pytest.raises(ValidationError, match="reading model"):
        Settings(reader_model="no-such-model")  # a section's validator runs on Settings
    with pytest.raises(ValidationError, match="user:password"):
        Settings(auth="nocolon")


def test_a_section_is_a_view_that_follows_the_settings():
    s = Settings()
    s.top_k = 11  # validated assignment
    assert s.retrieval.top_k == 11
    copy = s.model_copy(update={"top_k": 3, "conflict_max_words": 7})
    assert (copy.retrieval.top_k, copy.news.conflict_max_words, s.retrieval.top_k) == (3, 7, 11)
    assert s.with_overrides(conflict_min_similarity=0.9).news.conflict_min_similarity == 0.9
    with pytest.raises(ValidationError):
        s.retrieval.top_k = 2  # a view is read-only: assign to the settings
    with pytest.raises(ValidationError):
        s.top_k = 0
    assert NewsSettings() == Settings().news and RetrievalSettings(top_k=2).top_k == 2


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
