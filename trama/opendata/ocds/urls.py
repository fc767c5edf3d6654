from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "jsonl|zip"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "ocdsfmt")

app_name = "ocds"
urlpatterns = [
    path("opendata/ocds/", views.bulk_index, name="bulk_index"),
    path("opendata/ocds/releases-<int:year>.<ocdsfmt:fmt>", views.bulk_file, name="bulk"),
]
