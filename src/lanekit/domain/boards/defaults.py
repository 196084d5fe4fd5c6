"""What a blank board starts with: settings, the default layout, card types, custom icons.

The layout is LeanKit's "Default Template" (global template 108): not started, started, finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Display settings kept in `boards.settings`, with the value a board has until someone changes it.
SETTINGS: dict[str, Any] = {
    "classOfServiceEnabled": True,
    "customIconFieldLabel": "Class of Service",
    "cardColorField": 1,
    "isCardIdEnabled": True,
    "isHeaderEnabled": True,
    "isHyperlinkEnabled": False,
    "isPrefixEnabled": False,
    "prefix": None,
    "format": None,
    "isPrefixIncludedInHyperlink": False,
    "isDuplicateCardIdAllowed": True,
    "isAutoIncrementCardIdEnabled": False,
    "currentExternalCardId": "0",
    "customBoardMoniker": None,
    "isPermalinkEnabled": False,
    "isExternalUrlEnabled": False,
    "allowPlanviewIntegration": False,
    "level": None,
}

# Not a display setting: grows on every layout change so the layout checksum changes with it (decision 032).
LAYOUT_REVISION = "layoutRevision"


def board_settings(stored: dict[str, Any]) -> dict[str, Any]:
    """The stored settings over the defaults (internal keys left out)."""
    merged = {**SETTINGS, **stored}
    merged.pop(LAYOUT_REVISION, None)
    return merged


@dataclass(frozen=True, slots=True)
class LaneSpec:
    title: str
    class_type: str
    lane_type: str
    card_status: str
    columns: int = 1
    orientation: str = "vertical"
    is_default_drop_lane: bool = False
    is_connection_done_lane: bool = False
    children: tuple[LaneSpec, ...] = field(default_factory=tuple)


def _archive_child(title: str) -> LaneSpec:
    return LaneSpec(title, "archive", "untyped", "finished", columns=3)


LAYOUT: tuple[LaneSpec, ...] = (
    LaneSpec(
        "Not Started - Future Work",
        "backlog",
        "ready",
        "notStarted",
        columns=3,
        children=(
            LaneSpec("New Requests", "backlog", "ready", "notStarted", is_default_drop_lane=True),
            LaneSpec("Approved", "backlog", "ready", "notStarted"),
            LaneSpec("Ready to Start", "backlog", "ready", "notStarted"),
        ),
    ),
    LaneSpec("Doing Now", "active", "inProcess", "started", columns=2),
    LaneSpec("Under Review", "active", "inProcess", "started", columns=2),
    LaneSpec("Recently Finished", "active", "completed", "finished", columns=2, is_connection_done_lane=True),
    LaneSpec(
        "Finished - Ready to Archive",
        "archive",
        "completed",
        "finished",
        columns=3,
        orientation="horizontal",
        children=(
            _archive_child("Finished As Planned"),
            _archive_child("Started but not Finished"),
            _archive_child("Discarded Requests / Ideas"),
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class CardTypeSpec:
    name: str
    color_hex: str
    is_card_type: bool = True
    is_task_type: bool = False


DEFAULT_CARD_TYPE = "Other Work"
DEFAULT_TASK_TYPE = "Subtask"

CARD_TYPES: tuple[CardTypeSpec, ...] = (
    CardTypeSpec("Other Work", "#FFFFFF"),
    CardTypeSpec("Defect", "#F1C7C5"),
    CardTypeSpec("Documentation", "#D0CCE0"),
    CardTypeSpec("Improvement", "#BFDFC2"),
    CardTypeSpec("New Feature", "#B8CFDF"),
    CardTypeSpec("Risk / Issue", "#FAD7B2"),
    CardTypeSpec("Subtask", "#FFF8DF", is_card_type=False, is_task_type=True),
)


@dataclass(frozen=True, slots=True)
class CustomIconSpec:
    name: str
    icon_color: str
    icon_name: str
    policy: str = ""


CUSTOM_ICONS: tuple[CustomIconSpec, ...] = (
    CustomIconSpec("Date Dependent", "212121", "lk_icons_final_01-13"),
    CustomIconSpec("Expedite", "e35027", "lk_icons_final_01-03"),
    CustomIconSpec("Regulatory", "49bbd6", "lk_icons_final_05-11"),
    CustomIconSpec("Standard", "212121", "blank_icon"),
)


def icon_path(icon_color: str, icon_name: str) -> str:
    """The relative icon path LeanKit shows (`/customicons/24/<color>/<name>.png`)."""
    return f"/customicons/24/{icon_color.lstrip('#').lower()}/{icon_name}.png"
