import os

import pytest

from assistant.web.uploads import safe_name, save_uploads


@pytest.mark.parametrize(
    "given, expected",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.json", "evil.json"),
        ("/abs/path/a b.md", "a b.md"),
        ("we;ird$name.txt", "we_ird_name.txt"),
        ("..", ""),
        (".hidden.txt", "hidden.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
    ],
)
def test_safe_name_keeps_only_a_plain_file_name(given, expected):
    assert safe_name(given) == expected


def test_long_names_keep_their_extension():
    name = safe_name("x" * 300 + ".jsonl.gz")
    assert len(name) <= 120 and name.endswith(".jsonl.gz")


def test_uploads_land_in_the_corpus_folder_or_are_rejected_with_a_reason(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = incoming / "story.txt"
    good.write_text("An article about something that happened.")
    empty = incoming / "empty.txt"
    empty.write_text("")
    image = incoming / "photo.png"
    image.write_bytes(b"\x89PNG")
    big = incoming / "big.txt"
    big.write_text("x" * 2000)
    corpus = tmp_path / "corpus"
    saved = save_uploads(
        [good, empty, image, big, incoming / "gone.txt", good], corpus, max_bytes=1000, names=["../../outside.txt", None, None, None, None, None]
    )
    assert saved.files == [corpus / "uploads" / "outside.txt", corpus / "uploads" / "story.txt"]
    assert (corpus / "uploads" / "outside.txt").read_text() == good.read_text()
    reasons = dict(saved.rejected)
    assert "empty" in reasons["empty.txt"]
    assert "unsupported file type" in reasons["photo.png"]
    assert "limit is" in reasons["big.txt"]
    assert "cannot read" in reasons["gone.txt"]
    # Nothing was written outside the upload folder, and no temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "incoming"]
    assert sorted(os.listdir(corpus / "uploads")) == ["outside.txt", "story.txt"]
