#!/usr/bin/env node
/*
 * The CORS conformance spec against Express 5 with the `cors` package (npm), through the
 * process adapter protocol (spec/README.md; the Python side is ../process.py).
 *
 *   node adapter.js --describe   one JSON object: name, versions, known differences
 *   node adapter.js              reads one neutral case (../neutral.py) as a JSON line on
 *                                stdin, serves its app on 127.0.0.1:<free port>, prints
 *                                the base URL (or "skip: ..." / "error: ...") as its first
 *                                stdout line, and serves until stdin closes.
 *
 * How a case becomes an Express app, as a user of `cors` would write it:
 * - CORS on every path: `app.use(cors(options))` before the routes (cors's README: as
 *   application-level middleware it answers every preflight itself). With the neutral
 *   `paths`, cors runs only for matching paths: `app.use((req, res, next) =>
 *   matches(req.path) ? corsMiddleware(req, res, next) : next())`, where an exact path
 *   compares equal and a regex must match from the start (Flask-CORS's resource rule).
 *   `req.path` is the path as Express's router sees it: still percent-encoded.
 * - Options: the case's options plus Flask-CORS's defaults for the rest.
 *   origins "*" -> `origin: true` (reflect the Origin, as Flask-CORS echoes it), or
 *   `origin: "*"` with send_wildcard; a list -> an array of strings and `new RegExp(p)`,
 *   even for one origin (cors tests a RegExp unanchored, as documented: patterns are
 *   passed as written). Not a bare string: `origin: "https://a.example"` is a fixed
 *   value that cors sends to every request without comparing it with the Origin.
 *   methods -> `methods` (Flask-CORS's default list when unset; "*" stays "*");
 *   allow_headers "*" -> `allowedHeaders` unset (cors then reflects the request's
 *   Access-Control-Request-Headers), a list -> `allowedHeaders`; expose_headers ->
 *   `exposedHeaders`; supports_credentials -> `credentials`; max_age -> `maxAge`.
 *   preflightContinue is true when a route lists OPTIONS (the route answers OPTIONS
 *   itself, preflights included: cors sets its headers, then hands the request on), else
 *   cors's default (false: cors answers every OPTIONS itself); optionsSuccessStatus keeps
 *   cors's default (204).
 * - Routes: literal paths first, then paths with parameters, then "*", so that a
 *   catch-all never shadows a specific route (Express tries routes in order). "*" ->
 *   `/{*rest}` (Express 5 / path-to-regexp 8 syntax, which also matches "/"); `{name}`
 *   -> `:name`. HEAD is answered by GET handlers (Express does this itself). OPTIONS not
 *   listed by a route gets a handler answering 200, an empty body and an Allow header
 *   (Express's own automatic answer would put the Allow list in the body).
 * - Views: headers via `res.setHeader()` (which replaces a header already set, as a
 *   Flask view's headers do; not `res.set()`, which adds a charset to a Content-Type),
 *   `res.status(status).send(body)` (the body as bytes beside a Content-Type, which
 *   res.send() would otherwise give a charset too); `abort: N` -> an Error
 *   with `status = N` passed to `next(err)` (Express's error-handling idiom, answered
 *   by Express's default error handler); `raise: true` -> `throw new Error(...)` in
 *   the handler (Express's default error handler answers 500).
 * - The server is node:http with its defaults (max header size 16 KB, strict parser):
 *   requests it refuses before Express sees them are reported as they are answered.
 *
 * Skips (each prints "skip: <reason>"):
 * - allow_headers with a regex: cors's allowedHeaders is a literal list or string.
 * - allow_private_network=true: cors 2.8 has no Private Network Access support.
 * - intercept_exceptions=false: cors sets its headers before the route runs, so error
 *   responses keep them; it has no option to leave them off.
 * - vary_header=false, when cors would write Vary (origin other than "*", or reflected
 *   allowed headers): cors has no option to leave Vary alone.
 * - always_send=false with send_wildcard (origin "*"): cors sends "*" to every request,
 *   Origin or not, and has no option to omit it. With origin true or a list, cors
 *   already sends nothing without an Origin, which is what always_send=false asks.
 * - automatic_options is ignored: a decorator-only option, with no effect on CORS(app).
 * - a regex in Python-only syntax (\A, \Z, (?P...), inline flags) or that JavaScript
 *   cannot compile.
 * - a route method Express has no routing method for.
 * - in the neutral core (the case's `core` is true), methods "*" with credentials: cors
 *   sends "Access-Control-Allow-Methods: *", a method named "*" for a credentialed
 *   request under Fetch, and cannot name the requested method instead.
 */
