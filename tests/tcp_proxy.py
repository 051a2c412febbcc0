"""A TCP proxy on loopback that can cut a service off (the database going down) and restore it."""

from __future__ import annotations

import socket
import threading


class CuttableProxy:
    """Forwards connections to a target; while cut, drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int) -> None:
        """A proxy on a free loopback port; call start()."""
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False

    def start(self) -> CuttableProxy:
        """Accepts connections in a background thread."""
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def cut(self) -> None:
        """Closes every open connection; new ones are closed at once."""
        with self._lock:
            self._cut = True
            for sock in self._open:
                _close(sock)
            self._open.clear()

    def restore(self) -> None:
        """Lets connections through again."""
        with self._lock:
            self._cut = False

    def _accept(self) -> None:
        """Pairs each accepted client with a connection to the target."""
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._cut:
                    _close(client)
                    continue
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._cut:  # cut while this connection was being made
                    _close(client)
                    _close(upstream)
                    continue
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        """Copies bytes one way until either side closes."""
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    """Closes a socket, ignoring errors."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
