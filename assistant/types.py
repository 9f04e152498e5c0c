"""The plain data that crosses module boundaries: files -> Article -> Chunk -> Passage -> Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Annotated, Any

from pydantic import Field as PydanticField
from pydantic.json_schema import SkipJsonSchema


@dataclass(frozen=True)
class Segment:
    """A run of cleaned text that is a verbatim copy of the source text.

    `clean_start` indexes `Article.text`; `source_start` indexes the source text (the
    decoded file, or the `text`/`body` field of a JSON record).
    """

    clean_start: int
    source_start: int
    length: int


@dataclass(frozen=True)
class Article:
    """One cleaned news article with its metadata. Missing metadata stays empty."""

    doc_id: str
    text: str
    title: str = ""
    published_at: str = ""  # ISO date, YYYY-MM-DD, or "" when unknown
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    path: str = ""  # the file it came from
    content_hash: str = ""
    segments: tuple[Segment, ...] = ()
    # A readable title made from the text when the article has no title of its own, and the
    # outlet its text names when neither metadata nor URL does (see `assistant.metadata`):
    # shown (the title marked as derived), never searched, nor read by the model.
    derived_title: str = ""
    derived_source: str = ""

    def to_source_offset(self, clean_offset: int) -> int:
        """Map an offset in `text` to the same character in the source text."""
        return map_offset(self.segments, clean_offset)


def map_offset(segments: tuple[Segment, ...] | list[Segment], clean_offset: int) -> int:
    """Map a cleaned-text offset into source-text offsets through verbatim segments."""
    best = None
    for seg in segments:
        if seg.clean_start <= clean_offset <= seg.clean_start + seg.length:
            return seg.source_start + (clean_offset - seg.clean_start)
        if seg.clean_start <= clean_offset:
            best = seg
    if best is None:
        return clean_offset
    return best.source_start + best.length


@dataclass(frozen=True)
class Chunk:
    """A piece of an article small enough for the embedding model to read whole."""

    chunk_id: str
    doc_id: str
    text: str
    start: int  # offsets in Article.text
    end: int
    position: int


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with the metadata needed to cite it."""

    chunk_id: str
    doc_id: str
    text: str
    start: int  # offsets of `text` in the cleaned article text
    end: int
    title: str = ""
    published_at: str = ""
    source: str = ""
    url: str = ""
    story_id: str = ""
    preferred: bool = True  # the newest / most complete version of its story
    score: float = 0.0
    segments: tuple[Segment, ...] = ()  # verbatim runs, in cleaned-article coordinates
    derived_title: str = ""  # made from the text when `title` is empty (shown, not searched)
    derived_source: str = ""  # the outlet the text names when `source` is empty (shown and filtered by, not read)

    def source_span(self, start_in_passage: int, end_in_passage: int) -> tuple[int, int]:
        """Offsets, in the source text, of `text[start_in_passage:end_in_passage]`."""
        start = map_offset(self.segments, self.start + start_in_passage)
        return start, start + (end_in_passage - start_in_passage)


@dataclass(frozen=True)
class Citation:
    """A verbatim quote backing one claim: `quote == source_text[start:end]`.

    As the assistant makes them, `number` counts quotes. The faces number sources by
    article (`citations.by_article`): `number` is then the article's, and `label` names
    the quote ("2" for an article's only quote, "2a", "2b" for several)."""

    number: int
    doc_id: str
    title: str
    source: str
    url: str
    published_at: str
    quote: str
    start: int
    end: int
    score: float
    # The articles of its story that carry this passage too (versions, reprints by other
    # outlets), the first report first; empty when only the cited article does.
    reports: list[Report] = field(default_factory=list)
    title_derived: bool = False  # `title` was made from the article's text: it has no title of its own
    label: str = ""  # set when numbered by article: "2", or "2a", "2b" for an article's several quotes

    @property
    def outlets(self) -> list[str]:
        """The outlets carrying the passage, in the order they reported it."""
        return list(dict.fromkeys(r.outlet for r in self.reports if r.outlet))


