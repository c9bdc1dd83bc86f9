"""camdetect demo: the plan, bad config input, a failing stage, and one tiny end-to-end run + resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camdetect.demo.pipeline import DemoSettings, Layout, is_done, plan, run_demo

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize(
    "text, message",
    [
        ("full: {intersections: 3}\n", "no 'quick' section"),
        ("quick: {intersections: 3, colour: red}\n", "quick.colour: unknown key"),
        ("quick: [1, 2]\n", "quick: expected a mapping, got [1, 2]"),
    ],
)
def test_bad_config_names_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=str(path)) as err:
        DemoSettings.load(path, quick=True)
    assert message in str(err.value)


@pytest.mark.parametrize("quick, overrides, expected", [
    (True, {}, {"intersections": 10, "epochs": 1}),
    (False, {}, {"intersections": 120, "width": 4096, "tile": 320, "weights": "models/camdetect-default.pt"}),
    (True, {"intersections": 4, "epochs": None, "seed": 3}, {"intersections": 4, "epochs": 1, "seed": 3}),
    (False, {"weights": "/x/camdetect-wide.pt"}, {"weights": "/x/camdetect-wide.pt", "recipe": "configs/train/default.yaml"}),
])
def test_settings_overrides(quick: bool, overrides: dict, expected: dict) -> None:
    s = DemoSettings.load(quick=quick, **overrides)
    assert {k: getattr(s, k) for k in expected} == expected


def test_demo_weights_option_refuses_a_missing_checkpoint(tmp_path: Path) -> None:
    """`camdetect demo --weights X`: a missing X is one line and exit 2, not a silent run from scratch (the
    config's ``weights`` falls back to scratch when absent, for a clone without models/)."""
    import subprocess
    import sys

    missing = tmp_path / "nope.pt"
    r = subprocess.run([sys.executable, "-c", "from camdetect.cli import main; main()", "demo", "--out",
                        str(tmp_path / "demo"), "--weights", str(missing)], check=False, capture_output=True,
                       text=True)
    assert r.returncode == 2 and f"{missing}: --weights checkpoint not found" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "demo").exists()


def test_summary_names_rounds_worse_than_their_start() -> None:
    from camdetect.demo.pipeline import regressions

    rows = [{"round": "0 camdetect-wide as it is", "map50": 0.393, "max_recall": 0.75},
            {"round": "1 + full searches", "map50": 0.386, "max_recall": 0.875},
            {"round": "2 + review round", "map50": 0.418, "max_recall": 0.875}]
    assert regressions(rows) == ["round 1 + full searches is worse than the model it starts from: "
                                 "mAP@0.5 0.386 < 0.393"]
    rows[2].update(map50=0.2, max_recall=0.5)
    assert regressions(rows)[1].endswith("mAP@0.5 0.200 < 0.393, highest recall 0.500 < 0.750")
    assert regressions(rows[1:]) == []  # no round 0 (trained from scratch, or --no-baseline): nothing to compare


FIRST_ROUND = ["synth", "labels import", "labels consensus", "labels report", "dataset build", "train recipe",
               "train", "export", "test manifest"]
REVIEW_ROUND = ["round split", "score", "eval score", "eval", "review round", "review export", "reviewed dataset",
                "round 2 dataset", "train recipe 2", "train 2", "export 2", "round 2 score", "round 2 eval"]


def test_plan_order_and_paths(tmp_path: Path) -> None:
    stages = plan(Layout(tmp_path), DemoSettings.load(quick=True))
    assert [s.name for s in stages] == FIRST_ROUND + REVIEW_ROUND
    score = next(s for s in stages if s.name == "score")
    assert f"sqlite:///{tmp_path.resolve()}/review.db" in score.args
    assert str(Layout(tmp_path).manifest_review) in score.args  # the queue is the review half
    for name in ("eval", "round 2 eval"):  # every round is measured on the final half
        assert str(Layout(tmp_path).manifest_final) in next(s for s in stages if s.name == name).args
    plain = plan(Layout(tmp_path), DemoSettings.load(quick=True, review_round=False))
    assert [s.name for s in plain] == FIRST_ROUND + ["score", "eval"]
    assert str(Layout(tmp_path).manifest_test) in plain[-1].args


