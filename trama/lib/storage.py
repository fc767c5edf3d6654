from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage():
    """Files that no URL serves directly (evidence, uploads): views check access first."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
