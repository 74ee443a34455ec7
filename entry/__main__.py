"""`python -m entry …` is the `narahubung` command."""

from entry.cli import run

run()
