"""Configuration classes; every value comes from an environment variable.

With nothing set, the tracker runs on SQLite in its instance folder (``instance/`` beside a
checkout, Flask's ``<prefix>/var/tracker-instance`` for an installed package) so ``make run``
needs no set-up. Production (``FLASK_CONFIG=production``) refuses to start without a real
``SECRET_KEY``, ``DATABASE_URL`` and an https ``PUBLIC_BASE_URL``.
"""

import os
from pathlib import Path

# Templates, static files, migrations, translations and seed data travel in the package.
PACKAGE_DIR = Path(__file__).resolve().parent

DEV_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str, variable: str = "DATABASE_URL") -> str:
    url = os.environ.get(variable, default)
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants a dialect name,
    # and psycopg 3 is the driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def postgres_connect_args(connect_timeout: int, statement_timeout: int) -> dict:
    """libpq's settings for a network or a server that stops answering: a bounded connect,
    TCP keepalives on idle connections, a bound on unacknowledged data (a black hole), and
    a statement timeout."""
    seconds = max(connect_timeout, 2)  # libpq's own minimum
    return {"connect_timeout": seconds, "tcp_user_timeout": seconds * 1000,
            "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
            "keepalives_count": 3,
            "options": f"-c statement_timeout={statement_timeout * 1000}"}


