"""`camdetect demo`: the whole chain on a synthetic city, each stage as a real CLI subprocess.

synth -> labels import/consensus/report -> dataset build -> train -> export -> score the held-out
intersections into a review store -> eval -> summary. See docs/demo.md.
"""
