"""The /io response bodies, for the OpenAPI document only.

These models describe what `shapes/` build; nothing validates or serialises a response with them (the
handlers return the shapes' dicts as they are, through `web.routing.ok`).  `document(router)` attaches them
to the routes as `responses` entries, by operation id, so the route decorators stay as they are.  When a
shape changes, change its model here; `tests/http/test_openapi.py` checks every operation is documented and
that the documented keys are the keys real responses carry.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, create_model

from lanekit.shapes.account import _FEATURE_FLAGS

IdText = Annotated[
    str, Field(description="An id: a 64-bit integer as a digit string.", pattern="^[1-9][0-9]*$")
]
Instant = Annotated[str, Field(description="UTC, ISO 8601 with `Z`.")]
Day = Annotated[str, Field(description="A calendar date, `YYYY-MM-DD`.")]


class Doc(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- common ----------------------------------------------------------------------------------------------


class ErrorDetail(Doc):
    field: str
    message: str


class ErrorBody(Doc):
    """Every error: the status code, its reason phrase and a message (`http/errors.py`)."""

    statusCode: int
    error: str
    message: str
    details: list[ErrorDetail] | None = Field(default=None, description="Per-field problems of a 422.")


class PageMeta(Doc):
    totalRecords: int
    offset: int
    limit: int
    startRow: int = Field(description="1-based; 0 on an empty page.")
    endRow: int


class Empty(Doc):
    pass


class Created(Doc):
    id: IdText


class UserRef(Doc):
    id: IdText
    emailAddress: str
    fullName: str
    avatar: str


# --- account, tokens, users ------------------------------------------------------------------------------

AccountSettings: type[BaseModel] = create_model(  # the flat flags of shapes/account.py, as they are
    "AccountSettings",
    __base__=Doc,
    id=(IdText, ...),
    defaultNewBoardRole=(int, ...),
    **{key: (str | None if value is None else type(value), ...) for key, value in _FEATURE_FLAGS.items()},  # type: ignore[call-overload]
)


class AccountUpdated(Doc):
    id: IdText
    title: str
    defaultNewBoardRole: str
    subscribeUsersToAssignedCardsByDefault: bool
    enableOKRs: bool
    advancedSecurity: dict[str, Any]


class Token(Doc):
    id: IdText
    description: str
    createdOn: Instant


class TokenList(Doc):
    tokens: list[Token]


class TokenCreated(Token):
    token: str = Field(description="The bearer token; shown only in this reply.")


class Role(Doc):
    key: str
    value: int
    label: str


class BoardRoleGrant(Doc):
    boardId: IdText
    WIP: int
    role: Role


class UserCommon(Doc):
    id: IdText
    username: str
    firstName: str
    lastName: str
    fullName: str
    emailAddress: str
    lastAccess: Instant | None
    dateFormat: str
    administrator: bool
    enabled: bool
    deleted: bool
    organizationId: IdText
    boardCreator: bool
    timeZone: str
    licenseType: str
    externalUserName: str | None
    teamManager: bool
    externalUser: bool
    planviewUserId: None
    avatar: str


class UserDetail(UserCommon):
    settings: dict[str, Any]
    boardRoles: list[BoardRoleGrant]


class UserListItem(UserCommon):
    createdOn: Instant
    accountOwner: bool


class UserList(Doc):
    pageMeta: PageMeta
    users: list[UserListItem]


# --- boards ----------------------------------------------------------------------------------------------


class RecentBoard(Doc):
    id: IdText
    title: str
    description: str | None
    isWelcome: bool
    isArchived: bool
    isFavorite: bool
    boardRole: str


class RecentBoards(Doc):
    boards: list[RecentBoard]


class BoardListItem(Doc):
    """All keys by default; `fields=` keeps only the named ones."""

    id: IdText
    title: str
    description: str | None
    boardRoleId: int
    isWelcome: bool
    boardRole: str


class InaccessibleBoard(Doc):
    id: IdText
    isDeleted: bool
    isArchived: bool
    hasAccess: bool


class BoardList(Doc):
    pageMeta: PageMeta
    boards: list[BoardListItem]
    inaccessibleBoards: list[InaccessibleBoard] | None = Field(default=None, description="With `boards=`.")


class BoardMember(Doc):
    id: IdText
    username: str
    firstName: str
    lastName: str
    fullName: str
    emailAddress: str
    gravatarLink: None
    avatar: str
    lastAccess: Instant | None
    dateFormat: str
    organizationId: IdText
    boardId: IdText
    wip: int
    roleTypeId: int
    settings: dict[str, Any]
    boardRoles: list[Any]


class ClassOfService(Doc):
    id: IdText
    name: str
    iconPath: str
    policy: str


class BoardCustomField(Doc):
    id: IdText
    index: int
    type: str
    label: str
    helpText: str | None
    choiceConfiguration: dict[str, Any] | None = Field(default=None, description="Choice and multi fields.")


class BoardCardType(Doc):
    id: IdText
    name: str
    colorHex: str
    isCardType: bool
    isTaskType: bool


class NamedNumber(Doc):
    id: int
    name: str


class BoardLane(Doc):
    id: IdText
    name: str
    description: str | None
    cardStatus: str
    active: bool
    cardLimit: int
    creationDate: Instant
    index: int
    parentLaneId: IdText | None
    activityId: None
    orientation: str
    isConnectionDoneLane: bool
    isDefaultDropLane: bool
    columns: int
    wipLimit: int
    cardCount: int
    cardSize: int
    archiveCardCount: int
    subscriptionId: None
    laneClassType: str
    laneType: str
    isCollapsed: bool


class BoardDetail(Doc):
    id: IdText
    title: str
    description: str
    creationDate: Instant
    classOfServiceEnabled: bool
    customIconFieldLabel: str
    organizationId: IdText
    version: str
    cardColorField: int
    isCardIdEnabled: bool
    isHeaderEnabled: bool
    isHyperlinkEnabled: bool
    isPrefixEnabled: bool
    prefix: str | None
    format: str | None
    isPrefixIncludedInHyperlink: bool
    baseWipOnCardSize: bool
    excludeCompletedAndArchiveViolations: bool
    isDuplicateCardIdAllowed: bool
    isAutoIncrementCardIdEnabled: bool
    currentExternalCardId: str
    isWelcome: bool
    isShared: bool
    isArchived: bool
    sharedBoardRole: str
    customBoardMoniker: str | None
    isPermalinkEnabled: bool
    isExternalUrlEnabled: bool
    allowUsersToDeleteCards: bool
    allowPlanviewIntegration: bool
    subscriptionId: None
    boardRole: str
    effectiveBoardRole: str
    users: list[BoardMember]
    classesOfService: list[ClassOfService]
    tags: list[str]
    customFields: list[BoardCustomField]
    cardTypes: list[BoardCardType]
    laneClassTypes: list[NamedNumber]
    lanes: list[BoardLane]
    laneTypes: list[NamedNumber]
    userSettings: dict[str, Any]
    priorities: list[NamedNumber]
    planningSeries: list[Any]
    layoutChecksum: str
    defaultCardTypeId: IdText | None
    defaultTaskTypeId: IdText | None


class BoardUser(Doc):
    userId: IdText
    firstName: str
    lastName: str
    emailAddress: str
    boardId: IdText
    administrator: bool
    WIP: int
    id: IdText | None = Field(description="The role row's id; null for an inherited role.")
    licenseType: str
    role: Role


class BoardUsers(Doc):
    pageMeta: PageMeta
    boardUsers: list[BoardUser]


class BoardRoleRow(Doc):
    userId: IdText
    WIP: int
    roleTypeId: int
    id: IdText
    boardId: IdText


class BoardRoles(Doc):
    boardRoles: list[BoardRoleRow]


class EventUser(Doc):
    id: IdText
    fullName: str
    avatar: str


class Event(Doc):
    id: IdText
    type: str
    timestamp: Instant
    user: EventUser | None
    data: dict[str, Any]


class Events(Doc):
    events: list[Event]


class LaneCount(Doc):
    laneId: IdText
    cardCount: int
    cardSize: int


class BoardChanges(Doc):
    boardId: IdText
    version: str
    updateCount: int
    boardUpdated: bool
    boardUsersUpdated: bool
    updatedCardIds: list[IdText]
    createdCardIds: list[IdText]
    deletedCardIds: list[IdText]
    affectedLanes: list[IdText]
    parentCardsUpdated: bool
    assignmentChanged: bool
    updatedParentCardIds: list[IdText]
    updatedChildCardIds: list[IdText]
    affectedLaneCounts: list[LaneCount]


# --- board configuration ---------------------------------------------------------------------------------


class CardTypeWritten(Doc):
    id: IdText
    name: str
    colorHex: str
    isCardType: bool
    isTaskType: bool
    isDefaultTaskType: bool


class CardType(CardTypeWritten):
    isDefault: bool


class CardTypes(Doc):
    cardTypes: list[CardType]


class CustomIconWritten(Doc):
    id: IdText
    name: str
    iconColor: str
    policy: str | None
    iconName: str


class CustomIcon(CustomIconWritten):
    iconPath: str


class CustomIcons(Doc):
    customIcons: list[CustomIcon]


class CustomField(Doc):
    id: IdText
    index: int
    type: str
    label: str
    helpText: str
    createdOn: Instant
    createdBy: IdText | None
    choiceConfiguration: dict[str, Any] | None = Field(default=None, description="Choice and multi fields.")


class CustomFieldList(Doc):
    limit: int
    customFields: list[CustomField]


class CustomFieldsChanged(Doc):
    customFields: list[CustomField]


class LayoutLane(Doc):
    id: IdText
    title: str
    wipLimit: int
    columns: int
    orientation: str
    index: int
    type: str
    classType: str
    cardStatus: str
    description: str | None
    isConnectionDoneLane: bool
    isDefaultDropLane: bool
    children: list[LayoutLane] | None = Field(default=None, description="Left out of leaf lanes.")


class Layout(Doc):
    lanes: list[LayoutLane]
    layoutChecksum: str


class LanePatched(Doc):
    id: IdText
    boardId: IdText
    title: str
    type: str
    cardStatus: str
    description: str | None
    wipLimit: int
    isDefaultDropLane: bool
    isConnectionDoneLane: bool
    sortBy: str | None


class HeldCards(Doc):
    cardCount: int
    cardSize: str = Field(description="A string here, unlike elsewhere.")


class LaneCounts(Doc):
    lanes: dict[str, HeldCards] = Field(description="By lane id.")


class LeafLane(Doc):
    id: IdText
    title: str
    expandedTitle: str


class LeafLanes(Doc):
    lanes: list[LeafLane]


class TemplateItem(Doc):
    id: IdText
    name: str
    description: str | None
    isEnabled: bool
    isGlobal: bool


class TemplateCategory(Doc):
    id: str
    name: str
    templates: list[TemplateItem]


class TemplateCategories(Doc):
    categories: list[TemplateCategory]


class TemplateDetail(Doc):
    id: IdText
    name: str
    description: str | None
    template: dict[str, Any] = Field(
        description="The board's settings, cardTypes, customIcons, lanes (with their cards) and customFields."
    )
    isDefault: bool
    isUserCategory: bool


# --- cards -----------------------------------------------------------------------------------------------


class CustomId(Doc):
    value: str | None
    prefix: str | None
    url: str | None


class BlockedStatus(Doc):
    isBlocked: bool
    reason: str | None
    date: Instant | None = Field(default=None, description="Not on card faces.")


class BoardRef(Doc):
    id: IdText
    title: str
    version: str
    isArchived: bool


class TaskBoardRef(Doc):
    id: IdText
    version: str


class LaneRef(Doc):
    cardLimit: int
    description: str | None
    id: IdText
    index: int
    laneClassType: str
    laneType: str
    orientation: str
    title: str
    taskBoard: TaskBoardRef | None = None
    cardStatus: str | None = None


class TypeRef(Doc):
    id: IdText
    title: str
    cardColor: str


class CardIcon(Doc):
    id: IdText
    title: str | None = None
    cardColor: str
    iconColor: str
    iconName: str
    iconPath: str
    policy: str | None = None


class TaskBoardStats(Doc):
    totalCount: int
    completedCount: int
    totalSize: int
    completedSize: int


class ConnectedCardStats(Doc):
    startedCount: int
    startedSize: int
    notStartedCount: int
    notStartedSize: int
    completedCount: int
    completedSize: int
    blockedCount: int
    totalCount: int
    totalSize: int
    plannedStart: Day | None
    plannedFinish: Day | None
    actualStart: Instant | None
    actualFinish: Instant | None
    pastDueCount: int
    projectedLateCount: int


class AssignedUser(UserRef):
    firstName: str | None = None
    lastName: str | None = None


class Attachment(Doc):
    id: IdText
    attachmentSize: int
    createdBy: UserRef | None
    changedBy: UserRef | None
    createdOn: Instant
    updatedOn: Instant | None
    description: str | None
    name: str
    storageId: str


class Attachments(Doc):
    attachments: list[Attachment]


class Comment(Doc):
    id: IdText
    createdOn: Instant
    createdBy: UserRef | None
    text: str


class ExternalLink(Doc):
    label: str | None
    url: str | None


class FieldValue(Doc):
    fieldId: IdText
    type: str
    label: str
    value: Any


class CardLink(Doc):
    cardId: IdText
    boardId: IdText


class Score(Doc):
    metricId: IdText
    score: float | None
    confidence: float | None


class Scoring(Doc):
    """A card's scoring; Lanekit has no scoring yet, so always the unscored value (`shapes.cards.scoring`)."""

    isTemplateChanged: bool
    scoreTotal: float | None
    scoreOverride: float | None
    confidenceTotal: float | None
    scores: list[Score]


