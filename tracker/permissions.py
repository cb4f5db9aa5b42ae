"""The one place that decides who may do what.

Views, services, the CLI and templates (as Jinja globals) all ask these predicates, so a
button is hidden by the same rule that refuses the request.
"""

from functools import wraps
from typing import TypeAlias

import sqlalchemy as sa
from flask import abort
from flask_login import AnonymousUserMixin, current_user
from werkzeug.exceptions import Forbidden

from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Commitment,
    Country,
    DigestFrequency,
    Evidence,
    Follow,
    Indicator,
    Observation,
    Role,
    SheetPreview,
    SourceDocument,
    User,
)


class PermissionDenied(Forbidden):
    """Raised by services; answers 403 when it reaches a view."""


class SystemActor:
    """The operator at the command line (shell access to the server is the credential)."""

    is_authenticated = True
    is_active = True
    id = None
    role = "system"
    country_id = None


SYSTEM = SystemActor()

# Who acts in a service: a person with an account, or the operator at the command line.
Actor: TypeAlias = User | SystemActor
# Who a predicate is asked about: also a reader who is not logged in.
Reader: TypeAlias = User | SystemActor | AnonymousUserMixin


def _is(user: Reader, role: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and getattr(user, "role", None) == role)


def is_system(user: Reader) -> bool:
    return user is SYSTEM


def is_secretariat(user: Reader) -> bool:
    return _is(user, Role.SECRETARIAT)


def is_focal_point(user: Reader) -> bool:
    return _is(user, Role.FOCAL_POINT)


def is_auditor(user: Reader) -> bool:
    return _is(user, Role.AUDITOR)


def can_administer(user: Reader) -> bool:
    """Meetings, recommendations, commitments' ownership and dates, users."""
    return is_system(user) or is_secretariat(user)


def can_have_focal_point(country: Country) -> bool:
    """Whether a focal-point account may belong to this country: a member state, never the
    CRM as a regional body (the secretariat reports its commitments)."""
    return not country.regional


def can_update(user: Reader, commitment: Commitment) -> bool:
    """Report status and progress: the secretariat (for every country, the CRM's own
    commitments included), or a focal point of the owner country."""
    return is_secretariat(user) or (is_focal_point(user)
                                    and user.country_id == commitment.country_id)


def can_add_evidence(user: Reader, commitment: Commitment) -> bool:
    return can_update(user, commitment)


def can_view_evidence(user: Reader, evidence: Evidence) -> bool:
    """Public evidence is for everyone; restricted evidence only for those who may update."""
    return evidence.is_public or can_update(user, evidence.commitment)


def can_view_source(user: Reader, document: SourceDocument) -> bool:
    """Read a set of minutes: everyone once items from it are published (the seed's from the
    start); before that, uploaded minutes are the secretariat's working material."""
    return document.public or can_administer(user)


def can_view_source_original(user: Reader, document: SourceDocument) -> bool:
    """Download a set of minutes' uploaded original: everyone, unless the secretariat marked
    it restricted (its text stays public: published items quote it)."""
    return not document.restricted or can_administer(user)


def can_hold_token(user: Reader) -> bool:
    """Whether an account may have API tokens: a national system writes for a focal point's
    country; the secretariat's scripts for any."""
    return is_focal_point(user) or is_secretariat(user)


def can_create_token(actor: Reader, user: Reader) -> bool:
    """A person makes their own tokens; operators make anyone's from the command line."""
    return is_system(actor) or (actor.is_authenticated and actor.id == user.id
                                and can_hold_token(user))


def can_manage_token(user: Reader, token: ApiToken) -> bool:
    """See and revoke a token: its owner, or the secretariat (every token)."""
    return is_secretariat(user) or (user.is_authenticated and token.user_id == user.id)


def token_grants(token: ApiToken, scope: str) -> bool:
    """Whether a bearer token was made for this kind of write (status:write, evidence:write)."""
    return scope in token.scope_list


def token_covers(token: ApiToken, commitment: Commitment) -> bool:
    """Whether a token may write for this commitment: its own country (every country for a
    secretariat token), and only while its holder may update the commitment."""
    return (token.country_id is None or token.country_id == commitment.country_id) \
        and can_update(token.user, commitment)


def can_apply_preview(user: Reader, preview: SheetPreview) -> bool:
    """Apply an uploaded sheet's preview: the person who uploaded it (each row is checked
    again against their rights as it is applied)."""
    return user.is_authenticated and preview.user_id == user.id


def can_observe(user: Reader, commitment: Commitment) -> bool:
    """File a civil-society observation: auditors only (never a government or the secretariat)."""
    return is_auditor(user)


def can_answer(user: Reader, observation: Observation) -> bool:
    """Answer an observation: a focal point of the observed commitment's country (the
    secretariat for the CRM's own commitments, which it reports), while the observation is
    not hidden (an answer would republish what the secretariat hid)."""
    commitment = observation.commitment
    return observation.hiding is None and (
        (is_focal_point(user) and user.country_id == commitment.country_id)
        or (is_secretariat(user) and commitment.country.regional))


