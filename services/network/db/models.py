"""Tables of the bundled SQL plugin, on their own MetaData.

Core tables only (SQLAlchemy Core is what the plugin queries with: a port
list is two SELECTs, with no ORM identity map to fill). The one rule that
matters under concurrency lives here: ``ipallocations`` has the primary
key (subnet_id, ip_address), so two workers can never both commit the
same address; the loser's INSERT fails and the plugin retries.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from launcher.db.models import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _standard() -> list[Column]:
    """neutron's standard attributes: description, timestamps, revision."""
    return [
        Column("project_id", String(255), nullable=False, index=True),
        Column("name", String(255), nullable=False),
        Column("description", String(255), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("revision_number", Integer, nullable=False),
    ]


networks = Table(
    "networks",
    metadata,
    Column("id", String(36), primary_key=True),
    *_standard(),
    Column("admin_state_up", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("shared", Boolean, nullable=False),
    Column("mtu", Integer, nullable=False),
)

subnets = Table(
    "subnets",
    metadata,
    Column("id", String(36), primary_key=True),
    *_standard(),
    Column("network_id", String(36), ForeignKey("networks.id"), nullable=False),
    Column("ip_version", Integer, nullable=False),
    Column("cidr", String(64), nullable=False),
    Column("gateway_ip", String(64)),
    Column("enable_dhcp", Boolean, nullable=False),
    # JSON lists: read and written whole, never queried inside.
    Column("allocation_pools", Text, nullable=False),
    Column("dns_nameservers", Text, nullable=False),
    Column("host_routes", Text, nullable=False),
    Column("ipv6_ra_mode", String(16)),
    Column("ipv6_address_mode", String(16)),
)

ports = Table(
    "ports",
    metadata,
    Column("id", String(36), primary_key=True),
    *_standard(),
    Column("network_id", String(36), ForeignKey("networks.id"), nullable=False),
    Column("mac_address", String(32), nullable=False),
    Column("admin_state_up", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("device_id", String(255), nullable=False),
    Column("device_owner", String(255), nullable=False),
    Column("host", String(255), nullable=False, index=True),
    UniqueConstraint("network_id", "mac_address"),
)

ipallocations = Table(
    "ipallocations",
    metadata,
    Column(
        "port_id",
        String(36),
        ForeignKey("ports.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("ip_address", String(64), nullable=False),
    Column("subnet_id", String(36), ForeignKey("subnets.id"), nullable=False),
    Column("network_id", String(36), nullable=False),
    PrimaryKeyConstraint("subnet_id", "ip_address"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agent_type", String(255), nullable=False),
    Column("binary", String(255), nullable=False),
    Column("host", String(255), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("configurations", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("heartbeat_timestamp", DateTime, nullable=False),
    UniqueConstraint("agent_type", "host"),
)
