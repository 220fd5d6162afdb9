# Copyright (c) 2026, VirtEngine SRE Team
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The log-signature catalogue on lines as real nodes wrote them (public issue threads, cited per line) and in the
other formats the same wording reaches us in (zerolog console with colours, JSON lines, journald prefixes)."""

import json

import pytest

from ansible_collections.virtengine.incident_response.plugins.module_utils import _log_signatures as catalogue

ESC = "\x1b"


def _json_comet(level, message, **fields):
    """CometBFT's JSON logger (log_format = "json"): _msg, level, module and the key/values."""
    return json.dumps(dict({"level": level, "_msg": message}, **fields))


def _json_zerolog(level, message, **fields):
    """Cosmos SDK zerolog JSON (--log_format json): level, time, module, message."""
    return json.dumps(dict({"level": level, "time": "2024-08-30T08:09:12Z", "message": message}, **fields))


def _journald(text, unit="virtengined", pid=1234):
    return "Nov 06 14:31:10 val-a %s[%d]: %s" % (unit, pid, text)


def _colour(text):
    # zerolog console colours: level in red/bold, keys in cyan, as a terminal journal shows them.
    return text.replace("ERR", "%s[31mERR%s[0m" % (ESC, ESC)).replace("module=", "%s[36mmodule=%s[0m" % (ESC, ESC))