def can_moderate(user: Reader) -> bool:
    """Hide abusive observations (recorded and shown with their reason): the secretariat."""
    return is_secretariat(user)


def can_hide(user: Reader, observation: Observation) -> bool:
    """Whether the hide form is offered: to a moderator, while the observation is shown (a
    hiding is history: never undone or repeated; hide_observation refuses a second one)."""
    return can_moderate(user) and observation.hiding is None


def can_deactivate(user: Reader, account: User) -> bool:
    """Deactivate an account: the secretariat, an active account, never its own (someone
    must stay able to administer; another member of the secretariat does it)."""
    return (can_administer(user) and account.active
            and (is_system(user) or account.id != user.id))


def can_unfollow(user: Reader, follow: Follow) -> bool:
    """Stop following: only the auditor who follows (another's follow is not theirs to see)."""
    return is_auditor(user) and follow.user_id == user.id


def digest_choices(user: Reader) -> list[DigestFrequency]:
    """Which digest frequencies a person may choose: focal points how often their reminders
    come; auditors whether the weekly digest of what they follow comes; the secretariat has
    no digest to choose."""
    if is_focal_point(user):
        return list(DigestFrequency)
    if is_auditor(user):
        return [DigestFrequency.WEEKLY, DigestFrequency.NONE]
    return []


def has_own_commitments(user: Reader) -> bool:
    return is_focal_point(user)


def can_report_by_sheet(user: Reader, country: Country | None) -> bool:
    """Download (and upload) a spreadsheet of commitments to report on: a focal point for
    their own country (None: theirs), the secretariat for one country or all (None)."""
    if is_secretariat(user):
        return True
    return is_focal_point(user) and (country is None or country.id == user.country_id)


def can_define_indicators(user: Reader) -> bool:
    """Define indicators and extend the dimensions' vocabularies: the secretariat (and the
    operator at the command line), as for the rest of administration."""
    return can_administer(user)


def reports_indicator(indicator: Indicator, country: Country) -> bool:
    """Whether a country reports this indicator: the owner of its commitment, or an owner of
    a commitment of its recommendation."""
    if indicator.commitment is not None:
        return indicator.commitment.country_id == country.id
    return db.session.scalar(sa.select(sa.exists().where(
        Commitment.recommendation_id == indicator.recommendation_id,
        Commitment.country_id == country.id))) is True


def can_report_indicator(user: Reader, indicator: Indicator, country: Country) -> bool:
    """Report (or correct) a country's value of an indicator: a focal point of that country,
    or the secretariat (for every owner, the CRM's own included), when the country reports it.
    The operator at the command line does not report values (as with statuses)."""
    allowed = is_secretariat(user) or (is_focal_point(user) and user.country_id == country.id)
    return allowed and reports_indicator(indicator, country)


def can_see_exact_values(user: Reader, country: Country) -> bool:
    """See a country's indicator values unsuppressed (small counts included): its focal
    points, who reported them, and the secretariat; never the public or auditors."""
    return is_secretariat(user) or (is_focal_point(user) and user.country_id == country.id)


def reports_indicators(user: Reader) -> bool:
    """Has indicator values to report: a focal point (their country's), the secretariat
    (any owner's)."""
    return is_focal_point(user) or is_secretariat(user)


def token_covers_report(token: ApiToken, indicator: Indicator, country: Country) -> bool:
    """Whether a token may report this country's value of an indicator: its own country
    (any, for a secretariat token), while its holder may report it."""
    return (token.country_id is None or token.country_id == country.id) \
        and can_report_indicator(token.user, indicator, country)


def require(allowed: bool) -> None:
    """Stop the request unless allowed: a 403 (anonymous users are sent to log in first)."""
    if not allowed:
        if not current_user.is_authenticated:
            from tracker.extensions import login_manager

            abort(login_manager.unauthorized())
        raise PermissionDenied()


def secretariat_required(view):
    """Decorator for the administration views."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require(can_administer(current_user))
        return view(*args, **kwargs)

    return wrapped


def ensure(allowed: bool) -> None:
    """Service-side check: raise PermissionDenied unless allowed."""
    if not allowed:
        raise PermissionDenied()


TEMPLATE_PREDICATES = {
    "can_administer": can_administer,
    "can_update": can_update,
    "can_add_evidence": can_add_evidence,
    "can_view_evidence": can_view_evidence,
    "can_view_source": can_view_source,
    "can_view_source_original": can_view_source_original,
    "has_own_commitments": has_own_commitments,
    "can_observe": can_observe,
    "can_answer": can_answer,
    "can_hide": can_hide,
    "can_moderate": can_moderate,
    "can_deactivate": can_deactivate,
    "can_hold_token": can_hold_token,
    "is_auditor": is_auditor,
    "can_define_indicators": can_define_indicators,
    "can_report_indicator": can_report_indicator,
    "can_see_exact_values": can_see_exact_values,
}
