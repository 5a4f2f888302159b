"""The audit log's hash chains: an intact log checks out, and every kind of tampering shows."""

from pathlib import Path

from omniline.audit.verify import row_hash, verify_all
from omniline.models import AuditEntry
from omniline.runtime import Runtime
from tests.audit.helpers import omniline, tamper, verify

ROOT = Path(__file__).resolve().parents[2]


async def test_an_untouched_log_is_intact(runtime: Runtime, stream: str) -> None:
    report = await verify(runtime)
    assert report.problems == []
    assert (report.checked, report.streams) == (7, 2)  # six in the tenant, one in "system"
    assert report.lines() == ["audit log intact: 7 entries in 2 chains"]


async def test_a_small_batch_walks_the_same_chain(runtime: Runtime, stream: str) -> None:
    async with runtime.sessions() as session:
        report = await verify_all(session, runtime.audit_key, batch=2)
    assert (report.problems, report.checked) == ([], 7)


async def test_edited_data_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(
        runtime,
        "UPDATE audit_log SET data = :data WHERE stream = :s AND seq = 3",
        data='{"n": 0, "note": "nothing to see", "x": 1.5}',
        s=stream,
    )
    report = await verify(runtime)
    assert report.problems == [f"chain {stream} entry 3: content was changed after it was written"]
    assert report.lines()[-1] == "audit log NOT intact: 1 problem(s)"


async def test_an_edited_actor_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(
        runtime, "UPDATE audit_log SET actor_id = NULL WHERE stream = :s AND seq = 2", s=stream
    )
    assert (await verify(runtime)).problems == [
        f"chain {stream} entry 2: content was changed after it was written"
    ]


async def test_a_deleted_middle_entry_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq = 4", s=stream)
    assert (await verify(runtime)).problems == [
        f"chain {stream} entry 5: entries 4..4 are missing",
        f"chain {stream} entry 5: does not follow the entry before it",
    ]


async def test_a_deleted_last_entry_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq = 6", s=stream)
    [problem] = (await verify(runtime)).problems
    assert problem.startswith(f"chain {stream}: ends at entry 5 but 6 were written")


async def test_a_changed_hash_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(
        runtime,
        "UPDATE audit_log SET hash = :h WHERE stream = :s AND seq = 2",
        h="0" * 64,
        s=stream,
    )
    assert (await verify(runtime)).problems == [
        f"chain {stream} entry 2: content was changed after it was written",
        f"chain {stream} entry 3: does not follow the entry before it",
    ]


async def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(
    runtime: Runtime, stream: str
) -> None:
    # even one who holds the key and re-signs the row they edit breaks the row after it
    async with runtime.sessions() as session, session.begin():
        row = await session.get(AuditEntry, (stream, 3))
        assert row is not None
        row.action = "case.viewed"
        row.hash = row_hash(row, runtime.audit_key)
    assert (await verify(runtime)).problems == [
        f"chain {stream} entry 4: does not follow the entry before it"
    ]


async def test_a_deleted_head_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(runtime, "DELETE FROM journal_heads WHERE stream = :s", s=stream)
    assert (await verify(runtime)).problems == [
        f"chain {stream}: has entries but no journal head (the head row was deleted)"
    ]


async def test_an_entry_inserted_past_the_head_is_detected(runtime: Runtime, stream: str) -> None:
    await tamper(
        runtime,
        "INSERT INTO audit_log (stream, seq, at, actor_type, actor_id, ip, action, object_type,"
        " object_id, data, prev_hash, hash) SELECT stream, 7, at, actor_type, actor_id, ip,"
        " action, object_type, object_id, data, hash, hash FROM audit_log"
        " WHERE stream = :s AND seq = 6",
        s=stream,
    )
    assert (await verify(runtime)).problems == [
        f"chain {stream}: entries 7..7 lie beyond the last written entry (they were inserted)"
    ]


async def test_the_cli_passes_an_intact_log_and_fails_a_tampered_one(
    runtime: Runtime, stream: str, db_url: str, tmp_path: Path
) -> None:
    code, out = await omniline(db_url, tmp_path, "audit", "verify")
    assert (code, out.strip()) == (0, "audit log intact: 7 entries in 2 chains")

    await tamper(runtime, "DELETE FROM audit_log WHERE stream = :s AND seq = 2", s=stream)
    code, out = await omniline(db_url, tmp_path, "audit", "verify")
    assert code == 1
    assert f"chain {stream} entry 3: entries 2..2 are missing" in out
    assert "audit log NOT intact" in out
