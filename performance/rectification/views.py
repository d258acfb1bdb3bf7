"""问题整改 pages (docs/rectification.md): the list, one item with its actions, raising by hand
and the Excel export. Thin: access helpers first, the rules in performance.services.rectification."""

from django.http import Http404


def item_list(request):
    raise Http404


def export(request):
    raise Http404


def new(request):
    raise Http404


def detail(request, pk):
    raise Http404


def act(request, pk, action):
    raise Http404
