"""The `status` check: Bitstring Status List entries (revocation, suspension, message), read
from our own database for our lists and fetched (allow-listed hosts only) for others', with
the list credential's own proof verified before a single bit of it is believed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from issuer.dates import CLOCK_SKEW, parse_datetime
from issuer.proofs import data_integrity, jwt as vcjwt, ld
from issuer.status import lists
from issuer.status.lists import ERROR_BASE, StatusListError, parse_index, read_value
from issuer.verify import legacy
from issuer.verify.fetch import Fetcher, FetchError, NotAllowed
from issuer.verify.result import FAIL, PASS, SKIPPED, WARNING, VerificationResult
from issuer.verify.vcdm import as_list, status_entry_problems

LocalLists = Callable[[int, str], "dict | None"]


@dataclass(frozen=True)
class _VerifiedList:
    """A status list credential whose proof verified: what a status entry is checked against.
    A list that did not verify is the reason why, as text, in its place."""
    issuer: str
    purposes: tuple[str, ...]
    bits: bytes
    valid_from: datetime | None
    valid_until: datetime | None


class StatusChecker:
    """Callable as `verify_credential(..., status_checker=...)`.

    `local_lists(list_id, purpose)` returns our published list document (or None); URLs under
    `base_url` never leave the process. `trusted` are DIDs (besides the credential's issuer)
    whose status lists we accept, from the operator's trust registry. `supplied` are status list
    credentials the caller handed over (`ler verify --status-list FILE`), by their `id`: used
    before anything else, and believed only once their own proof verifies, like any list.
    """

    def __init__(self, *, resolver, loader=None, base_url: str | None = None, our_did: str | None = None,
                 local_lists: LocalLists | None = None, fetcher: Fetcher | None = None, trusted=(),
                 cache_size: int = 256, supplied: dict[str, dict] | None = None):
        self.resolver, self.loader = resolver, loader
        self.base_url, self.our_did, self.local_lists = base_url, our_did, local_lists
        self.fetcher = fetcher
        self.supplied = dict(supplied or {})
        self.trusted = frozenset(trusted)
        self._cache: OrderedDict[str, _VerifiedList | str] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # -- fetching ---------------------------------------------------------------------------
    def _document(self, url: str) -> tuple[dict, bool]:
        """(list credential, ours?) or StatusListError (STATUS_RETRIEVAL_ERROR) / NotAllowed."""
        if url in self.supplied:
            return self.supplied[url], False
        prefix = f"{self.base_url}/status/" if self.base_url else None
        if prefix and url.startswith(prefix):
            list_id, _, purpose = url[len(prefix):].partition("/")
            document = None
            if list_id.isdigit() and int(list_id) <= lists.MAX_ID and purpose in lists.PURPOSES \
                    and self.local_lists is not None:
                document = self.local_lists(int(list_id), purpose)
            if document is None:
                raise StatusListError(f"there is no status list at {url}", "STATUS_RETRIEVAL_ERROR")
            return document, True
        if self.fetcher is None:
            raise NotAllowed(f"{url} is another issuer's list and this verifier fetches nothing remote")
        try:
            return self.fetcher.get_json(url), False
        except NotAllowed:
            raise
        except FetchError as exc:
            raise StatusListError(str(exc), "STATUS_RETRIEVAL_ERROR") from None

    def _verify_list(self, document: dict) -> _VerifiedList | str:
        key = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        verified = self._verify_list_uncached(document)
        with self._lock:
            self._cache[key] = verified
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return verified

    def _verify_list_uncached(self, document: dict) -> _VerifiedList | str:
        if "BitstringStatusListCredential" not in as_list(document.get("type")):
            return "the status list is not a BitstringStatusListCredential"
        subject = document.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
            return "the status list's subject is not a BitstringStatusList"
        purposes = tuple(p for p in as_list(subject.get("statusPurpose")) if isinstance(p, str))
        if not purposes:
            return "the status list names no statusPurpose"
        proofs = as_list(document.get("proof"))
        if not proofs:
            return "the status list is not signed"
        controllers = set()
        for proof in proofs:
            # DCC's status service still signs its lists with Ed25519Signature2020.
            check = legacy.verify if isinstance(proof, dict) and proof.get("type") == legacy.PROOF_TYPE \
                else data_integrity.verify_proof
            outcome = check(document, proof, resolver=self.resolver, loader=self.loader or ld.default_loader())
            if not outcome.verified:
                return f"the status list's signature does not verify: {outcome.message}"
            controllers.add(outcome.controller)
        issuer = vcjwt.issuer_id(document)
        if controllers != {issuer}:
            return (f"the status list names {issuer} as issuer but was signed by "
                    f"{', '.join(sorted(map(str, controllers)))}")
        try:
            bits = lists.decode(subject.get("encodedList"))
        except StatusListError as exc:
            return str(exc)
        return _VerifiedList(issuer, purposes, bits, parse_datetime(document.get("validFrom")),
                             parse_datetime(document.get("validUntil")))

    # -- checking ---------------------------------------------------------------------------
    def _entry(self, entry, credential: dict, now: datetime) -> tuple[str, str]:
        """(outcome, message) for one credentialStatus entry."""
        if not isinstance(entry, dict):
            return FAIL, "a credentialStatus entry is not an object"
        kind = entry.get("type")
        if "BitstringStatusListEntry" not in as_list(kind):
            return WARNING, f"status method {kind!r} is not one this verifier reads; not checked"
        problems = status_entry_problems(entry, "credentialStatus")
        if problems:
            return FAIL, f"{ERROR_BASE}MALFORMED_VALUE_ERROR: " + "; ".join(problems)
        purpose, index, size = entry["statusPurpose"], parse_index(entry["statusListIndex"]), entry.get("statusSize", 1)
        url = entry["statusListCredential"]
        try:
            document, ours = self._document(url)
        except NotAllowed as exc:
            return WARNING, f"{purpose} status not checked: {exc}"
        except StatusListError as exc:
            return FAIL, f"{purpose} status could not be checked ({exc.code}): {exc}"
        listed = self._verify_list(document)
        if isinstance(listed, str):
            return FAIL, f"{purpose} status could not be checked (STATUS_VERIFICATION_ERROR): {listed}"
        # Our lists are signed by the credential's own issuer; the platform's did:web signs the
        # lists made before lists had owners.
        expected = {vcjwt.issuer_id(credential), *(({self.our_did}) if ours else self.trusted)}
        if listed.issuer not in expected:
            return FAIL, (f"{purpose} status could not be checked (STATUS_VERIFICATION_ERROR): the list is issued by "
                          f"{listed.issuer}, not by the credential's issuer or a trusted one")
        if listed.valid_until and now > listed.valid_until:
            return FAIL, f"{purpose} status could not be checked (STATUS_VERIFICATION_ERROR): the list expired"
        if listed.valid_from and now + CLOCK_SKEW < listed.valid_from:
            return FAIL, f"{purpose} status could not be checked (STATUS_VERIFICATION_ERROR): the list is not yet valid"
        if purpose not in listed.purposes:
            return FAIL, (f"{purpose} status could not be checked (STATUS_VERIFICATION_ERROR): the list is for "
                          f"{', '.join(listed.purposes)}")
        try:
            value = read_value(listed.bits, index, size)
        except StatusListError as exc:
            return FAIL, f"{purpose} status could not be checked ({exc.code}): {exc}"
        short = len(listed.bits) * 8 // size < lists.LIST_SIZE
        if value == 0 and short:
            # The REC makes a list under 131,072 entries a STATUS_LIST_LENGTH_ERROR, to protect
            # holders' privacy; DCC's status service publishes 100,000-entry lists, and failing every
            # credential they cover would not make anyone safer. A set bit is believed (a
            # revocation is never ignored); a clear one passes with a warning that names the gap.
            return WARNING, (f"{purpose}: not set, read from a list of {len(listed.bits) * 8 // size} entries, "
                             f"fewer than the {lists.LIST_SIZE} Bitstring Status List requires "
                             "(STATUS_LIST_LENGTH_ERROR): the issuer's list gives holders less privacy")
        if value == 0:
            return PASS, purpose if purpose != lists.MESSAGE else "revocation and suspension"
        if purpose == lists.REVOCATION:
            return FAIL, "revoked by its issuer: the credential is no longer valid"
        if purpose == lists.SUSPENSION:
            return FAIL, "suspended by its issuer: do not accept it unless it is reinstated"
        message = next((m.get("message") for m in as_list(entry.get("statusMessage"))
                        if isinstance(m, dict) and m.get("status") == hex(value)), None) or "set"
        if message == "revoked":
            return FAIL, "revoked by its issuer: the credential is no longer valid"
        if message == "suspended":
            return FAIL, "suspended by its issuer: do not accept it unless it is reinstated"
        return FAIL, f"the issuer's {purpose} status for it is {message!r} ({hex(value)})"

    def __call__(self, credential: dict, result: VerificationResult, now: datetime | None = None, *,
                 required: bool = False) -> None:
        """Add the `status` check. An entry that cannot be checked (a status method we do not read,
        another issuer's list we may not fetch) is a warning, or a failure when the caller
        `required` the status to be checked (VC-API `options.checks: ["credentialStatus"]`)."""
        entries = as_list(credential.get("credentialStatus"))
        if not entries:
            result.add("status", SKIPPED, "the credential has no status entry")
            return
        now = now or datetime.now(timezone.utc)
        outcomes = [self._entry(entry, credential, now) for entry in entries]
        failed = [m for o, m in outcomes if o == FAIL]
        warned = [m for o, m in outcomes if o == WARNING]
        if failed:
            result.add("status", FAIL, "; ".join(failed))
        elif warned and required:
            result.add("status", FAIL, "the status was asked to be checked and could not be: " + "; ".join(warned))
        elif warned:
            result.add("status", WARNING, "; ".join(warned))
        else:
            checked = ", ".join(m for _, m in outcomes)
            result.add("status", PASS, f"not revoked or suspended ({checked} checked against the issuer's signed "
                                       "status list)")
