"""Product images in an S3-compatible bucket, through django-storages (the names of the
variables are its own).

Credentials are not read here: boto3 finds AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the
environment, or the pod's workload identity. Product images are public, so their URLs carry
no signature (that would defeat caching) and the bucket, or the CDN named by the custom
domain, must allow anonymous reads.
"""

from config import env


def bucket_storage(bucket: str) -> tuple[dict, str]:
    """The default storage for `bucket`, and the MEDIA_URL its images are served from."""
    endpoint = env.text("AWS_S3_ENDPOINT_URL").rstrip("/")
    domain = env.text("AWS_S3_CUSTOM_DOMAIN").strip("/")
    storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": env.text("AWS_S3_REGION_NAME") or None,
            "custom_domain": domain or None,
            "querystring_auth": False,
            # A re-uploaded image gets a new name, so caches never serve the old one.
            "file_overwrite": False,
            # Other S3-compatible stores (MinIO, Ceph) do not route by bucket host names.
            "addressing_style": "path" if endpoint else None,
        },
    }
    if domain:
        return storage, f"https://{domain}/"
    if endpoint:
        return storage, f"{endpoint}/{bucket}/"
    # The host boto3 itself writes into the images' URLs, whatever the region.
    return storage, f"https://{bucket}.s3.amazonaws.com/"
