"""Who invokes which function, which mapping reads which queue or stream, which subscription
delivers what: the serverless relationships of a run, built once (`messaging_index`).

Functions are found from every way a template names one: `Ref`/`GetAtt` (also through an
`AWS::Lambda::Alias` or `Version`, or SAM's `Fn.Alias`), an ARN built with `Fn::Sub`, or a
literal name or ARN equal to a function's `FunctionName`. Sources of an event source mapping are
queues, streams and tables of the run, or at least their kind from a literal ARN. A value the
linter cannot follow (a parameter without default, an import nobody exports) is recorded as
unknown, so rules that would otherwise report can stay silent.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...app import App
from ...template.nodes import Path
from ...template.resolve import Resolver, Sym, as_literal, intrinsic
from ...template.template import Resource

ResourceKey = tuple[str, str]
FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_FUNCTION_POINTERS = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
_UNKNOWN_SYMBOLS = frozenset({"param", "import", "unknown"})
_FUNCTION_ARN = re.compile(r"^arn:[\w-]+:lambda:[^:]*:[^:]*:function:([^:]+)")
_SAM_POINTER = re.compile(r"^(\w+)\.(Alias|Version)$")
# Source kind of an event source mapping, from the source's resource type and attribute.
_SOURCE_TYPES = {
    "AWS::SQS::Queue": "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::Kinesis::StreamConsumer": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::DynamoDB::GlobalTable": "dynamodb",
    "AWS::MSK::Cluster": "kafka",
    "AWS::MSK::ServerlessCluster": "kafka",
    "AWS::AmazonMQ::Broker": "mq",
    "AWS::DocDB::DBCluster": "docdb",
}
_ARN_SERVICES = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "kafka",
                 "mq": "mq", "rds": "docdb"}  # fmt: skip


def key(resource: Resource) -> ResourceKey:
    return (resource.template.file, resource.logical_id)


def resource_name(resource: Resource) -> str:
    return resource.logical_id


@dataclass(frozen=True)
class Named:
    """The resources a value names, and whether it may name others the linter cannot see."""

    resources: tuple[Resource, ...] = ()
    unknown: bool = False


@dataclass(frozen=True)
class Invocation:
    """One asynchronous way into a function."""

    function: Resource
    source: Resource  # the resource that sets it up (for SAM events, the function itself)
    description: str  # "S3 notifications of Uploads"
    path: Path = ()  # below `source`, where it is set up
    permission_only: bool = False  # a Lambda::Permission: a service may invoke, nothing says who


def described(invocations: list[Invocation]) -> list[str]:
    """Descriptions of the invokers; a permission only when nothing more telling names them."""
    telling = [i.description for i in invocations if not i.permission_only]
    return telling or [i.description for i in invocations]


@dataclass(frozen=True)
class Mapping:
    """An event source mapping: an AWS::Lambda::EventSourceMapping or a SAM polled event."""

    holder: Resource
    path: Path  # below the holder, to the mapping's properties
    settings: Any  # the mapping's properties (a mapping node)
    functions: Named
    kind: str | None  # sqs, kinesis, dynamodb, kafka, mq, docdb; None when unknown
    sources: tuple[Resource, ...]
    name: str  # for messages: the ESM's logical ID, or "<function> event <name>"


@dataclass(frozen=True)
class Subscription:
    """An SNS subscription: a resource, an item of a topic's Subscription list, a SAM event."""

    holder: Resource
    path: Path
    settings: Any
    topics: Named
    protocols: frozenset[str] | None  # lower case; None when unknown
    inline: bool  # in a topic's Subscription list (no RedrivePolicy possible)
    name: str


