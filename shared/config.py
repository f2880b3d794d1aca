"""Typed settings (pydantic-settings), one prefix: ``ECOCOMPLY_``.

One ``Settings`` object per service process. No import-time side effects; ``validate_for_production``
refuses to start a distributed service with a missing secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("checklist", "cases", "credit", "audit")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOCOMPLY_", extra="ignore")

    service: Literal["checklist", "cases", "credit", "audit"] | None = None
    database_url: str = ""
    event_bus: Literal["local", "kafka"] = "local"
    kafka_bootstrap: str = ""
    # Prefix of every topic and consumer group. The contract's topics are ``ecocomply.<aggregate>-events``;
    # tests give each run its own prefix so that topics never carry over between runs.
    topic_prefix: str = "ecocomply"
    checklist_url: str = ""
    cases_url: str = ""
    credit_url: str = ""
    audit_url: str = ""
    # Tokens (shared.auth.TokenVerifier): HS256 with ``jwt_secret`` (EcoComply's own tokens, and the
    # services' calls to each other), and/or an OIDC issuer's RS256/ES256 tokens by its JWKS URL, its
    # issuer and audience checked. Claim paths are dotted (Keycloak: ``realm_access.roles``).
    jwt_secret: str = ""
    jwt_jwks_url: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_algorithms: str = "RS256,ES256"
    jwt_roles_claim: str = "roles"
    jwt_bureau_claim: str = "bureau"
    jwt_uscc_claim: str = "uscc"
    jwt_name_claim: str = "name"
    jwt_cert_no_claim: str = "cert_no"
    jwt_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    # An unknown ``kid`` fetches the JWKS again at once, at most this often (a rotated key is found
    # without waiting for the cache; a flood of made-up kids does not flood the issuer).
    jwt_jwks_refetch_seconds: float = Field(default=30.0, ge=0)
    run_workers: bool = True
    data_dir: Path = Path("./var")
    # Kafka consumer timing (shared.bus.kafka); a broker refuses sessions below its
    # group.min.session.timeout.ms (6 s by default).
    kafka_session_timeout_ms: int = Field(default=10000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=3000, ge=100)
    kafka_fetch_max_wait_ms: int = Field(default=100, ge=1)
    kafka_join_timeout_s: float = Field(default=30.0, gt=0)
    # Relay and consumer tuning.
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    consumer_max_attempts: int = Field(default=5, ge=1, le=100)
    consumer_retry_base_seconds: float = Field(default=0.05, ge=0)
    # Reference data a service caches from another (the cases service: the checklist's guidance items) is
    # refetched when its consumer has counted a change event (``ServiceClient.generation``); each process
    # reads that counter at most this often (0: at every lookup).
    reference_recheck_seconds: float = Field(default=1.0, ge=0)
    # Provincial platform (issue 7). Inbound risk warnings are verified with HMAC-SHA256
    # (shared.signing) against ``platform_secret``; empty refuses every warning.
    platform_secret: str = ""
    platform_replay_window_seconds: int = Field(default=300, ge=1, le=3600)
    # Outbound webhooks (shared.webhooks.Deliverer): per-attempt timeout, attempts before the dead
    # letter, exponential back-off with full jitter between base and max.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=12, ge=1, le=100)
    webhook_backoff_base_seconds: float = Field(default=5.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # Networks a webhook receiver may be in although they are not public (comma-separated, e.g. a platform on a
    # private line); empty: public addresses only (shared.webhooks.destinations).
    webhook_allowed_networks: str = ""
    # Keys encrypting secrets at rest (shared.secrets): comma-separated Fernet keys, the first encrypts,
    # all decrypt. Embedded without it: a key generated into the data directory. Checked when a service
    # starts (shared.secrets.parse_keys names a malformed key by position, never shows it).
    secrets_key: str = ""
    # Key of the HMAC-SHA256 signature of case-file exports (services.cases.case_file.bundle); empty: no export.
    case_export_secret: str = ""
    # Public reads (no token; 公开 of 《行政处罚法》第三十四条、第四十八条) and the portal's pages: requests
    # allowed per client address, in the ``limits`` library's notation ("120/minute", "10/second").
    # Behind a proxy that appends the client to X-Forwarded-For (the compose file's nginx), set
    # ``public_trust_forwarded_for`` so that the address is the one the proxy saw, not the proxy's.
    public_rate_limit: str = "120/minute"
    public_trust_forwarded_for: bool = False
    # The proxies whose X-Forwarded-For is trusted when the setting above is on: addresses or networks,
    # comma-separated (the compose file names its network's subnet). A peer outside them counts as itself.
    public_trusted_proxies: str = "127.0.0.1,::1"
    # 投诉举报 filed without an account (the portal's form and ``POST /audit/v1/public/complaints``): filings allowed
    # per client address. A LOCAL SETTING (项目默认值): no rule fixes it; it only keeps one address from flooding the
    # handling office, well above what one person files.
    public_complaint_rate_limit: str = "5/hour;20/day"
    # /metrics, /openapi.json, /asyncapi.json and /docs open to anyone (the embedded default); off (the compose
    # file): an admin or service token only (shared.ops_access).
    ops_endpoints_public: bool = True
    # Writes (POST/PUT/PATCH/DELETE) per bearer token, same notation (shared.write_limit); and the
    # largest request body any service accepts (routes that take files declare their own limit).
    # Signing in to the supervision workspace (/workspace) by the bureau's identity provider: OpenID Connect
    # authorization code + PKCE (services.workspace.oidc). Unset issuer: local accounts only (ecocomply users).
    # The provider is found at ``{issuer}/.well-known/openid-configuration``; no client secret: a public client
    # (PKCE alone). The redirect URL registered at the provider; empty: this request's
    # ``<scheme>://<host>/workspace/login/oidc/callback`` (set it behind a proxy that changes the host).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile"
    oidc_redirect_url: str = ""
    # Where the ID token carries the person's roles (a list, or words separated by spaces), bureau and name:
    # dotted claim paths, as for ``jwt_*_claim`` (Keycloak: ``realm_access.roles``). Only auditor, leader and
    # admin are kept; anyone else is refused the workspace.
    oidc_roles_claim: str = "roles"
    oidc_bureau_claim: str = "bureau"
    oidc_name_claim: str = "name"
    # The sign-in button's words, e.g. 苏州市政务服务统一身份认证.
    oidc_display_name: str = "统一身份认证"
    write_rate_limit: str = "20/second;600/minute"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    # A worker process (``ecocomply worker``, the pipeline process of ``serve``) has no HTTP API: its metrics
    # (event loop lag, jobs, relay) are served on this port of 127.0.0.1 when set (0: not served).
    worker_metrics_port: int = Field(default=0, ge=0, le=65535)
    embedded: bool = False

    @field_validator("jwt_algorithms")
    @classmethod
    def _algorithms(cls, v: str) -> str:
        from shared.auth import ASYMMETRIC_ALGORITHMS

        algs = [a.strip() for a in v.split(",") if a.strip()]
        bad = [a for a in algs if a not in ASYMMETRIC_ALGORITHMS]
        if not algs or bad:
            raise ValueError(f"a comma-separated list of {', '.join(ASYMMETRIC_ALGORITHMS)}; not allowed: {bad}")
        return v

    @field_validator("public_rate_limit", "write_rate_limit", "public_complaint_rate_limit")
    @classmethod
    def _rate_limit(cls, v: str) -> str:
        from limits import parse_many

        try:
            parse_many(v)
        except ValueError as e:
            raise ValueError(f"not a rate limit like '120/minute': {e}") from e
        return v

    def service_url(self, name: str) -> str:
        return str(getattr(self, f"{name}_url"))

    def validate_for_production(self) -> None:
        """Fail fast: a distributed service needs a database URL and a real token verifier."""
        missing = []
        if not self.database_url:
            missing.append("ECOCOMPLY_DATABASE_URL")
        if not self.jwt_secret:
            # Also with a JWKS URL: the secret signs the services' calls to each other.
            missing.append("ECOCOMPLY_JWT_SECRET")
        if self.jwt_jwks_url and not (self.jwt_issuer and self.jwt_audience):
            missing.append("ECOCOMPLY_JWT_ISSUER and ECOCOMPLY_JWT_AUDIENCE (checked in every JWKS-verified token)")
        if self.event_bus == "kafka" and not self.kafka_bootstrap:
            missing.append("ECOCOMPLY_KAFKA_BOOTSTRAP")
        if self.event_bus == "local" and not self.embedded:
            missing.append("ECOCOMPLY_EVENT_BUS=kafka (the local bus only connects services in one process)")
        if missing:
            raise RuntimeError("refusing to start, missing configuration: " + "; ".join(missing))
