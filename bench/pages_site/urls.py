"""The product's URLs plus /bench/floor/: a bare view that runs exactly one query."""

from django.http import HttpResponse
from django.urls import path

from budget.models import Unit
from config.urls import urlpatterns as product_urls


def floor(request):
    return HttpResponse(f"<p>{Unit.objects.filter(pk=1).exists()}</p>")


urlpatterns = [*product_urls, path("bench/floor/", floor)]
