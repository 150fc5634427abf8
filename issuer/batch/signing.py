"""Signing on every core: a pool of processes, each holding the contexts and the keys it opened.

A batch is signed with its sponsor's own key, which reaches a signing process still sealed (with
each task: a few hundred bytes) and is opened there once, then kept for the process's life.

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

from issuer.proofs import data_integrity, ld
from issuer.proofs.identity import SealedKey

# Below this many documents signing in the runner costs less than starting the pool.
INLINE_BELOW = 64
GROUP = 25          # documents per task: large enough to amortize the pipe, small enough to balance

_passphrase: bytes | None = None
_loader = None


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
        if os.getppid() != ppid:   # our forkserver went away with the runner
            os._exit(1)


def _sign(documents: list[dict], key: SealedKey, passphrase, loader) -> list[dict]:
    signing = key.signing_key(passphrase)
    return [data_integrity.sign(d, signing.private, verification_method=signing.verification_method,
                                cryptosuite="eddsa-rdfc-2022", loader=loader) for d in documents]


def _sign_group(documents: list[dict], key: SealedKey) -> list[dict]:
    # Only the proofs travel back: the runner has the documents already.
    return [d["proof"] for d in _sign(documents, key, _passphrase, _loader)]


class Signer:
    """`submit(documents, key)` returns a function that gives the documents signed with `key`
    (the sponsor's, sealed), in order."""

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
                initargs=(config.key_passphrase, str(config.contexts_dir), os.getpid()))
        return self._pool

    def submit(self, documents: list[dict], key: SealedKey):
        if self._pool is None and (len(documents) < INLINE_BELOW or self.processes <= 1):
            signed = _sign(documents, key, self.services.config.key_passphrase, self.services.loader)
            return lambda: signed
        pool = self._start()
        futures: list[Future] = [pool.submit(_sign_group, documents[i:i + GROUP], key)
                                 for i in range(0, len(documents), GROUP)]
        return lambda: [{**d, "proof": p} for d, p in zip(documents, (p for f in futures for p in f.result()))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
