"""Web Push subscriptions, notification preferences and the organisation's reminder settings."""

from typing import Annotated, Literal

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server.api.deps import AccountsDep, SessionDep
from server.api.schemas import StrictBool
from server.domain.reminders import MAX_DAYS_BEFORE_CLOSE, MAX_RELANCE_EVERY, Kind, ReminderPolicy
from server.services import notifications
from sync.wire import Count, Printable, Whole


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: Annotated[str, StringConstraints(max_length=200), Printable]
    auth: Annotated[str, StringConstraints(max_length=100), Printable]


class SubscriptionIn(BaseModel):
    """A browser's `PushSubscription.toJSON()`."""

    model_config = ConfigDict(extra="ignore")

    endpoint: Annotated[str, StringConstraints(max_length=1024), Printable]
    keys: PushKeys
    expirationTime: Count | None = None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str
    devices: Count


class VapidKeyOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key: str = Field(description="applicationServerKey: base64url uncompressed P-256.")


class PreferencesIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal["fr", "en"]
    muted: list[Kind] = Field(default_factory=list, max_length=10)


class ReminderSettingsIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days_before_close: Annotated[int, Whole(ge=0, le=MAX_DAYS_BEFORE_CLOSE)] = Field(
        description="N working days before month close."
    )
    relance_every: Annotated[int, Whole(ge=1, le=MAX_RELANCE_EVERY)] = Field(
        description="M working days between relances."
    )
    send_hour: Annotated[int, Whole(ge=0, le=23)] = Field(
        description="Local hour reminders go out at."
    )
    time_zone: Annotated[str, StringConstraints(max_length=64), Printable] = Field(
        description="IANA time zone."
    )
    send_on_non_working_days: StrictBool = False


def _settings_out(policy: ReminderPolicy) -> ReminderSettingsIO:
    return ReminderSettingsIO(
        days_before_close=policy.days_before_close,
        relance_every=policy.relance_every,
        send_hour=policy.send_hour,
        time_zone=policy.time_zone,
        send_on_non_working_days=policy.send_on_non_working_days,
    )


def push_controller(public_key: str) -> type[Controller]:
    """The push controller, serving this server's VAPID public key."""

    class PushController(Controller):
        path = "/push"
        tags = ["notifications"]

        @get("/vapid-public-key", operation_id="vapidPublicKey")
        async def vapid_public_key(self) -> VapidKeyOut:
            return VapidKeyOut(public_key=public_key)

        @post("/subscriptions", operation_id="subscribePush", status_code=HTTP_201_CREATED)
        async def subscribe(
            self, data: JSONBody[SubscriptionIn], session: SessionDep, accounts: AccountsDep
        ) -> SubscriptionOut:
            await notifications.subscribe(
                session.actor,
                endpoint=data.endpoint,
                p256dh=data.keys.p256dh,
                auth=data.keys.auth,
                settings=accounts.settings,
            )
            devices = await notifications.device_count(session.actor)
            return SubscriptionOut(endpoint=data.endpoint, devices=devices)

        @delete("/subscriptions", operation_id="unsubscribePush", status_code=HTTP_200_OK)
        async def unsubscribe(
            self,
            session: SessionDep,
            endpoint: Annotated[str, QueryParameter(max_length=1024)],
        ) -> SubscriptionOut:
            await notifications.unsubscribe(session.actor, endpoint=endpoint)
            devices = await notifications.device_count(session.actor)
            return SubscriptionOut(endpoint=endpoint, devices=devices)

    return PushController


class NotificationSettingsController(Controller):
    path = "/"
    tags = ["notifications"]

    @get("/me/notification-preferences", operation_id="notificationPreferences")
    async def preferences(self, session: SessionDep) -> PreferencesIO:
        language, muted = await notifications.preferences(session.actor)
        return PreferencesIO.model_validate({"language": language, "muted": muted})

    @put("/me/notification-preferences", operation_id="setNotificationPreferences")
    async def set_preferences(
        self, data: JSONBody[PreferencesIO], session: SessionDep
    ) -> PreferencesIO:
        language, muted = await notifications.set_preferences(
            session.actor, language=data.language, muted=[kind.value for kind in data.muted]
        )
        return PreferencesIO.model_validate({"language": language, "muted": muted})

    @get("/organisation/reminder-settings", operation_id="reminderSettings")
    async def reminder_settings(self, session: SessionDep) -> ReminderSettingsIO:
        return _settings_out(await notifications.reminder_policy(session.actor))

    @put("/organisation/reminder-settings", operation_id="setReminderSettings")
    async def set_reminder_settings(
        self, data: JSONBody[ReminderSettingsIO], session: SessionDep
    ) -> ReminderSettingsIO:
        policy = await notifications.set_reminder_policy(
            session.actor, policy=ReminderPolicy(**data.model_dump())
        )
        return _settings_out(policy)
