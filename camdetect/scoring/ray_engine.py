"""``camdetect score --engine ray``: the same Scorer on Ray Data, one ORT session per actor.

The driver lists the jobs (minus those the store has done), Ray Data feeds them to a fixed pool of
actors (``map_batches`` + ``ActorPoolStrategy``), each actor runs :func:`pipeline.run_jobs` on its
batch and returns one row per job, and the driver streams the rows into the same outputs as the
local engine (JSONL, then store commit), so resume and idempotency are identical.

Actors ask for ``num_cpus=0.5`` and run ORT with one intra-op thread: on a 2-core machine an actor
reserving every CPU starves Ray Data's own tasks and the job hangs (ray issue #44687). The model
file travels through the object store, so cluster nodes need no copy of it; the input images and
``--media`` must be on storage every node sees (NFS, a bucket mount) -- see docs/scoring.md.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from pathlib import Path

from camdetect.records import Suggestion
from camdetect.scoring.inputs import Job, discover
from camdetect.scoring.pipeline import Prepared, ScoreConfig, Scorer, ScoreSummary, finish, run_jobs

ACTOR_CPUS = 0.5


class ScoreActor:
    """Holds one ORT session; ``__call__`` scores a batch of jobs (a dict of columns)."""

    def __init__(self, model_ref, model_name: str, batch: int, tile: int, conf, iou, plan: dict, media: str | None,
                 threads: int = 1, spot_share: float = 0.05, skip_tiles: dict | None = None):
        import ray

        from camdetect.geometry import ViewPlan

        data = ray.get(model_ref[0]) if isinstance(model_ref, list) else model_ref
        self.dir = tempfile.mkdtemp(prefix="camdetect-ray-")
        path = Path(self.dir) / f"{model_name}.onnx"  # same stem: same model name, same suggestion keys
        path.write_bytes(data)
        if isinstance(model_ref, list) and len(model_ref) > 1:  # the mount classifier travels too
            path.with_name(f"{model_name}-mount.onnx").write_bytes(ray.get(model_ref[1]))
        self.batch = batch
        self.scorer = Scorer(path, threads=threads, batch=batch, tile=tile, conf=conf, iou=iou,
                             plan=ViewPlan(**plan), media=Path(media) if media else None,
                             spot_share=spot_share, tile_policy=skip_tiles)

    def __call__(self, rows: dict) -> dict:
        keys = list(rows["key"])
        jobs = [Job(**{k: _py(rows[k][i]) for k in rows}) for i in range(len(keys))]
        jobs = [dataclasses.replace(j, path=Path(j.path)) for j in jobs]
        out = {"key": [], "reason": [], "notes": [], "views": [], "units": [], "suggestions": [], "meta": []}

        def on_done(prep: Prepared, sugg: list[Suggestion]) -> None:
            self.scorer.write_media(prep, sugg)
            out["key"].append(prep.job.key)
            out["reason"].append(prep.reason)
            out["notes"].append(json.dumps(list(prep.notes)))
            out["views"].append(len(prep.views))
            out["units"].append(len(prep.units))
            out["suggestions"].append(json.dumps([s.to_json_dict() for s in sugg]))
            out["meta"].append(json.dumps(self.scorer.meta(prep, sugg)))

        run_jobs(self.scorer, jobs, self.batch, prefetch=1, on_done=on_done)
        return out


def _py(v):
    return v.item() if hasattr(v, "item") else v


def score_ray(cfg: ScoreConfig, address: str | None = None, actors: int = 2, num_cpus: int | None = None,
              jobs_per_batch: int | None = None) -> ScoreSummary:
    """Score with a Ray Data actor pool; ``address`` None starts (or joins) a local instance."""
    import ray
    from tqdm import tqdm

    from camdetect.durable import JsonlLedger
    from camdetect.geometry import ViewPlan
    from camdetect.scoring.detector import OnnxDetector
    from camdetect.scoring.outputs import open_sink
    from camdetect.scoring.tile_policy import TilePolicy

    t0 = time.perf_counter()
    model_name = OnnxDetector(cfg.model, threads=1).name  # validates the model before any cluster work
    jobs = discover(cfg.input, cfg.kind)
    if cfg.limit:
        jobs = jobs[: cfg.limit]
    sink = open_sink(cfg.db)
    done = sink.done_images(model_name)
    todo = [j for j in jobs if j.key not in done]
    summary = ScoreSummary(jobs=len(jobs), skipped_done=len(jobs) - len(todo),
                           tile_policy=TilePolicy.parse(cfg.skip_tiles).to_json())  # validates it up front
    out_dir = Path(cfg.out) if cfg.out else None
    log = JsonlLedger(out_dir / "suggestions.jsonl", key="key").touch() if out_dir else None  # empty = found nothing
    if todo:
        started_here = not ray.is_initialized()
        if started_here:
            init = dict(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
            if address is None and num_cpus is not None:
                init["num_cpus"] = num_cpus
            ray.init(**init)
        try:
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = False
            plan = ViewPlan.from_yaml(cfg.plan)
            model_ref = [ray.put(Path(cfg.model).read_bytes())]  # in a list: passed by reference, not inlined
            mount = Path(cfg.model).with_name(Path(cfg.model).stem + "-mount.onnx")
            if mount.is_file():
                model_ref.append(ray.put(mount.read_bytes()))
            per_job_units = plan.n_headings if any(j.kind == "panorama" for j in todo) else 1
            batch_jobs = jobs_per_batch or max(1, cfg.batch // per_job_units)
            items = [{k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(j).items()}
                     for j in todo]
            ds = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 4 * actors)))
            ds = ds.map_batches(
                ScoreActor, batch_size=batch_jobs, batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=ACTOR_CPUS,
                fn_constructor_kwargs=dict(model_ref=model_ref, model_name=model_name, batch=cfg.batch,
                                           tile=cfg.tile, conf=cfg.conf, iou=cfg.iou, plan=plan.to_dict(),
                                           media=str(cfg.media) if cfg.media else None,
                                           spot_share=cfg.spot_share,
                                           skip_tiles=dataclasses.asdict(TilePolicy.parse(cfg.skip_tiles)),
                                           threads=cfg.threads or 1))
            bar = tqdm(total=len(todo), unit="img", disable=not cfg.progress, dynamic_ncols=True, desc="score[ray]")
            try:
                for row in ds.iter_rows():
                    sugg = [Suggestion.from_dict(d) for d in json.loads(row["suggestions"])]
                    if log is not None:
                        log.append(s.to_json_dict() for s in sugg)
                    meta = json.loads(row["meta"])
                    sink.record_image(str(row["key"]), model_name, sugg, meta)
                    summary.add_tiles(meta)
                    if row["reason"]:
                        summary.reasons[str(row["reason"])] += 1
                    else:
                        summary.scored += 1
                    for note in json.loads(row["notes"]):
                        summary.notes[note] += 1
                    summary.views += int(row["views"])
                    summary.units += int(row["units"])
                    summary.suggestions += len(sugg)
                    bar.update(1)
                    bar.set_postfix(views_s=f"{summary.views / max(time.perf_counter() - t0, 1e-9):.1f}")
            finally:
                bar.close()
        finally:
            if started_here:
                ray.shutdown()
    if log is not None:
        log.close()
    return finish(summary, t0, out_dir, sink)
