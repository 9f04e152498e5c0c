"""A conversation's state, and follow-ups read against it.

The state (`types.Conversation`) is what the last answers were about: for each turn, the
question as read, the names its answer and question named (people apart), and the
articles and stories it cited. A follow-up is read against the newest turn, not against
the earlier questions' words:

- "What did he say?" after "Who ordered the strikes?" (answered: Joe Biden) is about Joe
  Biden, the person the answer named, not a name of the question;
- "What did Russia say about them?", "What happened after that attack?", "How did Iran
  respond to it?", a question without a subject of its own, keep the story
  in focus: its topic is added to the question and retrieval prefers its articles;
- "And in 2024?", "What about last month?" ask the last question again for another time;
- "What about Turkey?" asks it again of another subject;
- "What changed since?" asks how the story in focus changed;
- a question with subjects of its own that share nothing with the story in focus starts
  a new topic: the focus ends.

Nothing here runs a model or reads the index: `resolve` is pure, so every face (the chat,
REST, OpenAI, MCP, the CLI) reads a follow-up the same way, whether it hands over the
state (`Answer.conversation`) or only the earlier questions (the `Answerer` then rebuilds
the state from them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.intent import expected_type
from assistant.text import MONTH_NAMES, STOPWORDS, content_terms, split_sentences, tokens
from assistant.types import Conversation, ConversationTurn

_HE = {"he": "", "she": "", "him": "", "her": "", "his": "'s", "hers": "'s"}
_GROUP = {"they", "them", "their", "theirs"}
_THING = {"it"}
_POINTING = {"this", "that", "these", "those"}
_NAME = re.compile(r"\b(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*)(?:\s+(?:(?:of|the|de|al|bin|von|van|la|du|el)\s+)?(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*))*")
_ASKING_START = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do|can|could|has|have|had|will|would|should|and|but|so|"
    r"in|on|at|tell|give|show|list|name|explain|describe|compare|walk)\b",
    re.I,
)
_ELLIPSIS = re.compile(r"^(?:and|but|so)?\s*(?:what about|how about|what of)\b\s*(.*?)[?.!]*$|^(?:and|but)\s+(.*?)[?.!]*$", re.I)
# A time phrase a follow-up asks the last question again for ("and in 2024?", "what about last month?").
TIME_PHRASE = re.compile(
    r"\b(?:(?:in|during|since|before|after|by)\s+(?:early\s+|late\s+|mid-?)?(?:(?:19|20)\d{2}|"
    + "|".join(MONTH_NAMES)
    + r")(?:\s+(?:19|20)\d{2})?|(?:this|last|past|next)\s+(?:week|month|year|weekend)|"
    r"(?:today|yesterday|recently|lately|now|then)|(?:before|after)\s+the\s+[\w-]+(?:\s+[\w-]+)?)\b",
    re.I,
)
# Verbs after "this"/"that" that make it a pronoun ("what did that mean?"), not a determiner ("that attack").
_PRONOUN_VERBS = frozenset("is was are were mean means meant happen happened happens take took cause caused lead led".split())


@dataclass(frozen=True)
class Reading:
    """How a question was read: `standalone` (what is searched and answered), the turn it
    follows up (`focus`, None for a first question or a new topic) and `how` it was
    resolved: "" (as asked), "person", "topic", "time", "subject", "again" or "new topic"."""

    question: str
    standalone: str
    focus: ConversationTurn | None = None
    how: str = ""

    @property
    def rewritten(self) -> bool:
        return self.standalone.strip() != self.question.strip()


def names_in(text: str) -> list[str]:
    """Capitalised names in a question or answer, longest first, without the opening question word."""
    found: list[str] = []
    for m in _NAME.finditer(text):
        phrase = m.group(0).strip(" .?!,;:")
        words = phrase.split()
        if m.start() == 0 or text[: m.start()].rstrip().endswith((".", "?", "!", '"', "“")):
            while words and (_ASKING_START.match(words[0]) or words[0].lower() in STOPWORDS):
                words = words[1:]
        words = [w for w in words if w.lower() not in _HE and w.lower() not in _GROUP | _THING | _POINTING]
        phrase = " ".join(words).strip(" .,'’")
        if phrase and phrase != "I" and phrase not in found:
            found.append(phrase)
    return sorted(found, key=len, reverse=True)


def topic(text: str) -> str:
    """A question's words without its asking words, time phrases and trailing punctuation:
    what the question is about ("strikes on militia facilities in eastern Syria")."""
    text = re.sub(r"\s*\(.*?\)\s*", " ", text)  # an earlier resolution's added topic
    spans = split_sentences(text)
    if len(spans) > 1:
        text = text[spans[0][0] : spans[0][1]]  # a premise and a question: the premise is the topic
    text = TIME_PHRASE.sub(" ", text)
    words = text.strip(" ?!.").split()
    # "Who ordered the strikes…": the word after a subject's "who" is its verb, not the topic.
    verb_follows = bool(words) and words[0].lower() in ("who", "what") and len(words) > 2 and words[1].lower() not in STOPWORDS
    while words and (_ASKING_START.match(words[0]) or words[0].lower() in STOPWORDS):
        words = words[1:]
    if verb_follows and len(words) > 2:
        words = words[1:]
        while words and words[0].lower() in STOPWORDS:
            words = words[1:]
    return " ".join(words)


def _subject_terms(turn: ConversationTurn) -> set[str]:
    return set(content_terms(" ".join((turn.read_as, *turn.titles, *turn.names))))


def _pointing_back(words: list[str]) -> tuple[int, str] | None:
    """(position, kind) of the first word that points back to the conversation: "person"
    (he, she), "group" (they, them), "thing" (it) or "pointing" (this, that attack). A word
    after a sentence of the question's own points inside it ("Damar Hamlin collapsed this
    week. He plays for which team?"), as "its" does ("Which company is sued over its offices?")."""
    for i, word in enumerate(words):
        bare = word.strip(',.?!;:"“”').lower()
        if bare == "its" or any(w.rstrip('"”)').endswith((".", "?", "!")) for w in words[:i]):
            continue
        if bare in _HE:
            return i, "person"
        if bare in _GROUP:
            return i, "group"
        if bare in _THING and i > 0:
            return i, "thing"
        if bare in _POINTING:
            following = words[i + 1].strip(",.?!;:").lower() if i + 1 < len(words) else ""
            if following and following not in _PRONOUN_VERBS and TIME_PHRASE.fullmatch(f"{bare} {following}"):
                continue  # "this week": a time, not a reference
            return i, "pointing"
    return None


