"""glance-api: the public Image API v2 over the registry and a store."""
