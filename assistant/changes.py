"""What changed between versions of a story: sentences added, removed and edited, each
side cited to its version with offsets.

The two texts are aligned sentence by sentence (difflib over normalised sentences, so a
moved comma is no change). Within a replaced block an older and a newer sentence are one
sentence, edited, when their words mostly agree (`change_pair_similarity`); such a pair is
"changed" when a number, name or date of the older gave way to another of its sort in the
newer ("12" -> "14", "Tuesday" -> "Monday"), else "reworded" (a name only dropped or only added is an edit, not a
changed fact). A sentence that only moved
is no change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from difflib import SequenceMatcher

from assistant.citations import cite, dated
from assistant.settings import NewsSettings
from assistant.support import name_runs, numbers_in
from assistant.templates import Templates
from assistant.text import is_calendar_word, normalize_answer, split_sentences, topic_words
from assistant.types import ArticleInfo, Change, Citation, Passage, VersionChanges

# "What changed in the latest version…", "how was the report updated", "what is new since 26 February".
_CHANGE_WORDS = re.compile(r"\b(?:chang\w*|new|differ\w*|added|removed|updated?|revised?)\b", re.I)
_VERSION_WORDS = re.compile(r"\b(?:versions?|revisions?|updates?|updated|revised|edited|edits?)\b", re.I)
_NEW_SINCE = re.compile(r"\bwhat(?:'s|’s| is| has been)? new since\b|\bwhat (?:has )?changed since\b", re.I)
# "How was the report updated?": a document's own edits, not a change in the world.
_DOCUMENT_EDITED = re.compile(r"\b(?:report|story|article|piece|coverage)\b.{0,60}\b(?:updated|revised|edited|rewritten|corrected)\b", re.I)
_LATEST = re.compile(r"\b(?:latest|newest|last|most recent|current)\b", re.I)
# Words that ask for the comparison, not for the story: left out when the story is searched.
_ASKING = re.compile(
    r"\b(?:what|how|has|have|had|was|were|is|did|does|do|changed?|changes|new|differ\w*|between|in|to|of|the|since|"
    r"latest|newest|last|most|recent|current|version|versions|revisions?|updates?|updated|revised|edited|edits?|story|report|article|about)\b",
    re.I,
)


def asks_for_changes(question: str) -> bool:
    """Does the question ask how a story changed between its versions (not what changed in
    the world: "what changed in US policy?" is a news question)?"""
    if _NEW_SINCE.search(question) or _DOCUMENT_EDITED.search(question):
        return True
    return bool(_VERSION_WORDS.search(question) and _CHANGE_WORDS.search(_VERSION_WORDS.sub(" ", question)))


def wants_latest(question: str) -> bool:
    """Does the question ask about the newest version only?"""
    return bool(_LATEST.search(question))


def topic_of(question: str) -> str:
    """The question without its asking words and dates, for searching the story it is about."""
    return topic_words(question, _ASKING)


def _items(sentence: str) -> set[str]:
    """The numbers, names and dates of a sentence (what makes an edit a change of fact). A
    lone capitalised word that opens the sentence ("It", "Lawmakers") is not taken for a
    name, a weekday or month there is."""
    names = set()
    for a, b in name_runs(sentence):
        word = sentence[a:b]
        if not sentence[:a].strip(" \"'“‘(") and " " not in word and not is_calendar_word(word.lower().rstrip(".")):
            continue
        names.add(word)
    return numbers_in(sentence) | names


def _sort(item: str) -> str:
    if any(ch.isdigit() for ch in item):
        return "number"
    return "date" if is_calendar_word(item.lower().rstrip(".")) else "name"


def _differing(before: set[str], after: set[str], settings: NewsSettings) -> tuple[list[str], list[str]]:
    """The items only one side has. Two spellings of one name are the same item: one held in
    the other once case, spaces and punctuation are set aside ("Trump" in "President Donald
    Trump", "U.K." and "UK", "Wall St." and "Wall Street"), or nearly the same letters
    ("al-Qaida", "al Qaeda")."""

    def key(item: str) -> str:
        return re.sub(r"[\W_]+", "", item.lower())

    def same(x: str, y: str) -> bool:
        kx, ky = key(x), key(y)
        if not kx or not ky:
            return kx == ky
        return kx in ky or ky in kx or SequenceMatcher(None, kx, ky).ratio() >= settings.change_spelling_similarity

    gone = sorted(b for b in before - after if not any(same(b, a) for a in after))
    came = sorted(a for a in after - before if not any(same(a, b) for b in before))
    return gone, came


def _sentences(passage: Passage) -> list[tuple[int, int, str]]:
    return [(a, b, normalize_answer(passage.text[a:b])) for a, b in split_sentences(passage.text)]


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def diff_versions(older: Passage, newer: Passage, settings: NewsSettings) -> list[Change]:
    """The changes from `older` to `newer` (whole-article passages), in the newer text's
    order, citations numbered from 1 (old side before new side within a change)."""
    old, new = _sentences(older), _sentences(newer)
    steps: list[tuple[int | None, int | None]] = []  # (old index, new index); None: that side is absent
    matcher = SequenceMatcher(None, [s[2] for s in old], [s[2] for s in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired: dict[int, int] = {}
        floor = j1
        for i in range(i1, i2):
            # Pairs keep the texts' order: a newer sentence pairs with an older one after the last pair.
            scored = [(_similarity(old[i][2], new[j][2]), j) for j in range(floor, j2)]
            best = max(scored, default=(0.0, -1))
            if best[0] >= settings.change_pair_similarity:
                paired[i] = best[1]
                floor = best[1] + 1
        by_new = {j: i for i, j in paired.items()}
        pending_old = [i for i in range(i1, i2) if i not in paired]
        for j in range(j1, j2):
            if j in by_new:
                # Removed sentences that stood before this pair come first.
                steps += [(i, None) for i in pending_old if i < by_new[j]]
                pending_old = [i for i in pending_old if i > by_new[j]]
                steps.append((by_new[j], j))
            else:
                steps.append((None, j))
        steps += [(i, None) for i in pending_old]
    # A sentence removed in one place and added in another only moved.
    removed = {old[i][2] for i, j in steps if j is None}
    added = {new[j][2] for i, j in steps if i is None}
    moved = removed & added
    steps = [(i, j) for i, j in steps if not ((j is None and old[i][2] in moved) or (i is None and new[j][2] in moved))]

    changes: list[Change] = []
    number = 0

    def side(passage: Passage, span: tuple[int, int, str]) -> Citation:
        nonlocal number
        number += 1
        return cite(number, passage, span[0], span[1], 1.0)

    for i, j in steps:
        if j is None:
            changes.append(Change("removed", old=side(older, old[i])))
        elif i is None:
            changes.append(Change("added", new=side(newer, new[j])))
        else:
            gone, came = _differing(_items(older.text[old[i][0] : old[i][1]]), _items(newer.text[new[j][0] : new[j][1]]), settings)
            # A value replaced by one of its sort (a number by a number, a day or month by
            # another, a name by a name) is a changed fact; one only dropped or added is an edit.
            kind = "changed" if {_sort(x) for x in gone} & {_sort(x) for x in came} else "reworded"
            changes.append(Change(kind, old=side(older, old[i]), new=side(newer, new[j]), old_items=gone, new_items=came))
    return changes


def version_order(info: ArticleInfo) -> tuple[str, str]:
    """Oldest first; undated versions before dated ones (their place is unknown)."""
    return (info.published_at or "", info.doc_id)


def story_changes(
    versions: list[tuple[ArticleInfo, Passage]],
    settings: NewsSettings,
    *,
    since: dt.date | None = None,
    latest_only: bool = False,
) -> list[VersionChanges]:
    """Changes between consecutive versions, oldest to newest. With `since`, one comparison:
    the version current on that day (the oldest when none was) against the newest; with
    `latest_only`, only the newest version against the one before it."""
    ordered = sorted(versions, key=lambda v: version_order(v[0]))
    if len(ordered) < 2:
        return []
    if since is not None:
        day = since.isoformat()
        before = [v for v in ordered[:-1] if v[0].published_at and v[0].published_at <= day]
        pairs = [(before[-1] if before else ordered[0], ordered[-1])]
    elif latest_only:
        pairs = [(ordered[-2], ordered[-1])]
    else:
        pairs = list(zip(ordered, ordered[1:]))
    return [VersionChanges(a[0], b[0], diff_versions(a[1], b[1], settings)) for a, b in pairs]


_PRIORITY = {"changed": 0, "removed": 1, "added": 2, "reworded": 3}  # changed facts and retractions first when not all fit


def changes_text(story: list[VersionChanges], templates: Templates, settings: NewsSettings) -> tuple[str, list[Citation]]:
    """The written answer to "what changed?": each comparison's counts, then up to
    `changes_shown` changes (changed facts first, then removed, added, reworded sentences),
    each in the text's order; the citations renumbered in reading order."""
    every = [(p, n, c) for p, pair in enumerate(story) for n, c in enumerate(pair.changes)]
    chosen = {(p, n) for p, n, _ in sorted(every, key=lambda e: (_PRIORITY[e[2].kind], e[0], e[1]))[: settings.changes_shown]}
    parts: list[str] = []
    citations: list[Citation] = []

    def ref(citation: Citation) -> str:
        citations.append(replace(citation, number=len(citations) + 1))
        return f"[{len(citations)}]"

    for p, pair in enumerate(story):
        counts = pair.counts()
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no sentence"
        name = pair.newer.title or pair.older.title
        title = f"“{name}”" if name else f"The story of {pair.newer.doc_id}"
        parts.append(
            templates.changes.substitute(
                title=title, older=dated(pair.older.published_at, pair.older.source), newer=dated(pair.newer.published_at, pair.newer.source), counts=summary
            )
        )
        for n, change in enumerate(pair.changes):
            if (p, n) not in chosen:
                continue
            if change.kind == "added":
                parts.append(templates.change_added.substitute(new=change.new.quote, new_ref=ref(change.new)))
            elif change.kind == "removed":
                parts.append(templates.change_removed.substitute(old=change.old.quote, old_ref=ref(change.old)))
            else:
                what = f"{', '.join(change.old_items) or '—'} → {', '.join(change.new_items) or '—'}" if change.kind == "changed" else "wording"
                parts.append(
                    templates.change_edited.substitute(
                        old=change.old.quote, old_ref=ref(change.old), new=change.new.quote, new_ref=ref(change.new), differs=what
                    )
                )
    hidden = len(every) - len(chosen)
    if hidden > 0:
        parts.append(templates.changes_more.substitute(count=hidden, doc_id=story[-1].newer.doc_id))
    return "\n".join(parts), citations
