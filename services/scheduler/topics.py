"""RPC topic names, importable without importing oslo.messaging.

Definitions import these, and ``svc-launch --list`` loads every definition
without importing the daemons' code.
"""

SCHEDULER_TOPIC = "scheduler"
COMPUTE_TOPIC = "compute"
