"""Each sponsor's own signing keys and identifiers.

A sponsor signs only as itself: its did:web (`did:web:<host>:sponsors:<slug>`, whose document
lists the sponsor's keys and no other sponsor's) or the did:key of one of its own Ed25519, P-256
or P-384 keys. No key signs for two sponsors, so a credential of sponsor A cannot be forged by
sponsor B, and one sponsor's key is rotated or withdrawn without touching another's.

Keys live in the database (a web process and its queue workers on other hosts share it, and a
sponsor and its first key are created in one transaction), their private halves sealed under
the operator's key passphrase as the platform's key files are. Decrypting costs milliseconds,
so each process opens a key once and keeps it (issuer.proofs.identity.OPENED_KEYS).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.db import session_scope
from issuer.errors import KeyError_, ProofError
from issuer import audit
from issuer.proofs import data_integrity
from issuer.proofs.did import did_document, did_key_for, did_key_vm, resolve_did_key
from issuer.proofs.identity import DI_FAMILIES, OPENED_KEYS as _opened, IssuerIdentity, SealedKey, SigningKey
from issuer.proofs.keys import FAMILIES, KeyRecord, new_private, open_private, public_from_stored, seal_private
from issuer.sponsors.models import Sponsor, SponsorKey

ACTIVE, RETIRED, WITHDRAWN = "active", "retired", "withdrawn"

# Bumped by every key change made in this process. Other processes see a new key at once (a
# method their copy of the document lacks makes the verifier read it again: DocumentSource.forget)
# and a withdrawal within DOCUMENT_SECONDS; signing always reads the table itself.
generation = 0
DOCUMENT_SECONDS = 10.0


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z") if value else None


def _record(row: SponsorKey) -> KeyRecord:
    status = RETIRED if row.status == WITHDRAWN else row.status
    return KeyRecord(row.id, row.family, status, _iso(row.created_at), _iso(row.retired_at),
                     public_from_stored(row.family, row.public_key_multibase, row.public_key_jwk))


class SponsorKeys:
    """The sponsors' keys, next to the platform's identity (whose keys never sign for them)."""

    def __init__(self, identity: IssuerIdentity):
        self.identity = identity

    @property
    def _passphrase(self) -> bytes | None:
        return self.identity.keystore.passphrase

    # -- making, rotating, withdrawing --------------------------------------------------------
    def create(self, session: Session, sponsor: Sponsor, family: str = "Ed25519") -> SponsorKey:
        global generation
        private = new_private(family)
        public = private.public()
        row = SponsorKey(id=public.fingerprint(), sponsor_id=sponsor.id, family=family, status=ACTIVE,
                         created_at=datetime.now(timezone.utc),
                         public_key_multibase=None if family == "RSA" else public.public_key_multibase(),
                         public_key_jwk=public.jwk(), private_key_pem=seal_private(private, self._passphrase))
        session.add(row)
        session.flush()
        _opened[row.id] = private
        generation += 1
        audit.record(session, sponsor.id, "sponsor_key.created", f"sponsor_key:{row.id}", family=family)
        return row

    def rows(self, session: Session, sponsor: Sponsor, statuses=(ACTIVE, RETIRED)) -> list[SponsorKey]:
        return list(session.scalars(select(SponsorKey).where(
            SponsorKey.sponsor_id == sponsor.id, SponsorKey.status.in_(statuses))
            .order_by(SponsorKey.created_at, SponsorKey.id)))

    def active(self, session: Session, sponsor: Sponsor, family: str = "Ed25519") -> SponsorKey | None:
        rows = [r for r in self.rows(session, sponsor, (ACTIVE,)) if r.family == family]
        return rows[-1] if rows else None

    def ensure(self, session: Session, sponsor: Sponsor) -> SponsorKey:
        """The sponsor's active Ed25519 key, made now if it has none (sponsors that predate
        their own keys). The sponsor's row is locked, so two processes never both make one."""
        key = self.active(session, sponsor)
        if key is None:
            session.get(Sponsor, sponsor.id, with_for_update=True)
            key = self.active(session, sponsor) or self.create(session, sponsor)
        return key

    def check_passphrase(self, session: Session) -> None:
        """Open the newest sponsor key, so a passphrase that does not open the sponsors' keys
        stops a starting process (KeyError_) instead of failing its first signature."""
        row = session.scalars(select(SponsorKey).where(SponsorKey.status == ACTIVE)
                              .order_by(SponsorKey.created_at.desc()).limit(1)).first()
        if row is not None and row.id not in _opened:
            try:
                _opened[row.id] = open_private(row.private_key_pem, self._passphrase, row.id)
            except KeyError_ as exc:
                raise KeyError_(f"the key passphrase (LER_KEY_PASSPHRASE or LER_KEY_PASSPHRASE_FILE) does not "
                                f"open the sponsors' keys in the database: {exc}") from None

    def ensure_all(self, session: Session) -> int:
        """Keys for every sponsor without one (after the upgrade that introduced them)."""
        holders = select(SponsorKey.sponsor_id).where(SponsorKey.status == ACTIVE, SponsorKey.family == "Ed25519")
        missing = list(session.scalars(select(Sponsor).where(Sponsor.id.not_in(holders))))
        for sponsor in missing:
            self.ensure(session, sponsor)
        return len(missing)

    def rotate(self, session: Session, sponsor: Sponsor, family: str = "Ed25519"
               ) -> tuple[SponsorKey, SponsorKey | None]:
        """A new active key; the old one retires but stays published, so what it signed verifies."""
        if family not in FAMILIES:
            raise KeyError_(f"unknown key family {family!r}; choose one of {', '.join(FAMILIES)}")
        session.get(Sponsor, sponsor.id, with_for_update=True)
        old = self.active(session, sponsor, family)
        if old is not None:
            old.status, old.retired_at = RETIRED, datetime.now(timezone.utc)
            audit.record(session, sponsor.id, "sponsor_key.retired", f"sponsor_key:{old.id}")
        return self.create(session, sponsor, family), old

    def withdraw(self, session: Session, sponsor: Sponsor, key_id: str) -> tuple[SponsorKey, SponsorKey | None]:
        """Take a key out of the sponsor's did:web document (it was lost or compromised): what it
        signed under the did:web stops verifying. An active key is replaced at once, so the sponsor
        can go on issuing. (Its did:key, if it issued as one, cannot be unpublished: see
        `_sponsor_of`; revoke those credentials.)"""
        global generation
        session.get(Sponsor, sponsor.id, with_for_update=True)
        row = session.get(SponsorKey, key_id)
        if row is None or row.sponsor_id != sponsor.id:
            raise KeyError_(f"sponsor {sponsor.name!r} has no key {key_id!r}")
        replacement = None
        if row.status == ACTIVE:
            replacement = self.create(session, sponsor, row.family)
        if row.status != WITHDRAWN:
            row.status, row.withdrawn_at = WITHDRAWN, datetime.now(timezone.utc)
            audit.record(session, sponsor.id, "sponsor_key.withdrawn", f"sponsor_key:{row.id}")
        generation += 1
        _opened.pop(row.id, None)
        return row, replacement

    # -- identifiers and documents ----------------------------------------------------------
    def identifiers(self, session: Session, sponsor: Sponsor) -> list[str]:
        """What the sponsor may name as issuer: its did:web, and the did:key of each of its
        active Data Integrity keys."""
        return [self.identity.sponsor_did(sponsor.slug)] + [
            did_key_for(_record(r).public) for r in self.rows(session, sponsor, (ACTIVE,)) if r.family in DI_FAMILIES]

    def summary(self, session: Session, sponsor: Sponsor) -> dict:
        did = self.identity.sponsor_did(sponsor.slug)
        return {"name": sponsor.name, "slug": sponsor.slug, "did": did,
                "identifiers": self.identifiers(session, sponsor),
                "keys": [{**_record(r).summary(), "status": r.status, "withdrawn": _iso(r.withdrawn_at),
                          "verificationMethod": f"{did}#{r.id}"}
                         for r in self.rows(session, sponsor, (ACTIVE, RETIRED, WITHDRAWN))]}

    def _sponsor_of(self, session: Session, did: str) -> tuple[Sponsor | None, SponsorKey | None]:
        """The sponsor whose did:web is `did`, or whose key's did:key it is. A did:key resolves
        from the identifier alone, so withdrawing its key cannot unpublish it: the key stops
        issuing, and still signs that did:key's status lists, so what it issued can be revoked."""
        if self.identity.is_sponsor_did(did):
            slug = did[len(self.identity.sponsor_did("")):]
            return session.scalars(select(Sponsor).where(Sponsor.slug == slug)).first(), None
        if did.startswith("did:key:"):
            row = session.get(SponsorKey, did[len("did:key:"):])
            if row is not None and row.family in DI_FAMILIES:
                return session.get(Sponsor, row.sponsor_id), row
        return None, None

    def document(self, session: Session, did: str) -> dict | None:
        sponsor, key = self._sponsor_of(session, did)
        if sponsor is None:
            return None
        if key is not None:
            return resolve_did_key(did)
        records = [_record(r) for r in self.rows(session, sponsor)]
        if sponsor.legacy_keys_until is not None:
            # Before revision 0012 every sponsor signed with the platform's keys under its own
            # did:web. The platform keys of that time stay listed here, retired (assertions
            # only, never authentication), so those credentials and status lists keep verifying;
            # tenants can no longer sign with them, and keys the platform makes later are never
            # listed in a sponsor's document.
            cutoff = _utc(sponsor.legacy_keys_until)
            records = [replace(r, status=RETIRED) for r in self.identity.keystore.records()
                       if datetime.fromisoformat(r.created.replace("Z", "+00:00")) <= cutoff] + records
        return did_document(did, records)

    def document_source(self, sessions) -> "DocumentSource":
        return DocumentSource(self, sessions)

    # -- the key that signs (issuer.issuance.signing signs with it) ---------------------------
    def _key_row(self, session: Session, issuer: str, family: str, retired_did_key: bool) -> SponsorKey | None:
        sponsor, named = self._sponsor_of(session, issuer)
        if sponsor is None:
            return None
        if named is not None:
            # A did:key names one key for good: it signs as long as it is active, and (status
            # lists of what it issued) after rotation too, until it is withdrawn.
            if named.status == ACTIVE or retired_did_key:
                return named
            raise ProofError(f"{issuer} is a retired key: issue as the sponsor's current identifiers")
        row = self.ensure(session, sponsor) if family == "Ed25519" else self.active(session, sponsor, family)
        if row is None:
            raise KeyError_(f"sponsor {sponsor.name!r} has no active {family} key: "
                            f"run 'ler sponsors rotate-key {sponsor.slug} --family {family}'")
        return row

    def sealed(self, session: Session, issuer: str, family: str = "Ed25519",
               retired_did_key: bool = False) -> SealedKey | None:
        """The sponsor key that signs as `issuer` (None: `issuer` is not a sponsor's)."""
        row = self._key_row(session, issuer, family, retired_did_key)
        if row is None:
            return None
        vm = did_key_vm(_record(row).public) if issuer.startswith("did:key:") else f"{issuer}#{row.id}"
        return SealedKey(row.id, row.private_key_pem, vm, issuer)

    def signing_key(self, session: Session, issuer: str, family: str = "Ed25519",
                    retired_did_key: bool = False) -> SigningKey:
        sealed = self.sealed(session, issuer, family, retired_did_key)
        if sealed is None:   # the platform's own identifiers: its status lists of old
            return self.identity.signing_key(family, issuer, retired_did_key)
        return sealed.signing_key(self._passphrase)

    def family_for(self, session: Session, issuer: str, cryptosuite: str) -> str:
        """The key family that signs as `issuer` in `cryptosuite`."""
        if cryptosuite in data_integrity.EDDSA_SUITES:
            return "Ed25519"
        sponsor, named = self._sponsor_of(session, issuer)
        if named is not None:
            return named.family
        if sponsor is None:
            return self.identity.signing_ec_family(issuer)
        family = next((f for f in ("P-256", "P-384") if self.active(session, sponsor, f)), None)
        if family is None:
            raise KeyError_(f"sponsor {sponsor.name!r} has no ECDSA key: "
                            f"run 'ler sponsors rotate-key {sponsor.slug} --family P-256'")
        return family

    def cryptosuite_for(self, session: Session, issuer: str, asked=None) -> str:
        """The suite `asked` for when the issuer holds a key for it, else the first it can."""
        sponsor, named = self._sponsor_of(session, issuer)
        if sponsor is None:
            return self.identity.cryptosuite_for(issuer, asked)
        if named is not None:
            allowed = data_integrity.EDDSA_SUITES if named.family == "Ed25519" else data_integrity.ECDSA_SUITES
        else:
            has_ec = any(self.active(session, sponsor, f) for f in ("P-256", "P-384"))
            allowed = data_integrity.EDDSA_SUITES + (data_integrity.ECDSA_SUITES if has_ec else ())
        return asked if asked in allowed else allowed[0]


class DocumentSource:
    """did -> document, for IssuerIdentity.sponsor_documents: read from the database and kept
    for DOCUMENT_SECONDS (dropped at once on this process's own key changes), since every
    verification of a sponsor's credential resolves its document (measured: a read per
    verification cost POST /credentials/verify about a tenth of its rate on SQLite)."""

    def __init__(self, keys: SponsorKeys, sessions):
        self.keys, self.sessions = keys, sessions
        self._cache: dict[str, tuple[int, float, dict | None]] = {}

    def __call__(self, did: str) -> dict | None:
        now = time.monotonic()
        hit = self._cache.get(did)
        if hit is not None and hit[0] == generation and now - hit[1] < DOCUMENT_SECONDS:
            return hit[2]
        stamp = generation
        with session_scope(self.sessions) as session:
            document = self.keys.document(session, did)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[did] = (stamp, now, document)
        return document

    def forget(self, did: str) -> None:
        """Read `did`'s document again next time (it lacks a method a proof names: perhaps a
        key another process made since)."""
        self._cache.pop(did, None)