'use strict';

const http = require('node:http');
const express = require('express');
const cors = require('cors');

/** Flask-CORS's default `methods` (README, "Options"). */
const FLASK_CORS_DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'];

/** Why a case cannot be expressed with cors; printed as "skip: <message>". */
class SkipCase extends Error {}

const CORS_SOURCE = 'cors 2.8.6: lib/index.js';

/**
 * Behaviours that make spec cases fail, each checked by hand on the raw response of at
 * least one case it covers. `problem` is a Python regex searched in one problem line of
 * the judge (cors_spec.judge); `cases` are fnmatch globs of the case ids it covers.
 */
const DIFFERENCES = [
  {
    id: 'preflight-status-204',
    kind: 'documented',
    summary:
      'cors ends every OPTIONS request it handles with optionsSuccessStatus, 204 No Content ' +
      'by default (its README suggests 200 only for legacy browsers); Flask-CORS answers 200. ' +
      'Fetch accepts any 2xx as the ok status of a preflight.',
    source: `cors README, "Configuration Options" (optionsSuccessStatus); ${CORS_SOURCE}, cors()`,
    problem: String.raw`^status 204, expected 200$`,
  },
  {
    id: 'options-always-preflight',
    kind: 'protocol',
    summary:
      'Fetch: only an OPTIONS request with Access-Control-Request-Method is a CORS-preflight ' +
      'request. cors treats every OPTIONS as one (it tests only the method): an OPTIONS without ' +
      'ACRM gets Access-Control-Allow-Methods/-Headers/Max-Age and 204, and never reaches the route.',
    source: `${CORS_SOURCE}, cors() ("if (method === 'OPTIONS') // preflight")`,
    problem: String.raw`^Access-Control-(Allow-Methods|Allow-Headers|Max-Age): expected absent, got`,
    cases: ['preflight/options-without-acrm'],
  },
  {
    id: 'preflight-grants-regardless',
    kind: 'documented',
    summary:
      'cors answers every preflight with the same grant: all configured methods in ' +
      'Access-Control-Allow-Methods, the requested (or configured) headers, Max-Age, whatever ' +
      'method is requested and whether or not the Origin is allowed; the browser then fails ' +
      'the preflight (Fetch: method not listed, or no matching ACAO). Flask-CORS grants ' +
      'nothing for a refused method or origin.',
    source: `${CORS_SOURCE}, cors() and configureMethods(); README, "Common Misconceptions"`,
    problem: String.raw`^Access-Control-(Allow-Methods|Allow-Headers|Max-Age): expected absent, got`,
    cases: [
      'methods/*-refused',
      'preflight/method-not-allowed',
      'max-age/not-for-refused-method',
      'attacks/method-substring-not-granted',
      'attacks/crlf-in-request-method-not-granted',
      'attacks/allow-list-credentials-preflight-rejects-attacker',
      'attacks/regex-prefix-attack-preflight',
      'methods/star-still-needs-a-token',
      'vary/rejected-preflight',
      'credentials/allow-list-preflight-grants-nothing-to-others',
      'preflight/refused-origin-gets-no-grant',
      'preflight/prefixed-origin-gets-no-grant',
      'reflection/refused-preflight-gets-nothing',
    ],
  },
  {
    id: 'acac-aceh-unconditional',
    kind: 'documented',
    summary:
      'Only Access-Control-Allow-Origin depends on the Origin in cors: with credentials: true ' +
      'it sends Access-Control-Allow-Credentials: true, and Access-Control-Expose-Headers when ' +
      'configured, on every response it handles, Origin refused or absent. Harmless under ' +
      'Fetch (the CORS check fails on ACAO first), unlike Flask-CORS, which sends neither then.',
    source: `${CORS_SOURCE}, cors(), configureCredentials() and configureExposedHeaders()`,
    problem: String.raw`^Access-Control-(Allow-Credentials: expected absent, got \['true'\]|Expose-Headers: expected absent, got)`,
  },
  {
    id: 'no-always-send',
    kind: 'documented',
    summary:
      'With origin: true or a list, cors derives ACAO from the Origin header only: a request ' +
      "without one (or with an empty one) gets no ACAO. Flask-CORS's always_send default " +
      'answers it with * or the configured literal origin; cors has no such option (only a ' +
      'fixed origin string or "*", sent to every request).',
    source: `cors README, "Configuration Options" (origin); ${CORS_SOURCE}, configureOrigin()`,
    problem: String.raw`^Access-Control-Allow-Origin: expected exactly one header '[^']*', got \[\]$`,
    cases: ['always-send/*', 'exceptions/404-no-origin-always-send', 'vary/no-origin-request'],
  },
  {
    id: 'origin-regex-unanchored',
    kind: 'documented',
    summary:
      'cors tests an origin RegExp with RegExp.prototype.test, a search anywhere in the Origin ' +
      '(its README anchors its own example with $). A Flask-CORS-style pattern passed as written, ' +
      'e.g. https://.*\\.trusted\\.example\\.com, also lets https://x.trusted.example.com.evil.net in.',
    source: `cors README, "Configuration Options" (origin: RegExp); ${CORS_SOURCE}, isOriginAllowed()`,
    problem: String.raw`^Access-Control-Allow-Origin: expected absent, got \[`,
    cases: [
      'attacks/regex-prefix-attack',
      'attacks/compiled-regex-prefix-attack',
      'attacks/regex-prefix-attack-preflight',
      'attacks/unescaped-dot-regex-prefix-attack',
      'attacks/origin-list-not-echoed-by-regex',
      'origins/regex-suffix-attack',
      'origins/string-regex-port-suffix-refused',
      'origins/compiled-regex-must-match-whole-origin',
    ],
  },
  {
    id: 'origin-list-reflected',
    kind: 'protocol',
    summary:
      'Fetch, HTTP new-header syntax: Access-Control-Allow-Origin holds one origin, "null" or ' +
      '"*". cors copies an allowed Origin header into ACAO as it is, so an Origin holding a ' +
      'list ("https://a.example, https://b.example", or two origins separated by a space) ' +
      'comes back as a list.',
    source: `${CORS_SOURCE}, configureOrigin() (value: requestOrigin)`,
    problem: String.raw`^Access-Control-Allow-Origin: (expected absent, got \['[^']*(, | )[^']*'\]|\['[^']*, [^']*'\], expected absent or one of \['\*'\])$`,
    cases: [
      'attacks/origin-list-not-echoed',
      'attacks/origin-list-not-echoed-by-regex',
      'wildcard/folded-origin-not-reflected',
      'origins/origin-list-never-echoed',
      'reflection/comma-list-not-echoed-by-any-origin',
      'reflection/space-separated-origins-not-reflected',
    ],
  },
  {
    id: 'overlong-origin-reflected',
    kind: 'documented',
    summary:
      'cors puts no length limit on the Origin it reflects (origin: true reflects any value ' +
      'Node accepted, up to its 16 KB header limit); this project echoes at most 1024 characters.',
    source: `${CORS_SOURCE}, configureOrigin(); Node.js 20 http, maxHeaderSize (16 KB)`,
    problem: String.raw`^Access-Control-Allow-Origin: (expected absent, got )?\['https://a{60}`,
    cases: ['wildcard/overlong-origin-not-reflected', 'reflection/overlong-origin-not-echoed'],
  },
  {
    id: 'origin-exact-compare',
    kind: 'documented',
    summary:
      'cors compares a string origin with === (case-sensitive), so https://App.Example.com does ' +
      'not allow https://app.example.com and vice versa; Flask-CORS compares literal origins ' +
      "case-insensitively and echoes the request's spelling.",
    source: `${CORS_SOURCE}, isOriginAllowed() ("origin === allowedOrigin")`,
    problem: String.raw`^Access-Control-Allow-Origin: expected exactly one header '[^']*', got \[\]$`,
    cases: [
      'origins/literal-case-insensitive-echoes-request',
      'origins/literal-upper-case-origin-echoed-verbatim',
    ],
  },
  {
    id: 'allowed-headers-sent-whole',
    kind: 'documented',
    summary:
      'With allowedHeaders set, cors sends the configured list as it is in ' +
      'Access-Control-Allow-Headers, not the requested headers it allows; Flask-CORS sends the ' +
      'requested ones that match. Both are valid under Fetch.',
    source: `cors README, "Configuration Options" (allowedHeaders); ${CORS_SOURCE}, configureAllowedHeaders()`,
    problem: String.raw`^Access-Control-Allow-Headers: '[^']*', expected the tokens of`,
    cases: ['allow-headers/list-filters'],
  },
  {
    id: 'request-headers-reflected-verbatim',
    kind: 'documented',
    summary:
      'Without allowedHeaders, cors copies Access-Control-Request-Headers into ' +
      'Access-Control-Allow-Headers unparsed: empty items and names that are not HTTP tokens ' +
      '("x bad", "x(bad)") come back; this project drops them.',
    source: `cors README, "Configuration Options" (allowedHeaders: "defaults to reflecting"); ${CORS_SOURCE}, configureAllowedHeaders()`,
    problem: String.raw`^Access-Control-Allow-Headers: ('[^']*', expected the tokens of|expected absent, got)`,
    cases: ['allow-headers/only-empty-names', 'allow-headers/non-token-name-dropped'],
  },
  {
    id: 'methods-star-literal',
    kind: 'documented',
    summary:
      'methods "*" is written as Access-Control-Allow-Methods: * (Fetch\'s wildcard, which ' +
      'means a method named "*" for a request with credentials); this project echoes the ' +
      'requested method instead, which works with and without credentials.',
    source: `cors README, "Configuration Options" (methods); ${CORS_SOURCE}, configureMethods()`,
    problem: String.raw`^Access-Control-Allow-Methods: '\*', expected the tokens of`,
    cases: ['methods/star-*'],
  },
  {
    id: 'route-vary-replaces-cors-vary',
    kind: 'documented',
    summary:
      'cors adds Vary: Origin before the route runs; a route that sets its own Vary the usual ' +
      'way, res.set() or res.setHeader(), replaces it (res.vary() or res.append() would merge). ' +
      "Flask-CORS merges Origin into the view's Vary after the view.",
    source: `${CORS_SOURCE}, applyHeaders() (vary() before next()); Express 5 API, res.set() and res.vary(); Node.js http, response.setHeader()`,
    problem: String.raw`^Vary: expected 'Origin' exactly once, got tokens \['accept-encoding'\]$`,
    cases: [
      '*/vary-merged-with-view-vary',
      'vary/merged-with-view-vary',
      'vary/route-vary-kept-and-origin-added',
      'vary/route-vary-kept-on-refusal',
    ],
  },
  {
    id: 'express-no-405',
    kind: 'documented',
    summary:
      "Express's router has no 405 Method Not Allowed: a request whose path has routes but " +
      "not for its method falls through to the final handler's 404 (cors's headers are on it).",
    source: 'router 2.3.0 (Express 5.3.0): index.js, Router.prototype.handle; finalhandler 2.1.1',
    problem: String.raw`^status 404, expected 405$`,
  },
  {
    id: 'paths-matched-percent-encoded',
    kind: 'documented',
    summary:
      'Express matches routes and mount paths on the request path still percent-encoded ' +
      '(only route parameters are decoded), so cors mounted for "/files/a b" never sees ' +
      '/files/a%20b; Flask routes and Flask-CORS resources match the decoded path.',
    source: 'router 2.3.0 (Express 5.3.0): index.js, getPathname(); lib/layer.js, decodeParam()',
    problem: String.raw`^Access-Control-Allow-Origin: expected exactly one header '[^']*', got \[\]$`,
    cases: ['resources/percent-escape-decoded-once'],
  },
  {
    id: 'no-private-network-access',
    kind: 'documented',
    summary:
      'cors 2.8 has no Private Network Access support: it never sends ' +
      'Access-Control-Allow-Private-Network (Flask-CORS answers "false" when the option is off).',
    source: `${CORS_SOURCE} (no Private-Network header anywhere)`,
    problem: String.raw`^Access-Control-Allow-Private-Network: expected exactly one header 'false', got \[\]$`,
  },
  {
    id: 'node-parser-refuses-control-bytes',
    kind: 'documented',
    summary:
      "Node's HTTP parser (llhttp, strict by default) answers 400 Bad Request, before Express " +
      'or cors see the request, to a header value holding a bare LF, NUL or other control ' +
      'character (RFC 9110 5.5 lets a recipient reject such a message).',
    source:
      'Node.js 20 http: createServer() insecureHTTPParser (default false), "clientError" event',
    problem: String.raw`^status 400, expected 200$`,
    cases: [
      'attacks/lf-in-origin-with-credentials',
      'attacks/nul-in-origin-not-reflected',
      'attacks/trailing-lf-after-listed-origin-not-echoed',
    ],
  },
  {
    id: 'request-headers-reflected-unbounded',
    kind: 'documented',
    summary:
      'Without allowedHeaders, cors copies Access-Control-Request-Headers into ' +
      'Access-Control-Allow-Headers whatever its number of names or length (up to Node\'s 16 KB ' +
      'header limit); this project allows none past 100 names or 8,192 characters.',
    source: `${CORS_SOURCE}, configureAllowedHeaders() (allowedHeaders = req.headers[...])`,
    problem: String.raw`^Access-Control-Allow-Headers: expected absent, got \['x-`,
    cases: [
      'attacks/request-headers-over-100-names-refused',
      'attacks/request-headers-over-8192-characters-refused',
    ],
  },
  {
    id: 'origin-regex-backtracks',
    kind: 'documented',
    summary:
      'cors tests an origin RegExp with RegExp.prototype.test, on V8\'s backtracking engine: ' +
      'an Origin shaped for a pattern with four ".*" takes seconds (the spec allows 250 ms). ' +
      'V8 backtracks fast enough that the exponential case\'s 33 characters pass; 40 take it 33 s.',
    source: `${CORS_SOURCE}, isOriginAllowed() (allowedOrigin.test(origin)); Node.js 20 (V8 irregexp)`,
    // Loaded, V8 may not answer within the runner's 10 s at all: the same backtracking.
    problem: String.raw`^(answered in \d+ ms, expected within \d+ ms|the request raised TimeoutError: no answer within \d+ s)$`,
    cases: ['attacks/polynomial-origin-regex-answered', 'bounded-work/polynomial-pattern-answered'],
  },
  {
    id: 'origin-regex-allows-null',
    kind: 'documented',
    summary:
      'An origin RegExp is tested against any Origin value, "null" included, so a pattern ' +
      'matching everything (/.*/, /^.*$/) allows Origin: null, which any page can send ' +
      '(sandboxed iframes); this project lets only a literal "null" or "*" allow it.',
    source: `${CORS_SOURCE}, isOriginAllowed()`,
    problem: String.raw`^(Access-Control-Allow-Origin: expected absent, got \['null'\]|verdict: the fetch resolves, expected fails)$`,
    cases: [
      'attacks/match-all-regex-never-grants-null',
      'attacks/anchored-match-all-regex-never-grants-null',
      'origins/pattern-never-allows-null',
      'origins/match-all-pattern-never-grants-null',
    ],
  },
  {
    id: 'star-beside-route-credentials',
    kind: 'documented',
    summary:
      'cors sets Access-Control-Allow-Origin: * before the route runs, so a route that sets ' +
      'Access-Control-Allow-Credentials: true itself answers the pair browsers refuse; this ' +
      'project adds nothing beside an ACAC "true" it did not set.',
    source: `${CORS_SOURCE}, configureOrigin() and cors() (headers applied before next())`,
    problem: String.raw`^Access-Control-Allow-Origin: expected absent, got \['\*'\]$`,
    cases: ['attacks/star-not-sent-beside-the-apps-credentials'],
  },
];

