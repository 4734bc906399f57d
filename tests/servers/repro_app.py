"""The Flask apps of the security reproductions, and a launcher serving them on 127.0.0.1.

``make_app(name)`` builds one reproduction's app (``APPS`` lists the names); the tests
run it on Flask's test client. ``python repro_app.py waitress|gunicorn`` serves all of
them from one process through ``HostDispatcher``, which picks the app by the first label
of the Host header and builds a fresh one for every new Host: a test that changes its
app (the config reproductions revoke an origin, one way) sends its own Host, so no test
sees another's changes, whatever the order. Paths stay those of the reproduction (no
mount prefix, no SCRIPT_NAME), so the router sees exactly what the test client sees.

The launcher listens on 127.0.0.1 and an ephemeral port, prints the port as one line on
stdout, and serves until its standard input reaches end of file (the test session closed
it, or died), SIGTERM or SIGINT arrives, or ``--deadline`` seconds have passed, so it
never outlives the run.

    python tests/servers/repro_app.py waitress|gunicorn [--deadline 600]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional

from flask import Flask, Response, current_app, request

import flask_cors
from flask_cors import CORS

ADMIN = "https://admin.example"
APP = "https://app.example"
PARTNER = "https://partner.example"

#: Class 3: origin regexes whose backtracking is exponential in Python's re.
BACKTRACKING_ORIGIN_REGEXES = {
    "origin-regex-nested": r"https://([a-z0-9]+[-.]?)*\.example\.com",
    "origin-regex-word": r"https://(\w+\.?)+example\.com",
    "origin-regex-dotstar": r"https://(.*\.)*example\.com",
}

#: Class 5: regexes that match every origin, written three ways (one already compiled).
MATCH_EVERYTHING_REGEXES: Dict[str, Any] = {
    "null-compiled-dotstar": re.compile(".*"),
    "null-anchored-dotstar": "^.*$",
    "null-any-scheme": r"https?://.*",
}


def index_route(app: Flask, body: str, methods: Optional[List[str]] = None) -> None:
    """``/`` answering ``body``, for the reproductions that need one plain route."""

    def index() -> str:
        return body

    app.add_url_rule("/", "index", index, methods=methods)


def slashes() -> Flask:
    """Class 1: two admin routes under a strict policy, everything else under a looser
    one, and a router that folds trailing slashes (``strict_slashes = False``)."""
    app = Flask(__name__)
    app.url_map.strict_slashes = False

    @app.route("/admin/users", methods=["GET", "DELETE"])
    def admin_users() -> str:
        return "admin users"

    @app.route("/admin/panel/")
    def admin_panel() -> str:
        return "admin panel"

    # The catch-all is the 404 handler rather than a /<path:rest> route: that route would
    # itself match /admin//users (Werkzeug's path converter takes empty segments), so its
    # own view would answer under its own policy and the merged-slash redirect that the
    # reproduction is about would never happen.
    @app.errorhandler(404)
    def catch_all(error: Exception) -> Any:
        return "catch-all", 404

    CORS(
        app,
        resources={
            "/admin/users": {"origins": [ADMIN], "supports_credentials": True},
            "/admin/panel/": {"origins": [ADMIN], "supports_credentials": True},
            r"/*": {"origins": [APP, PARTNER], "supports_credentials": True},
        },
    )
    return app


def header_regex() -> Flask:
    """Class 2: an allow_headers regex that a long requested name makes work hard for."""
    app = Flask(__name__)
    index_route(app, "index", methods=["GET", "PUT"])

    @app.route("/_test/acrh")
    def acrh() -> Dict[str, int]:
        # What the server handed the app as Access-Control-Request-Headers: shows how it
        # joined repeated lines, and that every name of every line arrived.
        value = request.headers.get("Access-Control-Request-Headers", "")
        names = [name for name in (part.strip() for part in value.split(",")) if name]
        return {"length": len(value), "names": len(names)}

    CORS(app, allow_headers=[r"x-.*-.*-.*-id", "content-type"])
    return app


def origin_regex(pattern: str) -> Callable[[], Flask]:
    """Class 3: one app per backtracking origin regex."""

    def build() -> Flask:
        app = Flask(__name__)
        index_route(app, "index")
        CORS(app, origins=[pattern])
        return app

    return build


def config_origins() -> Flask:
    """Class 4: ``CORS_ORIGINS`` in app.config, and a test-only route that removes an
    origin from that very list (in place, the way an admin action might)."""
    app = Flask(__name__)
    app.config["CORS_ORIGINS"] = [APP, PARTNER]
    app.config["CORS_SUPPORTS_CREDENTIALS"] = True
    index_route(app, "index")

    @app.route("/_test/revoke", methods=["POST"])
    def revoke() -> Response:
        current_app.config["CORS_ORIGINS"].remove(PARTNER)
        return Response(status=204)

    CORS(app)
    return app


def config_resources() -> Flask:
    """Class 4: the same through a nested ``CORS_RESOURCES`` dict edited in place."""
    app = Flask(__name__)
    app.config["CORS_RESOURCES"] = {
        "/api/*": {"origins": [APP, PARTNER], "supports_credentials": True}
    }

    @app.route("/api/data")
    def api_data() -> str:
        return "api data"

    @app.route("/_test/revoke-resource", methods=["POST"])
    def revoke_resource() -> Response:
        current_app.config["CORS_RESOURCES"]["/api/*"]["origins"].remove(PARTNER)
        return Response(status=204)

    CORS(app)
    return app


def match_everything(pattern: Any) -> Callable[[], Flask]:
    """Class 5: one app per match-everything regex, with credentials."""

    def build() -> Flask:
        app = Flask(__name__)
        index_route(app, "index")
        CORS(app, origins=[pattern], supports_credentials=True)
        return app

    return build


def wildcard(app_sets_credentials: bool) -> Callable[[], Flask]:
    """Class 6: ``*`` with send_wildcard, with or without an after_request function of
    the app's own that sets ``Access-Control-Allow-Credentials: true``."""

    def build() -> Flask:
        app = Flask(__name__)
        index_route(app, "index")
        if app_sets_credentials:

            @app.after_request
            def credentials(response: Response) -> Response:
                response.headers["Access-Control-Allow-Credentials"] = "true"
                return response

        CORS(app, origins="*", send_wildcard=True)
        return app

    return build


