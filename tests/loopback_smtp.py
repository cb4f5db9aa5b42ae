"""A real SMTP server (aiosmtpd) on loopback, for the mail tests: it keeps what it accepted."""

import email
from email import policy

from aiosmtpd.controller import Controller


class RecordingHandler:
    """aiosmtpd handler keeping every message the server accepted (and to whom it went).
    It refuses for good (550) any recipient whose address starts with "bounce"."""

    def __init__(self):
        self.messages = []
        self.recipients = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class PortZeroController(Controller):
    """aiosmtpd's Controller, also on port 0: it reads the port the OS chose from the
    listening socket before making its first connection to it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class LoopbackSMTPServer(RecordingHandler):
    """A real SMTP server (aiosmtpd) on a loopback port the OS chooses at the first start, so
    parallel workers never collide; tests may stop and restart it (a controller cannot
    restart, so each start makes a new one on the same port)."""

    def __init__(self):
        super().__init__()
        self.port = 0
        self.controller = None

    def start(self):
        self.controller = PortZeroController(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.port = self.controller.port

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
