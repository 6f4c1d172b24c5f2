"""Import every domain's models so that Base.metadata is complete (Alembic, tests)."""

from signage.accounts.models import ApiToken, Grant, User
from signage.alerts.models import (
    Alert,
    AlertDelivery,
    AlertTarget,
    AlertTemplate,
    CapMessageRecord,
)
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.boards.models import (
    Board,
    BoardGroup,
    BoardGroupMember,
    BoardSession,
    BoardStatus,
    BoardToken,
    PairingRequest,
    PlayBatch,
    PlayRecord,
)
from signage.content.models import (
    ContentItem,
    MediaAsset,
    ProfileRecord,
    RenditionRecord,
    Revision,
)
from signage.db import Base
from signage.notifications.models import (
    AreaNotice,
    Notification,
    Outage,
    OutboxMessage,
    Subscription,
)
from signage.reports.models import PlayDay, PlayMonth, PlayRollup
from signage.schedules.models import BoardManifest, Playlist, PlaylistEntry, Schedule

__all__ = [
    "Alert",
    "AreaNotice",
    "AlertDelivery",
    "AlertTarget",
    "AlertTemplate",
    "ApiToken",
    "Area",
    "AuditEntry",
    "CapMessageRecord",
    "Base",
    "Board",
    "BoardGroup",
    "BoardGroupMember",
    "BoardManifest",
    "BoardSession",
    "BoardStatus",
    "BoardToken",
    "ContentItem",
    "Grant",
    "MediaAsset",
    "Notification",
    "Outage",
    "OutboxMessage",
    "PairingRequest",
    "PlayBatch",
    "PlayDay",
    "PlayMonth",
    "PlayRecord",
    "PlayRollup",
    "Playlist",
    "PlaylistEntry",
    "ProfileRecord",
    "RenditionRecord",
    "Revision",
    "Schedule",
    "Subscription",
    "User",
]
