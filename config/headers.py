"""The policies the security headers send (Content-Security-Policy, Permissions-Policy),
worked out from the settings they depend on, so the settings module states only the choices."""

from django.utils.csp import CSP

# Browser features no page of the shop uses, switched off for every origin (`()`) so that
# injected or third-party content cannot ask for them either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer", "autoplay", "bluetooth", "browsing-topics", "camera",
        "display-capture", "encrypted-media", "geolocation", "gyroscope", "hid",
        "idle-detection", "magnetometer", "microphone", "midi", "payment",
        "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial",
        "usb", "xr-spatial-tracking",
    ]
}


def payment_pages(paypal_mode: str) -> dict[str, list[str]]:
    """Each provider's payment pages. A form may lead on to one (a POST answered by a
    redirect there), and browsers hold such redirects to form-action."""
    paypal = "https://www.paypal.com" if paypal_mode == "live" else "https://www.sandbox.paypal.com"
    return {"stripe": ["https://checkout.stripe.com"], "paypal": [paypal]}


def content_security_policy(
    *, media_url: str, payment_providers: list[str], paypal_mode: str
) -> dict:
    """The shop's own origin for everything, scripts by nonce, no inline styles; product
    images from the media bucket when there is one; forms may post on to the payment pages
    of the providers that are on."""
    pages = payment_pages(paypal_mode)
    return {
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF],
        # A bucket's address ending in / covers its path.
        "img-src": [CSP.SELF, "data:", *([media_url] if "://" in media_url else [])],
        "font-src": [CSP.SELF],
        "connect-src": [CSP.SELF],
        "form-action": [
            CSP.SELF, *(page for name in payment_providers for page in pages.get(name, []))
        ],
        "frame-ancestors": [CSP.NONE],
        "base-uri": [CSP.SELF],
        "object-src": [CSP.NONE],
        # Browsers post what the policy blocked here (security.headers.csp_report logs it):
        # report-uri for those that predate the Reporting API, report-to for the rest.
        "report-uri": "/csp-report/",
        "report-to": "csp",
    }
