"""The summary table at the end of ``python -m bench``: every issue-28 target, per setup, with its same-run
baseline and a verdict only for what was measured under the target's own conditions."""

from bench import report


def _setup(name: str, *, outage_s: float, drain_s: float, half_p99: float) -> dict:
    lat = {"p50_ms": 10.0, "p99_ms": 20.0, "max_ms": 30.0, "n": 10}
    r = {
        "setup": name,
        "decisions": {
            "decisions_per_s": 40.0, "decision_to_flag": lat, "decision_to_flag_light_load": lat,
            "decision_to_flag_half_rate": {**lat, "p99_ms": half_p99, "rate_per_s": 20.0, "fixed_rate": False},
            "backlog_after_outage": {"outage_s": outage_s, "decisions": 100, "rate_per_s": 40.0, "backlog_flags": 60,
                                     "drain_s": drain_s, "drain_flags_per_s": 60 / drain_s},
        },
        "bare_insert": {"requests_per_s": 100.0},
    }
    if name == "postgres-kafka":
        r["raw_kafka"] = {"produce_to_consume": {**lat, "p99_ms": 12.0}}
        r["mock"] = True
    report.evaluate(r)
    return r


def _doc(outage: float, *, kafka_error: bool = False) -> dict:
    kafka = ({"setup": "postgres-kafka", "error": "PostgreSQL not reachable"} if kafka_error
             else _setup("postgres-kafka", outage_s=outage, drain_s=30.0, half_p99=140.0))
    return {
        "args": {"setups": ["sqlite-local", "postgres-kafka"], "outage": outage},
        "setups": [_setup("sqlite-local", outage_s=outage, drain_s=4.0, half_p99=60.0), kafka],
        "suites": [
            {"suite": "cases", "result": {"setups": [
                {"setup": "sqlite-local", "lifecycle": {"per_s": 10.0}, "bare": {"inserts_per_request": 30,
                                                                                  "requests_per_s": 30.0},
                 "target": {"lifecycle_over_bare": 1 / 3, "pass": True}}]}},
            {"suite": "checklist", "result": {"search": [
                {"setup": "sqlite-local", "items": 10_000, "index_p95_ms": 2.5, "like_p95_ms": 120.0},
                {"setup": "postgres-kafka", "items": 10_000, "index_p95_ms": 3.5, "like_p95_ms": 170.0}]}},
        ],
    }


def _rows(text: str) -> dict[tuple[str, str], str]:
    """{(setup, the target's first words): the whole line} of the summary table."""
    out = {}
    for line in text.splitlines()[3:]:
        cells = [c for c in line.split("  ") if c.strip()]
        if len(cells) >= 3:
            out[(cells[0].strip(), cells[1].strip()[:12])] = line
    return out


def test_every_target_is_printed_per_setup_with_its_baseline_and_verdict():
    text = report.summary(_doc(60.0))
    rows = _rows(text)
    for setup in ("sqlite-local", "postgres-kafka"):
        for target in ("decisions → ", "p99 decision", "backlog drai", "full lifecyc", "search p95 ≤"):
            assert any(k == (setup, target) for k in rows), (setup, target, text)
    sq = rows[("sqlite-local", "decisions → ")]
    assert "0.40×" in sq and "bare FastAPI + INSERT 100.0 req/s" in sq and sq.endswith("PASS")
    assert rows[("sqlite-local", "p99 decision")].endswith("MISS")  # 60 ms > 50 ms local
    assert rows[("postgres-kafka", "p99 decision")].endswith("PASS")  # 140 ms <= 150 ms on Kafka
    assert "raw aiokafka p99 12.0 ms" in rows[("postgres-kafka", "p99 decision")]
    assert rows[("sqlite-local", "backlog drai")].endswith("PASS")
    assert rows[("postgres-kafka", "backlog drai")].endswith("MISS")
    assert rows[("sqlite-local", "full lifecyc")].endswith("PASS") and "30 INSERTs: 30.0 req/s" in text
    assert "not run: python -m bench --suites cases --setups postgres-kafka" in rows[("postgres-kafka", "full lifecyc")]
    assert "reads p99 ≤ 300 ms" in text and "python -m bench.load --clients 200 --duration 300 --think 5" in text
    assert report.MOCK_SENTENCE in text


def test_a_size_or_an_outage_not_run_says_so_with_its_command_never_pass():
    text = report.summary(_doc(5.0))
    million = [ln for ln in text.splitlines() if "1,000,000 items" in ln]
    assert len(million) == 2 and all("PASS" not in ln and "MISS" not in ln for ln in million)
    assert all("not run: python -m bench --suites checklist --setups" in ln and "--checklist-items 1000000" in ln
               for ln in million)
    drains = [ln for ln in text.splitlines() if "backlog drain" in ln]
    # a 5 s outage drained in 4 s is not the target's 60 s outage: no PASS, the command that measures it
    assert len(drains) == 2 and all("PASS" not in ln and "--outage 60" in ln for ln in drains)
    ten_k = [ln for ln in text.splitlines() if "10,000 items" in ln]
    assert ten_k[0].endswith("PASS") and ten_k[1].endswith("MISS") and "LIKE scan p95 120.0 ms" in ten_k[0]


def test_a_failed_setup_is_an_error_row_not_a_verdict():
    text = report.summary(_doc(60.0, kafka_error=True))
    kafka = [ln for ln in text.splitlines() if ln.startswith("postgres-kafka") and "PostgreSQL not reachable" in ln]
    assert len(kafka) == 3 and all(ln.endswith("ERROR") for ln in kafka)
    assert "3 ERROR" in text.splitlines()[0]


def test_a_setup_whose_cases_suite_failed_is_an_error_row_beside_the_others_figures():
    doc = _doc(60.0)
    doc["suites"][0]["result"]["errors"] = {"postgres-kafka": "DBAPIError: sorry, too many clients already "
                                                              "(Background on this error at: https://sqlalche.me/e/21/dbapi)"}
    rows = _rows(report.summary(doc))
    assert rows[("sqlite-local", "full lifecyc")].endswith("PASS")
    kafka = rows[("postgres-kafka", "full lifecyc")]
    assert kafka.endswith("ERROR") and "too many clients already" in kafka and "sqlalche.me" not in kafka


def test_a_setup_not_selected_prints_every_target_as_not_run():
    doc = _doc(60.0)
    doc["args"]["setups"] = ["sqlite-local"]
    doc["setups"] = doc["setups"][:1]
    kafka = [ln for ln in report.summary(doc).splitlines() if ln.startswith("postgres-kafka")]
    assert len(kafka) == 6 and "PASS" not in "".join(kafka)
    assert "not run: python -m bench --suites decisions --setups postgres-kafka" in kafka[0]
