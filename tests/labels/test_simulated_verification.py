from camdetect.labels.consensus import Candidate
from camdetect.labels.simulated_verification import crowd_verifier
from camdetect.records import Camera, Tag


def _candidate(image: str, heading: float) -> Candidate:
    tag = Tag("decoders", image, "v1", tag_id=f"{image}-{heading}", heading=heading, pitch=10.0, type="dome",
              mount="building")
    return Candidate(image, [tag], ["v1", "v2", "v3"])


def test_the_simulated_crowd_says_yes_to_cameras_and_no_to_the_rest():
    truth = [Camera("c1", "p1", heading=40.0, pitch=10.0)]
    ask = crowd_verifier(truth, seed=3)
    real, other_image, far = _candidate("p1", 41.0), _candidate("p2", 40.0), _candidate("p1", 120.0)
    answers = {name: [ask(c) for _ in range(200)] for name, c in
               (("real", real), ("other_image", other_image), ("far", far))}
    assert answers["real"].count("yes") > 130  # most volunteers see a real camera
    for name in ("other_image", "far"):  # no camera there: on another panorama, or 80 degrees away
        assert answers[name].count("yes") < 50 and answers[name].count("no") > 100


def test_the_same_seed_gives_the_same_answers():
    truth = [Camera("c1", "p1", heading=40.0, pitch=10.0)]
    a, b = crowd_verifier(truth, seed=5), crowd_verifier(truth, seed=5)
    c = _candidate("p1", 41.0)
    assert [a(c) for _ in range(30)] == [b(c) for _ in range(30)]
