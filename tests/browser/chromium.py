"""Chromium, driven by Playwright, in front of the local servers: one case run is a fresh
browser context, a page at the case's origin and the case's fetch made from it."""

from __future__ import annotations

import itertools
from typing import Any, Iterable, List, Optional

from harness import (
    API_HOST,
    Attempt,
    BrowserCase,
    Observation,
    host_resolver_rules,
    parse_origin,
)
from playwright.sync_api import Browser, Frame, Playwright, sync_playwright
from servers import ApiDispatcher, RunningServer, WSGIApp, page_app, tls_context

#: Debian's Chromium; tests/ensure_debian.py installs it. Never a downloaded one.
CHROMIUM = "/usr/bin/chromium"
#: Generous: a fetch that fails does so at once; this only bounds a hung run.
TIMEOUT_MS = 60_000

#: What the page script does: the same fetch `times` times, one after the other, each
#: resolving (status, type, the read headers' values) or rejecting (the error).
FETCH_SCRIPT = """
async ({url, init, read, times, timeoutMs}) => {
  const attempts = [];
  for (let i = 0; i < times; i++) {
    const options = Object.assign({}, init, {signal: AbortSignal.timeout(timeoutMs)});
    try {
      const response = await fetch(url, options);
      const headers = {};
      for (const name of read) headers[name] = response.headers.get(name);
      try { await response.arrayBuffer(); } catch (error) { /* the body is not judged */ }
      attempts.push({ok: true, status: response.status, type: response.type, headers});
    } catch (error) {
      attempts.push({ok: false, error: `${error.name}: ${error.message}`});
    }
  }
  return attempts;
}
"""


def launch_args(rules: str) -> List[str]:
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--host-resolver-rules={rules}",
        "--ignore-certificate-errors",
    ]


class OriginMismatch(Exception):
    """The page could not be put at the case's origin (a browser cannot send it)."""


class ChromiumSession:
    """The servers and the browser, started once for the whole session."""

    def __init__(self, origins: Iterable[str]) -> None:
        self._playwright: Optional[Playwright] = None
        self._browser: Optional[Browser] = None
        self._servers: List[RunningServer] = []
        self._runs = itertools.count(1)
        try:
            context = tls_context(API_HOST, "*.example", "*.test", "localhost")
            self.api = ApiDispatcher()
            api_server = RunningServer(self.api, context)
            self._servers.append(api_server)
            tls_pages = RunningServer(page_app, context)
            self._servers.append(tls_pages)
            http_pages = RunningServer(page_app)
            self._servers.append(http_pages)
            self.api_base = f"https://{API_HOST}:{api_server.port}"
            self.rules = host_resolver_rules(
                origins, tls_pages.port, http_pages.port, api_server.port
            )
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=launch_args(self.rules),
                timeout=TIMEOUT_MS,
            )
            self.version: str = self._browser.version
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
        while self._servers:
            self._servers.pop().close()

    def run(self, case: BrowserCase, app: WSGIApp) -> Observation:
        """Play one case: a fresh context, a page at the case's origin, its fetches, and
        the requests the app received carrying this run's unique query parameter."""
        assert self._browser is not None, "the session is closed"
        try:
            parse_origin(case.origin)
        except ValueError as error:
            raise OriginMismatch(f"{error}: no page can have this origin") from None
        run = next(self._runs)
        self.api.set_app(app)
        context = self._browser.new_context(ignore_https_errors=True)
        try:
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(case.page_url(), wait_until="load")
            frame = _script_frame(page.main_frame, case)
            origin = frame.evaluate("self.origin")
            if origin != case.origin:
                raise OriginMismatch(
                    f"the page at {case.page_url()} has origin {origin!r}, not the case's "
                    f"{case.origin!r}: a browser cannot send this Origin"
                )
            raw: List[Any] = frame.evaluate(
                FETCH_SCRIPT,
                {
                    "url": case.url(self.api_base, run),
                    "init": case.init(),
                    "read": case.read,
                    "times": case.times,
                    "timeoutMs": TIMEOUT_MS,
                },
            )
        finally:
            context.close()
            self.api.set_app(None)
        return Observation(
            attempts=[Attempt.from_script(attempt) for attempt in raw],
            requests=self.api.seen(run),
        )


def _script_frame(main: Frame, case: BrowserCase) -> Frame:
    """The frame whose script fetches: the page itself, or its sandboxed iframe."""
    if not case.sandboxed:
        return main
    children = main.child_frames
    if len(children) != 1:
        raise OriginMismatch(f"the sandboxed page has {len(children)} frames, expected 1")
    return children[0]
