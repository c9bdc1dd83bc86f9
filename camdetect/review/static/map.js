// Verified cameras from /export/located.geojson: cameras seen from two or more panoramas are
// triangulated (a dot with its uncertainty circle), cameras seen once are a dashed bearing line from
// their panorama. Background: the configured tile server (data-tiles, with its attribution), else
// (offline) the city plan from /api/map/context: streets as grey lines, intersections as grey circles.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const tiles = el.dataset.tiles, attribution = el.dataset.attribution || "";
  const map = L.map("map", { attributionControl: false, zoomSnap: 0.25 });
  const info = document.getElementById("mapinfo");
  const esc = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  let fitted = "";
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    L.control.attribution({ prefix: false }).addAttribution(esc(attribution)).addTo(map);
  } else {
    fetch("/api/map/context", { headers: { accept: "application/geo+json" } }).then((r) => r.json()).then((fc) => {
      const ctx = L.geoJSON(fc, {
        interactive: false,
        style: () => ({ color: "#8a969c", weight: 2, opacity: 0.8 }),
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 3, color: "#6b777d", weight: 1, fillColor: "#fff", fillOpacity: 0.8 }),
      }).addTo(map);
      ctx.bringToBack();
      if (fitted !== "cameras" && fc.features.length) { map.fitBounds(ctx.getBounds().pad(0.1), { maxZoom: 18 }); fitted = "context"; }
    }).catch(() => {});
  }
  const _ = window.camdetectI18n.gettext, num = window.camdetectI18n.number;
  const TYPE_NAMES = { dome: _("Dome / PTZ"), bullet: _("Bullet"), alpr: _("Licence-plate reader"), unknown: _("Can't tell") };
  const MOUNT_NAMES = { street_furniture: _("Pole / light / signal"), building: _("Building"), other: _("Other") };
  const COLORS = { dome: "#d33", bullet: "#33d", alpr: "#d80", unknown: "#777" };
  const color = (p) => COLORS[p["camdetect:type"]] || "#777";
  fetch("/export/located.geojson", { headers: { accept: "application/geo+json" } }).then((r) => r.json()).then((fc) => {
    const feats = fc.features.filter((f) => f.geometry);
    const located = feats.filter((f) => f.geometry.type === "Point").length;
    info.textContent = _("Cameras verified: %(n)s. Placed from two or more panoramas: %(placed)s. Seen from one panorama (bearing line): %(single)s.",
      { n: num(feats.length), placed: num(located), single: num(feats.length - located) });
    const layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#000", weight: 1, fillColor: color(f.properties), fillOpacity: 0.9 }),
      style: (f) => ({ color: color(f.properties), weight: 2, dashArray: "4 4" }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        const div = document.createElement("div");
        let where = _("bearing %(deg)s° from one panorama", { deg: num(p["camdetect:bearing"]) });
        if (p["camdetect:located"] === "triangulated") {
          where = _("from %(n)s panoramas, ± %(m)s m", { n: num(p["camdetect:panoramas"].length), m: num(p["camdetect:uncertainty_m"]) });
          L.circle(l.getLatLng(), { radius: p["camdetect:uncertainty_m"], color: color(p), weight: 1, fillOpacity: 0.1 }).addTo(map);
        }
        const t = p["camdetect:type"], m = p["camdetect:mount"];
        div.textContent = _("%(type)s on %(mount)s, %(where)s", { type: TYPE_NAMES[t] || t, mount: MOUNT_NAMES[m] || m, where: where });
        l.bindPopup(div);
      },
    }).addTo(map);
    if (feats.length) { map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 19 }); fitted = "cameras"; }
    else if (!fitted) map.setView([0, 0], 2);
    L.control.scale().addTo(map);
  }).catch(() => { info.textContent = _("Could not load cameras."); if (!fitted) map.setView([0, 0], 2); });
})();
