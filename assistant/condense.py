"""Turn a follow-up question into a standalone one, without a language model.

"What did he threaten to do?" after "Who is Igor Konashenkov?" becomes "What did Igor
Konashenkov threaten to do?": a pronoun that points back is replaced by the most recent
named subject of the conversation; an elliptical follow-up ("And in Iraq?", "What about
Turkey?") borrows the previous question's subject as extra context.
"""

from __future__ import annotations

import re

_PERSON_PRONOUNS = {"he": "", "she": "", "him": "", "her": "", "his": "'s", "hers": "'s", "they": "", "them": "", "their": "'s"}
_THING_PRONOUNS = {"it": "", "its": "'s", "this": "", "that": "", "these": "", "those": ""}
_CAPITALISED = re.compile(r"\b(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*)(?:\s+(?:(?:of|the|de|al|bin|von|van|la|du|el)\s+)?(?:[A-Z][\w'’.-]*|al-[A-Z][\w'’-]*))*")
_QUESTION_START = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do|can|could|has|have|had|will|would|and|but|so|in|on|at)\b", re.I
)
_ELLIPSIS = re.compile(r"^(?:and|what about|how about|and what about|what of)\b\s*(.*?)\??$", re.I)


def subjects(question: str) -> list[str]:
    """Capitalised names in a question, longest first, without its opening question word."""
    found = []
    for m in _CAPITALISED.finditer(question):
        phrase = m.group(0).strip(" .?!,")
        if m.start() == 0:
            # Drop a sentence-initial capital that is just the question word ("Who", "What").
            words = phrase.split()
            while words and _QUESTION_START.match(words[0]):
                words = words[1:]
            phrase = " ".join(words)
        if phrase and phrase.lower() not in _PERSON_PRONOUNS and phrase.lower() not in _THING_PRONOUNS and phrase != "I":
            found.append(phrase)
    return sorted(found, key=len, reverse=True)


def _topic(question: str) -> str:
    # Without a capitalised name, the question's own words (minus the question word) are the topic.
    words = question.strip(" ?!.").split()
    while words and _QUESTION_START.match(words[0]):
        words = words[1:]
    return " ".join(words)


def condense(question: str, history: list[str] | None) -> str:
    """The standalone form of `question` given earlier user questions (oldest first)."""
    question = question.strip()
    earlier = [h.strip() for h in (history or []) if h and h.strip()]
    if not earlier:
        return question
    previous = earlier[-1]
    antecedent = next((subjects(q)[0] for q in reversed(earlier) if subjects(q)), "")
    own = subjects(question)

    ellipsis = _ELLIPSIS.match(question)
    if ellipsis:
        rest = ellipsis.group(1).strip(" ?")
        if rest and _QUESTION_START.match(rest):
            return f"{rest[0].upper()}{rest[1:]}? ({_topic(previous)})"  # "And what did Russia say?"
        prev_subjects = subjects(previous)
        if rest and prev_subjects:
            return previous.replace(prev_subjects[0], rest, 1)  # "What about Turkey?"
        return f"{previous} ({rest})" if rest else previous

    words = question.split()
    for i, word in enumerate(words):
        bare = word.strip(",.?!;:").lower()
        trail = word[len(word.rstrip(",.?!;:")) :]
        if bare in ("they", "them", "their"):
            return f"{question} ({_topic(previous)})"  # a group or the events themselves, not one name
        if bare in _PERSON_PRONOUNS and antecedent:
            words[i] = antecedent + _PERSON_PRONOUNS[bare] + trail
            return " ".join(words)
        if bare in ("it", "its") and i > 0 and antecedent:
            words[i] = antecedent + _THING_PRONOUNS[bare] + trail
            return " ".join(words)
        if bare in ("this", "that", "these", "those"):
            following = words[i + 1].strip(",.?!;:") if i + 1 < len(words) else ""
            if following[:1].islower() and following not in ("is", "was", "are", "were", "mean", "happen", "happened", "take", "took"):
                continue  # "this week", "that attack": a determiner, not a pronoun
            return f"{question} ({_topic(previous)})"
    if own:
        return question
    return f"{question} ({_topic(previous)})"
