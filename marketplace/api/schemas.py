"""The API's own models: query parameters, path parameters, request bodies the domain schemas don't
already define, and what each resource looks like in a response.

Request bodies that create or change needs, startups and events are the domain's own input schemas
(``NeedInput``, ``StartupInput``): one set of rules for forms, imports and the API.
"""

from __future__ import annotations

from datetime import date, datetime
from types import UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from marketplace.core.taxonomy import StartupStage
from marketplace.core.validation import clean_text
from marketplace.events.enums import EventStatus
from marketplace.needs.enums import NeedStatus, NeedVisibility, PilotHorizon
from marketplace.pipeline.enums import CandidateStage

PROBLEM_JSON = "application/problem+json"
# Ids are database integers: anything outside answers 422 rather than reaching the database.
Id = Annotated[int, Field(ge=1, le=2**31 - 1, json_schema_extra={"example": 1})]
# An optional filter carries no example: Swagger's try-out would pre-fill it and the first Execute would
# return only what that id happens to own (usually nothing).
FilterId = Annotated[int, Field(ge=1, le=2**31 - 1)]
# In a JSON body an id is a JSON integer (not `true`, not "5").
BodyId = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
# Query text: printable, bounded (NUL cannot reach PostgreSQL).
QueryText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00]*$")]

# Free text in a body: no NUL characters or unpaired surrogates reach the database.
Text = Annotated[str, BeforeValidator(clean_text), StringConstraints(max_length=2000)]

T = TypeVar("T")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, list[str]] | None = Field(default=None, description="Per-field messages ('' is the whole input).")
    changed: list[str] | None = Field(
        default=None, description="A stale `version` (409): the fields changed since the version you sent."
    )
    version: int | None = Field(default=None, description="A stale `version` (409): the current version.")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JsonBody(BaseModel):
    """A JSON body, read as JSON: unknown fields are refused, and each value must already have its JSON
    type (no `false` for a number, `0` for a date or text for a list: the web forms' conveniences
    are not the API's)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, data):
        if not isinstance(data, dict):
            return data
        wrong = [
            {"type": PydanticCustomError(kind, kind), "loc": (name,), "input": data[name]}
            for name, field in cls.model_fields.items()
            if name in data and not _has_json_type(field.annotation, data[name])
            for kind in [_expected_type(field.annotation)]
        ]
        if wrong:
            raise ValidationError.from_exception_data(cls.__name__, wrong)
        return data


def _alternatives(annotation) -> tuple:
    return get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)


def _has_json_type(annotation, value) -> bool:
    if value is None:
        return type(None) in _alternatives(annotation)
    for option in _alternatives(annotation):
        origin = get_origin(option) or option
        if origin is type(None):
            continue
        if origin is bool:
            ok = isinstance(value, bool)
        elif origin is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif origin in (date, datetime) or (isinstance(origin, type) and issubclass(origin, str)):
            ok = isinstance(value, str)
        elif origin is list:
            ok = isinstance(value, list)
        elif origin is dict:
            ok = isinstance(value, dict)
        else:
            ok = True
        if ok:
            return True
    return False


def _expected_type(annotation) -> str:
    option = next(o for o in _alternatives(annotation) if o is not type(None))
    origin = get_origin(option) or option
    if origin is bool:
        return "bool_type"
    if origin is int:
        return "int_type"
    if origin in (date, datetime):
        return "date_type"
    return {list: "list_type", dict: "dict_type"}.get(origin, "string_type")


# ---- paths ---------------------------------------------------------------------------------------


class NeedPath(Strict):
    need_id: Id


class StartupPath(Strict):
    startup_id: Id


class CandidatePath(Strict):
    candidate_id: Id


class EventPath(Strict):
    event_id: Id


class PitchPath(Strict):
    event_id: Id
    pitch_id: Id


class BatchPath(Strict):
    batch_id: Id


# ---- queries -------------------------------------------------------------------------------------


class PageQuery(Strict):
    page: int = Field(default=1, ge=1, le=100_000)
    per_page: int = Field(default=25, ge=1, le=100)


class NeedQuery(PageQuery):
    status: NeedStatus | None = None
    open: bool | None = Field(
        default=None,
        description="true: only needs open for nominations (published, the deadline not passed; overrides status).",
    )
    sector: QueryText | None = None
    q: QueryText = Field(default="", description="Words that must all appear in the title, summary or description.")
    owner_id: FilterId | None = Field(default=None, description="Only needs of this bank unit.")


class StartupQuery(PageQuery):
    sector: QueryText | None = None
    stage: StartupStage | None = None
    incubator_id: FilterId | None = Field(default=None, description="Only startups this incubator lists.")
    q: QueryText = Field(
        default="",
        description="Search text: only startups that match it (holding a search term "
        "or close in meaning), best match first; without it, by name.",
    )


class ListingQuery(PageQuery):
    incubator_id: FilterId | None = None
    startup_id: FilterId | None = None


class CandidateQuery(PageQuery):
    need_id: FilterId | None = None
    startup_id: FilterId | None = None
    stage: CandidateStage | None = None


class ImportQuery(Strict):
    incubator_id: FilterId | None = Field(
        default=None, description="The incubator the portfolio belongs to (organisers must name one)."
    )


# ---- bodies --------------------------------------------------------------------------------------

# The version a replacing edit was read at (GET's `version`): an edit from an older one is refused with 409.
ReadVersion = Annotated[
    StrictInt,
    Field(
        ge=1,
        le=2**31 - 1,
        description=(
            "The `version` you read (from GET). If the object changed since, the answer is 409 naming the changed "
            "fields (`changed`) and the current `version`, and nothing is saved: read it again, reapply your change, "
            "send again."
        ),
    ),
]


class NeedStatusChange(JsonBody):
    to: NeedStatus
    comment: Text = ""


class CandidateMove(JsonBody):
    to: CandidateStage
    note: Text = ""
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The version you last read; a move by someone else since answers 409.",
    )


class CandidateCreate(JsonBody):
    startup_id: BodyId
    to: CandidateStage = Field(
        default=CandidateStage.SHORTLISTED, description="The bank's first move: shortlisted, invited or declined."
    )
    note: Text = ""


class ScoreSubmit(JsonBody):
    marks: dict[Annotated[str, StringConstraints(max_length=40)], StrictInt] = Field(
        description="A mark from 1 to 5 for every rubric criterion key.", max_length=20
    )
    comment: Text = ""


# ---- responses -----------------------------------------------------------------------------------


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int
    pages: int


class NeedOut(BaseModel):
    """A need as the caller may see it. ``readable`` is false for a confidential need whose terms the
    caller's incubator has not accepted: then only the teaser fields are filled."""

    id: int
    slug: str
    title: str
    summary: str
    sector_tags: list[str]
    status: NeedStatus
    visibility: NeedVisibility
    owner_id: int
    confidential: bool
    deadline: date | None
    open: bool = Field(description="Open for nominations: published and the deadline not passed.")
    updated_at: datetime
    version: int
    readable: bool
    description: str | None = None
    scenarios: list[str] | None = None
    technology_tags: list[str] | None = None
    desired_stage: StartupStage | None = None
    budget_min_cny: int | None = None
    budget_max_cny: int | None = None
    pilot_horizon: PilotHorizon | None = None
    confidentiality_terms: str | None = None
    contact_name: str | None = Field(default=None, description="Only once one of your startups chose the need.")
    contact_email: str | None = None


