"""Hostile input (issue 33): each defect found by attacking a running server, as a test that
fails on the code before the fix, plus property-based fuzzing of every reader and request
body. Fast and without the embedding model: requests are refused before any is needed (a
valid one meets an index that is not built: 503, the operator's error, never a 500)."""

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.ingest import Article, Limits, Skip, load_articles, read_file
from assistant.web.uploads import save_uploads
from tests.paths import ROOT

MIB = 1 << 20
GOOD = "The harbour ferry resumed service on Monday after repairs to its engine, officials said. " * 3
LIMITS = Limits(article=5_000_000, record=10_000_000, file=200_000_000)

# The child's peak is the kernel's high-water mark of its own memory (VmHWM): getrusage's
# ru_maxrss would carry over the peak of the process it was forked from (kept across exec).
RSS_CHILD = r"""
import json, sys
from assistant.ingest import Limits, load_articles
def kb(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key + ":"))
base = kb("VmRSS")
articles, skips = load_articles([sys.argv[1]], limits=Limits(5_000_000, 10_000_000, 200_000_000))
print(json.dumps({"grew_mb": (kb("VmHWM") - base) / 1024, "reasons": [s.reason for s in skips]}))
"""


def peak_growth(path: Path) -> dict:
    """Read `path` as ingest does in a fresh process: peak RSS growth (MB) and the skips' reasons."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", RSS_CHILD, str(path)], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- 1. decompression bombs and whole-file reads -------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".json.gz", ".txt.gz"])
def test_a_gzip_bomb_of_zeros_is_refused_from_its_first_bytes(tmp_path, suffix):
    bomb = tmp_path / f"bomb{suffix}"
    with gzip.open(bomb, "wb", 6) as f:
        for _ in range(256):
            f.write(b"\0" * MIB)  # 256 MiB of zeros, about 250 KB compressed
    found = peak_growth(bomb)
    assert any("binary data" in r for r in found["reasons"]), found
    assert found["grew_mb"] < 50, found  # the old readers held the whole 256 MiB (and more)


def test_one_huge_line_is_skipped_without_holding_it(tmp_path):
    feed = tmp_path / "feed.jsonl.gz"
    with gzip.open(feed, "wb", 6) as f:
        f.write((json.dumps({"id": "ok", "text": GOOD}) + "\n").encode())
        f.write(b'{"id": "huge", "text": "')
        for _ in range(60):
            f.write(b"word " * (MIB // 5))  # one 60 MiB line, over the 10 MB record limit
        f.write(b'"}\n')
        f.write((json.dumps({"id": "after", "text": GOOD}) + "\n").encode())
    found = peak_growth(feed)
    assert any("limit for one record" in r for r in found["reasons"]), found
    assert found["grew_mb"] < 60, found
    articles, _ = load_articles([feed], limits=LIMITS)
    assert sorted(a.doc_id for a in articles) == ["after", "ok"]  # the lines around it are kept


def test_a_json_list_is_read_one_record_at_a_time(tmp_path):
    data = tmp_path / "list.json"
    records = [{"id": f"r{i}", "text": GOOD} for i in range(3)]
    data.write_text(json.dumps(records[:1] + [{"id": "big", "text": "x " * 600_000}] + records[1:]))
    articles, skips = load_articles([data], limits=Limits(article=5_000_000, record=1_000_000, file=None))
    assert sorted(a.doc_id for a in articles) == ["r0", "r1", "r2"]
    assert [s.where for s in skips] == [f"{data} [1]"] and "limit for one record" in skips[0].reason


def test_a_file_over_its_decompressed_limit_keeps_what_came_before(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"a{i}", "text": GOOD}) + "\n" for i in range(200)))
    articles, skips = load_articles([feed], limits=Limits(article=None, record=None, file=20_000))
    assert 0 < len(articles) < 200
    assert any("limit for one file" in s.reason for s in skips)


# --- 2. deeply nested JSON -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["deep.json", "deep.jsonl", "deep.json.gz"])
def test_deeply_nested_json_is_a_skip_and_the_rest_of_the_folder_is_read(tmp_path, name):
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(deep.encode()))
    else:
        path.write_text(deep)
    (tmp_path / "good.txt").write_text(GOOD)
    articles, skips = load_articles([tmp_path], limits=LIMITS)
    assert [a.doc_id for a in articles] == ["good"]
    assert len(skips) == 1 and "nested too deeply" in skips[0].reason, skips


def test_nested_metadata_is_ignored_not_printed(tmp_path):
    title = [[[[["x"]]]]]
    for _ in range(2000):
        title = [title]
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps({"id": "r", "title": "T", "text": GOOD, "authors": [{"a": 1}]}) + "\n")
    (article,), _ = load_articles([path], limits=LIMITS)
    assert article.authors == () or all(isinstance(a, str) for a in article.authors)
    assert article.title == "T"


def test_a_rejected_upload_never_reaches_the_corpus_folder(tmp_path):
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (incoming / "zeros.jsonl").write_bytes(b"\0" * 5000)
    (incoming / "good.txt").write_text(GOOD)
    corpus = tmp_path / "corpus"
    saved = save_uploads(sorted(incoming.iterdir()), corpus, 20_000_000, limits=LIMITS)
    assert [p.name for p in saved.files] == ["good.txt"]
    reasons = dict(saved.rejected)
    assert "nested too deeply" in reasons["deep.json"] and "binary data" in reasons["zeros.jsonl"]
    assert sorted(os.listdir(corpus / "uploads")) == ["good.txt"]


def test_an_upload_without_a_name_names_no_temporary_file(tmp_path):
    spooled = tmp_path / ".api-upload-abc123"
    spooled.write_text(GOOD)
    saved = save_uploads([spooled], tmp_path / "corpus", 1_000_000, names=[""], limits=LIMITS)
    assert not saved.files and saved.rejected == [("", "the upload has no file name")]


def test_an_upload_is_read_by_the_name_it_was_given(tmp_path):
    """The API spools an upload under a temporary name: it is read as the file it will be
    (a .jsonl.gz is decompressed), not as its temporary name says."""
    spooled = tmp_path / ".api-upload-xyz"
    spooled.write_bytes(gzip.compress((json.dumps({"id": "g1", "text": GOOD}) + "\n").encode()))
    saved = save_uploads([spooled], tmp_path / "corpus", 1_000_000, names=["feed.jsonl.gz"], limits=LIMITS)
    assert [p.name for p in saved.files] == ["feed.jsonl.gz"], saved.rejected
    assert saved.ids[saved.files[0]] == ["g1"]


# --- the HTTP faces: limits, Unicode, auth, small items --------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The real FastAPI app (REST and OpenAI-compatible routes), with a login, over an index
    that is not built: every request here must be refused before the model is needed."""
    from fastapi.testclient import TestClient

    from assistant.pipeline import Assistant
    from assistant.web.app import web_app

    bot = Assistant(index_dir=tmp_path_factory.mktemp("no-index") / "index", llm="extractive", auth="user:secret", login_max_failures=5)
    with TestClient(web_app(bot, None, {}), client=("10.0.0.1", 5000)) as c:
        c.headers["Authorization"] = "Bearer secret"
        yield c


