# -*- coding: utf-8 -*-
# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send one incident message to Slack, PagerDuty and Statuspage at once (docs in plugins/modules/incident_notify.py).

An action plugin, because the messages always leave from the controller: sending them here, the three at the same
time, costs no module run per service (three module runs were about 3 s of a PLAY-001 decision on the local network).
Each service is spoken to by the code its own module uses (module_utils/_incident_comms.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_comms import SERVICES
from ansible_collections.virtengine.incident_response.plugins.module_utils._incident_store import redact


_ARGS = dict((service, dict(type="dict")) for service in SERVICES)


def _not_sent(service, operation, error):
    return {"changed": False, "ok": False, "dry_run": False, "requests": [],
            "errors": [{"service": service, "operation": operation, "ok": False, "error": "%s: %s" % (service, error), "error_kind": operation}]}


def notify(messages, check_mode):
    """``{service: options}`` -> ``{service: result}``, each service that is really sent to in its own thread.

    A service whose options are wrong is that service's result (``ok: false``, the error naming the value and
    ``error_kind: arguments``), so one bad setting never keeps the others from being sent.
    """
    results, threads, credentials = {}, [], []

    def send(service, params):
        try:
            results[service] = SERVICES[service][2](params, check_mode)
        except Exception as exc:  # pylint: disable=broad-except  # a fault in one service's code is that service's result
            results[service] = _not_sent(service, "unexpected", exc)

    for service in [name for name in SERVICES if name in messages]:
        spec, check, _send = SERVICES[service]
        validated = ArgumentSpecValidator(spec).validate(messages[service])
        problem = "; ".join(validated.error_messages) if validated.error_messages else check(validated.validated_parameters)
        params = validated.validated_parameters
        # The service's no_log options: its credential, masked in everything returned as AnsibleModule masked them.
        secrets = [str(params[key]) for key, option in spec.items() if option.get("no_log") and params.get(key)]
        credentials.extend(secrets)
        if problem:
            results[service] = _not_sent(service, "arguments", problem)
        elif check_mode or not secrets:
            send(service, params)  # a dry run waits on nothing; done here, in order, the outbox reads service by service
        else:
            threads.append(threading.Thread(target=send, args=(service, params)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return redact(results, credentials)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=_ARGS)
        sent = notify(dict((service, options) for service, options in args.items() if options is not None), self._play_context.check_mode)
        result.update(sent, changed=any(one["changed"] for one in sent.values()), ok=all(one["ok"] for one in sent.values()))
        return result