class CardDates(Doc):
    plannedStart: Day | None
    plannedFinish: Day | None
    actualStart: Instant | None
    actualFinish: Instant | None
    createdOn: Instant
    updatedOn: Instant | None
    movedOn: Instant | None
    archivedOn: Instant | None


class CardDetail(CardDates):
    """The full card."""

    id: IdText
    title: str
    description: str | None
    index: int
    version: str
    priority: str
    size: int
    tags: list[str]
    color: str
    iconPath: None
    customIconLabel: str
    customIcon: CardIcon | None
    customId: CustomId
    externalLinks: list[ExternalLink]
    blockedStatus: BlockedStatus
    board: BoardRef
    lane: LaneRef
    type: TypeRef
    taskBoardStats: TaskBoardStats | None
    subscriptionId: None
    createdBy: UserRef | None
    updatedBy: UserRef | None
    movedBy: UserRef | None
    archivedBy: UserRef | None
    assignedUsers: list[AssignedUser]
    assignedTeams: list[Any]
    attachments: list[Attachment]
    commentsCount: int
    childCommentsCount: int
    comments: list[Comment] | None = Field(default=None, description="Left out with `excludeComments`.")
    parentCards: list[CardLink]
    customFields: list[FieldValue]
    planningIncrements: list[Any]
    connectedCardStats: ConnectedCardStats | None
    scoring: Scoring
    mirrorSourceCardId: IdText | None = Field(default=None, description="Only on a mirror.")


