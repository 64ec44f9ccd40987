"""sd_notify for the launcher's parent: readiness, reloads, stop, watchdog.

Only the supervisor talks to systemd, and only about the whole daemon:
READY=1 once every worker is ready, RELOADING=1 ... READY=1 around a
SIGHUP, STOPPING=1 on stop, STATUS= with worker counts, WATCHDOG=1 while
healthy when the unit sets WatchdogSec=. Without NOTIFY_SOCKET every call
is a no-op.
"""

import os
import socket
import time


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        environ = dict(os.environ if environ is None else environ)
        path = environ.get("NOTIFY_SOCKET", "")
        # An abstract socket is written "@name"; the kernel wants "\0name".
        self._address = "\0" + path[1:] if path.startswith("@") else path
        usec = environ.get("WATCHDOG_USEC", "")
        watchdog_pid = environ.get("WATCHDOG_PID", "")
        mine = not watchdog_pid or watchdog_pid == str(os.getpid())
        self.watchdog_interval = int(usec) / 2e6 if usec.isdigit() and mine else None
        self._last_watchdog = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def send(self, *fields: str) -> None:
        if not self._address:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            # Never wait: a reader that stalls (the datagram queue holds only
            # a few messages) must not stall the supervisor's loop with it.
            sock.setblocking(False)
            try:
                sock.sendto("\n".join(fields).encode(), self._address)
            except OSError:  # gone, unreachable or full: a lost notice is not fatal
                pass

    def watchdog(self, healthy: bool, now: float | None = None) -> None:
        """Pet the watchdog, at half its interval, only while healthy."""
        if self.watchdog_interval is None or not healthy:
            return
        now = time.monotonic() if now is None else now
        if now - self._last_watchdog >= self.watchdog_interval:
            self.send("WATCHDOG=1")
            self._last_watchdog = now
