"""presentation: the verifier that ASKS a holder's wallet for a credential.

An employer (the /verify page) creates a request for "a completed apprenticeship in O*NET-SOC
43-4051.00" or "any credential from this program"; the wallet answers through OpenID4VP 1.0
(`openid4vp.py`) or a VC-API exchange as the Learner Credential Wallet runs it (`vcapi.py`); the
answer is verified (`binding.py`: holder binding, the request's nonce and domain, what was asked;
then each credential in full through issuer.verify) and only the resulting report is kept
(`service.py`, `models.py`), for a short while.
"""
