"""ketasim demo: the summary table and one figure per standard regimen."""

from typer.testing import CliRunner

from ketasim.cli import app

runner = CliRunner()


def test_demo_prints_summary_and_writes_figures(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "253.1" in text, "IV racemic 0.5 mg/kg Cmax at 70 kg"
    assert "101.2" in text, "esketamine 84 mg Cmax"
    assert "placeholder" in text
    pngs = sorted((tmp_path / "demo").glob("*.png"))
    assert len(pngs) == 9
    assert all(p.stat().st_size > 10_000 for p in pngs)


def test_demo_rows_have_auc_inf_and_terminal_half_life(tmp_path):
    from ketasim.cli.demo import run_demo

    for row in run_demo(tmp_path / "demo"):
        for name, m in list(row.report.metrics.items())[:2]:
            assert m.auc_0_inf_ng_h_ml >= m.auc_0_24_ng_h_ml > 0, (row.stem, name)
            assert 1.0 < m.terminal_half_life_h < 48.0, (row.stem, name)
