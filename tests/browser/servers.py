"""The local servers the browser talks to: one HTTPS API server whose app is swapped per
case and which records every request, and the page servers (HTTPS and plain HTTP)."""

from __future__ import annotations

import ssl
import threading
from typing import Any, Callable, Iterable, List, Optional
from urllib.parse import quote

import trustme
from harness import SeenRequest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

WSGIApp = Callable[[Any, Any], Iterable[bytes]]

BLANK_PAGE = b"<!doctype html><meta charset=utf-8><title>CORS page</title>\n"
#: A page whose only content is a sandboxed srcdoc iframe: its origin is opaque, so the
#: fetches it makes carry `Origin: null`.
SANDBOXED_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>CORS page, sandboxed frame</title>\n"
    b'<iframe sandbox="allow-scripts" '
    b'srcdoc="&lt;!doctype html&gt;&lt;title&gt;sandboxed&lt;/title&gt;"></iframe>\n'
)


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without the access log."""

    def log(self, type: str, message: str, *args: Any) -> None:
        return None


def tls_context(*hosts: str) -> ssl.SSLContext:
    """A server context with a certificate for ``hosts`` from a throwaway trustme CA
    (Chromium is launched with certificate errors ignored, so the CA is never installed)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert(*hosts).configure_cert(context)
    return context


class ApiDispatcher:
    """The WSGI app behind the API origin: records each request, then hands it to the
    current case's app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._app: Optional[WSGIApp] = None
        self._requests: List[SeenRequest] = []

    def set_app(self, app: Optional[WSGIApp]) -> None:
        with self._lock:
            self._app = app

    def seen(self, run: int) -> List[SeenRequest]:
        """The requests of one case run (those carrying its query parameter), in order."""
        with self._lock:
            return [request for request in self._requests if request.run() == run]

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        target = environ.get("RAW_URI") or quote(environ.get("PATH_INFO", ""))
        seen = SeenRequest(
            method=environ["REQUEST_METHOD"],
            path=target.split("?", 1)[0],
            query=environ.get("QUERY_STRING", ""),
            origin=environ.get("HTTP_ORIGIN"),
            acrm=environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"),
            acrh=environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
        )
        # Recorded before the app answers, so it is there once the browser has a response.
        with self._lock:
            self._requests.append(seen)
            app = self._app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no case is being run\n"]

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.status = int(status.split(" ", 1)[0])
            seen.response_headers = [(str(name), str(value)) for name, value in headers]
            return start_response(status, headers, exc_info)

        return app(environ, recording_start_response)


def page_app(environ: Any, start_response: Any) -> Iterable[bytes]:
    """Any host's page: blank, or /sandboxed with the sandboxed iframe."""
    path = environ.get("PATH_INFO", "/")
    if path == "/favicon.ico":
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    body = SANDBOXED_PAGE if path == "/sandboxed" else BLANK_PAGE
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


class RunningServer:
    """A threaded werkzeug server on 127.0.0.1 and an ephemeral port, in a thread."""

    def __init__(self, app: WSGIApp, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1",
            0,
            app,
            threaded=True,
            request_handler=QuietHandler,
            ssl_context=ssl_context,
        )
        self.port: int = self.server.port
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"server-{self.port}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self._thread.join(timeout=30)
