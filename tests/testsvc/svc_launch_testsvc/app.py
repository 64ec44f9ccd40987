"""A small API for tests: pid, slow requests, and an RPC call to test-echo."""

import json
import os
import time

import webob
import webob.dec
from oslo_log import log as logging

from launcher import rpc
from launcher.wsgi.app import conf_from_global

LOG = logging.getLogger(__name__)


class TestApp:
    def __init__(self, conf) -> None:
        self.conf = conf
        self._client = None

    def client(self):
        if self._client is None:  # after fork, on first use
            self._client = rpc.get_client(rpc.get_transport(self.conf), "test-echo")
        return self._client

    @webob.dec.wsgify
    def __call__(self, req: webob.Request) -> webob.Response:
        if req.path == "/":
            return _json({"pid": os.getpid()})
        if req.path == "/slow":
            LOG.info("slow request started")
            time.sleep(float(req.params.get("seconds", "1")))
            return _json({"pid": os.getpid(), "slow": True})
        if req.path == "/rpc-request-id":
            context = req.environ["svc_launch.context"]
            seen = self.client().call(context, "request_ids")
            api = {"local": context.request_id, "global": context.global_request_id}
            return _json({"api": api, "rpc": seen})
        return _json({"error": "not found"}, status=404)


def _json(body, status=200) -> webob.Response:
    return webob.Response(
        json.dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def app_factory(global_conf, **local_conf):
    return TestApp(conf_from_global(global_conf))
