from assistant.text import contains_answer, content_terms, normalize_answer


def test_answer_matching_ignores_case_and_punctuation():
    assert normalize_answer("Kata'ib  Hezbollah!") == "kata ib hezbollah"
    assert contains_answer("NATO will have 4,000 troops", ["4,000"])
    assert contains_answer("Russia 'strongly condemns' it", ["strongly condemn"])
    assert not contains_answer("The answer is missing", ["Biden"])
    assert not contains_answer("anything", [""])


def test_content_terms_join_irregular_verbs():
    assert "say" in content_terms("Zakharova said")
    assert content_terms("Who won?") == content_terms("who wins")
    assert "the" not in content_terms("the strikes")
