"""Outbound fetches for the verifier (other issuers' did:web documents and status lists), and
nothing else: https only, to hosts on the operator's allow-list (`LER_FETCH_ALLOWLIST`), never
to a private, loopback, link-local or otherwise non-public address, with a timeout and a size
limit, no redirects.

The host is resolved once and every address it resolves to must be public; the connection then
goes to that checked address (TLS still verifies the certificate for the host name), so a DNS
answer that changes between the check and the connection cannot smuggle in an internal address.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_BYTES = 1024 * 1024
CACHE_SECONDS = 300
# One verification (a credential, a presentation or a CLR record with up to 100 credentials
# inside) may name as many remote status lists and did:web documents as it likes; each is cheap
# to name and costs us up to DEFAULT_TIMEOUT to fetch. So one verification fetches at most this
# many documents in at most this many seconds, however many it names.
MAX_FETCHES_PER_VERIFICATION = 8
FETCH_SECONDS_PER_VERIFICATION = 10.0


class FetchError(Exception):
    """A fetch was refused by policy or failed; the message says which, for a person."""


class NotAllowed(FetchError):
    """The host is simply not on the allow-list: nothing was tried (a reason to warn, not to fail)."""


@dataclass
class _Budget:
    fetches_left: int
    deadline: float


_budget: ContextVar[_Budget | None] = ContextVar("ler_fetch_budget", default=None)


@contextmanager
def one_verification(max_fetches: int = MAX_FETCHES_PER_VERIFICATION,
                     seconds: float = FETCH_SECONDS_PER_VERIFICATION) -> Iterator[None]:
    """Bound the remote fetches made inside: a context variable, so each request's thread (and
    each nested verification, which shares its outer one's budget) is counted on its own."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(max_fetches, time.monotonic() + seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def _spend(url: str, timeout: float) -> float:
    """The timeout left for fetching `url` in the current verification; FetchError once spent.

    Spent is a FetchError, not a NotAllowed: a credential whose list was not fetched is not
    verified, so a presentation cannot hide a revoked credential behind many cheap ones."""
    budget = _budget.get()
    if budget is None:
        return timeout
    left = budget.deadline - time.monotonic()
    if budget.fetches_left <= 0 or left <= 0:
        raise FetchError(f"{url} was not fetched: this verification already made its remote fetches "
                         f"(at most {MAX_FETCHES_PER_VERIFICATION} in {FETCH_SECONDS_PER_VERIFICATION:g} s)")
    budget.fetches_left -= 1
    return min(timeout, left)


def host_allowed(host: str, port: int | None, allowlist) -> bool:
    """Entries are host names (`status.example.org`), optionally with a port, or `*.suffix`."""
    host = host.lower().rstrip(".")
    for entry in allowlist:
        entry = entry.strip().lower()
        if not entry:
            continue
        name, _, entry_port = entry.partition(":") if not entry.startswith("[") else (entry, "", "")
        if entry_port and port != int(entry_port):
            continue
        if name == host or (name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to an address checked beforehand while TLS verifies the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _https_get(host: str, address: str, port: int, path: str, timeout: float, max_bytes: int) -> bytes:
    connection = _PinnedHTTPSConnection(host, address, port, timeout)
    try:
        connection.request("GET", path, headers={"Accept": "application/json, application/ld+json",
                                                 "User-Agent": "ler-issuer-verifier"})
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(f"https://{host}{path} answered HTTP {response.status}")
        body = response.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise FetchError(f"https://{host}{path} is larger than {max_bytes} bytes")
        return body
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"cannot fetch https://{host}{path}: {exc}") from None
    finally:
        connection.close()


class Fetcher:
    """Allow-listed JSON fetches with a small time-bounded cache (verifiers SHOULD cache lists)."""

    def __init__(self, allowlist=(), *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 resolve: Callable = socket.getaddrinfo, transport: Callable = _https_get):
        self.allowlist = tuple(allowlist)
        self.timeout, self.max_bytes = timeout, max_bytes
        self._resolve, self._transport = resolve, transport
        self._cache: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> tuple[str, int, str]:
        """(host, port, path) when policy allows fetching `url`; FetchError naming the rule otherwise."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise FetchError(f"{url!r} is not a valid URL") from None
        if parts.scheme != "https" or not parts.hostname:
            raise FetchError(f"{url} is not an https URL; only https is fetched")
        if parts.username or parts.password:
            raise FetchError(f"{url} carries credentials; refused")
        host = parts.hostname
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and not public_address(host):
            raise FetchError(f"{host} is a private or local address; it is never fetched")
        if not host_allowed(host, port, self.allowlist):
            raise NotAllowed(f"{host} is not on the operator's fetch allow-list (LER_FETCH_ALLOWLIST), "
                             "so nothing is fetched from it")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return host, port or 443, path

    def _address(self, host: str, port: int) -> str:
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from None
        addresses = [info[4][0] for info in infos]
        if not addresses:
            raise FetchError(f"{host} resolves to no address")
        for address in addresses:
            if not public_address(address):
                raise FetchError(f"{host} resolves to {address}, a private or local address; it is never fetched")
        return addresses[0]

    def get_json(self, url: str) -> dict:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(url)
        if cached and cached[0] > now:
            return cached[1]
        host, port, path = self.check(url)
        timeout = _spend(url, self.timeout)
        body = self._transport(host, self._address(host, port), port, path, timeout, self.max_bytes)
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise FetchError(f"{url} did not return JSON") from None
        if not isinstance(value, dict):
            raise FetchError(f"{url} did not return a JSON object")
        with self._lock:
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[url] = (now + CACHE_SECONDS, value)
        return value