@dataclass(frozen=True)
class ArticleSource:
    """One cited article with its quotes under it, numbered by article (`citations.sources_of`):
    what every face lists as a source."""

    number: int
    doc_id: str
    title: str  # its own title, else one made from its text (`title_derived`), else ""
    title_derived: bool
    outlet: str  # "" when unknown
    published_at: str
    url: str
    quotes: list[Citation] = field(default_factory=list)  # each with its label, quote and offsets


@dataclass(frozen=True)
class Report:
    """One article carrying a cited passage: which, from which outlet, when."""

    doc_id: str
    outlet: str  # the article's source, else its URL's site
    published_at: str


@dataclass(frozen=True)
class Layout:
    """What an answer's text is written from besides its citations and disagreements
    (assistant/compose.py): the template and the values of its slots, all but `sources`,
    which rendering fills with the notes of the answer's disagreements and its sources line.
    Without a template, the text is `body` with those below it."""

    template: str = ""  # the `Templates` field the text is written in; "": `body`, then the notes and the sources line
    values: dict[str, str] = field(default_factory=dict)  # the template's slots but `sources`
    body: str = ""


@dataclass(frozen=True)
class Answer:
    """An answer with inline `[n]` markers, each matching `citations[n-1]`."""

    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    standalone_question: str = ""  # the question after resolving follow-up references
    as_of: str = ""
    backend: str = "extractive"  # who wrote `text`: extractive, openai or local
    notice: str = ""  # e.g. why a generative backend fell back to the extractive answer
    unsupported: list[str] = field(default_factory=list)  # written sentences dropped: not backed by their citation
    closest: list[Citation] = field(default_factory=list)  # with a refusal: the nearest coverage found, best first
    extractive: Answer | None = None  # the quoted answer a reading model's answer replaced (shown first while it read)
    seconds: dict[str, float] = field(default_factory=dict)  # time each stage took: retrieve, extract, read
    # What the reading model did: "answered" (its checked answer is `text`), "declined" (it found
    # no answer in the excerpts), "dropped" (its answer failed the check), "failed" (it could
    # not be run); "" when no model read.
    reading: str = ""
    evidence: dict[str, float] = field(default_factory=dict)  # the refusal evidence: term coverage, similarity, best sentence score
    # For "what changed?": the differences between consecutive versions of the story, oldest first.
    changes: list[VersionChanges] = field(default_factory=list)
    # For "timeline of X": the dated events of its coverage, oldest first.
    timeline: list[TimelineEvent] = field(default_factory=list)
    # Cited passages whose figure another retrieved report gives differently.
    disagreements: list[Disagreement] = field(default_factory=list)
    # When the first search found nothing to answer with: the question as the model reworded
    # it in a news report's words, which the passages were found and ranked with.
    reworded_question: str = ""
    # The question as the assistant read it when that differs from how it was asked (a
    # follow-up resolved against the conversation: "What did he say?" -> "What did Joe
    # Biden say?"); "" when it was read as asked. What the chat shows as "Read as".
    read_as: str = ""
    # What was asked for: "factoid", "timeline", "changes", "explanation", "list" or "comparison".
    intent: str = ""
    # The conversation after this answer: hand it back with the next question (or the
    # earlier questions: the state is rebuilt from them).
    conversation: Conversation | None = None
    # The parts `text` is written from (assistant/compose.py); None when `text` is all there is
    # (a refusal). Not part of the answer's data (`to_dict`, the APIs' JSON and schema), nor of its equality.
    layout: Annotated[Layout | None, PydanticField(exclude=True), SkipJsonSchema()] = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain JSON-serialisable data."""
        data = asdict(replace(self, layout=None, extractive=None))
        del data["layout"]
        data["extractive"] = self.extractive.to_dict() if self.extractive is not None else None
        return data


@dataclass(frozen=True)
class Progress:
    """A step of an answer in the making, for interfaces that show it as it happens."""

    stage: str  # "searching", "reading" or "checking"
    message: str
    answer: Answer | None = None  # a provisional answer to show meanwhile (the quoted one, while a model reads)
    passages: list[Passage] = field(default_factory=list)  # at "reading": the passages the answer is drawn from, best first


@dataclass(frozen=True)
class ArticleInfo:
    """One indexed article as the index knows it (no text)."""

    doc_id: str
    title: str
    published_at: str
    source: str
    url: str
    story_id: str  # the articles of one story (versions, reprints) share it
    latest: bool  # the newest, most complete version of its story: the one answers prefer
    chunks: int
    title_derived: bool = False  # `title` was made from the article's text: it has no title of its own


@dataclass(frozen=True)
class ArticleDetail:
    """An article with its cleaned text (the text citation offsets point into) and the
    versions of its story, oldest first (itself included)."""

    article: ArticleInfo
    text: str
    versions: list[ArticleInfo] = field(default_factory=list)


@dataclass
class IngestReport:
    """What an ingest run did, article by article."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path or record, reason)
    chunks_embedded: int = 0
    # Chunks stored with a vector made before for the same text (copies, unchanged paragraphs).
    chunks_reused: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One human-readable paragraph."""
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)}; "
            f"{self.chunks_embedded} chunks embedded"
            + (f" ({self.chunks_reused} more reused the vector of the same text)" if self.chunks_reused else "")
            + f" in {self.seconds:.1f} s"
        ]
        lines += [f"  skipped {where}: {why}" for where, why in self.skipped]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a story, each side cited to its version.

    `kind` is "added" (only `new`), "removed" (only `old`), "changed" (one sentence in both,
    with a number, name or date that differs: `old_items` against `new_items`) or
    "reworded" (one sentence in both, the same numbers, names and dates)."""

    kind: str
    old: Citation | None = None
    new: Citation | None = None
    old_items: list[str] = field(default_factory=list)
    new_items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionChanges:
    """What changed from one version of a story to a later one, in the newer text's order."""

    older: ArticleInfo
    newer: ArticleInfo
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for c in self.changes if c.kind == kind) for kind in ("changed", "added", "removed", "reworded")}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TimelineEvent:
    """One dated event of a story, cited to its earliest report. `dated_by` says where the
    day came from: "stated" in the sentence, "relative" to its article's date ("on
    Thursday"), or "published" (the article's date: the sentence names no day)."""

    day: str  # YYYY-MM-DD
    dated_by: str
    citation: Citation


