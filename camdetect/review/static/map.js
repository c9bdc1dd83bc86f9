// Verified cameras on a plain background (no tile server is reachable), from /export/located.geojson:
// cameras seen from two or more panoramas are triangulated (a dot with its uncertainty circle),
// cameras seen once are a dashed bearing line from their panorama.
(function () {
  "use strict";
  const map = L.map("map", { attributionControl: false, zoomSnap: 0.25 });
  const info = document.getElementById("mapinfo");
  const COLORS = { dome: "#d33", bullet: "#33d", alpr: "#d80", unknown: "#777" };
  const color = (p) => COLORS[p["camdetect:type"]] || "#777";
  fetch("/export/located.geojson", { headers: { accept: "application/geo+json" } }).then((r) => r.json()).then((fc) => {
    const feats = fc.features.filter((f) => f.geometry);
    const located = feats.filter((f) => f.geometry.type === "Point").length;
    info.textContent = feats.length + " verified cameras: " + located + " placed from two or more panoramas, " +
      (feats.length - located) + " seen from one panorama (bearing line).";
    const layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#000", weight: 1, fillColor: color(f.properties), fillOpacity: 0.9 }),
      style: (f) => ({ color: color(f.properties), weight: 2, dashArray: "4 4" }),
      onEachFeature: (f, l) => {
        const p = f.properties;
        const div = document.createElement("div");
        let where = "bearing " + p["camdetect:bearing"] + " deg from one panorama";
        if (p["camdetect:located"] === "triangulated") {
          where = "from " + p["camdetect:panoramas"].length + " panoramas, +/- " + p["camdetect:uncertainty_m"] + " m";
          L.circle(l.getLatLng(), { radius: p["camdetect:uncertainty_m"], color: color(p), weight: 1, fillOpacity: 0.1 }).addTo(map);
        }
        div.textContent = p["camdetect:type"] + " on " + p["camdetect:mount"] + ", " + where;
        l.bindPopup(div);
      },
    }).addTo(map);
    if (feats.length) map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 19 });
    else map.setView([0, 0], 2);
    L.control.scale().addTo(map);
  }).catch(() => { info.textContent = "Could not load cameras."; map.setView([0, 0], 2); });
})();
