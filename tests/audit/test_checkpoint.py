"""Forging the audit log from the database: rewriting a chain needs the key, and cutting its
tail or deleting it is caught by a checkpoint kept elsewhere."""

import dataclasses
import json
from pathlib import Path

import pytest

from omniline.audit import checkpoint as checkpoints
from omniline.audit.checkpoint import Checkpoint
from omniline.audit.keys import load_audit_key
from omniline.audit.verify import take_checkpoint
from omniline.config import Settings
from omniline.journal.hashing import AuditKey
from omniline.kit.errors import InvalidInput
from omniline.models import AuditEntry
from omniline.runtime import Runtime
from tests.audit.helpers import omniline, rewrite_from, tamper, verify

ROOT = Path(__file__).resolve().parents[2]
# what a forger might sign with: no key at all, or the key derived from the public default
GUESSES = [None, load_audit_key(Settings(secret_key="dev-only-secret-change-me", data_dir=ROOT))]


async def checkpoint_now(runtime: Runtime) -> Checkpoint:
    async with runtime.sessions() as session:
        taken, report = await take_checkpoint(session, runtime.audit_key)
    assert taken is not None, report.problems
    return taken


@pytest.mark.parametrize("guess", GUESSES, ids=["unkeyed", "default-secret"])
async def test_hashes_recomputed_without_the_key_do_not_verify(
    runtime: Runtime, stream: str, guess: AuditKey | None
) -> None:
    await rewrite_from(runtime, stream, 3, guess)
    problems = (await verify(runtime)).problems
    assert problems[0] == f"chain {stream} entry 3: content was changed after it was written"
    assert len(problems) == 4  # entries 3..6 (unkeyed: "not signed ... no seal vouches")


async def test_a_cut_tail_with_the_head_moved_back_shows_against_a_checkpoint(
    runtime: Runtime, stream: str
) -> None:
    saw = await checkpoint_now(runtime)
    async with runtime.sessions() as session:
        fifth = await session.get(AuditEntry, (stream, 4))
        assert fifth is not None
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq > 4", s=stream)
    await tamper(
        runtime,
        "UPDATE journal_heads SET audit_seq = 4, audit_hash = :h WHERE stream = :s",
        h=fifth.hash,
        s=stream,
    )
    assert (await verify(runtime)).problems == []  # a shorter log is all the database can show
    assert (await verify(runtime, saw)).problems == [
        f"chain {stream}: ends at entry 4 but {saw.label()} saw 6 (entries at the end were deleted)"
    ]


async def test_a_deleted_chain_shows_against_a_checkpoint(runtime: Runtime, stream: str) -> None:
    saw = await checkpoint_now(runtime)
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s", s=stream)
    await tamper(runtime, "DELETE FROM journal_heads WHERE stream = :s", s=stream)
    assert (await verify(runtime, saw)).problems == [
        f"chain {stream} (tenant acme): is gone, but {saw.label()} saw 6 entries"
        " (the chain was deleted)"
    ]


async def test_a_chain_rewritten_with_the_key_shows_against_a_checkpoint(
    runtime: Runtime, stream: str
) -> None:
    # the key alone is not enough to hide a change made after a checkpoint
    saw = await checkpoint_now(runtime)
    await rewrite_from(runtime, stream, 5, runtime.audit_key)
    assert (await verify(runtime)).problems == []
    assert (await verify(runtime, saw)).problems == [
        f"chain {stream} entry 6: is not the entry {saw.label()} saw (it was rewritten)"
    ]


async def test_entries_written_after_a_checkpoint_are_fine(runtime: Runtime, stream: str) -> None:
    saw = await checkpoint_now(runtime)
    work = runtime.work()
    work.audit(None, "test.later", "thing")
    await work.commit()
    await work.session.close()
    assert (await verify(runtime, saw)).problems == []


async def test_no_checkpoint_vouches_for_a_tampered_log(runtime: Runtime, stream: str) -> None:
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq = 2", s=stream)
    async with runtime.sessions() as session:
        taken, report = await take_checkpoint(session, runtime.audit_key)
    assert taken is None
    assert report.problems[0] == f"chain {stream} entry 3: entries 2..2 are missing"


async def test_a_checkpoint_file_is_signed(runtime: Runtime, stream: str) -> None:
    saw = await checkpoint_now(runtime)
    text = checkpoints.dumps(saw, runtime.audit_key)
    assert checkpoints.loads(text, runtime.audit_key) == saw
    doc = json.loads(text)
    doc["chains"] = [c for c in doc["chains"] if c["stream"] != stream]  # hide the chain
    with pytest.raises(InvalidInput, match="changed after it was taken"):
        checkpoints.loads(json.dumps(doc), runtime.audit_key)
    other = AuditKey(b"another installation's key, long enough")
    with pytest.raises(InvalidInput, match=f"signed with audit key {saw.key_id}"):
        checkpoints.loads(text, other)
    with pytest.raises(InvalidInput, match="not an audit checkpoint"):
        checkpoints.loads("{}", runtime.audit_key)
    assert dataclasses.asdict(saw.chains[0]).keys() == {"stream", "tenant", "seq", "hash"}


async def test_the_cli_takes_a_checkpoint_and_verifies_against_it(
    runtime: Runtime, stream: str, db_url: str, tmp_path: Path
) -> None:
    # the runtime's key is the one generated in its data folder: the commands find it there
    file = tmp_path / "checkpoint.json"
    code, out = await omniline(db_url, tmp_path, "audit", "checkpoint", "--out", str(file))
    assert (code, out.strip()) == (0, f"wrote {file}")  # to stderr: stdout is for the file
    assert {c["seq"] for c in json.loads(file.read_text())["chains"]} == {1, 6}

    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s", s=stream)
    await tamper(runtime, "DELETE FROM journal_heads WHERE stream = :s", s=stream)
    code, out = await omniline(db_url, tmp_path, "audit", "verify", "--checkpoint", str(file))
    assert code == 1
    assert f"chain {stream} (tenant acme): is gone" in out
    assert "audit log NOT intact: 1 problem(s)" in out