@dataclass(frozen=True)
class Disagreement:
    """Two reports that give different figures for one thing, each cited.

    `kind` is "differ" (different reports: both are shown) or "superseded" (a newer version
    of the same story corrects an older one: `newer` wins, `older` is shown as superseded).
    `first`/`second` are the cited passage and the other report, in the answer's order
    (for "superseded": the older and the newer)."""

    kind: str
    first: Citation
    second: Citation
    first_values: list[str]
    second_values: list[str]


@dataclass(frozen=True)
class ConversationTurn:
    """What one answered turn of a conversation was about: the question as asked and as
    read, its reply kind, the names its answer and question named (the answer's first;
    `people` are those of them that name a person) and the articles, stories and titles
    it cited."""

    question: str
    read_as: str
    kind: str = "factoid"
    names: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    story_ids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    # What the thread of questions this turn belongs to is about: the words of the question
    # that opened it ("strikes on militia facilities in eastern Syria"), kept by its follow-ups.
    topic: str = ""


@dataclass(frozen=True)
class Conversation:
    """The state of a conversation: its latest turns, oldest first. The newest is the
    focus that follow-ups ("he", "them", "and in 2024?") are read against."""

    turns: tuple[ConversationTurn, ...] = ()

    @property
    def focus(self) -> ConversationTurn | None:
        return self.turns[-1] if self.turns else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """The state from `to_dict()`'s form (as JSON gives it back); raises ValueError when malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("turns", []), (list, tuple)):
            raise ValueError('a conversation is {"turns": [...]}')
        turns = []
        for t in data.get("turns", ()):
            if not isinstance(t, dict) or not isinstance(t.get("question"), str) or not isinstance(t.get("read_as"), str):
                raise ValueError("each turn needs `question` and `read_as` text")
            fields = {k: t[k] for k in ("kind", "topic") if isinstance(t.get(k), str)}
            for k in ("names", "people", "doc_ids", "story_ids", "titles"):
                values = t.get(k, [])
                if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
                    raise ValueError(f"`{k}` of a turn must be a list of text")
                fields[k] = tuple(values)
            turns.append(ConversationTurn(t["question"], t["read_as"], **fields))
        return cls(tuple(turns))
