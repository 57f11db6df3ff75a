"""The batch under faults, second round: a folder changed during it, timeouts, a full disk, lost Dask workers."""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import SAMPLE
from test_batch import broken_notebook, no_debris

from impact_kit.batch.run import run_batch
from impact_kit.cli import main
from impact_kit.files import RUN_PREFIX

pytestmark = pytest.mark.slow


def test_a_folder_changed_during_a_batch_changes_no_report_of_it(data_dir, tmp_path):
    """The first job saves an invalid row, then a valid one: no job fails, none shows the new row; the next run does."""
    code = (
        "if site == 'coeur-de-friche-exemple':\n"
        f"    with open({str(data_dir / 'observations.csv')!r}, 'a', encoding='utf-8') as f:\n"
        "        f.write('the-good-start,2021,lien_social,frequency,not-an-option\\n')\n"
        f"    with open({str(data_dir / 'observations-new.csv')!r}, 'w', encoding='utf-8') as f:\n"
        "        f.write('site,year,criterion,question,value\\n"
        "the-good-start,2021,lien_social,testimony,Zébulon-Nouveau-Témoin\\n')"
    )
    notebook = broken_notebook(tmp_path, code)
    out = tmp_path / "out"
    result = run_batch(data=data_dir, out=out, years=[2021], notebook=notebook, workers=1, progress=False)
    assert result.failed == [] and len(result.done) == 4, result.failed
    html = (out / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8")
    assert "Zébulon-Nouveau-Témoin" not in html
    # The next run sees the change: the invalid row is refused, then once fixed, the report shows the new row.
    with pytest.raises(Exception, match="not-an-option"):
        run_batch(data=data_dir, out=out, years=[2021], notebook=notebook, progress=False)
    lines = (data_dir / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (data_dir / "observations.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    again = run_batch(data=data_dir, out=out, years=[2021], notebook=notebook, progress=False)
    assert [j.site for j in again.done] == ["the-good-start"] and len(again.skipped) == 3
    assert "Zébulon-Nouveau-Témoin" in (out / "the-good-start" / "2021" / "report.html").read_text(encoding="utf-8")


def test_a_timeout_keeps_the_notebook_and_removes_the_childs_files_now(tmp_path):
    notebook = broken_notebook(tmp_path, "import time\nif site == 'the-good-start':\n    time.sleep(120)")
    out = tmp_path / "out"
    result = run_batch(data=SAMPLE, out=out, years=[2021], notebook=notebook, timeout=25, progress=False)
    assert [j.site for j, _ in result.failed] == ["the-good-start"] and len(result.done) == 3
    failed = out / "the-good-start" / "2021"
    assert sorted(p.name for p in failed.iterdir()) == ["report.failed.ipynb"]
    assert "report.failed.ipynb" in result.failed[0][1]
    nb = nbformat.read(failed / "report.failed.ipynb", as_version=4)
    stopped = [o for c in nb.cells for o in c.get("outputs", []) if o.get("ename") == "Stopped"]
    assert len(stopped) == 1 and "25 seconds" in stopped[0]["evalue"]
    pid = re.search(r"process (\d+) killed", result.failed[0][1]).group(1)
    assert not list(Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}{pid}-*"))  # removed now, not next run
    no_debris(out)


def test_a_full_disk_fails_the_job_it_hits_and_the_batch_still_sums_up(tmp_path, monkeypatch, capsys):
    import impact_kit.files as files

    out = tmp_path / "out"
    real_mkstemp, real_fdopen = files.tempfile.mkstemp, files.os.fdopen
    hit = {"path": ""}

    def mkstemp(*args, dir=None, prefix="", **kwargs):
        hit["path"] = f"{dir}/{prefix}"
        return real_mkstemp(*args, dir=dir, prefix=prefix, **kwargs)

    def fdopen(fd, *args, **kwargs):  # the disk is full while the-good-start's page is written
        handle = real_fdopen(fd, *args, **kwargs)
        if "the-good-start" in hit["path"] and ".report.html." in hit["path"]:

            def write(data):
                raise OSError(28, "No space left on device")

            handle.write = write
        return handle

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(files.os, "fdopen", fdopen)
    code = main(["batch", "--data", str(SAMPLE), "--out", str(out), "--year", "2021"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "Reports: 4 planned, 3 written, 0 up to date, 1 failed" in err
    failed = next(line for line in err.splitlines() if line.startswith("failed: "))
    assert "the-good-start" in failed and "report.html" in failed and "No space left on device" in failed
    assert not (out / "the-good-start").exists()  # no empty report folder
    assert (out / "index.html").is_file() and len(json.loads((out / "manifest.json").read_text())["jobs"]) == 4
    no_debris(out)


def test_an_unreachable_scheduler_leaves_nothing(tmp_path, capsys, monkeypatch):
    pytest.importorskip("dask.distributed")
    import impact_kit.batch.cluster as distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2.0)
    out = tmp_path / "out"
    code = main(["batch", "--data", str(SAMPLE), "--out", str(out), "--site", "the-good-start",
                 "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "No Dask scheduler answered at tcp://127.0.0.1:9" in err
    assert not out.exists()


def test_a_cluster_without_workers_fails_the_jobs_in_bounded_time(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    import dask.config
    from dask.distributed import LocalCluster

    import impact_kit.batch.cluster as distributed

    monkeypatch.setattr(distributed, "NO_WORKERS_WAIT", 3.0)
    out = tmp_path / "out"
    scratch = tmp_path / "dask"  # the cluster's lock files, not in TMPDIR (the suite's check found them there)
    with (
        dask.config.set({"temporary-directory": str(scratch)}),
        LocalCluster(n_workers=0, host="127.0.0.1", scheduler_port=0, dashboard_address=None) as cluster,
    ):
        started = time.monotonic()
        result = run_batch(data=SAMPLE, out=out, years=[2021], scheduler=cluster.scheduler_address, progress=False)
        took = time.monotonic() - started
    assert took < 60
    assert len(result.failed) == 4 and len({error.split(": ", 1)[1] for _, error in result.failed}) == 1
    assert "has had no worker for 3 seconds, so 4 jobs were not run" in result.failed[0][1]
    assert not [p for p in out.rglob("report.*")]


def test_a_killed_dask_worker_leaves_a_manifest_that_matches_the_files(tmp_path, monkeypatch):
    """A report's child kills its Dask worker; its files and the manifest must agree afterwards, and no scratch stays."""
    pytest.importorskip("dask.distributed")
    temporary = tmp_path / "tmp"  # its own: another test's cluster may run beside it (pytest-xdist)
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    from impact_kit.batch.manifest import outputs_state

    flag = tmp_path / "kill-once"
    flag.touch()
    code = (
        "import os, signal\n"
        f"if site == 'the-good-start' and os.path.exists({str(flag)!r}):\n"
        f"    os.unlink({str(flag)!r})\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        "    import time; time.sleep(3)"
    )
    notebook = broken_notebook(tmp_path, code)
    out = tmp_path / "out"
    result = run_batch(
        data=SAMPLE, out=out, years=[2021], notebook=notebook, scheduler="local", workers=2, progress=False
    )
    assert len(result.done) + len(result.failed) == 4
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["jobs"]
    for key, entry in manifest.items():
        if entry["status"] == "done":
            assert entry["outputs"] == outputs_state(out / key), key
    assert list(temporary.rglob("*")) == []
    no_debris(out)


def test_a_local_cluster_leaves_nothing_in_the_temporary_folder(tmp_path, monkeypatch):
    """`--scheduler local` left dask-scratch-space/{global,purge}.lock in TMPDIR (issue 29, Why 14)."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))  # the cluster's processes and dask's default read it
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    out = tmp_path / "out"
    assert main(["batch", "--data", str(SAMPLE), "--out", str(out), "--year", "2021", "--site", "the-good-start",
                 "--scheduler", "local", "--workers", "1"]) == 0  # fmt: skip
    assert (out / "the-good-start" / "2021" / "report.html").is_file()
    assert sorted(str(p.relative_to(temporary)) for p in temporary.rglob("*")) == []


def test_a_local_cluster_that_fails_leaves_nothing_in_the_temporary_folder(tmp_path, monkeypatch):
    """The run's folder, and the dask-scratch-space in it, go on an error's path too."""
    import impact_kit.batch.cluster as distributed

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def broken(client, *args):  # the cluster is up, its workers have made their folders
        assert client.run(lambda dask_worker: str(dask_worker.local_directory)), "no worker"
        raise OSError("the disk went away")
        yield

    monkeypatch.setattr(distributed, "_watch", broken)
    with pytest.raises(OSError, match="the disk went away"):
        run_batch(data=SAMPLE, out=tmp_path / "out", years=[2021], sites=["the-good-start"], scheduler="local",
                  workers=1, progress=False)  # fmt: skip
    assert sorted(str(p.relative_to(temporary)) for p in temporary.rglob("*")) == []
