# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a newcomer and a release read about the collection matches the tree.

The docs' lists of plugins and roles (scripts/docs-inventory), version_added (antsibull-changelog lists new
plugins and roles from it), one document per filter (ansible-doc), changelog fragments that leave new plugins to
antsibull-changelog, and galaxy.yml's dependencies (exactly what the roles, plugins and runbooks use).
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
RELEASED = set((yaml.safe_load((ROOT / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}))
KNOWN_VERSIONS = RELEASED | {GALAXY["version"]}
# A playbook that configures AWX itself runs from an admin's machine with awx.awx; incident runs never need it.
ADMIN_PLAYBOOKS = {"awx_configure.yml"}
# The knobs a runbook role takes under the runbook's name, and the collection-wide ones it reads.
RUNBOOK_KNOB = re.compile(r"^(play(sec)?[0-9]{3}|ir)_")


def _python_documentation(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DOCUMENTATION" for t in node.targets):
            return yaml.safe_load(node.value.value)
    return None


def _filter_names(path):
    return re.findall(r'"([a-z0-9_]+)":', path.read_text().split("def filters", 1)[-1])


def test_docs_inventory_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs-inventory")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


PLUGIN_FILES = sorted(p for kind in ("modules", "filter", "lookup", "callback") for p in (ROOT / "plugins" / kind).glob("*.py"))


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: "%s/%s" % (p.parent.name, p.name))
def test_plugin_version_added_is_this_or_a_released_version(path):
    documentation = _python_documentation(path)
    if documentation is None:
        # Only a filter file whose filters each have their own YAML document may go without.
        names = _filter_names(path)
        assert path.parent.name == "filter" and names, "%s has no DOCUMENTATION" % path
        for name in names:
            document = path.parent / (name + ".yml")
            assert document.exists(), "filter %s (in %s) has no document %s" % (name, path.name, document.name)
            assert yaml.safe_load(document.read_text())["DOCUMENTATION"]["version_added"] in KNOWN_VERSIONS
        return
    assert str(documentation.get("version_added")) in KNOWN_VERSIONS, (
        "%s: version_added %r is neither galaxy.yml's version %s nor a released one %s"
        % (path.name, documentation.get("version_added"), GALAXY["version"], sorted(RELEASED)))


@pytest.mark.parametrize("path", sorted((ROOT / "plugins" / "filter").glob("*.py")), ids=lambda p: p.name)
def test_each_filter_has_its_own_document(path):
    """ansible-doc shows a filter file's DOCUMENTATION for every filter the file registers, so a file with
    several filters must document each in its own <name>.yml instead."""
    names = _filter_names(path)
    documentation = _python_documentation(path)
    if documentation is not None:
        assert names == [documentation["name"]], (
            "%s documents %s but registers %s: move each filter's document into plugins/filter/<name>.yml"
            % (path.name, documentation["name"], names))


@pytest.mark.parametrize("spec", sorted((ROOT / "roles").glob("*/meta/argument_specs.yml")), ids=lambda p: p.parts[-3])
def test_role_entry_points_say_when_they_were_added(spec):
    for name, entry_point in yaml.safe_load(spec.read_text())["argument_specs"].items():
        assert entry_point.get("short_description"), "%s entry point %s has no short_description" % (spec, name)
        assert str(entry_point.get("version_added")) in KNOWN_VERSIONS, "%s entry point %s: version_added" % (spec, name)


@pytest.mark.parametrize("defaults", sorted(p for p in (ROOT / "roles").glob("*/defaults/main.yml")
                                            if re.search(r"^play(sec)?[0-9]{3}_", p.read_text(), re.M)), ids=lambda p: p.parts[-3])
def test_runbook_role_validates_every_knob(defaults):
    """A runbook role's argument spec validates every playNNN_* / playsecNNN_* / ir_* default of defaults/main.yml,
    with the same default wherever it states one (the spec documents the defaults; defaults/main.yml sets them)."""
    knobs = dict((name, value) for name, value in yaml.safe_load(defaults.read_text()).items() if RUNBOOK_KNOB.match(name))
    entry_points = yaml.safe_load((defaults.parents[1] / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    validated = set(knob for entry_point in entry_points.values() for knob in entry_point.get("options") or {})
    assert sorted(set(knobs) - validated) == [], "%s: not in the argument spec" % defaults
    for name, entry_point in entry_points.items():
        for knob, option in (entry_point.get("options") or {}).items():
            if knob in knobs:
                assert option.get("default", knobs[knob]) == knobs[knob], "%s: %s's default differs in %s" % (defaults, knob, name)


def test_fragments_leave_new_plugins_and_roles_to_antsibull_changelog():
    """antsibull-changelog lists new modules, plugins and roles from version_added; a fragment announcing one
    would list it twice."""
    announcing = re.compile(r"^[a-z0-9_, ]+ - new (modules?|filters?|roles?|callback|lookup|action)\b")
    for fragment in sorted((ROOT / "changelogs" / "fragments").glob("*.yml")):
        for section, entries in (yaml.safe_load(fragment.read_text()) or {}).items():
            for entry in entries if isinstance(entries, list) else []:
                assert not announcing.match(str(entry)), "%s (%s) announces a new plugin or role: %s" % (
                    fragment.name, section, entry[:80])


def _collections_used(paths):
    used = set()
    for path in paths:
        for match in re.finditer(r"\b([a-z_]+)\.([a-z_]+)\.[a-z_]+\b", path.read_text()):
            used.add("%s.%s" % match.groups())
    return used


def test_galaxy_dependencies_are_what_the_collection_uses():
    runtime = list((ROOT / "roles").rglob("*.yml"))
    runtime += [p for p in (ROOT / "playbooks").glob("*.yml") if p.name not in ADMIN_PLAYBOOKS]
    used = _collections_used(runtime)
    declared = set(GALAXY.get("dependencies") or {})
    # Collection names among the dotted words (variables like result.summary are not); ansible.builtin ships with core.
    candidates = {name for name in used if name.split(".")[0] in {"community", "ansible", "kubernetes", "awx", "amazon"}}
    candidates -= {"ansible.builtin"}
    assert candidates - declared == set(), "used by roles/playbooks but not in galaxy.yml dependencies"
    assert declared - candidates == set(), "in galaxy.yml dependencies but no role or runbook playbook uses it"


def test_the_build_leaves_out_every_directory_a_run_leaves_in_the_checkout():
    # What the local network, the test services, the test sshd and the fleet lab keep in the checkout is not part of
    # the collection, and reading it can hang the build: the fleet lab's machine trees hold device files (dev/zero).
    ignored = set(GALAXY["build_ignore"])
    state_dirs = [line.strip("/") for line in (ROOT / ".gitignore").read_text().splitlines()
                  if line.startswith("/") and line.endswith("/")]
    assert state_dirs and [d for d in state_dirs if d not in ignored] == []