def post_raw(client, path: str, raw: bytes):
    return client.post(path, content=raw, headers={"content-type": "application/json"})


def assert_refused(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text[:500]
    message = response.json()["error"]["message"]
    assert all(w in message for w in words), message
    assert "Traceback" not in response.text and "/tmp/" not in message
    return message


@pytest.mark.parametrize("path", ["/api/answer", "/api/retrieve"])
def test_history_items_have_a_limit(client, path):
    r = client.post(path, json={"question": "Who ordered the strikes?", "history": ["x" * 1_000_000]})
    assert_refused(r, 400, "history[0]", "limit is 1000")
    r = client.post(path, json={"question": "Who ordered the strikes?", "history": ["Who?"] * 500})
    assert_refused(r, 400, "history", "limit is 20")


@pytest.mark.parametrize("path", ["/api/answer", "/api/retrieve"])
def test_a_lone_surrogate_is_a_400(client, path):
    assert_refused(post_raw(client, path, b'{"question": "Who \\ud800 ordered the strikes?"}'), 400, "not valid Unicode")
    assert_refused(post_raw(client, path, b'{"question": "Who?", "history": ["\\udfff"]}'), 400, "history[0]", "not valid Unicode")


@pytest.mark.parametrize("stream", [False, True])
def test_openai_route_refuses_surrogates_object_parts_and_floods(client, stream):
    body = b'{"stream": %s, "messages": [{"role": "user", "content": "Who \\ud800 ordered?"}]}' % (b"true" if stream else b"false")
    assert_refused(post_raw(client, "/v1/chat/completions", body), 400, "not valid Unicode")
    part = {"role": "user", "content": [{"type": "text", "text": {"nested": "object"}}]}
    assert_refused(client.post("/v1/chat/completions", json={"stream": stream, "messages": [part]}), 400, "text content part")
    flood = [{"role": "user", "content": "Who?"}] * 1000
    assert_refused(client.post("/v1/chat/completions", json={"stream": stream, "messages": flood}), 400, "limit is 200")
    huge = [{"role": "system", "content": "x" * 100_000}, {"role": "user", "content": "Who?"}]
    assert_refused(client.post("/v1/chat/completions", json={"messages": huge}), 400, "messages[0]")


def test_small_items_of_point_9(client):
    assert_refused(client.post("/api/answer", json={"question": "Who?", "k": True}), 400, "k")
    assert_refused(client.post("/api/answer", json={"question": "Who?", "as_of": "-1"}), 400, "as_of")
    assert_refused(client.post("/api/answer", json={"question": "Who?", "as_of": "2021-02-26T25:99"}), 400, "as_of")
    message = assert_refused(client.post("/api/answer", json={"question": "Who?", "as_of": "9" * 100_000}), 400, "as_of")
    assert len(message) < 500  # not echoed whole
    # Absolute server paths appear neither in errors nor anywhere else a client sees.
    r = client.get("/api/stats")
    assert r.status_code == 503 and "/tmp" not in r.text and "no-index" not in r.text.split("index at")[0]


def test_the_api_description_needs_the_login(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path, headers={"Authorization": ""}).status_code == 401
        assert client.get(path).status_code == 200


def test_failed_logins_are_limited_per_client(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.pipeline import Assistant
    from assistant.web.app import web_app

    bot = Assistant(index_dir=tmp_path / "index", llm="extractive", auth="user:secret", login_max_failures=3, login_window_seconds=3600)
    app = web_app(bot, None, {})
    attacker = TestClient(app, client=("10.0.0.66", 1))
    other = TestClient(app, client=("10.0.0.7", 1))
    wrong = [{"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpub3Bl"}, {"Authorization": "Bearer again"}]
    assert [attacker.get("/api/stats", headers=h).status_code for h in wrong] == [401, 401, 401]
    r = attacker.get("/api/stats", headers={"Authorization": "Bearer secret"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert other.get("/api/stats", headers={"Authorization": "Bearer secret"}).status_code == 503  # others are let in (no index here)


def test_the_login_form_is_limited_too():
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from assistant.web.http import FailedLogins, LoginThrottle

    async def login(request):  # Gradio's /login answers a wrong password with 400
        form = await request.form()
        return JSONResponse({"ok": True}) if form.get("password") == "secret" else JSONResponse({"detail": "Incorrect credentials."}, status_code=400)

    app = LoginThrottle(Starlette(routes=[Route("/login", login, methods=["POST"])]), FailedLogins(3, 3600))
    c = TestClient(app)
    assert [c.post("/login", data={"username": "u", "password": "x"}).status_code for _ in range(3)] == [400, 400, 400]
    assert c.post("/login", data={"username": "u", "password": "secret"}).status_code == 429


# --- 3. ids of another file ------------------------------------------------------------------
# (tests/integration/test_hostile_ingest.py: an upload's record with a bundled article's id)


# --- 7. MCP: bad JSON-RPC lines get JSON-RPC errors ------------------------------------------


def test_mcp_answers_every_bad_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "ASSISTANT_LLM": "extractive"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT
    )
    lines = [
        b'{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "search_articles", "arguments": {"query": "\\ud800"}}}\n',
        b'{"jsonrpc": "2.0", "id": 8, "method": "tools/ca\n',
        b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b"\xff\xfe not utf-8 at all\n",
    ]
    replies: list[dict] = []

    def read() -> None:
        for _ in lines:
            line = proc.stdout.readline()
            if not line:
                return
            replies.append(json.loads(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.stdin.write(b"".join(lines))
        proc.stdin.flush()
        reader.join(120)
    finally:
        proc.kill()
        proc.wait()
    assert len(replies) == len(lines), (replies, proc.stderr.read()[-2000:])
    assert all(r["jsonrpc"] == "2.0" and r["error"]["code"] in (-32700, -32600) for r in replies), replies
    assert replies[0]["id"] == 7 and "surrogate" in replies[0]["error"]["message"]
    assert "nested too deeply" in replies[2]["error"]["message"]


# --- fuzzing: every reader, every request body ------------------------------------------------

SUFFIXES = [".txt", ".md", ".html", ".json", ".jsonl", ".json.gz", ".jsonl.gz", ".txt.gz"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "body", "title", "date", "authors", "url", "x"]), inner, max_size=5)
    ),
    max_leaves=20,
)
file_bodies = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=3000).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(json_values, max_size=5).map(lambda vs: "\n".join(json.dumps(v) for v in vs).encode()),
    st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=file_bodies, suffix=st.sampled_from(SUFFIXES), compress=st.booleans())
