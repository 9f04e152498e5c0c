import pytest

from assistant.chunking import Chunker, embed_text
from assistant.embedding import Embedder
from assistant.ingest import load_articles
from tests.paths import CORPUS


@pytest.fixture(scope="module")
def embedder():
    return Embedder("all-MiniLM-L6-v2")  # only its tokenizer loads for chunking


def test_chunks_fit_the_model_and_keep_offsets(embedder):
    chunker = Chunker(embedder.token_counter(), 200, 24)
    articles, _ = load_articles([CORPUS])
    for article in articles:
        chunks = chunker.split(article)
        assert chunks
        for c in chunks:
            assert article.text[c.start : c.end] == c.text
            # [CLS] + text + [SEP] must fit in the 256 positions the model reads.
            assert embedder.count_tokens(embed_text(article.title, c.text)) + 2 <= 256
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


def test_counting_a_text_by_its_pieces_is_exact(embedder):
    count = embedder.token_counter()
    tricky = [
        "",
        "   ",
        "Café déjà vu at the Élysée",
        "a form\ffeed and a vertical\x0btab join words",
        "non\u00a0breaking, thin\u2009and ideographic\u3000spaces split them",
        "line\u2028and paragraph\u2029separators",
        "tabs\tnew\nlines\r\nand  doubled   spaces",
        "zero\u200bwidth and soft\u00adhyphen",
        "東京で会議 and 서울 and emoji 🎉🎉",
        "U.S.-led, «quoted» — 1,234.5% (approx.)",
        "x" * 150 + " a word longer than WordPiece reads",
        "control\x07chars\x1fhere\x85too",
    ]
    articles, _ = load_articles([CORPUS])
    texts = tricky + [a.text for a in articles] + [p for a in articles for p in a.text.split("\n\n")]
    for text in texts + tricky:  # twice: once tokenized, once from what was learnt
        assert count(text) == embedder.count_tokens(text), text
