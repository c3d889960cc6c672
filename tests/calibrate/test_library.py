"""The calibration library: specs valid, targets only from verified rows, weights from the right rule."""

import csv
import math

import pytest
import yaml

from ketasim.calibrate.library import LIBRARY, TARGETS_CSV, cohorts, library_specs, target_rows
from ketasim.calibrate.targets import fit_targets, reported_sd_median
from ketasim.errors import InputError
from ketasim.trials import compile_plan, load_spec


def test_every_library_spec_compiles_and_every_target_is_a_verified_row():
    rows = target_rows()
    specs = library_specs()
    assert len(specs) >= 8
    sources = set()
    for spec in specs:
        compile_plan(spec)  # cross references resolved, drugs known
        for t in spec.targets:
            assert rows[t.source].verified, t.source
            sources.add(t.source)
    assert len(sources) >= 20
    assert len({rows[s].study for s in sources}) >= 8


def test_a_target_citing_an_unverified_row_is_refused(tmp_path):
    data = yaml.safe_load((LIBRARY / "murrough2013ajp.yaml").read_text())
    data["targets"][0]["source"] = "A05"  # a row of the file marked verified=no
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"murrough2013ajp.targets\[0\].source"):
        library_specs(tmp_path)
    data["targets"][0]["source"] = "Z99"
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="not in the targets file"):
        library_specs(tmp_path)


def test_a_target_citing_a_reference_or_definition_row_is_refused(tmp_path):
    rows = target_rows()
    data = yaml.safe_load((LIBRARY / "murrough2013ajp.yaml").read_text())
    for source in ("P01", "DR03"):  # a pooled analysis (role reference), a definition
        row = rows[source]
        assert row.role != "calibration"
        data["targets"][0]["source"] = source
        (tmp_path / "x.yaml").write_text(yaml.safe_dump(data))
        with pytest.raises(InputError, match=r"murrough2013ajp.targets\[0\].source") as info:
            library_specs(tmp_path)
        if row.verified:
            assert f"role {row.role!r}" in info.value.rule


def test_every_library_target_is_a_calibration_row():
    rows = target_rows()
    assert {rows[t.source].role for s in library_specs() for t in s.targets} == {"calibration"}


def test_specs_sharing_a_cohort_are_grouped_together():
    groups = cohorts(library_specs())
    assert {"zarate2006", "niciu2014", "ibrahim2012", "pennybaker2017"} <= set(groups["nimh"])
    assert "murrough2013bp" in groups["mount-sinai-ketamine-course"]
    assert {"zheng2018", "li2022"} <= set(groups["guangzhou-ketamine"])
    assert groups["daly2018"] == ["daly2018"]  # no cohort: its own group
    assert sorted(i for ids in groups.values() for i in ids) == sorted(s.id for s in library_specs())


def test_unknown_study_is_named():
    with pytest.raises(InputError, match="nosuchstudy"):
        library_specs(only=("nosuchstudy",))


def test_target_values_match_the_file_where_printed_plainly():
    """A target's value appears in its row's value text (sign and % aside), or is a documented count."""
    rows = target_rows()
    with TARGETS_CSV.open(newline="", encoding="utf-8") as fh:
        raw = {r["id"]: r for r in csv.DictReader(fh)}
    # "n (%)" or n/N counts: the spec gives n/N as a percent with one decimal
    derived = {"C02", "DR06", "DR07", "DR12", "DR13", "DR14", "DR20", "P10", "P13"}
    # the other arm's values stand in the row's dispersion field or notes
    elsewhere = {"P11", "P12", "P14", "P15"}
    interpreted = {"G01": 0.0}  # a sentence ("loss of benefit ... by 8 days"); its spec says how it is read
    for spec in library_specs():
        for t in spec.targets:
            if t.source in derived:
                continue
            if t.source in interpreted:
                assert t.value == interpreted[t.source]
                continue
            text = rows[t.source].value.replace("−", "-")
            if t.source in elsewhere:
                text += " " + raw[t.source]["dispersion"] + " " + raw[t.source]["notes"]
            assert f"{abs(t.value):g}" in text.replace("-", ""), (spec.id, t.source, t.value, text)


def test_weights_follow_the_documented_rules():
    specs = library_specs()
    sd = reported_sd_median(specs)
    assert sd is not None and 10 < sd < 15
    by_source = {(f.spec_id, f.source, f.arm): f for s in specs for f in fit_targets(s, sd)}
    se = by_source[("daly2018", "C01-2-pbo", "placebo")]
    assert se.sigma == pytest.approx(1.76) and se.sigma_rule == "reported SE"
    ci = by_source[("murrough2013ajp", "A15", None)]
    assert ci.transform == "log"
    assert ci.sigma == pytest.approx((math.log(4.14) - math.log(1.21)) / (2 * 1.959964), rel=1e-5)
    rate = by_source[("murrough2013ajp", "A10", "ketamine")]
    p = (0.64 * 47 + 0.5) / 48
    assert rate.sigma == pytest.approx(100 * math.sqrt(p * (1 - p) / 47))
    sdn = by_source[("popova2019", "C04", "placebo")]
    assert sdn.sigma == pytest.approx(13.88 / math.sqrt(100))
    mean = by_source[("wilkinson2018", "D02", "control")]
    assert mean.sigma == pytest.approx(sd / math.sqrt(83)) and "median SD" in mean.sigma_rule
    nothing = by_source[("salloum2020", "A22-1.0", "k1_0")]
    assert nothing.sigma is None and "simulated" in nothing.sigma_rule


def test_library_specs_load_as_files():
    for p in sorted(LIBRARY.glob("*.yaml")):
        assert load_spec(p).id == p.stem
