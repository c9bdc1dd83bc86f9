"""``camdetect review``: serve the review app, manage users, export verified labels."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    review = typer.Typer(help="Volunteer review web app (FastAPI) and its admin commands.\n\n"
                         "Example: camdetect review serve --db runs/review.db --media runs/media",
                         no_args_is_help=True)

    @review.command("init")
    def init(db: str = typer.Option(..., "--db", help="Review store URL or SQLite path to create.")) -> None:
        """Create a new, empty review store on purpose (other commands refuse a missing store).

        Example: camdetect review init --db runs/review/new.db
        """
        from camdetect.store import Store

        store = Store.open(db, create=True)
        with store.engine.connect() as conn:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        store.close()
        typer.echo(f"review store ready: {db} (schema {rev})")

    @review.command("serve")
    def serve(
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        media: Path = typer.Option(None, "--media", help="Folder with the view JPEGs the scorer wrote."),
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        k: int = typer.Option(3, "--k", help="Volunteers per suggestion."),
        retire_agree: int = typer.Option(2, "--retire-agree", help="Retire when the first N answers agree (0: never)."),
        spot_share: float = typer.Option(0.05, "--spot-share", help="Share of views searched in full (spot checks)."),
        spot_rate: float = typer.Option(0.1, "--spot-rate", help="Chance a next task is a spot check."),
        claim_ttl: float = typer.Option(600.0, "--claim-ttl", help="Seconds a claimed task stays reserved."),
        secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark cookies Secure (behind HTTPS)."),
        closed_signup: bool = typer.Option(False, "--closed-signup", help="Only `review add-user` creates accounts."),
        create: bool = typer.Option(False, "--create", help="Create the store if it does not exist (else: exit 2)."),
        trusted_proxy: list[str] = typer.Option([], "--trusted-proxy",
                                                help="Address of a reverse proxy whose X-Forwarded-For/-Proto are "
                                                     "believed (repeatable; default: none, headers ignored)."),
        on_delete: str = typer.Option("anonymise", "--on-delete",
                                      help="A deleted account's answers: anonymise (kept, unlinked) or remove."),
        tiles: str = typer.Option("", "--tiles",
                                  help="Map tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
                                       "(default: none, offline; the CSP then allows that host only)."),
        tiles_attribution: str = typer.Option("", "--tiles-attribution",
                                              help="Attribution shown on the map (default for OpenStreetMap tiles: "
                                                   "'© OpenStreetMap contributors')."),
        plan: Path = typer.Option(None, "--plan", help="City plan drawn under the cameras when offline: GeoJSON "
                                                       "(street lines, intersection points) or a `camdetect plan` CSV."),
        workers: int = typer.Option(1, "--workers", min=1,
                                    help="Server processes (PostgreSQL only: SQLite has one writer, and its "
                                         "in-process writer queue works inside one process)."),
    ) -> None:
        """Start the review web app.

        Example: camdetect review serve --db runs/score/review.db --media runs/score/media --port 8000
        (PostgreSQL, several processes: --db postgresql://camdetect@db-host/review --workers 4)
        """
        import uvicorn

        from camdetect.store import Store

        from .app import create_app
        from .config import ReviewConfig

        if media is not None and not media.is_dir():
            raise FileNotFoundError(f"{media}: --media folder not found")
        cfg = ReviewConfig(media=media, k=k, retire_agree=retire_agree, spot_share=spot_share, spot_rate=spot_rate,
                           claim_ttl=claim_ttl, secure_cookies=secure_cookies, open_signup=not closed_signup,
                           on_delete=on_delete, trusted_proxies=tuple(trusted_proxy), tiles=tiles or None,
                           tiles_attribution=tiles_attribution, plan=plan)
        store = Store.open(db, create=create)  # migrated once here, before any worker starts
        if workers > 1:
            if store.dialect != "postgresql":
                store.close()
                raise ValueError(f"--workers {workers} needs PostgreSQL: SQLite allows one writer at a time and "
                                 "queues this server's writers inside one process (use --workers 1)")
            import os

            from .app import SERVE_ENV, serve_env

            store.close()
            os.environ[SERVE_ENV] = serve_env(db, cfg)
            typer.echo(f"review app on http://{host}:{port}  (db {db}, media {media}, {workers} workers)")
            uvicorn.run("camdetect.review.app:app_from_env", factory=True, workers=workers, host=host, port=port,
                        log_level="warning", **uvicorn_options(cfg))
            return
        app_ = create_app(store, cfg)
        typer.echo(f"review app on http://{host}:{port}  (db {db}, media {media})")
        uvicorn.run(app_, host=host, port=port, log_level="warning", **uvicorn_options(cfg))

    @review.command("add-user")
    def add_user(
        username: str = typer.Argument(..., help="Login name."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        role: str = typer.Option("volunteer", "--role", help="volunteer or coordinator."),
        password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                     envvar="CAMDETECT_REVIEW_PASSWORD"),
    ) -> None:
        """Create a user (a coordinator with --role coordinator); an existing user gets the role.

        Example: camdetect review add-user alice --role coordinator --db runs/score/review.db
        """
        from camdetect.store import Store

        from .auth import create_user, set_role

        store = Store.open(db)
        try:
            create_user(store, username, password, role, by_operator=True)
            typer.echo(f"created {role} {username}")
        except ValueError as exc:
            if "taken" not in str(exc):
                raise
            set_role(store, username, role)
            typer.echo(f"{username} exists: role set to {role}")

    @review.command("export")
    def export(
        out: Path = typer.Option(..., "--out", help="Output folder."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        media: Path = typer.Option(None, "--media", help="View JPEG folder (YOLO export links images)."),
        formats: str = typer.Option("tags,reviews,cameras,geojson,located,coco,yolo", "--formats",
                                    help="Comma list of tags, reviews, cameras, geojson, located (bearing intersection), coco, yolo."),
    ) -> None:
        """Verified labels (labels consensus over the reviews) as a Tag table, COCO, YOLO and GeoJSON.

        Example: camdetect review export --db runs/score/review.db --media runs/score/media --out runs/review_export
        """
        from camdetect.store import Store

        from .audit import record_export
        from .exports import write_exports

        store = Store.open(db)
        wanted = [f.strip() for f in formats.split(",") if f.strip()]
        done = write_exports(store, out, wanted, media)
        record_export(store, None, ",".join(done))
        for fmt, path in done.items():
            typer.echo(f"{fmt}: {path}")

    @review.command("delete-user")
    def delete_user(
        username: str = typer.Argument(..., help="Login name."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        on_delete: str = typer.Option("anonymise", "--on-delete", help="anonymise (answers kept, unlinked) or remove."),
    ) -> None:
        """Delete an account (a volunteer's request by e-mail, say), as the account page does.

        Example: camdetect review delete-user alice --db runs/score/review.db --on-delete remove
        """
        from camdetect.store import Store

        from .account import delete_account
        from .config import ReviewConfig

        cfg = ReviewConfig(on_delete=on_delete)
        store = Store.open(db)
        delete_account(store, _user_id(store, username, db), cfg)
        typer.echo(f"deleted {username} (answers: {on_delete})")

    @review.command("audit")
    def audit_log(
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        user: str = typer.Option(None, "--user", help="Only actions by or on this account."),
        limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Newest N entries."),
        as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
        prune_before: str = typer.Option(None, "--prune-before", help="Delete the entries older than this date "
                                         "(YYYY-MM-DD, UTC) instead of listing; the pruning is itself an entry."),
    ) -> None:
        """Account actions, newest first: disabled/enabled accounts, role changes, password resets, deletions and
        exports, by whom ("command line" for these commands) and when. With --prune-before, the project's
        retention period applied: older entries deleted, one entry recording it.

        Example: camdetect review audit --db runs/score/review.db --user alice
        """
        import json
        from datetime import UTC, datetime

        from camdetect.store import Store

        from .audit import entries, prune

        store = Store.open(db)
        if prune_before is not None:
            try:
                day = datetime.strptime(prune_before, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                raise ValueError(f"--prune-before {prune_before!r}: not a date (YYYY-MM-DD)") from None
            if day > datetime.now(UTC):
                raise ValueError(f"--prune-before {prune_before}: in the future (that would delete the whole log)")
            n = prune(store, day.timestamp(), None, prune_before)
            typer.echo(f"{db}: deleted {n} audit entries before {prune_before} (UTC); one entry records it")
            return
        rows = entries(store, None if user is None else _user_id(store, user, db), limit)
        if as_json:
            for r in rows:
                typer.echo(json.dumps(r))
            return

        def who(i, name):
            return "command line" if i is None else name or f"deleted account #{i}"

        for r in rows:
            when = datetime.fromtimestamp(r["at"], UTC).strftime("%Y-%m-%d %H:%M:%S")
            target = "" if r["target_id"] is None else who(r["target_id"], r["target"])
            typer.echo(f"{when}  {who(r['actor_id'], r['actor']):<20} {r['action']:<12} {target:<20} {r['detail']}")
        if not rows:
            typer.echo("no account actions")

    @review.command("stats")
    def stats(db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path.")) -> None:
        """Print the dashboard totals as JSON.

        Example: camdetect review stats --db runs/score/review.db
        """
        import json

        from camdetect.store import Store

        from .config import ReviewConfig
        from .dashboard import dashboard_data

        typer.echo(json.dumps(dashboard_data(Store.open(db), ReviewConfig())["totals"], indent=2))

    @review.command("translations")
    def translations(
        init: str = typer.Option(None, "--init", help="Start a catalog for a new language (a CLDR code: de, pt_BR, ar)."),
        check: bool = typer.Option(False, "--check", help="Only report coverage; exit 1 on a missing, fuzzy or stale entry."),
    ) -> None:
        """Extract the app's messages (templates, page scripts, Python) into locale/messages.pot and merge
        them into every locale/<lang>/LC_MESSAGES/messages.po: new messages empty, changed ones fuzzy,
        removed ones dropped. Then translate the empty and fuzzy entries (any PO editor) and re-run --check.

        Example: camdetect review translations --init de && camdetect review translations --check
        """
        from babel.core import UnknownLocaleError

        from . import i18n

        if not check:
            try:
                codes = i18n.update_catalogs(init=init)
            except UnknownLocaleError:
                raise ValueError(f"--init {init}: not a locale Babel knows (CLDR codes: de, pt_BR, ar ...)") from None
            typer.echo(f"updated {i18n.LOCALE_DIR}: {', '.join(codes)}")
        template = i18n.extract()
        bad = False
        for code in i18n.available():
            r = i18n.check_catalog(code, template)
            bad |= not r.ok
            typer.echo(f"{code}: {r.translated}/{r.total} translated ({r.coverage:.0%}), missing {len(r.missing)}, "
                       f"fuzzy {len(r.fuzzy)}, stale {len(r.stale)}, errors {len(r.errors)}")
            for kind in ("missing", "fuzzy", "stale", "errors"):
                for item in getattr(r, kind)[:20]:
                    typer.echo(f"  {kind}: {item}")
        if check and bad:
            raise typer.Exit(1)

    @review.command("demo-feed")
    def demo_feed(
        city: Path = typer.Argument(..., help="A synthetic city folder (camdetect synth --out)."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        media: Path = typer.Option(..., "--media", help="Where to write the view JPEGs."),
        limit: int = typer.Option(0, "--limit", help="At most this many panoramas (0: all)."),
        seed: int = typer.Option(0, "--seed"),
    ) -> None:
        """Fill the store with suggestions made from a synthetic city's truth (no model needed).

        Example: camdetect review demo-feed runs/city/s40 --db runs/review/demo.db --media runs/review/media
        """
        from camdetect.store import Store

        from .demo_feed import feed_from_synth

        if not city.is_dir():
            raise FileNotFoundError(f"{city}: city folder not found")
        n = feed_from_synth(city, Store.open(db, create=True), media, limit=limit, seed=seed)  # fills a queue, like score
        typer.echo(f"{n} suggestions added to {db}; views in {media}")

    @review.command("verify-feed")
    def verify_feed(
        candidates: Path = typer.Argument(..., help="Camera table of candidates in dispute (labels consensus "
                                          "--doubtful)."),
        panoramas: Path = typer.Option(..., "--panoramas", help="Manifest (CSV/JSONL) or folder of the panoramas "
                                       "the volunteers tagged."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        media: Path = typer.Option(..., "--media", help="Where to write the view JPEGs."),
    ) -> None:
        """Queue the candidates a minority of volunteers tagged as yes/no review tasks; `review export` then
        `labels consensus --verified EXPORT/cameras.csv` adds the verified ones.

        Example: camdetect review verify-feed runs/labels/doubtful.csv --panoramas runs/city/manifest.csv
        --db runs/review/verify.db --media runs/review/media
        """
        from camdetect.dataset.sources import load_cameras
        from camdetect.store import Store

        from .verify_feed import feed_candidates

        cams = load_cameras(candidates)
        n = feed_candidates(cams, panoramas, Store.open(db, create=True), media)
        typer.echo(f"{n} new review tasks in {db} from {len(cams)} candidates (panoramas queued before are skipped; "
                   f"a candidate outside every planned view gets none); views in {media}")

    @review.command("simulate")
    def simulate(
        city: Path = typer.Argument(..., help="The synthetic city the store's views come from (its truth decides "
                                    "what a simulated volunteer sees)."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        out: Path = typer.Option(..., "--out", help="JSON report of the round (answers, hours, errors vs truth)."),
        volunteers: int = typer.Option(12, "--volunteers", min=1, help="Simulated volunteers."),
        seed: int = typer.Option(0, "--seed"),
        effort: Path = typer.Option(None, "--effort", help="Effort model YAML (seconds per answer; default "
                                    "configs/effort/default.yaml when present)."),
        max_answers: int = typer.Option(0, "--max-answers", min=0, help="Stop after N answers (0: until the queue "
                                        "is empty)."),
        k: int = typer.Option(3, "--k", help="Volunteers per suggestion at most (as review serve)."),
        retire_agree: int = typer.Option(2, "--retire-agree", help="Retire when the first N answers agree (0: never)."),
    ) -> None:
        """Simulated volunteers answer the queue through the web app's HTTP API (the demo's review round).

        Error rates are the synthetic Decoders crowd's; seconds per answer the effort model's. Re-running goes
        on with the same volunteers. Example: camdetect review simulate runs/demo/city --db runs/demo/review.db
        --out runs/demo/review_round.json
        """
        import json

        from camdetect.durable import atomic_write_text
        from camdetect.evaluate.cli import DEFAULT_EFFORT
        from camdetect.evaluate.effort import EffortModel
        from camdetect.store import Store

        from .simulate import simulate_review

        path = effort or (DEFAULT_EFFORT if DEFAULT_EFFORT.exists() else None)
        model = EffortModel.from_yaml(path) if path else EffortModel()
        from .config import ReviewConfig

        cfg = ReviewConfig(k=k, retire_agree=retire_agree)  # as `review serve --k --retire-agree` would run
        rep = simulate_review(Store.open(db), city, volunteers=volunteers, seed=seed, effort=model,
                              max_answers=max_answers, cfg=cfg)
        doc = rep.to_json()
        atomic_write_text(out, json.dumps(doc, indent=1))
        typer.echo(f"{rep.answers} answers ({', '.join(f'{k} {v}' for k, v in sorted(rep.by_answer.items()))}) "
                   f"by {volunteers} volunteers on {rep.intersections} intersections: "
                   f"{doc['hours_per_1000_intersections']} volunteer hours per 1,000 intersections "
                   f"(Decoders: {doc['decoders_hours_per_1000_intersections']:.0f}); {out}")

    practice_cli = typer.Typer(help="Practice tasks with known answers (onboarding): list, add, import, remove.\n\n"
                               "Example: camdetect review practice import-city runs/city --db runs/review.db",
                               no_args_is_help=True)

    @practice_cli.command("list")
    def practice_list(db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path.")) -> None:
        """List the practice items (id, source, answer, kind, type, mount, key).

        Example: camdetect review practice list --db runs/score/review.db
        """
        from camdetect.store import Store

        from .practice import list_items

        items = list_items(Store.open(db))
        for it in items:
            typer.echo(f"{it['id']}\t{it['source']}\t{it['answer']}\t{it['kind']}\t{it['type'] or '-'}\t"
                       f"{it['mount'] or '-'}\t{it['key']}")
        typer.echo(f"{len(items)} practice items")

    @practice_cli.command("add")
    def practice_add(
        image: Path = typer.Argument(..., help="A JPEG view (keep it small: a crop around the object)."),
        box: str = typer.Option(..., "--box", help="x1,y1,x2,y2 in image pixels: the box the volunteer is asked about."),
        answer: str = typer.Option(..., "--answer", help="yes (a camera) or no (a look-alike)."),
        kind: str = typer.Option("", "--kind", help="Fine kind for the built-in explanation: dome, ptz, bullet, alpr, "
                                                   "lamp_cobra, lamp_globe, signal_head, dish ... (default: the type)."),
        type_: str = typer.Option(None, "--type", help="Camera type (taxonomy): dome, bullet, alpr, unknown."),
        mount: str = typer.Option(None, "--mount", help="Camera mount: street_furniture, building, other."),
        note: str = typer.Option("", "--note", help="Your explanation, shown after the answer (not translated)."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
    ) -> None:
        """Add one practice item from an image of yours.

        Example: camdetect review practice add lamp.jpg --box 120,80,150,96 --answer no --kind lamp_cobra --db review.db
        """
        import cv2

        from camdetect.store import Store
        from camdetect.taxonomy import load_taxonomy

        from .practice import add_item

        tax = load_taxonomy()
        if type_ is not None and type_ not in tax.types:
            raise ValueError(f"--type must be one of {', '.join(tax.types)}")
        if mount is not None and mount not in tax.mounts:
            raise ValueError(f"--mount must be one of {', '.join(tax.mounts)}")
        data = image.read_bytes()
        img = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"{image}: not an image")
        try:
            coords = [float(v) for v in box.split(",")]
        except ValueError:
            coords = []
        if len(coords) != 4:
            raise ValueError("--box must be x1,y1,x2,y2")
        h, w = img.shape[:2]
        added = add_item(Store.open(db), key=f"file:{image.name}:{box}", source="file",
                         kind=kind or type_ or ("camera" if answer == "yes" else "lookalike"), answer=answer,
                         box=coords, width=w, height=h, image=data, type=type_, mount=mount, note=note)
        typer.echo("added 1 practice item" if added else "already there (same file name and box)")

    @practice_cli.command("import-city")
    def practice_import_city(
        city: Path = typer.Argument(..., help="A synthetic city folder (camdetect synth --out)."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        limit: int = typer.Option(20, "--limit", help="At most this many panoramas (0: all)."),
        per_pano: int = typer.Option(2, "--per-pano", help="Cameras, and as many look-alikes, per panorama."),
        seed: int = typer.Option(0, "--seed"),
    ) -> None:
        """Practice items cut around a synthetic city's true cameras and look-alikes.

        Example: camdetect review practice import-city runs/city --db runs/score/review.db --limit 10
        """
        from camdetect.store import Store

        from .practice import import_city

        if not city.is_dir():
            raise FileNotFoundError(f"{city}: city folder not found")
        n = import_city(Store.open(db), city, limit=limit, seed=seed, per_pano=per_pano)
        typer.echo(f"{n} practice items added from {city}")

    @practice_cli.command("import-verified")
    def practice_import_verified(
        media: Path = typer.Option(..., "--media", help="The view JPEG folder of the store."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
        limit: int = typer.Option(50, "--limit", help="At most this many new items."),
        min_answers: int = typer.Option(2, "--min-answers", help="Only suggestions with this many agreeing answers."),
    ) -> None:
        """Practice items from settled suggestions where every volunteer agreed (a crop around the box).

        Example: camdetect review practice import-verified --db runs/score/review.db --media runs/score/media
        """
        from camdetect.store import Store

        from .practice import import_verified

        if not media.is_dir():
            raise FileNotFoundError(f"{media}: --media folder not found")
        n = import_verified(Store.open(db), media, limit=limit, min_answers=min_answers)
        typer.echo(f"{n} practice items added from verified answers")

    @practice_cli.command("builtin")
    def practice_builtin(db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path.")) -> None:
        """(Re-)insert the built-in practice set (synthetic city views shipped with camdetect).

        Example: camdetect review practice builtin --db runs/score/review.db
        """
        from camdetect.store import Store

        from .practice import seed_builtin

        typer.echo(f"{seed_builtin(Store.open(db), force=True)} built-in practice items added")

    @practice_cli.command("remove")
    def practice_remove(
        ids: list[int] = typer.Argument(None, help="Item ids (see practice list)."),
        source: str = typer.Option(None, "--source", help="Remove every item of this source: builtin, city, verified, file."),
        db: str = typer.Option("runs/score/review.db", "--db", help="Review store URL or SQLite path."),
    ) -> None:
        """Remove practice items (and the practice answers given to them).

        Example: camdetect review practice remove --source builtin --db runs/score/review.db
        """
        from camdetect.store import Store

        from .practice import remove_items

        if not ids and not source:
            raise ValueError("give item ids or --source")
        typer.echo(f"{remove_items(Store.open(db), ids or [], source)} practice items removed")

    review.add_typer(practice_cli, name="practice")
    app.add_typer(review, name="review")


def _user_id(store, username: str, db: str) -> int:
    """The id of ``username`` in the store; a one-line ValueError naming the store when there is none."""
    from sqlalchemy import select

    from camdetect.store.models import User

    with store.read() as s:
        uid = s.scalar(select(User.id).where(User.username == username))
    if uid is None:
        raise ValueError(f"no user {username!r} in {db}")
    return uid


def uvicorn_options(cfg) -> dict:
    """Proxy headers only from the configured proxies (uvicorn trusts 127.0.0.1 by default); no
    Server header; TCP_NODELAY on every connection (camdetect.review.serving: with --workers N
    uvicorn's own socket left Nagle on, +40 ms a request)."""
    from .serving import HTTP_PROTOCOL

    if cfg.trusted_proxies:
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(cfg.trusted_proxies), "server_header": False,
                "http": HTTP_PROTOCOL}
    return {"proxy_headers": False, "server_header": False, "http": HTTP_PROTOCOL}
