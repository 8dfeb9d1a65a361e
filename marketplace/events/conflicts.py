"""Live conflict warnings for a hand-edited schedule: what a manual move broke, in words."""

from __future__ import annotations

from itertools import combinations

from flask_babel import gettext as _

from marketplace.events.grid import clock
from marketplace.scheduling.model import Instance, Placement


def conflicts(instance: Instance, placements: list[Placement]) -> list[str]:
    """Every hard rule the placements break, one translated sentence each (empty when all is well)."""
    found: list[str] = []
    by_id = {p.pitch_id: p for p in placements}
    spans = {}

    def when(slot: int) -> str:
        s = instance.slots[slot]
        return _("day %(day)s %(time)s", day=s.day + 1, time=clock(s.start_minute))

    for pid, placed in by_id.items():
        pitch = instance.pitch_by_id.get(pid)
        if pitch is None:
            continue
        need = instance.need_by_id[pitch.need_id]
        covered = instance.covered(placed.start, instance.length(pitch))
        if covered is None:
            found.append(_("%(startup)s (%(need)s) at %(when)s runs into a break or the end of the day.",
                           startup=pitch.startup_name, need=need.name, when=when(placed.start)))
            continue
        spans[pid] = set(covered)
        if instance.panel_unavailable(pitch.need_id) & spans[pid]:
            found.append(_("The panel of %(need)s is away when %(startup)s pitches at %(when)s.",
                           need=need.name, startup=pitch.startup_name, when=when(placed.start)))
        if instance.startup_unavailable.get(pitch.startup_id, frozenset()) & spans[pid]:
            found.append(_("%(startup)s is away at %(when)s.", startup=pitch.startup_name, when=when(placed.start)))
    for a, b in combinations(sorted(spans), 2):
        pa, pb = instance.pitch_by_id[a], instance.pitch_by_id[b]
        overlap = spans[a] & spans[b]
        names = {"first": pa.startup_name, "second": pb.startup_name}
        if overlap and by_id[a].room == by_id[b].room:
            found.append(_("%(first)s and %(second)s are both in %(room)s at %(when)s.", **names,
                           room=instance.rooms[by_id[a].room], when=when(min(overlap))))
        judges = set(instance.need_by_id[pa.need_id].panel) & set(instance.need_by_id[pb.need_id].panel)
        if overlap and judges and by_id[a].room != by_id[b].room:
            found.append(_("A panel would be in two rooms at %(when)s: %(first)s and %(second)s.", **names,
                           when=when(min(overlap))))
        if pa.startup_id == pb.startup_id and instance.too_close(by_id[a].start, instance.length(pa),
                                                                 by_id[b].start, instance.length(pb)):
            found.append(_("%(startup)s has two pitches too close together (%(first_when)s and %(second_when)s).",
                           startup=pa.startup_name, first_when=when(by_id[a].start), second_when=when(by_id[b].start)))
    return found
