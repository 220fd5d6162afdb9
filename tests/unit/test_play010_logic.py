# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PLAY-010: the three model-hash recipes against answers computed here, the scoring decision, the parsers, model_replace."""

import hashlib
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils._model_hash import export_metadata, hash_directory, is_model_file
from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import (
    ScoringInputError,
    backlog_estimate,
    decide,
    http_health_view,
    metric_samples,
    model_version_view,
    parse_gpu_csv,
    sidecar_metrics,
    sidecar_state,
    verify_model_view,
)
from ansible_collections.virtengine.incident_response.plugins.modules import model_hash, model_replace

FIXTURES = Path(__file__).parent / "fixtures" / "play010"
STANDIN = Path(__file__).resolve().parents[1] / "integration" / "virtengine_standin.py"
# The reference's toy SavedModel (virtengine-wave2.md A4), plus an empty assets/ directory.
TOY = {"saved_model.pb": b"PB", "fingerprint.pb": b"FP", "keras_metadata.pb": b"KM", "variables/variables.index": b"IDX",
       "variables/variables.data-00000-of-00001": b"DATA", "export_metadata.json": b"{}", "MODEL_HASH.txt": b"x"}


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def toy(tmp_path):
    root = tmp_path / "trust_score"
    for name, data in TOY.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "assets").mkdir()
    return root


def test_content_recipe_is_the_file_bytes_in_sorted_path_order_and_matches_the_shell_one_liner(toy):
    # Sorted full paths: MODEL_HASH.txt, fingerprint.pb, keras_metadata.pb, saved_model.pb, variables/variables.data..., .index
    expected = sha(b"x" + b"FP" + b"KM" + b"PB" + b"DATA" + b"IDX")
    assert hash_directory(str(toy), "content")[0] == expected
    shell = subprocess.run("find . -type f ! -name export_metadata.json | LC_ALL=C sort | xargs cat | sha256sum", shell=True, cwd=toy,
                           capture_output=True, text=True, check=True).stdout.split()[0]
    assert shell == expected


def test_path_content_recipe_hashes_each_relative_path_then_its_bytes_without_the_marker_files(toy):
    expected = sha(b"fingerprint.pbFP" + b"keras_metadata.pbKM" + b"saved_model.pbPB"
                   + b"variables/variables.data-00000-of-00001DATA" + b"variables/variables.indexIDX")
    digest, used = hash_directory(str(toy), "path_content")
    assert digest == expected and "MODEL_HASH.txt" not in used and "export_metadata.json" not in used


def test_digest_of_digests_recipe_hashes_the_hex_digests_of_model_files_only(toy):
    expected = sha((sha(b"FP") + sha(b"PB")).encode())
    digest, used = hash_directory(str(toy), "digest_of_digests")
    assert (digest, used) == (expected, ["fingerprint.pb", "saved_model.pb"])
    assert not is_model_file("README.bin") and not is_model_file("checksums.pb") and is_model_file("weights.SafeTensors")


def test_recipes_sort_as_go_sort_strings_does(tmp_path):
    # "a.txt" < "a/b" in byte order ('.' is 0x2e, '/' is 0x2f); Python's Path ordering would put a/ first.
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").write_bytes(b"2")
    (tmp_path / "a.txt").write_bytes(b"1")
    assert hash_directory(str(tmp_path), "content")[0] == sha(b"12")


def test_model_hash_module_reports_a_missing_directory_and_every_recipe(run_module, toy, tmp_path):
    missing = run_module(model_hash, {"path": str(tmp_path / "nowhere")})
    assert missing["_rc"] == 0 and "is not a directory" in missing["error"] and "hashes" not in missing
    found = run_module(model_hash, {"path": str(toy), "recipes": ["content", "path_content", "digest_of_digests"], "list_files": True})
    assert found["files"] == {"content": 6, "path_content": 5, "digest_of_digests": 2}
    assert found["model_hash_txt"] == "x" and found["metadata"]["model_hash"] is None
    assert found["file_lists"]["digest_of_digests"] == ["fingerprint.pb", "saved_model.pb"]


def test_export_metadata_is_read_from_the_parent_first_as_the_loader_does(toy):
    (toy.parent / "export_metadata.json").write_text(json.dumps({"model_hash": "ab", "version": "v2"}))
    assert export_metadata(str(toy))["version"] == "v2"
    (toy.parent / "export_metadata.json").write_text("[")
    assert "cannot read" in export_metadata(str(toy))["error"]


