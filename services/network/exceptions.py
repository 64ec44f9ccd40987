"""The API's errors: each one knows its HTTP status and NeutronError type.

The type is the class name, as neutron reports it, so clients that match
on ``NeutronError.type`` (openstacksdk, scripts) see the names they know.
"""


class NeutronException(Exception):
    """Base of every error the API turns into a NeutronError body."""

    status = 500
    message = "An unknown exception occurred."

    def __init__(self, message: str | None = None, detail: str = "", **kwargs: object):
        self.msg = (message or self.message).format(**kwargs)
        self.detail = detail
        super().__init__(self.msg)

    @property
    def type(self) -> str:
        return type(self).__name__


class BadRequest(NeutronException):
    status = 400
    message = "Bad {resource} request: {msg}."

    def __init__(self, resource: str = "", msg: str = "") -> None:
        super().__init__(resource=resource, msg=msg)


class InvalidInput(BadRequest):
    message = "Invalid input for operation: {msg}."

    def __init__(self, msg: str) -> None:
        NeutronException.__init__(self, msg=msg)


class HTTPBadRequest(InvalidInput):
    """A malformed request body or query, before any resource is touched."""


class NotFound(NeutronException):
    status = 404
    message = "The resource could not be found."


class NetworkNotFound(NotFound):
    message = "Network {net_id} could not be found."


class SubnetNotFound(NotFound):
    message = "Subnet {subnet_id} could not be found."


class PortNotFound(NotFound):
    message = "Port {port_id} could not be found."


class MarkerNotFound(NotFound):
    message = "Marker {marker} could not be found."


class ResourceNotFound(NotFound):
    message = "The resource could not be found."


class Conflict(NeutronException):
    status = 409
    message = "The request conflicts with the current state."


class NetworkInUse(Conflict):
    message = (
        "Unable to complete operation on network {net_id}. There are one or "
        "more ports still in use on the network."
    )


class SubnetInUse(Conflict):
    message = (
        "Unable to complete operation on subnet {subnet_id}: one or more "
        "ports have an IP allocation from this subnet."
    )


class IpAddressGenerationFailure(Conflict):
    message = "No more IP addresses available on network {net_id}."


class IpAddressAlreadyAllocated(Conflict):
    message = "IP address {ip} already allocated in subnet {subnet_id}."


class MacAddressInUse(Conflict):
    message = (
        "Unable to complete operation for network {net_id}. "
        "The mac address {mac} is in use."
    )


class OverlappingAllocationPools(BadRequest):
    message = "Found overlapping allocation pools: {pool_1} and {pool_2}."

    def __init__(self, pool_1: str, pool_2: str) -> None:
        NeutronException.__init__(self, pool_1=pool_1, pool_2=pool_2)


class InvalidAllocationPool(BadRequest):
    message = "The allocation pool {pool} is not valid: {reason}."

    def __init__(self, pool: str, reason: str) -> None:
        NeutronException.__init__(self, pool=pool, reason=reason)


class GatewayConflictWithAllocationPools(Conflict):
    message = "Gateway ip {ip_address} conflicts with allocation pool {pool}."


class GatewayIpInUse(Conflict):
    message = (
        "Gateway ip {ip_address} already in use by port {port_id}. Unable to update."
    )


class InvalidIpForSubnet(BadRequest):
    message = "IP address {ip_address} is not a valid IP for the specified subnet."

    def __init__(self, ip_address: str) -> None:
        NeutronException.__init__(self, ip_address=ip_address)
