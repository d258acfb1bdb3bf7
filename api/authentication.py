"""`Authorization: Bearer jxt_…`: a personal API token (accounts.tokens) acts as its owner."""

from rest_framework import authentication, exceptions

from accounts.audit import client_ip
from accounts.tokens import TokenRefused, token_for

KEYWORDS = ("bearer", "token")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None  # not ours: the session may authenticate
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为“Bearer <令牌>”。")
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("API 令牌无效。") from None
        try:
            token = token_for(plaintext, ip=client_ip(request))
        except TokenRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return token.user, token

    def authenticate_header(self, request):
        # a 401 (not 403) for a request without credentials, naming the scheme
        return 'Bearer realm="api"'
