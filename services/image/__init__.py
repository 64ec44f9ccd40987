"""glance-api and glance-registry: an image service in Glance's registry-era shape.

glance-registry owns the image metadata database and serves an internal
JSON API; glance-api serves the public Image API v2, keeps image data in a
store and reaches the registry over HTTP. Importing this package does
nothing.
"""
