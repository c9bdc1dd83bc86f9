// Verified cameras on a plain background (no tile server is reachable): markers from the GeoJSON export.
(function () {
  "use strict";
  const map = L.map("map", { attributionControl: false, zoomSnap: 0.25 });
  const info = document.getElementById("mapinfo");
  const COLORS = { dome: "#d33", bullet: "#33d", unknown: "#777" };
  fetch("/export/cameras.geojson", { headers: { accept: "application/geo+json" } }).then((r) => r.json()).then((fc) => {
    const feats = fc.features.filter((f) => f.geometry);
    info.textContent = feats.length + " verified cameras with a position (" + fc.features.length + " in total).";
    const layer = L.geoJSON({ type: "FeatureCollection", features: feats }, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#000", weight: 1, fillColor: COLORS[f.properties.type] || "#777", fillOpacity: 0.9 }),
      onEachFeature: (f, l) => {
        const div = document.createElement("div");
        const p = f.properties;
        div.textContent = p.camera_id + ": " + p.type + " on " + p.mount + " (" + (p.agreement || "") + ")";
        l.bindPopup(div);
      },
    }).addTo(map);
    if (feats.length) map.fitBounds(layer.getBounds().pad(0.2), { maxZoom: 18 });
    else map.setView([0, 0], 2);
    L.control.scale().addTo(map);
  }).catch(() => { info.textContent = "Could not load cameras."; map.setView([0, 0], 2); });
})();
