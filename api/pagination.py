"""Page-number pagination: ?page=N&page_size=M (at most API_MAX_PAGE_SIZE); every list answers
{count, next, previous, results}."""

from django.conf import settings
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    invalid_page_message = "页码“{page_number}”无效：{message}"
