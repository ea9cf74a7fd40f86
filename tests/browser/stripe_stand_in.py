"""A stand-in for Stripe's API and hosted checkout page, served on 127.0.0.1 for the browser
suite, so that the shop's server process talks to it through the real Stripe SDK.

It answers `POST /v1/checkout/sessions` as Stripe does (a Checkout Session object; the same
session again for a repeated Idempotency-Key), records every API request it gets, and serves
`GET /pay/<session id>` as a minimal hosted checkout page whose "Pay" link goes to the
session's success_url. Anything else is a Stripe-shaped 404.
"""

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SESSIONS_PATH = "/v1/checkout/sessions"
PAY_PATH = "/pay/"


@dataclass(frozen=True)
class ApiRequest:
    """One request to the API: its form-encoded parameters as sent, flat
    (`metadata[order]`, `line_items[0][quantity]`, …), and its headers by lower-case name."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class StripeStandIn:
    """Stripe's API on a free port of 127.0.0.1, accepting only `secret_key`. Use as a
    context manager, or call start() and stop()."""

    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key
        self.requests: list[ApiRequest] = []
        self.sessions: dict[str, dict] = {}
        self._by_idempotency_key: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StripeStandIn":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "StripeStandIn":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def session_requests(self) -> list[ApiRequest]:
        """The requests that asked for a Checkout Session, oldest first."""
        with self._lock:
            return [r for r in self.requests if (r.method, r.path) == ("POST", SESSIONS_PATH)]

    def create_session(self, params: dict[str, str], idempotency_key: str) -> dict:
        """The Checkout Session for these parameters; the one made before for a repeated
        Idempotency-Key, as Stripe answers a retried request."""
        with self._lock:
            if idempotency_key in self._by_idempotency_key:
                return self._by_idempotency_key[idempotency_key]
            session = _session(params, self.url)
            self.sessions[session["id"]] = session
            if idempotency_key:
                self._by_idempotency_key[idempotency_key] = session
            return session

    def record(self, request: ApiRequest) -> None:
        with self._lock:
            self.requests.append(request)


def _session(params: dict[str, str], base_url: str) -> dict:
    session_id = f"cs_test_{secrets.token_hex(12)}"
    amount = sum(
        int(params[f"line_items[{i}][price_data][unit_amount]"])
        * int(params.get(f"line_items[{i}][quantity]", "1"))
        for i in _line_indexes(params)
    )
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "currency": params.get("line_items[0][price_data][currency]", "usd"),
        "client_reference_id": params.get("client_reference_id"),
        "customer_email": params.get("customer_email"),
        "metadata": _nested(params, "metadata"),
        "mode": params.get("mode", "payment"),
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params.get("success_url"),
        "cancel_url": params.get("cancel_url"),
        "expires_at": int(params.get("expires_at") or time.time() + 24 * 3600),
        "created": int(time.time()),
        "livemode": False,
        "url": f"{base_url}{PAY_PATH}{session_id}",
    }


def _line_indexes(params: dict[str, str]) -> list[int]:
    return sorted({
        int(key.split("]")[0].removeprefix("line_items["))
        for key in params if key.startswith("line_items[")
    })


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    """`name[key]=value` parameters as {key: value}."""
    prefix = f"{name}["
    return {key[len(prefix):-1]: value for key, value in params.items()
            if key.startswith(prefix) and key.endswith("]") and key.count("[") == 1}


def _pay_page(session: dict) -> str:
    amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
    success = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        # No icon to ask for: a 404 for one would show as an error in the console.
        '<link rel="icon" href="data:,"><title>Pay · Stripe stand-in</title></head><body><main>'
        f"<h1>Pay {html.escape(amount)}</h1>"
        f'<p><a href="{html.escape(success)}">Pay</a></p>'
        f'<p><a href="{html.escape(session["cancel_url"])}">Back</a></p>'
        "</main></body></html>"
    )


def _error(message: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"type": kind, "message": message}}


def _handler_for(stand_in: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            request = ApiRequest(
                method="POST", path=self.path, params=dict(parse_qsl(body)),
                headers={name.lower(): value for name, value in self.headers.items()},
            )
            stand_in.record(request)
            if request.headers.get("authorization") != f"Bearer {stand_in.secret_key}":
                self._json(HTTPStatus.UNAUTHORIZED, _error("Invalid API Key provided."))
            elif self.path != SESSIONS_PATH:
                self._json(HTTPStatus.NOT_FOUND, _error(f"Unrecognized request URL (POST: "
                                                        f"{self.path})."))
            else:
                key = request.headers.get("idempotency-key", "")
                self._json(HTTPStatus.OK, stand_in.create_session(request.params, key))

        def do_GET(self) -> None:
            session = stand_in.sessions.get(self.path.removeprefix(PAY_PATH))
            if not self.path.startswith(PAY_PATH) or session is None:
                self._send(HTTPStatus.NOT_FOUND, b"No such checkout page.", "text/plain")
                return
            self._send(HTTPStatus.OK, _pay_page(session).encode(), "text/html; charset=utf-8")

        def _json(self, status: HTTPStatus, data: dict) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # the suite's output stays readable

    return Handler
