"""Where batches run: on an RQ queue served by `ler worker` processes when LER_REDIS_URL is set,
else in a background thread of the process that approved them (the single-process server).

RQ rather than Celery: a batch is one long job whose progress, outcome and crash recovery live
in the database (per-row outcomes, a lease), so all the queue has to do is hand a batch id to a
worker. RQ does that with Redis alone, no broker and result-backend configuration, and its
`SimpleWorker` runs the job in the worker process itself, so that a kill -9 of `ler worker`
really stops the batch (and, with it, its signing pool) rather than leaving an orphaned fork.
Signing still uses every core: each runner has a process pool (issuer.issuance.signing).

Nothing is lost with a lost job: every worker, at start and then every few seconds, looks for
batches that are approved or running under a dead lease and queues them again.
"""

from __future__ import annotations

import logging
import threading

from issuer.batch import runner
from issuer.batch.lease import LEASE_SECONDS

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
JOB_TIMEOUT = 24 * 3600


class QueueUnavailable(Exception):
    """Redis cannot be reached; the batch stays approved and `watch` queues it once it can."""


def dispatch(services, batch_id: str) -> None:
    if services.config.redis_url:
        from redis.exceptions import RedisError
        try:
            enqueue(services.config, batch_id)
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from None
    else:
        executor(services).wake(batch_id)


# --- RQ ----------------------------------------------------------------------------------


def queue(config):
    from redis import Redis
    from rq import Queue
    return Queue(config.batch_queue, connection=Redis.from_url(config.redis_url))


def work(q, *, burst: bool = False) -> None:
    """Run the queue's jobs in this process (`ler worker`) until a warm shutdown (SIGTERM)."""
    from rq import SimpleWorker

    class Worker(SimpleWorker):
        def unsubscribe(self):
            # RQ 3.0 stops its command-channel thread and waits for it one second; since
            # redis-py 8.2, PubSubWorkerThread.stop() itself joins the thread with no bound, and
            # the thread may be in a read of up to RQ's 60 s, so a SIGTERM'd worker could take a
            # minute to exit (seen under load). Stop it with the bound RQ meant; the thread is a
            # daemon and closes its own connection when it wakes.
            if self.pubsub_thread:
                self.pubsub.unsubscribe()
                self.pubsub_thread.stop(timeout=1)

    Worker([q], connection=q.connection).work(burst=burst, with_scheduler=False)


def enqueue(config, batch_id: str) -> None:
    """One job per batch at a time: a job still waiting in the queue is left alone; one that
    finished, failed or died with its worker is replaced."""
    q = queue(config)
    job_id = f"batch-{batch_id}"
    existing = q.fetch_job(job_id)
    if existing is not None:
        if existing.get_status(refresh=True) == "queued":
            return
        existing.delete()
    q.enqueue_call("issuer.batch.jobs.run_job", args=(batch_id,), job_id=job_id, timeout=JOB_TIMEOUT,
                   result_ttl=3600, failure_ttl=7 * 24 * 3600)


_worker_services = None


def use_services(services) -> None:
    """The services `ler worker` built, for the jobs it runs."""
    global _worker_services
    _worker_services = services


def run_job(batch_id: str) -> str:
    """The RQ job (services are built once per worker process, from its environment)."""
    if _worker_services is None:
        from issuer.composition import build_services
        from issuer.config import Config
        use_services(build_services(Config.from_env()))
    return runner.run(_worker_services, batch_id)


def recover(services) -> list[str]:
    """Queue (or wake the thread for) every batch waiting for a runner; their ids."""
    waiting = runner.claimable(services.sessions)
    for batch_id in waiting:
        dispatch(services, batch_id)
    return waiting


def watch(services, stop: threading.Event) -> threading.Thread:
    """A worker's recovery loop, in a daemon thread, until `stop` is set."""
    def loop():
        while not stop.is_set():
            try:
                recover(services)
            except Exception:  # a database or Redis hiccup: try again next round
                log.exception("batch recovery")
            stop.wait(min(POLL_SECONDS * 2, LEASE_SECONDS / 3))
    thread = threading.Thread(target=loop, name="ler-batch-recovery", daemon=True)
    thread.start()
    return thread


# --- the thread path -----------------------------------------------------------------------


class ThreadExecutor:
    """Runs batches one after another in a daemon thread of this process.

    `linger` (the server): run every batch waiting for a runner, and keep polling for those
    approved elsewhere (`ler batch approve`) or abandoned by a dead runner. Without it, only the
    batches it was woken for, and the thread ends once none of them is waiting.
    """

    def __init__(self, services, linger: bool = False):
        self.services = services
        self.linger = linger
        self.wanted: set[str] = set()
        self.wakeup = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def wake(self, batch_id: str | None = None) -> None:
        with self.lock:
            if batch_id:
                self.wanted.add(batch_id)
            self.wakeup.set()
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="ler-batches", daemon=True)
                self.thread.start()

    def _loop(self) -> None:
        while True:
            self.wakeup.clear()
            try:
                waiting = runner.claimable(self.services.sessions)
                if not self.linger:
                    with self.lock:
                        waiting = [b for b in waiting if b in self.wanted]
                for batch_id in waiting:
                    if runner.run(self.services, batch_id) != "approved":   # approved: retry after an error
                        with self.lock:
                            self.wanted.discard(batch_id)
            except Exception:
                log.exception("batch thread")
                waiting = []
            with self.lock:
                if not waiting and not self.linger and not self.wakeup.is_set():
                    self.thread = None
                    return
            self.wakeup.wait(POLL_SECONDS)


_executors: dict[int, ThreadExecutor] = {}
_executors_lock = threading.Lock()


def executor(services, linger: bool = False) -> ThreadExecutor:
    with _executors_lock:
        found = _executors.get(id(services))
        if found is None or found.services is not services:
            found = _executors[id(services)] = ThreadExecutor(services, linger)
        found.linger = found.linger or linger
        return found
