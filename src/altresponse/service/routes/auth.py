from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from altresponse.ops import repository as repo
from altresponse.service.deps import Admin, CurrentActor, SettingsDep, StoreDep
from altresponse.service.routes import errors
from altresponse.service.schemas import MeOut, TokenOut, UserIn, UserOut
from altresponse.service.security import create_token

router = APIRouter(tags=["auth"])


def issue_token(store: repo.Store, username: str, password: str, secret: str, minutes: int) -> TokenOut:
    user = repo.authenticate(store, username, password)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    actor = repo.Actor(user.id, user.username, user.role, user.organization_id)
    return TokenOut(access_token=create_token(actor, secret, minutes), expires_in=minutes * 60,
                    role=user.role)


@router.post("/auth/token", response_model=TokenOut, responses=errors(401))
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], store: StoreDep,
          settings: SettingsDep) -> TokenOut:
    """Exchange username and password for a bearer token that expires."""
    return issue_token(store, form.username, form.password, settings.secret_key, settings.token_minutes)


@router.get("/auth/me", response_model=MeOut, responses=errors(401, 403))
def me(actor: CurrentActor) -> MeOut:
    return MeOut(id=actor.user_id, username=actor.username, role=actor.role,
                 organization_id=actor.organization_id)


@router.get("/users", response_model=list[UserOut], responses=errors(401, 403))
def list_users(_: Admin, store: StoreDep) -> list[UserOut]:
    return [UserOut.model_validate(u, from_attributes=True) for u in repo.list_users(store)]


@router.post("/users", response_model=UserOut, status_code=201, responses=errors(401, 403, 409, 422))
def create_user(body: UserIn, actor: Admin, store: StoreDep) -> UserOut:
    user = repo.create_user(store, body.username, body.password, body.role, body.organization_id, actor=actor)
    return UserOut.model_validate(user, from_attributes=True)