CASES = [
    # (signature, line, expected fields subset)
    # --- planned upgrade --------------------------------------------------------------------------------------
    # terra-money/core#334 (Cosmos SDK v0.47, zerolog console)
    ("upgrade_needed", '1:00PM ERR UPGRADE "v2.12" NEEDED at height: 11860000: {"binaries":{"linux/amd64":"https://example.invalid/t.tar.gz"}} module=server',
     {"upgrade_name": "v2.12", "upgrade_height": 11860000, "upgrade_info": '{"binaries":{"linux/amd64":"https://example.invalid/t.tar.gz"}}'}),
    ("upgrade_needed", 'panic: UPGRADE "v2.12" NEEDED at height: 11860000: {"binaries":{}}', {"upgrade_name": "v2.12", "upgrade_height": 11860000}),
    # omni-network/omni#1693 (CometBFT v0.38.10): the consensus failure carries the upgrade
    ("upgrade_needed", '5:01PM ERR CONSENSUS FAILURE!!! err="failed to apply block; error UPGRADE \\"v3\\" NEEDED at height: 23: " module=consensus '
                       'stack="goroutine 96 [running]:\\nruntime/debug.Stack()\\n"', {"upgrade_name": "v3", "upgrade_height": 23}),
    ("upgrade_needed", 'E[2021-08-18|14:00:01.123] error in proxyAppConn.FinalizeBlock module=state err="UPGRADE \\"v5\\" NEEDED at height: 4707300: "',
     {"upgrade_name": "v5", "upgrade_height": 4707300}),
    # cosmos/cosmos-sdk#11957 (v0.45): plain info after the height
    ("upgrade_needed", '11:43AM ERR UPGRADE "v0.3" NEEDED at height: 3075: version-upgrade '
        'v0.3', {"upgrade_name": "v0.3", "upgrade_height": 3075, "upgrade_info": "version-upgrade v0.3"}),
    # SDK < v0.46 time-based plans: "NEEDED at time: ..."
    ("upgrade_needed", 'panic: UPGRADE "vega" NEEDED at time: 2021-12-14T15:00:00Z: ', {"upgrade_name": "vega", "upgrade_time": "2021-12-14T15:00:00Z"}),
    ("upgrade_binary_too_new", 'Jul 27 04:45:36 ip-172-31-27-151 terrad[286607]: 4:45AM ERR BINARY UPDATED BEFORE TRIGGER! UPGRADE "2.1.0" - in binary but '
        'not executed on chain. '
                               'Downgrade your binary module=x/upgrade', {"upgrade_name": "2.1.0"}),  # terra-money/core#64
    ("upgrade_binary_too_old", '3:12PM ERR error in proxyAppConn.FinalizeBlock err="wrong app version 3, upgrade handler is missing for v4 upgrade plan" '
        'module=state',
     {"app_version": 3, "upgrade_name": "v4"}),
    ("cosmovisor_upgrade_binary_missing", "binary not present, downloading disabled: cannot stat dir /root/.hello/cosmovisor/upgrades/v0.3/bin/hellod: "
                                          "stat /root/.hello/cosmovisor/upgrades/v0.3/bin/hellod: no such file or directory", {"upgrade_name": "v0.3"}),
    ("cosmovisor_upgrade", "6:02PM INF upgrade detected, relaunching app=gaiad module=cosmovisor", {}),
    # --- app hash in consensus --------------------------------------------------------------------------------
    # celestiaorg/celestia-app#7359 (CometBFT v0.38 wording)
    ("app_hash_divergence", '1:28AM ERR prevote step: consensus deems this block invalid; prevoting nil err="wrong Block.Header.AppHash.  '
                            'Expected 9FA4AA9A8A87CBCE59EA5756B198A4B5AEDFF93D932B82308A15C017F34401C3, got '
                            'B0BAC9334AB017E1AB1C603E2305F7298E03630789252712263BE931216EDEFB" '
                            'height=11706798 module=consensus round=0',
     {"expected_app_hash": "9FA4AA9A8A87CBCE59EA5756B198A4B5AEDFF93D932B82308A15C017F34401C3",
      "got_app_hash": "B0BAC9334AB017E1AB1C603E2305F7298E03630789252712263BE931216EDEFB", "height": 11706798, "round": 0,
      "own_app_hash": "9FA4AA9A8A87CBCE59EA5756B198A4B5AEDFF93D932B82308A15C017F34401C3"}),
    # notional-labs/dig#46 (Tendermint v0.34): the consensus failure with a stack
    ("app_hash_divergence", '10:59PM ERR CONSENSUS FAILURE!!! err="+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected '
                            'BD6F680E4EC85B7433B40BE64D10ECDECF75165A42C820735F78197ADCE00A09, got '
                            '84F934020D77CA68EF49ADC994A9B283DA9E07113E25FDBF6D5C04EA1EEDA15D" '
                            'module=consensus stack="goroutine 308 [running]:\\nruntime/debug.Stack(0xc0005f0d30)\\n"',
     {"expected_app_hash": "BD6F680E4EC85B7433B40BE64D10ECDECF75165A42C820735F78197ADCE00A09"}),
    # cosmos/cosmos-sdk#1003 (Tendermint 0.19 plain text, capital W)
    ("app_hash_divergence", 'E[05-15|18:32:19.833] enterPrevote: ProposalBlock is invalid       module=consensus height=2 round=1 err="Wrong '
        'Block.Header.AppHash.  '
                            'Expected 65E1CF5B9F32D8E8CECCD24A8DFC425177214C3A, got 3FB0A31AA8AB40CC21411E982CDC8DB799364CC0"',
     {"expected_app_hash": "65E1CF5B9F32D8E8CECCD24A8DFC425177214C3A", "got_app_hash": "3FB0A31AA8AB40CC21411E982CDC8DB799364CC0", "height": 2}),
    # palomachain/paloma#1106: block sync rejects a peer's block
    ("app_hash_divergence", '7:02PM ERR Error in validation err="wrong Block.Header.AppHash.  Expected '
        '15177849470752FFAA86416EDDACDA21DCCFF61D14F9BC43D52880A2C6CCAE37, '
                            'got C2658F993BFBDF61B966B9804C404A68C4CCBDAFB24AD164A7FA109471D93804" module=blocksync', {}),
    # gnolang/gno#2773: the got hash printed as a byte array
    ("app_hash_divergence", '"+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected '
        'CE9623208B00F0592466D9D020BDBA35CB624DFADEF80E7F150D66FBBBF37321, '
                            'got [142 79 194 197]"', {"got_app_hash": "[142 79 194 197]"}),
    ("results_hash_divergence", 'ERR prevote step: consensus deems this block invalid; prevoting nil err="wrong Block.Header.LastResultsHash.  Expected '
                                'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, got '
                                '6E340B9CFFB37A989CA544E6BB780A2C78901D3FB33738768511A30617AFA01D" '
                                'height=412 module=consensus round=0', {"height": 412}),
    ("proposal_rejected", 'E[2022-10-18|16:19:56.035] prevote step: state machine rejected a proposed block; this should not happen:the proposer may be '
        'misbehaving; '
                          'prevoting nil module=consensus height=1823 round=0 err=null', {"height": 1823}),  # namada-net/namada#641
    # --- app hash at replay -----------------------------------------------------------------------------------
    # PundiAI/fx-core#9 (Tendermint v0.34, "Error:" from cobra)
    ("replay_app_hash_mismatch", "Error: error during handshake: error on replay: wrong Block.Header.AppHash.  Expected "
                                 "DD1BAFC20187A9D3B7FB239693AE8CE6D043D9B4ED9D912588F905548D99515E, got "
                                 "BE037FED818D28340E99DC38B8B0EF11B120C7A7ECC2A7E587D5A",
     {"expected_app_hash": "DD1BAFC20187A9D3B7FB239693AE8CE6D043D9B4ED9D912588F905548D99515E"}),
    # bnb-chain/node-binary#135 (Tendermint 0.32, capitals)
    ("replay_app_hash_mismatch", "ERROR: Error during handshake: Error on replay: Wrong Block.Header.AppHash.  Expected "
                                 "877BD40C8068863FB000EDC917A0E2C3B38F14F86F610129F6946344AB061F94, got "
                                 "588061D18993C67A8D4070C564097636895090B8832BE87455D70B13D377933D", {}),
    # cometbft v0.38 consensus/replay.go panic text
    ("replay_app_hash_mismatch", "panic: state.AppHash does not match AppHash after replay. Got 0A0B, expected 0C0D.",
     {"own_app_hash": "0A0B", "other_app_hash": "0C0D"}),
    # oasisprotocol/oasis-core#2746: a JSON logger around the same error
    ("replay_app_hash_mismatch", '{"caller":"node.go:735","err":"tendermint: failed to create node: error during handshake: error on replay: Wrong '
        'Block.Header.AppHash.  '
                                 'Expected F9A183178993CE3F8D10F83BB1CBD5F41650ECE387324E94BAE7116E1C54F4F3, got '
                                 'E3D8BA16B0321B3E1B3A706A6AAF0835803A30F7F842C2054A24324097E52A94",'
                                 '"level":"error","module":"oasis-node","msg":"failed to start tendermint service","ts":"2020-02-28T01:20:50.060211497Z"}',
     {"got_app_hash": "E3D8BA16B0321B3E1B3A706A6AAF0835803A30F7F842C2054A24324097E52A94"}),
    # desmos-labs/desmos#335 (journald), cosmos/cosmos-sdk#7082
    ("replay_failure", "Dec 30 23:18:59 desmos-dsm desmosd[3123]: ERROR: error during handshake: error on replay: app block height (1219525) is higher than "
        "core (1219256)",
     {"app_height": 1219525, "core_height": 1219256}),
    ("replay_failure", "ERROR: failed to create new node: error during handshake: error on replay: App block height (22416276) is higher than core "
        "(22416209)",
     {"app_height": 22416276}),  # 0xPolygon/heimdall#1239
    # --- consensus failure, panic ----------------------------------------------------------------------------
    ("consensus_failure", '2:59PM ERR CONSENSUS FAILURE!!! err="runtime error: invalid memory address or nil pointer dereference" module=consensus '
                          'stack="goroutine 1 '
                          '[running]:\\nruntime/debug.Stack()\\n"', {"reason": "runtime error: invalid memory address or nil pointer dereference"}),
    ("panic", "panic: runtime error: index out of range [3] with length 3", {"reason": "runtime error: index out of range [3] with length 3"}),
    ("panic", _journald("panic: failed to load latest version: unknown store key"), {}),
    # --- double signing -------------------------------------------------------------------------------------
    ("double_sign_self", '4:12AM ERR found conflicting vote from ourselves; did you unsafe_reset a validator? height=1200 module=consensus round=0 '
        'type=2', {"height": 1200}),
    ("double_sign_self", "E[2019-06-01|10:00:00.000] Found conflicting vote from ourselves. Did you unsafe_reset a validator? module=consensus height=88 "
        "round=0 type=1", {}),
    ("double_sign_evidence", 'I[2022-01-01|00:00:00.000] Verified new evidence of byzantine behavior module=evidence evidence="DuplicateVoteEvidence{VoteA: '
        'Vote{3:AB12}}"', {}),
    ("double_sign_evidence", '3:04PM INF confirmed equivocation infraction_height=1200 module=x/evidence validator=cosmosvalcons1abc', {}),
    ("double_sign_evidence", "3:04PM INF slashing and jailing validator due to double sign module=x/slashing validator=cosmosvalcons1abc", {}),
    # --- signer ---------------------------------------------------------------------------------------------
    ("signer_regression", 'E[01-21|17:28:18.153] Error signing vote module=consensus height=1 round=0 err="Error signing vote: Height '
        'regression"', {"regression": "Height"}),
    ("signer_regression", 'E[2025-08-30|15:00:53.208] SignerServer: handleMessage err="error signing vote: conflicting data"', {}),  # celestia-core#2395
    ("remote_signer_error", "D[2025-09-03|11:14:31.923] SignerDialer: Reconnection failed retries=1 max=100 err=\"dial unix /var/run/privval.sock: connect: "
        "no such file or directory\"", {}),
    ("remote_signer_error", "Jul 29 18:51:32 i-054c gaiad[1765]: E[2019-07-29|18:51:32.500] enterPropose: Error signing proposal module=consensus "
        "height=103751 round=0 err=EOF", {}),
    ("remote_signer_error", "3:00PM ERR SignerListener: Ping err=\"remote signer timed out\" module=privval", {}),
    # --- resources ------------------------------------------------------------------------------------------
    ("out_of_memory", "fatal error: runtime: out of memory", {}),
    ("out_of_memory", "Nov 06 14:31:10 val-a kernel: Out of memory: Killed process 3123 (virtengined) total-vm:41943040kB, "
        "anon-rss:16000000kB", {"pid": 3123, "process": "virtengined"}),
    ("out_of_memory", "Nov 06 14:31:11 val-a systemd[1]: virtengine.service: A process of this unit has been killed by the OOM killer.", {}),
    ("out_of_memory", "Nov 06 14:31:11 val-a systemd[1]: virtengine.service: Main process exited, code=killed, status=9/KILL", {}),
    # cosmos/cosmos-sdk#8198
    ("disk_full", "Dec 17 14:29:04 localhost nymd[651680]: panic: error on batch write write /home/nym/.nymd/data/application.db/000374.log: no space left "
        "on device", {}),
    ("too_many_open_files", '3:00PM ERR Failed to accept connection err="accept tcp [::]:26656: accept4: too many open files" module=p2p', {}),
    ("db_corruption", "panic: leveldb: corruption on data-block (pos=1234): checksum mismatch", {}),
    ("db_corruption", "Error: failed to load latest version: version of store bank mismatch root store's version; expected 100 got 0", {}),
    ("db_corruption", "panic: pebble: corruption: invalid table 000123 (checksum mismatch at 0/1000)", {}),
    ("db_locked", "Error: resource temporarily unavailable: /root/.virtengine/data/application.db/LOCK: resource temporarily unavailable", {}),
    # --- p2p identity ---------------------------------------------------------------------------------------
    # CosmosContracts/mainnet#83, babylonchain/babylon#510
    ("p2p_id_mismatch", '10:48AM ERR Error dialing peer err="auth failure: conn.ID (70fcee92283edc02340289b2a74e4ab1a0203848) dialed ID '
                        '(b1f46f1a1955fc773d3b73180179b0e0a07adce1) mismatch" module=p2p',
     {"conn_id": "70fcee92283edc02340289b2a74e4ab1a0203848", "dialed_id": "b1f46f1a1955fc773d3b73180179b0e0a07adce1"}),
    ("p2p_id_mismatch", "E[02-15|19:00:11.510] Dialing failed module=p2p err=\"Failed to authenticate peer. Dialed "
        "4c5f061dac28660853904a66705b12ca2b317572@172.57.0.103:46656, "
                        "but got peer with ID e575418672e109ba8600715b02d45e359823907f\"", {"conn_id": "e575418672e109ba8600715b02d45e359823907f"}),
    # Identity faults left in "auth failure" (cometbft p2p/transport.go, p2p/conn/secret_connection.go): the peer's key does
    # not verify, it claims another id than its key's, its key is a low-order point, or no CometBFT node answers there.
    ("p2p_auth_failure", 'E[2024-03-02|10:00:01.000] Error dialing peer module=p2p err="auth failure: secret conn failed: challenge verification '
                         'failed"', {"reason": "secret conn failed: challenge verification failed"}),
    ("p2p_auth_failure", '10:48AM ERR Stopping peer for error err="auth failure: conn.ID (70fcee92283edc02340289b2a74e4ab1a0203848) NodeInfo.ID '
                         '(b1f46f1a1955fc773d3b73180179b0e0a07adce1) mismatch" module=p2p', {}),
    ("p2p_auth_failure", '{"level":"info","module":"p2p","err":"auth failure: secret conn failed: detected low order point from remote peer",'
                         '"_msg":"Error reconnecting to peer. Trying again"}', {}),
    ("p2p_auth_failure", '3:00PM INF Error dialing peer err="auth failure: handshake failed: proto: cannot parse invalid wire-format data" module=p2p',
     {"reason": "handshake failed: proto: cannot parse invalid wire-format data"}),
    # --- p2p network: another chain, another protocol, no free slot ---------------------------------------------
    # case 14 (tests/unit/fixtures/cases/14-genesis-chain-id-mismatch/sentry-1.journal.log): exoralayer/chain#14's two
    # wordings (pex dial, switch redial) in zerolog console; xian-network/xian-core#322 in CometBFT plain text.
    ("network_mismatch", "11:02AM ERR dialing failed (attempts: 1): incompatible: peer is on a different network. Got virtengine-2, expected "
                         'virtengine-1 addr={"id":"c84a2762aefd920b9d570f5100a9deabc6e395f7","ip":"127.0.3.141","port":26656} module=pex',
     {"peer_network": "virtengine-2", "own_network": "virtengine-1"}),
    ("network_mismatch", 'INF Error reconnecting to peer. Trying again addr={"id":"c84a"} err="incompatible: peer is on a different network. '
                         'Got jpyx-1, expected jpyx-2" module=p2p tries=1', {"peer_network": "jpyx-1", "own_network": "jpyx-2"}),
    ("network_mismatch", 'E[2024-11-02|10:01:02.123] Error dialing seed module=p2p err="incompatible: peer is on a different network. Got '
                         'xian-network-1, expected xian-network"', {"peer_network": "xian-network-1", "own_network": "xian-network"}),
    # Tendermint v0.32 capitalised the wording; the accepting side logs "Inbound Peer rejected".
    ("network_mismatch", 'I[2019-09-01|10:00:00.000] Inbound Peer rejected module=p2p err="incompatible: Peer is on a different network. '
                         'Got cosmoshub-2, expected cosmoshub-3" numPeers=3', {"peer_network": "cosmoshub-2", "own_network": "cosmoshub-3"}),
    # p2p/node_info.go (v0.34-v0.38) and ErrDifferentBlockVersion (Tendermint v0.35)
    ("p2p_version_mismatch", 'ERR dialing failed (attempts: 2): incompatible: peer is on a different Block version. Got 10, expected 11 '
                             'module=pex', {"peer_block_version": 10, "own_block_version": 11}),
    ("p2p_version_mismatch", 'E[2023-01-01|00:00:00.000] Error dialing peer module=p2p err="incompatible: peer has no common channels. Our '
                             'channels: 40202122233038606100 ; Peer channels: 00"', {}),
    # case 21 (21-sentry-inbound-slots-full/sentry-1.journal.log): CometBFT v0.33-v0.38 p2p/switch.go acceptRoutine, and
    # the Tendermint v0.26-v0.32 wording ("already have enough peers", numPeers) in plain text.
    ("inbound_peers_full", "6:14AM INF Ignoring inbound connection: already have enough inbound peers address=127.0.3.211:43110 have=40 max=40 "
                           "module=p2p", {"address": "127.0.3.211:43110", "have": 40, "max": 40}),
    ("inbound_peers_full", "I[2019-05-10|09:00:00.000] Ignoring inbound connection: already have enough peers module=p2p "
                           "address=10.1.2.3:51234 numPeers=50 max=50", {"address": "10.1.2.3:51234", "have": 50, "max": 50}),
    ("inbound_peers_full", '{"level":"info","module":"p2p","_msg":"Ignoring inbound connection: already have enough inbound peers",'
                           '"address":"[2001:db8::7]:43110","have":40,"max":40}', {"address": "[2001:db8::7]:43110", "have": 40, "max": 40}),
    # --- validator set ------------------------------------------------------------------------------------------
    # Cosmos SDK x/slashing v0.43-v0.50 keeper/infractions.go (zerolog sorts the keys)
    ("validator_jailed", "2:11AM INF slashing and jailing validator due to liveness fault height=2283450 jailed_until=2026-01-08T02:21:46Z "
                         "min_height=2273451 module=x/slashing slashed=1000000000000000 threshold=5000 "
                         "validator=virtenginevalcons162dd65f99d3c51026cfd91f31b89b79b52c439",
     {"validator": "virtenginevalcons162dd65f99d3c51026cfd91f31b89b79b52c439", "jailed_until": "2026-01-08T02:21:46Z", "height": 2283450}),
    # x/slashing v0.38-v0.42 (Tendermint plain text, the consensus address as the SDK printed it)
    ("validator_jailed", "I[2021-02-11|08:00:00.000] Validator cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn2y7cae past min height of 120000 and "
                         "below signed blocks threshold of 5000 module=x/slashing",
     {"validator": "cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn2y7cae", "min_height": 120000, "threshold": 5000}),
    # x/staking v0.46-v0.50 keeper/slash.go Jail, as a JSON line
    ("validator_jailed", '{"level":"info","module":"x/staking","validator":"cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn2y7cae",'
                         '"time":"2026-01-08T02:11:46Z","message":"validator jailed"}',
     {"validator": "cosmosvalcons1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn2y7cae"}),
    ("validator_jailed", "4:00AM INF validator would have been slashed for downtime, but was either not found in store or already jailed "
                         "module=x/slashing validator=cosmosvalcons1abc", {"validator": "cosmosvalcons1abc"}),
    # x/evidence keeper/infraction.go: the validator and height are in the evidence table
    ("double_sign_evidence", "3:04PM INF ignored equivocation; validator already tombstoned infraction_height=1200 infraction_time=2026-01-01T00:00:00Z "
                             "module=x/evidence validator=cosmosvalcons1abc", {"validator": "cosmosvalcons1abc", "infraction_height": 1200}),
    ("double_sign_evidence", "I[2020-01-01|00:00:00.000] Confirmed double sign from cosmosvalcons1abc at height 1200, age of 12 module=x/slashing",
     {"validator": "cosmosvalcons1abc", "infraction_height": 1200}),
    # --- resources: more wordings of the same faults ----------------------------------------------------------
    ("out_of_memory", "fatal error: out of memory", {}),  # Go runtime throw after "runtime: out of memory: cannot allocate ..."
    ("out_of_memory", "runtime: out of memory: cannot allocate 4194304-byte block (3908698112 in use)", {}),
    ("out_of_memory", "Oct 21 03:14:09 val-c kernel: Memory cgroup out of memory: Killed process 2210 (virtengined) total-vm:9000000kB, "
                      "anon-rss:8000000kB", {"pid": 2210, "process": "virtengined"}),
    ("out_of_memory", "Oct 21 03:14:10 val-c systemd[1]: virtengine.service: Failed with result 'oom-kill'.", {}),
    ("out_of_memory", '{"State":{"OOMKilled":true,"ExitCode":137}}', {}),
    ("disk_full", '3:14AM ERR failed writing to WAL err="write /home/virtengine/.virtengine/data/cs.wal/wal: no space left on device" module=consensus',
     {"reason": "write /home/virtengine/.virtengine/data/cs.wal/wal: no space left on device"}),
    ("disk_full", "panic: write /srv/node/data/blockstore.db/001234.log: disk quota exceeded", {}),
    ("too_many_open_files", 'E[2023-05-01|10:00:00.000] Failed to open DB module=main err="open /srv/node/data/state.db/000012.ldb: too many open '
                            'files"', {}),
    ("service_restarting", "Oct 21 03:14:42 val-c systemd[1]: virtengine.service: Scheduled restart job, restart counter is at 3.", {"restarts": 3}),
]

