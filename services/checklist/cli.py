"""``ecocomply checklist import FILE [--kind no-penalty]`` / ``ecocomply checklist export FILE`` — the
same import paths as ``POST /imports/guidance-items`` and ``POST /imports/no-penalty-items`` (every row
validated first, all or nothing), with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def _format(path: Path, given: str | None) -> str:
    fmt = given or {".yml": "yaml", ".yaml": "yaml", ".csv": "csv", ".xlsx": "xlsx"}.get(path.suffix.lower())
    if fmt is None:
        raise SystemExit(f"ecocomply checklist: cannot tell the format of {path}; pass --format yaml|csv|xlsx")
    return fmt


def _composition(args: argparse.Namespace):
    from services.composition import embedded, single
    from shared.config import Settings

    if args.service_env:
        return single(Settings(service="checklist"), for_migration=True)
    return embedded(Path(args.data_dir) if args.data_dir else Settings().data_dir)


async def _import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from services.checklist.guidance import importing
    from services.checklist.no_penalty import importing as no_penalty_import

    path = Path(args.file)
    fmt = _format(path, args.format)
    data = await asyncio.to_thread(path.read_bytes)
    comp = _composition(args)
    rt = comp.runtimes["checklist"]
    try:
        await rt.migrate()
        await rt.seed()
        with tqdm(desc=f"importing {path.name}", unit="row", file=sys.stderr) as bar:
            # the command is the import's handler: it owns the one transaction (all rows or none),
            # committed when the import returns, rolled back when it raises
            async with rt.sessionmaker() as session, session.begin():
                try:
                    if args.kind == "no-penalty":
                        report = await no_penalty_import.import_file(
                            rt, session, data, fmt, now=rt.clock.now(), dry_run=args.dry_run,
                            list_version=args.list_version, progress=bar.update,
                        )
                    else:
                        report = await importing.import_file(
                            rt, session, data, fmt, actor="cli", now=rt.clock.now(), dry_run=args.dry_run,
                            default_batch=args.batch, progress=bar.update,
                        )
                except importing.ImportFileError as e:
                    print(f"ecocomply checklist import: {path}: {e}", file=sys.stderr)
                    return 1
    finally:
        await comp.stop()
    if report.errors:
        for e in report.errors:
            print(f"row {e.row}{f' ({e.code})' if e.code else ''}: {e.field}: {e.message}", file=sys.stderr)
        print(f"{len(report.errors)} error(s); nothing was imported", file=sys.stderr)
        return 1
    mode = "dry run, nothing written" if args.dry_run else "imported"
    print(f"{path.name}: {report.rows} rows — created {len(report.created)}, revised {len(report.revised)}, "
          f"unchanged {len(report.unchanged)} ({mode})")
    return 0


async def _export(args: argparse.Namespace) -> int:
    from services.checklist.guidance import importing, service

    path = Path(args.file)
    fmt = _format(path, args.format)
    comp = _composition(args)
    rt = comp.runtimes["checklist"]
    try:
        await rt.migrate()
        await rt.seed()
        async with rt.sessionmaker() as session:
            rows, _, _ = await service.list_guidance_items(session, batch=args.batch, page=1, size=10**9)
            body = importing.EXPORTERS[fmt]([importing.export_record(r) for r in rows])
        await asyncio.to_thread(path.write_bytes, body)
    finally:
        await comp.stop()
    print(f"{path}: {len(rows)} guidance items ({fmt})")
    return 0


def add_parser(sub) -> None:
    c = sub.add_parser("checklist", help="import/export the guidance checklist (YAML, CSV, XLSX)")
    csub = c.add_subparsers(dest="checklist_command", required=True)
    for name, helptext, func in (
        ("import", "validate every row, then load all or nothing", _import),
        ("export", "write the published checklist", _export),
    ):
        p = csub.add_parser(name, help=helptext)
        p.add_argument("file")
        p.add_argument("--format", choices=("yaml", "csv", "xlsx"), help="default: from the file name")
        p.add_argument("--batch", help="import: batch for rows without one; export: only this batch")
        p.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var)")
        p.add_argument("--service-env", action="store_true",
                       help="use the checklist database of ECOCOMPLY_DATABASE_URL instead of the embedded one")
        if name == "import":
            p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
            p.add_argument("--kind", choices=("guidance", "no-penalty"), default="guidance",
                           help="guidance checklist (default) or a no-penalty list (免罚清单, kind: list)")
            p.add_argument("--list-version", help="no-penalty: list version for rows without one")
        p.set_defaults(func=lambda a, _f=func: asyncio.run(_f(a)))
