"""我的 API 令牌: a signed-in user lists, creates and revokes their own personal API tokens
(accounts.tokens; docs/api.md). Anyone signed in may have tokens: a token acts with exactly its
owner's memberships, so it grants nothing the person could not do at the pages.

The new token's plaintext is in the answer to the POST that created it and nowhere else: not
in the session, a message, a URL or a log. Reloading the list shows only its prefix."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import ApiToken, TokenScope
from accounts.tokens import create_token, revoke_token

PER_PAGE = 50


class NewTokenForm(forms.Form):
    """Only parses the input: accounts.tokens.create_token decides what is allowed and says
    what is wrong (one rule, one wording), so nothing here is required or bounded."""

    name = forms.CharField(label="名称（用途）", required=False,
                           help_text="如“预算一体化系统同步”，便于日后辨认和吊销。")
    scope = forms.CharField(label="权限范围", required=False, initial=TokenScope.READ,
                            widget=forms.RadioSelect(choices=TokenScope.choices),
                            help_text="只读令牌只能读取；读写令牌还能填报和提交，按您本人的权限。")
    days = forms.IntegerField(label="有效期（天）", error_messages={
        "required": "请填写有效期（天数）。", "invalid": "有效期须为整数天数。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.initial = settings.API_TOKEN_DEFAULT_DAYS
        days.widget.attrs.update(min=1, max=settings.API_TOKEN_MAX_DAYS)
        days.help_text = f"1 至 {settings.API_TOKEN_MAX_DAYS} 天，到期后令牌自动失效。"


def _page(request, form, new=None):
    tokens = ApiToken.objects.filter(user=request.user).only(
        "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "last_used_ip",
        "revoked_at")
    page = Paginator(tokens, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(token, token.state(now)) for token in page.object_list]
    return render(request, "accounts/api_tokens.html",
                  {"form": form, "page": page, "rows": rows, "new": new})


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request):
    if request.method == "GET":
        return _page(request, NewTokenForm())
    form = NewTokenForm(request.POST)
    new = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            new = create_token(request.user, data["name"], data["scope"], data["days"],
                               request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
    # the answer to this POST is the one place the plaintext appears (no redirect)
    return _page(request, NewTokenForm() if new else form, new)


@require_POST
@login_required
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if revoke_token(token, request.user, request=request):
        messages.success(request, f"已吊销令牌“{token.name}”（{token.prefix}…），使用它的程序将无法再访问。")
    else:
        messages.info(request, f"令牌“{token.name}”（{token.prefix}…）此前已吊销。")
    return redirect("api_tokens")
