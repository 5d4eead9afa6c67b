"""Structural mutation fuzzing: real templates, bent out of shape, must never crash a rule.

A mutant is one or two template files made from a seed (a fixture, or a template of the
real-world corpus in `../shared/corpus`) by a few structural mutations: values to null, lists
to scalars and back, intrinsics with the wrong arity or argument types, deep nesting, huge
numbers, odd Unicode, resource types swapped, conditions that do not exist, and, across two
templates, duplicate logical IDs and export cycles. Mutant `n` of seed `s` is always the same,
so a failure is reproduced from the two numbers (`bench/fuzz.py --seed s --only n`).

`check_api` and `check_plugin` lint a mutant in-process (the Python API; the cfn-lint plugin's
rules on cfn-lint's own decoding) and report any exception, any rule crash and the time it
took; `check_cli` and `check_cfn_lint` run many mutants through the two commands at once.
The short run is `tests/test_fuzz.py`, the long one `bench/fuzz.py`.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import mmaws_lint
from mmaws_lint.template.decode import DecodeError, decode_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
BIN = Path(sys.executable).parent
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
OUR_RULE = re.compile(r"\b[EWI]MM\d{3}\b")

# Written into the tree where a number too long for Python's int/str conversion goes, and
# replaced by the digits in the serialised text.
_HUGE = "MMAWS_FUZZ_HUGE_NUMBER"
_HUGE_DIGITS = "9" * 5000

_FUNCTIONS = (
    "Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split",
    "Fn::If", "Fn::FindInMap", "Fn::ImportValue", "Fn::GetAZs", "Fn::Base64", "Fn::Cidr",
    "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Length", "Fn::ToJsonString",
)  # fmt: skip
_BAD_ARGUMENTS: tuple[Any, ...] = (
    [], {}, 5, None, True, "", "x", [[]], [{}], ["a"], ["a", "b", "c", "d"], [None, None, None],
    [{"Ref": []}, "a", "b"], [["Cond"], "a", "b"], ["Map", ["k"], "v"], [0], [-1, ["a"]],
    ["99999999999999999999", ["a"]], {"Ref": {"Ref": "x"}}, [{}, {}], "${", "${A.B.C}",
)  # fmt: skip
_ODD_TEXT = (
    "", " ", "\u202eevil", "emoji-\U0001f600", "e\u0301", "\u0000nul", "\ufeffbom", "日本語",
    "a" * 5000, "${AWS::NoValue}", "arn:aws:iam::*:role/*", "0.0.0.0/0", "::/0", "-1", "1e400",
    "null", "~", "true", "AWS::NoValue", "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2",
    "half-\ud800-pair",
)  # fmt: skip
_ODD_NUMBERS: tuple[Any, ...] = (_HUGE, 10**30, -(2**63), 1e308, -0.0, 0, -1, 3.5, float("inf"))
_TYPES = (
    "AWS::EC2::Instance", "AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress", "AWS::CloudWatch::Alarm", "AWS::SQS::Queue",
    "AWS::SNS::Topic", "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster", "AWS::Lambda::Function", "AWS::Serverless::Function",
    "AWS::DynamoDB::Table", "AWS::EC2::Volume", "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::EC2::NetworkAclEntry", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::ECS::Service",
    "AWS::EFS::FileSystem", "AWS::Kinesis::Stream", "AWS::EC2::LaunchTemplate",
    "AWS::CloudFormation::Stack", "AWS::Backup::BackupPlan", "Custom::Thing",
)  # fmt: skip


# ---- seeds -------------------------------------------------------------------------------


def seed_files(corpus: bool = True) -> list[Path]:
    """Template-like files to mutate: every fixture, and the corpus when it is there."""
    roots = [FIXTURES] + ([CORPUS] if corpus and CORPUS.is_dir() else [])
    files = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            wanted = path.suffix in TEMPLATE_SUFFIXES and path.name != "manifest.json"
            if wanted and path.is_file() and not path.is_symlink():
                files.append(path)
    return files


@functools.lru_cache(maxsize=512)
def _seed_tree(path: Path) -> Any:
    """The plain dict/list tree of a template, or None when it is not one."""
    try:
        if path.stat().st_size > 1024 * 1024:
            return None
        data = decode_text(path.read_text(encoding="utf-8"), [])
    except (OSError, UnicodeDecodeError, DecodeError, RecursionError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        return None
    return _plain(data)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    return node


# ---- mutations ---------------------------------------------------------------------------

Slot = tuple[Any, Any]  # (container, key or index)


def _slots(tree: Any, limit: int = 20000) -> list[Slot]:
    """Every (container, key) place below the top-level sections, breadth first, bounded."""
    found: list[Slot] = []
    queue = [tree]
    while queue and len(found) < limit:
        node = queue.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            found.append((node, key))
            if isinstance(value, (dict, list)):
                queue.append(value)
    return found


def _pick(rng: random.Random, tree: Any, want: Callable[[Any], bool] = lambda v: True) -> Slot:
    """A place to mutate: mostly inside one resource (where rules read), else anywhere."""
    bodies = [b for b in _resources(tree).values() if isinstance(b, dict)]
    root = rng.choice(bodies) if bodies and rng.random() < 0.75 else tree
    slots = [s for s in _slots(root) if s[0] is not tree and want(s[0][s[1]])]
    if not slots and root is not tree:
        slots = [s for s in _slots(tree) if s[0] is not tree and want(s[0][s[1]])]
    if not slots:
        slots = [(tree, "Resources")]
    return rng.choice(slots)


def _is_intrinsic(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and (next(iter(value)) in ("Ref", "Condition") or str(next(iter(value))).startswith("Fn::"))
    )


def _resources(tree: dict) -> dict:
    resources = tree.get("Resources")
    return resources if isinstance(resources, dict) else {}


def mutate_null(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree)
    container[key] = None
    return "null"


def mutate_list_to_scalar(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree, lambda v: isinstance(v, list))
    value = container[key]
    container[key] = value[0] if isinstance(value, list) and value else "scalar"
    return "list-to-scalar"


def mutate_scalar_to_list(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree, lambda v: not isinstance(v, list))
    container[key] = [container[key]] if rng.random() < 0.7 else [container[key], container[key]]
    return "scalar-to-list"


def mutate_shape(rng: random.Random, tree: dict) -> str:
    """A mapping becomes a list of its values or a string; a list becomes a mapping."""
    container, key = _pick(rng, tree, lambda v: isinstance(v, (dict, list)))
    value = container[key]
    if isinstance(value, dict):
        container[key] = list(value.values()) if rng.random() < 0.5 else "not-a-mapping"
    elif isinstance(value, list):
        container[key] = {f"Item{index}": item for index, item in enumerate(value)}
    return "shape"


def mutate_bad_intrinsic(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree)
    container[key] = {rng.choice(_FUNCTIONS): copy.deepcopy(rng.choice(_BAD_ARGUMENTS))}
    return "bad-intrinsic"


def mutate_intrinsic_argument(rng: random.Random, tree: dict) -> str:
    """An existing intrinsic loses or gains an argument, or one changes type."""
    container, key = _pick(rng, tree, _is_intrinsic)
    node = container[key]
    if not _is_intrinsic(node):
        return mutate_bad_intrinsic(rng, tree)
    name = next(iter(node))
    argument = node[name]
    choice = rng.random()
    if isinstance(argument, list) and argument and choice < 0.3:
        argument.pop(rng.randrange(len(argument)))
    elif isinstance(argument, list) and choice < 0.5:
        argument.append(copy.deepcopy(rng.choice(_BAD_ARGUMENTS)))
    elif isinstance(argument, list) and argument and choice < 0.8:
        argument[rng.randrange(len(argument))] = copy.deepcopy(rng.choice(_BAD_ARGUMENTS))
    else:
        node[name] = copy.deepcopy(rng.choice(_BAD_ARGUMENTS))
    return "intrinsic-argument"


def mutate_deep(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree)
    value = container[key]
    depth = rng.choice((20, 60, 120, 200))
    wrapper = rng.choice(("if", "list", "join", "select", "map"))
    for level in range(depth):
        if wrapper == "if":
            value = {"Fn::If": [f"C{level % 3}", value, {"Ref": "AWS::NoValue"}]}
        elif wrapper == "list":
            value = [value]
        elif wrapper == "join":
            value = {"Fn::Join": ["", [value, "x"]]}
        elif wrapper == "select":
            value = {"Fn::Select": [0, [value]]}
        else:
            value = {"Key": value}
    container[key] = value
    return f"deep-{wrapper}"


def mutate_number(rng: random.Random, tree: dict) -> str:
    container, key = _pick(rng, tree, lambda v: not isinstance(v, (dict, list)))
    container[key] = rng.choice(_ODD_NUMBERS)
    return "number"


def mutate_unicode(rng: random.Random, tree: dict) -> str:
    text = rng.choice(_ODD_TEXT)
    if rng.random() < 0.3 and _resources(tree):
        resources = _resources(tree)
        old = rng.choice(list(resources))
        resources[f"{old}{text[:40]}"] = resources.pop(old)
    else:
        container, key = _pick(rng, tree, lambda v: isinstance(v, str))
        container[key] = text
    return "unicode"


def mutate_type(rng: random.Random, tree: dict) -> str:
    """A resource takes another type (its properties now mean nothing the rules expect)."""
    resources = _resources(tree)
    bodies = [body for body in resources.values() if isinstance(body, dict)]
    if not bodies:
        return mutate_null(rng, tree)
    body = rng.choice(bodies)
    choice = rng.random()
    if choice < 0.8:
        body["Type"] = rng.choice(_TYPES)
    elif choice < 0.9:
        body["Properties"] = rng.choice((None, [], "text", 5))
    else:
        body["Type"] = rng.choice(([body.get("Type")], {"Ref": "Kind"}, None, 5))
    return "type"


def mutate_reference(rng: random.Random, tree: dict) -> str:
    """A Ref or GetAtt names something that does not exist, or another resource."""
    resources = list(_resources(tree)) or ["Nothing"]
    target = rng.choice([*resources, "Missing", "AWS::NoValue", "AWS::Region", ""])
    container, key = _pick(rng, tree)
    container[key] = (
        {"Ref": target}
        if rng.random() < 0.5
        else {"Fn::GetAtt": [target, rng.choice(("Arn", "GroupId", "", "A.B"))]}
    )
    return "reference"


def mutate_condition(rng: random.Random, tree: dict) -> str:
    """Conditions that do not exist, or of the wrong type, in every place one is named."""
    missing = rng.choice(("Missing", "", "Cond"))
    choice = rng.random()
    bodies = [b for b in _resources(tree).values() if isinstance(b, dict)]
    if choice < 0.3 and bodies:
        rng.choice(bodies)["Condition"] = rng.choice((missing, [missing], {"Ref": "X"}, 5))
    elif choice < 0.5:
        conditions = tree.setdefault("Conditions", {})
        if isinstance(conditions, dict):
            conditions[rng.choice(("Cond", "C0", "C1"))] = rng.choice(
                ({"Condition": missing}, {"Fn::Not": [{"Condition": missing}]}, {"Ref": "X"},
                 True, {"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Fn::And": []}, None)
            )  # fmt: skip
    else:
        container, key = _pick(rng, tree)
        container[key] = {"Fn::If": [missing, container[key], {"Ref": "AWS::NoValue"}]}
    return "condition"


MUTATIONS: dict[str, Callable[[random.Random, dict], str]] = {
    "null": mutate_null,
    "list-to-scalar": mutate_list_to_scalar,
    "scalar-to-list": mutate_scalar_to_list,
    "shape": mutate_shape,
    "bad-intrinsic": mutate_bad_intrinsic,
    "intrinsic-argument": mutate_intrinsic_argument,
    "deep": mutate_deep,
    "number": mutate_number,
    "unicode": mutate_unicode,
    "type": mutate_type,
    "reference": mutate_reference,
    "condition": mutate_condition,
}
# Malformed intrinsics are where readers crash: they are drawn more often.
_WEIGHTS = {"bad-intrinsic": 2, "intrinsic-argument": 4}


def _export_cycle(rng: random.Random, first: dict, second: dict) -> str:
    """Exports that import each other (across the two templates and within one, through
    `Fn::If`), read by values a rule resolves."""
    a, b = f"Fuzz{rng.randrange(100)}A", f"Fuzz{rng.randrange(100)}B"
    for tree, exported, imported in ((first, a, b), (second, b, a)):
        outputs = tree.setdefault("Outputs", {})
        if not isinstance(outputs, dict):
            tree["Outputs"] = outputs = {}
        value: Any = {"Fn::ImportValue": imported}
        if rng.random() < 0.5:
            value = {"Fn::If": ["C0", value, {"Fn::ImportValue": exported}]}
        outputs["FuzzCycle"] = {"Value": value, "Export": {"Name": exported}}
        for _ in range(rng.randint(1, 3)):
            container, key = _pick(rng, tree)
            container[key] = {"Fn::ImportValue": rng.choice((a, b))}
    return "export-cycle"


def _duplicate_ids(rng: random.Random, first: dict, second: dict) -> str:
    """The second template reuses the first's logical IDs and export names."""
    second["Resources"] = copy.deepcopy(first.get("Resources"))
    if isinstance(first.get("Outputs"), dict):
        second["Outputs"] = copy.deepcopy(first["Outputs"])
    return "duplicate-ids"


