"""What the tests and the benchmarks share: the project's paths, real servers started on free
ports (the chat app, `chroma run`, llama.cpp's server), and conversations over the bundled
corpus. Not part of the package: nothing here ships in the wheel."""
