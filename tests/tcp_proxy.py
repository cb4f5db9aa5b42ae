"""A TCP proxy between a process and PostgreSQL that a test (or bench/db_outage.py) can cut
and restore, to make database outages from outside the process under test.

- ``cut()``: the database is down (crashed, restarting): every open connection is reset and
  new ones are refused, as by a host with nothing listening on the port.
- ``black_hole()``: the database's address stops answering (a failover to a dead host, a hung
  pooler): open connections are reset, new ones are accepted and never answered, so only the
  client's own connect timeout ends the wait.
- ``restore()``: connections go through again, on the same port.
- ``reset_on(marker)``: the next connection that sends ``marker`` (e.g. ``b"ROLLBACK"``) is
  reset before PostgreSQL sees it: the network dies at one exact moment of a request.

A proxy on loopback cannot freeze an open connection the way a lost network does: its kernel
acknowledges whatever the client sends, so the client's TCP user timeout never fires. Open
connections are therefore reset in both modes. Standard library only.
"""

import socket
import struct
import threading
from urllib.parse import urlsplit, urlunsplit

LINGER_RESET = struct.pack("ii", 1, 0)  # close() then sends a RST, not a FIN


class TCPProxy:
    """Forwards 127.0.0.1:<port> to ``target``; one thread per direction per connection."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)):
        self.target = target
        self.mode = "open"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()  # both ends of every forwarded connection
        self._parked: set[socket.socket] = set()  # accepted in a black hole, never answered
        self._listener: socket.socket | None = None
        self.port = 0
        self.accepted = 0  # connections accepted while open (a test can see a reconnect)
        self._reset_marker: bytes | None = None
        self.resets_on_marker = 0

    # -- control ------------------------------------------------------------------------

    def start(self) -> "TCPProxy":
        self._listen()
        return self

    def cut(self) -> None:
        """Reset every open connection and refuse new ones."""
        with self._lock:
            self.mode = "cut"
            listener, self._listener = self._listener, None
        if listener is not None:
            try:  # wakes the accepting thread and stops listening: a connect is refused
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        self._reset_all()

    def black_hole(self) -> None:
        """Reset every open connection; accept new ones and never answer them."""
        with self._lock:
            self.mode = "black hole"
        if self._listener is None:
            self._listen()
        self._reset_all()

    def restore(self) -> None:
        """Forward again, on the same port."""
        with self._lock:
            self.mode = "open"
            parked, self._parked = self._parked, set()
        for sock in parked:
            _reset(sock)
        if self._listener is None:
            self._listen()

    def reset_on(self, marker: bytes) -> None:
        """Reset the next connection whose client sends ``marker``, instead of forwarding it."""
        with self._lock:
            self._reset_marker = marker

    def stop(self) -> None:
        self.cut()
        with self._lock:
            parked, self._parked = self._parked, set()
        for sock in parked:
            _reset(sock)

    def url(self, database_url: str) -> str:
        """``database_url`` (postgresql://user@host:port/db) pointed at the proxy."""
        parts = urlsplit(database_url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else \
            f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def __enter__(self) -> "TCPProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- work ---------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut() or stop()
                return
            with self._lock:
                mode = self.mode
                if mode == "black hole":
                    self._parked.add(client)
                    continue
                if mode != "open":
                    _reset(client)
                    continue
                self.accepted += 1
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, source is client),
                                 daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                if from_client and self._reset_marker and self._reset_marker in data:
                    with self._lock:
                        self._reset_marker = None
                        self.resets_on_marker += 1
                    break  # both ends are reset below; PostgreSQL never gets these bytes
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):  # one side ended: end the other too
            with self._lock:
                known = sock in self._open
                self._open.discard(sock)
            if known:
                _reset(sock)

    def _reset_all(self) -> None:
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            _reset(sock)


def _reset(sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        sock.shutdown(socket.SHUT_RD)  # wakes a thread blocked in recv(), sends nothing
    except OSError:
        pass
    sock.close()
