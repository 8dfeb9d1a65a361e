"""Jobs are queued by dotted name (so a service never imports its jobs module); every name in the code must
name a job function, and a misspelt one fails at the call that queues it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from marketplace.jobs.queue import enqueue, enqueue_now, job_function

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
QUEUEING = {"enqueue", "enqueue_now"}


def queued_jobs(root: Path) -> list[tuple[str, int, ast.expr]]:
    """(file, line, first argument) of every enqueue/enqueue_now call under ``root``."""
    calls = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in QUEUEING and not (isinstance(node.func, ast.Attribute) and _is_rq_queue(node.func)):
                calls.append((str(path.relative_to(ROOT)), node.lineno, node.args[0] if node.args else None))
    return calls


def _is_rq_queue(func: ast.Attribute) -> bool:
    """``Queue(...).enqueue(...)``: rq's own method, not ours."""
    return isinstance(func.value, ast.Call) and getattr(func.value.func, "id", None) == "Queue"


def test_every_job_queued_in_the_code_is_named_by_a_literal_dotted_name_that_resolves():
    calls = queued_jobs(ROOT / "marketplace")

    not_literal = [
        (f, line) for f, line, arg in calls if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str))
    ]
    names = {arg.value for _f, _line, arg in calls if isinstance(arg, ast.Constant)}
    resolved = {name: callable(job_function(name)) for name in sorted(names)}

    assert len(calls) >= 9
    assert not_literal == []
    assert set(resolved.values()) == {True}
    assert all(name.startswith("marketplace.") and name.count(".") >= 2 for name in names)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("marketplace.imports.jobs.run_imprt", ValueError),
        ("marketplace.imports.jbos.run_import", ModuleNotFoundError),
        ("marketplace.jobs.queue.QUEUES", ValueError),  # a module attribute, not a function
        ("print", ValueError),
        ("os.system", ValueError),
    ],
)
def test_a_misspelt_or_foreign_job_name_fails_loudly(name, error):
    with pytest.raises(error):
        job_function(name)


@pytest.mark.parametrize("queue_it", [enqueue, enqueue_now])
def test_queueing_a_misspelt_job_raises_before_anything_is_queued(queue_it):
    with pytest.raises(ValueError, match="run_imprt"):
        queue_it("marketplace.imports.jobs.run_imprt", batch_id=1)


def test_the_scan_sees_queueing_calls_and_leaves_rq_s_own_enqueue_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "sample.py").write_text(
        "enqueue('marketplace.x.jobs.a', queue='email')\njobs.enqueue_now(job_name)\nQueue('default').enqueue(f)\n"
    )

    calls = queued_jobs(tmp_path)

    assert [(f, line) for f, line, _arg in calls] == [("sample.py", 1), ("sample.py", 2)]
    assert isinstance(calls[1][2], ast.Name)
