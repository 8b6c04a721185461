"""Uploaded files on S3-compatible object storage (django-storages; MinIO in docker-compose.yml),
so that no web node keeps a file another node needs: ``settings.base`` chooses these backends in
production once ``AWS_STORAGE_BUCKET_NAME`` is set. Code opens files through the storage API
(``field.open()``, ``storage.open(name)``), never by a path on disk."""

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from bangfu.core.storage import NoURL


class MediaObjectStorage(S3Storage):
    """Public files (the public site's images and documents), linked at ``MEDIA_URL``: the proxy
    in front of the application serves ``MEDIA_URL`` from the bucket's folder, so pages keep to
    their own origin (the CSP allows no other) and no signed link expires in a cached page."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(clean_name(name)))


class PrivateObjectStorage(NoURL, S3Storage):
    """Files that hold personal data, as ``PrivateStorage`` keeps them on disk: objects with the
    private ACL, whatever the options say, and neither a public nor a signed URL."""

    def __init__(self, **options):
        super().__init__(**{**options, "default_acl": "private", "querystring_auth": False})
