"""Caches kept per document loader, bounded, and safe to read from many threads."""

from __future__ import annotations

import threading
import weakref
from typing import Any, Callable


class BoundedDict(dict):
    """A cache that empties itself when full.

    Plain dict operations are atomic under CPython's GIL, so concurrent readers at worst miss
    and recompute; an LRU (cachetools) is not safe to share between threads without a lock.
    The working set is the finite set of contexts and terms, so a clear is rare and cheap.
    """

    __slots__ = ("limit",)

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __setitem__(self, key, value):
        if len(self) >= self.limit:
            self.clear()
        super().__setitem__(key, value)


class LoaderState:
    """Caches that are only valid for the documents of one loader.

    pyld's own resolved-context cache is module-global and keyed by URL alone: a context that
    one loader served would then be used for a document processed with another loader that
    does not serve it, skipping that loader's refusal. Keeping every cache per loader avoids it.
    """

    def __init__(self):
        # Serializes everything that reaches pyld's context processing, whose caches
        # (cachetools LRUs inside ResolvedContext) are not thread-safe. Hits never take it.
        self.lock = threading.RLock()
        self.resolved = BoundedDict(512)  # pyld ContextResolver shared cache: key -> {tag: ResolvedContext}
        self.contexts = BoundedDict(2048)  # processed contexts (ContextProcessing._process_context...)
        self.terms = BoundedDict(32768)  # (id(active ctx), term) -> (ctx, Processor._term info)


states: "weakref.WeakKeyDictionary[Any, LoaderState]" = weakref.WeakKeyDictionary()
states_lock = threading.Lock()


def state_for(loader: Callable) -> LoaderState:
    try:
        state = states.get(loader)
    except TypeError:  # not weak-referenceable or unhashable: no caching across calls
        return LoaderState()
    if state is None:
        with states_lock:
            state = states.get(loader)
            if state is None:
                state = LoaderState()
                try:
                    states[loader] = state
                except TypeError:
                    pass
    return state