def test_views_setting_reaches_the_dataset_and_every_scoring(tmp_path: Path) -> None:
    """``views``: the dataset build cuts and every scoring scores the same view plan (two rings here); unset, no
    stage names a plan (the commands, and so the stamps of existing runs, stay as they were)."""
    two = DemoSettings.load(quick=True, views="configs/views/two-rings.yaml")
    stages = {s.name: s.args for s in plan(Layout(tmp_path), two)}
    scorings = [args for args in stages.values() if args and args[0] == "score"]
    assert len(scorings) == 3  # quick: no baseline (no shipped weights), so the queue, the final half, round 2
    for args in scorings:
        assert args[args.index("--plan") + 1].endswith("configs/views/two-rings.yaml")
    assert stages["dataset build"][stages["dataset build"].index("--views") + 1].endswith("two-rings.yaml")
    plain = plan(Layout(tmp_path), DemoSettings.load(quick=True))
    assert not any("--plan" in (s.args or []) or "--views" in (s.args or []) for s in plain)


def test_keep_start_reaches_both_rounds_recipes(tmp_path: Path) -> None:
    import yaml

    from camdetect.demo.pipeline import write_recipe, write_recipe2

    L = Layout(tmp_path / "demo")
    shipped = tmp_path / "shipped.pt"
    shipped.write_bytes(b"x")
    s = DemoSettings(recipe="configs/train/default.yaml", weights=str(shipped), keep_start=True)
    write_recipe(L, s)
    write_recipe2(L, s)
    for path in (L.recipe, L.recipe2):
        recipe = yaml.safe_load(path.read_text())
        assert recipe["keep_start"] is True and recipe["weights"] == str(shipped)


def test_held_out_split_alternates_intersections(tmp_path: Path) -> None:
    from camdetect.demo.pipeline import split_held_out

    L = Layout(tmp_path)
    L.city.mkdir(parents=True)
    rows = ["intersection_id,pano_id,image_path"] + [f"i{n},p{n}{k},panoramas/p{n}{k}.jpg" for n in range(5) for k in "ab"]
    L.manifest_test.write_text("\n".join(rows) + "\n")
    split_held_out(L)
    review, final = (L.manifest_review.read_text().splitlines(), L.manifest_final.read_text().splitlines())
    assert review[0] == final[0] == rows[0]
    assert {r.split(",")[0] for r in review[1:]} == {"i0", "i2", "i4"}  # both panoramas of an intersection
    assert {r.split(",")[0] for r in final[1:]} == {"i1", "i3"} and len(review) + len(final) == len(rows) + 1
    # with the volunteers' tags: ordered by tags per intersection, so the tagged ones are shared out too
    from camdetect.records import Tag, write_table

    L.labels.mkdir(parents=True)
    write_table(L.labels / "tags.csv", [Tag("decoders", f"p{n}a", "v", intersection=f"i{n}", tag_id=f"t{n}{k}")
                                        for n, k in ((3, 0), (3, 1), (4, 0), (1, 0))], Tag)
    split_held_out(L)  # order: i3 (2 tags), i1, i4 (1 each), i0, i2 -> review i3, i4, i2; final i1, i0
    assert {r.split(",")[0] for r in L.manifest_review.read_text().splitlines()[1:]} == {"i3", "i4", "i2"}
    assert {r.split(",")[0] for r in L.manifest_final.read_text().splitlines()[1:]} == {"i1", "i0"}
    L.manifest_test.write_text(rows[0] + "\ni0,p0,x.jpg\n")
    with pytest.raises(ValueError, match="manifest_test.csv: 1 held-out intersection"):
        split_held_out(L)


def test_second_round_recipe_starts_from_the_first_rounds_weights(tmp_path: Path) -> None:
    import yaml

    from camdetect.demo.pipeline import write_recipe2

    L = Layout(tmp_path / "demo")
    merged = DemoSettings(recipe="configs/train/default.yaml", round_epochs=3, round2_from="round1",
                          round2_data="merged")
    write_recipe2(L, merged)
    recipe = yaml.safe_load(L.recipe2.read_text())
    assert recipe["weights"] == str(L.run / "weights" / "best.pt") and recipe["data"] == str(L.ds_round2)
    assert recipe["epochs"] == 3 and recipe["name"] == "detector2" and recipe["mount"]["enabled"] is False
    # the default: the shipped weights (when there are any) on the verified views only
    shipped = tmp_path / "shipped.pt"
    write_recipe2(L, DemoSettings(recipe="configs/train/default.yaml", weights=str(shipped)))
    recipe = yaml.safe_load(L.recipe2.read_text())
    assert recipe["weights"] == str(L.run / "weights" / "best.pt")  # no shipped file: round 1's
    shipped.write_bytes(b"x")
    write_recipe2(L, DemoSettings(recipe="configs/train/default.yaml", weights=str(shipped)))
    recipe = yaml.safe_load(L.recipe2.read_text())
    assert recipe["weights"] == str(shipped) and recipe["data"] == str(L.ds_reviewed)
    names = [st.name for st in plan(L, DemoSettings.load())]  # full config: reviewed views, no merge stage
    assert "round 2 dataset" not in names and names[-1] == "round 2 eval"


