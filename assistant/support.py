"""Is a sentence backed by a passage? A lexical check shared by the evaluator and the
generative backends: the passage must hold the sentence's numbers and names, and most of
its other key terms. It catches invented figures, names and unrelated claims; it is not
entailment (a negated sentence with the same words passes)."""

from __future__ import annotations

import re

from assistant.intent import has_type
from assistant.text import NUMBER, NUMBER_WORDS, STOPWORDS, content_terms, is_abbreviation, is_calendar_word, stem, tokens

_NUMBER = re.compile(NUMBER)


_WORD_NUMBER = re.compile(rf"\b(?:{'|'.join(w for w in NUMBER_WORDS if w != 'one')})\b", re.I)


def numbers_in(text: str) -> set[str]:
    """Numbers as written, without thousands separators ("4,000" and "4000" match), and the
    small ones written in words as their digits ("two" and "2" match). "One" is left out:
    news writes it mostly as no number at all ("one of the", "no one")."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)} | {NUMBER_WORDS[w.lower()] for w in _WORD_NUMBER.findall(text)}


def names_in(sentence: str) -> set[str]:
    """Stems of capitalised words that are not the sentence's first word nor stop words."""
    words = tokens(sentence)
    return {stem(w) for i, w in enumerate(words) if i > 0 and w[:1].isupper() and w.lower() not in STOPWORDS}


def key_items(sentence: str) -> set[str]:
    """Terms a supporting passage must contain: content words, numbers and names."""
    items = set(content_terms(sentence))
    items |= {t for t in tokens(sentence) if _NUMBER.search(t)}
    return items


def support(sentence: str, passage: str, min_share: float, question: str = "") -> tuple[bool, str]:
    """(supported, reason): every number and name of `sentence` is in `passage` (or in the
    `question` it answers), and at least `min_share` of its key terms are."""
    passage_terms = set(content_terms(passage + " " + question))
    missing_numbers = numbers_in(sentence) - numbers_in(passage + " " + question)
    if missing_numbers:
        return False, f"number not in the cited passage: {', '.join(sorted(missing_numbers))}"
    missing_names = names_in(sentence) - passage_terms
    if missing_names:
        return False, f"name not in the cited passage: {', '.join(sorted(missing_names))}"
    items = set(content_terms(sentence))
    if not items:
        return False, "no content words"
    share = len(items & passage_terms) / len(items)
    if share < min_share:
        return False, f"only {share:.0%} of its key terms are in the cited passage"
    return True, ""


# --- a reading model's short answer ----------------------------------------------------

_CAPITALISED = re.compile(r"[A-Z][\w'’&.-]*")
_CONNECTORS = frozenset("of de del da van von bin al la du der den".split())
_LEADING = STOPWORDS | frozenset("on in at by for from as after before during".split())


