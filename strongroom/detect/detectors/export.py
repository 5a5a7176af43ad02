"""Bulk exports: by someone whose role never exports, or far larger than the role's exports.

Exports are rare and lumpy (a supervisor's weekly list of 10 to 60 customers), so a count per
window says little; what does is who exports and how much at once. A role is taken to never
export once its other members have worked `SHIFTS_TO_KNOW` shifts (eight-hour windows of
activity) without one: by then an honest rate of even 1 % of shifts would have shown. A role
that does export has each export's size judged against the sizes its other members export
(the learned `Baseline`, per export).
"""

from __future__ import annotations

from strongroom.detect.alert import Alert
from strongroom.detect.baseline import Baseline, score
from strongroom.detect.context import Context
from strongroom.detect.events import Event, iso

SHIFT = 8 * 3600.0
SHIFTS_TO_KNOW = 300


class ExportDetector:
    def __init__(self) -> None:
        self.shifts: dict[str, int] = {}  # role -> shifts worked by its members
        self.by_actor: dict[str, tuple[str, int, int]] = {}  # actor -> role, shifts, exports
        self.exporters: dict[str, set[str]] = {}  # role -> actors who exported
        self.sizes = Baseline()
        self._bucket: dict[str, int] = {}

    def observe(self, e: Event, ctx: Context) -> list[Alert]:
        a = ctx.assignment(e.actor)
        role = a.role if a is not None else e.role
        b = int(e.ts // SHIFT)
        if self._bucket.get(e.actor) != b:
            self._bucket[e.actor] = b
            self.shifts[role] = self.shifts.get(role, 0) + 1
            _, n, x = self.by_actor.get(e.actor, (role, 0, 0))
            self.by_actor[e.actor] = (role, n + 1, x)
        if e.action != "record.export" or e.outcome != "allowed":
            return []
        size = max(e.count, 1)
        others = self.exporters.setdefault(role, set()) - {e.actor}
        _, own_shifts, _ = self.by_actor[e.actor]
        worked = self.shifts[role] - own_shifts
        out: list[Alert] = []
        if not others and worked >= SHIFTS_TO_KNOW:
            text = (
                f"{size} records exported at {iso(e.ts)} by a {role}; no other {role} has "
                f"exported in {worked} shifts worked (the role's baseline: it never exports)"
            )
            out.append(
                Alert(e.actor, e.ts, e.ts, "pre_departure_export", 0.95, text, (e.ref,), e.tenant)
            )
        elif others:
            groups = ((role,),)
            j = self.sizes.judge(e.actor, groups, size)
            if j is not None:
                text = (
                    f"{size} records exported at {iso(e.ts)}; {j.compared('records an export')}"
                    f"; chance under the baseline {j.p:.1e}"
                )
                out.append(
                    Alert(
                        e.actor,
                        e.ts,
                        e.ts,
                        "pre_departure_export",
                        score(j.p),
                        text,
                        (e.ref,),
                        e.tenant,
                    )
                )
        if not out:
            self.sizes.add_peers(e.actor, ((role,),), size)
            self.sizes.add_own(e.actor, size)
            self.exporters[role].add(e.actor)
        return out

    def finish(self, ctx: Context) -> list[Alert]:
        return []
