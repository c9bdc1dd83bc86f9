"""A second look: a small crop classifier that rescores the detector's candidates (camera / not a camera).

Why: every fine-tune of the 262 k-parameter detector traded real-camera recall against false alarms on real
streets along one curve (docs/training.md, v2-v7). The verifier spends extra capacity only where the detector
already suspects a camera: one small crop per candidate, at a resolution of its own (the whole photo, not the
detector's tile), so the cost grows with the suggestions, not with the pixels of a city.
"""
