"""The app under load, served by waitress on 127.0.0.1 until its stdin closes.

Started by ``run_load.py`` (not collected by pytest). It prints the bound port as one
line on stdout, then serves until standard input reaches end of file (the driver closed
it, or died), a signal arrives, or ``--deadline`` seconds have passed, so it can never
outlive the run. Unhandled exceptions are logged with their traceback on stderr, which
the driver scans.

The CORS configuration below is mirrored, independently, by the expectations in
``run_load.py``: change one and you must change the other.

    python tests/load/server.py [--threads 8] [--deadline 300]
"""

from __future__ import annotations

import _thread
import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any, List, Optional

import waitress
from flask import Flask, Response, jsonify, request

import flask_cors
from flask_cors import CORS, cross_origin

LOG = logging.getLogger("load.server")

#: The literal origins of the decorated route; run_load.py states them again.
DECORATOR_ORIGINS = ["https://a.example", "https://b.example", "https://c.example"]


def echo(view: str) -> Response:
    """A body that names its own request: the id from the query string and from the
    X-Request-Id header, the method, and the request body; the id again as a header."""
    request_id = request.args.get("id", "")
    response = jsonify(
        id=request_id,
        header_id=request.headers.get("X-Request-Id", ""),
        method=request.method,
        view=view,
        data=request.get_data(as_text=True),
    )
    response.headers["X-Request-Id"] = request_id
    return response


def create_app() -> Flask:
    """Four kinds of route: a credentialed regex-origin resource (/api), a wildcard
    resource (/public), a decorated view outside both, and a view without CORS."""
    app = Flask(__name__)
    CORS(
        app,
        resources={
            r"/api/*": {
                "origins": r"https://tenant-[0-9]+\.example\.com",
                "allow_headers": r"X-Req-[0-9]+",
                "supports_credentials": True,
                "expose_headers": ["X-Request-Id"],
                "max_age": 600,
                "methods": ["GET", "POST", "PUT"],
            },
            r"/public/*": {"origins": "*", "send_wildcard": True},
        },
    )

    @app.route("/api/items", methods=["GET", "POST", "PUT"])
    def api_items() -> Response:
        return echo("api")

    @app.route("/public/items", methods=["GET", "POST"])
    def public_items() -> Response:
        return echo("public")

    @app.route("/decorated", methods=["GET", "POST"])
    @cross_origin(origins=DECORATOR_ORIGINS)
    def decorated() -> Response:
        return echo("decorated")

    @app.route("/plain", methods=["GET", "POST"])
    def plain() -> Response:
        return echo("plain")

    return app


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (8)")
    parser.add_argument(
        "--deadline", type=float, default=300.0, help="stop after this many seconds (300)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    # waitress's warnings and errors stay in, except "Task queue depth is N": with more
    # clients than threads, requests wait in its queue by design.
    logging.getLogger("waitress").setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server: Any = waitress.create_server(
        create_app(), host="127.0.0.1", port=0, threads=args.threads
    )
    reason: List[str] = []  # why the server stopped: the first cause wins
    serving = [True]
    lock = threading.RLock()  # also taken by the SIGTERM handler, in the main thread

    def stop(why: str) -> None:
        """Make the main thread leave the serving loop: interrupt_main raises
        KeyboardInterrupt there, which waitress's run() turns into a clean shutdown."""
        with lock:
            if reason or not serving[0]:
                return
            reason.append(why)
        _thread.interrupt_main()

    def watch_stdin() -> None:
        try:  # the raw descriptor: a buffered reader's lock would stall interpreter exit
            while os.read(sys.stdin.fileno(), 4096):
                pass
        except (OSError, ValueError):
            pass
        stop("stdin closed")

    def on_sigterm(signum: int, frame: Any) -> None:
        with lock:
            if not reason:
                reason.append("SIGTERM")
            if serving[0]:
                raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    # Explicitly: a process started in the background inherits SIGINT ignored, and then
    # interrupt_main() would do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=watch_stdin, name="stdin-watchdog", daemon=True).start()
    timer = threading.Timer(args.deadline, stop, args=(f"deadline of {args.deadline:g} s",))
    timer.daemon = True
    timer.start()

    try:
        LOG.info(
            "serving on 127.0.0.1:%s with %d threads; flask_cors %s from %s",
            server.effective_port,
            args.threads,
            flask_cors.__version__,
            flask_cors.__file__,
        )
        print(server.effective_port, flush=True)
        server.run()  # returns after a KeyboardInterrupt, its task threads shut down
    except KeyboardInterrupt:  # arrived just outside waitress's loop
        server.task_dispatcher.shutdown()
    with lock:  # no further interrupt from here on
        serving[0] = False
        reason.append("interrupted (SIGINT)")
    timer.cancel()
    server.close()
    LOG.info("stopped: %s", reason[0])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down
        sys.exit(130)
