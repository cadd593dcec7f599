"""Serve the template's `Api` events over HTTP on 127.0.0.1, as API Gateway's proxy integration would."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from localrun.api_events import HttpRequest, HttpResponse, Route, http_response, match, rest_proxy_event
from localrun.invoke import Host

log = logging.getLogger(__name__)

_NOT_FOUND = HttpResponse(403, [("Content-Type", "application/json")], b'{"message":"Missing Authentication Token"}')


def _handler_class(routes: Sequence[Route]) -> type[BaseHTTPRequestHandler]:
    class ProxyHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _proxy(self) -> None:
            path = self.path.split("?", 1)[0]
            found = match(routes, self.command, path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if found is None:
                # API Gateway's answer for a method/path with no resource.
                self._send(_NOT_FOUND)
                return
            route, parameters = found
            request = HttpRequest(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
            host: Host = route.target
            invocation = host.invoke(rest_proxy_event(request, route, parameters))
            self._send(http_response(invocation.result if invocation.error is None else None))

        def _send(self, response: HttpResponse) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _proxy

        def log_message(self, format: str, *args: object) -> None:
            log.debug(format % args)

    return ProxyHandler


class HttpApi:
    """A threading HTTP server whose routes are the template's Api events."""

    def __init__(self, routes: Sequence[Route], port: int) -> None:
        self.routes = routes
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(routes))
        self.server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
