"""``camdetect score --engine ray``: the same Scorer in a pool of Ray actors, one ORT session each.

The driver lists the jobs (minus those the store has done), cuts them into small batches and keeps
two batches in flight per actor; each actor runs :func:`pipeline.run_jobs` on its batch and returns
one row per job. Only the driver writes results (JSONL ledger, then the store commit, exactly as the
local engine), so resume and idempotency are the local engine's.

Why a driver-side queue and not Ray Data: when a node dies, the driver must know which batches were
lost. Actors are created with ``max_restarts=-1`` and ``max_task_retries=0``: a batch that was on a
dead actor (or whose result lived only in a dead node's object store) comes back as an error, goes
back to the front of the queue and is sent to an actor that is alive; the dead actor is probed and
used again once Ray has restarted it on a surviving node. A job is recorded at most once per run
(its key is remembered), and the store/ledger de-duplicate on the deterministic keys across runs, so
a lost worker costs time, never a lost or duplicated suggestion. If no actor makes progress for
``stall_timeout`` seconds the run stops with :class:`RayScoringError` (one line); what was recorded
stays, and a re-run resumes.

Actors ask for ``num_cpus=0.5`` and run ORT with one intra-op thread by default (``--threads``), so
two fit on one core. The model travels through the object store, so nodes need no copy of it; the
input images and ``--media`` must be on storage every node sees (NFS, a bucket mount): see
docs/scoring.md, "Ray: running on a cluster".
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from camdetect.records import Suggestion
from camdetect.scoring.inputs import Job, discover
from camdetect.scoring.pipeline import Prepared, ScoreConfig, Scorer, ScoreSummary, finish, run_jobs

ACTOR_CPUS = 0.5
IN_FLIGHT_PER_ACTOR = 2  # one batch running, one waiting: the actor never idles on a round trip


class RayScoringError(RuntimeError):
    """The cluster could not finish the run (unreachable, or no actor alive); recorded work is kept."""


@dataclass
class RaySummary(ScoreSummary):
    """:class:`ScoreSummary` plus what only a cluster has: per-node work and the failures survived."""

    actors: int = 0
    nodes_seen: int = 0  # alive nodes when the run started
    nodes: dict = field(default_factory=dict)  # node id -> {role, batches, images, views, busy_seconds}
    resubmitted_batches: int = 0  # batches lost with a worker/node and sent again
    actor_failures: int = 0  # times an actor was found dead (Ray restarts it where resources allow)
    duplicate_rows_dropped: int = 0  # a job returned twice in one run (recorded once)


class ScoreActor:
    """Holds one ORT session; :meth:`score` scores a batch of jobs (dicts) and returns one row per job."""

    def __init__(self, model: bytes, mount: bytes | None, model_name: str, batch: int, tile: int, conf, iou,
                 plan: dict, media: str | None, threads: int = 1, spot_share: float = 0.05,
                 skip_tiles: dict | None = None, layout: str | None = None, verifier: bytes | None = None,
                 verifier_name: str = "", runtime: str | None = None, nms: str | None = None):
        from camdetect.geometry import ViewPlan

        self.dir = tempfile.mkdtemp(prefix="camdetect-ray-")  # removed by close(); a killed actor leaks it
        path = Path(self.dir) / f"{model_name}.onnx"  # same stem: same model name, same suggestion keys
        path.write_bytes(model)
        verifier_path = None
        if verifier is not None:  # the second look travels too, under its own stem (its name in the keys)
            verifier_path = Path(self.dir) / "verifier" / f"{verifier_name}.onnx"
            verifier_path.parent.mkdir()
            verifier_path.write_bytes(verifier)
        if mount is not None:  # the mount classifier travels too
            path.with_name(f"{model_name}-mount.onnx").write_bytes(mount)
        self.batch = batch
        self.scorer = Scorer(path, threads=threads, batch=batch, tile=tile, conf=conf, iou=iou,
                             plan=ViewPlan(**plan), media=Path(media) if media else None,
                             spot_share=spot_share, tile_policy=skip_tiles, layout=layout, verifier=verifier_path,
                             runtime=runtime, nms=nms)

    def ready(self) -> str:
        """The node this actor runs on (also: the actor is constructed and alive)."""
        import ray

        return ray.get_runtime_context().get_node_id()

    def score(self, items: list[dict]) -> dict:
        t = time.perf_counter()
        jobs = [dataclasses.replace(Job(**it), path=Path(it["path"])) for it in items]
        rows: list[dict] = []

        def on_done(prep: Prepared, sugg: list[Suggestion]) -> None:
            self.scorer.write_media(prep, sugg)  # shared storage; atomic and skipped when present
            rows.append({"key": prep.job.key, "reason": prep.reason, "notes": list(prep.notes),
                         "views": len(prep.views), "units": len(prep.units),
                         "suggestions": [s.to_json_dict() for s in sugg], "meta": self.scorer.meta(prep, sugg)})

        run_jobs(self.scorer, jobs, self.batch, prefetch=1, on_done=on_done)
        return {"node": self.ready(), "seconds": time.perf_counter() - t, "rows": rows}

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _lost_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean 'the worker or node holding this batch is gone', not 'the batch is bad'."""
    from ray import exceptions as rx

    return (rx.RayActorError, rx.ObjectLostError, rx.WorkerCrashedError, rx.NodeDiedError)


