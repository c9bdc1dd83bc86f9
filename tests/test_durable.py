"""Durable files: atomic writes leave the old file or the new one; the JSONL ledger survives a kill
mid-write (torn last line), reopens without losing or duplicating a record, and keeps done-markers."""

from __future__ import annotations

import json
import os

import pytest

from camdetect.durable import (
    JsonlLedger,
    atomic_open,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    write_geojson,
)


def test_atomic_writes_replace_whole_files_and_leave_no_tmp(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    atomic_write_text(path, "one\n")
    atomic_write_text(path, "two\n")
    assert path.read_text() == "two\n"
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    atomic_write_json(tmp_path / "c.json", {"é": [1, 2]})
    assert (tmp_path / "c.json").read_text(encoding="utf-8") == '{\n "é": [\n  1,\n  2\n ]\n}\n'
    with atomic_open(tmp_path / "d.csv", newline="") as fh:
        fh.write("a,b\r\n")
    assert (tmp_path / "d.csv").read_bytes() == b"a,b\r\n"
    assert sorted(p.name for p in tmp_path.rglob("*tmp*")) == []


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old\n")
    with pytest.raises(RuntimeError), atomic_open(path) as fh:
        fh.write("half a ne")
        raise RuntimeError("killed")
    assert path.read_text() == "old\n" and not (tmp_path / "a.txt.tmp").exists()


def test_atomic_path_keeps_the_suffix_for_format_picking_writers(tmp_path):
    with atomic_path(tmp_path / "fig.png", keep_suffix=True) as tmp:
        assert tmp.name == "fig.tmp.png"
        tmp.write_bytes(b"png")
    assert (tmp_path / "fig.png").read_bytes() == b"png"


@pytest.mark.parametrize("indent, expect", [(None, '{"type": "FeatureCollection", "features": []}'),
                                            (1, '{\n "type": "FeatureCollection",\n "features": []\n}')])
def test_write_geojson(tmp_path, indent, expect):
    assert write_geojson(tmp_path / "x.geojson", {"type": "FeatureCollection", "features": []}, indent=indent) == 0
    assert (tmp_path / "x.geojson").read_text() == expect
    with pytest.raises(ValueError, match="not a GeoJSON FeatureCollection"):
        write_geojson(tmp_path / "y.geojson", {"type": "Feature"})


@pytest.mark.parametrize("cut", [1, 5, 12])  # bytes of the last line that reached the disk before the kill
def test_ledger_kill_mid_write_reopen_no_loss_no_duplicate(tmp_path, cut):
    path = tmp_path / "log.jsonl"
    with JsonlLedger(path, key="key") as led:
        assert led.append([{"key": "a", "v": 1}, {"key": "b", "v": 2}]) == 2
    whole = path.read_bytes()
    torn = json.dumps({"key": "c", "v": 3}).encode()[:cut]
    path.write_bytes(whole + torn)  # the kill: the last append reached the disk only in part
    led = JsonlLedger(path, key="key")
    assert led.cut_bytes == cut and path.read_bytes() == whole and led.keys == {"a", "b"}
    # redoing the work appends c once and skips what is already there (and duplicates within a batch)
    assert led.append([{"key": "b", "v": 2}, {"key": "c", "v": 3}, {"key": "c", "v": 3}]) == 1
    led.close()
    assert [r["key"] for r in JsonlLedger(path).records()] == ["a", "b", "c"]
    assert all(line.startswith("{") for line in path.read_text().splitlines())


def test_ledger_is_created_on_first_append_and_skips_bad_whole_lines(tmp_path):
    path = tmp_path / "deep" / "log.jsonl"
    led = JsonlLedger(path)
    assert not path.exists()
    led.append([{"a": 1}])
    led.close()
    with path.open("a") as fh:
        fh.write('{"a": 2, "b\n[1, 2]\n{"a": 3}\n')  # an old file's terminated torn line, a non-object
    led = JsonlLedger(path)
    assert led.bad_lines == 2 and [r["a"] for r in led.records()] == [1, 3]


def test_ledger_done_markers_and_drop_unfinished(tmp_path):
    path = tmp_path / "pred.jsonl"
    led = JsonlLedger(path, unit="image")
    led.mark_done("a.jpg", [{"image": "a.jpg", "x": 1}, {"image": "a.jpg", "x": 2}], n=2)
    led.append([{"image": "b.jpg", "x": 3}])  # killed before b's marker
    led.close()
    led = JsonlLedger(path, unit="image")
    assert set(led.done) == {"a.jpg"} and led.done["a.jpg"] == {"image": "a.jpg", "done": True, "n": 2}
    assert led.drop_unfinished() == 1
    assert [r.get("x") for r in led.records()] == [1, 2, None]
    led.mark_done("b.jpg", [{"image": "b.jpg", "x": 3}], sync=False)
    led.sync()
    led.close()
    assert set(JsonlLedger(path, unit="image").done) == {"a.jpg", "b.jpg"}
    assert len(path.read_text().splitlines()) == 5


def test_ledger_without_unit_has_no_markers(tmp_path):
    with pytest.raises(ValueError, match="no done-markers"):
        JsonlLedger(tmp_path / "x.jsonl").mark_done("a")


def test_fsync_reaches_the_file_and_folder(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    atomic_write_text(tmp_path / "a.txt", "x")
    assert len(synced) >= 2  # the file, then its folder


def test_touch_creates_an_empty_ledger_and_keeps_an_existing_one(tmp_path):
    """A scorer that finds nothing still leaves its (empty) log: 'ran, found nothing' != 'never ran'."""
    path = tmp_path / "sub" / "s.jsonl"
    with JsonlLedger(path).touch():
        pass
    assert path.exists() and path.read_bytes() == b""
    with JsonlLedger(path, key="k") as led:
        led.append([{"k": "a"}])
    with JsonlLedger(path, key="k").touch() as led:
        assert led.keys == {"a"}
    assert path.read_text().count("\n") == 1
