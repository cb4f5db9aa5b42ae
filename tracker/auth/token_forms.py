"""Forms of the account's API token page."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.accounts.api_tokens import DEFAULT_DAYS, NAME_MAX
from tracker.admin.forms import CheckboxesField
from tracker.core.forms import TrackerForm

# The labels of tracker.accounts.api_tokens.SCOPES, in the words of the forms they replace.
SCOPE_CHOICES = [SelectChoice("status:write", _l("Report status and progress")),
                 SelectChoice("evidence:write", _l("Add evidence")),
                 SelectChoice("indicator:write", _l("Report indicator values"))]


class TokenForm(TrackerForm):
    """A new token: what it is for, what it may do, how long it lasts. The ranges are the
    service's to refuse (create_token), so the page and the command line say the same."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    scopes = CheckboxesField(_l("What the token may do"), choices=SCOPE_CHOICES)
    days = IntegerField(_l("Lifetime in days"), default=DEFAULT_DAYS,
                        validators=[InputRequired()])


class RevokeForm(TrackerForm):
    """A revoke button: CSRF token, nothing else."""
