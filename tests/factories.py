"""Rows for the tests, with sensible defaults that keywords override.

Status reports, evidence and observations go through the real services (their checks, their
history, their ledger entries). Users are written straight into their table: the accounts
service logs every account it creates and sends none a password, and the tests count the
log and log in. Everything works in the current app context, whichever app a test runs.
"""

import datetime as dt
import uuid

import sqlalchemy as sa
from argon2 import PasswordHasher

from tracker.audit.observations import file_observation
from tracker.commitments.status_updates import update_status
from tracker.evidence.storage import add_evidence
from tracker.extensions import db
from tracker.models import Commitment, Country, OrganisationKind, Role, User

PASSWORD = "tortuga-azul-bajo-el-volcán"
ORGANISATION = "Red Regional de Organizaciones Civiles"
# The application's argon2id parameters are slow on purpose (a tenth of a second a login).
# The tests' accounts carry a cheap argon2id hash of PASSWORD instead: the application's own
# verifier checks it, at the parameters written in the hash, through the real login form.
# A password set through the application (a reset, a change) still gets the real parameters.
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_password_hash: str | None = None


def password_hash() -> str:
    """The hash of PASSWORD every test account carries (computed once per run)."""
    global _password_hash
    if _password_hash is None:
        _password_hash = _CHEAP_HASHER.hash(PASSWORD)
    return _password_hash


def commitment(code: str | Commitment) -> Commitment:
    """The commitment with this code (a Commitment is returned as it is)."""
    if isinstance(code, Commitment):
        return code
    found = db.session.scalar(sa.select(Commitment).filter_by(code=code))
    assert found is not None, f"{code} is not in the database (use `seeded`)"
    return found


# -- users ---------------------------------------------------------------------------

def make_user(role: str = "focal_point", *, country: str | None = "MEX", email: str | None = None,
              name: str | None = None, active: bool = True, organisation: str | None = None,
              organisation_kind: str | None = None, language: str | None = None) -> User:
    """A user who logs in with PASSWORD: make_user("focal_point", country="GTM").

    A focal point belongs to ``country`` (seed the countries first), an auditor to an
    organisation; other roles ignore both. The address is unique unless given."""
    role = Role(role)
    email = email or f"{role.value}.{country or 'x'}.{uuid.uuid4().hex[:6]}@example.org"
    user = User(email=email.lower(), role=role, active=active, password_hash=password_hash(),
                name=name or f"Test {role.value}")
    if role == Role.FOCAL_POINT:
        user.country = db.session.scalar(sa.select(Country).filter_by(iso3=country))
        assert user.country is not None, "seed the countries first (use `seeded`)"
    if role == Role.AUDITOR:
        user.organisation = organisation or ORGANISATION
    if organisation_kind is not None:
        user.organisation_kind = OrganisationKind(organisation_kind)
    if language is not None:
        user.language = language
    db.session.add(user)
    db.session.commit()
    return user


def make_people() -> dict[str, User]:
    """The auditing cast: an auditor of civil society (whose name must never be shown),
    a second auditor, the focal points of Mexico (reading their mail in English) and of
    Guatemala, and the secretariat. "focal_point" and "focal_same" are both Mexico's, the
    country of the commitments the tests look at; "focal_other" is Guatemala's."""
    auditor = make_user("auditor", country=None, organisation=ORGANISATION,
                        organisation_kind="civil_society", name="Ana Auditora Secreta")
    other_auditor = make_user("auditor", country=None, organisation="Otra Red")
    mexico = make_user("focal_point", country="MEX", language="en")
    return {"auditor": auditor, "other_auditor": other_auditor,
            "focal_point": mexico, "focal_same": mexico,
            "focal_other": make_user("focal_point", country="GTM"),
            "secretariat": make_user("secretariat", country=None)}


# -- what users do, through the services ------------------------------------------------

def report_status(actor, code: str | Commitment, status: str, progress: int | None = None,
                  note: str | None = "Informe"):
    """A status update on the commitment as it is now (its current version)."""
    c = commitment(code)
    return update_status(actor, c, status=status, progress=progress, note=note,
                         seen_version=c.version)


def make_evidence(actor, code: str | Commitment, *, title: str = "Informe público",
                  visibility: str = "public", dated: dt.date = dt.date(2026, 11, 1),
                  url: str | None = None, upload=None):
    """Evidence on the commitment: a link unless ``upload`` (an Upload) is given."""
    if url is None and upload is None:
        url = "https://gob.example/informe"
    return add_evidence(actor, commitment(code), title=title, dated=dated,
                        visibility=visibility, url=url, upload=upload)


def make_observation(auditor, code: str | Commitment = "MT1-R03-MEX", *,
                     assessment: str = "limited", text: str = "Sin pruebas públicas.",
                     links: str | None = None):
    """An auditor's observation on the commitment."""
    return file_observation(auditor, commitment(code), assessment, text, links)


# -- indicators ------------------------------------------------------------------------

def make_indicator(code: str = "IND-MIG-1", *, recommendation: str | None = "MT1-R03",
                   commitment: str | None = None, unit: str = "count", frequency: str = "year",
                   dimensions=("SEX",), actor=None, **fields):
    """An indicator defined through the real service (by the operator unless ``actor``): on
    MT1-R03 (every member state reports it), counted yearly by sex, unless told otherwise."""
    from tracker.indicators.definitions import define_indicator
    from tracker.permissions import SYSTEM

    fields.setdefault("name_es", "Personas migrantes atendidas")
    fields.setdefault("name_en", "Migrants assisted")
    if commitment is not None:
        recommendation = None
    return define_indicator(actor or SYSTEM, code=code, unit=unit, frequency=frequency,
                            recommendation_code=recommendation, commitment_code=commitment,
                            dimensions=dimensions, **fields)


def make_indicator_report(actor, indicator, country: str = "MEX", *, period: str = "2024",
                          cells=None, **fields):
    """A country's report of an indicator through the real service; by default a total of
    100 and nothing else (``cells`` maps (first code, second code) to a number)."""
    from tracker.indicators.reporting import report_value

    place = db.session.scalar(sa.select(Country).filter_by(iso3=country))
    return report_value(actor, indicator, place, period=period,
                        cells={(None, None): 100} if cells is None else cells, **fields)
