# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-011 (marketplace orders not processing): pure decision logic over the chain's market state and the providers.

Input shapes are the chain CLI's JSON (``query market order list`` / ``bid list`` / ``provider list``, VirtEngine
``market/v1beta5``, ``provider/v1beta4``, ``deployment/v1beta5`` GroupSpec): int64 and Int values are strings, an
order's ``created_at`` is a block HEIGHT, so ages are heights x the chain's recent block time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.virtengine.incident_response.plugins.module_utils._provider_fleet import remedy_plan
from ansible_collections.virtengine.incident_response.plugins.module_utils._provider_logs import REJECTION_NAMES, common_causes

# Quantities above these make every provider skip an order (a customer's SDK bug, not a real request).
DEFAULT_LIMITS = {
    "max_count": 1000,
    "max_cpu_millicores": 512000,
    "max_memory_bytes": 4 * 1024 ** 4,
    "max_storage_bytes": 1024 ** 5,
    "max_gpu_units": 64,
}
VERDICTS = ("no_provider_healthy", "not_bidding", "orders_malformed", "draining", "healthy")


class MarketError(ValueError):
    """Bad input to the PLAY-011 logic, naming the bad value."""


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MarketError("%s=%r is not an integer (the chain's JSON carries int64 as strings)" % (what, value))


def check_options(stale_blocks, recent_blocks, limits=None, show_orders=0, prefix=""):
    """PLAY-011's numbers checked, the one check of them: the role's first task (``prefix`` ``play011_``: the names the
    operator set) and the decision both call it. Returns ``(stale_blocks, recent_blocks, limits)``; MarketError names
    the first bad value and what it must be."""
    stale_blocks, recent_blocks = _int(stale_blocks, prefix + "stale_blocks"), _int(recent_blocks, prefix + "recent_blocks")
    for name, value in (("stale_blocks", stale_blocks), ("recent_blocks", recent_blocks)):
        if value < 1:
            raise MarketError("%s%s=%d must be 1 or more (blocks)" % (prefix, name, value))
    if _int(show_orders, prefix + "show_orders") < 0:
        raise MarketError("%sshow_orders=%s must be 0 or more (orders shown on the terminal)" % (prefix, show_orders))
    if not isinstance(limits or {}, dict):
        raise MarketError("%sspec_limits=%r must be a mapping of %s" % (prefix, limits, ", ".join(sorted(DEFAULT_LIMITS))))
    for name, value in (limits or {}).items():
        if name not in DEFAULT_LIMITS:
            raise MarketError("%sspec_limits.%s is not a limit: use %s" % (prefix, name, ", ".join(sorted(DEFAULT_LIMITS))))
        if _int(value, "%sspec_limits.%s" % (prefix, name)) < 1:
            raise MarketError("%sspec_limits.%s=%s must be 1 or more" % (prefix, name, value))
    return stale_blocks, recent_blocks, dict(limits or {})


def order_key(order_id):
    """``{"owner", "dseq", "gseq", "oseq"}`` -> ``owner/dseq/gseq/oseq``."""
    try:
        return "%s/%s/%s/%s" % (order_id["owner"], order_id["dseq"], order_id["gseq"], order_id["oseq"])
    except (KeyError, TypeError):
        raise MarketError("order id %r lacks owner/dseq/gseq/oseq" % (order_id,))


def _quantity(block, *path):
    value = block
    for step in path:
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    try:
        return int(str(value).split(".", maxsplit=1)[0])
    except ValueError:
        return None


def spec_problems(spec, offered, limits=None):
    """Why every provider would skip this GroupSpec (empty list: nothing wrong).

    ``offered`` is the set of ``(key, value)`` attributes some provider has on chain. Checks: resources missing,
    zero or absurd counts and quantities (``limits``), placement attributes no provider offers.
    """
    limits = dict(DEFAULT_LIMITS, **(limits or {}))
    problems = []
    if not isinstance(spec, dict):
        return ["no group spec"]
    units = spec.get("resources") or []
    if not units:
        problems.append("no resources")
    for position, unit in enumerate(units):
        resource = unit.get("resource") or {}
        label = "resource %s" % resource.get("id", position + 1)
        count = _quantity(unit, "count")
        if not count:
            problems.append("%s: count 0" % label)
        elif count > limits["max_count"]:
            problems.append("%s: count %d (> %d)" % (label, count, limits["max_count"]))
        cpu = _quantity(resource, "cpu", "units", "val")
        if not cpu:
            problems.append("%s: no CPU units" % label)
        elif cpu > limits["max_cpu_millicores"]:
            problems.append("%s: %d CPU millicores (> %d)" % (label, cpu, limits["max_cpu_millicores"]))
        memory = _quantity(resource, "memory", "size", "val")
        if not memory:
            problems.append("%s: no memory" % label)
        elif memory > limits["max_memory_bytes"]:
            problems.append("%s: %d bytes of memory (> %d)" % (label, memory, limits["max_memory_bytes"]))
        volumes = resource.get("storage") or []
        if not volumes:
            problems.append("%s: no storage" % label)
        for volume in volumes:
            size = _quantity(volume, "size", "val")
            if not size:
                problems.append("%s: storage %s has size 0" % (label, volume.get("name", "?")))
            elif size > limits["max_storage_bytes"]:
                problems.append("%s: storage %s of %d bytes (> %d)" % (label, volume.get("name", "?"), size, limits["max_storage_bytes"]))
        gpu = _quantity(resource, "gpu", "units", "val") or 0
        if gpu > limits["max_gpu_units"]:
            problems.append("%s: %d GPUs (> %d)" % (label, gpu, limits["max_gpu_units"]))
    for attribute in (spec.get("requirements") or {}).get("attributes") or []:
        pair = (attribute.get("key"), attribute.get("value"))
        if pair not in offered:
            problems.append("requires %s=%s, which no provider offers" % pair)
    return problems


def _bid_id(entry):
    bid = entry.get("bid") if isinstance(entry, dict) and "bid" in entry else entry
    if not isinstance(bid, dict) or "id" not in bid:
        raise MarketError("bid %r lacks bid.id" % (entry,))
    return bid


def _age_text(row):
    return "%d blocks%s" % (row["age_blocks"], (", %ss" % row["age_s"]) if row["age_s"] is not None else "")


def decide(market, fleet, stale_blocks=50, recent_blocks=100, limits=None):
    """PLAY-011's verdict with reasons.

    ``market``: ``{"orders", "bids", "providers", "chain": {"height", "block_time_s"}}`` (every page read).
    ``fleet``: one ``{"name", "address", "healthy", "findings", "log_patterns", "config"}`` per inventory provider
    (``_provider_fleet.merge``: ``address`` its on-chain owner address, ``log_patterns`` a ``_provider_logs.scan``
    result or None, ``config.ignored`` the nested blocks the daemon ignores).
    An open order without a bid ``stale_blocks`` after its creation is stale; bids within ``recent_blocks`` are recent.
    Returns ``{"verdict", "why", "orders", "stale", "malformed", "oldest", "per_owner", "providers", "rates",
    "common_causes", "restart_hosts", "marketplace_orders_stalled"}``; ages in blocks and seconds (heights x ``block_time_s``),
    and, in PLAY-001's shape (``_causes``), ``causes`` (the chain rejections in each provider's log), ``plans`` (the
    ``provider_restart`` of the down or silent daemons, less the vetoed ones: ``restart_hosts``), ``vetoed``,
    ``planned`` and ``blocked``. ``common_causes`` are the log patterns on most silent providers, chain rejections first.
    """
    if not isinstance(market, dict) or not isinstance(market.get("chain"), dict):
        raise MarketError("market must be the market_state result with 'orders', 'bids', 'providers' and 'chain'")
    stale_blocks, recent_blocks, limits = check_options(stale_blocks, recent_blocks, limits)
    height = _int(market["chain"].get("height"), "chain.height")
    block_time = float(market["chain"].get("block_time_s") or 0) or None
    offered = set((a.get("key"), a.get("value")) for p in market.get("providers") or [] for a in p.get("attributes") or [])
    bids_by_order, bids_by_provider = {}, {}
    for entry in market.get("bids") or []:
        bid = _bid_id(entry)
        key = order_key(bid["id"])
        created = _int(bid.get("created_at"), "bid created_at")
        bids_by_order.setdefault(key, []).append(created)
        if created >= height - recent_blocks:
            bids_by_provider.setdefault(bid["id"].get("provider"), []).append(key)

    def seconds(blocks):
        return round(blocks * block_time, 1) if block_time else None

    rows = []
    for order in market.get("orders") or []:
        if order.get("state") not in (None, "open"):
            continue
        key = order_key(order.get("id"))
        created = _int(order.get("created_at"), "order created_at of %s" % key)
        bid_heights = bids_by_order.get(key, [])
        age = max(0, height - created)
        problems = spec_problems(order.get("spec"), offered, limits)
        rows.append({"order": key, "owner": order["id"]["owner"], "created_at": created, "age_blocks": age, "age_s": seconds(age),
                     "bids": len(bid_heights), "stale": not bid_heights and age >= stale_blocks, "malformed": problems})
    rows.sort(key=lambda row: -row["age_blocks"])
    stale = [r for r in rows if r["stale"] and not r["malformed"]]
    malformed = [{"order": r["order"], "age_blocks": r["age_blocks"], "reasons": r["malformed"]} for r in rows if r["malformed"]]
    per_owner = {}
    for row in rows:
        owner = per_owner.setdefault(row["owner"], {"owner": row["owner"], "open": 0, "stale": 0, "oldest_age_blocks": 0})
        owner["open"] += 1
        owner["stale"] += int(row["stale"])
        owner["oldest_age_blocks"] = max(owner["oldest_age_blocks"], row["age_blocks"])

    chain_providers = dict((p.get("owner"), p) for p in market.get("providers") or [])
    providers = []
    for member in fleet:
        address = member.get("address")
        providers.append({"name": member["name"], "address": address, "on_chain": address in chain_providers if address else None,
                          "healthy": member.get("healthy"), "recent_bids": len(bids_by_provider.get(address, [])) if address else None,
                          "findings": member.get("findings") or []})
    healthy = [p for p in providers if p["healthy"]]
    window_s = seconds(recent_blocks)
    new_orders = len([r for r in rows if r["age_blocks"] <= recent_blocks])
    orders_bid = len(set(key for keys in bids_by_provider.values() for key in keys))
    rates = {"window_blocks": recent_blocks, "window_s": window_s, "new_orders": new_orders, "orders_bid": orders_bid,
             "new_orders_per_min": round(new_orders * 60.0 / window_s, 2) if window_s else None,
             "orders_bid_per_min": round(orders_bid * 60.0 / window_s, 2) if window_s else None}

    why, restart, causes = [], [], []
    if stale:
        why.append("%d open order(s) without a bid after %d blocks; oldest %s (%s)" % (len(stale), stale_blocks, stale[0]["order"], _age_text(stale[0])))
        if not healthy:
            verdict = "no_provider_healthy"
            down = [p["name"] for p in providers if p["healthy"] is False]
            why.append("no provider daemon answers its health check (%d in the inventory, %d registered on chain)"
                       % (len(providers), len(chain_providers)))
            restart = down
        else:
            verdict = "not_bidding"
            silent = [p for p in healthy if not p["recent_bids"]]
            why.append("%d provider(s) healthy but without a bid in %d blocks: %s"
                       % (len(silent), recent_blocks, ", ".join(p["name"] for p in silent) or "none"))
            silent_names = [p["name"] for p in silent]
            causes = common_causes(dict((m["name"], m.get("log_patterns")) for m in fleet if m["name"] in silent_names))
            why.extend("common cause: %s, on %d of %d silent providers%s" % (
                c["meaning"], len(c["providers"]), len(silent), (" (%s)" % c["numbers"]) if c["numbers"] else "")
                for c in causes if c["pattern"] in REJECTION_NAMES)
            why.extend("log evidence on %d of %d: %s, e.g. %r" % (len(c["providers"]), len(silent), c["meaning"], c["newest"]) for c in causes)
            for member in fleet:
                if member["name"] in silent_names:
                    why.extend("%s: %s" % (member["name"], f) for f in member.get("findings") or [])
            restart = silent_names
    elif malformed and [m for m in malformed if m["age_blocks"] >= stale_blocks]:
        verdict = "orders_malformed"
        why.append("the only orders waiting longer than %d blocks are malformed, every provider skips them" % stale_blocks)
    elif rows and orders_bid:
        verdict = "draining"
        why.append("%d open order(s); %d order(s) received bids in the last %d blocks (%s/min) against %d new (%s/min)"
                   % (len(rows), orders_bid, recent_blocks, rates["orders_bid_per_min"], new_orders, rates["new_orders_per_min"]))
    else:
        verdict = "healthy"
        why.append("%d open order(s), none without a bid after %d blocks" % (len(rows), stale_blocks))
    why.extend("malformed order %s: %s" % (m["order"], "; ".join(m["reasons"])) for m in malformed)
    gated = remedy_plan("provider_restart", restart, fleet, "restart the provider daemon on %s and wait for its /health")
    if gated["blocked"]:
        why.append(gated["blocked"])
    return dict(gated["decision"], **{
        "verdict": verdict, "why": why, "orders": rows, "stale": [r["order"] for r in stale], "malformed": malformed,
        "oldest": rows[0] if rows else None, "per_owner": sorted(per_owner.values(), key=lambda o: -o["oldest_age_blocks"]),
        "providers": providers, "rates": rates, "restart_hosts": gated["hosts"], "common_causes": causes, "height": height,
        "block_time_s": block_time, "marketplace_orders_stalled": verdict in ("no_provider_healthy", "not_bidding"),
    })
