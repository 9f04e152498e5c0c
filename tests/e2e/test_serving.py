"""Serving: many conversations at once through one shared index, login, upload limits."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import processes
from tests.conversations import CONVERSATIONS
from tests.e2e.helpers import shot, start_app

pytestmark = pytest.mark.e2e


def converse(url: str, script: list[tuple[str, str]]) -> list[tuple[str, dict, float]]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    history: list[str] = []
    out = []
    for question, _ in script:
        started = time.perf_counter()
        answer = client.predict(question, history=history, api_name="/answer")
        out.append((question, answer, time.perf_counter() - started))
        history.append(question)
    return out


def test_twenty_simultaneous_conversations_get_correct_cited_answers(app):
    url, _ = app
    scripts = [CONVERSATIONS[i % len(CONVERSATIONS)] for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda s: converse(url, s), scripts))
    for script, turns in zip(scripts, results):
        for (question, expected), (_, answer, _) in zip(script, turns):
            assert not answer["refused"], question
            assert expected.lower() in answer["text"].lower(), (question, answer["text"])
            assert answer["citations"] and "[1]" in answer["text"]
    # The same question gets the same answer whoever else is asking at the time.
    by_question: dict[str, set[str]] = {}
    for turns in results:
        for question, answer, _ in turns:
            by_question.setdefault(question, set()).add(answer["text"])
    assert all(len(texts) == 1 for texts in by_question.values())


def test_login_upload_limit_and_local_address(tmp_path, browser):
    from gradio_client import Client
    from playwright.sync_api import expect

    proc, url, _ = start_app(tmp_path, "--max-upload-mb", "0.001", env_extra={"ASSISTANT_AUTH": "reader:s3cret-pass"})
    try:
        assert url.startswith("http://127.0.0.1:")
        from gradio_client.exceptions import AuthenticationError

        with pytest.raises(AuthenticationError):
            Client(url, verbose=False)  # no login, no API
        client = Client(url, auth=("reader", "s3cret-pass"), verbose=False)
        assert "Biden" in client.predict("Who ordered the strikes on militia facilities in eastern Syria?", api_name="/answer")["text"]
        # The OpenAI-compatible routes want the same password, as a bearer token.
        import openai

        question = [{"role": "user", "content": "Who ordered the strikes on militia facilities in eastern Syria?"}]
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url.rstrip("/") + "/v1", api_key="wrong", max_retries=0).chat.completions.create(model="news-assistant", messages=question)
        reply = openai.OpenAI(base_url=url.rstrip("/") + "/v1", api_key="s3cret-pass", max_retries=0).chat.completions.create(
            model="news-assistant", messages=question
        )
        assert "Biden" in reply.choices[0].message.content
        # So does the REST API (basic or bearer); only its health check is open.
        import httpx

        api = url.rstrip("/") + "/api"
        assert httpx.get(f"{api}/stats").status_code == 401
        assert httpx.get(f"{api}/stats", auth=("reader", "wrong")).status_code == 401
        assert httpx.get(f"{api}/stats", auth=("reader", "s3cret-pass")).json()["articles"] == 5
        assert httpx.get(f"{api}/articles", headers={"Authorization": "Bearer s3cret-pass"}).json()["total"] == 5
        assert httpx.post(f"{api}/ingest", files=[("files", ("a.txt", b"x"))]).status_code == 401
        assert httpx.get(f"{api}/health").json()["status"] == "ok"

        page = browser.new_page()
        page.goto(url)
        page.get_by_label("username").fill("reader")
        page.get_by_label("password").fill("wrong")
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_text("Incorrect Credentials")).to_be_visible(timeout=15_000)
        page.get_by_label("username").fill("reader")
        page.get_by_label("password").fill("s3cret-pass")
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#corpus")).to_contain_text("articles in", timeout=30_000)

        # A file over the limit is refused with a message, and nothing is added.
        big = tmp_path / "big.txt"
        big.write_text("A sentence about the news. " * 200)
        page.get_by_text("Add articles", exact=True).click()
        page.locator("input[type='file']").set_input_files([str(big)])
        expect(page.get_by_text("exceed the maximum allowed size", exact=False).first).to_be_visible(timeout=15_000)
        shot(page, "10-upload-too-large")
        expect(page.locator("#corpus")).to_contain_text("5 articles")
        page.close()
        # The password never reaches the log.
        assert "s3cret-pass" not in (tmp_path / "app.log").read_text()
    finally:
        processes.stop(proc)
