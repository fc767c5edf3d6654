from django.utils.text import slugify


def unique_slug(model, text: str, fallback: str) -> str:
    """A short name for a URL, made unique among a model's rows by a numeric suffix."""
    base = slugify(text)[:70] or fallback
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
