"""The `omniline` command: thin typer commands over the services."""

import asyncio
import os
from collections.abc import Callable, Coroutine
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from omniline.config import InsecureSettings, Settings

if TYPE_CHECKING:
    from omniline.journal.work import Work
    from omniline.models import User

app = typer.Typer(help="Omniline: open-source omnichannel contact center.", no_args_is_help=True)
tenants_app = typer.Typer(help="Manage tenants (client projects).", no_args_is_help=True)
users_app = typer.Typer(help="Manage people and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
articles_app = typer.Typer(
    help="Import and export knowledge-base articles as Markdown or HTML files.",
    no_args_is_help=True,
)
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")
app.add_typer(articles_app, name="articles")

T = TypeVar("T")


def _run(
    coro_fn: Callable[[Settings], Coroutine[Any, Any, T]], settings: Settings | None = None
) -> T:
    return asyncio.run(coro_fn(settings or Settings()))


def _fail(message: str) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _in_work(change: Callable[["Work"], Coroutine[Any, Any, T]], *, revokes: bool = False) -> T:
    """Run one change in a unit of work and commit it; domain errors end the command cleanly.

    A change that `revokes` sessions or tokens also tells the running servers' token caches
    (through Redis, when the installation has one) after the commit."""
    from omniline.kit.errors import DomainError
    from omniline.runtime import Runtime

    async def main(settings: Settings) -> T:
        runtime = Runtime.build(settings)
        work = runtime.work()
        try:
            result = await change(work)
            await work.commit()
            if revokes:
                await runtime.token_cache.revoked()
            return result
        finally:
            await work.session.close()
            await runtime.token_cache.epoch.close()
            await runtime.engine.dispose()

    try:
        return _run(main)
    except DomainError as exc:
        _fail(exc.message)
        raise  # _fail exits; this keeps the type checker informed


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from omniline.audit.keys import load_audit_key
    from omniline.migrate import upgrade

    settings = Settings()
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url, audit_key=load_audit_key(settings))
    typer.echo("database is up to date")


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Dev mode with the 'Demo Bank' tenant seeded")] = False,
    dev: Annotated[bool, typer.Option(help="Dev mode: allows the built-in secret")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (needs PostgreSQL and Redis)")] = 1,
) -> None:
    """Migrate, optionally seed the demo, and serve the API and pages."""
    import uvicorn

    from omniline.audit.keys import load_audit_key
    from omniline.migrate import upgrade

    if demo or dev:
        os.environ["OMNILINE_DEV"] = "1"
    if demo:  # a mail sink or webhook receiver to try the demo with runs on this machine
        os.environ.setdefault("OMNILINE_EGRESS_ALLOW", "loopback")
    settings = Settings()
    try:
        settings.check_secure()
    except InsecureSettings as exc:
        _fail(str(exc))
    settings.apply_clock()
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url, audit_key=load_audit_key(settings))
    if demo:
        from omniline.demo import print_demo, seed_demo

        info = _run(seed_demo, settings)
        print_demo(info, host, port)
    uvicorn.run(
        "omniline.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        # the application decides whom to believe (OMNILINE_TRUSTED_PROXIES, api/deps.py:
        # client_ip); uvicorn's own default trusts X-Forwarded-For from 127.0.0.1
        proxy_headers=False,
    )