def _with_topic(question: str, turn: ConversationTurn) -> str:
    about = turn.topic or topic(turn.read_as) or (turn.titles[0] if turn.titles else "")
    if not about or set(content_terms(about)) <= set(content_terms(question)):
        return question
    return f"{question.rstrip()} ({about})"


def _again_for_time(phrase: str, turn: ConversationTurn) -> str:
    """The focus turn's question asked for another time ("and in 2024?")."""
    base = re.sub(r"\s*\(.*?\)\s*$", "", turn.read_as).strip()
    base = TIME_PHRASE.sub(" ", base.rstrip(" ?.!"))
    return " ".join(base.split()) + f" {phrase.strip()}?"


def person_in_focus(conversation: Conversation) -> str:
    """Whom "he" or "she" points at: the newest turn's person (its answer's first), else
    the person of an earlier turn, else a name the newest question asked about ("Who is
    Igor Konashenkov?" "What did he threaten?"), else ""."""
    for turn in reversed(conversation.turns):
        if turn.people:
            return turn.people[0]
    focus = conversation.focus
    asked = names_in(focus.read_as) if focus is not None else []
    return asked[0] if asked else ""


def resolve(question: str, conversation: Conversation | None) -> Reading:
    """Read `question` against the conversation so far (its newest turn is the focus)."""
    question = " ".join(question.split())
    focus = conversation.focus if conversation is not None else None
    if focus is None:
        return Reading(question, question)

    ellipsis = _ELLIPSIS.match(question)
    if ellipsis:
        rest = (ellipsis.group(1) if ellipsis.group(1) is not None else ellipsis.group(2) or "").strip(" ?.!")
        if rest and TIME_PHRASE.fullmatch(rest):
            return Reading(question, _again_for_time(rest, focus), focus, "time")
        if rest and _ASKING_START.match(rest) and rest.split()[0].lower() not in ("in", "on", "at"):
            return Reading(question, _with_topic(f"{rest[0].upper()}{rest[1:]}?", focus), focus, "topic")  # "And what did Russia say?"
        base = re.sub(r"\s*\(.*?\)\s*$", "", focus.read_as).strip()
        old = [n for n in names_in(base)]
        if rest and old and names_in(rest):
            return Reading(question, base.replace(old[0], rest, 1), focus, "subject")  # "What about Turkey?"
        if rest:
            return Reading(question, f"{base.rstrip(' ?.!')} {rest}?", focus, "again")
        return Reading(question, focus.read_as, focus, "again")

    words = question.split()
    pointing = _pointing_back(words)
    if pointing is not None:
        at, kind = pointing
        if kind == "person":
            who = person_in_focus(conversation)
            if who:
                word = words[at]
                bare = word.strip(',.?!;:"“”').lower()
                trail = word[len(word.rstrip(",.?!;:")) :]
                words[at] = who + _HE[bare] + trail
                return Reading(question, " ".join(words), focus, "person")
        return Reading(question, _with_topic(question, focus), focus, "topic")

    own = names_in(question)
    terms = set(content_terms(question))
    shared = terms & _subject_terms(focus)
    if own and not shared:
        return Reading(question, question, None, "new topic")
    if not own and len(terms - shared) <= 2:
        # Few words of its own and no subject: it asks more about the story in focus ("Why?", "What changed since?").
        return Reading(question, _with_topic(question, focus), focus, "topic")
    if shared or not own:
        # Without a subject of its own it is about the story in focus ("Which province are
        # the rival proxies fighting over?"): the topic goes with it.
        return Reading(question, question if own else _with_topic(question, focus), focus, "" if own else "topic")
    return Reading(question, question, None, "new topic")


