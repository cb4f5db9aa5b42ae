"""Auth views: thin wrappers around tracker.accounts.users."""

from flask import (
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from tracker.accounts import users
from tracker.accounts.invitations import send_password_reset
from tracker.accounts.passwords import WeakPassword
from tracker.accounts.tokens import LIFETIMES, device_token, user_for_token
from tracker.auth import bp
from tracker.auth.forms import ChangePasswordForm, LoginForm, ResetRequestForm, SetPasswordForm
from tracker.core.forms import refuse
from tracker.core.urls import local_target
from tracker.extensions import limiter
from tracker.permissions import has_own_commitments

# Marks a browser its user has logged in from (tracker.accounts.tokens.device_token); only
# the login form reads it.
DEVICE_COOKIE = "tracker_device"


def _start_session(user) -> None:
    """A fresh session on every login (nothing carried over from before), and this browser
    remembered as one of the user's known devices."""
    session.clear()
    login_user(user)

    @after_this_request
    def remember_device(response):
        # Made as the answer leaves, so it carries a password set during this request.
        response.set_cookie(DEVICE_COOKIE, device_token(user), max_age=LIFETIMES["device"],
                            path=url_for("auth.login"), httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
        return response


def _landing(user) -> str:
    home = "manage.my_commitments" if has_own_commitments(user) else "public.index"
    return local_target(request.args.get("next"), url_for(home))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Log in with e-mail and password; the same answer for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(_landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data,
                                  device=request.cookies.get(DEVICE_COOKIE))
        if user is not None:
            _start_session(user)
            return redirect(_landing(user))
        form.password.errors.append(
            _("Wrong e-mail or password, or too many attempts: try again in a while."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out here and on every other device."""
    users.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return redirect(url_for("public.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose a password from an invitation link."""
    return _set_password_from_token(token, "invite")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""
    return _set_password_from_token(token, "reset")


def _set_password_from_token(token: str, purpose: str):
    user = user_for_token(token, purpose)
    if user is None:
        return render_template("auth/link_invalid.html"), 400
    form = SetPasswordForm()
    if form.validate_on_submit() and _save_password(user, form, _("Your password is set.")):
        return redirect(_landing(user))
    return render_template("auth/choose_password.html", form=form)


def _save_password(user, form, done_message: str) -> bool:
    """Set the form's new password and start a fresh session; a weak one is a form error."""
    try:
        users.set_password(user, form.password.data)
    except WeakPassword as exc:
        refuse(form, exc)
        return False
    _start_session(user)
    flash(done_message)
    return True


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def request_reset():
    """Ask for a reset link; the answer is the same whether the address exists or not."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        send_password_reset(form.email.data)
        flash(_("If an account uses this address, a link to reset its password is on its way."))
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@login_required
def change_password():
    """Change one's password; every other session ends. Wrong current passwords are
    counted and slowed down (users.change_password)."""
    user = current_user._get_current_object()  # the session is replaced below
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(user, form.current.data, form.password.data)
        except (users.AccountError, WeakPassword) as exc:
            refuse(form, exc)
        else:
            _start_session(user)
            flash(_("Your password is changed; your other sessions are closed."))
            return redirect(_landing(user))
    return render_template("auth/change_password.html", form=form)
