"""The run's identity policies, built once (`policy_index(ctx)`): which resources hold policy
statements, which identities (roles, users, groups, SSO permission sets, SAM functions with the
role SAM makes) each policy applies to, across the templates of the run."""

from __future__ import annotations

from typing import Any

from ...app import App
from ...template.resolve import Resolver
from ...template.scenarios import Scenario
from ...template.template import Resource
from .. import Context
from .policies import Statement, own_statements, scalars

_NAME_PROPERTY = {"role": "RoleName", "user": "UserName", "group": "GroupName"}
_KIND_OF_TYPE = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}


def policy_index(ctx: Context) -> PolicyIndex:
    data = ctx.model.data
    return ctx.app.shared(
        "iam.policies",
        lambda app: PolicyIndex(
            app, data["iam_policy_locations"], data["iam_aws_managed_policies"],
            data["iam_group_memberships"],
        ),
    )  # fmt: skip


class PolicyIndex:
    def __init__(
        self,
        app: App,
        locations: dict[str, Any],
        managed: dict[str, Any],
        memberships: dict[str, Any],
    ) -> None:
        self.app = app
        self.locations = locations
        self.managed = managed
        self.memberships = memberships
        self.holders = list(app.resources(*locations))
        self._statements: dict[tuple[int, Scenario | None], list[Statement]] = {}
        self._expansions: dict[int, tuple[Any, Any]] = {}
        self._sources: dict[int, list[Resource]] | None = None
        self._boundaries: set[int] = set()

    def statements(self, resource: Resource, scenario: Scenario | None = None) -> list[Statement]:
        """The statements written in `resource` as `scenario` sees them (all branches: None)."""
        key = (id(resource), scenario if scenario is not None and scenario.fixes_anything else None)
        found = self._statements.get(key)
        if found is None:
            resolver = self.app.resolver(resource.template).under(key[1])
            found = own_statements(
                resolver, resource, self.locations, self.managed, self._expansions
            )
            self._statements[key] = found
        return found

    def only_a_boundary(self, resource: Resource) -> bool:
        """True for a managed policy that is some identity's permissions boundary and is not
        attached to anyone: it caps permissions, it grants none."""
        if self._sources is None:
            self._sources = self._build_sources()
        return id(resource) in self._boundaries and not any(
            resource in found for found in self._sources.values()
        )

    def identities(self) -> list[Resource]:
        return [r for r in self.holders if self.locations[r.type].get("identity")]

    def boundary(self, identity: Resource) -> str | None:
        return self.locations[identity.type].get("boundary")

    def sources(self, identity: Resource) -> list[Resource]:
        """Other resources whose statements apply to `identity`: standalone policies attached
        to it, customer managed policies it names, its groups (for users) and theirs."""
        if self._sources is None:
            self._sources = self._build_sources()
        direct = self._sources.get(id(identity), [])
        if _KIND_OF_TYPE.get(identity.type) != "user":
            return direct
        found = list(direct)
        for source in direct:
            if source.type == "AWS::IAM::Group":
                found.extend(s for s in self._sources.get(id(source), []) if s not in found)
        return found

    # ---- building -------------------------------------------------------------------------

    def _build_sources(self) -> dict[int, list[Resource]]:
        by_name = self._identities_by_name()
        sources: dict[int, list[Resource]] = {}
        self._boundaries = set()

        def add(identity: Resource, source: Resource) -> None:
            found = sources.setdefault(id(identity), [])
            if source not in found and source is not identity:
                found.append(source)

        for holder in self.holders:
            location = self.locations[holder.type]
            resolver = self.app.resolver(holder.template)
            for prop, kind in (location.get("attach") or {}).items():
                for identity in self._named(resolver, holder.properties.get(prop), kind, by_name):
                    add(identity, holder)
            for prop, kind in (location.get("policies") or {}).items():
                if kind in ("managed", "sam") and prop in holder.properties:
                    for target in resolver.references(holder.properties[prop]):
                        policy = self.app.resource_at(target)
                        if policy is not None and policy.type == "AWS::IAM::ManagedPolicy":
                            add(holder, policy)
            boundary = location.get("boundary")
            if boundary and boundary in holder.properties:
                for target in resolver.references(holder.properties[boundary]):
                    policy = self.app.resource_at(target)
                    if policy is not None:
                        self._boundaries.add(id(policy))
            groups = location.get("groups")
            if groups and groups in holder.properties:
                for group in self._named(resolver, holder.properties[groups], "group", by_name):
                    add(holder, group)
        for membership_type, spec in self.memberships.items():
            for addition in self.app.resources(membership_type):
                resolver = self.app.resolver(addition.template)
                groups = self._named(resolver, addition.prop(spec["group"]), "group", by_name)
                users = self._named(resolver, addition.prop(spec["users"]), "user", by_name)
                for user in users:
                    for group in groups:
                        add(user, group)
        return sources

    def _identities_by_name(self) -> dict[tuple[str, str], Resource]:
        found: dict[tuple[str, str], Resource] = {}
        for resource in self.app.resources(*_KIND_OF_TYPE):
            kind = _KIND_OF_TYPE[resource.type]
            name = self.app.resolver(resource.template).literal(
                resource.properties.get(_NAME_PROPERTY[kind])
            )
            if name:
                found[(kind, name)] = resource
        return found

    def _named(
        self, resolver: Resolver, node: Any, kind: str, by_name: dict[tuple[str, str], Resource]
    ) -> list[Resource]:
        """The identities of `kind` a property names, by reference or by literal name."""
        if node is None:
            return []
        found: list[Resource] = []
        for target in resolver.references(node):
            resource = self.app.resource_at(target)
            if resource is not None and _KIND_OF_TYPE.get(resource.type) == kind:
                found.append(resource)
        for item in scalars(resolver, node) or []:
            for name in resolver.literals(item) or ():
                resource = by_name.get((kind, name))
                if resource is not None and resource not in found:
                    found.append(resource)
        return found
