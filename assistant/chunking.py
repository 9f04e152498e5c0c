"""Article -> Chunks: sentence-aware pieces that the embedding model reads whole.

llama-index's `SentenceSplitter` does the splitting, counting length in the embedding
model's own tokens (not tiktoken's), with the title's tokens subtracted because the title
is embedded with every chunk. Each chunk keeps its character offsets in the article.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.types import Article, Chunk

TokenCounter = Callable[[str], int]


def embed_text(title: str, text: str) -> str:
    """What the embedding model reads for a chunk: the headline gives it context."""
    return f"{title}\n\n{text}" if title else text


class Chunker:
    """Split articles with a fixed token budget."""

    def __init__(self, count_tokens: TokenCounter, chunk_tokens: int, chunk_overlap: int) -> None:
        # Imported here: answering a question never chunks, and llama-index takes a second to import.
        from llama_index.core.node_parser import SentenceSplitter

        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=chunk_overlap,
            # The splitter only takes the length of what its tokenizer returns.
            tokenizer=lambda text: range(count_tokens(text)),
            paragraph_separator="\n\n",
        )
        self._count = count_tokens
        self.chunk_tokens = chunk_tokens

    def split(self, article: Article) -> list[Chunk]:
        """Chunks of `article` in order, with offsets into `article.text`."""
        title = article.title
        if title and self._count(title + "\n\n") > self.chunk_tokens // 2:
            title = ""  # an absurdly long headline would starve the text; embed the text alone
        pieces = self._splitter.split_text_metadata_aware(article.text, embed_text(title, "")) if title else self._splitter.split_text(article.text)
        chunks: list[Chunk] = []
        cursor = 0
        for piece in pieces:
            start = _locate(article.text, piece, cursor)
            if start < 0:
                continue
            end = start + len(piece)
            chunks.append(Chunk(f"{article.doc_id}:{len(chunks)}", article.doc_id, piece, start, end, len(chunks)))
            # Overlapping chunks start before the previous one ends.
            cursor = start + 1
        return chunks


def _locate(text: str, piece: str, cursor: int) -> int:
    found = text.find(piece, cursor)
    if found < 0:
        found = text.find(piece)
    if found >= 0:
        return found
    # The splitter may normalise white space; match the words with any white space between.
    pattern = r"\s+".join(re.escape(w) for w in piece.split())
    m = re.compile(pattern).search(text, cursor) or re.compile(pattern).search(text)
    return m.start() if m else -1
