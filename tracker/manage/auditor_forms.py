"""Forms of an auditor's page: follow a country or a theme, stop following."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from tracker.core.forms import TrackerForm


class FollowForm(TrackerForm):
    """Follow one country or one theme; the service checks that exactly one is chosen."""

    country = SelectField(_l("Country"), validate_choice=False)
    theme = SelectField(_l("Theme"), validate_choice=False)

    def offer(self, choices: dict) -> "FollowForm":
        """The countries and themes to choose from, after an empty first option."""
        self.country.choices = [("", _l("— no country —"))] + choices["countries"]
        self.theme.choices = [("", _l("— no theme —"))] + choices["themes"]
        return self


class UnfollowForm(TrackerForm):
    """Only the CSRF token: the follow is named in the URL."""
