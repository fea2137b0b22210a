"""`python -m bench.pooled_serve --host H --port P`: `python -m server serve` with the
bench.pooled_sqlite experiment applied (see that module)."""

import sys

from bench.pooled_sqlite import apply

apply()

from server.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
