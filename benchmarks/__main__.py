"""``python -m benchmarks NAME [OPTIONS]``: run the benchmark called NAME.

Benchmarks are imported only once chosen: each one fixes the concurrency
backend before it imports any oslo library.
"""

import importlib
import sys
from collections.abc import Sequence

BENCHMARKS = {
    "image": "benchmarks.image_bench",
    "network": "benchmarks.network_bench",
    "reload": "benchmarks.reload_bench",
    "scheduler": "benchmarks.scheduler_bench",
    "wsgi": "benchmarks.wsgi_bench",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:  # tox -e bench: every benchmark with its defaults
        return max(main([name]) for name in sorted(BENCHMARKS))
    if args[0] not in BENCHMARKS:
        names = ", ".join(sorted(BENCHMARKS))
        print(
            f"usage: python -m benchmarks NAME [OPTIONS]; NAME is one of: {names}",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(BENCHMARKS[args[0]])
    return module.main(args[1:])


if __name__ == "__main__":
    sys.exit(main())
