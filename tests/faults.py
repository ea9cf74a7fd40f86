"""A server going away, for tests: a TCP proxy on 127.0.0.1 in front of a real one (PostgreSQL,
Redis), switched between three states.

    with FaultyProxy("127.0.0.1", 5432) as proxy:   # point the client at proxy.port
        proxy.down()      # connections are refused, and open ones are cut
        proxy.hang()      # connections are taken and never answered, open ones are cut
        proxy.up()        # forwarding again

Cutting open connections is what a restart does to them; a client that kept one finds out on
its next use, as it would.
"""

import socket
import threading
from contextlib import suppress

UP, DOWN, HANGING = "up", "down", "hanging"


class FaultyProxy:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.state = UP
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()  # every accepted or forwarding socket
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._start_accepting()

    # -- the switch --------------------------------------------------------------------------

    def up(self) -> None:
        self._switch(UP)

    def down(self) -> None:
        """Nothing listens on the port any more: a connection is refused at once."""
        self._switch(DOWN)

    def hang(self) -> None:
        """The port takes connections and never answers, as a server stuck or cut off by the
        network does; a client waits out its own timeout."""
        self._switch(HANGING)

    def _switch(self, state: str) -> None:
        with self._lock:
            was, self.state = self.state, state
            closing = []
            if state == DOWN and self._listener is not None:
                closing.append(self._listener)
                self._listener = None
            elif state != DOWN and self._listener is None:
                self._listener = self._listen(self.port)
                self._start_accepting()
            if was != state:  # in the lock: a connection taken in the new state stays
                closing.extend(self._sockets)
                self._sockets = set()
        for sock in closing:
            _close(sock)

    def close(self) -> None:
        self.down()

    def __enter__(self) -> "FaultyProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the plumbing ------------------------------------------------------------------------

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        return listener

    def _start_accepting(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by down()
                return
            with self._lock:
                state = self.state
                self._sockets.add(client)
            if state == UP:
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            # HANGING: kept open and never read; down() or up() cuts it.

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._drop(client)
            return
        server.settimeout(None)
        with self._lock:
            self._sockets.add(server)
        threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()
        self._pipe(client, server)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        self._drop(source)
        self._drop(sink)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        _close(sock)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