class TaskCreated(CardDetail):
    taskBoard: TaskBoardRef


class DependencyLink(Doc):
    cardId: IdText
    timing: str
    createdOn: Instant
    boardId: IdText


class ListDependencies(Doc):
    incoming: list[DependencyLink]
    outgoing: list[DependencyLink]


class CardListItem(CardDates):
    """A list item: all keys by default; `only`/`omit` narrow them, `include` adds the optional blocks."""

    assignedUsers: list[UserRef]
    assignedTeams: list[Any]
    id: IdText
    index: int
    version: str
    title: str
    description: str | None
    priority: str
    size: int
    tags: list[str]
    containingCardId: IdText | None
    color: str
    iconPath: None
    customIconLabel: str
    customIcon: CardIcon | None
    blockedStatus: BlockedStatus
    board: BoardRef
    customId: CustomId
    externalLinks: list[ExternalLink]
    lane: LaneRef
    type: TypeRef
    taskBoardStats: TaskBoardStats | None
    planningIncrements: list[Any]
    customFields: list[dict[str, Any]] | None = Field(default=None, description="`include=customFields`.")
    parentCards: list[CardLink] | None = Field(default=None, description="`include=parentCards`.")
    connectedCardStats: ConnectedCardStats | None = Field(
        default=None, description="`include=connectedCardStats`."
    )
    externalAssociations: list[Any] | None = Field(
        default=None, description="`include=externalAssociations`."
    )
    dependencies: ListDependencies | None = Field(default=None, description="`include=dependencies`.")


