"""drf-spectacular's description of the token scheme (the OpenAPI securitySchemes entry)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "jxt_…",
                "description": "个人 API 令牌：在“我的 API 令牌”页面创建（Authorization: Bearer jxt_…）。"}
