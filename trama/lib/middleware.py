class ItalianFirstMiddleware:
    """Pages open in Italian whatever the browser asks; English is one click away.

    Django's LocaleMiddleware would follow the browser's Accept-Language. Trama is an
    Italian public service, so only an explicit choice (the language switch's cookie) moves
    a page away from Italian. API clients keep content negotiation; the API's reference
    (/api/v1/docs) is a page like the others.
    """

    PAGES_UNDER_API = ("/api/v1/docs",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") or request.path in self.PAGES_UNDER_API:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