class InaccessibleCard(Doc):
    id: IdText
    isDeleted: bool
    hasAccess: bool


class CardList(Doc):
    cards: list[CardListItem] = Field(description="With `deleted=true`, only each card's `id`.")
    pageMeta: PageMeta
    inaccessibleCards: list[InaccessibleCard] | None = Field(default=None, description="With `cards=`.")


class CustomHeader(Doc):
    value: str | None
    header: str | None
    url: str | None


class FaceParent(Doc):
    id: IdText
    title: str


class FaceCardType(Doc):
    id: IdText
    name: str


class CardFace(Doc):
    id: IdText
    title: str
    index: int
    laneId: IdText
    boardId: IdText
    color: str
    tags: list[str]
    size: int
    priority: str
    plannedStart: Day | None
    plannedFinish: Day | None
    actualStart: Instant | None
    actualFinish: Instant | None
    archivedOn: Instant | None
    isDone: bool
    createdOn: Instant
    movedOn: Instant | None
    updatedOn: Instant | None
    externalLinks: list[ExternalLink]
    customIconLabel: str
    blockedStatus: BlockedStatus
    customIcon: CardIcon | None
    customHeader: CustomHeader
    customId: CustomId
    taskBoardStats: TaskBoardStats | None
    containingCardId: IdText | None
    cardType: FaceCardType
    subscriptionId: None
    parentCards: list[FaceParent]
    assignedUsers: list[UserRef]
    connectedCardStats: ConnectedCardStats | None
    canView: bool
    customFields: dict[str, Any] = Field(description="Values by field id.")
    planningIncrementIds: list[Any]
    isMirroredCard: bool
    scoring: Scoring


