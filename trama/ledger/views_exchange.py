"""Import wizard and exports (being written)."""

from django.http import Http404


def import_upload(request, *args, **kwargs):
    raise Http404  # to be written


def import_template(request, *args, **kwargs):
    raise Http404  # to be written


def import_review(request, *args, **kwargs):
    raise Http404  # to be written


def entry_export(request, *args, **kwargs):
    raise Http404  # to be written
