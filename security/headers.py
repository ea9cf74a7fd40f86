class PermissionsPolicyMiddleware:
    """Placeholder: passes every request through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def csp_report(request):
    from django.http import HttpResponse

    return HttpResponse(status=204)
