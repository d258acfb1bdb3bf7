import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from performance.reminders import delivery, service

LABELS = {delivery.SENT: "已发送", delivery.FAILED: "发送失败", delivery.SKIPPED: "已由他处发送"}


def parse_now(value: str) -> datetime.datetime:
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"无法识别的时间“{value}”，应为 ISO 格式，如 2025-08-17T09:00", returncode=2)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "扫描各填报期间，同步发送到期的截止提醒（与定时任务相同的规则，每条提醒只发送一次）"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时刻扫描（ISO 格式，如 2025-08-17T09:00），默认当前时间")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的提醒，不认领、不发送")

    def handle(self, *args, now, dry_run, **options):
        moment = parse_now(now) if now else timezone.now()
        write = self.stdout.write
        write(f"提醒扫描：{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}" + ("（演练，不认领、不发送）" if dry_run else ""))
        result = service.scan(moment, dry_run=dry_run)
        if result.quiet:
            write("静默时段（settings.REMINDERS quiet_hours），不发送提醒。")
            return
        outcomes = {delivery.SENT: 0, delivery.FAILED: 0, delivery.SKIPPED: 0}
        for kind, messages in (("新提醒", result.new), ("重试", result.retries)):
            for message in messages:
                if dry_run:
                    write(f"将发送（{kind}） {message.describe()}")
                    continue
                outcome = delivery.deliver(message.log_ids, message.attempt)
                outcomes[outcome] += 1
                write(f"{LABELS[outcome]}（{kind}） {message.describe()}")
        counts = (f"新提醒 {len(result.new)} 条消息，重试 {len(result.retries)} 条，"
                  f"此前已认领 {result.already_claimed} 项")
        if dry_run:
            write(f"合计：将发送 {counts}")
        else:
            write(f"合计：{counts}；已发送 {outcomes[delivery.SENT]}，"
                  f"失败 {outcomes[delivery.FAILED]}，已由他处发送 {outcomes[delivery.SKIPPED]}")
        if outcomes[delivery.FAILED]:
            self.stderr.write(f"{outcomes[delivery.FAILED]} 条提醒发送失败，已记录，稍后的扫描会重试。")
