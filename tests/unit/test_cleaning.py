from assistant.cleaning import clean, is_headline, is_sentence_line
from tests.paths import CORPUS


def _check_verbatim(raw: str, cleaned) -> None:
    for seg in cleaned.segments:
        assert raw[seg.source_start : seg.source_start + seg.length] == cleaned.text[seg.clean_start : seg.clean_start + seg.length]


def test_header_widgets_and_clock_date_are_removed():
    raw = "20:04 GMT19 April 2021\nListen Live\n    Get short URL\n\n    The Pentagon confirmed the strikes on Thursday night, officials said.\n\n    Community standardsDiscussion\n"
    c = clean(raw)
    assert c.text == "The Pentagon confirmed the strikes on Thursday night, officials said."
    assert c.published_at == "2021-04-19"
    _check_verbatim(raw, c)


def test_date_prefix_is_metadata_and_the_sentence_is_untouched():
    raw = " date 2021-02-26 On Thursday night, the Pentagon confirmed reports of strikes in Syria.\n\nDETAILS TO FOLLOW"
    c = clean(raw)
    assert c.published_at == "2021-02-26"
    assert c.text == "On Thursday night, the Pentagon confirmed reports of strikes in Syria."
    _check_verbatim(raw, c)


def test_headline_age_notice_ads_and_read_links():
    raw = (
        "FYI.\n\nThis story is over 5 years old.\n\nNews\n\nRussia says it will strike fighters in Syria if provoked\n\n"
        "Moscow warned Washington on Thursday that its forces would face a fierce military response.\n\nAdvertisement\n\n"
        "The spokesman said any fire would be suppressed with all military means.\n\n"
        "Read: What you need to know about the strikes on Syria\n\nREAD MORE: Another story about Idlib\n\n"
        "The two powers maintain a deconfliction line in Syria to avoid clashes.\n"
    )
    c = clean(raw)
    assert c.title == "Russia says it will strike fighters in Syria if provoked"
    assert "FYI" not in c.text and "years old" not in c.text and "Advertisement" not in c.text
    assert "Read:" not in c.text and "READ MORE" not in c.text
    assert c.text.count("\n\n") == 2  # three prose paragraphs kept
    _check_verbatim(raw, c)


def test_photo_credits_related_headlines_and_tags_are_removed():
    raw = (
        "The Kremlin urged both parties to take steps to de-escalate the situation in the region.\n\n"
        "AP Photo/ Maya Alleruzzo\n\n"
        "Russia has maintained its military presence in Syria since September 2015.\n\n"
        "Reuters/John Smith\n\n"
        "Turkish Defense Minister Calls for Halt of Military Operations in Idlib\n"
        "France Vows to Respond in Case of Chemical Attack in Idlib - Defense Min.\n"
        "action, crisis, security, strike, Pentagon, Idlib, Iran\n"
    )
    c = clean(raw)
    assert c.text == (
        "The Kremlin urged both parties to take steps to de-escalate the situation in the region.\n\n"
        "Russia has maintained its military presence in Syria since September 2015."
    )


def test_hard_wrapped_prose_is_kept_whole():
    raw = "The minister said on Monday that the talks\nwould continue next week in Geneva, and that\nboth sides had agreed to a ceasefire.\n"
    c = clean(raw)
    assert c.text == raw.strip()


def test_sentences_are_never_rewritten_on_the_sample_corpus():
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        c = clean(raw)
        _check_verbatim(raw, c)
        assert len(c.text) > 0.6 * len(raw.strip())


def test_line_shapes():
    assert is_headline("Turkish Defense Minister Calls for Halt of Military Operations in Idlib")
    assert not is_headline("The minister called for a halt of military operations in Idlib on Monday.")
    assert is_sentence_line("Moscow warned Washington on Thursday that forces would respond.")
    assert not is_sentence_line("Get short URL")
