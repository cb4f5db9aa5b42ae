"""Invitation and password-reset e-mails."""

from flask_babel import gettext as _

from tracker.core import mail
from tracker.models import User
from tracker.permissions import can_administer, ensure
from tracker.accounts.users import find_user
from tracker.accounts.tokens import make_token
from tracker.core.urls import public_url


def send_invitation(actor, user: User) -> None:
    """E-mail a new account its single-use link to choose a password (valid 7 days)."""
    ensure(can_administer(actor))
    link = public_url("auth.accept_invitation", token=make_token(user, "invite"))
    body = _("You have been invited to the CRM commitment tracker.\n\n"
             "Choose your password here (the link works once, for 7 days):\n%(link)s\n",
             link=link)
    mail.send(mail.build_message(user.email, _("Your invitation to the CRM commitment tracker"), body))


def send_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has this address; silent otherwise."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = public_url("auth.reset_password", token=make_token(user, "reset"))
    body = _("Someone asked to reset the password of your account on the CRM commitment "
             "tracker.\n\nChoose a new password here (the link works once, for 1 hour):\n"
             "%(link)s\n\nIf it was not you, ignore this message.", link=link)
    mail.send(mail.build_message(user.email, _("Reset your password"), body))
