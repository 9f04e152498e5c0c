"""The reader with real models on the bundled corpus: the installed Qwen2.5-Coder-1.5B-Instruct
in-process (the default) and the same model behind llama-cpp-python's OpenAI-compatible server."""

import pytest

from assistant import Answer, Assistant
from assistant.evaluation import first_sentence
from assistant.settings import Settings
from assistant.types import Progress
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def assert_verbatim(answer: Answer) -> None:
    for c in answer.citations + answer.closest:
        source = (CORPUS / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        assert source[c.start : c.end] == c.quote, c


@pytest.fixture(scope="module")
def reader(built_assistant) -> Assistant:
    assert Settings.model_fields["llm"].default == "local"  # what a user gets without settings
    return Assistant(index_dir=built_assistant.settings.index_dir, llm="local")


def test_the_default_reader_answers_first_in_a_short_checked_sentence(reader):
    events = list(reader.stream(QUESTION))
    stages = [e.stage for e in events if isinstance(e, Progress)]
    assert stages == ["searching", "reading", "checking"]
    draft = events[2].answer
    assert draft is not None and draft.backend == "extractive" and "Biden" in draft.text  # shown while the model reads
    assert len(draft.citations) == 1 and draft.text.startswith(draft.citations[0].quote)  # one sentence, at a glance
    final = events[-1]
    assert isinstance(final, Answer) and final.backend == "local" and final.notice == "" and final.unsupported == []
    assert "Biden" in first_sentence(final.text), final.text
    short = final.text.split("\n\n")[0]
    assert short.endswith("[1].") and len(short.split()) <= 25, short
    assert f"“{final.citations[0].quote}” [1]" in final.text
    assert "Biden" in final.citations[0].quote  # the name stands in the sentence it cites
    assert final.extractive.citations[0] == draft.citations[0] and final.seconds["read"] > 0
    assert_verbatim(final)


def test_a_question_the_articles_do_not_cover_is_refused_with_the_closest_coverage(reader):
    answer = reader.answer("Who won the 2022 FIFA World Cup?")
    assert answer.refused and answer.citations == [] and "do not cover" in answer.text
    # No passage names the FIFA World Cup or 2022: the model is not asked to judge the excerpts.
    assert "read" not in answer.seconds, answer.seconds
    # Searched again in other words, it is still not covered: a rewording never answers by itself.
    assert answer.closest and len({c.doc_id for c in answer.closest}) == len(answer.closest)
    assert_verbatim(answer)


def test_a_question_worded_unlike_the_articles_is_reworded_and_answered(reader, built_assistant):
    # The article: "Lavrov revealed that the US side had only given Russia several minutes'
    # warning". In these words the refusal rule finds too little of the question.
    question = "Who disclosed that Washington had given Moscow only minutes of notice?"
    assert Assistant(index_dir=built_assistant.settings.index_dir, llm="extractive").answer(question).refused
    events = list(reader.stream(question))
    stages = [e.message for e in events if isinstance(e, Progress) and e.stage == "searching"]
    assert len(stages) == 3 and "rewording" in stages[1] and events[-1].reworded_question in stages[2]
    answer = events[-1]
    assert not answer.refused and "Lavrov" in answer.text, answer.text
    assert answer.reworded_question and answer.reworded_question != question and answer.standalone_question == question
    assert answer.seconds["reword"] > 0
    assert_verbatim(answer)


def test_the_model_is_told_which_words_to_say_another_way(reader):
    # Gold g14. The articles say "strikes" and "ordered"; told that "authorised" and "raids"
    # are not theirs, the model rewords them, where asked only for news words it wrote "authorized".
    answer = reader.answer("Which US president authorised the air raids on Iran-backed groups in Syria?")
    assert not answer.refused and "Biden" in first_sentence(answer.text), (answer.reworded_question, answer.text)
    assert answer.reworded_question and "raids" not in answer.reworded_question
    assert_verbatim(answer)


def test_asked_for_the_spokeswoman_the_answer_is_the_one_the_articles_call_so(reader):
    # Gold g02. The model names Sergei Lavrov, whom the cited sentence quotes; the articles
    # call Maria Zakharova the spokeswoman, so his name never leads the answer.
    answer = reader.answer("Which Russian spokeswoman said Russia strongly condemns the US attack?")
    assert not answer.refused and "Zakharova" in first_sentence(answer.text), answer.text
    assert "Lavrov" not in first_sentence(answer.text)
    assert_verbatim(answer)


def test_a_question_whose_subject_the_articles_lack_stays_refused(reader):
    # Gold g29. The model once reworded it as "What is the population of the city of
    # Damascus?": the articles hold "city", which carried it past the refusal rule, but they
    # say nothing of Damascus's population. Told that "population" is the missing word, it
    # now keeps the question; either way the rule (Extractor.uncovered, unit-tested) refuses.
    answer = reader.answer("What is the population of Damascus?")
    assert answer.refused and answer.citations == [], (answer.reworded_question, answer.text)


def test_a_follow_up_is_read_against_the_conversation_and_answered(reader):
    answer = reader.answer("What did he threaten to do?", history=["Who is Igor Konashenkov?"])
    assert "Konashenkov" in answer.standalone_question, answer.standalone_question
    assert not answer.refused and "suppress" in answer.text.lower(), answer.text
    assert_verbatim(answer)


def test_a_follow_up_reads_anew_only_what_its_prompt_adds(built_assistant):
    # Gold g01 then g04, about the same strikes: the follow-up's prompt starts with the first
    # one's excerpts, and the model's state after that prompt is found again although the
    # model rewrote the follow-up in between. (Carrying excerpts is off by default.)
    reader = Assistant(index_dir=built_assistant.settings.index_dir, llm="local", reader_conversations=16)
    first, follow = "Who ordered the strikes on militia facilities in eastern Syria?", "How did the Pentagon describe the strikes?"
    reader.answer(first)
    model = reader.llm.llama
    prefills: list[tuple[int, int]] = []  # (tokens already in the model's cache, tokens read anew) of each prompt
    real_eval = model.eval

    def eval_(tokens):
        if len(tokens) > 1:
            prefills.append((model.n_tokens, len(tokens)))
        return real_eval(tokens)

    model.eval = eval_  # observed only: the real method does the work
    try:
        answer = reader.answer(follow, history=[first])
    finally:
        del model.eval
    cached, new = prefills[-1]  # the reader's prompt (the rewriting of the follow-up came first)
    assert cached > 2 * new, prefills
    assert not answer.refused and "proportionate" in answer.text, answer.text
    assert_verbatim(answer)


def test_without_its_model_the_reader_quotes_the_articles_and_says_how_to_install_it(built_assistant, tmp_path):
    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="local", models_dir=tmp_path / "empty")
    answer = bot.answer(QUESTION)
    assert answer.backend == "extractive" and not answer.refused and "Biden" in answer.text
    assert "not installed" in answer.notice and "assistant model install" in answer.notice


