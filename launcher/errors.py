"""Errors an operator can act on, and the exit codes that carry them.

Every error here renders as one line: what is wrong, then what would fix
it. The CLI prints ``str(exc)`` and exits with ``exc.exit_code``; no
traceback reaches the terminal.
"""

# Exit codes: a small protocol between the CLI, workers and the supervisor.
EXIT_OK = 0
EXIT_RUNTIME = 1  # the daemon ran and failed (database, broker, crash)
EXIT_CONFIG = 2  # the operator's input is wrong: fix config or argv
EXIT_WORKER_CONFIG = 3  # a worker found a config error after fork
EXIT_WORKER_APP_LOAD = 4  # a worker could not build its application
EXIT_RPC_LOST = 5  # a ready worker lost its broker and did not get it back


class LaunchError(Exception):
    """Base for errors that end a launch with a clear message."""

    exit_code = EXIT_RUNTIME

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message


class ConfigError(LaunchError):
    exit_code = EXIT_CONFIG


class UnknownBinary(ConfigError):
    pass


class DefinitionLoadError(ConfigError):
    pass


class PasteConfigError(ConfigError):
    pass


class PortInUse(LaunchError):
    exit_code = EXIT_RUNTIME


class DatabaseUnavailable(LaunchError):
    exit_code = EXIT_RUNTIME


class CrashLoop(LaunchError):
    exit_code = EXIT_RUNTIME
