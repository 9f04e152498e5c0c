"""Start the chat: `python app.py [--host H] [--port P] [--share]`, the same as `assistant serve`.

The first run builds the index from corpus/.
"""

import sys

from assistant.cli import cli

if __name__ == "__main__":
    cli.main(args=["serve", *sys.argv[1:]], prog_name="app.py")
