"""Every step of the Action as a real runner runs it: the job's Python knows nothing of speclint.

The other Action tests give the script a Python that imports speclint (``SPECLINT_PYTHON``); on
a runner only the install step's virtualenv has it, which is how the diff step came to fail on
every pull request with "No module named speclint". Here the base interpreter is a fresh
virtualenv with pip and nothing else; the install step really creates speclint's virtualenv and
really pip-installs the checkout into it, offline and without a pip cache: the wheels of
speclint's dependencies (and of setuptools and wheel, to build it) are repacked from this
environment into a local wheelhouse. Then the check, diff and execute steps run with that
virtualenv alone. TensorFlow is too big to repack: for the execute step it comes from this
environment's site-packages on PYTHONPATH, as on a runner image with TensorFlow installed
(pip sees the requirement met and installs nothing more; speclint itself is not on that path).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.action.test_action import EXPECTED_INPUTS, env_name
from tests.action.test_action_diff import workspace_repo
from tests.conftest import MODELS, REPO, need, need_tensorflow

DEPENDENCIES = ("protobuf", "jsonschema-rs", "pathspec", "setuptools", "wheel")  # run time, then build time
CHECKOUT = ("pyproject.toml", "setup.py", "README.md", "speclint", "schemas", "scripts", "action.yml")


def closure(names: tuple[str, ...]) -> list[str]:
    """The distributions ``names`` need to install, themselves included (markers evaluated here)."""
    from packaging.requirements import Requirement

    seen: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        dist = importlib.metadata.distribution(name)
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist.metadata["Name"]
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return sorted(seen.values())


def repack(name: str, wheelhouse: Path) -> Path:
    """An installed distribution as the wheel it was installed from (its files, its tag, a fresh RECORD)."""
    dist = importlib.metadata.distribution(name)
    wheel_info = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel_info.splitlines() if line.startswith("Tag:")]
    project = dist.metadata["Name"].replace("-", "_")
    target = wheelhouse / f"{project}-{dist.version}-{tags[0] if tags else 'py3-none-any'}.whl"
    records: list[str] = []
    metadata = next(f.as_posix() for f in dist.files or [] if f.as_posix().endswith(".dist-info/METADATA"))
    record_name = metadata.rsplit("/", 1)[0] + "/RECORD"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for file in dist.files or []:
            relative = file.as_posix()
            if relative.startswith("..") or "__pycache__" in relative:
                continue  # console scripts live outside site-packages; pip writes them again
            if relative.endswith(".dist-info/RECORD"):
                continue
            if relative.endswith((".dist-info/INSTALLER", ".dist-info/REQUESTED", ".dist-info/direct_url.json")):
                continue
            path = Path(str(dist.locate_file(file)))
            if not path.is_file():
                continue
            data = path.read_bytes()
            archive.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{relative},sha256={digest},{len(data)}")
        archive.writestr(record_name, "\n".join([*records, f"{record_name},,"]) + "\n")
    return target


def run_step(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(env["GITHUB_ACTION_PATH"] + "/scripts/action_run.sh"), command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.tensorflow
def test_every_step_runs_in_the_actions_own_virtualenv(tmp_path: Path) -> None:
    need(shutil.which("bash") is not None and shutil.which("git") is not None, "bash and git are needed")
    need(shutil.which("cc") is not None or shutil.which("gcc") is not None, "a C compiler builds speclint here")
    need_tensorflow()
    base = Path(getattr(sys, "_base_executable", sys.executable))
    system = tmp_path / "system"
    subprocess.run([str(base), "-m", "venv", str(system)], check=True, capture_output=True)
    system_python = system / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    bare = subprocess.run(
        [str(system_python), "-c", "import speclint"], capture_output=True, text=True, cwd=tmp_path, env=clean
    )
    assert bare.returncode != 0 and "No module named 'speclint'" in bare.stderr  # the job's Python
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    for name in closure(DEPENDENCIES):
        repack(name, wheelhouse)
    checkout = tmp_path / "action"  # GITHUB_ACTION_PATH: what the runner checked out of the action
    checkout.mkdir()
    for name in CHECKOUT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        else:
            shutil.copy2(source, checkout / name)
    base_sha = workspace_repo(tmp_path)  # tmp_path/workspace: a pull request changing models/net
    workspace = tmp_path / "workspace"
    for fixture in ("tf1-input-uint8", "probe-nan-on-black"):
        shutil.copytree(MODELS / fixture, workspace / "models" / fixture)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_", "PIP_"))}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env.update(
        PATH=os.pathsep.join([str(system / "bin"), "/usr/bin", "/bin"]),
        SPECLINT_BASE_PYTHON=str(system_python),  # what actions/setup-python's python-path gives
        RUNNER_TEMP=str(runner_temp),
        GITHUB_ACTION_PATH=str(checkout),
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_EVENT_NAME="push",
        GITHUB_EVENT_PATH=str(tmp_path / "no-event.json"),
        GITHUB_REPOSITORY="octo-org/models",
        GITHUB_OUTPUT=str(tmp_path / "github_output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheelhouse),
        PIP_NO_CACHE_DIR="1",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    for name, default in EXPECTED_INPUTS.items():
        env[env_name(name)] = default
    env["INPUT_SARIF_FILE"] = ""

    guard = run_step("guard", {**env, "INPUT_EXECUTE": "true"}, tmp_path)  # reads the event with the base Python
    assert guard.returncode == 0 and (tmp_path / "github_output").read_text() == "execute=true\n", guard.stderr

    install = run_step("install", env, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr[-3000:]
    venv_python = runner_temp / "speclint-venv" / "bin" / "python"
    assert "speclint 0.2.0" in install.stdout and venv_python.is_file()

    check = run_step("run", {**env, "INPUT_PATHS": "models/tf1-input-uint8"}, tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"speclint: with {venv_python}" in check.stdout
    assert "::error file=models/tf1-input-uint8/saved_model.pb,title=SL112 " in check.stdout

    diff = run_step("diff", {**env, "INPUT_DIFF_BASE": base_sha, "INPUT_PATHS": "models/net"}, tmp_path)
    assert diff.returncode == 1, diff.stdout + diff.stderr
    assert "No module named" not in diff.stdout + diff.stderr
    assert f"speclint: with {venv_python}" in diff.stdout
    assert "::error file=models/net/saved_model.pb,title=SC134 output-width-changed::" in diff.stdout

    site = sysconfig.get_paths()["purelib"]  # this environment's TensorFlow, as a runner image's
    executing = {**env, "INPUT_EXECUTE": "true", "PYTHONPATH": site, "INPUT_PATHS": "models/probe-nan-on-black"}
    executing.pop("PIP_NO_CACHE_DIR")  # the action gives pip its own, cached, directory
    install = run_step("install", executing, tmp_path)
    assert install.returncode == 0, install.stdout + install.stderr[-3000:]
    assert f"speclint: pip cache {runner_temp}/speclint-pip-cache" in install.stdout
    execute = run_step("run", executing, tmp_path)
    assert execute.returncode == 1, execute.stdout + execute.stderr[-3000:]
    assert "--execute" in execute.stdout and f"speclint: with {venv_python}" in execute.stdout
    assert "::error file=models/probe-nan-on-black/saved_model.pb,title=SL706 " in execute.stdout
