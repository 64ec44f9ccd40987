"""The WSGI layer: listening sockets, servers for both backends, paste apps.

Nothing here is imported eagerly: :mod:`launcher.wsgi.server` picks
eventlet.wsgi or waitress only when a server is created, after the backend
has been fixed for the process.
"""

# The request's oslo.context RequestContext, set by the ``context`` filter
# (launcher.wsgi.middleware) and read by the access log.
CONTEXT_KEY = "svc_launch.context"
