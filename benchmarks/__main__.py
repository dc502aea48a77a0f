"""Run every benchmark in turn: `python -m benchmarks` (what `make bench` does)."""

import sys

from benchmarks import (
    lighthouse,
    live_carts,
    memory,
    play,
    profile_worker,
    storefront,
    sync,
    webhook_intake,
)

# memory comes last: it reports the peaks the harness recorded during the others.
BENCHMARKS = (
    webhook_intake,
    profile_worker,
    play,
    storefront,
    lighthouse,
    live_carts,
    sync,
    memory,
)


def main() -> int:
    """Run each benchmark's main(); a benchmark reports figures, it never passes or fails."""
    for benchmark in BENCHMARKS:
        benchmark.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