PAIR_MUTATIONS: dict[str, Callable[[random.Random, dict, dict], str]] = {
    "export-cycle": _export_cycle,
    "duplicate-ids": _duplicate_ids,
}


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# ---- mutants -----------------------------------------------------------------------------


@dataclass
class Mutant:
    seed: int
    number: int
    source: str
    mutations: list[str]
    files: dict[str, str]  # file name -> text

    @property
    def name(self) -> str:
        return f"s{self.seed}-n{self.number}"


def make_mutant(
    seed: int, number: int, sources: list[Path], pairs: bool = True, cycles: bool = True
) -> Mutant:
    """Mutant `number` of `seed`: always the same files for the same arguments."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))  # copying and writing deep mutations recurses
    try:
        return _make_mutant(seed, number, sources, pairs, cycles)
    finally:
        sys.setrecursionlimit(limit)


_FIXTURES_AMONG: dict[int, list[Path]] = {}


def _fixtures_among(sources: list[Path]) -> list[Path]:
    key = id(sources)
    if key not in _FIXTURES_AMONG:
        _FIXTURES_AMONG[key] = [path for path in sources if path.is_relative_to(FIXTURES)]
    return _FIXTURES_AMONG[key]


def _make_mutant(seed: int, number: int, sources: list[Path], pairs: bool, cycles: bool) -> Mutant:
    rng = random.Random(f"{seed}:{number}")
    tree = None
    source = sources[0]
    fixtures = _fixtures_among(sources)
    for _ in range(20):  # corpus files that are not templates are passed over
        # Fixtures hold what each rule reads, the corpus what people write: half and half.
        source = rng.choice(fixtures if fixtures and rng.random() < 0.5 else sources)
        tree = _seed_tree(source)
        if tree is not None:
            break
    if tree is None:
        tree = {"Resources": {"Web": {"Type": "AWS::EC2::Instance"}}}
    tree = _plain(tree)  # a fresh copy to mutate
    kinds = list(MUTATIONS)
    weights = [_WEIGHTS.get(kind, 1) for kind in kinds]
    applied = [
        MUTATIONS[rng.choices(kinds, weights)[0]](rng, tree) for _ in range(rng.randint(1, 4))
    ]
    trees = [tree]
    pair_kinds = [k for k in PAIR_MUTATIONS if cycles or k != "export-cycle"]
    if pairs and pair_kinds and rng.random() < 0.2:
        other = copy.deepcopy(_seed_tree(rng.choice(sources)) or tree)
        applied.append(PAIR_MUTATIONS[rng.choice(pair_kinds)](rng, tree, other))
        trees.append(other)
    files = {}
    for index, each in enumerate(trees):
        as_json = rng.random() < 0.5
        name = f"{seed}-{number}-{index}.{'json' if as_json else 'yaml'}"
        files[name] = serialise(each, as_json)
    relative = source.relative_to(ROOT.parent) if source.is_relative_to(ROOT.parent) else source
    return Mutant(seed, number, str(relative), applied, files)


def serialise(tree: Any, as_json: bool) -> str:
    if as_json:
        # One line (the fast encoder) or indented, so positions are exercised too.
        text = json.dumps(tree, indent=1 if len(str(tree)) < 20000 else None, allow_nan=True)
        return text.replace(f'"{_HUGE}"', _HUGE_DIGITS)
    options: dict[str, Any] = {"allow_unicode": True, "sort_keys": False, "width": 120}
    try:
        text = yaml.dump(tree, Dumper=_Dumper, **options)
    except UnicodeEncodeError:  # libyaml cannot write half a surrogate pair; PyYAML can
        text = yaml.dump(tree, Dumper=yaml.SafeDumper, **options)
    return text.replace(f"'{_HUGE}'", _HUGE_DIGITS).replace(_HUGE, _HUGE_DIGITS)


def write_mutant(mutant: Mutant, folder: Path) -> list[Path]:
    paths = []
    for name, text in mutant.files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        paths.append(path)
    return paths


def mutants(
    seed: int, count: int, sources: list[Path], start: int = 0, **options: bool
) -> Iterator[Mutant]:
    for number in range(start, start + count):
        yield make_mutant(seed, number, sources, **options)


# ---- running -----------------------------------------------------------------------------


class Timeout(Exception):
    pass


@dataclass
class Outcome:
    mutant: Mutant
    seconds: float  # wall clock
    failure: str = ""  # an exception, a rule crash or a timeout; "" when all is well
    problems: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # what the bound is about: a busy shared machine stretches wall time


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout()


def check_api(mutant: Mutant, folder: Path, timeout: float = 60.0) -> Outcome:
    """Lint the mutant through `mmaws_lint.lint_result`; a hang becomes a failure."""
    paths = write_mutant(mutant, folder)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    started, cpu_started = time.perf_counter(), time.process_time()
    failure = ""
    problems: list[str] = []
    try:
        result = mmaws_lint.lint_result([str(p) for p in paths], config=False)
        problems = [str(p) for p in result.problems]
        crashes = [p for p in problems if "internal error" in p]
        if crashes:
            failure = crashes[0]
    except Timeout:
        failure = f"no answer in {timeout:.0f} s"
    except Exception as exc:  # the point of fuzzing: any exception is a finding
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        for path in paths:
            path.unlink()
    return Outcome(mutant, seconds, failure, problems, cpu)


@functools.cache
def _plugin_rules() -> list[type]:
    import mmaws_lint.cfn_lint as plugin

    return [value for name, value in vars(plugin).items() if OUR_RULE.fullmatch(name)]


def check_plugin(mutant: Mutant, timeout: float = 60.0) -> Outcome:
    """Lint each file of the mutant through the cfn-lint plugin's rules, in-process, on the
    template cfn-lint decodes (its own rules are left out: some of them take minutes on deep
    nesting, which says nothing about this pack)."""
    from cfnlint.decode import decode_str
    from cfnlint.template import Template as CfnTemplate

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    started, cpu_started = time.perf_counter(), time.process_time()
    failure = ""
    try:
        for name, text in mutant.files.items():
            try:
                data, _ = decode_str(text)
                if not isinstance(data, dict):
                    continue  # cfn-lint cannot read it either: it reports that itself
                cfn = CfnTemplate(name, data, ["us-east-1"])
            except Exception:  # cfn-lint's own view of the template fails: it reports that
                continue
            for rule in _plugin_rules():
                rule().match(cfn)  # a crashed pack rule raises, which cfn-lint shows as E0002
    except Timeout:
        failure = f"no answer in {timeout:.0f} s"
    except Exception as exc:
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return Outcome(mutant, seconds, failure, cpu_seconds=cpu)


def warm_up(folder: Path) -> None:
    """Import the rules, the model and cfn-lint once, so the first mutant is not charged for it."""
    template = "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n"
    mutant = Mutant(0, -1, "warm-up", [], {"warm-up.yaml": template})
    check_api(mutant, folder)
    check_plugin(mutant)


def check_cli(folder: Path, timeout: float = 600.0) -> list[str]:
    """Run `mmaws-lint check` on a folder of mutants; the failures it shows."""
    done = subprocess.run(
        [str(BIN / "mmaws-lint"), "check", "--no-config", "--format", "json", str(folder)],
        capture_output=True, text=True, timeout=timeout, errors="replace",
    )  # fmt: skip
    failures = [line for line in done.stderr.splitlines() if "internal error" in line]
    if "Traceback" in done.stderr or done.returncode not in (0, 1, 2):
        failures.append(f"exit {done.returncode}: {done.stderr[-2000:]}")
    try:
        json.loads(done.stdout)
    except ValueError as exc:
        failures.append(f"the JSON report does not parse: {exc}")
    return failures


# cfn-lint's own rule IDs: a digit after the level letter (ours have "MM"). Ignoring them keeps
# the run about this pack; E0 (parse errors, rule crashes) stays.
_CFN_LINT_OWN_RULES = [f"{level}{digit}" for level in "EWI" for digit in range(1, 10)]


def check_cfn_lint(files: list[Path], timeout: float = 600.0) -> list[str]:
    """Run the cfn-lint command with the pack on files; failures of this pack (E0002 naming
    our rules, a traceback through mmaws_lint)."""
    env = {key: value for key, value in os.environ.items() if key != "MMAWS_LINT_MODEL"}
    done = subprocess.run(
        [str(BIN / "cfn-lint"), "--format", "parseable", "--include-checks", "I",
         "--ignore-checks", *_CFN_LINT_OWN_RULES, "--append-rules=mmaws_lint.cfn_lint",
         "--", *map(str, files)],
        capture_output=True, text=True, timeout=timeout, env=env, errors="replace",
    )  # fmt: skip
    failures = [
        line
        for line in done.stdout.splitlines()
        if ":E0002:" in line and (OUR_RULE.search(line) or "mmaws" in line)
    ]
    if "Traceback" in done.stderr and "mmaws_lint" in done.stderr:
        failures.append(done.stderr[-2000:])
    return failures
