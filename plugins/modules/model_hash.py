#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: model_hash
short_description: Hash a VEID model directory by VirtEngine's three recipes (PLAY-010)
version_added: 0.1.0
description:
  - The runbook's C(sha256sum ~/.virtengine/models/veid_scorer_*.h5) matches no file VirtEngine uses; models are TensorFlow
    SavedModel directories, and the repository hashes a directory in three incompatible ways.
  - C(content) is what the inference sidecar enforces (C(--expected-hash), C(export_metadata.json)'s C(model_hash));
    C(path_content) is the governance helper's (and C(MODEL_HASH.txt)'s); C(digest_of_digests) is the
    C(scripts/compute_model_hash.sh) that C(tx veid register-model) points to. Which one produced an on-chain
    C(sha256_hash) is a convention, so ask for all three and compare.
  - Also reads C(export_metadata.json) as the sidecar's loader does (the parent directory's first) and C(MODEL_HASH.txt).
  - A missing or unreadable directory is reported in RV(error), not failed, so one validator's state never stops the others.
author:
  - VirtEngine SRE Team (@virtengine)
extends_documentation_fragment:
  - virtengine.incident_response.read_only
options:
  path:
    description: The model directory (the sidecar's C(--model-path), the node's C(VEID_INFERENCE_MODEL_PATH)).
    type: path
    required: true
  recipes:
    description: Recipes to compute.
    type: list
    elements: str
    choices: [content, path_content, digest_of_digests]
    default: [content]
  list_files:
    description: Return the relative paths each recipe hashed.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Hash the model by all three recipes
  virtengine.incident_response.model_hash:
    path: /home/virtengine/.virtengine/models/trust_score
    recipes: [content, path_content, digest_of_digests]
  register: model

- name: Compare with the on-chain value (exact, lowercase, no sha256 prefix)
  ansible.builtin.debug:
    msg: "{{ model.hashes.content == onchain_sha256 }}"
"""

RETURN = r"""
path:
  description: The directory, absolute.
  returned: always
  type: str
hashes:
  description: Recipe name to lowercase hex SHA-256.
  returned: when the directory could be read
  type: dict
  sample: {content: 0fabf45c1f1109055aa1d98f5f57c98be5a8e6355320fdfb14a57dd158df7a7a}
files:
  description: Recipe name to the number of files it hashed.
  returned: when the directory could be read
  type: dict
file_lists:
  description: Recipe name to the relative paths it hashed, in order.
  returned: when list_files
  type: dict
metadata:
  description: C({path, model_hash, version, error}) of C(export_metadata.json), or null when there is none.
  returned: when the directory could be read
  type: dict
model_hash_txt:
  description: The first line of C(MODEL_HASH.txt), or null.
  returned: when the directory could be read
  type: str
error:
  description: Why the directory could not be hashed.
  returned: when it could not
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtengine.incident_response.plugins.module_utils._model_hash import ModelHashError, export_metadata, hash_directory


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            recipes=dict(type="list", elements="str", choices=["content", "path_content", "digest_of_digests"], default=["content"]),
            list_files=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["recipes"]:
        module.fail_json(msg="recipes is empty: give one or more of content, path_content, digest_of_digests")
    path = os.path.abspath(params["path"])
    result = dict(changed=False, path=path)
    hashes, files, lists = {}, {}, {}
    try:
        for recipe in dict.fromkeys(params["recipes"]):
            hashes[recipe], lists[recipe] = hash_directory(path, recipe)
            files[recipe] = len(lists[recipe])
    except ModelHashError as error:
        module.exit_json(error=str(error), **result)
    marker = os.path.join(path, "MODEL_HASH.txt")
    model_hash_txt = None
    if os.path.isfile(marker):
        with open(marker) as handle:
            model_hash_txt = (handle.readline().strip() or None)
    result.update(hashes=hashes, files=files, metadata=export_metadata(path), model_hash_txt=model_hash_txt)
    if params["list_files"]:
        result["file_lists"] = lists
    module.exit_json(**result)


if __name__ == "__main__":
    main()