def test_every_reader_gives_articles_or_skips_with_reasons(tmp_path, body, suffix, compress):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(gzip.compress(body) if suffix.endswith(".gz") and compress else body)
    items = list(read_file(path, tmp_path, limits=Limits(article=2000, record=2500, file=4000)))
    assert all(isinstance(i, (Article, Skip)) for i in items)
    assert all(s.reason and "Traceback" not in s.reason for s in items if isinstance(s, Skip))


request_fields = st.dictionaries(
    st.sampled_from(["question", "history", "as_of", "since", "until", "sources", "k", "extra"]),
    json_values | st.text(max_size=30).map(lambda t: t + "\ud800"),
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=request_fields, path=st.sampled_from(["/api/answer", "/api/retrieve"]))
def test_every_request_body_is_a_4xx_or_the_operators_503(client, body, path):
    raw = json.dumps(body, ensure_ascii=True).encode()
    r = post_raw(client, path, raw)
    assert r.status_code in (400, 413, 503) or 400 <= r.status_code < 500, r.text[:300]
    assert r.headers["content-type"].startswith("application/json") and "Traceback" not in r.text


chat_bodies = st.fixed_dictionaries(
    {"messages": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", "bogus"]), "content": json_values}), max_size=4)},
    optional={"stream": st.booleans(), "as_of": json_values, "sources": json_values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=chat_bodies)
def test_every_chat_completion_body_is_a_4xx_or_the_operators_503(client, body):
    r = post_raw(client, "/v1/chat/completions", json.dumps(body).encode())
    assert 400 <= r.status_code < 500 or r.status_code == 503, r.text[:300]
    assert "Traceback" not in r.text


def test_the_gradio_api_refuses_surrogates_and_long_history_with_a_message(tmp_path):
    import gradio as gr

    from assistant.pipeline import Assistant
    from assistant.web.panels import ChatPage

    page = ChatPage(Assistant(index_dir=tmp_path / "index", llm="extractive"), threading.BoundedSemaphore(1))
    with pytest.raises(gr.Error, match="not valid Unicode"):
        page.answer_api("Who \ud800 ordered the strikes?")
    with pytest.raises(gr.Error, match=r"history\[0\]"):
        page.answer_api("Who ordered the strikes?", history=["x" * 1_000_000])
