"""A local HTTP server answering like Mapillary API v4 and the Street View metadata/Static APIs.

Scenario knobs (``FakeApi`` attributes) let tests script failures: ``fail_plan`` maps a request
signature (e.g. "meta:<pano>" or "thumb:<id>") to a list of status codes served before success.
Every request is recorded (path + query + auth header) so tests can check what was asked.
"""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qs, urlparse


def jpeg_bytes(w: int = 32, h: int = 16, value: int = 128) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (value, value, value)).save(buf, "JPEG")
    return buf.getvalue()


def _dist_m(lat1, lon1, lat2, lon2) -> float:
    from camdetect.geometry.earth import haversine_m

    return haversine_m(lat1, lon1, lat2, lon2)


class FakeApi:
    def __init__(self, token: str, key: str):
        self.token, self.key = token, key
        self.mly_images: list[dict] = []  # Mapillary image records (API field names)
        self.sv_panos: list[dict] = []  # {"pano_id", "lat", "lng", "date"}
        self.missing: set[str] = set()  # thumb ids / pano ids whose image answers 404
        self.fail_plan: dict[str, list[int]] = {}
        self.retry_after = "0"
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def count(self, prefix: str) -> int:
        return sum(r["path"].startswith(prefix) for r in self.requests)

    def _scripted_failure(self, sig: str) -> int | None:
        with self.lock:
            plan = self.fail_plan.get(sig)
            if plan:
                return plan.pop(0)
        return None

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, obj) -> None:
                self._send(status, json.dumps(obj).encode())

            def _maybe_fail(self, sig: str) -> bool:
                status = api._scripted_failure(sig)
                if status is None:
                    return False
                headers = {"Retry-After": api.retry_after} if status == 429 else {}
                self._send(status, b'{"error": "scripted"}', headers=headers)
                return True

            def do_GET(self):
                u = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                with api.lock:
                    api.requests.append({"path": u.path, "query": q, "auth": self.headers.get("Authorization", "")})
                if u.path == "/images":
                    return self._mly_search(q)
                if u.path.startswith("/thumbs/"):
                    img = u.path.rsplit("/", 1)[1].split(".")[0]
                    if self._maybe_fail(f"thumb:{img}"):
                        return
                    if img in api.missing:
                        return self._send(404, b"not found", "text/plain")
                    return self._send(200, jpeg_bytes(64, 32), "image/jpeg")
                if u.path == "/maps/api/streetview/metadata":
                    return self._sv_meta(q)
                if u.path == "/maps/api/streetview":
                    return self._sv_image(q)
                self._send(404, b"no route", "text/plain")

            def _mly_search(self, q):
                if self.headers.get("Authorization") != f"OAuth {api.token}":
                    return self._json(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
                try:
                    w, s, e, n = (float(v) for v in q["bbox"].split(","))
                except (KeyError, ValueError):
                    return self._json(400, {"error": {"message": "bad bbox"}})
                if self._maybe_fail(f"search:{q['bbox']}") or self._maybe_fail("search:*"):
                    return
                fields = q.get("fields", "id").split(",")
                data = []
                for img in api.mly_images:
                    lon, lat = img["computed_geometry"]["coordinates"]
                    if w <= lon <= e and s <= lat <= n:
                        rec = {k: v for k, v in img.items() if k in fields}
                        rec["id"] = img["id"]
                        rec["thumb_2048_url"] = f"{api.url}/thumbs/{img['id']}.jpg"
                        data.append(rec)
                self._json(200, {"data": data[: int(q.get("limit", "2000"))]})

            def _sv_meta(self, q):
                if q.get("key") != api.key:
                    return self._json(200, {"status": "REQUEST_DENIED", "error_message": "The provided API key is invalid."})
                try:
                    lat, lng = (float(v) for v in q["location"].split(","))
                except (KeyError, ValueError):
                    return self._json(200, {"status": "INVALID_REQUEST"})
                if self._maybe_fail(f"meta:{q['location']}") or self._maybe_fail("meta:*"):
                    return
                radius = float(q.get("radius", "50"))
                best = min(api.sv_panos, key=lambda p: _dist_m(lat, lng, p["lat"], p["lng"]), default=None)
                if best is None or _dist_m(lat, lng, best["lat"], best["lng"]) > radius or q.get("source") != "outdoor":
                    return self._json(200, {"status": "ZERO_RESULTS"})
                self._json(200, {"copyright": "© Google", "date": best.get("date", "2024-05"),
                                 "location": {"lat": best["lat"], "lng": best["lng"]}, "pano_id": best["pano_id"],
                                 "status": "OK"})

            def _sv_image(self, q):
                if q.get("key") != api.key:
                    return self._send(403, b"forbidden", "text/plain")
                w, h = (int(v) for v in q.get("size", "0x0").split("x"))
                if not (0 < w <= 640 and 0 < h <= 640) or not 0 < float(q.get("fov", "90")) <= 120:
                    return self._send(400, b"bad size/fov", "text/plain")
                pano = q.get("pano", "")
                if self._maybe_fail(f"img:{pano}:{q.get('heading')}"):
                    return
                if pano in api.missing:
                    return self._send(404, b"", "image/jpeg")
                self._send(200, jpeg_bytes(w, h, int(float(q["heading"])) % 256), "image/jpeg")

        return Handler
