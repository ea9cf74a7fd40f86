"""Product images: on the MEDIA_ROOT volume by default, in an S3-compatible bucket when one
is named."""

import pytest

from tests.config.test_settings import PRODUCTION, run_django

BUCKET = PRODUCTION | {
    "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com",
    "AWS_STORAGE_BUCKET_NAME": "shop-media",
    # Credentials in the environment, so boto3 does not go looking for a machine identity.
    "AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
}

# Any connection attempt fails the script: building the storage and an image's URL must
# stay on this machine.
NO_NETWORK_SCRIPT = """
import socket
def refuse(*args, **kwargs):
    raise AssertionError("a network call")
socket.socket.connect = refuse
from django.conf import settings
from django.core.files.storage import default_storage, storages
backend = type(storages["default"])
print(f"{backend.__module__}.{backend.__name__}", settings.MEDIA_URL,
      default_storage.url("products/mug.jpg"))
"""


def storage_report(environment: dict) -> list[str]:
    result = run_django(["shell", "-c", NO_NETWORK_SCRIPT], environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-3:]


@pytest.mark.parametrize(("where", "media_url"), [
    ({"AWS_S3_CUSTOM_DOMAIN": "media.example.com", "AWS_S3_ENDPOINT_URL": "https://s3.example.net"},
     "https://media.example.com/"),
    ({"AWS_S3_ENDPOINT_URL": "http://minio:9000/"}, "http://minio:9000/shop-media/"),
    ({"AWS_S3_REGION_NAME": "eu-west-1"}, "https://shop-media.s3.amazonaws.com/"),
])
def test_a_bucket_keeps_product_images_and_gives_media_url(where, media_url):
    backend, reported_media_url, image_url = storage_report(BUCKET | where)
    assert backend == "storages.backends.s3.S3Storage"
    assert reported_media_url == media_url
    # Public images: a plain URL under MEDIA_URL, no signature that would defeat caching.
    assert image_url == f"{media_url}products/mug.jpg"


def test_without_a_bucket_images_stay_on_the_media_volume():
    environment = PRODUCTION | {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "shop.example.com"}
    assert storage_report(environment) == [
        "django.core.files.storage.filesystem.FileSystemStorage",
        "/media/",
        "/media/products/mug.jpg",
    ]


def test_pages_may_show_images_from_the_bucket():
    script = "from django.conf import settings; print(*settings.SECURE_CSP['img-src'][2:])"
    environment = BUCKET | {"AWS_S3_CUSTOM_DOMAIN": "media.example.com"}
    result = run_django(["shell", "-c", script], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "https://media.example.com/"
