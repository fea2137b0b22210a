"""A simulated phone: the client side of the sync protocol, as the PWA implements it.

It keeps confirmed state (`base`), a queue of pending mutations, the rejected ones, a cookie and
a hybrid logical clock with its own skew. `sync()` sends the queue and applies the response the
way the client must: results confirm or move mutations to `rejected`, never drop them; an applied
`set_day` is stored from the queue at the version its result gives (protocol 2 does not send it
back), a result's `current` day and own month are merged, the pulled days and months merge by
version into the base; `recv` of the server's clock keeps later edits ahead.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sync.hlc import Hlc, recv, tick
from sync.protocol import PROTOCOL_VERSION

Transport = Callable[[dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]]


class Lost(Exception):
    """The request or its response was lost on the network."""


@dataclass
class Device:
    name: str
    skew_ms: int = 0
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    next_id: int = 1
    pending: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    days: dict[str, dict[str, Any]] = field(default_factory=dict)
    months: dict[str, dict[str, Any]] = field(default_factory=dict)
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    cookie: dict[str, Any] | None = None
    clock: Hlc | None = None
    acked_through: int = 0
    server_time_ms: int | None = None

    @property
    def node(self) -> str:
        return self.client_id.replace("-", "")[:16]

    def _stamp(self, now_ms: int) -> str:
        self.clock = tick(local=self.clock, now_ms=now_ms + self.skew_ms, node=self.node)
        return self.clock.encode()

    def epoch_of(self, month: str) -> int:
        return int(self.months.get(month, {}).get("epoch", 0))

    def version_seen(self) -> int:
        return int(self.cookie["v"]) if self.cookie else 0

    def edit(self, date: str, lines: list[tuple[str, int]], now_ms: int, comment: str = "") -> int:
        """Queue a day edit, as the app does in the same IndexedDB transaction as the UI."""
        mutation = {
            "id": self.next_id,
            "name": "set_day",
            "args": {
                "date": date,
                "epoch": self.epoch_of(date[:7]),
                # In canonical order, as the app queues it (the server stores it so).
                "lines": [{"line": line, "half_days": half} for line, half in sorted(lines)],
                "comment": comment,
                "hlc": self._stamp(now_ms),
                "base_v": self.version_seen(),
            },
        }
        self.pending.append(mutation)
        self.next_id += 1
        return int(mutation["id"])

    def submit(self, month: str) -> int:
        mutation = {
            "id": self.next_id,
            "name": "submit_month",
            "args": {
                "month": month,
                "epoch": self.epoch_of(month),
                "reviewed_version": self.version_seen(),
            },
        }
        self.pending.append(mutation)
        self.next_id += 1
        return int(mutation["id"])

    def withdraw(self, month: str, version: int) -> int:
        """Queue the consultant's ``withdraw_month`` of a month they read at ``version``."""
        self.pending.append(
            {
                "id": self.next_id,
                "name": "withdraw_month",
                "args": {"month": month, "version": version},
            }
        )
        self.next_id += 1
        return self.next_id - 1

    def decide(
        self, name: str, consultant_id: str, month: str, version: int, comment: str = ""
    ) -> int:
        """Queue an approver's ``approve_month`` or ``send_back_month`` on a month they read."""
        args: dict[str, Any] = {"consultant_id": consultant_id, "month": month, "version": version}
        if name == "send_back_month":
            args["comment"] = comment
        self.pending.append({"id": self.next_id, "name": name, "args": args})
        self.next_id += 1
        return self.next_id - 1

    def request(self, limit: int = 500) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "client_id": self.client_id,
            "cookie": self.cookie,
            "ack_through": self.acked_through,
            "mutations": self.pending[:100],
            "limit": limit,
        }

    async def sync(
        self, transport: Transport, *, limit: int = 500, now_ms: int = 0
    ) -> dict[str, Any]:
        """One round trip; raises Lost, or returns the response after applying it."""
        status, body = await transport(self.request(limit))
        if status != 200:
            return {"status": status, **body}
        self.apply(body, now_ms=now_ms)
        while body.get("has_more"):
            status, body = await transport({**self.request(limit), "mutations": []})
            if status != 200:
                return {"status": status, **body}
            self.apply(body, now_ms=now_ms)
        return body

    def apply(self, body: dict[str, Any], *, now_ms: int = 0) -> None:
        by_id = {r["id"]: r for r in body["results"]}
        last = int(body["last_mutation_id"])
        kept = []
        answered = []
        for mutation in self.pending:
            result = by_id.get(mutation["id"])
            if result is not None:
                self.results[mutation["id"]] = result
                answered.append((mutation, result))
                if result["status"] == "rejected":
                    # Never dropped: kept with its values so the person can see and redo it.
                    self.rejected.append({**mutation, "result": result})
            if mutation["id"] > last:
                kept.append(mutation)
        self.pending = kept
        self.acked_through = last
        if body["reset"]:
            self.days, self.months = {}, {}
        for day in body["days"]:
            self._merge(self.days, day["date"], day)
        for month in body["months"]:
            self._merge(self.months, month["month"], month)
        for mutation, result in answered:
            args = mutation["args"]
            applied = result["status"] == "applied" and result.get("version") is not None
            if mutation["name"] == "set_day" and applied:
                own = {
                    "date": args["date"],
                    "lines": args["lines"],
                    "comment": args["comment"],
                    "hlc": result["hlc"],
                    "version": result["version"],
                    "by_client": self.client_id,
                }
                self._merge(self.days, args["date"], own)
            if result.get("current"):
                self._merge(self.days, result["current"]["date"], result["current"])
            own_month = mutation["name"] in ("set_day", "submit_month", "withdraw_month")
            if result.get("month") and own_month:
                self._merge(self.months, result["month"]["month"], result["month"])
        self.overwrites.extend(body["overwrites"])
        self.cookie = body["cookie"]
        self.server_time_ms = body["server_time_ms"]
        self.clock = recv(
            local=self.clock,
            remote=Hlc.parse(body["server_hlc"]),
            now_ms=now_ms + self.skew_ms,
            node=self.node,
        )

    @staticmethod
    def _merge(into: dict[str, dict[str, Any]], key: str, row: dict[str, Any]) -> None:
        """Keep the row of the larger version (a page, a result and the queue may all speak of
        one row; an equal version is the same write, the later one in the response wins)."""
        current = into.get(key)
        if current is None or row["version"] >= current["version"]:
            into[key] = row

    def shown(self) -> dict[str, list[tuple[str, int]]]:
        """Confirmed days as the app would show them once the queue is empty."""
        return {
            date: sorted((v["line"], v["half_days"]) for v in day["lines"])
            for date, day in self.days.items()
            if day["lines"] or day["comment"]
        }
