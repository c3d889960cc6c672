"""``python -m ketasim.cli``: the ``ketasim`` command."""

from ketasim.cli import main

main()
