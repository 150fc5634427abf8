"""The sponsor console (/portal), one module per part of the sponsor's work, all on one
blueprint (`console.bp`, registered as "portal"): sign-in and the own account (signin), programs
and apprentices (apprentices), journeyworker sign-off (signoff), credentials (credentials) and
their delivery (delivery), batches (batches), the cohort chart and CSV templates (cohort), API
keys, staff and the audit log (access).

The view modules are imported here so that their routes are on the blueprint before
issuer.api.blueprints() registers it.
"""

from issuer.api.portal.console import bp
from issuer.api.portal import access, apprentices, batches, cohort, credentials, delivery, signin, signoff  # noqa: F401

__all__ = ["bp"]