def turn_of(
    reading: Reading, kind: str, answer_names: list[str], people: list[str], doc_ids: list[str], story_ids: list[str], titles: list[str]
) -> ConversationTurn:
    """The turn an answered question adds to the conversation. The names its answer adds
    come first: they are what a "he" or "she" next points at ("Who ordered the strikes?"
    "Joe Biden." "What did he say?")."""
    asked = names_in(reading.standalone)
    asked_words = {w.lower() for n in asked for w in tokens(n)}
    added = [n for n in answer_names if not {w.lower() for w in tokens(n)} <= asked_words]
    names = list(dict.fromkeys(added + asked))
    # A question asking for a person is answered by one: the people of its answer first.
    if expected_type(reading.standalone) == "person":
        people = [p for p in people if p in added] + [p for p in people if p not in added]
    inherited = reading.focus.topic if reading.focus is not None and reading.how != "new topic" else ""
    return ConversationTurn(
        topic=inherited or topic(reading.standalone),
        question=reading.question,
        read_as=reading.standalone,
        kind=kind,
        names=tuple(names),
        people=tuple(dict.fromkeys(people)),
        doc_ids=tuple(dict.fromkeys(doc_ids)),
        story_ids=tuple(dict.fromkeys(s for s in story_ids if s)),
        titles=tuple(dict.fromkeys(t for t in titles if t)),
    )


def extend(conversation: Conversation | None, turn: ConversationTurn, reading: Reading, keep: int) -> Conversation:
    """The conversation after `turn`: a new topic starts afresh; at most `keep` turns are kept."""
    turns = () if conversation is None or (reading.how == "new topic") else conversation.turns
    return replace(conversation or Conversation(), turns=(*turns, turn)[-keep:])
