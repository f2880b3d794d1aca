"""Pure parts of the checklist: the bundled data's rows, their validation, and condition evaluation."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from services.checklist import loader
from services.checklist.no_penalty.rules import evaluate
from services.checklist.search import like_pattern

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def test_bundled_data_builds_valid_rows():
    guidance = loader.bundled_guidance_items()
    assert len(guidance) == loader.read_data(loader.GUIDANCE_FILE)["meta"]["item_count"]
    assert all(i.compiled is True and i.batch == loader.STARTER_BATCH and i.verified is None for i in guidance)
    # the search text holds each searchable part, lower-cased
    air = next(i for i in guidance if i.code == "GI-AIR-001")
    assert air.title in air.search_text() and air.advice[0] in air.search_text()
    assert "vocs" in next(i for i in guidance if i.code == "GI-AIR-003").search_text()
    assert all(b.law and b.article and b.role for b in air.legal_basis)

    no_penalty = loader.bundled_no_penalty_rows(NOW)
    assert {r["code"] for r in no_penalty if r["kind"] == "statutory"} == {
        "APL33.minor_corrected_no_harm",
        "APL33.first_offence_minor_harm",
        "APL33.no_subjective_fault",
    }
    assert all(r["verified"] is False for r in no_penalty if r["kind"] == "list")
    assert {r["code"]: r["discretionary"] for r in no_penalty} == {
        "APL33.minor_corrected_no_harm": False,
        "APL33.first_offence_minor_harm": True,
        "APL33.no_subjective_fault": False,
        "NP-EX-001": False,
        "NP-EX-002": True,
    }


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "item_count"),
        (
            lambda d: (d["items"].append(copy.deepcopy(d["items"][0])), d["meta"].update(item_count=36)),
            "also on row 1",
        ),
        (lambda d: d["items"][0].update(risk_level="severe"), "risk_level"),
        (lambda d: d["items"][0].update(penalty_basis=[]), "no penalty basis"),
        (lambda d: d["items"][0]["obligation_basis"][0].pop("article"), "article"),
        (lambda d: d["items"][0].update(title=""), "title"),
    ],
)
def test_guidance_data_is_validated(mutate, message):
    doc = copy.deepcopy(loader.read_data(loader.GUIDANCE_FILE))
    mutate(doc)
    with pytest.raises(loader.DataError, match=message):
        loader.guidance_items(doc)


def test_no_penalty_data_is_validated():
    doc = copy.deepcopy(loader.read_data(loader.STATUTORY_FILE))
    doc["article_33"]["grounds"][0]["modality"] = "should"
    with pytest.raises(loader.DataError, match="modality"):
        loader.statutory_rows(doc, now=NOW)
    doc = copy.deepcopy(loader.read_data(loader.EXAMPLE_LIST_FILE))
    doc["items"][0]["conditions"].append(dict(doc["items"][0]["conditions"][0]))
    with pytest.raises(loader.DataError, match="twice"):
        loader.list_rows(doc, now=NOW)
    doc = copy.deepcopy(loader.read_data(loader.EXAMPLE_LIST_FILE))
    del doc["items"][1]["verified"]
    with pytest.raises(loader.DataError, match="verified"):
        loader.list_rows(doc, now=NOW)


def test_evaluate_never_assumes_a_missing_fact():
    conds = [{"key": "a"}, {"key": "b"}, {"key": "c"}]
    assert evaluate(conditions=conds, facts={"a": True, "b": True, "c": True}).eligible
    r = evaluate(conditions=conds, facts={"a": True, "b": False})
    assert (r.eligible, r.met, r.unmet, r.unknown) == (False, ["a"], ["b"], ["c"])
    r = evaluate(conditions=conds, exceptions=[{"key": "x"}], facts={"a": True, "b": True, "c": True})
    assert (r.eligible, r.unknown) == (False, ["x"])
    r = evaluate(
        conditions=conds, exceptions=[{"key": "x"}], facts={"a": True, "b": True, "c": True, "x": True}
    )
    assert (r.eligible, r.unmet) == (False, ["x"])


def test_like_pattern_escapes_wildcards():
    assert like_pattern("10%_a\\b") == "%10\\%\\_a\\\\b%"
