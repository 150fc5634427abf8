"""Claim links and transaction codes by email, through the SMTP server named by LER_SMTP_URL.

LER_SMTP_URL is `smtp://[user:password@]host[:port]` (plain, port 25), `smtp+starttls://...`
(STARTTLS, port 587) or `smtps://...` (TLS, port 465); LER_MAIL_FROM is the sender address.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from issuer.errors import ConfigurationError, LerError

TIMEOUT_SECONDS = 20
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(LerError):
    """The message could not be handed to the SMTP server."""


def enabled(config) -> bool:
    return bool(config.smtp_url)


def claim_message(*, sender: str, to: str, apprentice: str, achievement: str, sponsor: str, claim_url: str,
                  tx_code: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = f"Your credential from {sponsor}: {achievement}"
    lines = [f"Hello {apprentice},", "",
             f"{sponsor} has issued you a digital credential: {achievement}.", "",
             "Open this link on your phone or computer to add it to your wallet, download it, or print a "
             "certificate:", claim_url, ""]
    if tx_code:
        lines += ["If your wallet asks for a transaction code, enter:", f"    {tx_code}", "",
                  "Never share this code. It works once, for a short time."]
    lines += ["", "The link is personal: anyone who has it can claim this credential."]
    message.set_content("\n".join(lines))
    return message


def send(config, message: EmailMessage) -> None:
    parts = urlsplit(config.smtp_url or "")
    if parts.scheme not in _PORTS or not parts.hostname:
        raise ConfigurationError("LER_SMTP_URL must look like smtp://host:port, smtp+starttls://... or smtps://...")
    port = parts.port or _PORTS[parts.scheme]
    try:
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_SECONDS)
        with client:
            if parts.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"cannot send mail through {parts.hostname}:{port}: {exc}") from None


def sender(config) -> str:
    if config.mail_from:
        return config.mail_from
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"{config.service_name}@{host}"
