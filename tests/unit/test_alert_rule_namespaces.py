# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped chain alert rules under either CometBFT metric namespace (issue 12 case 09), with promtool."""

import pathlib
import shutil
import subprocess

import pytest

COLLECTION = pathlib.Path(__file__).resolve().parents[2]
RULES = COLLECTION / "extensions" / "prometheus" / "rules" / "virtengine-alerts.yml"
CASE = pathlib.Path(__file__).parent / "fixtures" / "cases" / "09-metrics-namespace-tendermint"


def promtool_test(tmp_path, test_file):
    """Run the case's promtool test unchanged: its rule_files path is relative to the collection root."""
    rules = tmp_path / "extensions" / "prometheus" / "rules"
    rules.mkdir(parents=True)
    shutil.copy(RULES, rules / RULES.name)
    shutil.copy(test_file, tmp_path / test_file.name)
    return subprocess.run(["promtool", "test", "rules", test_file.name], cwd=str(tmp_path), capture_output=True, text=True, check=False)


@pytest.mark.parametrize("test_file", ["halted_tendermint_namespace.test.yml", "control_cometbft_namespace.test.yml"])
def test_case09_chain_halted_fires_whatever_the_namespace(tmp_path, test_file):
    result = promtool_test(tmp_path, CASE / test_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
