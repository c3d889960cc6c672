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