#: Every app by name; the name is the first label of the Host header the servers get.
APPS: Dict[str, Callable[[], Flask]] = {
    "slashes": slashes,
    "header-regex": header_regex,
    **{name: origin_regex(pattern) for name, pattern in BACKTRACKING_ORIGIN_REGEXES.items()},
    "config-origins": config_origins,
    "config-resources": config_resources,
    **{name: match_everything(pattern) for name, pattern in MATCH_EVERYTHING_REGEXES.items()},
    "wildcard-app-credentials": wildcard(app_sets_credentials=True),
    "wildcard": wildcard(app_sets_credentials=False),
}

#: The Host label the launcher answers itself, so the tests can wait until it serves.
READY = "ready"


def make_app(name: str) -> Flask:
    """A new instance of the reproduction app ``name`` (a key of ``APPS``)."""
    return APPS[name]()


WSGIApp = Callable[[Dict[str, Any], Any], Iterable[bytes]]


class HostDispatcher:
    """WSGI: the app named by the Host header's first label (``slashes.t1.test`` ->
    ``slashes``), one instance per distinct Host, built on its first request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # waitress answers from several threads
        self._apps: Dict[str, Flask] = {}

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").split(":", 1)[0].lower()
        name = host.split(".", 1)[0]
        if name == READY:
            return plain(start_response, "200 OK", b"ready\n")
        if name not in APPS:
            return plain(start_response, "404 Not Found", b"no reproduction app for this Host\n")
        with self._lock:
            app = self._apps.get(host)
            if app is None:
                app = self._apps[host] = make_app(name)
        wsgi: WSGIApp = app.wsgi_app
        return wsgi(environ, start_response)


def plain(start_response: Any, status: str, body: bytes) -> List[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# --------------------------------------------------------------------------------------
# The launcher


def announce(port: int, server: str) -> None:
    """The port on stdout (the tests read this line); what serves it on stderr."""
    print(
        f"{server} on 127.0.0.1:{port}; flask_cors {flask_cors.__version__} "
        f"from {flask_cors.__file__}",
        file=sys.stderr,
        flush=True,
    )
    print(port, flush=True)


def stop_on_eof_or_deadline(deadline: float) -> None:
    """SIGTERM to this process when stdin reaches end of file or the deadline passes;
    each server stops cleanly on SIGTERM."""

    def terminate() -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    def watch_stdin() -> None:
        try:  # the raw descriptor: a buffered reader's lock would stall interpreter exit
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except (OSError, ValueError):
            pass
        terminate()

    threading.Thread(target=watch_stdin, name="stdin-watchdog", daemon=True).start()
    timer = threading.Timer(deadline, terminate)
    timer.daemon = True
    timer.start()


def serve_waitress(deadline: float) -> None:
    import waitress

    # waitress's default number of threads.
    server: Any = waitress.create_server(HostDispatcher(), host="127.0.0.1", port=0)

    def on_signal(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # waitress's run() shuts down on it

    signal.signal(signal.SIGTERM, on_signal)
    # Explicitly: a process started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGINT, on_signal)
    announce(server.effective_port, "waitress")
    stop_on_eof_or_deadline(deadline)
    try:
        server.run()
    except KeyboardInterrupt:  # arrived just outside waitress's loop
        server.task_dispatcher.shutdown()
    server.close()


def serve_gunicorn(deadline: float) -> None:
    from gunicorn.app.base import BaseApplication

    def when_ready(arbiter: Any) -> None:
        # In the master, before it forks the worker: the listening socket is bound.
        announce(arbiter.LISTENERS[0].sock.getsockname()[1], "gunicorn")
        stop_on_eof_or_deadline(deadline)

    options: Dict[str, Any] = {
        "bind": ["127.0.0.1:0"],
        # One worker process: the config reproductions change an app's config in place
        # and then expect the next request to see it, which only holds within one
        # process (with two workers, the next request may reach the other's copy).
        "workers": 1,
        "worker_class": "sync",
        "graceful_timeout": 5,
        "when_ready": when_ready,
        # gunicorn 25+ opens a control socket under $XDG_RUNTIME_DIR or ~/.gunicorn
        # by default: nothing outside 127.0.0.1 and this run's processes.
        "control_socket_disable": True,
    }

    class Gunicorn(BaseApplication):  # type: ignore[misc]
        """gunicorn's own application class, configured here instead of by its CLI."""

        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # settings an older gunicorn lacks
                    self.cfg.set(key, value)

        def load(self) -> HostDispatcher:
            return HostDispatcher()

    Gunicorn().run()


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server", choices=["waitress", "gunicorn"])
    parser.add_argument(
        "--deadline", type=float, default=600.0, help="stop after this many seconds (600)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.server == "waitress":
        serve_waitress(args.deadline)
    else:
        serve_gunicorn(args.deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
