"""What the chat shows first, while the reading model reads: the quoted answer's best
sentence with its citation (one line a person takes in at a glance), not all its quotes."""

from __future__ import annotations

from dataclasses import replace

from assistant.compose import write
from assistant.templates import Templates
from assistant.types import Answer, Layout


def best_sentence(answer: Answer, templates: Templates) -> Answer:
    """`answer` cut to its first (best) quoted sentence and that sentence's citation; a
    refusal or an answer without citations as it is."""
    if answer.refused or not answer.citations:
        return answer
    first = replace(answer.citations[0], number=1)
    layout = Layout("answer", {"sentences": f"{first.quote} [1]"})
    return replace(answer, text=write(layout, [first], templates), citations=[first], layout=layout)
