"""``gridpatrol bench coverage --quick`` runs, and old and new agree on every count."""

from __future__ import annotations

from api.bench.coverage import run


def test_bench_coverage_quick_runs_and_agrees() -> None:
    result = run(quick=True)
    assert result["sites"] == 200 and result["visits"] == 4000
    for by in ("mine", "grid"):
        figures = result["by"][by]
        assert figures["agree_visits_total"] is True
        assert figures["visits_counted"] > 1000
        assert figures["new_store"]["best_s"] > 0 and figures["old_store"]["best_s"] > 0