/** `--describe`: name, versions and differences as one JSON line. */
function describe() {
  const version = (name) => require(`${name}/package.json`).version;
  const about = {
    name: 'express-cors',
    version: `cors ${version('cors')}, express ${version('express')}, node ${process.versions.node}`,
    differences: DIFFERENCES,
  };
  process.stdout.write(JSON.stringify(about) + '\n');
}

/**
 * A pattern written for Python's `re` as a JavaScript RegExp, or SkipCase. `anchored`:
 * match from the start of the value only, as re.match does (for path patterns).
 */
function compileRegex(pattern, option, anchored = false) {
  if (/\\[AZ]|\(\?P[<=>]|\(\?[aiLmsux]+\)/.test(pattern)) {
    throw new SkipCase(`${option} regex ${JSON.stringify(pattern)}: Python-only regex syntax`);
  }
  try {
    return new RegExp(anchored ? `^(?:${pattern})` : pattern);
  } catch (error) {
    throw new SkipCase(
      `${option} regex ${JSON.stringify(pattern)}: JavaScript cannot compile it (${error.message})`,
    );
  }
}

/** The cors options a user would write for the neutral options (plus Flask-CORS defaults). */
function corsOptions(neutral) {
  const options = {};

  const origins = neutral.origins ?? '*';
  if (origins === '*') {
    options.origin = neutral.send_wildcard ? '*' : true;
  } else {
    const allowed = origins.map((entry) =>
      'exact' in entry ? entry.exact : compileRegex(entry.regex, 'origins'),
    );
    options.origin = allowed;
  }

  options.methods = neutral.methods ?? FLASK_CORS_DEFAULT_METHODS;

  const allowHeaders = neutral.allow_headers ?? '*';
  if (allowHeaders !== '*') {
    const regex = allowHeaders.find((entry) => 'regex' in entry);
    if (regex) {
      throw new SkipCase(
        `allow_headers regex ${JSON.stringify(regex.regex)}: cors's allowedHeaders is a ` +
          'literal list, sent as it is',
      );
    }
    options.allowedHeaders = allowHeaders.map((entry) => entry.exact);
  }

  if (neutral.expose_headers && neutral.expose_headers.length) {
    options.exposedHeaders = neutral.expose_headers;
  }
  if (neutral.supports_credentials) {
    options.credentials = true;
  }
  if (neutral.max_age !== undefined && neutral.max_age !== null) {
    options.maxAge = neutral.max_age;
  }

  if (neutral.allow_private_network) {
    throw new SkipCase(
      'allow_private_network=true: cors 2.8 has no Private Network Access support ' +
        '(it never sends Access-Control-Allow-Private-Network)',
    );
  }
  if (neutral.intercept_exceptions === false) {
    throw new SkipCase(
      'intercept_exceptions=false: cors sets its headers before the route runs, so error ' +
        'responses keep them; it has no option to leave them off',
    );
  }
  const writesVary = options.origin !== '*' || options.allowedHeaders === undefined;
  if (neutral.vary_header === false && writesVary) {
    throw new SkipCase(
      'vary_header=false: cors has no option to leave Vary alone (it adds Vary: Origin ' +
        "unless origin is '*', and Vary: Access-Control-Request-Headers to preflights when " +
        'it reflects the requested headers)',
    );
  }
  // origin "*" is the only fixed value this adapter writes (a bare origin string would
  // be another): cors then sends it whatever the request's Origin.
  const fixedOrigin = typeof options.origin === 'string';
  if (neutral.always_send === false && fixedOrigin) {
    throw new SkipCase(
      `always_send=false: with origin ${JSON.stringify(options.origin)} cors sends that ` +
        'Access-Control-Allow-Origin to every request, Origin or not, and has no option to omit it',
    );
  }
  // automatic_options only concerns Flask-CORS's decorator; with the extension (the only
  // form the neutral case has) it changes nothing, so it maps to nothing.
  return options;
}

/** Whether a path gets CORS, for the neutral `paths` (null: every path). */
function pathMatcher(paths) {
  const tests = paths.map((entry) => {
    if ('exact' in entry) {
      return (path) => path === entry.exact;
    }
    const regex = compileRegex(entry.regex, 'resources', true);
    return (path) => regex.test(path);
  });
  return (path) => tests.some((test) => test(path));
}

/** A neutral route path as an Express 5 (path-to-regexp 8) path. */
function expressPath(path) {
  if (path === '*') {
    return '/{*rest}';
  }
  return path
    .split(/(\{[A-Za-z_]\w*\})/)
    .map((part, index) =>
      index % 2 === 1 ? `:${part.slice(1, -1)}` : part.replace(/[()[\]{}?+!*:\\]/g, '\\$&'),
    )
    .join('');
}

/** Literal paths first, then paths with parameters, then the catch-all. */
function routeRank(route) {
  if (route.path === '*') return 2;
  return route.path.includes('{') ? 1 : 0;
}

/** The route handler for a neutral view. */
function viewHandler(view) {
  return (req, res, next) => {
    if (view.abort !== undefined) {
      const error = new Error(`spec case view aborted with ${view.abort}`);
      error.status = view.abort;
      next(error);
      return;
    }
    if (view.raise) {
      throw new Error('spec case view failure');
    }
    // Each header replaces one already set, as a Flask view's headers do. Not res.set(),
    // which rewrites a Content-Type through mime.contentType() ("; charset=utf-8" added):
    // the view's header must reach the client as the view wrote it. For the same reason
    // a body beside a Content-Type goes as bytes, whose type res.send() leaves alone (it
    // appends a charset to the type of a string body).
    for (const [name, value] of Object.entries(view.headers ?? {})) {
      res.setHeader(name, String(value));
    }
    const body = view.body ?? 'ok';
    const typed = Object.keys(view.headers ?? {}).some((n) => n.toLowerCase() === 'content-type');
    res.status(view.status ?? 200).send(typed ? Buffer.from(body, 'utf8') : body);
  };
}

/** The case's Express app: cors (for every path or the matching ones), then the routes. */
function buildApp(neutral) {
  const app = express();

  if (neutral.cors !== null) {
    const options = corsOptions(neutral.cors);
    if (neutral.core && neutral.cors.methods === '*' && neutral.cors.supports_credentials) {
      throw new SkipCase(
        "methods '*' (any method) with credentials: cors sends its methods option as it is, " +
          "Access-Control-Allow-Methods: *, which Fetch reads as a method named '*' for a " +
          'credentialed request, and no option names the requested method instead',
      );
    }
    // A route that lists OPTIONS answers OPTIONS requests itself, preflights included: a
    // cors user says so with preflightContinue, which hands the preflight, its CORS
    // headers set, on to the route.
    if (neutral.routes.some((route) => route.methods.includes('OPTIONS'))) {
      options.preflightContinue = true;
    }
    const middleware = cors(options);
    if (neutral.paths === null) {
      app.use(middleware);
    } else {
      const matches = pathMatcher(neutral.paths);
      app.use((req, res, next) => (matches(req.path) ? middleware(req, res, next) : next()));
    }
  }

  const routes = neutral.routes
    .map((route, index) => ({ route, index }))
    .sort((a, b) => routeRank(a.route) - routeRank(b.route) || a.index - b.index)
    .map(({ route }) => route);
  for (const route of routes) {
    const path = expressPath(route.path);
    const handler = viewHandler(route.view);
    for (const method of route.methods) {
      const register = app[method.toLowerCase()];
      if (typeof register !== 'function' || !http.METHODS.includes(method)) {
        throw new SkipCase(`route method ${method}: Express has no routing method for it`);
      }
      register.call(app, path, handler);
    }
    if (!route.methods.includes('OPTIONS')) {
      const allowed = new Set(['OPTIONS']);
      for (const other of neutral.routes.filter((r) => r.path === route.path)) {
        for (const method of other.methods) {
          allowed.add(method);
          if (method === 'GET') allowed.add('HEAD');
        }
      }
      const allow = [...allowed].sort().join(', ');
      app.options(path, (req, res) => {
        res.set('Allow', allow).status(200).end();
      });
    }
  }
  return app;
}

/** Print the first line, then exit (for skip: and error:). */
function finish(line) {
  process.stdout.write(line + '\n', () => process.exit(0));
}

/** Build the app and print its base URL once it listens (or skip: / error:). */
function serve(line) {
  let app;
  try {
    app = buildApp(JSON.parse(line));
  } catch (error) {
    if (error instanceof SkipCase) {
      finish(`skip: ${error.message}`);
    } else {
      finish(`error: ${String(error && error.message).replace(/\s+/g, ' ')}`);
    }
    return null;
  }
  const server = http.createServer(app);
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
  });
  return server;
}

/** Read the case's line from stdin; stop serving and exit when stdin closes. */
function main() {
  let buffer = '';
  let server = null;
  let started = false;
  const stop = () => {
    if (server) {
      server.close();
      server.closeAllConnections();
    }
    process.exit(0);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    if (started) return;
    buffer += chunk;
    const end = buffer.indexOf('\n');
    if (end >= 0) {
      started = true;
      server = serve(buffer.slice(0, end));
    }
  });
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
}

if (process.argv.includes('--describe')) {
  describe();
} else {
  main();
}
