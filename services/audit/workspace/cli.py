"""``ecocomply users add | list | disable | passwd`` — the local accounts of the supervision workspace, in the
audit service's database: the embedded data directory's (``--data-dir``, else ``ECOCOMPLY_DATA_DIR`` or
``./var``), or, without ``--data-dir`` and with ``ECOCOMPLY_DATABASE_URL`` set, the distributed audit database.
A password is read from the terminal (asked twice, not echoed) or, with ``--password-stdin``, from the first
line of standard input (scripts); it is never an argument (arguments show in ``ps`` and shell history).

Exit 0 when done, 1 when refused (the reason in Chinese: an unknown or existing user, a role the workspace does
not serve, a password too short), 2 when no password could be read."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from services.audit.workspace import accounts
from shared.auth import ROLES
from shared.chinese_dates import beijing_time

PROG = "ecocomply users"


class NoPassword(Exception):
    pass


def _composition(args: argparse.Namespace):
    """The embedded data directory's services, or the distributed audit database (ECOCOMPLY_DATABASE_URL)."""
    from services.composition import embedded, single
    from shared.config import Settings

    env = Settings()
    if args.data_dir or not env.database_url:
        return embedded(Path(args.data_dir) if args.data_dir else env.data_dir)
    return single(Settings(service="audit"), for_migration=True)


def read_password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise NoPassword("标准输入中没有密码（--password-stdin 读取第一行）。")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise NoPassword("没有终端可以输入密码；脚本中请用 --password-stdin。")
    first = getpass.getpass(f"{username} 的新密码（至少{accounts.MIN_PASSWORD_LENGTH}个字符）：")
    if getpass.getpass("再输入一次：") != first:
        raise NoPassword("两次输入的密码不一致，未作任何更改。")
    return first


async def _with_audit(args: argparse.Namespace, work) -> int:
    comp = _composition(args)
    rt = comp.runtimes["audit"]
    try:
        await rt.migrate()
        async with rt.sessionmaker() as session, session.begin():  # the command is the unit of work
            return await work(session, rt.clock.now())
    except accounts.AccountError as e:
        print(f"{PROG} {args.users_command}: {e}", file=sys.stderr)
        return 1
    except IntegrityError:  # the same username added by another command at the same moment
        print(f"{PROG} {args.users_command}: 用户名 {getattr(args, 'username', '')} 已存在。", file=sys.stderr)
        return 1
    finally:
        await comp.stop()


def _add(args: argparse.Namespace) -> int:
    try:  # the account is checked before the password is asked for
        accounts.check_new_account(args.username, args.name, args.role, args.bureau)
        password = read_password(args, args.username)
    except accounts.AccountError as e:
        print(f"{PROG} add: {e}", file=sys.stderr)
        return 1
    except NoPassword as e:
        print(f"{PROG} add: {e}", file=sys.stderr)
        return 2

    async def work(session, now):
        a = await accounts.create(session, username=args.username, name=args.name, roles=args.role,
                                  bureau=args.bureau, password=password, now=now)
        print(f"已创建账户 {a.username}（{a.name}，{_roles(a.roles)}{'，' + a.bureau if a.bureau else ''}），"
              f"可在 /workspace/login 登录。")
        return 0

    return asyncio.run(_with_audit(args, work))


def _roles(roles) -> str:
    return "、".join(accounts.ROLE_CN.get(r, r) for r in roles)


def _list(args: argparse.Namespace) -> int:
    async def work(session, now):
        rows = await accounts.all_accounts(session)
        if not rows:
            print("还没有工作台本地账户。创建第一个：ecocomply users add --username admin --name 姓名 --role admin")
        for a in rows:
            print("\t".join([a.username, a.name, _roles(a.roles), a.bureau or "-", "已停用" if a.disabled else "启用",
                             f"密码更改于 {beijing_time(a.password_changed_at)}"]))
        return 0

    return asyncio.run(_with_audit(args, work))


def _disable(args: argparse.Namespace) -> int:
    async def work(session, now):
        ended = await accounts.disable(session, args.username, now=now)
        print(f"账户 {args.username} 已停用，结束了 {ended} 个登录会话。")
        return 0

    return asyncio.run(_with_audit(args, work))


def _passwd(args: argparse.Namespace) -> int:
    try:
        password = read_password(args, args.username)
    except NoPassword as e:
        print(f"{PROG} passwd: {e}", file=sys.stderr)
        return 2

    async def work(session, now):
        ended = await accounts.set_password(session, args.username, password, now=now)
        print(f"账户 {args.username} 的密码已更改，结束了 {ended} 个登录会话（须用新密码重新登录）。")
        return 0

    return asyncio.run(_with_audit(args, work))


def add_parser(sub) -> None:
    """Register ``ecocomply users add|list|disable|passwd`` on the top-level sub-parsers."""
    u = sub.add_parser("users", help="local accounts of the supervision workspace (/workspace)")
    usub = u.add_subparsers(dest="users_command", required=True)
    data_help = ("embedded data directory (default: ECOCOMPLY_DATA_DIR or ./var); without it and with "
                 "ECOCOMPLY_DATABASE_URL set, the distributed audit database")
    pw_help = "read the password from the first line of standard input instead of asking twice"

    a = usub.add_parser("add", help="create an account (auditor, leader or admin)")
    a.add_argument("--username", required=True)
    a.add_argument("--name", required=True, help="姓名, shown on every page")
    a.add_argument("--role", action="append", required=True, choices=ROLES,
                   help="auditor | leader | admin (repeatable); other roles are refused")
    a.add_argument("--bureau", help="the bureau's code; required for a leader (a leader sees only their bureau)")
    a.add_argument("--password-stdin", action="store_true", help=pw_help)
    a.add_argument("--data-dir", help=data_help)
    a.set_defaults(func=_add)

    ls = usub.add_parser("list", help="list the accounts")
    ls.add_argument("--data-dir", help=data_help)
    ls.set_defaults(func=_list)

    d = usub.add_parser("disable", help="disable an account and end its sessions")
    d.add_argument("username")
    d.add_argument("--data-dir", help=data_help)
    d.set_defaults(func=_disable)

    p = usub.add_parser("passwd", help="set a new password and end the account's sessions")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help=pw_help)
    p.add_argument("--data-dir", help=data_help)
    p.set_defaults(func=_passwd)


def first_account_hint(data_dir: Path, command: str) -> str:
    """For ``ecocomply serve``'s start banner: how to create the first workspace account, when the embedded audit
    database in ``data_dir`` has no enabled one yet ("" when it has)."""
    from shared.db import make_engine, make_sessionmaker

    async def count() -> bool:
        engine = make_engine(f"sqlite+aiosqlite:///{(Path(data_dir) / 'audit.db').resolve()}")
        try:
            async with make_sessionmaker(engine)() as session:
                return await accounts.any_enabled(session)
        finally:
            await engine.dispose()

    try:
        if asyncio.run(count()):
            return ""
    except Exception:  # noqa: BLE001 - a banner never stops the server; say how to create one anyway
        pass
    return (f"            No workspace account yet. Create the first administrator (the password is asked twice):\n"
            f"              {command} users add --username admin --name 管理员姓名 --role admin --data-dir {data_dir}\n"
            f"            and an auditor: {command} users add --username auditor1 --name 姓名 --role auditor "
            f"--data-dir {data_dir}\n")