def engine_options(config) -> dict:
    """SQLALCHEMY_ENGINE_OPTIONS with PostgreSQL's timeouts when the database is PostgreSQL
    (SQLite's driver would refuse them); known once the database URL is."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options["connect_args"] = postgres_connect_args(
            config["DATABASE_CONNECT_TIMEOUT"], config["DATABASE_STATEMENT_TIMEOUT"]) | \
            options.get("connect_args", {})
    return options


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Former keys, still accepted (never used to sign) while a new SECRET_KEY rolls out:
    # sessions stay open and mailed unsubscribe links keep working. Comma-separated.
    SECRET_KEY_FALLBACKS = _list("SECRET_KEY_FALLBACKS")
    # How many reverse proxies stand in front (each adds X-Forwarded-For/-Proto): their
    # headers are believed only that far, so rate limits count real clients. 0: none.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # Logs on standard output: "text" or "json" (one object per line), at this level.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Unset values below that name a file or folder default to the instance folder, which
    # is only known once Flask has chosen it (tracker.create_app fills them in).
    INSTANCE_PATH = os.environ.get("TRACKER_INSTANCE_PATH")
    SQLALCHEMY_DATABASE_URI = _database_url("") or None  # sqlite:///<instance>/tracker.db
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}  # PostgreSQL's timeouts: engine_options
    # PostgreSQL: seconds to wait for a connection, and for the network to acknowledge what
    # was sent on an open one; past it a request fails (503) instead of hanging.
    DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
    # PostgreSQL cancels a statement running longer than this many seconds (0: never).
    DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", 30))
    SEED_DATA_DIR = os.environ.get("SEED_DATA_DIR", str(PACKAGE_DIR / "seed_data"))
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # <instance>/uploads
    # Largest request, and so largest evidence file (20 MiB by default); larger gets a 413.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    # Largest set of minutes the secretariat may upload (10 MiB); larger is refused with a
    # message on the form (keep it under MAX_CONTENT_LENGTH, which answers 413).
    MINUTES_MAX_BYTES = int(os.environ.get("MINUTES_MAX_BYTES", 10 * 1024 * 1024))
    # Rate limits per client address. Use a shared store (redis://...) with several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Writes through the API per token (not per address: a ministry's servers share one).
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "60 per minute")
    # Downloads of the exports (the CSVs, the feed, the calendar) per client address, all
    # counted together; 429 with Retry-After beyond.
    EXPORT_RATE_LIMIT = os.environ.get("EXPORT_RATE_LIMIT", "30 per minute")
    # Indicators: a count below this is never published (nor one that could be recovered
    # from it by subtraction); focal points of the country and the secretariat see them.
    INDICATOR_SMALL_COUNT = int(os.environ.get("INDICATOR_SMALL_COUNT", 5))
    # Exports cached as files, one per data version, filters and language (old ones removed).
    EXPORT_CACHE_DIR = os.environ.get("EXPORT_CACHE_DIR")  # <instance>/export_cache
    # nginx's internal location for that folder (e.g. /_exports/): a CSV is then answered
    # empty with X-Accel-Redirect and nginx sends the file, so slow clients hold no worker.
    EXPORT_ACCEL_REDIRECT = os.environ.get("EXPORT_ACCEL_REDIRECT", "")
    # Follow-up reports asked for on the site: the scheduler makes the pending ones every
    # REPORT_INTERVAL_SECONDS, one at a time, into EXPORT_CACHE_DIR; beyond REPORT_MAX_PENDING
    # waiting requests a new one is refused (503 with Retry-After), so a crawler cannot queue
    # thousands.
    REPORT_INTERVAL_SECONDS = int(os.environ.get("REPORT_INTERVAL_SECONDS", 30))
    REPORT_MAX_PENDING = int(os.environ.get("REPORT_MAX_PENDING", 20))
    # Reset e-mails one account gets per hour, however many addresses ask (more: silence).
    PASSWORD_RESETS_PER_HOUR = int(os.environ.get("PASSWORD_RESETS_PER_HOUR", 3))
    # Two sites on one Redis (production and staging) must not share counts or cached values.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "crm-tracker")
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "crm-tracker-cache:")
    # Cached aggregates (keyed on the data version, so never stale): per process by default;
    # CACHE_TYPE=RedisCache with CACHE_REDIS_URL=redis://... shares them between workers.
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", 3600))
    # How long a worker trusts the data version it read (seconds; 0: read it every request).
    DATA_VERSION_TTL = float(os.environ.get("DATA_VERSION_TTL", 1.0))
    # Public address used in e-mails and feeds, never the request's Host header.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    # Mail: the names Flask users know. Without MAIL_SERVER, mail is written as .eml
    # files to MAIL_OUTBOX_DIR so it can be read on a machine with no mail server.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR")  # <instance>/outbox
    # Seconds one message's SMTP conversation may take in all; past it, it is retried later.
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 30))
    # Reminder delivery: attempts before a message is marked failed, the first retry's delay
    # (doubled each time), and how long a claim lasts before a dead sender's message is retried.
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 8))
    OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", 60))
    OUTBOX_CLAIM_TIMEOUT = int(os.environ.get("OUTBOX_CLAIM_TIMEOUT", 600))

    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TRACKER_TIMEZONE", "UTC")
    LANGUAGES = ("es", "en")
    # The scheduler (`flask scheduler`): reminder rules daily at REMINDER_HOUR and the weekly
    # summary on WEEKLY_SUMMARY_DAY, both in TRACKER_TIMEZONE; outbox delivery every
    # OUTBOX_INTERVAL_SECONDS. A run missed while it was down still runs once on restart if
    # less than SCHEDULER_MISFIRE_GRACE seconds late (APScheduler's own default is 1 second).
    REMINDER_HOUR = int(os.environ.get("REMINDER_HOUR", 7))
    WEEKLY_SUMMARY_DAY = os.environ.get("WEEKLY_SUMMARY_DAY", "mon")
    OUTBOX_INTERVAL_SECONDS = int(os.environ.get("OUTBOX_INTERVAL_SECONDS", 60))
    SCHEDULER_MISFIRE_GRACE = int(os.environ.get("SCHEDULER_MISFIRE_GRACE", 6 * 60 * 60))
    # Commitments a digest lists (the most urgent); the rest are counted and linked.
    DIGEST_MAX_ITEMS = int(os.environ.get("DIGEST_MAX_ITEMS", 20))

    # Compression of text answers (tracker.core.compression, Flask-Compress): Brotli, else
    # gzip, for streams too (Flask-Compress leaves gzip out of streams by default, but its
    # gzip stream is valid, and many scripts' HTTP clients accept gzip alone).
    COMPRESS_REGISTER = False  # tracker.core.compression registers its own hook
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    # A file's 304 is tracker.core.compression's: Flask-Compress's would read it whole.
    COMPRESS_STREAMING_ENDPOINT_CONDITIONAL: list[str] = []
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/plain", "image/svg+xml",
                          "image/vnd.microsoft.icon", "application/json", "text/csv",
                          "application/atom+xml", "text/calendar"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    @staticmethod
    def validate(config) -> None:
        """Refuse a configuration that cannot run safely."""
        # A claim must outlast its sender's conversation, or a live sender's message would
        # look abandoned to another deliverer and be sent twice.
        if not 0 < 2 * config["MAIL_TIMEOUT"] <= config["OUTBOX_CLAIM_TIMEOUT"]:
            raise RuntimeError(
                f"OUTBOX_CLAIM_TIMEOUT ({config['OUTBOX_CLAIM_TIMEOUT']} s) must be at least "
                f"twice MAIL_TIMEOUT ({config['MAIL_TIMEOUT']:g} s), which must be positive.")
        # 0 or less would publish every count, however small.
        if config["INDICATOR_SMALL_COUNT"] < 1:
            raise RuntimeError(f"INDICATOR_SMALL_COUNT ({config['INDICATOR_SMALL_COUNT']}) "
                               "must be at least 1: counts below it are never published.")


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    # Tests run on SQLite in memory unless TEST_DATABASE_URL points at PostgreSQL.
    # Never DATABASE_URL: the tests empty the database they are given.
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://", "TEST_DATABASE_URL")
    WTF_CSRF_ENABLED = True
    DATA_VERSION_TTL = 0.0  # every request reads it, so query counts do not depend on timing


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @staticmethod
    def validate(config) -> None:
        """Fail fast: a guessable SECRET_KEY signs forgeable sessions and links."""
        Config.validate(config)
        secret = config.get("SECRET_KEY") or ""
        if secret == DEV_SECRET_KEY or len(secret) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set to a random value of at least "
                "32 characters, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            raise RuntimeError("ProductionConfig needs DATABASE_URL pointing at PostgreSQL.")
        # Cookies are Secure in production: the site must be reached over HTTPS, and mail
        # and feeds must not point at the development address.
        if not str(config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
            raise RuntimeError("ProductionConfig needs PUBLIC_BASE_URL, the site's https:// "
                               "address (e.g. https://tracker.example.org).")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by FLASK_CONFIG (development by default)."""
    name = os.environ.get("FLASK_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"FLASK_CONFIG={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
