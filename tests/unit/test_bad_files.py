"""Bad input files: each is reported with a specific reason, and the good files still load."""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from assistant.ingest import load_articles

GOOD = "The harbour council approved the new ferry timetable on Monday, its chair said.\n\nServices start in May."


def reasons(skips) -> dict[str, str]:
    return {Path(s.where).name: s.reason for s in skips}


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    return tmp_path


def load(folder, **kw):
    articles, skips = load_articles([folder], **kw)
    return {a.doc_id: a for a in articles}, reasons(skips)


def test_empty_file(folder):
    (folder / "empty.txt").write_bytes(b"")
    articles, why = load(folder)
    assert why["empty.txt"] == "empty file (0 bytes)" and "good" in articles


def test_binary_file_with_a_text_extension(folder):
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    (folder / "noise.txt").write_bytes(bytes(range(1, 9)) * 300)  # control bytes, no NUL
    articles, why = load(folder)
    assert "binary data" in why["photo.txt"] and "binary data" in why["noise.txt"] and "good" in articles


def test_latin1_and_utf16_with_bom_are_read_as_text(folder):
    (folder / "latin1.txt").write_bytes(("Le café de la gare a rouvert ses portes à Noël, a annoncé le maire. " * 3).encode("latin-1"))
    (folder / "utf16.txt").write_bytes(("Die Brücke über den Fluss wurde am Montag eröffnet, sagte die Bürgermeisterin. " * 3).encode("utf-16"))
    articles, why = load(folder)
    assert "café" in articles["latin1"].text and "à Noël" in articles["latin1"].text
    assert "Brücke über" in articles["utf16"].text
    assert not why


def test_broken_utf16_says_so(folder):
    (folder / "bad16.txt").write_bytes(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate half
    _, why = load(folder)
    assert "UTF-16" in why["bad16.txt"]


def test_fifty_megabyte_text_is_refused_unread(folder):
    with (folder / "huge.txt").open("w") as f:
        f.write(("All work and no play makes a long file. " * 1000 + "\n") * 1250)
    assert (folder / "huge.txt").stat().st_size > 50_000_000
    articles, why = load(folder, max_article_bytes=5_000_000)
    assert why["huge.txt"].startswith("too large: 50.0 MB is more than the 5 MB limit") and "ASSISTANT_MAX_ARTICLE_MB" in why["huge.txt"]
    assert list(articles) == ["good"]


def test_gzip_bomb_stops_at_the_limit(folder):
    with gzip.open(folder / "bomb.txt.gz", "wb") as f:
        f.write(b"a " * 5_000_000)
    _, why = load(folder, max_article_bytes=1_000_000)
    assert "decompresses to more than" in why["bomb.txt.gz"]


def test_malformed_json_and_a_bad_jsonl_line(folder):
    (folder / "broken.json").write_text('{"title": "x", "text": "unterminated}')
    rows = [json.dumps({"id": "r1", "text": GOOD}), "{not json", json.dumps({"id": "r3", "text": GOOD.replace("ferry", "tram")})]
    (folder / "feed.jsonl").write_text("\n".join(rows) + "\n")
    (folder / "wrong.json").write_text("[1, 2]")
    articles, why = load(folder)
    assert why["broken.json"].startswith("invalid JSON at line 1, column")
    assert {"r1", "r3"} <= set(articles)  # the other lines still load
    (bad_line,) = [s for s in load_articles([folder])[1] if s.where.endswith("feed.jsonl:2")]
    assert bad_line.reason.startswith("invalid JSON")
    assert "expected a JSON object" in load_articles([folder / "wrong.json"])[1][0].reason


def test_html_with_only_scripts(folder):
    (folder / "app.html").write_text(
        "<html><head><script>var a = 1;</script></head><body><script>render()</script><noscript>Enable JS</noscript></body></html>"
    )
    _, why = load(folder)
    assert why["app.html"] == "no article text found in the HTML"


def test_unknown_extension_and_missing_path(folder):
    (folder / "report.pdf").write_bytes(b"%PDF-1.4")
    articles, skips = load_articles([folder, folder / "nope", "/definitely/not/here.txt"])
    why = reasons(skips)
    assert why["report.pdf"] == "unsupported file type .pdf"
    assert why["nope"] == "no such file or folder" and why["here.txt"] == "no such file or folder"
    assert [a.doc_id for a in articles] == ["good"]


def test_symlink_loops_and_links_to_folders(folder):
    os.symlink(folder / "b.txt", folder / "a.txt")
    os.symlink(folder / "a.txt", folder / "b.txt")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    (folder / "sub").mkdir()
    os.symlink(folder, folder / "sub" / "up")  # a loop through a folder link
    articles, why = load(folder)
    assert why["a.txt"] == "symbolic link loop" and why["b.txt"] == "symbolic link loop"
    assert why["dangling.txt"].startswith("broken symbolic link")
    assert "not followed" in why["up"]
    assert list(articles) == ["good"]


SCRIPT = """
import json, sys
from assistant.ingest import load_articles
articles, skips = load_articles([sys.argv[1]])
print(json.dumps({"articles": sorted(a.doc_id for a in articles), "skips": [[s.where, s.reason] for s in skips]}))
"""


def test_folder_without_read_permission():
    # Root reads every folder, so the check runs as an unprivileged user when the tests run as root.
    top = Path(tempfile.mkdtemp(prefix="perm-"))
    try:
        (top / "ok").mkdir()
        (top / "ok" / "good.txt").write_text(GOOD)
        (top / "locked").mkdir()
        (top / "locked" / "secret.txt").write_text(GOOD)
        (top / "unreadable.txt").write_text(GOOD)
        os.chmod(top / "locked", 0o000)
        os.chmod(top / "unreadable.txt", 0o000)
        os.chmod(top, 0o755)
        cmd = [sys.executable, "-c", SCRIPT, str(top)]
        if os.geteuid() == 0:
            cmd = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=120)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        assert result["articles"] == ["ok/good"]
        why = {Path(w).name: r for w, r in result["skips"]}
        assert why["locked"] == "cannot list this folder: Permission denied"
        assert why["unreadable.txt"] == "unreadable: Permission denied"
    finally:
        os.chmod(top / "locked", 0o755)
        shutil.rmtree(top)
