#!/usr/bin/env python3
"""Generates the scale scenarios assets/scenarios/stack.toml and stack-100.toml.

Each one is a single `sam deploy` of a serverless stack: one CodeDeploy application named as
CloudFormation names it, one function, alias `live`, errors alarm and deployment group per
function, the previous stack update replayed as history (minute -40, every function 1 -> 2) and
the current one starting at minute 0 for every function at once (2 -> 3). A few deployments of
other teams run alongside. The output is deterministic: names come from hashes, traffic from a
seeded generator, so running this again rewrites identical files.

Usage (from the repository root):  python3 scripts/gen_scenarios.py
"""

import hashlib
import json
import math
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "scenarios"

STACK = "orders-stack"
LINEAR = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
ROLLBACK = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
HOOK = f"CodeDeployHook_{STACK}_preTraffic"  # SAM's default role may only invoke CodeDeployHook_*
HOOK_EVERY = 10  # every 10th function of the stack has the shared BeforeAllowTraffic hook
PREVIOUS_MIN = -40  # the previous stack update (history)
HISTORY_MINUTES = 45

# Logical ids are <Verb><Noun>: 10 x 10 = 100 distinct names, each at most 10 characters so
# that `orders-stack-<Verb><Noun>Function-<8 chars>` stays within 40 characters.
VERBS = ["Get", "List", "Put", "Sync", "Scan", "Check", "Apply", "Route", "Audit", "Send"]
NOUNS = ["Order", "Cart", "Item", "Stock", "Price", "Tax", "Ship", "Quote", "Promo", "Fee"]

# Other teams' deployments: (application, function, config, at_min, rpm, description).
OTHERS = [
    ("billing", "billing-invoices", "Canary10Percent10Minutes", -3, 240, "invoices 3.4.1"),
    ("search", "search-indexer", "AllAtOnce", 1, 90, "indexer 2.0.7"),
    ("identity", "identity-login", "Canary10Percent15Minutes", 2, 900, "login 7.12.0"),
    ("billing", "billing-payouts", "Linear10PercentEvery2Minutes", 5, 60, "payouts 1.8.0"),
    ("search", "search-query", "Linear10PercentEvery3Minutes", 8, 720, "query 5.1.2"),
    ("identity", "identity-tokens", "AllAtOnce", 12, 420, "tokens 0.9.3"),
]


def suffix(key, length):
    """A CloudFormation-like random suffix (uppercase alphanumerics), derived from `key`."""
    n = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    chars = []
    for _ in range(length):
        n, k = divmod(n, len(alphabet))
        chars.append(alphabet[k])
    return "".join(chars)


def physical(logical, length):
    """The physical name CloudFormation gives the resource `logical` of the stack."""
    return f"{STACK}-{logical}-{suffix(f'{STACK}/{logical}', length)}"


def q(s):
    """A TOML basic string."""
    return json.dumps(s)


def strings(items):
    return "[" + ", ".join(q(s) for s in items) + "]"


def threshold(rpm, error_rate):
    """An errors threshold (Sum per minute) well above the expected count: it does not fire."""
    return max(10, math.ceil(5 * rpm * error_rate))


def function_toml(name, rpm, error_rate, p50, p99, versions, alias_version):
    return f"""[[function]]
name = {q(name)}
alias = "live"
versions = {versions}
alias_version = {alias_version}
rpm = {rpm}
error_rate = {error_rate}
p50_ms = {p50}
p99_ms = {p99}
"""


def alarm_toml(name, function, rpm, error_rate):
    return f"""[[alarm]]
name = {q(name)}
metric = "Errors"
dimensions = {{ FunctionName = {q(function)}, Resource = {q(function + ":live")} }}
statistic = "Sum"
period_secs = 60
evaluation_periods = 1
datapoints_to_alarm = 1
threshold = {threshold(rpm, error_rate)}
comparison = "GreaterThanThreshold"
treat_missing_data = "notBreaching"
"""


def group_toml(application, name, config, alarm):
    return f"""[[group]]
application = {q(application)}
name = {q(name)}
config = {q(config)}
alarms = {strings([alarm])}
auto_rollback = {strings(ROLLBACK)}
"""


