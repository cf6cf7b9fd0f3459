"""The command line: ``formcheck analyze | pose | evaluate | live | batch | models``."""

from formcheck.cli.main import main

__all__ = ["main"]
