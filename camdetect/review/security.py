"""HTTP hardening that is not about users: request size limit and security headers."""

from __future__ import annotations

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class LimitsMiddleware:
    """Pure ASGI: refuse bodies over ``max_body`` bytes (413) -- by Content-Length, and by counting
    streamed chunks when there is none -- and add security headers to every response."""

    def __init__(self, app, max_body: int):
        self.app = app
        self.max_body = max_body

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
                    return await _reply(send, 413, b"request body too large")
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
                        await _reply(send, 413, b"request body too large")
                    return {"type": "http.disconnect"}  # the app stops reading
            return msg

        async def send_with_headers(msg):
            nonlocal started
            if refused:
                return  # we already answered 413
            if msg["type"] == "http.response.start":
                started = True
                path = scope.get("path", "")
                extra = [h for h in HEADERS if not (h[0] == b"cache-control" and path.startswith(("/static/", "/media/")))]
                msg = {**msg, "headers": list(msg.get("headers", [])) + extra}
            await send(msg)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except Exception:
            if not refused:
                raise


async def _reply(send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + HEADERS})
    await send({"type": "http.response.body", "body": body})
