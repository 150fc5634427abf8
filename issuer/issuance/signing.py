"""The one place that signs a credential: Data Integrity proofs and VC-JWTs, inline or on every core.

Every credential the service secures is signed here: what the rules and the cohort batches
issue, wallet copies, VC-JWT renderings, VC-API issue, status-list credentials and legacy
credentials re-issued with a revocation entry. Which key signs is `issuer.sponsors.keys`'
choice (a sponsor signs only as itself); the cryptography is `issuer.proofs`'.

Many documents at once (a cohort chunk, an apprentice who earns many credentials in one go)
go to a pool of processes, each holding the contexts and the keys it opened. The sponsor's key
reaches a signing process still sealed (with each task: a few hundred bytes) and is opened
there once, then kept for the process's life. Canonicalization (RDFC-1.0) dominates the cost
of a credential and holds the GIL, so threads would not help; processes do. The pool is started
from a forkserver: forking the caller itself (with its database connections and, in `ler
serve`, its server threads) is not safe. Pool processes watch their parent and exit when it is
gone, so a kill -9 of a worker leaves no orphans behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

from issuer.proofs import data_integrity, jwt as vcjwt, ld
from issuer.proofs.identity import SealedKey

# Below this many documents signing in the caller costs less than starting the pool.
INLINE_BELOW = 64
GROUP = 25          # documents per task: large enough to amortize the pipe, small enough to balance
POOL_SUITE = "eddsa-rdfc-2022"

_passphrase: bytes | None = None
_loader = None


def with_proof(session, keys, document: dict, *, loader=None, cryptosuite: str | None = None,
               created: str | None = None, retired_did_key: bool = False) -> dict:
    """`document` with a Data Integrity proof by its issuer's own key (`keys`: the
    `SponsorKeys`); `cryptosuite` None: the first the issuer holds a key for."""
    issuer = vcjwt.issuer_id(document)
    suite = cryptosuite or keys.cryptosuite_for(session, issuer)
    key = keys.signing_key(session, issuer, keys.family_for(session, issuer, suite), retired_did_key)
    return keys.identity.sign(document, cryptosuite=suite, created=created, loader=loader, key=key)


def as_vc_jwt(session, keys, document: dict) -> str:
    """`document` (any proof it carries left out) secured as a compact VC-JWT by its issuer's key."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return keys.identity.sign_jwt(unsecured, key=keys.signing_key(session, vcjwt.issuer_id(unsecured)))


def with_key(document: dict, private, *, verification_method: str, cryptosuite: str, created: str | None = None,
             loader=None) -> dict:
    """`document` with a Data Integrity proof by a key the caller holds (`ler sign`: a key file,
    or the platform's own key): no sponsor, no slot, nothing stored."""
    return data_integrity.sign(document, private, verification_method=verification_method, cryptosuite=cryptosuite,
                               created=created, loader=loader)


def vc_jwt_with_key(document: dict, private, *, kid: str) -> str:
    """`document` as a compact VC-JWT by a key the caller holds (`ler sign --format jwt`)."""
    return vcjwt.encode(document, private, kid=kid)


def with_proofs(session, ctx, documents: list[dict]) -> list[dict]:
    """Documents of one issuer, each with its Data Integrity proof: inline below INLINE_BELOW,
    in `ctx.signer`'s pool from there (a sponsor's Ed25519 key, eddsa-rdfc-2022, as inline)."""
    if documents and len(documents) >= INLINE_BELOW and ctx.signer is not None:
        issuer = vcjwt.issuer_id(documents[0])
        sealed = ctx.keys.sealed(session, issuer)
        if sealed is not None and ctx.keys.cryptosuite_for(session, issuer) == POOL_SUITE:
            return ctx.signer.submit(documents, sealed)()
    return [with_proof(session, ctx.keys, d, loader=ctx.loader) for d in documents]


def _init(passphrase, contexts_dir, parent_pid) -> None:
    global _passphrase, _loader
    _passphrase = passphrase
    _loader = ld.StaticDocumentLoader(ld.ContextStore(contexts_dir))
    threading.Thread(target=_watch, args=(parent_pid, os.getppid()), daemon=True).start()


def _watch(parent_pid: int, ppid: int) -> None:
    while True:
        time.sleep(1)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        if os.getppid() != ppid:   # our forkserver went away with the caller
            os._exit(1)


def _sign(documents: list[dict], key: SealedKey, passphrase, loader) -> list[dict]:
    signing = key.signing_key(passphrase)
    return [data_integrity.sign(d, signing.private, verification_method=signing.verification_method,
                                cryptosuite=POOL_SUITE, loader=loader) for d in documents]


def _sign_group(documents: list[dict], key: SealedKey) -> list[dict]:
    # Only the proofs travel back: the caller has the documents already.
    return [d["proof"] for d in _sign(documents, key, _passphrase, _loader)]


class Signer:
    """`submit(documents, key)` returns a function that gives the documents signed with `key`
    (the sponsor's, sealed), in order. The pool starts on the first submit that needs it."""

    def __init__(self, config, loader, processes: int = 0):
        self.config, self.loader = config, loader
        self.processes = processes or config.batch_processes or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _start(self) -> ProcessPoolExecutor:
        with self._lock:   # one pool, whichever request thread asks first
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["issuer.issuance.signing"])
                self._pool = ProcessPoolExecutor(
                    self.processes, mp_context=context, initializer=_init,
                    initargs=(self.config.key_passphrase, str(self.config.contexts_dir), os.getpid()))
            return self._pool

    @property
    def started(self) -> bool:
        """Whether the pool's processes run (they start on the first submit that needs them)."""
        return self._pool is not None

    def submit(self, documents: list[dict], key: SealedKey):
        if self._pool is None and (len(documents) < INLINE_BELOW or self.processes <= 1):
            signed = _sign(documents, key, self.config.key_passphrase, self.loader)
            return lambda: signed
        pool = self._start()
        futures: list[Future] = [pool.submit(_sign_group, documents[i:i + GROUP], key)
                                 for i in range(0, len(documents), GROUP)]
        return lambda: [{**d, "proof": p} for d, p in zip(documents, (p for f in futures for p in f.result()))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