# A peer that is down, restarting or filtered: CometBFT wraps its transport error as "auth failure" too. Seen on the
# healthy local network whenever a node restarts (tests/integration/test_log_signatures_localnet.py), and in
# celestiaorg/networks#349 (a firewalled peer): no signature.
# A validator restarted in the middle of a height replays its WAL and the signer refuses the votes it already signed
# there (privval CheckHRS: round or step regression at the signed height): normal at every such restart (the local
# network logs it), no signature.
REPLAY_REGRESSION = [
    'E[2026-12-07|23:16:03.626] failed signing vote                          module=consensus height=1474 round=0 vote="Vote{2:C3B68C463E45 '
    '1474/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) E649367A2008 000000000000 000000000000 @ 2026-12-07T23:16:03.626936929Z}" err="error signing vote: '
    'step regression at height 1474 round 0. Got 2, last step 3"',
    '5:00PM ERR failed signing vote err="error signing vote: round regression at height 9000 got 0, last round 2" height=9000 module=consensus round=0',
]


@pytest.mark.parametrize("line", REPLAY_REGRESSION)
def test_a_restarted_validator_replaying_its_wal_is_no_signer_fault(line):
    assert catalogue.match_line(line) is None, catalogue.match_line(line)


UNREACHABLE_PEER = [
    'I[2026-12-07|22:55:04.936] Error reconnecting to peer. Trying again     module=p2p tries=0 err="auth failure: secret conn failed: read tcp '
    '127.0.0.1:53486->127.0.24.3:26656: read: connection reset by peer" addr=951605ba5eb679b66a50757c6d70e80df93d33c5@127.0.24.3:26656',
    '3:53PM INF Error reconnecting to peer. Trying again addr={"id":"f9e9"} err="auth failure: secret conn failed: read tcp 10.0.0.1:1->1.2.3.4:43656: '
    'i/o timeout" module=p2p tries=12',
    '3:53PM ERR Error dialing peer err="auth failure: secret conn failed: EOF" module=p2p',
    '{"level":"info","module":"p2p","err":"auth failure: handshake failed: read tcp 10.0.0.1:2->1.2.3.4:26656: read: connection reset by peer",'
    '"_msg":"Error reconnecting to peer. Trying again"}',
    'E[2026-12-07|22:55:04.936] Error dialing peer module=p2p err="auth failure: secret conn failed: write tcp [fd00::1]:40000->[fd00::2]:26656: '
    'write: broken pipe"',
    'I[2026-12-07|22:55:01.000] Error dialing peer module=p2p err="dial tcp 127.0.24.3:26656: connect: connection refused"',
    'I[2026-12-07|22:55:01.000] Stopping peer for error module=p2p peer="Peer{MConn{127.0.24.3:26656} 9516 out}" err=EOF',
    '3:53PM INF Error reconnecting to peer. Trying again err="auth failure: secret conn failed: dial tcp 1.2.3.4:26656: i/o timeout" module=p2p',
]


