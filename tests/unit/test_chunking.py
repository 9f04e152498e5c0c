import pytest

from assistant.chunking import Chunker, embed_text
from assistant.embedding import Embedder
from assistant.ingest import load_articles
from tests.paths import CORPUS


@pytest.fixture(scope="module")
def embedder():
    return Embedder("all-MiniLM-L6-v2")  # only its tokenizer loads for chunking


def test_chunks_fit_the_model_and_keep_offsets(embedder):
    chunker = Chunker(embedder.count_tokens, 200, 24)
    articles, _ = load_articles([CORPUS])
    for article in articles:
        chunks = chunker.split(article)
        assert chunks
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
            # [CLS] + text + [SEP] must fit in the 256 positions the model reads.
            assert len(embedder.count_tokens(embed_text(article.title, c.text))) + 2 <= 256
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        assert len(covered) >= 0.95 * len(article.text.replace("\n\n", ""))


def test_chunks_end_at_sentence_boundaries(embedder):
    chunker = Chunker(embedder.count_tokens, 60, 0)
    article = load_articles([CORPUS / "001_5618d79fe3bfd785.txt"])[0][0]
    chunks = chunker.split(article)
    assert len(chunks) > 5
    assert sum(c.text.rstrip().endswith((".", '"', "”", "’", "'")) for c in chunks) >= 0.8 * len(chunks)
