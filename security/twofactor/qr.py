"""The setup page's QR code and key, drawn here: no image service ever sees the secret.

qrcode's SvgPathFillImage draws one white square and one black path with presentation
attributes (`fill`, `stroke`), never a `style` attribute, so the markup sits inline in the
page under the strict CSP. Its fixed size in millimetres is dropped for the stylesheet's.
"""

from base64 import b32encode
from xml.etree import ElementTree

import qrcode
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// address as an inline <svg> QR code."""
    image = qrcode.make(device.config_url, image_factory=SvgPathFillImage, box_size=10, border=4)
    svg = image.get_image()
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-label", "QR code for your authenticator app")
    # The markup is qrcode's own drawing of the address, escaped by ElementTree: no text
    # from the request is in it.
    return mark_safe(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S308


def readable_key(device: TOTPDevice) -> str:
    """The secret as an app asks for it when typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
