"""People are installation-wide: invitations, rights that cannot grow, and the end of
sessions and tokens when a password changes, a person is deactivated or a member removed."""

from datetime import timedelta
from typing import Any

import httpx

from omniline.auth import secrets
from omniline.kit.clock import set_clock, utcnow
from omniline.runtime import Runtime
from omniline.users.service import create_user
from tests.conftest import PASSWORD, World
from tests.support.hashing import CountingHasher
from tests.support.people import API, bearer, invite, join, log_in, session_of

ACME = f"{API}/tenants/acme"
B_PASSWORD = "chosen by tenant B"
A_PASSWORD = "chosen by tenant A"


async def _audit_actions(client: httpx.AsyncClient, world: World) -> list[str]:
    page = await client.get(f"{ACME}/audit?limit=200", headers=world.auth("api"))
    assert page.status_code == 200, page.text
    return [e["action"] for e in page.json()["items"]]


# --- H2: one tenant cannot pre-create another tenant's people ----------------------------


async def test_an_account_made_by_another_tenant_never_opens_this_one(
    client: httpx.AsyncClient, world: World
) -> None:
    """Tenant B's admin makes new-hire@demo.bank with a password of B's choosing; tenant A
    then adds the same address with its own password. A's password is not set, and B,
    logged in as new-hire, cannot join A: accepting needs the code A gave its new hire."""
    made = await invite(
        client, world.auth("other_admin"), "globex",
        {"email": "new-hire@demo.bank", "role": "agent", "password": B_PASSWORD},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    invited = await invite(
        client, world.auth("admin"), "acme",
        {"email": "new-hire@demo.bank", "role": "admin", "password": A_PASSWORD},
    )  # fmt: skip
    assert invited.status_code == 201, invited.text
    assert (await log_in(client, "new-hire@demo.bank", A_PASSWORD)).status_code == 401
    as_b = bearer(await session_of(client, "new-hire@demo.bank", B_PASSWORD))
    waiting = (await client.get(f"{API}/me/invitations", headers=as_b)).json()
    assert {w["tenant_slug"] for w in waiting} == {"acme", "globex"}
    acme_invitation = invited.json()["id"]
    for code in ("", made.json()["code"], "oli_guess"):
        refused = await client.post(
            f"{API}/me/invitations/{acme_invitation}/accept", json={"code": code}, headers=as_b
        )
        assert refused.status_code in (403, 422), refused.text
    assert (await client.get(ACME, headers=as_b)).status_code == 404


async def test_adding_an_address_answers_the_same_whether_it_has_an_account(
    client: httpx.AsyncClient, world: World
) -> None:
    """A tenant admin learns nothing about addresses of other tenants: the answer (status,
    fields, state) is the same, nobody becomes a member before accepting, and an existing
    person's password is not touched."""
    answers = []
    for email in ("admin@globex.test", "nobody-yet@acme.test"):
        answer = await invite(
            client, world.auth("admin"), "acme",
            {"email": email, "role": "agent", "name": "X", "password": A_PASSWORD},
        )  # fmt: skip
        answers.append(answer)
    existing, new = answers
    assert existing.status_code == new.status_code == 201
    assert existing.json().keys() == new.json().keys()
    assert existing.json()["state"] == new.json()["state"] == "pending"
    assert existing.headers.keys() == new.headers.keys()
    members = (await client.get(f"{ACME}/members", headers=world.auth("admin"))).json()
    assert {"admin@globex.test", "nobody-yet@acme.test"}.isdisjoint(m["email"] for m in members)
    pending = (await client.get(f"{ACME}/invitations", headers=world.auth("admin"))).json()
    assert {p["email"] for p in pending} == {"admin@globex.test", "nobody-yet@acme.test"}
    assert (await log_in(client, "admin@globex.test", A_PASSWORD)).status_code == 401
    assert (await log_in(client, "admin@globex.test", PASSWORD)).status_code == 200


async def test_adding_an_address_costs_one_hash_either_way(
    client: httpx.AsyncClient, world: World
) -> None:
    """The first password is hashed for an existing address too (and thrown away), so the
    time of the answer does not tell either."""
    counting = CountingHasher()
    saved, secrets._hasher = secrets._hasher, counting
    try:
        for email in ("admin@globex.test", "another-new@acme.test"):
            counting.hashed = 0
            body = {"email": email, "role": "agent", "password": A_PASSWORD}
            assert (await invite(client, world.auth("admin"), "acme", body)).status_code == 201
            assert counting.hashed == 1, email
    finally:
        secrets._hasher = saved


async def test_an_existing_person_joins_by_accepting_with_the_code(
    client: httpx.AsyncClient, world: World
) -> None:
    invited = await invite(
        client, world.auth("admin"), "acme", {"email": "admin@globex.test", "role": "supervisor"}
    )
    invitation, code = invited.json()["id"], invited.json()["code"]
    accept = f"{API}/me/invitations/{invitation}/accept"
    someone_else = await client.post(accept, json={"code": code}, headers=world.auth("agent"))
    assert someone_else.status_code == 404  # not their invitation
    as_token = await client.post(accept, json={"code": code}, headers=world.auth("api"))
    assert as_token.status_code == 403
    done = await client.post(accept, json={"code": code}, headers=world.auth("other_admin"))
    assert done.status_code == 204, done.text
    me = (await client.get(f"{API}/me", headers=world.auth("other_admin"))).json()
    assert {t["slug"]: t["role"] for t in me["tenants"]} == {
        "globex": "admin",
        "acme": "supervisor",
    }
    again = await client.post(accept, json={"code": code}, headers=world.auth("other_admin"))
    assert again.status_code == 404
    assert {"invitation.created", "invitation.accepted", "membership.set"} <= set(
        await _audit_actions(client, world)
    )


async def test_invitations_can_be_declined_revoked_and_expire(
    client: httpx.AsyncClient, world: World
) -> None:
    async def invitation() -> tuple[str, str]:
        body = {"email": "admin@globex.test", "role": "agent"}
        made = (await invite(client, world.auth("admin"), "acme", body)).json()
        return f"{API}/me/invitations/{made['id']}", made["code"]

    declined, _ = await invitation()
    assert (
        await client.post(f"{declined}/decline", headers=world.auth("other_admin"))
    ).status_code == 204
    revoked, code = await invitation()
    invitation_id = revoked.rsplit("/", 1)[1]
    gone = await client.delete(f"{ACME}/invitations/{invitation_id}", headers=world.auth("admin"))
    assert gone.status_code == 204
    late, late_code = await invitation()
    start = utcnow()
    set_clock(lambda: start + timedelta(days=15))
    try:
        later = bearer(await session_of(client, "admin@globex.test", PASSWORD))
        for url, c in ((f"{declined}/accept", code), (f"{revoked}/accept", code),
                       (f"{late}/accept", late_code)):  # fmt: skip
            refused = await client.post(url, json={"code": c}, headers=later)
            assert refused.status_code == 404, url
    finally:
        set_clock(None)
    assert (await client.get(ACME, headers=world.auth("other_admin"))).status_code == 404


# --- H3: nobody grants what they do not hold ---------------------------------------------


async def _person_with(
    client: httpx.AsyncClient, world: World, role: str, permissions: list[str]
) -> dict[str, str]:
    made = await client.post(
        f"{ACME}/roles", json={"name": role, "permissions": permissions},
        headers=world.auth("admin"),
    )  # fmt: skip
    assert made.status_code == 201, made.text
    return bearer(
        await join(client, world.auth("admin"), "acme", f"{role}@acme.test", role, PASSWORD)
    )


async def test_a_token_keeper_mints_only_scopes_it_holds(
    client: httpx.AsyncClient, world: World
) -> None:
    keeper = await _person_with(client, world, "token-keeper", ["tokens.manage"])
    tokens = f"{ACME}/tokens"
    for scopes in (["pii.documents.read"], None, ["customers.read", "tokens.manage"]):
        body: dict[str, Any] = {"name": "mine"} | ({"scopes": scopes} if scopes else {})
        refused = await client.post(tokens, json=body, headers=keeper)
        assert refused.status_code == 403, scopes
        assert "do not hold" in refused.json()["error"]["message"]
    own = await client.post(
        tokens, json={"name": "ok", "scopes": ["tokens.manage"]}, headers=keeper
    )
    assert own.status_code == 201
    minted = bearer(own.json()["token"])  # a token cannot mint a wider token either
    wider = await client.post(
        tokens, json={"name": "w", "scopes": ["pii.documents.read"]}, headers=minted
    )
    assert wider.status_code == 403


async def test_a_people_manager_cannot_make_itself_admin_or_touch_the_admin(
    client: httpx.AsyncClient, world: World
) -> None:
    manager = await _person_with(client, world, "people", ["users.manage"])
    me = (await client.get(f"{API}/me", headers=manager)).json()
    admin_id = world.users["admin"].id
    attempts = [
        ("PATCH", f"{ACME}/members/{me['id']}", {"role": "admin"}),
        ("PATCH", f"{ACME}/members/{admin_id}", {"role": "agent"}),
        ("DELETE", f"{ACME}/members/{admin_id}", None),
        ("POST", f"{ACME}/members", {"email": "friend@x.test", "role": "admin"}),
        ("PATCH", f"{ACME}/members/{world.users['agent'].id}", {"role": "supervisor"}),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=manager)
        assert response.status_code == 403, f"{method} {url}: {response.text}"
    me_after = (await client.get(f"{API}/me", headers=manager)).json()
    assert [t["role"] for t in me_after["tenants"]] == ["people"]
    assert (await client.get(ACME, headers=world.auth("admin"))).status_code == 200


async def test_custom_roles_hold_only_what_their_maker_holds(
    client: httpx.AsyncClient, world: World
) -> None:
    maker = await _person_with(client, world, "role-maker", ["roles.manage"])
    wider = {"name": "peeker", "permissions": ["customers.read", "pii.documents.read"]}
    refused = await client.post(f"{ACME}/roles", json=wider, headers=maker)
    assert refused.status_code == 403
    assert "customers.read, pii.documents.read" in refused.json()["error"]["message"]
    same = {"name": "makers", "permissions": ["roles.manage"]}
    assert (await client.post(f"{ACME}/roles", json=same, headers=maker)).status_code == 201


async def test_the_last_admin_stays(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    me = f"{ACME}/members/{world.users['admin'].id}"
    demoted = await client.patch(me, json={"role": "agent"}, headers=admin)
    assert demoted.status_code == 409
    assert "last admin" in demoted.json()["error"]["message"]
    assert (await client.delete(me, headers=admin)).status_code == 409
    second = f"{ACME}/members/{world.users['supervisor'].id}"
    promoted = await client.patch(second, json={"role": "admin"}, headers=admin)
    assert promoted.status_code == 200, promoted.text
    assert (await client.patch(me, json={"role": "agent"}, headers=admin)).status_code == 200
    as_new_admin = world.auth("supervisor")
    assert (await client.delete(second, headers=as_new_admin)).status_code == 409
    actions = await _audit_actions(client, world)
    assert actions.count("membership.role_changed") == 2


# --- M4: passwords change, people leave; their sessions and tokens end at once -----------


async def _inbound(client: httpx.AsyncClient, token: str) -> int:
    body = {
        "channel": "webform",
        "external_id": utcnow().isoformat(),
        "sender": {"identities": [{"kind": "email", "value": "c@example.com"}]},
    }
    return (await client.post(f"{API}/inbound", json=body, headers=bearer(token))).status_code


async def _token_made_by(client: httpx.AsyncClient, who: dict[str, str]) -> str:
    made = await client.post(
        f"{ACME}/tokens", json={"name": "mine", "scopes": ["inbound.write"]}, headers=who
    )
    assert made.status_code == 201, made.text
    token: str = made.json()["token"]
    assert await _inbound(client, token) == 200  # now in the token cache
    return token


async def test_a_password_change_ends_every_session_and_token(
    client: httpx.AsyncClient, world: World
) -> None:
    other_session = world.auth("admin")
    mine = bearer(await session_of(client, "admin@acme.test", PASSWORD))
    token = await _token_made_by(client, mine)  # as an intruder with the session would
    change = f"{API}/me/password"
    wrong = await client.post(
        change, json={"old_password": "not it at all", "new_password": "a new long one"},
        headers=mine,
    )  # fmt: skip
    assert wrong.status_code == 401
    short = await client.post(
        change, json={"old_password": PASSWORD, "new_password": "short"}, headers=mine
    )
    assert short.status_code == 422
    done = await client.post(
        change, json={"old_password": PASSWORD, "new_password": "a new long one"}, headers=mine
    )
    assert done.status_code == 200, done.text
    for old in (mine, other_session):
        assert (await client.get(f"{API}/me", headers=old)).status_code == 401
    assert await _inbound(client, token) == 401
    fresh = bearer(done.json()["token"])
    assert (await client.get(f"{API}/me", headers=fresh)).status_code == 200
    assert (await log_in(client, "admin@acme.test", PASSWORD)).status_code == 401
    assert (await log_in(client, "admin@acme.test", "a new long one")).status_code == 200
    assert (await client.post(change, json={"old_password": "x", "new_password": "yyyyyyyyyyyy"},
                              headers=world.auth("api"))).status_code == 403  # fmt: skip


async def test_an_operator_deactivates_a_person(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    work = runtime.work()
    await create_user(work, email="root@ops.test", name="Ops", password=PASSWORD, superuser=True)
    await work.commit()
    await work.session.close()
    root = bearer(await session_of(client, "root@ops.test", PASSWORD))
    target = world.users["admin"]
    token = await _token_made_by(client, world.auth("admin"))
    url = f"{API}/users/{target.id}/deactivate"
    assert (await client.post(url, headers=world.auth("supervisor"))).status_code == 403
    done = await client.post(url, headers=root)
    assert done.status_code == 200
    assert done.json()["active"] is False
    assert (await client.get(f"{API}/me", headers=world.auth("admin"))).status_code == 401
    assert await _inbound(client, token) == 401
    refused = await log_in(client, "admin@acme.test", PASSWORD)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "e-mail or password is wrong"
    back = await client.post(f"{API}/users/{target.id}/activate", headers=root)
    assert back.json()["active"] is True
    assert (await log_in(client, "admin@acme.test", PASSWORD)).status_code == 200


async def test_a_removed_member_loses_the_tenant_and_its_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    promoted = await client.patch(
        f"{ACME}/members/{world.users['supervisor'].id}", json={"role": "admin"}, headers=admin
    )
    assert promoted.status_code == 200
    token = await _token_made_by(client, world.auth("supervisor"))
    gone = await client.delete(f"{ACME}/members/{world.users['supervisor'].id}", headers=admin)
    assert gone.status_code == 204
    assert (await client.get(ACME, headers=world.auth("supervisor"))).status_code == 404
    assert await _inbound(client, token) == 401
    members = (await client.get(f"{ACME}/members", headers=admin)).json()
    assert "supervisor@acme.test" not in {m["email"] for m in members}
    assert "membership.removed" in await _audit_actions(client, world)
    again = await client.delete(f"{ACME}/members/{world.users['supervisor'].id}", headers=admin)
    assert again.status_code == 404
