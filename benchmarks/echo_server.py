"""A bare oslo.messaging echo server: the floor select_destinations is measured against.

No svc-launch code on the serving path: plain ``get_rpc_server`` with the
default executor and serializer (svc-launch only registers the options
and chooses the backend). The backend is chosen the same way,
so both servers run green (eventlet) or native (threading) threads alike.
Run by the scheduler benchmark as
``python -m benchmarks.echo_server URL EXCHANGE TOPIC``; prints ``ready``
once consuming and serves until killed.
"""

import os
import sys
import time
from collections.abc import Sequence
from typing import Any


class Echo:
    def echo(self, ctxt: Any, value: Any) -> Any:
        return value


def main(argv: Sequence[str]) -> int:
    url, exchange, topic = argv
    from launcher import backend

    backend.select(backend.from_argv([]))
    import oslo_messaging
    from oslo_config import cfg

    from launcher import rpc

    conf = cfg.ConfigOpts()
    conf([], default_config_files=[])
    rpc.register_opts(conf)  # options only; see launcher.rpc on the trap
    conf.set_override("control_exchange", exchange)
    transport = oslo_messaging.get_rpc_transport(conf, url=url)
    target = oslo_messaging.Target(topic=topic, server=f"echo-{os.getpid()}")
    server = oslo_messaging.get_rpc_server(transport, target, [Echo()])
    server.start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
