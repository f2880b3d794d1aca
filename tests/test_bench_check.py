"""``make bench-check``'s verdict and its reading of callgrind's dumps (the counting itself runs under
valgrind for minutes: ``python -m bench.check``; the README shows its spread and a +30 % run failing)."""

import json

from bench import callgrind, check


def _fake(per_decision: float, per_bare: float = 3.5e6):
    def measure_once(**_kw) -> dict:
        return {"ir_per_decision": per_decision, "ir_per_decision_with_idle": per_decision * 1.05,
                "ir_per_bare_request": per_bare, "ratio_to_bare": per_decision / per_bare, "wall_s": 1.0,
                "n": 20, "flags": 12, "bare_n": 50, "burn_iterations_per_decision": 0, "idle_ir_per_s": 900_000}
    return measure_once


def test_a_thirty_percent_regression_fails_and_an_unchanged_path_passes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(check, "BASELINE", tmp_path / "baseline.json")
    monkeypatch.setattr(check, "measure_once", _fake(300e6))
    assert check.main(["--update"]) == 0
    recorded = json.loads((tmp_path / "baseline.json").read_text())
    assert recorded["method"] == check.METHOD and recorded["instructions_per_decision"] == 300_000_000
    monkeypatch.setattr(check, "measure_once", _fake(300e6 * 1.01))
    assert check.main([]) == 0 and "PASS" in capsys.readouterr().out
    monkeypatch.setattr(check, "measure_once", _fake(300e6 * 1.30))
    assert check.main([]) == 1 and "FAIL" in capsys.readouterr().out
    monkeypatch.setattr(check, "measure_once", _fake(300e6 * 0.5))
    assert check.main([]) == 0 and "--update" in capsys.readouterr().out  # cheaper: says how to record it


def test_a_baseline_of_another_method_is_not_compared(tmp_path, monkeypatch):
    old = {"cpu_ratio_decision_to_bare_request": 26.61, "cpu_ms_per_decision": 117.09}
    (tmp_path / "baseline.json").write_text(json.dumps(old))
    monkeypatch.setattr(check, "BASELINE", tmp_path / "baseline.json")
    monkeypatch.setattr(check, "measure_once", _fake(300e6))
    assert check.main([]) == 0
    assert json.loads((tmp_path / "baseline.json").read_text())["method"] == check.METHOD


def test_dumps_are_read_by_their_client_request_label(tmp_path):
    (tmp_path / "cg.7.1").write_text("version: 1\ndesc: Trigger: Client Request: decisions\nevents: Ir\n"
                                     "summary: 123\ntotals: 123456\n")
    (tmp_path / "cg.7").write_text("desc: Trigger: Program termination\ntotals: 9\n")
    assert callgrind.read_dumps(tmp_path) == {"decisions": 123456}
