"""The assistant's exceptions. Every message says what went wrong and what to do.

AssistantError
├── InvalidQuestion     the question is empty, too long or not text
├── InvalidDate         a date argument could not be read
├── IndexNotBuilt       no index at the configured place yet
├── IndexMismatch       the index was built with another embedding model, chunking or project version
├── IndexCorrupt        the index cannot be read (damaged files)
├── IndexBusy           another ingest is writing to the index
├── UnknownArticle      no article with that id is in the index
├── RequestTooLarge     an upload or request is over its size limit
├── ModelMissing        the embedding model cannot be found locally
├── StoreUnavailable    the Chroma server cannot be reached
└── CorpusError         nothing readable was found in the given paths
"""

from __future__ import annotations


class AssistantError(Exception):
    """Root of the assistant's errors; its message is meant for the user."""


class InvalidQuestion(AssistantError, ValueError):
    """The question cannot be answered as given (empty, too long, not text)."""


class InvalidDate(AssistantError, ValueError):
    """A date (as_of, since, until) could not be parsed."""


class IndexNotBuilt(AssistantError):
    """No index exists yet where the settings point."""


class IndexMismatch(AssistantError):
    """The index was built with a different embedding model or chunking."""


class IndexCorrupt(AssistantError):
    """The index files cannot be read: damaged, or written by an incompatible Chroma."""


class IndexBusy(AssistantError):
    """Another ingest holds the index's write lock."""


class UnknownArticle(AssistantError, LookupError):
    """No article with the given document id is in the index."""


class RequestTooLarge(AssistantError):
    """An uploaded file or a request body is over its size limit."""


class ModelMissing(AssistantError):
    """The embedding model is not installed locally."""


class StoreUnavailable(AssistantError):
    """The Chroma server does not answer."""


class CorpusError(AssistantError):
    """The paths given to ingest hold no readable article."""
