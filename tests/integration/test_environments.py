# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-environment.yml and decision-environment.yml with the real ansible-builder 3: ``create`` writes the build
context (``build`` needs podman or docker and a registry, which these machines lack: docs/awx.md says so)."""

import shutil
import subprocess

import pytest
import yaml

from conftest import REPO


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A copy of the environment files next to a freshly built collection tarball (their build/ input)."""
    work = tmp_path_factory.mktemp("environments")
    result = subprocess.run(["ansible-galaxy", "collection", "build", str(REPO), "--output-path", str(work / "build")],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    assert (work / "build" / ("virtengine-incident_response-%s.tar.gz" % version)).is_file()
    for name in ("execution-environment.yml", "decision-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt"):
        (work / name).parent.mkdir(exist_ok=True)
        shutil.copy(REPO / name, work / name)
    return work, version


@pytest.mark.parametrize("definition, python, system", [
    ("execution-environment.yml", ["requests", "psycopg[binary]", "jmespath"], ["lz4", "openssh-client", "iputils-tracepath"]),
    ("decision-environment.yml", ["ansible-rulebook==1.3.2"], ["java-17-openjdk-headless", "openjdk-17-jre-headless"]),
])
def test_ansible_builder_creates_the_context(built, definition, python, system):
    work, version = built
    context = work / ("context-" + definition.split("-")[0])
    result = subprocess.run(["ansible-builder", "create", "-f", str(work / definition), "--context", str(context)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (context / "Dockerfile").read_text()
    assert "ansible-galaxy collection install" in dockerfile and 'EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in dockerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    collection = next(c for c in requirements["collections"] if c["name"] == "virtengine.incident_response")
    # The galaxy stage runs in /build = the context's _build: the tarball must be there under the path named.
    assert (context / "_build" / collection["source"]).is_file()
    assert collection["source"].endswith("-%s.tar.gz" % version)
    pip = (context / "_build" / "requirements.txt").read_text()
    bindep = (context / "_build" / "bindep.txt").read_text()
    assert all(p in pip for p in python), pip
    assert all(s in bindep for s in system), bindep
