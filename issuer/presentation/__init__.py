"""presentation: the verifier that ASKS a holder's wallet for a credential.

An employer (the /verify page) creates a request for "a completed apprenticeship in O*NET-SOC
43-4051.00" or "any credential from this program" (`service.py`); the wallet answers through
OpenID4VP 1.0 (`openid4vp.py`) or a VC-API exchange as the Learner Credential Wallet runs it
(`vcapi.py`); either answer is taken once (`answers.py`) and verified (`binding.py`: the
request's nonce, domain and expiry, holder binding, what was asked; then each credential in full
through issuer.verify). Only the resulting report (`report.py`) is kept, with the request
(`store.py`, `models.py`), for a day.
"""
