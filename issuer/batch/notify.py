"""Telling apprentices: an e-mail with a claim link for every credential a batch issued them.

Through the delivery domain's claim links and SMTP client (LER_SMTP_URL); with no SMTP server
configured nothing is sent. At least once: a chunk's claim links are committed before its mail
goes out and its rows are marked notified after, so a crash in between sends those notices
again on resume (the first links keep working). A refusing SMTP server stops the notices for
this run instead of waiting out its timeout once per apprentice; the batch says so.
"""

from __future__ import annotations

from sqlalchemy import select, update

from issuer.batch import models as m
from issuer.batch.lease import renew
from issuer.batch.models import Batch, BatchRow
from issuer.db import session_scope
from issuer.delivery import mail
from issuer.delivery.claims import claim_url, create_claim
from issuer.issuance.models import IssuedCredential
from issuer.programs.models import utcnow
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor

CHUNK = 50


def notify(services, batch_id: str, owner: str) -> None:
    config = services.config
    if not mail.enabled(config):
        return
    after = 0
    while True:
        letters = []
        with session_scope(services.sessions) as session:
            renew(session, batch_id, owner)
            rows = session.execute(select(BatchRow.line, BatchRow.credentials).where(
                BatchRow.batch_id == batch_id, BatchRow.outcome.in_((m.ISSUED, m.RECORDED)),
                BatchRow.notified_at.is_(None), BatchRow.line > after).order_by(BatchRow.line).limit(CHUNK)).all()
            if not rows:
                return
            sponsor = session.get(Sponsor, session.get(Batch, batch_id).sponsor_id)
            ids = [c for r in rows for c in (r.credentials or ())]
            credentials = {c.id: c for c in session.scalars(select(IssuedCredential).where(IssuedCredential.id.in_(ids)))}
            apprentices = {a.id: a for a in session.scalars(select(Apprentice).where(
                Apprentice.id.in_({c.apprentice_id for c in credentials.values()})))}
            for credential in (credentials[c] for c in ids):
                apprentice = apprentices[credential.apprentice_id]
                if not apprentice.email:
                    continue
                token, _ = create_claim(session, credential.id, emailed_to=apprentice.email)
                letters.append(mail.claim_message(
                    sender=mail.sender(config), to=apprentice.email, apprentice=apprentice.name,
                    achievement=credential.document.get("name") or credential.achievement_key, sponsor=sponsor.name,
                    claim_url=claim_url(config.base_url, token), tx_code=None))
            after = rows[-1].line
            lines = [r.line for r in rows]
        sent, error = 0, None
        for letter in letters:
            try:
                mail.send(config, letter)
            except mail.MailError as exc:
                error = str(exc)
                break
            sent += 1
        with session_scope(services.sessions) as session:
            renew(session, batch_id, owner, notified=sent, notify_errors=len(letters) - sent)
            if error is not None:
                session.execute(update(Batch).where(Batch.id == batch_id).values(
                    message=f"notices stopped after {sent} of this chunk: {error}"[:2000]))
                return
            session.execute(update(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.line.in_(lines))
                            .values(notified_at=utcnow()))