@pytest.mark.parametrize("line", UNREACHABLE_PEER)
def test_a_peer_that_is_only_unreachable_is_no_signature(line):
    assert catalogue.match_line(line) is None, catalogue.match_line(line)


@pytest.mark.parametrize("name, line, fields", CASES, ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_each_wording_is_recognised_with_its_fields(name, line, fields):
    result = catalogue.match_line(line)
    assert result is not None, "no signature for %r" % line
    signature, found = result
    assert signature.name == name, (signature.name, line)
    for key, value in fields.items():
        assert found.get(key) == value, (key, found)


@pytest.mark.parametrize("name, line, fields", [c for c in CASES if "module=" in c[1] and not c[1].startswith("{")],
                         ids=lambda c: c if isinstance(c, str) and len(c) < 40 else None)
def test_the_same_lines_in_colour_and_behind_journald(name, line, fields):
    for variant in (_colour(line), _journald(line), _journald(_colour(line))):
        signature, found = catalogue.match_line(variant)
        assert signature.name == name
        for key, value in fields.items():
            assert found.get(key) == value


@pytest.mark.parametrize("encode", [_json_comet, _json_zerolog])
def test_json_lines_of_both_loggers(encode):
    upgrade = encode("error", "CONSENSUS FAILURE!!!", module="consensus", err='failed to apply block; error UPGRADE "v3" NEEDED at height: 23: ',
                     stack="goroutine 96 [running]:\nruntime/debug.Stack()")
    assert catalogue.match_line(upgrade)[0].name == "upgrade_needed"
    assert catalogue.match_line(upgrade)[1]["upgrade_height"] == 23
    split = encode("error", "prevote step: ProposalBlock is invalid", module="consensus", height=8647536, round=40,
                   err="wrong Block.Header.AppHash.  Expected 2385090C23C6FEE1, got 7B34DB75B3EE35AB")
    signature, fields = catalogue.match_line(split)
    assert signature.name == "app_hash_divergence"
    assert fields["expected_app_hash"] == "2385090C23C6FEE1" and fields["height"] == 8647536 and fields["round"] == 40
    assert catalogue.match_line(encode("info", "committed state", module="state", height=41, app_hash="AB")) is None
    assert catalogue.scan([encode("info", "committed state", module="state", height=41, num_txs=0)])["last_committed_height"] == 41


def test_journald_json_export_with_message_field():
    # journalctl -o json: the line is in MESSAGE, the unit in _SYSTEMD_UNIT.
    line = json.dumps({"_SYSTEMD_UNIT": "virtengine.service", "PRIORITY": "3", "MESSAGE": "6:01AM ERR found conflicting vote from ourselves; did you "
                                                                                          "unsafe_reset a validator? height=7 module=consensus"})
    assert catalogue.match_line(line)[0].name == "double_sign_self"


def test_ordinary_lines_match_nothing():
    for line in [
        "8:09AM INF finalizing commit of block hash=9CBA46 height=11860000 module=consensus num_txs=0 root=89415A",
        "2:31PM INF Timed out dur=1000 height=8647536 module=consensus round=40 step=RoundStepPrecommitWait",
        'I[2022-10-18|16:19:55.820] received proposal module=consensus proposal="Proposal{1823/0 (896B4C7A:7:AD92190A5CC9, -1)}"',
        "1:00PM INF ABCI Replay Blocks appHeight=11859999 module=consensus stateHeight=11859999 storeHeight=11860000",
        "goroutine 624 [running]:",
        "github.com/cometbft/cometbft/consensus.(*State).finalizeCommit(...)",
        '5:00PM ERR error peer state height regression module=consensus peer=abc',
        "",
    ]:
        assert catalogue.match_line(line) is None, line


def test_the_case_journals_of_14_and_21():
    """14c: every refused handshake of sentry-1 is network_mismatch; 21: the sentry's switch line four times, with its numbers."""
    from pathlib import Path
    cases = Path(__file__).parent / "fixtures" / "cases"
    found = catalogue.scan((cases / "14-genesis-chain-id-mismatch" / "sentry-1.journal.log").read_text().splitlines())["signatures"]
    assert list(found) == ["network_mismatch"] and found["network_mismatch"]["count"] == 6
    assert found["network_mismatch"]["fields"]["own_network"] == "virtengine-1"
    found = catalogue.scan((cases / "21-sentry-inbound-slots-full" / "sentry-1.journal.log").read_text().splitlines())["signatures"]
    assert list(found) == ["inbound_peers_full"] and found["inbound_peers_full"]["count"] == 4
    assert found["inbound_peers_full"]["fields"] == {"address": "127.0.3.211:43113", "have": 40, "max": 40}
    # val-a's side: redials ending in EOF are a peer that drops the connection, no signature.
    assert catalogue.scan((cases / "21-sentry-inbound-slots-full" / "val-a.journal.log").read_text().splitlines())["signatures"] == {}


def test_scan_of_case_01_keeps_the_plan_and_the_last_committed_height():
    lines = [
        '8:09AM INF committed state app_hash=89415A height=11859999 module=state num_txs=0',
        '8:09AM ERR UPGRADE "v2.12" NEEDED at height: 11860000: {"binaries":{"linux/amd64":"https://example.invalid/t.tar.gz"}} module=x/upgrade',
        '8:09AM ERR CONSENSUS FAILURE!!! err="failed to apply block; error UPGRADE \\"v2.12\\" NEEDED at height: 11860000: {\\"binaries\\":{...}}" '
        'module=consensus stack="goroutine 624"',
        'panic: UPGRADE "v2.12" NEEDED at height: 11860000: {"binaries":{}}',
        "goroutine 1 [main]:",
    ]
    result = catalogue.scan(lines, keep=2)
    assert result["last_committed_height"] == 11859999
    upgrade = result["signatures"]["upgrade_needed"]
    assert upgrade["count"] == 3 and upgrade["newest"].startswith("panic: UPGRADE")
    assert upgrade["fields"]["upgrade_name"] == "v2.12" and upgrade["fields"]["upgrade_height"] == 11860000
    assert upgrade["fields"]["upgrade_info"] == '{"binaries":{}}', "the newest line's fields win"
    assert len(upgrade["lines"]) == 2 and upgrade["severity"] == "critical" and upgrade["decision"].startswith("U:")
    assert "consensus_failure" not in result["signatures"], "the failure is the upgrade, not a generic one"
    assert "stack=" not in upgrade["lines"][0]


def test_first_meaningful_line_of_a_stack():
    assert catalogue.first_meaningful_line("goroutine 1 [running]:\nruntime/debug.Stack()\n/usr/local/go/src/x.go:24\nreal cause here") == "real cause here"
    assert catalogue.first_meaningful_line("") is None


def test_catalogue_is_well_formed_and_bad_input_is_named():
    names = [s.name for s in catalogue.SIGNATURES]
    assert len(names) == len(set(names))
    assert all(s.severity in catalogue.SEVERITIES and s.meaning and s.decision and s.patterns for s in catalogue.SIGNATURES)
    with pytest.raises(KeyError, match="unknown log signature 'nope'"):
        catalogue.describe("nope")
    with pytest.raises(TypeError, match="log lines must be strings"):
        catalogue.scan([None])


def test_required_text_is_in_every_line_its_pattern_matches():
    """The substring pre-check never hides a match: for every catalogue line (from public reports and real nodes),
    each pattern that matches it has its required text in it."""
    checked = 0
    for _name, line, _fields in CASES:
        text = catalogue._STACK.sub("", catalogue.normalize(line))
        for candidate in (catalogue._unescaped(text), text):
            for _signature, patterns in catalogue._COMPILED:
                for required, pattern in patterns:
                    if pattern.search(candidate):
                        checked += 1
                        assert not required or any(text in candidate.lower() for text in required), (pattern.pattern, candidate)
    assert checked >= len(CASES)


@pytest.mark.parametrize("pattern, required", [
    (r"BINARY UPDATED BEFORE TRIGGER!?\s*UPGRADE", "binary updated before trigger"),  # "!?": the "!" is optional
    (r"CONSENSUS FAILURE!*", "consensus failure"),
    (r"(?i)conn\.ID \((?P<conn_id>[0-9a-f]+)\)", "conn.id ("),
    (r"(?i)auth failure: (?P<reason>secret conn failed.*|.+)", "auth failure: "),  # the alternation is inside a group
    (r"^panic: (?P<reason>.+)", "panic: "),
    (r"(?:upgrade )?binary (?:is )?not present", ""),  # starts with an optional group: nothing is required
    (r"upgrade|binary", ""),
])
def test_required_text(pattern, required):
    assert catalogue.required_text(pattern) == required


@pytest.mark.parametrize("pattern, texts", [
    (r"(?:upgrade )?binary (?:is )?not present", ("not present",)),  # the longest literal outside the groups
    (r"(?i)(?:leveldb|pebble)\S*:? .*?corrupt", ("corrupt",)),  # longer than the shortest branch, "leveldb"
    (r"(?i)(?:leveldb|pebble)\S*:? .*?bad", ("leveldb", "pebble")),  # one of the first group's branches: longer than "bad"
    (r"(?i)(?<!peer state )(?P<regression>height|round) regression", (" regression",)),  # past a look-behind
    (r"(?i)(?<!peer state )(?P<regression>height|round) reg", ("height", "round")),
    (r"(?i)(?:signer ?(?:listener|dialer)|remote signer)\S*[: ]", ("signer", "remote signer")),  # no literal outside
    (r"(?i)(?:Main process exited, )?code=killed", ("code=killed",)),
    (r"(?:\.db|data)/LOCK", ("/lock",)),
    (r"upgrade|binary", ()),  # a top-level alternation
    (r"(?:a|[0-9]+)x", ("x",)),  # a branch with no text to rely on, but a literal after it
    (r"(?:a|[0-9]+)\d", ()),  # nothing to rely on
    (r"abc+de", ("abc",)),  # "+" ends a run: "abccde" has no "abcde"
    (r"abcd?ef", ("abc",)),  # "?" drops its character
    (r"ab{2,3}cdef", ("cdef",)),  # a counted character ends a run and is dropped
    (r'msg=\{"height', ('msg={"height',)),  # "\{" is a literal brace
    (r"x\{1,2\}yz", ("x{1,2}yz",)),  # escaped braces count nothing
])
def test_required_texts(pattern, texts):
    assert catalogue.required_texts(pattern) == texts
