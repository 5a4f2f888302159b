"""A person's own account (password, invitations) and operators' control of people."""

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from omniline.api.deps import (
    IdPath,
    PrincipalDep,
    WorkDep,
    client_ip,
    get_runtime,
    set_session_cookie,
)
from omniline.auth import service as auth
from omniline.auth.service import Principal
from omniline.kit.errors import Forbidden, Unauthorized
from omniline.models import User
from omniline.users import service
from omniline.users.schemas import (
    AcceptIn,
    MyInvitationOut,
    PasswordChangeIn,
    SessionOut,
    UserOut,
)

router = APIRouter(tags=["people"])


def _person(who: Principal) -> User:
    if who.user is None:
        raise Forbidden("this is for people logged in with their e-mail, not API tokens")
    return who.user


@router.post("/me/password", response_model=SessionOut)
async def change_password(
    body: PasswordChangeIn, request: Request, response: Response, work: WorkDep, who: PrincipalDep
) -> SessionOut:
    """Change one's own password, proving the old one: every session and API token of the
    person ends at once; the answer carries a new session."""
    user = _person(who)
    settings = get_runtime(request).settings
    change = service.PasswordChange(body.old_password, body.new_password, client_ip(request))
    try:
        await service.change_password(work, user, change, settings.secret_key)
    except Unauthorized:
        await work.commit()  # the wrong guess is counted and audited
        raise
    hours = settings.session_ttl_hours
    token = auth.open_session(work, user, ttl=timedelta(hours=hours), ip=client_ip(request))
    await work.commit()
    await get_runtime(request).token_cache.revoked()
    set_session_cookie(request, response, token)
    return SessionOut(token=token, expires_in=hours * 3600)


@router.get("/me/invitations", response_model=list[MyInvitationOut])
async def my_invitations(work: WorkDep, who: PrincipalDep) -> list[MyInvitationOut]:
    """Invitations to the caller's address that wait for an answer."""
    rows = await service.my_invitations(work, _person(who))
    return [
        MyInvitationOut(
            id=i.id,
            tenant_id=t.id,
            tenant_slug=t.slug,
            tenant_name=t.name,
            role=r.name,
            created_at=i.created_at,
            expires_at=i.expires_at,
        )
        for i, t, r in rows
    ]


@router.post("/me/invitations/{invitation_id}/accept", status_code=204)
async def accept_invitation(
    invitation_id: IdPath, body: AcceptIn, work: WorkDep, who: PrincipalDep
) -> None:
    """Join the tenant with the code the inviting admin gave you."""
    await service.accept_invitation(work, _person(who), invitation_id, body.code)
    await work.commit()


@router.post("/me/invitations/{invitation_id}/decline", status_code=204)
async def decline_invitation(invitation_id: IdPath, work: WorkDep, who: PrincipalDep) -> None:
    """Say no to an invitation."""
    await service.decline_invitation(work, _person(who), invitation_id)
    await work.commit()


def _operator(who: Principal) -> None:
    if not who.is_superuser:
        raise Forbidden("only installation operators (superusers) deactivate people")


def _user_out(user: User) -> UserOut:
    return UserOut(id=user.id, email=user.email, name=user.name, active=user.is_active)


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
async def deactivate(
    user_id: IdPath, request: Request, work: WorkDep, who: PrincipalDep
) -> UserOut:
    """Stop a person from logging in anywhere; their sessions and tokens end at once."""
    _operator(who)
    user = await service.get_user_or_raise(work.session, user_id)
    await service.deactivate(work, user)
    await work.commit()
    await get_runtime(request).token_cache.revoked()
    return _user_out(user)


@router.post("/users/{user_id}/activate", response_model=UserOut)
async def activate(user_id: IdPath, work: WorkDep, who: PrincipalDep) -> UserOut:
    """Let a deactivated person log in again."""
    _operator(who)
    user = await service.get_user_or_raise(work.session, user_id)
    await service.activate(work, user)
    await work.commit()
    return _user_out(user)
