"""The `assistant` command as a user runs it: real processes, real exit codes."""

import json
import subprocess
import sys

import pytest

from tests.paths import CORPUS
from tests.processes import run_cli as run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("cli-index")
    first = run("ingest", "--quiet", str(CORPUS), index=index)
    assert first.returncode == 0, first.stderr
    assert "added 5" in first.stdout and "gold.jsonl" in first.stdout
    return index


def test_second_ingest_embeds_nothing(cli_index):
    again = run("ingest", "--json", str(CORPUS), index=cli_index)
    assert again.returncode == 0
    report = json.loads(again.stdout)
    assert report["chunks_embedded"] == 0 and len(report["unchanged"]) == 5


def test_ask_json_names_biden_with_verbatim_quotes(cli_index):
    out = run("ask", "Who ordered the strikes on militia facilities in eastern Syria?", "--json", index=cli_index)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert "Biden" in answer["text"].split(" [1")[0] and not answer["refused"]
    assert all(c["label"] for c in answer["citations"])  # numbered by article, as every face shows them
    for c in answer["citations"]:
        assert (CORPUS / f"{c['doc_id']}.txt").read_text()[c["start"] : c["end"]] == c["quote"]


def test_ask_plain_refusal_and_follow_up(cli_index):
    off = run("ask", "Who won the 2022 FIFA World Cup?", index=cli_index)
    assert off.returncode == 0 and "do not cover" in off.stdout
    follow = run("ask", "What did he threaten to do?", "--history", "Who is Igor Konashenkov?", index=cli_index)
    assert "suppressed with all military means" in follow.stdout


def test_errors_are_one_line_with_exit_code(cli_index, tmp_path):
    empty = run("ask", "   ", index=cli_index)
    assert empty.returncode == 1 and empty.stderr.strip().startswith("error: The question is empty")
    assert "Traceback" not in empty.stderr
    no_index = run("ask", "Who?", index=tmp_path / "none")
    assert no_index.returncode == 1 and "assistant ingest" in no_index.stderr and "Traceback" not in no_index.stderr
    bad_date = run("ask", "Who?", "--as-of", "tomorrowish", index=cli_index)
    assert bad_date.returncode == 1 and "as_of" in bad_date.stderr
    nothing = run("ingest", str(tmp_path / "missing"), index=tmp_path / "x")
    assert nothing.returncode == 1 and "no such file" in nothing.stderr
    usage = run("ask", index=cli_index)
    assert usage.returncode == 2


def test_stats(cli_index):
    out = run("stats", "--json", index=cli_index)
    stats = json.loads(out.stdout)
    assert stats["articles"] == 5 and stats["stories"] == 4 and "collection news" in stats["store"]


def test_changes_between_versions(cli_index):
    index = cli_index
    old, new = "000_42dd889af19354b1", "001_5618d79fe3bfd785"
    plain = run("changes", new, index=index)
    assert plain.returncode == 0, plain.stderr
    assert "26 February 2021" in plain.stdout and "Sergei Lavrov revealed" in plain.stdout and "characters" in plain.stdout
    data = json.loads(run("changes", old, "--json", index=index).stdout)
    assert [(p["older"]["doc_id"], p["newer"]["doc_id"]) for p in data] == [(old, new)]
    unknown = run("changes", "nope", index=index)
    assert unknown.returncode == 1 and "No article with id 'nope'" in unknown.stderr


def test_terminal_chat_keeps_the_conversation(cli_index):
    import os

    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(cli_index)}
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat"],
        input="Who is Igor Konashenkov?\nWhat did he threaten to do?\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "suppressed with all military means" in proc.stdout
