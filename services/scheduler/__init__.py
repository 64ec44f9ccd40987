"""nova-scheduler: choose compute hosts for instances over RPC.

The scheduler keeps an in-memory view of every compute host, fed by the
hosts' own ``update_host_state`` reports, and answers
``select_destinations`` by filtering and weighing that view. Filters and
weighers are stevedore plug-ins chosen by config.
"""
