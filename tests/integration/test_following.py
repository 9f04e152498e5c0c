"""The retriever follows its index (assistant/following.py): after this process's own ingest,
and after another writer's, the next answers come from the new articles."""

import threading

import pytest

from assistant import Assistant
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

ARTICLE = """Harbour town opens the Velmora tidal bridge
date 2024-05-14

The town of Kestrel Bay opened the Velmora tidal bridge on Tuesday, after four years of building.
Engineer Anika Solberg designed the bridge, which rises with the tide and carries 9,000 cars a day.
"""
QUESTION = "Who designed the Velmora tidal bridge?"
FERRY = """Last ferry leaves Kestrel Bay
date 2024-05-20

The last ferry of Kestrel Bay made its final crossing on Sunday, a week after the tidal bridge opened.
Captain Ilse Varga, who steered the ferry for twenty-two years, rang its bell one last time at the quay.
"""
FERRY_QUESTION = "Who captained the last Kestrel Bay ferry?"


def _finish_refresh() -> None:
    for thread in threading.enumerate():
        if thread.name == "index-refresh":
            thread.join(timeout=300)


def test_the_retriever_follows_its_own_ingests_and_another_writers(tmp_path):
    index = tmp_path / "index"
    reader = Assistant(index_dir=index, llm="extractive")
    reader.ingest([CORPUS], progress=False)
    assert reader.answer(QUESTION).refused
    first = reader.retriever

    # Another writer (here a second Assistant on the same index) adds an article.
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "velmora.txt").write_text(ARTICLE, encoding="utf-8")
    writer = Assistant(index_dir=index, llm="extractive")
    assert writer.ingest([folder], progress=False).added == ["velmora"]

    assert reader.refresh_if_changed(force=True)  # the write stamp moved: a rebuild starts
    _finish_refresh()
    assert reader.retriever is not first
    assert not reader.refresh_if_changed(force=True)  # nothing new since
    answer = reader.answer(QUESTION)
    assert not answer.refused and "Anika Solberg" in answer.text

    # This process's own ingest swaps the retriever at once, without a background rebuild.
    more = tmp_path / "more"
    more.mkdir()
    (more / "ferry.txt").write_text(FERRY, encoding="utf-8")
    before = reader.retriever
    assert not reader.answer(FERRY_QUESTION).text.count("Ilse Varga")
    reader.ingest([more], progress=False)
    assert reader.retriever is not before
    assert "Ilse Varga" in reader.answer(FERRY_QUESTION).text
