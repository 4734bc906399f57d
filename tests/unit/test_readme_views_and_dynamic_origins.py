"""The "Dynamic origins" and "Class-based and async views" examples of the documentation
(docs/usage.md) run as written and do what the text around them says."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List

from flask import Flask, abort, request

from flask_cors import CORS, cross_origin

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "docs" / "usage.md"
ACAO = "Access-Control-Allow-Origin"


def python_blocks(section: str) -> List[str]:
    """The ```python blocks of one ``## section`` of docs/usage.md."""
    text = USAGE.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = re.compile(r"^#{1,2} ", re.M).search(text, start + 4)
    body = text[start : end.start() if end else len(text)]
    return re.findall(r"```python\n(.*?)```", body, re.S)


def login_required(view: Any) -> Any:
    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if "Authorization" not in request.headers:
            abort(401)
        return view(*args, **kwargs)

    return checked


class Tenants:
    def __init__(self) -> None:
        self.known = {"https://acme.example.com"}
        self.queries = 0

    def exists(self, origin: str) -> bool:
        self.queries += 1
        return origin in self.known


def run(blocks: List[str], namespace: Dict[str, Any]) -> Dict[str, Any]:
    for block in blocks:
        exec(compile(block, str(USAGE), "exec"), namespace)
    return namespace


def test_dynamic_origins_examples() -> None:
    blocks = python_blocks("Dynamic origins")
    assert len(blocks) == 2
    app = Flask(__name__)
    app.add_url_rule("/api/items", "items", lambda: "items")
    app.add_url_rule("/public/page", "page", lambda: "page")
    namespace = run(blocks[:1], {"app": app, "CORS": CORS})
    client = app.test_client()

    acme, newco = "https://acme.example.com", "https://newco.example.com"
    assert client.get("/api/items", headers={"Origin": acme}).headers[ACAO] == acme
    assert ACAO not in client.get("/api/items", headers={"Origin": newco}).headers
    namespace["TENANT_ORIGINS"].add(newco)
    answered = client.get("/api/items", headers={"Origin": newco})
    assert answered.headers[ACAO] == newco
    assert answered.headers["Access-Control-Allow-Credentials"] == "true"
    assert answered.headers["Vary"] == "Origin"
    # The second resource: literals, a regex and the callable.
    partner = "https://eu.partner.example"
    for allowed in (partner, "https://app.example.com", newco):
        public = client.get("/public/page", headers={"Origin": allowed})
        assert public.headers[ACAO] == allowed
        assert "Access-Control-Allow-Credentials" not in public.headers
    assert ACAO not in client.get("/public/page", headers={"Origin": "https://x.example"}).headers

    # The cached variant: one query per distinct Origin until the cache is cleared.
    db = type("Db", (), {"tenants": Tenants()})()
    cached = run(blocks[1:], {"functools": functools, "db": db})
    cached_app = Flask(__name__)
    CORS(cached_app, origins=cached["is_tenant"])
    cached_app.add_url_rule("/x", "x", lambda: "x")
    cached_client = cached_app.test_client()
    for _ in range(3):
        assert cached_client.get("/x", headers={"Origin": acme}).headers[ACAO] == acme
    assert db.tenants.queries == 1
    db.tenants.known.clear()
    cached["on_tenant_change"]()
    assert ACAO not in cached_client.get("/x", headers={"Origin": acme}).headers
    assert db.tenants.queries == 2


def test_class_based_views_example_answers_preflights() -> None:
    (block,) = python_blocks("Class-based and async views")
    app = Flask(__name__)
    run(
        [block],
        {"app": app, "cross_origin": cross_origin, "login_required": login_required},
    )
    client = app.test_client()
    origin, admin = "https://app.example.com", "https://admin.example.com"

    items = client.options(
        "/items/1",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert items.status_code == 200  # answered before login_required runs
    assert items.headers[ACAO] == origin
    assert items.headers["Access-Control-Allow-Headers"] == "authorization"
    refused = client.get("/items/1", headers={"Origin": origin})
    assert refused.status_code == 401
    assert refused.headers[ACAO] == origin

    delete = client.options(
        "/reports", headers={"Origin": admin, "Access-Control-Request-Method": "DELETE"}
    )
    assert delete.headers[ACAO] == admin
    assert delete.headers["Access-Control-Allow-Methods"] == "DELETE"
    get = client.options(
        "/reports", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert get.headers[ACAO] == origin
    wrong = client.options(
        "/reports", headers={"Origin": origin, "Access-Control-Request-Method": "DELETE"}
    )
    assert ACAO not in wrong.headers
