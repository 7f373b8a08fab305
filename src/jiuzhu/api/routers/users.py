"""``/api/v1/users``: accounts inside the administrator's area — list, add, lock, unlock, unbind from
the identity provider (``accounts.service``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from jiuzhu.access import Permission, Principal, Role
from jiuzhu.api.deps import DbSession, require
from jiuzhu.api.schemas import ERRORS

router = APIRouter(tags=["users"], responses=ERRORS)
Administrator = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
Username = Annotated[str, Path(max_length=32)]


class UserViewOut(BaseModel):
    username: str
    display_name: str
    role: str
    area_code: str
    area_name: str
    locked: bool
    failed_attempts: int
    created_at: dt.datetime
    last_sign_in: dt.datetime | None
    locked_until: dt.datetime | None = None
    disabled: bool = False
    role_title: str = ""
    bound: bool = False  # bound to an identity at the OpenID Connect provider


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    area_code: str = Field(min_length=6, max_length=12)
    display_name: str = Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]+$")


@router.get("/users", response_model=list[UserViewOut], summary="Accounts inside the administrator's area")
def list_users(session: DbSession, who: Administrator) -> list[UserViewOut]:
    from jiuzhu.accounts import service as accounts

    return [UserViewOut(**dataclasses.asdict(v)) for v in accounts.list_users(session, who)]


@router.post("/users", response_model=UserViewOut, status_code=201, summary="Add an account")
def add_user(new: NewUser, session: DbSession, who: Administrator) -> UserViewOut:
    from jiuzhu.accounts import service as accounts

    # principal: an administrator adds accounts inside its own area only (403 naming the area otherwise)
    view = accounts.add_user(session, username=new.username, password=new.password, role=new.role,
                             area_code=new.area_code, display_name=new.display_name, actor=who.username,
                             principal=who)
    return UserViewOut(**dataclasses.asdict(view))


@router.post("/users/{username}/lock", response_model=UserViewOut, summary="Lock an account")
def lock_user(username: Username, session: DbSession, who: Administrator) -> UserViewOut:
    from jiuzhu.accounts import service as accounts

    return UserViewOut(**dataclasses.asdict(accounts.lock_user(session, who, username)))


@router.post("/users/{username}/unlock", response_model=UserViewOut, summary="Unlock an account")
def unlock_user(username: Username, session: DbSession, who: Administrator) -> UserViewOut:
    from jiuzhu.accounts import service as accounts

    return UserViewOut(**dataclasses.asdict(accounts.unlock_user(session, who, username)))


@router.post("/users/{username}/unbind", response_model=UserViewOut,
             summary="Unbind an account from its identity at the OpenID Connect provider")
def unbind_user(username: Username, session: DbSession, who: Administrator) -> UserViewOut:
    from jiuzhu.accounts import service as accounts

    # 409 when the account is bound to no identity; 404 outside the administrator's area (as lock and unlock)
    return UserViewOut(**dataclasses.asdict(accounts.forget_identity(session, who, username)))