def test_failing_stage_reports_command_and_exits_nonzero(tmp_path: Path, capsys) -> None:
    settings = DemoSettings.load(quick=True, width=-5)
    assert run_demo(tmp_path / "demo", settings) == 1
    out = capsys.readouterr().out
    assert "synth" in out and "FAILED" in out and "camdetect synth" in out
    assert not (tmp_path / "demo" / ".done" / "synth").exists()


def test_quick_demo_end_to_end_then_resumes(tmp_path: Path, capsys) -> None:
    out = tmp_path / "demo"
    settings = DemoSettings.load(quick=True)
    assert run_demo(out, settings) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cameras_truth"] > 0 and summary["intersections_scored"] > 0
    assert summary["views_scored"] >= 10 * summary["intersections_scored"]  # the panoramas were found and cut
    assert summary["suggestions"] is not None
    assert (out / "eval" / "report.md").exists() and (out / "model.onnx").exists() and (out / "model2.onnx").exists()
    rounds = {r["round"][0]: r for r in summary["rounds"]}  # no shipped model in the quick demo: rounds 1 and 2
    assert set(rounds) == {"1", "2"} and rounds["1"]["hours_per_1000"] == pytest.approx(75.0)
    review = json.loads((out / "review_round.json").read_text())
    assert rounds["2"]["answers"] == review["answers"] > 0 and not review["errors"]
    assert (out / "review_export" / "tags.csv").exists() and (out / "ds_round2" / "data.yaml").exists()
    assert summary["db"].endswith("round2/review.db")  # the next queue: the retrained model's suggestions
    printed = capsys.readouterr().out
    assert "camdetect review serve --db" in printed and "mAP@0.5" in printed and "per round" in printed
    train_log = (out / "logs" / "train.log").read_text()
    assert "camdetect train: epoch 1/1 done" in train_log and "% of the run" in train_log  # progress for the demo

    stamps = {p.name: p.stat().st_mtime_ns for p in (out / ".done").iterdir()}
    n = len(FIRST_ROUND + REVIEW_ROUND)
    assert len(stamps) == n
    assert run_demo(out, settings) == 0  # everything done: every stage skipped, nothing re-run
    assert printed.count("done in") == n
    assert capsys.readouterr().out.count("skipped") == n
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".done").iterdir()} == stamps
    # other sizes change the commands: those stages (and only those) are no longer done
    changed = {s.name: is_done(Layout(out), s) for s in plan(Layout(out), DemoSettings.load(quick=True, epochs=2))}
    assert [name for name, done in changed.items() if not done] == ["train recipe", "train recipe 2"]


def test_recipe_fine_tunes_the_shipped_checkpoint_when_present(tmp_path) -> None:
    """The demo's recipe = the base recipe + demo sizes; ``weights`` only when the checkpoint exists."""
    import yaml

    from camdetect.demo.pipeline import write_recipe

    layout = Layout(tmp_path / "demo")
    ckpt = tmp_path / "shipped.pt"
    settings = DemoSettings(recipe="configs/train/default.yaml", weights=str(ckpt), epochs=3, imgsz=320)
    write_recipe(layout, settings)
    recipe = yaml.safe_load(layout.recipe.read_text())
    assert "weights" not in recipe and recipe["model"].endswith("camdetect-p2.yaml") and recipe["epochs"] == 3
    ckpt.write_bytes(b"not really a checkpoint")  # write_recipe only checks that it is there
    write_recipe(layout, settings)
    assert yaml.safe_load(layout.recipe.read_text())["weights"] == str(ckpt)
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        write_recipe(layout, DemoSettings(recipe="configs/train/nope.yaml"))


def test_baseline_stages_only_when_a_shipped_model_is_fine_tuned(tmp_path: Path) -> None:
    from camdetect.demo.pipeline import baseline_stages

    layout = Layout(tmp_path / "demo")
    assert baseline_stages(layout, DemoSettings(weights="")) == []
    assert baseline_stages(layout, DemoSettings(weights=str(tmp_path / "missing.pt"))) == []
    (tmp_path / "m.pt").write_bytes(b"x")
    assert baseline_stages(layout, DemoSettings(weights=str(tmp_path / "m.pt"))) == []  # no m.onnx beside it
    (tmp_path / "m.onnx").write_bytes(b"x")
    stages = baseline_stages(layout, DemoSettings(weights=str(tmp_path / "m.pt")))
    assert [s.name for s in stages] == ["baseline score", "baseline eval"]
    assert str(tmp_path / "m.onnx") in stages[0].args and "review.db" not in str(layout.db_file.parent / "baseline")