class CardFaces(Doc):
    pageMeta: PageMeta
    cards: list[CardFace]


class TagUsage(Doc):
    tags: list[dict[str, Any]]


class UpdatedBoard(Doc):
    boardId: IdText
    version: str


class Assigned(Doc):
    updatedBoards: list[UpdatedBoard]


class CommentList(Doc):
    pageMeta: PageMeta
    comments: list[dict[str, Any]] = Field(description="Comments, each with its `cardId`.")
    cards: list[CardFace] | None = Field(default=None, description="With `includeChildComments=true`.")
    boards: list[dict[str, Any]] | None = Field(default=None, description="With `includeChildComments=true`.")


class DependencyStats(Doc):
    incomingCount: int
    incomingResolvedCount: int
    incomingExceptionCount: int
    incomingUnresolvedBlockedCount: int
    outgoingCount: int
    outgoingResolvedCount: int
    outgoingExceptionCount: int
    outgoingUnresolvedBlockedCount: int
    totalCount: int
    totalResolvedCount: int
    totalExceptionCount: int
    totalUnresolvedBlockedCount: int


class DependencyFace(CardFace):
    cardStatus: str
    dependencyStats: DependencyStats
    reactions: list[Any]
    assignedTeams: list[Any]
    policyRuleFieldIdViolations: list[Any]


