"""Ledger pages (being written)."""

from django.http import Http404


def program_list(request, *args, **kwargs):
    raise Http404  # to be written


def program_create(request, *args, **kwargs):
    raise Http404  # to be written


def program_dashboard(request, *args, **kwargs):
    raise Http404  # to be written


def procedure_create(request, *args, **kwargs):
    raise Http404  # to be written


def entry_list(request, *args, **kwargs):
    raise Http404  # to be written


def entry_create(request, *args, **kwargs):
    raise Http404  # to be written


def entry_detail(request, *args, **kwargs):
    raise Http404  # to be written


def entry_reverse(request, *args, **kwargs):
    raise Http404  # to be written


def entry_verify(request, *args, **kwargs):
    raise Http404  # to be written


def entry_confirm(request, *args, **kwargs):
    raise Http404  # to be written


def evidence_download(request, *args, **kwargs):
    raise Http404  # to be written


def verification_queue(request, *args, **kwargs):
    raise Http404  # to be written


def organization_dashboard(request, *args, **kwargs):
    raise Http404  # to be written


def funder_queue(request, *args, **kwargs):
    raise Http404  # to be written
