# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure peer-graph logic: who is connected to whom, and the islands.

Peers are identified by node id (``node_info.id``), never by ``remote_ip``:
on one machine every inbound peer reads 127.0.0.1.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def build_graph(views):
    """Undirected graph over fleet names and external peer ids.

    ``views``: ``{"name", "node_id", "peer_ids"}`` for each node whose
    ``/net_info`` answered, plus ``{"name", "node_id"}`` (no ``peer_ids``) for
    fleet members known only from the inventory.  An edge exists when either
    side lists the other.
    """
    name_by_id = dict((v["node_id"], v["name"]) for v in views if v.get("node_id"))
    graph = dict((v["name"], set()) for v in views if "peer_ids" in v)
    for view in views:
        for peer_id in view.get("peer_ids") or []:
            other = name_by_id.get(peer_id, peer_id)
            if other == view["name"]:
                continue
            graph.setdefault(view["name"], set()).add(other)
            graph.setdefault(other, set()).add(view["name"])
    return graph, set(name_by_id.values())


def islands(graph, fleet_names):
    """Connected components, largest first; external peers are listed apart.

    Each island: ``{"members": [fleet names], "external_peers": [ids]}``.
    An external peer can join two parts of the fleet, so it takes part in the
    search; a component made only of external peers is not an island of ours.
    """
    seen = set()
    components = []
    for start in sorted(graph):
        if start in seen:
            continue
        stack, component = [start], set()
        while stack:
            current = stack.pop()
            if current in component:
                continue
            component.add(current)
            stack.extend(graph.get(current, ()) - component)
        seen |= component
        members = sorted(n for n in component if n in fleet_names)
        if members:
            components.append({"members": members, "external_peers": sorted(component - set(members))})
    components.sort(key=lambda c: (-len(c["members"]), c["members"]))
    return components


def describe_islands(found, nodes):
    """Add each island's ``id``, ``voting_power``, ``max_height``, ``top_member`` and ``top_hash``.

    ``nodes``: ``{name: {"height", "latest_block_hash", "voting_power"}}`` for the nodes that answered.
    """
    for number, island in enumerate(found, 1):
        readings = [(name, nodes[name]) for name in island["members"] if name in nodes]
        top = max(readings, key=lambda item: (item[1]["height"] or 0, item[0]), default=(None, {}))
        island.update(
            id="island-%d" % number,
            voting_power=sum(reading["voting_power"] or 0 for _name, reading in readings),
            max_height=top[1].get("height"),
            top_member=top[0],
            top_hash=top[1].get("latest_block_hash"),
            hashes_elsewhere={},
            diverges_from=[],
        )
    return found


def comparisons(found):
    """(island, other) pairs to compare: ``other`` reaches ``island``'s top height, so it has a block there."""
    return [
        (island, other)
        for island in found
        for other in found
        if other is not island and island["max_height"] is not None and other["max_height"] is not None
        and other["max_height"] >= island["max_height"]
    ]


def record_comparison(island, other, hash_there):
    """Note ``other``'s hash at ``island``'s top height; a different hash there means the chains split."""
    island["hashes_elsewhere"][other["id"]] = hash_there
    if hash_there and island["top_hash"] and hash_there != island["top_hash"]:
        island["diverges_from"].append(other["id"])
