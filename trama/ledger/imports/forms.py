"""The upload form of the import wizard: a file that is a readable spreadsheet with rows."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import reading


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (XLSX or CSV)"),
        help_text=gettext_lazy("At most 20 MB. CSV: UTF-8, separated by ; or ,."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > reading.MAX_FILE_SIZE:
            raise ValidationError(
                _("The file is larger than 20 MB: split it into smaller files."), code="too_big"
            )
        data = upload.read()
        try:
            reading.check_file(data, upload.name)
        except reading.FileProblem as exc:
            raise ValidationError(exc.message, code="bad_file") from None
        self.data_bytes = data
        return upload
