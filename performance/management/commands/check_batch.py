"""check_batch: draw a 复核批次 from the command line, or verify one by drawing it again
(docs/checks.md, "The sample")."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from performance.checks.draw import STRATIFY, DrawRefused, DrawRules
from performance.models import CheckBatch, ReportingPeriod, SelectionReason
from performance.services.check_batches import draw_batch, recorded_candidates, verify
from performance.workflow import Channel

REASON = dict(SelectionReason.choices)


def _decimal(text, what):
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CommandError(f"{what}应为数字，收到“{text}”", returncode=2) from None


class Command(BaseCommand):
    help = ("抽查复核批次：draw 按规则抽取一个批次；verify 按批次记录的规则、种子和候选项目重新抽取，"
            "与批次中的项目核对，不一致时退出码为 1")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        check = commands.add_parser("verify", help="重新抽取并核对一个批次")
        check.add_argument("batch", type=int, help="批次编号")
        make = commands.add_parser("draw", help="抽取一个复核批次")
        make.add_argument("--period", required=True, help="绩效自评期间代码，如 2025-final")
        make.add_argument("--name", required=True, help="批次名称")
        make.add_argument("--threshold", help="金额标准（万元）：预算数达到的项目全部抽取")
        make.add_argument("--share", help="随机抽取比例，0–1，如 0.2")
        make.add_argument("--stratify", choices=list(STRATIFY), default="none",
                          help="随机抽取分组：none 不分组、unit 按单位、category 按项目类别")
        make.add_argument("--seed", help="随机种子（留空由系统生成）")
        make.add_argument("--unit", action="append", default=[], help="限定单位代码（可重复）")
        make.add_argument("--category", action="append", default=[],
                          help="限定项目类别：personnel、operation、specific（可重复）")
        make.add_argument("--hand", action="append", type=int, default=[],
                          help="指定抽取的项目编号（可重复）")
        make.add_argument("--any-status", action="store_true",
                          help="不限自评状态（默认只抽取自评已审核的项目）")
        make.add_argument("--note", default="", help="说明")
        make.add_argument("--user", help="记为抽取人的用户名（默认不记录）")

    def handle(self, *args, action, **options):
        if action == "verify":
            self._verify(options["batch"])
        else:
            self._draw(options)

    def _verify(self, batch_id):
        batch = CheckBatch.objects.select_related("period").filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"找不到编号为 {batch_id} 的复核批次", returncode=2)
        names = {c.project_id: f"{c.unit_code} {c.project_name}"
                 for c in recorded_candidates(batch)}
        result = verify(batch)
        write = self.stdout.write
        write(f"复核批次 {batch.pk}：{batch.period.code} {batch.name}，种子 {batch.seed}，"
              f"候选项目 {batch.candidates} 个")
        write(f"记录的项目（{len(result.recorded)} 个）：")
        for pick in result.recorded:
            write(self._line(pick, names))
        if result.problem:
            raise CommandError(f"无法重新抽取：{result.problem}", returncode=1)
        write(f"重新抽取（{len(result.redrawn)} 个）：")
        for pick in result.redrawn:
            write(self._line(pick, names))
        if not result:
            for pick in result.missing:
                write("应抽取而不在批次中：" + self._line(pick, names).strip())
            for pick in result.extra:
                write("在批次中而重新抽取未抽到：" + self._line(pick, names).strip())
            raise CommandError(f"不一致：{len(result.missing)} 个应抽取的项目不在批次中，"
                               f"{len(result.extra)} 个批次中的项目不是重新抽取的结果", returncode=1)
        write(self.style.SUCCESS("一致：重新抽取的结果与批次中的项目相同"))

    @staticmethod
    def _line(pick, names) -> str:
        where = f" [{pick.stratum}]" if pick.stratum else ""
        return (f"  {pick.project_id:>8} {names.get(pick.project_id, '（不在候选记录中）')} "
                f"{REASON.get(pick.reason, pick.reason)}{where} {pick.draw_key[:16]}")

    def _draw(self, options):
        period = ReportingPeriod.objects.filter(code=options["period"]).first()
        if period is None:
            raise CommandError(f"未知的期间代码“{options['period']}”", returncode=2)
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"未知的用户“{options['user']}”", returncode=2)
        try:
            rules = DrawRules(amount_threshold=_decimal(options["threshold"], "金额标准"),
                              random_share=_decimal(options["share"], "随机抽取比例") or 0,
                              stratify=options["stratify"], units=tuple(options["unit"]),
                              categories=tuple(options["category"]),
                              hand_picked=tuple(options["hand"]),
                              approved_only=not options["any_status"])
            batch = draw_batch(period, user, rules, name=options["name"], seed=options["seed"],
                               note=options["note"], channel=Channel.COMMAND)
        except DrawRefused as refused:
            raise CommandError(refused.message, returncode=2) from None
        counts = {}
        for reason in batch.projects.values_list("reason", flat=True):
            counts[reason] = counts.get(reason, 0) + 1
        summary = "，".join(f"{REASON[r]} {n}" for r, n in counts.items())
        self.stdout.write(self.style.SUCCESS(
            f"已抽取复核批次 {batch.pk}（{period.code} {batch.name}）：{sum(counts.values())} 个项目"
            f"（{summary}），候选项目 {batch.candidates} 个，随机种子 {batch.seed}"))