class StartupOut(BaseModel):
    id: int
    slug: str
    name: str
    website: str
    founded_year: int | None
    city: str
    country: str
    stage: StartupStage | None
    team_size: int | None
    funding_raised_usd: int | None
    description: str
    products: str
    tags: list[str]
    sectors: list[str]
    customers: str
    updated_at: datetime
    version: int
    incubator_ids: list[int]
    contact_name: str | None = Field(
        default=None, description="Only for its incubators, the platform, and bank units whose need it chose."
    )
    contact_email: str | None = None


class ListingOut(BaseModel):
    id: int
    incubator_id: int
    startup_id: int
    external_id: str | None = Field(description="The incubator's own CRM id; only for that incubator and the platform.")
    created_at: datetime


class CandidateOut(BaseModel):
    id: int
    need_id: int
    startup_id: int
    stage: CandidateStage
    source: str
    nominated_by_id: int | None
    note: str
    version: int
    created_at: datetime
    updated_at: datetime
    opted_in: bool
    next_stages: list[CandidateStage] = Field(description="Where you may move it now.")


class EventOut(BaseModel):
    id: int
    slug: str
    name: str
    status: EventStatus
    starts_on: date
    days: int
    venue: str
    online_link: str
    day_start: int = Field(description="Minutes after midnight.")
    day_end: int
    slot_minutes: int
    application_deadline: date | None
    rubric: list[dict[str, Any]]
    need_ids: list[int] = Field(description="The event's needs you may see.")


class PitchOut(BaseModel):
    id: int
    event_id: int
    candidate_id: int
    need_id: int
    startup_id: int
    startup_name: str
    need_title: str
    room: str | None
    start_slot: int | None
    starts_at: datetime | None
    ends_at: datetime | None


class ScoreOut(BaseModel):
    id: int
    pitch_id: int
    judge_id: int
    marks: dict[str, int]
    total: float
    comment: str
    updated_at: datetime


class ImportOut(BaseModel):
    id: int
    status: str
    stage: str
    percent: int
    processed_rows: int
    total_rows: int
    counts: dict[str, int]
    rejections: list[dict[str, Any]]
    error: str | None
    url: str


class NeedPage(PageOut[NeedOut]):
    pass


class StartupPage(PageOut[StartupOut]):
    pass


class ListingPage(PageOut[ListingOut]):
    pass


class CandidatePage(PageOut[CandidateOut]):
    pass


class EventList(BaseModel):
    items: list[EventOut]


class PitchList(BaseModel):
    items: list[PitchOut]


class ScoreList(BaseModel):
    items: list[ScoreOut]