def _onnx_with_training_run(path: Path, training_run: dict | None) -> Path:
    """A minimal real ONNX file (Identity) carrying export's ``camdetect.training_run`` metadata."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph)
    if training_run is not None:
        model.metadata_props.add(key="camdetect.training_run", value=json.dumps(training_run))
    onnx.save(model, str(path))
    return path


@pytest.mark.parametrize("record, sibling, expected", [
    ({"source": "trained", "reason": ""}, True, "trained (this run's classifier)"),
    ({"source": "fallback", "path": "/repo/models/camdetect-default-mount.onnx",
      "reason": "the run's mount classifier is not usable (skipped: 2 of 3 mounts)"}, True,
     "shipped fallback camdetect-default-mount.onnx (the run's mount classifier is not usable (skipped: 2 of 3 mounts))"),
    ({"source": "none", "reason": "degenerate: street_furniture is 100%"}, False,
     "none: mounts are not suggested (degenerate: street_furniture is 100%)"),
    (None, True, "model-mount.onnx (origin not recorded)"),
    (None, False, "none"),
])
def test_summary_names_the_mount_model_the_queue_used(tmp_path, record, sibling, expected) -> None:
    from camdetect.demo.pipeline import mount_model_used

    layout = Layout(tmp_path / "demo")
    layout.out.mkdir(parents=True)
    _onnx_with_training_run(layout.model, None if record is None else {"mount_model": record})
    if sibling:
        layout.mount_model.write_bytes(b"classifier")
    assert mount_model_used(layout.model) == expected
    assert mount_model_used(tmp_path / "absent.onnx") is None


def test_export_stage_passes_the_fallback_and_cleans_the_old_classifier(tmp_path) -> None:
    shipped = Path(__file__).parents[2] / "models" / "camdetect-default-mount.onnx"
    if not shipped.is_file():
        pytest.skip("no shipped mount model in models/")
    layout = Layout(tmp_path / "demo")
    stage = next(s for s in plan(layout, DemoSettings.load()) if s.name == "export")
    assert stage.args[-2:] == ["--mount-model", str(shipped)]
    assert layout.mount_model in stage.clean
    quick = next(s for s in plan(layout, DemoSettings.load(quick=True)) if s.name == "export")
    assert "--mount-model" not in quick.args


def test_ignore_doubtful_wires_consensus_to_dataset(tmp_path: Path) -> None:
    """ignore_doubtful: consensus writes the rejected candidates, the dataset greys them out."""
    L = Layout(tmp_path)
    on = {s.name: s for s in plan(L, DemoSettings.load(quick=True, ignore_doubtful=True))}
    off = {s.name: s for s in plan(L, DemoSettings.load(quick=True))}
    doubtful = str(L.labels / "doubtful.csv")
    assert on["labels consensus"].args[-2:] == ["--doubtful", doubtful]
    assert on["dataset build"].args[-2:] == ["--ignore", doubtful]
    assert L.labels / "doubtful.csv" in on["labels consensus"].outputs
    assert "--doubtful" not in off["labels consensus"].args and "--ignore" not in off["dataset build"].args


def test_truth_labels_train_on_the_citys_boxes_with_pinned_splits(tmp_path: Path) -> None:
    """labels=truth (the ceiling arm of scripts/bench_crowd.py): the dataset is built from the truth table,
    nothing is greyed out, and --splits-from keeps the other arm's held-out intersections."""
    L = Layout(tmp_path)
    other = tmp_path / "other" / "ds"
    truth = {s.name: s for s in plan(L, DemoSettings.load(quick=True, labels="truth", ignore_doubtful=True,
                                                          splits_from=str(other)))}
    crowd = {s.name: s for s in plan(L, DemoSettings.load(quick=True))}
    build = truth["dataset build"].args
    assert build[build.index("--cameras") + 1] == str(L.city / "truth" / "cameras.csv")
    assert build[build.index("--splits-from") + 1] == str(other.resolve()) and "--ignore" not in build
    assert "--doubtful" not in truth["labels consensus"].args
    crowd_build = crowd["dataset build"].args
    assert crowd_build[crowd_build.index("--cameras") + 1] == str(L.labels / "cameras.csv")
    assert "--splits-from" not in crowd_build


