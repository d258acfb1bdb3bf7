"""The in-app notices: a user lists, opens and marks read only their own (another's: 404)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from performance.models import Notice

PER_PAGE = 30


@require_GET
@login_required
def notice_list(request):
    notices = Notice.objects.filter(recipient=request.user).only(
        "subject", "body", "url", "created_at", "read_at"
    )
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page, "unread_only": unread_only})


@require_GET
@login_required
def notice_detail(request, pk):
    """One notice as a page: its subject, its text and the link it is about; opening it marks
    it read."""
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    link = notice.url if notice.url.startswith("/") else ""
    label = "查看项目" if link.startswith("/projects/") else "打开相关页面"
    return render(request, "notices/detail.html",
                  {"notice": notice, "link": link, "link_label": label})


@require_POST
@login_required
def mark_read(request, pk):
    notice = get_object_or_404(Notice, pk=pk, recipient=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    if request.POST.get("open") and notice.url.startswith("/"):
        return redirect(notice.url)
    return redirect("notices:list")


@require_POST
@login_required
def mark_all_read(request):
    Notice.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notices:list")
