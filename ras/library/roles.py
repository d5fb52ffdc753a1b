"""Create, list, rename and delete roles. A role is one folder; deleting it deletes nothing else."""
from __future__ import annotations

import shutil
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import select

from ras.errors import InputError, RoleNotFound
from ras.names import make_role_name, validate_role_name
from ras.store.role_tables import Clip
from ras.store.workspace import ROLE_DB_NAME, Workspace


@dataclass(frozen=True)
class RoleSummary:
    """A row of the role list: the role's name and how many clips it holds."""

    role: str
    clips: int


class RoleExists(InputError):
    """The name is taken: choose another or rename the existing role."""


def create_role(*, ws: Workspace, category: str, name: str) -> str:
    role = make_role_name(category, name)
    if ws.role_dir(role).exists():
        raise RoleExists(f"role {role!r} already exists; choose another name")
    ws.role_engine(role, create=True)
    return role


def clip_count(*, ws: Workspace, role: str) -> int:
    with ws.role_session(role) as session:
        return session.exec(select(func.count()).select_from(Clip)).one()


def list_roles(*, ws: Workspace) -> list[RoleSummary]:
    return [RoleSummary(role=role, clips=clip_count(ws=ws, role=role)) for role in ws.role_names()]


def _existing_role_dir(ws: Workspace, role: str):
    folder = ws.role_dir(role)
    if not (folder / ROLE_DB_NAME).is_file():
        raise RoleNotFound(f"role {role!r} does not exist; refresh the role list and pick another")
    return folder


def rename_role(*, ws: Workspace, role: str, new_role: str) -> str:
    folder = _existing_role_dir(ws, role)
    validate_role_name(new_role)
    target = ws.role_dir(new_role)
    if target.exists():
        raise RoleExists(f"role {new_role!r} already exists; choose another name")
    ws.forget_role(role)
    folder.rename(target)
    return new_role


def delete_role(*, ws: Workspace, role: str) -> str:
    folder = _existing_role_dir(ws, role)
    ws.forget_role(role)
    shutil.rmtree(folder)
    return role
