"""Mail servers that are slow in the ways real ones are, on loopback, for the delivery tests.

SlowSMTPServer is the recording aiosmtpd server of loopback_smtp.py whose answer to RCPT
depends on the recipient's address:

- ``slow...``: says nothing for ``hold`` seconds, then accepts;
- ``drip...``: answers one byte every 0.2 s for ``hold`` seconds (a socket timeout, counted
  per read, never fires), then accepts;
- ``pace...``: accepts after ``pace`` seconds (a slow but working server);
- ``gate...``: accepts once the test opens ``gate``; ``at_gate`` is set while one waits;
- ``farewell...``: accepts the message, then answers QUIT after ``hold`` seconds, and
  with 421 instead of 221.

SilentServer accepts connections (the kernel completes them) and never says a word: a mail
server behind a black hole. DrippingServer sends each connection a few bytes, then one more
every 0.2 s: given the start of a TLS record, a TLS handshake that never ends.
"""

import asyncio
import socket
import threading
import time

from loopback_smtp import LoopbackSMTPServer, PortZeroController


class SlowSMTPServer(LoopbackSMTPServer):
    def __init__(self, hold: float = 30, pace: float = 1.0, **controller_options):
        """controller_options: aiosmtpd's, e.g. tls_context (STARTTLS) or ssl_context."""
        super().__init__()
        self.hold, self.pace = hold, pace
        self.gate, self.at_gate = threading.Event(), threading.Event()
        self.controller_options = controller_options

    def start(self):
        self.controller = PortZeroController(self, hostname="127.0.0.1", port=self.port,
                                             **self.controller_options)
        self.controller.start()
        self.port = self.controller.port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("slow"):
            await asyncio.sleep(self.hold)
        elif address.startswith("drip"):
            await self._drip(server)
        elif address.startswith("pace"):
            await asyncio.sleep(self.pace)
        elif address.startswith("gate"):
            self.at_gate.set()
            while not self.gate.is_set():
                await asyncio.sleep(0.05)
        elif address.startswith("farewell"):
            session.slow_goodbye = True
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_QUIT(self, server, session, envelope):
        if getattr(session, "slow_goodbye", False):
            await asyncio.sleep(self.hold)
            return "421 4.4.2 Closing the connection"
        return "221 Bye"

    async def _drip(self, server) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + self.hold
        while loop.time() < end and server.transport and not server.transport.is_closing():
            server.transport.write(b"2")
            await asyncio.sleep(0.2)


class SilentServer:
    """A listening socket nobody ever accepts on: connecting works, no greeting comes."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()


class DrippingServer(SilentServer):
    def __init__(self, prefix: bytes, hold: float = 30):
        super().__init__()
        self.prefix, self.hold = prefix, hold
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() below; close() alone does not
        super().close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.prefix)
                for _ in range(int(self.hold / 0.2)):
                    time.sleep(0.2)
                    conn.sendall(b"\x00")
            except OSError:
                pass  # the client gave up
