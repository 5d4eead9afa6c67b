"""The template model rules read: resources, parameters, conditions, outputs and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .nodes import Map, Path, Span, locate

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
        "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
    }
)  # fmt: skip


@dataclass(eq=False)
class Resource:
    logical_id: str
    type: str
    properties: Map
    condition: str | None
    deletion_policy: Any
    update_replace_policy: Any
    metadata: Map
    depends_on: list[str]
    template: Template = field(repr=False)

    @property
    def path(self) -> Path:
        return ("Resources", self.logical_id)

    def prop(self, *keys: Any, default: Any = None) -> Any:
        node: Any = self.properties
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    @property
    def never_deployed(self) -> bool:
        """True when the resource's Condition is false whatever the parameters are (it compares
        literals only); parameters, even with defaults, can take any value at deploy time."""
        if self.condition is None:
            return False
        return _condition_value(self.template.conditions, self.condition, 0) is False

    @property
    def cdk_path(self) -> str | None:
        path = self.metadata.get("aws:cdk:path") if isinstance(self.metadata, dict) else None
        if isinstance(path, str):
            return path
        return self.template.cdk_paths.get(self.logical_id)


@dataclass(eq=False)
class Parameter:
    name: str
    type: str
    default: Any
    allowed_values: list[Any] | None
    has_default: bool

    @property
    def default_is_value(self) -> bool:
        """False for SSM parameter types, whose default names an SSM parameter, not a value."""
        return not self.type.startswith("AWS::SSM::Parameter::")


@dataclass(eq=False)
class Template:
    """One decoded CloudFormation template; `data` is the spanned tree as written."""

    file: str
    data: Map
    stack_name: str
    cdk_paths: dict[str, str] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)  # LoadProblem caveats from decoding

    def span(self, path: Path) -> Span:
        return locate(self.data, path)

    def section(self, name: str) -> Map:
        value = self.data.get(name)
        return value if isinstance(value, Map) else Map()

    @cached_property
    def resources(self) -> dict[str, Resource]:
        result: dict[str, Resource] = {}
        for logical_id, body in self.section("Resources").items():
            if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
                continue
            properties = body.get("Properties")
            metadata = body.get("Metadata")
            depends_on = body.get("DependsOn")
            if isinstance(depends_on, str):
                depends_on = [depends_on]
            elif not isinstance(depends_on, list):
                depends_on = []
            condition = body.get("Condition")
            result[str(logical_id)] = Resource(
                logical_id=str(logical_id),
                type=body["Type"],
                properties=properties if isinstance(properties, Map) else Map(),
                condition=condition if isinstance(condition, str) else None,
                deletion_policy=body.get("DeletionPolicy"),
                update_replace_policy=body.get("UpdateReplacePolicy"),
                metadata=metadata if isinstance(metadata, Map) else Map(),
                depends_on=[d for d in depends_on or [] if isinstance(d, str)],
                template=self,
            )
        return result

    def resources_of(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    @cached_property
    def parameters(self) -> dict[str, Parameter]:
        result: dict[str, Parameter] = {}
        for name, body in self.section("Parameters").items():
            if not isinstance(body, dict):
                continue
            allowed = body.get("AllowedValues")
            result[str(name)] = Parameter(
                name=str(name),
                type=str(body.get("Type", "String")),
                default=body.get("Default"),
                allowed_values=list(allowed) if isinstance(allowed, list) else None,
                has_default="Default" in body,
            )
        return result

    @property
    def conditions(self) -> Map:
        return self.section("Conditions")

    @property
    def mappings(self) -> Map:
        return self.section("Mappings")

    @property
    def outputs(self) -> Map:
        return self.section("Outputs")

    @property
    def metadata(self) -> Map:
        return self.section("Metadata")

    @property
    def is_sam(self) -> bool:
        transform = self.data.get("Transform")
        names = transform if isinstance(transform, list) else [transform]
        return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)


_MAX_CONDITION_DEPTH = 16


def _condition_value(conditions: dict, name: Any, depth: int) -> bool | None:
    if not isinstance(name, str) or depth > _MAX_CONDITION_DEPTH:
        return None
    return _truth(conditions, conditions.get(name), depth + 1)


def _truth(conditions: dict, node: Any, depth: int) -> bool | None:
    """The value of a condition expression built from literals, or None when it depends on
    anything else."""
    if not isinstance(node, dict) or len(node) != 1 or depth > _MAX_CONDITION_DEPTH:
        return None
    name, argument = next(iter(node.items()))
    if name == "Condition":
        return _condition_value(conditions, argument, depth + 1)
    if not isinstance(argument, list):
        return None
    if name == "Fn::Equals" and len(argument) == 2:
        literal = (str, int, float, bool)
        if all(isinstance(side, literal) for side in argument):
            return str(argument[0]).lower() == str(argument[1]).lower()
        return None
    values = [_truth(conditions, item, depth + 1) for item in argument]
    if name == "Fn::Not" and len(values) == 1:
        return None if values[0] is None else not values[0]
    if name == "Fn::And":
        return False if False in values else (True if None not in values else None)
    if name == "Fn::Or":
        return True if True in values else (False if None not in values else None)
    return None