class Dependency(Doc):
    direction: str
    cardId: IdText
    timing: str
    createdOn: Instant
    face: DependencyFace | None = Field(default=None, description="With `includeFaces=true`.")


class Dependencies(Doc):
    dependencies: list[Dependency]


class TaskLane(Doc):
    id: IdText
    name: str
    description: str | None
    cardLimit: int
    creationDate: Instant
    index: int
    boardId: IdText
    parentLaneId: IdText | None
    activityId: None
    orientation: str
    columns: int
    cardCount: int
    cardSize: int
    laneClassType: str
    laneType: str
    cardStatus: str
    wipLimit: int
    isConnectionDoneLane: bool
    isDefaultDropLane: bool
    isCollapsed: bool
    archiveCardCount: int
    subscriptionId: None


class Taskboard(Doc):
    lanes: list[TaskLane]


class ChildCard(CardDates):
    """The list item's keys, with a lane without `taskBoard` and `cardStatus`, plus `customHeader`,
    `isDone` and the child's own `connectedCardStats`."""

    assignedUsers: list[UserRef]
    blockedStatus: BlockedStatus
    board: BoardRef
    customIcon: CardIcon | None
    customIconLabel: str
    color: str
    iconPath: None
    description: str | None
    customId: CustomId
    externalLinks: list[ExternalLink]
    id: IdText
    index: int
    lane: LaneRef
    priority: str
    size: int
    tags: list[str]
    title: str
    version: str
    type: TypeRef
    taskBoardStats: TaskBoardStats | None
    customHeader: CustomHeader
    isDone: bool
    connectedCardStats: ConnectedCardStats | None


class Children(Doc):
    pageMeta: PageMeta
    cards: list[ChildCard]
    redactedCount: int


class ChildIds(Doc):
    pageMeta: PageMeta
    ids: list[IdText]


class ChildBoard(Doc):
    cardId: IdText
    boardId: IdText
    boardTitle: str | None
    isFollowable: bool
    isRemovable: bool
    isArchived: bool


class ChildBoards(Doc):
    connections: list[ChildBoard]


class ParentBoard(Doc):
    boardId: IdText
    boardTitle: str | None
    canView: bool
    isArchived: bool


class ParentBoards(Doc):
    pageMeta: PageMeta
    boards: list[ParentBoard]


class ConnectedCard(Doc):
    id: IdText
    title: str
    boardId: IdText
    boardTitle: str
    boardVersion: str


class Connection(Doc):
    connectedCard: ConnectedCard
    connectionType: str


class ConnectedMany(Doc):
    card: ConnectedCard
    connections: list[Connection]


class BoardVersions(Doc):
    parentBoardVersion: str
    boardVersion: str


class DrillThroughStats(Doc):
    startedCount: int
    startedSize: int
    notStartedCount: int
    notStartedSize: int
    completedCount: int
    completedSize: int
    blockedCount: int
    plannedStart: Instant | None
    plannedFinish: Instant | None
    actualStart: Instant | None
    actualFinish: Instant | None
    pastDueCount: int
    projectedLateCount: int
    size: int
    count: int
    hasCardProjectedLate: bool
    progress: float


class StatisticsCard(Doc):
    id: IdText
    isBlocked: bool
    size: int
    plannedStart: Instant | None
    plannedFinish: Instant | None
    actualStart: Instant | None
    actualFinish: Instant | None


class BoardStats(Doc):
    boardId: IdText
    cardStats: DrillThroughStats


class Statistics(Doc):
    card: StatisticsCard
    drillThroughStats: DrillThroughStats
    boards: list[BoardStats]


# --- /io/reporting (issue 13; its routes are in reporting/routes.py) -------------------------------------


