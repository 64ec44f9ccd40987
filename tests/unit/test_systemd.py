import os
import socket
import threading

from launcher.systemd import Notifier


def _listener(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    return sock


def test_no_socket_means_no_op():
    notifier = Notifier({})
    assert not notifier.enabled
    notifier.send("READY=1")  # nothing to send to, nothing raised


def test_messages_reach_the_socket(tmp_path):
    path = str(tmp_path / "n.sock")
    with _listener(path) as listener:
        Notifier({"NOTIFY_SOCKET": path}).send("READY=1", "STATUS=ok")
        assert listener.recv(4096) == b"READY=1\nSTATUS=ok"


def test_abstract_socket_names():
    name = f"@svc-launch-test-{os.getpid()}"
    with _listener("\0" + name[1:]) as listener:
        Notifier({"NOTIFY_SOCKET": name}).send("STOPPING=1")
        assert listener.recv(4096) == b"STOPPING=1"


def test_watchdog_at_half_the_interval_and_only_when_healthy(tmp_path):
    path = str(tmp_path / "w.sock")
    with _listener(path) as listener:
        listener.settimeout(0.2)
        notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"})
        assert notifier.watchdog_interval == 1.0
        notifier.watchdog(healthy=False, now=10.0)
        notifier.watchdog(healthy=True, now=10.0)
        assert listener.recv(64) == b"WATCHDOG=1"
        notifier.watchdog(healthy=True, now=10.5)  # too soon
        notifier.watchdog(healthy=True, now=11.0)
        assert listener.recv(64) == b"WATCHDOG=1"


def test_watchdog_meant_for_another_pid_is_ignored():
    notifier = Notifier(
        {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"}
    )
    assert notifier.watchdog_interval is None


def test_a_reader_that_stalls_never_blocks_the_sender(tmp_path):
    path = str(tmp_path / "n.sock")
    with _listener(path) as listener:
        notifier = Notifier({"NOTIFY_SOCKET": path})
        sent = threading.Thread(
            target=lambda: [notifier.send(f"STATUS={n}") for n in range(1000)]
        )
        sent.start()
        sent.join(10)
        assert not sent.is_alive()  # nobody read: the extra notices were dropped
        assert listener.recv(4096) == b"STATUS=0"
