from django.core.exceptions import ValidationError


class ServiceErrorsMixin:
    """Service ValidationErrors land on the fields they name, or above the form."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)