def test_an_openai_compatible_server_gets_the_same_prompt_and_checks(built_assistant, llm_server):
    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="openai", llm_url=llm_server, llm_model="local-model")
    answer = bot.answer(QUESTION)
    assert answer.backend == "openai" and answer.notice == "", answer.notice
    assert "Biden" in first_sentence(answer.text), answer.text
    assert_verbatim(answer)


def test_an_unreachable_server_gives_the_quoted_answer_with_a_notice(built_assistant):
    from tests.processes import free_port

    bot = Assistant(index_dir=built_assistant.settings.index_dir, llm="openai", llm_url=f"http://127.0.0.1:{free_port()}/v1", llm_timeout=5)
    answer = bot.answer(QUESTION)
    assert not answer.refused and "Biden" in answer.text
    assert answer.backend == "extractive" and "could not answer" in answer.notice


def test_a_paraphrase_the_word_rule_refuses_is_judged_by_the_model_and_answered(reader, built_assistant):
    # The article: "Saraya Awliya al-Dam ... claimed responsibility for the rocket attack in
    # Erbil". "Outfit", "took credit" and "assault" are none of its words, so the rule refuses
    # and the rewording does not rescue it; with reader_judges_refusals, every name the question
    # asks about (Erbil) being in the passages, the model reads them and its checked answer stands.
    question = "Which outfit took credit for the rocket assault in Erbil?"
    assert Assistant(index_dir=built_assistant.settings.index_dir, llm="extractive").answer(question).refused
    assert reader.answer(question).refused  # by default the refusal stands (reader_judges_refusals is off)
    answer = Assistant(index_dir=built_assistant.settings.index_dir, llm="local", reader_judges_refusals=True).answer(question)
    assert not answer.refused and answer.reading == "answered" and "Saraya Awliya al-Dam" in first_sentence(answer.text), answer.text
    assert_verbatim(answer)


def test_a_yes_or_no_question_is_answered_yes_or_no_with_its_cited_reason(reader):
    answer = reader.answer("Did Russia condemn the US strikes in Syria?")
    assert not answer.refused and answer.reading == "answered" and answer.text.startswith("Yes, "), answer.text
    assert "condemn" in answer.citations[0].quote
    assert_verbatim(answer)