# --------------------------------------------------------------------------- decision

GOOD, OTHER = sha(b"good"), sha(b"other")
HOSTS = ["validator1", "validator2", "validator3", "validator4"]


def serving(*down):
    return dict((h, {"state": "down" if h in down else "serving", "error": "UNAVAILABLE" if h in down else None}) for h in HOSTS)


def models(**overrides):
    found = dict((h, {"hashes": {"content": GOOD, "path_content": sha(b"p"), "digest_of_digests": sha(b"d")},
                      "metadata": {"model_hash": GOOD}, "expected_hash": "", "error": None}) for h in HOSTS)
    found.update(overrides)
    return found


def chain(hash_=GOOD, plan=None):
    return {"models": {"trust_score": {"sha256_hash": hash_} if hash_ else None}, "upgrade_plan": plan}


def test_healthy_when_every_sidecar_serves_and_every_model_matches_the_chain():
    decision = decide(HOSTS, serving(), models(), chain())
    assert decision["verdict"] == "healthy" and decision["restart_hosts"] == decision["replace_hosts"] == []
    assert decision["reference_source"] == "on-chain sha256_hash" and all(r["matches"] == ["content"] for r in decision["rows"])


def test_one_sidecar_down_is_a_single_validator_fault_to_restart():
    decision = decide(HOSTS, serving("validator2"), models(), chain())
    assert (decision["verdict"], decision["restart_hosts"], decision["replace_hosts"]) == ("sidecar_fault", ["validator2"], [])
    assert "sidecar not serving on validator2 (down: UNAVAILABLE)" in decision["why"]


def test_every_sidecar_down_is_systemic():
    decision = decide(HOSTS, serving(*HOSTS), models(), chain())
    assert decision["verdict"] == "systemic" and decision["restart_hosts"] == [] and decision["why"][0].startswith("no sidecar is serving")


def test_a_pending_upgrade_is_systemic():
    decision = decide(HOSTS, serving(), models(), chain(plan={"name": "v2-models", "height": "1200"}))
    assert decision["verdict"] == "systemic" and "governance upgrade 'v2-models' pending at height 1200" in decision["why"][0]


def test_a_different_model_directory_is_a_mismatch_naming_the_validator_and_the_recipe_that_matches():
    odd = {"hashes": {"content": OTHER, "path_content": GOOD, "digest_of_digests": sha(b"d")}, "metadata": None, "expected_hash": "", "error": None}
    decision = decide(HOSTS, serving(), models(validator3=odd), chain())
    assert (decision["verdict"], decision["replace_hosts"]) == ("model_mismatch", ["validator3"])
    row = next(r for r in decision["rows"] if r["host"] == "validator3")
    assert row["matches"] == ["path_content"]
    assert row["problems"] == ["content hash %s differs from the on-chain sha256_hash %s (matches it by the path_content recipe)" % (OTHER[:12], GOOD[:12])]


def test_without_an_active_model_the_majority_is_the_reference():
    odd = dict(models()["validator1"], hashes={"content": OTHER})
    decision = decide(HOSTS, serving(), models(validator4=odd), chain(hash_=None))
    assert decision["reference_source"] == "majority of the validators" and decision["replace_hosts"] == ["validator4"]
    assert any("no active trust_score model on chain" in reason for reason in decision["why"])


def test_the_on_chain_recipe_is_found_when_it_is_not_the_configured_one():
    decision = decide(HOSTS, serving(), models(), chain(hash_=sha(b"p")))
    assert decision["verdict"] == "healthy" and decision["compare_recipe"] == "path_content"
    assert "matches the path_content recipe, not content" in decision["why"][0]


def test_every_validator_differing_from_the_chain_is_systemic_with_every_model_to_replace():
    decision = decide(HOSTS, serving(), models(), chain(hash_=OTHER))
    assert decision["verdict"] == "systemic" and decision["replace_hosts"] == HOSTS


def test_a_model_its_own_sidecar_would_refuse_is_a_mismatch():
    bad_meta = dict(models()["validator1"], metadata={"model_hash": OTHER})
    bad_flag = dict(models()["validator2"], expected_hash=OTHER)
    decision = decide(HOSTS, serving(), models(validator1=bad_meta, validator2=bad_flag), chain())
    assert decision["replace_hosts"] == ["validator1", "validator2"]
    assert "the sidecar refuses to load it" in decision["why"][0] and "it refuses to start" in decision["why"][1]


