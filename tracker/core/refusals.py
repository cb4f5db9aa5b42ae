"""The one way a service says no to a request: ``Refused(message, field=None)``.

The message is for the reader (a lazy translation, shown in their language); ``field``
names the form field it belongs to, or None for the whole form. Views put it on the form
(tracker.core.forms.refuse), the API and the CLI print it. Nothing was written.
"""


class Refused(ValueError):
    """A request a service will not carry out, with the reason for the reader."""

    default_field: str | None = None

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field or self.default_field
