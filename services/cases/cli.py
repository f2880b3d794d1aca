"""``ecocomply cases calendar load FILE`` — load a year's holiday schedule (JSON or YAML:
``{year, source, holidays: [{date, name}], workdays: [date]}``) as a new version, recomputing the
provisional due dates that depended on it. Same validation as ``POST /cases/v1/calendar``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import yaml


def _file_command(parser, what: str) -> None:
    """The arguments every file-loading command of the cases service takes."""
    parser.add_argument("file")
    parser.add_argument("--data-dir", help="embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var); "
                        "without it and with ECOCOMPLY_DATABASE_URL set, the distributed cases database")
    parser.add_argument("--by", default="cli", help=f"who {what} (recorded)")


async def _read(path: Path) -> object:
    """A JSON (by its suffix) or YAML file's data; OSError/ValueError/YAMLError for the caller to report."""
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _composition(args: argparse.Namespace):
    """The embedded data directory's services, or the distributed cases database (ECOCOMPLY_DATABASE_URL)."""
    from services.composition import embedded, single
    from shared.config import Settings

    env = Settings()
    if args.data_dir or not env.database_url:
        return embedded(Path(args.data_dir) if args.data_dir else env.data_dir)
    return single(Settings(service="cases"), for_migration=True)


def add_parser(sub) -> None:
    c = sub.add_parser("cases", help="cases service administration")
    csub = c.add_subparsers(dest="cases_command", required=True)
    cal = csub.add_parser("calendar", help="the holiday calendar (working days, 第八十五条)")
    calsub = cal.add_subparsers(dest="calendar_command", required=True)
    load = calsub.add_parser("load", help="load a year's 节假日安排 from a JSON/YAML file")
    _file_command(load, "loads it")
    load.set_defaults(func=lambda a: asyncio.run(_load(a)))


async def _load(args: argparse.Namespace) -> int:
    from services.cases.calendar import service as calendar_service
    from shared.problems import Problem

    path = Path(args.file)
    try:
        data = await _read(path)
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"ecocomply cases calendar load: cannot read {path}: {e}", file=sys.stderr)
        return 2
    comp = _composition(args)
    rt = comp.runtimes["cases"]
    try:
        await rt.migrate()
        async with rt.sessionmaker() as session, session.begin():  # the command is the unit of work
            out = await calendar_service.load_year(rt, session, data if isinstance(data, dict) else {}, loaded_by=args.by)
    except Problem as p:
        print(f"ecocomply cases calendar load: {p.detail} ({p.extra.get('errors', [{}])[0].get('field', '')})",
              file=sys.stderr)
        return 1
    finally:
        await comp.stop()
    print(f"{out.year}: version {out.version} loaded ({len(out.holidays)} holidays, {len(out.workdays)} adjusted "
          f"working days); {out.recomputed_cases} case(s) with provisional due dates recomputed")
    return 0


def add_bureaus_parser(sub) -> None:
    """``ecocomply bureaus import FILE.yaml`` — register or replace bureaus (``{bureaus: [{code, name, prefixes,
    address, contact, reconsideration_body, court, …}]}``), as ``PUT /cases/v1/bureaus/{code}`` does, all in one
    transaction (a bad entry writes nothing)."""
    b = sub.add_parser("bureaus", help="the registry of enforcement bodies (机关名称、文号前缀、复议机关、法院)")
    bsub = b.add_subparsers(dest="bureaus_command", required=True)
    imp = bsub.add_parser("import", help="register or replace bureaus from a YAML/JSON file")
    _file_command(imp, "imports it")
    imp.set_defaults(func=lambda a: asyncio.run(_import_bureaus(a)))


async def _import_bureaus(args: argparse.Namespace) -> int:
    from services.cases.bureaus import service as bureaus
    from shared.problems import Problem

    path = Path(args.file)
    try:
        entries = bureaus.parse_file(await _read(path))
    except (OSError, ValueError, yaml.YAMLError) as e:
        print(f"ecocomply bureaus import: cannot read {path}: {e}", file=sys.stderr)
        return 2
    except Problem as p:
        print(f"ecocomply bureaus import: {p.extra['errors'][0]['field']}: {p.detail}", file=sys.stderr)
        return 1
    comp = _composition(args)
    rt = comp.runtimes["cases"]
    try:
        await rt.migrate()
        async with rt.sessionmaker() as session, session.begin():
            for e in entries:
                await bureaus.put(session, e.code, e, by=args.by, at=rt.clock.now())
    finally:
        await comp.stop()
    for e in entries:
        print(f"{e.code} {e.name}: {len(e.prefixes)} 文号 prefix(es){'（示例数据）' if e.example else ''}")
    return 0