def test_an_unreachable_host_is_named_not_a_traceback():
    decision = decide(HOSTS, serving(), models(validator4={"unreachable": True, "msg": "ssh: connect to host refused"}), chain())
    assert decision["replace_hosts"] == ["validator4"]
    assert "validator4: model directory unreadable: ssh: connect to host refused" in decision["why"]


@pytest.mark.parametrize("args,message", [
    (([], {}, {}, {}), "validators must be a non-empty list"),
    ((HOSTS, [], {}, {}), "sidecars must be a dict"),
    ((HOSTS, {"validator1": {"state": "weird"}}, {}, {}), "sidecars\\[validator1\\].state is 'weird'"),
    ((HOSTS, {}, {"validator1": {"hashes": "abc"}}, {}), "models\\[validator1\\].hashes"),
])
def test_bad_decision_input_names_the_field(args, message):
    with pytest.raises(ScoringInputError, match=message):
        decide(*args)
    with pytest.raises(ScoringInputError, match="recipe 'sha1'"):
        decide(HOSTS, {}, {}, {}, recipe="sha1")


# --------------------------------------------------------------------------- parsers


def test_sidecar_state_and_http_view():
    assert sidecar_state({"": "SERVING", "inference.v1.InferenceService": "SERVING"}, None) == "serving"
    assert sidecar_state({"": "SERVING", "inference.v1.InferenceService": "SERVICE_UNKNOWN"}, None) == "not_serving"
    assert sidecar_state({"": None}, "UNAVAILABLE") == "down"
    assert http_health_view(200, "OK", None) == {"is_sidecar": True, "note": None}
    assert "another server holds this port" in http_health_view(200, '{"jsonrpc":"2.0","id":-1,"result":{}}', None)["note"]


def test_metric_samples_of_a_real_node_page_have_no_veid_metrics():
    text = (FIXTURES / "cometbft_node_metrics.txt").read_text()
    assert metric_samples(text, "veid_") == []
    heights = [s for s in metric_samples(text, "cometbft_consensus_height") if s[0] == "cometbft_consensus_height"]
    assert len(heights) == 1 and heights[0][1] == {"chain_id": "virtengine-localnet"} and heights[0][2] > 0


def test_sidecar_metrics_reports_the_never_updated_gauges():
    text = ('# TYPE veid_inference_model_info gauge\nveid_inference_model_info{hash="ab\\"c",version="v1.0.0"} 1\n'
            "veid_inference_sidecar_healthy 0\nveid_inference_feature_dimension 768\n")
    view = sidecar_metrics(metric_samples(text, "veid_"))
    assert view == {"model_info": [{"version": "v1.0.0", "hash": 'ab"c'}], "sidecar_healthy": 0.0, "feature_dimension": 768.0,
                    "inference_total_exported": False}


def test_nvidia_smi_csv():
    line = (FIXTURES / "nvidia_smi_query_gpu.csv").read_text()
    assert parse_gpu_csv(line) == [{"index": 0, "name": "Tesla P100-PCIE-16GB", "driver_version": "515.65.01", "memory_used": 0,
                                    "memory_total": 16384, "utilization_gpu": 0, "ecc_errors_uncorrected_volatile_total": 0}]
    assert parse_gpu_csv(line.replace(", 0\n", ", [N/A]\n"))[0]["ecc_errors_uncorrected_volatile_total"] is None
    with pytest.raises(ScoringInputError, match="has 2 columns"):
        parse_gpu_csv("GPU, 1")


def standin(tmp_path, *args):
    run = subprocess.run([sys.executable, str(STANDIN), "query", "veid"] + list(args) + ["-o", "json", "--home", str(tmp_path)],
                         capture_output=True, text=True, check=False)
    return run.stdout, run.stderr.strip() if run.returncode else None


