"""Reports that differ: two outlets giving different tolls on the same day are both shown;
a newer version of the same story that corrects the toll wins over the older."""

import pytest

from assistant import Assistant
from tests.integration.test_changes import FLOOD

pytestmark = pytest.mark.integration


def _index(tmp_path, files):
    corpus = tmp_path / "news"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    bot = Assistant(index_dir=tmp_path / "index", llm="extractive")
    bot.ingest([corpus], progress=False)
    return bot, corpus


def _verbatim(answer, corpus):
    for c in answer.citations:
        assert (corpus / f"{c.doc_id}.md").read_text(encoding="utf-8")[c.start : c.end] == c.quote
        assert f"[{c.number}]" in answer.text


def test_two_outlets_that_differ_are_both_shown(tmp_path):
    first = "---\ntitle: Ferry sinks off Kora\ndate: 2024-05-02\nsource: Coast Wire\n---\nA passenger ferry sank off the island of Kora on Wednesday night. Rescuers said 31 people were missing after the ferry sank in rough seas near the harbour.\n"
    second = "---\ntitle: Kora ferry disaster\ndate: 2024-05-02\nsource: Island Post\n---\nThe island's fishermen joined the search through the night. Rescuers said 37 people were missing after the ferry sank in rough seas near the harbour.\n"
    bot, corpus = _index(tmp_path, {"coast.md": first, "island.md": second})
    answer = bot.answer("How many people were missing after the Kora ferry sank?")
    (d,) = answer.disagreements
    assert d.kind == "differ" and {tuple(d.first_values), tuple(d.second_values)} == {("31",), ("37",)}
    assert "Reports differ: " in answer.text and "Coast Wire" in answer.text and "Island Post" in answer.text
    assert answer.text.endswith("Sources published: 2 May 2024 [1, 2, 3].")
    _verbatim(answer, corpus)


def test_a_newer_version_supersedes_the_older_figure(tmp_path):
    bot, corpus = _index(
        tmp_path,
        {
            "flood-1.md": FLOOD.format(date="2024-03-04", toll=12, extra=""),
            "flood-2.md": FLOOD.format(date="2024-03-05", toll=14, extra=""),
        },
    )
    answer = bot.answer("How many people did officials say died in the flood?")
    assert "14 people died" in answer.text.split("\n\n")[0]
    (d,) = answer.disagreements
    assert d.kind == "superseded" and (d.first.doc_id, d.first_values, d.second.doc_id, d.second_values) == ("flood-1", ["12"], "flood-2", ["14"])
    assert "is superseded" in answer.text and "5 March 2024" in answer.text
    _verbatim(answer, corpus)


def test_agreeing_reports_say_nothing(built_assistant):
    answer = built_assistant.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    assert answer.disagreements == [] and "Reports differ" not in answer.text
