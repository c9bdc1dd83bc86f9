"""Property/fuzz tests for every parser: random garbage and mutated valid files never raise anything
but our one-line ValueError in strict mode, and never raise at all in lenient mode."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camdetect.labels.importers import import_labels

FIXTURES = Path(__file__).parent / "fixtures"
# format -> (fixture folder, files that may be damaged, SRC relative to the copied folder)
TARGETS = {
    "decoders": ("decoders", ("cameras.csv", "counts.csv"), "."),
    "stanford": ("stanford", ("meta.csv", "info.yaml"), "meta.csv"),
    "coco": ("coco", ("cameras.json",), "cameras.json"),
    "yolo": ("yolo", ("labels/train/corner_a.txt", "data.yaml", "images/train/corner_a.png"), "."),
    "voc": ("voc", ("corner_a.xml", "no_camera.xml"), "."),
    "labelstudio": ("labelstudio", ("export.json",), "export.json"),
    "cvat": ("cvat", ("annotations.xml",), "annotations.xml"),
}
FUZZ = settings(max_examples=int(os.environ.get("CAMDETECT_FUZZ_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# byte-level edits: (position as a fraction of the file, operation, payload)
_edit = st.tuples(st.floats(0, 1), st.sampled_from(["flip", "insert", "delete", "dup"]),
                  st.binary(min_size=1, max_size=8))
# tokens that stress the parsers where plain random bytes rarely reach
_tokens = st.sampled_from([b",", b'"', b"\n", b"\r\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"{", b"]", b"<",
                           b"/>", b"&amp;", b"-1e309", b"nan", b"1e400", b"[[[[", b"'", b"9" * 30, b"\xe9"])


def mutate(data: bytes, edits, tokens) -> bytes:
    out = bytearray(data)
    for (where, op, payload), token in zip(edits, tokens):
        i = int(where * len(out))
        if op == "flip" and out:
            out[min(i, len(out) - 1)] ^= payload[0] or 1
        elif op == "insert":
            out[i:i] = payload if payload[0] % 2 else token
        elif op == "delete":
            del out[i:i + len(payload) * 3]
        elif op == "dup":
            out[i:i] = out[max(0, i - 40):i]
    return bytes(out)


def _run(fmt: str, target: str, content: bytes) -> None:
    folder, _, src = TARGETS[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / folder
        shutil.copytree(FIXTURES / folder, root)
        (root / target).write_bytes(content)
        path = root / src if src != "." else root
        try:
            import_labels(fmt, path, strict=True)
        except ValueError as exc:  # our one-line error (UnknownLabelError is a ValueError too)
            text = str(exc)
            assert text and "\n" not in text and str(root) in text, text
        result = import_labels(fmt, path, strict=False)  # lenient: must not raise at all
        assert result.report()


@pytest.mark.parametrize("fmt", sorted(TARGETS))
@FUZZ
@given(data=st.data())
def test_mutated_valid_files(fmt, data):
    folder, targets, _ = TARGETS[fmt]
    target = data.draw(st.sampled_from(targets))
    original = (FIXTURES / folder / target).read_bytes()
    edits = data.draw(st.lists(_edit, min_size=1, max_size=6))
    tokens = data.draw(st.lists(_tokens, min_size=len(edits), max_size=len(edits)))
    _run(fmt, target, mutate(original, edits, tokens))


@pytest.mark.parametrize("fmt", sorted(TARGETS))
@FUZZ
@given(data=st.data())
def test_random_garbage(fmt, data):
    folder, targets, _ = TARGETS[fmt]
    target = data.draw(st.sampled_from(targets))
    garbage = data.draw(st.one_of(st.binary(max_size=300),
                                  st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
                                  st.lists(_tokens, max_size=40).map(b"".join)))
    _run(fmt, target, garbage)


_DEEP = {"yaml": "names: " + "[" * 5000 + "]" * 5000, "json": "[" * 100000 + "]" * 100000,
         "xml": "<annotation>" + "<a>" * 50000 + "</a>" * 50000 + "</annotation>",
         "csv": 'annotations,split,image_id,panoid,heading,gsv_image_path\n"' + "[" * 5000 + "]" * 5000
                + '",train,0,p,1,x.jpg\n'}


@pytest.mark.parametrize("fmt,target,kind", [
    ("yolo", "data.yaml", "yaml"), ("stanford", "info.yaml", "yaml"), ("stanford", "meta.csv", "csv"),
    ("coco", "cameras.json", "json"), ("labelstudio", "export.json", "json"), ("voc", "corner_a.xml", "xml"),
    ("cvat", "annotations.xml", "xml"),
])
def test_deep_nesting_is_a_problem_not_a_crash(fmt, target, kind):
    _run(fmt, target, _DEEP[kind].encode())