def test_chain_answers_from_the_cli_stand_in(tmp_path):
    text, error = standin(tmp_path, "model-version", "trust_score")
    view = model_version_view("trust_score", text, error)
    assert view["finding"] == "no active trust_score model on chain" and view["error"] is None
    text, error = standin(tmp_path, "status", "virtengine1abc")
    assert "not implement" in model_version_view("trust_score", text, error)["error"]
    text, error = standin(tmp_path, "verify-model", "virtengine1abc")
    assert verify_model_view("virtengine1abc", text, error) == {"account": "virtengine1abc", "reported": False, "is_synced": False,
                                                                "model_versions": {}, "mismatched_models": [], "reported_at": None, "error": None}
    with pytest.raises(ScoringInputError, match="did not answer JSON"):
        model_version_view("ocr", "model_info: ...", None)


def test_backlog_estimate_is_labelled_and_floored():
    assert backlog_estimate(5, 2, 100, 199)["pending_estimate"] == 3
    estimate = backlog_estimate(1, 4, 100, 199)
    assert estimate["pending_estimate"] == 0 and estimate["label"].startswith("ESTIMATE")
    with pytest.raises(ScoringInputError, match="requested=-1"):
        backlog_estimate(-1, 0, 1, 2)


# --------------------------------------------------------------------------- model_replace


@pytest.fixture
def archive(tmp_path):
    source = tmp_path / "src"
    for name, data in TOY.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as bundle:
        for item in sorted(source.rglob("*")):
            bundle.add(item, arcname=str(item.relative_to(source)), recursive=False)
    return path, sha(path.read_bytes()), sha(b"x" + b"FP" + b"KM" + b"PB" + b"DATA" + b"IDX")


def _tree(directory):
    return sorted((str(p.relative_to(directory)), p.read_bytes()) for p in Path(directory).rglob("*") if p.is_file())


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "models" / "trust_score"
    path.mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"old")
    return path


def test_model_replace_refuses_a_wrong_checksum_or_hash_and_changes_nothing(run_module, archive, live):
    path, archive_sha, model = archive
    before = _tree(live)
    wrong_sum = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": "0" * 64, "expected_hash": model})
    assert wrong_sum["failed"] and "not the published" in wrong_sum["msg"]
    wrong_hash = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": archive_sha, "expected_hash": "1" * 64})
    assert wrong_hash["failed"] and "hashes to %s by the content recipe, not the expected" % model in wrong_hash["msg"]
    prefixed = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": archive_sha, "expected_hash": "sha256:" + model})
    assert prefixed["failed"] and "without a 'sha256:' prefix" in prefixed["msg"]
    assert _tree(live) == before and sorted(p.name for p in live.parent.iterdir()) == ["trust_score"]


def test_model_replace_check_mode_verifies_and_swaps_nothing(run_module, archive, live):
    path, archive_sha, model = archive
    result = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": archive_sha, "expected_hash": model,
                                        "_ansible_check_mode": True})
    assert result["changed"] and result["new_hash"] == model and result["backup_path"] is None
    assert _tree(live) == [("saved_model.pb", b"old")] and sorted(p.name for p in live.parent.iterdir()) == ["trust_score"]


def test_model_replace_swaps_atomically_and_keeps_the_old_directory(run_module, archive, live):
    path, archive_sha, model = archive
    result = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": archive_sha, "expected_hash": model})
    assert result["changed"] and result["atomic"] and result["old_hash"] == sha(b"old")
    assert hash_directory(str(live), "content")[0] == model and _tree(result["backup_path"]) == [("saved_model.pb", b"old")]
    again = run_module(model_replace, {"path": str(live), "archive": str(path), "archive_sha256": archive_sha, "expected_hash": model})
    assert not again["changed"] and "already holds this model" in again["msg"]


def test_replacement_is_refused_unless_it_can_be_verified_against_the_chain():
    from ansible_collections.virtengine.incident_response.plugins.module_utils._veid_scoring import replacement_problems
    assert replacement_problems(GOOD, "https://models.example.net/m.tar.gz", OTHER, "") == []
    assert replacement_problems(GOOD, "file:///srv/m.tar.gz", OTHER, GOOD) == []
    offchain = replacement_problems(GOOD, "m.tar.gz", OTHER, OTHER)
    assert len(offchain) == 1 and "the chain would not accept this model" in offchain[0]
    assert replacement_problems(GOOD, "m.tar.gz", OTHER, OTHER, allow_offchain=True) == []
    assert "sha256:" in replacement_problems(None, "m.tar.gz", OTHER, "sha256:" + GOOD)[0]
    missing = replacement_problems(GOOD, "", "ABC", "")
    assert len(missing) == 2 and "play010_model_url" in missing[0] and "'ABC'" in missing[1]
