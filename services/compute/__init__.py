"""nova-compute with a fake driver: the host side of the scheduler's protocol.

It reports its configured capacity and current usage to every scheduler,
and "builds" instances by bookkeeping only, so the scheduler can be run
and tested end to end without a hypervisor.
"""
