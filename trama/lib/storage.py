from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage():
    """Files that no URL serves directly (evidence, uploads): views check access first."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def owner_only_storage():
    """Private files readable by the server's user only (uploads waiting to be imported)."""
    return FileSystemStorage(
        location=settings.PRIVATE_MEDIA_ROOT,
        base_url=None,
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )
