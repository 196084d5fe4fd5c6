"""`GET /io/card/:cardId/dependency` (LeanKit API: dependencies): the links, and with `includeFaces` each
other card's face with the keys LeanKit's dependency faces add."""

from __future__ import annotations

from typing import Any

from lanekit.domain.cards.dependencies import CardDependencies, DependencyStats
from lanekit.shapes.cards import card_face
from lanekit.shapes.common import ident, instant_ms
from lanekit.storage.records import CardReadRecord


def dependency_stats(incoming: DependencyStats, outgoing: DependencyStats) -> dict[str, int]:
    return {
        "incomingCount": incoming.count,
        "incomingResolvedCount": incoming.resolved,
        "incomingExceptionCount": incoming.exceptions,
        "incomingUnresolvedBlockedCount": incoming.unresolved_blocked,
        "outgoingCount": outgoing.count,
        "outgoingResolvedCount": outgoing.resolved,
        "outgoingExceptionCount": outgoing.exceptions,
        "outgoingUnresolvedBlockedCount": outgoing.unresolved_blocked,
        "totalCount": incoming.count + outgoing.count,
        "totalResolvedCount": incoming.resolved + outgoing.resolved,
        "totalExceptionCount": incoming.exceptions + outgoing.exceptions,
        "totalUnresolvedBlockedCount": incoming.unresolved_blocked + outgoing.unresolved_blocked,
    }


def dependency_face(
    read: CardReadRecord, stats: tuple[DependencyStats, DependencyStats], *, base_url: str
) -> dict[str, Any]:
    """The card face plus `cardStatus` and `dependencyStats`, and the collections LeanKit's example shows
    empty here (reactions, teams, policy violations)."""
    face = card_face(read, base_url=base_url)
    face["cardStatus"] = read.lane.card_status
    face["dependencyStats"] = dependency_stats(*stats)
    face["reactions"] = []
    face["assignedTeams"] = []
    face["policyRuleFieldIdViolations"] = []
    return face


def dependencies_body(found: CardDependencies, *, base_url: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for link in found.links:
        item: dict[str, Any] = {
            "direction": link.direction,
            "cardId": ident(link.other_card_id),
            "timing": link.timing,
            "createdOn": instant_ms(link.created_on),
        }
        if found.faces is not None and link.other_card_id in found.faces:
            stats = (found.stats or {}).get(link.other_card_id, (DependencyStats(), DependencyStats()))
            item["face"] = dependency_face(found.faces[link.other_card_id], stats, base_url=base_url)
        items.append(item)
    return {"dependencies": items}
