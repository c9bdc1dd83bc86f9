"""uvicorn's HTTP protocol with TCP_NODELAY on every connection.

asyncio sets TCP_NODELAY on accepted sockets only when the listening socket says ``proto ==
IPPROTO_TCP``. uvicorn with ``--workers N`` (and ``--fd``) binds the socket itself with proto 0, so
its connections kept Nagle's algorithm: the response head and body go out as two small writes, the
second waits for the client's delayed ACK, and every request took ~40 ms more (healthz: 1.3 ms with
one worker, 44 ms with two). Setting the option per connection makes both modes alike.
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def _nodelay(transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket after all: nothing to switch off
            pass


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport) -> None:
        _nodelay(transport)
        super().connection_made(transport)


try:  # uvicorn prefers httptools when it is installed; keep that choice
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport) -> None:
            _nodelay(transport)
            super().connection_made(transport)

    HTTP_PROTOCOL: type = NoDelayHttpToolsProtocol
except ImportError:
    HTTP_PROTOCOL = NoDelayH11Protocol
