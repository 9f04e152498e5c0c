"""The web chat (Gradio): `app.py` builds and serves the page, `render.py` turns answers into
Markdown, HTML and plain text (the terminal uses it too), `uploads.py` saves uploaded files.
Gradio is imported by `app.py` only."""
