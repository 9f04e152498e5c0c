"""Refresh the README's screenshots of the chat (docs/chat.png at 1440x1000, docs/chat-phone.png
at 390x844): the app over a copy of the bundled corpus, with the reading model unless
`--llm extractive` is given. Run from the repository root: `python tests/e2e/screenshots.py`."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import processes  # noqa: E402
from tests.e2e import helpers  # noqa: E402
from tests.e2e.helpers import CHROMIUM, start_app  # noqa: E402
from tests.paths import ROOT  # noqa: E402

QUESTIONS = ["Who ordered the strikes on militia facilities in eastern Syria?", "What did Russia say about them?"]
WAIT_MS = 300_000


def ask(page, question: str, n: int) -> None:
    from playwright.sync_api import expect

    helpers.ask(page, question)
    expect(page.locator("#chat [data-testid='user']").nth(n)).to_be_attached(timeout=30_000)
    expect(page.get_by_label("Question")).to_be_editable(timeout=WAIT_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm", default="local", choices=["local", "extractive"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, url, _ = start_app(Path(tmp), env_extra={"ASSISTANT_LLM": args.llm})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
                for name, viewport, scale in (("chat.png", {"width": 1440, "height": 1000}, 1), ("chat-phone.png", {"width": 390, "height": 844}, 2)):
                    page = browser.new_page(viewport=viewport, device_scale_factor=scale)
                    page.goto(url)
                    expect(page.locator("#corpus")).to_contain_text("articles in", timeout=60_000)
                    for n, question in enumerate(QUESTIONS if name == "chat.png" else QUESTIONS[:1]):
                        ask(page, question, n)
                    page.wait_for_timeout(500)
                    bot = page.locator("#chat [data-testid='bot']").last
                    # A quote of the last answer, clicked: its article's card with the quote highlighted.
                    links = bot.locator("a.cite")
                    links.nth(min(1, links.count() - 1)).click()
                    page.wait_for_timeout(800)
                    if name == "chat-phone.png":
                        page.evaluate("window.scrollTo(0, 0)")
                        page.locator("#chat [role='log']").evaluate("l => { l.scrollTop = l.scrollHeight; }")
                        page.wait_for_timeout(300)
                    page.screenshot(path=str(args.out / name))
                    print(f"wrote {args.out / name}")
                    page.close()
                browser.close()
        finally:
            processes.stop(proc)


if __name__ == "__main__":
    main()
