"""The REST face of the running app (`/api`), called with `httpx`, and checked against its
own OpenAPI document by schemathesis."""

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from assistant.citations import by_article
from assistant.store import ChunkStore
from tests import processes
from tests.e2e.helpers import start_app
from tests.paths import CORPUS

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"
NEW_ARTICLE = (
    "---\ntitle: Springfield opens its new river bridge\ndate: 2023-03-01\n---\n"
    "The mayor of Springfield, Ann Lee, opened the new Harbor Street bridge on Tuesday. "
    "The bridge cost 12 million dollars and took two years to build.\n"
)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """An app of its own (these tests upload articles), with small size limits."""
    tmp = tmp_path_factory.mktemp("rest")
    proc, url, corpus = start_app(tmp, "--max-upload-mb", "0.05", env_extra={"ASSISTANT_MAX_REQUEST_MB": "0.5"})
    with httpx.Client(base_url=url.rstrip("/") + "/api", timeout=120) as client:
        yield client, corpus, tmp / "index", url.rstrip("/")
    processes.stop(proc)


def test_health_stats_and_articles(api):
    client, *_ = api
    assert client.get("/health").json() == {"status": "ok", "index_built": True, "backend": "extractive"}
    stats = client.get("/stats").json()
    assert stats["articles"] == 5 and stats["chunks"] > 5
    listed = client.get("/articles").json()
    assert listed["total"] == 5 and len(listed["articles"]) == 5
    dates = [a["published_at"] for a in listed["articles"] if a["published_at"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    page = client.get("/articles", params={"offset": 1, "limit": 2}).json()
    assert [a["doc_id"] for a in page["articles"]] == [a["doc_id"] for a in listed["articles"][1:3]]
    # The US-strikes story has two versions: each article lists both, oldest first.
    one = client.get("/articles/001_5618d79fe3bfd785").json()
    assert one["article"]["doc_id"] == "001_5618d79fe3bfd785"
    assert [v["doc_id"] for v in one["versions"]] == ["000_42dd889af19354b1", "001_5618d79fe3bfd785"]
    assert one["article"]["latest"] and not one["versions"][0]["latest"]
    assert "Biden" in one["text"]


def test_answer_is_the_python_api_answer_with_verbatim_citations(api, built_assistant):
    client, *_ = api
    reply = client.post("/answer", json={"question": QUESTION})
    assert reply.status_code == 200
    answer = reply.json()["answer"]
    expected = by_article(built_assistant.answer(QUESTION))  # sources numbered by article, as every face shows them
    assert answer["text"] == expected.text and "Biden" in answer["text"]
    assert [c["quote"] for c in answer["citations"]] == [c.quote for c in expected.citations]
    for c in answer["citations"]:
        source = (CORPUS / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert source[c["start"] : c["end"]] == c["quote"]
        assert f"[{c['label']}]" in answer["text"] and c["label"].startswith(str(c["number"]))
    # One source an article, its quotes under it; titles and outlets readable.
    sources = reply.json()["sources"]
    assert [s["number"] for s in sources] == list(range(1, len(sources) + 1)) and len({s["doc_id"] for s in sources}) == len(sources)
    assert sum(len(s["quotes"]) for s in sources) == len(answer["citations"]) and all(s["title"] for s in sources)
    assert "**Sources**" in reply.json()["markdown"] and "[1]" in reply.json()["markdown"]
    # A follow-up, and a date filter.
    follow = client.post("/answer", json={"question": "What did he threaten to do?", "history": ["Who is Igor Konashenkov?"]}).json()
    assert "suppressed" in follow["answer"]["text"]
    early = client.post("/answer", json={"question": QUESTION, "as_of": "2020-01-01"}).json()["answer"]
    assert all(c["published_at"] <= "2020-01-01" for c in early["citations"] if c["published_at"])


def test_changes_between_versions_are_cited_to_each_version(api):
    client, *_ = api
    reply = client.get("/changes/001_5618d79fe3bfd785")
    assert reply.status_code == 200, reply.text
    (pair,) = reply.json()
    assert (pair["older"]["doc_id"], pair["newer"]["doc_id"]) == ("000_42dd889af19354b1", "001_5618d79fe3bfd785")
    added = [c["new"]["quote"] for c in pair["changes"] if c["kind"] == "added"]
    assert any("Lavrov revealed" in q for q in added)
    for change in pair["changes"]:
        for side, doc in (("old", "000_42dd889af19354b1"), ("new", "001_5618d79fe3bfd785")):
            if change[side]:
                assert change[side]["doc_id"] == doc
                source = (CORPUS / f"{doc}.txt").read_text(encoding="utf-8")
                assert source[change[side]["start"] : change[side]["end"]] == change[side]["quote"]
    assert client.get("/changes/002_c7242acd748ee215").json() == []  # a story of one version
    assert client.get("/changes/001_5618d79fe3bfd785", params={"against": "002_c7242acd748ee215"}).status_code == 400
    assert client.get("/changes/001_5618d79fe3bfd785", params={"since": "soon"}).status_code == 400
    assert "No article with id" in client.get("/changes/nope.txt").json()["error"]["message"]


def test_retrieve_gives_passages_with_their_articles(api):
    client, *_ = api
    passages = client.post("/retrieve", json={"question": "What did Russia say about the US strikes?", "k": 3}).json()["passages"]
    assert passages and all(p["doc_id"] and p["text"] for p in passages)
    assert any("Zakharova" in p["text"] for p in passages)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        ("post", "/answer", {"question": "   "}, 400, "The question is empty"),
        ("post", "/answer", {"question": QUESTION, "as_of": "not a date"}, 400, "as_of"),
        ("post", "/answer", {"question": QUESTION, "since": "2023-05-01", "until": "2023-01-01"}, 400, "date range is empty"),
        ("post", "/answer", {"question": 7}, 400, "question"),
        ("post", "/answer", {"question": QUESTION, "k": 0}, 400, "`k`"),
        ("post", "/answer", {"question": QUESTION, "colour": "blue"}, 400, "colour"),
        ("post", "/retrieve", {"question": "x" * 1001}, 400, "limit is 1000"),
        ("get", "/articles/no/such/article.txt", None, 404, "No article with id 'no/such/article.txt'"),
        ("get", "/articles?limit=0", None, 400, "limit"),
        ("get", "/nothing-here", None, 404, "There is no /api/nothing-here"),
        ("delete", "/stats", None, 405, "use GET"),
    ],
)
def test_bad_requests_get_json_errors_with_the_cli_messages(api, method, path, body, status, words):
    client, *_ = api
    reply = client.request(method.upper(), path, json=body)
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert words in error["message"] and error["code"] == status


def test_a_too_large_request_is_413_before_it_is_read(api):
    client, *_ = api
    reply = client.post("/answer", content=b'{"question": "' + b"a" * 600_000 + b'"}', headers={"content-type": "application/json"})
    assert reply.status_code == 413 and "0.5 MB" in reply.json()["error"]["message"]


def test_upload_ingests_into_the_corpus_folder_only(api):
    client, corpus, *_ = api
    reply = client.post(
        "/ingest",
        files=[("files", ("../../escape/bridge.md", NEW_ARTICLE.encode())), ("files", ("notes.exe", b"not an article"))],
    )
    assert reply.status_code == 200, reply.text
    out = reply.json()
    assert out["report"]["added"] == ["uploads/bridge"]
    assert out["rejected"][0][0] == "notes.exe" and "unsupported file type" in out["rejected"][0][1]
    assert (corpus / "uploads" / "bridge.md").read_text(encoding="utf-8") == NEW_ARTICLE
    assert not (corpus.parent / "escape").exists()
    answer = client.post("/answer", json={"question": "Who opened the Harbor Street bridge?"}).json()["answer"]
    assert "Ann Lee" in answer["text"] and answer["citations"][0]["doc_id"] == "uploads/bridge"
    assert client.get("/articles/uploads/bridge").json()["article"]["title"] == "Springfield opens its new river bridge"
    # The same file again changes nothing.
    again = client.post("/ingest", files=[("files", ("bridge.md", NEW_ARTICLE.encode()))]).json()
    assert again["report"]["unchanged"] == ["uploads/bridge"]


def test_upload_errors_lose_nothing(api):
    client, corpus, *_ = api
    before = sorted(p.name for p in corpus.rglob("*"))
    big = client.post("/ingest", files=[("files", ("ok.md", NEW_ARTICLE.encode())), ("files", ("big.txt", b"word " * 20_000))])
    assert big.status_code == 413 and "big.txt is over the 0.05 MB limit" in big.json()["error"]["message"]
    useless = client.post("/ingest", files=[("files", ("image.png", b"\x89PNG"))])
    assert useless.status_code == 400 and "image.png: unsupported file type" in useless.json()["error"]["message"]
    assert client.post("/ingest").status_code == 400  # no files at all
    assert sorted(p.name for p in corpus.rglob("*")) == before


def test_ingest_while_another_ingest_writes_is_409(api):
    client, _, index, _ = api
    # Another process's ingest holds the index's write lock (a real flock, as `assistant ingest` takes).
    store = ChunkStore(index, "news")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write_lock():
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        reply = client.post("/ingest", files=[("files", ("later.md", NEW_ARTICLE.replace("Ann Lee", "Bo Chen").encode()))])
        assert reply.status_code == 409 and "Another ingest" in reply.json()["error"]["message"]
    finally:
        release.set()
        holder.join()
    # Once the lock is free, the same upload goes in.
    assert client.post("/ingest", files=[("files", ("later.md", NEW_ARTICLE.replace("Ann Lee", "Bo Chen").encode()))]).status_code == 200


def test_schemathesis_finds_nothing_against_the_openapi_document(api, tmp_path):
    *_, root = api
    spec = httpx.get(f"{root}/openapi.json").json()
    assert {
        "/api/answer",
        "/api/retrieve",
        "/api/ingest",
        "/api/articles",
        "/api/articles/{doc_id}",
        "/api/changes/{doc_id}",
        "/api/stats",
        "/api/health",
        "/api/new",
    } <= set(spec["paths"])
    exe = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    config = Path(__file__).with_name("schemathesis.toml")
    # A bounded run with a fixed seed: every operation, every phase, the default checks.
    run = subprocess.run(
        [exe, "--config-file", str(config), "run", f"{root}/openapi.json", "--max-examples", "10", "--seed", "1", "--request-timeout", "120"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # its example database stays out of the checkout
    )
    assert run.returncode == 0, run.stdout[-6000:]
    assert "passed" in run.stdout and "Tested: 11" in run.stdout
