"""`manage.py check_batch`: draw a 复核批次 from the command line (channel 命令行), refusals with
exit code 2 and nothing written, and verify (exit code 1 on a mismatch)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance.models import CheckBatch, CheckedProject, WorkflowStatus

from .entry_setup import make_team
from .factories import CheckedProjectFactory, ProjectFactory, ProjectRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team(indicators=1)
    for i in range(6):
        project = ProjectFactory(unit=team.unit if i % 2 else team.other_unit,
                                 budget_amount=Decimal(100 * (i + 1)))
        ProjectRecordFactory(project=project, period=team.period,
                             status=WorkflowStatus.APPROVED)
    return team


def run(*args) -> str:
    out = StringIO()
    call_command("check_batch", *args, stdout=out)
    return out.getvalue()


def test_draw_from_the_command_line(team):
    out = run("draw", "--period", team.period.code, "--name", "第一批", "--threshold", "500",
              "--share", "0.5", "--stratify", "unit", "--seed", "42",
              "--user", team.finance.username)
    batch = CheckBatch.objects.get()
    assert f"已抽取复核批次 {batch.pk}" in out and "随机种子 42" in out
    assert batch.seed == "42" and batch.drawn_by == team.finance and batch.candidates == 6
    assert set(batch.projects.values_list("reason", flat=True)) == {"amount", "random"}
    assert {h.history_channel for h in CheckedProject.history.all()} == {"command"}


def test_draw_restricted_to_a_unit_without_a_user(team):
    run("draw", "--period", team.period.code, "--name", "a", "--share", "1",
        "--unit", team.unit.code)
    batch = CheckBatch.objects.get()
    assert batch.drawn_by is None
    assert set(batch.projects.values_list("project__unit", flat=True)) == {team.unit.pk}


@pytest.mark.parametrize(("args", "words"), [
    (["--period", "nope", "--name", "a", "--share", "1"], "未知的期间代码"),
    (["--period", "2025-final", "--name", "a", "--share", "2"], "0 到 100%"),
    (["--period", "2025-final", "--name", "a", "--share", "x"], "应为数字"),
    (["--period", "2025-final", "--name", "a"], "至少设置一项"),
    (["--period", "2025-final", "--name", "a", "--share", "1", "--user", "ghost"], "未知的用户"),
    (["--period", "2025-final", "--name", "a", "--hand", "999999"], "999999"),
])
def test_draw_refusals_exit_2_and_write_nothing(team, args, words):
    with pytest.raises(CommandError, match=words) as refused:
        run("draw", *args)
    assert refused.value.returncode == 2
    assert not CheckBatch.objects.exists()


def test_verify_prints_the_picks_and_the_redraw(team):
    run("draw", "--period", team.period.code, "--name", "a", "--share", "0.5", "--seed", "7")
    batch = CheckBatch.objects.get()
    out = run("verify", str(batch.pk))
    assert "种子 7" in out and "记录的项目" in out and "重新抽取" in out and "一致" in out
    for code, name in batch.projects.values_list("project__unit__code", "project__name"):
        assert out.count(f" {code} {name} ") == 2


def test_verify_exits_1_on_a_mismatch(team):
    run("draw", "--period", team.period.code, "--name", "a", "--share", "0.5", "--seed", "7")
    batch = CheckBatch.objects.get()
    batch.projects.first().delete()
    CheckedProjectFactory(batch=batch, project=team.project, reason="hand")
    with pytest.raises(CommandError, match="不一致") as mismatch:
        run("verify", str(batch.pk))
    assert mismatch.value.returncode == 1


def test_verify_of_an_unknown_batch_exits_2(team):
    with pytest.raises(CommandError, match="找不到") as missing:
        run("verify", "999")
    assert missing.value.returncode == 2