@app.command()
def worker() -> None:
    """Run background jobs (for installations that run workers apart from the web servers)."""
    import signal

    from omniline.runtime import Runtime

    async def main(settings: Settings) -> None:
        settings.apply_clock()
        runtime = Runtime.build(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start(worker=True)
        typer.echo("worker running; SIGTERM or Ctrl+C stops it after the jobs at hand")
        try:
            await stop.wait()
        finally:
            await runtime.stop()

    _run(main)


@tenants_app.command("create")
def tenants_create(
    slug: str,
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone")] = "UTC",
    language: Annotated[str, typer.Option(help="Default language")] = "en",
    region: Annotated[str, typer.Option(help="Default phone region (ISO 3166)")] = "US",
) -> None:
    """Create a tenant with the built-in roles."""
    from omniline.tenants.service import create_tenant

    async def change(work: "Work") -> str:
        tenant = await create_tenant(
            work,
            slug=slug,
            name=name,
            timezone=timezone,
            default_language=language,
            default_region=region,
        )
        return str(tenant.id)

    typer.echo(f"created tenant {slug} ({_in_work(change)})")


@tenants_app.command("list")
def tenants_list() -> None:
    """List tenants."""
    from omniline.tenants.service import list_tenants

    async def read(work: "Work") -> list[tuple[str, str, str]]:
        return [(t.slug, t.name, t.timezone) for t in await list_tenants(work.session)]

    for slug, name, tz in _in_work(read):
        typer.echo(f"{slug}\t{name}\t{tz}")


@users_app.command("create")
def users_create(
    email: str,
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    tenant: Annotated[str | None, typer.Option(help="Tenant slug to add them to")] = None,
    role: Annotated[str, typer.Option(help="Role in that tenant")] = "agent",
    superuser: Annotated[bool, typer.Option(help="May manage every tenant")] = False,
) -> None:
    """Create a person, optionally with a role in a tenant."""
    from omniline.tenants.service import get_tenant_or_raise
    from omniline.users.service import add_membership, create_user

    async def change(work: "Work") -> None:
        user = await create_user(
            work, email=email, name=name, password=password, superuser=superuser
        )
        if tenant:
            await add_membership(work, await get_tenant_or_raise(work.session, tenant), user, role)

    _in_work(change)
    typer.echo(f"created user {email}")


@users_app.command("grant")
def users_grant(email: str, tenant: str, role: str) -> None:
    """Give a person a role in a tenant."""
    from omniline.kit.errors import NotFound
    from omniline.tenants.service import get_tenant_or_raise
    from omniline.users.service import add_membership, get_user_by_email

    async def change(work: "Work") -> None:
        user = await get_user_by_email(work.session, email)
        if user is None:
            raise NotFound(f"no user with e-mail {email}")
        await add_membership(work, await get_tenant_or_raise(work.session, tenant), user, role)

    _in_work(change)
    typer.echo(f"{email} is {role} in {tenant}")


def _person(email: str) -> Callable[["Work"], Coroutine[Any, Any, "User"]]:
    async def find(work: "Work") -> "User":
        from omniline.kit.errors import NotFound
        from omniline.users.service import get_user_by_email

        user = await get_user_by_email(work.session, email)
        if user is None:
            raise NotFound(f"no user with e-mail {email}")
        return user

    return find


@users_app.command("set-password")
def users_set_password(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Set a person's password (an operator's reset); their sessions and tokens end."""
    from omniline.users.service import set_password

    async def change(work: "Work") -> None:
        await set_password(work, await _person(email)(work), password)

    _in_work(change, revokes=True)
    typer.echo(f"password of {email} set; their sessions and API tokens were closed")


@users_app.command("deactivate")
def users_deactivate(email: str) -> None:
    """Stop a person from logging in anywhere; their sessions and tokens end at once."""
    from omniline.users.service import deactivate

    async def change(work: "Work") -> None:
        await deactivate(work, await _person(email)(work))

    _in_work(change, revokes=True)
    typer.echo(f"{email} is deactivated; their sessions and API tokens were closed")


@users_app.command("activate")
def users_activate(email: str) -> None:
    """Let a deactivated person log in again."""
    from omniline.users.service import activate

    async def change(work: "Work") -> None:
        await activate(work, await _person(email)(work))

    _in_work(change)
    typer.echo(f"{email} may log in again")


@users_app.command("remove")
def users_remove(email: str, tenant: str) -> None:
    """Take a person out of a tenant (the tenant must keep an admin); the API tokens they
    made there are revoked."""
    from omniline.tenants.service import get_tenant_or_raise
    from omniline.users.service import remove_membership

    async def change(work: "Work") -> None:
        row = await get_tenant_or_raise(work.session, tenant)
        await remove_membership(work, row, await _person(email)(work))

    _in_work(change, revokes=True)
    typer.echo(f"{email} is no longer a member of {tenant}")


@tokens_app.command("create")
def tokens_create(
    tenant: str,
    name: str,
    scope: Annotated[list[str] | None, typer.Option(help="Permission; repeat for more")] = None,
) -> None:
    """Create an API token for a tenant and print it once."""
    from omniline.auth.permissions import DEFAULT_TOKEN_SCOPES, parse_permissions
    from omniline.auth.service import create_api_token
    from omniline.tenants.service import get_tenant_or_raise

    async def change(work: "Work") -> str:
        row = await get_tenant_or_raise(work.session, tenant)
        scopes = parse_permissions(scope) if scope else DEFAULT_TOKEN_SCOPES
        token, _ = await create_api_token(work, row, name, scopes)
        return token

    typer.echo(_in_work(change))


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="A file from `omniline audit checkpoint`: also require every chain"
            " it names to hold its entries up to its head, unchanged"
        ),
    ] = None,
) -> None:
    """Check every audit chain; exit 1 and say where if a row was edited or deleted."""
    from omniline.audit import checkpoint as checkpoints
    from omniline.audit.keys import load_audit_key
    from omniline.audit.verify import verify_all
    from omniline.kit.errors import InvalidInput
    from omniline.runtime import Runtime

    settings = Settings()
    key = load_audit_key(settings)
    saw = None
    if checkpoint is not None:
        try:
            saw = checkpoints.loads(_read_text(checkpoint), key)
        except InvalidInput as exc:
            _fail(f"{checkpoint}: {exc.message}")

    async def main(settings: Settings) -> list[str]:
        runtime = Runtime.build(settings)
        try:
            async with runtime.sessions() as session:
                report = await verify_all(session, runtime.audit_key, checkpoint=saw)
        finally:
            await runtime.engine.dispose()
        for line in report.lines():
            typer.echo(line)
        return list(report.problems)

    if _run(main, settings):
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out: Annotated[
        Path | None, typer.Option(help="Write it to this file (else to standard output)")
    ] = None,
) -> None:
    """Verify the log and export every chain's head, signed; keep it away from the database."""
    from omniline.audit import checkpoint as checkpoints
    from omniline.audit.verify import take_checkpoint
    from omniline.runtime import Runtime

    async def main(settings: Settings) -> str | None:
        runtime = Runtime.build(settings)
        try:
            async with runtime.sessions() as session:
                taken, report = await take_checkpoint(session, runtime.audit_key)
        finally:
            await runtime.engine.dispose()
        if taken is None:
            for line in report.lines():
                typer.echo(line, err=True)
            return None
        return checkpoints.dumps(taken, runtime.audit_key)

    text = _run(main)
    if text is None:
        _fail("no checkpoint taken: the audit log is not intact")
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text)
    typer.echo(f"wrote {out}", err=True)


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


