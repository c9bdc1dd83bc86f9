"""HTTP hardening that is not about users: request size limit, security headers on every
response (errors and crashes included), and a plain 500 instead of a traceback."""

from __future__ import annotations

import logging

log = logging.getLogger("camdetect.review")

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def csp(img_hosts: tuple[str, ...] = ()) -> str:
    """The policy; ``img_hosts``: extra image sources (the map's tile server, only when configured)."""
    if not img_hosts:
        return CSP
    return CSP.replace("img-src 'self' data: blob:", "img-src 'self' data: blob: " + " ".join(img_hosts))


HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")  # with --secure-cookies (served over HTTPS)


class LimitsMiddleware:
    """Pure ASGI: refuse bodies over ``max_body`` bytes (413) -- by Content-Length, and by counting
    streamed chunks when there is none -- and add security headers to every response (``hsts``:
    also Strict-Transport-Security). An exception in the app becomes a plain 500 with the same
    headers (logged, never shown)."""

    def __init__(self, app, max_body: int, hsts: bool = False, img_hosts: tuple[str, ...] = ()):
        self.app = app
        self.max_body = max_body
        self.headers = ([(b"content-security-policy", csp(img_hosts).encode())] + HEADERS[1:]
                        + ([HSTS] if hsts else []))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_body
                except ValueError:
                    too_big = True
                if too_big:
                    return await _reply(send, 413, b"request body too large", self.headers)
        seen = 0
        started = False
        refused = False

        async def limited_receive():
            nonlocal seen, refused, started
            if refused:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:  # streamed body without (or lying) Content-Length
                    refused = True
                    if not started:
                        started = True
                        await _reply(send, 413, b"request body too large", self.headers)
                    return {"type": "http.disconnect"}  # the app stops reading
            return msg

        async def send_with_headers(msg):
            nonlocal started
            if refused:
                return  # we already answered 413
            if msg["type"] == "http.response.start":
                started = True
                path = scope.get("path", "")
                extra = [h for h in self.headers if not (h[0] == b"cache-control" and path.startswith(("/static/", "/media/")))]
                msg = {**msg, "headers": list(msg.get("headers", [])) + extra}
            await send(msg)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except Exception:
            if refused:
                return
            log.exception("review app error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # headers already sent: nothing better to do than drop the connection
            started = True
            await _reply(send, 500, b"internal server error", self.headers)


async def _reply(send, status: int, body: bytes, headers=HEADERS) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + list(headers)})
    await send({"type": "http.response.body", "body": body})
