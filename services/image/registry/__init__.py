"""glance-registry: the image metadata database behind an internal JSON API."""
