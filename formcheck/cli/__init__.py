"""The command line: ``formcheck analyze | pose | evaluate | live | batch | models``.

The entry point is :func:`formcheck.cli.main.main`.
"""
