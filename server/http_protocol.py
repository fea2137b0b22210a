"""uvicorn's C HTTP parser (httptools) with the bound on a request's head that h11 had.

`carnet serve` runs uvicorn with httptools (server/cli.py): it parses a request several times
faster than the pure-Python h11. But uvicorn sets no limit on it: a request line or header
that never ends is kept in memory as it comes (200 MB sent on one connection grew the server
by 370 MB, with no answer), where h11 refused any head still incomplete past 16 KB with a 400.
This protocol keeps that bound: the bytes of a request's head are counted until its headers
are complete, and past `MAX_HEAD_BYTES` the connection gets a 400 and is closed.
"""

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES = 16 * 1024
"""h11's (uvicorn's `h11_max_incomplete_event_size`); our own heads are under 2 KB (cookies
included)."""

PROTOCOL = "server.http_protocol:BoundedHttpTools"
"""What `uvicorn.run(http=…)` and `uvicorn --http …` are given."""


class BoundedHttpTools(HttpToolsProtocol):
    """httptools, refusing a request whose head is still incomplete past `MAX_HEAD_BYTES`.

    Only the data received while a head is being read counts, in whole reads that end inside
    the head, so a body is never counted and a head that arrives whole in one read passes, as
    with h11.
    """

    _in_head = True
    _head_bytes = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self.logger.warning("Request head over %d bytes refused.", MAX_HEAD_BYTES)
            self.send_400_response("Request head too large.")
