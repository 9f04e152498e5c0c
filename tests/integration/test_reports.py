"""Independent sources: a wire story reprinted by two other outlets is one source whose
citation says how many outlets carried it and who reported it first; versions of one
outlet's story say how many versions carry the passage."""

import pytest

from assistant import Assistant
from assistant.citations import reach
from assistant.web.render import chat_markdown, sources_panel, to_terminal

pytestmark = pytest.mark.integration

STORY = (
    "The harbour authority of Port Alder said on Tuesday that the old lighthouse on Gull Point will be restored "
    "at a cost of 3.2 million euros. Work begins in May and should take eighteen months, the authority's director, "
    "Ines Marlow, told reporters. The lighthouse, built in 1871, has been closed to visitors since a storm damaged "
    "its lantern room two winters ago. Local fishermen welcomed the plan, saying the light still guides boats "
    "into the narrow channel at night."
)


def _write(folder, name, meta, text):
    head = "".join(f"{k}: {v}\n" for k, v in meta.items())
    (folder / name).write_text(f"---\n{head}---\n{text}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def reprinted(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("reprints")
    _write(corpus, "ap.md", {"title": "Port Alder lighthouse to be restored", "date": "2023-03-14", "source": "AP"}, STORY)
    _write(
        corpus,
        "bugle.md",
        {"title": "Gull Point lighthouse will shine again", "date": "2023-03-15", "source": "Daily Bugle"},
        STORY + " Readers can share their memories of the lighthouse with the newsroom.",
    )
    # No outlet in the metadata: the URL's site names it.
    _write(corpus, "herald.md", {"title": "Lighthouse restoration approved", "date": "2023-03-16", "url": "https://www.alder-herald.example/lighthouse"}, STORY)
    bot = Assistant(index_dir=tmp_path_factory.mktemp("reprints-index"), llm="extractive")
    bot.ingest([corpus], progress=False)
    return bot


def test_a_reprinted_passage_names_its_outlets_and_first_report(reprinted):
    answer = reprinted.answer("How much will the restoration of the Gull Point lighthouse cost?")
    assert not answer.refused and "3.2 million euros" in answer.text
    cited = next(c for c in answer.citations if "3.2 million euros" in c.quote)
    assert [(r.doc_id, r.outlet, r.published_at) for r in cited.reports] == [
        ("ap", "AP", "2023-03-14"),
        ("bugle", "Daily Bugle", "2023-03-15"),
        ("herald", "alder-herald.example", "2023-03-16"),
    ]
    assert cited.outlets == ["AP", "Daily Bugle", "alder-herald.example"]
    assert reach(cited) == "reported by 3 outlets; first by AP, 14 March 2023"
    # The three copies are one source: the passage is cited once, not once per outlet.
    assert sum("3.2 million euros" in c.quote for c in answer.citations) == 1
    templates = reprinted.templates
    assert "reported by 3 outlets; first by AP, 14 March 2023" in chat_markdown(answer, templates)
    assert "reported by 3 outlets" in to_terminal(answer, templates)
    panel = sources_panel([(answer, {})], "")
    assert "reported by 3 outlets" in panel and "alder-herald.example" in panel and "Daily Bugle" in panel
    assert answer.to_dict()["citations"][0]["reports"]


def test_a_sentence_only_one_copy_has_is_reported_once(reprinted):
    answer = reprinted.answer("What can readers share with the newsroom about the Gull Point lighthouse?")
    cited = next(c for c in answer.citations if "memories" in c.quote)
    assert cited.reports == [] and reach(cited) == ""


def test_versions_of_one_outlets_story_count_versions(built_assistant):
    answer = built_assistant.answer("Who ordered the strikes on militia facilities in eastern Syria?")
    shared = next(c for c in answer.citations if "the Pentagon confirmed reports that it had carried out strikes" in c.quote)
    assert [r.doc_id for r in shared.reports] == ["000_42dd889af19354b1", "001_5618d79fe3bfd785"]
    assert reach(shared) == "in 2 versions; first on 26 February 2021"
    # A sentence the update rewrote is carried by the version cited only.
    for c in answer.citations:
        if "responded by striking" in c.quote:
            assert c.reports == []