@dataclass
class MessagingIndex:
    functions: list[Resource] = field(default_factory=list)
    invocations: dict[ResourceKey, list[Invocation]] = field(
        default_factory=lambda: defaultdict(list)
    )
    invoke_configs: dict[ResourceKey, list[Resource]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unknown_invoke_configs: bool = False
    mappings: list[Mapping] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    _lookups: dict[str, dict[ResourceKey, list[Any]]] = field(default_factory=dict)

    def mappings_of(self, function: Resource) -> list[Mapping]:
        return self._by("_mappings_by_function", lambda m: m.functions.resources).get(
            key(function), []
        )

    def mappings_from(self, source: Resource) -> list[Mapping]:
        return self._by("_mappings_by_source", lambda m: m.sources).get(key(source), [])

    def subscriptions_to(self, topic: Resource) -> list[Subscription]:
        return self._by("_subscriptions_by_topic", lambda s: s.topics.resources).get(key(topic), [])

    def _by(self, name: str, ends: Any) -> dict[ResourceKey, list[Any]]:
        """An index of mappings or subscriptions by one of their ends, made on first use."""
        found = self._lookups.get(name)
        if found is None:
            items = self.subscriptions if name.startswith("_subscriptions") else self.mappings
            found = defaultdict(list)
            for item in items:
                for end in dict.fromkeys(ends(item)):
                    found[key(end)].append(item)
            self._lookups[name] = found
        return found


def messaging_index(app: App, data: dict[str, Any]) -> MessagingIndex:
    """The run's serverless relationships, from the model's data; built once per run."""
    sources = data.get("serverless_event_sources") or {}
    return app.shared("serverless.messaging", lambda shared: _Builder(shared, sources).build())


class FunctionNames:
    """Functions of the run by literal FunctionName (lower case)."""

    def __init__(self, app: App) -> None:
        self.by_name: dict[str, list[Resource]] = defaultdict(list)
        for function in app.resources(*FUNCTION_TYPES):
            resolver = app.resolver(function.template)
            for name in resolver.literals(function.prop("FunctionName")) or ():
                self.by_name[name.lower()].append(function)


def named_functions(app: App, resolver: Resolver, node: Any, names: FunctionNames) -> Named:
    """The functions of the run a function name, ARN or alias reference names."""
    if node is None:
        return Named()
    found: list[Resource] = []
    unknown = False
    function = intrinsic(node)
    if function and function[0] in ("Ref", "Fn::GetAtt"):
        argument = function[1]
        head = argument[0] if isinstance(argument, list) and argument else argument
        match = _SAM_POINTER.match(head) if isinstance(head, str) else None
        if match and match.group(1) in resolver.template.resources:
            target = resolver.template.resources[match.group(1)]
            return Named((target,)) if target.type in FUNCTION_TYPES else Named()
    for target in resolver.references(node):
        resource = app.resource_at(target)
        if resource is None:
            continue
        if resource.type in FUNCTION_TYPES:
            found.append(resource)
        elif resource.type in _FUNCTION_POINTERS:
            inner = named_functions(
                app, app.resolver(resource.template), resource.prop("FunctionName"), names
            )
            found.extend(inner.resources)
            unknown = unknown or inner.unknown
        elif resource.type.startswith("Custom::") or resource.type in (
            "AWS::CloudFormation::Stack",
            "AWS::CloudFormation::CustomResource",
            "AWS::Serverless::Application",
        ):
            unknown = True
    for parts in resolver.values(node):
        symbols = [part for part in parts if isinstance(part, Sym)]
        if any(symbol.kind in _UNKNOWN_SYMBOLS for symbol in symbols):
            unknown = True
        literal = as_literal(parts)
        if literal is None and parts and isinstance(parts[-1], str) and ":function:" in parts[-1]:
            literal = parts[-1].rsplit(":function:", 1)[1]  # an ARN built from pseudo parameters
        if literal:
            arn = _FUNCTION_ARN.match(literal)
            name = arn.group(1) if arn else literal.split(":", 1)[0]
            found.extend(names.by_name.get(name.lower(), ()))
    unique = tuple(dict.fromkeys(found))
    return Named(unique, unknown)


def _url_suffix(part: str | Sym) -> str:
    """A principal written `!Sub s3.${AWS::URLSuffix}` is the service's amazonaws.com one."""
    if isinstance(part, str):
        return part
    return "amazonaws.com" if part.kind == "pseudo" and part.name == "AWS::URLSuffix" else "\0"


def _literal_lower(resolver: Resolver, node: Any) -> frozenset[str] | None:
    values = resolver.literals(node)
    return None if values is None else frozenset(v.lower() for v in values)


class _Builder:
    def __init__(self, app: App, sources: dict[str, Any]) -> None:
        self.app = app
        self.index = MessagingIndex()
        self.names = FunctionNames(app)
        self.asynchronous_events = frozenset(sources.get("asynchronous_events", []))
        self.polled_events: dict[str, str] = dict(sources.get("polled_events", {}))
        self.principals = frozenset(p.lower() for p in sources.get("asynchronous_principals", []))

    def build(self) -> MessagingIndex:
        handlers = {
            "AWS::Lambda::Function": self._function,
            "AWS::Serverless::Function": self._sam_function,
            "AWS::Lambda::Permission": self._permission,
            "AWS::Lambda::EventInvokeConfig": self._invoke_config,
            "AWS::Lambda::EventSourceMapping": self._mapping,
            "AWS::Events::Rule": self._rule,
            "AWS::Scheduler::Schedule": self._schedule,
            "AWS::S3::Bucket": self._bucket,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::SNS::Topic": self._topic,
            "AWS::Logs::SubscriptionFilter": self._log_subscription,
            "AWS::IoT::TopicRule": self._topic_rule,
        }
        for resource in self.app.resources():
            handler = handlers.get(resource.type)
            if handler is not None:
                handler(resource)
            elif resource.type == "Custom::S3BucketNotifications":
                self._bucket(resource)
        return self.index

    # ---- helpers --------------------------------------------------------------------------

    def resolver(self, resource: Resource) -> Resolver:
        return self.app.resolver(resource.template)

    def functions(self, resource: Resource, node: Any) -> Named:
        return named_functions(self.app, self.resolver(resource), node, self.names)

    def invoked(
        self, resource: Resource, node: Any, description: str, path: Path, permission: bool = False
    ) -> None:
        for function in self.functions(resource, node).resources:
            self.index.invocations[key(function)].append(
                Invocation(function, resource, description, path, permission)
            )

    def referenced(self, resource: Resource, node: Any) -> Named:
        found = []
        unknown = False
        resolver = self.resolver(resource)
        for target in resolver.references(node):
            other = self.app.resource_at(target)
            if other is not None:
                found.append(other)
        for parts in resolver.values(node):
            if any(isinstance(p, Sym) and p.kind in _UNKNOWN_SYMBOLS for p in parts):
                unknown = True
        return Named(tuple(dict.fromkeys(found)), unknown)

    # ---- functions ------------------------------------------------------------------------

    def _function(self, function: Resource) -> None:
        self.index.functions.append(function)

    def _sam_function(self, function: Resource) -> None:
        self.index.functions.append(function)
        events = function.prop("Events")
        if not isinstance(events, dict):
            return
        for name, event in events.items():
            if not isinstance(event, dict):
                continue
            kind = event.get("Type")
            properties = event.get("Properties")
            path = ("Properties", "Events", name)
            if not isinstance(kind, str):
                continue
            if kind == "SNS" and isinstance(properties, dict):
                self._sam_sns_event(function, str(name), properties, path)
            elif kind in self.asynchronous_events:
                self.index.invocations[key(function)].append(
                    Invocation(function, function, f"its {kind} event {name}", path)
                )
            if kind in self.polled_events and isinstance(properties, dict):
                self._sam_mapping(function, str(name), kind, properties, path)

    def _sam_sns_event(self, function: Resource, name: str, properties: Any, path: Path) -> None:
        resolver = self.resolver(function)
        through_queue = properties.get("SqsSubscription")
        queued = through_queue is not None and resolver.literal(through_queue) not in (
            "false",
            "False",
        )
        if not queued:
            self.index.invocations[key(function)].append(
                Invocation(function, function, f"its SNS event {name}", path)
            )
        self.index.subscriptions.append(
            Subscription(
                holder=function,
                path=(*path, "Properties"),
                settings=properties,
                topics=self.referenced(function, properties.get("Topic")),
                protocols=frozenset({"sqs" if queued else "lambda"}),
                inline=False,
                name=f"{function.logical_id} event {name}",
            )
        )

    def _sam_mapping(
        self, function: Resource, name: str, kind: str, properties: Any, path: Path
    ) -> None:
        source_property = {"SQS": "Queue", "Kinesis": "Stream", "DynamoDB": "Stream"}.get(
            kind, "Stream"
        )
        sources = self.referenced(function, properties.get(source_property))
        self.index.mappings.append(
            Mapping(
                holder=function,
                path=(*path, "Properties"),
                settings=properties,
                functions=Named((function,)),
                kind=self.polled_events[kind],
                sources=tuple(s for s in sources.resources if s.type in _SOURCE_TYPES),
                name=f"{function.logical_id} event {name}",
            )
        )

    def _invoke_config(self, config: Resource) -> None:
        named = self.functions(config, config.prop("FunctionName"))
        if named.unknown:
            self.index.unknown_invoke_configs = True
        for function in named.resources:
            self.index.invoke_configs[key(function)].append(config)

    def _permission(self, permission: Resource) -> None:
        resolver = self.resolver(permission)
        principals = {
            "".join(_url_suffix(part) for part in parts)
            for parts in resolver.values(permission.prop("Principal"))
        }
        for principal in principals:
            service = principal.lower().split(".amazonaws.com", 1)[0]
            if principal.lower().endswith((".amazonaws.com", ".amazonaws.com.cn")) and (
                service in self.principals
            ):
                self.invoked(
                    permission,
                    permission.prop("FunctionName"),
                    f"permission {permission.logical_id} for {service}.amazonaws.com",
                    ("Properties", "FunctionName"),
                    permission=True,
                )
                return

    # ---- event source mappings ------------------------------------------------------------

    def _mapping(self, mapping: Resource) -> None:
        resolver = self.resolver(mapping)
        source = mapping.prop("EventSourceArn")
        referenced = self.referenced(mapping, source)
        sources = []
        kinds: set[str | None] = set()
        for resource in referenced.resources:
            kind = _SOURCE_TYPES.get(resource.type)
            if kind is not None:
                sources.append(resource)
                kinds.add(kind)
        if not sources:
            for parts in resolver.values(source) if source is not None else ():
                head = parts[0] if parts and isinstance(parts[0], str) else ""
                match = re.match(r"arn:[\w-]+:(\w+):", head)
                kinds.add(_ARN_SERVICES.get(match.group(1)) if match else None)
            if mapping.prop("SelfManagedEventSource") is not None:
                kinds = {"kafka"}
        kind = kinds.pop() if len(kinds) == 1 else None
        self.index.mappings.append(
            Mapping(
                holder=mapping,
                path=("Properties",),
                settings=mapping.properties,
                functions=self.functions(mapping, mapping.prop("FunctionName")),
                kind=kind,
                sources=tuple(sources),
                name=mapping.logical_id,
            )
        )

    # ---- asynchronous invokers ------------------------------------------------------------

    def _rule(self, rule: Resource) -> None:
        targets = rule.prop("Targets")
        for index, target in enumerate(targets if isinstance(targets, list) else []):
            if isinstance(target, dict):
                self.invoked(
                    rule,
                    target.get("Arn"),
                    f"EventBridge rule {rule.logical_id}",
                    ("Properties", "Targets", index),
                )

    def _schedule(self, schedule: Resource) -> None:
        target = schedule.prop("Target")
        if isinstance(target, dict):
            self.invoked(
                schedule,
                target.get("Arn"),
                f"EventBridge schedule {schedule.logical_id}",
                ("Properties", "Target"),
            )

    def _bucket(self, bucket: Resource) -> None:
        configuration = bucket.prop("NotificationConfiguration")
        if not isinstance(configuration, dict):
            return
        for list_name, arn_name in (
            ("LambdaConfigurations", "Function"),
            ("LambdaFunctionConfigurations", "LambdaFunctionArn"),  # CDK's custom resource
        ):
            items = configuration.get(list_name)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict):
                    self.invoked(
                        bucket,
                        item.get(arn_name),
                        f"S3 notifications of {bucket.logical_id}",
                        ("Properties", "NotificationConfiguration", list_name, index),
                    )

    def _log_subscription(self, subscription: Resource) -> None:
        self.invoked(
            subscription,
            subscription.prop("DestinationArn"),
            f"log subscription {subscription.logical_id}",
            ("Properties", "DestinationArn"),
        )

    def _topic_rule(self, rule: Resource) -> None:
        payload = rule.prop("TopicRulePayload")
        actions = payload.get("Actions") if isinstance(payload, dict) else None
        for index, action in enumerate(actions if isinstance(actions, list) else []):
            lambda_action = action.get("Lambda") if isinstance(action, dict) else None
            if isinstance(lambda_action, dict):
                self.invoked(
                    rule,
                    lambda_action.get("FunctionArn"),
                    f"IoT rule {rule.logical_id}",
                    ("Properties", "TopicRulePayload", "Actions", index),
                )

    # ---- SNS ------------------------------------------------------------------------------

    def _subscription(self, subscription: Resource) -> None:
        protocols = _literal_lower(self.resolver(subscription), subscription.prop("Protocol"))
        self._add_subscription(
            subscription,
            ("Properties",),
            subscription.properties,
            self.referenced(subscription, subscription.prop("TopicArn")),
            protocols,
            inline=False,
            name=subscription.logical_id,
        )

    def _topic(self, topic: Resource) -> None:
        items = topic.prop("Subscription")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            protocols = _literal_lower(self.resolver(topic), item.get("Protocol"))
            self._add_subscription(
                topic,
                ("Properties", "Subscription", index),
                item,
                Named((topic,)),
                protocols,
                inline=True,
                name=f"{topic.logical_id} subscription {index + 1}",
            )

    def _add_subscription(
        self,
        holder: Resource,
        path: Path,
        settings: Any,
        topics: Named,
        protocols: frozenset[str] | None,
        inline: bool,
        name: str,
    ) -> None:
        self.index.subscriptions.append(
            Subscription(holder, path, settings, topics, protocols, inline, name)
        )
        if protocols and "lambda" in protocols:
            description = f"SNS subscription {name}"
            for function in self.functions(holder, settings.get("Endpoint")).resources:
                self.index.invocations[key(function)].append(
                    Invocation(function, holder, description, (*path, "Endpoint"))
                )


def iter_functions(app: App) -> Iterator[Resource]:
    yield from app.resources(*FUNCTION_TYPES)
