"""Public verification is bounded per client, on top of the per-request budget (issuer.verify.budget):

* a rate: LER_VERIFY_RATE (default `60/minute` per client address; `off` for none), counted by the `limits`
  library (Flask-Limiter's engine; its decorators would mean editing every view) in memory by
  default, or in the storage LER_RATELIMIT_STORAGE names (`redis://host:6379/2`, ...) so that
  several server processes share one count;
* a number at once: LER_VERIFY_CONCURRENCY verifications per client address in this process
  (default 2), so that one client cannot hold every worker thread.

Either refusal is a 429 problem with Retry-After. The client address is the one ProxyFix
believes (LER_PROXY_HOPS), as for the audit log.
"""

from __future__ import annotations

import threading
from collections import Counter

from flask import Blueprint, abort, current_app, g, request
from limits import parse, storage, strategies

from issuer.api.problems import problem

bp = Blueprint("throttle", __name__)

PUBLIC_VERIFICATION = ("vcapi.verify_credential_view", "vcapi.verify_presentation_view", "verify_page.verify_submit",
                       # Each press makes a request row; a wallet's answer to it is verified (issuer.presentation).
                       "verify_requests.create_request", "presentation.direct_post", "presentation.exchange")
# Reads that cost as much: a verification report is laid out anew on each download (up to a second
# of CPU for a presentation of 20 credentials), since nothing of it is kept but the result; so is a
# certificate or a record's transcript PDF (a record of 100 credentials: 0.3 s); and a record's
# current version may be signed on that GET (lazy catch-up, up to 0.7 s).
COSTLY_READS = ("verify_requests.request_report_pdf", "pages.certificate", "records.record_pdf",
                "records.current_record")


class Throttle:
    def __init__(self, rate: str | None, concurrency: int, storage_uri: str):
        self.rate = parse(rate) if rate and rate.lower() not in ("off", "none", "0") else None
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(storage_uri)) \
            if self.rate else None
        self.concurrency = concurrency
        self.running: Counter[str] = Counter()
        self.lock = threading.Lock()

    def enter(self, client: str) -> str | None:
        """Why `client` must wait, or None (then `leave` must follow)."""
        if self.limiter is not None and not self.limiter.hit(self.rate, "verify", client):
            return f"at most {self.rate} verifications per client"
        with self.lock:
            if self.concurrency and self.running[client] >= self.concurrency:
                return f"at most {self.concurrency} verifications at once per client"
            self.running[client] += 1
        return None

    def leave(self, client: str) -> None:
        with self.lock:
            self.running[client] -= 1
            if self.running[client] <= 0:
                del self.running[client]


@bp.record_once
def _install(state) -> None:
    config = state.app.extensions["ler"].config
    state.app.extensions["ler_throttle"] = Throttle(config.verify_rate, config.verify_concurrency,
                                                    config.ratelimit_storage)


@bp.before_app_request
def _enter():
    if not ((request.endpoint in PUBLIC_VERIFICATION and request.method == "POST")
            or request.endpoint in COSTLY_READS):
        return None
    client = request.remote_addr or "unknown"
    refused = current_app.extensions["ler_throttle"].enter(client)
    if refused:
        response = problem(429, "Too Many Requests", f"{refused}: try again shortly")
        response.headers["Retry-After"] = "1" if "at once" in refused else "60"
        abort(response)
    g.throttled_client = client
    return None


@bp.teardown_app_request
def _leave(_exc) -> None:
    client = g.pop("throttled_client", None)
    if client is not None:
        current_app.extensions["ler_throttle"].leave(client)
