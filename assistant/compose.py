"""An answer's text, written from its parts by one function.

A step that answers (the extractive ranker, the reader, a timeline, a story's changes,
"what's new") says what its answer holds: its `Layout` (the template and the values of its
slots) and its citations. A later step adds parts, never text: `disagreements.with_disagreements`
adds the disagreements it finds and the citations of the other reports. `rendered` then
writes the text from all the parts, the same way whichever step calls it, so no step edits
text another step wrote: the notes of disagreements go above the sources line, and the
sources line names every citation.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.citations import dated, human_date, sources_line
from assistant.templates import Templates
from assistant.types import Answer, Citation, Disagreement, Layout


def disagreement_notes(disagreements: list[Disagreement], templates: Templates) -> list[str]:
    """A line for each disagreement: "Reports differ: 12 [1] (…); 14 [4] (…)." or, where a
    newer version corrects the figure, the newer shown as superseding the older."""
    lines = []
    for d in disagreements:
        if d.kind == "superseded":
            lines.append(
                templates.superseded.substitute(
                    new=" ".join(d.second_values),
                    new_ref=f"[{d.second.number}]",
                    newer_date=human_date(d.second.published_at),
                    old=" ".join(d.first_values),
                    old_ref=f"[{d.first.number}]",
                    older_date=human_date(d.first.published_at),
                )
            )
        else:
            values = "; ".join(
                f"{' '.join(v)} [{c.number}] ({dated(c.published_at, c.source)})" for c, v in ((d.first, d.first_values), (d.second, d.second_values))
            )
            lines.append(templates.disagreement.substitute(values=values))
    return lines


def footer(citations: list[Citation], disagreements: list[Disagreement], templates: Templates) -> str:
    """What closes an answer: the notes of its disagreements, then when its sources were published."""
    notes = disagreement_notes(disagreements, templates)
    sources = sources_line(citations, templates)
    return "\n".join(notes) + "\n\n" + sources if notes else sources


def write(layout: Layout, citations: list[Citation], templates: Templates, disagreements: list[Disagreement] | None = None) -> str:
    """The text of an answer laid out as `layout`, citing `citations`, noting `disagreements`."""
    closing = footer(citations, disagreements or [], templates)
    if layout.template:
        template = getattr(templates, layout.template)
        return template.substitute(**layout.values, sources=closing)
    return layout.body + "\n\n" + closing if citations else layout.body


def rendered(answer: Answer, templates: Templates) -> Answer:
    """`answer` with its text written from its parts; as it is when it has no layout (its
    text, a refusal, is all there is)."""
    if answer.layout is None:
        return answer
    return replace(answer, text=write(answer.layout, answer.citations, templates, answer.disagreements))
