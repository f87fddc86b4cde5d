"""A fix's plain-language explanation in the active language, written from its stored reasons.

The engine stores structured reasons (``Fix.reasons``, see ``gis.priority.fixes``) and an English
sentence (``Fix.explanation``, kept for the exports, beside the place's name and id columns).
Pages and the API show these translated lines instead (:func:`explanation`), each naming its
evidence: which reports, which lux readings, which lamps, which plants, and the place by its
name, not its id.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gis.core import storedjson
from gis.fixes.models import Fix
from layers import naming

MAX_IDS = 12
VERDICTS = {
    "dark": gettext_lazy("dark"),
    "under_lit": gettext_lazy("under-lit"),
    "ok": gettext_lazy("adequately lit"),
    "unknown": gettext_lazy("unknown"),
}
LIGHTING_CAUSES = {
    "osm_lit_no": gettext_lazy("mapped as unlit (lit=no)"),
    "osm_lit_limited": gettext_lazy("lit only part of the night (lit=limited)"),
    "no_working_lamps": gettext_lazy("no working lamp along it"),
    "lamp_gap": gettext_lazy("too long a gap between working lamps"),
    "broken_lamps": gettext_lazy("a broken lamp on it"),
}
COVARIATES = {
    "under_lit": gettext_lazy("dark or under-lit path"),
    "vegetation": gettext_lazy("sightline-blocking vegetation"),
    "camera_coverage": gettext_lazy("camera coverage"),
    "log_footfall": gettext_lazy("footfall (log)"),
}


def number(value: object, decimals: int = 2) -> str:
    """A number in the active locale's format; a dash when missing (or not a number)."""
    found = storedjson.number({"v": value}, "v")
    if found is None:
        return "–"
    return number_format(round(found, decimals), decimal_pos=decimals)


def ids(values: list | None) -> str:
    """Up to ``MAX_IDS`` ids, then how many more."""
    values = [v for v in values if isinstance(v, int | str)] if isinstance(values, list) else []
    shown = ", ".join(str(v) for v in values[:MAX_IDS])
    if len(values) > MAX_IDS:
        shown += " " + _("and %(n)d more") % {"n": len(values) - MAX_IDS}
    return shown


def reason(fix: Fix, code: str) -> storedjson.StoredRecord | None:
    """The stored reason with ``code``, or None. Reasons an older version stored may lack
    keys: a missing key reads as None (see :mod:`gis.core.storedjson`)."""
    return next((r for r in storedjson.records(fix.reasons) if r["code"] == code), None)


def _label(labels: dict, key: object) -> str:
    """The label of `key` in `labels`, else `key` itself as text ("–" when missing)."""
    if not isinstance(key, str):
        return "–" if key is None else str(key)
    return str(labels.get(key, key))


def covariate_label(code: object) -> str:
    """A Risk Terrain Model covariate in words (its code when unknown, "–" when missing)."""
    return _label(COVARIATES, code)


def place_label(fix: Fix) -> str:
    """The place in words, as people name it (:mod:`layers.naming`): "Mannerheimintie 12–20",
    "Gångväg vid Töölönlahden puisto"; the place's id is not part of it (see
    :func:`place_reference`)."""
    if fix.segment_id:
        return naming.segment_name(fix.segment)
    if fix.green_area_id:
        return naming.green_area_name(fix.green_area)
    if fix.property_id:
        return str(fix.property)
    return "–"


def place_kind(fix: Fix) -> str:
    """What kind of record the place is: "segment", "green_area", "property" (or "" for none)."""
    if fix.segment_id:
        return "segment"
    if fix.green_area_id:
        return "green_area"
    return "property" if fix.property_id else ""


def place_id(fix: Fix) -> int | None:
    """The id of the place's record (see :func:`place_kind`), or None."""
    return fix.segment_id or fix.green_area_id or fix.property_id


def place_reference(fix: Fix) -> str:
    """Which record the place is, for the details: "street segment 2808", "green area 4"."""
    if fix.segment_id:
        return _("street segment %(id)d") % {"id": fix.segment_id}
    if fix.green_area_id:
        return _("green area %(id)d") % {"id": fix.green_area_id}
    if fix.property_id:
        return _("municipal property %(id)d") % {"id": fix.property_id}
    return "–"


