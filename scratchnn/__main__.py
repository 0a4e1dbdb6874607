"""`python -m scratchnn ...` runs the `scratchnn` command line."""

import sys

from scratchnn.apps.cli.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
