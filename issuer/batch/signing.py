"""Signing on every core: a pool of processes, each holding the issuer's key and contexts.

Canonicalization (RDFC-1.0) dominates the cost of a credential and holds the GIL, so threads
would not help; processes do. The pool is started from a forkserver: forking the runner itself
(with its database connections and, in `ler serve`, its server threads) is not safe. Pool
processes watch their parent and exit when it is gone, so a kill -9 of a worker leaves no
orphans behind.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

from issuer.proofs import ld
from issuer.proofs.identity import IssuerIdentity
from issuer.proofs.keys import KeyStore

# Below this many documents signing in the runner costs less than starting the pool.
INLINE_BELOW = 64
GROUP = 25          # documents per task: large enough to amortize the pipe, small enough to balance

_identity: IssuerIdentity | None = None
_loader = None


def _init(keys_dir, passphrase, base_url, contexts_dir, parent_pid) -> None:
    global _identity, _loader
    _identity = IssuerIdentity(KeyStore(keys_dir, passphrase), base_url)
    _loader = ld.StaticDocumentLoader(ld.ContextStore(contexts_dir))
    _identity.signing_key()  # decrypt the key once, here, not in the first task
    threading.Thread(target=_watch, args=(parent_pid, os.getppid()), daemon=True).start()


def _watch(parent_pid: int, ppid: int) -> None:
    while True:
        time.sleep(1)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        if os.getppid() != ppid:   # our forkserver went away with the runner
            os._exit(1)


def _sign_group(documents: list[dict]) -> list[dict]:
    # Only the proofs travel back: the runner has the documents already.
    return [_identity.sign(d, loader=_loader)["proof"] for d in documents]


class Signer:
    """`submit(documents)` returns a function that gives the signed documents, in order."""

    def __init__(self, services, processes: int = 0):
        self.services = services
        self.processes = processes or services.config.batch_processes or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            config = self.services.config
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["issuer.batch.signing"])
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_init,
                initargs=(str(config.keys_dir), config.key_passphrase, config.base_url, str(config.contexts_dir),
                          os.getpid()))
        return self._pool

    def submit(self, documents: list[dict]):
        if self._pool is None and (len(documents) < INLINE_BELOW or self.processes <= 1):
            identity, loader = self.services.identity, self.services.loader
            signed = [identity.sign(d, loader=loader) for d in documents]
            return lambda: signed
        pool = self._start()
        futures: list[Future] = [pool.submit(_sign_group, documents[i:i + GROUP])
                                 for i in range(0, len(documents), GROUP)]
        return lambda: [{**d, "proof": p} for d, p in zip(documents, (p for f in futures for p in f.result()))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