def headline(fix: Fix) -> str:
    """What to do where, e.g. "Repair lamps: Mannerheimintie 12–20"."""
    return _("%(action)s: %(place)s") % {
        "action": fix.get_fix_type_display(),
        "place": place_label(fix),
    }


def rank(fix: Fix) -> int | None:
    """The fix's rank (1 = best), or None for an unranked fix: one the latest ranking no longer
    proposes, and a stored 0, which no ranking gives. Pages show None as "–", the API and the
    exports as null / an empty cell; "#0" is never shown."""
    return fix.rank if fix.rank else None


def ranked_headline(fix: Fix) -> str:
    """The headline after the fix's rank, e.g. "#3 Repair lamps: Mannerheimintie 12–20"."""
    return f"#{rank(fix)} {headline(fix)}" if rank(fix) is not None else headline(fix)


def evidence_lines(fix: Fix) -> list[str]:
    """The explanation as short translated sentences, evidence first, score last."""
    lines = []
    rep = reason(fix, "reports")
    if rep:
        lines.append(
            _(
                "%(reports)s relevant reports, %(night)s of them in the evening or at night "
                "(weighted demand %(demand)s)."
            )
            % {
                "reports": number(rep["reports"], 1),
                "night": number(rep["night_reports"], 1),
                "demand": number(rep["relevant_demand"]),
            }
        )
        for field, label in (
            ("pin_ids", _("Resident pins")),
            ("finding_ids", _("Walk findings")),
            ("incident_ids", _("Incidents")),
        ):
            if rep.get(field):
                lines.append(f"{label}: {ids(rep[field])}.")
    else:
        lines.append(_no_reports_line(fix))
    light = reason(fix, "lighting")
    if light:
        lines.append(_lighting_line(light))
    gap = reason(fix, "lamp_gap")
    if gap:
        lines.append(
            _("Largest gap between working lamps %(gap)s m (limit %(limit)s m).")
            % {"gap": number(gap["gap_m"], 0), "limit": number(gap["threshold_m"], 0)}
        )
    broken = reason(fix, "broken_lamps")
    if broken:
        lines.append(
            ngettext(
                "%(count)d broken lamp: %(ids)s.",
                "%(count)d broken lamps: %(ids)s.",
                storedjson.whole(broken, "count"),
            )
            % {"count": storedjson.whole(broken, "count"), "ids": ids(broken["lamp_ids"])}
        )
    veg = reason(fix, "vegetation")
    if veg and veg.get("flagged"):
        lines.append(
            ngettext(
                "%(count)d plant blocks the sightline within %(buffer)s m: %(ids)s.",
                "%(count)d plants block the sightline within %(buffer)s m: %(ids)s.",
                storedjson.whole(veg, "flagged"),
            )
            % {
                "count": storedjson.whole(veg, "flagged"),
                "buffer": number(veg["buffer_m"], 0),
                "ids": ids(veg["vegetation_ids"]),
            }
        )
    lines.extend(_property_lines(fix))
    park = reason(fix, "in_green_area")
    if park and fix.segment_id:
        lines.append(
            _("In the green area %(name)s.") % {"name": park.get("name") or park["green_area_id"]}
        )
    lines.extend(_score_lines(fix))
    return lines


def explanation(fix: Fix) -> str:
    """The whole explanation as one text in the active language (Swedish or English): the
    headline with the place's name, then the evidence lines. What the API gives as
    ``explanation``; the engine's English sentence (``Fix.explanation``, which names places by
    their ids) stays in the database and the exports."""
    return " ".join([f"{headline(fix)}.", *evidence_lines(fix)])


def _no_reports_line(fix: Fix) -> str:
    """Why no report counts, consistent with the pins the fix answers: once a fix is done (or
    taken up), the reports it answers no longer count in a new ranking (gis.fixes.persist), yet
    stay linked to it; the page says both without contradicting itself."""
    answered = getattr(fix, "pin_count", None)  # annotated by the list views
    if answered is None:
        answered = fix.pins.count() if fix.pk else 0
    if not answered:
        return _("No relevant reports yet.")
    return ngettext(
        "No new relevant reports: the %(n)d resident pin this fix answers no longer counts.",
        "No new relevant reports: the %(n)d resident pins this fix answers no longer count.",
        answered,
    ) % {"n": answered}