def _batches(todo: list[Job], per_batch: int) -> deque[list[dict]]:
    items = [{k: (str(v) if isinstance(v, Path) else v) for k, v in dataclasses.asdict(j).items()} for j in todo]
    return deque(items[i:i + per_batch] for i in range(0, len(items), per_batch))


def _connect(address: str | None, num_cpus: int | None) -> bool:
    """ray.init unless already connected; returns whether this call did it (and must shut down)."""
    import ray

    if ray.is_initialized():
        return False
    init = dict(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    if address is None and num_cpus is not None:
        init["num_cpus"] = num_cpus
    try:
        ray.init(**init)
    except ConnectionError as exc:
        raise RayScoringError(f"cannot reach the Ray cluster at {address}: {str(exc).splitlines()[0]} (a cluster "
                              f"with token auth also needs RAY_AUTH_MODE=token and its token here)") from exc
    return True


def score_ray(cfg: ScoreConfig, address: str | None = None, actors: int = 2, num_cpus: int | None = None,
              jobs_per_batch: int | None = None, stall_timeout: float = 300.0) -> RaySummary:
    """Score with a pool of Ray actors; ``address`` None starts (or joins) a local instance.

    Raises :class:`RayScoringError` when the cluster is unreachable or no actor made progress for
    ``stall_timeout`` seconds (every job recorded until then stays recorded; re-run to resume)."""
    from tqdm import tqdm

    from camdetect.durable import JsonlLedger
    from camdetect.geometry import ViewPlan
    from camdetect.scoring.detector import OnnxDetector
    from camdetect.scoring.outputs import open_sink
    from camdetect.scoring.runtime import Runtime
    from camdetect.scoring.tile_policy import TilePolicy
    from camdetect.scoring.tiling import KindLayouts

    t0 = time.perf_counter()
    detector = OnnxDetector(cfg.model, threads=1, runtime=cfg.runtime)  # validates model and --runtime up front
    model_name, runtime = detector.name, detector.session.runtime  # ``auto`` resolved here, once for every actor
    from camdetect.verifier.model import load_verifier, paired_name

    verifier = load_verifier(cfg.verifier, threads=1)  # validated here too; the pair is a model of its own
    verifier_name = verifier.name if verifier else ""
    store_name = paired_name(model_name, verifier_name)
    policy = TilePolicy.parse(cfg.skip_tiles)  # validates it up front
    layouts = KindLayouts.parse(cfg.layout)  # the same
    jobs = discover(cfg.input, cfg.kind)
    if cfg.limit:
        jobs = jobs[: cfg.limit]
    sink = open_sink(cfg.db)
    done = sink.done_images(store_name)
    todo = [j for j in jobs if j.key not in done]
    plan = ViewPlan.from_yaml(cfg.plan)
    summary = RaySummary(jobs=len(jobs), skipped_done=len(jobs) - len(todo), tile_policy=policy.to_json(),
                         layout=layouts.to_json(), runtime=runtime.to_json(Runtime.parse(cfg.runtime)),
                         actors=actors, nms=cfg.nms, view_plan=plan.to_dict())
    out_dir = Path(cfg.out) if cfg.out else None
    log = JsonlLedger(out_dir / "suggestions.jsonl", key="key").touch() if out_dir else None  # empty = found nothing
    try:
        if todo:
            per_job_units = plan.views_per_pano if any(j.kind == "panorama" for j in todo) else 1
            queue = _batches(todo, jobs_per_batch or max(1, cfg.batch // per_job_units))
            started_here = _connect(address, num_cpus)
            try:
                _run(cfg, summary, queue, len(todo), (model_name, verifier_name), plan, policy, layouts.spec, actors,
                     sink, log, t0, stall_timeout, tqdm)
            finally:
                if started_here:
                    import ray

                    ray.shutdown()
    finally:
        if log is not None:
            log.close()
    return finish(summary, t0, out_dir, sink)


def _run(cfg: ScoreConfig, summary: RaySummary, queue: deque, n_todo: int, names: tuple[str, str], plan, policy,
         layout: str, n_actors: int, sink, log, t0: float, stall_timeout: float, tqdm) -> None:
    """The driver loop: submit, collect, record; lost batches go back to the front of the queue. ``names``: the
    detector's and the verifier's ("" without one)."""
    import ray

    from camdetect.verifier.model import paired_name

    model_name, verifier_name = names
    store_name = paired_name(model_name, verifier_name)

    lost = _lost_errors()
    info = {n["NodeID"]: n for n in ray.nodes() if n.get("Alive")}
    summary.nodes_seen = len(info)
    mount = Path(cfg.model).with_name(Path(cfg.model).stem + "-mount.onnx")
    Actor = ray.remote(ScoreActor).options(num_cpus=ACTOR_CPUS, max_restarts=-1, max_task_retries=0,
                                           scheduling_strategy="SPREAD")
    model_ref = ray.put(Path(cfg.model).read_bytes())  # once in the object store, fetched by each node
    mount_ref = ray.put(mount.read_bytes()) if mount.is_file() else None
    verifier_ref = ray.put(Path(cfg.verifier).read_bytes()) if cfg.verifier else None
    pool = [Actor.remote(model_ref, mount_ref, model_name, cfg.batch, cfg.tile, cfg.conf, cfg.iou, plan.to_dict(),
                         str(cfg.media) if cfg.media else None, threads=cfg.threads or 1,
                         spot_share=cfg.spot_share, skip_tiles=dataclasses.asdict(policy),
                         layout=layout, verifier=verifier_ref, verifier_name=verifier_name,
                         runtime=summary.runtime["spec"], nms=cfg.nms)
            for _ in range(n_actors)]
    probes = {pool[i].ready.remote(): i for i in range(len(pool))}  # actors not (yet, or again) known alive
    healthy: set[int] = set()
    load: Counter = Counter()
    inflight: dict = {}  # ObjectRef -> (actor index, batch)
    recorded: set[str] = set()
    first_ready = None
    last_progress = time.perf_counter()
    bar = tqdm(total=n_todo, unit="img", disable=not cfg.progress, dynamic_ncols=True, desc="score[ray]")
    try:
        while queue or inflight:
            for i in sorted(healthy):
                while load[i] < IN_FLIGHT_PER_ACTOR and queue:
                    batch = queue.popleft()
                    inflight[pool[i].score.remote(batch)] = (i, batch)
                    load[i] += 1
            ready, _ = ray.wait(list(inflight) + list(probes), num_returns=1, timeout=1.0)
            for ref in ready:
                if ref in probes:
                    i = probes.pop(ref)
                    try:
                        node = ray.get(ref)
                    except lost:
                        probes[pool[i].ready.remote()] = i  # still restarting (or died again): ask again
                        continue
                    healthy.add(i)
                    last_progress = time.perf_counter()
                    if first_ready is None:
                        first_ready = last_progress
                        summary.startup_seconds = first_ready - t0
                    summary.nodes.setdefault(node, _node_entry(info.get(node)))
                    continue
                i, batch = inflight.pop(ref)
                load[i] -= 1
                try:
                    res = ray.get(ref)
                except lost:
                    queue.appendleft(batch)  # redo it on an actor that is alive
                    summary.resubmitted_batches += 1
                    if i in healthy:
                        healthy.discard(i)
                        summary.actor_failures += 1
                        probes[pool[i].ready.remote()] = i
                    continue
                except ray.exceptions.RayTaskError as exc:  # a bug in scoring, not a lost node: stop, say why
                    raise RayScoringError(f"a Ray actor failed on {batch[0]['path']}: "
                                          f"{str(exc.cause or exc).splitlines()[0]}") from exc
                last_progress = time.perf_counter()
                _record(res, summary, recorded, sink, log, store_name, info, bar, t0)
            if (queue or inflight) and time.perf_counter() - last_progress > stall_timeout:
                alive = sum(1 for n in ray.nodes() if n.get("Alive"))
                raise RayScoringError(
                    f"no Ray actor made progress for {stall_timeout:.0f} s ({len(healthy)} of {len(pool)} actors "
                    f"alive, {alive} nodes alive); {len(recorded)} images recorded this run are kept: re-run to "
                    f"score the remaining {n_todo - len(recorded)}")
    finally:
        bar.close()
        closing = [pool[i].close.remote() for i in healthy]
        ray.wait(closing, num_returns=len(closing), timeout=10)
        for a in pool:
            ray.kill(a)


def _node_entry(node: dict | None) -> dict:
    res = (node or {}).get("Resources", {})
    role = "head" if "node:__internal_head__" in res else "worker"
    return {"role": role, "node_manager_port": (node or {}).get("NodeManagerPort"), "cpus": res.get("CPU"),
            "batches": 0, "images": 0, "views": 0, "busy_seconds": 0.0}


def _record(res: dict, summary: RaySummary, recorded: set[str], sink, log, model_name: str, info: dict, bar,
            t0: float) -> None:
    """Write one batch's rows (driver only: ledger, then store commit) and count them per node."""
    node = summary.nodes.setdefault(res["node"], _node_entry(info.get(res["node"])))
    node["batches"] += 1
    node["busy_seconds"] = round(node["busy_seconds"] + res["seconds"], 3)
    for row in res["rows"]:
        if row["key"] in recorded:
            summary.duplicate_rows_dropped += 1
            continue
        recorded.add(row["key"])
        sugg = [Suggestion.from_dict(d) for d in row["suggestions"]]
        if log is not None:
            log.append(s.to_json_dict() for s in sugg)
        sink.record_image(str(row["key"]), model_name, sugg, row["meta"])
        summary.add_tiles(row["meta"])
        if row["reason"]:
            summary.reasons[row["reason"]] += 1
        else:
            summary.scored += 1
        for note in row["notes"]:
            summary.notes[note] += 1
        summary.views += row["views"]
        summary.units += row["units"]
        summary.suggestions += len(sugg)
        node["images"] += 1
        node["views"] += row["views"]
        bar.update(1)
        bar.set_postfix(views_s=f"{summary.views / max(time.perf_counter() - t0, 1e-9):.1f}")