class ReportingToken(Doc):
    token: str = Field(description="An HS256 JWT: send it as `?token=` or as a Bearer token to the exports.")
    expires: Instant


REPORTING_EXPORT: dict[str, Any] = {
    "description": "The export's rows: CSV (default), tab-separated, or a JSON array of flat objects.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    },
}


class FlowCount(Doc):
    cardCount: int
    cardSize: str = Field(description="The sum of the cards' sizes, as a string.")


class ThroughputWeek(Doc):
    startOfWeekDate: Instant
    started: FlowCount
    completed: FlowCount


class Throughput(Doc):
    throughput: list[ThroughputWeek] = Field(
        description="The current week and the eight before, oldest first."
    )


class WipWeek(Doc):
    startOfWeekDate: Instant
    wip: FlowCount


class WorkInProcess(Doc):
    workInProcess: list[WipWeek]


class LaneFlow(Doc):
    laneId: IdText
    # `in` is a Python keyword: the field is named by its alias.
    in_: FlowCount = Field(alias="in")
    out: FlowCount


class LaneBottlenecks(Doc):
    lanes: list[LaneFlow]


class LaneTally(FlowCount):
    laneId: IdText


class FlowDay(Doc):
    date: Day
    lanes: list[LaneTally]


class CumulativeFlow(Doc):
    cumulativeFlow: list[FlowDay]


class SpeedRow(Doc):
    cardId: IdText
    cardTitle: str
    cardSize: int
    createdDate: Instant
    startDate: Instant | None = Field(
        description="First entry into a start lane; null if it never entered one."
    )
    finishDate: Instant
    cycleTimeDays: int | None
    cycleTimeHours: int | None
    cycleTimeMinusWeekendsDays: int | None
    leadTimeDays: int
    leadTimeHours: int
    leadTimeMinusWeekendsDays: int


REPORTING_EXPORTS = (
    "exportBoards",
    "exportLanes",
    "exportCards",
    "exportTasks",
    "exportTags",
    "exportComments",
    "exportConnections",
    "exportCustomfields",
    "exportUserassignmentsCurrent",
    "exportUsertaskassignmentsCurrent",
    "exportCardpositions",
    "exportCardsBlockedhistory",
    "exportUserassignmentsHistory",
    "exportUsertaskassignmentsHistory",
)

# --- the table -------------------------------------------------------------------------------------------

