"""A report folder's new set: the user's files carried over, JupyterLab's checkpoints of the old set not."""

from __future__ import annotations

from impact_kit.reports.publish import staged


def test_a_new_set_keeps_the_users_files_and_drops_labs_checkpoints(tmp_path):
    target = tmp_path / "the-good-start" / "2021"
    (target / ".ipynb_checkpoints").mkdir(parents=True)
    (target / ".ipynb_checkpoints" / "report-checkpoint.html").write_text("the page as it leaked", encoding="utf-8")
    (target / "report.html").write_text("old", encoding="utf-8")
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    with staged(target) as stage:
        (stage / "report.html").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt", "report.html"]
    assert (target / "report.html").read_text(encoding="utf-8") == "new"