def name_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of capitalised words ("Buffalo Bills", "Bank of America"):
    a leading stop word ("The", "On") is not part of it, a possessive ending is not, and
    calendar words (months, weekdays) stand apart."""
    words = [(m.start(), m.end()) for m in _CAPITALISED.finditer(text)]
    runs: list[list[tuple[int, int]]] = []
    for start, end in words:
        word = text[start:end].rstrip(".,").lower()
        before = text[runs[-1][-1][0] : runs[-1][-1][1]] if runs else ""
        sentence_ended = before.endswith(".") and not is_abbreviation(before)  # "in Iraq. President Joe Biden"
        if runs and not sentence_ended and not is_calendar_word(word) and not is_calendar_word(runs[-1][-1][2]):
            gap = text[runs[-1][-1][1] : start]
            if gap.strip() == "" and len(gap) <= 2 or (gap.strip().lower() in _CONNECTORS and len(gap) <= 6):
                runs[-1].append((start, end, word))
                continue
        runs.append([(start, end, word)])
    out = []
    for run in runs:
        while run and run[0][2].strip("'’") in _LEADING and not is_calendar_word(run[0][2]):
            run = run[1:]
        if not run:
            continue
        start, end = run[0][0], run[-1][1]
        piece = text[start:end]
        piece = re.sub(r"(?:['’]s?|[.,])$", "", piece) if not re.search(r"(?:[A-Z]\.){2,}$", piece) else piece
        if piece:
            out.append((start, start + len(piece)))
    return out


def _words_in(text: str) -> set[str]:
    # "Biden's budget" asks about Biden: the possessive is not part of the name.
    return {re.sub(r"['’]s?$", "", t.lower()) for t in tokens(text)}


def _occurs(name: str, text: str, *, any_case: bool) -> bool:
    pattern = r"(?<![\w])" + re.escape(name) + r"(?![\w])"
    return re.search(pattern, text, re.IGNORECASE if any_case else 0) is not None


def full_form(name: str, evidence: str) -> str:
    """The longest name of `evidence` that holds `name` as whole words ("Bills" -> "Buffalo
    Bills"), so the answer names it as the article does; `name` itself when there is none.

    English names end in their head word: words before it narrow the same thing ("Buffalo
    Bills", "President Joe Biden"), words after it name another ("St. Louis Post-Dispatch"
    is a newspaper, not the city). So a longer name that adds words after `name` is taken
    only when the excerpt never writes `name` as a name on its own."""
    wanted = [w.lower() for w in tokens(name)]
    spans = name_runs(evidence)
    runs = [[w.lower() for w in tokens(evidence[start:end])] for start, end in spans]
    stands_alone = wanted in runs
    best = name
    for (start, end), have in zip(spans, runs):
        for i in range(len(have) - len(wanted) + 1):
            if have[i : i + len(wanted)] == wanted:
                if len(have) > len(tokens(best)) and not (stands_alone and i + len(wanted) < len(have)):
                    best = evidence[start:end]
                break
    return best


def name_within(name: str, evidence: str) -> str | None:
    """The name of `evidence` that holds every word of a multi-word `name` in order, first
    and last word included ("Pope Benedict XVI" in "Pope Emeritus Benedict XVI"), or None.
    A model shortens a title or drops a middle name; the article's form is what is shown."""
    wanted = [w.lower() for w in tokens(name)]
    if len(wanted) < 2:
        return None
    for start, end in name_runs(evidence):
        have = [w.lower() for w in tokens(evidence[start:end])]
        for i, word in enumerate(have):
            if word != wanted[0]:
                continue
            at, j = i, 1
            for k in range(i + 1, len(have)):
                if j < len(wanted) and have[k] == wanted[j]:
                    at, j = k, j + 1
            if j == len(wanted) and have[at] == wanted[-1]:
                return evidence[start:end]
    return None


def titled_names(role: str, text: str) -> set[str]:
    """The names `text` gives the title `role`, the way news writes a title: before the
    name ("Foreign Ministry spokeswoman Maria Zakharova", "President Joe Biden") or after
    it ("Maria Zakharova, the ministry's spokeswoman")."""
    word = r"(?<![\w-])" + re.escape(role) + r"s?(?![\w-])"
    names = set()
    for start, end in name_runs(text):
        run = text[start:end]
        inside = list(re.finditer(word + r"\s+", run, re.IGNORECASE))  # "Russian Foreign Minister Sergei Lavrov" is one run
        if inside and run[inside[-1].end() :].strip():
            names.add(run[inside[-1].end() :])
        elif re.search(word + r"\s{1,2}$", text[max(0, start - len(role) - 3) : start], re.IGNORECASE):
            names.add(run)
        elif re.match(r",\s+(?:the|a|an|its|their|his|her|[\w.-]+['’]s)\s+(?:[\w'’.-]+\s+){0,4}?" + word, text[end:], re.IGNORECASE):
            names.add(run)
    return names


def _same_one(name: str, other: str) -> bool:
    """Whether two names name the same one: the words of one stand in the other ("Zakharova",
    "Maria Zakharova")."""
    a, b = _words_in(name), _words_in(other)
    return bool(a) and bool(b) and (a <= b or b <= a)


def has_role(answer: str, question: str, role: str, titled: set[str]) -> bool:
    """Whether a name the answer adds is one the excerpts give the asked `role` (`titled`):
    the answer to "which spokeswoman" is the one the articles call spokeswoman, however
    often they quote the minister beside her."""
    names, _ = answer_items(answer, question)
    return any(_same_one(n, t) or t in n for n in names for t in titled)


# Amounts said without a figure ("several minutes", "a few hundred"): an answer to "how much".
_VAGUE_AMOUNT = re.compile(r"\b(?:several|a few|few|many|dozens|scores|hundreds|thousands|millions|billions|half|a quarter|a third|a couple)\b", re.I)


def gives_amount(answer: str, question: str) -> bool:
    """Whether an answer states an amount the question does not ("12", "1m yen", "several minutes")."""
    return has_type(answer, "number", question) or bool(_VAGUE_AMOUNT.search(answer))


def gives_date(answer: str, question: str) -> bool:
    """Whether an answer states a time the question does not (a year, a month, a weekday, "yesterday")."""
    return has_type(answer, "date", question) or bool(numbers_in(answer) - numbers_in(question))


_GIVES = {"number": gives_amount, "date": gives_date, "month": lambda answer, question: gives_date(answer, question)}
_KIND_WORD = {"number": "amount or number", "date": "date or time", "month": "month"}

# Kinds of question (answer.expected_type) whose answer is a name: a reply that names
# nothing ("The actor will host the show") has not answered.
NAMED_KINDS = frozenset({"person", "org", "place", "work"})


def check_short_answer(
    answer: str, evidence: str, question: str, min_share: float, ranked_first: str = "", *, context: str = "", kind: str = "other"
) -> tuple[bool, str, str]:
    """(verified, reason, answer in the evidence's own words) for a model's one-sentence answer.

    Every name and number the answer adds to the question must stand verbatim in `evidence`
    (a name in its full form there: "the Bills" becomes "Buffalo Bills"), the answer must add
    something to the question (a name, when `kind` asks for one), and `min_share` of its
    content words must stand in `context` (the passage the evidence comes from; the evidence
    itself when not given), unless `ranked_first` (the extractive ranker's best sentence)
    names the same added names and numbers. What fails is not shown to anyone.
    """
    asked_words = _words_in(question)
    rewritten = answer
    for start, end in reversed(name_runs(answer)):
        name = answer[start:end]
        if _words_in(name) <= asked_words:
            continue  # the question's own subject, not the answer
        first_word = start == 0 or not answer[:start].strip(" \"“'‘(")
        if not _occurs(name, evidence, any_case=first_word and " " not in name):
            within = name_within(name, evidence)
            if within is None:
                return False, f"name not in the cited sentence: {name}", answer
            rewritten = rewritten[:start] + within + rewritten[end:]
            continue
        longer = full_form(name, evidence)
        if longer != name:
            rewritten = rewritten[:start] + longer + rewritten[end:]
    missing = numbers_in(answer) - numbers_in(question) - numbers_in(evidence)
    if missing:
        return False, f"number not in the cited sentence: {', '.join(sorted(missing))}", answer
    terms = set(content_terms(rewritten))
    asked = set(content_terms(question))
    new = (terms - asked) | (numbers_in(rewritten) - numbers_in(question))
    if not new:
        return False, "it only repeats the question", answer
    if kind in NAMED_KINDS and not [n for n in answer_items(rewritten, question)[0] if not is_calendar_word(n.lower())]:
        return False, f"it names no {kind}", answer
    if kind in _GIVES and not _GIVES[kind](rewritten, question):
        return False, f"it gives no {_KIND_WORD[kind]}", answer
    # The claim itself must be the article's: words taken from the question do not count,
    # or "<a name from the excerpt> + the question's words" would pass for an answer. The
    # words may come from anywhere in the passage (an article names the grant in one
    # sentence and its amount in the next); the names and numbers, checked above, may not.
    backed = set(content_terms(context or evidence))
    share = len(terms & backed) / len(terms) if terms else 0.0
    if share < min_share and not _agrees(rewritten, question, ranked_first):
        return False, f"only {share:.0%} of its key terms are in the cited sentence", answer
    return True, "", rewritten


def _agrees(answer: str, question: str, ranked_first: str) -> bool:
    """Whether the sentence the extractive ranker put first names every name and number the
    answer adds: two readers that work differently found the same answer, so an answer that
    words the question its own way ("Florida's governor is pushing to ban…" for an article
    on "Gov. Ron DeSantis called for…") is not held to the article's wording."""
    names, numbers = answer_items(answer, question)
    if not ranked_first or not (names or numbers):
        return False
    return all(_occurs(n, ranked_first, any_case=False) for n in names) and numbers <= numbers_in(ranked_first)


def answer_items(answer: str, question: str) -> tuple[list[str], set[str]]:
    """The names and numbers an answer adds to its question: what its quote must hold."""
    asked_words = _words_in(question)
    names = [answer[a:b] for a, b in name_runs(answer) if not _words_in(answer[a:b]) <= asked_words]
    return names, numbers_in(answer) - numbers_in(question)
