"""What an EC2 instance or Auto Scaling group is made of: its launch template, tags, data
volumes, user data text and operating system, read through the launch template it names."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from ...app import App
from ...template.resolve import Sym, intrinsic, is_no_value
from ...template.template import Resource
from ...template.walk import ABSENT, lookup
from .coverage import Tags, merge_tags, read_tags

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
MAX_TEXT = 200_000


def launch_templates(app: App, resource: Resource) -> list[Resource]:
    """Launch templates (or launch configurations) an instance or a group launches from."""
    resolver = app.resolver(resource.template)
    nodes = [resource.prop("LaunchTemplate")]
    nodes.append(
        resource.prop("MixedInstancesPolicy", "LaunchTemplate", "LaunchTemplateSpecification")
    )
    found: list[Resource] = []
    for node in nodes:
        if isinstance(node, dict):
            reference = node.get("LaunchTemplateId", node.get("LaunchTemplateName"))
            for target in resolver.references(reference):
                template = app.resource_at(target)
                if template is not None and template.type == LAUNCH_TEMPLATE:
                    found.append(template)
    for target in resolver.references(resource.prop("LaunchConfigurationName")):
        configuration = app.resource_at(target)
        if configuration is not None and configuration.type == LAUNCH_CONFIGURATION:
            found.append(configuration)
    return found


def launch_data(source: Resource) -> Any:
    """The launch settings of an instance, launch configuration or launch template."""
    if source.type == LAUNCH_TEMPLATE:
        data = source.prop("LaunchTemplateData")
        return data if isinstance(data, dict) else {}
    return source.properties


def data_volumes(
    app: App, sources: list[Resource], root_names: set[str], kept_only: bool = False
) -> list[str]:
    """Device names of the EBS volumes besides the root volume in these launch settings;
    with `kept_only`, only those that outlive their instance (DeleteOnTermination false)."""
    found: list[str] = []
    for source in sources:
        resolver = app.resolver(source.template)
        for mapping, _ in lookup(launch_data(source), ("BlockDeviceMappings", "*")):
            if not isinstance(mapping, dict) or intrinsic(mapping) is not None:
                continue
            ebs = mapping.get("Ebs")
            if ebs is None or is_no_value(ebs) or "NoDevice" in mapping:
                continue
            name = resolver.literal(mapping.get("DeviceName"))
            if name is None or name.lower() in root_names:
                continue
            if kept_only:
                kept = ebs.get("DeleteOnTermination") if isinstance(ebs, dict) else None
                if (resolver.literal(kept) or "true").lower() != "false":
                    continue
            found.append(name)
    return found


def tag_specifications(app: App, source: Resource, resource_type: str) -> Tags | None:
    if source.type != LAUNCH_TEMPLATE:
        return {}
    resolver = app.resolver(source.template)
    merged: Tags | None = {}
    for item, _ in lookup(launch_data(source), ("TagSpecifications", "*")):
        if not isinstance(item, dict):
            continue
        kind = resolver.literal(item.get("ResourceType"))
        if kind is None or kind.lower() == resource_type:
            merged = merge_tags(merged, read_tags(resolver, item.get("Tags")))
    return merged


def group_tags(app: App, group: Resource) -> Tags | None:
    """Tags an Auto Scaling group propagates to its instances."""
    resolver = app.resolver(group.template)
    tags: Tags | None = {}
    for item, _ in lookup(group.properties, ("Tags", "*")):
        if item is ABSENT:
            continue
        if not isinstance(item, dict):
            return None
        propagate = resolver.literal(item.get("PropagateAtLaunch"))
        if propagate is not None and propagate.lower() == "false":
            continue
        tags = merge_tags(tags, read_tags(resolver, [item]))
    return tags


def instance_and_volume_tags(app: App, resource: Resource) -> tuple[Tags | None, Tags | None]:
    """Tags of the instances a resource launches, and of the volumes launched with them."""
    resolver = app.resolver(resource.template)
    templates = launch_templates(app, resource)
    instance = merge_tags(*(tag_specifications(app, t, "instance") for t in templates))
    volume = merge_tags(*(tag_specifications(app, t, "volume") for t in templates))
    if resource.type == "AWS::AutoScaling::AutoScalingGroup":
        instance = merge_tags(instance, group_tags(app, resource))
    else:
        own = read_tags(resolver, resource.prop("Tags"))
        instance = merge_tags(instance, own)
        propagate = resolver.literal(resource.prop("PropagateTagsToVolumeOnCreation"))
        if propagate is not None and propagate.lower() == "true":
            volume = merge_tags(volume, own)
    return instance, volume


def text_of(app: App, source: Resource, node: Any) -> str:
    """Every literal piece of a value, in order: user data written with `Fn::Sub`, `Fn::Join` or
    `Fn::Base64`, or a base64 literal, becomes the script text (up to MAX_TEXT characters)."""
    pieces: list[str] = []
    stack = [node]
    size = 0
    while stack and size < MAX_TEXT:
        item = stack.pop()
        if isinstance(item, str):
            pieces.append(item)
            size += len(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    text = "".join(pieces)
    if text and " " not in text and "\n" not in text and len(text) % 4 == 0:
        try:
            return base64.b64decode(text, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return text
    return text


def user_data(app: App, sources: list[Resource]) -> Iterator[tuple[Resource, str]]:
    for source in sources:
        node = (
            launch_data(source).get("UserData") if isinstance(launch_data(source), dict) else None
        )
        if node is not None:
            yield source, text_of(app, source, node)


def _image_text(source: Resource, part: str | Sym) -> str:
    """A literal piece of an image ID, or the default of the SSM parameter it names."""
    if isinstance(part, str):
        return part
    parameter = source.template.parameters.get(part.name) if part.kind == "param" else None
    default = getattr(parameter, "default", None)
    return default if isinstance(default, str) else ""


def operating_system(
    app: App, sources: list[Resource], windows: list[str], linux: list[str]
) -> str | None:
    """'windows', 'linux' or None, from the image (an SSM parameter path) and user data."""
    texts: list[str] = []
    for source in sources:
        resolver = app.resolver(source.template)
        data = launch_data(source)
        image = data.get("ImageId") if isinstance(data, dict) else None
        for parts in resolver.values(image) if image is not None else ():
            texts.extend(_image_text(source, part) for part in parts)
        texts.extend(text for _, text in user_data(app, [source]))
    combined = "\n".join(texts)
    lowered = combined.lower()
    if any(marker.lower() in lowered for marker in windows):
        return "windows"
    if any(marker.lower() in lowered for marker in linux):
        return "linux"
    return None
