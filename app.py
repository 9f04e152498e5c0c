"""Start the chat: `python app.py` (builds the index from corpus/ on first run)."""

from assistant.cli import configure_logging

configure_logging()

from assistant.chat import main  # noqa: E402

if __name__ == "__main__":
    main()
