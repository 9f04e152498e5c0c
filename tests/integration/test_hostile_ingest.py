"""Issue 33, with the real model and Chroma: an upload never replaces another file's article,
and a file ingest rejects is not left in the corpus folder."""

import json
import shutil

import pytest

from assistant import Assistant
from assistant.ingest import Limits
from assistant.web.uploads import save_uploads
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

TARGET = "001_5618d79fe3bfd785"


def test_a_record_with_another_files_id_is_refused_and_its_upload_removed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    bot = Assistant(index_dir=tmp_path / "index", llm="extractive", corpus_dir=corpus)
    bot.ingest([corpus], progress=False)
    before = bot.article_text(TARGET)
    incoming = tmp_path / "hijack.jsonl"
    incoming.write_text(json.dumps({"id": TARGET, "title": "HIJACKED", "text": "HIJACKED text of a made-up story about nothing at all. " * 5}) + "\n")
    saved = save_uploads([incoming], corpus, 20_000_000, limits=Limits.of(bot.settings))
    assert saved.files == [corpus / "uploads" / "hijack.jsonl"]
    report = bot.ingest(saved.files, progress=False, root=corpus)
    assert not report.updated and not report.added
    assert any(f"duplicate id {TARGET!r}" in why and "already indexed from" in why for _, why in report.skipped), report.skipped
    assert bot.article_text(TARGET) == before  # the bundled article is whole
    saved.drop_unused(set(report.added) | set(report.updated) | set(report.unchanged), report.skipped)
    assert not (corpus / "uploads" / "hijack.jsonl").exists() and "duplicate id" in saved.rejected[0][1]
    # The CLI's ingest of the whole folder says the same and keeps the bundled text.
    again = bot.ingest([corpus], progress=False)
    assert not again.updated and bot.article_text(TARGET) == before
