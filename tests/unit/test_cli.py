"""The corpar command: usage and configuration faults exit 2 with one line, before any work."""

from __future__ import annotations

import pytest

from pipeline import cli


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CORPAR_PROJECT", raising=False)
    monkeypatch.setenv("CORPAR_PSEUDONYM_KEY", "test-key-not-secret-0123456789")
    return tmp_path


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_period_that_is_not_one(project, capsys):
    assert cli.main(["run", "--la", "806", "--period", "2024-26"]) == 2
    assert one_line(capsys).startswith("corpar: period '2024-26' is not valid")


def test_an_authority_code_that_could_be_a_path(project, capsys):
    assert cli.main(["validate", "--la", "../806", "--period", "2024-25"]) == 2
    assert one_line(capsys).startswith("corpar: authority code '../806' is not valid")
    assert not (project / "outputs").exists() and not (project / "data").exists()


def test_a_misspelt_setting(project, capsys):
    (project / "config").mkdir()
    (project / "config" / "settings.yml").write_text("disclosure:\n  supress_max: 9\n")
    assert cli.main(["run", "--la", "806", "--period", "2024-25"]) == 2
    line = one_line(capsys)
    assert "settings.yml" in line and "unknown keys ['supress_max']" in line


def test_run_all_with_nothing_to_run(project, capsys):
    assert cli.main(["run", "--all", "--period", "2024-25"]) == 2
    assert one_line(capsys) == (
        f"corpar: no authorities configured and none found in {project / 'data' / 'raw'}"
    )


def test_a_missing_return_fails_its_job_with_exit_1(project, capsys):
    assert cli.main(["validate", "--la", "806", "--period", "2024-25"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("806 2024-25: 10_clean failed: InputError:")
    assert "no folder of 903 files for collection year 2024-25" in err


def test_validate_has_no_force_because_it_never_skips(project, capsys):
    # corpar validate checks again every time; a --force there would promise nothing.
    with pytest.raises(SystemExit) as stop:
        cli.main(["validate", "--la", "806", "--period", "2024-25", "--force"])
    assert stop.value.code == 2
    assert "unrecognized arguments: --force" in capsys.readouterr().err
    run = cli.parser().parse_args(["run", "--la", "806", "--period", "2024-25", "--force"])
    assert run.force
