"""Signals as data: handlers only enqueue, the owner's loop does the work.

A handler that writes one byte to a pipe is safe in any frame, under
either backend; the loop that reads the pipe can reap, spawn and reload
as ordinary code. Tests drive the loop by calling :meth:`SignalPipe.send`
instead of sending real signals.
"""

import fcntl
import os
import signal
from collections.abc import Iterable
from types import FrameType

from launcher import backend


class SignalPipe:
    def __init__(self) -> None:
        # Native reads and writes: a green os.read waits on EAGAIN instead of
        # raising it, and a handler must never switch greenlets.
        self._os = backend.native_module("os")
        self._read, self._write = os.pipe()
        for fd in (self._read, self._write):
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        self._installed: dict[int, object] = {}

    def fileno(self) -> int:
        return self._read

    def install(self, signums: Iterable[int]) -> None:
        for signum in signums:
            self._installed[signum] = signal.signal(signum, self._handler)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.send(signum)

    def send(self, signum: int) -> None:
        try:
            self._os.write(self._write, bytes([signum]))
        except BlockingIOError:  # the pipe is full: plenty of wake-ups queued
            pass

    def drain(self) -> list[int]:
        received: list[int] = []
        while True:
            try:
                data = self._os.read(self._read, 64)
            except BlockingIOError:
                return received
            if not data:
                return received
            received.extend(data)

    def restore(self) -> None:
        for signum, previous in self._installed.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._installed.clear()

    def close(self) -> None:
        self.restore()
        os.close(self._read)
        os.close(self._write)
