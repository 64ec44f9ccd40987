"""The bundled core plugin: networks, subnets and ports in SQL (alias ``sql``)."""
