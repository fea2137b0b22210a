"""Path parameters the API reads, with the pattern or bounds the OpenAPI document shows and the
server checks (a value that does not fit is refused before any service runs)."""

from typing import Annotated, TypeAlias

from litestar.params import PathParameter

# A year CRAs can have (sync/months.py: 1900-2999) and a month 01-12.
MONTH_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
DAY_PATTERN = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

PATH_PARAMETER_CODES = {"month": "invalid_month", "day": "invalid_date"}
"""The problem code of a path parameter that does not fit (the rules' own codes)."""

MonthPath: TypeAlias = Annotated[
    str, PathParameter(pattern=MONTH_PATTERN, description="The month, YYYY-MM.")
]
DayPath: TypeAlias = Annotated[
    str, PathParameter(pattern=DAY_PATTERN, description="A day of that month, YYYY-MM-DD.")
]
MilestonePosition: TypeAlias = Annotated[
    int, PathParameter(ge=0, le=49, description="The milestone's position in its mission.")
]
InvitationToken: TypeAlias = Annotated[
    str,
    PathParameter(
        pattern=r"^[A-Za-z0-9_-]+$", max_length=200, description="The invitation link's token."
    ),
]