NO_BODY = None
# operation id → the success body's model (None: the success status has no body).  A response of another
# kind is given as a dict: the `responses` entry itself.
SUCCESS: dict[str, type[BaseModel] | dict[str, Any] | None] = {
    "getAccount": AccountSettings,
    "getAccountMe": AccountSettings,
    "updateAccount": AccountUpdated,
    "listTokens": TokenList,
    "createToken": TokenCreated,
    "revokeToken": NO_BODY,
    "getCurrentUser": UserDetail,
    "updateCurrentUser": UserDetail,
    "listRecentBoards": RecentBoards,
    "listUsers": UserList,
    "createUser": UserDetail,
    "getUser": UserDetail,
    "updateUser": UserDetail,
    "updateUserPassword": UserDetail,
    "deleteUser": NO_BODY,
    "listBoards": BoardList,
    "getBoard": BoardDetail,
    "createBoard": {"model": BoardDetail, "description": "The new board; just its `{id}` unless asked for."},
    "updateBoard": NO_BODY,
    "deleteBoard": NO_BODY,
    "archiveBoard": NO_BODY,
    "unarchiveBoard": NO_BODY,
    "setBoardAccess": NO_BODY,
    "removeBoardAccess": NO_BODY,
    "listBoardUsers": BoardUsers,
    "updateBoardRoles": BoardRoles,
    "getCardActivity": Events,
    "getBoardActivity": Events,
    "getBoardChanges": {"model": BoardChanges, "description": "The changes since `version` (204: none)."},
    "listCardTypes": CardTypes,
    "getCardType": CardType,
    "createCardType": CardTypeWritten,
    "updateCardType": CardTypeWritten,
    "deleteCardType": NO_BODY,
    "listCustomIcons": CustomIcons,
    "getCustomIcon": CustomIcon,
    "createCustomIcon": CustomIconWritten,
    "updateCustomIcon": CustomIconWritten,
    "deleteCustomIcon": NO_BODY,
    "listCustomFields": CustomFieldList,
    "updateCustomFields": CustomFieldsChanged,
    "updateBoardLayout": Layout,
    "updateLane": LanePatched,
    "getLaneCount": LaneCounts,
    "getLeafLanes": LeafLanes,
    "listTemplates": TemplateCategories,
    "getTemplate": TemplateDetail,
    "createTemplate": Created,
    "deleteTemplate": NO_BODY,
    "createCard": {
        "model": CardDetail,
        "description": "The new card's `{id}`; the full card with `returnFullRecord`.",
    },
    "listCards": CardList,
    "listCardsByBody": CardList,
    "moveCards": Empty,
    "assignCards": Assigned,
    "deleteCards": NO_BODY,
    "updateCardsBulk": NO_BODY,
    "getCard": CardDetail,
    "updateCard": CardDetail,
    "deleteCard": NO_BODY,
    "listBoardCardFaces": CardFaces,
    "listBoardTags": TagUsage,
    "getCardTaskboard": Taskboard,
    "listCardTasks": CardFaces,
    "createCardTask": TaskCreated,
    "getCardTask": CardDetail,
    "listCardComments": CommentList,
    "createCardComment": Comment,
    "updateCardComment": Comment,
    "deleteCardComment": NO_BODY,
    "createCardDependencies": NO_BODY,
    "updateCardDependencies": NO_BODY,
    "deleteCardDependencies": NO_BODY,
    "listCardDependencies": Dependencies,
    "createCardConnections": Empty,
    "deleteCardConnections": NO_BODY,
    "listCardChildren": Children,
    "listCardChildIds": ChildIds,
    "listCardParents": CardFaces,
    "listCardChildBoards": ChildBoards,
    "listCardParentBoards": ParentBoards,
    "connectManyCards": ConnectedMany,
    "deleteCardBoardConnections": BoardVersions,
    "getCardStatistics": Statistics,
    "createCardAttachment": Attachment,
    "listCardAttachments": Attachments,
    "downloadCardAttachment": {
        "description": "The attachment's bytes, with its stored Content-Type.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
    "deleteCardAttachment": NO_BODY,
    "getUserAvatar": {
        "description": "The user's initials on a colour of their own, as an SVG image.",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    },
    "reportingAuth": ReportingToken,
    "getBoardThroughput": Throughput,
    "getBoardWip": WorkInProcess,
    "getBoardLaneBottlenecks": LaneBottlenecks,
    "getBoardCumulativeFlow": CumulativeFlow,
    "getReportingSpeed": {
        "description": "One row per card that finished in the range, by finish time.",
        "content": {"application/json": {"schema": {"type": "array", "items": SpeedRow.model_json_schema()}}},
    },
    **{name: REPORTING_EXPORT for name in REPORTING_EXPORTS},
}

ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "A client error: `{statusCode, error, message}`."},
    "5XX": {"model": ErrorBody, "description": "A server error, with a message that tells nothing internal."},
}


def document(router: APIRouter) -> None:
    """Attach the success body of each of `router`'s operations, and the error body, to its `responses`.

    Idempotent (the routers are module-level and every `create_app` documents them); an operation missing
    from `SUCCESS` keeps FastAPI's untyped default, which `tests/http/test_openapi.py` reports.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute) or route.operation_id not in SUCCESS:
            continue
        entry = SUCCESS[route.operation_id]
        responses: dict[int | str, dict[str, Any]] = {**ERRORS, **route.responses}
        if isinstance(entry, dict):
            responses[route.status_code or 200] = entry
        elif entry is not None:
            responses[route.status_code or 200] = {"model": entry}
        route.responses = responses