class _Format(StrEnum):
    MD = "md"
    HTML = "html"


@articles_app.command("export")
def articles_export(
    out: Annotated[Path, typer.Argument(help="The zip file to write")],
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    file_format: Annotated[_Format, typer.Option("--format", help="File format")] = _Format.MD,
    status: Annotated[str | None, typer.Option(help="Only draft, published or unpublished")] = None,
    kind: Annotated[str | None, typer.Option(help="Only article or guideline")] = None,
) -> None:
    """Write a tenant's articles (their newest versions) to a zip of .md or .html files."""
    from omniline.knowledge import transfer
    from omniline.models import ArticleKind, ArticleStatus
    from omniline.tenants.service import get_tenant_or_raise

    try:
        only_status = ArticleStatus(status) if status else None
        only_kind = ArticleKind(kind) if kind else None
    except ValueError as exc:
        _fail(str(exc))

    async def read(work: "Work") -> bytes:
        row = await get_tenant_or_raise(work.session, tenant)
        chosen = transfer.FileFormat(file_format)
        return await transfer.export_zip(work, row, chosen, status=only_status, kind=only_kind)

    data = _in_work(read)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data):,} bytes)")


@articles_app.command("import")
def articles_import(
    files: Annotated[list[Path], typer.Argument(help=".md, .html or .zip files")],
    tenant: Annotated[str, typer.Option(help="Tenant slug")],
    publish: Annotated[bool, typer.Option(help="Publish each imported article")] = False,
) -> None:
    """Create or edit articles from files, as the system; exit 1 if any file failed."""
    from omniline.knowledge import transfer
    from omniline.tenants.service import get_tenant_or_raise

    uploads = [
        transfer.Upload(str(path), _head(path, transfer.MAX_ZIP_BYTES + 1)) for path in files
    ]

    async def change(work: "Work") -> list[transfer.Result]:
        row = await get_tenant_or_raise(work.session, tenant)
        return await transfer.import_files(work, row, uploads, publish=publish)

    results = _in_work(change)
    for r in results:
        typer.echo(f"{r.outcome}\t{r.file}\t{r.slug or '-'}\t{r.message}".rstrip())
    if any(r.outcome == transfer.Outcome.FAILED for r in results):
        raise typer.Exit(1)


def _head(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a file (more than the import accepts is refused anyway)."""
    try:
        with path.open("rb") as f:
            return f.read(limit)
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
