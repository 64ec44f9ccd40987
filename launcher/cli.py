"""The ``svc-launch`` console entry point.

This module must stay tiny: it fixes the concurrency backend (the only
place eventlet monkey-patching happens for a daemon) and only then imports
the rest of svc-launch, which pulls in oslo.messaging and friends.
"""

import sys

from launcher import backend


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        backend.select(backend.from_argv(argv))
    except ValueError as exc:
        print(f"svc-launch: error: {exc}", file=sys.stderr)
        return 2
    from launcher import commands

    return commands.run(argv)


if __name__ == "__main__":
    sys.exit(main())
