"""Networks in memory: the least a core plugin must implement."""

import uuid

from services.network import exceptions
from services.network.plugins.base import CorePlugin


class MemoryPlugin(CorePlugin):
    def __init__(self, conf, notifier=None):
        super().__init__(conf, notifier)
        self.networks = {}

    def create_network(self, context, network):
        item = {
            **network,
            "id": str(uuid.uuid4()),
            "tenant_id": network["project_id"],
            "status": "ACTIVE",
            "subnets": [],
            "plugin": "memory",
        }
        self.networks[item["id"]] = item
        return item

    def get_network(self, context, id):
        if id not in self.networks:
            raise exceptions.NetworkNotFound(net_id=id)
        return self.networks[id]

    def get_networks(self, context, query):
        items = list(self.networks.values())
        for key, values in query.filters.items():
            items = [i for i in items if i.get(key) in values]
        return items

    def update_network(self, context, id, network):
        self.get_network(context, id).update(network)
        return self.networks[id]

    def delete_network(self, context, id):
        self.get_network(context, id)
        del self.networks[id]

    def supported_extensions(self):
        return frozenset({"fields"})
