"""The deploy files agree with the Procfile, and the runtime lock installs on its own.

No image can be pulled here, so the container's commands are checked against the Procfile,
whose commands test_production.py runs; the lock is installed into a fresh virtualenv as
Heroku's buildpack and the Dockerfile install it (requirements.txt, hashes required).
"""

import shlex
import subprocess
import venv

import yaml

from app.config import ROOT


def procfile() -> dict[str, list[str]]:
    entries = (line.partition(":") for line in (ROOT / "Procfile").read_text().splitlines())
    return {name: shlex.split(command) for name, _, command in entries}


def dockerfile_instruction(name: str) -> str:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return next(line for line in text.splitlines() if line.startswith(name + " "))


def test_the_image_and_compose_run_the_procfiles_commands():
    commands = procfile()
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    image_command = yaml.safe_load(dockerfile_instruction("CMD").removeprefix("CMD "))
    assert image_command == commands["web"]
    assert compose["worker"]["command"] == commands["worker"]
    assert compose["release"]["command"] == commands["release"]
    assert {"web", "worker", "postgres", "redis", "release"} <= compose.keys()
    assert compose["web"]["depends_on"]["release"] == {
        "condition": "service_completed_successfully"
    }


def test_the_image_runs_as_a_user_and_checks_liveness_not_health():
    assert dockerfile_instruction("USER").split()[1] != "root"
    assert "/livez" in dockerfile_instruction("HEALTHCHECK")
    assert "FROM python:3.11-slim" in (ROOT / "Dockerfile").read_text()
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


def test_the_runtime_lock_installs_alone_and_runs_the_app(tmp_path):
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps"]
        + ["-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # Nothing from the test or dev extras is needed to import what the Procfile runs.
    check = subprocess.run(
        [python, "-c", "import app, gunicorn, workers.main; app.create_app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    installed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout
    assert "honcho" not in installed and "pytest" not in installed
