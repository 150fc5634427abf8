"""Settings from environment variables, with defaults that are safe for the embedded setup."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from issuer.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass
class Config:
    database_url: str
    base_url: str
    keys_dir: Path
    instance_dir: Path
    contexts_dir: Path
    key_passphrase: bytes | None
    redis_url: str | None = None
    max_body_bytes: int = 1024 * 1024
    fetch_allowlist: tuple[str, ...] = ()
    trust_registry: str | None = None
    service_name: str = "ler-issuer"
    smtp_url: str | None = None  # smtp[s]://[user:password@]host[:port]: claim links by email
    mail_from: str | None = None
    batch_queue: str = "ler-batches"     # the RQ queue batches run on (with redis_url)
    batch_processes: int = 0             # signing processes per batch runner; 0: one per core
    batch_max_bytes: int = 64 * 1024 * 1024
    proxy_hops: int = 0                  # reverse proxies in front whose X-Forwarded-For/-Proto to trust
    verify_rate: str | None = "60/minute"   # public verifications per client address (issuer.api.throttle)
    verify_concurrency: int = 2             # public verifications at once per client address, per process
    ratelimit_storage: str = "memory://"    # where rates are counted: memory://, redis://host:6379/N, ...
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Config":
        instance = Path(_env("LER_INSTANCE_DIR", str(PROJECT_ROOT / "instance")))
        values = dict(
            database_url=_env("LER_DATABASE_URL", f"sqlite:///{instance / 'ler.sqlite3'}"),
            base_url=_env("LER_BASE_URL", "http://localhost:8000").rstrip("/"),
            keys_dir=Path(_env("LER_KEYS_DIR", str(PROJECT_ROOT / "keys"))),
            instance_dir=instance,
            contexts_dir=Path(_env("LER_CONTEXTS_DIR", str(PROJECT_ROOT / "contexts"))),
            key_passphrase=None,
            redis_url=_env("LER_REDIS_URL"),
            max_body_bytes=int(_env("LER_MAX_BODY_BYTES", str(1024 * 1024))),
            fetch_allowlist=tuple(h for h in (_env("LER_FETCH_ALLOWLIST", "") or "").split(",") if h),
            trust_registry=_env("LER_TRUST_REGISTRY"),
            service_name=_env("LER_SERVICE_NAME", "ler-issuer"),
            smtp_url=_env("LER_SMTP_URL"),
            mail_from=_env("LER_MAIL_FROM"),
            batch_queue=_env("LER_BATCH_QUEUE", "ler-batches"),
            batch_processes=int(_env("LER_BATCH_PROCESSES", "0")),
            batch_max_bytes=int(_env("LER_BATCH_MAX_BYTES", str(64 * 1024 * 1024))),
            proxy_hops=int(_env("LER_PROXY_HOPS", "0")),
            # Tests verify thousands of credentials from one address: no rate unless asked for.
            verify_rate=_env("LER_VERIFY_RATE", None if overrides.get("testing") else "60/minute"),
            verify_concurrency=int(_env("LER_VERIFY_CONCURRENCY", "2")),
            ratelimit_storage=_env("LER_RATELIMIT_STORAGE", "memory://"),
        )
        values.update(overrides)
        config = cls(**values)
        if config.key_passphrase is None:
            config.key_passphrase = resolve_passphrase(config.instance_dir)
        return config


def resolve_passphrase(instance_dir: Path) -> bytes:
    """The key passphrase: LER_KEY_PASSPHRASE, else LER_KEY_PASSPHRASE_FILE, else (embedded
    default only) a random one kept in the instance folder, readable by its owner alone and
    outside `keys/`, so a copied keys folder alone never yields a usable private key."""
    value = _env("LER_KEY_PASSPHRASE")
    if value:
        return value.encode("utf-8")
    path_value = _env("LER_KEY_PASSPHRASE_FILE")
    if path_value:
        try:
            return Path(path_value).read_text(encoding="utf-8").strip().encode("utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read LER_KEY_PASSPHRASE_FILE: {exc}") from None
    path = instance_dir / "key-passphrase"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")
