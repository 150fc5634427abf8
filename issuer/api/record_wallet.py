"""The apprentice takes their apprenticeship record to a wallet, from their own page (/me).

POST /me/record/<record id>/wallet (the button of templates/portal/me_record_wallet.html, which
the apprentice page shows with each record) makes one OpenID4VCI offer (the record's own
configuration, ClrCredential_ldp_vc) and one VC-API exchange (the Learner Credential Wallet's
deep link) for the apprentice's record and shows their QR codes and links. Only the apprentice
signed in, and only for their own record: the apprentice portal's session (issuer.api.portal_me)
is the way in, and a record of anyone else is "not found". Sponsors and staff have no such route:
a record goes to the wallet of the person it is about, bound to their key.

Cost: what a wallet takes with these codes is a holder-bound record, up to
issuer.credentials.clr.MAX_CREDENTIALS credentials each re-signed, then the record (a second or
two of CPU: issuer.delivery.record_copies). Each press makes two single-use codes, so each press
may cost two such signings, and one apprentice may press at most PRESSES_PER_HOUR times in a
moving hour (the `limits` library, as issuer.api.throttle counts verifications: in memory, or in the
storage LER_RATELIMIT_STORAGE names so that several processes share one count).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g
from limits import parse, storage, strategies

from issuer.api import portal_web as web
from issuer.api.portal_me import DOOR, require_apprentice
from issuer.db import session_scope
from issuer.delivery import exchanges, oid4vci, qr, record_copies
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor

bp = Blueprint("record_wallet", __name__, url_prefix="/me/record")
web.install(bp, DOOR)
bp.before_request(require_apprentice)

# Presses of the button per apprentice: enough to retry with another wallet or after a failed
# scan, few enough that one account cannot keep the signing pool busy.
PRESSES_PER_HOUR = 6


@bp.record_once
def _install(state) -> None:
    config = state.app.extensions["ler"].config
    state.app.extensions["ler_record_wallet"] = strategies.MovingWindowRateLimiter(
        storage.storage_from_string(config.ratelimit_storage))


@bp.post("/<record_id>/wallet")
def codes(record_id):
    services = web.services()
    base_url = services.config.base_url
    with session_scope(services.sessions) as session:
        shown = session.get(RecordVersion, record_id) if len(record_id) <= 36 else None
        if shown is None or shown.apprentice_id != g.apprentice_id:
            abort(404, "No such record.")
        # The record as it stands now (the page may be older than the apprentice's last credential).
        version = records.current(session, services.issuance, shown.enrollment_id)
        if version is None:
            abort(409, "Your record holds no credential now: there is nothing to add to a wallet.")
        reason = record_copies.withheld(session, version)
        if reason:
            abort(409, f"Your record cannot be added to a wallet now: {reason}.")
        if not current_app.extensions["ler_record_wallet"].hit(parse(f"{PRESSES_PER_HOUR}/hour"), "record-wallet",
                                                               g.apprentice_id):
            abort(429, f"You have made wallet codes for your record {PRESSES_PER_HOUR} times in the last hour: use "
                       "one of them, or try again later.")
        offer = oid4vci.create_record_offer(session, base_url, version.id)
        handle = exchanges.create_exchange(session, record_version_id=version.id)
        title = version.document.get("name") or "Apprenticeship record"
        apprentice = session.get(Apprentice, g.apprentice_id)
        sponsor = session.get(Sponsor, apprentice.sponsor_id)
        session.expunge_all()
    offer_link, lcw_link = offer.by_reference(), exchanges.lcw_deep_link(base_url, handle)
    return web.render("portal/me_record_wallet_codes.html", title=title, offer_link=offer_link, lcw_link=lcw_link,
                      offer_qr=qr.svg(offer_link, label="QR code for an OpenID4VCI wallet"),
                      lcw_qr=qr.svg(lcw_link, label="QR code for the Learner Credential Wallet"),
                      minutes=int(oid4vci.OFFER_TTL.total_seconds() // 60),
                      exchange_minutes=int(exchanges.EXCHANGE_TTL.total_seconds() // 60),
                      apprentice=apprentice, sponsor=sponsor, service_name=services.config.service_name)
