"""The results' tables where a steady rate could not be measured: "—" with why, and no verdict built on it."""

from bench.arrivals import Steady
from bench.processes import Run
from bench.report import Case, floor_shares, markdown, ratios


def case(key: str, title: str, seconds: float, steady: Steady) -> Case:
    run = Run(records=10_001, seconds=seconds, cpu_seconds=1.0, peak_rss_mb=100.0, requests=11,
              sandbox_cpu_seconds=0.1, first_record_seconds=seconds / 2, steady=steady)
    return Case(key, title, [run])


def test_a_steady_rate_too_short_to_measure_leaves_its_ratios_without_a_verdict():
    cases = {"generic": case("generic", "ours", 2.0, Steady(10_000, 0.06, 0.06)),
             "generic_limit": case("generic_limit", "limit", 0.5, Steady(9_000, 0.3, 0.01)),
             "floor_generic": case("floor_generic", "floor", 1.9, Steady(10_000, 0.5, 0.1))}
    (ratio,) = ratios(cases, [])
    assert ratio.value == (10_001 / 2.0) / (10_001 / 0.5) and ratio.steady is None and ratio.steady_met is None
    assert dict((what, steady) for what, _, steady in floor_shares(cases)) == {
        "generic time_entries: ours ÷ CDK floor (1 when our own code costs nothing)": None,
        "generic: CDK floor ÷ parse-only limit (the most a CDK source reaches)": (10_000 / 0.5) / (9_000 / 0.3)}
    text = markdown(list(cases.values()), [ratio], "heading", "make bench")
    assert "| ours | 10,001 | 2.00 | 5,000 | 1.00 | — (0.06 s, wait 0.06 s) |" in text
    assert "| limit | 10,001 | 0.50 | 20,002 | 0.25 | 30,000 |" in text
    assert "| 0.250 | — | ≥ 0.40 | no | not measurable at this scale |" in text
