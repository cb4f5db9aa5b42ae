"""Unbound extension instances, bound to an app in ``create_app``."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter and drop them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
# The models' base class. db.Model is built at run time (it adds the table names and the
# session binding) from Base, which is what a type checker can see.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Per-address limits; storage from RATELIMIT_STORAGE_URI (memory by default, Redis in
# production so every worker shares the count).
limiter = Limiter(key_func=get_remote_address)
# Aggregates keyed on the data version (tracker.core.data_version.remember): per process by
# default, shared through Redis with CACHE_TYPE=RedisCache and CACHE_REDIS_URL.
cache = Cache()
# Brotli or gzip for text answers; bound by tracker.core.compression, which decides which.
compress = Compress()