def _lighting_line(light: dict) -> str:
    verdict = _label(VERDICTS, light["verdict"])
    if light["lux_n"]:
        return _(
            "%(verdict)s: mean %(mean)s lux, lowest %(min)s lux in readings %(ids)s; EN 13201 "
            "class %(cls)s asks for %(avg_req)s lux on average and %(min_req)s lux at least."
        ) % {
            "verdict": str(verdict).capitalize(),
            "mean": number(light["lux_mean"], 1),
            "min": number(light["lux_min"], 1),
            "ids": ids(light["reading_ids"]),
            "cls": light["en13201_class"] or "–",
            "avg_req": number(light["required_avg_lux"], 1),
            "min_req": number(light["required_min_lux"], 1),
        }
    codes = storedjson.value(light, "reason_codes", default=[], kind=list)
    causes = [
        _label(LIGHTING_CAUSES, c) for c in codes if isinstance(c, str) and c in LIGHTING_CAUSES
    ]
    return _("%(verdict)s without lux readings: %(causes)s (EN 13201 class %(cls)s).") % {
        "verdict": str(verdict).capitalize(),
        "causes": ", ".join(causes) or _("lamp evidence"),
        "cls": light["en13201_class"] or "–",
    }


def _property_lines(fix: Fix) -> list[str]:
    """The lamps around a property and its night incidents (gis.priority.properties)."""
    lines = []
    lamps = reason(fix, "lamps_around")
    if lamps:
        lines.append(
            _(
                "%(working)d working and %(broken)d broken lamps within %(radius)s m of the "
                "property (at least %(min)d working lamps wanted)."
            )
            % {
                "working": storedjson.whole(lamps, "working"),
                "broken": storedjson.whole(lamps, "broken"),
                "radius": number(lamps["radius_m"], 0),
                "min": storedjson.whole(lamps, "min_lamps"),
            }
        )
    night = reason(fix, "night_incidents")
    if night:
        lines.append(
            ngettext(
                "%(count)d incident at night at the property (an alarm from %(threshold)d).",
                "%(count)d incidents at night at the property (an alarm from %(threshold)d).",
                storedjson.whole(night, "count"),
            )
            % {
                "count": storedjson.whole(night, "count"),
                "threshold": storedjson.whole(night, "threshold"),
            }
        )
    return lines


def _score_lines(fix: Fix) -> list[str]:
    lines = []
    risk = reason(fix, "relative_risk")
    if risk:
        covariate = covariate_label(risk["covariate"])
        if storedjson.number(risk, "relative_risk") is None:
            text = _("The Risk Terrain Model could not estimate the risk of %(cov)s.")
            lines.append(text % {"cov": covariate})
        else:
            text = _(
                "Risk Terrain Model: evening and night reports are %(rr)s times as frequent "
                "with %(cov)s (p %(p)s); the score uses %(used)s."
            )
            lines.append(
                text
                % {
                    "rr": number(risk["relative_risk"]),
                    "cov": covariate,
                    "p": _p_value(storedjson.number(risk, "p_value")),
                    "used": number(risk["used"]),
                }
            )
    score = reason(fix, "score")
    foot = reason(fix, "footfall")
    if score and foot:
        lines.append(
            _(
                "Score %(score)s = demand %(demand)s × footfall factor %(factor)s (footfall "
                "%(footfall)s) × relative risk %(rr)s ÷ cost class %(cost)d."
            )
            % {
                "score": number(score["score"]),
                "demand": number(score["demand"]),
                "factor": number(score["footfall_factor"]),
                "footfall": number(foot["footfall"]),
                "rr": number(score["relative_risk"]),
                "cost": storedjson.whole(score, "cost_class"),
            }
        )
    elif score and reason(fix, "property"):
        lines.append(
            _("Score %(score)s = demand %(demand)s ÷ cost class %(cost)d.")
            % {
                "score": number(score["score"]),
                "demand": number(score["demand"]),
                "cost": storedjson.whole(score, "cost_class"),
            }
        )
    return lines


def _p_value(p: float | None) -> str:
    """The p-value with its relation sign: "< 0,001", "= 0,012" or "= –" when unknown."""
    if p is None:
        return "= –"
    return "< " + number(0.001, 3) if p < 0.001 else "= " + number(p, 3)
