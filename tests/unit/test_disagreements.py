"""When two reports disagree on a figure, and the many ways they only seem to."""

from dataclasses import replace

import pytest

from assistant.citations import cite
from assistant.compose import rendered, write
from assistant.disagreements import conflict, with_disagreements
from assistant.settings import NewsSettings
from assistant.templates import REQUIRED, load_templates, packaged_prompts
from assistant.types import Answer, Layout, Passage


@pytest.mark.parametrize(
    "first, second, same_day, expected",
    [
        ("Officials said 12 people died in the flood on Monday.", "Officials said 14 people died in the flood on Monday.", True, (("12",), ("14",))),
        ("Rescuers said 31 people were missing after the ferry sank.", "Rescuers said 37 people were missing after the ferry sank.", True, (("31",), ("37",))),
        # One figure written two ways.
        ("The attack killed 4,000 people, officials said.", "The attack killed 4000 people, officials said.", True, None),
        ("Pelé in the 1960s and 1970s was the most famous athlete.", "Pelé in the 1960s and 70s was the most famous athlete.", True, None),
        ("Dr. Woodson was born December 19,1875, in New Canton.", "Dr. Woodson was born December 19, 1875, in New Canton.", True, None),
        # Different times: another week of a weekly figure, or "a year ago" in reports of other days.
        (
            "The rate averaged 6.92% in the week ending October 13, up from 6.66% the week before.",
            "The rate averaged 7.08% in the week ending October 27, up from 6.94% the week before.",
            False,
            None,
        ),
        ("A year ago, the 30-year fixed rate stood at 3.09%.", "A year ago, the 30-year fixed rate stood at 3.05%.", False, None),
        ("The fire began on Monday, police said.", "The fire began on Tuesday, police said.", True, None),
        # Another subject, a question, a figure only one side gives, a rewrite.
        ("Arizona Financial Theatre, Phoenix. $23 and up.", "Comerica Theatre, Phoenix. $52.50 and up.", True, None),
        ("Who is playing in the Super Bowl 2023?", "Who is playing in Super Bowl 57?", True, None),
        ("Officials said 12 people died in the flood on Monday.", "Officials said people died in the flood on Monday.", True, None),
        ("Officials said 12 people died in the flood.", "Officials said that the flood, which hit 3 towns, killed people.", True, None),
    ],
)
def test_conflict(first, second, same_day, expected):
    found = conflict(first, second, NewsSettings(), same_day=same_day)
    assert (None if found is None else (found.first, found.second)) == expected


def _report(doc_id: str, source: str, text: str) -> Passage:
    return Passage(f"{doc_id}-0", doc_id, text, 0, len(text), title=doc_id, published_at="2024-05-02", source=source, story_id=doc_id)


COAST = _report("coast", "Coast Wire", "Rescuers said 31 people were missing after the ferry sank.")
ISLAND = _report("island", "Island Post", "Rescuers said 37 people were missing after the ferry sank.")


def _quoted(templates) -> Answer:
    citations = [cite(1, COAST, 0, len(COAST.text), 1.0)]
    layout = Layout("answer", {"sentences": f"{COAST.text} [1]"})
    return Answer("How many were missing?", write(layout, citations, templates), False, citations, layout=layout)


def test_a_disagreement_is_a_part_of_the_answer_its_text_is_written_from():
    templates = load_templates()
    answer = _quoted(templates)
    found = with_disagreements(answer, [COAST, ISLAND], NewsSettings())
    assert found.text == answer.text  # parts added, no text edited
    assert [(d.kind, d.first_values, d.second_values) for d in found.disagreements] == [("differ", ["31"], ["37"])]
    assert [c.doc_id for c in found.citations] == ["coast", "island"]
    assert rendered(found, templates).text == (
        "Rescuers said 31 people were missing after the ferry sank. [1]\n\n"
        "Reports differ: 31 [1] (2 May 2024, Coast Wire); 37 [2] (2 May 2024, Island Post).\n\n"
        "Sources published: 2 May 2024 [1, 2]."
    )
    assert rendered(answer, templates) == answer  # nothing to add: the same text
    nested = rendered(replace(found, extractive=found), templates).to_dict()
    assert "layout" not in nested and "layout" not in nested["extractive"]  # how the text is written is not the answer's data
    from assistant.web.payloads import AnswerOut

    served = AnswerOut(answer=replace(found, extractive=found), markdown="")
    assert "layout" not in served.model_dump()["answer"] and "layout" not in served.model_dump()["answer"]["extractive"]
    assert "Layout" not in AnswerOut.model_json_schema(mode="serialization")["$defs"]  # nor of the APIs' schema
    assert with_disagreements(answer, [COAST], NewsSettings()) is answer


def test_the_notes_go_where_a_template_of_ones_own_puts_the_sources(tmp_path):
    for name in REQUIRED:
        (tmp_path / name).write_text((packaged_prompts() / name).read_text())
    (tmp_path / "answer.txt").write_text("In short: $sentences\n\n$sources\n\n(End of answer.)")
    templates = load_templates(tmp_path)
    text = rendered(with_disagreements(_quoted(templates), [COAST, ISLAND], NewsSettings()), templates).text
    assert text.startswith("In short: Rescuers said 31") and text.endswith("Sources published: 2 May 2024 [1, 2].\n\n(End of answer.)")
    assert text.count("Sources published") == 1 and text.index("Reports differ") < text.index("Sources published")
