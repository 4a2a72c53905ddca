"""``python -m bilateral ...``: the ``bilateral`` command."""

from bilateral._cli import main

main()
