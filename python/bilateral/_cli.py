"""The ``bilateral`` command of the Python package.

It runs the code the cargo-built binary runs (``bilateral::commands::main``
in the native module), with the same arguments, output, Ctrl-C handling
and exit codes. See the README, "From Python", for why the wheel ships the
command this way.
"""

import sys


def main() -> None:
    # Only the native module: pandas and numpy are not imported, so the
    # command starts about as fast as the binary.
    from bilateral import _native

    sys.exit(_native.main(sys.argv))


if __name__ == "__main__":
    main()
