"""The tests' name for the shared conversations; the one definition is harness/conversations.py."""

from harness.conversations import CONVERSATIONS, UNANSWERABLE

__all__ = ["CONVERSATIONS", "UNANSWERABLE"]