def deployment_toml(application, group, function, current, at_min, creator, extra=""):
    return f"""[[deployment]]
application = {q(application)}
group = {q(group)}
function = {q(function)}
current = {current}
target = {current + 1}
at_min = {at_min}
creator = {q(creator)}
{extra}"""


def is_canary(i, n, canaries):
    """Spreads `canaries` canary groups evenly over the `n` functions."""
    return (i + 1) * canaries // n > i * canaries // n


def stack(n, canaries, seed=2024):
    """The scenario text for a stack of `n` functions, `canaries` of them canary, the rest linear."""
    assert n <= len(VERBS) * len(NOUNS)
    # Only .random() is used: its sequence for a seed is the same in every Python version. The
    # same seed for every size: a bigger stack starts with the same functions as a smaller one.
    rng = random.Random(seed)
    app = physical("ServerlessDeploymentApplication", 12)
    functions, alarms, groups, history, current = [], [], [], [], []
    for i in range(n):
        logical = VERBS[i % len(VERBS)] + NOUNS[i // len(VERBS)]
        fn = physical(f"{logical}Function", 8)
        assert len(fn) <= 40, fn
        rpm = round(30 * 40 ** rng.random())  # log-uniform in 30..1200
        error_rate = round(0.001 + 0.002 * rng.random(), 4)  # about 0.002
        p50 = round(15 + 135 * rng.random())
        p99 = round(p50 * (3 + 3 * rng.random()))
        group = physical(f"{logical}FunctionDeploymentGroup", 12)
        alarm = physical(f"{logical}AliasErrorsAlarm", 12)
        config = CANARY if is_canary(i, n, canaries) else LINEAR
        hook = f"before_hook = {q(HOOK)}\n" if i % HOOK_EVERY == HOOK_EVERY - 1 else ""
        functions.append(function_toml(fn, rpm, error_rate, p50, p99, 3, 1))
        alarms.append(alarm_toml(alarm, fn, rpm, error_rate))
        groups.append(group_toml(app, group, config, alarm))
        history.append(deployment_toml(app, group, fn, 1, PREVIOUS_MIN, "CloudFormation", hook))
        current.append(deployment_toml(app, group, fn, 2, 0, "CloudFormation", hook))
    hooked = n // HOOK_EVERY
    functions.append(
        f"""[[function]]
name = {q(HOOK)}
hook = "succeed"
hook_delay_secs = 3
"""
    )

    other_apps = []
    for app_name, fn, cfg, at_min, rpm, description in OTHERS:
        if app_name not in other_apps:
            other_apps.append(app_name)
        alarm = f"{fn}-live-errors"
        functions.append(function_toml(fn, rpm, 0.002, 40, 180, 2, 1))
        alarms.append(alarm_toml(alarm, fn, rpm, 0.002))
        groups.append(group_toml(app_name, f"{fn}-live", f"CodeDeployDefault.Lambda{cfg}", alarm))
        current.append(
            deployment_toml(app_name, f"{fn}-live", fn, 1, at_min, "user",
                            f"description = {q(description)}\n")
        )

    name = "stack" if n == 40 else f"stack-{n}"
    header = f"""# {name}: one `sam deploy` of a {n}-function serverless stack. CloudFormation updates every
# function at minute 0 (2 -> 3: {n - canaries} groups linear 10% every minute, {canaries} canary 10% for 5
# minutes; {hooked} with a shared BeforeAllowTraffic hook); the previous stack update (1 -> 2, minute
# {PREVIOUS_MIN}) is history. Alongside, {len(OTHERS)} deployments of other teams ({", ".join(other_apps)}).
# Generated by `python3 scripts/gen_scenarios.py`: edit the generator, not this file.
description = "One sam deploy updating {n} functions at once, plus {len(OTHERS)} deployments of other teams"
history_minutes = {HISTORY_MINUTES}
"""
    applications = [f"[[application]]\nname = {q(a)}\n" for a in [app] + other_apps]
    sections = [header] + functions + alarms + applications + groups + history + current
    return "\n".join(sections)


def main():
    for filename, n, canaries in [("stack.toml", 40, 10), ("stack-100.toml", 100, 30)]:
        path = OUT / filename
        path.write_text(stack(n, canaries))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
