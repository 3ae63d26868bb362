"""``gridpatrol serve``, ``gridpatrol users add|list``, ``gridpatrol leaders assign|list``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from api.commands.args import add_db_argument
from api.services.users import ROLES
from layers.store import open_store, resolve_db


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the service commands."""
    p = sub.add_parser("serve", help="run the web service (FastAPI + uvicorn)")
    add_db_argument(p)
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default 1)")
    p.set_defaults(func=_serve)

    users = sub.add_parser("users", help="service users and roles")
    usub = users.add_subparsers(dest="users_command", required=True)
    add = usub.add_parser("add", help="add a user (password prompted, or read from stdin)")
    add_db_argument(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--team", help="an inspector's team; a unit's name (责任单位)")
    add.add_argument("--township", help="limit a planner to one township (area_id)")
    add.add_argument("--replace", action="store_true", help="update an existing user")
    add.set_defaults(func=_users_add)
    lst = usub.add_parser("list", help="list users")
    add_db_argument(lst)
    lst.set_defaults(func=_users_list)

    leaders = sub.add_parser("leaders", help="leaders' townships (包联) and mines (挂牌)")
    lsub = leaders.add_subparsers(dest="leaders_command", required=True)
    assign = lsub.add_parser("assign", help="assign a township or a mine to a leader")
    add_db_argument(assign)
    assign.add_argument("leader")
    target = assign.add_mutually_exclusive_group(required=True)
    target.add_argument("--township", help="township area_id")
    target.add_argument("--mine", help="mine site_id")
    assign.set_defaults(func=_leaders_assign)
    llist = lsub.add_parser("list", help="list assignments")
    add_db_argument(llist)
    llist.add_argument("--leader", default=None)
    llist.set_defaults(func=_leaders_list)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.settings import Settings

    overrides = {k: v for k, v in (("db", resolve_db(args.db) if args.db else None),
                                   ("host", args.host), ("port", args.port),
                                   ("workers", args.workers)) if v is not None}
    settings = Settings(**overrides)  # validated once here, then handed to the workers
    for key, value in overrides.items():  # worker processes rebuild it from the environment
        os.environ[f"GRIDPATROL_{key.upper()}"] = str(value)
    open_store(settings.db).close()  # fail now, not in every worker, if the store is bad
    uvicorn.run("api.app:app_from_env", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level="info")
    return 0


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            sys.stderr.write("the passwords differ; nothing was written\n")
            raise SystemExit(2)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _users_add(args: argparse.Namespace) -> int:
    from api.services.users import add_user

    store = open_store(args.db)
    try:
        user = add_user(store, username=args.name, role=args.role, password=_password(),
                        team=args.team, township_id=args.township, replace=args.replace)
    finally:
        store.close()
    sys.stdout.write(f"user {user.username} ({user.role}) saved\n")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from api.services.users import list_users

    store = open_store(args.db, create=False)
    for u in list_users(store):
        sys.stdout.write(f"{u.username}\t{u.role}\t{u.team or ''}\t{u.township_id or ''}\n")
    return 0


def _leaders_assign(args: argparse.Namespace) -> int:
    from api.services.leaders import assign

    store = open_store(args.db, create=False)
    kind, target = ("township", args.township) if args.township else ("mine", args.mine)
    row = assign(store, leader=args.leader, kind=kind, target_id=target, by="cli")
    sys.stdout.write(f"{row['leader']}: {row['kind']} {row['target_id']} "
                     f"({row['assignment_id']})\n")
    return 0


def _leaders_list(args: argparse.Namespace) -> int:
    from api.services.leaders import assignments

    store = open_store(args.db, create=False)
    for a in assignments(store, leader=args.leader):
        sys.stdout.write(f"{a['leader']}\t{a['kind']}\t{a['target_id']}\t{a['assignment_id']}\n")
    return 0