@pytest.mark.parametrize("cameras, expected", [("truth", ("truth", False)), ("crowd", ("consensus", False)),
                                               ("refined", ("lean", True)), (None, None)])
def test_summary_says_what_the_detector_trained_on(tmp_path: Path, cameras, expected) -> None:
    from camdetect.demo.pipeline import _labels_used

    L = Layout(tmp_path)
    if cameras:
        L.ds.mkdir(parents=True)
        table = {"truth": L.city / "truth" / "cameras.csv", "crowd": L.labels / "cameras.csv",
                 "refined": L.labels / "cameras_lean_refined.csv"}[cameras]
        (L.ds / "dataset.json").write_text(json.dumps({"sources": {"cameras": str(table)}}))
    assert _labels_used(L) == expected


def test_refine_boxes_stage_sizes_the_crowds_boxes_before_the_dataset(tmp_path: Path) -> None:
    """refine_boxes: `labels refine-boxes` on the crowd's table (consensus or lean), the dataset reads its output;
    the truth has boxes and is never refined."""
    L = Layout(tmp_path)
    model = "models/camdetect-default.onnx"
    for labels, table in (("consensus", "cameras.csv"), ("lean", "cameras_lean.csv")):
        stages = {s.name: s for s in plan(L, DemoSettings.load(quick=True, labels=labels, refine_boxes=model))}
        refined = L.labels / table.replace(".csv", "_refined.csv")
        args = stages["refine boxes"].args
        assert args[:3] == ["labels", "refine-boxes", str(L.labels / table)]
        assert args[args.index("--out") + 1] == str(refined) and args[args.index("--model") + 1].endswith(model)
        build = stages["dataset build"].args
        assert build[build.index("--cameras") + 1] == str(refined)
        names = list(stages)
        assert names.index("refine boxes") < names.index("dataset build")
    with_baseline = {s.name for s in plan(L, DemoSettings.load())}  # full: fine-tunes the shipped model
    assert "baseline score" in with_baseline
    assert not any(n.startswith("baseline") for n in {s.name for s in plan(L, DemoSettings.load(baseline=False))})
    truth = {s.name for s in plan(L, DemoSettings.load(quick=True, labels="truth", refine_boxes=model))}
    assert "refine boxes" not in truth
    assert "refine boxes" not in {s.name for s in plan(L, DemoSettings.load(quick=True))}


def test_lean_labels_stage_verifies_disputed_candidates_and_feeds_the_dataset(tmp_path: Path) -> None:
    """labels=lean: an in-process stage writes labels/cameras_lean.csv (+ lean.json) that dataset build reads."""
    from camdetect.demo.pipeline import _lean_numbers, write_lean_labels
    from camdetect.records import Camera, Tag, read_table, write_table

    L = Layout(tmp_path)
    stages = {s.name: s for s in plan(L, DemoSettings.load(quick=True, labels="lean"))}
    build = stages["dataset build"].args
    assert build[build.index("--cameras") + 1] == str(L.labels / "cameras_lean.csv")
    assert "lean labels" in stages and "lean labels" not in {s.name for s in plan(L, DemoSettings.load(quick=True))}
    seen = [Tag("decoders", "p", v, kind="seen") for v in "abc"]
    tags = seen + [Tag("decoders", "p", v, tag_id=f"{v}{h}", heading=h, pitch=10.0, type="dome", mount="building")
                   for v, h in (("a", 100.0), ("b", 100.0), ("c", 100.0), ("a", 200.0), ("b", 300.0))]
    L.labels.mkdir(parents=True)
    (L.city / "truth").mkdir(parents=True)
    write_table(L.labels / "tags.csv", tags, Tag)
    write_table(L.city / "truth" / "cameras.csv",  # 200 is a camera only one volunteer saw; 300 is not one
                [Camera("truth", "p", f"t{h}", heading=h, pitch=10.0, type="dome", mount="building")
                 for h in (100.0, 200.0)], Camera)
    write_lean_labels(L, DemoSettings.load(quick=True, labels="lean"))
    doc = json.loads((L.labels / "lean.json").read_text())
    assert doc["disputed"] == 2 and doc["verify_answers"] >= 6  # 200 and 300, each until 3 answers agree
    kept = sorted(round(c.heading) for c in read_table(L.labels / "cameras_lean.csv", Camera))
    assert 100 in kept and 300 not in kept
    assert _lean_numbers(L) == {}  # no dataset built from it yet: nothing to count in the hours
